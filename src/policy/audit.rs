//! Audit: the live instance checked against the CNIL policy, one row per site, with
//! Matomo's own `cnil_v1` status side by side; and its text, JSON and Markdown renderings.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use crate::desired::model::{Config, PolicyProfile};
use crate::render::findings::{self, FindingsMode, Status};

use super::matomo_requirements::{Disagreement, disagreements, mapping};
use super::profile::Thresholds;
use super::{Baseline, Finding, Severity, apply_baseline, apply_waivers, rules};
use crate::live::MatomoRequirement;

/// Version of the audit JSON format; bumped on incompatible changes.
pub const AUDIT_FORMAT_VERSION: u32 = 1;

/// The reminder every audit output ends with: part of the checklist is in the pages.
pub const SNIPPET_REMINDER: &str = "The opt-out and the tracking code live in each site's pages, not in Matomo: print compliant code with `matoform snippet SITE`.";

/// The result of an audit: data only; the renderers decide nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// Audit format version ([`AUDIT_FORMAT_VERSION`]).
    pub format_version: u32,
    /// One row per site, by site key.
    pub rows: Vec<SiteAuditRow>,
    /// Whether the instance settings were known (an `instance` section was given).
    pub instance_checked: bool,
    /// Parts of the instance settings the policy checks but that were not readable
    /// (`privacy`, `retention`): their rules could not run, so the instance is not
    /// reported compliant. Empty when the instance was not checked at all.
    pub instance_unreadable: Vec<String>,
    /// Findings about the instance.
    pub instance: Vec<Finding>,
    /// Findings about the waivers themselves (expired, unused, unknown rule).
    pub waivers: Vec<Finding>,
    /// Whether Matomo's own `cnil_v1` status is known for at least one site (the
    /// column is shown only then).
    pub matomo_compliance: bool,
    /// Matomo's own `cnil_v1` requirement list for the instance (5.7).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_matomo_requirements: Vec<MatomoRequirement>,
    /// Where Matomo's requirements and the profile judge the instance differently.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_disagreements: Vec<Disagreement>,
}

/// One site of an audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteAuditRow {
    /// Site key.
    pub key: String,
    /// Matomo site id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// Site name.
    pub name: String,
    /// No unwaived error (a known violation, recorded in the baseline, still counts).
    pub compliant: bool,
    /// The site's findings (waived ones included, marked).
    pub findings: Vec<Finding>,
    /// Matomo's own `cnil_v1` compliance mode: enforced, not enforced, or unknown
    /// (`None`: Matomo before 5.4, feature off, or not readable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matomo_cnil: Option<bool>,
    /// Matomo's own `cnil_v1` requirement list for the site (5.7), as it answers it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matomo_requirements: Vec<MatomoRequirement>,
    /// Where Matomo's requirements and the profile judge the site differently.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disagreements: Vec<Disagreement>,
}

/// Audits `config` (the live state converted to a configuration by the caller, with
/// site keys; the user's policy thresholds and waivers when a configuration exists).
///
/// The CNIL rules always run, whatever `policy.profile` says: auditing against the
/// profile is the point. `site_ids` gives each key's Matomo id; `matomo_cnil_status`
/// each key's Matomo `cnil_v1` status (`None` or absent: unknown). Waivers are applied
/// as of `today`, then the `baseline`: a known violation does not make the audit fail.
pub fn audit(
    config: &Config,
    site_ids: &BTreeMap<String, u64>,
    matomo_cnil_status: &BTreeMap<String, Option<bool>>,
    baseline: &Baseline,
    today: NaiveDate,
) -> AuditReport {
    let mut thresholds = Thresholds::from_config(config);
    thresholds.profile = PolicyProfile::CnilExemption;
    let findings = apply_baseline(
        apply_waivers(rules::check(config, &thresholds), config, today),
        baseline,
    );

    let mut by_subject: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for finding in findings {
        by_subject
            .entry(finding.subject.clone())
            .or_default()
            .push(finding);
    }
    let rows: Vec<SiteAuditRow> = config
        .sites
        .iter()
        .map(|(key, site)| {
            let findings = by_subject
                .remove(&format!("site[{key}]"))
                .unwrap_or_default();
            SiteAuditRow {
                key: key.clone(),
                id: site_ids.get(key).copied().or(site.id),
                name: site.name.clone(),
                // A known (baselined) violation does not fail the audit, but the site
                // is not compliant for all that.
                compliant: !findings
                    .iter()
                    .any(|f| f.severity == Severity::Error && f.waived.is_none()),
                findings,
                matomo_cnil: matomo_cnil_status.get(key).copied().flatten(),
                matomo_requirements: Vec::new(),
                disagreements: Vec::new(),
            }
        })
        .collect();
    let instance = by_subject.remove("instance").unwrap_or_default();
    let waivers: Vec<Finding> = by_subject.into_values().flatten().collect();
    AuditReport {
        format_version: AUDIT_FORMAT_VERSION,
        matomo_compliance: rows.iter().any(|r| r.matomo_cnil.is_some()),
        instance_checked: config.instance.is_some(),
        instance_unreadable: unreadable_parts(config),
        rows,
        instance,
        waivers,
        instance_matomo_requirements: Vec::new(),
        instance_disagreements: Vec::new(),
    }
}

