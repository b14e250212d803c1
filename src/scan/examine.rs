//! Examining report rows: detections grouped into findings (one per site, report,
//! field kind, detector and parameter), counted, with redacted samples. Pure; raw
//! values never leave this module, only their redacted forms.

use std::collections::BTreeMap;

use super::detect::{self, Detection, Detector};
use super::model::{Dimension, SAMPLES, Sample};
use super::redact::redact_text;
use super::reports::{ReportKind, visit_field_kind};
use crate::matomo::reports::ReportRow;

/// Where a report came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Site key.
    pub site: String,
    /// Site id.
    pub site_id: u64,
    /// The report.
    pub report: ReportKind,
    /// The custom dimension of a custom dimension report.
    pub dimension: Option<Dimension>,
}

/// What identifies a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    /// Site id.
    pub site_id: u64,
    /// Site key.
    pub site: String,
    /// The report.
    pub report: ReportKind,
    /// The report kind of the field (for the visitor log: `url` is a page URL…).
    pub kind: ReportKind,
    /// The custom dimension.
    pub dimension: Option<Dimension>,
    /// The detector.
    pub detector: Detector,
    /// The query parameter.
    pub parameter: Option<String>,
}

/// A finding being collected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collected {
    /// The field it was first found in.
    pub field: String,
    /// Rows it was found in.
    pub rows: u64,
    /// Redacted samples (distinct).
    pub samples: Vec<Sample>,
}

/// Every finding of a scan being collected, by key.
#[derive(Debug, Default)]
pub struct Findings {
    /// The findings.
    pub by_key: BTreeMap<Key, Collected>,
    /// Rows examined.
    pub rows: u64,
}

impl Findings {
    /// Examines the rows of one report.
    pub fn examine(&mut self, source: &Source, rows: &[ReportRow]) {
        for row in rows {
            self.rows += 1;
            self.examine_row(source, row);
        }
    }

    fn examine_row(&mut self, source: &Source, row: &ReportRow) {
        // The fields in the report's order (the whole URL before the label), each value
        // counted once per row even when several fields show it.
        let mut order: Vec<&(String, String)> = Vec::with_capacity(row.texts.len());
        for field in source.report.fields() {
            order.extend(row.texts.iter().filter(|(f, _)| f == field));
        }
        // A visit's label is its action's URL (or `visit N`), already read as `url`.
        let visits = source.report == ReportKind::Visits;
        order.extend(row.texts.iter().filter(|(f, _)| {
            let skipped = source.report.fields().contains(&f.as_str()) || (visits && f == "label");
            !skipped
        }));
        let mut seen: Vec<(ReportKind, Option<u64>, Detector, Option<String>)> = Vec::new();
        let mut hits: Vec<(Key, String, Detection, String)> = Vec::new();
        for (field, text) in order {
            let kind = if source.report == ReportKind::Visits {
                visit_field_kind(field)
            } else {
                source.report
            };
            let dimension = match (&source.dimension, field.strip_prefix("dimension")) {
                (Some(d), _) => Some(d.clone()),
                (None, Some(n)) => n.parse().ok().map(|id| Dimension {
                    id,
                    name: String::new(),
                }),
                _ => None,
            };
            for detection in detect::detect(text) {
                let id = (
                    kind,
                    dimension.as_ref().map(|d| d.id),
                    detection.detector,
                    detection.parameter.clone(),
                );
                if seen.contains(&id) {
                    continue;
                }
                seen.push(id);
                let raw = text
                    .get(detection.range.clone())
                    .unwrap_or_default()
                    .to_string();
                let key = Key {
                    site_id: source.site_id,
                    site: source.site.clone(),
                    report: source.report,
                    kind,
                    dimension: dimension.clone(),
                    detector: detection.detector,
                    parameter: detection.parameter.clone(),
                };
                hits.push((key, field.clone(), detection, raw));
            }
        }
        if hits.is_empty() {
            return;
        }
        let label = row.label();
        let shown = redacted_label(label, &hits);
        for (key, field, detection, _) in hits {
            let collected = self.by_key.entry(key).or_default();
            if collected.rows == 0 {
                collected.field = field;
            }
            collected.rows += 1;
            let sample = Sample {
                row: shown.clone(),
                value: detection.redacted.clone(),
            };
            if collected.samples.len() < SAMPLES && !collected.samples.contains(&sample) {
                collected.samples.push(sample);
            }
        }
    }
}

/// The row label with its own detections redacted, and any value found in another
/// field of the row masked too, in the forms a label shows it (`+` as a space, `%40`
/// decoded): a label never shows what was found.
fn redacted_label(label: &str, hits: &[(Key, String, Detection, String)]) -> String {
    let mut shown = redact_text(label, &detect::detect(label));
    for (_, _, detection, raw) in hits {
        if raw.is_empty() {
            continue;
        }
        let decoded = percent_decode(raw);
        for form in [
            raw.clone(),
            raw.replace('+', " "),
            decoded.clone(),
            decoded.replace('+', " "),
        ] {
            if form.len() >= 4 && shown.contains(&form) {
                shown = shown.replace(&form, &detection.redacted);
            }
        }
    }
    shown
}

/// `%XX` sequences decoded (invalid ones kept as they are).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(report: ReportKind) -> Source {
        Source {
            site: "shop".into(),
            site_id: 1,
            report,
            dimension: None,
        }
    }

    fn row(texts: &[(&str, &str)]) -> ReportRow {
        ReportRow {
            texts: texts
                .iter()
                .map(|(f, t)| ((*f).to_string(), (*t).to_string()))
                .collect(),
        }
    }

    #[test]
    fn an_email_in_a_url_is_one_finding_per_row_with_a_redacted_sample() {
        let mut findings = Findings::default();
        findings.examine(
            &source(ReportKind::PageUrls),
            &[
                row(&[
                    ("label", "/profil/jean.dupont@example.fr"),
                    (
                        "url",
                        "https://shop.example.org/profil/jean.dupont%40example.fr",
                    ),
                ]),
                row(&[("label", "/"), ("url", "https://shop.example.org/")]),
            ],
        );
        assert_eq!(findings.rows, 2);
        let emails: Vec<_> = findings
            .by_key
            .iter()
            .filter(|(k, _)| k.detector == Detector::Email)
            .collect();
        assert_eq!(emails.len(), 1, "{:?}", findings.by_key);
        let (key, collected) = emails[0];
        assert_eq!(key.report, ReportKind::PageUrls);
        assert_eq!(collected.rows, 1);
        assert_eq!(collected.field, "url");
        let sample = &collected.samples[0];
        assert!(!sample.row.contains("jean.dupont"), "{sample:?}");
        assert!(!sample.value.contains("jean.dupont"), "{sample:?}");
        assert!(sample.row.starts_with("/profil/"), "{sample:?}");
    }

    #[test]
    fn a_clean_report_has_no_finding() {
        let mut findings = Findings::default();
        findings.examine(
            &source(ReportKind::PageTitles),
            &[row(&[("label", "Commande 2024-000123 du 12/03/2024")])],
        );
        assert!(findings.by_key.is_empty());
        assert_eq!(findings.rows, 1);
    }

    #[test]
    fn visitor_log_fields_stand_for_their_report_kind() {
        let mut findings = Findings::default();
        findings.examine(
            &source(ReportKind::Visits),
            &[row(&[
                ("label", "visit 3"),
                ("userId", "marie.curie@example.org"),
            ])],
        );
        let key = findings.by_key.keys().next().expect("a finding");
        assert_eq!(key.report, ReportKind::Visits);
        assert_eq!(key.kind, ReportKind::UserIds);
    }
}
