//! End-to-end tests of reading the instance privacy and retention settings from Matomo's
//! admin pages with `MATOMO_LOGIN` and `MATOMO_PASSWORD` (Matomo 5.0.2 has no API reader
//! for them): the real binary against the fake Matomo, scrubbed environment. Also the
//! replay of the `_ui__` recordings against the fake's admin pages (the contract test of
//! the fake lists them as replayed here). Helpers are local to this file.

use std::path::Path;

use assert_cmd::Command;
use fake_matomo::{ADMIN_PASSWORD, FakeMatomo, SUPERUSER_TOKEN, Seed, State};
use matoform::matomo::session::{OPT_OUT_ENTRY, PRIVACY_ENTRY, vue_props};
use serde_json::Value;

const TODAY: &str = "2026-11-29";
const NO_CHANGES: &str = "No changes. The live instance matches the configuration.";
const ASSERTED: &str = "Asserted (not readable on Matomo";

/// Every privacy setting, and raw-data retention.
const CONFIG: &str = r#"
policy: { profile: none }
instance:
  privacy:
    anonymize_ip: { enabled: true, mask_bytes: 3, use_for_enrichment: true }
    anonymize_user_id: true
    anonymize_order_id: true
    anonymize_referrer: exclude_all
    force_cookieless: true
    do_not_track: true
  retention:
    raw_data: { delete: true, older_than_days: 180 }
"#;

/// Outcome of one run of the binary.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn last_line(&self) -> &str {
        self.stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
    }

    #[track_caller]
    fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    fn has_line(&self, line: &str) -> &Self {
        assert!(
            self.stdout.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            self.stdout
        );
        self
    }

    /// Both streams, for the leak checks.
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// `matoform ARGS` in `dir` against the fake, as the superuser, with extra variables.
fn matoform(dir: &Path, fake: &FakeMatomo, envs: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = Command::cargo_bin("matoform").expect("binary built");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("MATOFORM_TODAY", TODAY)
        .env("MATOMO_URL", fake.url())
        .env("MATOMO_TOKEN", SUPERUSER_TOKEN)
        .current_dir(dir);
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command
        .args(args)
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

fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("matoform.yaml"), CONFIG).expect("config");
    dir
}

const LOGIN: [(&str, &str); 2] = [
    ("MATOMO_LOGIN", "admin"),
    ("MATOMO_PASSWORD", ADMIN_PASSWORD),
];

fn plan(dir: &Path, fake: &FakeMatomo, envs: &[(&str, &str)]) -> Run {
    matoform(dir, fake, envs, &["plan", "--detailed-exitcode"])
}

