//! `apply --format json`: the versioned report of what was applied, what failed, what
//! was not attempted, and the ids of the sites created (docs/plan-format.md, "The apply
//! report"), exactly, against the fake Matomo.

mod common;

use common::*;

/// A site to create, a rename, and three goals of which the second fails.
const CONFIG: &str = r#"
policy: { profile: none }
sites:
  blog:
    id: 3
    name: Blog (renamed)
    urls: [https://blog.example.com]
  fresh:
    name: Fresh
    urls: [https://fresh.example.org]
  shop:
    id: 2
    name: Shop DE (renamed)
    urls: [https://shop.example.de, https://www.shop.example.de]
    goals:
      a-first:
        name: First
        match_attribute: url
        pattern: /first
      b-second:
        name: Second
        match_attribute: url
        pattern: /second
      c-third:
        name: Third
        match_attribute: url
        pattern: /third
"#;

#[test]
fn a_failed_apply_is_reported_as_one_json_document() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(CONFIG);
    fake.fail_nth(
        "Goals.addGoal",
        2,
        200,
        serde_json::json!({"result": "error", "message": "The goal could not be saved."}),
    );
    // One site at a time, by key: blog, fresh (created), shop (its goals, then itself).
    let failed = run_su(
        &work,
        &fake,
        &[
            "apply",
            "--auto-approve",
            "--parallelism",
            "1",
            "--format",
            "json",
        ],
    );
    expect_code(&failed, 1);
    let created = fake
        .state()
        .sites
        .iter()
        .find(|(_, s)| s.name == "Fresh")
        .map(|(id, _)| *id)
        .expect("site created");
    let expected = format!(
        r#"{{
  "format_version": 1,
  "matoform_version": "{version}",
  "matomo": {{
    "url": "{url}",
    "version": "5.0.2"
  }},
  "complete": false,
  "summary": {{
    "applied": 3,
    "failed": 1,
    "not_attempted": 2
  }},
  "applied": [
    "site[blog]",
    "site[fresh]",
    "site[shop].goal[a-first]"
  ],
  "failed": [
    {{
      "address": "site[shop].goal[b-second]",
      "message": "Goals.addGoal (site 2) failed: The goal could not be saved."
    }}
  ],
  "not_attempted": [
    "site[shop]",
    "site[shop].goal[c-third]"
  ],
  "created": [
    {{
      "address": "site[fresh]",
      "site": "fresh",
      "id": {created}
    }}
  ]
}}
"#,
        version = env!("CARGO_PKG_VERSION"),
        url = fake.url(),
    );
    assert_eq!(failed.stdout, expected, "{}", failed.stderr);
    // The document says what the fake holds.
    assert_eq!(site(&fake, 3).name, "Blog (renamed)");
    assert_eq!(site(&fake, 2).name, "Shop DE");
}

/// Nothing to apply: the same document, complete, with empty lists (no text line).
#[test]
fn an_apply_with_nothing_to_do_is_an_empty_complete_document() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(
        "policy: { profile: none }\nsites:\n  blog:\n    id: 3\n    name: Blog US\n    urls: [https://blog.example.com]\n",
    );
    let applied = run_su(
        &work,
        &fake,
        &["apply", "--auto-approve", "--format", "json"],
    );
    expect_code(&applied, 0);
    let document: serde_json::Value =
        serde_json::from_str(&applied.stdout).expect("one JSON document");
    assert_eq!(document["complete"], true);
    assert_eq!(document["summary"]["applied"], 0);
    assert_eq!(document["applied"], serde_json::json!([]));
    assert_eq!(document["created"], serde_json::json!([]));
}

/// JSON prints no plan to confirm: without --auto-approve or a plan file it is refused
/// before anything is read.
#[test]
fn json_without_auto_approve_or_a_plan_file_is_refused() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(CONFIG);
    let refused = run_su(&work, &fake, &["apply", "--format", "json"]);
    expect_code(&refused, 1);
    assert!(
        refused
            .stderr
            .contains("apply --format json does not print the plan, so it cannot ask for confirmation: pass --auto-approve"),
        "{}",
        refused.stderr
    );
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
}
