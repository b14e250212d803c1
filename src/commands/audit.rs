//! `matoform audit`: check the live instance against the policy, with or without a
//! configuration (its thresholds, waivers and site keys are used when given).

use std::collections::BTreeMap;

use anyhow::bail;

use super::context;
use crate::cli::{AuditArgs, Format};
use crate::desired::model::{ComplianceMode, Config};
use crate::exit::Outcome;
use crate::live::LiveState;

/// Runs `audit`.
pub fn run(args: &AuditArgs) -> anyhow::Result<Outcome> {
    if args.format == Format::Chat {
        bail!("audit has no chat format: use --format text, json or markdown");
    }
    // The configuration where plan finds it (-c, else ./matoform.yaml or ./matoform/):
    // its thresholds, waivers and site keys.
    let loaded = context::load_config_if_present(&args.config)?;
    let live = match &args.live_snapshot {
        Some(path) => {
            let live = context::read_snapshot(path)?;
            if administers_nothing(&live) {
                bail!(
                    "{}: the snapshot was taken with a token that has admin access to no site: there is nothing to audit, and an empty audit would pass; take the snapshot with a token with admin access to the sites to audit",
                    path.display()
                );
            }
            live
        }
        None => {
            let client = context::client(&args.connection, loaded.as_ref())?;
            let runtime = context::runtime()?;
            let live = runtime.block_on(context::read_all(&client, &[]))?;
            if administers_nothing(&live) {
                let viewed = runtime.block_on(crate::live::read::count_sites_with_view(&client))?;
                bail!(
                    "the token has view access to {} and admin access to none: audit reads the sites a token administers, so it would judge nothing and pass; use a token with admin access to the sites to audit (or a superuser token for the whole instance)",
                    crate::render::plural(viewed, "site", "sites")
                );
            }
            live
        }
    };
    let (config, site_ids) = audited(&live, loaded.as_ref().map(|l| &l.config));
    let status: BTreeMap<String, Option<bool>> = site_ids
        .iter()
        .map(|(key, id)| {
            let mode = live.sites.get(id).and_then(|s| s.compliance_mode);
            (key.clone(), mode.map(|m| m == ComplianceMode::CnilV1))
        })
        .collect();
    let baseline = loaded
        .as_ref()
        .map(|l| l.baseline.clone())
        .unwrap_or_default();
    let requirements: BTreeMap<String, Vec<crate::live::MatomoRequirement>> = site_ids
        .iter()
        .filter_map(|(key, id)| {
            let site = live.sites.get(id)?;
            (!site.matomo_requirements.is_empty())
                .then(|| (key.clone(), site.matomo_requirements.clone()))
        })
        .collect();
    let instance_requirements = live
        .instance
        .as_ref()
        .map(|i| i.matomo_requirements.clone())
        .unwrap_or_default();
    let report = crate::policy::audit(&config, &site_ids, &status, &baseline, context::today())
        .with_matomo_requirements(&requirements, &instance_requirements);
    let text = match args.format {
        Format::Text => crate::render::audit::text(&report, args.findings),
        Format::Json => crate::render::audit::json(&report),
        // Chat is refused above.
        Format::Markdown | Format::Chat => crate::render::audit::markdown(&report, args.findings),
    };
    super::emit(&text);
    Ok(if report.has_failures() {
        Outcome::Violations
    } else {
        Outcome::Success
    })
}

/// Whether the live state was read with a token that administers no site (and is not
/// superuser, whose instance settings are still judged): an audit of it would judge
/// nothing and pass, so a mis-scoped token would look healthy.
fn administers_nothing(live: &LiveState) -> bool {
    !live.matomo.superuser && live.sites.is_empty()
}

/// The live state as a configuration to audit: keys from the configuration where it
/// binds a site, else derived from the site's name; the configuration's policy and
/// waivers kept.
pub fn audited(live: &LiveState, config: Option<&Config>) -> (Config, BTreeMap<String, u64>) {
    let mut imported = crate::import::to_config(live);
    let mut ids: BTreeMap<String, u64> = imported
        .sites
        .iter()
        .filter_map(|(key, site)| site.id.map(|id| (key.clone(), id)))
        .collect();
    if let Some(config) = config {
        imported.policy = config.policy.clone();
        imported.waivers = config.waivers.clone();
        let listed: Vec<_> = live.sites.values().cloned().collect();
        if let Ok(bindings) = crate::diff::bind(config, &listed) {
            for (key, id) in bindings
                .sites
                .iter()
                .filter_map(|(k, id)| id.map(|id| (k, id)))
            {
                if let Some(old) = ids.iter().find(|(_, v)| **v == id).map(|(k, _)| k.clone()) {
                    if let Some(site) = imported.sites.remove(&old) {
                        ids.remove(&old);
                        imported.sites.insert(key.clone(), site);
                        ids.insert(key.clone(), id);
                    }
                }
            }
        }
    }
    (imported, ids)
}
