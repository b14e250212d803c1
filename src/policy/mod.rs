//! Policy: the CNIL consent-exemption profile. Fills compliant defaults into the
//! desired state ([`defaults`]), builds the state a plan judges from desired plus live
//! values ([`judged`]), evaluates the rules ([`rules`], with what Matomo's `cnil_v1`
//! mode enforces: [`enforced`]), applies waivers and the baseline, and builds the
//! [`audit`](mod@audit) report (with Matomo's own requirement list: [`matomo_requirements`]). Pure:
//! values in, values out.

pub mod audit;
pub mod baseline;
pub mod defaults;
pub mod enforced;
pub mod judged;
pub mod matomo_requirements;
pub mod profile;
pub mod rules;
pub mod waivers;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::desired::model::Config;

pub use audit::{AuditReport, SiteAuditRow, audit};
pub use baseline::{Baseline, apply_baseline};
pub use defaults::effective;
pub use judged::{JudgeError, judged_state};
pub use profile::Thresholds;
pub use rules::{RULES, Rule};
pub use waivers::apply_waivers;

/// Every policy finding about `config` as of `today`, waivers then `baseline` applied.
///
/// `config` is the desired state after [`effective`], possibly completed by the caller
/// with live values it does not manage (a `None` is unknown and fires no rule; do not
/// call [`effective`] again after merging live values, it would hide unknowns). Under
/// `profile: none` nothing is checked and the result is empty. Order: instance
/// findings, then sites by key (rules in [`RULES`] order), then waiver findings, then
/// baseline findings (entries that no longer match: see [`apply_baseline`]).
pub fn evaluate(config: &Config, baseline: &Baseline, today: NaiveDate) -> Vec<Finding> {
    let thresholds = Thresholds::from_config(config);
    if !thresholds.is_cnil() {
        return Vec::new();
    }
    let judged = enforced::effective_under_compliance_mode(config);
    let waived = apply_waivers(rules::check(&judged, &thresholds), config, today);
    apply_baseline(waived, baseline)
}

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
    /// How to fix it (in a plan, left out when it is the rule's: see `Plan::rules`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fix: String,
    /// Where the rule comes from (checklist point, CNIL guidance); in a plan, left out
    /// when it is the rule's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// When a waiver covers this finding: its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
    /// When the baseline records this violation: the day it was found. A known
    /// violation never blocks; renderings count it per rule instead of listing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<NaiveDate>,
}

impl Finding {
    /// True when this finding blocks apply: error level, not waived, not known.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Error && self.waived.is_none() && self.known.is_none()
    }

    /// The setting the finding is about, as the dotted path its message starts with
    /// (`sites.blog.ecommerce`, `instance.privacy.do_not_track`), when it names one.
    pub fn setting(&self) -> Option<&str> {
        let head = self
            .message
            .split([' ', ':', ','])
            .next()
            .filter(|head| head.starts_with("sites.") || head.starts_with("instance."))?;
        Some(head.trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::model::{Instance, PolicyConfig, PolicyProfile, Site, Waiver, WaiverSites};

    fn config() -> Config {
        Config {
            sites: [(
                "shop".to_owned(),
                Site {
                    name: "Shop".into(),
                    urls: vec!["https://shop.example.org".into()],
                    ecommerce: Some(true),
                    ..Site::default()
                },
            )]
            .into(),
            instance: Some(Instance::default()),
            waivers: vec![Waiver {
                rule: "cnil.ecommerce".into(),
                sites: WaiverSites::Keys(vec!["shop".into()]),
                instance: false,
                reason: "orders measured under consent".into(),
                expires: None,
            }],
            ..Config::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("date")
    }

    #[test]
    fn evaluate_applies_rules_then_waivers() {
        let findings = evaluate(&effective(&config()), &Baseline::default(), today());
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].rule, "cnil.ecommerce");
        assert_eq!(
            findings[0].waived.as_deref(),
            Some("orders measured under consent")
        );
        assert!(!findings.iter().any(Finding::blocks));
    }

    #[test]
    fn a_minimal_configuration_is_compliant_after_defaults() {
        let mut config = config();
        config.waivers.clear();
        config.sites.get_mut("shop").expect("shop").ecommerce = None;
        assert_eq!(
            evaluate(&effective(&config), &Baseline::default(), today()),
            Vec::new()
        );
    }

    #[test]
    fn profile_none_checks_nothing() {
        let mut config = config();
        config.policy = Some(PolicyConfig {
            profile: Some(PolicyProfile::None),
            ..PolicyConfig::default()
        });
        assert_eq!(
            evaluate(&effective(&config), &Baseline::default(), today()),
            Vec::new()
        );
    }
}
