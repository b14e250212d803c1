//! The scan's result: one versioned, serialisable value that every rendering (text,
//! JSON, Markdown, chat) is made from. It holds no raw value: samples and row labels
//! are redacted when they are recorded (see [`super::examine`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::detect::Detector;
use super::reports::ReportKind;

/// Version of the JSON form of [`Scan`]; bumped when a field changes meaning or goes.
pub const SCAN_FORMAT_VERSION: u32 = 1;

/// Samples kept per finding.
pub const SAMPLES: usize = 3;

/// What a scan found, over which sites, reports and period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scan {
    /// [`SCAN_FORMAT_VERSION`].
    pub format_version: u32,
    /// The matoform that scanned.
    pub matoform_version: String,
    /// The Matomo scanned.
    pub matomo: Target,
    /// `day`, `week`, `month`, `year` or `range`.
    pub period: String,
    /// The date (or range) as given to Matomo.
    pub date: String,
    /// Rows read per report at most (`--rows`).
    pub rows: u64,
    /// Counts.
    pub summary: Summary,
    /// The sites scanned, by id.
    pub sites: Vec<ScannedSite>,
    /// The findings, sorted by site, report, detector.
    pub findings: Vec<Finding>,
    /// Reports cut at `rows` rows: the rows past it were not scanned.
    pub truncated: Vec<ReportRef>,
    /// Reports not read, and why (visitor log off, plugin off, access refused…).
    pub not_read: Vec<NotRead>,
}

/// The Matomo instance.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Target {
    /// Base URL (without credentials).
    pub url: String,
    /// Matomo's version.
    pub version: String,
}

/// Counts over the whole scan.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Summary {
    /// Sites scanned.
    pub sites: usize,
    /// Reports read.
    pub reports: usize,
    /// Rows scanned.
    pub rows: u64,
    /// Findings (each: one kind of personal data in one report of one site).
    pub findings: usize,
    /// Findings that are violations: not waived, not in the baseline.
    pub violations: usize,
    /// Findings covered by a waiver.
    pub waived: usize,
    /// Findings the baseline records.
    pub known: usize,
    /// Rows with personal data, per rule id (`scan.email`…), over every finding.
    pub by_rule: BTreeMap<String, u64>,
    /// Findings per site key, over every finding.
    pub by_site: BTreeMap<String, usize>,
}

/// A site the scan read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ScannedSite {
    /// Matomo's id.
    pub id: u64,
    /// The configuration's key, else `site-<id>`.
    pub key: String,
    /// The site's name in Matomo.
    pub name: String,
}

/// A report of a site.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReportRef {
    /// Site key.
    pub site: String,
    /// The report.
    pub report: ReportKind,
    /// The custom dimension's id, for a custom dimension report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimension: Option<u64>,
}

/// A report that was not read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotRead {
    /// Which.
    #[serde(flatten)]
    pub report: ReportRef,
    /// Why, e.g. "visitor log off" (never holds a value from the report).
    pub reason: String,
}

/// One kind of personal data in one report (and field, parameter) of one site, with
/// the number of rows it was found in and a few redacted samples.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// The rule: the detector's id (`scan.email`…).
    pub rule: String,
    /// The detector.
    pub detector: Detector,
    /// Site key (`site[key]` is the subject of waivers and baseline entries).
    pub site: String,
    /// Matomo's id of the site.
    pub site_id: u64,
    /// The report.
    pub report: ReportKind,
    /// The custom dimension (id and name), for a custom dimension report or a
    /// `dimensionN` field of the visitor log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimension: Option<Dimension>,
    /// The field of the row it was first found in (`url`, `label`, `pageTitle`…).
    pub field: String,
    /// The query parameter that carried it, when it was a URL parameter's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Rows it was found in.
    pub rows: u64,
    /// Up to [`SAMPLES`] redacted samples.
    pub samples: Vec<Sample>,
    /// What would have prevented it.
    pub remedy: Remedy,
    /// The waiver's reason, when one covers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
    /// The day the baseline recorded it, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known: Option<NaiveDate>,
}

impl Finding {
    /// A violation: neither waived nor known.
    pub fn is_violation(&self) -> bool {
        self.waived.is_none() && self.known.is_none()
    }

    /// The subject of waivers and baseline entries: `site[key]`.
    pub fn subject(&self) -> String {
        format!("site[{}]", self.site)
    }
}

/// A custom dimension.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dimension {
    /// `idcustomdimension` (the `N` of `dimensionN`).
    pub id: u64,
    /// Its name, when known.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// A redacted sample: where (row label, redacted) and what (the value, redacted).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Sample {
    /// The row's label with every value found replaced by its redacted form.
    pub row: String,
    /// The value, redacted (`j***@e***.fr`).
    pub value: String,
}

/// What would have prevented a finding: a configuration change when one exists, else
/// what the site's team must fix. `action` says which.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Remedy {
    /// `add` (append `value` to the list at `setting`), `set` (set `setting` to
    /// `value`) or `fix-source` (no setting helps: the site must stop sending it).
    pub action: RemedyAction,
    /// The configuration path (`sites.shop.exclusions.query_parameters`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    /// The value to add or set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// The remedy as a sentence.
    pub text: String,
}

/// Kinds of remedy.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RemedyAction {
    /// Add a value to a list setting.
    Add,
    /// Set a setting.
    Set,
    /// Fix the site (its pages, titles, links or tracking code).
    FixSource,
}

impl Scan {
    /// True when some finding is a violation (exit 3).
    pub fn has_violations(&self) -> bool {
        self.findings.iter().any(Finding::is_violation)
    }

    /// Sorts the findings and lists, and recounts the summary from them.
    pub fn finish(&mut self) {
        self.findings.sort_by(|a, b| {
            (
                a.site_id,
                a.report,
                &a.dimension,
                a.detector,
                &a.parameter,
                &a.field,
            )
                .cmp(&(
                    b.site_id,
                    b.report,
                    &b.dimension,
                    b.detector,
                    &b.parameter,
                    &b.field,
                ))
        });
        self.truncated.sort();
        self.truncated.dedup();
        self.not_read.sort();
        self.not_read.dedup();
        let summary = &mut self.summary;
        summary.sites = self.sites.len();
        summary.findings = self.findings.len();
        summary.violations = self.findings.iter().filter(|f| f.is_violation()).count();
        summary.waived = self.findings.iter().filter(|f| f.waived.is_some()).count();
        summary.known = self
            .findings
            .iter()
            .filter(|f| f.waived.is_none() && f.known.is_some())
            .count();
        summary.by_rule.clear();
        summary.by_site.clear();
        for finding in &self.findings {
            *summary.by_rule.entry(finding.rule.clone()).or_default() += finding.rows;
            *summary.by_site.entry(finding.site.clone()).or_default() += 1;
        }
    }
}
