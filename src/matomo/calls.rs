//! The API calls matoform writes with, built as plain data (pure, unit-tested): each
//! builder sends every argument Matomo would otherwise reset or erase.

use super::wire::{scope_to_matomo, version_at_least};
use super::{Call, MatomoError, Secret};
use crate::live::{
    DefaultsState, DimensionState, ExclusionsState, GoalState, PrivacyState, RetentionState,
    SiteState, VisitorLogState,
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
        p.plugin_settings(
            "Live",
            &[
                ("disable_visitor_log", log.disabled),
                ("disable_visitor_profile", log.profile_disabled),
            ],
        );
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

/// `setDeleteLogsSettings` then `setDeleteReportsSettings`, every keep flag sent (an
/// omitted one is reset to 0), each confirmed with the password.
pub fn set_retention(retention: &RetentionState, password: &Secret) -> Vec<Call> {
    let mut logs = Call::new("PrivacyManager.setDeleteLogsSettings");
    logs.params
        .bool("enableDeleteLogs", retention.raw_data_delete);
    logs.params
        .push("deleteLogsOlderThan", retention.raw_data_older_than_days);
    let logs = logs.with_secret("passwordConfirmation", password);

    let keep = &retention.reports_keep;
    let mut reports = Call::new("PrivacyManager.setDeleteReportsSettings");
    let p = &mut reports.params;
    p.bool("enableDeleteReports", retention.reports_delete);
    p.push(
        "deleteReportsOlderThan",
        retention.reports_older_than_months,
    );
    p.bool("keepBasic", keep.basic);
    p.bool("keepDay", keep.day);
    p.bool("keepWeek", keep.week);
    p.bool("keepMonth", keep.month);
    p.bool("keepYear", keep.year);
    p.bool("keepRange", keep.range);
    p.bool("keepSegments", keep.segments);
    let reports = reports.with_secret("passwordConfirmation", password);
    vec![logs, reports]
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
        if exclusions.query_parameters.is_empty() {
            query
                .params
                .push("exclusionType", "common_session_parameters");
        } else {
            query.params.push("exclusionType", "custom");
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
