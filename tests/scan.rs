//! End-to-end tests of `matoform scan` against the fake Matomo, which serves the reports
//! of the hits tracked into it: findings by site, report and rule, redacted; remedies;
//! the visitor log off said, not failed; cut reports said; waivers (patterns), the
//! baseline and the exit codes; bulk reads.

mod common;

use std::collections::BTreeSet;

use common::{Workdir, expect_code, run_su};
use fake_matomo::{CustomDimension, FakeMatomo, Hit, Seed};
use serde_json::Value;

/// The recorded seed (sites 1–5), with an active visit-scope custom dimension on site 1
/// and the visitor log off on site 3.
fn seed() -> Seed {
    let mut seed = Seed::recorded();
    seed.custom_dimensions.insert(
        1,
        vec![CustomDimension {
            id: 1,
            name: "Member".into(),
            index: 1,
            scope: "visit".into(),
            active: true,
            extractions: Vec::new(),
            case_sensitive: true,
        }],
    );
    if let Some(site) = seed.sites.get_mut(&3) {
        site.disable_visitor_log = true;
    }
    seed
}

fn hit(url: &str) -> Hit {
    Hit {
        url: url.into(),
        ..Hit::default()
    }
}

/// Site 1 gets an e-mail address in each kind of report; site 2 ordinary hits; site 3
/// (visitor log off) one e-mail address in a page path.
fn tracked() -> FakeMatomo {
    let fake = FakeMatomo::start(seed());
    let hits = [
        Hit {
            title: Some("Profil".into()),
            ..hit("/profil/jean.dupont@example.fr")
        },
        Hit {
            search: Some("marie.curie@example.org".into()),
            ..hit("/recherche")
        },
        Hit {
            event_category: Some("Formulaire".into()),
            event_action: Some("Envoi".into()),
            event_name: Some("paul.martin@example.com".into()),
            ..hit("/contact")
        },
        Hit {
            download: Some(
                "https://main.example.com/files/facture.pdf?email=anne.leroy@example.fr".into(),
            ),
            ..hit("/fichiers")
        },
        Hit {
            dimensions: [(1, "claire.moreau@example.net".to_string())].into(),
            visitor: Some("member".into()),
            ..hit("/membre")
        },
        Hit {
            uid: Some("luc.bernard@example.fr".into()),
            visitor: Some("user".into()),
            ..hit("/compte")
        },
    ];
    for h in &hits {
        fake.track(1, h).expect("tracked");
    }
    for url in ["/", "/produits?page=2", "/commande/2024-000123"] {
        fake.track(
            2,
            &Hit {
                title: Some("Commande 2024-000123 du 30/11/2026".into()),
                ..hit(url)
            },
        )
        .expect("tracked");
    }
    fake.track(3, &hit("/profil/sophie.durand@example.com"))
        .expect("tracked");
    fake
}

fn json(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}\n{}\n{}", run.stdout, run.stderr))
}

