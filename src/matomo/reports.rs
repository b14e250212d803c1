//! Report calls and the wire shapes of their rows: what the scan reads (page URLs and
//! titles, site search, outlinks, downloads, events, custom dimensions, User IDs, the
//! visitor log). Decoding keeps only the texts a visitor could have supplied, as
//! `(field, text)` pairs per row; numbers and Matomo's own fields are dropped.

use serde_json::Value;

use super::wire::WireError;
use super::{Call, MatomoError};

/// Which period of the reports to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPeriod {
    /// `day`, `week`, `month`, `year` or `range`.
    pub period: String,
    /// `yesterday`, `today`, `YYYY-MM-DD`, `last30`, `YYYY-MM-DD,YYYY-MM-DD`…
    pub date: String,
    /// Rows read per report (`filter_limit`); one more is asked for, to tell a report
    /// that was cut from one that fits exactly.
    pub rows: u64,
}

/// A report call for one site: `method` with `period`, `date`, `filter_limit` (rows + 1)
/// and, when `flat`, `flat=1` (the whole URL of each row in one label).
pub fn report(method: &str, site: u64, period: &ReportPeriod, flat: bool) -> Call {
    let mut call = Call::for_site(method, site)
        .with("period", &period.period)
        .with("date", &period.date)
        .with("filter_limit", period.rows.saturating_add(1));
    if flat {
        call.params.push("flat", 1);
    }
    call
}

/// `CustomDimensions.getCustomDimension` of dimension `id` of a site.
pub fn custom_dimension(site: u64, id: u64, period: &ReportPeriod) -> Call {
    let mut call = report("CustomDimensions.getCustomDimension", site, period, false);
    call.params.push("idDimension", id);
    call
}

/// `Live.getLastVisitsDetails` of a site, over the period (the visitor log).
pub fn last_visits(site: u64, period: &ReportPeriod) -> Call {
    report("Live.getLastVisitsDetails", site, period, false)
}

/// `CustomDimensions.getConfiguredCustomDimensions` of a site.
pub fn configured_dimensions(site: u64) -> Call {
    Call::for_site("CustomDimensions.getConfiguredCustomDimensions", site)
}

/// The sites the token can at least view (`SitesManager.getSitesWithAtLeastViewAccess`).
pub fn sites_with_view() -> Call {
    Call::new("SitesManager.getSitesWithAtLeastViewAccess")
}

/// One site the token can view: what the scan needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewedSite {
    /// `idsite`.
    pub id: u64,
    /// The site's name.
    pub name: String,
    /// The site's URLs (main URL first; aliases when Matomo gave them).
    pub urls: Vec<String>,
}

/// Decodes the answer of [`sites_with_view`] (a list, or an object keyed by id).
pub fn viewed_sites(value: &Value) -> Result<Vec<ViewedSite>, WireError> {
    let rows = super::wire::list_items(value)
        .map_err(|e| WireError(format!("not a list of sites: {}", e.0)))?;
    rows.into_iter()
        .map(|row| {
            let id = row
                .get("idsite")
                .and_then(as_u64)
                .ok_or_else(|| WireError("a site without a numeric idsite".into()))?;
            let name = row
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let mut urls: Vec<String> = row
                .get("main_url")
                .and_then(Value::as_str)
                .map(|u| vec![u.to_string()])
                .unwrap_or_default();
            if let Some(Value::Array(aliases)) = row.get("alias_urls") {
                urls.extend(
                    aliases
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|u| !urls.iter().any(|m| m == u))
                        .map(String::from)
                        .collect::<Vec<_>>(),
                );
            }
            Ok(ViewedSite { id, name, urls })
        })
        .collect()
}

/// An active custom dimension of a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveDimension {
    /// `idcustomdimension`.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// `visit` or `action`.
    pub scope: String,
}

/// The active dimensions in an answer of [`configured_dimensions`].
pub fn active_dimensions(value: &Value) -> Result<Vec<ActiveDimension>, WireError> {
    let rows = super::wire::list_items(value)
        .map_err(|e| WireError(format!("not a list of custom dimensions: {}", e.0)))?;
    let mut out = Vec::new();
    for row in rows {
        let active = match row.get("active") {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_u64() == Some(1),
            Some(Value::String(s)) => s == "1" || s == "true",
            _ => false,
        };
        if !active {
            continue;
        }
        let id = row
            .get("idcustomdimension")
            .and_then(as_u64)
            .ok_or_else(|| WireError("a custom dimension without idcustomdimension".into()))?;
        out.push(ActiveDimension {
            id,
            name: row
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            scope: row
                .get("scope")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        });
    }
    out.sort_by_key(|d| d.id);
    Ok(out)
}

