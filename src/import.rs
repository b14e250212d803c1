//! Import: live state → configuration values (and YAML). Pure.
//!
//! The same conversion lets the policy judge live values the configuration does not
//! manage ([`crate::policy::judged_state`]) and lets `audit` judge a live instance with no configuration.

use std::collections::{BTreeMap, BTreeSet};

use crate::desired::model::{
    AnonymizeIp, ComplianceMode, Config, CustomDimension, GlobalExclusions, Goal, Instance,
    InstanceDefaults, MatchAttribute, PatternType, Privacy, RawDataRetention, ReportsRetention,
    Retention, Site, SiteExclusions, SitePrivacy, SiteSearch, VisitorLog,
};
use crate::live::{DimensionState, GoalState, InstanceState, LiveState, SiteState};
use crate::matomo::codes::match_attribute;

/// A readable, stable configuration key from a name: lower-case ASCII letters,
/// digits and dashes (accents folded), never empty.
pub fn slug(name: &str) -> String {
    let out = ascii_slug(name);
    if out.is_empty() {
        "site".to_string()
    } else {
        out
    }
}

/// Unique keys for objects with names and ids, in the order given: the slug of the
/// name (`name`, `name-2`…), or `{prefix}-{id}` when the name has no letter or digit
/// that folds to ASCII (`東京サイト` → `site-5`).
pub fn keys_by_id<'a>(
    objects: impl IntoIterator<Item = (&'a str, u64)>,
    prefix: &str,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    objects
        .into_iter()
        .map(|(name, id)| {
            let slug = ascii_slug(name);
            let base = if slug.is_empty() {
                format!("{prefix}-{id}")
            } else {
                slug
            };
            let mut key = base.clone();
            let mut n = 2;
            while !seen.insert(key.clone()) {
                key = format!("{base}-{n}");
                n += 1;
            }
            key
        })
        .collect()
}

/// Lower-case ASCII letters, digits and single dashes; empty when nothing is left.
fn ascii_slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let folded = fold(c);
        for c in folded.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
    }
    out.trim_end_matches('-').to_string()
}

fn fold(c: char) -> String {
    let mapped = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'œ' | 'Œ' => "oe",
        'æ' | 'Æ' => "ae",
        'ß' => "ss",
        _ => return c.to_string(),
    };
    mapped.to_string()
}

/// Unique keys for names, in the order given: `name`, `name-2`, `name-3`…
pub fn unique_keys<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names
        .into_iter()
        .map(|name| {
            let base = slug(name);
            let mut key = base.clone();
            let mut n = 2;
            while !seen.insert(key.clone()) {
                key = format!("{base}-{n}");
                n += 1;
            }
            key
        })
        .collect()
}

/// The whole live state as a configuration: site keys derived from names, ids kept,
/// every readable value explicit.
pub fn to_config(live: &LiveState) -> Config {
    let sites: Vec<&SiteState> = live.sites.values().collect();
    let keys = keys_by_id(sites.iter().map(|s| (s.name.as_str(), s.id)), "site");
    Config {
        matomo: None,
        policy: None,
        instance: live.instance.as_ref().map(instance_to_config),
        sites: keys
            .into_iter()
            .zip(sites)
            .map(|(key, site)| (key, site_to_config(site)))
            .map(|(key, mut site)| {
                // A site's mode is written only where it differs from the instance's:
                // Matomo reports every site as enforced while the instance is.
                let instance = live.instance.as_ref().and_then(|i| i.compliance_mode);
                if instance == Some(ComplianceMode::CnilV1) || site.compliance_mode == instance {
                    site.compliance_mode = None;
                }
                (key, site)
            })
            .collect(),
        prune: None,
        owner: None,
        waivers: Vec::new(),
    }
}

fn non_empty(list: &[String]) -> Vec<String> {
    list.to_vec()
}

