//! Policy stage: what Matomo's own `cnil_v1` compliance mode (5.4+) enforces. While it
//! is enforced, Matomo keeps showing the stored values but applies its own (its
//! `PolicyComparisonInterface` settings: IP anonymisation on with at least 2 bytes,
//! order ids anonymised, referrer kept to the domain, its recommended query-parameter
//! list, the visits log off, raw data kept 180 days at most). The policy judges what
//! Matomo enforces, not what it stores: no violation for a setting Matomo enforces.

use crate::desired::model::{
    AnonymizeIp, ComplianceMode, Config, Privacy, RawDataRetention, ReferrerAnonymisation,
    Retention, VisitorLog,
};

/// Longest raw-data retention Matomo's cnil_v1 mode allows (`ReportRetention`).
pub const CNIL_V1_MAX_RAW_DATA_DAYS: u32 = 180;

/// `config` with the values Matomo enforces where its cnil_v1 mode is on: for the
/// instance (every site), or for single sites (their visits log).
pub fn effective_under_compliance_mode(config: &Config) -> Config {
    let mut out = config.clone();
    let instance_enforced =
        out.instance.as_ref().and_then(|i| i.compliance_mode) == Some(ComplianceMode::CnilV1);
    if let Some(instance) = out.instance.as_mut().filter(|_| instance_enforced) {
        let privacy = instance.privacy.get_or_insert_with(Privacy::default);
        let ip = privacy
            .anonymize_ip
            .get_or_insert_with(AnonymizeIp::default);
        ip.enabled = Some(true);
        ip.mask_bytes = Some(ip.mask_bytes.unwrap_or(2).max(2));
        privacy.anonymize_order_id = Some(true);
        privacy.anonymize_referrer = Some(
            privacy
                .anonymize_referrer
                .unwrap_or(ReferrerAnonymisation::ExcludePath)
                .max(ReferrerAnonymisation::ExcludePath),
        );
        let exclusions = instance.exclusions.get_or_insert_with(Default::default);
        exclusions.query_parameters = Some(crate::personal_data::matomo_recommended());
        let log = instance.visitor_log.get_or_insert_with(VisitorLog::default);
        log.disabled = Some(true);
        let retention = instance.retention.get_or_insert_with(Retention::default);
        let raw = retention
            .raw_data
            .get_or_insert_with(RawDataRetention::default);
        raw.delete = true;
        raw.older_than_days = Some(
            raw.older_than_days
                .unwrap_or(CNIL_V1_MAX_RAW_DATA_DAYS)
                .min(CNIL_V1_MAX_RAW_DATA_DAYS),
        );
    }
    for site in out.sites.values_mut() {
        if instance_enforced || site.compliance_mode == Some(ComplianceMode::CnilV1) {
            site.visitor_log
                .get_or_insert_with(VisitorLog::default)
                .disabled = Some(true);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::model::{Instance, Site};

    #[test]
    fn an_enforced_mode_judges_matomo_s_values() {
        let mut config = Config {
            instance: Some(Instance {
                compliance_mode: Some(ComplianceMode::CnilV1),
                retention: Some(Retention {
                    raw_data: Some(RawDataRetention {
                        delete: true,
                        older_than_days: Some(759),
                    }),
                    reports: None,
                }),
                visitor_log: Some(VisitorLog {
                    disabled: Some(false),
                    profile_disabled: None,
                }),
                ..Instance::default()
            }),
            ..Config::default()
        };
        config.sites.insert("a".into(), Site::default());
        let out = effective_under_compliance_mode(&config);
        let instance = out.instance.expect("instance");
        let raw = instance.retention.and_then(|r| r.raw_data).expect("raw");
        assert_eq!(raw.older_than_days, Some(180));
        assert_eq!(instance.visitor_log.and_then(|l| l.disabled), Some(true));
        assert_eq!(
            out.sites["a"].visitor_log.as_ref().and_then(|l| l.disabled),
            Some(true)
        );
    }

    #[test]
    fn nothing_changes_without_the_mode() {
        let mut config = Config::default();
        config.sites.insert("a".into(), Site::default());
        assert_eq!(effective_under_compliance_mode(&config), config);
    }
}
