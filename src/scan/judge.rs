//! Judging the findings: each is a violation of its rule (`scan.email`…) about its site
//! (`site[key]`), unless a waiver of the configuration covers it (a site key, a pattern
//! such as `shop-*`, or `all`; not expired) or the baseline records it. Same waivers and
//! baseline file as the policy's, with the scan's rule ids.

use chrono::NaiveDate;

use super::detect::Detector;
use super::model::Scan;
use crate::desired::model::Config;
use crate::policy::baseline::{Baseline, Entry};

/// Whether `rule` is one of the scan's rules (`scan.email`…): waivers and baseline
/// entries naming one are the scan's, not the policy's.
pub fn is_scan_rule(rule: &str) -> bool {
    Detector::from_rule(rule).is_some()
}

/// Marks the findings waived (first covering waiver's reason) or known (the baseline's
/// date), as of `today`. Returns the warnings about the scan's waivers: expired, or
/// naming an unknown `scan.*` rule.
pub fn judge(
    scan: &mut Scan,
    config: Option<&Config>,
    baseline: Option<&Baseline>,
    today: NaiveDate,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(config) = config {
        for (index, waiver) in config.waivers.iter().enumerate() {
            if !waiver.rule.starts_with("scan.") {
                continue;
            }
            if !is_scan_rule(&waiver.rule) {
                let ids: Vec<&str> = Detector::ALL.iter().map(|d| d.id()).collect();
                warnings.push(format!(
                    "waivers[{index}]: {} is not a scan rule; the scan's rules are {}",
                    waiver.rule,
                    ids.join(", ")
                ));
                continue;
            }
            if let Some(expires) = waiver.expires.filter(|e| *e < today) {
                warnings.push(format!(
                    "waivers[{index}]: the waiver of {} expired on {expires}: its findings count again",
                    waiver.rule
                ));
                continue;
            }
            for finding in scan
                .findings
                .iter_mut()
                .filter(|f| f.rule == waiver.rule && waiver.sites.covers(&f.site))
            {
                finding.waived.get_or_insert_with(|| waiver.reason.clone());
            }
        }
    }
    if let Some(baseline) = baseline {
        for finding in scan.findings.iter_mut().filter(|f| f.waived.is_none()) {
            let subject = finding.subject();
            if let Some(entry) = baseline
                .violations
                .iter()
                .find(|e| e.rule == finding.rule && e.subject == subject)
            {
                finding.known = Some(entry.found);
            }
        }
    }
    scan.finish();
    warnings
}

