//! Policy: the CNIL consent-exemption profile. Fills compliant defaults into the
//! desired state, evaluates rules, applies waivers. Pure: values in, values out.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How serious a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks apply (unless waived); exit code 3.
    Error,
    /// Informs; never blocks.
    Warning,
}

/// One policy finding about one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable rule id, e.g. `cnil.ip-mask`.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// What the finding is about: `site[key]` or `instance` (or `waiver[i]`).
    pub subject: String,
    /// What is wrong, naming the setting.
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// Where the rule comes from (checklist point, CNIL guidance).
    pub source: String,
    /// When a waiver covers this finding: its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
}

impl Finding {
    /// True when this finding blocks apply: error level and not waived.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Error && self.waived.is_none()
    }
}

// Lead's placeholder until the policy module lands (replaced at merge).
/// Fills compliant defaults (placeholder: returns the configuration unchanged).
pub fn effective(config: &crate::desired::model::Config) -> crate::desired::model::Config {
    config.clone()
}

/// Evaluates the policy rules (placeholder: no findings).
pub fn evaluate(config: &crate::desired::model::Config, today: chrono::NaiveDate) -> Vec<Finding> {
    let _ = (config, today);
    Vec::new()
}
