//! Rendering of an audit report ([`crate::policy::AuditReport`]): text, JSON and
//! Markdown. Pure functions of the report; they decide nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::findings::{self, FindingsMode, Status};
use super::plural;
use super::view::rule_group_line_counting;
use crate::policy::audit::{AuditReport, SiteAuditRow};
use crate::policy::matomo_requirements::mapping;
use crate::policy::{Finding, Severity};

/// The reminder every audit output ends with: part of the checklist is in the pages.
pub const SNIPPET_REMINDER: &str = "The opt-out and the tracking code live in each site's pages, not in Matomo: print compliant code with `matoform snippet SITE`.";

/// The requirements section of the text audit: per requirement, how many sites
/// Matomo finds compliant and the profile's rule; then the disagreements grouped
/// (count and three example sites). Empty without requirement lists.
fn requirements_text(report: &AuditReport) -> String {
    let mut out = String::new();
    let with: Vec<&SiteAuditRow> = report
        .rows
        .iter()
        .filter(|r| !r.matomo_requirements.is_empty())
        .collect();
    if with.is_empty() && report.instance_matomo_requirements.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\nMatomo's cnil_v1 requirements (its own check, beside the profile's; every one is mapped in docs/policy.md):"
    );
    let mut table = vec![vec![
        "REQUIREMENT".to_string(),
        "INSTANCE".to_string(),
        "SITES COMPLIANT".to_string(),
        "PROFILE".to_string(),
    ]];
    let names: Vec<&str> = report
        .instance_matomo_requirements
        .iter()
        .chain(with.iter().flat_map(|r| r.matomo_requirements.iter()))
        .map(|r| r.name.as_str())
        .fold(Vec::new(), |mut acc, n| {
            if !acc.contains(&n) {
                acc.push(n);
            }
            acc
        });
    for name in names {
        let instance = report
            .instance_matomo_requirements
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.status.clone())
            .unwrap_or_default();
        let statuses: Vec<&str> = with
            .iter()
            .filter_map(|r| r.matomo_requirements.iter().find(|q| q.name == name))
            .map(|q| q.status.as_str())
            .collect();
        let ok = statuses.iter().filter(|s| **s == "compliant").count();
        let profile = match mapping(name) {
            Some(m) if !m.rules.is_empty() => m.rules.join(", "),
            Some(_) => "not checked".to_string(),
            None => "unknown to matoform".to_string(),
        };
        table.push(vec![
            name.to_string(),
            instance,
            format!("{ok} of {}", statuses.len()),
            profile,
        ]);
    }
    out.push_str(&align(&table));
    let mut groups: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for d in &report.instance_disagreements {
        groups
            .entry((d.requirement.clone(), d.matomo.clone(), d.profile.clone()))
            .or_default()
            .push("instance".into());
    }
    for row in &with {
        for d in &row.disagreements {
            groups
                .entry((d.requirement.clone(), d.matomo.clone(), d.profile.clone()))
                .or_default()
                .push(format!("site[{}]", row.key));
        }
    }
    if !groups.is_empty() {
        let _ = writeln!(
            out,
            "\nWhere Matomo and the profile disagree ({} groups; `audit --format json` lists them per site):",
            groups.len()
        );
        for ((requirement, matomo, profile), subjects) in &groups {
            let mut examples = subjects
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if subjects.len() > 3 {
                let _ = write!(examples, " and {} more", subjects.len() - 3);
            }
            let why = mapping(requirement).map(|m| m.why).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {requirement}: Matomo {matomo}, profile {profile}: {examples}"
            );
            if !why.is_empty() {
                let _ = writeln!(out, "      why: {why}");
            }
        }
    }
    out
}
fn compliant_sites(report: &AuditReport) -> usize {
    report.rows.iter().filter(|r| r.compliant).count()
}

