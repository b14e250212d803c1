//! A saved plan is applied only by the matoform that made it: the same plan format
//! version and the same matoform version (docs/plan-format.md, "Stability"). `show`
//! still renders a plan of any format version it reads.

mod common;

use common::*;

/// Saves a plan of TWO_RENAMES, then rewrites one of its top-level keys.
fn saved_plan_with(work: &Workdir, fake: &FakeMatomo, key: &str, value: serde_json::Value) {
    expect_code(&run_su(work, fake, &["plan", "--out", "p.json"]), 0);
    let text = std::fs::read_to_string(work.join("p.json")).expect("plan file");
    let mut plan: serde_json::Value = serde_json::from_str(&text).expect("plan JSON");
    assert_eq!(plan["matoform_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(plan["format_version"], 2);
    plan[key] = value;
    work.write("p.json", &plan.to_string());
}

#[test]
fn a_plan_made_by_another_matoform_version_is_refused() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    saved_plan_with(&work, &fake, "matoform_version", "0.0.9".into());
    fake.clear_calls();
    let refused = run_su(&work, &fake, &["apply", "p.json"]);
    expect_code(&refused, 1);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        refused.stderr.contains(&format!(
            "p.json was made by matoform 0.0.9, and this is matoform {version} (both write plan format version 2): a plan is applied by the version that made it, whose decisions it holds; run plan again with this matoform, or apply it with matoform 0.0.9"
        )),
        "{}",
        refused.stderr
    );
    assert!(fake.calls().is_empty(), "refused before any request");
    assert_eq!(site(&fake, 3).name, "Blog US");
    // It can still be read.
    let shown = run_su(&work, &fake, &["show", "p.json"]);
    expect_code(&shown, 0);
    assert_eq!(shown.last_line(), summary(0, 2, 0));
}

#[test]
fn a_plan_of_another_format_version_is_refused_naming_both() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    // A version this matoform reads (for show) but does not apply.
    saved_plan_with(&work, &fake, "format_version", 1.into());
    let refused = run_su(&work, &fake, &["apply", "p.json"]);
    expect_code(&refused, 1);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        refused.stderr.contains(&format!(
            "p.json has plan format version 1 (made by matoform {version}); this matoform ({version}) applies plan format version 2 only; run plan again with this matoform"
        )),
        "{}",
        refused.stderr
    );
    expect_code(&run_su(&work, &fake, &["show", "p.json"]), 0);
    // A version it does not know at all.
    saved_plan_with(&work, &fake, "format_version", 3.into());
    fake.clear_calls();
    let unknown = run_su(&work, &fake, &["apply", "p.json"]);
    expect_code(&unknown, 1);
    assert!(
        unknown
            .stderr
            .contains("p.json has plan format version 3, this matoform reads version 2"),
        "{}",
        unknown.stderr
    );
    assert!(fake.calls().is_empty(), "refused before any request");
    assert_eq!(site(&fake, 3).name, "Blog US");
}

#[test]
fn a_plan_of_this_version_applies() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    saved_plan_with(
        &work,
        &fake,
        "matoform_version",
        env!("CARGO_PKG_VERSION").into(),
    );
    let applied = run_su(&work, &fake, &["apply", "p.json"]);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 2 applied.");
}
