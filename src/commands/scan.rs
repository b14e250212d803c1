//! `matoform scan`: read the reports Matomo has already built (and the visitor log),
//! find personal data in them, and report it redacted, with remedies; the findings are
//! violations of the `scan.*` rules, subject to the configuration's waivers and
//! baseline.

use anyhow::{Context as _, bail};
use clap::Args;

use super::context;
use crate::cli::{ConfigArgs, ConnectionArgs, Format};
use crate::exit::Outcome;
use crate::matomo::reports::{self as wire, ReportPeriod};
use crate::render::scan::{self as render, ScanOptions};
use crate::scan::examine::Findings;
use crate::scan::model::{self, SCAN_FORMAT_VERSION, Scan, ScannedSite};
use crate::scan::read::{self, Plugins, Target};

/// `scan`.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Configuration (optional; ./matoform.yaml or ./matoform/ when present): scan its
    /// sites, with its keys, waivers and baseline. Without one, every site the token
    /// can view is scanned.
    #[command(flatten)]
    pub config: ConfigArgs,

    /// Only this site: a configuration key or a Matomo id (repeatable).
    #[arg(long = "site", value_name = "KEY|ID")]
    pub sites: Vec<String>,

    /// The reports' period.
    #[arg(long, value_name = "PERIOD", default_value = "day", value_parser = ["day", "week", "month", "year", "range"])]
    pub period: String,

    /// The reports' date: `yesterday` (for a nightly run), `today`, `YYYY-MM-DD`,
    /// `lastN` / `previousN` (with --period range or day), or `YYYY-MM-DD,YYYY-MM-DD`
    /// (with --period range).
    #[arg(long, value_name = "DATE", default_value = "yesterday")]
    pub date: String,

    /// Rows read per report at most; the output says which reports were cut there.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub rows: u64,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// List every finding (waived and known ones included), not only the first 20
    /// violations.
    #[arg(long)]
    pub all: bool,

    /// Chat: the message's first line.
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,

    /// Markdown and chat: keep the output under N characters.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2000..))]
    pub max_chars: Option<u64>,

    /// Print the rendering (chat, Markdown or text) as an incoming-webhook payload,
    /// `{"text": "…"}`.
    #[arg(long)]
    pub webhook_payload: bool,

    /// Exit 2 when personal data was found but every finding is waived or known (exit
    /// 3 on violations either way).
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Record this scan's violations in the baseline beside the configuration
    /// (`baseline.yaml`), as `matoform baseline --add` does for the policy's: they are
    /// known from then on and no longer block (exit 0), until they are fixed and removed.
    #[arg(long)]
    pub baseline_add: bool,

    /// Connection.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Runs `scan`.
pub fn run(args: &ScanArgs) -> anyhow::Result<Outcome> {
    check_args(args)?;
    let loaded = context::load_config_if_present(&args.config)?;
    let client = context::client(&args.connection, loaded.as_ref())?;
    let runtime = context::runtime()?;
    let period = ReportPeriod {
        period: args.period.clone(),
        date: args.date.clone(),
        rows: args.rows,
    };
    let (info, mut answers) = runtime
        .block_on(crate::live::read::detect_with(
            &client,
            &[wire::sites_with_view()],
        ))
        .map_err(read::shown_error)?;
    let listed = answers
        .pop()
        .context("Matomo answered no site list")?
        .map_err(read::shown_error)?;
    let viewed = wire::viewed_sites(&listed)
        .map_err(|e| anyhow::anyhow!("SitesManager.getSitesWithAtLeastViewAccess: {e}"))?;
    let targets = targets(args, loaded.as_ref(), viewed)?;
    let plugin = |name: &str| info.plugins.get(name).copied().unwrap_or(false);
    let plugins = Plugins {
        custom_dimensions: plugin("CustomDimensions"),
        live: plugin("Live"),
        user_id: plugin("UserId"),
    };
    tracing::info!(sites = targets.len(), "scanning the reports");
    let read = runtime
        .block_on(read::read(&client, &targets, plugins, &period))
        .map_err(read::shown_error)?;
    tracing::info!(requests = client.request_count(), "reports read");
    let mut scan = build(&info, &period, &targets, read, loaded.as_ref());
    let config = loaded.as_ref().map(|l| &l.config);
    let baseline = loaded.as_ref().map(|l| &l.baseline);
    for warning in crate::scan::judge::judge(&mut scan, config, baseline, context::today()) {
        eprintln!("Warning: {warning}");
    }
    if args.baseline_add {
        record_in_baseline(args, &mut scan, loaded.as_ref())?;
    }
    super::emit(&render_scan(&scan, args));
    if std::env::var_os("MATOFORM_STATS").is_some() {
        eprintln!(
            "matoform-stats requests={} peak_rss_kib={}",
            client.request_count(),
            super::plan::peak_rss_kib().unwrap_or(0)
        );
    }
    Ok(outcome(&scan, args.detailed_exitcode))
}