/// The instance's status: unknown parts never read as compliant.
fn instance_status(report: &AuditReport) -> String {
    if !report.instance_checked {
        return "not checked (instance settings unknown)".to_owned();
    }
    let status = status_with(&report.instance);
    if report.instance_unreadable.is_empty() {
        return status;
    }
    let parts: Vec<&str> = report
        .instance_unreadable
        .iter()
        .map(|part| describe_part(part))
        .collect();
    let lead = if status == "compliant" {
        "UNKNOWN"
    } else {
        &status
    };
    format!(
        "{lead}; not readable with this Matomo and token: {}; check these by hand in Matomo's privacy settings",
        parts.join(", ")
    )
}

fn summary(report: &AuditReport) -> String {
    let errors = report.all_findings().filter(|f| f.blocks()).count();
    let warnings = report
        .all_findings()
        .filter(|f| f.severity == Severity::Warning && f.waived.is_none())
        .count();
    let waived = report.all_findings().filter(|f| f.waived.is_some()).count();
    let known = report.all_findings().filter(|f| f.known.is_some()).count();
    let known = if known > 0 {
        format!(", {known} known (baseline)")
    } else {
        String::new()
    };
    format!(
        "Audit: {} of {} sites compliant; {}, {}, {waived} waived{known}.",
        compliant_sites(report),
        report.rows.len(),
        plural(errors, "error", "errors"),
        plural(warnings, "warning", "warnings"),
    )
}

/// Plain-text rendering: a table of sites, the instance status, the findings with
/// their fix as `mode` says (in full when few, else by rule; see
/// [`crate::render::findings::view`]), the snippet reminder and a summary line.
/// Deterministic.
pub fn text(report: &AuditReport, mode: FindingsMode) -> String {
    let mut header = vec!["SITE", "ID", "STATUS"];
    if report.matomo_compliance {
        header.push("MATOMO CNIL_V1");
    }
    header.push("FINDINGS");
    let mut table: Vec<Vec<String>> = vec![header.iter().map(|h| (*h).to_owned()).collect()];
    for row in &report.rows {
        let mut cells = vec![
            row.key.clone(),
            id_cell(row.id),
            status(row.compliant).to_owned(),
        ];
        if report.matomo_compliance {
            cells.push(matomo_cell(row.matomo_cnil).to_owned());
        }
        cells.push(findings_cell(&row.findings, |id| id.to_owned()));
        table.push(cells);
    }
    let mut out = String::new();
    out.push_str(&align(&table));
    let _ = writeln!(out, "\nInstance: {}", instance_status(report));
    out.push_str(&requirements_text(report));
    let all: Vec<&Finding> = report.all_findings().collect();
    let shown = findings::view(&all, mode, &|_| false, &|f| f.fix.as_str());
    if !shown.full.is_empty() || shown.is_partial() {
        out.push_str("\nFindings:\n");
        for f in &shown.full {
            let tag = Status::of(f).tag();
            let _ = writeln!(out, "  {tag:<7} {} {}: {}", f.subject, f.rule, f.message);
            if let Some(reason) = &f.waived {
                let _ = writeln!(out, "          waived: {reason}");
            }
            let _ = writeln!(out, "          fix: {}", f.fix);
        }
        for group in &shown.by_rule {
            let _ = writeln!(
                out,
                "  {:<7} {}: {}",
                group.status.tag(),
                group.rule,
                group_line(group, true)
            );
            let _ = writeln!(out, "          fix: {}", group.fix);
        }
        for group in &shown.counted {
            let _ = writeln!(
                out,
                "  {:<7} {}: {}",
                group.status.tag(),
                group.rule,
                group_line(group, false)
            );
        }
        if shown.is_partial() {
            let _ = writeln!(out, "  Every finding: --findings all.");
        }
    }
    let _ = writeln!(out, "\n{SNIPPET_REMINDER}\n{}", summary(report));
    out
}

/// JSON rendering: the report as data (`format_version` first), pretty-printed.
pub fn json(report: &AuditReport) -> String {
    match serde_json::to_string_pretty(report) {
        Ok(json) => json + "\n",
        Err(error) => format!("{{\"error\": \"audit report not serialisable: {error}\"}}\n"),
    }
}

