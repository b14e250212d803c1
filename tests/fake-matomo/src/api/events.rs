//! `Events`: event categories, actions and names counted from the tracked visits (each row
//! with its `segment` and an `idsubdatatable`; the subtables themselves are not served).

use super::report::{Metrics, Rows, number_subtables, segment1, sort_rows};
use super::{Call, R, no_method};
use crate::tracking::ActionKind;
use serde_json::{Map, Value as J, json};

impl Call<'_> {
    /// The `Events` methods.
    pub(super) fn events(&mut self, action: &str) -> R {
        let segment = match action {
            "getCategory" => "eventCategory",
            "getAction" => "eventAction",
            "getName" => "eventName",
            _ => return Err(no_method("Events", action)),
        };
        let site = self.report_site()?;
        let mut rows = Rows::default();
        for visit in self.visits(site) {
            for a in &visit.actions {
                let ActionKind::Event {
                    category,
                    action: event_action,
                    name,
                    ..
                } = &a.kind
                else {
                    continue;
                };
                let value = match segment {
                    "eventCategory" => Some(category),
                    "eventAction" => Some(event_action),
                    _ => name.as_ref(),
                };
                let Some(value) = value.filter(|v| !v.is_empty()) else {
                    continue;
                };
                rows.hit(value, visit, || {
                    let mut f = Map::new();
                    f.insert("segment".into(), segment1(segment, "==", value));
                    f.insert("idsubdatatable".into(), json!(0));
                    (value.clone(), f)
                });
            }
        }
        let mut out = rows.into_json(Metrics::Events, self.uniq());
        sort_rows(&mut out);
        number_subtables(&mut out, &mut 1);
        Ok(J::Array(self.offset(out)))
    }
}
