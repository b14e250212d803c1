//! Diff: desired (after policy defaults) + live → changes, by identity. Pure.
//!
//! Sites are bound to live sites by `id`, else by their first URL (normalised);
//! goals by `id`, else by name; custom dimensions by `id`, else by name and scope.
//! Values are normalised before comparison so nothing shows a perpetual diff: lists
//! whose order Matomo ignores compare as sets, URLs keep their order.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::desired::model::{
    ComplianceMode, Config, CustomDimension, DimensionScope, Goal, Instance, MatchAttribute, Prune,
    Site, SiteExclusions, SitePrivacy, VisitorLog,
};
use crate::desired::normalize_url;
use crate::live::{
    ComplianceSupport, DefaultsState, DimensionSlots, DimensionState, ExclusionsState, GoalState,
    InstanceState, LiveState, PrivacyState, RawDataState, ReportsState, RetentionState,
    SitePrivacyState, SiteSearchState, SiteState, VisitorLogState,
};
use crate::matomo::codes::MatomoName as _;
use crate::plan::{Action, Change, FieldChange, Resource, field_changes};

pub mod stored;

/// Fingerprint recorded for an object that did not exist when the plan was made.
pub const ABSENT: &str = "absent";

/// What to diff.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Only these site keys (empty: all).
    pub site_filter: Vec<String>,
}

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

