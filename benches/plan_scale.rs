//! Benchmark of `plan` and `apply` at scale against the fake Matomo on loopback, with an
//! injected latency per HTTP request and a server cost per bulk sub-request.
//!
//! ```text
//! cargo bench --bench plan_scale                       # 100, 1000 and 5000 sites, 20 ms, 0.2 ms
//! cargo bench --bench plan_scale -- 100 1000 --latency-ms 20 --cost-us 200 --no-apply
//! ```
//!
//! For each size n it seeds `Seed::with_sites(n)` (0–3 goals per site, a custom
//! dimension on a third of them), writes a configuration managing all n sites (a goal
//! each, a dimension where the seed has one, drift on some sites), and runs the real
//! binary: `plan` (bulk reads), `plan --naive-reads` (one request per site and kind of
//! object, 10 in flight), then `apply --auto-approve --force --parallelism 8` of a
//! rename of every site. Requests are counted by the fake; wall time is the child
//! process's; peak memory is the binary's own `VmHWM` (`MATOFORM_STATS=1`).
//! Prints a Markdown table.
//!
//! Two switches of the binary exist for this benchmark only and are kept out of
//! `matoform --help`:
//! - `plan --naive-reads` (hidden, `hide = true`): reads per-site objects with one
//!   request per site and kind of object, 10 in flight whatever `--parallelism` says,
//!   as a per-resource tool would; the plan is the same (`tests/scale.rs` checks it).
//! - `MATOFORM_STATS=1` (an environment variable, not a flag): after a plan read from
//!   Matomo, `plan` prints `matoform-stats requests=N peak_rss_kib=K` on stderr (the
//!   requests it sent and its peak resident memory, Linux `VmHWM`).

use std::path::Path;

use std::time::Duration;

use fake_matomo::{FakeMatomo, Seed};

mod common;
use common::{Measure, binary, mib, ms};

struct Options {
    sizes: Vec<u32>,
    latency: Duration,
    cost: Duration,
    apply: bool,
    naive: bool,
}

fn options() -> Options {
    let mut options = Options {
        sizes: Vec::new(),
        latency: Duration::from_millis(20),
        cost: Duration::from_micros(200),
        apply: true,
        naive: true,
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
            "--no-apply" => options.apply = false,
            "--no-naive" => options.naive = false,
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

/// The configuration of sites 1..=n; `suffix` renames every site (the apply run).
fn config(n: u32, suffix: &str) -> String {
    let mut yaml = String::with_capacity(n as usize * 400);
    yaml.push_str("sites:\n");
    for id in 1..=n {
        let name = if id % 10 == 0 {
            format!("Scale {id} (renamed){suffix}")
        } else {
            format!("scale-{id:04}{suffix}")
        };
        yaml.push_str(&format!(
            "  site-{id:04}:\n    id: {id}\n    name: {name}\n    urls: [https://scale-{id:04}.example.org]\n    ecommerce: false\n    goals:\n      goal-1:\n        name: Goal 1\n        match_attribute: url\n        pattern: /thanks-1\n        pattern_type: contains\n"
        ));
        if id % 3 == 1 {
            yaml.push_str("    custom_dimensions:\n      author:\n        name: Author\n        scope: action\n        case_sensitive: true\n");
        }
    }
    yaml
}

/// The matoform binary built for this benchmark (release under `cargo bench`).
fn run(fake: &FakeMatomo, args: &[&str], config: &Path) -> Measure {
    let mut args = args.to_vec();
    let config = config.to_string_lossy();
    args.extend(["-c", &config]);
    common::run(fake, &args, &std::env::temp_dir())
}

fn main() {
    let options = options();
    assert!(
        binary().exists(),
        "{} is missing: build it first",
        binary().display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rows = Vec::new();
    for &n in &options.sizes {
        let fake = FakeMatomo::start(Seed::with_sites(n));
        fake.set_latency(options.latency);
        fake.set_subrequest_cost(options.cost);
        let path = dir.path().join(format!("sites-{n}.yaml"));
        std::fs::write(&path, config(n, "")).expect("config written");
        eprintln!("{n} sites: plan (bulk)…");
        let bulk = run(&fake, &["plan"], &path);
        let naive = options.naive.then(|| {
            eprintln!("{n} sites: plan --naive-reads…");
            run(&fake, &["plan", "--naive-reads"], &path)
        });
        let apply = options.apply.then(|| {
            let path = dir.path().join(format!("sites-{n}-v2.yaml"));
            std::fs::write(&path, config(n, " v2")).expect("config written");
            eprintln!("{n} sites: apply…");
            let m = run(
                &fake,
                &["apply", "--auto-approve", "--force", "--parallelism", "8"],
                &path,
            );
            let renamed = fake
                .state()
                .sites
                .values()
                .filter(|s| s.name.ends_with(" v2"))
                .count();
            assert_eq!(renamed, n as usize, "apply renamed every site");
            m
        });
        rows.push((n, bulk, naive, apply));
    }

    println!(
        "\nlatency {} per request, {} µs per bulk sub-request; binary {}\n",
        ms(options.latency),
        options.cost.as_micros(),
        binary().display()
    );
    println!(
        "| sites | plan requests | plan wall | plan peak RSS | naive requests | naive wall | naive peak RSS | requests ÷ | wall ÷ | apply requests | apply wall |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (n, bulk, naive, apply) in &rows {
        let (nr, nw, np, rr, rw) = match naive {
            Some(v) => (
                v.requests.to_string(),
                ms(v.wall),
                mib(v.peak_kib),
                format!("{:.0}×", v.requests as f64 / bulk.requests.max(1) as f64),
                format!("{:.1}×", v.wall.as_secs_f64() / bulk.wall.as_secs_f64()),
            ),
            None => ("–".into(), "–".into(), "–".into(), "–".into(), "–".into()),
        };
        let (ar, aw) = match apply {
            Some(a) => (a.requests.to_string(), ms(a.wall)),
            None => ("–".into(), "–".into()),
        };
        println!(
            "| {n} | {} | {} | {} | {nr} | {nw} | {np} | {rr} | {rw} | {ar} | {aw} |",
            bulk.requests,
            ms(bulk.wall),
            mib(bulk.peak_kib),
        );
        let codes: Vec<i32> = std::iter::once(bulk.code)
            .chain(naive.iter().map(|m| m.code))
            .chain(apply.iter().map(|m| m.code))
            .collect();
        if codes.iter().any(|c| *c != 0) {
            eprintln!("{n} sites: exit codes (plan, naive, apply) = {codes:?}");
        }
    }
}
