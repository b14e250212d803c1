//! Command-line interface: clap definitions. Help text comes from these doc comments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::render::FindingsMode;
use crate::snippet::Flavour;

/// Matomo configuration as code: plan and apply site and instance settings from YAML,
/// with the CNIL consent-exemption policy built in.
///
/// Exit codes: 0 success / no changes; 1 error; 2 changes present (plan
/// --detailed-exitcode); 3 policy violations that are not waived.
#[derive(Debug, Parser)]
#[command(name = "matoform", version = crate::VERSION_LONG, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,

    /// More logging (-v: info, -vv: debug). RUST_LOG also works. Tokens are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Never use colour, in the output or the log lines (also: NO_COLOR). Colour is used
    /// on a terminal, or when CLICOLOR_FORCE is set.
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration without contacting Matomo.
    Validate(ValidateArgs),
    /// Print the JSON Schema of the configuration (or, with --plan, of the plan JSON).
    Schema(SchemaArgs),
    /// Show the changes that would make the live instance match the configuration.
    Plan(PlanArgs),
    /// Make the changes of a plan.
    Apply(ApplyArgs),
    /// Render a saved plan file (text, JSON or Markdown) without contacting Matomo.
    Show(ShowArgs),
    /// Check the live instance against the policy.
    Audit(AuditArgs),
    /// Print compliant tracking and opt-out code for a site.
    Snippet(SnippetArgs),
    /// Look for personal data in what Matomo has already collected (reports, visitor log).
    Scan(crate::commands::scan::ScanArgs),
    /// Write configuration YAML describing the live instance (and the baseline of its
    /// policy violations).
    Import(ImportArgs),
    /// Refresh the baseline (baseline.yaml beside the configuration): remove the
    /// violations that are fixed; with --add, record the current ones too.
    Baseline(BaselineArgs),
    /// Save the live state matoform reads as a JSON snapshot.
    Snapshot(SnapshotArgs),
    /// Write `id: N` into the YAML entry of each site bound by its first URL (e.g. just
    /// created), so that changing its URLs later keeps it bound. Changes nothing in
    /// Matomo; comments and layout are kept.
    Pin(PinArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
}

/// Where the configuration is.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Configuration file or directory (default: ./matoform.yaml, else ./matoform/).
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// How to reach Matomo. The token never goes on the command line.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Matomo base URL (default: MATOMO_URL, else the configuration's matomo.url).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Read the API token from this file (default: MATOMO_TOKEN).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Trust this CA certificate (PEM), for a private CA.
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,

    /// Do not verify TLS certificates. Dangerous: only for a test instance.
    #[arg(long)]
    pub insecure: bool,

    /// Accept a plain http:// Matomo URL on another machine (the token and the password
    /// then cross the network unencrypted). Without it, http:// is accepted only for
    /// 127.0.0.1, ::1 and localhost.
    #[arg(long)]
    pub insecure_http: bool,

    /// Connect timeout, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub connect_timeout: u64,

    /// Request timeout, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,

    /// Sub-requests per bulk read, at most 500 (PHP's max_input_vars limits a request to
    /// ~1000 fields; lower it when Matomo answers a truncated bulk read).
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=500))]
    pub bulk_size: u64,

    /// HTTP requests in flight at once, at least 1: the bulk reads sent together, and on
    /// apply the sites changed together (each site's changes go one after the other).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = parse_parallelism)]
    pub parallelism: usize,
}

/// `--parallelism`: a count of HTTP requests in flight, so at least 1 (0 would send
/// nothing and wait forever, and is refused rather than read as 1).
fn parse_parallelism(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err(
            "must be at least 1: it is the number of HTTP requests sent to Matomo at once"
                .to_string(),
        ),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "`{value}` is not a number: give the number of HTTP requests sent to Matomo at once (at least 1)"
        )),
    }
}

/// Output formats of plan, show, audit and scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text, Terraform style.
    Text,
    /// Versioned JSON (a plan: docs/plan-format.md and schema/plan.schema.json; a scan:
    /// docs/scan.md).
    Json,
    /// Markdown, for a pull-request comment.
    Markdown,
    /// A chat message (Mattermost, Slack): no tables, bullet lists, what needs action
    /// first, under 16,000 characters (plan, show and scan).
    Chat,
}

/// Output formats of the apply report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One line per change, then `Apply complete: …` or `Apply failed: …`.
    Text,
    /// A versioned JSON document (docs/plan-format.md, "The apply report").
    Json,
}

/// How a plan is printed (plan, show).
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Policy findings: `summary` lists them when few (at most 20 not waived), else
    /// by rule (count, examples, fix), the sites the plan changes first, waived ones
    /// counted; `all` lists every one, waived included; `none` prints only the counts.
    #[arg(long, value_enum, value_name = "WHICH", default_value_t = FindingsMode::Summary)]
    pub findings: FindingsMode,
    /// Markdown and chat: keep the output under N characters (default: 60,000 for
    /// Markdown, under GitHub's comment limit; 16,000 for chat, under Mattermost's post
    /// limit); what does not fit is left out, with a note saying what.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2000..))]
    pub max_chars: Option<u64>,
    /// Chat: the message's first line (e.g. which check on which machine).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Print the rendering (chat, Markdown or text) as an incoming-webhook payload,
    /// `{"text": "…"}`, for Mattermost or Slack: post it as it is (`curl --data-binary @FILE`).
    #[arg(long)]
    pub webhook_payload: bool,
}

