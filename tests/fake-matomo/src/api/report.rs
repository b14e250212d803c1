//! What the report methods (Actions, Events, UserId, CustomDimensions) share: the common
//! parameters, rows counted from the tracked visits, Matomo's row order and its segment
//! encodings. Reports are computed from `State::visits` on each call; the fake has no
//! archives, so every tracked hit counts for any `period` and `date`.

use super::{Call, Fail};
use crate::php::urlencode;
use crate::state::Access;
use crate::tracking::Visit;
use serde_json::{Map, Value as J, json};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// The periods Matomo's API accepts (`PeriodValidator`'s default).
const PERIODS: [&str; 5] = ["day", "week", "month", "year", "range"];

/// Which counts a report's rows carry.
#[derive(Clone, Copy)]
pub(super) enum Metrics {
    /// Page URLs, page titles, outlinks, downloads: `nb_visits`, `nb_uniq_visitors`, `nb_hits`.
    Hits,
    /// Site-search keywords: `nb_visits`, `nb_hits`.
    Searches,
    /// Site-search categories: `nb_visits`, `nb_actions`.
    Categories,
    /// Events: `nb_visits`, `nb_uniq_visitors`, `nb_events`.
    Events,
    /// Visit-level reports (UserId, visit-scope dimensions): `nb_visits`,
    /// `nb_uniq_visitors`, `nb_actions` (all actions of the visits).
    Visits,
}

/// One report row being counted: its label, its fixed fields (url, segment, …) and the
/// visits, visitors and hits behind it.
pub(super) struct Row {
    /// The label as answered.
    pub label: String,
    /// Other fields, answered as they are.
    pub fields: Map<String, J>,
    visits: BTreeSet<u32>,
    visitors: BTreeSet<String>,
    hits: u64,
    actions: u64,
}

/// Rows keyed by an identity (usually the stored value), in first-seen order.
#[derive(Default)]
pub(super) struct Rows {
    index: BTreeMap<String, usize>,
    rows: Vec<Row>,
}

impl Rows {
    /// Count one hit of `visit` on the row keyed `key`, creating it with `make` the first time.
    pub fn hit(
        &mut self,
        key: &str,
        visit: &Visit,
        make: impl FnOnce() -> (String, Map<String, J>),
    ) {
        let i = match self.index.get(key) {
            Some(i) => *i,
            None => {
                let (label, fields) = make();
                self.rows.push(Row {
                    label,
                    fields,
                    visits: BTreeSet::new(),
                    visitors: BTreeSet::new(),
                    hits: 0,
                    actions: 0,
                });
                self.index.insert(key.to_string(), self.rows.len() - 1);
                self.rows.len() - 1
            }
        };
        let row = &mut self.rows[i];
        row.hits += 1;
        if row.visits.insert(visit.id) {
            row.actions += visit.actions.len() as u64;
        }
        row.visitors.insert(visit.visitor_id.clone());
    }

    /// The rows as JSON with `metrics`, in Matomo's order (see [`sort_rows`]);
    /// `nb_uniq_visitors` only with `uniq` (Matomo keeps it for days only).
    pub fn into_json(self, metrics: Metrics, uniq: bool) -> Vec<J> {
        let mut out: Vec<J> = self
            .rows
            .into_iter()
            .map(|r| r.into_json(metrics, uniq))
            .collect();
        sort_rows(&mut out);
        out
    }
}

impl Row {
    fn into_json(self, metrics: Metrics, uniq: bool) -> J {
        let mut m = Map::new();
        m.insert("label".into(), json!(self.label));
        let visits = self.visits.len() as u64;
        let visitors = self.visitors.len() as u64;
        let counts: Vec<(&str, u64)> = match metrics {
            Metrics::Hits => vec![
                ("nb_visits", visits),
                ("nb_uniq_visitors", visitors),
                ("nb_hits", self.hits),
            ],
            Metrics::Searches => vec![("nb_visits", visits), ("nb_hits", self.hits)],
            Metrics::Categories => vec![("nb_visits", visits), ("nb_actions", self.hits)],
            Metrics::Events => vec![
                ("nb_visits", visits),
                ("nb_uniq_visitors", visitors),
                ("nb_events", self.hits),
            ],
            Metrics::Visits => vec![
                ("nb_visits", visits),
                ("nb_uniq_visitors", visitors),
                ("nb_actions", self.actions),
            ],
        };
        for (k, v) in counts {
            if uniq || k != "nb_uniq_visitors" {
                m.insert(k.into(), json!(v));
            }
        }
        m.extend(self.fields);
        J::Object(m)
    }
}

/// Matomo's default order of report rows: `nb_visits` descending, then the label in PHP's
/// natural, case-insensitive order (`strnatcasecmp`); subtables likewise.
pub(super) fn sort_rows(rows: &mut [J]) {
    for row in rows.iter_mut() {
        if let Some(J::Array(sub)) = row.get_mut("subtable") {
            sort_rows(sub);
        }
    }
    let visits = |r: &J| r.get("nb_visits").and_then(J::as_u64).unwrap_or(0);
    let label = |r: &J| {
        r.get("label")
            .and_then(J::as_str)
            .unwrap_or_default()
            .to_string()
    };
    rows.sort_by(|a, b| {
        visits(b)
            .cmp(&visits(a))
            .then_with(|| strnatcasecmp(&label(a), &label(b)))
    });
}

