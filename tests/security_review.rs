//! Regressions of the security code review (issue 12): each test failed before its fix.
//! Plain `http://` to another machine is refused before any request; output files are
//! private (0600) and written atomically; `import -o` does not overwrite existing files
//! without `--force`. (Redirects are in
//! `token_leak.rs`, the cron script's secrets in `cron.rs`.)

mod common;

use common::*;

/// A Matomo on another machine, reached through `HTTP_PROXY` (the fake listens on
/// 127.0.0.1 and answers absolute-form requests as a proxy would pass them on): without
/// the refusal, matoform would send the token there in clear.
const REMOTE: &str = "http://stats.example.org/";

fn through_proxy(work: &Workdir, fake: &FakeMatomo, args: &[&str]) -> Run {
    let mut command = matoform(work.path(), Some(REMOTE), Some(SUPERUSER_TOKEN));
    command.env("HTTP_PROXY", fake.url()).args(args);
    run(command)
}

#[test]
fn plain_http_to_another_machine_is_refused_before_any_request() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    for args in [
        &["plan"][..],
        &["apply", "--auto-approve"],
        &["audit"],
        &["snapshot"],
        &["import", "--all"],
    ] {
        let run = through_proxy(&work, &fake, args);
        expect_code(&run, 1);
        assert_eq!(
            run.stderr.trim_end(),
            format!(
                "Error: the Matomo URL \"{REMOTE}\" is plain http:// to another machine: the token and the password would cross the network unencrypted. Set MATOMO_URL (or --url, or matomo.url) to its https:// address, or pass --insecure-http for a test instance on a trusted network (http:// is accepted without it only for 127.0.0.1, ::1 and localhost)"
            ),
            "{args:?}"
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    assert_eq!(fake.request_count(), 0, "a request was sent");
}

#[test]
fn insecure_http_lets_plain_http_through_with_a_warning() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    let run = through_proxy(&work, &fake, &["plan", "--insecure-http"]);
    expect_code(&run, 0);
    assert!(run.stdout.contains(&summary(0, 2, 0)), "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!(
            "Warning: --insecure-http: the token and the password are sent unencrypted to {REMOTE}."
        )),
        "{}",
        run.stderr
    );
    assert!(fake.request_count() > 0);
}

#[test]
fn plain_http_to_this_machine_needs_no_flag() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    for url in [
        fake.url(),
        fake.url().replace("127.0.0.1", "localhost"),
        fake.url().replace("127.0.0.1", "127.0.0.1."),
    ] {
        let mut command = matoform(work.path(), Some(&url), Some(SUPERUSER_TOKEN));
        command.arg("plan");
        let run = run(command);
        expect_code(&run, 0);
        assert!(!run.stderr.contains("insecure"), "{url}: {}", run.stderr);
    }
}

/// Plan files, snapshots and imported YAML describe the instance: they are written
/// readable by their owner only, through a temporary file renamed over the target
/// (nothing else is left in the directory).
#[cfg(unix)]
#[test]
fn output_files_are_private_and_leave_no_temporary_file() {
    use std::os::unix::fs::PermissionsExt as _;

    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    // An existing, world-readable plan file is replaced by a private one.
    work.write("plan.json", "{}");
    std::fs::set_permissions(
        work.join("plan.json"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    for args in [
        &["plan", "--out", "plan.json"][..],
        &["snapshot", "-o", "snapshot.json"],
        &["import", "--all", "-o", "imported.yaml"],
        &["import", "--all", "-o", "imported/"],
    ] {
        expect_code(&run_su(&work, &fake, args), 0);
    }
    let mut files = work.files();
    files.retain(|(path, _)| !path.ends_with("matoform.yaml"));
    let names: Vec<String> = files
        .iter()
        .map(|(path, _)| {
            path.strip_prefix(work.path())
                .expect("under the work dir")
                .display()
                .to_string()
        })
        .collect();
    for expected in [
        "plan.json",
        "snapshot.json",
        "imported.yaml",
        "matoform.schema.json",
        "imported/instance.yaml",
        "imported/matoform.schema.json",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
    assert!(
        names.iter().all(|n| !n.contains(".tmp")),
        "temporary file left: {names:?}"
    );
    for (path, _) in &files {
        let mode = std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{}: {mode:o}", path.display());
    }
}

/// `import -o` never overwrites a configuration file that exists (it may hold hand
/// edits) without `--force`: it names the files, writes nothing, and exits 1.
#[test]
fn import_refuses_to_overwrite_existing_files_without_force() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::new();
    expect_code(
        &run_su(&work, &fake, &["import", "--all", "-o", "matomo/"]),
        0,
    );
    let mut written: Vec<String> = std::fs::read_dir(work.join("matomo"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml") && name != "baseline.yaml")
        .collect();
    written.sort();
    assert!(written.len() > 2, "{written:?}");
    let edited = work.join("matomo").join(&written[0]);
    std::fs::write(&edited, "# hand-edited\n").expect("edit");
    std::fs::remove_file(work.join("matomo").join(&written[1])).expect("remove");

    let refused = run_su(&work, &fake, &["import", "--all", "-o", "matomo/"]);
    expect_code(&refused, 1);
    let mut existing: Vec<String> = written
        .iter()
        .filter(|name| *name != &written[1])
        .map(|name| format!("matomo/{name}"))
        .collect();
    // Named in the order they are written: instance.yaml, then the sites by key, then
    // the baseline (it may hold hand edits too).
    existing.sort_by_key(|name| !name.ends_with("/instance.yaml"));
    existing.push("matomo/baseline.yaml".to_string());
    assert!(
        refused.stderr.contains(&format!(
            "Error: import would overwrite {} files that exist: {} (hand edits would be lost). Pass --force to overwrite, or import into another file or an empty directory",
            existing.len(),
            existing.join(", ")
        )),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&edited).expect("edited"),
        "# hand-edited\n"
    );
    assert!(
        !work.join("matomo").join(&written[1]).exists(),
        "nothing written"
    );

    let forced = run_su(
        &work,
        &fake,
        &["import", "--all", "-o", "matomo/", "--force"],
    );
    expect_code(&forced, 0);
    assert!(
        std::fs::read_to_string(&edited)
            .expect("edited")
            .starts_with("# yaml-language-server: $schema=matoform.schema.json\n")
    );
    assert!(work.join("matomo").join(&written[1]).exists());

    // One file: the same.
    work.write("all.yaml", "# mine\n");
    let refused = run_su(&work, &fake, &["import", "--all", "-o", "all.yaml"]);
    expect_code(&refused, 1);
    assert!(
        refused
            .stderr
            .contains("Error: import would overwrite 1 file that exists: all.yaml (hand edits"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(work.join("all.yaml")).expect("kept"),
        "# mine\n"
    );
    expect_code(
        &run_su(
            &work,
            &fake,
            &["import", "--all", "-o", "all.yaml", "--force"],
        ),
        0,
    );
    assert_ne!(
        std::fs::read_to_string(work.join("all.yaml")).expect("rewritten"),
        "# mine\n"
    );
}