#[test]
fn privacy_and_retention_are_read_back_on_5_0_2_with_a_login() {
    let fake = FakeMatomo::start(Seed::recorded());
    let dir = workdir();

    let planned = plan(dir.path(), &fake, &LOGIN);
    planned
        .expect(2)
        .has_line("  ~ instance.privacy")
        .has_line("  ~ instance.retention");
    assert!(
        !planned.stdout.contains(ASSERTED),
        "read, not asserted:\n{}",
        planned.stdout
    );
    assert!(
        planned.stdout.contains("mask_bytes: 2 → 3"),
        "{}",
        planned.stdout
    );
    assert!(planned.stderr.is_empty(), "{}", planned.stderr);

    fake.clear_calls();
    let applied = matoform(dir.path(), &fake, &LOGIN, &["apply", "--auto-approve"]);
    applied.expect(0);
    // Report deletion is read but not managed: not written back.
    let methods: Vec<String> = fake.calls().into_iter().map(|c| c.method).collect();
    assert!(methods.contains(&"PrivacyManager.setDeleteLogsSettings".to_string()));
    assert!(
        !methods.contains(&"PrivacyManager.setDeleteReportsSettings".to_string()),
        "{methods:?}"
    );
    let options = fake.state().options;
    assert_eq!(options.anonymisation.mask_length, 3);
    assert!(options.do_not_track && options.retention.delete_logs_enable);

    let again = plan(dir.path(), &fake, &LOGIN);
    again.expect(0);
    assert_eq!(again.last_line(), NO_CHANGES, "{}", again.stdout);
    assert!(!again.stdout.contains("instance."), "{}", again.stdout);

    // Drift of privacy, Do Not Track and retention is detected.
    fake.update(|s| {
        s.options.anonymisation.mask_length = 1;
        s.options.do_not_track = false;
        s.options.retention.delete_logs_older_than = 30;
    });
    let drift = plan(dir.path(), &fake, &LOGIN);
    drift
        .expect(2)
        .has_line("  ~ instance.privacy")
        .has_line("  ~ instance.retention");
    for change in [
        "mask_bytes: 1 → 3",
        "do_not_track: false → true",
        "30 → 180",
    ] {
        assert!(drift.stdout.contains(change), "{change}\n{}", drift.stdout);
    }

    // Without a login the same drift is only asserted (exit 0).
    let asserted = plan(dir.path(), &fake, &[("MATOMO_PASSWORD", ADMIN_PASSWORD)]);
    asserted.expect(0);
    assert!(asserted.stdout.contains(ASSERTED), "{}", asserted.stdout);

    // The session logged in through the form, never with a token on a UI page.
    let calls = fake.calls();
    let ui: Vec<_> = calls
        .iter()
        .filter(|c| c.method.starts_with("ui:"))
        .collect();
    assert!(!ui.is_empty());
    for call in &ui {
        assert!(!call.params.contains_key("token_auth"), "{call:?}");
        if let Some(password) = call.params.get("form_password") {
            assert_eq!(password, "(redacted)");
        }
    }
    let logins: Vec<_> = ui
        .iter()
        .filter(|c| c.method == "ui:Login.index" && c.params.contains_key("form_login"))
        .collect();
    assert_eq!(logins.len(), 3, "one login per run since apply: {ui:?}");
    assert!(logins.iter().all(|c| c.status == 302), "{logins:?}");
}

#[test]
fn on_5_7_privacy_comes_from_the_api_and_retention_from_the_session() {
    let fake = FakeMatomo::start(Seed::recorded_57());
    let dir = workdir();
    let planned = plan(dir.path(), &fake, &LOGIN);
    planned
        .expect(2)
        .has_line("  ~ instance.privacy")
        .has_line("  ~ instance.retention");
    assert!(!planned.stdout.contains(ASSERTED), "{}", planned.stdout);
    let calls = fake.calls();
    let pages: Vec<&str> = calls
        .iter()
        .filter(|c| c.method.starts_with("ui:PrivacyManager."))
        .map(|c| c.method.as_str())
        .collect();
    // The privacy settings come from the API: the opt-out page is not read, and the
    // privacy page is not judged for them (no "not recognised" warning on every run).
    assert_eq!(pages, ["ui:PrivacyManager.privacySettings"]);
    assert!(
        !planned.stderr.contains("not recognised") && !planned.stderr.contains("WARN"),
        "{}",
        planned.stderr
    );
    assert!(calls.iter().any(|c| {
        c.method == "PrivacyManager.getAnonymisationSettings"
            || c.params
                .values()
                .any(|v| v.contains("getAnonymisationSettings"))
    }));
    matoform(dir.path(), &fake, &LOGIN, &["apply", "--auto-approve"]).expect(0);
    let again = plan(dir.path(), &fake, &LOGIN);
    again.expect(0);
    assert_eq!(again.last_line(), NO_CHANGES, "{}", again.stdout);
}

