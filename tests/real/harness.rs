//! Harness of the real-Matomo acceptance suite: reads the kit's env file, refuses
//! anything but a loopback Matomo, runs the real binary against it, and reads values
//! back through Matomo's own HTTP API (never through matoform).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::Value;

pub use crate::common::{Run, Workdir, expect_code, matoform};

/// The line an empty plan ends with.
pub const NO_CHANGES: &str = "No changes. The live instance matches the configuration.";

/// A running kit instance (`../shared/matomo-real/up.sh`), from its env file.
#[derive(Debug, Clone)]
pub struct Kit {
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
    /// `5.0.2` or `5.7.0-rc1`.
    pub version: String,
    /// The kit's WORKDIR (the env file's folder).
    pub workdir: PathBuf,
    vars: BTreeMap<String, String>,
}

/// Instance-wide settings are shared by every test: tests that change them take the
/// write lock, tests of sites the read lock, so both kinds never overlap.
static INSTANCE_LOCK: RwLock<()> = RwLock::new(());

impl Kit {
    /// The kit named by `MATOMO_REAL_ENV`, or `None` (after one line on stderr) when the
    /// variable is unset. Panics on a URL that is not on 127.0.0.1 or a broken file.
    pub fn get() -> Option<Kit> {
        static KIT: OnceLock<Option<Kit>> = OnceLock::new();
        KIT.get_or_init(|| {
            let Some(path) = std::env::var_os("MATOMO_REAL_ENV") else {
                eprintln!(
                    "real-Matomo suite skipped: MATOMO_REAL_ENV is not set (start a kit: bash ../shared/matomo-real/up.sh 5.0.2 /tmp/mr502, then MATOMO_REAL_ENV=/tmp/mr502/matomo.env cargo test --test real)"
                );
                return None;
            };
            Some(Kit::load(Path::new(&path)))
        })
        .clone()
    }

