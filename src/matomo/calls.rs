//! The API calls matoform writes with, built as plain data (pure, unit-tested): each
//! builder sends every argument Matomo would otherwise reset or erase.

use super::codes::{MatomoName as _, MatomoNumber as _};
use super::wire::{scope_to_matomo, version_at_least};
use super::{Call, MatomoError, Secret};
use crate::live::{
    DefaultsState, DimensionState, ExclusionsState, GoalState, PrivacyState, RetentionState,
    SitePrivacyState, SiteState, VisitorLogState,
};

/// The fields shared by `addSite` and `updateSite`. The six list fields are always sent
/// (an omitted one is erased by `updateSite`), `group` too (`""` clears it); timezone,
/// currency and type only when set (an empty string would mean "missing").
fn site_fields(mut call: Call, site: &SiteState) -> Call {
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
    if let Some(log) = site.visitor_log {
        // A switch the instance decides is ignored by Matomo: it is not sent.
        let switches: Vec<(&str, bool)> = [
            (
                "disable_visitor_log",
                log.disabled,
                log.disabled_by_instance,
            ),
            (
                "disable_visitor_profile",
                log.profile_disabled,
                log.profile_disabled_by_instance,
            ),
        ]
        .into_iter()
        .filter(|(_, _, by_instance)| !by_instance)
        .map(|(name, value, _)| (name, value))
        .collect();
        if !switches.is_empty() {
            p.plugin_settings("Live", &switches);
        }
    }
    call
}

/// `SitesManager.addSite` with every field (answers `{"value": id}`).
pub fn add_site(site: &SiteState) -> Call {
    site_fields(Call::new("SitesManager.addSite"), site)
}

