//! Compliant defaults: fills every setting the desired state leaves out with its
//! CNIL-compliant value, before diff and rules see it.

use crate::desired::model::{
    AnonymizeIp, Config, GlobalExclusions, Instance, Privacy, RawDataRetention, Retention, Site,
    VisitorLog,
};

use super::profile::Thresholds;
use crate::site_settings::SITE_SETTINGS;

/// The desired state with the policy's defaults filled in.
///
/// Under `profile: cnil-exemption` (the default) every site setting the policy cares
/// about that is left out (`None`) takes its compliant value; partially given objects
/// get their missing parts; a value the user gave is never changed. The instance is
/// filled only when the configuration has an `instance:` section (a team that manages
/// only its sites does not start managing the instance). Under `profile: none` the
/// configuration is returned unchanged.
pub fn effective(config: &Config) -> Config {
    let thresholds = Thresholds::from_config(config);
    let mut out = config.clone();
    if !thresholds.is_cnil() {
        return out;
    }
    for site in out.sites.values_mut().filter(|site| !site.absent) {
        fill_site(site);
    }
    if let Some(instance) = out.instance.as_mut() {
        fill_instance(instance, &thresholds);
    }
    out
}

fn fill_visitor_log(slot: &mut Option<VisitorLog>) {
    let log = slot.get_or_insert_with(VisitorLog::default);
    log.disabled.get_or_insert(true);
    log.profile_disabled.get_or_insert(true);
}

fn fill_site(site: &mut Site) {
    fill_visitor_log(&mut site.visitor_log);
    for setting in SITE_SETTINGS {
        (setting.cnil_default)(site);
    }
    site.public_stats.get_or_insert(false);
}

