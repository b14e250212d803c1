//! Benchmark of `scan` at scale against the fake Matomo on loopback, with an injected
//! latency per HTTP request and a server cost per bulk sub-request.
//!
//! ```text
//! cargo bench --bench scan_scale                        # 100, 1000 and 5000 sites, 20 ms, 0.2 ms
//! cargo bench --bench scan_scale -- 100 1000 --latency-ms 20 --cost-us 200
//! ```
//!
//! For each size n it seeds `Seed::with_sites(n)` (a custom dimension on a third of
//! the sites), tracks hits into every site (three page views; an e-mail address in a
//! path on every tenth site, a site search on every tenth, an event on every third, a
//! value in the custom dimension where there is one) and runs the real binary:
//! `scan --date today --format json` over every site the token views. Requests are
//! counted by the fake; wall time is the child process's; peak memory is the binary's
//! own `VmHWM` (`MATOFORM_STATS=1`). Prints a Markdown table, and fails when 1,000
//! sites take more than 25 requests.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_matomo::{FakeMatomo, Hit, SUPERUSER_TOKEN, Seed};

struct Options {
    sizes: Vec<u32>,
    latency: Duration,
    cost: Duration,
}

fn options() -> Options {
    let mut options = Options {
        sizes: Vec::new(),
        latency: Duration::from_millis(20),
        cost: Duration::from_micros(200),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |what: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{what} needs a number"))
        };
        match arg.as_str() {
            "--bench" => {}
            "--latency-ms" => options.latency = Duration::from_millis(number("--latency-ms")),
            "--cost-us" => options.cost = Duration::from_micros(number("--cost-us")),
            n => options.sizes.push(
                n.parse()
                    .unwrap_or_else(|_| panic!("not a size or an option: {n}")),
            ),
        }
    }
    if options.sizes.is_empty() {
        options.sizes = vec![100, 1000, 5000];
    }
    options
}

/// Tracks the benchmark's hits into every site of the fake.
fn track(fake: &FakeMatomo, n: u32) {
    let dimensions = fake.state().custom_dimensions;
    for id in 1..=n {
        let hit = |url: String| Hit {
            url,
            title: Some(format!("Page of site {id}")),
            ..Hit::default()
        };
        for page in ["/", "/services", "/contact"] {
            fake.track(id, &hit(page.to_string())).expect("tracked");
        }
        if id % 10 == 0 {
            fake.track(id, &hit(format!("/profil/user{id}@example.org")))
                .expect("tracked");
            fake.track(
                id,
                &Hit {
                    search: Some(format!("horaires {id}")),
                    ..hit("/recherche".into())
                },
            )
            .expect("tracked");
        }
        if id % 3 == 0 {
            fake.track(
                id,
                &Hit {
                    event_category: Some("Formulaire".into()),
                    event_action: Some("Envoi".into()),
                    event_name: Some(format!("Demande {id}")),
                    ..hit("/contact".into())
                },
            )
            .expect("tracked");
        }
        if let Some(dim) = dimensions.get(&id).and_then(|d| d.first()) {
            fake.track(
                id,
                &Hit {
                    dimensions: [(dim.id, "standard".to_string())].into(),
                    ..hit("/".into())
                },
            )
            .expect("tracked");
        }
    }
}

/// The matoform binary built for this benchmark (release under `cargo bench`).
fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_matoform"))
}

struct Measure {
    requests: u64,
    wall: Duration,
    peak_kib: Option<u64>,
    code: i32,
    findings: usize,
}

fn run(fake: &FakeMatomo) -> Measure {
    let before = fake.request_count();
    let start = Instant::now();
    let output = Command::new(binary())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MATOMO_URL", fake.url())
        .env("MATOMO_TOKEN", SUPERUSER_TOKEN)
        .env("MATOFORM_STATS", "1")
        .env("NO_COLOR", "1")
        .args(["scan", "--date", "today", "--format", "json"])
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("matoform runs");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code().unwrap_or(-1);
    let peak_kib = stderr
        .lines()
        .find_map(|l| l.strip_prefix("matoform-stats "))
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|kv| kv.strip_prefix("peak_rss_kib="))
        })
        .and_then(|v| v.parse().ok());
    if code != 0 && code != 3 {
        eprintln!(
            "matoform scan exited {code}:\n{}",
            stderr.lines().take(20).collect::<Vec<_>>().join("\n")
        );
    }
    let findings = serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .ok()
        .and_then(|v| v["findings"].as_array().map(Vec::len))
        .unwrap_or(0);
    Measure {
        requests: fake.request_count() - before,
        wall,
        peak_kib,
        code,
        findings,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("–".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn main() {
    let options = options();
    assert!(
        binary().exists(),
        "{} is missing: build it first",
        binary().display()
    );
    let mut rows = Vec::new();
    for &n in &options.sizes {
        let fake = FakeMatomo::start(Seed::with_sites(n));
        eprintln!("{n} sites: tracking…");
        track(&fake, n);
        fake.set_latency(options.latency);
        fake.set_subrequest_cost(options.cost);
        eprintln!("{n} sites: scan…");
        rows.push((n, run(&fake)));
    }
    println!(
        "\nlatency {} per request, {} µs per bulk sub-request; binary {}\n",
        ms(options.latency),
        options.cost.as_micros(),
        binary().display()
    );
    println!("| sites | scan requests | scan wall | scan peak RSS | findings |");
    println!("|---:|---:|---:|---:|---:|");
    for (n, m) in &rows {
        println!(
            "| {n} | {} | {} | {} | {} |",
            m.requests,
            ms(m.wall),
            mib(m.peak_kib),
            m.findings
        );
        if m.code != 3 {
            eprintln!(
                "{n} sites: exit code {} (3 expected: e-mail addresses were tracked)",
                m.code
            );
        }
        if *n == 1000 {
            assert!(
                m.requests <= 25,
                "scan over 1,000 sites took {} requests (at most 25)",
                m.requests
            );
        }
    }
}
