//! Diff stage: one site's own settings (its goals and dimensions are diffed by the
//! `children` module), as Matomo would store them, against the live site; an `absent`
//! entry; an entry another repository owns. The instance settings that decide for every
//! site (visitor log, compliance mode) are read once into [`InstanceLog`].

use crate::desired::model::{
    ComplianceMode, Instance, Site, SiteExclusions, SitePrivacy, VisitorLog,
};
use crate::live::{
    ComplianceSupport, ExclusionsState, InstanceState, LiveState, PrivacyState, SitePrivacyState,
    SiteSearchState, SiteState, VisitorLogState,
};
use crate::plan::{Action, Address, Change, FieldChange, Resource};
use crate::site_settings::SITE_SETTINGS;

use super::children::{self, Dimensions, Goals, SiteChanges};
use super::{ABSENT, Diff, changed_fields, fields_of, fingerprint, site_only};
use crate::matomo::stored;

/// An entry with `absent: true`: the live site it names is deleted; once it is gone,
/// nothing. The site's goals and dimensions go with it (no separate changes).
pub(super) fn diff_absent(key: &str, live: Option<&SiteState>, out: &mut Diff) {
    let address = Address::site(key);
    let Some(site) = live else {
        out.fingerprints.insert(address, ABSENT.to_string());
        return;
    };
    let before = Resource::Site(Box::new(site_only(site)));
    out.fingerprints
        .insert(address.clone(), fingerprint(&site_only(site)));
    out.changes.push(Change {
        address,
        action: Action::Delete,
        site: Some(key.to_string()),
        site_id: Some(site.id),
        fields: fields_of(&before),
        before: Some(before),
        after: None,
    });
}

