//! Policy stage: Matomo's own `cnil_v1` requirement list (5.7's
//! `getComplianceStatus`), mapped to the rules of the `cnil-exemption` profile, and the
//! places where the two judge a site differently. Pure.

use serde::Serialize;

use super::Finding;
use crate::live::MatomoRequirement;

/// How one of Matomo's requirements relates to the profile: the rules that check the
/// same thing, or why the profile does not check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequirementMapping {
    /// Matomo's requirement name, as its API answers it.
    pub matomo: &'static str,
    /// The profile's rules that check the same setting (empty: not checked).
    pub rules: &'static [&'static str],
    /// Why the profile differs, when it does.
    pub why: &'static str,
}

/// Every requirement of Matomo 5.7.0's `cnil_v1` policy (documented in docs/policy.md).
pub const MAPPING: &[RequirementMapping] = &[
    RequirementMapping {
        matomo: "Device model detection disabled",
        rules: &[],
        why: "not a condition of the CNIL exemption: device models are collected by every audience tool the CNIL exempts; Matomo's mode is stricter",
    },
    RequirementMapping {
        matomo: "Only Major versions",
        rules: &[],
        why: "not a condition of the CNIL exemption (browser and OS versions are not identifying once the IP is masked); Matomo's mode is stricter",
    },
    RequirementMapping {
        matomo: "Ecommerce Restricted",
        rules: &["cnil.ecommerce"],
        why: "",
    },
    RequirementMapping {
        matomo: "Ecommerce - Order ID anonymisation",
        rules: &["cnil.order-id"],
        why: "",
    },
    RequirementMapping {
        matomo: "PII data filtered",
        rules: &["cnil.url-pii"],
        why: "the profile accepts any exclusion list that covers the personal-data names (site or instance); Matomo requires its own recommended list by type",
    },
    RequirementMapping {
        matomo: "Turn off Visits log and Visitor profiles",
        rules: &["cnil.visitor-log", "cnil.visitor-profile"],
        why: "",
    },
    RequirementMapping {
        matomo: "Campaign tracking parameters disabled",
        rules: &[],
        why: "campaign parameters are not personal data: the exemption covers measuring campaigns",
    },
    RequirementMapping {
        matomo: "IP Anonymisation Enabled",
        rules: &["cnil.ip-mask"],
        why: "",
    },
    RequirementMapping {
        matomo: "IP Address Mask Length",
        rules: &["cnil.ip-mask"],
        why: "",
    },
    RequirementMapping {
        matomo: "Referrer Anonymisation",
        rules: &["cnil.referrer"],
        why: "",
    },
    RequirementMapping {
        matomo: "Data retention period",
        rules: &["cnil.retention"],
        why: "Matomo's mode keeps raw data 180 days at most; the profile's limit is 25 months (max_raw_data_days: 759, the CNIL's guidance), configurable",
    },
    RequirementMapping {
        matomo: "Limit available segments",
        rules: &[],
        why: "segments are a reporting feature; the exemption is about what is collected",
    },
    RequirementMapping {
        matomo: "Screen resolution detection disabled",
        rules: &[],
        why: "not a condition of the CNIL exemption; Matomo's mode is stricter",
    },
    RequirementMapping {
        matomo: "User ID disabled",
        rules: &["cnil.user-id"],
        why: "the profile accepts a User ID pseudonymised by Matomo (instance.privacy.anonymize_user_id)",
    },
    RequirementMapping {
        matomo: "Third-party cookies",
        rules: &["cnil.cookieless"],
        why: "the profile asks for no tracking cookies at all (cookieless tracking), which implies no third-party cookie",
    },
    RequirementMapping {
        matomo: "Opt out",
        rules: &[],
        why: "organisational: the opt-out lives in each site's pages (`matoform snippet SITE` prints it); Matomo cannot check it either (unknown)",
    },
];