/// One live site as configuration (every readable field set).
pub fn site_to_config(site: &SiteState) -> Site {
    Site {
        id: Some(site.id),
        name: site.name.clone(),
        urls: site.urls.clone(),
        // Import describes what exists: never an absent site, never another owner.
        absent: false,
        owner: None,
        timezone: Some(site.timezone.clone()),
        currency: Some(site.currency.clone()),
        site_type: Some(site.site_type.clone()),
        group: Some(site.group.clone()),
        ecommerce: Some(site.ecommerce),
        site_search: Some(SiteSearch {
            enabled: site.site_search.enabled,
            keyword_parameters: non_empty(&site.site_search.keyword_parameters),
            category_parameters: non_empty(&site.site_search.category_parameters),
        }),
        exclude_unknown_urls: Some(site.exclude_unknown_urls),
        keep_url_fragments: Some(site.keep_url_fragments),
        exclusions: Some(SiteExclusions {
            ips: Some(site.exclusions.ips.clone()),
            query_parameters: Some(site.exclusions.query_parameters.clone()),
            user_agents: Some(site.exclusions.user_agents.clone()),
            referrers: Some(site.exclusions.referrers.clone()),
        }),
        // A switch the instance decides is not the site's: nothing is written for it.
        visitor_log: site
            .visitor_log
            .map(|log| VisitorLog {
                disabled: (!log.disabled_by_instance).then_some(log.disabled),
                profile_disabled: (!log.profile_disabled_by_instance)
                    .then_some(log.profile_disabled),
            })
            .filter(|log| log.disabled.is_some() || log.profile_disabled.is_some()),
        public_stats: site.public_stats,
        // A site's own privacy settings are written; using the instance's is the default.
        privacy: site
            .privacy
            .as_ref()
            .and_then(|p| p.settings.as_ref().filter(|_| p.own))
            .map(|s| SitePrivacy {
                own: true,
                anonymize_ip: Some(AnonymizeIp {
                    enabled: Some(s.anonymize_ip_enabled),
                    mask_bytes: Some(s.mask_bytes),
                    use_for_enrichment: Some(s.use_for_enrichment),
                }),
                anonymize_user_id: Some(s.anonymize_user_id),
                anonymize_order_id: Some(s.anonymize_order_id),
                anonymize_referrer: Some(s.anonymize_referrer),
                force_cookieless: Some(s.force_cookieless),
                randomize_config_id: s.randomize_config_id,
            }),
        compliance_mode: site.compliance_mode,
        // A goal matoform cannot write back as it is would be rewritten by the next
        // apply: it is left out (see `unrepresentable_goal`), and plan leaves it alone.
        goals: site.goals.as_ref().map(|goals| {
            let list: Vec<&GoalState> = goals
                .values()
                .filter(|goal| unrepresentable_goal(goal).is_none())
                .collect();
            keys_by_id(list.iter().map(|g| (g.name.as_str(), g.id)), "goal")
                .into_iter()
                .zip(list)
                .map(|(key, goal)| (key, goal_to_config(goal)))
                .collect()
        }),
        custom_dimensions: site.custom_dimensions.as_ref().map(|dims| {
            let list: Vec<&DimensionState> = dims.values().collect();
            keys_by_id(list.iter().map(|d| (d.name.as_str(), d.id)), "dimension")
                .into_iter()
                .zip(list)
                .map(|(key, dim)| (key, dimension_to_config(dim)))
                .collect()
        }),
    }
}

