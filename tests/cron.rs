//! End-to-end tests of the nightly drift check `examples/cron/matoform-drift.sh`: the
//! script runs the real binary against the fake Matomo and reports to a webhook captured
//! on a loopback listener. No drift → no report; drift → one report with the plan as a
//! chat message (written by matoform, payload included); policy violations → one
//! report; error → one error report. 1,000 changed sites make a post under 16,000
//! characters, in well under a second of script time. The webhook URL
//! (a secret) never appears on a command line, and the env file given as argument is read
//! as data, never run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use fake_matomo::{FakeMatomo, SUPERUSER_TOKEN, Seed};

/// A webhook on `127.0.0.1:0` that records each POST body and answers 200.
struct Webhook {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Webhook {
    fn start() -> Webhook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the webhook listener");
        let url = format!(
            "http://{}/hooks/matoform",
            listener.local_addr().expect("address")
        );
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let recorded = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut length = 0usize;
                let mut expect_continue = false;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if lower.starts_with("expect:") && lower.contains("100-continue") {
                        expect_continue = true;
                    }
                }
                if expect_continue {
                    let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                let mut body = vec![0u8; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                if request_line.starts_with("POST ") {
                    recorded
                        .lock()
                        .expect("lock")
                        .push(String::from_utf8_lossy(&body).into_owned());
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
            }
        });
        Webhook { url, bodies }
    }

    /// The `text` of every POST received, parsed as the Mattermost/Slack payload.
    fn texts(&self) -> Vec<String> {
        self.bodies
            .lock()
            .expect("lock")
            .iter()
            .map(|body| {
                let json: serde_json::Value = serde_json::from_str(body)
                    .unwrap_or_else(|e| panic!("webhook body is not JSON ({e}): {body}"));
                json["text"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no text in {body}"))
                    .to_owned()
            })
            .collect()
    }
}

/// The recorded instance with site 1 made compliant (and so, matching the config below).
fn fake() -> FakeMatomo {
    let fake = FakeMatomo::start(Seed::recorded());
    fake.update(|s| {
        let site = s.sites.get_mut(&1).expect("site 1");
        site.exclude_unknown_urls = 1;
        site.disable_visitor_log = true;
        site.disable_visitor_profile = true;
    });
    fake
}

const CONFIG: &str = "\
sites:
  main:
    id: 1
    name: Main Site
    urls: [https://main.example.com]
    timezone: Europe/Berlin
    currency: EUR
";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cron/matoform-drift.sh")
}

fn require(tool: &str) {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "`{tool}` is not installed: the drift-check script needs it (install {tool} on this machine)"
    );
}

/// Runs the script with `config` and `token`; returns (exit code, stderr).
fn run_script(fake: &FakeMatomo, hook: &Webhook, config: &str, token: &str) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = dir.path().join("matoform.yaml");
    std::fs::write(&config_path, config).expect("write config");
    let config_path = config_path.to_string_lossy().into_owned();
    let url = fake.url();
    script_command(dir.path(), None)
        .envs([
            ("MATOFORM_CONFIG", config_path.as_str()),
            ("MATOFORM_WEBHOOK_URL", hook.url.as_str()),
            ("MATOMO_URL", url.as_str()),
            ("MATOMO_TOKEN", token),
        ])
        .run()
}

/// `bash matoform-drift.sh` in `dir`, with a scrubbed environment whose PATH starts with
/// `first_on_path` (when given), then the directory of the matoform binary.
fn script_command(dir: &Path, first_on_path: Option<&Path>) -> Script {
    require("bash");
    require("curl");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_matoform"));
    let bin_dir = bin.parent().expect("binary directory");
    let mut path = std::ffi::OsString::new();
    if let Some(first) = first_on_path {
        path.push(first);
        path.push(":");
    }
    path.push(bin_dir);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let mut command = std::process::Command::new("bash");
    command
        .arg(script())
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("MATOFORM_TODAY", "2026-11-29")
        .current_dir(dir);
    Script(command)
}

struct Script(std::process::Command);