/// `SitesManager.updateSite` with every field.
pub fn update_site(site: &SiteState) -> Call {
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
fn goal_fields(mut call: Call, goal: &GoalState) -> Call {
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
pub fn add_goal(site: u64, goal: &GoalState) -> Call {
    goal_fields(Call::for_site("Goals.addGoal", site), goal)
}

/// `Goals.updateGoal`, a full replace.
pub fn update_goal(site: u64, goal: &GoalState) -> Call {
    goal_fields(
        Call::for_site("Goals.updateGoal", site).with("idGoal", goal.id),
        goal,
    )
}

/// `Goals.deleteGoal`.
pub fn delete_goal(site: u64, goal: u64) -> Call {
    Call::for_site("Goals.deleteGoal", site).with("idGoal", goal)
}

fn extractions(call: &mut Call, dim: &DimensionState) {
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
pub fn add_dimension(site: u64, dim: &DimensionState) -> Call {
    let mut call = Call::for_site("CustomDimensions.configureNewCustomDimension", site)
        .with("name", &dim.name)
        .with("scope", scope_to_matomo(dim.scope));
    call.params.bool("active", dim.active);
    extractions(&mut call, dim);
    call.params.bool("caseSensitive", dim.case_sensitive);
    call
}

/// `CustomDimensions.configureExistingCustomDimension(idDimension, idSite, name, active,
/// extractions, caseSensitive)`. Extractions are always sent (an omitted list resets
/// them; an empty list is sent as no field, which is that same reset to `[]`).
pub fn update_dimension(site: u64, dim: &DimensionState) -> Call {
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

/// `PrivacyManager.setAnonymizeIpSettings` with all seven arguments; the mask under
/// `mask_parameter` (`maskLength` before 5.6, `ipAddressMaskLength` from 5.6).
pub fn set_anonymize_ip(mask_parameter: &str, privacy: &PrivacyState) -> Call {
    let mask_parameter = if mask_parameter.is_empty() {
        "maskLength"
    } else {
        mask_parameter
    };
    let mut call = Call::new("PrivacyManager.setAnonymizeIpSettings");
    let p = &mut call.params;
    p.bool("anonymizeIPEnable", privacy.anonymize_ip_enabled);
    p.push(mask_parameter, privacy.mask_bytes);
    p.bool(
        "useAnonymizedIpForVisitEnrichment",
        privacy.use_for_enrichment,
    );
    p.bool("anonymizeUserId", privacy.anonymize_user_id);
    p.bool("anonymizeOrderId", privacy.anonymize_order_id);
    p.push("anonymizeReferrer", privacy.anonymize_referrer.to_matomo());
    p.bool("forceCookielessTracking", privacy.force_cookieless);
    // Sent whenever this Matomo has it: an omitted one is reset to off.
    if let Some(randomize) = privacy.randomize_config_id {
        p.bool("randomizeConfigId", randomize);
    }
    call
}

/// `PrivacyManager.getAnonymisationSettings` for one site's own settings (5.7).
pub fn site_privacy(site: u64) -> Call {
    let mut call = Call::new("PrivacyManager.getAnonymisationSettings");
    call.params.push("idSiteSpecific", site);
    call.site = Some(site);
    call
}

/// `setAnonymizeIpSettings` for one site (5.7, `idSiteSpecific`): its own settings, or
/// `useSiteSpecificSettings=0`, which removes them (the site then uses the instance's;
/// Matomo still requires the first three arguments).
pub fn set_site_privacy(mask_parameter: &str, site: u64, privacy: &SitePrivacyState) -> Call {
    let mut call = match (&privacy.settings, privacy.own) {
        (Some(settings), true) => set_anonymize_ip(mask_parameter, settings),
        _ => set_anonymize_ip(mask_parameter, &PrivacyState::default()),
    };
    call.params.push("idSiteSpecific", site);
    call.params.bool("useSiteSpecificSettings", privacy.own);
    call.site = Some(site);
    call
}

/// `PrivacyManager.activateDoNotTrack` / `deactivateDoNotTrack`.
pub fn set_do_not_track(on: bool) -> Call {
    Call::new(if on {
        "PrivacyManager.activateDoNotTrack"
    } else {
        "PrivacyManager.deactivateDoNotTrack"
    })
}

/// The user's password, or an error naming the call and `MATOMO_PASSWORD`.
pub fn require_password<'a>(
    password: Option<&'a Secret>,
    method: &str,
) -> Result<&'a Secret, MatomoError> {
    match password {
        Some(secret) if !secret.is_empty() => Ok(secret),
        _ => Err(MatomoError::Config(format!(
            "{method} needs the Matomo user's password even with a token: set MATOMO_PASSWORD."
        ))),
    }
}

/// `setDeleteLogsSettings` (when raw data is managed) then `setDeleteReportsSettings`
/// (when reports are managed), every keep flag sent (an omitted one is reset to 0),
/// each confirmed with the password.
pub fn set_retention(retention: &RetentionState, password: &Secret) -> Vec<Call> {
    let mut calls = Vec::new();
    if let Some(raw) = &retention.raw_data {
        let mut logs = Call::new("PrivacyManager.setDeleteLogsSettings");
        logs.params.bool("enableDeleteLogs", raw.delete);
        logs.params.push("deleteLogsOlderThan", raw.older_than_days);
        calls.push(logs.with_secret("passwordConfirmation", password));
    }
    if let Some(reports_state) = &retention.reports {
        let keep = &reports_state.keep;
        let mut reports = Call::new("PrivacyManager.setDeleteReportsSettings");
        let p = &mut reports.params;
        p.bool("enableDeleteReports", reports_state.delete);
        p.push("deleteReportsOlderThan", reports_state.older_than_months);
        p.bool("keepBasic", keep.basic);
        p.bool("keepDay", keep.day);
        p.bool("keepWeek", keep.week);
        p.bool("keepMonth", keep.month);
        p.bool("keepYear", keep.year);
        p.bool("keepRange", keep.range);
        p.bool("keepSegments", keep.segments);
        calls.push(reports.with_secret("passwordConfirmation", password));
    }
    calls
}

/// The four global exclusion setters. A lone `,` clears a list. Query parameters: from
/// Matomo 5.2 (`version` known) `setGlobalQueryParamExclusion` — `custom` with the list,
/// or `common_session_parameters` (Matomo's default, no custom list) when the list is
/// empty; before 5.2, or when the version is unknown, `setGlobalExcludedQueryParameters`.
pub fn set_global_exclusions(version: Option<&str>, exclusions: &ExclusionsState) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut ips = Call::new("SitesManager.setGlobalExcludedIps");
    ips.params.global_list("excludedIps", &exclusions.ips);
    calls.push(ips);
    if version.is_some_and(|v| version_at_least(v, 5, 2)) {
        let mut query = Call::new("SitesManager.setGlobalQueryParamExclusion");
        // The type follows the list: Matomo's own type for its recommended list, which
        // its cnil_v1 check requires (a custom list with the same names would read the
        // same but fail that check).
        let kind = query_parameters_type(&exclusions.query_parameters);
        query.params.push("exclusionType", kind);
        if kind == "custom" {
            query.params.push(
                "queryParamsToExclude",
                exclusions.query_parameters.join(","),
            );
        }
        calls.push(query);
    } else {
        let mut query = Call::new("SitesManager.setGlobalExcludedQueryParameters");
        query
            .params
            .global_list("excludedQueryParameters", &exclusions.query_parameters);
        calls.push(query);
    }
    let mut agents = Call::new("SitesManager.setGlobalExcludedUserAgents");
    agents
        .params
        .global_list("excludedUserAgents", &exclusions.user_agents);
    calls.push(agents);
    let mut referrers = Call::new("SitesManager.setGlobalExcludedReferrers");
    referrers
        .params
        .global_list("excludedReferrers", &exclusions.referrers);
    calls.push(referrers);
    calls
}

/// Matomo's type for its recommended personal-data list of query parameters.
pub const RECOMMENDED_PII: &str = "matomo_recommended_pii";

/// The type Matomo 5.2+ stores with a global query-parameter list written as `list`:
/// none, Matomo's recommended list, or a custom one.
pub fn query_parameters_type(list: &[String]) -> &'static str {
    if list.is_empty() {
        "common_session_parameters"
    } else if crate::personal_data::is_matomo_recommended(list) {
        RECOMMENDED_PII
    } else {
        "custom"
    }
}

