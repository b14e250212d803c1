//! The API token and the user's password never appear in any output or written file.
//!
//! With known canary secrets, every command that contacts Matomo (plan, plan --out,
//! apply, apply PLAN_FILE, audit, snapshot, import, snippet) runs against the fake in
//! every failure mode we can produce: success, bad token (HTML 401), access denied
//! (viewer), 500 on the first call, 500 on a later read and on writes, 503 (retried),
//! a wrong password, connection refused, a timeout, a stale plan, and a token given
//! through `--token-file`, and a Matomo URL that answers 307 and 308 redirects to another
//! server; each plainly, with `-vv` and `RUST_LOG=debug`, and with `RUST_LOG=trace`.
//! Then stdout, stderr and every file under the working directory (plan files,
//! snapshots, imported YAML) are searched for the secrets, and the servers a redirect
//! points to must have received no request at all (a followed 307/308 would POST the
//! token there again).

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use fake_matomo::{Access, User};

/// The superuser's token (32 characters, like Matomo's).
const TOKEN: &str = "c0ffee42canary0token0leak0000042";
/// A token of a user with view access on site 1 only.
const VIEW_TOKEN: &str = "c0ffee42canary0token0view0000043";
/// A token Matomo does not know.
const BAD_TOKEN: &str = "c0ffee42canary0token0bad00000044";
/// The superuser's password (asked for by the retention setters).
const PASSWORD: &str = "Canary-Passw0rd-4242!";
/// A wrong password.
const WRONG_PASSWORD: &str = "Wrong-Canary-Passw0rd-77!";

const CONFIG: &str = r#"
instance:
  privacy:
    anonymize_ip: { enabled: true, mask_bytes: 2, use_for_enrichment: true }
    anonymize_user_id: true
    anonymize_order_id: true
    anonymize_referrer: exclude_all
    force_cookieless: true
    do_not_track: true
  retention:
    raw_data: { delete: true, older_than_days: 180 }
sites:
  shop:
    id: 2
    name: Shop DE
    urls: [https://shop.example.de, https://www.shop.example.de]
    ecommerce: false
  nouveau:
    name: Nouveau
    urls: [https://nouveau.example.org]
"#;

fn seed() -> Seed {
    let mut seed = Seed::recorded();
    seed.users.insert(
        "canary".into(),
        User {
            token: TOKEN.into(),
            secure_only: false,
            superuser: true,
            password: PASSWORD.into(),
            access: Default::default(),
        },
    );
    seed.users.insert(
        "canaryviewer".into(),
        User {
            token: VIEW_TOKEN.into(),
            secure_only: false,
            superuser: false,
            password: PASSWORD.into(),
            access: [(1, Access::View)].into_iter().collect(),
        },
    );
    seed
}

/// Every form in which a secret could leak: itself, percent-encoded, and every
/// 12-character piece of it.
fn needles() -> Vec<String> {
    let mut out = Vec::new();
    for secret in [TOKEN, VIEW_TOKEN, BAD_TOKEN, PASSWORD, WRONG_PASSWORD] {
        out.push(secret.to_string());
        out.push(form_encoded(secret));
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(12) {
            out.push(window.iter().collect());
        }
    }
    out.sort();
    out.dedup();
    out
}

fn form_encoded(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_string()
            } else {
                format!("%{:02X}", c as u32)
            }
        })
        .collect()
}

/// One run of the binary.
#[derive(Clone)]
struct Job {
    label: String,
    cwd: PathBuf,
    url: String,
    token: Option<&'static str>,
    token_file: Option<PathBuf>,
    envs: Vec<(&'static str, &'static str)>,
    args: Vec<String>,
}

struct Outcome {
    label: String,
    run: Run,
}

fn execute(job: &Job) -> Outcome {
    let mut command = matoform(&job.cwd, Some(&job.url), job.token);
    for (key, value) in &job.envs {
        command.env(key, value);
    }
    command.args(&job.args);
    if let Some(path) = &job.token_file {
        command.arg("--token-file").arg(path);
    }
    Outcome {
        label: job.label.clone(),
        run: run(command),
    }
}

