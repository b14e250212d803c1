//! The API calls matoform sends, built as plain data from Matomo's wire shapes (pure,
//! unit-tested): each builder sends every argument Matomo would otherwise reset or
//! erase. A site's objects in `sites.rs`, the instance's and the privacy settings in
//! `settings.rs`.

mod settings;
mod sites;

pub use settings::*;
pub use sites::*;

use super::Call;
/// The query-parameter exclusion type; its home is [`super::wire`] (a fact about Matomo's
/// exclusion lists), named here too for the callers that build the global setter's call.
pub use super::wire::{RECOMMENDED_PII, query_parameters_type};

/// `SitesManager.getJavascriptTag` for code that keeps the site exempt from consent (a
/// read): Do Not Track honoured, cookies disabled when `disable_cookies` (left out when
/// the instance forces cookieless tracking), the site's alias URLs merged into
/// `setDomains`, no cross-domain linking, no `<noscript>` image.
pub fn javascript_tag(site: u64, disable_cookies: bool) -> Call {
    let mut call = Call::for_site("SitesManager.getJavascriptTag", site);
    call.params.bool("mergeAliasUrls", true);
    call.params.bool("doNotTrack", true);
    call.params.bool("disableCookies", disable_cookies);
    call.params.bool("trackNoScript", false);
    call.params.bool("crossDomain", false);
    call
}

/// Test helpers shared by the builders' tests: recorded requests against ours.
#[cfg(test)]
pub(super) mod test_helpers {
    use std::collections::BTreeMap;

    use crate::matomo::Call;
    use crate::matomo::test_support::recording;

    /// The recorded request's parameters (form-decoded from `encoded_body`, without the
    /// module/method/format prefix), with `key[]` numbered `key[0]`, `key[1]`…
    pub(super) fn recorded_params(version: &str, name: &str) -> BTreeMap<String, String> {
        let rec = recording(version, name);
        let body = rec["request"]["encoded_body"].as_str().unwrap();
        let mut counters: BTreeMap<String, usize> = BTreeMap::new();
        form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .filter(|(k, _)| !matches!(k.as_str(), "module" | "method" | "format"))
            .map(|(k, v)| match k.strip_suffix("[]") {
                Some(base) => {
                    let n = counters.entry(base.to_string()).or_default();
                    *n += 1;
                    (format!("{base}[{}]", *n - 1), v)
                }
                None => (k, v),
            })
            .collect()
    }

    /// Our parameters, form-encoded and decoded again (as PHP sees them).
    pub(super) fn ours(call: &Call) -> BTreeMap<String, String> {
        let encoded = call.params.encode();
        let pairs: Vec<(String, String)> = form_urlencoded::parse(encoded.as_bytes())
            .into_owned()
            .collect();
        let map: BTreeMap<String, String> = pairs.iter().cloned().collect();
        assert_eq!(map.len(), pairs.len(), "a key is repeated in {encoded}");
        map
    }

    /// Every recorded parameter is sent with the recorded value (except `ignore`).
    pub(super) fn assert_covers(call: &Call, version: &str, name: &str, ignore: &[&str]) {
        let ours = ours(call);
        for (key, value) in recorded_params(version, name) {
            if ignore.contains(&key.as_str()) {
                continue;
            }
            assert_eq!(
                ours.get(&key),
                Some(&value),
                "{name}: parameter {key}; ours: {ours:?}"
            );
        }
    }
}
