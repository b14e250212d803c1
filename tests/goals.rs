//! What Matomo accepts in goals and custom dimensions (issue 12, points 8 and 9):
//! `visit_duration` takes only `pattern_type: greater_than` and a number of minutes;
//! a dimension name Matomo refuses cannot be written, even to change another field.

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

/// A custom dimension whose live name Matomo now refuses (created before Matomo blocked
/// these characters) imports and plans as it is, but a change to it cannot be applied:
/// Matomo checks the name on every write. The plan refuses the change with the fix,
/// instead of an apply that fails.
#[test]
fn a_change_to_a_dimension_with_a_legacy_name_is_refused_by_plan() {
    let fake = FakeMatomo::start(Seed::recorded());
    fake.update(|s| {
        s.custom_dimensions.insert(
            3,
            vec![fake_matomo::CustomDimension {
                id: 1,
                name: "Email de l'usager".into(),
                index: 1,
                scope: "visit".into(),
                active: true,
                extractions: Vec::new(),
                case_sensitive: false,
            }],
        );
    });
    let config = |active: bool| {
        format!(
            r#"
policy: {{ profile: none }}
sites:
  blog:
    id: 3
    name: Blog US
    urls: [https://blog.example.com]
    custom_dimensions:
      email:
        id: 1
        name: Email de l'usager
        scope: visit
        active: {active}
"#
        )
    };
    let work = Workdir::with_config(&config(true));
    let planned = plan(&work, &fake);
    expect_code(&planned, 0);
    assert_eq!(planned.last_line(), NO_CHANGES, "{}", planned.stdout);

    work.set_config(&config(false));
    let planned = plan(&work, &fake);
    expect_code(&planned, 1);
    assert!(
        planned.stderr.contains(
            "Error: site[blog].custom_dimension[email]: this change cannot be applied, Matomo checks the name with every change: Matomo refuses the name `Email de l'usager`, which contains `'`; remove `'` from the name"
        ),
        "{}",
        planned.stderr
    );
}