fn fill_instance(instance: &mut Instance, t: &Thresholds) {
    let privacy = instance.privacy.get_or_insert_with(Privacy::default);
    let ip = privacy
        .anonymize_ip
        .get_or_insert_with(AnonymizeIp::default);
    ip.enabled.get_or_insert(true);
    ip.mask_bytes.get_or_insert(t.min_mask_bytes.clamp(2, 4));
    ip.use_for_enrichment.get_or_insert(true);
    privacy.anonymize_user_id.get_or_insert(true);
    privacy.anonymize_order_id.get_or_insert(true);
    privacy.anonymize_referrer.get_or_insert(t.min_referrer);
    privacy.force_cookieless.get_or_insert(true);
    privacy.do_not_track.get_or_insert(true);

    let retention = instance.retention.get_or_insert_with(Retention::default);
    let raw = retention.raw_data.get_or_insert(RawDataRetention {
        delete: true,
        older_than_days: None,
    });
    raw.older_than_days.get_or_insert(t.max_raw_data_days);

    let exclusions = instance
        .exclusions
        .get_or_insert_with(GlobalExclusions::default);
    exclusions
        .query_parameters
        .get_or_insert_with(crate::personal_data::matomo_recommended);

    fill_visitor_log(&mut instance.visitor_log);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::model::{PolicyConfig, PolicyProfile, ReferrerAnonymisation};

    fn minimal_site() -> Site {
        Site {
            name: "Blog".into(),
            urls: vec!["https://blog.example.org".into()],
            ..Site::default()
        }
    }

    fn config_with(site: Site, instance: Option<Instance>) -> Config {
        Config {
            sites: [("blog".to_owned(), site)].into(),
            instance,
            ..Config::default()
        }
    }

    #[test]
    fn recommended_list_matches_the_matomo_recording() {
        let raw = include_str!(
            "../../tests/fixtures/matomo-5.7/SitesManager.getExcludedQueryParametersGlobal__after_recommended_pii.json"
        );
        let json: serde_json::Value = serde_json::from_str(raw).expect("recording is JSON");
        let value = json["response"]["body"]["value"].as_str().expect("value");
        let expected: Vec<String> = value
            .split(',')
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        assert_eq!(crate::personal_data::matomo_recommended(), expected);
        assert_eq!(expected.len(), 158);
    }

    #[test]
    fn minimal_site_gets_compliant_values() {
        let out = effective(&config_with(minimal_site(), None));
        let site = &out.sites["blog"];
        assert_eq!(
            site.visitor_log,
            Some(VisitorLog {
                disabled: Some(true),
                profile_disabled: Some(true)
            })
        );
        assert_eq!(site.exclude_unknown_urls, Some(true));
        assert_eq!(site.ecommerce, Some(false));
        assert_eq!(site.public_stats, Some(false));
        assert_eq!(site.timezone, None);
        assert_eq!(site.currency, None);
        assert_eq!(site.compliance_mode, None);
        assert_eq!(
            out.instance, None,
            "no instance section: the instance is not managed"
        );
    }

    #[test]
    fn empty_instance_section_gets_compliant_values() {
        let out = effective(&config_with(minimal_site(), Some(Instance::default())));
        let instance = out.instance.expect("instance kept");
        let privacy = instance.privacy.expect("privacy filled");
        assert_eq!(
            privacy.anonymize_ip,
            Some(AnonymizeIp {
                enabled: Some(true),
                mask_bytes: Some(2),
                use_for_enrichment: Some(true)
            })
        );
        assert_eq!(privacy.anonymize_user_id, Some(true));
        assert_eq!(privacy.anonymize_order_id, Some(true));
        assert_eq!(
            privacy.anonymize_referrer,
            Some(ReferrerAnonymisation::ExcludePath)
        );
        assert_eq!(privacy.force_cookieless, Some(true));
        assert_eq!(privacy.do_not_track, Some(true));
        assert_eq!(
            instance.retention.and_then(|r| r.raw_data),
            Some(RawDataRetention {
                delete: true,
                older_than_days: Some(759)
            })
        );
        let params = instance
            .exclusions
            .and_then(|e| e.query_parameters)
            .expect("query parameters filled");
        assert_eq!(params, crate::personal_data::matomo_recommended());
        assert_eq!(
            instance.visitor_log,
            Some(VisitorLog {
                disabled: Some(true),
                profile_disabled: Some(true)
            })
        );
        assert_eq!(instance.compliance_mode, None);
    }

    #[test]
    fn thresholds_shape_the_defaults() {
        let mut config = config_with(minimal_site(), Some(Instance::default()));
        config.policy = Some(PolicyConfig {
            max_raw_data_days: Some(180),
            min_mask_bytes: Some(3),
            min_referrer_anonymisation: Some(ReferrerAnonymisation::ExcludeAll),
            ..PolicyConfig::default()
        });
        let instance = effective(&config).instance.expect("instance");
        let privacy = instance.privacy.expect("privacy");
        assert_eq!(privacy.anonymize_ip.and_then(|ip| ip.mask_bytes), Some(3));
        assert_eq!(
            privacy.anonymize_referrer,
            Some(ReferrerAnonymisation::ExcludeAll)
        );
        assert_eq!(
            instance
                .retention
                .and_then(|r| r.raw_data)
                .and_then(|r| r.older_than_days),
            Some(180)
        );
    }

    #[test]
    fn user_values_are_kept_and_partial_objects_completed() {
        let site = Site {
            ecommerce: Some(true),
            public_stats: Some(true),
            exclude_unknown_urls: Some(false),
            visitor_log: Some(VisitorLog {
                disabled: Some(false),
                profile_disabled: None,
            }),
            ..minimal_site()
        };
        let instance = Instance {
            privacy: Some(Privacy {
                anonymize_ip: Some(AnonymizeIp {
                    mask_bytes: Some(1),
                    ..AnonymizeIp::default()
                }),
                force_cookieless: Some(false),
                ..Privacy::default()
            }),
            retention: Some(Retention {
                raw_data: Some(RawDataRetention {
                    delete: false,
                    older_than_days: None,
                }),
                reports: None,
            }),
            exclusions: Some(GlobalExclusions {
                query_parameters: Some(vec!["email".into()]),
                ..GlobalExclusions::default()
            }),
            ..Instance::default()
        };
        let out = effective(&config_with(site, Some(instance)));
        let site = &out.sites["blog"];
        assert_eq!(site.ecommerce, Some(true));
        assert_eq!(site.public_stats, Some(true));
        assert_eq!(site.exclude_unknown_urls, Some(false));
        assert_eq!(
            site.visitor_log,
            Some(VisitorLog {
                disabled: Some(false),
                profile_disabled: Some(true)
            })
        );
        let instance = out.instance.as_ref().expect("instance");
        let privacy = instance.privacy.as_ref().expect("privacy");
        assert_eq!(
            privacy.anonymize_ip,
            Some(AnonymizeIp {
                enabled: Some(true),
                mask_bytes: Some(1),
                use_for_enrichment: Some(true)
            })
        );
        assert_eq!(privacy.force_cookieless, Some(false));
        assert_eq!(privacy.do_not_track, Some(true));
        assert_eq!(
            instance.retention.as_ref().and_then(|r| r.raw_data.clone()),
            Some(RawDataRetention {
                delete: false,
                older_than_days: Some(759)
            })
        );
        assert_eq!(
            instance
                .exclusions
                .as_ref()
                .and_then(|e| e.query_parameters.clone()),
            Some(vec!["email".to_owned()])
        );
    }

    #[test]
    fn profile_none_fills_nothing() {
        let mut config = config_with(minimal_site(), Some(Instance::default()));
        config.policy = Some(PolicyConfig {
            profile: Some(PolicyProfile::None),
            ..PolicyConfig::default()
        });
        assert_eq!(effective(&config), config);
    }
}
