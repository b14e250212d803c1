//! `validate`: load and check the configuration without contacting Matomo.

use crate::cli::ValidateArgs;
use crate::desired::{self, Loaded};
use crate::exit::{Outcome, Reported};
use crate::render::findings::{self, FindingsMode, Status};

/// Validates the configuration. Invalid: every diagnostic on stderr, then
/// "N problems found in PATH.", and a [`Reported`] error (exit 1). Valid: a one-line
/// summary on stdout (exit 0).
pub fn run(args: &ValidateArgs) -> anyhow::Result<Outcome> {
    let path = desired::resolve_path(args.config.config.as_deref())?;
    match desired::load(&path) {
        Ok(loaded) => {
            let desired = crate::policy::effective(&loaded.config);
            let findings =
                crate::policy::evaluate(&desired, &loaded.baseline, super::context::today());
            print_findings(&loaded, &findings, args.findings);
            super::emit(&format!("{}\n", summary(&loaded)));
            if findings.iter().any(|f| f.blocks()) {
                Ok(Outcome::Violations)
            } else {
                Ok(Outcome::Success)
            }
        }
        Err(diagnostics) => {
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            let n = diagnostics.len();
            let line = format!(
                "{n} {} found in {}.",
                plural(n, "problem", "problems"),
                path.display()
            );
            eprintln!("{line}");
            Err(Reported(line).into())
        }
    }
}

/// Prints policy findings to stderr as `mode` says. Each finding shown in full is
/// located in the configuration: `file:line:col: violation [rule] subject: message`
/// then the fix or the waiver. When many, they are summarised by rule
/// (`violation [rule] 1000 violations: site[a], site[b], site[c] and 997 more`, then
/// the fix); waived ones are counted (see [`crate::render::findings::view`]).
pub fn print_findings(loaded: &Loaded, findings: &[crate::policy::Finding], mode: FindingsMode) {
    // Known findings (recorded in the baseline) are not listed: one line counts them.
    let all: Vec<&crate::policy::Finding> = findings.iter().filter(|f| f.known.is_none()).collect();
    let shown = findings::view(&all, mode, &|_| false, &|f| f.fix.as_str());
    for finding in &shown.full {
        let place = loaded
            .locate_setting(&finding.subject, finding.setting())
            .map(|l| format!("{l}: "))
            .unwrap_or_default();
        eprintln!(
            "{place}{} [{}] {}: {}",
            Status::of(finding).word(),
            finding.rule,
            finding.subject,
            finding.message
        );
        match &finding.waived {
            Some(reason) => eprintln!("  waived: {reason}"),
            None => eprintln!("  fix: {}", finding.fix),
        }
    }
    for group in &shown.by_rule {
        let n = group.findings.len();
        let mut examples = group.examples().join(", ");
        if group.more() > 0 {
            examples.push_str(&format!(" and {} more", group.more()));
        }
        eprintln!(
            "{} [{}] {n} {}: {examples}",
            group.status.word(),
            group.rule,
            plural(n, group.status.word(), &format!("{}s", group.status.word()))
        );
        eprintln!("  fix: {}", group.fix);
    }
    for group in &shown.counted {
        eprintln!(
            "{} [{}] {} waived",
            group.status.word(),
            group.rule,
            group.findings.len()
        );
    }
    if !findings.is_empty() && (shown.is_partial() || mode == FindingsMode::None) {
        eprintln!("Policy: {}.", findings::counts(&all));
        if shown.is_partial() {
            eprintln!("Every finding: --findings all.");
        }
    }
    let known = crate::policy::baseline::known_counts(findings);
    if let Some(line) = crate::render::known_line(&known) {
        eprintln!("{line}");
    }
}

use crate::render::noun as plural;

/// The one-line summary of a valid configuration, e.g.
/// `Valid: 12 sites, 9 goals, 4 custom dimensions, instance settings, 1 waiver (3 files).`
/// Goals, custom dimensions and waivers are left out when there are none.
pub fn summary(loaded: &Loaded) -> String {
    let config = &loaded.config;
    let sites = config.sites.len();
    let goals: usize = config
        .sites
        .values()
        .map(|s| s.goals.as_ref().map_or(0, |g| g.len()))
        .sum();
    let dimensions: usize = config
        .sites
        .values()
        .map(|s| s.custom_dimensions.as_ref().map_or(0, |d| d.len()))
        .sum();
    let waivers = config.waivers.len();
    let mut parts = vec![format!("{sites} {}", plural(sites, "site", "sites"))];
    if goals > 0 {
        parts.push(format!("{goals} {}", plural(goals, "goal", "goals")));
    }
    if dimensions > 0 {
        parts.push(format!(
            "{dimensions} {}",
            plural(dimensions, "custom dimension", "custom dimensions")
        ));
    }
    if config.instance.is_some() {
        parts.push("instance settings".into());
    }
    if waivers > 0 {
        parts.push(format!(
            "{waivers} {}",
            plural(waivers, "waiver", "waivers")
        ));
    }
    let files = loaded.files.len();
    format!(
        "Valid: {} ({files} {}).",
        parts.join(", "),
        plural(files, "file", "files")
    )
}