/// The commands that contact Matomo, with file outputs named after `tag`.
fn commands(tag: &str) -> Vec<Vec<String>> {
    let s = |items: &[&str]| items.iter().map(|i| i.to_string()).collect::<Vec<_>>();
    vec![
        s(&["plan"]),
        s(&["plan", "--detailed-exitcode", "--format", "json"]),
        s(&["plan", "--format", "markdown"]),
        s(&["plan", "--out", &format!("plan-{tag}.json")]),
        s(&["apply", "--auto-approve"]),
        s(&["apply", "given-plan.json"]),
        s(&["audit"]),
        s(&["snapshot", "-o", &format!("snapshot-{tag}.json")]),
        s(&[
            "snapshot",
            "--instance",
            "-o",
            &format!("snapshot-i-{tag}.json"),
        ]),
        s(&["import", "--all", "-o", &format!("import-{tag}.yaml")]),
        s(&[
            "import",
            "--site",
            "2",
            "--explicit",
            "-o",
            &format!("import-dir-{tag}/"),
        ]),
        s(&["snippet", "shop"]),
        s(&["snippet", "nouveau"]),
    ]
}

/// A verbosity variant: name, flags, environment.
type Variant = (
    &'static str,
    Vec<&'static str>,
    Vec<(&'static str, &'static str)>,
);

/// The verbosity variants every command runs in.
fn variants() -> Vec<Variant> {
    vec![
        ("plain", vec![], vec![]),
        ("vv-debug", vec!["-vv"], vec![("RUST_LOG", "debug")]),
        ("trace", vec![], vec![("RUST_LOG", "trace")]),
    ]
}

/// A mode: a working directory with the configuration and a valid plan file, a URL,
/// a token and extra environment.
struct Mode {
    name: &'static str,
    work: Workdir,
    url: String,
    token: Option<&'static str>,
    token_file: Option<PathBuf>,
    envs: Vec<(&'static str, &'static str)>,
    slow: bool,
}

impl Mode {
    fn jobs(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        let variants = variants();
        let variants = if self.slow {
            &variants[..2]
        } else {
            &variants[..]
        };
        for (variant, flags, envs) in variants {
            for (i, args) in commands(&format!("{}-{variant}", self.name))
                .into_iter()
                .enumerate()
            {
                let mut all_envs = self.envs.clone();
                all_envs.extend(envs.iter().copied());
                let mut all_args: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
                all_args.extend(args.iter().cloned());
                // Each run gets its own copy of the plan file, applied at most once.
                if let Some(pos) = all_args.iter().position(|a| a == "given-plan.json") {
                    let name = format!("given-plan-{variant}-{i}.json");
                    let given = self.work.join("given-plan.json");
                    if given.exists() {
                        std::fs::copy(&given, self.work.join(&name)).expect("copy plan");
                    }
                    all_args[pos] = name;
                }
                jobs.push(Job {
                    label: format!("[{} {variant}] matoform {}", self.name, all_args.join(" ")),
                    cwd: self.work.path().to_path_buf(),
                    url: self.url.clone(),
                    token: self.token,
                    token_file: self.token_file.clone(),
                    envs: all_envs,
                    args: all_args,
                });
            }
        }
        jobs
    }
}

/// A work directory with the configuration and a plan file made with the good token.
fn prepared(fake: &FakeMatomo) -> Workdir {
    let work = Workdir::with_config(CONFIG);
    let made = run_env(
        &work,
        fake,
        TOKEN,
        &[("MATOMO_PASSWORD", PASSWORD)],
        &["plan", "--out", "given-plan.json"],
    );
    assert_eq!(made.code, 0, "{}\n{}", made.stdout, made.stderr);
    work
}

/// Runs jobs on a few threads (most of them wait on the network).
fn run_all(jobs: Vec<Job>) -> Vec<Outcome> {
    let queue = Mutex::new(jobs);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..12 {
            scope.spawn(|| {
                loop {
                    let job = queue.lock().expect("queue").pop();
                    let Some(job) = job else { break };
                    let outcome = execute(&job);
                    results.lock().expect("results").push(outcome);
                }
            });
        }
    });
    results.into_inner().expect("results")
}

