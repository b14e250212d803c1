//! `matoform apply`: check a plan (saved or fresh), refuse what is unsafe, execute it,
//! report.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::bail;

use super::context::{self, Scope};
use crate::apply::Report;
use crate::apply::{ApplyOptions, Progress, Status};
use crate::cli::{ApplyArgs, Format, ReportFormat};
use crate::exit::{Outcome, Reported};
use crate::live::MatomoInfo;
use crate::plan::{Action, Address, Change, PLAN_FORMAT_VERSION, Plan, Resource, safety};
use crate::render;

/// Runs `apply`.
pub fn run(args: &ApplyArgs, no_color: bool) -> anyhow::Result<Outcome> {
    let json = args.format == ReportFormat::Json;
    if json && args.plan_file.is_none() && !args.auto_approve {
        bail!(
            "apply --format json does not print the plan, so it cannot ask for confirmation: pass --auto-approve, or apply a plan file (`plan --out FILE`, then `apply FILE --format json`)"
        );
    }
    let loaded = context::load_config(&args.config)?;
    let desired = crate::policy::effective(&loaded.config);
    let sites = context::site_keys(&desired, &args.sites)?;
    let saved = match &args.plan_file {
        Some(path) => {
            let plan = crate::plan::file::load(path)?;
            check_compatible(&plan, path)?;
            Some(plan)
        }
        None => None,
    };
    let client = context::client(&args.connection, Some(&loaded))?;
    let runtime = context::runtime()?;
    if let Some(plan) = &saved {
        let outside: Vec<&str> = sites
            .iter()
            .filter(|key| !plan.site_filter.is_empty() && !plan.site_filter.contains(key))
            .map(String::as_str)
            .collect();
        if !outside.is_empty() {
            bail!(
                "--site {}: this saved plan was made for the sites {} only; pick among them, or run plan again with these sites",
                outside.join(", "),
                plan.site_filter.join(", ")
            );
        }
    }
    let filter: Vec<String> = match &saved {
        Some(plan) if sites.is_empty() => plan.site_filter.clone(),
        _ => sites.clone(),
    };
    let scope = Scope {
        desired: &desired,
        sites: &filter,
        naive: false,
        all_sites: false,
        instance: false,
    };
    let (live, bindings) = runtime.block_on(context::read_live(&client, &scope))?;
    let fresh = context::build_plan(
        &loaded,
        &desired,
        &live,
        &bindings,
        &filter,
        context::today(),
    )?;

    // A fresh plan is shown (in text), and when it is empty it ends with "No changes.".
    let said_no_changes = saved.is_none() && fresh.is_empty() && !json;
    let mut plan = match saved {
        Some(saved) => {
            check_saved(&saved, &fresh, &live.matomo, &sites)?;
            if saved.config_digest != fresh.config_digest {
                eprintln!(
                    "Warning: the configuration changed since this plan was made; applying the saved plan as it is."
                );
            }
            saved
        }
        None => {
            if !json {
                let output = crate::cli::OutputArgs {
                    format: Format::Text,
                    findings: args.findings,
                    max_chars: None,
                    title: None,
                    webhook_payload: false,
                };
                super::emit(&super::plan::render_plan(&fresh, &output, no_color));
            }
            fresh
        }
    };
    if !sites.is_empty() {
        let keep = |c: &Change| c.site.as_ref().is_some_and(|k| sites.contains(k));
        plan.changes.retain(keep);
        plan.asserted.retain(keep);
        plan.recount();
    }

    if plan.has_violations() {
        eprintln!(
            "Error: apply refused: {} policy violation(s) are not waived. Fix them, or add a waiver with a reason (see docs/policy.md).",
            plan.summary.violations
        );
        return Ok(Outcome::Violations);
    }
    // An asserted setting (not readable, so maybe unchanged) that only the password can
    // write is left as it is without MATOMO_PASSWORD: an apply is never refused for a
    // setting it might not change.
    if no_password() {
        let (skipped, kept): (Vec<Change>, Vec<Change>) =
            plan.asserted.drain(..).partition(needs_password);
        plan.asserted = kept;
        for change in &skipped {
            eprintln!(
                "Warning: {}: not readable here and Matomo asks for the password to write it; left as it is (set MATOMO_PASSWORD to write it, or MATOMO_LOGIN with it to read it)",
                change.address
            );
        }
        if !skipped.is_empty() {
            plan.recount();
        }
    }
    if plan.changes.is_empty() && plan.asserted.is_empty() {
        if json {
            super::emit(&render::apply_report_json(&Report::default(), &plan.matomo));
        } else if !said_no_changes {
            super::emit("No changes. The live instance matches the configuration.\n");
        }
        return Ok(Outcome::Success);
    }
    refuse_unsafe(&plan, &live.matomo, args.force)?;

    if args.plan_file.is_none() && !args.auto_approve {
        if !std::io::stdin().is_terminal() {
            bail!(
                "apply needs confirmation: run it in a terminal, or pass --auto-approve (e.g. in CI)"
            );
        }
        print!("\nDo you want to apply these changes? Only 'yes' will be accepted: ");
        std::io::stdout().flush().ok();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).ok();
        if answer.trim() != "yes" {
            println!("Apply cancelled.");
            return Err(Reported("apply cancelled".into()).into());
        }
    }

    let total = plan.changes.len() + plan.asserted.len();
    let progress = progress(total);
    let options = ApplyOptions {
        parallelism: args.connection.parallelism,
        progress,
    };
    let report = runtime.block_on(crate::apply::apply(&client, &live.matomo, &plan, &options));
    if json {
        super::emit(&render::apply_report_json(&report, &plan.matomo));
    } else {
        super::emit(&report.render());
    }
    if report.succeeded() {
        Ok(Outcome::Success)
    } else {
        Err(Reported("apply failed".into()).into())
    }
}

