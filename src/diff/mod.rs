//! Diff: desired (after policy defaults) + live → changes, by identity. Pure.
//!
//! Sites are bound to live sites by `id`, else by their first URL (normalised);
//! goals by `id`, else by name; custom dimensions by `id`, else by name and scope.
//! Values are normalised before comparison so nothing shows a perpetual diff
//! ([`crate::matomo::stored`]): lists whose order Matomo ignores compare as sets, URLs keep their order.
//!
//! The rooms: `binding` (configured sites ↔ live sites), `site` (a site's own settings),
//! `children` (the objects a site holds — goals, custom dimensions — through one generic
//! mechanism), `instance` (the instance-wide settings); this module runs them and owns
//! what they share.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::desired::model::{Config, Prune};
use crate::live::{LiveState, SiteState};
use crate::plan::{Action, Address, Change, FieldChange, Ref, Resource, field_changes};

mod binding;
mod children;
mod instance;
mod site;

pub use binding::{Bindings, bind};

use site::InstanceLog;

/// Fingerprint recorded for an object that did not exist when the plan was made.
pub const ABSENT: &str = "absent";

/// What to diff.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Only these site keys (empty: all).
    pub site_filter: Vec<String>,
}

/// The result of a diff.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Changes (unsorted).
    pub changes: Vec<Change>,
    /// Settings that cannot be read back: set on apply.
    pub asserted: Vec<Change>,
    /// Fingerprint of each live object read, by address.
    pub fingerprints: BTreeMap<Address, String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Sites managed (within the filter).
    pub managed_sites: usize,
    /// Live sites not managed (and not pruned).
    pub unmanaged_sites: usize,
}