/// A bare HTTP server on `127.0.0.1:0` that answers every request with the same raw
/// HTTP response and keeps each request (head and body). Its thread lives as long as
/// the test process.
struct Recorder {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn start(response: String) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let log = log.clone();
                let response = response.clone();
                std::thread::spawn(move || answer(stream, &response, &log));
            }
        });
        Recorder { url, requests }
    }

    /// A server that redirects every request to `{target}followed/index.php` with
    /// `status` (the path tells a followed redirect from a stray request that another
    /// test process sends to a port it believes closed).
    fn redirecting(status: u16, target: &str) -> Recorder {
        Recorder::start(format!(
            "HTTP/1.1 {status} Redirect\r\nLocation: {target}followed/index.php\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ))
    }

    /// The requests for a redirect target ([`Recorder::redirecting`]).
    fn followed(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.lines().next().is_some_and(|l| l.contains(" /followed/")))
            .collect()
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("requests").clone()
    }
}

/// Reads one request (head, then `Content-Length` bytes of body), logs it, answers.
fn answer(mut stream: TcpStream, response: &str, log: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut wanted = None;
    loop {
        if let Some(total) = wanted {
            if buf.len() >= total {
                break;
            }
        } else if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..at]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            wanted = Some(at + 4 + length);
            continue;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    log.lock()
        .expect("log")
        .push(String::from_utf8_lossy(&buf).into_owned());
    let _ = stream.write_all(response.as_bytes());
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn secrets_never_appear_in_outputs_or_files() {
    let password = [("MATOMO_PASSWORD", PASSWORD)];
    let mut modes = Vec::new();
    let mut fakes = Vec::new();

    // Success (it applies for real).
    let ok = FakeMatomo::start(seed());
    modes.push(Mode {
        name: "ok",
        work: prepared(&ok),
        url: ok.url(),
        token: Some(TOKEN),
        token_file: None,
        envs: password.to_vec(),
        slow: false,
    });
    fakes.push(ok);

    // The token given in a file (the file lives outside the searched directory).
    let secrets = tempfile::tempdir().expect("tempdir");
    let token_path = secrets.path().join("token");
    std::fs::write(&token_path, format!("{TOKEN}\n")).expect("token file");
    let by_file = FakeMatomo::start(seed());
    modes.push(Mode {
        name: "token-file",
        work: prepared(&by_file),
        url: by_file.url(),
        token: None,
        token_file: Some(token_path.clone()),
        envs: password.to_vec(),
        slow: false,
    });
    fakes.push(by_file);

    // Bad token: Matomo answers its HTML login page with a 401.
    let bad = FakeMatomo::start(seed());
    modes.push(Mode {
        name: "bad-token",
        work: prepared(&bad),
        url: bad.url(),
        token: Some(BAD_TOKEN),
        token_file: None,
        envs: password.to_vec(),
        slow: false,
    });
    fakes.push(bad);

    // Access denied: a viewer.
    let viewer = FakeMatomo::start(seed());
    modes.push(Mode {
        name: "viewer",
        work: prepared(&viewer),
        url: viewer.url(),
        token: Some(VIEW_TOKEN),
        token_file: None,
        envs: password.to_vec(),
        slow: false,
    });
    fakes.push(viewer);

    // 500 on the first call of every run (detection is one bulk request).
    let first = FakeMatomo::start(seed());
    let work = prepared(&first);
    for _ in 0..200 {
        first.fail_next(
            "API.getBulkRequest",
            500,
            serde_json::json!({"result": "error", "message": "Mysql error: server has gone away"}),
        );
    }
    modes.push(Mode {
        name: "500-first",
        work,
        url: first.url(),
        token: Some(TOKEN),
        token_file: None,
        envs: password.to_vec(),
        slow: false,
    });
    fakes.push(first);

    // 500 on a later read and on the writes; 503 (retried) on the bulk reads.
    let later = FakeMatomo::start(seed());
    let work = prepared(&later);
    for (method, status) in [
        ("SitesManager.getSitesWithAdminAccess", 500),
        ("SitesManager.updateSite", 500),
        ("SitesManager.addSite", 500),
        ("PrivacyManager.setDeleteLogsSettings", 500),
        ("PrivacyManager.setAnonymizeIpSettings", 500),
        ("API.getBulkRequest", 503),
    ] {
        for n in 1..=40 {
            // Every other call fails, so runs get past some reads and fail later.
            later.fail_nth(
                method,
                n,
                status,
                serde_json::json!({"result": "error", "message": format!("{method} exploded")}),
            );
        }
    }
    modes.push(Mode {
        name: "500-later",
        work,
        url: later.url(),
        token: Some(TOKEN),
        token_file: None,
        envs: password.to_vec(),
        slow: false,
    });
    fakes.push(later);

    // A wrong password: the retention setters refuse it.
    let wrong = FakeMatomo::start(seed());
    modes.push(Mode {
        name: "wrong-password",
        work: prepared(&wrong),
        url: wrong.url(),
        token: Some(TOKEN),
        token_file: None,
        envs: vec![("MATOMO_PASSWORD", WRONG_PASSWORD)],
        slow: false,
    });
    fakes.push(wrong);

    // A Matomo URL that redirects (307 keeps the method and the body, 308 too): the
    // servers redirected to would receive the token if matoform followed.
    let mut elsewhere = Vec::new();
    let mut redirectors = Vec::new();
    for (name, status) in [("redirect-307", 307), ("redirect-308", 308)] {
        let target = Recorder::start(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"
                .to_string(),
        );
        let redirector = Recorder::redirecting(status, &target.url);
        let work = Workdir::with_config(CONFIG);
        std::fs::copy(
            modes[0].work.join("given-plan.json"),
            work.join("given-plan.json"),
        )
        .expect("copy plan");
        modes.push(Mode {
            name,
            work,
            url: redirector.url.clone(),
            token: Some(TOKEN),
            token_file: None,
            envs: vec![("MATOMO_PASSWORD", PASSWORD), ("MATOMO_LOGIN", "canary")],
            slow: false,
        });
        elsewhere.push(target);
        redirectors.push(redirector);
    }

    // Connection refused: a port that was just closed.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        format!("http://127.0.0.1:{port}/")
    };
    let refused_work = Workdir::with_config(CONFIG);
    std::fs::copy(
        modes[0].work.join("given-plan.json"),
        refused_work.join("given-plan.json"),
    )
    .expect("copy plan");
    modes.push(Mode {
        name: "refused",
        work: refused_work,
        url: closed,
        token: Some(TOKEN),
        token_file: None,
        envs: password.to_vec(),
        slow: true,
    });

    // Timeout: every answer takes longer than --timeout 1.
    let slow = FakeMatomo::start(seed());
    let work = prepared(&slow);
    slow.set_latency(Duration::from_millis(1500));
    modes.push(Mode {
        name: "timeout",
        work,
        url: slow.url(),
        token: Some(TOKEN),
        token_file: None,
        envs: password.to_vec(),
        slow: true,
    });
    fakes.push(slow);

    let mut jobs: Vec<Job> = Vec::new();
    for mode in &modes {
        let mut mode_jobs = mode.jobs();
        if mode.name == "timeout" {
            for job in &mut mode_jobs {
                job.args.extend(["--timeout".to_string(), "1".to_string()]);
                // `snippet` and `import` share the connection flags; all commands here do.
            }
        }
        jobs.extend(mode_jobs);
    }
    // The slow jobs are popped first (the queue pops from the end).
    jobs.sort_by_key(|j| j.label.starts_with("[timeout") || j.label.starts_with("[refused"));
    let mut total = jobs.len();
    let mut outcomes = run_all(jobs);

    // A stale plan, in sequence: plan --out, drift, apply the plan.
    let stale = FakeMatomo::start(seed());
    let stale_work = prepared(&stale);
    stale.update(|s| s.sites.get_mut(&2).expect("site 2").name = "drifted".into());
    for (variant, flags, envs) in variants() {
        let mut args: Vec<&str> = flags.clone();
        args.extend(["apply", "given-plan.json"]);
        let mut all_envs = password.to_vec();
        all_envs.extend(envs.iter().copied());
        let run = run_env(&stale_work, &stale, TOKEN, &all_envs, &args);
        assert!(
            run.stderr.contains("the plan is stale"),
            "[stale {variant}] {}",
            run.stderr
        );
        outcomes.push(Outcome {
            label: format!("[stale {variant}] matoform {}", args.join(" ")),
            run,
        });
    }
    fakes.push(stale);

    // A plan file made and applied in sequence (the successful path of `apply FILE`).
    let sequential = FakeMatomo::start(seed());
    let sequential_work = Workdir::with_config(CONFIG);
    for (variant, flags, envs) in variants() {
        let mut all_envs = password.to_vec();
        all_envs.extend(envs.iter().copied());
        let file = format!("sequential-{variant}.json");
        for command in [
            vec!["plan", "--out", file.as_str()],
            vec!["apply", file.as_str()],
        ] {
            let mut args: Vec<&str> = flags.clone();
            args.extend(command);
            let run = run_env(&sequential_work, &sequential, TOKEN, &all_envs, &args);
            assert_eq!(
                run.code, 0,
                "[sequential {variant}] {args:?}\n{}\n{}",
                run.stdout, run.stderr
            );
            outcomes.push(Outcome {
                label: format!("[sequential {variant}] matoform {}", args.join(" ")),
                run,
            });
        }
    }
    fakes.push(sequential);
    total += 6;

    assert_eq!(outcomes.len(), total + 3);
    let needles = needles();
    let mut leaks = Vec::new();
    let mut failures = 0;
    for outcome in &outcomes {
        let Outcome { label, run } = outcome;
        assert!(
            !run.stderr.contains("panicked") && run.code != 101,
            "{label} panicked:\n{}",
            run.stderr
        );
        if run.code != 0 {
            failures += 1;
        }
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            for needle in &needles {
                if text.contains(needle.as_str()) {
                    leaks.push(format!("{label}: {stream} contains {needle:?}"));
                }
            }
        }
    }
    // Every failure mode really failed somewhere (these runs cannot succeed).
    for mode in [
        "bad-token",
        "viewer",
        "500-first",
        "refused",
        "timeout",
        "redirect-307",
        "redirect-308",
    ] {
        let prefix = format!("[{mode} ");
        let runs: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.label.starts_with(&prefix))
            .collect();
        assert!(!runs.is_empty(), "{mode}");
        // A viewer may import or snapshot nothing successfully; it cannot plan or apply.
        let must_fail = |label: &str| {
            !label.contains("snippet shop")
                && (mode != "viewer" || label.contains(" plan") || label.contains(" apply"))
        };
        for o in runs.iter().filter(|o| must_fail(&o.label)) {
            assert_ne!(o.run.code, 0, "{} should fail:\n{}", o.label, o.run.stdout);
        }
    }
    assert!(failures > total / 2, "{failures} of {total} failed");
    // Logging was really on in the verbose variants.
    for label in [
        "[ok vv-debug] matoform -vv plan",
        "[ok trace] matoform plan",
    ] {
        let o = outcomes
            .iter()
            .find(|o| o.label.starts_with(label))
            .expect(label);
        assert!(o.run.stderr.contains("DEBUG"), "{label}: {}", o.run.stderr);
    }
    // The bad token is reported as such.
    assert!(
        outcomes
            .iter()
            .any(|o| o.label.starts_with("[bad-token plain] matoform plan")
                && o.run.stderr.contains("the token is invalid or revoked"))
    );

    // Requests went only where MATOMO_URL points: the redirecting servers were asked
    // (once per run: never retried), the servers they point to never.
    for (redirector, target) in redirectors.iter().zip(&elsewhere) {
        assert!(
            !redirector.requests().is_empty(),
            "{} was never asked",
            redirector.url
        );
        assert!(
            target.followed().is_empty(),
            "the redirect to {} was followed:\n{}",
            target.url,
            target.followed().join("\n---\n")
        );
    }
    for (status, redirector) in [307, 308].iter().zip(&redirectors) {
        let o = outcomes
            .iter()
            .find(|o| o.label == format!("[redirect-{status} plain] matoform plan"))
            .expect("the plan of the redirect mode");
        let expected = format!(
            "Matomo answered HTTP {status}, a redirect to {}followed/index.php; matoform never follows redirects with the token: set MATOMO_URL (or --url) to the final address",
            elsewhere[if *status == 307 { 0 } else { 1 }].url
        );
        assert!(
            o.run.stderr.contains(&expected),
            "{}: {}",
            redirector.url,
            o.run.stderr
        );
    }

    let mut files = Vec::new();
    for mode in &modes {
        files_under(mode.work.path(), &mut files);
    }
    files_under(stale_work.path(), &mut files);
    files_under(sequential_work.path(), &mut files);
    let mut written = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        written += 1;
        for needle in &needles {
            if text.contains(needle.as_str()) {
                leaks.push(format!("{}: contains {needle:?}", path.display()));
            }
        }
    }
    // Plan files, snapshots and imports were written in the good modes.
    let names: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for expected in [
        "plan-ok-plain.json",
        "snapshot-ok-trace.json",
        "snapshot-i-ok-vv-debug.json",
        "import-ok-plain.yaml",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not written: {names:?}"
        );
    }
    assert!(written > 20, "{written} files");
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    drop(fakes);
    drop(secrets);
}

