//! What every command that talks to Matomo needs: the configuration, the connection,
//! the live state, and the plan built from them.

use std::path::Path;

use anyhow::{Context as _, bail};
use sha2::{Digest, Sha256};

use crate::cli::{ConfigArgs, ConnectionArgs};
use crate::desired::{self, Loaded};
use crate::diff::{self, Bindings, DiffOptions};
use crate::exit::Reported;
use crate::live::{LiveState, SNAPSHOT_FORMAT_VERSION, read};
use crate::matomo::{Client, ClientConfig, Secret};
use crate::plan::{PLAN_FORMAT_VERSION, Plan, PlanTarget, Summary};
use crate::policy::{self, Severity};

/// Loads and validates the configuration, printing every problem (then exit 1).
pub fn load_config(args: &ConfigArgs) -> anyhow::Result<Loaded> {
    let path = desired::resolve_path(args.config.as_deref())?;
    match desired::load(&path) {
        Ok(loaded) => Ok(loaded),
        Err(diagnostics) => {
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            let message = format!(
                "{} found in {}.",
                crate::render::plural(diagnostics.len(), "problem", "problems"),
                path.display()
            );
            eprintln!("{message}");
            Err(Reported(message).into())
        }
    }
}

/// Loads the configuration when there is one: the one `-c` names, else the default
/// places `plan` looks in (./matoform.yaml, ./matoform.yml, ./matoform/). `None` when
/// none exists. For the commands that also work without one (`audit`, `snapshot`).
pub fn load_config_if_present(args: &ConfigArgs) -> anyhow::Result<Option<Loaded>> {
    let present = args.config.is_some() || desired::resolve_path(None).is_ok();
    if present {
        load_config(args).map(Some)
    } else {
        Ok(None)
    }
}

/// SHA-256 of the configuration (canonical JSON).
pub fn config_digest(loaded: &Loaded) -> String {
    let bytes = serde_json::to_vec(&loaded.config).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// Builds the client from flags, environment and configuration.
/// URL: `--url`, else `MATOMO_URL`, else `matomo.url`. Token: `--token-file`, else
/// `MATOMO_TOKEN`. Password: `MATOMO_PASSWORD`. Login (for reading the admin pages
/// with the password): `MATOMO_LOGIN`. `--parallelism` bounds the requests in flight.
pub fn client(args: &ConnectionArgs, loaded: Option<&Loaded>) -> anyhow::Result<Client> {
    let url = args
        .url
        .clone()
        .or_else(|| std::env::var("MATOMO_URL").ok().filter(|s| !s.is_empty()))
        .or_else(|| {
            loaded
                .and_then(|l| l.config.matomo.as_ref())
                .and_then(|m| m.url.clone())
        })
        .context(
            "no Matomo URL: set MATOMO_URL, pass --url, or set matomo.url in the configuration",
        )?;
    let token = match &args.token_file {
        Some(path) => Some(Secret::token(&std::fs::read_to_string(path).with_context(
            || format!("cannot read the token file {}", path.display()),
        )?)),
        None => std::env::var("MATOMO_TOKEN")
            .ok()
            .map(|token| Secret::token(&token)),
    }
    .filter(|t| !t.is_empty());
    if token.is_none() {
        bail!(
            "no Matomo token: set MATOMO_TOKEN or pass --token-file PATH (never put a token on the command line)"
        );
    }
    let password = std::env::var("MATOMO_PASSWORD")
        .ok()
        .map(Secret::new)
        .filter(|p| !p.is_empty());
    let login = std::env::var("MATOMO_LOGIN")
        .ok()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty());
    if args.insecure {
        eprintln!(
            "Warning: --insecure: TLS certificates are not verified. Use it only against a test instance."
        );
    }
    if args.insecure_http && crate::matomo::is_plain_http_remote(&url) {
        eprintln!(
            "Warning: --insecure-http: the token and the password are sent unencrypted to {}. Use it only against a test instance on a trusted network.",
            crate::matomo::shown_url(&url)
        );
    }
    let mut config = ClientConfig::new(url);
    config.token = token;
    config.password = password;
    config.login = login;
    config.ca_cert = args.ca_cert.clone();
    config.insecure = args.insecure;
    config.insecure_http = args.insecure_http;
    config.connect_timeout = std::time::Duration::from_secs(args.connect_timeout);
    config.request_timeout = std::time::Duration::from_secs(args.timeout);
    config.bulk_size = usize::try_from(args.bulk_size).unwrap_or(crate::matomo::MAX_BULK_SIZE);
    config.parallelism = args.parallelism.max(1);
    Ok(Client::new(config)?)
}

