//! Policy rules about one site (subject `site[key]`), including the site's own privacy
//! settings, and the URL helpers they use.

use std::collections::BTreeSet;

use crate::desired::model::{Instance, Site};
use crate::policy::Finding;
use crate::policy::profile::Thresholds;

use super::catalogue::*;
use super::instance::referrer_name;

/// Second-level suffixes under which a registrable domain has three labels.
const SECOND_LEVEL_SUFFIXES: &[&str] = &[
    "ac.uk",
    "asso.fr",
    "co.jp",
    "co.nz",
    "co.uk",
    "co.za",
    "com.au",
    "com.br",
    "com.cn",
    "com.fr",
    "com.mx",
    "com.tr",
    "gouv.fr",
    "gov.uk",
    "net.au",
    "nom.fr",
    "org.au",
    "org.uk",
    "presse.fr",
    "tm.fr",
];

/// A site's own privacy settings (5.7) replace the instance's for its visitors: the same
/// thresholds apply to them, reported on the site.
pub(super) fn check_own_privacy(key: &str, site: &Site, t: &Thresholds, out: &mut Vec<Finding>) {
    let Some(privacy) = site.privacy.as_ref().filter(|p| p.own) else {
        return;
    };
    let subject = format!("site[{key}]");
    if let Some(ip) = &privacy.anonymize_ip {
        match (ip.enabled, ip.mask_bytes) {
            (Some(false), _) => out.push(IP_MASK.finding(
                &subject,
                format!("sites.{key}.privacy.anonymize_ip.enabled is false: this site's own settings store visitors' full IP addresses"),
            )),
            (_, Some(mask)) if mask < t.min_mask_bytes => out.push(IP_MASK.finding(
                &subject,
                format!(
                    "sites.{key}.privacy.anonymize_ip.mask_bytes is {mask} in this site's own settings; the policy requires at least {}",
                    t.min_mask_bytes
                ),
            )),
            _ => {}
        }
    }
    if let Some(level) = privacy.anonymize_referrer.filter(|l| *l < t.min_referrer) {
        out.push(REFERRER.finding(
            &subject,
            format!(
                "sites.{key}.privacy.anonymize_referrer is {} in this site's own settings; the policy requires at least {}",
                referrer_name(level),
                referrer_name(t.min_referrer)
            ),
        ));
    }
}

/// Whether the visits log (or the visitor profile) of a site is on: `Some(true)` when the
/// site turns it on and the instance does not turn it off, `None` when unknown.
fn log_on(site_disabled: Option<bool>, instance_disabled: Option<bool>) -> Option<bool> {
    match (site_disabled, instance_disabled) {
        (Some(true), _) | (_, Some(true)) => Some(false),
        (Some(false), _) => Some(true),
        (None, _) => None,
    }
}

/// Findings of the site rules over the site `key`, appended to `out`.
pub(super) fn check(key: &str, site: &Site, instance: Option<&Instance>, out: &mut Vec<Finding>) {
    let subject = format!("site[{key}]");
    let instance_log = instance.and_then(|i| i.visitor_log.as_ref());
    let privacy = instance.and_then(|i| i.privacy.as_ref());

    if site.ecommerce == Some(true) {
        let mut message = format!(
            "sites.{key}.ecommerce is true: ecommerce records orders, which the exemption does not cover"
        );
        if privacy.and_then(|p| p.anonymize_order_id) == Some(false) {
            message.push_str(
                ", and instance.privacy.anonymize_order_id is false: order IDs are stored as they are",
            );
        }
        out.push(ECOMMERCE.finding(&subject, message));
    }

    let site_log = site.visitor_log.as_ref();
    let log = log_on(
        site_log.and_then(|l| l.disabled),
        instance_log.and_then(|l| l.disabled),
    );
    if log == Some(true) {
        out.push(VISITOR_LOG.finding(
            &subject,
            format!(
                "sites.{key}.visitor_log.disabled is false: the visits log shows individual visits"
            ),
        ));
        if site.public_stats == Some(true) {
            out.push(PUBLIC_STATS_VISITOR_LOG.finding(
                &subject,
                format!(
                    "sites.{key}.public_stats is true while the visits log is on: anyone can browse individual visits"
                ),
            ));
        }
    }
    // Matomo needs the visits log for profiles: with the log off, the profile switch
    // does not matter (Matomo hides it).
    if log != Some(false)
        && log_on(
            site_log.and_then(|l| l.profile_disabled),
            instance_log.and_then(|l| l.profile_disabled),
        ) == Some(true)
    {
        out.push(VISITOR_PROFILE.finding(
            &subject,
            format!(
                "sites.{key}.visitor_log.profile_disabled is false: visitor profiles gather individual histories"
            ),
        ));
    }

    check_url_pii(key, site, instance, &subject, out);

    let domains = registrable_domains(&site.urls);
    if domains.len() > 1 {
        let list: Vec<&str> = domains.iter().map(String::as_str).collect();
        out.push(CROSS_DOMAIN.finding(
            &subject,
            format!(
                "sites.{key}.urls span several registrable domains ({}): one site would be tracked across properties",
                list.join(", ")
            ),
        ));
    }

    if let Some(dimensions) = &site.custom_dimensions {
        for (dim_key, dimension) in dimensions.iter().filter(|(_, d)| d.active) {
            let mut words: BTreeSet<&str> = crate::personal_data::dimension_words(&dimension.name);
            words.extend(crate::personal_data::dimension_words(dim_key));
            if !words.is_empty() {
                let list: Vec<&str> = words.into_iter().collect();
                out.push(CUSTOM_DIMENSION_PII.finding(
                    &subject,
                    format!(
                        "sites.{key}.custom_dimensions.{dim_key} (\"{}\") has a name that suggests personal data ({})",
                        dimension.name,
                        list.join(", ")
                    ),
                ));
            }
        }
    }

    if site.exclude_unknown_urls == Some(false) {
        out.push(EXCLUDE_UNKNOWN_URLS.finding(
            &subject,
            format!(
                "sites.{key}.exclude_unknown_urls is false: actions on any URL that carries this site's id are tracked"
            ),
        ));
    }
}