/// Where Matomo and the profile judge one requirement of one subject differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// Matomo's requirement name.
    pub requirement: String,
    /// Matomo's status: `compliant` or `non_compliant`.
    pub matomo: String,
    /// The profile's verdict: `compliant`, `non_compliant (RULE)`, or `not checked`.
    pub profile: String,
    /// Why they differ (from [`MAPPING`]), when known.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

/// The mapping of a requirement name, if Matomo's list has one matoform knows.
pub fn mapping(name: &str) -> Option<&'static RequirementMapping> {
    MAPPING.iter().find(|m| m.matomo == name)
}

/// The disagreements between Matomo's `requirements` for a subject and the profile's
/// `findings` about it (the instance's findings count for a site too: its settings are
/// the site's unless the site has its own). Requirements Matomo cannot judge
/// (`unknown`) are left out; so are unmapped ones Matomo finds compliant.
pub fn disagreements(
    requirements: &[MatomoRequirement],
    findings: &[&Finding],
) -> Vec<Disagreement> {
    let mut out = Vec::new();
    for requirement in requirements {
        let matomo_ok = match requirement.status.as_str() {
            "compliant" => true,
            "non_compliant" => false,
            _ => continue,
        };
        let known = mapping(&requirement.name);
        let rules = known.map(|m| m.rules).unwrap_or_default();
        let why = known
            .map(|m| m.why)
            .unwrap_or("a requirement this matoform version does not know");
        if rules.is_empty() {
            if !matomo_ok {
                out.push(Disagreement {
                    requirement: requirement.name.clone(),
                    matomo: requirement.status.clone(),
                    profile: "not checked".into(),
                    why: why.into(),
                });
            }
            continue;
        }
        let fired: Vec<&str> = findings
            .iter()
            .filter(|f| f.waived.is_none() && rules.contains(&f.rule.as_str()))
            .map(|f| f.rule.as_str())
            .collect();
        if fired.is_empty() != matomo_ok {
            out.push(Disagreement {
                requirement: requirement.name.clone(),
                matomo: requirement.status.clone(),
                profile: if fired.is_empty() {
                    "compliant".into()
                } else {
                    format!("non_compliant ({})", fired.join(", "))
                },
                why: why.into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Severity;

    fn requirement(name: &str, status: &str) -> MatomoRequirement {
        MatomoRequirement {
            name: name.into(),
            status: status.into(),
            notes: String::new(),
        }
    }

    fn finding(rule: &str) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::Error,
            subject: "site[a]".into(),
            message: String::new(),
            fix: String::new(),
            source: String::new(),
            waived: None,
            known: None,
        }
    }

    #[test]
    fn every_requirement_of_matomo_5_7_is_mapped() {
        let answered = crate::matomo::test_support::body(&crate::matomo::test_support::recording(
            "5.7",
            "PrivacyManager.getComplianceStatus__flag_on_all_initial",
        ));
        let names = crate::matomo::wire::compliance_requirements(&answered).expect("decodes");
        assert!(names.len() >= 15, "{names:?}");
        for r in names {
            assert!(mapping(&r.name).is_some(), "{} is not mapped", r.name);
        }
    }

    #[test]
    fn docs_map_every_requirement() {
        let docs = include_str!("../../docs/policy.md");
        for m in MAPPING {
            assert!(
                docs.contains(&format!("| {} |", m.matomo)),
                "docs/policy.md lacks {}",
                m.matomo
            );
        }
    }

    #[test]
    fn disagreements_name_both_verdicts() {
        let retention = finding("cnil.retention");
        let found = vec![&retention];
        let out = disagreements(
            &[
                requirement("Data retention period", "non_compliant"),
                requirement("IP Address Mask Length", "compliant"),
                requirement("Referrer Anonymisation", "non_compliant"),
                requirement("Opt out", "unknown"),
                requirement("Only Major versions", "non_compliant"),
            ],
            &found,
        );
        let pairs: Vec<(&str, &str)> = out
            .iter()
            .map(|d| (d.requirement.as_str(), d.profile.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("Referrer Anonymisation", "compliant"),
                ("Only Major versions", "not checked")
            ]
        );
    }
}
