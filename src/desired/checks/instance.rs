//! Semantic checks of the `instance` section, and of the site settings it constrains.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Checker;

/// Checks `instance` (the section's JSON object); `sites` for the settings the
/// instance constrains on every site.
pub(super) fn check(
    checker: &mut Checker,
    instance: &serde_json::Map<String, Value>,
    sites: &serde_json::Map<String, Value>,
) {
    if let Some(ips) = instance.get("exclusions").and_then(|e| e.get("ips")) {
        super::values::check_ips(checker, ips, "/instance/exclusions/ips");
    }
    check_compliance_conflicts(checker, instance);
    if instance.get("compliance_mode").and_then(Value::as_str) == Some("cnil_v1") {
        // Matomo enforces the instance's mode on every site, and switching a site
        // off clears the instance's too (CompliancePolicy::setActiveStatus).
        for (key, site) in sites {
            if site.get("compliance_mode").and_then(Value::as_str) == Some("off") {
                let pointer = format!("/sites/{key}/compliance_mode");
                checker.push(
                    checker.at(&pointer),
                    format!("sites.{key}.compliance_mode is off while instance.compliance_mode is cnil_v1: Matomo enforces the instance's mode on every site, and switching one site off would switch the whole instance off"),
                    Some("remove compliance_mode from the site, or set instance.compliance_mode: off".to_string()),
                );
            }
        }
    }
    if let Some(defaults) = instance.get("defaults") {
        super::values::check_timezone(
            checker,
            defaults.get("timezone"),
            "/instance/defaults/timezone",
        );
        super::values::check_currency(
            checker,
            defaults.get("currency"),
            "/instance/defaults/currency",
        );
    }
}

/// Settings that contradict `instance.compliance_mode: cnil_v1`. While Matomo's own
/// mode is enforced it stores weaker writes but answers its required values (the
/// exclusion type `matomo_recommended_pii`, IP anonymisation on with 2 bytes or more,
/// order ids anonymised, referrer at least `exclude_path`): such a configuration would
/// be written on every apply and shown as a change on every plan.
fn check_compliance_conflicts(checker: &mut Checker, instance: &serde_json::Map<String, Value>) {
    if instance.get("compliance_mode").and_then(Value::as_str) != Some("cnil_v1") {
        return;
    }
    const WHY: &str = "while instance.compliance_mode is cnil_v1, Matomo answers its own required value instead, so every plan would show this change again";
    let fix_mode = "or set instance.compliance_mode: off";
    if let Some(list) = instance
        .get("exclusions")
        .and_then(|e| e.get("query_parameters"))
        .and_then(Value::as_array)
    {
        let given: BTreeSet<&str> = list
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .collect();
        let recommended = crate::personal_data::matomo_recommended();
        let recommended: BTreeSet<&str> = recommended.iter().map(String::as_str).collect();
        if given != recommended {
            checker.push(
                checker.key_at("/instance/exclusions/query_parameters"),
                format!("instance.exclusions.query_parameters is a custom list: Matomo's cnil_v1 mode enforces its recommended personal-data list; {WHY}"),
                Some(format!("leave instance.exclusions.query_parameters out (the policy default is that list) and put extra names in the sites' exclusions.query_parameters, {fix_mode}")),
            );
        }
    }
    let privacy = instance.get("privacy");
    let ip = privacy.and_then(|p| p.get("anonymize_ip"));
    let mut weaker: Vec<(&str, &str)> = Vec::new();
    if ip.and_then(|i| i.get("enabled")).and_then(Value::as_bool) == Some(false) {
        weaker.push((
            "/instance/privacy/anonymize_ip/enabled",
            "instance.privacy.anonymize_ip.enabled is false (cnil_v1 requires true)",
        ));
    }
    if ip
        .and_then(|i| i.get("mask_bytes"))
        .and_then(Value::as_u64)
        .is_some_and(|m| m < 2)
    {
        weaker.push((
            "/instance/privacy/anonymize_ip/mask_bytes",
            "instance.privacy.anonymize_ip.mask_bytes is below 2 (cnil_v1 requires at least 2)",
        ));
    }
    if privacy
        .and_then(|p| p.get("anonymize_order_id"))
        .and_then(Value::as_bool)
        == Some(false)
    {
        weaker.push((
            "/instance/privacy/anonymize_order_id",
            "instance.privacy.anonymize_order_id is false (cnil_v1 requires true)",
        ));
    }
    if matches!(
        privacy
            .and_then(|p| p.get("anonymize_referrer"))
            .and_then(Value::as_str),
        Some("none" | "exclude_query")
    ) {
        weaker.push(("/instance/privacy/anonymize_referrer", "instance.privacy.anonymize_referrer is weaker than exclude_path (cnil_v1 requires exclude_path or exclude_all)"));
    }
    // Matomo's ReportRetention and VisitorLogDisabled settings under cnil_v1.
    let raw = instance.get("retention").and_then(|r| r.get("raw_data"));
    if raw
        .and_then(|r| r.get("older_than_days"))
        .and_then(Value::as_u64)
        .is_some_and(|days| days > 180)
    {
        weaker.push((
            "/instance/retention/raw_data/older_than_days",
            "instance.retention.raw_data.older_than_days is above 180 (cnil_v1 keeps raw data 180 days at most)",
        ));
    }
    if raw.and_then(|r| r.get("delete")).and_then(Value::as_bool) == Some(false) {
        weaker.push((
            "/instance/retention/raw_data/delete",
            "instance.retention.raw_data.delete is false (cnil_v1 deletes raw data after 180 days)",
        ));
    }
    if instance
        .get("visitor_log")
        .and_then(|l| l.get("disabled"))
        .and_then(Value::as_bool)
        == Some(false)
    {
        weaker.push((
            "/instance/visitor_log/disabled",
            "instance.visitor_log.disabled is false (cnil_v1 turns the visits log off)",
        ));
    }
    for (pointer, what) in weaker {
        checker.push(
            checker.at(pointer),
            format!("{what}; {WHY}"),
            Some(format!("use the value cnil_v1 requires, {fix_mode}")),
        );
    }
}