impl AuditReport {
    /// Adds Matomo's own `cnil_v1` requirement lists (5.7), by site key and for the
    /// instance, and where they disagree with the profile's findings (the instance's
    /// findings count for every site: its settings are the sites' unless a site has
    /// its own).
    pub fn with_matomo_requirements(
        mut self,
        sites: &BTreeMap<String, Vec<MatomoRequirement>>,
        instance: &[MatomoRequirement],
    ) -> AuditReport {
        for row in &mut self.rows {
            let Some(requirements) = sites.get(&row.key) else {
                continue;
            };
            let findings: Vec<&Finding> = row.findings.iter().chain(&self.instance).collect();
            row.disagreements = disagreements(requirements, &findings);
            row.matomo_requirements = requirements.clone();
        }
        let findings: Vec<&Finding> = self.instance.iter().collect();
        self.instance_disagreements = disagreements(instance, &findings);
        self.instance_matomo_requirements = instance.to_vec();
        self
    }

    /// The requirements section of the text audit: per requirement, how many sites
    /// Matomo finds compliant and the profile's rule; then the disagreements grouped
    /// (count and three example sites). Empty without requirement lists.
    fn requirements_text(&self) -> String {
        let mut out = String::new();
        let with: Vec<&SiteAuditRow> = self
            .rows
            .iter()
            .filter(|r| !r.matomo_requirements.is_empty())
            .collect();
        if with.is_empty() && self.instance_matomo_requirements.is_empty() {
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
        let names: Vec<&str> = self
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
            let instance = self
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
        for d in &self.instance_disagreements {
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
    /// True when any finding blocks (an error that is not waived): `audit` exits 3.
    pub fn has_failures(&self) -> bool {
        self.all_findings().any(Finding::blocks)
    }

    /// Every finding: instance, then sites by key, then waivers.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.instance
            .iter()
            .chain(self.rows.iter().flat_map(|r| r.findings.iter()))
            .chain(self.waivers.iter())
    }

    fn compliant_sites(&self) -> usize {
        self.rows.iter().filter(|r| r.compliant).count()
    }

    /// The instance's status: unknown parts never read as compliant.
    fn instance_status(&self) -> String {
        if !self.instance_checked {
            return "not checked (instance settings unknown)".to_owned();
        }
        let status = status_with(&self.instance);
        if self.instance_unreadable.is_empty() {
            return status;
        }
        let parts: Vec<&str> = self
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

    fn summary(&self) -> String {
        let errors = self.all_findings().filter(|f| f.blocks()).count();
        let warnings = self
            .all_findings()
            .filter(|f| f.severity == Severity::Warning && f.waived.is_none())
            .count();
        let waived = self.all_findings().filter(|f| f.waived.is_some()).count();
        let known = self.all_findings().filter(|f| f.known.is_some()).count();
        let known = if known > 0 {
            format!(", {known} known (baseline)")
        } else {
            String::new()
        };
        format!(
            "Audit: {} of {} sites compliant; {errors} {}, {warnings} {}, {waived} waived{known}.",
            self.compliant_sites(),
            self.rows.len(),
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings"),
        )
    }

    /// Plain-text rendering: a table of sites, the instance status, the findings with
    /// their fix as `mode` says (in full when few, else by rule; see
    /// [`crate::render::findings::view`]), the snippet reminder and a summary line.
    /// Deterministic.
    pub fn render_text(&self, mode: FindingsMode) -> String {
        let mut header = vec!["SITE", "ID", "STATUS"];
        if self.matomo_compliance {
            header.push("MATOMO CNIL_V1");
        }
        header.push("FINDINGS");
        let mut table: Vec<Vec<String>> = vec![header.iter().map(|h| (*h).to_owned()).collect()];
        for row in &self.rows {
            let mut cells = vec![
                row.key.clone(),
                id_cell(row.id),
                status(row.compliant).to_owned(),
            ];
            if self.matomo_compliance {
                cells.push(matomo_cell(row.matomo_cnil).to_owned());
            }
            cells.push(findings_cell(&row.findings, |id| id.to_owned()));
            table.push(cells);
        }
        let mut out = String::new();
        out.push_str(&align(&table));
        let _ = writeln!(out, "\nInstance: {}", self.instance_status());
        out.push_str(&self.requirements_text());
        let all: Vec<&Finding> = self.all_findings().collect();
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
        let _ = writeln!(out, "\n{SNIPPET_REMINDER}\n{}", self.summary());
        out
    }

    /// JSON rendering: the report as data (`format_version` first), pretty-printed.
    pub fn render_json(&self) -> String {
        match serde_json::to_string_pretty(self) {
            Ok(json) => json + "\n",
            Err(error) => format!("{{\"error\": \"audit report not serialisable: {error}\"}}\n"),
        }
    }

    /// Markdown rendering, for a pull-request comment or a wiki page; findings as
    /// `mode` says (see [`AuditReport::render_text`]). Deterministic.
    pub fn render_markdown(&self, mode: FindingsMode) -> String {
        let mut out = String::from("## matoform audit\n\n");
        out.push_str("| Site | ID | Status |");
        if self.matomo_compliance {
            out.push_str(" Matomo cnil_v1 |");
        }
        out.push_str(" Findings |\n|---|---|---|");
        if self.matomo_compliance {
            out.push_str("---|");
        }
        out.push_str("---|\n");
        for row in &self.rows {
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
            if self.matomo_compliance {
                let _ = write!(out, " {} |", matomo_cell(row.matomo_cnil));
            }
            let _ = writeln!(
                out,
                " {} |",
                findings_cell(&row.findings, |id| format!("`{id}`"))
            );
        }
        let _ = writeln!(out, "\n**Instance:** {}", md(&self.instance_status()));
        let all: Vec<&Finding> = self.all_findings().collect();
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
        let _ = writeln!(out, "\n> {SNIPPET_REMINDER}\n\n**{}**", self.summary());
        out
    }
}

/// The instance parts the policy checks that `config` does not know (`None`).
fn unreadable_parts(config: &Config) -> Vec<String> {
    let Some(instance) = &config.instance else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    if instance.privacy.is_none() {
        parts.push("privacy".to_owned());
    }
    if instance
        .retention
        .as_ref()
        .and_then(|r| r.raw_data.as_ref())
        .is_none()
    {
        parts.push("retention".to_owned());
    }
    parts
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
    let n = group.findings.len();
    let counted = match group.status {
        Status::Violation => format!("{n} {}", plural(n, "error", "errors")),
        Status::Warning => format!("{n} {}", plural(n, "warning", "warnings")),
        Status::Waived => format!("{n} waived"),
        Status::Known => format!("{n} known"),
    };
    if !examples {
        return counted;
    }
    let mut line = format!("{counted}: {}", group.examples().join(", "));
    if group.more() > 0 {
        let _ = write!(line, " and {} more", group.more());
    }
    line
}

use crate::render::noun as plural;

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
    use pretty_assertions::assert_eq;

    use super::*;
    use crate::desired::model::{
        AnonymizeIp, Instance, Privacy, RawDataRetention, Retention, Site, VisitorLog, Waiver,
    };

    fn site(name: &str, urls: &[&str]) -> Site {
        Site {
            name: name.into(),
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
            ecommerce: Some(false),
            exclude_unknown_urls: Some(true),
            public_stats: Some(false),
            visitor_log: Some(VisitorLog {
                disabled: Some(true),
                profile_disabled: Some(true),
            }),
            ..Site::default()
        }
    }

    /// Three live sites (one compliant, one failing, one with a warning and a waiver)
    /// and an instance whose IP mask is 1 byte.
    fn mixed() -> (
        Config,
        BTreeMap<String, u64>,
        BTreeMap<String, Option<bool>>,
    ) {
        let mut shop = site("Shop", &["https://shop.example.org"]);
        shop.ecommerce = Some(true);
        shop.visitor_log = Some(VisitorLog {
            disabled: Some(false),
            profile_disabled: Some(true),
        });
        let mut wiki = site("Wiki", &["https://wiki.example.org", "https://example.com"]);
        wiki.exclude_unknown_urls = Some(false);
        let config = Config {
            sites: [
                (
                    "blog".to_owned(),
                    site("Blog", &["https://blog.example.org"]),
                ),
                ("shop".to_owned(), shop),
                ("wiki".to_owned(), wiki),
            ]
            .into(),
            instance: Some(Instance {
                privacy: Some(Privacy {
                    anonymize_ip: Some(AnonymizeIp {
                        enabled: Some(true),
                        mask_bytes: Some(1),
                        use_for_enrichment: Some(true),
                    }),
                    ..Privacy::default()
                }),
                retention: Some(Retention {
                    raw_data: Some(RawDataRetention {
                        delete: true,
                        older_than_days: Some(395),
                    }),
                    reports: None,
                }),
                ..Instance::default()
            }),
            waivers: vec![Waiver {
                rule: "cnil.exclude-unknown-urls".into(),
                sites: crate::desired::model::WaiverSites::Keys(vec!["wiki".into()]),
                instance: false,
                reason: "the wiki is also served from a CDN".into(),
                expires: None,
            }],
            ..Config::default()
        };
        let ids = [("blog".into(), 1), ("shop".into(), 2), ("wiki".into(), 3)].into();
        let status = [
            ("blog".into(), Some(true)),
            ("shop".into(), Some(false)),
            ("wiki".into(), None),
        ]
        .into();
        (config, ids, status)
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("date")
    }

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
        assert_eq!(report.render_text(FindingsMode::All), expected);
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
        assert_eq!(report.render_markdown(FindingsMode::All), expected);
    }

    #[test]
    fn json_carries_rows_and_findings() {
        let (config, ids, status) = mixed();
        let report = audit(&config, &ids, &status, &Baseline::default(), today());
        let json: serde_json::Value =
            serde_json::from_str(&report.render_json()).expect("valid JSON");
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
            report.render_text(FindingsMode::All),
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
        let text = report.render_text(FindingsMode::All);
        assert!(
            text.contains("\nInstance: UNKNOWN; not readable with this Matomo and token: the privacy settings (IP anonymisation, referrer, User ID and order ID anonymisation, cookieless tracking, Do Not Track), the raw-data retention; check these by hand in Matomo's privacy settings\n"),
            "{text}"
        );
        assert!(!text.contains("Instance: compliant"), "{text}");
    }

    #[test]
    fn audit_ignores_profile_none() {
        let (mut config, ids, status) = mixed();
        config.policy = Some(crate::desired::model::PolicyConfig {
            profile: Some(PolicyProfile::None),
            ..Default::default()
        });
        assert!(audit(&config, &ids, &status, &Baseline::default(), today()).has_failures());
    }

    #[test]
    fn unused_waiver_lands_in_waivers() {
        let (mut config, ids, status) = mixed();
        config.waivers.push(Waiver {
            rule: "cnil.ecommerce".into(),
            sites: crate::desired::model::WaiverSites::Keys(vec!["blog".into()]),
            instance: false,
            reason: "none".into(),
            expires: None,
        });
        let report = audit(&config, &ids, &status, &Baseline::default(), today());
        assert_eq!(report.waivers.len(), 1);
        assert_eq!(report.waivers[0].rule, "policy.waiver-unused");
        assert_eq!(report.waivers[0].subject, "waiver[1]");
    }
}