#[test]
fn a_page_of_another_shape_falls_back_to_asserting_with_a_warning() {
    let fake = FakeMatomo::start(Seed::recorded());
    fake.set_admin_pages_broken(true);
    let dir = workdir();
    let planned = plan(dir.path(), &fake, &LOGIN);
    planned.expect(0);
    assert!(planned.stdout.contains(ASSERTED), "{}", planned.stdout);
    assert!(
        planned.stdout.contains("instance.privacy")
            && planned.stdout.contains("instance.retention"),
        "{}",
        planned.stdout
    );
    assert!(
        planned.stderr.contains(
            "cannot read the privacy settings page of Matomo (page privacySettings: no vue-entry=\"PrivacyManager.PrivacySettings\" element"
        ),
        "{}",
        planned.stderr
    );
    assert!(
        planned
            .stderr
            .contains("the instance privacy and retention settings are asserted, not read"),
        "{}",
        planned.stderr
    );
    assert!(!planned.all().contains(ADMIN_PASSWORD));
}

#[test]
fn a_refused_login_falls_back_to_asserting_and_never_shows_the_password() {
    let fake = FakeMatomo::start(Seed::recorded());
    let dir = workdir();
    let wrong = "Wr0ng-Passw0rd-For-Leak-Check";
    let envs = [("MATOMO_LOGIN", "admin"), ("MATOMO_PASSWORD", wrong)];
    let planned = plan(dir.path(), &fake, &envs);
    planned.expect(0);
    assert!(planned.stdout.contains(ASSERTED), "{}", planned.stdout);
    assert!(
        planned.stderr.contains(
            "cannot log in to Matomo's admin pages as \"admin\" (MATOMO_LOGIN): Matomo refused the login for user \"admin\": the login (MATOMO_LOGIN) or MATOMO_PASSWORD is wrong"
        ),
        "{}",
        planned.stderr
    );

    // Neither password nor session cookie in any output, logs at trace included.
    for (password, code) in [(wrong, 0), (ADMIN_PASSWORD, 2)] {
        let envs = [
            ("MATOMO_LOGIN", "admin"),
            ("MATOMO_PASSWORD", password),
            ("RUST_LOG", "trace,cookie_store=trace,reqwest=trace"),
        ];
        let traced = matoform(
            dir.path(),
            &fake,
            &envs,
            &["-vv", "plan", "--detailed-exitcode", "--format", "json"],
        );
        traced.expect(code);
        let all = traced.all();
        for secret in [password, SUPERUSER_TOKEN, "MATOMO_SESSID"] {
            assert!(!all.contains(secret), "{secret} leaked:\n{all}");
        }
        let plan_file = matoform(dir.path(), &fake, &envs, &["plan", "--out", "saved.plan"]);
        let saved = std::fs::read_to_string(dir.path().join("saved.plan")).unwrap_or_default();
        for secret in [password, "MATOMO_SESSID"] {
            assert!(!saved.contains(secret) && !plan_file.all().contains(secret));
        }
    }
}

// ---------------------------------------------------------------------------------
// Replay of the `_ui__` recordings: the fake renders the props Matomo 5.0.2 rendered.
// ---------------------------------------------------------------------------------

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/matomo-5.0.2")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("fixture json")
}

