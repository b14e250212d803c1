//! Policy, after waivers: the baseline, the violations accepted when an existing
//! instance was adopted (`baseline.yaml` beside the configuration). A baselined
//! violation is *known*: counted, never blocking. A new violation blocks as before, and
//! an entry that no longer matches is a warning, so the file only shrinks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::desired::{Diagnostic, Location, yaml};

use super::rules::rule;
use super::{Finding, Severity};

/// The baseline's file name, in the configuration directory (or beside the file).
pub const BASELINE_FILE: &str = "baseline.yaml";

/// Version of the baseline file format; checked on load.
pub const BASELINE_FORMAT_VERSION: u32 = 1;

/// The violations accepted at adoption.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// [`BASELINE_FORMAT_VERSION`].
    pub version: u32,
    /// The accepted violations, sorted by subject then rule.
    #[serde(default)]
    pub violations: Vec<Entry>,
    /// The configuration path (`-c`) the baseline belongs to, named in the fixes.
    #[serde(skip)]
    pub config: PathBuf,
}

/// One accepted violation: every finding of `rule` about `subject` is known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Rule id, e.g. `cnil.visitor-log`.
    pub rule: String,
    /// `site[key]` or `instance`.
    pub subject: String,
    /// The day the violation was recorded.
    pub found: NaiveDate,
}

/// Where the baseline of the configuration at `config` lives: `DIR/baseline.yaml` for
/// a directory, `baseline.yaml` beside a file.
pub fn path_for(config: &Path) -> PathBuf {
    if config.is_dir() {
        config.join(BASELINE_FILE)
    } else {
        config
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .join(BASELINE_FILE)
    }
}

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
        .filter(|e| !crate::scan::judge::is_scan_rule(&e.rule))
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
    let mut finding = match rule("policy.baseline-fixed") {
        Some(rule) => rule.finding(&entry.subject, message),
        None => Finding {
            rule: "policy.baseline-fixed".to_owned(),
            severity: Severity::Warning,
            subject: entry.subject.clone(),
            message,
            fix: String::new(),
            source: String::new(),
            waived: None,
            known: None,
        },
    };
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
        if current.contains(&id) || crate::scan::judge::is_scan_rule(&entry.rule) {
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

/// The baseline as YAML: a header comment saying what the file is, then the entries.
pub fn render(baseline: &Baseline) -> String {
    let mut out = String::from(
        "# matoform baseline: policy violations accepted when this configuration was adopted.\n\
         # They are reported as known and do not block; a new violation still does.\n\
         # Fix them, then remove the fixed entries with `matoform baseline -c PATH`.\n\
         # This file is not configuration: matoform reads it beside the configuration.\n",
    );
    out.push_str(&format!("version: {BASELINE_FORMAT_VERSION}\n"));
    if baseline.violations.is_empty() {
        out.push_str("violations: []\n");
        return out;
    }
    out.push_str("violations:\n");
    for entry in &baseline.violations {
        out.push_str(&format!(
            "  - rule: {}\n    subject: {}\n    found: {}\n",
            scalar(&entry.rule),
            scalar(&entry.subject),
            entry.found
        ));
    }
    out
}

/// A YAML scalar: plain when it is made of safe characters, else JSON-quoted.
fn scalar(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.[]#".contains(c));
    if safe {
        text.to_owned()
    } else {
        Value::String(text.to_owned()).to_string()
    }
}

/// Parses the baseline file `path` (its `text`), for the configuration at `config`.
/// Every problem is returned, located: syntax, unknown keys, a missing field, a
/// malformed date, an unknown format version.
pub fn parse(path: &Path, text: &str, config: &Path) -> Result<Baseline, Vec<Diagnostic>> {
    let (parsed, mut diagnostics) = yaml::parse(path, text);
    let at = |pointer: &str| -> Location {
        parsed
            .as_ref()
            .and_then(|p| p.locate(pointer))
            .cloned()
            .unwrap_or_else(|| Location {
                file: path.to_path_buf(),
                line: 1,
                col: 1,
            })
    };
    let fix = "the baseline is written by `matoform import` and `matoform baseline --add`: restore it from version control, or delete it and run `matoform baseline -c PATH --add`";
    let Some(parsed) = &parsed else {
        return Err(diagnostics);
    };
    let mut baseline = Baseline {
        version: BASELINE_FORMAT_VERSION,
        violations: Vec::new(),
        config: config.to_path_buf(),
    };
    let Some(root) = parsed.value.as_object() else {
        diagnostics.push(Diagnostic {
            location: at(""),
            message: "the baseline is not a mapping with `version` and `violations`".into(),
            fix: Some(fix.into()),
        });
        return Err(diagnostics);
    };
    for key in root
        .keys()
        .filter(|k| *k != "version" && *k != "violations")
    {
        diagnostics.push(Diagnostic {
            location: at(&format!("/{}", yaml::escape(key))),
            message: format!("unknown key `{key}` in the baseline"),
            fix: Some("a baseline has only `version` and `violations`".into()),
        });
    }
    match root.get("version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(BASELINE_FORMAT_VERSION) => {}
        other => diagnostics.push(Diagnostic {
            location: at("/version"),
            message: match other {
                Some(v) => format!(
                    "baseline format version {v}, this matoform reads version {BASELINE_FORMAT_VERSION}"
                ),
                None => "the baseline has no `version: 1`".into(),
            },
            fix: Some(fix.into()),
        }),
    }
    match root.get("violations") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match entry(item) {
                    Ok(entry) => baseline.violations.push(entry),
                    Err((key, problem)) => diagnostics.push(Diagnostic {
                        location: at(&format!("/violations/{i}{key}")),
                        message: format!("baseline entry {i}: {problem}"),
                        fix: Some(
                            "each entry has `rule`, `subject` and `found` (YYYY-MM-DD), nothing else"
                                .into(),
                        ),
                    }),
                }
            }
        }
        Some(_) => diagnostics.push(Diagnostic {
            location: at("/violations"),
            message: "the baseline's `violations` is not a list".into(),
            fix: Some(fix.into()),
        }),
    }
    if diagnostics.is_empty() {
        Ok(baseline)
    } else {
        Err(diagnostics)
    }
}

