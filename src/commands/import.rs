//! `matoform import`: write configuration YAML that describes the live instance.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::context;
use crate::cli::ImportArgs;
use crate::desired::model::Config;
use crate::exit::Outcome;
use crate::live::LiveState;
use crate::policy::baseline::{self, BASELINE_FILE};
use crate::policy::{Baseline, Finding, Severity};

const SCHEMA_FILE: &str = "matoform.schema.json";

/// Runs `import`.
pub fn run(args: &ImportArgs) -> anyhow::Result<Outcome> {
    if !args.all && args.sites.is_empty() && args.live_snapshot.is_none() {
        bail!(
            "say what to import: --all (every site the token administers) or --site ID (repeatable)"
        );
    }
    let (ids, keys): (Vec<&String>, Vec<&String>) =
        args.sites.iter().partition(|v| context::is_site_id(v));
    let ids: Vec<u64> = ids.iter().filter_map(|v| v.parse().ok()).collect();
    let live = match &args.live_snapshot {
        Some(path) => {
            let mut live = context::read_snapshot(path)?;
            if !args.sites.is_empty() {
                let wanted = selected_ids(&live, &ids, &keys)?;
                live.sites.retain(|id, _| wanted.contains(id));
            }
            live
        }
        None => {
            let client = context::client(&args.connection, None)?;
            let runtime = context::runtime()?;
            if keys.is_empty() {
                runtime.block_on(context::read_all(&client, &ids))?
            } else {
                // A key is the one import gives a site, from all the sites' names.
                let mut live = runtime.block_on(context::read_all(&client, &[]))?;
                let wanted = selected_ids(&live, &ids, &keys)?;
                live.sites.retain(|id, _| wanted.contains(id));
                live
            }
        }
    };
    let config = crate::import::to_config(&live);
    let config = if args.explicit {
        config
    } else {
        crate::import::without_defaults(&config)
    };
    let findings = crate::policy::evaluate(
        &crate::import::to_config(&live),
        &Baseline::default(),
        context::today(),
    );
    for finding in findings.iter().filter(|f| f.waived.is_none()) {
        eprintln!("{}", finding_line(finding));
    }
    let url = live.matomo.url.clone();
    let mut notes = unreadable_notes(&live);
    let site_notes = crate::import::site_notes(&live);
    for note in notes.iter().chain(site_notes.iter().map(|(_, note)| note)) {
        eprintln!("Note: {note}");
    }
    let into_directory = |path: &Path| path.is_dir() || path.to_string_lossy().ends_with('/');
    let baseline = adoption_baseline(&config);
    // Written only when there is something to record: a compliant instance needs none.
    let baseline_path = args
        .out
        .as_deref()
        .filter(|_| !baseline.violations.is_empty())
        .map(|path| {
            if into_directory(path) {
                path.join(BASELINE_FILE)
            } else {
                baseline::path_for(path)
            }
        });
    if let Some(path) = args.out.as_deref().filter(|_| !args.force) {
        let mut targets = if into_directory(path) {
            directory_files(path, &config)
        } else {
            vec![path.to_path_buf()]
        };
        targets.extend(baseline_path.clone());
        refuse_overwrite(&targets)?;
    }
    match &args.out {
        Some(path) if into_directory(path) => {
            write_directory(path, &config, &findings, &notes, &site_notes, &url)?
        }
        None => {
            notes.extend(site_notes.into_iter().map(|(_, note)| note));
            super::emit(&render_file(&config, &findings, &notes, &url, true))
        }
        Some(path) => {
            notes.extend(site_notes.into_iter().map(|(_, note)| note));
            crate::files::write_private(path, &render_file(&config, &findings, &notes, &url, true))
                .with_context(|| format!("cannot write {}", path.display()))?;
            write_schema(path.parent().unwrap_or(Path::new(".")))?;
            eprintln!(
                "Imported {} into {}.",
                crate::render::plural(config.sites.len(), "site", "sites"),
                path.display()
            );
        }
    }
    if let (Some(path), Some(config_path)) = (&baseline_path, &args.out) {
        write_baseline(path, config_path, &baseline)?;
    }
    Ok(Outcome::Success)
}