/// The exit outcome: 3 on violations; with `detailed`, 2 when there are findings, all
/// waived or known.
pub fn outcome(scan: &Scan, detailed: bool) -> Outcome {
    if scan.has_violations() {
        Outcome::Violations
    } else if detailed && !scan.findings.is_empty() {
        Outcome::Changes
    } else {
        Outcome::Success
    }
}

/// Renders the scan in the asked format.
pub fn render_scan(scan: &Scan, args: &ScanArgs) -> String {
    let options = ScanOptions {
        all: args.all,
        title: args.title.clone(),
        max_chars: args
            .max_chars
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
    };
    let text = match args.format {
        Format::Text => render::text(scan, &options),
        Format::Json => render::json(scan),
        Format::Markdown => render::markdown(scan, &options),
        Format::Chat => render::chat(scan, &options),
    };
    if args.webhook_payload {
        crate::render::chat::webhook_payload(&text)
    } else {
        text
    }
}

/// `--baseline-add`: writes the baseline with this scan's violations and tells which
/// entries were added (on stderr: stdout is the scan's rendering).
fn record_in_baseline(
    args: &ScanArgs,
    scan: &mut Scan,
    loaded: Option<&crate::desired::Loaded>,
) -> anyhow::Result<()> {
    let loaded = loaded
        .context("--baseline-add needs a configuration (-c): the baseline is kept beside it")?;
    let path = crate::desired::resolve_path(args.config.config.as_deref())?;
    let file = crate::desired::baseline::path_for(&path);
    let (recorded, added) = crate::scan::judge::record(scan, &loaded.baseline, context::today());
    if !added.is_empty() || !file.exists() {
        crate::files::write_private(&file, &crate::desired::baseline::render(&recorded))
            .with_context(|| format!("cannot write {}", file.display()))?;
    }
    for entry in &added {
        eprintln!(
            "Added [{}] {} (found {}) to {}.",
            entry.rule,
            entry.subject,
            entry.found,
            file.display()
        );
    }
    eprintln!(
        "Baseline {}: {} added, {} entries.",
        file.display(),
        added.len(),
        recorded.violations.len()
    );
    Ok(())
}

/// Refuses what does not fit, before anything is read.
fn check_args(args: &ScanArgs) -> anyhow::Result<()> {
    if args.title.is_some() && args.format != Format::Chat {
        bail!("--title is for --format chat: it is the message's first line");
    }
    if args.max_chars.is_some() && !matches!(args.format, Format::Markdown | Format::Chat) {
        bail!("--max-chars is for --format markdown and --format chat");
    }
    if args.webhook_payload && args.format == Format::Json {
        bail!(
            "--webhook-payload wraps a message: use it with --format chat (or markdown, text), not json"
        );
    }
    if !valid_date(&args.date) {
        bail!(
            "--date {}: not a date Matomo takes; use yesterday, today, YYYY-MM-DD, lastN, previousN or YYYY-MM-DD,YYYY-MM-DD",
            args.date
        );
    }
    let range = args.date.contains(',')
        || args.date.starts_with("last")
        || args.date.starts_with("previous");
    if range && args.period != "range" && args.period != "day" {
        bail!(
            "--date {}: a range of dates needs --period range (or day)",
            args.date
        );
    }
    if args.date.contains(',') && args.period != "range" {
        bail!("--date {}: two dates need --period range", args.date);
    }
    Ok(())
}

fn valid_date(date: &str) -> bool {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok();
    let count = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    match date {
        "today" | "yesterday" => true,
        d if d.starts_with("last") => count(&d[4..]),
        d if d.starts_with("previous") => count(&d[8..]),
        d => match d.split_once(',') {
            Some((a, b)) => day(a) && day(b),
            None => day(d),
        },
    }
}

