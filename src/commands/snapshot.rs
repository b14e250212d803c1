//! `matoform snapshot`: save the live state a plan reads, as versioned JSON.

use anyhow::Context as _;

use super::context::{self, Scope};
use crate::cli::SnapshotArgs;
use crate::desired::model::Config;
use crate::exit::Outcome;

/// Runs `snapshot`.
pub fn run(args: &SnapshotArgs) -> anyhow::Result<Outcome> {
    let loaded = context::load_config_if_present(&args.config)?;
    let desired = loaded
        .as_ref()
        .map(|l| crate::policy::effective(&l.config))
        .unwrap_or_else(Config::default);
    let client = context::client(&args.connection, loaded.as_ref())?;
    let runtime = context::runtime()?;
    let scope = Scope {
        desired: &desired,
        sites: &[],
        naive: false,
        all_sites: loaded.is_none(),
        instance: args.instance,
    };
    let (mut live, _) = runtime.block_on(context::read_live(&client, &scope))?;
    if loaded.is_none() {
        live.unmanaged_site_ids.clear();
    }
    let text = serde_json::to_string_pretty(&live).context("serialising the snapshot")? + "\n";
    match &args.out {
        Some(path) => {
            crate::files::write_private(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "Saved the live state of {} ({} requests) to {}.",
                crate::render::plural(live.sites.len(), "site", "sites"),
                client.request_count(),
                path.display()
            );
        }
        None => super::emit(&text),
    }
    Ok(Outcome::Success)
}