/// Instance-wide visitor log: `CorePluginsAdmin.setSystemSettings` with the Live plugin's
/// two settings, confirmed with the password (*source*: the method calls
/// `confirmCurrentUserPassword`).
pub fn set_instance_visitor_log(log: &VisitorLogState, password: &Secret) -> Call {
    let mut call = Call::new("CorePluginsAdmin.setSystemSettings");
    call.params.plugin_settings(
        "Live",
        &[
            ("disable_visitor_log", log.disabled),
            ("disable_visitor_profile", log.profile_disabled),
        ],
    );
    call.with_secret("passwordConfirmation", password)
}

/// `setDefaultTimezone` / `setDefaultCurrency`, for the values that are set.
pub fn set_defaults(defaults: &DefaultsState) -> Vec<Call> {
    let mut calls = Vec::new();
    if !defaults.timezone.is_empty() {
        calls.push(
            Call::new("SitesManager.setDefaultTimezone")
                .with("defaultTimezone", &defaults.timezone),
        );
    }
    if !defaults.currency.is_empty() {
        calls.push(
            Call::new("SitesManager.setDefaultCurrency")
                .with("defaultCurrency", &defaults.currency),
        );
    }
    calls
}

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

/// `PrivacyManager.getComplianceStatus(idSite or all, complianceType=cnil_v1)` (a read).
pub fn compliance_status(site: Option<u64>) -> Call {
    let call = match site {
        Some(id) => Call::for_site("PrivacyManager.getComplianceStatus", id),
        None => Call::new("PrivacyManager.getComplianceStatus").with("idSite", "all"),
    };
    call.with("complianceType", "cnil_v1")
}

