//! Policy, after waivers: the baseline, the violations accepted when an existing
//! instance was adopted (`baseline.yaml` beside the configuration). A baselined
//! violation is *known*: counted, never blocking. A new violation blocks as before, and
//! an entry that no longer matches is a warning, so the file only shrinks. The file
//! itself is read and written by [`crate::desired::baseline`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;

pub use crate::desired::baseline::{
    BASELINE_FILE, BASELINE_FORMAT_VERSION, Baseline, Entry, parse, path_for, render,
};

use super::rules::BASELINE_FIXED;
use super::{Finding, Severity};

/// Marks the findings the baseline records as known, and appends a
/// `policy.baseline-fixed` warning (subject: the entry's) for each entry that matches
/// nothing.
///
/// An entry matches every error finding of its rule about its subject that is not
/// waived (a waiver wins: a waived violation needs no baseline entry). Only `cnil.*`
/// findings are matched; the baseline never hides a finding about the configuration.
pub fn apply_baseline(mut findings: Vec<Finding>, baseline: &Baseline) -> Vec<Finding> {
    if baseline.violations.is_empty() {
        return findings;
    }
    let entries: BTreeMap<(&str, &str), &Entry> = baseline
        .violations
        .iter()
        .map(|e| ((e.rule.as_str(), e.subject.as_str()), e))
        .collect();
    let mut used = BTreeSet::new();
    for finding in findings.iter_mut().filter(|f| recordable(f)) {
        if let Some(entry) = entries.get(&(finding.rule.as_str(), finding.subject.as_str())) {
            used.insert((entry.rule.as_str(), entry.subject.as_str()));
            finding.known = Some(entry.found);
        }
    }
    let fixed: Vec<Finding> = baseline
        .violations
        .iter()
        .filter(|e| !used.contains(&(e.rule.as_str(), e.subject.as_str())))
        // Entries of scan findings are matched by `matoform scan`.
        .filter(|e| crate::scan::detect::Detector::from_rule(&e.rule).is_none())
        .map(|e| fixed_finding(e, &baseline.config))
        .collect();
    findings.extend(fixed);
    findings
}

/// Whether a baseline entry may record `finding`: an unwaived error of a policy rule.
fn recordable(finding: &Finding) -> bool {
    finding.severity == Severity::Error
        && finding.waived.is_none()
        && finding.rule.starts_with("cnil.")
}

fn fixed_finding(entry: &Entry, config: &Path) -> Finding {
    let command = format!("matoform baseline -c {}", config.display());
    let message = format!(
        "the baseline's {} violation is fixed: remove it from the baseline ({command})",
        entry.rule
    );
    let mut finding = BASELINE_FIXED.finding(&entry.subject, message);
    finding.fix = format!(
        "run `{command}`: it removes every entry that no longer matches from {}",
        path_for(config).display()
    );
    finding
}

/// The number of known findings per rule.
pub fn known_counts(findings: &[Finding]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for finding in findings.iter().filter(|f| f.known.is_some()) {
        *counts.entry(finding.rule.clone()).or_insert(0) += 1;
    }
    counts
}

/// What `matoform baseline` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// The new baseline.
    pub baseline: Baseline,
    /// Entries removed: they match no violation any more.
    pub removed: Vec<Entry>,
    /// Entries added (only with `add`).
    pub added: Vec<Entry>,
}

/// Refreshes `baseline` against `findings` (evaluated *without* a baseline): keeps the
/// entries that still match a violation, and with `add` records every other violation
/// as found `today`. Entries are sorted by subject (as plan addresses are) then rule.
pub fn refresh(
    baseline: &Baseline,
    findings: &[Finding],
    add: bool,
    today: NaiveDate,
) -> Refreshed {
    let current: BTreeSet<(&str, &str)> = findings
        .iter()
        .filter(|f| recordable(f))
        .map(|f| (f.rule.as_str(), f.subject.as_str()))
        .collect();
    let mut kept = Vec::new();
    let mut removed = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in &baseline.violations {
        let id = (entry.rule.as_str(), entry.subject.as_str());
        if !seen.insert(id) {
            continue;
        }
        // Entries of scan findings are the scan's to judge: kept as they are.
        if current.contains(&id) || crate::scan::detect::Detector::from_rule(&entry.rule).is_some()
        {
            kept.push(entry.clone());
        } else {
            removed.push(entry.clone());
        }
    }
    let mut added = Vec::new();
    if add {
        for (rule, subject) in current.iter().filter(|id| !seen.contains(*id)) {
            added.push(Entry {
                rule: (*rule).to_owned(),
                subject: (*subject).to_owned(),
                found: today,
            });
        }
    }
    kept.extend(added.iter().cloned());
    sort(&mut kept);
    sort(&mut added);
    sort(&mut removed);
    Refreshed {
        baseline: Baseline {
            version: BASELINE_FORMAT_VERSION,
            violations: kept,
            config: baseline.config.clone(),
        },
        removed,
        added,
    }
}

