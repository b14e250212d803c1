//! The calls that write a site's objects: the site itself (`addSite`, `updateSite`,
//! `deleteSite`), its public statistics, its goals and its custom dimensions.

use crate::matomo::Call;
use crate::matomo::codes::{MatomoName as _, MatomoNumber as _};
use crate::matomo::wire::{Dimension, Goal, Site};

/// The fields shared by `addSite` and `updateSite`. The six list fields are always sent
/// (an omitted one is erased by `updateSite`), `group` too (`""` clears it); timezone,
/// currency and type only when set (an empty string would mean "missing").
fn site_fields(mut call: Call, site: &Site) -> Call {
    let p = &mut call.params;
    p.push("siteName", &site.name);
    p.array("urls", &site.urls);
    p.bool("ecommerce", site.ecommerce);
    p.bool("siteSearch", site.site_search.enabled);
    p.comma_list(
        "searchKeywordParameters",
        &site.site_search.keyword_parameters,
    );
    p.comma_list(
        "searchCategoryParameters",
        &site.site_search.category_parameters,
    );
    p.comma_list("excludedIps", &site.exclusions.ips);
    p.comma_list("excludedQueryParameters", &site.exclusions.query_parameters);
    p.comma_list("excludedUserAgents", &site.exclusions.user_agents);
    p.comma_list("excludedReferrers", &site.exclusions.referrers);
    for (key, value) in [
        ("timezone", &site.timezone),
        ("currency", &site.currency),
        ("type", &site.site_type),
    ] {
        if !value.is_empty() {
            p.push(key, value);
        }
    }
    p.push("group", &site.group);
    p.push("keepURLFragments", site.keep_url_fragments.to_matomo());
    p.bool("excludeUnknownUrls", site.exclude_unknown_urls);
    if let Some(live) = site.live {
        // A switch the instance decides is ignored by Matomo: it is not sent.
        let switches: Vec<(&str, bool)> = [
            ("disable_visitor_log", live.disable_visitor_log),
            ("disable_visitor_profile", live.disable_visitor_profile),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| (name, value)))
        .collect();
        if !switches.is_empty() {
            p.plugin_settings("Live", &switches);
        }
    }
    call
}

/// `SitesManager.addSite` with every field (answers `{"value": id}`).
pub fn add_site(site: &Site) -> Call {
    site_fields(Call::new("SitesManager.addSite"), site)
}

/// `SitesManager.updateSite` with every field.
pub fn update_site(site: &Site) -> Call {
    site_fields(Call::for_site("SitesManager.updateSite", site.id), site)
}

/// `SitesManager.deleteSite`.
pub fn delete_site(id: u64) -> Call {
    Call::for_site("SitesManager.deleteSite", id)
}

/// Public statistics: `UsersManager.setUserAccess(anonymous, view|noaccess, idSites[])`.
pub fn set_public_stats(id: u64, public: bool) -> Call {
    let mut call = Call::new("UsersManager.setUserAccess")
        .with("userLogin", "anonymous")
        .with("access", if public { "view" } else { "noaccess" });
    call.params.array("idSites", &[id.to_string()]);
    call.site = Some(id);
    call
}

/// The goal fields of `addGoal` / `updateGoal`, every one sent (`updateGoal` is a full
/// replace). A `manually` goal has no pattern, but Matomo requires a non-empty `pattern`
/// and `patternType` anyway: send `manually` / `contains`, as recorded.
fn goal_fields(mut call: Call, goal: &Goal) -> Call {
    let manual = goal.match_attribute == "manually";
    let p = &mut call.params;
    p.goal_text("name", &goal.name);
    p.push("matchAttribute", &goal.match_attribute);
    if manual && goal.pattern.is_empty() {
        p.goal_text("pattern", "manually");
    } else {
        p.goal_text("pattern", &goal.pattern);
    }
    if manual && goal.pattern_type.is_empty() {
        p.push("patternType", "contains");
    } else {
        p.push("patternType", &goal.pattern_type);
    }
    p.bool("caseSensitive", goal.case_sensitive);
    p.push("revenue", goal.revenue);
    p.bool(
        "allowMultipleConversionsPerVisit",
        goal.allow_multiple_conversions,
    );
    p.goal_text("description", &goal.description);
    p.bool("useEventValueAsRevenue", goal.use_event_value_as_revenue);
    call
}

/// `Goals.addGoal` (answers `{"value": id}`).
pub fn add_goal(site: u64, goal: &Goal) -> Call {
    goal_fields(Call::for_site("Goals.addGoal", site), goal)
}

/// `Goals.updateGoal`, a full replace.
pub fn update_goal(site: u64, goal: &Goal) -> Call {
    goal_fields(
        Call::for_site("Goals.updateGoal", site).with("idGoal", goal.id),
        goal,
    )
}

/// `Goals.deleteGoal`.
pub fn delete_goal(site: u64, goal: u64) -> Call {
    Call::for_site("Goals.deleteGoal", site).with("idGoal", goal)
}

