//! `UserId`: one row per User ID seen in the tracked visits, with the visitor id Matomo
//! derived from it.

use super::report::{Metrics, Rows, segment1};
use super::{Call, R, no_method};
use serde_json::{Map, Value as J, json};

impl Call<'_> {
    /// The `UserId` methods.
    pub(super) fn user_id(&mut self, action: &str) -> R {
        if action != "getUsers" {
            return Err(no_method("UserId", action));
        }
        let site = self.report_site()?;
        let mut rows = Rows::default();
        for visit in self.visits(site) {
            let Some(uid) = &visit.user_id else {
                continue;
            };
            for _ in &visit.actions {
                rows.hit(uid, visit, || {
                    let mut f = Map::new();
                    f.insert("idvisitor".into(), json!(visit.visitor_id));
                    f.insert("segment".into(), segment1("userId", "==", uid));
                    (uid.clone(), f)
                });
            }
        }
        Ok(J::Array(
            self.offset(rows.into_json(Metrics::Visits, self.uniq())),
        ))
    }
}
