//! Desired state, beside the configuration: the baseline file (`baseline.yaml`), the
//! violations accepted when an existing instance was adopted. This module reads and
//! writes the file; the policy applies it (`policy::baseline`).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Diagnostic, Location, yaml};

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

    fn entry(rule: &str, subject: &str) -> Entry {
        Entry {
            rule: rule.into(),
            subject: subject.into(),
            found: "2026-05-01".parse().expect("date"),
        }
    }

    fn baseline(entries: Vec<Entry>) -> Baseline {
        Baseline {
            version: 1,
            violations: entries,
            config: PathBuf::from("cfg"),
        }
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
