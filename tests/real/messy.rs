//! Adoption of a messy shared instance: the kit's `lib/messy.py` grows the instance to a
//! thousand sites that grew by hand (odd names, alias orders, lists, goals of every
//! kind, dimensions, public statistics, per-site visitor logs, 5.7 compliance modes).
//! `import --all` then `plan` must say "No changes.". Runs only when
//! `MATOMO_REAL_MESSY=1` (CI sets it after running messy.py), since it needs that state.

use crate::harness::*;

fn messy_kit() -> Option<Kit> {
    let kit = Kit::get()?;
    if std::env::var_os("MATOMO_REAL_MESSY").is_none() || !kit.workdir.join("messy.json").exists() {
        eprintln!(
            "messy-instance scenarios skipped: run the kit's lib/messy.py, then set MATOMO_REAL_MESSY=1"
        );
        return None;
    }
    Some(kit)
}

#[test]
fn messy_import_all_then_plan_has_no_changes() {
    let Some(kit) = messy_kit() else { return };
    let _instance = kit.instance_lock();
    let envs = kit.password_env();
    let work = Workdir::new();
    std::fs::create_dir_all(work.join("matomo")).expect("mkdir");
    let import = kit.run(&work, &envs, &["import", "--all", "-o", "matomo"]);
    expect_code(&import, 0);
    let files = std::fs::read_dir(work.join("matomo"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(files > 1000, "one file per site: {files}");
    let plan = kit.run(
        &work,
        &envs,
        &["plan", "-c", "matomo", "--detailed-exitcode"],
    );
    assert!(
        (plan.code == 0 || plan.code == 3) && plan.last_line() == NO_CHANGES,
        "import --all, then plan, on the messy instance (Matomo {}): exit {}\n{}\n{}",
        kit.version,
        plan.code,
        plan.stdout
            .lines()
            .filter(|l| !l.starts_with("  ✓") && !l.starts_with("      waived"))
            .take(200)
            .collect::<Vec<_>>()
            .join("\n"),
        plan.stderr.chars().take(3000).collect::<String>()
    );
    // Applying that import changes nothing in Matomo: the instance's privacy and
    // retention, its global lists, and a sample of sites with their goals read the same
    // before and after (the violations are known: baselined by the import).
    let before = state(&kit);
    let apply = kit.run(&work, &envs, &["apply", "-c", "matomo", "--auto-approve"]);
    expect_code(&apply, 0);
    assert_eq!(
        apply.last_line(),
        NO_CHANGES,
        "{}",
        apply
            .stdout
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        state(&kit) == before,
        "the apply of an import changed Matomo"
    );
    // The runbook, followed literally (README, "Adopting an instance"): validate passes
    // (the violations found at adoption are baselined), the plan reads in a screen, the
    // pull request that onboards one site shows it first in a Markdown plan under 16,000
    // characters, and its apply needs no password and changes no instance setting.
    let validate = kit.run(&work, &[], &["validate", "-c", "matomo"]);
    expect_code(&validate, 0);
    let plan = kit.run(&work, &envs, &["plan", "-c", "matomo"]);
    assert!(
        plan.stdout.lines().count() <= 40,
        "{} lines:\n{}",
        plan.stdout.lines().count(),
        plan.stdout
    );
    let tag = unique("onboard");
    work.write(
        &format!("matomo/{tag}.yaml"),
        &format!("sites:\n  {tag}:\n    name: Onboarded\n    urls: [https://{tag}.real.example]\n    ecommerce: true\n"),
    );
    let markdown = kit.run(
        &work,
        &[],
        &[
            "plan",
            "-c",
            "matomo",
            "--format",
            "markdown",
            "--max-chars",
            "16000",
        ],
    );
    let md = &markdown.stdout;
    assert!(
        md.chars().count() < 16_000,
        "{} characters",
        md.chars().count()
    );
    let site = md.find(&format!("`site[{tag}]`")).unwrap_or_else(|| {
        panic!(
            "the onboarded site (exit {}):\n{}\n{}",
            markdown.code,
            md.chars().take(3000).collect::<String>(),
            markdown.stderr
        )
    });
    let finding = md
        .find(&format!("| `cnil.ecommerce` | `site[{tag}]` |"))
        .expect("its finding in full");
    assert!(site < finding, "{md}");
    // Its violation blocks (exit 3) until it is fixed: then the apply goes through
    // without MATOMO_PASSWORD, and no instance-wide setting moves.
    work.write(
        &format!("matomo/{tag}.yaml"),
        &format!("sites:\n  {tag}:\n    name: Onboarded\n    urls: [https://{tag}.real.example]\n"),
    );
    let instance_before = instance_state(&kit);
    let onboard = kit.run(&work, &[], &["apply", "-c", "matomo", "--auto-approve"]);
    expect_code(&onboard, 0);
    assert!(
        onboard.stdout.contains(&format!("site[{tag}] (id ")),
        "{}",
        onboard.stdout
    );
    let instance_after = instance_state(&kit);
    assert!(
        instance_after == instance_before,
        "the onboarding apply changed an instance setting:\nbefore {}\nafter  {}\n{}",
        serde_json::to_string(&instance_before).unwrap_or_default(),
        serde_json::to_string(&instance_after).unwrap_or_default(),
        onboard.stdout
    );
    let after = kit.run(&work, &[], &["plan", "-c", "matomo", "--detailed-exitcode"]);
    assert!(
        after.code == 0 && after.last_line() == NO_CHANGES,
        "{}",
        after.stdout
    );
    kit.delete_sites_by_url(&[format!("https://{tag}.real.example")]);

    // Without the login, the same import plans no change either (what it cannot read
    // it leaves out).
    let bare = Workdir::new();
    expect_code(
        &kit.run(&bare, &[], &["import", "--all", "-o", "matomo"]),
        0,
    );
    let plan = kit.run(&bare, &[], &["plan", "-c", "matomo", "--detailed-exitcode"]);
    assert!(
        (plan.code == 0 || plan.code == 3) && plan.last_line() == NO_CHANGES,
        "import --all without the login, then plan: exit {}\n{}",
        plan.code,
        plan.stdout
            .lines()
            .filter(|l| !l.starts_with("  ✓") && !l.starts_with("      waived"))
            .take(200)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// What an apply of an import must not change: the instance settings Matomo stores and a
/// sample of 1 site in 25 with its settings and goals.
fn state(kit: &Kit) -> Vec<serde_json::Value> {
    let mut out = vec![serde_json::json!(kit.options(SETTINGS))];
    if kit.is_57() {
        out.push(kit.api("PrivacyManager.getAnonymisationSettings", &[]));
    }
    let ids = kit.api("SitesManager.getSitesIdWithAdminAccess", &[]);
    for id in crate::readback::items(&ids).step_by(25) {
        let id = id.to_string().trim_matches('"').to_string();
        out.push(kit.api("SitesManager.getSiteFromId", &[("idSite", &id)]));
        out.push(kit.api("SitesManager.getSiteUrlsFromId", &[("idSite", &id)]));
        out.push(kit.api("SitesManager.getSiteSettings", &[("idSite", &id)]));
        out.push(kit.api("Goals.getGoals", &[("idSite", &id)]));
        if kit.is_57() {
            out.push(kit.api(
                "PrivacyManager.getAnonymisationSettings",
                &[("idSiteSpecific", &id)],
            ));
        }
    }
    out
}

/// The instance-wide settings: Matomo's option rows for privacy, retention and global
/// lists, its Live system settings and, on 5.7, its anonymisation settings.
fn instance_state(kit: &Kit) -> Vec<serde_json::Value> {
    let mut out = vec![
        serde_json::json!(kit.options(SETTINGS)),
        serde_json::json!(kit.instance_visitor_log()),
    ];
    if kit.is_57() {
        out.push(kit.api("PrivacyManager.getAnonymisationSettings", &[]));
    }
    out
}

/// Matomo's option rows that hold the instance's settings (not its bookkeeping, which
/// scheduled tasks update on their own).
const SETTINGS: &[&str] = &[
    "PrivacyManager.ipAnonymizerEnabled",
    "PrivacyManager.ipAddressMaskLength",
    "PrivacyManager.useAnonymizedIpForVisitEnrichment",
    "PrivacyManager.anonymizeUserId",
    "PrivacyManager.anonymizeOrderId",
    "PrivacyManager.anonymizeReferrer",
    "PrivacyManager.forceCookielessTracking",
    "PrivacyManager.doNotTrackEnabled",
    "delete_logs_enable",
    "delete_logs_older_than",
    "delete_reports_",
    "SitesManager_Default",
    "SitesManager_Excluded",
];
