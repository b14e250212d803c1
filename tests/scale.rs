//! Scale reads, end to end: the plan read in bulk equals the plan read site by site (on
//! 150 sites with goals, custom dimensions, public statistics and drift), whatever the
//! chunk size, in a couple of HTTP requests; a truncated bulk answer is an error.

use assert_cmd::Command;
use fake_matomo::{FakeMatomo, SUPERUSER_TOKEN, Seed};

const SITES: u32 = 150;

/// A configuration managing sites 1..=n of `Seed::with_sites(n)`: one goal each, the
/// `Author` dimension where the seed has it, and drift (every 10th site renamed, every
/// 6th with a second goal, alias URLs of every 4th site dropped).
fn config(n: u32) -> String {
    let mut yaml = String::from("sites:\n");
    for id in 1..=n {
        let name = if id % 10 == 0 {
            format!("Scale {id} (renamed)")
        } else {
            format!("scale-{id:04}")
        };
        yaml.push_str(&format!(
            "  site-{id:04}:\n    id: {id}\n    name: {name}\n    urls: [https://scale-{id:04}.example.org]\n    goals:\n      goal-1:\n        name: Goal 1\n        match_attribute: url\n        pattern: /thanks-1\n        pattern_type: contains\n"
        ));
        if id % 6 == 0 {
            yaml.push_str("      signup:\n        name: Signup\n        match_attribute: url\n        pattern: /signup/done\n        pattern_type: contains\n");
        }
        if id % 3 == 1 {
            yaml.push_str("    custom_dimensions:\n      author:\n        name: Author\n        scope: action\n        case_sensitive: true\n");
        }
    }
    yaml
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn plan(fake: &FakeMatomo, config: &std::path::Path, extra: &[&str]) -> Run {
    let output = Command::cargo_bin("matoform")
        .expect("binary built")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MATOMO_URL", fake.url())
        .env("MATOMO_TOKEN", SUPERUSER_TOKEN)
        .env("MATOFORM_TODAY", "2026-11-29")
        .env("NO_COLOR", "1")
        .args(["plan", "-c"])
        .arg(config)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn setup() -> (FakeMatomo, tempfile::TempDir, std::path::PathBuf) {
    let fake = FakeMatomo::start(Seed::with_sites(SITES));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("matoform.yaml");
    std::fs::write(&path, config(SITES)).expect("config written");
    (fake, dir, path)
}

#[test]
fn plan_read_in_bulk_equals_plan_read_site_by_site() {
    let (fake, _dir, path) = setup();

    let bulk = plan(&fake, &path, &[]);
    let bulk_requests = fake.request_count();
    // 0, not 3: the policy's defaults make every managed site's desired settings
    // compliant, and the instance settings, not managed by this configuration, only warn.
    assert_eq!(bulk.code, 0, "{}", bulk.stderr);
    // Detection, site list and public statistics in one request; 150 sites × (settings,
    // goals, dimensions) = 450 reads in one bulk request; the instance settings (judged
    // by the policy) in one more.
    assert_eq!(bulk_requests, 3, "{}", bulk.stderr);
    let json: serde_json::Value = serde_json::from_str(&bulk.stdout).expect("JSON plan");
    assert_eq!(json["summary"]["violations"], 0, "{}", bulk.stdout);
    let changes = json["changes"].as_array().expect("changes");
    assert!(
        changes.len() >= 15,
        "the drift must show in the plan: {} changes",
        changes.len()
    );
    let text = bulk.stdout.as_str();
    assert!(
        text.contains("Scale 10 (renamed)") && text.contains("Signup"),
        "renames and goals planned"
    );

    let naive = plan(&fake, &path, &["--naive-reads"]);
    let naive_requests = fake.request_count() - bulk_requests;
    assert_eq!(
        (naive.code, naive.stderr.as_str()),
        (bulk.code, bulk.stderr.as_str())
    );
    assert_eq!(naive.stdout, bulk.stdout, "bulk and naive plans differ");
    // One request per site and kind of object (4), plus the detection and instance requests.
    assert_eq!(naive_requests, 2 + 4 * u64::from(SITES));

    let small = plan(&fake, &path, &["--bulk-size", "40"]);
    let small_requests = fake.request_count() - bulk_requests - naive_requests;
    assert_eq!(
        (small.code, small.stderr.as_str()),
        (bulk.code, bulk.stderr.as_str())
    );
    assert_eq!(
        small.stdout, bulk.stdout,
        "plans with --bulk-size 40 differ"
    );
    assert_eq!(small_requests, 2 + 450_u64.div_ceil(40));
}

#[test]
fn a_truncated_bulk_answer_is_an_error_not_a_plan() {
    let (fake, _dir, path) = setup();
    // PHP drops the fields past max_input_vars: a chunk of 150 reads (155 fields) answers 96 results.
    fake.update(|s| s.max_input_vars = 100);
    let run = plan(&fake, &path, &["--bulk-size", "150"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "", "nothing is planned on a truncated answer");
    assert!(
        run.stderr.contains(
            "API.getBulkRequest answered 96 results for 150 requests: the answer was truncated"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("lower --bulk-size"), "{}", run.stderr);
    assert!(!run.stderr.contains(SUPERUSER_TOKEN));

    // A short array in place of the answer (a proxy cutting the body) is caught as well.
    fake.update(|s| s.max_input_vars = 1000);
    fake.fail_nth(
        "API.getBulkRequest",
        2,
        200,
        serde_json::json!([{"value": 1}]),
    );
    let run = plan(&fake, &path, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("API.getBulkRequest answered 1 results for 450 requests"),
        "{}",
        run.stderr
    );
}