/// Reads a live-state snapshot file.
pub fn read_snapshot(path: &Path) -> anyhow::Result<LiveState> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the snapshot {}", path.display()))?;
    let live: LiveState = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a matoform live-state snapshot", path.display()))?;
    if live.format_version != SNAPSHOT_FORMAT_VERSION {
        bail!(
            "{} has snapshot format version {}, this matoform reads version {SNAPSHOT_FORMAT_VERSION}; take the snapshot again",
            path.display(),
            live.format_version
        );
    }
    Ok(live)
}

/// What to read from Matomo for a configuration.
pub struct Scope<'a> {
    /// The effective desired configuration.
    pub desired: &'a crate::desired::model::Config,
    /// Site filter.
    pub sites: &'a [String],
    /// Read per-site objects one request at a time.
    pub naive: bool,
    /// Also read unmanaged sites in detail (prune, snapshots).
    pub all_sites: bool,
    /// Read the instance settings even without an `instance:` section.
    pub instance: bool,
}

/// Reads exactly what the configuration manages: the site list, the bound sites in
/// detail, and the instance settings when the configuration has them.
pub async fn read_live(
    client: &Client,
    scope: &Scope<'_>,
) -> anyhow::Result<(LiveState, Bindings)> {
    let (info, listed) = read::read_sites(client).await?;
    let read_instance =
        (scope.desired.instance.is_some() && scope.sites.is_empty()) || scope.instance;
    if read_instance && !info.superuser {
        bail!(
            "instance: the configuration manages the instance settings, which need a superuser token, and this token's user is not a superuser; use a superuser token, or leave the instance: section out of this configuration (or limit the run to your sites with --site KEY)"
        );
    }
    let bindings = bind(scope.desired, &listed)?;
    let wanted: Vec<u64> = if scope.all_sites {
        listed.iter().map(|s| s.id).collect()
    } else {
        // The bound sites (within `--site`), and the unmanaged sites prune deletes.
        let pruned = listed.iter().filter(|s| {
            scope.sites.is_empty()
                && bindings.unmanaged.contains(&s.id)
                && scope.desired.prune_selects(s.id, &s.group, &s.name)
        });
        bindings
            .sites
            .iter()
            .filter(|(key, _)| scope.sites.is_empty() || scope.sites.contains(key))
            .filter_map(|(_, id)| *id)
            .chain(pruned.map(|s| s.id))
            .collect()
    };
    let mut detailed: Vec<_> = listed
        .iter()
        .filter(|s| wanted.contains(&s.id))
        .cloned()
        .collect();
    read::read_site_details(client, &info, &mut detailed, scope.naive).await?;
    // The dimension slots are read only where the configuration creates a dimension (one
    // bound neither by `id:` nor by name and scope), so that plan can refuse what the
    // slots cannot hold instead of failing in the middle of the apply.
    let slots_for: Vec<u64> = bindings
        .sites
        .iter()
        .filter(|(key, _)| scope.sites.is_empty() || scope.sites.contains(key))
        .filter_map(|(key, id)| Some((scope.desired.sites.get(key)?, (*id)?)))
        .filter(|(site, id)| {
            let live = detailed
                .iter()
                .find(|s| s.id == *id)
                .and_then(|s| s.custom_dimensions.as_ref());
            site.custom_dimensions.as_ref().is_some_and(|dims| {
                dims.values().any(|dim| match (dim.id, live) {
                    (Some(id), Some(live)) => !live.contains_key(&id),
                    (None, Some(live)) => !live
                        .values()
                        .any(|l| l.name == dim.name && l.scope == dim.scope),
                    (_, None) => false,
                })
            })
        })
        .map(|(_, id)| id)
        .collect();
    read::read_dimension_slots(client, &mut detailed, &slots_for).await?;
    // A superuser's plan also reads the instance settings the configuration does not
    // manage, only so that the policy can judge them (they are never diffed). After the
    // sites, not at the same time: the order of requests stays deterministic.
    let judge_instance = info.superuser && scope.sites.is_empty();
    let instance = if read_instance || judge_instance {
        Some(read::read_instance(client, &info).await?)
    } else {
        None
    };
    let live = LiveState {
        format_version: SNAPSHOT_FORMAT_VERSION,
        matomo: info,
        sites: detailed.into_iter().map(|s| (s.id, s)).collect(),
        unmanaged_site_ids: bindings.unmanaged.clone(),
        unmanaged_site_urls: listed
            .iter()
            .filter(|s| bindings.unmanaged.contains(&s.id) && !wanted.contains(&s.id))
            .map(|s| (s.id, s.urls.clone()))
            .collect(),
        instance,
    };
    Ok((live, bindings))
}

