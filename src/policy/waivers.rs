//! Waivers: accepted exceptions to policy rules, applied to findings. Expired, unused
//! and misnamed waivers are findings themselves.

use chrono::NaiveDate;

use crate::desired::model::{Config, Waiver, WaiverSites, glob_match, is_pattern};

use super::Finding;
use super::rules::{WAIVER_EXPIRED, WAIVER_UNKNOWN_RULE, WAIVER_UNUSED, rule};

/// Applies the waivers of `config` to `findings` as of `today`, and appends the
/// waivers' own findings.
///
/// A waiver whose `expires` is today or later (or absent) sets `waived` to its reason on
/// every finding of its rule about one of its sites (`site[key]`: a key, a pattern that
/// matches the key, or `all`) or, with `instance: true`, about `instance`; a finding
/// already waived keeps the first reason. A waiver that expired (`expires < today`)
/// waives nothing and yields `policy.waiver-expired`; a live waiver that matches nothing
/// yields `policy.waiver-unused`, and so does each of its patterns that matches no site
/// of `config`; a waiver naming a rule that is not a `cnil.*` rule yields the error
/// `policy.waiver-unknown-rule`. Waiver findings have the subject `waiver[i]` (0-based
/// position in the configuration).
pub fn apply_waivers(
    mut findings: Vec<Finding>,
    config: &Config,
    today: NaiveDate,
) -> Vec<Finding> {
    let mut extra = Vec::new();
    for (index, waiver) in config.waivers.iter().enumerate() {
        if crate::scan::detect::Detector::from_rule(&waiver.rule).is_some() {
            continue; // A waiver of a scan finding: applied by `matoform scan`.
        }
        let subject = format!("waiver[{index}]");
        let known = waiver.rule.starts_with("cnil.") && rule(&waiver.rule).is_some();
        if !known {
            extra.push(WAIVER_UNKNOWN_RULE.finding(&subject, unknown_message(waiver)));
            continue;
        }
        if let Some(expires) = waiver.expires.filter(|e| *e < today) {
            extra.push(WAIVER_EXPIRED.finding(
                &subject,
                format!(
                    "the waiver of {} for {} expired on {expires}: its violations count again",
                    waiver.rule,
                    covered(waiver)
                ),
            ));
            continue;
        }
        if let WaiverSites::Keys(keys) = &waiver.sites {
            for pattern in keys.iter().filter(|k| is_pattern(k)) {
                if !config.sites.keys().any(|key| glob_match(pattern, key)) {
                    extra.push(WAIVER_UNUSED.finding(
                        &subject,
                        format!(
                            "the waiver of {}: the pattern `{pattern}` matches no site",
                            waiver.rule
                        ),
                    ));
                }
            }
        }
        let mut matched = false;
        for finding in findings.iter_mut().filter(|f| covers(waiver, f)) {
            matched = true;
            finding.waived.get_or_insert_with(|| waiver.reason.clone());
        }
        if !matched {
            extra.push(WAIVER_UNUSED.finding(
                &subject,
                format!(
                    "the waiver of {} for {} matches no violation",
                    waiver.rule,
                    covered(waiver)
                ),
            ));
        }
    }
    findings.extend(extra);
    findings
}

fn covers(waiver: &Waiver, finding: &Finding) -> bool {
    if finding.rule != waiver.rule {
        return false;
    }
    if waiver.instance && finding.subject == "instance" {
        return true;
    }
    finding
        .subject
        .strip_prefix("site[")
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|key| waiver.sites.covers(key))
}

fn covered(waiver: &Waiver) -> String {
    let mut parts: Vec<String> = match &waiver.sites {
        WaiverSites::All(_) => vec!["all sites".to_owned()],
        WaiverSites::Keys(keys) => keys.iter().map(|k| format!("site[{k}]")).collect(),
    };
    if waiver.instance {
        parts.push("instance".to_owned());
    }
    if parts.is_empty() {
        "nothing (no sites, instance: false)".to_owned()
    } else {
        parts.join(", ")
    }
}

