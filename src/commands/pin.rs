//! `matoform pin`: write the id of each site bound by its first URL into its YAML
//! entry. Reads the site list from Matomo, writes only configuration files.

use anyhow::{Context as _, bail};

use super::context;
use crate::cli::PinArgs;
use crate::desired::pin::{self, Pin};
use crate::exit::Outcome;
use crate::live::read;

/// Runs `pin`.
pub fn run(args: &PinArgs) -> anyhow::Result<Outcome> {
    let loaded = context::load_config(&args.config)?;
    let client = context::client(&args.connection, Some(&loaded))?;
    let runtime = context::runtime()?;
    let (_, listed) = runtime.block_on(read::read_sites(&client))?;
    let bindings = context::bind(&loaded.config, &listed)?;

    let mut pins = Vec::new();
    let mut report = String::new();
    for (key, site) in &loaded.config.sites {
        if site.id.is_some() || site.absent {
            continue;
        }
        match bindings.sites.get(key).copied().flatten() {
            Some(id) => match Pin::locate(&loaded, key, id) {
                Some(pin) => pins.push(pin),
                None => bail!(
                    "site[{key}]: its entry could not be located in the configuration files; add `id: {id}` to it by hand"
                ),
            },
            None => report.push_str(&format!(
                "  not created    site[{key}]: no live site has its first URL yet; apply, then pin\n"
            )),
        }
    }
    if pins.is_empty() {
        report.push_str(
            "Nothing to pin: every site on the instance has its id in the configuration.\n",
        );
        super::emit(&report);
        return Ok(Outcome::Success);
    }

    // Edit every file, then check that the configuration still loads with these ids;
    // otherwise put every file back as it was.
    let mut originals = Vec::new();
    for (file, file_pins) in pin::by_file(&pins) {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let edited = pin::insert_ids(&text, &file_pins).map_err(|problem| {
            anyhow::anyhow!("{}: {problem}; add the ids by hand", file.display())
        })?;
        originals.push((file, text, edited));
    }
    let restore = |originals: &[(std::path::PathBuf, String, String)]| {
        for (file, text, _) in originals {
            if let Err(err) = std::fs::write(file, text) {
                eprintln!("Error: cannot restore {}: {err}", file.display());
            }
        }
    };
    for (file, _, edited) in &originals {
        if let Err(err) = std::fs::write(file, edited) {
            restore(&originals);
            bail!("cannot write {}: {err}", file.display());
        }
    }
    let path = crate::desired::resolve_path(args.config.config.as_deref())?;
    let pinned = crate::desired::load(&path).ok().is_some_and(|reloaded| {
        pins.iter()
            .all(|p| reloaded.config.sites.get(&p.key).and_then(|s| s.id) == Some(p.id))
    });
    if !pinned {
        restore(&originals);
        bail!(
            "writing the ids would have broken the configuration's layout, so nothing was changed; add them by hand: {}",
            pins.iter()
                .map(|p| format!("`id: {}` to site `{}` ({})", p.id, p.key, p.at))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for pin in &pins {
        report.push_str(&format!(
            "  pinned         site[{}] (id {}) in {}\n",
            pin.key, pin.id, pin.at
        ));
    }
    report.push_str(&format!(
        "Pinned {}: commit the change, so that the next plan binds {} by id.\n",
        crate::render::plural(pins.len(), "site", "sites"),
        crate::render::noun(pins.len(), "it", "them")
    ));
    super::emit(&report);
    Ok(Outcome::Success)
}