/// A saved plan is applied only by the matoform that made it: the same plan format
/// version and the same matoform version. Its changes are what that version decided
/// (values, normalisation, order); another version might decide otherwise, and the
/// staleness check compares the live state, not that. `show` still renders it.
fn check_compatible(plan: &Plan, path: &std::path::Path) -> anyhow::Result<()> {
    if plan.format_version != PLAN_FORMAT_VERSION {
        bail!(
            "{} has plan format version {} (made by matoform {}); this matoform ({}) applies plan format version {PLAN_FORMAT_VERSION} only; run plan again with this matoform (`matoform show` still renders it)",
            path.display(),
            plan.format_version,
            plan.matoform_version,
            crate::VERSION
        );
    }
    if plan.matoform_version != crate::VERSION {
        bail!(
            "{} was made by matoform {}, and this is matoform {} (both write plan format version {PLAN_FORMAT_VERSION}): a plan is applied by the version that made it, whose decisions it holds; run plan again with this matoform, or apply it with matoform {}",
            path.display(),
            plan.matoform_version,
            crate::VERSION,
            plan.matoform_version
        );
    }
    Ok(())
}

/// A saved plan may be applied only to the instance it was made for, with the live
/// objects it read unchanged. With `--site`, only the objects of those sites are
/// checked (the others are neither read again nor applied).
fn check_saved(
    saved: &Plan,
    fresh: &Plan,
    info: &MatomoInfo,
    selected: &[String],
) -> anyhow::Result<()> {
    let normalize = |u: &str| crate::desired::normalize_url(u);
    if normalize(&saved.matomo.url) != normalize(&info.url) {
        bail!(
            "this plan was made for {}, not {}; run plan against this instance",
            saved.matomo.url,
            info.url
        );
    }
    let mut moved = Vec::new();
    // A site's objects: the site itself, its goals and its dimensions.
    let in_selection = |address: &Address| {
        selected.is_empty()
            || address
                .site_key()
                .is_some_and(|key| selected.iter().any(|k| k == key))
    };
    for (address, fingerprint) in &saved.fingerprints {
        if !in_selection(address) {
            continue;
        }
        match fresh.fingerprints.get(address) {
            Some(now) if now == fingerprint => {}
            Some(_) => moved.push(address.to_string()),
            None => moved.push(format!("{address} (no longer read)")),
        }
    }
    if !moved.is_empty() {
        bail!(
            "the plan is stale: {} changed since the plan was made; run plan again",
            moved.join(", ")
        );
    }
    Ok(())
}

/// Whether only a superuser may make this change. Every kind of object is named (no
/// default): a new kind does not compile until someone decides.
fn needs_superuser(change: &Change) -> bool {
    // A site's group and compliance mode are superuser settings, even on a site the
    // token administers.
    let superuser_fields = || {
        change
            .fields
            .iter()
            .any(|f| f.name == "group" || f.name == "compliance_mode")
    };
    let Some(resource) = change.after.as_ref().or(change.before.as_ref()) else {
        return true;
    };
    match resource {
        Resource::Site(_) => match change.action {
            Action::Create | Action::Delete => true,
            Action::Update => superuser_fields(),
        },
        Resource::Goal(_) | Resource::CustomDimension(_) => superuser_fields(),
        Resource::Privacy(_)
        | Resource::Retention(_)
        | Resource::GlobalExclusions(_)
        | Resource::VisitorLog(_)
        | Resource::Defaults(_)
        | Resource::ComplianceMode(_) => true,
    }
}