/// One entry from its JSON value, or the pointer suffix and the problem.
fn entry(item: &Value) -> Result<Entry, (String, String)> {
    let Some(map) = item.as_object() else {
        return Err((String::new(), "not a mapping".into()));
    };
    if let Some(key) = map
        .keys()
        .find(|k| !["rule", "subject", "found"].contains(&k.as_str()))
    {
        return Err((
            format!("/{}", yaml::escape(key)),
            format!("unknown key `{key}`"),
        ));
    }
    let text = |key: &str| -> Result<String, (String, String)> {
        map.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                (
                    format!("/{key}"),
                    format!("`{key}` is missing or not a string"),
                )
            })
    };
    let (rule, subject, found) = (text("rule")?, text("subject")?, text("found")?);
    let found = found.parse::<NaiveDate>().map_err(|_| {
        (
            "/found".to_owned(),
            format!("`found` is `{found}`, not a date (YYYY-MM-DD)"),
        )
    })?;
    Ok(Entry {
        rule,
        subject,
        found,
    })
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn render_then_parse_round_trips() {
        let b = baseline(vec![
            entry("cnil.ecommerce", "site[shop]"),
            entry("cnil.ip-mask", "instance"),
        ]);
        let text = render(&b);
        assert!(text.ends_with(
            "version: 1\nviolations:\n  - rule: cnil.ecommerce\n    subject: site[shop]\n    found: 2026-05-01\n  - rule: cnil.ip-mask\n    subject: instance\n    found: 2026-05-01\n"
        ), "{text}");
        let back = parse(Path::new("baseline.yaml"), &text, Path::new("cfg")).expect("parses");
        assert_eq!(back, b);
        assert_eq!(
            render(&baseline(Vec::new())).lines().last(),
            Some("violations: []")
        );
    }

    #[test]
    fn parse_reports_every_problem_located() {
        let text = "version: 2\nextra: 1\nviolations:\n  - rule: cnil.ecommerce\n    subject: site[a]\n    found: yesterday\n";
        let errors =
            parse(Path::new("baseline.yaml"), text, Path::new("cfg")).expect_err("invalid");
        let shown: Vec<String> = errors
            .iter()
            .map(|d| format!("{}:{}: {}", d.location.line, d.location.col, d.message))
            .collect();
        assert_eq!(
            shown,
            [
                "2:1: unknown key `extra` in the baseline",
                "1:1: baseline format version 2, this matoform reads version 1",
                "6:5: baseline entry 0: `found` is `yesterday`, not a date (YYYY-MM-DD)",
            ]
        );
    }
}