fn check_url_pii(
    key: &str,
    site: &Site,
    instance: Option<&Instance>,
    subject: &str,
    out: &mut Vec<Finding>,
) {
    let site_list = site
        .exclusions
        .as_ref()
        .and_then(|e| e.query_parameters.as_ref());
    let global_list = instance
        .and_then(|i| i.exclusions.as_ref())
        .and_then(|e| e.query_parameters.as_ref());
    let excluded: BTreeSet<String> = site_list
        .into_iter()
        .chain(global_list)
        .flatten()
        .map(|name| name.trim().to_lowercase())
        .collect();
    let missing: Vec<&str> = crate::personal_data::COMMON_URL_PARAMETERS
        .iter()
        .copied()
        .filter(|name| !excluded.contains(*name))
        .collect();
    // Without the instance list the global exclusions are unknown: only a complete site
    // list can be judged, and it has been (nothing missing) or cannot be.
    if missing.is_empty() || global_list.is_none() {
        return;
    }
    out.push(URL_PII.finding(
        subject,
        format!(
            "sites.{key}: the site's and the instance's excluded query parameters miss {}",
            missing.join(", ")
        ),
    ));
}

/// The host of a site URL (the URL may lack its scheme), lower case.
pub fn url_host(raw: &str) -> Option<String> {
    let parsed = url::Url::parse(raw)
        .ok()
        .filter(|u| u.host_str().is_some())
        .or_else(|| url::Url::parse(&format!("http://{raw}")).ok())?;
    parsed
        .host_str()
        .map(|h| h.trim_end_matches('.').to_lowercase())
}

/// The registrable domain of a host, approximated: the last two labels, or three under
/// a known second-level suffix (`gouv.fr`, `co.uk`…); IP addresses and single labels as they are.
pub fn registrable_domain(host: &str) -> String {
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host.to_owned();
    }
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let n = labels.len();
    if n <= 2 {
        return labels.join(".");
    }
    let last_two = labels[n - 2..].join(".");
    let keep = if SECOND_LEVEL_SUFFIXES.contains(&last_two.as_str()) {
        3
    } else {
        2
    };
    labels[n - keep..].join(".")
}