/// Refusals checked before anything is written.
fn refuse_unsafe(plan: &Plan, info: &MatomoInfo, force: bool) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    let oversized = safety::oversized(plan);
    if !oversized.is_empty() && !force {
        problems.push(format!(
            "the plan is oversized: {}. Check it, then pass --force to apply it",
            oversized.join("; ")
        ));
    }
    let all = || plan.changes.iter().chain(plan.asserted.iter());
    // The retention setters and the instance visitor log (a plugin system setting)
    // need the user's password even with a token.
    let need_password: Vec<String> = all()
        .filter(|c| needs_password(c))
        .map(|c| c.address.to_string())
        .collect();
    if !need_password.is_empty() && no_password() {
        problems.push(format!(
            "{}: Matomo asks for the user's password to change these settings; set MATOMO_PASSWORD (the password of the token's user)",
            need_password.join(", ")
        ));
    }
    if !info.superuser {
        let denied: Vec<String> = all()
            .filter(|c| needs_superuser(c))
            .map(|c| c.address.to_string())
            .collect();
        if !denied.is_empty() {
            problems.push(format!(
                "the token is not a superuser, and these changes need one: {}. Use a superuser token, or remove them from the configuration (e.g. the instance: section)",
                denied.join(", ")
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    for problem in &problems {
        eprintln!("Error: apply refused: {problem}");
    }
    Err(Reported("apply refused".into()).into())
}

fn progress(total: usize) -> Progress {
    if std::io::stderr().is_terminal() && total > 10 {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Box::new(move |address, _status| {
            bar.set_message(address.to_string());
            bar.inc(1);
        })
    } else {
        Box::new(|address, status| match status {
            Status::Applied => eprintln!("{address}: applied"),
            Status::Failed(message) => eprintln!("{address}: failed: {message}"),
            Status::NotAttempted => {}
        })
    }
}

/// Whether Matomo asks for the user's password to make this change: the retention
/// setters, the instance visitor log (a plugin system setting), and the privacy
/// setter while randomize_config_id is on (5.7). Every kind of object is named (no
/// default): a new kind does not compile until someone decides.
fn needs_password(change: &Change) -> bool {
    match &change.after {
        None => false,
        Some(Resource::Retention(_) | Resource::VisitorLog(_)) => true,
        Some(Resource::Privacy(privacy)) => privacy.randomize_config_id == Some(true),
        Some(
            Resource::Site(_)
            | Resource::Goal(_)
            | Resource::CustomDimension(_)
            | Resource::GlobalExclusions(_)
            | Resource::Defaults(_)
            | Resource::ComplianceMode(_),
        ) => false,
    }
}

/// `MATOMO_PASSWORD` is unset or empty.
fn no_password() -> bool {
    std::env::var("MATOMO_PASSWORD")
        .map(|p| p.is_empty())
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::GoalState;
    use crate::plan::{FieldChange, InstanceSetting};

    fn plan_with(fingerprints: &[(&str, &str)]) -> Plan {
        Plan {
            matomo: crate::plan::PlanTarget {
                url: "https://matomo.example.org".into(),
                version: "5.7.0".into(),
            },
            fingerprints: fingerprints
                .iter()
                .map(|(a, f)| (a.parse().expect("address"), f.to_string()))
                .collect(),
            ..Plan::default()
        }
    }

    #[test]
    fn a_saved_plan_is_stale_only_for_the_selected_sites_objects() {
        let info = MatomoInfo {
            url: "https://matomo.example.org/".into(),
            ..MatomoInfo::default()
        };
        let saved = plan_with(&[
            ("instance.privacy", "1"),
            ("site[a]", "1"),
            ("site[a].goal[x]", "1"),
            ("site[ab]", "1"),
            ("site[b].custom_dimension[#3]", "1"),
        ]);
        let fresh = plan_with(&[
            ("instance.privacy", "2"),
            ("site[a]", "1"),
            ("site[a].goal[x]", "2"),
            ("site[ab]", "2"),
        ]);
        let stale = |selected: &[&str]| {
            let selected: Vec<String> = selected.iter().map(|s| s.to_string()).collect();
            check_saved(&saved, &fresh, &info, &selected)
                .map_err(|e| e.to_string())
                .err()
        };
        assert_eq!(
            stale(&["a"]).as_deref(),
            Some(
                "the plan is stale: site[a].goal[x] changed since the plan was made; run plan again"
            )
        );
        assert_eq!(stale(&["c"]), None);
        assert_eq!(
            stale(&[]).as_deref(),
            Some(
                "the plan is stale: instance.privacy, site[a].goal[x], site[ab], site[b].custom_dimension[#3] (no longer read) changed since the plan was made; run plan again"
            )
        );
    }

    fn change(address: Address, action: Action, resource: Resource, fields: &[&str]) -> Change {
        Change {
            address,
            action,
            site: None,
            site_id: None,
            before: None,
            after: Some(resource),
            fields: fields
                .iter()
                .map(|name| FieldChange {
                    name: name.to_string(),
                    before: None,
                    after: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_site_admin_may_change_sites_but_not_create_them_nor_touch_the_instance() {
        let site = || Resource::Site(Box::default());
        let a = Address::site("a");
        assert!(!needs_superuser(&change(
            a.clone(),
            Action::Update,
            site(),
            &["name"]
        )));
        assert!(needs_superuser(&change(
            a.clone(),
            Action::Update,
            site(),
            &["group"]
        )));
        assert!(needs_superuser(&change(
            a.clone(),
            Action::Create,
            site(),
            &[]
        )));
        let goal = Address::Goal {
            site: "a".into(),
            goal: crate::plan::Ref::Key("x".into()),
        };
        assert!(!needs_superuser(&change(
            goal,
            Action::Create,
            Resource::Goal(GoalState::default()),
            &["name"]
        )));
        assert!(needs_superuser(&change(
            Address::Instance(InstanceSetting::ComplianceMode),
            Action::Update,
            Resource::ComplianceMode(crate::desired::model::ComplianceMode::Off),
            &[]
        )));
    }
}