/// Records the scan's violations in `baseline` as found `today` (one entry per rule and
/// site, as the findings are waived and known) and marks them known. Returns the new
/// baseline and the entries added; the other entries are kept as they are.
pub fn record(scan: &mut Scan, baseline: &Baseline, today: NaiveDate) -> (Baseline, Vec<Entry>) {
    let mut recorded = baseline.clone();
    let mut added: Vec<Entry> = Vec::new();
    for finding in scan.findings.iter_mut().filter(|f| f.is_violation()) {
        let subject = finding.subject();
        let known = recorded
            .violations
            .iter()
            .any(|e| e.rule == finding.rule && e.subject == subject);
        if !known {
            let entry = Entry {
                rule: finding.rule.clone(),
                subject,
                found: today,
            };
            recorded.violations.push(entry.clone());
            added.push(entry);
        }
        finding.known = Some(today);
    }
    recorded.violations.sort_by(|a, b| {
        crate::plan::address_order(&a.subject, &b.subject).then_with(|| a.rule.cmp(&b.rule))
    });
    scan.finish();
    (recorded, added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::model::{Waiver, WaiverSites};
    use crate::scan::model::{Finding, Remedy, RemedyAction, Summary, Target};
    use crate::scan::reports::ReportKind;

    fn finding(site: &str, detector: Detector) -> Finding {
        Finding {
            rule: detector.id().into(),
            detector,
            site: site.into(),
            site_id: 1,
            report: ReportKind::PageUrls,
            dimension: None,
            field: "url".into(),
            parameter: None,
            rows: 1,
            samples: Vec::new(),
            remedy: Remedy {
                action: RemedyAction::FixSource,
                setting: None,
                value: None,
                text: String::new(),
            },
            waived: None,
            known: None,
        }
    }

    fn scan(findings: Vec<Finding>) -> Scan {
        Scan {
            format_version: 1,
            matoform_version: String::new(),
            matomo: Target::default(),
            period: "day".into(),
            date: "yesterday".into(),
            rows: 10,
            summary: Summary::default(),
            sites: Vec::new(),
            findings,
            truncated: Vec::new(),
            not_read: Vec::new(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn waivers_with_patterns_and_the_baseline_leave_only_new_findings() {
        let mut s = scan(vec![
            finding("shop-fr", Detector::Email),
            finding("shop-de", Detector::Phone),
            finding("blog", Detector::Email),
            finding("news", Detector::Email),
        ]);
        let config = Config {
            waivers: vec![
                Waiver {
                    rule: "scan.email".into(),
                    sites: WaiverSites::Keys(vec!["shop-*".into()]),
                    reason: "test shop".into(),
                    ..Waiver::default()
                },
                Waiver {
                    rule: "scan.phone".into(),
                    sites: WaiverSites::Keys(vec!["shop-de".into()]),
                    reason: "old".into(),
                    expires: Some(day("2020-01-01")),
                    ..Waiver::default()
                },
                Waiver {
                    rule: "scan.emial".into(),
                    sites: WaiverSites::Keys(vec!["blog".into()]),
                    reason: "typo".into(),
                    ..Waiver::default()
                },
            ],
            ..Config::default()
        };
        let baseline = Baseline {
            version: 1,
            violations: vec![Entry {
                rule: "scan.email".into(),
                subject: "site[blog]".into(),
                found: day("2026-01-01"),
            }],
            config: Default::default(),
        };
        let warnings = judge(&mut s, Some(&config), Some(&baseline), day("2026-06-01"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("expired"));
        assert!(warnings[1].contains("not a scan rule"));
        let by_site = |site: &str| s.findings.iter().find(|f| f.site == site).unwrap();
        assert_eq!(by_site("shop-fr").waived.as_deref(), Some("test shop"));
        assert!(by_site("shop-de").is_violation());
        assert_eq!(by_site("blog").known, Some(day("2026-01-01")));
        assert!(by_site("news").is_violation());
        assert_eq!(s.summary.violations, 2);
        assert_eq!(s.summary.waived, 1);
        assert_eq!(s.summary.known, 1);
        assert!(s.has_violations());
    }

    #[test]
    fn the_policy_leaves_scan_waivers_and_baseline_entries_to_the_scan() {
        let config = Config {
            waivers: vec![Waiver {
                rule: "scan.email".into(),
                sites: WaiverSites::Keys(vec!["shop".into()]),
                reason: "r".into(),
                ..Waiver::default()
            }],
            ..Config::default()
        };
        let out = crate::policy::waivers::apply_waivers(Vec::new(), &config, day("2026-06-01"));
        assert!(out.is_empty(), "{out:?}");
        let baseline = Baseline {
            version: 1,
            violations: vec![Entry {
                rule: "scan.phone".into(),
                subject: "site[shop]".into(),
                found: day("2026-01-01"),
            }],
            config: Default::default(),
        };
        assert!(crate::policy::baseline::apply_baseline(Vec::new(), &baseline).is_empty());
        let refreshed = crate::policy::baseline::refresh(&baseline, &[], false, day("2026-06-01"));
        assert_eq!(refreshed.baseline.violations, baseline.violations);
    }

    #[test]
    fn recording_makes_every_violation_known_once_per_rule_and_site() {
        let mut s = scan(vec![
            finding("shop", Detector::Email),
            finding("shop", Detector::Email),
            finding("blog", Detector::Phone),
        ]);
        let baseline = Baseline {
            version: 1,
            violations: vec![Entry {
                rule: "scan.phone".into(),
                subject: "site[blog]".into(),
                found: day("2026-01-01"),
            }],
            config: Default::default(),
        };
        judge(&mut s, None, Some(&baseline), day("2026-06-01"));
        assert_eq!(s.summary.violations, 2);
        let (recorded, added) = record(&mut s, &baseline, day("2026-06-01"));
        assert_eq!(added.len(), 1, "{added:?}");
        assert_eq!(
            (added[0].rule.as_str(), added[0].subject.as_str()),
            ("scan.email", "site[shop]")
        );
        assert_eq!(recorded.violations.len(), 2);
        assert_eq!(s.summary.violations, 0);
        assert!(!s.has_violations());
    }
}
