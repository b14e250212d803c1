//! Policy rules about the instance settings (subject `instance`).

use crate::desired::model::{Instance, ReferrerAnonymisation};
use crate::matomo::codes::MatomoName as _;
use crate::policy::Finding;
use crate::policy::profile::Thresholds;

use super::catalogue::*;

/// Findings of the instance rules over `instance`, appended to `out`.
pub(super) fn check(instance: &Instance, t: &Thresholds, out: &mut Vec<Finding>) {
    const SUBJECT: &str = "instance";
    if let Some(privacy) = &instance.privacy {
        if let Some(ip) = &privacy.anonymize_ip {
            match (ip.enabled, ip.mask_bytes) {
                (Some(false), _) => out.push(IP_MASK.finding(
                    SUBJECT,
                    "instance.privacy.anonymize_ip.enabled is false: visitors' full IP addresses are stored",
                )),
                (Some(true), Some(mask)) if mask < t.min_mask_bytes => {
                    out.push(IP_MASK.finding(
                        SUBJECT,
                        format!(
                            "instance.privacy.anonymize_ip.mask_bytes is {mask}; the policy requires at least {}",
                            t.min_mask_bytes
                        ),
                    ))
                }
                _ => {}
            }
            if ip.use_for_enrichment == Some(false) {
                out.push(IP_ENRICHMENT.finding(
                    SUBJECT,
                    "instance.privacy.anonymize_ip.use_for_enrichment is false: geolocation and provider detection use the full IP address",
                ));
            }
        }
        if privacy.force_cookieless == Some(false) {
            out.push(COOKIELESS.finding(
                SUBJECT,
                "instance.privacy.force_cookieless is false: the tracker sets cookies unless every site's tracking code disables them (`disableCookies`, see `matoform snippet SITE`)",
            ));
        }
        if let Some(level) = privacy.anonymize_referrer {
            if level < t.min_referrer {
                out.push(REFERRER.finding(
                    SUBJECT,
                    format!(
                        "instance.privacy.anonymize_referrer is {}; the policy requires at least {}",
                        referrer_name(level),
                        referrer_name(t.min_referrer)
                    ),
                ));
            }
        }
        if privacy.anonymize_user_id == Some(false) {
            out.push(USER_ID.finding(
                SUBJECT,
                "instance.privacy.anonymize_user_id is false: User IDs sent by a tracker are stored as they are",
            ));
        }
        if privacy.anonymize_order_id == Some(false) {
            out.push(ORDER_ID.finding(
                SUBJECT,
                "instance.privacy.anonymize_order_id is false: ecommerce order IDs are stored as they are",
            ));
        }
    }
    if let Some(raw) = instance
        .retention
        .as_ref()
        .and_then(|r| r.raw_data.as_ref())
    {
        if !raw.delete {
            out.push(RETENTION.finding(
                SUBJECT,
                "instance.retention.raw_data.delete is false: raw visit data is kept forever",
            ));
        } else if let Some(days) = raw.older_than_days.filter(|d| *d > t.max_raw_data_days) {
            out.push(RETENTION.finding(
                SUBJECT,
                format!(
                    "instance.retention.raw_data.older_than_days is {days}; the policy allows at most {}",
                    t.max_raw_data_days
                ),
            ));
        }
    }
    if instance.privacy.as_ref().and_then(|p| p.do_not_track) == Some(false) {
        out.push(DO_NOT_TRACK.finding(
            SUBJECT,
            "instance.privacy.do_not_track is false: browsers' Do Not Track setting is ignored",
        ));
    }
}

/// The level's name in messages (its configuration value).
pub(super) fn referrer_name(level: ReferrerAnonymisation) -> &'static str {
    match level {
        ReferrerAnonymisation::None => "none",
        other => other.to_matomo(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use crate::desired::model::{RawDataRetention, ReferrerAnonymisation, Retention};
    use crate::policy::Severity;

    #[test]
    fn ip_mask() {
        let f = fires_only("cnil.ip-mask", |c| ip(c).mask_bytes = Some(1));
        assert_eq!(f.subject, "instance");
        assert_eq!(
            f.message,
            "instance.privacy.anonymize_ip.mask_bytes is 1; the policy requires at least 2"
        );
        let f = fires_only("cnil.ip-mask", |c| ip(c).enabled = Some(false));
        assert!(f.message.contains("anonymize_ip.enabled is false"));
        // Unknown mask: nothing fires.
        let mut config = compliant();
        ip(&mut config).mask_bytes = None;
        assert!(ids(&config).is_empty());
    }

    #[test]
    fn ip_enrichment() {
        let f = fires_only("cnil.ip-enrichment", |c| {
            ip(c).use_for_enrichment = Some(false)
        });
        assert_eq!(f.severity, Severity::Warning);
    }

    #[test]
    fn cookieless() {
        let f = fires_only("cnil.cookieless", |c| {
            privacy(c).force_cookieless = Some(false)
        });
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.message.contains("matoform snippet"));
        assert!(f.fix.contains("disableCookies"));
    }

    #[test]
    fn referrer() {
        let f = fires_only("cnil.referrer", |c| {
            privacy(c).anonymize_referrer = Some(ReferrerAnonymisation::ExcludeQuery)
        });
        assert_eq!(
            f.message,
            "instance.privacy.anonymize_referrer is exclude_query; the policy requires at least exclude_path"
        );
        let mut config = compliant();
        privacy(&mut config).anonymize_referrer = Some(ReferrerAnonymisation::ExcludeAll);
        assert!(ids(&config).is_empty());
    }

    #[test]
    fn user_id() {
        fires_only("cnil.user-id", |c| {
            privacy(c).anonymize_user_id = Some(false)
        });
    }

    #[test]
    fn order_id() {
        fires_only("cnil.order-id", |c| {
            privacy(c).anonymize_order_id = Some(false)
        });
    }

    #[test]
    fn retention() {
        let f = fires_only("cnil.retention", |c| {
            instance(c).retention = Some(Retention {
                raw_data: Some(RawDataRetention {
                    delete: true,
                    older_than_days: Some(800),
                }),
                reports: None,
            })
        });
        assert_eq!(
            f.message,
            "instance.retention.raw_data.older_than_days is 800; the policy allows at most 759"
        );
        let f = fires_only("cnil.retention", |c| {
            instance(c).retention = Some(Retention {
                raw_data: Some(RawDataRetention {
                    delete: false,
                    older_than_days: Some(30),
                }),
                reports: None,
            })
        });
        assert!(f.message.contains("delete is false"));
    }

    #[test]
    fn do_not_track() {
        let f = fires_only("cnil.do-not-track", |c| {
            privacy(c).do_not_track = Some(false)
        });
        assert_eq!(f.severity, Severity::Warning);
    }

    #[test]
    fn without_instance_section_no_instance_rule_fires() {
        let mut config = compliant();
        config.instance = None;
        assert!(ids(&config).is_empty());
    }
}
