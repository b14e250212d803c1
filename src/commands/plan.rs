//! `matoform plan`: load, read live, diff, check policy, render, save.

use std::io::IsTerminal;

use anyhow::Context as _;

use super::context::{self, Scope};
use crate::cli::{Format, OutputArgs, PlanArgs};
use crate::exit::Outcome;
use crate::plan::Plan;
use crate::render;

/// Runs `plan`.
pub fn run(args: &PlanArgs, no_color: bool) -> anyhow::Result<Outcome> {
    check_output(&args.output)?;
    let loaded = context::load_config(&args.config)?;
    let desired = crate::policy::effective(&loaded.config);
    let sites = context::site_keys(&desired, &args.sites)?;
    let mut requests = None;
    let plan = match &args.live_snapshot {
        Some(path) => {
            let live = context::read_snapshot(path)?;
            let retake = format!(
                "matoform snapshot {}-o {}",
                args.config
                    .config
                    .as_ref()
                    .map(|c| format!("-c {} ", c.display()))
                    .unwrap_or_default(),
                path.display()
            );
            let bindings = context::bind_snapshot(&desired, &live, &sites, &retake)?;
            context::build_plan(
                &loaded,
                &desired,
                &live,
                &bindings,
                &sites,
                context::today(),
            )?
        }
        None => {
            let client = context::client(&args.connection, Some(&loaded))?;
            let runtime = context::runtime()?;
            let scope = Scope {
                desired: &desired,
                sites: &sites,
                naive: args.naive_reads,
                all_sites: false,
                instance: false,
            };
            let (live, bindings) = runtime.block_on(context::read_live(&client, &scope))?;
            tracing::info!(requests = client.request_count(), "live state read");
            requests = Some(client.request_count());
            context::build_plan(
                &loaded,
                &desired,
                &live,
                &bindings,
                &sites,
                context::today(),
            )?
        }
    };
    super::emit(&render_plan(&plan, &args.output, no_color));
    if let Some(requests) = requests
        && std::env::var_os("MATOFORM_STATS").is_some()
    {
        // After rendering, so that the peak covers the whole command.
        eprintln!(
            "matoform-stats requests={requests} peak_rss_kib={}",
            peak_rss_kib().unwrap_or(0)
        );
    }
    if let Some(out) = &args.out {
        crate::plan::file::save(&plan, out).with_context(|| "saving the plan")?;
        eprintln!(
            "Saved the plan to {}. Apply it with: matoform apply {}",
            out.display(),
            out.display()
        );
    }
    Ok(outcome(&plan, args.detailed_exitcode))
}

/// Renders a plan in a format; colour only on a terminal (or with CLICOLOR_FORCE), never
/// with NO_COLOR or --no-color. With `output.webhook_payload`, the rendering is wrapped
/// in a webhook payload `{"text": …}`.
pub fn render_plan(plan: &Plan, output: &OutputArgs, no_color: bool) -> String {
    let options = render::Options {
        color: use_color(no_color) && !output.webhook_payload,
        findings: output.findings,
        max_chars: output
            .max_chars
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        title: output.title.clone(),
    };
    let text = match output.format {
        Format::Text => render::text(plan, &options),
        Format::Json => render::json(plan),
        Format::Markdown => render::markdown(plan, &options),
        Format::Chat => render::chat(plan, &options),
    };
    if output.webhook_payload {
        render::chat::webhook_payload(&text)
    } else {
        text
    }
}

/// Refuses output flags that do not fit the format, before anything is read.
pub fn check_output(output: &OutputArgs) -> anyhow::Result<()> {
    if output.title.is_some() && output.format != Format::Chat {
        anyhow::bail!("--title is for --format chat: it is the message's first line");
    }
    if output.max_chars.is_some() && !matches!(output.format, Format::Markdown | Format::Chat) {
        anyhow::bail!("--max-chars is for --format markdown and --format chat");
    }
    if output.webhook_payload && output.format == Format::Json {
        anyhow::bail!(
            "--webhook-payload wraps a message: use it with --format chat (or markdown, text), not json"
        );
    }
    Ok(())
}

/// Whether to colour the plan on stdout.
pub fn use_color(no_color: bool) -> bool {
    super::use_color(no_color, std::io::stdout().is_terminal())
}

/// Exit outcome of a plan: 3 on unwaived violations, else 2 with changes when asked.
pub fn outcome(plan: &Plan, detailed: bool) -> Outcome {
    if plan.has_violations() {
        Outcome::Violations
    } else if detailed && !plan.is_empty() {
        Outcome::Changes
    } else {
        Outcome::Success
    }
}

/// Peak resident memory of this process in KiB (Linux `VmHWM`), for benchmarks.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}
