//! Read-back check of the acceptance rule: the values Matomo's own API answers after an
//! apply must equal what the configuration says. Written apart from matoform's diff, with
//! Matomo's documented save rules (trailing `/` of URLs dropped, list entries trimmed and
//! split on commas, names trimmed), so a normalisation bug in matoform cannot hide here.

use std::collections::{BTreeMap, BTreeSet};

use matoform::desired::model::{Config, Goal, KeepUrlFragments, Site};
use serde_json::Value;

use crate::harness::{Kit, text};

/// One field that differs: `site[key].field: Matomo has X, the configuration says Y`.
#[derive(Debug)]
pub struct Mismatch(pub String);

/// Checks every site of `config` that has an id or a live main URL; panics listing
/// every mismatch.
#[track_caller]
pub fn assert_matches(kit: &Kit, config: &Config) {
    let mut mismatches = Vec::new();
    for (key, site) in &config.sites {
        let id = match site.id {
            Some(id) => Some(id),
            None => site
                .urls
                .first()
                .and_then(|u| kit.site_id_by_url(&trim_slash(u))),
        };
        let Some(id) = id else {
            mismatches.push(Mismatch(format!("site[{key}]: not found in Matomo")));
            continue;
        };
        check_site(kit, key, id, site, &mut mismatches);
    }
    assert!(
        mismatches.is_empty(),
        "Matomo {} does not hold what the configuration says:\n{}",
        kit.version,
        mismatches
            .iter()
            .map(|m| format!("  {}", m.0))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Parses a configuration written by a test.
pub fn parse(yaml: &str) -> Config {
    serde_yaml::from_str(yaml).expect("test configuration parses")
}

fn trim_slash(url: &str) -> String {
    let url = url.trim();
    if url.len() > 5 && url.ends_with('/') {
        url[..url.len() - 1].to_string()
    } else {
        url.to_string()
    }
}

/// A configured list as Matomo stores it: entries split on commas, trimmed, empties
/// dropped, duplicates dropped (as a set).
fn list_set(items: &[String]) -> BTreeSet<String> {
    items
        .iter()
        .flat_map(|i| i.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn live_list(site: &Value, key: &str) -> BTreeSet<String> {
    list_set(&[text(site, key)])
}

/// The items of a list Matomo answers as an array or as an object keyed by id.
pub fn items(value: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match value {
        Value::Array(a) => Box::new(a.iter()),
        Value::Object(o) => Box::new(o.values()),
        _ => Box::new(std::iter::empty()),
    }
}

fn flag(value: &Value, key: &str) -> bool {
    match value.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::String(s)) => s == "1" || s == "true",
        _ => false,
    }
}

fn check_site(kit: &Kit, key: &str, id: u64, site: &Site, out: &mut Vec<Mismatch>) {
    let ids = id.to_string();
    let live = kit.api("SitesManager.getSiteFromId", &[("idSite", &ids)]);
    let mut expect = |field: &str, matomo: String, config: String| {
        if matomo != config {
            out.push(Mismatch(format!(
                "site[{key}] (id {id}).{field}: Matomo has {matomo:?}, the configuration says {config:?}"
            )));
        }
    };
    expect("name", text(&live, "name"), site.name.trim().to_string());
    let urls = kit.api("SitesManager.getSiteUrlsFromId", &[("idSite", &ids)]);
    let live_urls: Vec<String> = urls
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    expect(
        "urls[0]",
        live_urls.first().cloned().unwrap_or_default(),
        site.urls.first().map(|u| trim_slash(u)).unwrap_or_default(),
    );
    let alias_set = |urls: &[String]| -> Vec<String> {
        urls.iter()
            .skip(1)
            .map(|u| trim_slash(u))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let main = site.urls.first().map(|u| trim_slash(u)).unwrap_or_default();
    let configured_aliases: Vec<String> = alias_set(&site.urls)
        .into_iter()
        .filter(|u| *u != main)
        .collect();
    expect(
        "urls (aliases, any order)",
        format!("{:?}", alias_set(&live_urls)),
        format!("{configured_aliases:?}"),
    );
    if let Some(tz) = &site.timezone {
        expect("timezone", text(&live, "timezone"), tz.clone());
    }
    if let Some(currency) = &site.currency {
        expect("currency", text(&live, "currency"), currency.clone());
    }
    if let Some(kind) = &site.site_type {
        expect("type", text(&live, "type"), kind.clone());
    }
    if let Some(group) = &site.group {
        expect("group", text(&live, "group"), group.trim().to_string());
    }
    if let Some(ecommerce) = site.ecommerce {
        expect(
            "ecommerce",
            flag(&live, "ecommerce").to_string(),
            ecommerce.to_string(),
        );
    }
    if let Some(on) = site.exclude_unknown_urls {
        expect(
            "exclude_unknown_urls",
            flag(&live, "exclude_unknown_urls").to_string(),
            on.to_string(),
        );
    }
    if let Some(fragments) = site.keep_url_fragments {
        let code = match fragments {
            KeepUrlFragments::Default => "0",
            KeepUrlFragments::Keep => "1",
            KeepUrlFragments::Remove => "2",
        };
        expect(
            "keep_url_fragments",
            text(&live, "keep_url_fragment"),
            code.into(),
        );
    }
    if let Some(search) = &site.site_search {
        expect(
            "site_search.enabled",
            flag(&live, "sitesearch").to_string(),
            search.enabled.to_string(),
        );
        expect(
            "site_search.keyword_parameters",
            format!("{:?}", live_list(&live, "sitesearch_keyword_parameters")),
            format!("{:?}", list_set(&search.keyword_parameters)),
        );
        expect(
            "site_search.category_parameters",
            format!("{:?}", live_list(&live, "sitesearch_category_parameters")),
            format!("{:?}", list_set(&search.category_parameters)),
        );
    }
    if let Some(exclusions) = &site.exclusions {
        for (field, wire, configured) in [
            ("exclusions.ips", "excluded_ips", &exclusions.ips),
            (
                "exclusions.query_parameters",
                "excluded_parameters",
                &exclusions.query_parameters,
            ),
            (
                "exclusions.user_agents",
                "excluded_user_agents",
                &exclusions.user_agents,
            ),
            (
                "exclusions.referrers",
                "excluded_referrers",
                &exclusions.referrers,
            ),
        ] {
            if let Some(list) = configured {
                expect(
                    field,
                    format!("{:?}", live_list(&live, wire)),
                    format!("{:?}", list_set(list)),
                );
            }
        }
    }
    if let Some(goals) = &site.goals {
        check_goals(kit, key, id, goals, out);
    }
    if let Some(dimensions) = &site.custom_dimensions {
        check_dimensions(kit, key, id, dimensions, out);
    }
}

/// Goal fields as Matomo answers them, as comparable strings.
fn live_goal(goal: &Value) -> BTreeMap<&'static str, String> {
    let manual = text(goal, "match_attribute") == "manually";
    BTreeMap::from([
        ("description", text(goal, "description")),
        ("match_attribute", text(goal, "match_attribute")),
        (
            "pattern",
            if manual {
                String::new()
            } else {
                text(goal, "pattern")
            },
        ),
        (
            "pattern_type",
            if manual {
                String::new()
            } else {
                text(goal, "pattern_type")
            },
        ),
        (
            "case_sensitive",
            if manual {
                "false".into()
            } else {
                flag(goal, "case_sensitive").to_string()
            },
        ),
        (
            "allow_multiple_conversions",
            flag(goal, "allow_multiple").to_string(),
        ),
        (
            "revenue",
            goal.get("revenue")
                .and_then(|r| r.as_f64().or_else(|| r.as_str()?.parse().ok()))
                .unwrap_or(0.0)
                .to_string(),
        ),
        (
            "use_event_value_as_revenue",
            flag(goal, "event_value_as_revenue").to_string(),
        ),
    ])
}

fn configured_goal(goal: &Goal) -> BTreeMap<&'static str, String> {
    let manual = matches!(
        goal.match_attribute,
        matoform::desired::model::MatchAttribute::Manually
    );
    let kind = serde_json::to_value(goal.match_attribute)
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    let pattern_type = goal
        .pattern_type
        .map(|p| {
            serde_json::to_value(p)
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .unwrap_or_default()
        })
        .unwrap_or_else(|| "contains".into());
    BTreeMap::from([
        ("description", goal.description.clone()),
        ("match_attribute", kind),
        (
            "pattern",
            if manual {
                String::new()
            } else {
                goal.pattern.clone().unwrap_or_default()
            },
        ),
        (
            "pattern_type",
            if manual { String::new() } else { pattern_type },
        ),
        (
            "case_sensitive",
            (goal.case_sensitive && !manual).to_string(),
        ),
        (
            "allow_multiple_conversions",
            goal.allow_multiple_conversions.to_string(),
        ),
        ("revenue", goal.revenue.to_string()),
        (
            "use_event_value_as_revenue",
            goal.use_event_value_as_revenue.to_string(),
        ),
    ])
}

fn check_goals(
    kit: &Kit,
    key: &str,
    id: u64,
    goals: &BTreeMap<String, Goal>,
    out: &mut Vec<Mismatch>,
) {
    let ids = id.to_string();
    let live = kit.api("Goals.getGoals", &[("idSite", &ids)]);
    let live: BTreeMap<String, &Value> = items(&live).map(|g| (text(g, "name"), g)).collect();
    let configured: BTreeSet<String> = goals.values().map(|g| g.name.clone()).collect();
    let names: BTreeSet<String> = live.keys().cloned().collect();
    if names != configured {
        out.push(Mismatch(format!(
            "site[{key}] (id {id}).goals: Matomo has {names:?}, the configuration says {configured:?}"
        )));
    }
    for (goal_key, goal) in goals {
        let Some(found) = live.get(&goal.name) else {
            continue;
        };
        let (matomo, config) = (live_goal(found), configured_goal(goal));
        for (field, want) in &config {
            if matomo.get(field) != Some(want) {
                out.push(Mismatch(format!(
                    "site[{key}].goal[{goal_key}].{field}: Matomo has {:?}, the configuration says {want:?}",
                    matomo.get(field)
                )));
            }
        }
    }
}

fn check_dimensions(
    kit: &Kit,
    key: &str,
    id: u64,
    dimensions: &BTreeMap<String, matoform::desired::model::CustomDimension>,
    out: &mut Vec<Mismatch>,
) {
    let ids = id.to_string();
    let live = kit.api(
        "CustomDimensions.getConfiguredCustomDimensions",
        &[("idSite", &ids)],
    );
    let live: BTreeMap<(String, String), &Value> = items(&live)
        .map(|d| ((text(d, "name"), text(d, "scope")), d))
        .collect();
    for (dim_key, dim) in dimensions {
        let scope = serde_json::to_value(dim.scope)
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .unwrap_or_default();
        let Some(found) = live.get(&(dim.name.clone(), scope.clone())) else {
            out.push(Mismatch(format!(
                "site[{key}].custom_dimension[{dim_key}]: Matomo has no {scope} dimension named {:?}",
                dim.name
            )));
            continue;
        };
        let mut expect = |field: &str, matomo: String, config: String| {
            if matomo != config {
                out.push(Mismatch(format!(
                    "site[{key}].custom_dimension[{dim_key}].{field}: Matomo has {matomo:?}, the configuration says {config:?}"
                )));
            }
        };
        expect(
            "active",
            flag(found, "active").to_string(),
            dim.active.to_string(),
        );
        if !dim.extractions.is_empty() {
            expect(
                "case_sensitive",
                flag(found, "case_sensitive").to_string(),
                dim.case_sensitive.to_string(),
            );
        }
        let extractions: Vec<(String, String)> = found
            .get("extractions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|e| (text(e, "dimension"), text(e, "pattern")))
                    .collect()
            })
            .unwrap_or_default();
        let configured: Vec<(String, String)> = dim
            .extractions
            .iter()
            .map(|e| (e.dimension.clone(), e.pattern.clone()))
            .collect();
        expect(
            "extractions",
            format!("{extractions:?}"),
            format!("{configured:?}"),
        );
    }
}
