//! Semantic checks of the `sites` entries: keys, ids, URLs claimed once, absent
//! entries, owners, and each site's values, goals and dimensions.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Checker;
use super::goals::{check_dimensions, check_goals};
use super::values::{check_currency, check_ips, check_timezone, check_url, normalize_url};
use crate::desired::schema_check::display_path;
use crate::desired::yaml::escape;

/// Checks every entry of `sites` (`root`: the whole configuration, for its `owner`).
pub(super) fn check(checker: &mut Checker, root: &Value, sites: &serde_json::Map<String, Value>) {
    let mut ids: BTreeMap<u64, String> = BTreeMap::new();
    // URL → (site key, pointer, that site's `id`).
    let mut claimed: BTreeMap<String, (String, String, Option<u64>)> = BTreeMap::new();
    for (key, site) in sites {
        let base = format!("/sites/{}", escape(key));
        if !is_valid_site_key(key) {
            let suggestion = suggest_site_key(key);
            checker.push(
                checker.key_at(&base),
                format!("site key `{key}` must be lower-case letters, digits and dashes"),
                Some(if suggestion.is_empty() {
                    "rename it, e.g. `mon-service`".into()
                } else {
                    format!("rename it to `{suggestion}`")
                }),
            );
        }
        if let Some(id) = site.get("id").and_then(Value::as_u64) {
            if let Some(first) = ids.get(&id) {
                let first_at = checker.at(&format!("/sites/{}/id", escape(first)));
                checker.push(
                    checker.at(&format!("{base}/id")),
                    format!("site id {id} is given to both `{first}` ({first_at}) and `{key}`"),
                    Some("each Matomo site can be bound by one entry only: remove or correct one of the ids".into()),
                );
            } else {
                ids.insert(id, key.clone());
            }
        }
        let site_id = site.get("id").and_then(Value::as_u64);
        let absent = site.get("absent").and_then(Value::as_bool) == Some(true);
        if absent {
            check_absent(checker, site, &base, root.get("owner"));
        }
        if site.get("owner").is_some() && root.get("owner").is_none() {
            checker.push(
                checker.key_at(&format!("{base}/owner")),
                format!("site `{key}` names an owner, but this configuration has no `owner:` label of its own, so it cannot tell its own sites from the others'"),
                Some("add `owner: <this repository's label>` at the top level (e.g. `owner: central`)".into()),
            );
        }
        if let Some(urls) = site.get("urls").and_then(Value::as_array) {
            check_url_collation(checker, key, urls, &base);
        }
        // An absent entry's URLs bind nothing (it is bound by id): they claim no URL.
        if let Some(urls) = site
            .get("urls")
            .and_then(Value::as_array)
            .filter(|_| !absent)
        {
            for (i, url) in urls.iter().enumerate() {
                let Some(url) = url.as_str() else { continue };
                let pointer = format!("{base}/urls/{i}");
                if !check_url(checker, url, &pointer) {
                    continue;
                }
                let normal = normalize_url(url);
                match claimed.get(&normal) {
                    // Sites bound by different ids may share a URL, as Matomo allows
                    // (an import of such an instance stays valid); a site without an
                    // id is bound by its first URL, which must then be unambiguous.
                    Some((other, _, Some(other_id)))
                        if other != key && site_id.is_some_and(|id| id != *other_id) => {}
                    Some((other, other_pointer, _)) => {
                        let first_at = checker.at(other_pointer);
                        let message = if other == key {
                            format!(
                                "URL {url} is listed twice for site `{key}` (also at {first_at})"
                            )
                        } else {
                            format!(
                                "URL {url} is claimed by sites `{other}` ({first_at}) and `{key}`"
                            )
                        };
                        checker.push(
                            checker.at(&pointer),
                            message,
                            Some("a URL belongs to one site: remove it from one of them".into()),
                        );
                    }
                    None => {
                        claimed.insert(normal, (key.clone(), pointer, site_id));
                    }
                }
            }
        }
        check_timezone(checker, site.get("timezone"), &format!("{base}/timezone"));
        check_currency(checker, site.get("currency"), &format!("{base}/currency"));
        if let Some(ips) = site.get("exclusions").and_then(|e| e.get("ips")) {
            check_ips(checker, ips, &format!("{base}/exclusions/ips"));
        }
        if let Some(goals) = site.get("goals").and_then(Value::as_object) {
            check_goals(checker, goals, &base);
        }
        if let Some(dimensions) = site.get("custom_dimensions").and_then(Value::as_object) {
            check_dimensions(checker, dimensions, &base);
        }
    }
}

