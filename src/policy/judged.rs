//! Policy, before the rules: the state a plan judges. The desired values, and for
//! what the configuration leaves out, the live ones (converted by [`crate::import`]).
//! A merge that fails is an error naming the site: the policy never silently judges
//! the desired configuration alone.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::desired::model::Config;
use crate::import::{instance_to_config, site_to_config};
use crate::live::LiveState;

/// Why the desired and live settings of one part could not be merged for judging.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot judge {subject} against the policy: its desired settings merged with the live ones do not form a valid {subject} ({step}: {source}). Check the {subject}'s settings in the configuration; if `matoform validate` accepts them, this is a matoform bug: please report it"
)]
pub struct JudgeError {
    /// The part that failed: `site[key]` or `instance`.
    pub subject: String,
    /// The step that failed: reading the desired or live values, or reading the merge.
    pub step: &'static str,
    /// The serialisation error.
    #[source]
    pub source: serde_json::Error,
}

/// The configuration the policy judges during a plan: `desired`, and for what it leaves
/// out, the `live` values. `site_ids` maps configured site keys to their live ids (a
/// site without one is judged on its desired values: it does not exist yet). Goals,
/// dimensions and lists are taken whole, from the desired side when it states them.
///
/// Errors when a site's or the instance's merged settings cannot be read back: the
/// caller shows it, and no judgement is made.
pub fn judged_state(
    desired: &Config,
    live: &LiveState,
    site_ids: &BTreeMap<String, Option<u64>>,
) -> Result<Config, JudgeError> {
    let mut out = desired.clone();
    for (key, site) in out.sites.iter_mut() {
        let Some(live_site) = site_ids
            .get(key)
            .copied()
            .flatten()
            .and_then(|id| live.sites.get(&id))
        else {
            continue;
        };
        *site = merged(&format!("site[{key}]"), site, &site_to_config(live_site))?;
    }
    if let Some(live_instance) = &live.instance {
        let given = out.instance.clone().unwrap_or_default();
        out.instance = Some(merged(
            "instance",
            &given,
            &instance_to_config(live_instance),
        )?);
    }
    Ok(out)
}

/// `given` completed by `base` (see [`merge`]), read back as a `T`.
fn merged<T: Serialize + DeserializeOwned>(
    subject: &str,
    given: &T,
    base: &T,
) -> Result<T, JudgeError> {
    let fail = |step: &'static str| {
        move |source| JudgeError {
            subject: subject.to_owned(),
            step,
            source,
        }
    };
    let given = serde_json::to_value(given).map_err(fail("reading the desired settings"))?;
    let base = serde_json::to_value(base).map_err(fail("reading the live settings"))?;
    serde_json::from_value(merge(given, base)).map_err(fail("reading the merged settings"))
}

/// Deep merge of JSON objects: `given` wins; `base` fills what `given` lacks.
/// Arrays and the `goals` / `custom_dimensions` maps are taken whole.
fn merge(given: Value, base: Value) -> Value {
    match (given, base) {
        (Value::Object(mut g), Value::Object(b)) => {
            for (key, base_value) in b {
                match g.remove(&key) {
                    None | Some(Value::Null) => {
                        g.insert(key, base_value);
                    }
                    Some(given_value) => {
                        let merged = if key == "goals" || key == "custom_dimensions" {
                            given_value
                        } else {
                            merge(given_value, base_value)
                        };
                        g.insert(key, merged);
                    }
                }
            }
            Value::Object(g)
        }
        (given, _) => given,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::model::{Goal, Site};
    use crate::live::SiteState;

    fn live_shop() -> LiveState {
        let mut live = LiveState::default();
        live.sites.insert(
            7,
            SiteState {
                id: 7,
                name: "Live".into(),
                ecommerce: true,
                urls: vec!["https://a.fr".into()],
                ..Default::default()
            },
        );
        live
    }

    fn desired(site: Site) -> Config {
        let mut desired = Config::default();
        desired.sites.insert("a".into(), site);
        desired
    }

    fn ids() -> BTreeMap<String, Option<u64>> {
        BTreeMap::from([("a".to_string(), Some(7))])
    }

    #[test]
    fn fills_only_what_the_configuration_leaves_out() {
        let site = Site {
            name: "Desired".into(),
            urls: vec!["https://a.fr".into()],
            ..Default::default()
        };
        let judged = judged_state(&desired(site), &live_shop(), &ids()).expect("merges");
        let site = &judged.sites["a"];
        assert_eq!(site.name, "Desired");
        assert_eq!(site.ecommerce, Some(true));
    }

    #[test]
    fn a_site_without_live_id_is_judged_as_desired() {
        let site = Site {
            name: "New".into(),
            ..Default::default()
        };
        let ids = BTreeMap::from([("a".to_string(), None)]);
        let judged = judged_state(&desired(site.clone()), &live_shop(), &ids).expect("merges");
        assert_eq!(judged.sites["a"], site);
    }

    /// Formerly the failed merge was skipped: the live `ecommerce: true` went unjudged.
    #[test]
    fn a_failed_merge_is_an_error_naming_the_site() {
        // A revenue that is not a number is written as `null`, which does not read back.
        let goal = Goal {
            revenue: f64::NAN,
            ..Default::default()
        };
        let site = Site {
            name: "Desired".into(),
            urls: vec!["https://a.fr".into()],
            goals: Some(BTreeMap::from([("g".to_string(), goal)])),
            ..Default::default()
        };
        let error = judged_state(&desired(site), &live_shop(), &ids()).expect_err("fails");
        assert_eq!(error.subject, "site[a]");
        let message = error.to_string();
        assert!(
            message.starts_with("cannot judge site[a] against the policy"),
            "{message}"
        );
        assert!(message.contains("reading the merged settings"), "{message}");
    }
}