/// Reads every site the token administers in detail (or only the sites `ids`, each
/// of which must be administered), and the instance settings when the token is a
/// superuser: what `audit`, `import` and a config-less `snapshot` need.
pub async fn read_all(client: &Client, ids: &[u64]) -> anyhow::Result<LiveState> {
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
        unmanaged_site_urls: Default::default(),
        instance,
    })
}

/// Binds sites, turning binding errors into a reported error.
pub fn bind(
    desired: &crate::desired::model::Config,
    listed: &[crate::live::SiteState],
) -> anyhow::Result<Bindings> {
    diff::bind(desired, listed).map_err(|errors| {
        for error in &errors {
            eprintln!("Error: {error}");
        }
        Reported(format!("{} binding problem(s)", errors.len())).into()
    })
}

/// Bindings for a snapshot: every site in it is a candidate. Refuses, with the fix, a
/// snapshot that does not cover the configuration: one without the instance settings it
/// manages, or one that only listed a site the configuration binds (by id, or by URL
/// through the URLs the snapshot recorded), or, for a snapshot that did not record those
/// URLs, any site bound by URL that matches none it read (it might exist unread).
/// `retake` is the command that takes the right snapshot.
pub fn bind_snapshot(
    desired: &crate::desired::model::Config,
    live: &LiveState,
    site_filter: &[String],
    retake: &str,
) -> anyhow::Result<Bindings> {
    let mut gaps = Vec::new();
    if desired.instance.is_some() && live.instance.is_none() && site_filter.is_empty() {
        gaps.push("the configuration has an `instance:` section but the snapshot holds no instance settings".to_string());
    }
    // The sites the snapshot only listed, as candidates with their URLs (when recorded).
    let mut listed: Vec<_> = live.sites.values().cloned().collect();
    for id in &live.unmanaged_site_ids {
        if !live.sites.contains_key(id) {
            listed.push(crate::live::SiteState {
                id: *id,
                urls: live
                    .unmanaged_site_urls
                    .get(id)
                    .cloned()
                    .unwrap_or_default(),
                ..Default::default()
            });
        }
    }
    let unread = |id: &u64| live.unmanaged_site_ids.contains(id) && !live.sites.contains_key(id);
    let urls_unknown = live
        .unmanaged_site_ids
        .iter()
        .filter(|id| unread(id) && !live.unmanaged_site_urls.contains_key(*id))
        .count();
    let mut uncovered = Vec::new();
    let bindings = bind(desired, &listed)?;
    for (key, site) in &desired.sites {
        if !site_filter.is_empty() && !site_filter.contains(key) {
            continue;
        }
        let bound = bindings.sites.get(key).copied().flatten();
        let url = site.urls.first().map(String::as_str).unwrap_or("");
        match (bound, site.id) {
            (Some(id), Some(_)) if unread(&id) => gaps.push(format!(
                "site `{key}` (id {id}) is only listed in the snapshot, not read in detail"
            )),
            (Some(id), None) if unread(&id) => gaps.push(format!(
                "site `{key}` ({url}) is live site {id}, which the snapshot only listed, not read in detail"
            )),
            (None, None) if urls_unknown > 0 => gaps.push(format!(
                "site `{key}` ({url}) is bound by URL, and the snapshot does not record the URLs of the {} it only listed: it cannot tell whether the site exists",
                crate::render::plural(urls_unknown, "site", "sites")
            )),
            _ => continue,
        }
        uncovered.push(key.as_str());
    }
    if !gaps.is_empty() {
        for gap in &gaps {
            eprintln!("Error: {gap}");
        }
        let sites = if uncovered.is_empty() {
            String::new()
        } else {
            format!(" (sites {})", uncovered.join(", "))
        };
        bail!(
            "the snapshot does not cover this configuration{sites}, it was not taken for it; take it again with this configuration: `{retake}` (or `matoform snapshot --instance -o FILE` for every site and the instance), with a superuser token for the instance"
        );
    }
    let mut bindings = bindings;
    bindings.unmanaged.sort_unstable();
    Ok(bindings)
}

