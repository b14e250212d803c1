//! Contract test: replay the recordings of a real Matomo 5.7.0-rc1 (tests/fixtures/matomo-5.7,
//! copied from the shared recordings) against the fake in 5.7 mode, in `seq` order, and
//! compare status, JSON shape, types and non-volatile values.
//!
//! Not copied, not replayed: `UsersManager.createAppSpecificTokenAuth` (matoform never creates
//! tokens) and the `_cli__` console runs. The console runs (and the temporary config-file
//! edit) changed the instance outside the API; the harness applies the same changes to the
//! fake's state at the same points:
//! - after seq 80 (`featureflags:enable PrivacyCompliance`): the feature flag is on;
//! - seq 132–135 ran with `[CnilPolicy] cnil_v1_policy_enabled = 1` in the config file
//!   (config-controlled policy), removed before seq 136;
//! - after seq 147 (`featureflags:disable`): the flag is off;
//! - before seq 151 the recording restored the instance settings (unrecorded).

mod common;

use common::{compare_db, load, replay};
use fake_matomo::{Access, FakeMatomo, Seed, Site, TEAM_A_TOKEN, User, VersionMode};
use std::collections::BTreeSet;

/// Recordings replayed against `Seed::recorded_57()`, in order.
const REPLAYED: &[&str] = &[
    "API.getMatomoVersion__superuser.json",
    "API.getMatomoVersion__viewer.json",
    "API.getMatomoVersion__no_token.json",
    "API.getMatomoVersion__bad_token.json",
    "API.getMatomoVersion__GET_with_token_in_url.json",
    "API.getMatomoVersion__secure_only_token_POST.json",
    "API.getMatomoVersion__secure_only_token_GET.json",
    "API.noSuchMethod__unknown_method.json",
    "NoSuchModule.foo__unknown_module.json",
    "SitesManager.getSiteFromId__missing_param.json",
    "SitesManager.getSiteFromId__unknown_site.json",
    "SitesManager.addSite__excludedIps_as_array.json",
    "_db__options_and_settings_initial.json",
    "_db__plugin_and_site_settings_initial.json",
    "PrivacyManager.getAnonymisationSettings__global_initial.json",
    "PrivacyManager.getAnonymisationSettings__site_1_initial.json",
    "PrivacyManager.getAnonymisationSettings__viewer_denied.json",
    "PrivacyManager.getAnonymisationSettings__viewer_site_1_denied.json",
    "PrivacyManager.getAnonymizeIpSettings__does_not_exist.json",
    "PrivacyManager.setAnonymizeIpSettings__old_param_name_maskLength.json",
    "PrivacyManager.setAnonymizeIpSettings__required_only.json",
    "PrivacyManager.setAnonymizeIpSettings__all_params_global.json",
    "PrivacyManager.getAnonymisationSettings__global_after_all_params.json",
    "_db__options_after_all_params_global.json",
    "PrivacyManager.setAnonymizeIpSettings__randomizeConfigId_without_password.json",
    "PrivacyManager.setAnonymizeIpSettings__randomizeConfigId_wrong_password.json",
    "PrivacyManager.setAnonymizeIpSettings__randomizeConfigId_with_password.json",
    "PrivacyManager.getAnonymisationSettings__global_after_randomizeConfigId.json",
    "PrivacyManager.setAnonymizeIpSettings__bool_false_strings.json",
    "PrivacyManager.getAnonymisationSettings__global_after_bool_false_strings.json",
    "PrivacyManager.setAnonymizeIpSettings__maskLength_5.json",
    "PrivacyManager.getAnonymisationSettings__global_after_maskLength_5.json",
    "PrivacyManager.setAnonymizeIpSettings__maskLength_not_int.json",
    "PrivacyManager.setAnonymizeIpSettings__forceCookieless_1.json",
    "PrivacyManager.getAnonymisationSettings__global_after_forceCookieless_1.json",
    "PrivacyManager.setAnonymizeIpSettings__restore_defaults_global.json",
    "PrivacyManager.setAnonymizeIpSettings__site_1_useSiteSpecificSettings_1.json",
    "PrivacyManager.getAnonymisationSettings__site_1_after_site_specific.json",
    "PrivacyManager.getAnonymisationSettings__global_after_site_1_specific.json",
    "_db__options_after_site_1_specific.json",
    "_db__plugin_and_site_settings_after_site_1_specific.json",
    "PrivacyManager.setAnonymizeIpSettings__site_1_useSiteSpecificSettings_0_removes.json",
    "PrivacyManager.setAnonymizeIpSettings__site_999_unknown.json",
    "PrivacyManager.setAnonymizeIpSettings__viewer_denied.json",
    "SitesManager.getExclusionTypeForQueryParams__flag_off_initial.json",
    "SitesManager.getExclusionTypeForQueryParams__flag_off_site_1.json",
    "SitesManager.getExclusionTypeForQueryParams__flag_off_viewer.json",
    "SitesManager.getExcludedQueryParametersGlobal__initial.json",
    "SitesManager.getExcludedQueryParameters__site_1_initial.json",
    "SitesManager.setGlobalQueryParamExclusion__matomo_recommended_pii.json",
    "SitesManager.getExclusionTypeForQueryParams__flag_off_after_recommended_pii.json",
    "SitesManager.getExcludedQueryParametersGlobal__after_recommended_pii.json",
    "SitesManager.getExcludedQueryParameters__site_1_after_recommended_pii.json",
    "_db__options_after_recommended_pii.json",
    "SitesManager.setGlobalQueryParamExclusion__custom_with_params.json",
    "SitesManager.getExclusionTypeForQueryParams__flag_off_after_custom.json",
    "SitesManager.getExcludedQueryParametersGlobal__after_custom.json",
    "SitesManager.getExcludedQueryParameters__site_1_after_custom.json",
    "_db__options_after_custom.json",
    "SitesManager.setGlobalQueryParamExclusion__custom_without_params.json",
    "SitesManager.setGlobalQueryParamExclusion__common_with_params.json",
    "SitesManager.setGlobalQueryParamExclusion__invalid_type.json",
    "SitesManager.setGlobalQueryParamExclusion__viewer_denied.json",
    "SitesManager.setGlobalQueryParamExclusion__common_session_parameters.json",
    "SitesManager.getExcludedQueryParametersGlobal__after_common.json",
    "SitesManager.setGlobalExcludedQueryParameters__legacy_setter.json",
    "SitesManager.getExclusionTypeForQueryParams__flag_off_after_legacy_setter.json",
    "_db__options_after_legacy_setter.json",
    "SitesManager.setGlobalQueryParamExclusion__reset_common_session_parameters.json",
    "PrivacyManager.getCompliancePolicies__flag_off.json",
    "PrivacyManager.getCompliancePolicies__viewer.json",
    "PrivacyManager.getComplianceStatus__flag_off_all.json",
    "PrivacyManager.getComplianceStatus__flag_off_site_1.json",
    "PrivacyManager.setComplianceStatus__flag_off_site_1_enforce_1.json",
    "PrivacyManager.getCompliancePolicies__flag_on.json",
    "PrivacyManager.getComplianceStatus__flag_on_all_initial.json",
    "PrivacyManager.getComplianceStatus__flag_on_site_1_initial.json",
    "PrivacyManager.getComplianceStatus__flag_on_invalid_type.json",
    "PrivacyManager.getComplianceStatus__flag_on_missing_type.json",
    "PrivacyManager.getComplianceStatus__flag_on_site_999.json",
    "PrivacyManager.getComplianceStatus__flag_on_viewer_denied.json",
    "SitesManager.getExclusionTypeForQueryParams__flag_on_initial.json",
    "SitesManager.getExclusionTypeForQueryParams__flag_on_site_1.json",
    "SitesManager.getExclusionTypeForQueryParams__flag_on_viewer.json",
    "PrivacyManager.getAnonymisationSettings__flag_on_global.json",
    "PrivacyManager.setComplianceStatus__site_1_enforce_1.json",
    "PrivacyManager.getComplianceStatus__site_1_after_site_enforce_1.json",
    "PrivacyManager.getComplianceStatus__all_after_site_enforce_1.json",
    "PrivacyManager.getComplianceStatus__site_shop_after_site_1_enforce_1.json",
    "PrivacyManager.getAnonymisationSettings__site_1_while_site_enforced.json",
    "SitesManager.getExclusionTypeForQueryParams__site_1_while_site_enforced.json",
    "PrivacyManager.setAnonymizeIpSettings__site_1_noncompliant_while_enforced.json",
    "PrivacyManager.getAnonymisationSettings__site_1_after_noncompliant_write.json",
    "PrivacyManager.getComplianceStatus__site_1_after_noncompliant_write.json",
    "_db__plugin_and_site_settings_site_1_enforced.json",
    "_db__options_site_1_enforced.json",
    "PrivacyManager.setComplianceStatus__site_1_enforce_0.json",
    "PrivacyManager.getComplianceStatus__site_1_after_enforce_0.json",
    "PrivacyManager.getAnonymisationSettings__site_1_after_enforce_0.json",
    "_db__plugin_and_site_settings_site_1_after_enforce_0.json",
    "PrivacyManager.setAnonymizeIpSettings__site_1_remove_overrides.json",
    "PrivacyManager.setComplianceStatus__all_enforce_1.json",
    "PrivacyManager.getComplianceStatus__all_after_all_enforce_1.json",
    "PrivacyManager.getComplianceStatus__site_1_after_all_enforce_1.json",
    "PrivacyManager.getAnonymisationSettings__global_while_all_enforced.json",
    "SitesManager.getExclusionTypeForQueryParams__global_while_all_enforced.json",
    "SitesManager.getExcludedQueryParametersGlobal__while_all_enforced.json",
    "SitesManager.setGlobalQueryParamExclusion__custom_while_all_enforced.json",
    "SitesManager.getExclusionTypeForQueryParams__after_custom_while_all_enforced.json",
    "PrivacyManager.setAnonymizeIpSettings__global_noncompliant_while_all_enforced.json",
    "PrivacyManager.getAnonymisationSettings__global_after_noncompliant_write_while_all_enforced.json",
    "_db__plugin_and_site_settings_all_enforced.json",
    "_db__options_all_enforced.json",
    "PrivacyManager.setComplianceStatus__all_enforce_0.json",
    "PrivacyManager.getComplianceStatus__all_after_all_enforce_0.json",
    "PrivacyManager.getAnonymisationSettings__global_after_all_enforce_0.json",
    "SitesManager.getExclusionTypeForQueryParams__global_after_all_enforce_0.json",
    "_db__plugin_and_site_settings_after_all_enforce_0.json",
    "PrivacyManager.setComplianceStatus__all_enforce_1_again.json",
    "PrivacyManager.setComplianceStatus__site_1_enforce_0_while_all_enforced.json",
    "PrivacyManager.getComplianceStatus__all_after_site_1_enforce_0_while_all_enforced.json",
    "PrivacyManager.getComplianceStatus__site_shop_after_site_1_enforce_0_while_all_enforced.json",
    "_db__plugin_and_site_settings_after_site_1_enforce_0_while_all_enforced.json",
    "PrivacyManager.setComplianceStatus__all_enforce_0_again.json",
    "PrivacyManager.getComplianceStatus__all_config_controlled.json",
    "PrivacyManager.getComplianceStatus__site_1_config_controlled.json",
    "PrivacyManager.setComplianceStatus__all_enforce_0_config_controlled.json",
    "PrivacyManager.getComplianceStatus__all_config_controlled_after_enforce_0.json",
    "PrivacyManager.getComplianceStatus__all_after_config_removed.json",
    "PrivacyManager.setComplianceStatus__enforce_true_string.json",
    "PrivacyManager.setComplianceStatus__enforce_false_string.json",
    "PrivacyManager.getComplianceStatus__site_1_after_enforce_false_string.json",
    "PrivacyManager.setComplianceStatus__enforce_0_after_strings.json",
    "PrivacyManager.setComplianceStatus__missing_enforce.json",
    "PrivacyManager.setComplianceStatus__invalid_type.json",
    "PrivacyManager.setComplianceStatus__site_999.json",
    "PrivacyManager.setComplianceStatus__viewer_denied.json",
    "PrivacyManager.setComplianceStatus__force_api_session_no_password.json",
    "PrivacyManager.setComplianceStatus__force_api_session_with_password.json",
    "PrivacyManager.getComplianceStatus__flag_disabled_all.json",
    "SitesManager.getExclusionTypeForQueryParams__flag_disabled.json",
    "_db__options_and_settings_final.json",
    "_db__plugin_and_site_settings_final.json",
];

