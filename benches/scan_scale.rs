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

use std::time::Duration;

use fake_matomo::{FakeMatomo, Hit, Seed};

mod common;
use common::{Measure, binary, mib, ms};

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

/// One scan's figures and the number of findings it printed.
fn run(fake: &FakeMatomo) -> (Measure, usize) {
    let measure = common::run(
        fake,
        &["scan", "--date", "today", "--format", "json"],
        &std::env::temp_dir(),
    );
    let findings = serde_json::from_slice::<serde_json::Value>(&measure.stdout)
        .ok()
        .and_then(|v| v["findings"].as_array().map(Vec::len))
        .unwrap_or(0);
    (measure, findings)
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
    for (n, (m, findings)) in &rows {
        println!(
            "| {n} | {} | {} | {} | {} |",
            m.requests,
            ms(m.wall),
            mib(m.peak_kib),
            findings
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