impl Script {
    fn envs<'a>(mut self, vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Script {
        self.0.envs(vars);
        self
    }

    fn arg(mut self, arg: &Path) -> Script {
        self.0.arg(arg);
        self
    }

    /// Runs it: (exit code, stderr).
    fn run(mut self) -> (i32, String) {
        let output = self.0.output().expect("bash runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

/// Writes an executable shell script.
fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, text).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn no_drift_no_report() {
    let fake = fake();
    let hook = Webhook::start();
    let (code, stderr) = run_script(&fake, &hook, CONFIG, SUPERUSER_TOKEN);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(hook.texts(), Vec::<String>::new());
    // Nothing was written to Matomo.
    assert!(
        fake.calls()
            .iter()
            .all(|c| !c.method.contains(".update") && !c.method.contains(".add")),
        "{:?}",
        fake.calls()
    );
}

#[test]
fn drift_is_reported_once_with_the_chat_plan() {
    let fake = fake();
    fake.update(|s| s.sites.get_mut(&1).expect("site 1").name = "Renamed by hand".into());
    let hook = Webhook::start();
    let (code, stderr) = run_script(&fake, &hook, CONFIG, SUPERUSER_TOKEN);
    assert_eq!(code, 2, "{stderr}");
    let texts = hook.texts();
    assert_eq!(texts.len(), 1, "{texts:#?}");
    let text = &texts[0];
    assert!(text.starts_with("matoform: drift detected on "), "{text}");
    let url = fake.url();
    for line in [
        format!("matoform plan for `{url}` (5.0.2): 0 to create, 1 to update, 0 to delete."),
        "- ~ `site[main]` (id 1): name".to_string(),
        "Plan: 0 to create, 1 to update, 0 to delete.".to_string(),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing line {line:?} in:\n{text}"
        );
    }
    assert!(!text.contains(SUPERUSER_TOKEN));
    // The drift check never applies.
    assert_eq!(fake.state().sites[&1].name, "Renamed by hand");
}

#[test]
fn policy_violation_is_reported_once() {
    let fake = fake();
    let hook = Webhook::start();
    let config = format!("{CONFIG}    ecommerce: true\n");
    fake.update(|s| s.sites.get_mut(&1).expect("site 1").ecommerce = 1);
    let (code, stderr) = run_script(&fake, &hook, &config, SUPERUSER_TOKEN);
    assert_eq!(code, 3, "{stderr}");
    let texts = hook.texts();
    assert_eq!(texts.len(), 1, "{texts:#?}");
    let text = &texts[0];
    assert!(
        text.starts_with("matoform: policy violations on "),
        "{text}"
    );
    assert!(
        text.contains("- ✗ `cnil.ecommerce` `site[main]`: "),
        "{text}"
    );
    assert!(text.contains("\nmatoform plan for "), "{text}");
}

#[test]
fn personal_data_in_the_reports_is_reported_once_redacted() {
    let fake = fake();
    fake.track(
        1,
        &fake_matomo::Hit {
            url: "/profil/jean.dupont@example.fr".into(),
            ..fake_matomo::Hit::default()
        },
    )
    .expect("tracked");
    let hook = Webhook::start();
    let (code, stderr) = run_script(&fake, &hook, CONFIG, SUPERUSER_TOKEN);
    assert_eq!(code, 3, "{stderr}");
    let texts = hook.texts();
    assert_eq!(texts.len(), 1, "{texts:#?}");
    let text = &texts[0];
    assert!(
        text.starts_with("matoform: personal data found in the reports on "),
        "{text}"
    );
    assert!(
        text.contains("site\\[main\\] page-urls: e-mail address (scan.email)"),
        "{text}"
    );
    assert!(!text.contains("jean.dupont"), "{text}");
}

#[test]
fn error_is_reported_distinctly() {
    let fake = fake();
    let hook = Webhook::start();
    let (code, stderr) = run_script(&fake, &hook, CONFIG, "not0a0valid0token000000000000000");
    assert_eq!(code, 1, "{stderr}");
    let texts = hook.texts();
    assert_eq!(texts.len(), 1, "{texts:#?}");
    let text = &texts[0];
    assert!(
        text.starts_with("matoform: the drift check FAILED on "),
        "{text}"
    );
    assert!(text.contains("(exit 1)"), "{text}");
    assert!(text.contains("\n```\nError: "), "{text}");
    assert!(!text.contains("matoform plan for"), "{text}");
    assert!(!text.contains("not0a0valid0token"), "{text}");
}