fn extractions(call: &mut Call, dim: &Dimension) {
    let records: Vec<Vec<(&str, String)>> = dim
        .extractions
        .iter()
        .map(|e| {
            vec![
                ("dimension", e.dimension.clone()),
                ("pattern", e.pattern.clone()),
            ]
        })
        .collect();
    call.params.records("extractions", &records);
}

/// `CustomDimensions.configureNewCustomDimension(idSite, name, scope, active, extractions,
/// caseSensitive)` (answers `{"value": id}`).
pub fn add_dimension(site: u64, dim: &Dimension) -> Call {
    let mut call = Call::for_site("CustomDimensions.configureNewCustomDimension", site)
        .with("name", &dim.name)
        .with("scope", dim.scope.to_matomo());
    call.params.bool("active", dim.active);
    extractions(&mut call, dim);
    call.params.bool("caseSensitive", dim.case_sensitive);
    call
}

/// `CustomDimensions.configureExistingCustomDimension(idDimension, idSite, name, active,
/// extractions, caseSensitive)`. Extractions are always sent (an omitted list resets
/// them; an empty list is sent as no field, which is that same reset to `[]`).
pub fn update_dimension(site: u64, dim: &Dimension) -> Call {
    let mut call = Call::new("CustomDimensions.configureExistingCustomDimension")
        .with("idDimension", dim.id)
        .with("idSite", site)
        .with("name", &dim.name);
    call.site = Some(site);
    call.params.bool("active", dim.active);
    extractions(&mut call, dim);
    call.params.bool("caseSensitive", dim.case_sensitive);
    call
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::desired::model::{DimensionScope, Extraction, KeepUrlFragments};
    use crate::matomo::calls::test_helpers::{self, assert_covers, ours};
    use crate::matomo::test_support::recording;
    use crate::matomo::wire::{ExclusionLists, LiveSwitches, SiteSearch};

    fn full_site() -> Site {
        Site {
            id: 0,
            name: "rec-full".into(),
            urls: vec![
                "https://full.example.com".into(),
                "https://alias.full.example.com".into(),
            ],
            timezone: "Europe/Paris".into(),
            currency: "CHF".into(),
            site_type: "website".into(),
            group: "recgroup".into(),
            ecommerce: true,
            site_search: SiteSearch {
                enabled: true,
                keyword_parameters: vec!["q".into(), "s".into()],
                category_parameters: vec!["cat".into(), "category".into()],
            },
            exclude_unknown_urls: true,
            keep_url_fragments: KeepUrlFragments::Keep,
            exclusions: ExclusionLists {
                ips: vec!["1.2.3.4".into(), "10.0.0.0/8".into(), "192.168.*.*".into()],
                query_parameters: vec!["sid".into(), "token".into()],
                user_agents: vec!["HeadlessChrome".into(), "curl".into()],
                referrers: vec!["ref.example.org".into(), ".cdn.example.net".into()],
            },
            live: Some(LiveSwitches {
                disable_visitor_log: Some(true),
                disable_visitor_profile: Some(false),
            }),
        }
    }

    #[test]
    fn add_site_sends_what_the_recording_sent_plus_the_profile_switch() {
        let call = add_site(&full_site());
        assert_covers(
            &call,
            "5.0.2",
            "SitesManager.addSite__all_params",
            &["startDate"],
        );
        let ours = ours(&call);
        assert_eq!(
            ours["settingValues[Live][1][name]"],
            "disable_visitor_profile"
        );
        assert_eq!(ours["settingValues[Live][1][value]"], "0");
        assert!(!ours.contains_key("startDate"));
    }

    #[test]
    fn update_site_always_sends_the_six_lists_and_the_group() {
        let mut site = full_site();
        site.id = 185;
        site.exclusions = ExclusionLists::default();
        site.site_search.keyword_parameters.clear();
        site.group.clear();
        site.live = None;
        let ours = ours(&update_site(&site));
        assert_eq!(ours["idSite"], "185");
        for key in [
            "excludedIps",
            "excludedQueryParameters",
            "excludedUserAgents",
            "excludedReferrers",
            "searchKeywordParameters",
            "group",
        ] {
            assert_eq!(
                ours.get(key).map(String::as_str),
                Some(""),
                "{key} must be sent, empty"
            );
        }
        assert_eq!(ours["searchCategoryParameters"], "cat,category");
        assert_eq!(ours["urls[0]"], "https://full.example.com");
        assert_eq!(ours["urls[1]"], "https://alias.full.example.com");
        assert_eq!(ours["keepURLFragments"], "1");
        assert_eq!(
            (
                ours["ecommerce"].as_str(),
                ours["excludeUnknownUrls"].as_str()
            ),
            ("1", "1")
        );
        assert!(!ours.keys().any(|k| k.starts_with("settingValues")));
        // The recorded Live-only update, with our two switches.
        let mut site = full_site();
        site.id = 185;
        site.live = Some(LiveSwitches {
            disable_visitor_log: Some(false),
            disable_visitor_profile: Some(true),
        });
        let ours = test_helpers::ours(&update_site(&site));
        assert_eq!(ours["settingValues[Live][0][name]"], "disable_visitor_log");
        assert_eq!(ours["settingValues[Live][0][value]"], "0");
        assert_eq!(
            ours["settingValues[Live][1][name]"],
            "disable_visitor_profile"
        );
        assert_eq!(ours["settingValues[Live][1][value]"], "1");
    }

    #[test]
    fn public_stats_is_anonymous_view_or_noaccess_with_a_bracket_array() {
        assert_eq!(
            ours(&set_public_stats(3, true)),
            BTreeMap::from([
                ("userLogin".into(), "anonymous".into()),
                ("access".into(), "view".into()),
                ("idSites[0]".into(), "3".into()),
            ])
        );
        assert_eq!(ours(&set_public_stats(3, false))["access"], "noaccess");
    }

    fn signup() -> Goal {
        Goal {
            id: 1,
            name: "Signup".into(),
            description: "signup done".into(),
            match_attribute: "url".into(),
            pattern: "/signup/thanks".into(),
            pattern_type: "contains".into(),
            case_sensitive: true,
            allow_multiple_conversions: true,
            revenue: 12.5,
            use_event_value_as_revenue: false,
        }
    }

    #[test]
    fn goals_send_every_field_as_recorded() {
        assert_covers(
            &add_goal(191, &signup()),
            "5.0.2",
            "Goals.addGoal__url_contains_all_params",
            &[],
        );
        let v3 = Goal {
            name: "Signup v3".into(),
            pattern: "https://goals.example.com/thanks".into(),
            pattern_type: "exact".into(),
            case_sensitive: false,
            allow_multiple_conversions: false,
            revenue: 7.0,
            description: "desc v3".into(),
            ..signup()
        };
        let call = update_goal(191, &v3);
        assert_covers(&call, "5.0.2", "Goals.updateGoal__all_params", &[]);
        assert_eq!(ours(&call)["useEventValueAsRevenue"], "0");
    }

    #[test]
    fn manual_goals_send_a_placeholder_pattern_and_percent_is_escaped() {
        let manual = Goal {
            name: "Manual".into(),
            match_attribute: "manually".into(),
            ..Goal::default()
        };
        assert_covers(
            &add_goal(191, &manual),
            "5.0.2",
            "Goals.addGoal__manually_minimal",
            &[],
        );
        // Matomo url-decodes goal texts once more after the form decoding (the recording
        // sent `50%25 off %41` and stored `50% off A`): what we send must decode to the text.
        let percent = Goal {
            name: "50% off %41".into(),
            match_attribute: "url".into(),
            pattern: "a%2Fb/.+/c+".into(),
            pattern_type: "contains".into(),
            description: "x%20y 100% 1+1".into(),
            ..Goal::default()
        };
        let sent = ours(&add_goal(191, &percent));
        let php_urldecode = |s: &str| -> String {
            form_urlencoded::parse(format!("v={s}").as_bytes())
                .next()
                .unwrap()
                .1
                .into_owned()
        };
        assert_eq!(sent["name"], "50%25 off %2541");
        assert_eq!(php_urldecode(&sent["name"]), "50% off %41");
        // PHP's urldecode also turns `+` into a space: `+` must arrive as `%2B`.
        assert_eq!(php_urldecode(&sent["pattern"]), "a%2Fb/.+/c+");
        assert_eq!(php_urldecode(&sent["description"]), "x%20y 100% 1+1");
        let rec = recording("5.0.2", "Goals.addGoal__name_with_percent_encoding");
        assert_eq!(
            php_urldecode(rec["request"]["params"]["name"].as_str().unwrap()),
            "50% off A"
        );
    }

    #[test]
    fn dimensions_send_nested_extractions() {
        let dim = Dimension {
            id: 0,
            name: "Page category".into(),
            scope: DimensionScope::Action,
            active: true,
            case_sensitive: false,
            extractions: vec![
                Extraction {
                    dimension: "url".into(),
                    pattern: "/category/(.+)/".into(),
                },
                Extraction {
                    dimension: "urlparam".into(),
                    pattern: "cat".into(),
                },
            ],
        };
        assert_covers(
            &add_dimension(191, &dim),
            "5.0.2",
            "CustomDimensions.configureNewCustomDimension__action_scope_extractions",
            &[],
        );
        let existing = ours(&update_dimension(191, &Dimension { id: 2, ..dim }));
        assert_eq!(existing["idDimension"], "2");
        assert_eq!(existing["extractions[1][pattern]"], "cat");
        assert_eq!(existing["caseSensitive"], "0");
        assert!(!existing.contains_key("scope"));
    }
}