/// `PrivacyManager.setComplianceStatus(idSite or all, complianceType=cnil_v1, enforce)`.
pub fn set_compliance(site: Option<u64>, enforce: bool) -> Call {
    let mut call = match site {
        Some(id) => Call::for_site("PrivacyManager.setComplianceStatus", id),
        None => Call::new("PrivacyManager.setComplianceStatus").with("idSite", "all"),
    };
    call.params.push("complianceType", "cnil_v1");
    call.params.bool("enforce", enforce);
    call
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::desired::model::{
        DimensionScope, Extraction, KeepUrlFragments, ReferrerAnonymisation, ReportsKeep,
    };
    use crate::live::SiteSearchState;
    use crate::live::{RawDataState, ReportsState};
    use crate::matomo::encode::request_body;
    use crate::matomo::test_support::recording;

    /// The recorded request's parameters (form-decoded from `encoded_body`, without the
    /// module/method/format prefix), with `key[]` numbered `key[0]`, `key[1]`…
    fn recorded_params(version: &str, name: &str) -> BTreeMap<String, String> {
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
    fn ours(call: &Call) -> BTreeMap<String, String> {
        let encoded = call.params.encode();
        let pairs: Vec<(String, String)> = form_urlencoded::parse(encoded.as_bytes())
            .into_owned()
            .collect();
        let map: BTreeMap<String, String> = pairs.iter().cloned().collect();
        assert_eq!(map.len(), pairs.len(), "a key is repeated in {encoded}");
        map
    }

    /// Every recorded parameter is sent with the recorded value (except `ignore`).
    fn assert_covers(call: &Call, version: &str, name: &str, ignore: &[&str]) {
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

    fn full_site() -> SiteState {
        SiteState {
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
            site_search: SiteSearchState {
                enabled: true,
                keyword_parameters: vec!["q".into(), "s".into()],
                category_parameters: vec!["cat".into(), "category".into()],
            },
            exclude_unknown_urls: true,
            keep_url_fragments: KeepUrlFragments::Keep,
            exclusions: ExclusionsState {
                ips: vec!["1.2.3.4".into(), "10.0.0.0/8".into(), "192.168.*.*".into()],
                query_parameters: vec!["sid".into(), "token".into()],
                user_agents: vec!["HeadlessChrome".into(), "curl".into()],
                referrers: vec!["ref.example.org".into(), ".cdn.example.net".into()],
                ..ExclusionsState::default()
            },
            visitor_log: Some(VisitorLogState {
                disabled: true,
                profile_disabled: false,
                ..VisitorLogState::default()
            }),
            ..SiteState::default()
        }
    }

    #[test]
    fn randomize_config_id_is_sent_whenever_this_matomo_has_it() {
        let mut state = PrivacyState::default();
        let none = ours(&set_anonymize_ip("ipAddressMaskLength", &state));
        assert!(
            !none.contains_key("randomizeConfigId"),
            "5.0-5.6 have no such argument"
        );
        state.randomize_config_id = Some(false);
        let off = ours(&set_anonymize_ip("ipAddressMaskLength", &state));
        assert_eq!(off["randomizeConfigId"], "0");
        state.randomize_config_id = Some(true);
        let on = ours(&set_anonymize_ip("ipAddressMaskLength", &state));
        assert_eq!(
            on["randomizeConfigId"], "1",
            "kept on: an omitted one is reset"
        );
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
        site.exclusions = ExclusionsState::default();
        site.site_search.keyword_parameters.clear();
        site.group.clear();
        site.visitor_log = None;
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
        site.visitor_log = Some(VisitorLogState {
            disabled: false,
            profile_disabled: true,
            ..VisitorLogState::default()
        });
        let ours = super::tests::ours(&update_site(&site));
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

    fn signup() -> GoalState {
        GoalState {
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
        let v3 = GoalState {
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
        let manual = GoalState {
            name: "Manual".into(),
            match_attribute: "manually".into(),
            ..GoalState::default()
        };
        assert_covers(
            &add_goal(191, &manual),
            "5.0.2",
            "Goals.addGoal__manually_minimal",
            &[],
        );
        // Matomo url-decodes goal texts once more after the form decoding (the recording
        // sent `50%25 off %41` and stored `50% off A`): what we send must decode to the text.
        let percent = GoalState {
            name: "50% off %41".into(),
            match_attribute: "url".into(),
            pattern: "a%2Fb/.+/c+".into(),
            pattern_type: "contains".into(),
            description: "x%20y 100% 1+1".into(),
            ..GoalState::default()
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
        let dim = DimensionState {
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
        let existing = ours(&update_dimension(191, &DimensionState { id: 2, ..dim }));
        assert_eq!(existing["idDimension"], "2");
        assert_eq!(existing["extractions[1][pattern]"], "cat");
        assert_eq!(existing["caseSensitive"], "0");
        assert!(!existing.contains_key("scope"));
    }

    fn privacy() -> PrivacyState {
        PrivacyState {
            anonymize_ip_enabled: true,
            mask_bytes: 3,
            use_for_enrichment: true,
            anonymize_user_id: true,
            anonymize_order_id: true,
            anonymize_referrer: ReferrerAnonymisation::ExcludePath,
            force_cookieless: false,
            do_not_track: true,
            randomize_config_id: None,
        }
    }

    #[test]
    fn anonymize_ip_sends_all_seven_with_the_versions_mask_name() {
        let new = set_anonymize_ip("ipAddressMaskLength", &privacy());
        assert_covers(
            &new,
            "5.7",
            "PrivacyManager.setAnonymizeIpSettings__all_params_global",
            &[],
        );
        assert_eq!(ours(&new).len(), 7);
        let old = ours(&set_anonymize_ip("maskLength", &privacy()));
        assert_eq!(old["maskLength"], "3");
        assert!(!old.contains_key("ipAddressMaskLength"));
        let none = ours(&set_anonymize_ip("", &PrivacyState::default()));
        assert_eq!(none["anonymizeReferrer"], "");
        assert_eq!(none["maskLength"], "0");
        assert_eq!(
            set_do_not_track(true).method,
            "PrivacyManager.activateDoNotTrack"
        );
        assert_eq!(
            set_do_not_track(false).method,
            "PrivacyManager.deactivateDoNotTrack"
        );
    }

    #[test]
    fn retention_sends_every_keep_flag_and_the_password_last() {
        let retention = RetentionState {
            raw_data: Some(RawDataState {
                delete: true,
                older_than_days: 180,
            }),
            reports: Some(ReportsState {
                delete: true,
                older_than_months: 1,
                keep: ReportsKeep {
                    basic: true,
                    day: false,
                    week: true,
                    month: true,
                    year: true,
                    range: false,
                    segments: true,
                },
            }),
        };
        let password = Secret::new("Adm1n-Passw0rd!");
        let calls = set_retention(&retention, &password);
        assert_eq!(calls.len(), 2);
        let body = request_body(&calls[1], None);
        let decoded: BTreeMap<String, String> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        for (key, value) in recorded_params("5.0.2", "PrivacyManager.setDeleteReportsSettings__ok")
        {
            assert_eq!(decoded.get(&key), Some(&value), "{key}");
        }
        assert!(
            body.ends_with("passwordConfirmation=Adm1n-Passw0rd%21"),
            "{body}"
        );
        assert!(
            !format!("{:?}", calls[0]).contains("Adm1n"),
            "Debug of a call must not show the password"
        );
        assert!(
            require_password(None, "PrivacyManager.setDeleteLogsSettings")
                .unwrap_err()
                .to_string()
                .contains("MATOMO_PASSWORD")
        );
        assert!(require_password(Some(&Secret::new("")), "x").is_err());
    }

    #[test]
    fn global_lists_clear_with_a_lone_comma_and_query_params_follow_the_version() {
        let empty = set_global_exclusions(Some("5.0.2"), &ExclusionsState::default());
        let methods: Vec<&str> = empty.iter().map(|c| c.method.as_str()).collect();
        assert_eq!(
            methods,
            [
                "SitesManager.setGlobalExcludedIps",
                "SitesManager.setGlobalExcludedQueryParameters",
                "SitesManager.setGlobalExcludedUserAgents",
                "SitesManager.setGlobalExcludedReferrers",
            ]
        );
        assert_covers(
            &empty[0],
            "5.0.2",
            "SitesManager.setGlobalExcludedIps__single_comma_to_clear",
            &[],
        );
        assert!(
            empty
                .iter()
                .all(|c| c.params.0.len() == 1 && c.params.0[0].1 == ",")
        );

        let lists = ExclusionsState {
            query_parameters: vec!["foo".into(), "bar".into(), "baz".into()],
            ..ExclusionsState::default()
        };
        let new = set_global_exclusions(Some("5.7.0-rc1"), &lists);
        assert_eq!(new[1].method, "SitesManager.setGlobalQueryParamExclusion");
        assert_eq!(ours(&new[1])["exclusionType"], "custom");
        assert_eq!(ours(&new[1])["queryParamsToExclude"], "foo,bar,baz");
        let cleared = set_global_exclusions(Some("5.7.0-rc1"), &ExclusionsState::default());
        assert_covers(
            &cleared[1],
            "5.7",
            "SitesManager.setGlobalQueryParamExclusion__common_session_parameters",
            &[],
        );
        assert_eq!(cleared[1].params.0.len(), 1);
        let unknown = set_global_exclusions(None, &lists);
        assert_eq!(
            unknown[1].method,
            "SitesManager.setGlobalExcludedQueryParameters"
        );
        assert_eq!(ours(&unknown[1])["excludedQueryParameters"], "foo,bar,baz");
    }

    #[test]
    fn instance_visitor_log_uses_system_settings_with_password() {
        let call = set_instance_visitor_log(
            &VisitorLogState {
                disabled: true,
                profile_disabled: true,
                ..VisitorLogState::default()
            },
            &Secret::new("pw"),
        );
        let body = request_body(&call, None);
        let decoded: BTreeMap<String, String> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            decoded["settingValues[Live][0][name]"],
            "disable_visitor_log"
        );
        assert_eq!(decoded["settingValues[Live][0][value]"], "1");
        assert_eq!(
            decoded["settingValues[Live][1][name]"],
            "disable_visitor_profile"
        );
        assert_eq!(decoded["passwordConfirmation"], "pw");
    }

    #[test]
    fn defaults_and_compliance() {
        let calls = set_defaults(&DefaultsState {
            timezone: "Europe/Vienna".into(),
            currency: String::new(),
        });
        assert_eq!(calls.len(), 1);
        assert_eq!(ours(&calls[0])["defaultTimezone"], "Europe/Vienna");
        assert_covers(
            &set_compliance(None, true),
            "5.7",
            "PrivacyManager.setComplianceStatus__all_enforce_1",
            &[],
        );
        assert_covers(
            &set_compliance(Some(1), true),
            "5.7",
            "PrivacyManager.setComplianceStatus__site_1_enforce_1",
            &[],
        );
        assert_eq!(ours(&set_compliance(Some(1), false))["enforce"], "0");
        assert_eq!(ours(&compliance_status(None))["idSite"], "all");
    }

    #[test]
    fn request_body_puts_fixed_fields_and_token_first_and_never_repeats_a_key() {
        let call = Call::for_site("SitesManager.getSiteFromId", 1)
            .with("format", "xml")
            .with("filter_limit", "5");
        let body = request_body(&call, Some(&Secret::new("abc123")));
        assert_eq!(
            body,
            "module=API&method=SitesManager.getSiteFromId&format=xml&token_auth=abc123&filter_limit=5&idSite=1"
        );
        let body = request_body(&Call::new("API.getMatomoVersion"), None);
        assert_eq!(
            body,
            "module=API&method=API.getMatomoVersion&format=json&filter_limit=-1"
        );
    }

    #[test]
    fn recommended_pii_list_is_sent_as_matomo_s_own_type() {
        let exclusions = ExclusionsState {
            query_parameters: crate::personal_data::matomo_recommended(),
            ..ExclusionsState::default()
        };
        let calls = set_global_exclusions(Some("5.7.0"), &exclusions);
        let query = calls
            .iter()
            .find(|c| c.method == "SitesManager.setGlobalQueryParamExclusion")
            .expect("query call");
        assert_eq!(
            query.params.get("exclusionType"),
            Some("matomo_recommended_pii")
        );
        assert_eq!(query.params.get("queryParamsToExclude"), None);
        let custom = ExclusionsState {
            query_parameters: vec!["email".into()],
            ..ExclusionsState::default()
        };
        let calls = set_global_exclusions(Some("5.7.0"), &custom);
        let query = &calls[1];
        assert_eq!(query.params.get("exclusionType"), Some("custom"));
    }
}
