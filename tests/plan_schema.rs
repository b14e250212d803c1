//! The plan JSON and its schema: `schema/plan.schema.json` is generated from the Rust
//! types (`matoform schema --plan`) and must be the committed file; the golden plan and
//! plans made by the binary validate against it; docs/plan-format.md documents every key
//! the schema has.

mod common;

use std::path::Path;

use common::*;

fn committed_schema() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/plan.schema.json");
    let text = std::fs::read_to_string(&path).expect("schema/plan.schema.json");
    serde_json::from_str(&text).expect("schema JSON")
}

/// Every problem of `instance` against the committed schema, one per line.
fn problems(instance: &serde_json::Value) -> Vec<String> {
    let schema = committed_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn plan_schema_is_fresh() {
    let mut command = matoform(Path::new(env!("CARGO_MANIFEST_DIR")), None, None);
    command.args(["schema", "--plan"]);
    let printed = run(command);
    expect_code(&printed, 0);
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/plan.schema.json"),
    )
    .expect("schema/plan.schema.json");
    assert!(
        printed.stdout == committed,
        "schema/plan.schema.json is stale. Regenerate it: cargo run -- schema --plan > schema/plan.schema.json"
    );
    assert_eq!(printed.stdout, matoform::render::json::plan_schema_json());
}

#[test]
fn the_golden_plan_validates_against_the_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/plan.json");
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("golden plan")).expect("JSON");
    assert_eq!(problems(&golden), Vec::<String>::new());
}

/// The schema can fail: a plan of another format version, a change without an action,
/// an unknown action are each refused.
#[test]
fn the_schema_refuses_what_is_not_a_plan() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/plan.json");
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("golden plan")).expect("JSON");
    let mut version = golden.clone();
    version["format_version"] = 1.into();
    assert!(!problems(&version).is_empty());
    let mut no_action = golden.clone();
    no_action["changes"][0]
        .as_object_mut()
        .expect("a change")
        .remove("action");
    assert!(!problems(&no_action).is_empty());
    let mut unknown = golden.clone();
    unknown["changes"][0]["action"] = "replace".into();
    assert!(!problems(&unknown).is_empty());
}

/// Plans the binary prints and saves, against the fake (5.0.2 with asserted settings,
/// 5.7 with the privacy settings read), with creates, updates, goals, findings and
/// warnings, validate.
#[test]
fn plans_made_by_the_binary_validate_against_the_schema() {
    let config = r#"
instance:
  privacy:
    anonymize_ip: { mask_bytes: 2 }
  retention:
    raw_data: { delete: true, older_than_days: 180 }
sites:
  main:
    id: 1
    name: Main Site (renamed)
    urls: [https://main.example.com]
    goals:
      signup:
        name: Signup
        match_attribute: url
        pattern: /signup
    custom_dimensions:
      author: { name: Author, scope: action }
  fresh:
    name: Fresh
    urls: [https://fresh.example.org]
    ecommerce: true
"#;
    for seed in [Seed::recorded(), Seed::recorded_57()] {
        let fake = FakeMatomo::start(seed);
        let work = Workdir::with_config(config);
        let planned = run_su(
            &work,
            &fake,
            &["plan", "--format", "json", "--out", "p.json"],
        );
        assert!(
            planned.code == 3,
            "the ecommerce violation: exit {}: {}",
            planned.code,
            planned.stderr
        );
        let printed: serde_json::Value = serde_json::from_str(&planned.stdout).expect("JSON");
        assert!(
            printed["changes"].as_array().is_some_and(|c| c.len() >= 3),
            "{}",
            planned.stdout
        );
        assert_eq!(problems(&printed), Vec::<String>::new());
        let saved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(work.join("p.json")).expect("plan file"))
                .expect("JSON");
        assert_eq!(problems(&saved), Vec::<String>::new());
    }
}

/// docs/plan-format.md has a section for each object of the plan, and each names every
/// key the schema gives that object.
#[test]
fn the_plan_format_documents_every_key_of_the_schema() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plan-format.md"))
            .expect("docs/plan-format.md");
    assert!(
        docs.contains("schema/plan.schema.json"),
        "the docs point to the schema"
    );
    let schema = committed_schema();
    let section = |title: &str| -> String {
        let start = docs
            .find(&format!("\n## {title}\n"))
            .unwrap_or_else(|| panic!("no section `## {title}` in docs/plan-format.md"));
        let rest = &docs[start + 4 + title.len()..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
    };
    let mut missing = Vec::new();
    for (title, object) in [
        ("Top level", &schema),
        ("Change", &schema["$defs"]["Change"]),
        ("Field change", &schema["$defs"]["FieldChange"]),
        ("Finding", &schema["$defs"]["Finding"]),
        ("Rule note", &schema["$defs"]["RuleNote"]),
        ("Summary", &schema["$defs"]["Summary"]),
    ] {
        let text = section(title);
        let keys = object["properties"].as_object().expect("properties");
        for key in keys.keys() {
            if !text.contains(&format!("`{key}`")) {
                missing.push(format!("{title}: `{key}`"));
            }
        }
    }
    assert_eq!(
        missing,
        Vec::<String>::new(),
        "keys the docs do not describe"
    );
}
