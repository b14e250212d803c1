//! Small CLI tests of the real binary: `--version` names the version and the git commit;
//! `completions bash|zsh|fish` prints a completion script.

use assert_cmd::Command;

fn matoform() -> Command {
    let mut command = Command::cargo_bin("matoform").expect("binary built");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    command
}

#[test]
fn version_names_the_version_and_the_commit() {
    let output = matoform().arg("--version").output().expect("runs");
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let prefix = format!("matoform {} (", env!("CARGO_PKG_VERSION"));
    assert!(stdout.starts_with(&prefix), "{stdout}");
    let commit = stdout[prefix.len()..]
        .strip_suffix(")\n")
        .unwrap_or_else(|| panic!("no closing parenthesis: {stdout:?}"));
    // A git checkout has a short commit hash; a source tarball says so.
    assert!(
        commit == "unknown commit"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit:?}"
    );
    // Every subcommand has it too (propagate_version).
    let output = matoform()
        .args(["plan", "--version"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).expect("utf-8"),
        stdout.replacen("matoform ", "matoform-plan ", 1)
    );
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _matoform"),
        ("zsh", "#compdef matoform"),
        ("fish", "complete -c matoform"),
    ] {
        let output = matoform()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{shell}");
        assert!(output.stderr.is_empty(), "{shell}");
        let script = String::from_utf8(output.stdout).expect("utf-8");
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for command in ["plan", "apply", "audit", "snippet", "completions"] {
            assert!(script.contains(command), "{shell}: no {command}");
        }
        assert!(script.contains("detailed-exitcode"), "{shell}");
    }
}

#[test]
fn completions_reject_an_unknown_shell() {
    let output = matoform()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert!(stderr.contains("invalid value 'tcsh'"), "{stderr}");
}

#[test]
fn completions_survive_a_closed_pipe() {
    // The reading end is closed at once, so the write meets a broken pipe (unless the
    // child wins the race and writes first: then the test passes trivially).
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_matoform"))
        .args(["completions", "bash"])
        .env_clear()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("waits");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}