fn unknown_message(waiver: &Waiver) -> String {
    let ids: Vec<&str> = super::rules::RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| id.starts_with("cnil."))
        .collect();
    let suggestion = ids
        .iter()
        .map(|id| (strsim::levenshtein(id, &waiver.rule), *id))
        .min()
        .filter(|(distance, _)| *distance <= 4)
        .map(|(_, id)| format!(" (did you mean {id}?)"))
        .unwrap_or_default();
    format!(
        "the waiver names rule {}, which is not a policy rule{suggestion}",
        waiver.rule
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Severity;
    use crate::policy::rules::rule as get_rule;

    /// Applies `waivers` with a configuration of the sites shop, blog and scale-1.
    fn run(findings: Vec<Finding>, waivers: &[Waiver], today: NaiveDate) -> Vec<Finding> {
        let site = crate::desired::model::Site::default;
        let config = Config {
            sites: [("shop", site()), ("blog", site()), ("scale-1", site())]
                .into_iter()
                .map(|(k, s)| (k.to_owned(), s))
                .collect(),
            waivers: waivers.to_vec(),
            ..Config::default()
        };
        apply_waivers(findings, &config, today)
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn findings() -> Vec<Finding> {
        let ecommerce = get_rule("cnil.ecommerce").expect("rule");
        let mask = get_rule("cnil.ip-mask").expect("rule");
        vec![
            mask.finding("instance", "mask 1"),
            ecommerce.finding("site[shop]", "shop ecommerce"),
            ecommerce.finding("site[blog]", "blog ecommerce"),
        ]
    }

    fn waiver(rule: &str, sites: &[&str], expires: Option<&str>) -> Waiver {
        Waiver {
            rule: rule.into(),
            sites: WaiverSites::Keys(sites.iter().map(|s| (*s).to_owned()).collect()),
            instance: false,
            reason: format!("reason for {rule}"),
            expires: expires.map(day),
        }
    }

    #[test]
    fn valid_waiver_waives_its_sites_only() {
        let out = run(
            findings(),
            &[waiver("cnil.ecommerce", &["shop"], Some("2026-12-31"))],
            day("2026-12-31"),
        );
        let waived: Vec<(&str, Option<&str>)> = out
            .iter()
            .map(|f| (f.subject.as_str(), f.waived.as_deref()))
            .collect();
        assert_eq!(
            waived,
            [
                ("instance", None),
                ("site[shop]", Some("reason for cnil.ecommerce")),
                ("site[blog]", None)
            ]
        );
        assert!(!out[1].blocks());
        assert!(out[2].blocks());
    }

    #[test]
    fn instance_waiver() {
        let mut w = waiver("cnil.ip-mask", &[], None);
        w.instance = true;
        let out = run(findings(), &[w], day("2030-01-01"));
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].waived.as_deref(), Some("reason for cnil.ip-mask"));
    }

    #[test]
    fn expired_waiver_no_longer_waives_and_warns() {
        let out = run(
            findings(),
            &[waiver("cnil.ecommerce", &["shop"], Some("2026-01-31"))],
            day("2026-02-01"),
        );
        assert!(out.iter().all(|f| f.waived.is_none()));
        let last = out.last().expect("waiver finding");
        assert_eq!(last.rule, "policy.waiver-expired");
        assert_eq!(last.severity, Severity::Warning);
        assert_eq!(last.subject, "waiver[0]");
        assert_eq!(
            last.message,
            "the waiver of cnil.ecommerce for site[shop] expired on 2026-01-31: its violations count again"
        );
    }

    #[test]
    fn unused_waiver_warns() {
        let out = run(
            findings(),
            &[
                waiver("cnil.ecommerce", &["shop"], None),
                waiver("cnil.visitor-log", &["shop"], None),
            ],
            day("2026-02-01"),
        );
        let last = out.last().expect("waiver finding");
        assert_eq!(last.rule, "policy.waiver-unused");
        assert_eq!(last.subject, "waiver[1]");
        assert_eq!(last.severity, Severity::Warning);
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn unknown_rule_is_an_error_with_a_suggestion() {
        let out = run(
            findings(),
            &[waiver("cnil.ecomerce", &["shop"], None)],
            day("2026-02-01"),
        );
        let last = out.last().expect("waiver finding");
        assert_eq!(last.rule, "policy.waiver-unknown-rule");
        assert_eq!(last.severity, Severity::Error);
        assert!(last.blocks());
        assert_eq!(
            last.message,
            "the waiver names rule cnil.ecomerce, which is not a policy rule (did you mean cnil.ecommerce?)"
        );
        let out = run(
            vec![],
            &[waiver("policy.waiver-unused", &[], None)],
            day("2026-02-01"),
        );
        assert_eq!(out[0].rule, "policy.waiver-unknown-rule");
    }

    #[test]
    fn patterns_and_all_waive_the_sites_they_match() {
        let ecommerce = get_rule("cnil.ecommerce").expect("rule");
        let all = || {
            vec![
                ecommerce.finding("site[shop]", "shop"),
                ecommerce.finding("site[scale-1]", "scale"),
            ]
        };
        let waived =
            |out: &[Finding]| -> Vec<bool> { out.iter().map(|f| f.waived.is_some()).collect() };
        let out = run(
            all(),
            &[waiver("cnil.ecommerce", &["scale-*"], None)],
            day("2026-02-01"),
        );
        assert_eq!(waived(&out), [false, true]);
        let out = run(
            all(),
            &[waiver("cnil.ecommerce", &["s?op"], None)],
            day("2026-02-01"),
        );
        assert_eq!(waived(&out), [true, false]);
        let mut every = waiver("cnil.ecommerce", &[], None);
        every.sites = WaiverSites::All(crate::desired::model::AllSites::All);
        let out = run(all(), &[every], day("2026-02-01"));
        assert_eq!(waived(&out), [true, true]);
        // `all` covers sites only, never the instance.
        let out = run(
            findings(),
            &[{
                let mut w = waiver("cnil.ip-mask", &[], None);
                w.sites = WaiverSites::All(crate::desired::model::AllSites::All);
                w
            }],
            day("2026-02-01"),
        );
        assert!(out[0].waived.is_none());
        assert_eq!(
            out.last().map(|f| f.rule.as_str()),
            Some("policy.waiver-unused")
        );
    }

    #[test]
    fn a_pattern_that_matches_no_site_warns() {
        let out = run(
            findings(),
            &[waiver("cnil.ecommerce", &["shop", "shp-*"], None)],
            day("2026-02-01"),
        );
        assert_eq!(out.len(), 4);
        let last = out.last().expect("waiver finding");
        assert_eq!(last.rule, "policy.waiver-unused");
        assert_eq!(last.severity, Severity::Warning);
        assert_eq!(last.subject, "waiver[0]");
        assert_eq!(
            last.message,
            "the waiver of cnil.ecommerce: the pattern `shp-*` matches no site"
        );
        assert_eq!(out[1].waived.as_deref(), Some("reason for cnil.ecommerce"));
    }
}