/// Logs in as `admin` through the fake's Login form and fetches one admin page.
async fn admin_page(http: &reqwest::Client, url: &str, query: &str) -> (u16, String) {
    let response = http
        .get(format!("{url}index.php?{query}"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn logged_in(url: &str) -> reqwest::Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(format!("{url}index.php?module=Login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let nonce = matoform::matomo::session::login_nonce(&page).expect("nonce");
    let status = http
        .post(format!("{url}index.php?module=Login"))
        .form(&[
            ("form_login", "admin"),
            ("form_password", ADMIN_PASSWORD),
            ("form_nonce", nonce.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 302);
    http
}

/// Compares every recorded prop with the fake's, but the volatile or unmodelled ones.
fn compare(recorded: &Value, page: &str, entry: &str, skip: &[&str]) {
    let props = vue_props(page, entry).unwrap();
    for (name, want) in recorded["props"].as_object().unwrap() {
        if skip.contains(&name.as_str()) {
            continue;
        }
        let mut got = props.json(name).unwrap();
        let mut want = want.clone();
        if name == "delete-data" {
            for value in [&mut got, &mut want] {
                let map = value.as_object_mut().unwrap();
                // Times of the next scheduled deletion.
                map.remove("nextScheduleTime");
                map.remove("nextRunPretty");
                // Set by setScheduleReportDeletionSettings, which matoform does not use.
                map["config"]
                    .as_object_mut()
                    .unwrap()
                    .remove("delete_logs_schedule_lowest_interval");
            }
        }
        assert_eq!(got, want, "{} prop {name}", recorded["seq"]);
    }
}

/// A change of the fake's state standing for the recorded calls before a page.
type Setup = dyn Fn(&mut State);

#[test]
fn the_fake_renders_the_recorded_admin_pages() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let set_all = |s: &mut State| {
        let a = &mut s.options.anonymisation;
        a.mask_length = 3;
        a.use_anonymized_ip_for_visit_enrichment = true;
        a.anonymize_user_id = true;
        a.anonymize_order_id = true;
        a.anonymize_referrer = "exclude_path".into();
    };
    let deleted = |s: &mut State| {
        s.options.anonymisation.anonymize_order_id = true;
        let r = &mut s.options.retention;
        r.delete_logs_enable = true;
        r.delete_logs_older_than = 1;
        r.delete_reports_enable = true;
        r.delete_reports_older_than = 2;
        r.keep_week = true;
        r.keep_segments = true;
    };
    let steps: [(&str, &Setup); 7] = [
        ("_ui__PrivacyManager.privacySettings__initial", &|_| {}),
        ("_ui__PrivacyManager.usersOptOut__initial", &|_| {}),
        (
            "_ui__PrivacyManager.privacySettings__after_setAnonymizeIpSettings_all_params",
            &set_all,
        ),
        (
            "_ui__PrivacyManager.usersOptOut__after_activateDoNotTrack",
            &|s| s.options.do_not_track = true,
        ),
        (
            "_ui__PrivacyManager.privacySettings__after_delete_settings",
            &deleted,
        ),
        (
            "_ui__PrivacyManager.privacySettings__after_restore",
            &|_| {},
        ),
        ("_ui__PrivacyManager.usersOptOut__after_restore", &|_| {}),
    ];
    for (name, set) in steps {
        let fake = FakeMatomo::start(Seed::recorded());
        fake.update(set);
        let recorded = fixture(name);
        let url = fake.url();
        let query = recorded["url"]
            .as_str()
            .unwrap()
            .trim_start_matches("/index.php?");
        let entry = recorded["vue_entry"].as_str().unwrap().to_string();
        let (status, page) = runtime.block_on(async {
            let http = logged_in(&url).await;
            admin_page(&http, &url, query).await
        });
        assert_eq!(status, 200, "{name}");
        assert!([PRIVACY_ENTRY, OPT_OUT_ENTRY].contains(&entry.as_str()));
        compare(&recorded, &page, &entry, &["matomo-url"]);
    }
}

#[test]
fn the_fake_refuses_tokens_and_anonymous_visitors_on_admin_pages() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = FakeMatomo::start(Seed::recorded());
    let url = fake.url();
    let query = "module=PrivacyManager&action=privacySettings&idSite=1&period=day&date=yesterday";
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let (status, page) = admin_page(
            &http,
            &url,
            &format!("{query}&token_auth={SUPERUSER_TOKEN}"),
        )
        .await;
        assert_eq!(status, 401);
        assert!(!page.contains("vue-entry=\"PrivacyManager"), "{page}");
        // The login form with an error, HTTP 403 (Login::noAccess → Controller::login).
        let (status, page) = admin_page(&http, &url, query).await;
        assert_eq!(status, 403);
        assert!(
            page.contains("name=\"form_password\""),
            "the login form: {page}"
        );
        assert!(!page.contains("vue-entry=\"PrivacyManager"), "{page}");
    });
    let refused = fake
        .calls()
        .into_iter()
        .find(|c| c.params.contains_key("token_auth"))
        .expect("logged");
    assert_eq!(refused.params["token_auth"], "(redacted)");
}