/// Whether a `--site` value is a Matomo id (all digits) rather than a key.
pub fn is_site_id(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

/// The candidates closest to `word` (likely typos), best first, at most three.
pub fn close_matches<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(word, c), c))
        .filter(|(score, _)| *score >= 0.5)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// " (did you mean a, b?)" for the close matches, or nothing.
pub fn did_you_mean(matches: &[&str]) -> String {
    if matches.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", matches.join(", "))
    }
}

/// Resolves `--site` values to configuration keys: a value that is all digits is a
/// Matomo id, matched against the sites' `id:`; any other value is a key. Refuses (before
/// anything is read from Matomo) an unknown key or id, naming it with close matches, and
/// a site another repository owns ([`check_site_filter`]).
pub fn site_keys(
    desired: &crate::desired::model::Config,
    values: &[String],
) -> anyhow::Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut unknown_ids = Vec::new();
    for value in values {
        if !is_site_id(value) {
            keys.push(value.clone());
            continue;
        }
        let id = value.parse::<u64>().ok();
        match desired
            .sites
            .iter()
            .find(|(_, site)| id.is_some() && site.id == id)
        {
            Some((key, _)) => keys.push(key.clone()),
            None => unknown_ids.push(value.as_str()),
        }
    }
    if !unknown_ids.is_empty() {
        let with_ids: Vec<String> = desired
            .sites
            .iter()
            .filter_map(|(key, site)| site.id.map(|id| (id.to_string(), key)))
            .map(|(id, key)| format!("{id} ({key})"))
            .collect();
        let ids: Vec<String> = desired
            .sites
            .values()
            .filter_map(|site| site.id.map(|id| id.to_string()))
            .collect();
        let close: Vec<String> = unknown_ids
            .iter()
            .flat_map(|id| close_matches(id, ids.iter().map(String::as_str)))
            .map(|id| {
                let key = desired
                    .sites
                    .iter()
                    .find(|(_, s)| s.id.is_some_and(|i| i.to_string() == id))
                    .map(|(k, _)| k.as_str())
                    .unwrap_or_default();
                format!("{id} ({key})")
            })
            .collect();
        let close: Vec<&str> = close.iter().map(String::as_str).collect();
        bail!(
            "--site {}: no site with this Matomo id in the configuration{}; the sites with an `id:` are: {} (a value of digits is an id; a site bound by its URL gets its id from `matoform pin`, or name it by its key)",
            unknown_ids.join(", "),
            did_you_mean(&close),
            if with_ids.is_empty() {
                "(none)".to_string()
            } else {
                with_ids.join(", ")
            }
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    keys.retain(|key| seen.insert(key.clone()));
    check_site_filter(desired, &keys)?;
    Ok(keys)
}

/// Refuses a `--site` key the configuration does not have, naming the keys it has (or,
/// past 20 keys, only the close matches). Called before anything is read from Matomo.
pub fn check_site_filter(
    desired: &crate::desired::model::Config,
    site_filter: &[String],
) -> anyhow::Result<()> {
    let unknown: Vec<&str> = site_filter
        .iter()
        .filter(|key| !desired.sites.contains_key(*key))
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        // A site another repository owns is planned and applied from there.
        for key in site_filter {
            let Some(site) = desired.sites.get(key) else {
                continue;
            };
            if site.owned_elsewhere(desired.owner_label()) {
                let owner = site.owner.as_deref().unwrap_or_default();
                bail!(
                    "--site {key}: owned by `{owner}`, not by this configuration (`{}`); plan and apply it from `{owner}`'s configuration",
                    desired.owner_label().unwrap_or_default()
                );
            }
        }
        return Ok(());
    }
    let keys: Vec<&str> = desired.sites.keys().map(String::as_str).collect();
    let close: Vec<&str> = unknown
        .iter()
        .flat_map(|key| close_matches(key, keys.iter().copied()))
        .collect();
    let listed = if keys.is_empty() {
        "; the keys are: (none)".to_string()
    } else if keys.len() <= 20 {
        format!("; the keys are: {}", keys.join(", "))
    } else {
        format!("; the configuration has {} sites", keys.len())
    };
    bail!(
        "--site {}: no site with this key in the configuration{listed}{}",
        unknown.join(", "),
        did_you_mean(&close)
    )
}