/// One row of a report: its label (as Matomo shows it, `+` turned into a space in some
/// reports) and the other texts asked for, in the order of `fields`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportRow {
    /// `(field, text)` pairs, `label` first; fields absent or empty are left out.
    pub texts: Vec<(String, String)>,
}

impl ReportRow {
    /// The row's label.
    pub fn label(&self) -> &str {
        self.texts
            .iter()
            .find(|(f, _)| f == "label")
            .map(|(_, t)| t.as_str())
            .unwrap_or_default()
    }
}

/// The rows of a report (a flat list of row objects; a hierarchical report's subtables
/// are not followed: the scan asks for `flat=1`), each with its `label` and `fields`.
pub fn report_rows(value: &Value, fields: &[&str]) -> Result<Vec<ReportRow>, WireError> {
    let Value::Array(rows) = value else {
        // The answer is not quoted: it may hold what the scan must never print.
        return Err(WireError(format!(
            "not a report (a list of rows) but {}",
            kind(value)
        )));
    };
    Ok(rows
        .iter()
        .map(|row| {
            let mut texts = Vec::with_capacity(1 + fields.len());
            for field in std::iter::once("label").chain(fields.iter().copied()) {
                if let Some(text) = row.get(field).and_then(text_of) {
                    texts.push((field.to_string(), text));
                }
            }
            ReportRow { texts }
        })
        .collect())
}

/// The fields of a visit's action that carry visitor-supplied text.
const ACTION_FIELDS: &[&str] = &[
    "url",
    "pageTitle",
    "siteSearchKeyword",
    "siteSearchCategory",
    "eventCategory",
    "eventAction",
    "eventName",
];

/// The texts of the visits of a [`last_visits`] answer: one row per action (its
/// `ACTION_FIELDS`), and one per visit for `userId` and the `dimensionN` values. The
/// label of a row is the action's URL (or `visit N`).
pub fn visit_rows(value: &Value) -> Result<Vec<ReportRow>, WireError> {
    let Value::Array(visits) = value else {
        return Err(WireError(format!(
            "not a list of visits but {}",
            kind(value)
        )));
    };
    let mut out = Vec::new();
    for visit in visits {
        let id = visit.get("idVisit").and_then(as_u64).unwrap_or_default();
        let mut texts = vec![("label".to_string(), format!("visit {id}"))];
        if let Some(uid) = visit.get("userId").and_then(text_of) {
            texts.push(("userId".into(), uid));
        }
        if let Some(map) = visit.as_object() {
            for (key, field) in map {
                let numbered = key
                    .strip_prefix("dimension")
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                if numbered && let Some(text) = text_of(field) {
                    texts.push((key.clone(), text));
                }
            }
        }
        if texts.len() > 1 {
            out.push(ReportRow { texts });
        }
        let actions = visit
            .get("actionDetails")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for action in actions {
            let mut texts = Vec::new();
            let label = action
                .get("url")
                .and_then(text_of)
                .unwrap_or_else(|| format!("visit {id}"));
            texts.push(("label".to_string(), label));
            for field in ACTION_FIELDS {
                if let Some(text) = action.get(*field).and_then(text_of) {
                    texts.push(((*field).to_string(), text));
                }
            }
            // Custom dimensions of action scope appear on the action.
            if let Some(map) = action.as_object() {
                for (key, field) in map {
                    let numbered = key
                        .strip_prefix("dimension")
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                    if numbered && let Some(text) = text_of(field) {
                        texts.push((key.clone(), text));
                    }
                }
            }
            out.push(ReportRow { texts });
        }
    }
    Ok(out)
}

/// Whether an error of a [`last_visits`] call says the visitor log is off for the site
/// (or the instance): the visits were not read, which is not a failure.
pub fn is_visitor_log_off(error: &MatomoError) -> bool {
    let text = error.to_string();
    text.contains("Visits log is deactivated") || text.contains("visitor log is deactivated")
}

/// Whether an error says the plugin of the call is not active (an unknown module or
/// method, or a plugin switched off): that report was not read, which is not a failure.
pub fn is_plugin_off(error: &MatomoError) -> bool {
    if error.is_unknown_method() {
        return true;
    }
    let text = error.to_string();
    text.contains("is not activated") || text.contains("not enabled")
}

