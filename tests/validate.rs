//! End-to-end tests of `matoform validate` and `matoform schema`, running the real binary.
//!
//! Every example must validate with an exact summary line. Every case in
//! `tests/broken/` (a file or a directory) must be rejected with exit 1, without a
//! panic, and with exactly the problems its sidecar `*.expected` lists, one per line:
//! `FILE:LINE:COL: message fragment`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn matoform() -> Command {
    let mut command = Command::cargo_bin("matoform").expect("binary built");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

fn validate(path: &str) -> (i32, String, String) {
    let output = matoform()
        .args(["validate", "-c", path])
        .output()
        .expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn minimal_example_validates() {
    let (code, stdout, stderr) = validate("examples/minimal.yaml");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "Valid: 1 site, 1 goal (1 file).\n");
    assert_eq!(stderr, "");
}

#[test]
fn shared_instance_example_validates() {
    let (code, stdout, stderr) = validate("examples/shared-instance");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "Valid: 12 sites, 9 goals, 2 custom dimensions, instance settings, 1 waiver (5 files).\n"
    );
    // The policy's findings: only the waived ecommerce violation, counted.
    assert_eq!(
        stderr,
        "waived [cnil.ecommerce] 1 waived\nPolicy: 0 violations, 0 warnings, 1 waived.\nEvery finding: --findings all.\n"
    );
}

#[test]
fn every_example_file_validates_on_its_own_or_in_its_directory() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).expect("examples/") {
        let path = entry.expect("entry").path();
        if !is_configuration_example(&path) {
            continue;
        }
        let relative = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .expect("inside")
            .to_string_lossy()
            .into_owned();
        let (code, stdout, stderr) = validate(&relative);
        assert_eq!(code, 0, "{relative}: {stderr}");
        assert!(stdout.starts_with("Valid: "), "{relative}: {stdout}");
        checked += 1;
    }
    assert!(checked >= 2);
}

#[test]
fn every_example_file_carries_the_schema_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("examples"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let first = text.lines().next().unwrap_or_default();
        let relative = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{}: no schema line", file.display()));
        let schema = file.parent().expect("dir").join(relative);
        assert!(
            schema.ends_with("schema/matoform.schema.json") && schema.exists(),
            "{}: bad schema path {relative}",
            file.display()
        );
    }
}

/// Configuration examples: YAML files and directories, not the CI/cron kits or snapshots.
fn is_configuration_example(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if path.is_dir() {
        !matches!(name, "ci" | "cron")
    } else {
        name.ends_with(".yaml") || name.ends_with(".yml")
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if !is_configuration_example(&path) {
            continue;
        }
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// The broken cases: every file or directory in tests/broken/ except the sidecars.
fn broken_cases() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/broken") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "expected") {
            continue;
        }
        let stem = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let case = format!(
            "tests/broken/{}",
            path.file_name().expect("name").to_string_lossy()
        );
        cases.push((case, dir.join(format!("{stem}.expected"))));
    }
    cases.sort();
    cases
}

#[test]
fn broken_corpus_is_large_enough() {
    assert!(
        broken_cases().len() >= 30,
        "only {} broken cases",
        broken_cases().len()
    );
}

#[test]
fn every_broken_configuration_is_rejected_with_its_locations() {
    let mut failures = Vec::new();
    for (case, expected_file) in broken_cases() {
        let expected = std::fs::read_to_string(&expected_file)
            .unwrap_or_else(|_| panic!("{case}: missing {}", expected_file.display()));
        let expected: Vec<&str> = expected
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .collect();
        let (code, stdout, stderr) = validate(&case);
        let mut problems = Vec::new();
        if code != 1 {
            problems.push(format!("exit code {code}, expected 1"));
        }
        if stderr.contains("panicked") {
            problems.push("panicked".into());
        }
        if !stdout.is_empty() {
            problems.push(format!("unexpected stdout: {stdout}"));
        }
        let diagnostics: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("  fix: ") && !l.contains(" found in "))
            .collect();
        for line in &expected {
            let Some((location, fragment)) = split_expectation(line) else {
                problems.push(format!("bad expectation line: {line}"));
                continue;
            };
            if !diagnostics
                .iter()
                .any(|d| d.starts_with(&format!("{location}: ")) && d.contains(fragment))
            {
                problems.push(format!("missing: {line}"));
            }
        }
        let n = expected.len();
        let summary = format!(
            "{n} {} found in {case}.",
            if n == 1 { "problem" } else { "problems" }
        );
        if !stderr.lines().any(|l| l == summary) {
            problems.push(format!("expected the line `{summary}`"));
        }
        if diagnostics.len() != n {
            problems.push(format!("{} diagnostics, expected {n}", diagnostics.len()));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{case}:\n  {}\n--- stderr ---\n{stderr}",
                problems.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `FILE:LINE:COL: fragment` → (`FILE:LINE:COL`, `fragment`).
fn split_expectation(line: &str) -> Option<(&str, &str)> {
    let mut colons = line.match_indices(':').map(|(i, _)| i);
    let _file_end = colons.next()?;
    let _line_end = colons.next()?;
    let col_end = colons.next()?;
    Some((&line[..col_end], line[col_end + 1..].trim_start()))
}

#[test]
fn missing_configuration_path_is_an_error() {
    let (code, _stdout, stderr) = validate("tests/broken/does-not-exist.yaml");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("tests/broken/does-not-exist.yaml:1:1: cannot read"),
        "{stderr}"
    );
}

#[test]
fn no_token_is_echoed() {
    let (code, _stdout, stderr) = validate("tests/broken/29-token-as-value.yaml");
    assert_eq!(code, 1);
    assert!(
        !stderr.contains("0123456789abcdef0123456789abcdef"),
        "{stderr}"
    );
}

#[test]
fn schema_is_fresh() {
    let output = matoform().arg("schema").output().expect("runs");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("utf-8");
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/matoform.schema.json"),
    )
    .expect("schema/matoform.schema.json");
    assert!(
        printed == committed,
        "schema/matoform.schema.json is stale. Regenerate it: cargo run -- schema > schema/matoform.schema.json"
    );
}

/// Time zone suggestions came from spelling alone: `UTC+5:30` suggested `UTC+5.75` and
/// `Asia/Calcutta` suggested `Asia/Kamchatka`. Now offsets and legacy names come first.
#[test]
fn timezone_fixes_name_matomo_offsets_and_current_names() {
    let case = "tests/broken/44-timezone-aliases-and-offsets.yaml";
    let (code, _, stderr) = validate(case);
    assert_eq!(code, 1, "{stderr}");
    let fixes: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("  fix: "))
        .collect();
    assert_eq!(
        fixes,
        [
            "did you mean `UTC+5.5`?",
            "did you mean `Asia/Kolkata`?",
            "did you mean `UTC+5.75`?",
            "Matomo has no offset `UTC+3.75`: use the IANA name of the place, e.g. `Europe/Paris`",
        ],
        "{stderr}"
    );
}