/// Diffs the desired configuration (after policy defaults) against the live state.
/// `bindings` comes from [`bind`]; `live.sites` holds the bound sites in detail.
pub fn diff(
    desired: &Config,
    live: &LiveState,
    bindings: &Bindings,
    options: &DiffOptions,
) -> Result<Diff, Vec<String>> {
    let mut out = Diff::default();
    let mut errors = Vec::new();
    let selected =
        |key: &str| options.site_filter.is_empty() || options.site_filter.iter().any(|k| k == key);

    if options.site_filter.is_empty() {
        if let Some(instance) = &desired.instance {
            match &live.instance {
                Some(live_instance) => {
                    instance::diff_instance(instance, live_instance, &live.matomo.version, &mut out, &mut errors)
                }
                None => errors.push(
                    "instance: the instance settings were not read; this is a bug, please report it".into(),
                ),
            }
        }
    }

    let instance_log = InstanceLog::of(desired.instance.as_ref(), live.instance.as_ref());
    for (key, site) in &desired.sites {
        if !selected(key) {
            continue;
        }
        let live_site = bindings
            .sites
            .get(key)
            .copied()
            .flatten()
            .and_then(|id| live.sites.get(&id));
        if site.absent {
            site::diff_absent(key, live_site, &mut out);
            continue;
        }
        if site.owned_elsewhere(desired.owner_label()) {
            site::refuse_foreign(
                key,
                site,
                desired.owner_label(),
                live_site,
                instance_log,
                &mut out,
            );
            continue;
        }
        out.managed_sites += 1;
        if site.compliance_mode.is_some() && !site::compliance_readable(live, live_site) {
            errors.push(format!(
                "site[{key}].compliance_mode: Matomo {} cannot read or set the compliance mode here (it needs Matomo 5.4+ with the PrivacyCompliance feature, and a superuser token); remove compliance_mode",
                live.matomo.version
            ));
            continue;
        }
        if site.privacy.is_some()
            && (!live.matomo.anonymisation_reader || live_site.is_some_and(|s| s.privacy.is_none()))
        {
            errors.push(format!(
                "site[{key}].privacy: Matomo {} cannot read a site's own privacy settings here (it needs Matomo 5.7 and admin access to the site); remove privacy",
                live.matomo.version
            ));
            continue;
        }
        if live_site.is_none() && !live.matomo.superuser && !live.matomo.version.is_empty() {
            out.warnings.push(format!(
                "site[{key}]: no site this token administers has the URL {}, so the plan creates one, which needs a superuser token; if the site exists, the token may have only view access to it: grant it admin access",
                site.urls.first().map(String::as_str).unwrap_or_default()
            ));
        }
        site::diff_site(key, site, live_site, instance_log, &mut out, &mut errors);
    }

    let pruning = desired.prunes() && options.site_filter.is_empty();
    // Pruned sites are deleted, not "left untouched": they are not counted as unmanaged.
    out.unmanaged_sites = 0;
    for id in &bindings.unmanaged {
        if !pruning {
            out.unmanaged_sites += 1;
            continue;
        }
        let site = match live.sites.get(id) {
            Some(site) if desired.prune_selects(site.id, &site.group, &site.name) => site,
            // Outside the selection: left untouched.
            Some(_) => {
                out.unmanaged_sites += 1;
                continue;
            }
            // A limited prune reads only the sites inside its selection.
            None if desired.prune != Some(Prune::All(true)) => {
                out.unmanaged_sites += 1;
                continue;
            }
            None => {
                errors.push(format!(
                    "site[#{id}]: prune is on but the site was not read; this is a bug, please report it"
                ));
                continue;
            }
        };
        let address = Address::Site(Ref::Id(*id));
        out.fingerprints
            .insert(address.clone(), fingerprint(&site_only(site)));
        let before = Resource::Site(Box::new(site_only(site)));
        out.changes.push(Change {
            address,
            action: Action::Delete,
            site: None,
            site_id: Some(*id),
            fields: fields_of(&before),
            before: Some(before),
            after: None,
        });
    }

    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// SHA-256 of the canonical JSON of a value.
fn fingerprint<T: serde::Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// A site without its goals and dimensions (those are separate objects).
fn site_only(site: &SiteState) -> SiteState {
    SiteState {
        goals: None,
        custom_dimensions: None,
        matomo_requirements: Vec::new(),
        ..site.clone()
    }
}

/// The content of an object as the diff compares it: identity (`id`) and the
/// separately diffed children left out.
fn resource_value(resource: &Resource) -> serde_json::Value {
    let value = serde_json::to_value(resource).unwrap_or_default();
    let mut inner = value.get("value").cloned().unwrap_or(value);
    if let Some(map) = inner.as_object_mut() {
        map.remove("id");
        map.remove("goals");
        map.remove("custom_dimensions");
    }
    inner
}

/// Fields of a deleted object (every field, `before` only).
fn fields_of(resource: &Resource) -> Vec<FieldChange> {
    field_changes(&resource_value(resource), &serde_json::Value::Null)
}

/// Fields of a created object (every field, `after` only).
fn created_fields(resource: &Resource) -> Vec<FieldChange> {
    field_changes(&serde_json::Value::Null, &resource_value(resource))
}

/// Field-level differences between two objects (dotted paths, sorted).
fn changed_fields(before: &Resource, after: &Resource) -> Vec<FieldChange> {
    field_changes(&resource_value(before), &resource_value(after))
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::model::Config;
    use crate::diff::test_support::{live_of, live_site, plan, site};

    #[test]
    fn prune_deletes_unmanaged_sites_only_when_asked() {
        let live = live_of(vec![
            live_site(1, "https://a.fr"),
            live_site(2, "https://b.fr"),
        ]);
        let mut config = Config::default();
        config
            .sites
            .insert("a".into(), site("Site 1", "https://a.fr"));
        let out = plan(&config, &live);
        assert!(out.changes.is_empty());
        assert_eq!(out.unmanaged_sites, 1);
        config.prune = Some(Prune::All(true));
        let out = plan(&config, &live);
        assert_eq!(out.changes.len(), 1);
        assert_eq!(
            (out.changes[0].action, out.changes[0].address.to_string()),
            (Action::Delete, "site[#2]".to_string())
        );
        assert_eq!(
            out.unmanaged_sites, 0,
            "a pruned site is not left untouched"
        );
    }

    #[test]
    fn a_limited_prune_deletes_only_unmanaged_sites_inside_its_selection() {
        use crate::desired::model::{Patterns, PruneSelection};
        let mut live = live_of(vec![
            live_site(1, "https://a.fr"),
            live_site(2, "https://b.fr"),
            live_site(3, "https://c.fr"),
            live_site(150, "https://d.fr"),
        ]);
        for (id, name, group) in [
            (1, "team-a", "culture"),
            (2, "scale-2", "culture"),
            (3, "scale-3", "sport"),
            (150, "scale-150", "culture"),
        ] {
            let site = live.sites.get_mut(&id).expect("seeded");
            site.name = name.into();
            site.group = group.into();
        }
        let mut config = Config::default();
        config
            .sites
            .insert("a".into(), site("team-a", "https://a.fr"));
        let deleted = |config: &Config| {
            let out = plan(config, &live);
            let addresses: Vec<String> =
                out.changes.iter().map(|c| c.address.to_string()).collect();
            (addresses, out.unmanaged_sites)
        };
        config.prune = Some(Prune::Selection(PruneSelection {
            groups: vec!["culture".into()],
            ..PruneSelection::default()
        }));
        assert_eq!(
            deleted(&config),
            (vec!["site[#2]".into(), "site[#150]".into()], 1)
        );
        config.prune = Some(Prune::Selection(PruneSelection {
            groups: vec!["culture".into()],
            ids: Some("1-100".into()),
            names: Some(Patterns::One("scale-*".into())),
        }));
        assert_eq!(deleted(&config), (vec!["site[#2]".into()], 2));
        config.prune = Some(Prune::Selection(PruneSelection {
            names: Some(Patterns::Many(vec!["scale-?".into(), "nothing".into()])),
            ..PruneSelection::default()
        }));
        assert_eq!(
            deleted(&config),
            (vec!["site[#2]".into(), "site[#3]".into()], 1)
        );
        config.prune = Some(Prune::All(false));
        assert_eq!(deleted(&config), (vec![], 3));
    }
}