/// What a JSON value is, without its content.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A number or numeric string (Matomo answers both); `None` otherwise, without
/// quoting the value (a report's content is never shown).
fn as_u64(value: &Value) -> Option<u64> {
    super::wire::u64_of(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/scan/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let recorded: Value = serde_json::from_str(&text).expect("a recording");
        recorded["response"]["body"].clone()
    }

    #[test]
    fn report_calls_carry_period_date_rows_and_flat() {
        let period = ReportPeriod {
            period: "day".into(),
            date: "yesterday".into(),
            rows: 10_000,
        };
        let call = report("Actions.getPageUrls", 7, &period, true);
        assert_eq!(
            super::super::encode::bulk_sub_request(&call),
            "method=Actions.getPageUrls&idSite=7&period=day&date=yesterday&filter_limit=10001&flat=1"
        );
        let dim = custom_dimension(7, 3, &period);
        assert_eq!(dim.params.get("idDimension"), Some("3"));
    }

    #[test]
    fn page_url_rows_keep_label_and_url_from_the_recording() {
        let rows = report_rows(
            &fixture("Actions.getPageUrls__rec2_pii_site1_day_today_flat"),
            &["url"],
        )
        .unwrap();
        assert_eq!(rows.len(), 12);
        let mail = rows
            .iter()
            .find(|r| r.label().starts_with("/contact"))
            .unwrap();
        assert_eq!(
            mail.texts[1],
            (
                "url".to_string(),
                "https://main.example.com/contact?mail=marie.curie%40example.org&ref=footer"
                    .to_string()
            )
        );
    }

    #[test]
    fn titles_show_plus_as_a_space_in_labels() {
        let rows = report_rows(
            &fixture("Actions.getPageTitles__rec2_pii_site1_day_today_flat"),
            &["Actions_PageTitle"],
        )
        .unwrap();
        let call = rows
            .iter()
            .find(|r| r.label().starts_with("Appelez"))
            .unwrap();
        assert_eq!(call.label(), "Appelez le  33612345678");
        assert_eq!(call.texts[1].1, "Appelez le +33612345678");
    }

    #[test]
    fn visits_give_one_row_per_action_and_one_for_the_user_id() {
        let rows = visit_rows(&fixture(
            "Live.getLastVisitsDetails__rec2_pii_site1_day_today",
        ))
        .unwrap();
        assert!(rows.iter().any(|r| {
            r.texts
                .iter()
                .any(|(f, t)| f == "userId" && t.contains('@'))
        }));
        assert!(rows.iter().any(|r| {
            r.texts
                .iter()
                .any(|(f, t)| f == "eventName" && t.contains("06 12"))
        }));
        let dims = visit_rows(&fixture(
            "Live.getLastVisitsDetails__rec2_pii_custom_dimension_site",
        ))
        .unwrap();
        assert!(
            dims.iter()
                .any(|r| r.texts.iter().any(|(f, _)| f == "dimension1"))
        );
    }

    #[test]
    fn a_site_with_the_visitor_log_off_is_recognised() {
        let body = fixture("Live.getLastVisitsDetails__rec2_pii_nolog_site_log_disabled");
        let message = body["message"].as_str().unwrap().to_string();
        let error = MatomoError::Api {
            method: "Live.getLastVisitsDetails".into(),
            site: Some(1208),
            status: 200,
            message,
        };
        assert!(is_visitor_log_off(&error));
        let other = MatomoError::Api {
            method: "Live.getLastVisitsDetails".into(),
            site: Some(1),
            status: 200,
            message: "something else".into(),
        };
        assert!(!is_visitor_log_off(&other));
    }

    #[test]
    fn only_active_dimensions_are_kept() {
        let dims = active_dimensions(&fixture(
            "CustomDimensions.getConfiguredCustomDimensions__rec2_pii_site",
        ))
        .unwrap();
        assert_eq!(
            dims,
            vec![ActiveDimension {
                id: 1,
                name: "Member e-mail".into(),
                scope: "visit".into()
            }]
        );
        let inactive = serde_json::json!([{"idcustomdimension": "2", "name": "x", "scope": "action", "active": false}]);
        assert!(active_dimensions(&inactive).unwrap().is_empty());
    }
}