/// `validate`.
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Policy findings: `summary` lists them when few (at most 20 not waived), else by
    /// rule (count, examples, fix), waived ones counted; `all` lists every one; `none`
    /// prints only the counts.
    #[arg(long, value_enum, value_name = "WHICH", default_value_t = FindingsMode::Summary)]
    pub findings: FindingsMode,
}

/// `schema`.
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// Print the schema of the plan JSON (`plan --format json`, plan files) instead:
    /// schema/plan.schema.json.
    #[arg(long)]
    pub plan: bool,
}

/// `baseline`.
#[derive(Debug, Clone, Args)]
pub struct BaselineArgs {
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,

    /// Also record every current violation that is not in the baseline (found today),
    /// creating the file if needed. Without it, entries are only ever removed.
    #[arg(long)]
    pub add: bool,
}

/// `plan`.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Connection.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Write the plan to this file, for `apply PLAN_FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Exit 2 when there are changes (3 on policy violations still wins).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Limit the plan to these sites, by configuration key or by Matomo id (all digits)
    /// (repeatable).
    #[arg(long = "site", value_name = "KEY|ID")]
    pub sites: Vec<String>,
    /// Plan against a saved live-state snapshot instead of Matomo (no network, no token);
    /// it must have been taken with this configuration (`snapshot -c`), else it is refused.
    #[arg(long, value_name = "FILE")]
    pub live_snapshot: Option<PathBuf>,
    /// Benchmark switch, hidden from `--help` (see `benches/plan_scale.rs`): read per-site
    /// objects one request per site and kind of object, 10 in flight, instead of in bulk.
    #[arg(long, hide = true)]
    pub naive_reads: bool,
}

/// `apply`.
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// A plan file written by `plan --out`. Without it, apply plans first.
    #[arg(value_name = "PLAN_FILE")]
    pub plan_file: Option<PathBuf>,
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Connection.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Apply even an oversized plan (many sites updated or deleted, or any site deleted).
    #[arg(long)]
    pub force: bool,
    /// Limit apply to these sites, by configuration key or by Matomo id (all digits)
    /// (repeatable).
    #[arg(long = "site", value_name = "KEY|ID")]
    pub sites: Vec<String>,
    /// The report's format: `text`, or `json` (a versioned document of what was applied,
    /// failed and not attempted, and the ids of created sites; docs/plan-format.md). With
    /// `json`, a fresh plan is not printed, so it needs --auto-approve or a PLAN_FILE.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Policy findings in the plan shown: `summary` (by rule when many), `all`, `none`.
    #[arg(long, value_enum, value_name = "WHICH", default_value_t = FindingsMode::Summary)]
    pub findings: FindingsMode,
}

/// `show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// A plan file written by `plan --out`.
    #[arg(value_name = "PLAN_FILE")]
    pub plan_file: PathBuf,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Configuration (optional: its policy thresholds and waivers are used when present).
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Connection.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Output format (text, json or markdown).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Policy findings: `summary` lists them when few (at most 20 not waived), else by
    /// rule (count, examples, fix), waived ones counted; `all` lists every one; `none`
    /// prints only the counts.
    #[arg(long, value_enum, value_name = "WHICH", default_value_t = FindingsMode::Summary)]
    pub findings: FindingsMode,
    /// Audit a saved live-state snapshot instead of Matomo.
    #[arg(long, value_name = "FILE")]
    pub live_snapshot: Option<PathBuf>,
}

/// `snippet`.
#[derive(Debug, Clone, Args)]
pub struct SnippetArgs {
    /// Site key in the configuration.
    #[arg(value_name = "SITE")]
    pub site: String,
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Connection (optional: used for the site id and the instance's own code).
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Which code to print.
    #[arg(long = "for", value_enum, default_value_t = Flavour::Html)]
    pub flavour: Flavour,
    /// Build the code locally, without contacting Matomo.
    #[arg(long)]
    pub offline: bool,
}

/// `import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Connection.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Import these sites, by Matomo id (all digits) or by the key import gives them
    /// (the slug of the name, e.g. `main-site`) (repeatable).
    #[arg(long = "site", value_name = "KEY|ID")]
    pub sites: Vec<String>,
    /// Import every site the token can administer.
    #[arg(long)]
    pub all: bool,
    /// Output: a directory (one file per site plus instance.yaml) or a file; default stdout.
    /// Files that exist are not overwritten without --force.
    #[arg(short = 'o', long = "out", value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Overwrite configuration files that already exist under --out (hand edits are lost).
    #[arg(long)]
    pub force: bool,
    /// Write values even when they equal the policy defaults.
    #[arg(long)]
    pub explicit: bool,
    /// Import from a snapshot instead of Matomo.
    #[arg(long, value_name = "FILE")]
    pub live_snapshot: Option<PathBuf>,
}

