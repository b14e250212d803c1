//! Canary test of `matoform scan` (issue 15): unique values of each kind of personal
//! data are tracked into the fake Matomo, the scan runs in every format (text, JSON,
//! Markdown, chat, the webhook payload, `--all`) and at `-vv`, and no canary, nor any
//! distinctive part of one, appears on stdout or stderr; each canary is found (so the
//! test fails when the scan stops looking).

mod common;

use std::collections::BTreeSet;

use common::{Workdir, matoform, run};
use fake_matomo::{FakeMatomo, Hit, SUPERUSER_TOKEN, Seed};

/// A canary: where it is tracked, the rule that must find it, and the parts that must
/// never be printed.
struct Canary {
    hit: Hit,
    rule: &'static str,
    parts: &'static [&'static str],
}

fn canaries() -> Vec<Canary> {
    let hit = |url: &str| Hit {
        url: url.into(),
        ..Hit::default()
    };
    vec![
        Canary {
            hit: hit("/profil/zq7canary.x91@example.org"),
            rule: "scan.email",
            parts: &["zq7canary.x91@example.org", "zq7canary", "canary.x91"],
        },
        Canary {
            hit: Hit {
                title: Some("Rappel au 06 47 93 15 82".into()),
                ..hit("/rappel")
            },
            rule: "scan.phone",
            parts: &["06 47 93 15 82", "47 93 15", "0647931582"],
        },
        Canary {
            hit: Hit {
                title: Some("Dossier 2 93 07 75 115 238 24".into()),
                ..hit("/dossier")
            },
            rule: "scan.nir",
            parts: &["2 93 07 75 115 238 24", "75 115 238", "293077511523824"],
        },
        Canary {
            hit: Hit {
                event_category: Some("Paiement".into()),
                event_action: Some("Virement".into()),
                event_name: Some("IBAN FR37 3000 3012 3400 0471 3659 117".into()),
                ..hit("/paiement")
            },
            rule: "scan.iban",
            parts: &[
                "FR37 3000 3012 3400 0471 3659 117",
                "3012 3400 0471",
                "FR3730003012340004713659117",
                "0471 3659",
            ],
        },
        Canary {
            hit: Hit {
                event_category: Some("Paiement".into()),
                event_action: Some("Carte 4539 8716 2504 9834".into()),
                ..hit("/carte")
            },
            rule: "scan.card",
            parts: &["4539 8716 2504 9834", "8716 2504", "4539871625049834"],
        },
        Canary {
            hit: Hit {
                link: Some("https://partner.example.net/welcome?token=QxV93kLmZ0pWcanary7".into()),
                ..hit("/partenaire")
            },
            rule: "scan.secret",
            parts: &["QxV93kLmZ0pWcanary7", "QxV93kLm", "Wcanary7"],
        },
        Canary {
            hit: hit(
                "/api?jwt_in_path=1&x=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnlqd3QifQ.c2lnY2FuYXJ5and0c2lnbmF0dXJl",
            ),
            rule: "scan.jwt",
            parts: &["eyJzdWIiOiJjYW5hcnlqd3QifQ", "c2lnY2FuYXJ5and0c2lnbmF0dXJl"],
        },
        Canary {
            hit: hit("/inscription?nom=Zorglubovitch&etape=2"),
            rule: "scan.name",
            parts: &["Zorglubovitch", "Zorglub"],
        },
        Canary {
            hit: Hit {
                uid: Some("uid.canary42@example.org".into()),
                visitor: Some("canary-user".into()),
                ..hit("/compte")
            },
            rule: "scan.email",
            parts: &["uid.canary42", "canary42@"],
        },
    ]
}

fn tracked() -> FakeMatomo {
    let fake = FakeMatomo::start(Seed::recorded());
    for canary in canaries() {
        fake.track(1, &canary.hit).expect("tracked");
    }
    fake
}

fn scan(work: &Workdir, fake: &FakeMatomo, args: &[&str]) -> common::Run {
    let mut command = matoform(work.path(), Some(&fake.url()), Some(SUPERUSER_TOKEN));
    command.args(["scan", "--date", "today"]).args(args);
    run(command)
}

#[test]
fn no_canary_is_printed_in_any_format_or_log_level_and_each_is_found() {
    let fake = tracked();
    let work = Workdir::new();
    let runs: Vec<(String, common::Run)> = [
        &["--format", "text"][..],
        &["--format", "text", "--all"],
        &["--format", "json"],
        &["--format", "markdown", "--all"],
        &["--format", "chat", "--all", "--title", "nightly scan"],
        &["--format", "chat", "--webhook-payload"],
        &["--format", "markdown", "--webhook-payload"],
        &["--format", "json", "-vv"],
        &["--format", "text", "--all", "-vv"],
    ]
    .iter()
    .map(|args| (args.join(" "), scan(&work, &fake, args)))
    .collect();
    for (args, run) in &runs {
        assert_eq!(
            run.code, 3,
            "scan {args}: exit {}\n{}",
            run.code, run.stderr
        );
        for canary in canaries() {
            for part in canary.parts {
                assert!(
                    !run.stdout.contains(part),
                    "scan {args}: `{part}` ({}) on stdout:\n{}",
                    canary.rule,
                    run.stdout
                );
                assert!(
                    !run.stderr.contains(part),
                    "scan {args}: `{part}` ({}) on stderr:\n{}",
                    canary.rule,
                    run.stderr
                );
            }
        }
    }
    // -vv logged something (the test would pass vacuously on an empty log).
    let (_, verbose) = &runs[7];
    assert!(verbose.stderr.contains("DEBUG"), "{}", verbose.stderr);
    // Each canary is found: the rules of the JSON findings cover every canary's.
    let (_, json) = &runs[2];
    let scan: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let rules: BTreeSet<&str> = scan["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    for canary in canaries() {
        assert!(
            rules.contains(canary.rule),
            "{} not found: {rules:?}",
            canary.rule
        );
    }
}