/// Why a configuration cannot describe a live goal as it is, or `None` when it can.
/// Matomo does not validate match attributes, so a goal created outside matoform can
/// hold one matoform does not know, or a combination `validate` refuses (see
/// [`MatchAttribute`]). Import leaves such a goal out and `plan` leaves it alone, rather
/// than turn it into a `url` goal or delete it.
pub fn unrepresentable_goal(goal: &GoalState) -> Option<String> {
    let what = format!("goal {} (\"{}\")", goal.id, goal.name);
    let Some(attribute) = match_attribute(&goal.match_attribute) else {
        return Some(format!(
            "{what} has the match attribute `{}` that matoform does not know",
            goal.match_attribute
        ));
    };
    match attribute {
        MatchAttribute::Manually => return None,
        MatchAttribute::VisitNbPageviews => {
            return Some(format!(
                "{what} has the match attribute `visit_nb_pageviews`, which Matomo matches like a URL containing the pattern"
            ));
        }
        MatchAttribute::Url
        | MatchAttribute::Title
        | MatchAttribute::File
        | MatchAttribute::ExternalWebsite
        | MatchAttribute::EventAction
        | MatchAttribute::EventCategory
        | MatchAttribute::EventName
        | MatchAttribute::VisitDuration => {}
    }
    let Ok(pattern_type) =
        serde_json::from_value::<PatternType>(serde_json::Value::String(goal.pattern_type.clone()))
    else {
        return Some(format!(
            "{what} has the pattern type `{}` that matoform does not know",
            goal.pattern_type
        ));
    };
    let numeric = attribute == MatchAttribute::VisitDuration;
    if numeric != (pattern_type == PatternType::GreaterThan) {
        return Some(format!(
            "{what} has the pattern type `{}` with the match attribute `{}`, which Matomo refuses",
            goal.pattern_type, goal.match_attribute
        ));
    }
    if numeric && goal.pattern.trim().parse::<f64>().is_err() {
        return Some(format!(
            "{what} has the pattern `{}`, not a number of minutes",
            goal.pattern
        ));
    }
    None
}