/// A token pasted into MATOMO_URL's query string, or a password in its `user:pass@`
/// part, never reaches an output, an error or a plan file.
#[test]
fn secrets_in_the_matomo_url_are_never_shown() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(
        "policy: { profile: none }\nsites:\n  blog:\n    id: 3\n    name: Blog US\n    urls: [https://blog.example.com]\n",
    );
    let with_token = format!("{}?token_auth={SUPERUSER_TOKEN}", fake.url());
    let refused =
        run(matoform(work.path(), Some(&with_token), Some(SUPERUSER_TOKEN)).tap_args(&["plan"]));
    expect_code(&refused, 1);
    assert!(
        refused.stderr.contains("must not have a query string"),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains(SUPERUSER_TOKEN),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stdout.contains(SUPERUSER_TOKEN),
        "{}",
        refused.stdout
    );

    let password = "S3cr3t-basic-auth";
    let with_password = fake
        .url()
        .replacen("http://", &format!("http://ops:{password}@"), 1);
    let planned = run(
        matoform(work.path(), Some(&with_password), Some(SUPERUSER_TOKEN))
            .tap_args(&["plan", "--out", "p.json"]),
    );
    expect_code(&planned, 0);
    assert!(
        planned.stdout.contains("http://ops:(redacted)@127.0.0.1:"),
        "{}",
        planned.stdout
    );
    let unreachable = "http://ops:S3cr3t-basic-auth@127.0.0.1:1/";
    let failed = run(
        matoform(work.path(), Some(unreachable), Some(SUPERUSER_TOKEN)).tap_args(&[
            "plan",
            "--timeout",
            "2",
        ]),
    );
    expect_code(&failed, 1);
    for (name, text) in [
        ("plan stdout", planned.stdout.clone()),
        ("plan stderr", planned.stderr.clone()),
        (
            "plan file",
            std::fs::read_to_string(work.join("p.json")).expect("plan file"),
        ),
        ("unreachable stderr", failed.stderr.clone()),
        ("unreachable stdout", failed.stdout.clone()),
    ] {
        assert!(
            !text.contains(password),
            "{name} shows the password:\n{text}"
        );
    }
}

/// `args` on a command, returning it (for one-expression runs).
trait TapArgs {
    fn tap_args(self, args: &[&str]) -> Self;
}

impl TapArgs for assert_cmd::Command {
    fn tap_args(mut self, args: &[&str]) -> Self {
        self.args(args);
        self
    }
}
