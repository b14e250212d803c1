//! Rendering a scan: text, JSON, Markdown and chat, all pure functions of a
//! [`Scan`]. The summary comes first (counts by rule and by site), then the findings,
//! capped (with "… N more") unless every one is asked for, so that the output stays
//! readable at a thousand sites. A scan holds no raw value, so no rendering can show one.

use std::fmt::Write as _;

use crate::scan::model::{Finding, NotRead, Scan};

use super::plural;

/// Findings listed when not all are asked for.
pub const SHOWN: usize = 20;

/// Sites and rules named in a summary line before "and N more".
const NAMED: usize = 10;

/// How a scan is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// List every finding (`--all`), not only the first [`SHOWN`] violations.
    pub all: bool,
    /// Chat: a first line.
    pub title: Option<String>,
    /// Chat and Markdown: upper bound of the output's length.
    pub max_chars: Option<usize>,
}

/// The scan as versioned JSON (see docs/scan.md).
pub fn json(scan: &Scan) -> String {
    let mut out = serde_json::to_string_pretty(scan).unwrap_or_default();
    out.push('\n');
    out
}

/// The headline: what was scanned, and the verdict.
fn headline(scan: &Scan) -> String {
    format!(
        "Scan of {} (Matomo {}), period {} {}: {}, {} read, {} scanned.",
        if scan.matomo.url.is_empty() {
            "Matomo"
        } else {
            &scan.matomo.url
        },
        scan.matomo.version,
        scan.period,
        scan.date,
        plural(scan.summary.sites, "site", "sites"),
        plural(scan.summary.reports, "report", "reports"),
        plural(
            usize::try_from(scan.summary.rows).unwrap_or(usize::MAX),
            "row",
            "rows"
        ),
    )
}

fn verdict(scan: &Scan) -> String {
    let s = &scan.summary;
    if s.findings == 0 {
        return "No personal data found.".into();
    }
    let mut parts = vec![plural(s.violations, "violation", "violations")];
    if s.waived > 0 {
        parts.push(format!("{} waived", s.waived));
    }
    if s.known > 0 {
        parts.push(format!("{} known (baseline)", s.known));
    }
    format!(
        "Personal data: {} on {} ({}).",
        plural(s.findings, "finding", "findings"),
        plural(s.by_site.len(), "site", "sites"),
        parts.join(", ")
    )
}

fn by_rule(scan: &Scan) -> Option<String> {
    (!scan.summary.by_rule.is_empty()).then(|| {
        let parts: Vec<String> = scan
            .summary
            .by_rule
            .iter()
            .map(|(rule, rows)| {
                format!(
                    "{rule} {}",
                    plural(usize::try_from(*rows).unwrap_or(usize::MAX), "row", "rows")
                )
            })
            .collect();
        format!("By rule: {}", parts.join(", "))
    })
}

fn by_site(scan: &Scan) -> Option<String> {
    (!scan.summary.by_site.is_empty()).then(|| {
        let mut sites: Vec<(&String, &usize)> = scan.summary.by_site.iter().collect();
        sites.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let mut parts: Vec<String> = sites
            .iter()
            .take(NAMED)
            .map(|(site, n)| format!("{site} {n}"))
            .collect();
        if sites.len() > NAMED {
            parts.push(format!("and {} more sites", sites.len() - NAMED));
        }
        format!("By site (findings): {}", parts.join(", "))
    })
}

/// The findings to list: violations first, then (with `all`) waived and known ones.
fn listed<'a>(scan: &'a Scan, options: &ScanOptions) -> (Vec<&'a Finding>, usize) {
    let mut findings: Vec<&Finding> = scan.findings.iter().filter(|f| f.is_violation()).collect();
    if options.all {
        findings.extend(scan.findings.iter().filter(|f| !f.is_violation()));
        return (findings, 0);
    }
    let more = findings.len().saturating_sub(SHOWN);
    findings.truncate(SHOWN);
    (findings, more)
}

/// `site[shop] page-urls: e-mail address (scan.email) in 3 rows, field url, parameter `email``
fn finding_title(finding: &Finding) -> String {
    let mut out = format!(
        "site[{}] {}: {} ({}) in {}",
        finding.site,
        finding.report.id(),
        finding.detector.title(),
        finding.rule,
        plural(
            usize::try_from(finding.rows).unwrap_or(usize::MAX),
            "row",
            "rows"
        ),
    );
    let _ = write!(out, ", field {}", finding.field);
    if let Some(dimension) = &finding.dimension {
        let _ = write!(out, ", dimension {}", dimension.id);
        if !dimension.name.is_empty() {
            let _ = write!(out, " ({})", dimension.name);
        }
    }
    if let Some(parameter) = &finding.parameter {
        let _ = write!(out, ", parameter `{parameter}`");
    }
    if let Some(reason) = &finding.waived {
        let _ = write!(out, " [waived: {reason}]");
    } else if let Some(day) = finding.known {
        let _ = write!(out, " [known since {day}]");
    }
    out
}

