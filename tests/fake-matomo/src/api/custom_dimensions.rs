//! `CustomDimensions`: configured dimensions, scopes and slots, creating and updating them.

use super::report::{Metrics, Rows, segment1};
use super::values::{esc, php_bool, sanitize};
use super::{Call, Fail, R, no_method, ok, val};
use crate::php::Value as PV;
use crate::state::{Access, CustomDimension, Extraction};
use serde_json::{Map, Value as J, json};

/// A custom dimension as Matomo answers it (ids as strings).
pub fn dimension_json(idsite: u32, d: &CustomDimension) -> J {
    json!({
        "idcustomdimension": d.id.to_string(),
        "idsite": idsite.to_string(),
        "name": d.name,
        "index": d.index.to_string(),
        "scope": d.scope,
        "active": d.active,
        "extractions": d.extractions.iter().map(|e| json!({"dimension": e.dimension, "pattern": e.pattern})).collect::<Vec<_>>(),
        "case_sensitive": d.case_sensitive,
    })
}

impl Call<'_> {
    /// The `CustomDimensions` methods.
    pub(super) fn custom_dimensions(&mut self, action: &str) -> R {
        match action {
            "getCustomDimension" => self.custom_dimension_report(),
            "getConfiguredCustomDimensions" => {
                let id = self.site("idSite", Access::View)?;
                let dims = self
                    .st
                    .custom_dimensions
                    .get(&id)
                    .cloned()
                    .unwrap_or_default();
                Ok(J::Array(
                    dims.iter().map(|d| dimension_json(id, d)).collect(),
                ))
            }
            "getAvailableScopes" => {
                let id = self.site("idSite", Access::View)?;
                let dims = self.st.custom_dimensions.get(&id);
                let slots = self.st.custom_dimension_slots;
                let scopes = [("visit", "Visit", false), ("action", "Action", true)]
                    .iter()
                    .map(|(scope, name, extractions)| {
                        let used = dims
                            .map_or(0, |d| d.iter().filter(|d| d.scope == *scope).count())
                            as u32;
                        json!({
                            "value": scope,
                            "name": name,
                            "numSlotsAvailable": slots,
                            "numSlotsUsed": used,
                            "numSlotsLeft": slots.saturating_sub(used),
                            "supportsExtractions": extractions,
                        })
                    })
                    .collect();
                Ok(J::Array(scopes))
            }
            "configureNewCustomDimension" => self.new_dimension(),
            "configureExistingCustomDimension" => self.existing_dimension(),
            _ => Err(no_method("CustomDimensions", action)),
        }
    }

    fn extractions(&self) -> Vec<Extraction> {
        match self.opt("extractions") {
            Some(v @ PV::Arr(_)) => v
                .items()
                .into_iter()
                .filter_map(|e| {
                    Some(Extraction {
                        dimension: e.get("dimension")?.as_str()?.to_string(),
                        pattern: e.get("pattern")?.as_str()?.to_string(),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `checkCustomDimensionConfig`: the name (required, at most 255 bytes, none of
    /// `/ \\ & . < >` nor a quote, which Matomo's escaping turns into `&…;`), `active` and
    /// `caseSensitive` (`0` or `1`).
    fn check_dimension_config(name: &str, active: &str, case: Option<&str>) -> Result<(), Fail> {
        let name = sanitize(name);
        if name.len() > 255 {
            return Err(Fail::Error(
                "Name contains too many characters, use up to 255 characters.".into(),
            ));
        }
        if name.contains(['/', '\\', '&', '.', '<', '>', '\'', '"']) {
            return Err(Fail::Error(
                "Allowed characters are any letters, numbers, whitespace, a dash and underline."
                    .into(),
            ));
        }
        if !matches!(active, "0" | "1") {
            return Err(Fail::Error(format!(
                "Invalid value '{active}' for 'active' specified. Allowed values: '0' or '1'"
            )));
        }
        if let Some(c) = case.filter(|c| !matches!(*c, "0" | "1")) {
            return Err(Fail::Error(format!(
                "Invalid value '{c}' for 'caseSensitive' specified. Allowed values: '0' or '1'"
            )));
        }
        Ok(())
    }

    fn check_extractions(scope: &str, ex: &[Extraction]) -> Result<(), Fail> {
        if !ex.is_empty() && scope != "action" {
            return Err(Fail::Error(
                "Extractions can be used only in scope 'action'".into(),
            ));
        }
        for e in ex {
            if e.dimension != "urlparam"
                && (e.pattern.matches('(').count() != 1 || !e.pattern.contains(')'))
            {
                return Err(Fail::Error("You need to group exactly one part of the regular expression inside round brackets, eg 'index_(.+).html'".into()));
            }
        }
        Ok(())
    }

    fn new_dimension(&mut self) -> R {
        let id = self.site("idSite", Access::Write)?;
        let name = self.req("name")?;
        let scope = self.req("scope")?;
        let active = self.req("active")?;
        let ex = self.extractions();
        Self::check_dimension_config(&name, &active, self.s("caseSensitive"))?;
        if !["visit", "action", "conversion"].contains(&scope.as_str()) {
            return Err(Fail::Error(format!(
                "Invalid value '{scope}' for 'scope' specified. Available scopes are: visit, action, conversion"
            )));
        }
        Self::check_extractions(&scope, &ex)?;
        let case_sensitive = self.s("caseSensitive").is_none_or(php_bool);
        let dims = self.st.custom_dimensions.entry(id).or_default();
        // Dimension\Index::getNextIndex: the first installed index no dimension of the scope
        // holds (active or not).
        let Some(index) = (1..=self.st.custom_dimension_slots)
            .find(|i| !dims.iter().any(|d| d.scope == scope && d.index == *i))
        else {
            return Err(Fail::Error(format!(
                "All Custom Dimensions for website {id} in scope '{scope}' are already used."
            )));
        };
        let next = dims.iter().map(|d| d.id).max().map_or(1, |m| m + 1);
        dims.push(CustomDimension {
            id: next,
            name: sanitize(&name),
            index,
            scope,
            active: php_bool(&active),
            extractions: ex,
            case_sensitive,
        });
        val(next)
    }

    fn existing_dimension(&mut self) -> R {
        let raw = self.req("idDimension")?;
        let id = self.site("idSite", Access::Write)?;
        let name = self.req("name")?;
        let active = self.req("active")?;
        let ex = self.extractions();
        let case = self.s("caseSensitive").map(php_bool);
        let dim_id = raw.parse::<u32>().unwrap_or(0);
        let scope = self
            .st
            .custom_dimensions
            .get(&id)
            .and_then(|d| d.iter().find(|d| d.id == dim_id))
            .map(|d| d.scope.clone());
        let Some(scope) = scope else {
            return Err(Fail::Error(format!(
                "Dimension {} for website {id} does not exist.",
                esc(&raw)
            )));
        };
        Self::check_dimension_config(&name, &active, self.s("caseSensitive"))?;
        Self::check_extractions(&scope, &ex)?;
        if let Some(d) = self
            .st
            .custom_dimensions
            .get_mut(&id)
            .and_then(|d| d.iter_mut().find(|d| d.id == dim_id))
        {
            d.name = sanitize(&name);
            d.active = php_bool(&active);
            d.extractions = ex;
            if let Some(c) = case {
                d.case_sensitive = c;
            }
        }
        ok()
    }

    /// `CustomDimensions.getCustomDimension`: one row per value of dimension `idDimension`
    /// in the tracked visits (visit scope: counted per visit; action scope: per action).
    /// The action-scope rows' URL subtables are not served.
    fn custom_dimension_report(&self) -> R {
        self.req("idDimension")?;
        self.req("idSite")?;
        self.req("period")?;
        self.req("date")?;
        let site = self.site("idSite", Access::View)?;
        // PHP's `%d` of a non-numeric id is 0.
        let id = self
            .s("idDimension")
            .and_then(|s| s.trim().parse::<u32>().ok())
            .unwrap_or(0);
        let Some(dim) = self
            .st
            .custom_dimensions
            .get(&site)
            .and_then(|d| d.iter().find(|d| d.id == id))
        else {
            return Err(Fail::Error(format!(
                "Dimension {id} for website {site} does not exist."
            )));
        };
        if !dim.active {
            return Err(Fail::Error(format!(
                "Dimension {id} for website {site} is not active."
            )));
        }
        self.check_period()?;
        let visit_scope = dim.scope == "visit";
        let segment = format!("dimension{id}");
        let mut rows = Rows::default();
        let make = |value: &String| {
            let mut f = Map::new();
            f.insert("segment".into(), segment1(&segment, "==", value));
            (value.clone(), f)
        };
        for visit in self.visits(site) {
            if visit_scope {
                if let Some(value) = visit.dimensions.get(&id) {
                    rows.hit(value, visit, || make(value));
                }
            } else {
                for a in &visit.actions {
                    if let Some(value) = a.dimensions.get(&id) {
                        rows.hit(value, visit, || make(value));
                    }
                }
            }
        }
        let metrics = if visit_scope {
            Metrics::Visits
        } else {
            Metrics::Hits
        };
        Ok(J::Array(self.offset(rows.into_json(metrics, self.uniq()))))
    }
}
