//! Shared harness of the end-to-end tests: start the fake Matomo, write a configuration
//! into a temporary directory, run the real `matoform` binary with a scrubbed
//! environment, and return its exit code, stdout and stderr.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
pub use fake_matomo::{CallRecord, FakeMatomo, SUPERUSER_TOKEN, Seed, TEAM_A_TOKEN, VIEWER_TOKEN};

/// The date every test runs on (waivers are dated against it).
pub const TODAY: &str = "2026-11-29";

/// The API methods matoform writes with (anything else it calls is a read).
pub const WRITE_METHODS: &[&str] = &[
    "CorePluginsAdmin.setSystemSettings",
    "CustomDimensions.configureExistingCustomDimension",
    "CustomDimensions.configureNewCustomDimension",
    "Goals.addGoal",
    "Goals.deleteGoal",
    "Goals.updateGoal",
    "PrivacyManager.activateDoNotTrack",
    "PrivacyManager.deactivateDoNotTrack",
    "PrivacyManager.setAnonymizeIpSettings",
    "PrivacyManager.setComplianceStatus",
    "PrivacyManager.setDeleteLogsSettings",
    "PrivacyManager.setDeleteReportsSettings",
    "SitesManager.addSite",
    "SitesManager.deleteSite",
    "SitesManager.setDefaultCurrency",
    "SitesManager.setDefaultTimezone",
    "SitesManager.setGlobalExcludedIps",
    "SitesManager.setGlobalExcludedQueryParameters",
    "SitesManager.setGlobalExcludedReferrers",
    "SitesManager.setGlobalExcludedUserAgents",
    "SitesManager.setGlobalQueryParamExclusion",
    "SitesManager.updateSite",
    "UsersManager.setUserAccess",
];

/// True for a call that changes Matomo's state (by method name: a write is any method
/// in [`WRITE_METHODS`] or whose action starts with set/add/update/delete/configure).
pub fn is_write(call: &CallRecord) -> bool {
    if WRITE_METHODS.contains(&call.method.as_str()) {
        return true;
    }
    let writes_by_name = |method: &str| {
        let action = method.rsplit('.').next().unwrap_or_default();
        [
            "set",
            "add",
            "update",
            "delete",
            "configure",
            "activate",
            "deactivate",
        ]
        .iter()
        .any(|p| action.starts_with(p))
    };
    if writes_by_name(&call.method) {
        return true;
    }
    // Sub-requests of an API.getBulkRequest (`urls[N]` = `method=X.y&…`).
    call.params
        .iter()
        .filter(|(k, _)| k.starts_with("urls["))
        .filter_map(|(_, v)| {
            v.split('&')
                .find_map(|kv| kv.strip_prefix("method="))
                .map(str::to_string)
        })
        .any(|m| WRITE_METHODS.contains(&m.as_str()) || writes_by_name(&m))
}

/// The write calls of a call log.
pub fn writes(calls: &[CallRecord]) -> Vec<CallRecord> {
    calls.iter().filter(|c| is_write(c)).cloned().collect()
}

/// Method names of the write calls of a call log, in order.
pub fn write_methods(calls: &[CallRecord]) -> Vec<String> {
    writes(calls).into_iter().map(|c| c.method).collect()
}

/// Outcome of one run of the binary.
#[derive(Debug, Clone)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// The three parts as a tuple.
    pub fn parts(&self) -> (i32, &str, &str) {
        (self.code, &self.stdout, &self.stderr)
    }

    /// Last non-empty line of stdout.
    pub fn last_line(&self) -> &str {
        self.stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
    }
}

/// A temporary working directory holding the configuration, plan files, snapshots.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// A fresh, empty directory.
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A directory holding `matoform.yaml` with the given text.
    pub fn with_config(yaml: &str) -> Workdir {
        let w = Workdir::new();
        w.write("matoform.yaml", yaml);
        w
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file inside the directory (creating parents).
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    /// Replaces `matoform.yaml`.
    pub fn set_config(&self, yaml: &str) {
        self.write("matoform.yaml", yaml);
    }

    /// Every file under the directory, recursively, as (path, bytes).
    pub fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            for entry in std::fs::read_dir(dir).expect("read_dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    let bytes = std::fs::read(&path).expect("read");
                    out.push((path, bytes));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.path(), &mut out);
        out
    }
}

