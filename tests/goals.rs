//! Goals Matomo compares numerically (issue 12, point 8): `visit_duration` takes only
//! `pattern_type: greater_than` and a number of minutes.

mod common;

use common::*;

/// The schema refused `greater_than`, so a `visit_duration` goal could never be applied
/// (Matomo refuses every other pattern type for it) and stayed planned forever. Now it is
/// created as Matomo wants it, and the next plan is empty.
#[test]
fn a_visit_duration_goal_is_applied_and_converges() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(
        r#"
policy: { profile: none }
sites:
  blog:
    id: 3
    name: Blog
    urls: [https://blog.example.com]
    goals:
      long-visit:
        name: Long visit
        match_attribute: visit_duration
        pattern: "5"
        pattern_type: greater_than
"#,
    );
    let applied = apply(&work, &fake);
    expect_code(&applied, 0);
    let goals = live_goals(&fake, 3);
    let created = goals
        .values()
        .find(|g| g.name == "Long visit")
        .unwrap_or_else(|| panic!("goal created: {goals:?}"));
    assert_eq!(
        (
            created.match_attribute.as_str(),
            created.pattern.as_str(),
            created.pattern_type.as_str()
        ),
        ("visit_duration", "5", "greater_than")
    );
    let planned = plan(&work, &fake);
    expect_code(&planned, 0);
    assert_eq!(planned.last_line(), NO_CHANGES, "{}", planned.stdout);
}