fn registrable_domains(urls: &[String]) -> BTreeSet<String> {
    urls.iter()
        .filter_map(|u| url_host(u))
        .map(|h| registrable_domain(&h))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::check;
    use super::super::fixtures::*;
    use super::{registrable_domain, url_host};
    use crate::desired::model::{
        CustomDimension, DimensionScope, GlobalExclusions, SiteExclusions, VisitorLog,
    };
    use crate::policy::Severity;
    use crate::policy::profile::Thresholds;

    #[test]
    fn ecommerce() {
        let f = fires_only("cnil.ecommerce", |c| blog(c).ecommerce = Some(true));
        assert_eq!(f.subject, "site[blog]");
        assert_eq!(f.severity, Severity::Error);
        assert!(!f.message.contains("anonymize_order_id"));
        // Cross rule: ecommerce without order-id anonymisation says so.
        let mut config = compliant();
        blog(&mut config).ecommerce = Some(true);
        privacy(&mut config).anonymize_order_id = Some(false);
        let findings = check(&config, &Thresholds::default());
        let ecommerce = findings
            .iter()
            .find(|f| f.rule == "cnil.ecommerce")
            .expect("ecommerce finding");
        assert!(
            ecommerce
                .message
                .contains("instance.privacy.anonymize_order_id is false")
        );
    }

    #[test]
    fn visitor_log() {
        let f = fires_only("cnil.visitor-log", |c| {
            blog(c).visitor_log.as_mut().expect("log").disabled = Some(false);
            instance(c).visitor_log = None;
        });
        assert_eq!(
            f.message,
            "sites.blog.visitor_log.disabled is false: the visits log shows individual visits"
        );
        // The instance-wide switch turns it off for every site.
        let mut config = compliant();
        blog(&mut config)
            .visitor_log
            .as_mut()
            .expect("log")
            .disabled = Some(false);
        assert!(ids(&config).is_empty());
    }

    #[test]
    fn visitor_profile() {
        fires_only("cnil.visitor-profile", |c| {
            blog(c).visitor_log = Some(VisitorLog {
                disabled: None,
                profile_disabled: Some(false),
            });
            instance(c).visitor_log = None;
        });
        // Matomo needs the visits log for profiles: with the log off, no finding.
        let mut config = compliant();
        blog(&mut config).visitor_log = Some(VisitorLog {
            disabled: Some(true),
            profile_disabled: Some(false),
        });
        instance(&mut config).visitor_log = None;
        assert!(ids(&config).is_empty(), "{:?}", ids(&config));
    }

    #[test]
    fn public_stats_require_the_visitor_log_off() {
        let mut config = compliant();
        blog(&mut config).public_stats = Some(true);
        assert!(
            ids(&config).is_empty(),
            "public stats with the log off are fine"
        );
        instance(&mut config).visitor_log = None;
        blog(&mut config).visitor_log = Some(VisitorLog {
            disabled: Some(false),
            profile_disabled: Some(true),
        });
        assert_eq!(
            ids(&config),
            ["cnil.visitor-log", "cnil.public-stats-visitor-log"]
        );
    }

    #[test]
    fn url_pii() {
        let f = fires_only("cnil.url-pii", |c| {
            instance(c).exclusions = Some(GlobalExclusions {
                query_parameters: Some(vec!["email".into()]),
                ..GlobalExclusions::default()
            });
            blog(c).exclusions = Some(SiteExclusions {
                query_parameters: Some(
                    crate::personal_data::COMMON_URL_PARAMETERS
                        .iter()
                        .filter(|n| !["email", "phone", "token"].contains(n))
                        .map(|n| n.to_uppercase())
                        .collect(),
                ),
                ..SiteExclusions::default()
            });
        });
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(
            f.message,
            "sites.blog: the site's and the instance's excluded query parameters miss phone, token"
        );
        // Unknown global list: not judged.
        let mut config = compliant();
        instance(&mut config).exclusions = None;
        assert!(ids(&config).is_empty());
    }

    #[test]
    fn cross_domain() {
        let f = fires_only("cnil.cross-domain", |c| {
            blog(c).urls = vec![
                "https://www.example.org".into(),
                "https://example.com/blog".into(),
                "blog.example.org".into(),
            ]
        });
        assert!(
            f.message.contains("(example.com, example.org)"),
            "{}",
            f.message
        );
        let mut config = compliant();
        blog(&mut config).urls = vec![
            "https://www.service-public.gouv.fr".into(),
            "https://service-public.gouv.fr".into(),
        ];
        assert!(ids(&config).is_empty());
        blog(&mut config).urls.push("https://impots.gouv.fr".into());
        assert_eq!(ids(&config), ["cnil.cross-domain"]);
    }

    #[test]
    fn registrable_domain_approximation() {
        assert_eq!(registrable_domain("a.b.example.org"), "example.org");
        assert_eq!(registrable_domain("www.bbc.co.uk"), "bbc.co.uk");
        assert_eq!(registrable_domain("localhost"), "localhost");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
        assert_eq!(
            url_host("HTTPS://WWW.Example.org/x"),
            Some("www.example.org".into())
        );
        assert_eq!(url_host("example.org/path"), Some("example.org".into()));
    }

    #[test]
    fn custom_dimension_pii() {
        let dimension = |name: &str, active: bool| CustomDimension {
            name: name.into(),
            scope: DimensionScope::Visit,
            active,
            ..CustomDimension::default()
        };
        let f = fires_only("cnil.custom-dimension-pii", |c| {
            blog(c).custom_dimensions = Some(BTreeMap::from([
                ("author".to_owned(), dimension("Author e-mail", true)),
                ("theme".to_owned(), dimension("Theme", true)),
                ("old".to_owned(), dimension("User name", false)),
            ]))
        });
        assert_eq!(
            f.message,
            "sites.blog.custom_dimensions.author (\"Author e-mail\") has a name that suggests personal data (mail)"
        );
        let mut config = compliant();
        blog(&mut config).custom_dimensions = Some(BTreeMap::from([
            ("section".to_owned(), dimension("Section du site", true)),
            // Ambiguous words about things, not people: no finding.
            ("demarche".to_owned(), dimension("Nom de la démarche", true)),
            ("page".to_owned(), dimension("Page name", true)),
            ("type".to_owned(), dimension("Type d'utilisateur", true)),
        ]));
        assert!(ids(&config).is_empty(), "{:?}", ids(&config));
        // About a person, even next to an object word: still a finding.
        let f = fires_only("cnil.custom-dimension-pii", |c| {
            blog(c).custom_dimensions = Some(BTreeMap::from([(
                "contact".to_owned(),
                dimension("Email du formulaire", true),
            )]))
        });
        assert!(f.message.ends_with("(email)"), "{}", f.message);
    }

    #[test]
    fn exclude_unknown_urls() {
        let f = fires_only("cnil.exclude-unknown-urls", |c| {
            blog(c).exclude_unknown_urls = Some(false)
        });
        assert_eq!(f.severity, Severity::Warning);
    }
}