/// Notes on what `to_config` left out of each site, by site key: goals a configuration
/// cannot describe, one note per goal.
pub fn site_notes(live: &LiveState) -> Vec<(String, String)> {
    let sites: Vec<&SiteState> = live.sites.values().collect();
    let keys = keys_by_id(sites.iter().map(|s| (s.name.as_str(), s.id)), "site");
    keys.into_iter()
        .zip(sites)
        .flat_map(|(key, site)| {
            site.goals
                .iter()
                .flat_map(|goals| goals.values())
                .filter_map(unrepresentable_goal)
                .map(|reason| {
                    let note = format!(
                        "sites.{key}.goals: {reason}; it is left out (not managed): plan and apply leave it as it is"
                    );
                    (key.clone(), note)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn goal_to_config(goal: &GoalState) -> Goal {
    let attribute = match_attribute(&goal.match_attribute).unwrap_or_default();
    let manual = attribute == MatchAttribute::Manually;
    Goal {
        id: Some(goal.id),
        name: goal.name.clone(),
        description: goal.description.clone(),
        match_attribute: attribute,
        pattern: (!manual).then(|| goal.pattern.clone()),
        pattern_type: if manual {
            None
        } else {
            serde_json::from_value::<PatternType>(serde_json::Value::String(
                goal.pattern_type.clone(),
            ))
            .ok()
        },
        case_sensitive: goal.case_sensitive,
        allow_multiple_conversions: goal.allow_multiple_conversions,
        revenue: goal.revenue,
        use_event_value_as_revenue: goal.use_event_value_as_revenue,
    }
}

fn dimension_to_config(dim: &DimensionState) -> CustomDimension {
    CustomDimension {
        id: Some(dim.id),
        name: dim.name.clone(),
        scope: dim.scope,
        active: dim.active,
        case_sensitive: dim.case_sensitive,
        extractions: dim.extractions.clone(),
    }
}

/// Live instance settings as configuration (only the readable parts).
pub fn instance_to_config(instance: &InstanceState) -> Instance {
    Instance {
        privacy: instance.privacy.as_ref().map(|p| Privacy {
            anonymize_ip: Some(AnonymizeIp {
                enabled: Some(p.anonymize_ip_enabled),
                mask_bytes: Some(p.mask_bytes),
                use_for_enrichment: Some(p.use_for_enrichment),
            }),
            anonymize_user_id: Some(p.anonymize_user_id),
            anonymize_order_id: Some(p.anonymize_order_id),
            anonymize_referrer: Some(p.anonymize_referrer),
            force_cookieless: Some(p.force_cookieless),
            do_not_track: Some(p.do_not_track),
            randomize_config_id: p.randomize_config_id,
        }),
        retention: instance.retention.as_ref().map(|r| Retention {
            raw_data: r.raw_data.as_ref().map(|raw| RawDataRetention {
                delete: raw.delete,
                older_than_days: Some(raw.older_than_days),
            }),
            reports: r.reports.as_ref().map(|rep| ReportsRetention {
                delete: rep.delete,
                older_than_months: Some(rep.older_than_months),
                keep: Some(rep.keep.clone()),
            }),
        }),
        exclusions: instance.exclusions.as_ref().map(|e| GlobalExclusions {
            query_parameters: Some(e.query_parameters.clone()),
            ips: Some(e.ips.clone()),
            user_agents: Some(e.user_agents.clone()),
            referrers: Some(e.referrers.clone()),
        }),
        visitor_log: instance.visitor_log.map(|log| VisitorLog {
            disabled: Some(log.disabled),
            profile_disabled: Some(log.profile_disabled),
        }),
        defaults: instance.defaults.as_ref().map(|d| InstanceDefaults {
            timezone: Some(d.timezone.clone()),
            currency: Some(d.currency.clone()),
        }),
        compliance_mode: instance.compliance_mode,
    }
}

/// The configuration without the values the policy profile would fill in anyway
/// (a short file is a readable file). Planning the result gives the same plan.
pub fn without_defaults(config: &Config) -> Config {
    let mut out = config.clone();
    for (key, site) in out.sites.iter_mut() {
        let minimal = Config {
            policy: config.policy.clone(),
            sites: BTreeMap::from([(
                key.clone(),
                Site {
                    name: site.name.clone(),
                    urls: site.urls.clone(),
                    ..Site::default()
                },
            )]),
            ..Config::default()
        };
        let filled = crate::policy::effective(&minimal);
        if let Some(defaults) = filled.sites.get(key) {
            let pruned = prune_equal(
                serde_json::to_value(&*site).unwrap_or_default(),
                &serde_json::to_value(defaults).unwrap_or_default(),
                &["name", "urls"],
            );
            if let Ok(pruned) = serde_json::from_value(pruned) {
                *site = pruned;
            }
        }
    }
    if let Some(instance) = &out.instance {
        let minimal = Config {
            policy: config.policy.clone(),
            instance: Some(Instance::default()),
            ..Config::default()
        };
        if let Some(defaults) = crate::policy::effective(&minimal).instance {
            let pruned = prune_equal(
                serde_json::to_value(instance).unwrap_or_default(),
                &serde_json::to_value(&defaults).unwrap_or_default(),
                &[],
            );
            if let Ok(pruned) = serde_json::from_value(pruned) {
                out.instance = Some(pruned);
            }
        }
    }
    out
}

/// Removes from `value` the object members equal to those of `defaults`, recursively
/// (an emptied object is removed too), except the `keep` top-level keys.
fn prune_equal(
    value: serde_json::Value,
    defaults: &serde_json::Value,
    keep: &[&str],
) -> serde_json::Value {
    use serde_json::Value;
    match (value, defaults) {
        (Value::Object(map), Value::Object(defaults)) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                match defaults.get(&k) {
                    Some(d) if !keep.contains(&k.as_str()) => {
                        if &v == d {
                            continue;
                        }
                        let pruned = prune_equal(v, d, &[]);
                        if pruned.as_object().is_some_and(|m| m.is_empty()) {
                            continue;
                        }
                        out.insert(k, pruned);
                    }
                    _ => {
                        out.insert(k, v);
                    }
                }
            }
            Value::Object(out)
        }
        (value, _) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable_and_unique() {
        assert_eq!(slug("Mon Service Public"), "mon-service-public");
        assert_eq!(slug("Démarches   simplifiées!"), "demarches-simplifiees");
        assert_eq!(slug("  "), "site");
        assert_eq!(
            unique_keys(["Blog", "blog", "Blog"]),
            ["blog", "blog-2", "blog-3"]
        );
        assert_eq!(
            keys_by_id(
                [("東京サイト", 5), ("Œuvres", 6), ("", 7), ("site-5", 8)],
                "site"
            ),
            ["site-5", "oeuvres", "site-7", "site-5-2"]
        );
    }
}
