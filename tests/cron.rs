//! End-to-end tests of the nightly drift check `examples/cron/matoform-drift.sh`: the
//! script runs the real binary against the fake Matomo and reports to a webhook captured
//! on a loopback listener. No drift → no report; drift → one report with the Markdown
//! summary; policy violations → one report; error → one error report.

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
    require("bash");
    require("curl");
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = dir.path().join("matoform.yaml");
    std::fs::write(&config_path, config).expect("write config");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_matoform"));
    let bin_dir = bin.parent().expect("binary directory");
    let mut path = std::ffi::OsString::from(bin_dir);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let output = std::process::Command::new("bash")
        .arg(script())
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir.path())
        .env("NO_COLOR", "1")
        .env("MATOFORM_TODAY", "2026-11-29")
        .env("MATOFORM_CONFIG", &config_path)
        .env("MATOFORM_WEBHOOK_URL", &hook.url)
        .env("MATOMO_URL", fake.url())
        .env("MATOMO_TOKEN", token)
        .current_dir(dir.path())
        .output()
        .expect("bash runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
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
fn drift_is_reported_once_with_the_markdown_plan() {
    let fake = fake();
    fake.update(|s| s.sites.get_mut(&1).expect("site 1").name = "Renamed by hand".into());
    let hook = Webhook::start();
    let (code, stderr) = run_script(&fake, &hook, CONFIG, SUPERUSER_TOKEN);
    assert_eq!(code, 2, "{stderr}");
    let texts = hook.texts();
    assert_eq!(texts.len(), 1, "{texts:#?}");
    let text = &texts[0];
    assert!(
        text.starts_with("#### matoform: drift detected on "),
        "{text}"
    );
    for line in [
        "### matoform plan: 0 to create, 1 to update, 0 to delete",
        "#### `site[main]`",
        "-   name: \"Renamed by hand\"",
        "+   name: \"Main Site\"",
        "**Plan: 0 to create, 1 to update, 0 to delete.**",
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
        text.starts_with("#### matoform: policy violations on "),
        "{text}"
    );
    assert!(text.contains("cnil.ecommerce"), "{text}");
    assert!(text.contains("### matoform plan"), "{text}");
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
        text.starts_with("#### matoform: the drift check FAILED on "),
        "{text}"
    );
    assert!(text.contains("(exit 1)"), "{text}");
    assert!(!text.contains("### matoform plan"), "{text}");
    assert!(!text.contains("not0a0valid0token"), "{text}");
}