/// Builds the plan: diff, policy, summary. `today` dates waivers.
pub fn build_plan(
    loaded: &Loaded,
    desired: &crate::desired::model::Config,
    live: &LiveState,
    bindings: &Bindings,
    site_filter: &[String],
    today: chrono::NaiveDate,
) -> anyhow::Result<Plan> {
    check_site_filter(desired, site_filter)?;
    let (unread_defaults, not_blind) = without_blind_defaults(&loaded.config, desired, live);
    let desired = &unread_defaults;
    let diff = diff::diff(
        desired,
        live,
        bindings,
        &DiffOptions {
            site_filter: site_filter.to_vec(),
        },
    )
    .map_err(|errors| {
        for error in &errors {
            eprintln!("Error: {error}");
        }
        anyhow::Error::from(Reported(format!("{} planning problem(s)", errors.len())))
    })?;
    let judged = policy::judged_state(desired, live, &bindings.sites)?;
    let mut findings = policy::evaluate(&judged, &loaded.baseline, today);
    if desired.instance.is_none() {
        // The instance is not managed here: its findings inform, they do not block.
        for finding in findings.iter_mut().filter(|f| f.subject == "instance") {
            finding.severity = Severity::Warning;
            finding.message.push_str(
                " (the instance settings are not managed by this configuration: tell the instance's administrators)",
            );
        }
    }
    let repository = desired.owner_label();
    for (key, site) in &desired.sites {
        let Some(owner) = site
            .owner
            .as_deref()
            .filter(|_| site.owned_elsewhere(repository))
        else {
            continue;
        };
        // Another repository's site: its findings inform, they do not block here.
        let subject = format!("site[{key}]");
        for finding in findings.iter_mut().filter(|f| f.subject == subject) {
            finding.severity = Severity::Warning;
            finding.message.push_str(&format!(
                " (the site is owned by `{owner}`, not changed by this configuration: tell its owners)"
            ));
        }
    }
    if !site_filter.is_empty() {
        findings.retain(|f| {
            site_filter
                .iter()
                .any(|key| f.subject == format!("site[{key}]"))
                || !f.subject.starts_with("site[")
        });
    }
    // Known violations are counted, not listed: a thousand-site adoption would
    // otherwise drown the findings that matter.
    let known = policy::baseline::known_counts(&findings);
    findings.retain(|f| f.known.is_none());
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        matoform_version: crate::VERSION.to_string(),
        matomo: PlanTarget {
            url: live.matomo.url.clone(),
            version: live.matomo.version.clone(),
        },
        config_digest: config_digest(loaded),
        site_filter: site_filter.to_vec(),
        changes: diff.changes,
        asserted: diff.asserted,
        summary: Summary {
            managed_sites: diff.managed_sites,
            unmanaged_sites: diff.unmanaged_sites,
            violations: findings.iter().filter(|f| f.blocks()).count(),
            warnings: findings
                .iter()
                .filter(|f| f.severity == Severity::Warning && f.waived.is_none())
                .count(),
            waived: findings.iter().filter(|f| f.waived.is_some()).count(),
            known: known.values().sum(),
            ..Summary::default()
        },
        findings,
        known,
        rules: Default::default(),
        fingerprints: diff.fingerprints,
        warnings: diff.warnings.into_iter().chain(not_blind).collect(),
    };
    plan.sort();
    plan.recount();
    plan.index_rules();
    Ok(plan)
}

