//! Audit: the live instance checked against the CNIL policy, one row per site, with
//! Matomo's own `cnil_v1` status side by side. The report is data; its text, JSON and
//! Markdown renderings are [`crate::render::audit`].

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::desired::model::{Config, PolicyProfile};

use super::matomo_requirements::{Disagreement, disagreements};
use super::profile::Thresholds;
use super::{Baseline, Finding, Severity, apply_baseline, apply_waivers, rules};
use crate::live::MatomoRequirement;

/// Version of the audit JSON format; bumped on incompatible changes.
pub const AUDIT_FORMAT_VERSION: u32 = 1;

/// The result of an audit: data only; the renderers ([`crate::render::audit`]) decide
/// nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// Audit format version ([`AUDIT_FORMAT_VERSION`]).
    pub format_version: u32,
    /// One row per site, by site key.
    pub rows: Vec<SiteAuditRow>,
    /// Whether the instance settings were known (an `instance` section was given).
    pub instance_checked: bool,
    /// Parts of the instance settings the policy checks but that were not readable
    /// (`privacy`, `retention`): their rules could not run, so the instance is not
    /// reported compliant. Empty when the instance was not checked at all.
    pub instance_unreadable: Vec<String>,
    /// Findings about the instance.
    pub instance: Vec<Finding>,
    /// Findings about the waivers themselves (expired, unused, unknown rule).
    pub waivers: Vec<Finding>,
    /// Whether Matomo's own `cnil_v1` status is known for at least one site (the
    /// column is shown only then).
    pub matomo_compliance: bool,
    /// Matomo's own `cnil_v1` requirement list for the instance (5.7).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_matomo_requirements: Vec<MatomoRequirement>,
    /// Where Matomo's requirements and the profile judge the instance differently.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_disagreements: Vec<Disagreement>,
}

/// One site of an audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteAuditRow {
    /// Site key.
    pub key: String,
    /// Matomo site id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// Site name.
    pub name: String,
    /// No unwaived error (a known violation, recorded in the baseline, still counts).
    pub compliant: bool,
    /// The site's findings (waived ones included, marked).
    pub findings: Vec<Finding>,
    /// Matomo's own `cnil_v1` compliance mode: enforced, not enforced, or unknown
    /// (`None`: Matomo before 5.4, feature off, or not readable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matomo_cnil: Option<bool>,
    /// Matomo's own `cnil_v1` requirement list for the site (5.7), as it answers it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matomo_requirements: Vec<MatomoRequirement>,
    /// Where Matomo's requirements and the profile judge the site differently.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disagreements: Vec<Disagreement>,
}

/// Audits `config` (the live state converted to a configuration by the caller, with
/// site keys; the user's policy thresholds and waivers when a configuration exists).
///
/// The CNIL rules always run, whatever `policy.profile` says: auditing against the
/// profile is the point. `site_ids` gives each key's Matomo id; `matomo_cnil_status`
/// each key's Matomo `cnil_v1` status (`None` or absent: unknown). Waivers are applied
/// as of `today`, then the `baseline`: a known violation does not make the audit fail.
pub fn audit(
    config: &Config,
    site_ids: &BTreeMap<String, u64>,
    matomo_cnil_status: &BTreeMap<String, Option<bool>>,
    baseline: &Baseline,
    today: NaiveDate,
) -> AuditReport {
    let mut thresholds = Thresholds::from_config(config);
    thresholds.profile = PolicyProfile::CnilExemption;
    let findings = apply_baseline(
        apply_waivers(rules::check(config, &thresholds), config, today),
        baseline,
    );

    let mut by_subject: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for finding in findings {
        by_subject
            .entry(finding.subject.clone())
            .or_default()
            .push(finding);
    }
    let rows: Vec<SiteAuditRow> = config
        .sites
        .iter()
        .map(|(key, site)| {
            let findings = by_subject
                .remove(&format!("site[{key}]"))
                .unwrap_or_default();
            SiteAuditRow {
                key: key.clone(),
                id: site_ids.get(key).copied().or(site.id),
                name: site.name.clone(),
                // A known (baselined) violation does not fail the audit, but the site
                // is not compliant for all that.
                compliant: !findings
                    .iter()
                    .any(|f| f.severity == Severity::Error && f.waived.is_none()),
                findings,
                matomo_cnil: matomo_cnil_status.get(key).copied().flatten(),
                matomo_requirements: Vec::new(),
                disagreements: Vec::new(),
            }
        })
        .collect();
    let instance = by_subject.remove("instance").unwrap_or_default();
    let waivers: Vec<Finding> = by_subject.into_values().flatten().collect();
    AuditReport {
        format_version: AUDIT_FORMAT_VERSION,
        matomo_compliance: rows.iter().any(|r| r.matomo_cnil.is_some()),
        instance_checked: config.instance.is_some(),
        instance_unreadable: unreadable_parts(config),
        rows,
        instance,
        waivers,
        instance_matomo_requirements: Vec::new(),
        instance_disagreements: Vec::new(),
    }
}

