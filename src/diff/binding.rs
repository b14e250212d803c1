//! Diff stage: which live site each configured site is (by `id`, else by its first
//! URL, normalised). Goals and dimensions are bound within their site by
//! the `children` module.

use std::collections::BTreeMap;

use crate::desired::model::Config;
use crate::desired::normalize_url;
use crate::live::SiteState;

/// The binding of configured sites to live sites.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bindings {
    /// Site key → live id (`None`: to be created).
    pub sites: BTreeMap<String, Option<u64>>,
    /// Live site ids that no configured site binds to.
    pub unmanaged: Vec<u64>,
}

/// Binds configured sites to live sites, given every live site the token administers
/// (only their URLs are needed). Errors name the site and the fix.
pub fn bind(config: &Config, live_sites: &[SiteState]) -> Result<Bindings, Vec<String>> {
    let mut errors = Vec::new();
    let mut sites = BTreeMap::new();
    let by_id: BTreeMap<u64, &SiteState> = live_sites.iter().map(|s| (s.id, s)).collect();
    let mut by_url: BTreeMap<String, u64> = BTreeMap::new();
    for site in live_sites {
        if let Some(main) = site.urls.first() {
            by_url.entry(normalize_url(main)).or_insert(site.id);
        }
    }
    let mut claimed: BTreeMap<u64, String> = BTreeMap::new();
    for (key, site) in &config.sites {
        let bound = match site.id {
            Some(id) if by_id.contains_key(&id) => Some(id),
            // An absent site that does not exist is what the entry asks for.
            Some(_) if site.absent => None,
            Some(id) => {
                errors.push(format!(
                    "site[{key}]: id {id} does not exist on the instance, or the token has no admin access to it; fix the id, grant admin access, or remove `id` to create the site"
                ));
                continue;
            }
            None => site
                .urls
                .first()
                .and_then(|url| by_url.get(&normalize_url(url)).copied()),
        };
        if let Some(id) = bound {
            if let Some(other) = claimed.insert(id, key.clone()) {
                errors.push(format!(
                    "site[{key}] and site[{other}] both bind to live site {id}; give each configured site its own id or first URL"
                ));
            }
        }
        sites.insert(key.clone(), bound);
    }
    let unmanaged = live_sites
        .iter()
        .map(|s| s.id)
        .filter(|id| !claimed.contains_key(id))
        .collect();
    if errors.is_empty() {
        Ok(Bindings { sites, unmanaged })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::model::Site;
    use crate::diff::test_support::{live_site, site};

    #[test]
    fn binds_by_id_then_by_normalised_first_url() {
        let mut config = Config::default();
        config.sites.insert(
            "a".into(),
            Site {
                id: Some(2),
                ..site("A", "https://x.fr")
            },
        );
        config
            .sites
            .insert("b".into(), site("B", "HTTPS://B.EXAMPLE.ORG:443/"));
        config
            .sites
            .insert("c".into(), site("C", "https://new.example.org"));
        let listed = vec![
            live_site(2, "https://a.fr"),
            live_site(3, "https://b.example.org"),
            live_site(4, "https://z.fr"),
        ];
        let bindings = bind(&config, &listed).expect("binds");
        assert_eq!(bindings.sites["a"], Some(2));
        assert_eq!(bindings.sites["b"], Some(3));
        assert_eq!(bindings.sites["c"], None);
        assert_eq!(bindings.unmanaged, vec![4]);
    }

    #[test]
    fn two_sites_binding_to_one_live_site_is_an_error() {
        let mut config = Config::default();
        config.sites.insert(
            "a".into(),
            Site {
                id: Some(2),
                ..site("A", "https://x.fr")
            },
        );
        config.sites.insert("b".into(), site("B", "https://a.fr"));
        let errors = bind(&config, &[live_site(2, "https://a.fr")]).expect_err("conflict");
        assert!(errors[0].contains("both bind to live site 2"), "{errors:?}");
    }

    #[test]
    fn unknown_id_is_an_error_naming_the_fix() {
        let mut config = Config::default();
        config.sites.insert(
            "a".into(),
            Site {
                id: Some(9),
                ..site("A", "https://x.fr")
            },
        );
        let errors = bind(&config, &[live_site(2, "https://a.fr")]).expect_err("unknown id");
        assert!(
            errors[0].starts_with("site[a]: id 9 does not exist"),
            "{errors:?}"
        );
    }
}