/// The desired configuration without the instance settings that Matomo did not let
/// matoform read and that only the policy's defaults supply: those are never written
/// blind into an instance-wide setting (a value the configuration states is). Returns
/// that configuration and one warning per setting left unmanaged.
pub fn without_blind_defaults(
    stated: &crate::desired::model::Config,
    desired: &crate::desired::model::Config,
    live: &LiveState,
) -> (crate::desired::model::Config, Vec<String>) {
    let mut out = desired.clone();
    let mut warnings = Vec::new();
    let (Some(instance), Some(live_instance)) = (out.instance.as_mut(), live.instance.as_ref())
    else {
        return (out, warnings);
    };
    let stated = stated.instance.as_ref();
    let how = "set MATOMO_LOGIN and MATOMO_PASSWORD so that matoform reads it from Matomo's admin pages, or state it in instance:";
    // A section the configuration states is managed (the policy's defaults complete
    // it, as `import` leaves out the values equal to them); one it leaves out is not.
    if live_instance.privacy.is_none()
        && instance.privacy.is_some()
        && stated.is_none_or(|i| i.privacy.is_none())
    {
        instance.privacy = None;
        warnings.push(format!(
            "instance.privacy: not readable on Matomo {} and not stated in the configuration, so not managed until read or stated (the policy's compliant values are never written blind); {how}",
            live.matomo.version
        ));
    }
    if live_instance.retention.is_none()
        && instance.retention.is_some()
        && stated.is_none_or(|i| i.retention.is_none())
    {
        instance.retention = None;
        warnings.push(format!(
            "instance.retention: not readable through Matomo's API and not stated in the configuration, so not managed until read or stated (the policy's compliant values are never written blind); {how}"
        ));
    }
    (out, warnings)
}

/// Today's date (UTC), or `MATOFORM_TODAY` (YYYY-MM-DD) for reproducible tests.
pub fn today() -> chrono::NaiveDate {
    std::env::var("MATOFORM_TODAY")
        .ok()
        .and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

/// A tokio runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(yaml: &str) -> crate::desired::model::Config {
        serde_yaml::from_str(yaml).expect("config")
    }

    const TWO: &str = "sites:\n  blog:\n    id: 3\n    name: Blog\n    urls: [https://blog.example.com]\n  shop:\n    name: Shop\n    urls: [https://shop.example.com]\n";

    #[test]
    fn a_value_of_digits_is_an_id() {
        assert!(is_site_id("42"));
        assert!(!is_site_id("site-42"));
        assert!(!is_site_id(""));
        assert!(!is_site_id("-1"));
    }

    #[test]
    fn site_values_resolve_to_keys_ids_through_the_configuration() {
        let desired = config(TWO);
        let keys =
            site_keys(&desired, &["3".into(), "shop".into(), "blog".into()]).expect("resolves");
        assert_eq!(keys, ["blog", "shop"]);
        let error = site_keys(&desired, &["33".into()]).expect_err("unknown id");
        assert!(
            error.to_string().starts_with(
                "--site 33: no site with this Matomo id in the configuration (did you mean 3 (blog)?); the sites with an `id:` are: 3 (blog)"
            ),
            "{error}"
        );
        let error = site_keys(&desired, &["blgo".into()]).expect_err("unknown key");
        assert_eq!(
            error.to_string(),
            "--site blgo: no site with this key in the configuration; the keys are: blog, shop (did you mean blog?)"
        );
    }

    #[test]
    fn close_matches_are_likely_typos_best_first() {
        let keys = ["blog", "blog-archive", "shop", "wiki"];
        assert_eq!(close_matches("blgo", keys), ["blog"]);
        assert_eq!(close_matches("zzzz", keys), Vec::<&str>::new());
    }
}