/// Whether a site key is lower-case letters, digits and dashes.
pub(super) fn is_valid_site_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('-')
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub(super) fn suggest_site_key(key: &str) -> String {
    let mut out = String::new();
    for c in key.trim().to_lowercase().chars() {
        let c = match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The keys an entry with `absent: true` may have: the others would not be used.
pub(super) const ABSENT_KEYS: [&str; 5] = ["id", "name", "urls", "absent", "owner"];

/// An entry with `absent: true`: bound by its id (the schema requires it), with no
/// settings (they would not be used), and owned by this configuration.
pub(super) fn check_absent(
    checker: &mut Checker,
    site: &Value,
    base: &str,
    repository: Option<&Value>,
) {
    let Some(entry) = site.as_object() else {
        return;
    };
    let unused: Vec<&str> = entry
        .keys()
        .map(String::as_str)
        .filter(|k| !ABSENT_KEYS.contains(k))
        .collect();
    if !unused.is_empty() {
        checker.push(
            checker.key_at(&format!("{base}/{}", escape(unused[0]))),
            format!(
                "{} has `absent: true`, so its settings are not used: {}",
                display_path(base),
                unused.join(", ")
            ),
            Some("remove them: an absent entry needs only `id` (and may keep `name` and `urls` as a reminder)".into()),
        );
    }
    if let Some(owner) = entry.get("owner").and_then(Value::as_str) {
        if repository.and_then(Value::as_str) != Some(owner) {
            checker.push(
                checker.at(&format!("{base}/owner")),
                format!(
                    "{} has `absent: true` but is owned by `{owner}`: a configuration never deletes a site another repository owns",
                    display_path(base)
                ),
                Some(format!("delete it from `{owner}`'s configuration, or remove `owner` if this configuration owns the site")),
            );
        }
    }
}

/// Two alias URLs of a site that differ only by case or accents (once Matomo drops a trailing
/// `/`): Matomo keeps a site's URLs in a table whose collation (utf8mb4_general_ci)
/// compares them equal, and answers a database error after writing the site half-way.
pub(super) fn check_url_collation(checker: &mut Checker, key: &str, urls: &[Value], base: &str) {
    fn fold(url: &str) -> String {
        crate::matomo::stored::url(url)
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| match c {
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
                'ç' => 'c',
                'è' | 'é' | 'ê' | 'ë' => 'e',
                'ì' | 'í' | 'î' | 'ï' => 'i',
                'ñ' => 'n',
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
                'ù' | 'ú' | 'û' | 'ü' => 'u',
                'ý' | 'ÿ' => 'y',
                other => other,
            })
            .collect()
    }
    // The aliases only: the main URL is stored in the site's own row.
    let mut seen: Vec<(String, String)> = Vec::new();
    for (i, url) in urls.iter().enumerate().skip(1) {
        let Some(url) = url.as_str() else { continue };
        let stored = crate::matomo::stored::url(url);
        let folded = fold(url);
        if let Some((first, _)) = seen.iter().find(|(s, f)| *f == folded && *s != stored) {
            checker.push(
                checker.at(&format!("{base}/urls/{i}")),
                format!("site `{key}`: URLs {first} and {stored} differ only by case or accents, which Matomo's URL table does not tell apart (it answers a database error after writing the site half-way)"),
                Some("keep one of them".into()),
            );
        } else {
            seen.push((stored, folded));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_keys() {
        assert!(is_valid_site_key("mon-service-2"));
        assert!(!is_valid_site_key("Mon_Service"));
        assert_eq!(suggest_site_key("Mon Service Été"), "mon-service-ete");
    }
}