/// `snapshot`.
#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    /// Configuration (the snapshot holds what a plan of it reads; without one, every site).
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Connection.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Output file (default stdout).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Include the instance settings even when the configuration has no `instance:`.
    #[arg(long)]
    pub instance: bool,
}

/// `pin`.
#[derive(Debug, Clone, Args)]
pub struct PinArgs {
    /// Configuration (its files are edited in place).
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Connection.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// Shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn plan_flags_parse() {
        let cli = Cli::try_parse_from([
            "matoform",
            "plan",
            "-c",
            "conf",
            "--format",
            "markdown",
            "--detailed-exitcode",
            "--site",
            "a",
            "--site",
            "b",
            "--out",
            "p.json",
        ])
        .expect("parses");
        let Command::Plan(args) = cli.command else {
            panic!("not plan")
        };
        assert_eq!(args.output.format, Format::Markdown);
        assert_eq!(args.output.findings, FindingsMode::Summary);
        assert!(args.detailed_exitcode);
        assert_eq!(args.sites, ["a", "b"]);
    }

    #[test]
    fn output_flags_parse() {
        let cli = Cli::try_parse_from([
            "matoform",
            "show",
            "p.json",
            "--format",
            "chat",
            "--findings",
            "all",
            "--max-chars",
            "16000",
            "--title",
            "drift on host",
            "--webhook-payload",
        ])
        .expect("parses");
        let Command::Show(args) = cli.command else {
            panic!("not show")
        };
        assert_eq!(args.output.format, Format::Chat);
        assert_eq!(args.output.findings, FindingsMode::All);
        assert_eq!(args.output.max_chars, Some(16_000));
        assert_eq!(args.output.title.as_deref(), Some("drift on host"));
        assert!(args.output.webhook_payload);
        for findings in ["none", "summary", "all"] {
            for command in [
                vec!["validate"],
                vec!["audit"],
                vec!["apply"],
                vec!["plan"],
                vec!["show", "p.json"],
            ] {
                let mut argv = vec!["matoform"];
                argv.extend(command);
                argv.extend(["--findings", findings]);
                assert!(Cli::try_parse_from(&argv).is_ok(), "{argv:?}");
            }
        }
        assert!(Cli::try_parse_from(["matoform", "plan", "--findings", "some"]).is_err());
        assert!(Cli::try_parse_from(["matoform", "plan", "--max-chars", "100"]).is_err());
    }

    #[test]
    fn parallelism_has_one_meaning_and_refuses_zero() {
        for command in [
            vec!["plan"],
            vec!["apply"],
            vec!["audit"],
            vec!["snapshot"],
            vec!["import", "--all"],
            vec!["pin"],
        ] {
            let mut argv = vec!["matoform"];
            argv.extend(command.iter().copied());
            argv.extend(["--parallelism", "0"]);
            let error = Cli::try_parse_from(&argv).expect_err("0 refused");
            assert!(
                error.to_string().contains(
                    "invalid value '0' for '--parallelism <N>': must be at least 1: it is the number of HTTP requests sent to Matomo at once"
                ),
                "{command:?}: {error}"
            );
            argv.pop();
            argv.push("8");
            assert!(Cli::try_parse_from(&argv).is_ok(), "{argv:?}");
        }
        let help = Cli::command()
            .find_subcommand_mut("apply")
            .expect("apply")
            .render_long_help()
            .to_string();
        assert!(help.contains("HTTP requests in flight at once"), "{help}");
    }

    #[test]
    fn site_takes_a_key_or_an_id_everywhere() {
        for command in ["plan", "apply", "import"] {
            let cli = Cli::try_parse_from(["matoform", command, "--site", "blog", "--site", "42"])
                .expect("parses");
            let sites = match cli.command {
                Command::Plan(args) => args.sites,
                Command::Apply(args) => args.sites,
                Command::Import(args) => args.sites,
                _ => panic!("not {command}"),
            };
            assert_eq!(sites, ["blog", "42"], "{command}");
        }
    }

    #[test]
    fn benchmark_switches_are_kept_out_of_help() {
        let mut command = Cli::command();
        let plan = command.find_subcommand_mut("plan").expect("plan");
        let help = plan.render_long_help().to_string();
        assert!(!help.contains("naive"), "{help}");
        assert!(!help.contains("MATOFORM_STATS"), "{help}");
        // Still accepted, for the benchmark.
        assert!(Cli::try_parse_from(["matoform", "plan", "--naive-reads"]).is_ok());
    }

    #[test]
    fn apply_formats_are_text_and_json() {
        let cli = Cli::try_parse_from(["matoform", "apply", "p.json", "--format", "json"])
            .expect("parses");
        let Command::Apply(args) = cli.command else {
            panic!("not apply")
        };
        assert_eq!(args.format, ReportFormat::Json);
        assert!(Cli::try_parse_from(["matoform", "apply", "--format", "markdown"]).is_err());
    }

    #[test]
    fn no_token_flag_exists() {
        assert!(Cli::try_parse_from(["matoform", "plan", "--token", "abc"]).is_err());
    }
}
