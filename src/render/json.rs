//! JSON rendering: the plan itself, versioned; and the apply report, versioned.

use serde::Serialize;

use crate::apply::{Report, Status};
use crate::plan::{Address, Plan, PlanTarget};

/// The plan as pretty JSON (the documented, versioned format).
pub fn json(plan: &Plan) -> String {
    let mut out = serde_json::to_string_pretty(plan).unwrap_or_default();
    out.push('\n');
    out
}

/// The JSON Schema of the plan JSON (`plan --format json`, plan files), generated from
/// [`Plan`] for what matoform writes (serialisation): what `matoform schema --plan`
/// prints and `schema/plan.schema.json` holds.
pub fn plan_schema() -> serde_json::Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Plan>();
    let mut value = serde_json::to_value(schema).unwrap_or_default();
    // The schema describes this format version only.
    if let Some(version) = value.pointer_mut("/properties/format_version") {
        version["const"] = crate::plan::PLAN_FORMAT_VERSION.into();
    }
    value
}

/// [`plan_schema`] as pretty JSON, ending with a newline.
pub fn plan_schema_json() -> String {
    let mut text = serde_json::to_string_pretty(&plan_schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// Version of the apply report (`apply --format json`), documented in
/// docs/plan-format.md ("The apply report"); bumped like the plan's.
pub const APPLY_REPORT_FORMAT_VERSION: u32 = 1;

/// The apply report as a JSON document (`apply --format json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// [`APPLY_REPORT_FORMAT_VERSION`].
    pub format_version: u32,
    /// Version of matoform that applied.
    pub matoform_version: String,
    /// The instance written to.
    pub matomo: PlanTarget,
    /// True when every change was applied (also when there was nothing to apply).
    pub complete: bool,
    /// Counts of the three lists.
    pub summary: ApplySummary,
    /// Addresses of the changes written, sorted.
    pub applied: Vec<String>,
    /// Changes Matomo refused or that failed, sorted by address.
    pub failed: Vec<ApplyFailure>,
    /// Addresses of the changes not started because an earlier one failed, sorted.
    pub not_attempted: Vec<String>,
    /// Sites created, with their new Matomo ids, sorted by address.
    pub created: Vec<CreatedSite>,
}

/// Counts of an apply report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ApplySummary {
    /// Changes written.
    pub applied: usize,
    /// Changes that failed.
    pub failed: usize,
    /// Changes not attempted.
    pub not_attempted: usize,
}

/// A change that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyFailure {
    /// The change's address.
    pub address: String,
    /// Matomo's message, or the transport error.
    pub message: String,
}

/// A site created by the apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedSite {
    /// `site[KEY]`.
    pub address: String,
    /// The site's configuration key.
    pub site: String,
    /// Its new Matomo id (for `id:`, or `matoform pin`).
    pub id: u64,
}

impl ApplyReport {
    /// The document of `report`, for the instance `matomo`.
    pub fn new(report: &Report, matomo: &PlanTarget) -> ApplyReport {
        let mut applied = Vec::new();
        let mut failed = Vec::new();
        let mut not_attempted = Vec::new();
        for (address, status) in &report.entries {
            match status {
                Status::Applied => applied.push(address.to_string()),
                Status::Failed(message) => failed.push(ApplyFailure {
                    address: address.to_string(),
                    message: message.clone(),
                }),
                Status::NotAttempted => not_attempted.push(address.to_string()),
            }
        }
        ApplyReport {
            format_version: APPLY_REPORT_FORMAT_VERSION,
            matoform_version: crate::VERSION.to_string(),
            matomo: matomo.clone(),
            complete: failed.is_empty() && not_attempted.is_empty(),
            summary: ApplySummary {
                applied: applied.len(),
                failed: failed.len(),
                not_attempted: not_attempted.len(),
            },
            applied,
            failed,
            not_attempted,
            created: report
                .created_sites
                .iter()
                .map(|(key, id)| CreatedSite {
                    address: Address::site(key).to_string(),
                    site: key.clone(),
                    id: *id,
                })
                .collect(),
        }
    }
}

/// The apply report as pretty JSON ([`ApplyReport`]).
pub fn apply_report_json(report: &Report, matomo: &PlanTarget) -> String {
    let mut out =
        serde_json::to_string_pretty(&ApplyReport::new(report, matomo)).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apply_report_sorts_each_status_into_its_list() {
        let mut report = Report::default();
        report.entries.insert(Address::site("a"), Status::Applied);
        report
            .entries
            .insert(Address::site("b"), Status::Failed("refused".into()));
        report
            .entries
            .insert(Address::site("c"), Status::NotAttempted);
        report.created_sites.insert("a".into(), 7);
        let target = PlanTarget {
            url: "https://m.example/".into(),
            version: "5.7.0".into(),
        };
        let doc = ApplyReport::new(&report, &target);
        assert!(!doc.complete);
        assert_eq!(doc.applied, ["site[a]"]);
        assert_eq!(doc.failed[0].message, "refused");
        assert_eq!(doc.not_attempted, ["site[c]"]);
        assert_eq!(doc.created[0].id, 7);
        assert_eq!(
            ApplyReport::new(&Report::default(), &target).summary,
            ApplySummary {
                applied: 0,
                failed: 0,
                not_attempted: 0
            }
        );
        assert!(ApplyReport::new(&Report::default(), &target).complete);
    }
}
