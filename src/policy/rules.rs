//! Policy rules: the table of CNIL rules, and their evaluation over a desired state
//! (after defaults, possibly completed with live values). `None` means unknown: a rule
//! never fires on an unknown value.

use std::collections::BTreeSet;

use crate::desired::model::{Config, Instance, ReferrerAnonymisation, Site};

use super::profile::Thresholds;
use super::{Finding, Severity};

/// What a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// An instance-wide setting; subject `instance`.
    Instance,
    /// A site's setting; subject `site[key]`.
    Site,
    /// A waiver of the configuration; subject `waiver[i]`.
    Waiver,
    /// An entry of the baseline; subject the entry's (`site[key]` or `instance`).
    Baseline,
}

/// Where a rule can be enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enforcement {
    /// A Matomo setting: matoform can apply it server-side.
    Server,
    /// A Matomo setting, or the tracking code in the site's pages.
    ServerOrSiteCode,
    /// The configuration itself (waivers).
    Configuration,
}

impl Enforcement {
    /// Short description, for documentation.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Server => "Matomo (server-side setting)",
            Self::ServerOrSiteCode => "Matomo setting, or the site's tracking code",
            Self::Configuration => "the configuration",
        }
    }
}

/// One policy rule: defined once here, used by evaluation and by documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, e.g. `cnil.ip-mask`.
    pub id: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// What it is about.
    pub scope: Scope,
    /// The checklist point it implements (issue 5's numbering, or `extra`).
    pub point: &'static str,
    /// What the rule requires, in a few words.
    pub title: &'static str,
    /// How to fix a violation.
    pub fix: &'static str,
    /// Where it can be enforced.
    pub enforcement: Enforcement,
}

impl Rule {
    /// The `source` of this rule's findings: checklist point and requirement.
    pub fn source(&self) -> String {
        match self.point {
            "extra" => format!(
                "CNIL exemption conditions (beyond the 13 points): {}",
                self.title
            ),
            "waivers" => format!("matoform waivers: {}", self.title),
            "baseline" => format!("matoform baseline: {}", self.title),
            point => format!("CNIL exemption checklist point {point}: {}", self.title),
        }
    }

    /// A finding of this rule about `subject`, with `message`.
    pub fn finding(&self, subject: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            rule: self.id.to_owned(),
            severity: self.severity,
            subject: subject.into(),
            message: message.into(),
            fix: self.fix.to_owned(),
            source: self.source(),
            waived: None,
            known: None,
        }
    }
}