impl AuditReport {
    /// Adds Matomo's own `cnil_v1` requirement lists (5.7), by site key and for the
    /// instance, and where they disagree with the profile's findings (the instance's
    /// findings count for every site: its settings are the sites' unless a site has
    /// its own).
    pub fn with_matomo_requirements(
        mut self,
        sites: &BTreeMap<String, Vec<MatomoRequirement>>,
        instance: &[MatomoRequirement],
    ) -> AuditReport {
        for row in &mut self.rows {
            let Some(requirements) = sites.get(&row.key) else {
                continue;
            };
            let findings: Vec<&Finding> = row.findings.iter().chain(&self.instance).collect();
            row.disagreements = disagreements(requirements, &findings);
            row.matomo_requirements = requirements.clone();
        }
        let findings: Vec<&Finding> = self.instance.iter().collect();
        self.instance_disagreements = disagreements(instance, &findings);
        self.instance_matomo_requirements = instance.to_vec();
        self
    }

    /// True when any finding blocks (an error that is not waived): `audit` exits 3.
    pub fn has_failures(&self) -> bool {
        self.all_findings().any(Finding::blocks)
    }

    /// Every finding: instance, then sites by key, then waivers.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.instance
            .iter()
            .chain(self.rows.iter().flat_map(|r| r.findings.iter()))
            .chain(self.waivers.iter())
    }
}

/// The instance parts the policy checks that `config` does not know (`None`).
fn unreadable_parts(config: &Config) -> Vec<String> {
    let Some(instance) = &config.instance else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    if instance.privacy.is_none() {
        parts.push("privacy".to_owned());
    }
    if instance
        .retention
        .as_ref()
        .and_then(|r| r.raw_data.as_ref())
        .is_none()
    {
        parts.push("retention".to_owned());
    }
    parts
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Audits the policy and render tests share.

    use std::collections::BTreeMap;

    use chrono::NaiveDate;

    use crate::desired::model::{
        AnonymizeIp, Config, Instance, Privacy, RawDataRetention, Retention, Site, VisitorLog,
        Waiver,
    };

    pub(crate) fn site(name: &str, urls: &[&str]) -> Site {
        Site {
            name: name.into(),
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
            ecommerce: Some(false),
            exclude_unknown_urls: Some(true),
            public_stats: Some(false),
            visitor_log: Some(VisitorLog {
                disabled: Some(true),
                profile_disabled: Some(true),
            }),
            ..Site::default()
        }
    }

    /// Three live sites (one compliant, one failing, one with a warning and a waiver)
    /// and an instance whose IP mask is 1 byte.
    pub(crate) fn mixed() -> (
        Config,
        BTreeMap<String, u64>,
        BTreeMap<String, Option<bool>>,
    ) {
        let mut shop = site("Shop", &["https://shop.example.org"]);
        shop.ecommerce = Some(true);
        shop.visitor_log = Some(VisitorLog {
            disabled: Some(false),
            profile_disabled: Some(true),
        });
        let mut wiki = site("Wiki", &["https://wiki.example.org", "https://example.com"]);
        wiki.exclude_unknown_urls = Some(false);
        let config = Config {
            sites: [
                (
                    "blog".to_owned(),
                    site("Blog", &["https://blog.example.org"]),
                ),
                ("shop".to_owned(), shop),
                ("wiki".to_owned(), wiki),
            ]
            .into(),
            instance: Some(Instance {
                privacy: Some(Privacy {
                    anonymize_ip: Some(AnonymizeIp {
                        enabled: Some(true),
                        mask_bytes: Some(1),
                        use_for_enrichment: Some(true),
                    }),
                    ..Privacy::default()
                }),
                retention: Some(Retention {
                    raw_data: Some(RawDataRetention {
                        delete: true,
                        older_than_days: Some(395),
                    }),
                    reports: None,
                }),
                ..Instance::default()
            }),
            waivers: vec![Waiver {
                rule: "cnil.exclude-unknown-urls".into(),
                sites: crate::desired::model::WaiverSites::Keys(vec!["wiki".into()]),
                instance: false,
                reason: "the wiki is also served from a CDN".into(),
                expires: None,
            }],
            ..Config::default()
        };
        let ids = [("blog".into(), 1), ("shop".into(), 2), ("wiki".into(), 3)].into();
        let status = [
            ("blog".into(), Some(true)),
            ("shop".into(), Some(false)),
            ("wiki".into(), None),
        ]
        .into();
        (config, ids, status)
    }

    pub(crate) fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("date")
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::desired::model::Waiver;

    #[test]
    fn audit_ignores_profile_none() {
        let (mut config, ids, status) = mixed();
        config.policy = Some(crate::desired::model::PolicyConfig {
            profile: Some(PolicyProfile::None),
            ..Default::default()
        });
        assert!(audit(&config, &ids, &status, &Baseline::default(), today()).has_failures());
    }

    #[test]
    fn unused_waiver_lands_in_waivers() {
        let (mut config, ids, status) = mixed();
        config.waivers.push(Waiver {
            rule: "cnil.ecommerce".into(),
            sites: crate::desired::model::WaiverSites::Keys(vec!["blog".into()]),
            instance: false,
            reason: "none".into(),
            expires: None,
        });
        let report = audit(&config, &ids, &status, &Baseline::default(), today());
        assert_eq!(report.waivers.len(), 1);
        assert_eq!(report.waivers[0].rule, "policy.waiver-unused");
        assert_eq!(report.waivers[0].subject, "waiver[1]");
    }
}
