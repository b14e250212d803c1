//! `matoform audit`: check the live instance against the policy, with or without a
//! configuration (its thresholds, waivers and site keys are used when given).

use std::collections::BTreeMap;

use super::context;
use crate::cli::{AuditArgs, Format};
use crate::desired::model::{ComplianceMode, Config};
use crate::exit::Outcome;
use crate::live::LiveState;

/// Runs `audit`.
pub fn run(args: &AuditArgs) -> anyhow::Result<Outcome> {
    let given = args.config.config.is_some();
    let loaded = if given {
        Some(context::load_config(&args.config)?)
    } else {
        None
    };
    let live = match &args.live_snapshot {
        Some(path) => context::read_snapshot(path)?,
        None => {
            let client = context::client(&args.connection, loaded.as_ref(), 4)?;
            let runtime = context::runtime()?;
            runtime.block_on(context::read_all(&client, &[]))?
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
    let report = crate::policy::audit(&config, &site_ids, &status, context::today());
    let text = match args.format {
        Format::Text => report.render_text(),
        Format::Json => report.render_json(),
        Format::Markdown => report.render_markdown(),
    };
    super::emit(&text);
    Ok(if report.has_failures() {
        Outcome::Violations
    } else {
        Outcome::Success
    })
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