/// The webhook URL is a secret: it must not be on curl's command line (visible to every
/// user in `ps`), nor in matoform's environment. A curl on PATH records its arguments
/// and standard input, then passes on to the real curl; MATOFORM_BIN records the
/// environment matoform runs with.
#[test]
fn the_webhook_url_is_never_on_a_command_line() {
    let fake = fake();
    fake.update(|s| s.sites.get_mut(&1).expect("site 1").name = "Renamed by hand".into());
    let hook = Webhook::start();
    let secret_url = format!("{}/T0KEN-S3CRET-PATH", hook.url);
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = dir.path().join("matoform.yaml");
    std::fs::write(&config_path, CONFIG).expect("write config");
    let spies = dir.path().join("spies");
    std::fs::create_dir(&spies).expect("mkdir");
    let real_curl = std::process::Command::new("sh")
        .args(["-c", "command -v curl"])
        .output()
        .expect("sh runs");
    let real_curl = String::from_utf8_lossy(&real_curl.stdout)
        .trim()
        .to_string();
    let log = dir.path().join("log");
    executable(
        &spies.join("curl"),
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{log}/curl-argv'\ntee '{log}/curl-stdin' | '{real_curl}' \"$@\"\n",
            log = log.display()
        ),
    );
    executable(
        &spies.join("matoform-spy"),
        &format!(
            "#!/bin/sh\nenv >> '{log}/matoform-env'\nprintf '%s\\n' \"$@\" >> '{log}/matoform-argv'\nexec '{bin}' \"$@\"\n",
            log = log.display(),
            bin = env!("CARGO_BIN_EXE_matoform")
        ),
    );
    std::fs::create_dir(&log).expect("mkdir");
    let config_path = config_path.to_string_lossy().into_owned();
    let spy = spies.join("matoform-spy").to_string_lossy().into_owned();
    let url = fake.url();
    let (code, stderr) = script_command(dir.path(), Some(&spies))
        .envs([
            ("MATOFORM_CONFIG", config_path.as_str()),
            ("MATOFORM_WEBHOOK_URL", secret_url.as_str()),
            ("MATOFORM_BIN", spy.as_str()),
            ("MATOMO_URL", url.as_str()),
            ("MATOMO_TOKEN", SUPERUSER_TOKEN),
        ])
        .run();
    assert_eq!(code, 2, "{stderr}");
    // The report was delivered (through the spy, to the real curl).
    assert_eq!(hook.texts().len(), 1, "{stderr}");
    let read = |name: &str| std::fs::read_to_string(log.join(name)).expect(name);
    let argv = read("curl-argv");
    assert!(argv.lines().any(|a| a == "-K"), "{argv}");
    for (what, text) in [
        ("curl's arguments", argv),
        ("matoform's arguments", read("matoform-argv")),
        ("matoform's environment", read("matoform-env")),
        ("stderr", stderr),
    ] {
        assert!(
            !text.contains("T0KEN-S3CRET-PATH"),
            "the webhook URL is in {what}:\n{text}"
        );
    }
    assert_eq!(read("curl-stdin"), format!("url = \"{secret_url}\"\n"));
}

/// The env file given as argument is data: values are taken literally (quotes removed,
/// nothing expanded), other lines and unknown keys are ignored with a warning, and
/// nothing in it runs.
#[test]
fn the_env_file_is_read_as_data_never_run() {
    let fake = fake();
    fake.update(|s| s.sites.get_mut(&1).expect("site 1").name = "Renamed by hand".into());
    let hook = Webhook::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = dir.path().join("matoform.yaml");
    std::fs::write(&config_path, CONFIG).expect("write config");
    let env_file = dir.path().join("drift.env");
    std::fs::write(
        &env_file,
        format!(
            "# the drift check\n\
             MATOFORM_CONFIG=\"{config}\"\n\
             export MATOFORM_WEBHOOK_URL='{hook}'\n\
             MATOMO_URL={url}\n\
             MATOMO_TOKEN={SUPERUSER_TOKEN}\r\n\
             \n\
             MATOMO_LOGIN=$(touch ran-substitution)\n\
             EVIL=`touch ran-backticks`\n\
             touch ran-command\n\
             PATH=/nowhere\n",
            config = config_path.display(),
            hook = hook.url,
            url = fake.url(),
        ),
    )
    .expect("write env file");
    let (code, stderr) = script_command(dir.path(), None).arg(&env_file).run();
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(hook.texts().len(), 1, "{stderr}");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with("ran-")),
        "the env file ran: {names:?}"
    );
    let file = env_file.display();
    for warning in [
        format!("matoform-drift: {file}:8: EVIL is not a setting of this script, ignored"),
        format!("matoform-drift: {file}:9: not a KEY=VALUE line, ignored"),
        format!("matoform-drift: {file}:10: PATH is not a setting of this script, ignored"),
    ] {
        assert!(stderr.contains(&warning), "{warning}\n{stderr}");
    }
    // The crontab example hands the file to the script instead of sourcing it.
    let crontab = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cron/crontab"),
    )
    .expect("crontab");
    let entries: Vec<&str> = crontab.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(
        entries
            .iter()
            .all(|l| !l.contains(". /") && !l.contains("source ")),
        "{crontab}"
    );
    assert!(
        entries
            .iter()
            .any(|l| l.contains("/usr/local/bin/matoform-drift.sh /etc/matoform/drift.env ")),
        "{crontab}"
    );
}

