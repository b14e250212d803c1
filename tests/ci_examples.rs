//! The CI and cron examples cannot rot: they are valid YAML, and every matoform
//! command line they contain parses with the real CLI definition.

use std::path::{Path, PathBuf};

use clap::Parser;
use matoform::cli::Cli;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Shell snippets of a CI file: the strings under `run`, `script`, `before_script`.
fn strings(value: &serde_yaml::Value, in_shell: bool, out: &mut Vec<String>) {
    match value {
        serde_yaml::Value::String(s) if in_shell => out.push(s.clone()),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|v| strings(v, in_shell, out)),
        serde_yaml::Value::Mapping(map) => map.iter().for_each(|(k, v)| {
            let shell = matches!(
                k.as_str(),
                Some("run" | "script" | "before_script" | "after_script")
            );
            strings(v, in_shell || shell, out)
        }),
        serde_yaml::Value::Tagged(tagged) => strings(&tagged.value, in_shell, out),
        _ => {}
    }
}

const OPERATORS: &[&str] = &[";", "&&", "||", "|", "then", "do", "else", "$("];

/// Every matoform invocation in a piece of shell: the tokens after `matoform` (or
/// `"$bin"` in the cron script), up to the next operator or redirection.
fn invocations(shell: &str) -> Vec<Vec<String>> {
    let joined = shell.replace("\\\n", " ");
    let mut found = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for line in joined.lines() {
        lines.push(line.to_string());
        // Command substitutions inside quotes: scan their content as lines too.
        if let (Some(start), Some(end)) = (line.find("$("), line.rfind(')')) {
            if start + 2 < end {
                lines.push(line[start + 2..end].to_string());
            }
        }
    }
    for line in &lines {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some(tokens) = shlex::split(line) else {
            continue;
        };
        let mut command_position = true;
        let mut i = 0;
        while i < tokens.len() {
            let token = tokens[i].trim_start_matches("$(");
            let is_matoform = token == "matoform" || token == "$bin";
            if command_position && is_matoform {
                let mut args = vec!["matoform".to_string()];
                i += 1;
                while i < tokens.len() {
                    let t = &tokens[i];
                    if OPERATORS.contains(&t.as_str())
                        || t.starts_with('>')
                        || t.starts_with("2>")
                        || t.starts_with('<')
                    {
                        break;
                    }
                    let ends = t.ends_with(';') || t.ends_with(')');
                    args.push(t.trim_end_matches([';', ')']).to_string());
                    i += 1;
                    if ends {
                        break;
                    }
                }
                found.push(args);
                command_position = true;
                continue;
            }
            command_position = OPERATORS.contains(&tokens[i].as_str()) || tokens[i].ends_with(';');
            i += 1;
        }
    }
    found
}

fn check_file(path: &Path, shell: &str) -> usize {
    let calls = invocations(shell);
    for args in &calls {
        // Expand the few shell variables the examples use into plausible values.
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("\"$config\"", "conf")
                    .replace("$config", "conf")
                    .replace("$work", "/tmp")
            })
            .collect();
        if let Err(err) = Cli::try_parse_from(&args) {
            panic!(
                "{}: `{}` does not parse with the CLI: {err}",
                path.display(),
                args.join(" ")
            );
        }
    }
    calls.len()
}

#[test]
fn github_actions_workflow_is_valid_and_its_commands_parse() {
    let path = root().join("examples/ci/github-actions.yml");
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        doc.get("jobs").and_then(|j| j.get("plan")).is_some(),
        "plan job"
    );
    assert!(
        doc.get("jobs")
            .and_then(|j| j.get("apply"))
            .and_then(|a| a.get("concurrency"))
            .is_some(),
        "apply is serialised"
    );
    let mut all = Vec::new();
    strings(&doc, false, &mut all);
    let count: usize = all.iter().map(|s| check_file(&path, s)).sum();
    assert_eq!(count, 4, "validate, plan (PR), plan --out and apply");
}

#[test]
fn gitlab_ci_is_valid_and_its_commands_parse() {
    let path = root().join("examples/ci/gitlab-ci.yml");
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        doc["apply"]["resource_group"].as_str(),
        Some("matoform-apply")
    );
    let mut all = Vec::new();
    strings(&doc, false, &mut all);
    let count: usize = all.iter().map(|s| check_file(&path, s)).sum();
    assert_eq!(count, 4, "validate, plan (MR), plan --out and apply");
}

#[test]
fn cron_script_commands_parse() {
    let path = root().join("examples/cron/matoform-drift.sh");
    let script = std::fs::read_to_string(&path).unwrap();
    assert_eq!(check_file(&path, &script), 3, "plan, show and scan");
}

#[test]
fn the_extractor_finds_commands_and_ignores_prose() {
    let calls = invocations(
        "set +e\nmatoform plan -c x --format markdown > plan.md; code=$?\nprintf 'matoform plan failed'\ncargo install --locked matoform",
    );
    assert_eq!(
        calls,
        vec![vec!["matoform", "plan", "-c", "x", "--format", "markdown"]]
    );
}
