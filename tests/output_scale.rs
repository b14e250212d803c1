//! Output at scale, end to end: a configuration imported from a 1,000-site instance
//! (`Seed::with_sites(1000)`, 4,009 policy findings), planned with no changes, and
//! with one site onboarded, in text, JSON and Markdown.

mod common;

use common::*;

const SITES: u32 = 1000;

/// A 1,000-site fake and a work directory holding its import (`import --all -o conf/`,
/// a file per site).
fn imported() -> (FakeMatomo, Workdir) {
    let fake = FakeMatomo::start(Seed::with_sites(SITES));
    let work = Workdir::new();
    std::fs::create_dir(work.join("conf")).expect("mkdir conf");
    let run = run_su(&work, &fake, &["import", "--all", "-o", "conf"]);
    expect_code(&run, 0);
    (fake, work)
}

/// The text plan of the imported instance fits a screen (it printed 8,037 lines
/// before findings were summarised); `--findings all` still lists every one.
#[test]
fn a_no_change_plan_of_a_thousand_sites_reads_in_a_screen() {
    let (fake, work) = imported();
    let run = run_su(&work, &fake, &["plan", "-c", "conf"]);
    // The import baselined the violations found at adoption: known, not blocking.
    expect_code(&run, 0);
    let text = run.stdout.replace(&fake.url(), "URL");
    assert!(text.lines().count() <= 40, "{text}");
    let policy = &text[text.find("Policy: ").expect("policy section")..];
    assert_eq!(
        policy,
        "\
Policy: 0 violations, 1667 warnings, 0 waived, 2342 known
  ! [cnil.url-pii] 1000 warnings: site[scale-0001], site[scale-0002], site[scale-0003] and 997 more
      fix: add the missing names to the site's exclusions.query_parameters or to instance.exclusions.query_parameters (left out, the instance list defaults to Matomo's recommended personal-data list)
  ! [cnil.exclude-unknown-urls] 667 warnings: site[scale-0001], site[scale-0002], site[scale-0004] and 664 more
      fix: set exclude_unknown_urls: true
  Every finding: --findings all.
  Known (baseline): 2342 violations of 4 rules: cnil.visitor-log 1000, cnil.visitor-profile 1000, cnil.public-stats-visitor-log 200, cnil.ecommerce 142

Warnings:
  ! instance.privacy: not readable on Matomo 5.0.2 and not stated in the configuration, so not managed until read or stated (the policy's compliant values are never written blind); set MATOMO_LOGIN and MATOMO_PASSWORD so that matoform reads it from Matomo's admin pages, or state it in instance:
  ! instance.retention: not readable through Matomo's API and not stated in the configuration, so not managed until read or stated (the policy's compliant values are never written blind); set MATOMO_LOGIN and MATOMO_PASSWORD so that matoform reads it from Matomo's admin pages, or state it in instance:

No changes. The live instance matches the configuration.
"
    );

    let all = run_su(&work, &fake, &["plan", "-c", "conf", "--findings", "all"]);
    expect_code(&all, 0);
    let listed = all
        .stdout
        .lines()
        .filter(|l| l.starts_with("  ✗ [") || l.starts_with("  ! ["))
        .count();
    assert_eq!(listed, 1667, "known violations are counted, not listed");
}

/// The JSON plan is complete (every finding, every fix through `rules`) and gives each
/// rule's fix and source once: 2,304,399 bytes before, about 1.37 MB after.
#[test]
fn the_json_plan_gives_each_rules_fix_once() {
    let (fake, work) = imported();
    let run = run_su(&work, &fake, &["plan", "-c", "conf", "--format", "json"]);
    expect_code(&run, 0);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON plan");
    assert_eq!(plan["format_version"], 2);
    let findings = plan["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1667);
    let known: u64 = plan["known"]
        .as_object()
        .expect("known")
        .values()
        .filter_map(serde_json::Value::as_u64)
        .sum();
    assert_eq!(known, 2342, "the baselined violations, counted per rule");
    assert!(
        findings
            .iter()
            .all(|f| f.get("fix").is_none() && f.get("source").is_none())
    );
    let rules = plan["rules"].as_object().expect("rules");
    assert_eq!(rules.len(), 2);
    assert!(
        rules
            .values()
            .all(|r| r["fix"].is_string() && r["source"].is_string())
    );
    assert!(run.stdout.len() < 1_400_000, "{} bytes", run.stdout.len());
}

/// The pull request that onboards one site: its Markdown plan shows that site and its
/// findings first, and stays under 16,000 characters with `--max-chars 16000`.
#[test]
fn the_pull_request_of_one_new_site_shows_it_first_under_16000_characters() {
    let (fake, work) = imported();
    work.write(
        "conf/onboarded.yaml",
        "sites:\n  onboarded:\n    name: Onboarded\n    urls: [https://onboarded.example.org]\n    ecommerce: true\n",
    );
    let run = run_su(
        &work,
        &fake,
        &[
            "plan",
            "-c",
            "conf",
            "--format",
            "markdown",
            "--max-chars",
            "16000",
        ],
    );
    expect_code(&run, 3);
    let md = &run.stdout;
    assert!(
        md.chars().count() < 16_000,
        "{} characters",
        md.chars().count()
    );
    let site = md.find("#### `site[onboarded]`").expect("the new site");
    let finding = md
        .find("| `cnil.ecommerce` | `site[onboarded]` | error |")
        .expect("its finding in full");
    let rest = md
        .find("Other findings, by rule:")
        .expect("the rest by rule");
    assert!(site < finding && finding < rest, "{md}");
    assert!(
        md.contains("| `cnil.url-pii` | 1000 warnings | `site[scale-0001]`, "),
        "{md}"
    );
    assert!(
        md.contains("Known (baseline): 2342 violations of 4 rules"),
        "{md}"
    );
    assert!(
        md.ends_with("**Plan: 1 to create, 0 to update, 0 to delete.**\n"),
        "{md}"
    );
}
