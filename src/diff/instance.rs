//! Diff stage: the instance-wide settings (privacy, retention, global exclusions,
//! visitor log, defaults for new sites, compliance mode). A setting Matomo does not let
//! matoform read is asserted (written on apply, not counted as drift) when the
//! configuration states all of it, refused otherwise.

use crate::desired::model::{ComplianceMode, Instance, SiteExclusions};
use crate::live::{
    DefaultsState, InstanceState, PrivacyState, RawDataState, ReportsState, RetentionState,
    VisitorLogState,
};
use crate::matomo::wire;
use crate::plan::{Action, Address, Change, InstanceSetting, Resource};

use super::site::desired_exclusions;
use super::{Diff, changed_fields, created_fields, fingerprint};

/// The instance-wide settings the configuration states, against the live ones.
pub(super) fn diff_instance(
    instance: &Instance,
    live: &InstanceState,
    version: &str,
    out: &mut Diff,
    errors: &mut Vec<String>,
) {
    if let Some(privacy) = &instance.privacy {
        let ip = privacy.anonymize_ip.clone().unwrap_or_default();
        let merge = |base: &PrivacyState| PrivacyState {
            anonymize_ip_enabled: ip.enabled.unwrap_or(base.anonymize_ip_enabled),
            mask_bytes: ip.mask_bytes.unwrap_or(base.mask_bytes),
            use_for_enrichment: ip.use_for_enrichment.unwrap_or(base.use_for_enrichment),
            anonymize_user_id: privacy.anonymize_user_id.unwrap_or(base.anonymize_user_id),
            anonymize_order_id: privacy
                .anonymize_order_id
                .unwrap_or(base.anonymize_order_id),
            anonymize_referrer: privacy
                .anonymize_referrer
                .unwrap_or(base.anonymize_referrer),
            force_cookieless: privacy.force_cookieless.unwrap_or(base.force_cookieless),
            do_not_track: privacy.do_not_track.unwrap_or(base.do_not_track),
            randomize_config_id: base
                .randomize_config_id
                .map(|live| privacy.randomize_config_id.unwrap_or(live)),
        };
        if privacy.randomize_config_id.is_some()
            && live
                .privacy
                .as_ref()
                .is_none_or(|p| p.randomize_config_id.is_none())
        {
            errors.push(format!(
                "instance.privacy.randomize_config_id: Matomo {version} has no such setting (5.7+) or it could not be read; remove it"
            ));
        }
        match &live.privacy {
            Some(base) => push_update(
                out,
                InstanceSetting::Privacy,
                Resource::Privacy(base.clone()),
                Resource::Privacy(merge(base)),
            ),
            None => {
                let missing = [
                    ("anonymize_ip.enabled", ip.enabled.is_none()),
                    ("anonymize_ip.mask_bytes", ip.mask_bytes.is_none()),
                    (
                        "anonymize_ip.use_for_enrichment",
                        ip.use_for_enrichment.is_none(),
                    ),
                    ("anonymize_user_id", privacy.anonymize_user_id.is_none()),
                    ("anonymize_order_id", privacy.anonymize_order_id.is_none()),
                    ("anonymize_referrer", privacy.anonymize_referrer.is_none()),
                    ("force_cookieless", privacy.force_cookieless.is_none()),
                    ("do_not_track", privacy.do_not_track.is_none()),
                ];
                let missing: Vec<&str> = missing
                    .iter()
                    .filter(|(_, m)| *m)
                    .map(|(n, _)| *n)
                    .collect();
                if missing.is_empty() {
                    push_asserted(
                        out,
                        InstanceSetting::Privacy,
                        Resource::Privacy(merge(&PrivacyState::default())),
                    );
                } else {
                    errors.push(format!(
                        "instance.privacy: Matomo {version} cannot read the privacy settings back, so matoform must write all of them together; also set {} (Matomo resets the ones it is not sent, and matoform never writes values nobody read or stated), or set MATOMO_LOGIN and MATOMO_PASSWORD so that it reads them",
                        missing.join(", ")
                    ));
                }
            }
        }
    }

    if let Some(retention) = &instance.retention {
        // While Matomo's cnil_v1 mode is enforced, its admin page answers the effective
        // retention (180 days at most), whatever is stored: compare with that.
        let enforced =
            instance.compliance_mode.or(live.compliance_mode) == Some(ComplianceMode::CnilV1);
        let cap = |days: u32| {
            if enforced {
                days.min(crate::policy::enforced::CNIL_V1_MAX_RAW_DATA_DAYS)
            } else {
                days
            }
        };
        let raw = retention.raw_data.as_ref().map(|r| RawDataState {
            delete: r.delete,
            older_than_days: cap(r.older_than_days.unwrap_or(180)),
        });
        let reports = retention.reports.as_ref().map(|r| ReportsState {
            delete: r.delete,
            older_than_months: r.older_than_months.unwrap_or(12),
            keep: r.keep.clone().unwrap_or_default(),
        });
        let after = RetentionState {
            raw_data: raw,
            reports,
        };
        match &live.retention {
            Some(base) => {
                let merged = RetentionState {
                    raw_data: after.raw_data.clone().or_else(|| base.raw_data.clone()),
                    reports: after.reports.clone().or_else(|| base.reports.clone()),
                };
                push_update(
                    out,
                    InstanceSetting::Retention,
                    Resource::Retention(base.clone()),
                    Resource::Retention(merged),
                )
            }
            None => push_asserted(out, InstanceSetting::Retention, Resource::Retention(after)),
        }
    }

    if let Some(exclusions) = &instance.exclusions {
        let given = SiteExclusions {
            ips: exclusions.ips.clone(),
            query_parameters: exclusions.query_parameters.clone(),
            user_agents: exclusions.user_agents.clone(),
            referrers: exclusions.referrers.clone(),
        };
        match &live.exclusions {
            Some(base) => {
                let mut after = desired_exclusions(&given, base);
                // 5.2+: the list's type is part of what Matomo stores (a custom list
                // equal to the recommended names fails Matomo's cnil_v1 check).
                // An instance that never saved the list with 5.2's setter answers "":
                // its lists alone are compared then.
                if base
                    .query_parameters_type
                    .as_deref()
                    .is_some_and(|kind| !kind.is_empty())
                {
                    after.query_parameters_type = Some(
                        wire::query_parameters_type(&after.query_parameters)
                            .to_string(),
                    );
                }
                let enforced = live.compliance_mode == Some(ComplianceMode::CnilV1)
                    && instance.compliance_mode != Some(ComplianceMode::Off);
                if enforced && after.query_parameters != base.query_parameters {
                    out.warnings.push(
                        "instance.exclusions.query_parameters: Matomo enforces its cnil_v1 compliance mode, which answers its own recommended list whatever is stored, so this change will show again on every plan; leave query_parameters out, or set instance.compliance_mode: off".into(),
                    );
                }
                push_update(
                    out,
                    InstanceSetting::Exclusions,
                    Resource::GlobalExclusions(base.clone()),
                    Resource::GlobalExclusions(after),
                )
            }
            None => errors.push("instance.exclusions: the global exclusions could not be read; a superuser token is needed".into()),
        }
    }

    if let Some(log) = &instance.visitor_log {
        match &live.visitor_log {
            Some(base) => push_update(
                out,
                InstanceSetting::VisitorLog,
                Resource::VisitorLog(*base),
                Resource::VisitorLog(VisitorLogState {
                    disabled: log.disabled.unwrap_or(base.disabled),
                    profile_disabled: log.profile_disabled.unwrap_or(base.profile_disabled),
                    ..VisitorLogState::default()
                }),
            ),
            None => {
                let after = VisitorLogState {
                    disabled: log.disabled.unwrap_or(true),
                    profile_disabled: log.profile_disabled.unwrap_or(true),
                    ..VisitorLogState::default()
                };
                push_asserted(
                    out,
                    InstanceSetting::VisitorLog,
                    Resource::VisitorLog(after),
                );
            }
        }
    }

    if let Some(defaults) = &instance.defaults {
        match &live.defaults {
            Some(base) => push_update(
                out,
                InstanceSetting::Defaults,
                Resource::Defaults(base.clone()),
                Resource::Defaults(DefaultsState {
                    timezone: defaults
                        .timezone
                        .clone()
                        .unwrap_or_else(|| base.timezone.clone()),
                    currency: defaults
                        .currency
                        .clone()
                        .unwrap_or_else(|| base.currency.clone()),
                }),
            ),
            None => errors.push(
                "instance.defaults: the defaults could not be read; a superuser token is needed"
                    .into(),
            ),
        }
    }

    if let Some(mode) = instance.compliance_mode {
        match live.compliance_mode {
            Some(base) => push_update(out, InstanceSetting::ComplianceMode, Resource::ComplianceMode(base), Resource::ComplianceMode(mode)),
            None => errors.push(format!(
                "instance.compliance_mode: Matomo {version} has no usable compliance API (it needs Matomo 5.4+ with the PrivacyCompliance feature); remove compliance_mode"
            )),
        }
    }
}