    fn load(path: &Path) -> Kit {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("MATOMO_REAL_ENV={}: {e}", path.display()));
        let vars: BTreeMap<String, String> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let url = vars.get("MATOMO_URL").cloned().unwrap_or_default();
        let parsed = url::Url::parse(&url).unwrap_or_else(|e| panic!("MATOMO_URL {url:?}: {e}"));
        assert!(
            matches!(parsed.host_str(), Some("127.0.0.1")),
            "the real-Matomo suite only runs against the kit on 127.0.0.1, not {url}"
        );
        Kit {
            url,
            version: vars.get("MATOMO_VERSION").cloned().unwrap_or_default(),
            workdir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            vars,
        }
    }

    /// A value of the env file (panics when absent).
    pub fn var(&self, name: &str) -> &str {
        self.vars
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from the kit's env file"))
    }

    /// The superuser's token.
    pub fn superuser(&self) -> &str {
        self.var("MATOMO_TOKEN_SUPERUSER")
    }

    /// True on 5.7.
    pub fn is_57(&self) -> bool {
        self.version.starts_with("5.7")
    }

    /// Shared access for a test that changes only its own sites.
    pub fn sites_lock(&self) -> RwLockReadGuard<'static, ()> {
        INSTANCE_LOCK.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Exclusive access for a test that changes instance-wide settings.
    pub fn instance_lock(&self) -> RwLockWriteGuard<'static, ()> {
        INSTANCE_LOCK.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Calls Matomo's API directly (POST, JSON) with `token`; returns the decoded
    /// answer, error envelopes included.
    pub fn api_as(&self, token: &str, method: &str, params: &[(&str, &str)]) -> Value {
        let mut form: Vec<(&str, &str)> = vec![
            ("token_auth", token),
            ("module", "API"),
            ("format", "json"),
            ("filter_limit", "-1"),
            ("method", method),
        ];
        form.extend_from_slice(params);
        let response = http()
            .post(format!("{}index.php", self.url))
            .form(&form)
            .send()
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        let text = response.text().unwrap_or_default();
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method}: not JSON: {text:.300}"))
    }

    /// [`Kit::api_as`] with the superuser token; panics on an error envelope.
    pub fn api(&self, method: &str, params: &[(&str, &str)]) -> Value {
        let value = self.api_as(self.superuser(), method, params);
        if value.get("result").and_then(Value::as_str) == Some("error") {
            panic!("{method} {params:?}: {value}");
        }
        value
    }

    /// Runs `matoform ARGS` in `work` with the superuser token and extra variables.
    pub fn run(&self, work: &Workdir, envs: &[(&str, &str)], args: &[&str]) -> Run {
        self.run_as(work, self.superuser(), envs, args)
    }

    /// Runs `matoform ARGS` in `work` with `token` and extra variables.
    pub fn run_as(&self, work: &Workdir, token: &str, envs: &[(&str, &str)], args: &[&str]) -> Run {
        let mut command = matoform(work.path(), Some(&self.url), Some(token));
        for (key, value) in envs {
            command.env(key, value);
        }
        command.args(args);
        run_long(command)
    }

    /// `plan --detailed-exitcode` (superuser).
    pub fn plan(&self, work: &Workdir, envs: &[(&str, &str)]) -> Run {
        self.run(work, envs, &["plan", "--detailed-exitcode"])
    }

    /// `apply --auto-approve` (superuser), which must succeed.
    #[track_caller]
    pub fn apply(&self, work: &Workdir, envs: &[(&str, &str)]) -> Run {
        let run = self.run(work, envs, &["apply", "--auto-approve"]);
        expect_code(&run, 0);
        run
    }

    /// The acceptance rule: `apply`, then a plan that must exit 0 with "No changes.".
    #[track_caller]
    pub fn apply_converges(&self, work: &Workdir, envs: &[(&str, &str)]) -> Run {
        let applied = self.apply(work, envs);
        let plan = self.plan(work, envs);
        assert!(
            plan.code == 0 && plan.last_line() == NO_CHANGES,
            "After applying, the plan was not empty (Matomo {}, exit {}):\n--- plan\n{}\n--- stderr\n{}\n--- apply\n{}",
            self.version,
            plan.code,
            plan.stdout,
            plan.stderr,
            applied.stdout
        );
        applied
    }

    /// The password environment of the superuser (for retention and the instance
    /// visitor log).
    pub fn password_env(&self) -> [(&'static str, &str); 2] {
        [
            ("MATOMO_PASSWORD", self.var("MATOMO_SUPERUSER_PASSWORD")),
            ("MATOMO_LOGIN", self.var("MATOMO_SUPERUSER_LOGIN")),
        ]
    }

    /// The id of the live site whose main URL is `url` (Matomo's own lookup).
    pub fn site_id_by_url(&self, url: &str) -> Option<u64> {
        let found = self.api("SitesManager.getSitesIdFromSiteUrl", &[("url", url)]);
        found
            .as_array()?
            .iter()
            .filter_map(|s| s.get("idsite"))
            .filter_map(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .min()
    }

    /// Deletes the live sites with these main URLs (test cleanup; missing ones ignored).
    pub fn delete_sites_by_url(&self, urls: &[String]) {
        for url in urls {
            if let Some(id) = self.site_id_by_url(url) {
                let id = id.to_string();
                self.api("SitesManager.deleteSite", &[("idSite", &id)]);
            }
        }
    }
}

/// Runs a command with a longer timeout than the fake tests (a real Matomo is slower).
pub fn run_long(mut command: assert_cmd::Command) -> Run {
    let output = command
        .write_stdin("")
        .timeout(std::time::Duration::from_secs(600))
        .output()
        .expect("runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn http() -> &'static reqwest::blocking::Client {
    static HTTP: OnceLock<reqwest::blocking::Client> = OnceLock::new();
    HTTP.get_or_init(|| {
        reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(300))
            .build()
            .expect("http client")
    })
}

/// A name unique to this run, for URLs and site names (`tag-1a2b3c`).
pub fn unique(tag: &str) -> String {
    format!("{tag}-{:06x}", fastrand::u32(..0xff_ffff))
}

/// A string of a JSON answer field (numbers and strings alike).
pub fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl Kit {
    /// Matomo's stored options (`matomo_option` rows) whose name starts with one of
    /// `prefixes`, read from the kit's own MariaDB: where Matomo keeps the privacy and
    /// retention settings that 5.0–5.5 have no API reader for.
    pub fn options(&self, prefixes: &[&str]) -> BTreeMap<String, String> {
        let filter = prefixes
            .iter()
            .map(|p| format!("option_name LIKE '{p}%'"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let output = std::process::Command::new("mariadb")
            .arg(format!(
                "--defaults-file={}",
                self.workdir.join("my.cnf").display()
            ))
            .args(["-N", "-B", "matomo", "-e"])
            .arg(format!(
                "SELECT option_name, option_value FROM matomo_option WHERE {filter}"
            ))
            .output()
            .expect("the kit's mariadb client runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The Live plugin's system settings (`disable_visitor_log`, `disable_visitor_profile`).
    pub fn instance_visitor_log(&self) -> (bool, bool) {
        let live = live_switches(&self.api("CorePluginsAdmin.getSystemSettings", &[]));
        let on = |name: &str| live.get(name).copied().unwrap_or(false);
        (on("disable_visitor_log"), on("disable_visitor_profile"))
    }

    /// A site's Live settings as `getSiteSettings` lists them (absent: not listed).
    pub fn site_visitor_log(&self, id: u64) -> BTreeMap<String, bool> {
        let ids = id.to_string();
        live_switches(&self.api("SitesManager.getSiteSettings", &[("idSite", &ids)]))
    }
}

/// The Live plugin's switches in a settings answer (plugin sections of named values).
fn live_switches(settings: &Value) -> BTreeMap<String, bool> {
    crate::readback::items(settings)
        .filter(|plugin| plugin.get("pluginName").and_then(Value::as_str) == Some("Live"))
        .flat_map(|plugin| crate::readback::items(&plugin["settings"]))
        .map(|setting| {
            let on = setting["value"] == Value::Bool(true) || setting["value"] == 1;
            (text(setting, "name"), on)
        })
        .collect()
}
