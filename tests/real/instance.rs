//! Instance-wide settings: privacy, retention (with the password), global exclusions
//! (a custom list and Matomo's recommended list), the visitor log at both levels,
//! defaults for new sites. These tests hold the instance lock.

use std::collections::BTreeMap;

use crate::harness::*;
use crate::readback::{assert_matches, parse};

fn strings(map: &[(&str, &str)]) -> BTreeMap<String, String> {
    map.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const STEP_1: &str = r#"
policy: { profile: none }
instance:
  privacy:
    anonymize_ip: { enabled: true, mask_bytes: 3, use_for_enrichment: false }
    anonymize_user_id: true
    anonymize_order_id: false
    anonymize_referrer: exclude_all
    force_cookieless: true
    do_not_track: false
  retention:
    raw_data: { delete: true, older_than_days: 180 }
    reports: { delete: true, older_than_months: 24, keep: { basic: true, month: true } }
  exclusions:
    query_parameters: ["email,nom", " sessionid ", token]
    ips: ["10.0.0.0/8", "172.16.*.*"]
    user_agents: [UptimeRobot]
    referrers: [spam.example.net]
  visitor_log: { disabled: true, profile_disabled: true }
  defaults: { timezone: Europe/Paris, currency: EUR }
"#;

const STEP_2: &str = r#"
policy: { profile: none }
instance:
  privacy:
    anonymize_ip: { enabled: true, mask_bytes: 2, use_for_enrichment: true }
    anonymize_user_id: false
    anonymize_order_id: true
    anonymize_referrer: exclude_path
    force_cookieless: false
    do_not_track: true
  retention:
    raw_data: { delete: false }
    reports: { delete: false }
  exclusions: { query_parameters: [], ips: [], user_agents: [], referrers: [] }
  visitor_log: { disabled: false, profile_disabled: false }
  defaults: { timezone: UTC, currency: USD }
"#;

#[test]
fn instance_settings_converge_and_read_back() {
    let Some(kit) = Kit::get() else { return };
    let _instance = kit.instance_lock();
    let work = Workdir::new();
    let envs = kit.password_env();

    work.set_config(STEP_1);
    kit.apply_converges(&work, &envs);
    let options = kit.options(&[
        "PrivacyManager.",
        "delete_logs_enable",
        "delete_logs_older",
        "delete_reports_",
        "SitesManager_Default",
    ]);
    let expected = strings(&[
        ("PrivacyManager.ipAnonymizerEnabled", "1"),
        ("PrivacyManager.ipAddressMaskLength", "3"),
        ("PrivacyManager.useAnonymizedIpForVisitEnrichment", "0"),
        ("PrivacyManager.anonymizeUserId", "1"),
        ("PrivacyManager.anonymizeOrderId", "0"),
        ("PrivacyManager.anonymizeReferrer", "exclude_all"),
        ("PrivacyManager.forceCookielessTracking", "1"),
        ("PrivacyManager.doNotTrackEnabled", "0"),
        ("delete_logs_enable", "1"),
        ("delete_logs_older_than", "180"),
        ("delete_reports_enable", "1"),
        ("delete_reports_older_than", "24"),
        ("delete_reports_keep_basic_metrics", "1"),
        ("delete_reports_keep_month_reports", "1"),
        ("delete_reports_keep_day_reports", "0"),
        ("SitesManager_DefaultTimezone", "Europe/Paris"),
        ("SitesManager_DefaultCurrency", "EUR"),
    ]);
    for (key, value) in &expected {
        assert_eq!(
            options.get(key),
            Some(value),
            "{key} after step 1 (Matomo {})",
            kit.version
        );
    }
    let global = |method: &str| text(&kit.api(method, &[]), "value");
    let mut params: Vec<String> = global("SitesManager.getExcludedQueryParametersGlobal")
        .split(',')
        .map(String::from)
        .collect();
    params.sort();
    assert_eq!(params, ["email", "nom", "sessionid", "token"]);
    assert_eq!(
        global("SitesManager.getExcludedIpsGlobal"),
        "10.0.0.0/8,172.16.*.*"
    );
    assert_eq!(
        global("SitesManager.getExcludedUserAgentsGlobal"),
        "UptimeRobot"
    );
    assert_eq!(
        global("SitesManager.getExcludedReferrersGlobal"),
        "spam.example.net"
    );
    assert_eq!(kit.instance_visitor_log(), (true, true));

    work.set_config(STEP_2);
    kit.apply_converges(&work, &envs);
    let options = kit.options(&[
        "PrivacyManager.",
        "delete_logs_enable",
        "delete_reports_enable",
    ]);
    for (key, value) in [
        ("PrivacyManager.ipAddressMaskLength", "2"),
        ("PrivacyManager.anonymizeReferrer", "exclude_path"),
        ("PrivacyManager.forceCookielessTracking", "0"),
        ("PrivacyManager.doNotTrackEnabled", "1"),
        ("delete_logs_enable", "0"),
        ("delete_reports_enable", "0"),
    ] {
        assert_eq!(
            options.get(key).map(String::as_str),
            Some(value),
            "{key} after step 2"
        );
    }
    assert_eq!(global("SitesManager.getExcludedQueryParametersGlobal"), "");
    assert_eq!(kit.instance_visitor_log(), (false, false));
}

#[test]
fn matomo_recommended_exclusion_list_converges() {
    let Some(kit) = Kit::get() else { return };
    let _instance = kit.instance_lock();
    let work = Workdir::new();
    let envs = kit.password_env();
    // Under the cnil-exemption profile, a left-out list is Matomo's recommended one.
    work.set_config(
        r#"
instance:
  privacy:
    anonymize_ip: { enabled: true, mask_bytes: 2, use_for_enrichment: false }
    anonymize_referrer: exclude_path
  exclusions: { ips: [] }
"#,
    );
    kit.apply_converges(&work, &envs);
    let params = text(
        &kit.api("SitesManager.getExcludedQueryParametersGlobal", &[]),
        "value",
    );
    for name in ["email", "token", "password", "iban", "telephone"] {
        assert!(
            params.split(',').any(|p| p == name),
            "{name} missing from {params}"
        );
    }
    if kit.version.as_str() >= "5.2" {
        let kind = kit.api("SitesManager.getExclusionTypeForQueryParams", &[]);
        assert_eq!(text(&kind, "value"), "matomo_recommended_pii", "{kind}");
    }
}

#[test]
fn visitor_log_at_both_levels() {
    let Some(kit) = Kit::get() else { return };
    let _instance = kit.instance_lock();
    let envs = kit.password_env();
    let tag = unique("vlog");
    let work = Workdir::new();
    let sites = |log: &str| {
        format!(
            r#"
policy: {{ profile: none }}
instance:
  visitor_log: {{ disabled: {log}, profile_disabled: {log} }}
sites:
  {tag}-off:
    name: Log off
    urls: [https://{tag}-off.real.example]
    visitor_log: {{ disabled: true, profile_disabled: true }}
  {tag}-on:
    name: Log on, profile off
    urls: [https://{tag}-on.real.example]
    visitor_log: {{ disabled: false, profile_disabled: true }}
"#
        )
    };
    // The instance leaves the switches to the sites: each site's own value is stored.
    let yaml = sites("false");
    work.set_config(&yaml);
    kit.apply_converges(&work, &envs);
    assert_matches(&kit, &parse(&yaml));
    let off = kit
        .site_id_by_url(&format!("https://{tag}-off.real.example"))
        .expect("site");
    let on = kit
        .site_id_by_url(&format!("https://{tag}-on.real.example"))
        .expect("site");
    let listed = |pairs: &[(&str, bool)]| -> BTreeMap<String, bool> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    assert_eq!(
        kit.site_visitor_log(off),
        listed(&[
            ("disable_visitor_log", true),
            ("disable_visitor_profile", true)
        ])
    );
    assert_eq!(
        kit.site_visitor_log(on),
        listed(&[
            ("disable_visitor_log", false),
            ("disable_visitor_profile", true)
        ])
    );

    // The instance switches both off: Matomo hides the sites' switches; nothing to plan.
    let yaml = sites("true");
    work.set_config(&yaml);
    kit.apply_converges(&work, &envs);
    assert_eq!(kit.instance_visitor_log(), (true, true));
    assert_eq!(
        kit.site_visitor_log(on),
        BTreeMap::new(),
        "hidden while the instance decides"
    );

    // And back: the sites' switches reappear with the values they kept.
    let yaml = sites("false");
    work.set_config(&yaml);
    kit.apply_converges(&work, &envs);
    assert_eq!(
        kit.site_visitor_log(on),
        listed(&[
            ("disable_visitor_log", false),
            ("disable_visitor_profile", true)
        ])
    );
    kit.delete_sites_by_url(&[
        format!("https://{tag}-off.real.example"),
        format!("https://{tag}-on.real.example"),
    ]);
}

#[test]
fn randomize_config_id_is_kept_and_asks_for_the_password() {
    let Some(kit) = Kit::get() else { return };
    if !kit.is_57() {
        return;
    }
    let _instance = kit.instance_lock();
    let settings = |kit: &Kit| kit.api("PrivacyManager.getAnonymisationSettings", &[]);
    let password = kit.var("MATOMO_SUPERUSER_PASSWORD").to_string();
    // Someone turned it on in Matomo's admin (which asks for the password).
    kit.api(
        "PrivacyManager.setAnonymizeIpSettings",
        &[
            ("anonymizeIPEnable", "1"),
            ("ipAddressMaskLength", "2"),
            ("useAnonymizedIpForVisitEnrichment", "0"),
            ("anonymizeReferrer", "exclude_path"),
            ("randomizeConfigId", "1"),
            ("passwordConfirmation", &password),
        ],
    );
    assert_eq!(settings(&kit)["randomizeConfigId"], true);
    let work = Workdir::new();
    work.set_config(
        "policy: { profile: none }\ninstance:\n  privacy:\n    anonymize_ip: { enabled: true, mask_bytes: 3 }\n",
    );
    // Without the password: refused with the reason, nothing written (it is never
    // switched off behind the user's back).
    let refused = kit.run(&work, &[], &["apply", "--auto-approve"]);
    expect_code(&refused, 1);
    assert!(
        refused.stderr.contains("MATOMO_PASSWORD"),
        "{}",
        refused.stderr
    );
    let after = settings(&kit);
    assert_eq!(
        (
            after["randomizeConfigId"].clone(),
            after["ipAddressMaskLength"].clone()
        ),
        (true.into(), 2.into())
    );
    // With it: the mask changes, randomizeConfigId stays on.
    let env = [("MATOMO_PASSWORD", password.as_str())];
    kit.apply_converges(&work, &env);
    let after = settings(&kit);
    assert_eq!(
        (
            after["randomizeConfigId"].clone(),
            after["ipAddressMaskLength"].clone()
        ),
        (true.into(), 3.into())
    );
    // Managed off: no password needed to send 0.
    work.set_config(
        "policy: { profile: none }\ninstance:\n  privacy:\n    anonymize_ip: { enabled: true, mask_bytes: 2 }\n    randomize_config_id: false\n",
    );
    kit.apply_converges(&work, &[]);
    assert_eq!(settings(&kit)["randomizeConfigId"], false);
}

#[test]
fn the_shared_instance_example_converges() {
    let Some(kit) = Kit::get() else { return };
    let _instance = kit.instance_lock();
    let envs = kit.password_env();
    let work = Workdir::new();
    // The example's ids belong to its own instance: sites are bound by URL here.
    let example = crate::common::repo_root().join("examples/shared-instance");
    for entry in walk(&example) {
        let relative = entry.strip_prefix(&example).expect("inside");
        let text = std::fs::read_to_string(&entry).expect("read");
        let text: String = text
            .lines()
            .filter(|l| {
                !(l.starts_with("    id: ")
                    && l.trim_start_matches("    id: ")
                        .chars()
                        .all(|c| c.is_ascii_digit()))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        work.write(&format!("ex/{}", relative.display()), &text);
    }
    let apply = kit.run(&work, &envs, &["apply", "-c", "ex", "--auto-approve"]);
    expect_code(&apply, 0);
    let plan = kit.run(&work, &envs, &["plan", "-c", "ex", "--detailed-exitcode"]);
    assert!(
        plan.code == 0 && plan.last_line() == NO_CHANGES,
        "examples/shared-instance, applied then planned on Matomo {}:\n{}\n{}",
        kit.version,
        plan.stdout,
        plan.stderr
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_custom_list_equal_to_the_recommended_one_is_repaired() {
    let Some(kit) = Kit::get() else { return };
    if kit.version.as_str() < "5.2" {
        return;
    }
    let _instance = kit.instance_lock();
    let envs = kit.password_env();
    let names = text(
        &kit.api("SitesManager.getExcludedQueryParametersGlobal", &[]),
        "value",
    );
    let work = Workdir::new();
    // Matomo's recommended list, stored by matoform with Matomo's own type.
    work.set_config("instance:\n  privacy:\n    anonymize_ip: { enabled: true, mask_bytes: 2, use_for_enrichment: false }\n    anonymize_referrer: exclude_path\n  exclusions: { ips: [] }\n");
    kit.apply_converges(&work, &envs);
    let recommended = text(
        &kit.api("SitesManager.getExcludedQueryParametersGlobal", &[]),
        "value",
    );
    // Someone saves the same names as a custom list: Matomo's cnil_v1 check fails.
    kit.api(
        "SitesManager.setGlobalQueryParamExclusion",
        &[
            ("exclusionType", "custom"),
            ("queryParamsToExclude", &recommended),
        ],
    );
    let kind = || {
        text(
            &kit.api("SitesManager.getExclusionTypeForQueryParams", &[]),
            "value",
        )
    };
    assert_eq!(kind(), "custom");
    let plan = kit.plan(&work, &envs);
    expect_code(&plan, 2);
    assert!(
        plan.stdout
            .contains(r#"~ query_parameters_type: "custom" → "matomo_recommended_pii""#),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.lines().count() < 60,
        "the list is one named value:\n{}",
        plan.stdout
    );
    kit.apply_converges(&work, &envs);
    assert_eq!(kind(), "matomo_recommended_pii");
    let _ = names;
}

#[test]
fn a_site_s_own_privacy_settings_are_managed() {
    let Some(kit) = Kit::get() else { return };
    if !kit.is_57() {
        return;
    }
    let _shared = kit.sites_lock();
    let tag = unique("ownpriv");
    let work = Workdir::new();
    let config = |privacy: &str| {
        format!(
            "policy: {{ profile: none }}\nsites:\n  {tag}:\n    name: Own privacy\n    urls: [https://{tag}.real.example]\n    privacy: {privacy}\n"
        )
    };
    let own = |kit: &Kit, id: &str| {
        kit.api(
            "PrivacyManager.getAnonymisationSettings",
            &[("idSiteSpecific", id)],
        )
    };
    work.set_config(&config("{ own: true, anonymize_ip: { enabled: true, mask_bytes: 1 }, anonymize_referrer: exclude_query }"));
    kit.apply_converges(&work, &[]);
    let id = kit
        .site_id_by_url(&format!("https://{tag}.real.example"))
        .expect("site")
        .to_string();
    let settings = own(&kit, &id);
    assert_eq!(settings["useSiteSpecificSettings"], true);
    assert_eq!(settings["ipAddressMaskLength"], 1);
    assert_eq!(settings["anonymizeReferrer"], "exclude_query");
    // The policy judges the site by its own settings.
    work.set_config(&config("{ own: true, anonymize_ip: { enabled: true, mask_bytes: 1 }, anonymize_referrer: exclude_query }").replace("policy: { profile: none }\n", ""));
    let judged = kit.run(&work, &[], &["validate"]);
    assert!(
        judged.stdout.contains("[cnil.ip-mask]") || judged.stderr.contains("[cnil.ip-mask]"),
        "{}{}",
        judged.stdout,
        judged.stderr
    );
    // Back to the instance's settings.
    work.set_config(&config("{ own: false }"));
    kit.apply_converges(&work, &[]);
    assert_eq!(own(&kit, &id)["useSiteSpecificSettings"], false);
    kit.delete_sites_by_url(&[format!("https://{tag}.real.example")]);
}