/// A drift of 1,000 sites makes one post under 16,000 characters (Mattermost's post
/// limit is 16,383), the changed sites first and a notice of the rest; the script's
/// own part (everything but the two matoform runs, timed by a wrapper) takes under a
/// second: the payload is written by matoform, not escaped in bash.
#[test]
fn a_thousand_changed_sites_post_fits_and_the_script_is_fast() {
    const SITES: u32 = 1000;
    let fake = FakeMatomo::start(Seed::with_sites(SITES));
    let hook = Webhook::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = String::from("sites:\n");
    for id in 1..=SITES {
        config.push_str(&format!(
            "  site-{id:04}:\n    id: {id}\n    name: Renamed {id}\n    urls: [https://scale-{id:04}.example.org]\n"
        ));
    }
    let config_path = dir.path().join("matoform.yaml");
    std::fs::write(&config_path, config).expect("write config");
    let log = dir.path().join("matoform-ns");
    let spy = dir.path().join("matoform-timed");
    executable(
        &spy,
        &format!(
            "#!/bin/sh\nstart=$(date +%s%N)\n'{bin}' \"$@\"\ncode=$?\nend=$(date +%s%N)\necho $((end - start)) >> '{log}'\nexit $code\n",
            bin = env!("CARGO_BIN_EXE_matoform"),
            log = log.display()
        ),
    );
    let config_path = config_path.to_string_lossy().into_owned();
    let spy = spy.to_string_lossy().into_owned();
    let url = fake.url();
    let started = std::time::Instant::now();
    let (code, stderr) = script_command(dir.path(), None)
        .envs([
            ("MATOFORM_CONFIG", config_path.as_str()),
            ("MATOFORM_WEBHOOK_URL", hook.url.as_str()),
            ("MATOFORM_BIN", spy.as_str()),
            ("MATOMO_URL", url.as_str()),
            ("MATOMO_TOKEN", SUPERUSER_TOKEN),
        ])
        .run();
    let total = started.elapsed();
    // Drift (the policy's defaults apply to every site): exit 2, reported once.
    assert_eq!(code, 2, "{stderr}");
    let texts = hook.texts();
    assert_eq!(texts.len(), 1, "{stderr}");
    let text = &texts[0];
    assert!(
        text.chars().count() < 16_000,
        "{} characters",
        text.chars().count()
    );
    assert!(text.starts_with("matoform: drift detected on "), "{text}");
    assert!(
        text.contains(&format!(
            "\nmatoform plan for `{url}` (5.0.2): 0 to create, 1000 to update, 0 to delete.\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("\n- ~ `site[site-0001]` (id 1): exclude_unknown_urls, name, "),
        "{text}"
    );
    assert!(text.contains(" more changes (in "), "{text}");
    assert!(
        text.ends_with("\nPlan: 0 to create, 1000 to update, 0 to delete.\n"),
        "{text}"
    );
    let in_matoform: u128 = std::fs::read_to_string(&log)
        .expect("timings")
        .lines()
        .map(|l| l.trim().parse::<u128>().expect("nanoseconds"))
        .sum();
    let script = total.as_nanos().saturating_sub(in_matoform);
    eprintln!(
        "drift script, 1,000 changed sites: {} ms in all, {} ms in matoform, {} ms in the script; post of {} characters",
        total.as_millis(),
        in_matoform / 1_000_000,
        script / 1_000_000,
        text.chars().count()
    );
    assert!(
        script < 1_000_000_000,
        "the script's own part took {} ms",
        script / 1_000_000
    );
}