/// Recordings present but deliberately not replayed, with the reason.
/// The visitor-log section of the second recording (seq 2001–2047), replayed against
/// `Seed::recorded_57()` plus what that instance had grown: the site `rec2-live` (idSite 17,
/// next id 18), the temporary admin `rec2teamA` (token teamA, admin on site 2) and the
/// PrivacyCompliance flag on (no policy enforced). Before seq 2047 the recording put the
/// instance's Live values back to off (unrecorded); the harness does the same.
const REPLAYED_LIVE: &[&str] = &[
    "CorePluginsAdmin.getSystemSettings__rec2_initial.json",
    "CorePluginsAdmin.getSystemSettings__rec2_teamA_denied.json",
    "SitesManager.getSiteSettings__rec2_live_site_initial.json",
    "SitesManager.updateSite__rec2_site_Live_disable_visitor_log_1.json",
    "SitesManager.getSiteSettings__rec2_after_site_Live_disable_visitor_log_1.json",
    "Live.getLastVisitsDetails__rec2_site_log_disabled.json",
    "Live.getVisitorProfile__rec2_site_log_disabled.json",
    "SitesManager.updateSite__rec2_site_Live_disable_visitor_log_0.json",
    "SitesManager.getSiteSettings__rec2_after_site_Live_disable_visitor_log_0.json",
    "SitesManager.updateSite__rec2_site_Live_disable_visitor_profile_1.json",
    "Live.getVisitorProfile__rec2_site_profile_disabled.json",
    "Live.getLastVisitsDetails__rec2_site_profile_disabled.json",
    "SitesManager.updateSite__rec2_site_Live_disable_visitor_profile_0.json",
    "SitesManager.updateSite__rec2_site_Live_bad_setting_name.json",
    "SitesManager.updateSite__rec2_site_Live_value_true_string.json",
    "SitesManager.getSiteSettings__rec2_after_Live_value_true_string.json",
    "_db__rec2_live_settings_after_site_level.json",
    "_db__rec2_live_settings_before_toggle.json",
    "CorePluginsAdmin.setSystemSettings__rec2_Live_disable_visitor_log_1_no_password.json",
    "CorePluginsAdmin.setSystemSettings__rec2_Live_disable_visitor_log_1_wrong_password.json",
    "CorePluginsAdmin.setSystemSettings__rec2_Live_disable_visitor_log_1.json",
    "CorePluginsAdmin.setSystemSettings__rec2_teamA_denied.json",
    "CorePluginsAdmin.getSystemSettings__rec2_instance_log_disabled.json",
    "_db__rec2_live_settings_instance_log_disabled.json",
    "SitesManager.getSiteSettings__rec2_live_site_instance_log_disabled.json",
    "SitesManager.getSiteSettings__rec2_site1_instance_log_disabled.json",
    "SitesManager.updateSite__rec2_Live_disable_visitor_log_0_while_instance_disables.json",
    "SitesManager.getSiteSettings__rec2_after_Live_0_while_instance_disables.json",
    "SitesManager.updateSite__rec2_Live_disable_visitor_log_1_while_instance_disables.json",
    "_db__rec2_live_settings_after_site_writes_while_instance_disables.json",
    "Live.getLastVisitsDetails__rec2_instance_log_disabled.json",
    "Live.getVisitorProfile__rec2_instance_log_disabled.json",
    "SitesManager.addSite__rec2_with_Live_setting_while_instance_disables.json",
    "CorePluginsAdmin.setSystemSettings__rec2_Live_enable_log_and_profile.json",
    "CorePluginsAdmin.getSystemSettings__rec2_instance_log_enabled.json",
    "SitesManager.getSiteSettings__rec2_live_site_instance_log_enabled.json",
    "SitesManager.updateSite__rec2_Live_disable_visitor_log_0_instance_enabled.json",
    "SitesManager.getSiteSettings__rec2_after_Live_0_instance_enabled.json",
    "CorePluginsAdmin.setSystemSettings__rec2_Live_log_on_profile_off.json",
    "CorePluginsAdmin.getSystemSettings__rec2_instance_profile_disabled.json",
    "SitesManager.getSiteSettings__rec2_live_site_instance_profile_disabled.json",
    "SitesManager.updateSite__rec2_Live_disable_visitor_profile_0_while_instance_disables_profile.json",
    "SitesManager.getSiteSettings__rec2_after_profile_0_while_instance_disables_profile.json",
    "Live.getLastVisitsDetails__rec2_instance_profile_disabled.json",
    "Live.getVisitorProfile__rec2_instance_profile_disabled.json",
    "_db__rec2_live_settings_instance_profile_disabled.json",
    "CorePluginsAdmin.getSystemSettings__rec2_after_restore.json",
];