/// PHP's `strnatcasecmp`: white space skipped, runs of digits compared as numbers, other
/// bytes compared upper-cased.
pub(super) fn strnatcasecmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        while i < a.len() && a[i].is_ascii_whitespace() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        match (i < a.len(), j < b.len()) {
            (false, false) => return Ordering::Equal,
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => {}
        }
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let si = i;
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            let sj = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let na = trim_zeros(&a[si..i]);
            let nb = trim_zeros(&b[sj..j]);
            let ord = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
            if ord != Ordering::Equal {
                return ord;
            }
            continue;
        }
        let ord = a[i].to_ascii_uppercase().cmp(&b[j].to_ascii_uppercase());
        if ord != Ordering::Equal {
            return ord;
        }
        i += 1;
        j += 1;
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits
        .iter()
        .position(|d| *d != b'0')
        .unwrap_or(digits.len());
    &digits[start..]
}

/// A segment whose value Matomo encodes once (`eventName==a%40b.c`).
pub(super) fn segment1(name: &str, op: &str, value: &str) -> J {
    json!(format!("{name}{op}{}", urlencode(value)))
}

/// A segment whose value Matomo encodes twice (`pageUrl==https%253A%252F%252F…`).
pub(super) fn segment2(name: &str, op: &str, value: &str) -> J {
    json!(format!("{name}{op}{}", urlencode(&urlencode(value))))
}

/// Number the rows' `idsubdatatable` in answer order, from 1, depth first.
pub(super) fn number_subtables(rows: &mut [J], next: &mut u32) {
    for row in rows.iter_mut() {
        if let Some(obj) = row.as_object_mut()
            && obj.contains_key("idsubdatatable")
        {
            obj.insert("idsubdatatable".into(), json!(*next));
            *next += 1;
        }
        if let Some(J::Array(sub)) = row.get_mut("subtable") {
            number_subtables(sub, next);
        }
    }
}

impl Call<'_> {
    /// The parameters every report takes, checked in Matomo's order (the missing ones first,
    /// then view access and the site, then the period): the site id.
    pub(super) fn report_site(&self) -> Result<u32, Fail> {
        self.req("idSite")?;
        self.req("period")?;
        self.req("date")?;
        let id = self.site("idSite", Access::View)?;
        self.check_period()?;
        Ok(id)
    }

    /// `period` is one Matomo's API accepts (dates are not modelled).
    pub(super) fn check_period(&self) -> Result<(), Fail> {
        match self.s("period") {
            Some(p) if !PERIODS.contains(&p) => Err(Fail::Error(format!(
                "The period '{}' is not supported. Try any of the following instead: {}",
                super::values::esc(p),
                PERIODS.join(", ")
            ))),
            _ => Ok(()),
        }
    }

    /// A boolean request flag (`flat`, `expanded`).
    pub(super) fn flag(&self, k: &str) -> bool {
        self.s(k).is_some_and(super::values::php_bool)
    }

    /// Whether rows carry `nb_uniq_visitors`: Matomo keeps it in these reports for a day only.
    pub(super) fn uniq(&self) -> bool {
        self.s("period") == Some("day")
    }

    /// Keep the rows whose label contains `filter_pattern` (case-insensitive; Matomo takes a
    /// regular expression, the fake a literal text), then drop the first `filter_offset`
    /// rows (the generic `filter_limit` comes after).
    pub(super) fn offset(&self, mut rows: Vec<J>) -> Vec<J> {
        if let Some(pattern) = self.s("filter_pattern").filter(|p| !p.is_empty()) {
            let pattern = pattern.to_lowercase();
            rows.retain(|r| {
                r.get("label")
                    .and_then(J::as_str)
                    .is_some_and(|l| l.to_lowercase().contains(&pattern))
            });
        }
        let n = self
            .s("filter_offset")
            .and_then(|s| s.trim().parse::<usize>().ok())
            .unwrap_or(0);
        rows.drain(..n.min(rows.len()));
        rows
    }

    /// The tracked visits of `site`.
    pub(super) fn visits(&self, site: u32) -> &[Visit] {
        self.st.visits_of(site)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_skips_spaces_and_ignores_case_as_matomo_sorts_keywords() {
        // Recorded order (seq 2144): "06 12 34 56 78", "jean.dupont@example.fr", "Jean Dupont".
        let mut labels = vec!["Jean Dupont", "jean.dupont@example.fr", "06 12 34 56 78"];
        labels.sort_by(|a, b| strnatcasecmp(a, b));
        assert_eq!(
            labels,
            ["06 12 34 56 78", "jean.dupont@example.fr", "Jean Dupont"]
        );
        assert_eq!(strnatcasecmp("page2", "page10"), Ordering::Less);
        assert_eq!(strnatcasecmp("/rappel", "/rappel-intl"), Ordering::Less);
    }

    #[test]
    fn segments_encode_once_or_twice() {
        assert_eq!(
            segment2("pageTitle", "==", "Appelez le +33612345678"),
            json!("pageTitle==Appelez%2Ble%2B%252B33612345678")
        );
        assert_eq!(
            segment1("eventName", "==", "Téléphone 06"),
            json!("eventName==T%C3%A9l%C3%A9phone+06")
        );
    }
}