fn samples(finding: &Finding) -> Vec<String> {
    finding
        .samples
        .iter()
        .map(|s| format!("{} in row {}", s.value, s.row))
        .collect()
}

/// Not-read reports, grouped by reason: `visitor log off: 3 reports (site-4 visits, …)`.
fn not_read_lines(not_read: &[NotRead]) -> Vec<String> {
    let mut by_reason: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for item in not_read {
        let mut name = format!("{} {}", item.report.site, item.report.report.id());
        if let Some(id) = item.report.dimension {
            let _ = write!(name, " {id}");
        }
        by_reason
            .entry(item.reason.as_str())
            .or_default()
            .push(name);
    }
    by_reason
        .into_iter()
        .map(|(reason, names)| {
            let mut shown: Vec<String> = names.iter().take(NAMED).cloned().collect();
            if names.len() > NAMED {
                shown.push(format!("and {} more", names.len() - NAMED));
            }
            format!(
                "{reason}: {} ({})",
                plural(names.len(), "report", "reports"),
                shown.join(", ")
            )
        })
        .collect()
}

fn truncated_line(scan: &Scan) -> Option<String> {
    (!scan.truncated.is_empty()).then(|| {
        let mut names: Vec<String> = scan
            .truncated
            .iter()
            .take(NAMED)
            .map(|r| format!("{} {}", r.site, r.report.id()))
            .collect();
        if scan.truncated.len() > NAMED {
            names.push(format!("and {} more", scan.truncated.len() - NAMED));
        }
        format!(
            "Cut at {} rows (the rest was not scanned; raise --rows): {}",
            scan.rows,
            names.join(", ")
        )
    })
}

const PURGE: &str = "The data already collected stays in Matomo until purged: see docs/scan.md, \"Purging what was collected\" (matoform never purges).";

/// The scan as plain text.
pub fn text(scan: &Scan, options: &ScanOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(scan));
    let _ = writeln!(out, "{}", verdict(scan));
    for line in [by_rule(scan), by_site(scan)].into_iter().flatten() {
        let _ = writeln!(out, "{line}");
    }
    let (findings, more) = listed(scan, options);
    if !findings.is_empty() {
        let _ = writeln!(out, "\nFindings:");
        for finding in &findings {
            let _ = writeln!(out, "  {}", finding_title(finding));
            for sample in samples(finding) {
                let _ = writeln!(out, "    e.g. {sample}");
            }
            let _ = writeln!(out, "    remedy: {}", finding.remedy.text);
        }
        if more > 0 {
            let _ = writeln!(
                out,
                "  … {more} more (--all lists every finding; --format json has them all)"
            );
        }
    }
    let hidden = scan.findings.len() - scan.summary.violations;
    if !options.all && hidden > 0 {
        let _ = writeln!(
            out,
            "\n{} waived or known not listed (--all lists them).",
            plural(hidden, "finding", "findings")
        );
    }
    if let Some(line) = truncated_line(scan) {
        let _ = writeln!(out, "\n{line}");
    }
    let not_read = not_read_lines(&scan.not_read);
    if !not_read.is_empty() {
        let _ = writeln!(out, "\nNot read:");
        for line in not_read {
            let _ = writeln!(out, "  {line}");
        }
    }
    if scan.summary.findings > 0 {
        let _ = writeln!(out, "\n{PURGE}");
    }
    out
}

/// The scan as Markdown (a pull-request or issue comment).
pub fn markdown(scan: &Scan, options: &ScanOptions) -> String {
    let max = options.max_chars.unwrap_or(super::markdown::MAX_LEN);
    let mut out = String::new();
    let _ = writeln!(out, "### matoform scan\n");
    let _ = writeln!(out, "{}\n", escape(&headline(scan)));
    let _ = writeln!(out, "**{}**\n", escape(&verdict(scan)));
    if !scan.summary.by_rule.is_empty() {
        let _ = writeln!(out, "| rule | rows |\n|---|---:|");
        for (rule, rows) in &scan.summary.by_rule {
            let _ = writeln!(out, "| `{rule}` | {rows} |");
        }
        out.push('\n');
    }
    if let Some(line) = by_site(scan) {
        let _ = writeln!(out, "{}\n", escape(&line));
    }
    let (findings, more) = listed(scan, options);
    let mut body = String::new();
    for finding in &findings {
        let _ = writeln!(body, "- {}", escape(&finding_title(finding)));
        for sample in samples(finding) {
            let _ = writeln!(body, "  - e.g. `{}`", sample.replace('`', "'"));
        }
        let _ = writeln!(body, "  - remedy: {}", escape(&finding.remedy.text));
    }
    if !body.is_empty() {
        let _ = writeln!(out, "#### Findings\n");
        out.push_str(&body);
        if more > 0 {
            let _ = writeln!(out, "- … {more} more (`--all` lists every finding)");
        }
        out.push('\n');
    }
    if let Some(line) = truncated_line(scan) {
        let _ = writeln!(out, "{}\n", escape(&line));
    }
    for line in not_read_lines(&scan.not_read) {
        let _ = writeln!(out, "- not read: {}", escape(&line));
    }
    if scan.summary.findings > 0 {
        let _ = writeln!(out, "\n{}", escape(PURGE));
    }
    fit(out, max)
}