/// Every rule, in evaluation and documentation order.
pub const RULES: &[Rule] = &[
    Rule {
        id: "cnil.ip-mask",
        severity: Severity::Error,
        scope: Scope::Instance,
        point: "3",
        title: "IP addresses anonymised by at least 2 bytes (policy.min_mask_bytes)",
        fix: "set instance.privacy.anonymize_ip.enabled: true and mask_bytes to at least policy.min_mask_bytes (2)",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "cnil.ip-enrichment",
        severity: Severity::Warning,
        scope: Scope::Instance,
        point: "3",
        title: "geolocation and enrichment from the anonymised address only",
        fix: "set instance.privacy.anonymize_ip.use_for_enrichment: true",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "cnil.cookieless",
        severity: Severity::Warning,
        scope: Scope::Instance,
        point: "2",
        title: "no tracking cookies",
        fix: "set instance.privacy.force_cookieless: true, or disable cookies in every site's tracker (`_paq.push(['disableCookies'])`, printed by `matoform snippet SITE`)",
        enforcement: Enforcement::ServerOrSiteCode,
    },
    Rule {
        id: "cnil.referrer",
        severity: Severity::Error,
        scope: Scope::Instance,
        point: "4",
        title: "referrer anonymised (at least policy.min_referrer_anonymisation, exclude_path)",
        fix: "set instance.privacy.anonymize_referrer: exclude_path (or exclude_all)",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "cnil.user-id",
        severity: Severity::Error,
        scope: Scope::Instance,
        point: "9",
        title: "no User-ID",
        fix: "set instance.privacy.anonymize_user_id: true, and never call setUserId in the tracker",
        enforcement: Enforcement::ServerOrSiteCode,
    },
    Rule {
        id: "cnil.order-id",
        severity: Severity::Error,
        scope: Scope::Instance,
        point: "8",
        title: "ecommerce order identifiers anonymised",
        fix: "set instance.privacy.anonymize_order_id: true",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "cnil.retention",
        severity: Severity::Error,
        scope: Scope::Instance,
        point: "extra",
        title: "raw data deleted after at most 25 months (policy.max_raw_data_days, 759)",
        fix: "set instance.retention.raw_data: {delete: true, older_than_days: N} with N at most policy.max_raw_data_days (759)",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "cnil.do-not-track",
        severity: Severity::Warning,
        scope: Scope::Instance,
        point: "12",
        title: "Do Not Track honoured (recommended)",
        fix: "set instance.privacy.do_not_track: true (the tracker's `setDoNotTrack` also honours it)",
        enforcement: Enforcement::ServerOrSiteCode,
    },
    Rule {
        id: "cnil.ecommerce",
        severity: Severity::Error,
        scope: Scope::Site,
        point: "8",
        title: "no ecommerce, or only with anonymised order identifiers",
        fix: "set ecommerce: false; to keep a shop measured, waive cnil.ecommerce with a reason and keep instance.privacy.anonymize_order_id: true",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "cnil.visitor-log",
        severity: Severity::Error,
        scope: Scope::Site,
        point: "extra",
        title: "visits log off (individual-level data)",
        fix: "set visitor_log.disabled: true on the site (or instance.visitor_log.disabled: true)",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "cnil.visitor-profile",
        severity: Severity::Error,
        scope: Scope::Site,
        point: "extra",
        title: "visitor profiles off (individual-level data)",
        fix: "set visitor_log.profile_disabled: true on the site (or instance.visitor_log.profile_disabled: true)",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "cnil.public-stats-visitor-log",
        severity: Severity::Error,
        scope: Scope::Site,
        point: "extra",
        title: "public statistics only with the visits log off",
        fix: "set visitor_log.disabled: true (public statistics are encouraged), or public_stats: false",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "cnil.url-pii",
        severity: Severity::Warning,
        scope: Scope::Site,
        point: "5",
        title: "no personal data in page URLs (query parameters that carry it excluded)",
        fix: "add the missing names to the site's exclusions.query_parameters or to instance.exclusions.query_parameters (left out, the instance list defaults to Matomo's recommended personal-data list)",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "cnil.cross-domain",
        severity: Severity::Warning,
        scope: Scope::Site,
        point: "11",
        title: "one site tracked per property, no cross-domain linking",
        fix: "declare one site per registrable domain, and never enable cross-domain linking in the tracker",
        enforcement: Enforcement::ServerOrSiteCode,
    },
    Rule {
        id: "cnil.custom-dimension-pii",
        severity: Severity::Warning,
        scope: Scope::Site,
        point: "6",
        title: "no personal data in custom dimensions",
        fix: "remove or deactivate the dimension (active: false), or make sure it never holds personal data and rename it",
        enforcement: Enforcement::ServerOrSiteCode,
    },
    Rule {
        id: "cnil.exclude-unknown-urls",
        severity: Severity::Warning,
        scope: Scope::Site,
        point: "11",
        title: "only the site's own URLs tracked",
        fix: "set exclude_unknown_urls: true",
        enforcement: Enforcement::Server,
    },
    Rule {
        id: "policy.waiver-unknown-rule",
        severity: Severity::Error,
        scope: Scope::Waiver,
        point: "waivers",
        title: "a waiver names a rule that exists",
        fix: "use one of the rule ids listed in docs/policy.md (cnil.*)",
        enforcement: Enforcement::Configuration,
    },
    Rule {
        id: "policy.waiver-expired",
        severity: Severity::Warning,
        scope: Scope::Waiver,
        point: "waivers",
        title: "an expired waiver no longer waives",
        fix: "fix the violation, or renew the waiver with a new `expires` date and reason",
        enforcement: Enforcement::Configuration,
    },
    Rule {
        id: "policy.waiver-unused",
        severity: Severity::Warning,
        scope: Scope::Waiver,
        point: "waivers",
        title: "a waiver matches a violation (stale exceptions must not accumulate)",
        fix: "remove the waiver, or correct its rule, sites or instance",
        enforcement: Enforcement::Configuration,
    },
    Rule {
        id: "policy.baseline-fixed",
        severity: Severity::Warning,
        scope: Scope::Baseline,
        point: "baseline",
        title: "a baseline entry matches a violation (the baseline only shrinks)",
        fix: "remove the entry from the baseline: `matoform baseline -c PATH` removes every fixed entry",
        enforcement: Enforcement::Configuration,
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

fn get(id: &str) -> &'static Rule {
    // Every id used below is in RULES; a test checks it.
    rule(id).unwrap_or(&RULES[0])
}

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

/// Findings of every rule over `config` (instance first, then sites by key), without waivers.
///
/// The caller passes the configuration after [`super::effective`], possibly completed
/// with live values the configuration does not manage. Instance rules run only when
/// `config.instance` is present; a value left `None` is unknown and fires nothing.
pub fn check(config: &Config, t: &Thresholds) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(instance) = &config.instance {
        check_instance(instance, t, &mut findings);
    }
    // An absent site is to be deleted: nothing about it is judged.
    for (key, site) in config.sites.iter().filter(|(_, site)| !site.absent) {
        check_site(key, site, config.instance.as_ref(), &mut findings);
        check_site_privacy(key, site, t, &mut findings);
    }
    findings
}

