//! Policy rules: the catalogue of CNIL rules ([`catalogue`]), and their evaluation over
//! a desired state (after defaults, possibly completed with live values): instance
//! rules, then site rules. `None` means unknown: a rule never fires on an unknown value.

pub mod catalogue;
mod instance;
mod site;

use crate::desired::model::Config;

use super::Finding;
use super::profile::Thresholds;

pub use catalogue::*;
pub use site::{registrable_domain, url_host};

/// Findings of every rule over `config` (instance first, then sites by key), without waivers.
///
/// The caller passes the configuration after [`super::effective`], possibly completed
/// with live values the configuration does not manage. Instance rules run only when
/// `config.instance` is present; a value left `None` is unknown and fires nothing.
pub fn check(config: &Config, t: &Thresholds) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(instance) = &config.instance {
        instance::check(instance, t, &mut findings);
    }
    // An absent site is to be deleted: nothing about it is judged.
    for (key, site) in config.sites.iter().filter(|(_, site)| !site.absent) {
        site::check(key, site, config.instance.as_ref(), &mut findings);
        site::check_own_privacy(key, site, t, &mut findings);
    }
    findings
}

#[cfg(test)]
mod fixtures {
    //! What the rule tests share: a compliant configuration and ways to break it.

    use crate::desired::model::{AnonymizeIp, Config, Instance, Privacy, Site};
    use crate::policy::Finding;
    use crate::policy::defaults::effective;
    use crate::policy::profile::Thresholds;

    use super::{check, rule};

    pub(super) fn site() -> Site {
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
    pub(super) fn compliant() -> Config {
        effective(&Config {
            sites: [("blog".to_owned(), site())].into(),
            instance: Some(Instance::default()),
            ..Config::default()
        })
    }

    pub(super) fn ids(config: &Config) -> Vec<String> {
        check(config, &Thresholds::from_config(config))
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    pub(super) fn instance(config: &mut Config) -> &mut Instance {
        config.instance.as_mut().expect("instance")
    }

    pub(super) fn privacy(config: &mut Config) -> &mut Privacy {
        instance(config).privacy.as_mut().expect("privacy")
    }

    pub(super) fn ip(config: &mut Config) -> &mut AnonymizeIp {
        privacy(config).anonymize_ip.as_mut().expect("ip")
    }

    pub(super) fn blog(config: &mut Config) -> &mut Site {
        config.sites.get_mut("blog").expect("blog")
    }

    /// Asserts the compliant configuration fires nothing, and that `mutate` makes exactly `id` fire.
    pub(super) fn fires_only(id: &str, mutate: impl FnOnce(&mut Config)) -> Finding {
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
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::desired::model::Site;

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