/// An entry whose `owner` is another repository's: it claims the site (never pruned,
/// never counted as unmanaged) but the plan never changes it. When this configuration
/// differs from the live site, a warning says where to change it.
pub(super) fn refuse_foreign(
    key: &str,
    site: &Site,
    repository: Option<&str>,
    live: Option<&SiteState>,
    instance_log: InstanceLog,
    out: &mut Diff,
) {
    let owner = site.owner.as_deref().unwrap_or_default();
    let this = match repository {
        Some(label) => format!("this configuration is `{label}`"),
        None => "this configuration has no `owner:` label".to_string(),
    };
    if live.is_none() {
        out.warnings.push(format!(
            "site[{key}]: owned by `{owner}` ({this}) and not found on the instance: not created here; create it from `{owner}`'s configuration, or remove `owner` from the entry if this configuration owns it"
        ));
        return;
    }
    let mut scratch = Diff::default();
    let mut ignored = Vec::new();
    diff_site(key, site, live, instance_log, &mut scratch, &mut ignored);
    let mut differs: Vec<String> = scratch
        .changes
        .iter()
        .map(|c| match c.address.within_site() {
            // A goal or a dimension: named; the site itself: its fields.
            Some(object) => object,
            None => c
                .fields
                .iter()
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .filter(|s| !s.is_empty())
        .collect();
    differs.dedup();
    if !differs.is_empty() {
        out.warnings.push(format!(
            "site[{key}]: owned by `{owner}` ({this}): not changed here, although this entry differs from the live site ({}); change it in `{owner}`'s configuration, or align this entry with it",
            differs.join("; ")
        ));
    }
}

/// Whether a site's compliance mode can be managed: the API is usable and, for an
/// existing site, its mode was read.
pub(super) fn compliance_readable(live: &LiveState, site: Option<&SiteState>) -> bool {
    live.matomo.compliance == ComplianceSupport::Available
        && live.matomo.superuser
        && site.is_none_or(|s| s.compliance_mode.is_some())
}

/// A configured site against its live site (`None`: to be created), then its goals
/// and custom dimensions.
pub(super) fn diff_site(
    key: &str,
    site: &Site,
    live: Option<&SiteState>,
    instance_log: InstanceLog,
    out: &mut Diff,
    errors: &mut Vec<String>,
) {
    let address = Address::site(key);
    let site_id = live.map(|s| s.id);
    let mut base = live.map(site_only).unwrap_or_else(new_site_base);
    if instance_log.compliance_live == Some(ComplianceMode::CnilV1)
        && instance_log.compliance != Some(ComplianceMode::CnilV1)
        && site.compliance_mode.is_some()
    {
        // The instance's mode is switched off by this plan: the site's own value was
        // hidden behind it, so it is written whatever Matomo reported.
        base.compliance_mode = None;
    }
    if site.compliance_mode == Some(ComplianceMode::Off)
        && instance_log.compliance == Some(ComplianceMode::CnilV1)
    {
        errors.push(format!(
            "site[{key}].compliance_mode is off while the instance enforces cnil_v1: Matomo enforces the instance's mode on every site, and switching one site off would switch the whole instance off; remove compliance_mode from the site, or set instance.compliance_mode: off"
        ));
    }
    let after = desired_site(site, &base, instance_log);
    out.fingerprints.insert(
        address.clone(),
        live.map(|s| fingerprint(&site_only(s)))
            .unwrap_or_else(|| ABSENT.to_string()),
    );
    match live {
        None => {
            let after = Resource::Site(Box::new(after));
            out.changes.push(Change {
                address: address.clone(),
                action: Action::Create,
                site: Some(key.to_string()),
                site_id: None,
                fields: fields_of(&after)
                    .into_iter()
                    .map(|f| FieldChange {
                        name: f.name,
                        before: None,
                        after: f.before,
                    })
                    .filter(|f| !is_blank(f.after.as_ref()))
                    .collect(),
                before: None,
                after: Some(after),
            });
        }
        Some(live_site) => {
            if live_site.visitor_log.is_none() && after.visitor_log.is_some() {
                out.warnings.push(format!(
                    "{address}: the visitor-log settings could not be read (SitesManager.getSiteSettings needs admin access on site {}); they are shown as set and will be written on apply; use a token with admin access to compare them",
                    live_site.id
                ));
            }
            if live_site.public_stats.is_none() && after.public_stats.is_some() {
                out.warnings.push(format!(
                    "{address}: public access could not be read (UsersManager.getUsersAccessFromSite needs admin access on site {}); it is shown as set and will be written on apply; use a token with admin access to compare it",
                    live_site.id
                ));
            }
            let before = base.clone();
            if before != after {
                let (b, a) = (
                    Resource::Site(Box::new(before)),
                    Resource::Site(Box::new(after)),
                );
                let fields = changed_fields(&b, &a);
                if !fields.is_empty() {
                    out.changes.push(Change {
                        address: address.clone(),
                        action: Action::Update,
                        site: Some(key.to_string()),
                        site_id,
                        fields,
                        before: Some(b),
                        after: Some(a),
                    });
                }
            }
        }
    }

    let changes = SiteChanges { key, site_id };
    if let Some(goals) = &site.goals {
        children::diff_children::<Goals>(&changes, goals, live, out, errors);
    }
    if let Some(dimensions) = &site.custom_dimensions {
        children::diff_children::<Dimensions>(&changes, dimensions, live, out, errors);
    }
}

/// What Matomo gives a new site when `addSite` leaves a setting out: website type,
/// site search on, everything else off or empty (timezone and currency: the instance
/// defaults, left empty here so they are not sent).
fn new_site_base() -> SiteState {
    SiteState {
        site_type: "website".into(),
        site_search: SiteSearchState {
            enabled: true,
            ..SiteSearchState::default()
        },
        ..SiteState::default()
    }
}

fn is_blank(value: Option<&serde_json::Value>) -> bool {
    match value {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s.is_empty(),
        Some(serde_json::Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

/// The site as it should be, as Matomo would store it ([`stored`]): live values where
/// the configuration is silent.
fn desired_site(site: &Site, base: &SiteState, instance_log: InstanceLog) -> SiteState {
    let mut after = base.clone();
    after.name = stored::text(&site.name);
    after.urls = stored::urls(&base.urls, &site.urls);
    for setting in SITE_SETTINGS {
        (setting.desire)(site, &mut after);
    }
    if let Some(search) = &site.site_search {
        after.site_search = SiteSearchState {
            enabled: search.enabled,
            keyword_parameters: stored::list(
                &base.site_search.keyword_parameters,
                &search.keyword_parameters,
            ),
            category_parameters: stored::list(
                &base.site_search.category_parameters,
                &search.category_parameters,
            ),
        };
    }
    if let Some(exclusions) = &site.exclusions {
        after.exclusions = desired_exclusions(exclusions, &base.exclusions);
    }
    if let Some(log) = &site.visitor_log {
        after.visitor_log = Some(desired_site_log(log, base, instance_log));
    }
    if let Some(public) = site.public_stats {
        after.public_stats = Some(public);
    }
    if let Some(privacy) = &site.privacy {
        after.privacy = Some(desired_site_privacy(privacy, base.privacy.as_ref()));
    }
    if let Some(mode) = site.compliance_mode {
        // While the instance enforces the mode, the site's is the instance's: nothing
        // is written (a contradicting `off` is refused in `diff_site`).
        if instance_log.compliance != Some(ComplianceMode::CnilV1) {
            after.compliance_mode = Some(mode);
        }
    }
    after
}

/// What the instance decides for every site's visitor-log switches once the plan is
/// applied: `Some(true)` when the instance turns the log (or profiles) off, so Matomo
/// hides and ignores the sites' switches; `Some(false)` when it leaves them to the
/// sites; `None` when not known (the instance settings were not read).
///
/// The same for Matomo's compliance mode (5.4+): `compliance` is the instance's mode
/// after apply, `compliance_live` the live one. While the instance enforces `cnil_v1`,
/// Matomo reports every site as enforced and a site's own value cannot be read; a site
/// set to off would switch the instance off too (`CompliancePolicy::setActiveStatus`).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct InstanceLog {
    log_off: Option<bool>,
    profile_off: Option<bool>,
    compliance: Option<ComplianceMode>,
    compliance_live: Option<ComplianceMode>,
}

impl InstanceLog {
    /// The desired instance switches where the configuration manages them, else the
    /// live ones.
    pub(super) fn of(desired: Option<&Instance>, live: Option<&InstanceState>) -> InstanceLog {
        let compliance_live = live.and_then(|i| i.compliance_mode);
        let compliance = desired.and_then(|i| i.compliance_mode).or(compliance_live);
        let desired = desired.and_then(|i| i.visitor_log.as_ref());
        let live = live.and_then(|i| i.visitor_log);
        // A live switch that is off decides; one that is on does not settle it: Matomo
        // can still hide a site's switch (an enforced cnil_v1 mode turns the log off
        // whatever the setting says), and the site's answer tells (`*_by_instance`).
        InstanceLog {
            compliance,
            compliance_live,
            log_off: desired
                .and_then(|d| d.disabled)
                .or(live.map(|l| l.disabled).filter(|off| *off)),
            profile_off: desired
                .and_then(|d| d.profile_disabled)
                .or(live.map(|l| l.profile_disabled).filter(|off| *off)),
        }
    }
}

/// A site's visitor-log switches after apply: a switch the instance decides keeps its
/// live value and is never written (no change planned); the others are the desired ones.
fn desired_site_log(log: &VisitorLog, base: &SiteState, instance: InstanceLog) -> VisitorLogState {
    let current = base.visitor_log.unwrap_or_default();
    let new_site = base.id == 0;
    let log_decided = instance.log_off.unwrap_or(current.disabled_by_instance);
    let profile_decided = instance
        .profile_off
        .unwrap_or(current.profile_disabled_by_instance);
    VisitorLogState {
        disabled: if log_decided {
            current.disabled
        } else {
            log.disabled.unwrap_or(current.disabled)
        },
        profile_disabled: if profile_decided {
            current.profile_disabled
        } else {
            log.profile_disabled.unwrap_or(current.profile_disabled)
        },
        disabled_by_instance: log_decided && (new_site || current.disabled_by_instance),
        profile_disabled_by_instance: profile_decided
            && (new_site || current.profile_disabled_by_instance),
    }
}

/// A site's privacy settings after apply: the instance's (`own: false`, nothing of its
/// own kept), or its own: the stated fields over its live ones (or, for a site that has
/// none yet, over Matomo's defaults), since `setAnonymizeIpSettings` resets what it is
/// not sent.
fn desired_site_privacy(
    privacy: &SitePrivacy,
    live: Option<&SitePrivacyState>,
) -> SitePrivacyState {
    if !privacy.own {
        return SitePrivacyState::default();
    }
    let base = live
        .and_then(|p| p.settings.clone())
        .unwrap_or_else(|| PrivacyState {
            anonymize_ip_enabled: true,
            mask_bytes: 2,
            ..PrivacyState::default()
        });
    let ip = privacy.anonymize_ip.clone().unwrap_or_default();
    SitePrivacyState {
        own: true,
        settings: Some(PrivacyState {
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
            do_not_track: base.do_not_track,
            randomize_config_id: privacy.randomize_config_id.or(base.randomize_config_id),
        }),
    }
}

/// Exclusions after apply: the stated lists as Matomo stores them, the live ones where
/// the configuration is silent.
pub(super) fn desired_exclusions(
    exclusions: &SiteExclusions,
    base: &ExclusionsState,
) -> ExclusionsState {
    let pick = |given: &Option<Vec<String>>, current: &Vec<String>| match given {
        Some(list) => stored::list(current, list),
        None => current.clone(),
    };
    ExclusionsState {
        ips: pick(&exclusions.ips, &base.ips),
        query_parameters: pick(&exclusions.query_parameters, &base.query_parameters),
        user_agents: pick(&exclusions.user_agents, &base.user_agents),
        referrers: pick(&exclusions.referrers, &base.referrers),
        query_parameters_type: base.query_parameters_type.clone(),
    }
}

#[cfg(test)]
mod tests {
    use crate::desired::model::{Config, Prune, Site, SiteExclusions};
    use crate::diff::ABSENT;
    use crate::diff::test_support::{live_of, live_site, plan, site};
    use crate::plan::{Action, Address, Resource};

    #[test]
    fn unchanged_site_has_no_change_and_lists_compare_as_sets() {
        let mut live = live_site(1, "https://a.fr");
        live.exclusions.query_parameters = vec!["b".into(), "a".into()];
        let mut config = Config::default();
        let mut wanted = site("Site 1", "https://a.fr");
        wanted.exclusions = Some(SiteExclusions {
            query_parameters: Some(vec!["a".into(), " b ".into()]),
            ..Default::default()
        });
        config.sites.insert("a".into(), wanted);
        let out = plan(&config, &live_of(vec![live]));
        assert!(out.changes.is_empty(), "{:#?}", out.changes);
        assert_eq!(out.fingerprints.len(), 1);
    }

    #[test]
    fn update_lists_changed_fields_only_and_keeps_unmanaged_values() {
        let mut live = live_site(1, "https://a.fr");
        live.exclusions.ips = vec!["10.0.0.1".into()];
        let mut config = Config::default();
        let mut wanted = site("Renamed", "https://a.fr");
        wanted.ecommerce = Some(true);
        config.sites.insert("a".into(), wanted);
        let out = plan(&config, &live_of(vec![live]));
        assert_eq!(out.changes.len(), 1);
        let change = &out.changes[0];
        assert_eq!(change.action, Action::Update);
        let names: Vec<&str> = change.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["ecommerce", "name"]);
        let Some(Resource::Site(after)) = &change.after else {
            panic!("site")
        };
        assert_eq!(
            after.exclusions.ips,
            ["10.0.0.1"],
            "unmanaged list kept for updateSite"
        );
    }

    #[test]
    fn an_absent_site_is_deleted_while_it_exists_then_plans_nothing() {
        let live = live_of(vec![
            live_site(1, "https://a.fr"),
            live_site(2, "https://b.fr"),
        ]);
        let mut config = Config::default();
        config.sites.insert(
            "gone".into(),
            Site {
                id: Some(2),
                absent: true,
                ..Site::default()
            },
        );
        let out = plan(&config, &live);
        assert_eq!(out.changes.len(), 1);
        let change = &out.changes[0];
        assert_eq!(
            (
                change.action,
                change.address.to_string().as_str(),
                change.site.as_deref(),
                change.site_id
            ),
            (Action::Delete, "site[gone]", Some("gone"), Some(2))
        );
        assert!(matches!(&change.before, Some(Resource::Site(s)) if s.id == 2));
        assert_eq!((out.managed_sites, out.unmanaged_sites), (0, 1));

        let after = live_of(vec![live_site(1, "https://a.fr")]);
        let out = plan(&config, &after);
        assert!(out.changes.is_empty(), "{:?}", out.changes);
        assert_eq!(out.fingerprints[&Address::site("gone")], ABSENT);
    }

    #[test]
    fn an_entry_owned_elsewhere_claims_its_site_and_changes_nothing() {
        let live = live_of(vec![
            live_site(1, "https://a.fr"),
            live_site(2, "https://b.fr"),
        ]);
        let mut config = Config {
            owner: Some("central".into()),
            prune: Some(Prune::All(true)),
            ..Config::default()
        };
        config.sites.insert(
            "team".into(),
            Site {
                owner: Some("team-a".into()),
                ..site("Renamed", "https://b.fr")
            },
        );
        let out = plan(&config, &live);
        let addresses: Vec<String> = out.changes.iter().map(|c| c.address.to_string()).collect();
        assert_eq!(
            addresses,
            ["site[#1]"],
            "the claimed site is neither pruned nor changed"
        );
        assert_eq!(
            out.warnings,
            [
                "site[team]: owned by `team-a` (this configuration is `central`): not changed here, although this entry differs from the live site (name); change it in `team-a`'s configuration, or align this entry with it"
            ]
        );
        // Owned here when the labels agree.
        config.sites.get_mut("team").expect("team").owner = Some("central".into());
        let out = plan(&config, &live);
        assert!(
            out.changes
                .iter()
                .any(|c| c.address == Address::site("team"))
        );
    }
}