/// The result of a diff.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Changes (unsorted).
    pub changes: Vec<Change>,
    /// Settings that cannot be read back: set on apply.
    pub asserted: Vec<Change>,
    /// Fingerprint of each live object read, by address.
    pub fingerprints: BTreeMap<String, String>,
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
                    diff_instance(instance, live_instance, &live.matomo.version, &mut out, &mut errors)
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
            diff_absent(key, live_site, &mut out);
            continue;
        }
        if site.owned_elsewhere(desired.owner_label()) {
            refuse_foreign(
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
        if site.compliance_mode.is_some() && !compliance_readable(live, live_site) {
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
        diff_site(key, site, live_site, instance_log, &mut out, &mut errors);
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
        let address = format!("site[#{id}]");
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

/// An entry with `absent: true`: the live site it names is deleted; once it is gone,
/// nothing. The site's goals and dimensions go with it (no separate changes).
fn diff_absent(key: &str, live: Option<&SiteState>, out: &mut Diff) {
    let address = format!("site[{key}]");
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
fn refuse_foreign(
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
        .map(|c| {
            let object = c
                .address
                .strip_prefix(&format!("site[{key}]"))
                .unwrap_or_default();
            if object.is_empty() {
                c.fields
                    .iter()
                    .map(|f| f.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                object.trim_start_matches('.').to_string()
            }
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
fn compliance_readable(live: &LiveState, site: Option<&SiteState>) -> bool {
    live.matomo.compliance == ComplianceSupport::Available
        && live.matomo.superuser
        && site.is_none_or(|s| s.compliance_mode.is_some())
}

/// SHA-256 of the canonical JSON of a value.
pub fn fingerprint<T: serde::Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// A site without its goals and dimensions (those are separate objects).
pub fn site_only(site: &SiteState) -> SiteState {
    SiteState {
        goals: None,
        custom_dimensions: None,
        matomo_requirements: Vec::new(),
        ..site.clone()
    }
}

fn diff_site(
    key: &str,
    site: &Site,
    live: Option<&SiteState>,
    instance_log: InstanceLog,
    out: &mut Diff,
    errors: &mut Vec<String>,
) {
    let address = format!("site[{key}]");
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

    if let Some(goals) = &site.goals {
        diff_goals(key, &address, site_id, goals, live, out, errors);
    }
    if let Some(dimensions) = &site.custom_dimensions {
        diff_dimensions(key, &address, site_id, dimensions, live, out, errors);
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
    set(
        &mut after.timezone,
        &site.timezone.as_deref().map(stored::text),
    );
    set(
        &mut after.currency,
        &site.currency.as_deref().map(stored::text),
    );
    set(
        &mut after.site_type,
        &site.site_type.as_deref().map(stored::text),
    );
    set(&mut after.group, &site.group.as_deref().map(stored::text));
    set(&mut after.ecommerce, &site.ecommerce);
    set(&mut after.exclude_unknown_urls, &site.exclude_unknown_urls);
    set(&mut after.keep_url_fragments, &site.keep_url_fragments);
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
struct InstanceLog {
    log_off: Option<bool>,
    profile_off: Option<bool>,
    compliance: Option<ComplianceMode>,
    compliance_live: Option<ComplianceMode>,
}

impl InstanceLog {
    /// The desired instance switches where the configuration manages them, else the
    /// live ones.
    fn of(desired: Option<&Instance>, live: Option<&InstanceState>) -> InstanceLog {
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

fn desired_exclusions(exclusions: &SiteExclusions, base: &ExclusionsState) -> ExclusionsState {
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

fn set<T: Clone>(target: &mut T, value: &Option<T>) {
    if let Some(value) = value {
        *target = value.clone();
    }
}

/// The goal as Matomo would store it.
pub fn goal_state(goal: &Goal, id: u64) -> GoalState {
    let manual = goal.match_attribute == MatchAttribute::Manually;
    GoalState {
        id,
        name: goal.name.clone(),
        description: goal.description.clone(),
        match_attribute: goal.match_attribute.to_matomo().to_string(),
        pattern: if manual {
            String::new()
        } else {
            goal.pattern.clone().unwrap_or_default()
        },
        pattern_type: if manual {
            String::new()
        } else {
            goal.pattern_type
                .unwrap_or_default()
                .to_matomo()
                .to_string()
        },
        case_sensitive: goal.case_sensitive,
        allow_multiple_conversions: goal.allow_multiple_conversions,
        revenue: goal.revenue,
        use_event_value_as_revenue: goal.use_event_value_as_revenue,
    }
}

fn normalized_goal(goal: &GoalState) -> GoalState {
    let mut goal = goal.clone();
    if goal.match_attribute == "manually" {
        goal.pattern.clear();
        goal.pattern_type.clear();
    }
    goal
}

fn diff_goals(
    key: &str,
    site_address: &str,
    site_id: Option<u64>,
    goals: &BTreeMap<String, Goal>,
    live: Option<&SiteState>,
    out: &mut Diff,
    errors: &mut Vec<String>,
) {
    let empty = BTreeMap::new();
    let Some(live_goals) = live_children(live.map(|s| &s.goals), &empty) else {
        errors.push(format!(
            "{site_address}: goals are configured but could not be read (is the Goals plugin active, and does the token have view access?)"
        ));
        return;
    };
    let (bound, used) = bind_children(
        goals,
        live_goals,
        |goal| goal.id,
        |goal, live_goal| live_goal.name == goal.name,
    );
    for (goal_key, goal, _) in bound.iter().filter(|(_, _, l)| l.is_none()) {
        if let (Some(id), Some(_)) = (goal.id, live) {
            out.warnings.push(format!(
                "{site_address}.goal[{goal_key}]: goal id {id} does not exist on the site; it will be created with a new id (update or remove `id`)"
            ));
        }
    }
    let changes = SiteChanges { key, site_id };
    for (goal_key, goal, live_goal) in bound {
        let address = format!("{site_address}.goal[{goal_key}]");
        match live_goal {
            None => {
                out.fingerprints.insert(address.clone(), ABSENT.into());
                out.changes
                    .push(changes.create(address, Resource::Goal(goal_state(goal, 0))));
            }
            Some(live_goal) => {
                out.fingerprints
                    .insert(address.clone(), fingerprint(live_goal));
                let before = normalized_goal(live_goal);
                let after = goal_state(goal, live_goal.id);
                if before != after {
                    out.changes.push(changes.update(
                        address,
                        Action::Update,
                        Resource::Goal(before),
                        Resource::Goal(after),
                    ));
                }
            }
        }
    }
    for (id, live_goal) in live_goals.iter().filter(|(id, _)| !used.contains(*id)) {
        let address = format!("{site_address}.goal[#{id}]");
        // A goal no configuration can describe (import leaves it out) is not managed.
        if let Some(reason) = crate::import::unrepresentable_goal(live_goal) {
            out.warnings.push(format!(
                "{address}: {reason}; it is not managed, so it is left as it is (delete it in Matomo if it is not wanted)"
            ));
            continue;
        }
        out.fingerprints
            .insert(address.clone(), fingerprint(live_goal));
        out.changes
            .push(changes.delete(address, Resource::Goal(live_goal.clone())));
    }
}

/// Builds the changes of one site's objects (the site's key and id filled in).
struct SiteChanges<'a> {
    key: &'a str,
    site_id: Option<u64>,
}

impl SiteChanges<'_> {
    fn change(
        &self,
        address: String,
        action: Action,
        before: Option<Resource>,
        after: Option<Resource>,
    ) -> Change {
        let fields = match (&before, &after) {
            (Some(b), Some(a)) => changed_fields(b, a),
            (None, Some(a)) => created_fields(a),
            (Some(b), None) => fields_of(b),
            (None, None) => Vec::new(),
        };
        Change {
            address,
            action,
            site: Some(self.key.to_string()),
            site_id: self.site_id,
            fields,
            before,
            after,
        }
    }

    /// A created object.
    fn create(&self, address: String, after: Resource) -> Change {
        self.change(address, Action::Create, None, Some(after))
    }

    /// An object updated in place (also a dimension deactivated: `action` says which).
    fn update(&self, address: String, action: Action, before: Resource, after: Resource) -> Change {
        self.change(address, action, Some(before), Some(after))
    }

    /// A deleted object.
    fn delete(&self, address: String, before: Resource) -> Change {
        self.change(address, Action::Delete, Some(before), None)
    }
}

/// The live children (goals, dimensions) of a site: none for a site to be created,
/// `None` when the site exists but they could not be read.
fn live_children<'a, T>(
    read: Option<&'a Option<BTreeMap<u64, T>>>,
    empty: &'a BTreeMap<u64, T>,
) -> Option<&'a BTreeMap<u64, T>> {
    match read {
        None => Some(empty),
        Some(children) => children.as_ref(),
    }
}

/// A configured child (key, value) and the live child it binds to, if any.
type Bound<'a, C, L> = (&'a String, &'a C, Option<&'a L>);

/// Binds configured children of a site (goals, dimensions) to live ones: an explicit
/// id first (a missing id binds to nothing: the child is created), then the first
/// unused live child that `matches`. Returns the bindings in configuration order
/// (explicit ids first) and the live ids used.
fn bind_children<'a, C, L>(
    configured: &'a BTreeMap<String, C>,
    live: &'a BTreeMap<u64, L>,
    id_of: impl Fn(&C) -> Option<u64>,
    matches: impl Fn(&C, &L) -> bool,
) -> (Vec<Bound<'a, C, L>>, BTreeSet<u64>) {
    let mut used = BTreeSet::new();
    let mut bound = Vec::new();
    for (key, child) in configured {
        if let Some(id) = id_of(child) {
            let found = live.get(&id);
            if found.is_some() {
                used.insert(id);
            }
            bound.push((key, child, found));
        }
    }
    for (key, child) in configured.iter().filter(|(_, c)| id_of(c).is_none()) {
        let found = live
            .iter()
            .find(|(id, l)| !used.contains(*id) && matches(child, l));
        if let Some((id, _)) = found {
            used.insert(*id);
        }
        bound.push((key, child, found.map(|(_, l)| l)));
    }
    (bound, used)
}

/// The dimension as Matomo would store it.
pub fn dimension_state(dimension: &CustomDimension, id: u64) -> DimensionState {
    DimensionState {
        id,
        name: dimension.name.clone(),
        scope: dimension.scope,
        active: dimension.active,
        case_sensitive: dimension.case_sensitive,
        extractions: dimension.extractions.clone(),
    }
}

/// Refuses creating more dimensions in a scope than the site has free slots (Matomo
/// would fail in the middle of the apply: "All Custom Dimensions for website N in scope
/// 'visit' are already used."). The fix names the deactivated dimensions to reuse.
fn check_dimension_slots(
    site_address: &str,
    bound: &[Bound<'_, CustomDimension, DimensionState>],
    live_dims: &BTreeMap<u64, DimensionState>,
    used: &BTreeSet<u64>,
    slots: &BTreeMap<DimensionScope, DimensionSlots>,
    errors: &mut Vec<String>,
) {
    let mut creates: BTreeMap<DimensionScope, Vec<&str>> = BTreeMap::new();
    for (dim_key, dim, _) in bound.iter().filter(|(_, _, l)| l.is_none()) {
        creates.entry(dim.scope).or_default().push(dim_key.as_str());
    }
    for (scope, keys) in creates {
        let Some(slot) = slots.get(&scope) else {
            continue;
        };
        if keys.len() as u64 <= slot.left {
            continue;
        }
        let scope_name = match scope {
            DimensionScope::Visit => "visit",
            DimensionScope::Action => "action",
        };
        let reusable: Vec<String> = live_dims
            .iter()
            .filter(|(id, d)| d.scope == scope && !d.active && !used.contains(*id))
            .map(|(id, d)| format!("id: {id} ({})", d.name))
            .collect();
        let reuse = if reusable.is_empty() {
            String::new()
        } else {
            format!(" (deactivated here: {})", reusable.join(", "))
        };
        errors.push(format!(
            "{site_address}: the configuration creates {} custom dimension(s) in scope {scope_name} ({}) but the site has {} free slot(s) of {} in that scope; deactivated dimensions keep their slot: reuse one by binding it with id:{reuse}, or create fewer",
            keys.len(),
            keys.join(", "),
            slot.left,
            slot.available,
        ));
    }
}

fn diff_dimensions(
    key: &str,
    site_address: &str,
    site_id: Option<u64>,
    dimensions: &BTreeMap<String, CustomDimension>,
    live: Option<&SiteState>,
    out: &mut Diff,
    errors: &mut Vec<String>,
) {
    let empty = BTreeMap::new();
    let Some(live_dims) = live_children(live.map(|s| &s.custom_dimensions), &empty) else {
        errors.push(format!(
            "{site_address}: custom dimensions are configured but could not be read (is the CustomDimensions plugin active?)"
        ));
        return;
    };
    let (bound, used) = bind_children(
        dimensions,
        live_dims,
        |dim| dim.id,
        |dim, live_dim| live_dim.name == dim.name && live_dim.scope == dim.scope,
    );
    for (dim_key, dim, _) in bound.iter().filter(|(_, _, l)| l.is_none()) {
        if let (Some(id), Some(_)) = (dim.id, live) {
            out.warnings.push(format!(
                "{site_address}.custom_dimension[{dim_key}]: dimension id {id} does not exist on the site; it will be created with a new id (update or remove `id`)"
            ));
        }
    }
    if let Some(slots) = live.and_then(|s| s.dimension_slots.as_ref()) {
        check_dimension_slots(site_address, &bound, live_dims, &used, slots, errors);
    }
    let changes = SiteChanges { key, site_id };
    for (dim_key, dim, live_dim) in bound {
        let address = format!("{site_address}.custom_dimension[{dim_key}]");
        match live_dim {
            None => {
                out.fingerprints.insert(address.clone(), ABSENT.into());
                out.changes.push(
                    changes.create(address, Resource::CustomDimension(dimension_state(dim, 0))),
                );
            }
            Some(live_dim) => {
                out.fingerprints
                    .insert(address.clone(), fingerprint(live_dim));
                if live_dim.scope != dim.scope {
                    errors.push(format!(
                        "{address}: the scope of a custom dimension cannot change ({:?} live, {:?} configured); give the new dimension another key and set `active: false` on the old one",
                        live_dim.scope, dim.scope
                    ));
                    continue;
                }
                let after = dimension_state(dim, live_dim.id);
                if *live_dim != after {
                    // Matomo checks the name on every write: a legacy name fails it.
                    if let Some((reason, fix)) =
                        crate::desired::checks::dimension_name_problem(&after.name)
                    {
                        errors.push(format!(
                            "{address}: this change cannot be applied, Matomo checks the name with every change: {reason}; {fix}"
                        ));
                        continue;
                    }
                    out.changes.push(changes.update(
                        address,
                        Action::Update,
                        Resource::CustomDimension(live_dim.clone()),
                        Resource::CustomDimension(after),
                    ));
                }
            }
        }
    }
    // Matomo cannot delete a custom dimension: an unlisted active one is deactivated.
    for (id, live_dim) in live_dims
        .iter()
        .filter(|(id, d)| !used.contains(*id) && d.active)
    {
        let address = format!("{site_address}.custom_dimension[#{id}]");
        if let Some((reason, _)) = crate::desired::checks::dimension_name_problem(&live_dim.name) {
            errors.push(format!(
                "{address}: this unlisted dimension cannot be deactivated, Matomo checks the name with every change: {reason}; list it with `id: {id}`, a name Matomo accepts and `active: false`"
            ));
            continue;
        }
        out.fingerprints
            .insert(address.clone(), fingerprint(live_dim));
        let after = DimensionState {
            active: false,
            ..live_dim.clone()
        };
        out.changes.push(changes.update(
            address,
            Action::Delete,
            Resource::CustomDimension(live_dim.clone()),
            Resource::CustomDimension(after),
        ));
    }
}

fn diff_instance(
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
                "instance.privacy",
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
                        "instance.privacy",
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
                    "instance.retention",
                    Resource::Retention(base.clone()),
                    Resource::Retention(merged),
                )
            }
            None => push_asserted(out, "instance.retention", Resource::Retention(after)),
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
                        crate::matomo::calls::query_parameters_type(&after.query_parameters)
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
                    "instance.exclusions",
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
                "instance.visitor_log",
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
                push_asserted(out, "instance.visitor_log", Resource::VisitorLog(after));
            }
        }
    }

    if let Some(defaults) = &instance.defaults {
        match &live.defaults {
            Some(base) => push_update(
                out,
                "instance.defaults",
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
            Some(base) => push_update(out, "instance.compliance_mode", Resource::ComplianceMode(base), Resource::ComplianceMode(mode)),
            None => errors.push(format!(
                "instance.compliance_mode: Matomo {version} has no usable compliance API (it needs Matomo 5.4+ with the PrivacyCompliance feature); remove compliance_mode"
            )),
        }
    }
}

fn push_update(out: &mut Diff, address: &str, before: Resource, after: Resource) {
    out.fingerprints
        .insert(address.to_string(), fingerprint(&before));
    if before != after {
        let fields = changed_fields(&before, &after);
        out.changes.push(Change {
            address: address.to_string(),
            action: Action::Update,
            site: None,
            site_id: None,
            fields,
            before: Some(before),
            after: Some(after),
        });
    }
}

fn push_asserted(out: &mut Diff, address: &str, after: Resource) {
    out.asserted.push(Change {
        address: address.to_string(),
        action: Action::Update,
        site: None,
        site_id: None,
        fields: created_fields(&after),
        before: None,
        after: Some(after),
    });
}

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
pub fn changed_fields(before: &Resource, after: &Resource) -> Vec<FieldChange> {
    field_changes(&resource_value(before), &resource_value(after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::model::{Goal, Privacy, Site, SiteExclusions};

    fn live_site(id: u64, url: &str) -> SiteState {
        SiteState {
            id,
            name: format!("Site {id}"),
            urls: vec![url.to_string()],
            timezone: "Europe/Paris".into(),
            currency: "EUR".into(),
            site_type: "website".into(),
            goals: Some(BTreeMap::new()),
            custom_dimensions: Some(BTreeMap::new()),
            ..SiteState::default()
        }
    }

    fn site(name: &str, url: &str) -> Site {
        Site {
            name: name.into(),
            urls: vec![url.into()],
            ..Site::default()
        }
    }

    fn live_of(sites: Vec<SiteState>) -> LiveState {
        LiveState {
            format_version: 1,
            sites: sites.into_iter().map(|s| (s.id, s)).collect(),
            ..LiveState::default()
        }
    }

    fn plan(config: &Config, live: &LiveState) -> Diff {
        let listed: Vec<SiteState> = live.sites.values().cloned().collect();
        let bindings = bind(config, &listed).expect("binds");
        diff(config, live, &bindings, &DiffOptions::default()).expect("diffs")
    }

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
    fn goals_are_created_updated_and_deleted_by_identity() {
        let mut live = live_site(1, "https://a.fr");
        let goal = |id: u64, name: &str, pattern: &str| GoalState {
            id,
            name: name.into(),
            match_attribute: "url".into(),
            pattern: pattern.into(),
            pattern_type: "contains".into(),
            ..GoalState::default()
        };
        live.goals = Some(BTreeMap::from([
            (1, goal(1, "Contact", "/merci")),
            (2, goal(2, "Old", "/old")),
        ]));
        let mut wanted = site("Site 1", "https://a.fr");
        let config_goal = |name: &str, pattern: &str| Goal {
            name: name.into(),
            match_attribute: MatchAttribute::Url,
            pattern: Some(pattern.into()),
            ..Goal::default()
        };
        wanted.goals = Some(BTreeMap::from([
            (
                "contact".to_string(),
                config_goal("Contact", "/contact/merci"),
            ),
            ("signup".to_string(), config_goal("Signup", "/ok")),
        ]));
        let mut config = Config::default();
        config.sites.insert("a".into(), wanted);
        let out = plan(&config, &live_of(vec![live]));
        let summary: Vec<(Action, &str)> = out
            .changes
            .iter()
            .map(|c| (c.action, c.address.as_str()))
            .collect();
        assert!(
            summary.contains(&(Action::Update, "site[a].goal[contact]")),
            "{summary:?}"
        );
        assert!(
            summary.contains(&(Action::Create, "site[a].goal[signup]")),
            "{summary:?}"
        );
        assert!(
            summary.contains(&(Action::Delete, "site[a].goal[#2]")),
            "{summary:?}"
        );
        assert_eq!(summary.len(), 3);
    }

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
            (out.changes[0].action, out.changes[0].address.as_str()),
            (Action::Delete, "site[#2]")
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
            let addresses: Vec<String> = out.changes.iter().map(|c| c.address.clone()).collect();
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
                change.address.as_str(),
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
        assert_eq!(out.fingerprints["site[gone]"], ABSENT);
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
        let addresses: Vec<&str> = out.changes.iter().map(|c| c.address.as_str()).collect();
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
        assert!(out.changes.iter().any(|c| c.address == "site[team]"));
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
