//! The `matoform` binary: parse, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = matoform::cli::Cli::parse();
    matoform::commands::init_logging(cli.verbose, cli.no_color);
    match matoform::commands::run(cli) {
        Ok(outcome) => outcome.into(),
        Err(err) => {
            if err.downcast_ref::<matoform::exit::Reported>().is_none() {
                eprintln!("Error: {err:#}");
            }
            ExitCode::from(matoform::exit::ERROR)
        }
    }
}