const SKIPPED: &[(&str, &str)] = &[(
    "PrivacyManager.getAnonymisationSettings__site_1_after_remove.json",
    "on purpose: right after useSiteSpecificSettings=0, Matomo answered the removed site \
     overrides once more (a cache: their option rows are gone in the next snapshot and the \
     later reads of site 1 show the global values); the fake models the removal",
)];

#[test]
fn every_fixture_is_listed_once() {
    let recs = load("matomo-5.7");
    let on_disk: BTreeSet<&str> = recs.iter().map(|r| r.file.as_str()).collect();
    let mut listed = BTreeSet::new();
    for f in REPLAYED
        .iter()
        .chain(REPLAYED_LIVE)
        .chain(SKIPPED.iter().map(|(f, _)| f))
    {
        assert!(listed.insert(*f), "{f} listed twice");
    }
    assert_eq!(on_disk, listed, "fixture directory and lists differ");
}

#[test]
fn replay_recordings_57() {
    let recs = load("matomo-5.7");
    let fake = FakeMatomo::start(Seed::recorded_57());
    let mut failures = Vec::new();
    let mut db_rows = 0;
    for name in REPLAYED {
        let rec = recs
            .iter()
            .find(|r| r.file == *name)
            .unwrap_or_else(|| panic!("missing {name}"));
        match rec.seq {
            81.. if rec.seq < 148 => fake.update(|s| {
                s.version = VersionMode::V5_7 {
                    compliance_flag: true,
                }
            }),
            148.. => fake.update(|s| {
                s.version = VersionMode::V5_7 {
                    compliance_flag: false,
                }
            }),
            _ => {}
        }
        if rec.seq == 151 {
            // The recording restored the instance settings (unrecorded) before its final snapshots.
            fake.update(|s| {
                let initial = Seed::recorded_57();
                s.options = initial.options;
                s.site_anonymisation.clear();
                s.compliance = initial.compliance;
            });
        }
        let config_controlled = (132..=135).contains(&rec.seq);
        fake.update(|s| s.compliance.config_controlled = config_controlled);
        if name.starts_with("_db__") {
            let (n, errors) = compare_db(&fake.state(), &rec.json);
            db_rows += n;
            failures.extend(errors.into_iter().map(|e| format!("{name}: {e}")));
            continue;
        }
        for e in replay(&fake, rec, false) {
            failures.push(format!("#{} {name}: {e}", rec.seq));
        }
    }
    assert!(db_rows > 50, "too few option rows compared: {db_rows}");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn replay_visitor_log_recordings_57() {
    let recs = load("matomo-5.7");
    let mut seed = Seed::recorded_57().version(VersionMode::V5_7 {
        compliance_flag: true,
    });
    seed.sites.insert(
        17,
        Site::new(
            "rec2-live",
            "https://rec2-live.example.org",
            "Europe/Berlin",
            "EUR",
        ),
    );
    seed.next_site_id = 18;
    // Site 1 and the global referrer list as the earlier sections had left them.
    if let Some(main) = seed.sites.get_mut(&1) {
        main.exclude_unknown_urls = 1;
        main.disable_visitor_profile = true;
    }
    seed.options.excluded_referrers_global = Some("ref.example.com".into());
    seed.users.insert(
        "rec2teamA".into(),
        User {
            token: TEAM_A_TOKEN.into(),
            secure_only: false,
            superuser: false,
            password: String::new(),
            access: [(2, Access::Admin)].into_iter().collect(),
        },
    );
    let fake = FakeMatomo::start(seed);
    let mut failures = Vec::new();
    for name in REPLAYED_LIVE {
        let rec = recs
            .iter()
            .find(|r| r.file == *name)
            .unwrap_or_else(|| panic!("missing {name}"));
        if rec.seq == 2047 {
            fake.update(|s| {
                s.options.live_disable_visitor_log = false;
                s.options.live_disable_visitor_profile = false;
            });
        }
        let errors = if name.starts_with("_db__") {
            let (n, errors) = compare_db(&fake.state(), &rec.json);
            assert!(n > 0, "{name}: no row compared");
            errors
        } else if name.starts_with("CorePluginsAdmin.getSystemSettings__") {
            common::replay_live_section(&fake, rec)
        } else {
            replay(&fake, rec, false)
        };
        failures.extend(
            errors
                .into_iter()
                .map(|e| format!("#{} {name}: {e}", rec.seq)),
        );
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
