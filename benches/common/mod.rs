//! What the benchmarks share: running the matoform binary against the fake Matomo and
//! measuring it (HTTP requests the fake received, wall time, the peak memory matoform
//! reports with `MATOFORM_STATS`, exit code), and formatting the figures.
#![allow(dead_code)] // each benchmark uses a part of it

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_matomo::{FakeMatomo, SUPERUSER_TOKEN};

/// The matoform binary built for this benchmark (release under `cargo bench`).
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_matoform"))
}

/// One run's figures.
pub struct Measure {
    pub requests: u64,
    pub wall: Duration,
    pub peak_kib: Option<u64>,
    pub code: i32,
    /// What matoform printed on stdout.
    pub stdout: Vec<u8>,
}

/// Runs `matoform ARGS` in `cwd` against `fake` as the superuser, with
/// `MATOFORM_STATS` on; prints the first lines of stderr when it exits neither 0 nor 3.
pub fn run(fake: &FakeMatomo, args: &[&str], cwd: &std::path::Path) -> Measure {
    let before = fake.request_count();
    let start = Instant::now();
    let output = Command::new(binary())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MATOMO_URL", fake.url())
        .env("MATOMO_TOKEN", SUPERUSER_TOKEN)
        .env("MATOFORM_STATS", "1")
        .env("NO_COLOR", "1")
        .args(args)
        .current_dir(cwd)
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
            "matoform {} exited {code}:\n{}",
            args.join(" "),
            stderr.lines().take(20).collect::<Vec<_>>().join("\n")
        );
    }
    Measure {
        requests: fake.request_count() - before,
        wall,
        peak_kib,
        code,
        stdout: output.stdout,
    }
}

/// `123 ms`.
pub fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// `12.3 MiB`, or `–` when unknown.
pub fn mib(kib: Option<u64>) -> String {
    kib.map_or("–".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}