/// Markdown rendering, for a pull-request comment or a wiki page; findings as
/// `mode` says (see [`text`]). Deterministic.
pub fn markdown(report: &AuditReport, mode: FindingsMode) -> String {
    let mut out = String::from("## matoform audit\n\n");
    out.push_str("| Site | ID | Status |");
    if report.matomo_compliance {
        out.push_str(" Matomo cnil_v1 |");
    }
    out.push_str(" Findings |\n|---|---|---|");
    if report.matomo_compliance {
        out.push_str("---|");
    }
    out.push_str("---|\n");
    for row in &report.rows {
        let _ = write!(
            out,
            "| {} | {} | {} |",
            md(&row.key),
            id_cell(row.id),
            if row.compliant {
                "✅ compliant"
            } else {
                "❌ not compliant"
            }
        );
        if report.matomo_compliance {
            let _ = write!(out, " {} |", matomo_cell(row.matomo_cnil));
        }
        let _ = writeln!(
            out,
            " {} |",
            findings_cell(&row.findings, |id| format!("`{id}`"))
        );
    }
    let _ = writeln!(out, "\n**Instance:** {}", md(&instance_status(report)));
    let all: Vec<&Finding> = report.all_findings().collect();
    let shown = findings::view(&all, mode, &|_| false, &|f| f.fix.as_str());
    if !shown.full.is_empty() {
        out.push_str("\n### Findings\n\n| Subject | Rule | Severity | Message | Fix |\n|---|---|---|---|---|\n");
        for f in &shown.full {
            let severity = match (&f.waived, f.severity) {
                (Some(reason), _) => format!("waived: {}", md(reason)),
                (None, _) if f.known.is_some() => "known (baseline)".to_owned(),
                (None, Severity::Error) => "error".to_owned(),
                (None, Severity::Warning) => "warning".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {} | `{}` | {severity} | {} | {} |",
                md(&f.subject),
                f.rule,
                md(&f.message),
                md(&f.fix)
            );
        }
    }
    if shown.is_partial() {
        out.push_str(if shown.full.is_empty() {
            "\n### Findings by rule\n\n"
        } else {
            "\n### Other findings, by rule\n\n"
        });
        out.push_str("| Rule | Findings | Fix |\n|---|---|---|\n");
        for group in &shown.by_rule {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                group.rule,
                md(&group_line(group, true)),
                md(group.fix)
            );
        }
        for group in &shown.counted {
            let _ = writeln!(
                out,
                "| `{}` | {} | |",
                group.rule,
                md(&group_line(group, false))
            );
        }
        out.push_str("\nEvery finding: `matoform audit --findings all`.\n");
    }
    let _ = writeln!(out, "\n> {SNIPPET_REMINDER}\n\n**{}**", summary(report));
    out
}

/// Human words for an unreadable part.
fn describe_part(part: &str) -> &str {
    match part {
        "privacy" => {
            "the privacy settings (IP anonymisation, referrer, User ID and order ID anonymisation, cookieless tracking, Do Not Track)"
        }
        "retention" => "the raw-data retention",
        other => other,
    }
}

/// `1000 errors: a, b, c and 997 more`, or `3 waived`.
fn group_line(group: &findings::RuleGroup<'_>, examples: bool) -> String {
    rule_group_line_counting(group, examples, ("error", "errors"))
}

fn status(compliant: bool) -> &'static str {
    if compliant {
        "compliant"
    } else {
        "NOT COMPLIANT"
    }
}

fn status_with(findings: &[Finding]) -> String {
    let blocking: Vec<&str> = findings
        .iter()
        .filter(|f| f.blocks())
        .map(|f| f.rule.as_str())
        .collect();
    if blocking.is_empty() {
        "compliant".to_owned()
    } else {
        format!("NOT COMPLIANT ({})", blocking.join(", "))
    }
}

fn id_cell(id: Option<u64>) -> String {
    id.map_or_else(|| "-".to_owned(), |id| id.to_string())
}

fn matomo_cell(status: Option<bool>) -> &'static str {
    match status {
        Some(true) => "enforced",
        Some(false) => "off",
        None => "unknown",
    }
}