fn sort(entries: &mut [Entry]) {
    entries.sort_by(|a, b| {
        crate::plan::address_order(&a.subject, &b.subject).then_with(|| a.rule.cmp(&b.rule))
    });
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::policy::rules::rule as get_rule;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn entry(rule: &str, subject: &str) -> Entry {
        Entry {
            rule: rule.into(),
            subject: subject.into(),
            found: day("2026-05-01"),
        }
    }

    fn baseline(entries: Vec<Entry>) -> Baseline {
        Baseline {
            version: 1,
            violations: entries,
            config: PathBuf::from("cfg"),
        }
    }

    fn findings() -> Vec<Finding> {
        let ecommerce = get_rule("cnil.ecommerce").expect("rule");
        let log = get_rule("cnil.visitor-log").expect("rule");
        let url = get_rule("cnil.exclude-unknown-urls").expect("rule");
        vec![
            ecommerce.finding("site[shop]", "shop ecommerce"),
            ecommerce.finding("site[blog]", "blog ecommerce"),
            log.finding("site[shop]", "shop log"),
            url.finding("site[shop]", "a warning"),
        ]
    }

    #[test]
    fn known_findings_do_not_block_new_ones_do() {
        let out = apply_baseline(
            findings(),
            &baseline(vec![
                entry("cnil.ecommerce", "site[shop]"),
                entry("cnil.visitor-log", "site[shop]"),
            ]),
        );
        let state: Vec<(&str, &str, bool, bool)> = out
            .iter()
            .map(|f| {
                (
                    f.rule.as_str(),
                    f.subject.as_str(),
                    f.known.is_some(),
                    f.blocks(),
                )
            })
            .collect();
        assert_eq!(
            state,
            [
                ("cnil.ecommerce", "site[shop]", true, false),
                ("cnil.ecommerce", "site[blog]", false, true),
                ("cnil.visitor-log", "site[shop]", true, false),
                ("cnil.exclude-unknown-urls", "site[shop]", false, false),
            ]
        );
        assert_eq!(
            known_counts(&out),
            BTreeMap::from([("cnil.ecommerce".into(), 1), ("cnil.visitor-log".into(), 1)])
        );
    }

    #[test]
    fn an_entry_that_matches_nothing_is_a_fixed_warning() {
        let out = apply_baseline(
            findings(),
            &baseline(vec![entry("cnil.ecommerce", "site[gone]")]),
        );
        let last = out.last().expect("fixed finding");
        assert_eq!(last.rule, "policy.baseline-fixed");
        assert_eq!(last.severity, Severity::Warning);
        assert_eq!(last.subject, "site[gone]");
        assert_eq!(
            last.message,
            "the baseline's cnil.ecommerce violation is fixed: remove it from the baseline (matoform baseline -c cfg)"
        );
        assert_eq!(
            last.fix,
            "run `matoform baseline -c cfg`: it removes every entry that no longer matches from baseline.yaml"
        );
    }

    #[test]
    fn warnings_and_waived_findings_are_never_known() {
        let mut all = findings();
        all[0].waived = Some("decided".into());
        let out = apply_baseline(
            all,
            &baseline(vec![
                entry("cnil.ecommerce", "site[shop]"),
                entry("cnil.exclude-unknown-urls", "site[shop]"),
            ]),
        );
        assert!(out.iter().all(|f| f.known.is_none()), "{out:#?}");
        let fixed: Vec<&str> = out
            .iter()
            .filter(|f| f.rule == "policy.baseline-fixed")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(fixed.len(), 2, "{fixed:?}");
    }

    #[test]
    fn refresh_removes_fixed_entries_and_adds_only_when_asked() {
        let old = baseline(vec![
            entry("cnil.visitor-log", "site[shop]"),
            entry("cnil.ecommerce", "site[gone]"),
        ]);
        let kept = refresh(&old, &findings(), false, day("2026-06-01"));
        assert_eq!(
            kept.baseline.violations,
            [entry("cnil.visitor-log", "site[shop]")]
        );
        assert_eq!(kept.removed, [entry("cnil.ecommerce", "site[gone]")]);
        assert!(kept.added.is_empty());

        let grown = refresh(&old, &findings(), true, day("2026-06-01"));
        let new = |rule: &str, subject: &str| Entry {
            found: day("2026-06-01"),
            ..entry(rule, subject)
        };
        assert_eq!(
            grown.baseline.violations,
            [
                new("cnil.ecommerce", "site[blog]"),
                new("cnil.ecommerce", "site[shop]"),
                entry("cnil.visitor-log", "site[shop]"),
            ]
        );
        assert_eq!(grown.added.len(), 2);
    }
}
