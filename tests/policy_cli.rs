//! End-to-end tests of the policy through the binary: exit codes of `validate` and
//! `plan` with findings (unwaived violation → 3; warnings or waived → 0; an expired
//! waiver counts no more; an unused waiver warns), dates pinned with MATOFORM_TODAY; and
//! the compliant defaults `plan` shows for a site declared with only a name and URLs.

use assert_cmd::Command;
use fake_matomo::{FakeMatomo, SUPERUSER_TOKEN, Seed};
use pretty_assertions::assert_eq;

fn matoform(today: &str) -> Command {
    let mut command = Command::cargo_bin("matoform").expect("binary built");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MATOFORM_TODAY", today)
        .env("NO_COLOR", "1");
    command
}

/// Writes `yaml` to `DIR/matoform.yaml`; runs `matoform ARGS` from DIR (so the paths
/// printed are relative and stable).
/// A fake 5.0.2 Matomo whose administrators exclude Matomo's recommended personal-data
/// query parameters globally (so `cnil.url-pii` has nothing to say).
fn fake_with_pii_exclusions() -> FakeMatomo {
    let fake = FakeMatomo::start(Seed::empty());
    let list = matoform::personal_data::matomo_recommended().join(",");
    fake.update(|s| s.options.excluded_query_parameters_global = Some(list));
    fake
}

fn run(today: &str, yaml: &str, args: &[&str], fake: Option<&FakeMatomo>) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("matoform.yaml"), yaml).expect("write config");
    let mut command = matoform(today);
    command.current_dir(dir.path()).args(args);
    if let Some(fake) = fake {
        command
            .env("MATOMO_URL", fake.url())
            .env("MATOMO_TOKEN", SUPERUSER_TOKEN);
    }
    let output = command.output().expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn validate(today: &str, yaml: &str) -> (i32, String, String) {
    run(today, yaml, &["validate", "-c", "matoform.yaml"], None)
}

