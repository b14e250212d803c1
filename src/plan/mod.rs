//! The plan: what apply will do, as data.
//!
//! A [`Plan`] is built by [`crate::diff`] from the desired and live states, checked
//! by the policy and the safety thresholds, rendered by [`crate::render`], saved as a
//! plan file, and executed by [`crate::apply`]. Apply is driven by `changes` and
//! `asserted` alone; everything else explains them.
//!
//! Meaning of `before` / `after` per action:
//! - `create`: `before` is `None`, `after` is the object to create (ids 0);
//! - `update`: both present; `after` is the complete object to write;
//! - `delete`: `before` is the object removed, `after` is `None`.

pub mod address;
pub mod fields;
pub mod file;
pub mod safety;

pub use address::{Address, InstanceSetting, Ref};
pub use fields::field_changes;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::desired::model::ComplianceMode;
use crate::live::{
    DefaultsState, DimensionState, ExclusionsState, GoalState, PrivacyState, RetentionState,
    SiteState, VisitorLogState,
};
use crate::policy::Finding;

/// Version of the plan format (JSON output and plan files). Checked on load.
///
/// Version 2 gives each rule's `fix` and `source` once, in `rules`, instead of in every
/// finding.
pub const PLAN_FORMAT_VERSION: u32 = 2;

/// Plan format versions this matoform loads (a version-1 plan file carries each
/// finding's fix inline, which version 2 still reads).
pub const READABLE_PLAN_FORMAT_VERSIONS: &[u32] = &[1, 2];

/// A complete plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Plan {
    /// [`PLAN_FORMAT_VERSION`].
    pub format_version: u32,
    /// Version of matoform that made the plan.
    pub matoform_version: String,
    /// The instance the plan was made against.
    pub matomo: PlanTarget,
    /// SHA-256 of the configuration (canonical JSON of the merged files).
    pub config_digest: String,
    /// Site keys the plan was limited to (`--site`), empty for all.
    #[serde(default)]
    pub site_filter: Vec<String>,
    /// Changes, sorted: deletes, creates, updates; then by address.
    pub changes: Vec<Change>,
    /// Settings this Matomo cannot read back: set on apply, not counted as drift.
    #[serde(default)]
    pub asserted: Vec<Change>,
    /// Policy findings (violations, warnings, waived violations); known violations
    /// (recorded in the baseline) are counted in `known` instead. A finding's `fix` and
    /// `source` are left out when they are its rule's, given in `rules`.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Known violations, recorded in the baseline: their number per rule id.
    #[serde(default)]
    pub known: BTreeMap<String, usize>,
    /// The fix and source of each rule with findings, by rule id, given once.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleNote>,
    /// Counts shown in the summary line.
    pub summary: Summary,
    /// Fingerprint (SHA-256 of canonical JSON) of each live object the plan read,
    /// by address; `absent` for an object that did not exist.
    #[serde(default)]
    pub fingerprints: BTreeMap<Address, String>,
    /// Non-policy warnings (unreadable settings, skipped objects…).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// What every finding of a rule shares: the fix and the source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RuleNote {
    /// How to fix a violation.
    pub fix: String,
    /// Where the rule comes from.
    pub source: String,
}

/// The instance a plan targets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanTarget {
    /// Base URL.
    pub url: String,
    /// Matomo version.
    pub version: String,
}

/// Counts of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Changes that create objects.
    pub create: usize,
    /// Changes that update objects.
    pub update: usize,
    /// Changes that delete (or deactivate) objects.
    pub delete: usize,
    /// Asserted settings.
    pub asserted: usize,
    /// Sites the configuration manages (within the filter).
    pub managed_sites: usize,
    /// Live sites the configuration does not mention and does not prune (left untouched).
    pub unmanaged_sites: usize,
    /// Policy violations that block apply (error level, not waived).
    pub violations: usize,
    /// Policy warnings.
    pub warnings: usize,
    /// Waived violations.
    pub waived: usize,
    /// Known violations (recorded in the baseline; they never block).
    #[serde(default)]
    pub known: usize,
}

/// What a change does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Delete (or, for custom dimensions, deactivate) an object.
    Delete,
    /// Create an object.
    Create,
    /// Update an object in place.
    Update,
}

/// One change to one object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Change {
    /// Address: `site[key]`, `site[key].goal[key]`, `site[key].custom_dimension[key]`,
    /// `instance.privacy`, `instance.retention`, …
    pub address: Address,
    /// The action.
    pub action: Action,
    /// Key of the site the change belongs to (`None` for instance settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Matomo id of that site, when it exists already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_id: Option<u64>,
    /// The object before (see the module docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Resource>,
    /// The object after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Resource>,
    /// Field-level differences, for display (`name` is a dotted path).
    pub fields: Vec<FieldChange>,
}

