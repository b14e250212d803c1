//! `API.getBulkRequest`: each sub-request dispatched with the outer parameters, and the
//! `filter_limit` rule list answers follow.

use super::{Call, R, missing};
use crate::php::Params;
use crate::php::Value as PV;
use serde_json::Map;
use serde_json::Value as J;

/// Methods whose list answer Matomo keys by id when `filter_limit=-1`.
pub fn keyed_field(method: &str) -> Option<&'static str> {
    match method {
        "SitesManager.getAllSites" => Some("idsite"),
        "Goals.getGoals" => Some("idgoal"),
        _ => None,
    }
}

/// Apply `filter_limit` to a list answer: 100 rows unless `-1` (then keyed methods answer an
/// object keyed by id).
pub fn apply_limit(v: J, p: &Params, keyed: Option<&str>) -> J {
    let limit = match p.str("filter_limit") {
        None => Some(100usize),
        Some(s) => match s.trim().parse::<i64>() {
            Ok(n) if n < 0 => None,
            Ok(n) => Some(n as usize),
            Err(_) => Some(100),
        },
    };
    match (v, limit) {
        (J::Array(items), None) => match keyed {
            Some(field) => {
                let mut m = Map::new();
                for it in items {
                    let key = match it.get(field) {
                        Some(J::Number(n)) => n.to_string(),
                        Some(J::String(s)) => s.clone(),
                        _ => continue,
                    };
                    m.insert(key, it);
                }
                J::Object(m)
            }
            None => J::Array(items),
        },
        (J::Array(mut items), Some(n)) => {
            items.truncate(n);
            J::Array(items)
        }
        (v, _) => v,
    }
}

impl Call<'_> {
    pub(super) fn bulk(&mut self) -> R {
        let urls: Vec<String> = match self.opt("urls") {
            Some(PV::Arr(items)) => items
                .iter()
                .filter_map(|(_, v)| v.as_str().map(String::from))
                .collect(),
            Some(PV::Str(s)) if !s.is_empty() => vec![s.clone()],
            _ => return Err(missing("urls")),
        };
        if urls.is_empty() {
            return Err(missing("urls"));
        }
        let mut out = Vec::with_capacity(urls.len());
        for u in urls {
            // Matomo trims each sub-request and drops its line feeds and tabs before parsing.
            let u = crate::php::php_trim(&u).replace(['\n', '\t'], "");
            let (sub, _) = crate::php::parse(&u, None);
            let mut params = self.p.clone();
            params.merge(sub);
            params.trim_scalars();
            let method = params.str("method").unwrap_or_default().to_string();
            let mut call = Call {
                st: &mut *self.st,
                login: self.login.clone(),
                p: &params,
                base: self.base,
                now: self.now,
            };
            let answer = match call.dispatch(&method) {
                Ok(v) => apply_limit(v, &params, keyed_field(&method)),
                Err(f) => f.body(),
            };
            out.push(answer);
        }
        Ok(J::Array(out))
    }
}