const SHOP: &str = "\
sites:
  shop:
    name: Shop
    urls: [https://shop.example.org]
    ecommerce: true
";

/// Located at the offending field's line (`ecommerce:`), not the site's key.
const ECOMMERCE_VIOLATION: &str = "matoform.yaml:5:5: violation [cnil.ecommerce] site[shop]: sites.shop.ecommerce is true: ecommerce records orders, which the exemption does not cover\n  fix: set ecommerce: false; to keep a shop measured, waive cnil.ecommerce with a reason and keep instance.privacy.anonymize_order_id: true\n";

#[test]
fn validate_exits_3_on_an_unwaived_violation() {
    let (code, stdout, stderr) = validate("2026-11-29", SHOP);
    assert_eq!(code, 3);
    assert_eq!(stdout, "Valid: 1 site (1 file).\n");
    assert_eq!(stderr, ECOMMERCE_VIOLATION);
}

#[test]
fn validate_exits_0_with_only_warnings() {
    let yaml = "\
sites:
  wiki:
    name: Wiki
    urls: [https://wiki.example.org, https://wiki.example.com]
";
    let (code, stdout, stderr) = validate("2026-11-29", yaml);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "Valid: 1 site (1 file).\n");
    assert_eq!(
        stderr,
        "matoform.yaml:4:5: warning [cnil.cross-domain] site[wiki]: sites.wiki.urls span several registrable domains (example.com, example.org): one site would be tracked across properties\n  fix: declare one site per registrable domain, and never enable cross-domain linking in the tracker\n"
    );
}

fn waived_shop(expires: &str) -> String {
    format!(
        "{SHOP}waivers:
  - rule: cnil.ecommerce
    sites: [shop]
    reason: Consent is collected on the cart page first.
    expires: {expires}
"
    )
}

#[test]
fn validate_exits_0_when_the_violation_is_waived() {
    let (code, stdout, stderr) = validate("2026-11-29", &waived_shop("2026-12-31"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "Valid: 1 site, 1 waiver (1 file).\n");
    // Waived findings are counted unless --findings all.
    assert_eq!(
        stderr,
        "waived [cnil.ecommerce] 1 waived\nPolicy: 0 violations, 0 warnings, 1 waived.\nEvery finding: --findings all.\n"
    );
    let (code, _, stderr) = run(
        "2026-11-29",
        &waived_shop("2026-12-31"),
        &["validate", "-c", "matoform.yaml", "--findings", "all"],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "matoform.yaml:5:5: waived [cnil.ecommerce] site[shop]: sites.shop.ecommerce is true: ecommerce records orders, which the exemption does not cover\n  waived: Consent is collected on the cart page first.\n"
    );
}

#[test]
fn the_expiry_day_still_waives() {
    let (code, _, stderr) = validate("2026-12-31", &waived_shop("2026-12-31"));
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn an_expired_waiver_no_longer_waives_and_says_so() {
    let (code, _, stderr) = validate("2027-01-01", &waived_shop("2026-12-31"));
    assert_eq!(code, 3);
    assert_eq!(
        stderr,
        format!(
            "{ECOMMERCE_VIOLATION}matoform.yaml:7:9: warning [policy.waiver-expired] waiver[0]: the waiver of cnil.ecommerce for site[shop] expired on 2026-12-31: its violations count again\n  fix: fix the violation, or renew the waiver with a new `expires` date and reason\n"
        )
    );
}

#[test]
fn an_unused_waiver_warns() {
    let yaml = "\
sites:
  blog:
    name: Blog
    urls: [https://blog.example.org]
waivers:
  - rule: cnil.visitor-log
    sites: [blog]
    reason: Support needs the visits log.
";
    let (code, _, stderr) = validate("2026-11-29", yaml);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "matoform.yaml:6:9: warning [policy.waiver-unused] waiver[0]: the waiver of cnil.visitor-log for site[blog] matches no violation\n  fix: remove the waiver, or correct its rule, sites or instance\n"
    );
}

#[test]
fn plan_exit_codes_follow_the_policy() {
    let fake = fake_with_pii_exclusions();
    // A violation: 3, with or without --detailed-exitcode.
    let (code, _, stderr) = run(
        "2026-11-29",
        SHOP,
        &["plan", "-c", "matoform.yaml"],
        Some(&fake),
    );
    assert_eq!(code, 3, "{stderr}");
    let (code, _, stderr) = run(
        "2026-11-29",
        SHOP,
        &["plan", "-c", "matoform.yaml", "--detailed-exitcode"],
        Some(&fake),
    );
    assert_eq!(code, 3, "{stderr}");
    // Waived: changes only, 2 with --detailed-exitcode, else 0.
    let waived = waived_shop("2026-12-31");
    let (code, _, stderr) = run(
        "2026-11-29",
        &waived,
        &["plan", "-c", "matoform.yaml"],
        Some(&fake),
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(
        "2026-11-29",
        &waived,
        &["plan", "-c", "matoform.yaml", "--detailed-exitcode"],
        Some(&fake),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stdout.contains("Policy: 0 violations, 0 warnings, 1 waived"),
        "{stdout}"
    );
    // Expired: 3 again.
    let (code, stdout, stderr) = run(
        "2027-01-01",
        &waived,
        &["plan", "-c", "matoform.yaml", "--detailed-exitcode"],
        Some(&fake),
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.contains("[policy.waiver-expired]"), "{stdout}");
    // Nothing was written by plan.
    assert!(fake.state().sites.is_empty());
}

const MINIMAL: &str = "\
sites:
  blog:
    name: Blog
    urls: [https://blog.example.org]
";

#[test]
fn plan_shows_the_compliant_defaults_of_a_minimal_site() {
    let fake = fake_with_pii_exclusions();
    let (code, stdout, stderr) = run(
        "2026-11-29",
        MINIMAL,
        &["plan", "-c", "matoform.yaml"],
        Some(&fake),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        format!(
            "\
Matomo {} (5.0.2)

  + site[blog]
      + ecommerce: false
      + exclude_unknown_urls: true
      + keep_url_fragments: \"default\"
      + name: \"Blog\"
      + public_stats: false
      + site_search.enabled: true
      + type: \"website\"
      + urls: [\"https://blog.example.org\"]
      + visitor_log.disabled: true
      + visitor_log.profile_disabled: true

Plan: 1 to create, 0 to update, 0 to delete.
",
            fake.url()
        )
    );
}

#[test]
fn profile_none_fills_nothing() {
    let fake = fake_with_pii_exclusions();
    let yaml = format!("policy:\n  profile: none\n{MINIMAL}    ecommerce: true\n");
    let (code, stdout, stderr) = run(
        "2026-11-29",
        &yaml,
        &["plan", "-c", "matoform.yaml"],
        Some(&fake),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("      + ecommerce: true\n"), "{stdout}");
    // A new site starts from Matomo's own defaults, not the policy's.
    assert!(
        stdout.contains("      + exclude_unknown_urls: false\n"),
        "{stdout}"
    );
    for filled in ["visitor_log.disabled", "public_stats"] {
        assert!(
            !stdout.contains(filled),
            "{filled} filled in under profile none:\n{stdout}"
        );
    }
    assert!(!stdout.contains("Policy:"), "{stdout}");
}
