//! Matomo's own CNIL compliance mode (`compliance_mode: cnil_v1`, Matomo 5.4+ with the
//! PrivacyCompliance feature): planned, applied, read back; refused where Matomo lacks it.

mod common;

use common::*;
use fake_matomo::{FakeMatomo, Seed, VersionMode};

const SITE_WITH_MODE: &str = r#"
sites:
  main:
    id: 1
    name: Main Site
    urls: [https://main.example.com]
    compliance_mode: cnil_v1
"#;

fn fake_57(flag: bool) -> FakeMatomo {
    let seed = Seed::recorded_57().version(VersionMode::V5_7 {
        compliance_flag: flag,
    });
    FakeMatomo::start(seed)
}

#[test]
fn site_compliance_mode_is_planned_applied_and_read_back() {
    let fake = fake_57(true);
    let work = Workdir::with_config(SITE_WITH_MODE);

    let first = plan(&work, &fake);
    assert_eq!(first.code, 2, "{}{}", first.stdout, first.stderr);
    assert!(
        first
            .stdout
            .contains("~ compliance_mode: \"off\" → \"cnil_v1\""),
        "{}",
        first.stdout
    );

    let applied = apply(&work, &fake);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    assert!(
        fake.state().compliance.sites.contains(&1),
        "enforced on site 1"
    );
    let calls = write_methods(&fake.calls());
    assert!(
        calls.contains(&"PrivacyManager.setComplianceStatus".to_string()),
        "{calls:?}"
    );

    let again = plan(&work, &fake);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert!(again.stdout.contains(NO_CHANGES), "{}", again.stdout);

    // Turning it off again is an update back to `off`.
    work.set_config(&SITE_WITH_MODE.replace("cnil_v1", "off"));
    let off = apply(&work, &fake);
    assert_eq!(off.code, 0, "{}{}", off.stdout, off.stderr);
    assert!(
        !fake.state().compliance.sites.contains(&1),
        "no longer enforced"
    );
}

#[test]
fn compliance_mode_is_refused_where_matomo_has_no_usable_compliance_api() {
    for fake in [FakeMatomo::start(Seed::recorded()), fake_57(false)] {
        let work = Workdir::with_config(SITE_WITH_MODE);
        let run = plan(&work, &fake);
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("compliance"), "{}", run.stderr);
        assert!(write_methods(&fake.calls()).is_empty(), "nothing written");
    }
}

/// `instance.compliance_mode: cnil_v1` with a custom global query-parameter list (or a
/// weaker privacy value) can never converge: Matomo 5.7 stores the write but answers its
/// required value while the mode is enforced. `validate` (and so plan and apply) refuses it.
#[test]
fn compliance_mode_with_a_custom_global_list_is_refused() {
    let work = Workdir::with_config(
        r#"
policy: { profile: none }
instance:
  privacy:
    anonymize_referrer: exclude_query
  exclusions:
    query_parameters: [email, nom]
  compliance_mode: cnil_v1
"#,
    );
    let mut command = matoform(work.path(), None, None);
    command.arg("validate");
    let run = run(command);
    expect_code(&run, 1);
    assert!(
        run.stderr.contains("matoform.yaml:7:5: instance.exclusions.query_parameters is a custom list: Matomo's cnil_v1 mode enforces its recommended personal-data list"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "matoform.yaml:5:25: instance.privacy.anonymize_referrer is weaker than exclude_path"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("2 problems found in"), "{}", run.stdout);
}

/// On Matomo 5.7, the instance section with compliance mode, privacy and the policy's
/// default global list applies, and the plan made right after is empty.
#[test]
fn matomo_57_compliance_mode_applies_then_plans_empty() {
    let fake = FakeMatomo::start(Seed::recorded_57().version(VersionMode::V5_7 {
        compliance_flag: true,
    }));
    let work = Workdir::with_config(
        r#"
instance:
  privacy:
    anonymize_ip: { mask_bytes: 3 }
  compliance_mode: cnil_v1
sites:
  main-site:
    name: Main Site
    urls: [https://main.example.com]
    compliance_mode: cnil_v1
"#,
    );
    let applied = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &[("MATOMO_PASSWORD", fake_matomo::ADMIN_PASSWORD)],
        &["apply", "--auto-approve"],
    );
    expect_code(&applied, 0);
    let again = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &[("MATOMO_PASSWORD", fake_matomo::ADMIN_PASSWORD)],
        &["plan", "--detailed-exitcode"],
    );
    expect_code(&again, 0);
    assert_eq!(again.last_line(), NO_CHANGES);
}