/// Rule ids of `findings`: blocking ones first, then warnings, then waived, each marked.
fn findings_cell(findings: &[Finding], id: impl Fn(&str) -> String) -> String {
    let blocking = findings.iter().filter(|f| f.blocks()).map(|f| id(&f.rule));
    let warnings = findings
        .iter()
        .filter(|f| f.waived.is_none() && f.severity == Severity::Warning)
        .map(|f| format!("{} (warning)", id(&f.rule)));
    let waived = findings
        .iter()
        .filter(|f| f.waived.is_some())
        .map(|f| format!("{} (waived)", id(&f.rule)));
    let all: Vec<String> = blocking.chain(warnings).chain(waived).collect();
    if all.is_empty() {
        "-".to_owned()
    } else {
        all.join(", ")
    }
}

/// Left-aligned columns separated by two spaces, without trailing spaces.
fn align(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[c] - cell.chars().count() + 2;
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Escapes a Markdown table cell.
fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use pretty_assertions::assert_eq;

    use super::*;
    use crate::desired::model::{Config, Instance};
    use crate::policy::audit::fixtures::*;
    use crate::policy::{Baseline, audit};

    #[test]
    fn mixed_audit_text_is_exact() {
        let (config, ids, status) = mixed();
        let report = audit(&config, &ids, &status, &Baseline::default(), today());
        assert!(report.has_failures());
        let expected = "\
SITE  ID  STATUS         MATOMO CNIL_V1  FINDINGS
blog  1   compliant      enforced        -
shop  2   NOT COMPLIANT  off             cnil.ecommerce, cnil.visitor-log
wiki  3   compliant      unknown         cnil.cross-domain (warning), cnil.exclude-unknown-urls (waived)

Instance: NOT COMPLIANT (cnil.ip-mask)

Findings:
  error   instance cnil.ip-mask: instance.privacy.anonymize_ip.mask_bytes is 1; the policy requires at least 2
          fix: set instance.privacy.anonymize_ip.enabled: true and mask_bytes to at least policy.min_mask_bytes (2)
  error   site[shop] cnil.ecommerce: sites.shop.ecommerce is true: ecommerce records orders, which the exemption does not cover
          fix: set ecommerce: false; to keep a shop measured, waive cnil.ecommerce with a reason and keep instance.privacy.anonymize_order_id: true
  error   site[shop] cnil.visitor-log: sites.shop.visitor_log.disabled is false: the visits log shows individual visits
          fix: set visitor_log.disabled: true on the site (or instance.visitor_log.disabled: true)
  warning site[wiki] cnil.cross-domain: sites.wiki.urls span several registrable domains (example.com, example.org): one site would be tracked across properties
          fix: declare one site per registrable domain, and never enable cross-domain linking in the tracker
  waived  site[wiki] cnil.exclude-unknown-urls: sites.wiki.exclude_unknown_urls is false: actions on any URL that carries this site's id are tracked
          waived: the wiki is also served from a CDN
          fix: set exclude_unknown_urls: true

The opt-out and the tracking code live in each site's pages, not in Matomo: print compliant code with `matoform snippet SITE`.
Audit: 2 of 3 sites compliant; 3 errors, 1 warning, 1 waived.
";
        assert_eq!(text(&report, FindingsMode::All), expected);
    }

    #[test]
    fn mixed_audit_markdown_is_exact() {
        let (config, ids, status) = mixed();
        let report = audit(&config, &ids, &status, &Baseline::default(), today());
        let expected = "\
## matoform audit

| Site | ID | Status | Matomo cnil_v1 | Findings |
|---|---|---|---|---|
| blog | 1 | ✅ compliant | enforced | - |
| shop | 2 | ❌ not compliant | off | `cnil.ecommerce`, `cnil.visitor-log` |
| wiki | 3 | ✅ compliant | unknown | `cnil.cross-domain` (warning), `cnil.exclude-unknown-urls` (waived) |

**Instance:** NOT COMPLIANT (cnil.ip-mask)

### Findings

| Subject | Rule | Severity | Message | Fix |
|---|---|---|---|---|
| instance | `cnil.ip-mask` | error | instance.privacy.anonymize_ip.mask_bytes is 1; the policy requires at least 2 | set instance.privacy.anonymize_ip.enabled: true and mask_bytes to at least policy.min_mask_bytes (2) |
| site[shop] | `cnil.ecommerce` | error | sites.shop.ecommerce is true: ecommerce records orders, which the exemption does not cover | set ecommerce: false; to keep a shop measured, waive cnil.ecommerce with a reason and keep instance.privacy.anonymize_order_id: true |
| site[shop] | `cnil.visitor-log` | error | sites.shop.visitor_log.disabled is false: the visits log shows individual visits | set visitor_log.disabled: true on the site (or instance.visitor_log.disabled: true) |
| site[wiki] | `cnil.cross-domain` | warning | sites.wiki.urls span several registrable domains (example.com, example.org): one site would be tracked across properties | declare one site per registrable domain, and never enable cross-domain linking in the tracker |
| site[wiki] | `cnil.exclude-unknown-urls` | waived: the wiki is also served from a CDN | sites.wiki.exclude_unknown_urls is false: actions on any URL that carries this site's id are tracked | set exclude_unknown_urls: true |

> The opt-out and the tracking code live in each site's pages, not in Matomo: print compliant code with `matoform snippet SITE`.

**Audit: 2 of 3 sites compliant; 3 errors, 1 warning, 1 waived.**
";
        assert_eq!(markdown(&report, FindingsMode::All), expected);
    }

    #[test]
    fn json_carries_rows_and_findings() {
        let (config, ids, status) = mixed();
        let report = audit(&config, &ids, &status, &Baseline::default(), today());
        let json: serde_json::Value = serde_json::from_str(&json(&report)).expect("valid JSON");
        assert_eq!(json["format_version"], 1);
        assert_eq!(json["rows"][1]["key"], "shop");
        assert_eq!(json["rows"][1]["compliant"], false);
        assert_eq!(json["rows"][1]["matomo_cnil"], false);
        assert_eq!(json["rows"][1]["findings"][0]["rule"], "cnil.ecommerce");
        assert_eq!(json["rows"][2].get("matomo_cnil"), None);
        assert_eq!(json["instance"][0]["rule"], "cnil.ip-mask");
        assert_eq!(json["matomo_compliance"], true);
    }

    #[test]
    fn compliant_instance_without_matomo_status_hides_the_column() {
        let config = Config {
            sites: [(
                "blog".to_owned(),
                site("Blog", &["https://blog.example.org"]),
            )]
            .into(),
            ..Config::default()
        };
        let report = audit(
            &config,
            &BTreeMap::new(),
            &BTreeMap::new(),
            &Baseline::default(),
            today(),
        );
        assert!(!report.has_failures());
        assert_eq!(
            text(&report, FindingsMode::All),
            "\
SITE  ID  STATUS     FINDINGS
blog  -   compliant  -

Instance: not checked (instance settings unknown)

The opt-out and the tracking code live in each site's pages, not in Matomo: print compliant code with `matoform snippet SITE`.
Audit: 1 of 1 sites compliant; 0 errors, 0 warnings, 0 waived.
"
        );
    }

    #[test]
    fn unreadable_instance_parts_never_read_as_compliant() {
        let config = Config {
            sites: [(
                "blog".to_owned(),
                site("Blog", &["https://blog.example.org"]),
            )]
            .into(),
            instance: Some(Instance::default()),
            ..Config::default()
        };
        let report = audit(
            &config,
            &BTreeMap::new(),
            &BTreeMap::new(),
            &Baseline::default(),
            today(),
        );
        assert_eq!(report.instance_unreadable, ["privacy", "retention"]);
        assert!(!report.has_failures());
        let text = text(&report, FindingsMode::All);
        assert!(
            text.contains("\nInstance: UNKNOWN; not readable with this Matomo and token: the privacy settings (IP anonymisation, referrer, User ID and order ID anonymisation, cookieless tracking, Do Not Track), the raw-data retention; check these by hand in Matomo's privacy settings\n"),
            "{text}"
        );
        assert!(!text.contains("Instance: compliant"), "{text}");
    }
}
