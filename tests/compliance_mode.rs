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
