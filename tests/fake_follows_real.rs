//! matoform against the fake where the fake follows a real-Matomo behaviour (compliance
//! mode site vs instance, per-site privacy, CNIL-capped retention, custom dimension slots):
//! apply, then `plan --detailed-exitcode` is empty, or plan refuses up front.

mod common;

use common::*;
use fake_matomo::{FakeMatomo, SUPERUSER_TOKEN, Seed, VersionMode};

const LOGIN: (&str, &str) = ("MATOMO_LOGIN", "admin");
const PASSWORD: (&str, &str) = ("MATOMO_PASSWORD", fake_matomo::ADMIN_PASSWORD);

fn fake_57() -> FakeMatomo {
    FakeMatomo::start(Seed::recorded_57().version(VersionMode::V5_7 {
        compliance_flag: true,
    }))
}

fn converges(work: &Workdir, fake: &FakeMatomo) {
    let env = [LOGIN, PASSWORD];
    let applied = run_env(
        work,
        fake,
        SUPERUSER_TOKEN,
        &env,
        &["apply", "--auto-approve"],
    );
    expect_code(&applied, 0);
    let again = run_env(
        work,
        fake,
        SUPERUSER_TOKEN,
        &env,
        &["plan", "--detailed-exitcode"],
    );
    expect_code(&again, 0);
    assert_eq!(again.last_line(), NO_CHANGES);
}

/// The instance enforces cnil_v1 and a site inherits it: the apply never sends a site
/// `off` (which would switch the instance off too), so the instance stays on.
#[test]
fn instance_compliance_stays_on_while_a_site_inherits_it() {
    let fake = fake_57();
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
  shop:
    name: Shop DE (renamed)
    urls: [https://shop.example.de]
"#,
    );
    converges(&work, &fake);
    let state = fake.state();
    assert!(state.compliance.all, "the instance still enforces cnil_v1");
    assert!(state.cnil_enforced(Some(2)), "the site inherits it");
}

/// A site's own anonymisation settings are written and read back as its own.
#[test]
fn site_privacy_overrides_converge() {
    let fake = fake_57();
    let work = Workdir::with_config(
        r#"
policy: { profile: none }
sites:
  main-site:
    name: Main Site
    urls: [https://main.example.com]
    privacy:
      own: true
      anonymize_ip: { enabled: true, mask_bytes: 3, use_for_enrichment: false }
      anonymize_referrer: exclude_all
"#,
    );
    converges(&work, &fake);
    let own = fake
        .state()
        .site_anonymisation
        .get(&1)
        .cloned()
        .expect("own");
    assert_eq!(own.values.mask_length, 3);
    assert_eq!(own.values.anonymize_referrer, "exclude_all");
}

/// While the instance enforces cnil_v1, the privacy page shows at most 180 days of raw
/// data: a configuration asking for 90 converges.
#[test]
fn retention_under_enforced_cnil_converges() {
    let fake = fake_57();
    fake.update(|s| s.options.retention.delete_logs_older_than = 400);
    let work = Workdir::with_config(
        r#"
instance:
  privacy:
    anonymize_ip: { mask_bytes: 3 }
  compliance_mode: cnil_v1
  retention:
    raw_data: { delete: true, older_than_days: 90 }
sites:
  main-site:
    name: Main Site
    urls: [https://main.example.com]
"#,
    );
    converges(&work, &fake);
    assert_eq!(fake.state().effective_delete_logs_older_than(), 90);
}

const FOUR_VISIT_DIMENSIONS: &str = r#"
policy: { profile: none }
sites:
  main-site:
    name: Main Site
    urls: [https://main.example.com]
    custom_dimensions:
      a: { name: A, scope: visit }
      b: { name: B, scope: visit }
      c: { name: C, scope: visit }
      d: { name: D, scope: visit }
"#;

/// More new dimensions in a scope than the site has free slots: plan refuses, naming the
/// site, the scope, the free slots and the fix; nothing is written.
#[test]
fn dimensions_beyond_the_free_slots_are_refused_in_plan() {
    let fake = fake_57();
    fake.update(|s| s.custom_dimension_slots = 3);
    let work = Workdir::with_config(FOUR_VISIT_DIMENSIONS);
    fake.clear_calls();
    let refused = plan(&work, &fake);
    expect_code(&refused, 1);
    assert!(
        refused.stderr.contains(
            "site[main-site]: the configuration creates 4 custom dimension(s) in scope visit (a, b, c, d) but the site has 3 free slot(s) of 3 in that scope; deactivated dimensions keep their slot: reuse one by binding it with id:"
        ),
        "{}",
        refused.stderr
    );
    assert!(write_methods(&fake.calls()).is_empty());

    // With room for them, the same configuration converges.
    fake.update(|s| s.custom_dimension_slots = 5);
    converges(&work, &fake);
    assert_eq!(dimensions(&fake, 1).len(), 4);
}