/// The ids of the sites `--site` selects in `live`: ids as they are, keys as import
/// names the sites (the slug of the name: `main-site`, `main-site-2`…). Refuses an
/// unknown id or key, naming it with close matches.
fn selected_ids(live: &LiveState, ids: &[u64], keys: &[&String]) -> anyhow::Result<Vec<u64>> {
    let mut problems = Vec::new();
    let known: Vec<String> = live.sites.keys().map(u64::to_string).collect();
    for id in ids {
        if !live.sites.contains_key(id) {
            let close = context::close_matches(&id.to_string(), known.iter().map(String::as_str));
            problems.push(format!(
                "--site {id}: no such site, or the token has no admin access to it{}",
                context::did_you_mean(&close)
            ));
        }
    }
    let named = crate::import::to_config(live);
    let mut wanted = ids.to_vec();
    for key in keys {
        match named.sites.get(key.as_str()).and_then(|site| site.id) {
            Some(id) => wanted.push(id),
            None => {
                let close = context::close_matches(key, named.sites.keys().map(String::as_str));
                problems.push(format!(
                    "--site {key}: no site import would name `{key}` (a site's key is the slug of its name, e.g. `main-site`; or give its Matomo id){}",
                    context::did_you_mean(&close)
                ));
            }
        }
    }
    match problems.as_slice() {
        [] => Ok(wanted),
        [one] => bail!("{one}"),
        _ => bail!("{}", problems.join("; ")),
    }
}

/// The baseline of an adoption: every violation `validate` will find in the imported
/// configuration, found today. Judged on what is written (after defaults), so that
/// `validate` right after the import matches every entry and finds nothing new.
fn adoption_baseline(config: &Config) -> Baseline {
    let findings = crate::policy::evaluate(
        &crate::policy::effective(config),
        &Baseline::default(),
        context::today(),
    );
    baseline::refresh(&Baseline::default(), &findings, true, context::today()).baseline
}

/// Writes `baseline.yaml` beside the imported configuration (`config_path`), saying
/// what it holds.
fn write_baseline(path: &Path, config_path: &Path, baseline: &Baseline) -> anyhow::Result<()> {
    let shown = config_path.display().to_string();
    let shown = shown.trim_end_matches('/');
    crate::files::write_private(path, &baseline::render(baseline))
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!(
        "Recorded {} in the baseline {}: they are known and do not block; a new one does. Fix them, then run `matoform baseline -c {shown}` to remove the fixed ones.",
        crate::render::plural(
            baseline.violations.len(),
            "policy violation",
            "policy violations"
        ),
        path.display()
    );
    Ok(())
}

/// Why instance settings are missing from the import: the parts of the instance this
/// Matomo and token could not read are left out of the file (so nothing unknown is
/// written down as a fact), each with a comment saying what `plan` will do instead.
fn unreadable_notes(live: &LiveState) -> Vec<String> {
    let Some(instance) = &live.instance else {
        return Vec::new();
    };
    let version = &live.matomo.version;
    let mut notes = Vec::new();
    if instance.privacy.is_none() {
        notes.push(format!(
            "instance.privacy: not readable on Matomo {version} (PrivacyManager has no reader before 5.6), left out; it stays unmanaged until it is read (import again with MATOMO_LOGIN and MATOMO_PASSWORD) or stated in instance.yaml: the policy's values are never written blind"
        ));
    }
    if instance.retention.is_none() {
        notes.push(
            "instance.retention: not readable through Matomo's API, left out; it stays unmanaged until it is read (import again with MATOMO_LOGIN and MATOMO_PASSWORD) or stated in instance.yaml: the policy's values are never written blind".to_string(),
        );
    }
    if instance.exclusions.is_none() {
        notes.push(
            "instance.exclusions: the global exclusion lists could not be read, left out"
                .to_string(),
        );
    }
    if instance.visitor_log.is_none() {
        notes.push(
            "instance.visitor_log: the Live plugin's system settings could not be read, left out"
                .to_string(),
        );
    }
    notes
}

/// The configuration files `import -o DIR` writes: instance.yaml and one per site (the
/// schema next to them is generated, not edited: it is always rewritten).
fn directory_files(dir: &Path, config: &Config) -> Vec<PathBuf> {
    std::iter::once(dir.join("instance.yaml"))
        .chain(
            config
                .sites
                .keys()
                .map(|key| dir.join(format!("{key}.yaml"))),
        )
        .collect()
}