/// A site's own privacy settings (5.7) replace the instance's for its visitors: the same
/// thresholds apply to them, reported on the site.
fn check_site_privacy(key: &str, site: &Site, t: &Thresholds, out: &mut Vec<Finding>) {
    let Some(privacy) = site.privacy.as_ref().filter(|p| p.own) else {
        return;
    };
    let subject = format!("site[{key}]");
    if let Some(ip) = &privacy.anonymize_ip {
        match (ip.enabled, ip.mask_bytes) {
            (Some(false), _) => out.push(get("cnil.ip-mask").finding(
                &subject,
                format!("sites.{key}.privacy.anonymize_ip.enabled is false: this site's own settings store visitors' full IP addresses"),
            )),
            (_, Some(mask)) if mask < t.min_mask_bytes => out.push(get("cnil.ip-mask").finding(
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
        out.push(get("cnil.referrer").finding(
            &subject,
            format!(
                "sites.{key}.privacy.anonymize_referrer is {} in this site's own settings; the policy requires at least {}",
                referrer_name(level),
                referrer_name(t.min_referrer)
            ),
        ));
    }
}

fn referrer_name(level: ReferrerAnonymisation) -> &'static str {
    match level {
        ReferrerAnonymisation::None => "none",
        other => other.to_matomo(),
    }
}

fn check_instance(instance: &Instance, t: &Thresholds, out: &mut Vec<Finding>) {
    const SUBJECT: &str = "instance";
    if let Some(privacy) = &instance.privacy {
        if let Some(ip) = &privacy.anonymize_ip {
            match (ip.enabled, ip.mask_bytes) {
                (Some(false), _) => out.push(get("cnil.ip-mask").finding(
                    SUBJECT,
                    "instance.privacy.anonymize_ip.enabled is false: visitors' full IP addresses are stored",
                )),
                (Some(true), Some(mask)) if mask < t.min_mask_bytes => {
                    out.push(get("cnil.ip-mask").finding(
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
                out.push(get("cnil.ip-enrichment").finding(
                    SUBJECT,
                    "instance.privacy.anonymize_ip.use_for_enrichment is false: geolocation and provider detection use the full IP address",
                ));
            }
        }
        if privacy.force_cookieless == Some(false) {
            out.push(get("cnil.cookieless").finding(
                SUBJECT,
                "instance.privacy.force_cookieless is false: the tracker sets cookies unless every site's tracking code disables them (`disableCookies`, see `matoform snippet SITE`)",
            ));
        }
        if let Some(level) = privacy.anonymize_referrer {
            if level < t.min_referrer {
                out.push(get("cnil.referrer").finding(
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
            out.push(get("cnil.user-id").finding(
                SUBJECT,
                "instance.privacy.anonymize_user_id is false: User IDs sent by a tracker are stored as they are",
            ));
        }
        if privacy.anonymize_order_id == Some(false) {
            out.push(get("cnil.order-id").finding(
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
            out.push(get("cnil.retention").finding(
                SUBJECT,
                "instance.retention.raw_data.delete is false: raw visit data is kept forever",
            ));
        } else if let Some(days) = raw.older_than_days.filter(|d| *d > t.max_raw_data_days) {
            out.push(get("cnil.retention").finding(
                SUBJECT,
                format!(
                    "instance.retention.raw_data.older_than_days is {days}; the policy allows at most {}",
                    t.max_raw_data_days
                ),
            ));
        }
    }
    if instance.privacy.as_ref().and_then(|p| p.do_not_track) == Some(false) {
        out.push(get("cnil.do-not-track").finding(
            SUBJECT,
            "instance.privacy.do_not_track is false: browsers' Do Not Track setting is ignored",
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

fn check_site(key: &str, site: &Site, instance: Option<&Instance>, out: &mut Vec<Finding>) {
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
        out.push(get("cnil.ecommerce").finding(&subject, message));
    }

    let site_log = site.visitor_log.as_ref();
    let log = log_on(
        site_log.and_then(|l| l.disabled),
        instance_log.and_then(|l| l.disabled),
    );
    if log == Some(true) {
        out.push(get("cnil.visitor-log").finding(
            &subject,
            format!(
                "sites.{key}.visitor_log.disabled is false: the visits log shows individual visits"
            ),
        ));
        if site.public_stats == Some(true) {
            out.push(get("cnil.public-stats-visitor-log").finding(
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
        out.push(get("cnil.visitor-profile").finding(
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
        out.push(get("cnil.cross-domain").finding(
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
                out.push(get("cnil.custom-dimension-pii").finding(
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
        out.push(get("cnil.exclude-unknown-urls").finding(
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
    out.push(get("cnil.url-pii").finding(
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

    use super::*;
    use crate::desired::model::{
        AnonymizeIp, CustomDimension, DimensionScope, GlobalExclusions, Privacy, RawDataRetention,
        Retention, SiteExclusions, VisitorLog,
    };
    use crate::policy::defaults::effective;

    fn site() -> Site {
        Site {
            name: "Blog".into(),
            urls: vec![
                "https://blog.example.org".into(),
                "https://www.example.org".into(),
            ],
            ..Site::default()
        }
    }

    /// A compliant configuration with an instance section: defaults filled.
    fn compliant() -> Config {
        effective(&Config {
            sites: [("blog".to_owned(), site())].into(),
            instance: Some(Instance::default()),
            ..Config::default()
        })
    }

    fn ids(config: &Config) -> Vec<String> {
        check(config, &Thresholds::from_config(config))
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    fn instance(config: &mut Config) -> &mut Instance {
        config.instance.as_mut().expect("instance")
    }

    fn privacy(config: &mut Config) -> &mut Privacy {
        instance(config).privacy.as_mut().expect("privacy")
    }

    fn ip(config: &mut Config) -> &mut AnonymizeIp {
        privacy(config).anonymize_ip.as_mut().expect("ip")
    }

    fn blog(config: &mut Config) -> &mut Site {
        config.sites.get_mut("blog").expect("blog")
    }

    /// Asserts the compliant configuration fires nothing, and that `mutate` makes exactly `id` fire.
    fn fires_only(id: &str, mutate: impl FnOnce(&mut Config)) -> Finding {
        let mut config = compliant();
        assert_eq!(
            ids(&config),
            Vec::<String>::new(),
            "the baseline is compliant"
        );
        mutate(&mut config);
        let findings = check(&config, &Thresholds::from_config(&config));
        assert_eq!(
            findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            [id],
            "{findings:#?}"
        );
        let finding = findings.into_iter().next().expect("one finding");
        let rule = rule(id).expect("rule in table");
        assert_eq!(finding.severity, rule.severity);
        assert_eq!(finding.fix, rule.fix);
        assert!(finding.source.contains(rule.title));
        finding
    }

    #[test]
    fn every_rule_id_used_is_in_the_table_once() {
        let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), RULES.len());
        let source = include_str!("rules.rs");
        for used in source.split("get(\"").skip(1) {
            let id = used.split('"').next().unwrap_or_default();
            assert!(rule(id).is_some(), "{id} missing from RULES");
        }
    }

    #[test]
    fn docs_list_every_rule_with_its_severity() {
        let docs = include_str!("../../docs/policy.md");
        for rule in RULES {
            let severity = match rule.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let row = format!("| `{}` | {severity} |", rule.id);
            assert!(docs.contains(&row), "docs/policy.md lacks the row {row}");
        }
    }

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

    #[test]
    fn without_instance_section_no_instance_rule_fires() {
        let mut config = compliant();
        config.instance = None;
        assert!(ids(&config).is_empty());
    }

    #[test]
    fn findings_are_ordered_instance_first_then_sites_by_key() {
        let mut config = compliant();
        config.sites.insert(
            "alpha".into(),
            Site {
                ecommerce: Some(true),
                ..site()
            },
        );
        privacy(&mut config).anonymize_user_id = Some(false);
        blog(&mut config).ecommerce = Some(true);
        let findings = check(&config, &Thresholds::default());
        let subjects: Vec<(&str, &str)> = findings
            .iter()
            .map(|f| (f.subject.as_str(), f.rule.as_str()))
            .collect();
        assert_eq!(
            subjects,
            [
                ("instance", "cnil.user-id"),
                ("site[alpha]", "cnil.ecommerce"),
                ("site[blog]", "cnil.ecommerce")
            ]
        );
    }
}
