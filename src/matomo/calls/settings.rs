//! The calls that write the instance's settings and the privacy settings (of the
//! instance or of one site): anonymisation, Do Not Track, data deletion, global
//! exclusion lists, the instance visitor log, defaults for new sites, Matomo's own
//! compliance mode.

use crate::matomo::codes::MatomoName as _;
use crate::matomo::wire::{
    AnonymisationSettings, DeleteLogs, DeleteReports, ExclusionLists, SiteAnonymisation,
    query_parameters_type, version_at_least,
};
use crate::matomo::{Call, MatomoError, Secret};

/// `PrivacyManager.setAnonymizeIpSettings` with all seven arguments; the mask under
/// `mask_parameter` (`maskLength` before 5.6, `ipAddressMaskLength` from 5.6).
pub fn set_anonymize_ip(mask_parameter: &str, privacy: &AnonymisationSettings) -> Call {
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
pub fn set_site_privacy(mask_parameter: &str, site: u64, privacy: &SiteAnonymisation) -> Call {
    let mut call = match (&privacy.settings, privacy.own) {
        (Some(settings), true) => set_anonymize_ip(mask_parameter, settings),
        _ => set_anonymize_ip(mask_parameter, &AnonymisationSettings::default()),
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

/// `setDeleteLogsSettings` (when `logs` is given) then `setDeleteReportsSettings` (when
/// `reports` is), every keep flag sent (an omitted one is reset to 0), each confirmed
/// with the password.
pub fn set_retention(
    logs: Option<&DeleteLogs>,
    reports: Option<&DeleteReports>,
    password: &Secret,
) -> Vec<Call> {
    let mut calls = Vec::new();
    if let Some(raw) = logs {
        let mut logs = Call::new("PrivacyManager.setDeleteLogsSettings");
        logs.params.bool("enableDeleteLogs", raw.delete);
        logs.params.push("deleteLogsOlderThan", raw.older_than_days);
        calls.push(logs.with_secret("passwordConfirmation", password));
    }
    if let Some(reports_state) = reports {
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
pub fn set_global_exclusions(version: Option<&str>, exclusions: &ExclusionLists) -> Vec<Call> {
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

/// Instance-wide visitor log: `CorePluginsAdmin.setSystemSettings` with the Live plugin's
/// two settings, both sent, confirmed with the password (*source*: the method calls
/// `confirmCurrentUserPassword`).
pub fn set_instance_visitor_log(
    disable_visitor_log: bool,
    disable_visitor_profile: bool,
    password: &Secret,
) -> Call {
    let mut call = Call::new("CorePluginsAdmin.setSystemSettings");
    call.params.plugin_settings(
        "Live",
        &[
            ("disable_visitor_log", disable_visitor_log),
            ("disable_visitor_profile", disable_visitor_profile),
        ],
    );
    call.with_secret("passwordConfirmation", password)
}

/// `setDefaultTimezone` / `setDefaultCurrency`, for the values that are set (not empty).
pub fn set_defaults(timezone: &str, currency: &str) -> Vec<Call> {
    let mut calls = Vec::new();
    if !timezone.is_empty() {
        calls.push(Call::new("SitesManager.setDefaultTimezone").with("defaultTimezone", timezone));
    }
    if !currency.is_empty() {
        calls.push(Call::new("SitesManager.setDefaultCurrency").with("defaultCurrency", currency));
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::desired::model::{ReferrerAnonymisation, ReportsKeep};
    use crate::matomo::calls::test_helpers::{assert_covers, ours, recorded_params};
    use crate::matomo::encode::request_body;

    #[test]
    fn randomize_config_id_is_sent_whenever_this_matomo_has_it() {
        let mut state = AnonymisationSettings::default();
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

    fn privacy() -> AnonymisationSettings {
        AnonymisationSettings {
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
        let none = ours(&set_anonymize_ip("", &AnonymisationSettings::default()));
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
        let logs = DeleteLogs {
            delete: true,
            older_than_days: 180,
        };
        let reports = DeleteReports {
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
        };
        let password = Secret::new("Adm1n-Passw0rd!");
        let calls = set_retention(Some(&logs), Some(&reports), &password);
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
        let empty = set_global_exclusions(Some("5.0.2"), &ExclusionLists::default());
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

        let lists = ExclusionLists {
            query_parameters: vec!["foo".into(), "bar".into(), "baz".into()],
            ..ExclusionLists::default()
        };
        let new = set_global_exclusions(Some("5.7.0-rc1"), &lists);
        assert_eq!(new[1].method, "SitesManager.setGlobalQueryParamExclusion");
        assert_eq!(ours(&new[1])["exclusionType"], "custom");
        assert_eq!(ours(&new[1])["queryParamsToExclude"], "foo,bar,baz");
        let cleared = set_global_exclusions(Some("5.7.0-rc1"), &ExclusionLists::default());
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
        let call = set_instance_visitor_log(true, true, &Secret::new("pw"));
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
        let calls = set_defaults("Europe/Vienna", "");
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
    fn recommended_pii_list_is_sent_as_matomo_s_own_type() {
        let exclusions = ExclusionLists {
            query_parameters: crate::personal_data::matomo_recommended(),
            ..ExclusionLists::default()
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
        let custom = ExclusionLists {
            query_parameters: vec!["email".into()],
            ..ExclusionLists::default()
        };
        let calls = set_global_exclusions(Some("5.7.0"), &custom);
        let query = &calls[1];
        assert_eq!(query.params.get("exclusionType"), Some("custom"));
    }
}
