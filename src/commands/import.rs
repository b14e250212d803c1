//! `matoform import`: write configuration YAML that describes the live instance.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, bail};

use super::context;
use crate::cli::ImportArgs;
use crate::desired::model::{Config, Site};
use crate::exit::Outcome;
use crate::live::{LiveState, SNAPSHOT_FORMAT_VERSION, read};
use crate::policy::{Finding, Severity};

const SCHEMA_FILE: &str = "matoform.schema.json";

/// Runs `import`.
pub fn run(args: &ImportArgs) -> anyhow::Result<Outcome> {
    if !args.all && args.sites.is_empty() && args.live_snapshot.is_none() {
        bail!(
            "say what to import: --all (every site the token administers) or --site ID (repeatable)"
        );
    }
    let live = match &args.live_snapshot {
        Some(path) => {
            let mut live = context::read_snapshot(path)?;
            if !args.sites.is_empty() {
                live.sites.retain(|id, _| args.sites.contains(id));
            }
            live
        }
        None => {
            let client = context::client(&args.connection, None, 4)?;
            let runtime = context::runtime()?;
            runtime.block_on(read_for_import(&client, &args.sites))?
        }
    };
    let config = crate::import::to_config(&live);
    let config = if args.explicit {
        config
    } else {
        crate::import::without_defaults(&config)
    };
    let findings = crate::policy::evaluate(&crate::import::to_config(&live), context::today());
    for finding in findings.iter().filter(|f| f.waived.is_none()) {
        eprintln!(
            "{}: [{}] {}",
            finding.subject, finding.rule, finding.message
        );
    }
    let url = live.matomo.url.clone();
    match &args.out {
        None => print!("{}", render_file(&config, &findings, &url, None, true)),
        Some(path) if path.is_dir() || path.to_string_lossy().ends_with('/') => {
            write_directory(path, &config, &findings, &url)?
        }
        Some(path) => {
            std::fs::write(path, render_file(&config, &findings, &url, None, true))
                .with_context(|| format!("cannot write {}", path.display()))?;
            write_schema(path.parent().unwrap_or(Path::new(".")))?;
            eprintln!(
                "Imported {} sites into {}.",
                config.sites.len(),
                path.display()
            );
        }
    }
    Ok(Outcome::Success)
}

async fn read_for_import(client: &crate::matomo::Client, ids: &[u64]) -> anyhow::Result<LiveState> {
    let (info, listed) = read::read_sites(client).await?;
    for id in ids {
        if !listed.iter().any(|s| s.id == *id) {
            bail!("--site {id}: no such site, or the token has no admin access to it");
        }
    }
    let mut sites: Vec<_> = listed
        .into_iter()
        .filter(|s| ids.is_empty() || ids.contains(&s.id))
        .collect();
    read::read_site_details(client, &info, &mut sites, false).await?;
    let instance = if info.superuser {
        Some(read::read_instance(client, &info).await?)
    } else {
        None
    };
    Ok(LiveState {
        format_version: SNAPSHOT_FORMAT_VERSION,
        matomo: info,
        sites: sites.into_iter().map(|s| (s.id, s)).collect(),
        unmanaged_site_ids: Vec::new(),
        instance,
    })
}

fn write_schema(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(SCHEMA_FILE);
    std::fs::write(&path, crate::schema::schema_json())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn write_directory(
    dir: &Path,
    config: &Config,
    findings: &[Finding],
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
    std::fs::write(
        dir.join("instance.yaml"),
        render_file(&instance_file, &instance_findings, url, None, false),
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
        std::fs::write(
            &path,
            render_file(&one, &site_findings, url, Some(site), false),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!(
        "Imported {} sites into {}/ (one file per site, instance.yaml).",
        config.sites.len(),
        dir.display()
    );
    Ok(())
}

/// One YAML file: the schema line, the policy findings as comments, the configuration.
fn render_file(
    config: &Config,
    findings: &[Finding],
    url: &str,
    _site: Option<&Site>,
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
            let level = if f.severity == Severity::Error {
                "violation"
            } else {
                "warning"
            };
            out.push_str(&format!(
                "#   {level} [{}] {}: {}\n",
                f.rule, f.subject, f.message
            ));
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
