//! Command implementations: each takes parsed arguments and returns an outcome.

pub mod apply;
pub mod audit;
pub mod baseline;
pub mod context;
pub mod import;
pub mod pin;
pub mod plan;
pub mod scan;
pub mod snapshot;
pub mod snippet;
pub mod validate;

use std::io::IsTerminal;

use crate::cli::{Cli, Command};
use crate::exit::Outcome;

/// Whether to colour a stream: never with `--no-color` or a non-empty NO_COLOR; else on
/// a terminal, or when CLICOLOR_FORCE is set (non-empty, not `0`).
pub fn use_color(no_color: bool, terminal: bool) -> bool {
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
    !no_color && !no_color_env && (terminal || forced)
}

/// Sets up logging from `-v` and `RUST_LOG` (to stderr), coloured as [`use_color`] says
/// for stderr (so `--no-color` and a cron's redirected stderr get plain lines).
pub fn init_logging(verbose: u8, no_color: bool) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // The cookie jar logs every Set-Cookie (the admin-page session cookie) at debug:
    // silenced whatever RUST_LOG says.
    for quiet in ["cookie_store=off", "reqwest::cookie=off"] {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(use_color(no_color, std::io::stderr().is_terminal()))
        .with_target(false)
        .try_init();
}

/// Writes a command's output to stdout. A closed pipe (`matoform plan | head`) is not
/// an error: the reader has what it wanted. Other write errors are reported on stderr.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(err) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("Error: cannot write to stdout: {err}");
        }
    }
}

/// Runs a command.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Schema(args) => {
            emit(&if args.plan {
                crate::render::json::plan_schema_json()
            } else {
                crate::schema::schema_json()
            });
            Ok(Outcome::Success)
        }
        Command::Completions(args) => {
            use clap::CommandFactory;
            let mut command = Cli::command();
            // Into a buffer first: clap_complete panics when stdout is closed early.
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "matoform", &mut script);
            emit(&String::from_utf8_lossy(&script));
            Ok(Outcome::Success)
        }
        Command::Plan(args) => plan::run(&args, cli.no_color),
        Command::Apply(args) => apply::run(&args, cli.no_color),
        Command::Show(args) => {
            plan::check_output(&args.output)?;
            let plan = crate::plan::file::load(&args.plan_file)?;
            emit(&plan::render_plan(&plan, &args.output, cli.no_color));
            Ok(plan::outcome(&plan, false))
        }
        Command::Import(args) => import::run(&args),
        Command::Baseline(args) => baseline::run(&args),
        Command::Snapshot(args) => snapshot::run(&args),
        Command::Pin(args) => pin::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Snippet(args) => snippet::run(&args),
        Command::Scan(args) => scan::run(&args),
    }
}