/// The root of the repository.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A `matoform` command with a scrubbed environment: only PATH, NO_COLOR=1,
/// MATOFORM_TODAY, MATOMO_URL (when given) and MATOMO_TOKEN (when given); run in `cwd`.
pub fn matoform(cwd: &Path, url: Option<&str>, token: Option<&str>) -> Command {
    let mut command = Command::cargo_bin("matoform").expect("binary built");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("MATOFORM_TODAY", TODAY)
        .current_dir(cwd);
    if let Some(url) = url {
        command.env("MATOMO_URL", url);
    }
    if let Some(token) = token {
        command.env("MATOMO_TOKEN", token);
    }
    command
}

/// Runs a prepared command, with no stdin, and collects its outcome.
pub fn run(mut command: Command) -> Run {
    let output = command
        .write_stdin("")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `matoform ARGS` in the work directory against the fake with a token.
pub fn run_with(work: &Workdir, fake: &FakeMatomo, token: &str, args: &[&str]) -> Run {
    let mut command = matoform(work.path(), Some(&fake.url()), Some(token));
    command.args(args);
    run(command)
}

/// Runs `matoform ARGS` in the work directory against the fake as the superuser.
pub fn run_su(work: &Workdir, fake: &FakeMatomo, args: &[&str]) -> Run {
    run_with(work, fake, SUPERUSER_TOKEN, args)
}

/// `plan --detailed-exitcode` as the superuser.
pub fn plan(work: &Workdir, fake: &FakeMatomo) -> Run {
    run_su(work, fake, &["plan", "--detailed-exitcode"])
}

/// `apply --auto-approve` as the superuser.
pub fn apply(work: &Workdir, fake: &FakeMatomo) -> Run {
    run_su(work, fake, &["apply", "--auto-approve"])
}

/// Asserts an exit code, showing both streams when it differs.
#[track_caller]
pub fn expect_code(run: &Run, code: i32) {
    assert_eq!(
        run.code, code,
        "exit code\n--- stdout\n{}\n--- stderr\n{}",
        run.stdout, run.stderr
    );
}

/// Renames sites 2 and 3 of `Seed::recorded()` (no policy): a two-update plan.
pub const TWO_RENAMES: &str = r#"
policy: { profile: none }
sites:
  blog:
    id: 3
    name: Blog (renamed)
    urls: [https://blog.example.com]
  shop:
    id: 2
    name: Shop DE (renamed)
    urls: [https://shop.example.de, https://www.shop.example.de]
"#;

/// The summary line every non-empty text plan ends with.
pub fn summary(create: usize, update: usize, delete: usize) -> String {
    format!("Plan: {create} to create, {update} to update, {delete} to delete.")
}

/// The line of an empty plan.
pub const NO_CHANGES: &str = "No changes. The live instance matches the configuration.";

/// Runs `matoform ARGS` against the fake with a token and extra environment variables.
pub fn run_env(
    work: &Workdir,
    fake: &FakeMatomo,
    token: &str,
    envs: &[(&str, &str)],
    args: &[&str],
) -> Run {
    let mut command = matoform(work.path(), Some(&fake.url()), Some(token));
    for (key, value) in envs {
        command.env(key, value);
    }
    command.args(args);
    run(command)
}

/// A fake site of the state (panics when absent).
pub fn site(fake: &FakeMatomo, id: u32) -> fake_matomo::Site {
    fake.state()
        .sites
        .get(&id)
        .cloned()
        .unwrap_or_else(|| panic!("site {id} exists"))
}

/// The live (not deleted) goals of a fake site, by id.
pub fn live_goals(
    fake: &FakeMatomo,
    id: u32,
) -> std::collections::BTreeMap<u32, fake_matomo::Goal> {
    fake.state()
        .goals
        .get(&id)
        .map(|goals| {
            goals
                .iter()
                .filter(|(_, g)| g.deleted == 0)
                .map(|(k, g)| (*k, g.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The custom dimensions of a fake site.
pub fn dimensions(fake: &FakeMatomo, id: u32) -> Vec<fake_matomo::CustomDimension> {
    fake.state()
        .custom_dimensions
        .get(&id)
        .cloned()
        .unwrap_or_default()
}

/// A goal in the fake's shape.
pub fn fake_goal(
    name: &str,
    attribute: &str,
    pattern: &str,
    pattern_type: &str,
) -> fake_matomo::Goal {
    fake_matomo::Goal {
        name: name.into(),
        description: String::new(),
        match_attribute: attribute.into(),
        pattern: pattern.into(),
        pattern_type: pattern_type.into(),
        case_sensitive: 0,
        allow_multiple: 0,
        revenue: 0.0,
        deleted: 0,
        event_value_as_revenue: 0,
    }
}