/// The sites to scan: the configuration's (bound by id or URL) or every viewed site,
/// narrowed to `--site`.
fn targets(
    args: &ScanArgs,
    loaded: Option<&crate::desired::Loaded>,
    viewed: Vec<wire::ViewedSite>,
) -> anyhow::Result<Vec<Target>> {
    let mut targets: Vec<Target> = match loaded {
        Some(loaded) => {
            let listed: Vec<crate::live::SiteState> = viewed
                .iter()
                .map(|s| crate::live::SiteState {
                    id: s.id,
                    name: s.name.clone(),
                    urls: s.urls.clone(),
                    ..Default::default()
                })
                .collect();
            let bindings = context::bind(&loaded.config, &listed)?;
            let mut out = Vec::new();
            for (key, id) in &bindings.sites {
                match id.and_then(|id| viewed.iter().find(|s| s.id == id)) {
                    Some(site) => out.push(Target {
                        key: key.clone(),
                        site: site.clone(),
                    }),
                    None => eprintln!(
                        "Warning: site `{key}` is not in Matomo (or the token cannot view it): not scanned"
                    ),
                }
            }
            out
        }
        None => viewed
            .into_iter()
            .map(|site| Target {
                key: format!("site-{}", site.id),
                site,
            })
            .collect(),
    };
    if !args.sites.is_empty() {
        for wanted in &args.sites {
            if !targets
                .iter()
                .any(|t| &t.key == wanted || t.site.id.to_string() == *wanted)
            {
                bail!(
                    "--site {wanted}: no such site among those scanned (a configuration key, or the id of a site the token can view)"
                );
            }
        }
        targets.retain(|t| {
            args.sites
                .iter()
                .any(|w| *w == t.key || *w == t.site.id.to_string())
        });
    }
    targets.sort_by_key(|t| t.site.id);
    Ok(targets)
}

/// The scan result from what was read (not yet judged).
fn build(
    info: &crate::live::MatomoInfo,
    period: &ReportPeriod,
    targets: &[Target],
    read: read::Read,
    loaded: Option<&crate::desired::Loaded>,
) -> Scan {
    let Findings { by_key, rows } = read.findings;
    let config = loaded.map(|l| &l.config);
    let findings = by_key
        .into_iter()
        .map(|(key, collected)| model::Finding {
            rule: key.detector.id().to_string(),
            detector: key.detector,
            site: key.site.clone(),
            site_id: key.site_id,
            report: key.report,
            dimension: key.dimension.clone(),
            field: collected.field,
            parameter: key.parameter.clone(),
            rows: collected.rows,
            samples: collected.samples,
            remedy: crate::scan::remedy::remedy(&key, config),
            waived: None,
            known: None,
        })
        .collect();
    let mut scan = Scan {
        format_version: SCAN_FORMAT_VERSION,
        matoform_version: crate::VERSION.to_string(),
        matomo: model::Target {
            url: info.url.clone(),
            version: info.version.clone(),
        },
        period: period.period.clone(),
        date: period.date.clone(),
        rows: period.rows,
        summary: model::Summary {
            reports: read.reports,
            rows,
            ..model::Summary::default()
        },
        sites: targets
            .iter()
            .map(|t| ScannedSite {
                id: t.site.id,
                key: t.key.clone(),
                name: t.site.name.clone(),
            })
            .collect(),
        findings,
        truncated: read.truncated,
        not_read: read.not_read,
    };
    scan.finish();
    scan
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<ScanArgs, clap::Error> {
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            scan: ScanArgs,
        }
        Wrapper::try_parse_from(std::iter::once("scan").chain(args.iter().copied())).map(|w| w.scan)
    }

    #[test]
    fn defaults_fit_the_nightly_cron() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.period, "day");
        assert_eq!(args.date, "yesterday");
        assert_eq!(args.rows, 10_000);
        assert!(check_args(&args).is_ok());
    }

    #[test]
    fn dates_are_checked_before_anything_is_read() {
        for good in ["today", "2026-11-30", "last30"] {
            let args = parse(&["--date", good, "--period", "range"]).unwrap();
            assert!(check_args(&args).is_ok(), "{good}");
        }
        let args = parse(&["--date", "2026-11-01,2026-11-30", "--period", "day"]).unwrap();
        assert!(check_args(&args).is_err());
        let args = parse(&["--date", "soon"]).unwrap();
        let error = check_args(&args).unwrap_err().to_string();
        assert!(error.contains("yesterday, today"), "{error}");
        assert!(parse(&["--period", "decade"]).is_err());
        assert!(parse(&["--rows", "0"]).is_err());
    }
}