/// The scan as a chat message (Mattermost, Slack): bullet lists, no table, under
/// 16,000 characters.
pub fn chat(scan: &Scan, options: &ScanOptions) -> String {
    let max = options.max_chars.unwrap_or(super::chat::MAX_CHARS);
    let mut out = String::new();
    if let Some(title) = &options.title {
        let _ = writeln!(out, "{}\n", escape(title));
    }
    let _ = writeln!(out, "{}", escape(&headline(scan)));
    let _ = writeln!(out, "**{}**", escape(&verdict(scan)));
    for line in [by_rule(scan), by_site(scan)].into_iter().flatten() {
        let _ = writeln!(out, "- {}", escape(&line));
    }
    let (findings, more) = listed(scan, options);
    if !findings.is_empty() {
        out.push('\n');
        for finding in &findings {
            let _ = writeln!(out, "- {}", escape(&finding_title(finding)));
            if let Some(sample) = samples(finding).first() {
                let _ = writeln!(out, "  - e.g. `{}`", sample.replace('`', "'"));
            }
            let _ = writeln!(out, "  - remedy: {}", escape(&finding.remedy.text));
        }
        if more > 0 {
            let _ = writeln!(out, "- …and {more} more");
        }
    }
    if let Some(line) = truncated_line(scan) {
        let _ = writeln!(out, "\n{}", escape(&line));
    }
    fit(out, max)
}

/// Cuts `out` to `max` bytes at a line end, saying so.
fn fit(mut out: String, max: usize) -> String {
    const NOTE: &str = "\n…(cut to fit; --format json has everything)\n";
    if out.len() <= max {
        return out;
    }
    let mut end = max.saturating_sub(NOTE.len());
    while end > 0 && !out.is_char_boundary(end) {
        end -= 1;
    }
    let end = out[..end].rfind('\n').unwrap_or(end);
    out.truncate(end);
    out.push_str(NOTE);
    out
}

/// Markdown's emphasis and HTML characters escaped in free text.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '_' | '<' | '>' | '|' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::detect::Detector;
    use crate::scan::model::{Remedy, RemedyAction, Sample, Summary, Target};
    use crate::scan::reports::ReportKind;

    fn finding(site: &str, n: u64) -> Finding {
        Finding {
            rule: "scan.email".into(),
            detector: Detector::Email,
            site: site.into(),
            site_id: n,
            report: ReportKind::PageUrls,
            dimension: None,
            field: "url".into(),
            parameter: Some("email".into()),
            rows: 2,
            samples: vec![Sample {
                row: "/compte?email=j***@e***.fr".into(),
                value: "j***@e***.fr".into(),
            }],
            remedy: Remedy {
                action: RemedyAction::Add,
                setting: Some(format!("sites.{site}.exclusions.query_parameters")),
                value: Some(serde_json::json!("email")),
                text: format!("add `email` to sites.{site}.exclusions.query_parameters"),
            },
            waived: None,
            known: None,
        }
    }

    fn scan(n: u64) -> Scan {
        let mut scan = Scan {
            format_version: 1,
            matoform_version: "0".into(),
            matomo: Target {
                url: "https://stats.example.org/".into(),
                version: "5.7.0".into(),
            },
            period: "day".into(),
            date: "yesterday".into(),
            rows: 10_000,
            summary: Summary::default(),
            sites: Vec::new(),
            findings: (1..=n).map(|i| finding(&format!("site-{i}"), i)).collect(),
            truncated: Vec::new(),
            not_read: Vec::new(),
        };
        scan.finish();
        scan
    }

    #[test]
    fn the_summary_comes_first_and_details_are_capped() {
        let text = text(&scan(1000), &ScanOptions::default());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("Scan of https://stats.example.org/"));
        assert_eq!(
            lines[1],
            "Personal data: 1000 findings on 1000 sites (1000 violations)."
        );
        assert_eq!(lines[2], "By rule: scan.email 2000 rows");
        assert!(lines[3].ends_with("and 990 more sites"), "{}", lines[3]);
        assert!(text.contains("… 980 more (--all"));
        assert!(text.lines().count() < 120, "{}", text.lines().count());
        let all = super::text(
            &scan(1000),
            &ScanOptions {
                all: true,
                ..ScanOptions::default()
            },
        );
        assert!(all.contains("site[site-1000] page-urls"));
    }

    #[test]
    fn chat_and_markdown_stay_under_their_limits() {
        let big = scan(5000);
        let options = ScanOptions {
            all: true,
            ..ScanOptions::default()
        };
        assert!(chat(&big, &options).len() <= super::super::chat::MAX_CHARS);
        assert!(markdown(&big, &options).len() <= super::super::markdown::MAX_LEN);
        assert!(chat(&scan(0), &ScanOptions::default()).contains("No personal data found."));
    }
}
