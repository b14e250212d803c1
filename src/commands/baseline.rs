//! `matoform baseline`: refresh the baseline beside the configuration, without
//! contacting Matomo: remove the entries that are fixed, and with `--add` record the
//! current violations.

use anyhow::Context as _;

use super::context;
use crate::cli::BaselineArgs;
use crate::desired;
use crate::exit::Outcome;
use crate::policy::baseline::{self, Entry};
use crate::policy::{self, Baseline};
use crate::render::{noun, plural};

/// Runs `baseline`. Judges the configuration as `validate` does (after defaults, with
/// its waivers), then rewrites `baseline.yaml` when an entry is removed or added. Prints
/// one line per removed or added entry, then `Baseline PATH: N removed, N added, N
/// remain.`; exit 0.
pub fn run(args: &BaselineArgs) -> anyhow::Result<Outcome> {
    let path = desired::resolve_path(args.config.config.as_deref())?;
    let loaded = context::load_config(&args.config)?;
    let file = baseline::path_for(&path);
    let shown = path.display().to_string();
    let shown = shown.trim_end_matches('/');
    if !file.exists() && !args.add {
        super::emit(&format!(
            "No baseline at {}: nothing to refresh. Record the current violations with `matoform baseline -c {shown} --add`.\n",
            file.display()
        ));
        return Ok(Outcome::Success);
    }
    let today = context::today();
    let findings = policy::evaluate(
        &policy::effective(&loaded.config),
        &Baseline::default(),
        today,
    );
    let refreshed = baseline::refresh(&loaded.baseline, &findings, args.add, today);
    let mut out = String::new();
    for entry in &refreshed.removed {
        out.push_str(&format!("Removed {}: fixed.\n", describe(entry)));
    }
    for entry in &refreshed.added {
        out.push_str(&format!("Added {}.\n", describe(entry)));
    }
    if !refreshed.removed.is_empty() || !refreshed.added.is_empty() || !file.exists() {
        crate::files::write_private(&file, &baseline::render(&refreshed.baseline))
            .with_context(|| format!("cannot write {}", file.display()))?;
    }
    out.push_str(&format!(
        "Baseline {}: {} removed, {} added, {} remain.\n",
        file.display(),
        refreshed.removed.len(),
        refreshed.added.len(),
        refreshed.baseline.violations.len()
    ));
    let recorded = policy::apply_baseline(findings, &refreshed.baseline);
    let blocking = recorded.iter().filter(|f| f.blocks()).count();
    if blocking > 0 {
        out.push_str(&format!(
            "{} not in the baseline and {}: fix {}, or record {} with `matoform baseline -c {shown} --add`.\n",
            plural(blocking, "violation is", "violations are"),
            noun(blocking, "blocks", "block"),
            noun(blocking, "it", "them"),
            noun(blocking, "it", "them"),
        ));
    }
    super::emit(&out);
    Ok(Outcome::Success)
}

/// `[rule] subject (found DATE)`.
fn describe(entry: &Entry) -> String {
    format!("[{}] {} (found {})", entry.rule, entry.subject, entry.found)
}