/// An instance setting read: its fingerprint, and its change when it differs.
fn push_update(out: &mut Diff, setting: InstanceSetting, before: Resource, after: Resource) {
    let address = Address::Instance(setting);
    out.fingerprints
        .insert(address.clone(), fingerprint(&before));
    if before != after {
        let fields = changed_fields(&before, &after);
        out.changes.push(Change {
            address,
            action: Action::Update,
            site: None,
            site_id: None,
            fields,
            before: Some(before),
            after: Some(after),
        });
    }
}

/// An instance setting that cannot be read: set on apply, not counted as drift.
fn push_asserted(out: &mut Diff, setting: InstanceSetting, after: Resource) {
    out.asserted.push(Change {
        address: Address::Instance(setting),
        action: Action::Update,
        site: None,
        site_id: None,
        fields: created_fields(&after),
        before: None,
        after: Some(after),
    });
}

#[cfg(test)]
mod tests {
    use crate::desired::model::{ComplianceMode, Config, Instance, Privacy};
    use crate::diff::test_support::live_of;
    use crate::diff::{Bindings, DiffOptions, diff};
    use crate::live::{ExclusionsState, InstanceState};

    #[test]
    fn unreadable_privacy_is_asserted_and_must_be_complete() {
        let config = Config {
            instance: Some(Instance {
                privacy: Some(Privacy {
                    force_cookieless: Some(true),
                    ..Privacy::default()
                }),
                ..Instance::default()
            }),
            ..Config::default()
        };
        let mut live = live_of(vec![]);
        live.matomo.version = "5.0.2".into();
        live.instance = Some(InstanceState::default());
        let bindings = Bindings::default();
        let errors =
            diff(&config, &live, &bindings, &DiffOptions::default()).expect_err("incomplete");
        assert!(
            errors[0].contains("cannot read the privacy settings back"),
            "{errors:?}"
        );
        assert!(errors[0].contains("anonymize_ip.mask_bytes"), "{errors:?}");
    }

    #[test]
    fn an_enforced_compliance_mode_explains_a_query_parameter_change_that_cannot_stick() {
        use crate::desired::model::GlobalExclusions;
        let config = Config {
            instance: Some(Instance {
                exclusions: Some(GlobalExclusions {
                    query_parameters: Some(vec!["email".into()]),
                    ..GlobalExclusions::default()
                }),
                ..Instance::default()
            }),
            ..Config::default()
        };
        let mut live = live_of(vec![]);
        live.matomo.version = "5.7.0".into();
        live.instance = Some(InstanceState {
            exclusions: Some(ExclusionsState {
                query_parameters: vec!["account".into(), "email".into()],
                ..ExclusionsState::default()
            }),
            compliance_mode: Some(ComplianceMode::CnilV1),
            ..InstanceState::default()
        });
        let out = diff(
            &config,
            &live,
            &Bindings::default(),
            &DiffOptions::default(),
        )
        .expect("diffs");
        assert_eq!(out.changes.len(), 1);
        assert!(
            out.warnings[0].starts_with(
                "instance.exclusions.query_parameters: Matomo enforces its cnil_v1 compliance mode"
            ),
            "{:?}",
            out.warnings
        );
    }
}