fn found(scan: &Value) -> BTreeSet<(String, String, String)> {
    scan["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["site"].as_str().unwrap_or_default().to_string(),
                f["report"].as_str().unwrap_or_default().to_string(),
                f["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const RAW: &[&str] = &[
    "jean.dupont",
    "marie.curie",
    "paul.martin",
    "anne.leroy",
    "claire.moreau",
    "luc.bernard",
    "sophie.durand",
];

#[test]
fn emails_are_found_in_each_report_kind_with_site_report_and_rule_and_never_shown() {
    let fake = tracked();
    let work = Workdir::new();
    let run = run_su(
        &work,
        &fake,
        &["scan", "--date", "today", "--format", "json"],
    );
    expect_code(&run, 3);
    let scan = json(&run);
    assert_eq!(scan["format_version"], 1);
    let emails: BTreeSet<(String, String)> = found(&scan)
        .into_iter()
        .filter(|(_, _, rule)| rule == "scan.email")
        .map(|(site, report, _)| (site, report))
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("site-1", "page-urls"),
        ("site-1", "site-search-keywords"),
        ("site-1", "event-names"),
        ("site-1", "downloads"),
        ("site-1", "custom-dimension"),
        ("site-1", "user-ids"),
        ("site-1", "visits"),
        ("site-3", "page-urls"),
    ]
    .into_iter()
    .map(|(s, r)| (s.to_string(), r.to_string()))
    .collect();
    assert_eq!(emails, expected, "{}", run.stdout);
    assert!(
        !found(&scan).iter().any(|(site, _, _)| site == "site-2"),
        "nothing on the ordinary site: {}",
        run.stdout
    );
    // Remedies: a path needs the team, a User ID the instance setting, a dimension its
    // deactivation, the site search its switch.
    let remedy = |report: &str| -> Value {
        scan["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["site"] == "site-1" && f["report"] == report && f["rule"] == "scan.email")
            .map(|f| f["remedy"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(remedy("page-urls")["action"], "fix-source");
    assert_eq!(
        remedy("user-ids"),
        serde_json::json!({"action": "set", "setting": "instance.privacy.anonymize_user_id", "value": true, "text": remedy("user-ids")["text"]})
    );
    assert_eq!(
        remedy("custom-dimension")["setting"],
        "sites.site-1.custom_dimensions.dimension-1.active"
    );
    assert_eq!(
        remedy("site-search-keywords")["setting"],
        "sites.site-1.site_search.enabled"
    );
    // The visitor log off on site 3 is said, not a failure.
    let not_read = scan["not_read"].as_array().expect("not_read");
    assert!(
        not_read.iter().any(|n| n["site"] == "site-3"
            && n["report"] == "visits"
            && n["reason"] == "visitor log off"),
        "{not_read:?}"
    );
    for raw in RAW {
        assert!(!run.stdout.contains(raw), "{raw} shown");
        assert!(!run.stderr.contains(raw), "{raw} on stderr");
    }
}

#[test]
fn reports_are_read_in_bulk_requests() {
    let fake = tracked();
    let work = Workdir::new();
    fake.clear_calls();
    let run = run_su(
        &work,
        &fake,
        &["scan", "--date", "today", "--format", "json"],
    );
    expect_code(&run, 3);
    let calls = fake.calls();
    let bulk = calls
        .iter()
        .filter(|c| c.method == "API.getBulkRequest")
        .count();
    // Detection and the site list, the dimensions, the reports, the categories.
    assert!(bulk <= 4, "{bulk} bulk requests");
    assert!(
        calls.iter().all(|c| c.method == "API.getBulkRequest"),
        "every read is a bulk read: {:?}",
        calls.iter().map(|c| &c.method).collect::<Vec<_>>()
    );
}

#[test]
fn a_report_cut_at_rows_is_said() {
    let fake = tracked();
    let work = Workdir::new();
    let run = run_su(
        &work,
        &fake,
        &[
            "scan", "--date", "today", "--format", "json", "--rows", "1", "--site", "1",
        ],
    );
    let scan = json(&run);
    let cut = scan["truncated"].as_array().expect("truncated");
    assert!(
        cut.iter()
            .any(|c| c["site"] == "site-1" && c["report"] == "page-urls"),
        "{cut:?}"
    );
    assert_eq!(scan["sites"].as_array().map(Vec::len), Some(1));
    let text = run_su(
        &work,
        &fake,
        &["scan", "--date", "today", "--rows", "1", "--site", "1"],
    );
    assert!(
        text.stdout
            .contains("Cut at 1 rows (the rest was not scanned; raise --rows): site-1 page-urls"),
        "{}",
        text.stdout
    );
}

#[test]
fn the_text_output_starts_with_the_summary() {
    let fake = tracked();
    let work = Workdir::new();
    let run = run_su(&work, &fake, &["scan", "--date", "today"]);
    expect_code(&run, 3);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with(&format!("Scan of {}", fake.url())),
        "{}",
        run.stdout
    );
    assert!(lines[1].starts_with("Personal data: "), "{}", run.stdout);
    assert!(
        lines[2].starts_with("By rule: scan.email "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\nNot read:\n  visitor log off: 1 report (site-3 visits)")
    );
    assert!(run.stdout.contains("docs/scan.md"));
}

const CONFIG: &str = "sites:
  main:
    id: 1
    name: Main Site
    urls: [https://main.example.com]
  blog:
    id: 3
    name: Blog US
    urls: [https://blog.example.com]
";

#[test]
fn waivers_with_patterns_and_the_baseline_decide_the_exit_code() {
    let fake = tracked();
    // Without waivers: the configuration's keys name the sites; exit 3.
    let work = Workdir::with_config(CONFIG);
    let run = run_su(
        &work,
        &fake,
        &["scan", "--date", "today", "--format", "json"],
    );
    expect_code(&run, 3);
    let scan = json(&run);
    let sites: BTreeSet<String> = found(&scan).into_iter().map(|(s, _, _)| s).collect();
    assert_eq!(
        sites,
        ["blog", "main"].into_iter().map(String::from).collect()
    );

    // A waiver by pattern covers main's e-mail findings, the baseline blog's: exit 0,
    // and 2 with --detailed-exitcode.
    let waived = format!(
        "{CONFIG}waivers:
  - rule: scan.email
    sites: [\"ma*\"]
    reason: test accounts on the staging pages
"
    );
    let work = Workdir::with_config(&waived);
    work.write(
        "baseline.yaml",
        "version: 1\nviolations:\n  - rule: scan.email\n    subject: site[blog]\n    found: 2026-01-01\n",
    );
    let run = run_su(
        &work,
        &fake,
        &["scan", "--date", "today", "--format", "json"],
    );
    expect_code(&run, 0);
    let scan = json(&run);
    assert_eq!(scan["summary"]["violations"], 0, "{}", run.stdout);
    assert!(scan["summary"]["waived"].as_u64().unwrap_or(0) >= 6);
    assert_eq!(scan["summary"]["known"], 1);
    let detailed = run_su(
        &work,
        &fake,
        &["scan", "--date", "today", "--detailed-exitcode"],
    );
    expect_code(&detailed, 2);
    assert!(
        detailed
            .stdout
            .contains("waived or known not listed (--all lists them)")
    );
    let all = run_su(&work, &fake, &["scan", "--date", "today", "--all"]);
    assert!(
        all.stdout
            .contains("[waived: test accounts on the staging pages]")
    );
    assert!(all.stdout.contains("[known since 2026-01-01]"));
    // `plan` does not take the scan's waiver for an unknown rule.
    let plan = run_su(&work, &fake, &["validate"]);
    assert!(
        !plan.stdout.contains("waiver-unknown-rule"),
        "{}",
        plan.stdout
    );
}

#[test]
fn a_site_filter_outside_the_scanned_sites_is_refused_before_reading_reports() {
    let fake = tracked();
    let work = Workdir::new();
    let run = run_su(&work, &fake, &["scan", "--site", "999"]);
    expect_code(&run, 1);
    assert!(
        run.stderr.contains("--site 999: no such site"),
        "{}",
        run.stderr
    );
    let run = run_su(&work, &fake, &["scan", "--date", "someday"]);
    expect_code(&run, 1);
    assert!(run.stderr.contains("--date someday"), "{}", run.stderr);
}

#[test]
fn baseline_add_records_the_scan_violations_then_they_no_longer_block() {
    let fake = tracked();
    let work = Workdir::with_config(CONFIG);
    // Without a configuration there is no baseline to write: refused.
    let bare = Workdir::new();
    let refused = run_su(&bare, &fake, &["scan", "--date", "today", "--baseline-add"]);
    expect_code(&refused, 1);
    assert!(
        refused
            .stderr
            .contains("--baseline-add needs a configuration"),
        "{}",
        refused.stderr
    );

    let recorded = run_su(
        &work,
        &fake,
        &[
            "scan",
            "--date",
            "today",
            "--baseline-add",
            "--format",
            "json",
        ],
    );
    expect_code(&recorded, 0);
    let scan = json(&recorded);
    assert_eq!(scan["summary"]["violations"], 0, "{}", recorded.stdout);
    assert!(
        recorded.stderr.contains("Added [scan.email] site[main]"),
        "{}",
        recorded.stderr
    );
    let baseline = std::fs::read_to_string(work.join("baseline.yaml")).expect("baseline written");
    assert!(baseline.contains("rule: scan.email"), "{baseline}");
    assert!(baseline.contains("subject: site[blog]"), "{baseline}");

    // The next scan knows them: exit 0 and nothing added; `baseline` keeps them.
    let again = run_su(
        &work,
        &fake,
        &["scan", "--date", "today", "--format", "json"],
    );
    expect_code(&again, 0);
    let scan = json(&again);
    assert_eq!(scan["summary"]["violations"], 0, "{}", again.stdout);
    assert!(scan["summary"]["known"].as_u64().unwrap_or(0) >= 2);
    let refresh = run_su(&work, &fake, &["baseline"]);
    expect_code(&refresh, 0);
    assert_eq!(
        std::fs::read_to_string(work.join("baseline.yaml")).expect("baseline kept"),
        baseline
    );
}