/// One changed field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FieldChange {
    /// Dotted path, e.g. `exclusions.query_parameters`.
    pub name: String,
    /// Value before (`None` when created or unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    /// Value after (`None` when deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
}

/// The objects a change can carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Resource {
    /// A site's own settings (goals and dimensions are separate changes; their maps
    /// are left out here).
    Site(Box<SiteState>),
    /// A goal.
    Goal(GoalState),
    /// A custom dimension.
    CustomDimension(DimensionState),
    /// Instance privacy settings.
    Privacy(PrivacyState),
    /// Instance retention settings.
    Retention(RetentionState),
    /// Global exclusions.
    GlobalExclusions(ExclusionsState),
    /// Instance visitor log switches.
    VisitorLog(VisitorLogState),
    /// Defaults for new sites.
    Defaults(DefaultsState),
    /// Matomo's compliance mode for the instance.
    ComplianceMode(ComplianceMode),
}

impl Plan {
    /// True when apply would change nothing that can be read back.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// True when error-level policy findings are not waived.
    pub fn has_violations(&self) -> bool {
        self.summary.violations > 0
    }

    /// Recomputes the change counts of `summary` from `changes` and `asserted`.
    pub fn recount(&mut self) {
        self.summary.create = self.count(Action::Create);
        self.summary.update = self.count(Action::Update);
        self.summary.delete = self.count(Action::Delete);
        self.summary.asserted = self.asserted.len();
    }

    fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// Moves the `fix` and `source` that findings share with the first finding of their
    /// rule into [`Plan::rules`], leaving them empty on the findings (a finding whose
    /// fix or source differs keeps its own). Nothing is lost: [`Plan::fix_of`] gives
    /// the fix back, `rules` the source.
    pub fn index_rules(&mut self) {
        for finding in &mut self.findings {
            if finding.fix.is_empty() && finding.source.is_empty() {
                continue;
            }
            let note = self
                .rules
                .entry(finding.rule.clone())
                .or_insert_with(|| RuleNote {
                    fix: finding.fix.clone(),
                    source: finding.source.clone(),
                });
            if note.fix == finding.fix && note.source == finding.source {
                finding.fix.clear();
                finding.source.clear();
            }
        }
    }

    /// The fix of a finding: its own, else its rule's.
    pub fn fix_of<'a>(&'a self, finding: &'a Finding) -> &'a str {
        if finding.fix.is_empty() {
            self.rules
                .get(&finding.rule)
                .map_or("", |note| note.fix.as_str())
        } else {
            &finding.fix
        }
    }

    /// Sorts changes deterministically: deletes, creates, updates; then by address.
    pub fn sort(&mut self) {
        self.changes.sort_by(|a, b| {
            a.action
                .cmp(&b.action)
                .then_with(|| address_order(&a.address.to_string(), &b.address.to_string()))
        });
        self.asserted
            .sort_by(|a, b| address_order(&a.address.to_string(), &b.address.to_string()));
    }
}

/// Orders addresses as text, except that runs of digits compare as numbers, so
/// `site[#2]` comes before `site[#161]`.
pub fn address_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (left, right) = (chunks(a), chunks(b));
    for ((left_digits, l), (right_digits, r)) in left.iter().zip(right.iter()) {
        let ordering = if *left_digits && *right_digits {
            let (l_trim, r_trim) = (l.trim_start_matches('0'), r.trim_start_matches('0'));
            l_trim
                .len()
                .cmp(&r_trim.len())
                .then_with(|| l_trim.cmp(r_trim))
        } else {
            l.cmp(r)
        };
        if ordering != std::cmp::Ordering::Equal {
            return ordering;
        }
    }
    left.len().cmp(&right.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod order_tests {
    use super::address_order;

    #[test]
    fn digits_compare_as_numbers() {
        let mut addresses = vec![
            "site[#161]",
            "site[#2]",
            "site[b]",
            "site[a].goal[#10]",
            "site[a].goal[#9]",
            "site[a]",
        ];
        addresses.sort_by(|a, b| address_order(a, b));
        assert_eq!(
            addresses,
            [
                "site[#2]",
                "site[#161]",
                "site[a]",
                "site[a].goal[#9]",
                "site[a].goal[#10]",
                "site[b]"
            ]
        );
    }
}