/// Refuses, before anything is written, to overwrite configuration files that exist
/// (they may hold hand edits), naming them and the fix.
fn refuse_overwrite(targets: &[PathBuf]) -> anyhow::Result<()> {
    let existing: Vec<String> = targets
        .iter()
        .filter(|path| path.symlink_metadata().is_ok())
        .map(|path| path.display().to_string())
        .collect();
    if existing.is_empty() {
        return Ok(());
    }
    bail!(
        "import would overwrite {}: {} (hand edits would be lost). Pass --force to overwrite, or import into another file or an empty directory",
        crate::render::plural(existing.len(), "file that exists", "files that exist"),
        existing.join(", ")
    )
}

fn write_schema(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(SCHEMA_FILE);
    crate::files::write_private(&path, &crate::schema::schema_json())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn write_directory(
    dir: &Path,
    config: &Config,
    findings: &[Finding],
    notes: &[String],
    site_notes: &[(String, String)],
    url: &str,
) -> anyhow::Result<()> {
    write_schema(dir)?;
    let instance_file = Config {
        matomo: Some(crate::desired::model::MatomoSection {
            url: Some(url.to_string()),
        }),
        instance: config.instance.clone(),
        ..Config::default()
    };
    let instance_findings: Vec<Finding> = findings
        .iter()
        .filter(|f| !f.subject.starts_with("site["))
        .cloned()
        .collect();
    crate::files::write_private(
        &dir.join("instance.yaml"),
        &render_file(&instance_file, &instance_findings, notes, url, false),
    )
    .with_context(|| format!("cannot write {}", dir.join("instance.yaml").display()))?;
    for (key, site) in &config.sites {
        let one = Config {
            sites: BTreeMap::from([(key.clone(), site.clone())]),
            ..Config::default()
        };
        let subject = format!("site[{key}]");
        let site_findings: Vec<Finding> = findings
            .iter()
            .filter(|f| f.subject == subject)
            .cloned()
            .collect();
        let path = dir.join(format!("{key}.yaml"));
        let notes: Vec<String> = site_notes
            .iter()
            .filter(|(site, _)| site == key)
            .map(|(_, note)| note.clone())
            .collect();
        crate::files::write_private(
            &path,
            &render_file(&one, &site_findings, &notes, url, false),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!(
        "Imported {} into {}/ (one file per site, instance.yaml).",
        crate::render::plural(config.sites.len(), "site", "sites"),
        dir.display().to_string().trim_end_matches('/')
    );
    Ok(())
}

/// A finding on one line: `violation [rule] subject: message` (or `warning …`).
fn finding_line(f: &Finding) -> String {
    let level = if f.severity == Severity::Error {
        "violation"
    } else {
        "warning"
    };
    format!("{level} [{}] {}: {}", f.rule, f.subject, f.message)
}

/// One YAML file: the schema line, the policy findings and the notes on unreadable
/// settings as comments, the configuration.
fn render_file(
    config: &Config,
    findings: &[Finding],
    notes: &[String],
    url: &str,
    with_url: bool,
) -> String {
    let mut out = format!("# yaml-language-server: $schema={SCHEMA_FILE}\n");
    out.push_str(&format!(
        "# Imported from {url} by matoform {}.\n",
        crate::VERSION
    ));
    let open: Vec<&Finding> = findings.iter().filter(|f| f.waived.is_none()).collect();
    if !open.is_empty() {
        out.push_str("#\n# Policy findings to fix (or waive with a reason):\n");
        for f in open {
            out.push_str(&format!("#   {}\n", finding_line(f)));
        }
    }
    if !notes.is_empty() && (config.instance.is_some() || !config.sites.is_empty()) {
        out.push_str("#\n# Not imported:\n");
        for note in notes {
            out.push_str(&format!("# {note}.\n"));
        }
    }
    let mut config = config.clone();
    if with_url {
        config.matomo = Some(crate::desired::model::MatomoSection {
            url: Some(url.to_string()),
        });
    }
    out.push_str(&serde_yaml::to_string(&config).unwrap_or_default());
    out
}
