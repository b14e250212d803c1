//! End-to-end tests of `matoform audit` against the fake Matomo seeded with a mix of
//! compliant and non-compliant sites: exact text table, JSON keys, Markdown, exit codes
//! (3 when anything fails, 0 when everything is compliant), with and without a
//! configuration (waivers, site keys), on 5.0.2 (instance privacy not readable) and on
//! 5.7 with Matomo's own `cnil_v1` compliance status.

use assert_cmd::Command;
use fake_matomo::{FakeMatomo, SUPERUSER_TOKEN, Seed, Site, VersionMode};
use pretty_assertions::assert_eq;

const PII: &str = include_str!("../src/personal_data/matomo_recommended.txt");

/// Matomo's recommended personal-data list, comma separated (as the option stores it).
fn recommended_pii() -> String {
    PII.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join(",")
}

fn compliant_site(name: &str, url: &str) -> Site {
    let mut site = Site::new(name, url, "Europe/Paris", "EUR");
    site.exclude_unknown_urls = 1;
    site.disable_visitor_log = true;
    site.disable_visitor_profile = true;
    site
}

/// Four sites: 1 Blog compliant; 2 Shop with ecommerce and the visits log; 3 Wiki with
/// unknown URLs tracked (a warning); 4 Stats with public statistics and the visits log.
/// The instance excludes Matomo's recommended personal-data parameters.
fn mixed(mut seed: Seed) -> Seed {
    seed.sites.clear();
    seed.anonymous_view.clear();
    seed.goals.clear();
    seed.sites
        .insert(1, compliant_site("Blog", "https://blog.example.org"));
    let mut shop = compliant_site("Shop", "https://shop.example.org");
    shop.ecommerce = 1;
    shop.disable_visitor_log = false;
    seed.sites.insert(2, shop);
    let mut wiki = compliant_site("Wiki", "https://wiki.example.org");
    wiki.exclude_unknown_urls = 0;
    seed.sites.insert(3, wiki);
    let mut stats = compliant_site("Stats", "https://stats.example.org");
    stats.disable_visitor_log = false;
    seed.sites.insert(4, stats);
    seed.anonymous_view.insert(4);
    seed.next_site_id = 5;
    seed.options.excluded_query_parameters_global = Some(recommended_pii());
    // How 5.7 stores the same choice.
    seed.options.query_param_exclusion_type = "matomo_recommended_pii".into();
    seed
}

/// Every site compliant (Shop and Stats fixed).
fn all_compliant(seed: Seed) -> Seed {
    let mut seed = mixed(seed);
    for site in seed.sites.values_mut() {
        *site = compliant_site(&site.name.clone(), &site.urls[0].clone());
    }
    seed.anonymous_view.clear();
    seed
}

fn matoform(fake: &FakeMatomo) -> Command {
    let mut command = Command::cargo_bin("matoform").expect("binary built");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MATOMO_URL", fake.url())
        .env("MATOMO_TOKEN", SUPERUSER_TOKEN)
        .env("MATOFORM_TODAY", "2026-11-29")
        .env("NO_COLOR", "1");
    command
}

fn run(fake: &FakeMatomo, args: &[&str]) -> (i32, String, String) {
    let output = matoform(fake).args(args).output().expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn write_config(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("matoform.yaml"), text).expect("write config");
    dir
}

const REMINDER: &str = "The opt-out and the tracking code live in each site's pages, not in Matomo: print compliant code with `matoform snippet SITE`.";

const UNKNOWN_502: &str = "UNKNOWN; not readable with this Matomo and token: the privacy settings (IP anonymisation, referrer, User ID and order ID anonymisation, cookieless tracking, Do Not Track), the raw-data retention; check these by hand in Matomo's privacy settings";

#[test]
fn mixed_instance_502_text_is_exact_and_exits_3() {
    let fake = FakeMatomo::start(mixed(Seed::empty()));
    let (code, stdout, stderr) = run(&fake, &["audit"]);
    assert_eq!(code, 3, "{stderr}");
    let expected = format!(
        "\
SITE   ID  STATUS         FINDINGS
blog   1   compliant      -
shop   2   NOT COMPLIANT  cnil.ecommerce, cnil.visitor-log
stats  4   NOT COMPLIANT  cnil.visitor-log, cnil.public-stats-visitor-log
wiki   3   compliant      cnil.exclude-unknown-urls (warning)

Instance: {UNKNOWN_502}

Findings:
  error   site[shop] cnil.ecommerce: sites.shop.ecommerce is true: ecommerce records orders, which the exemption does not cover
          fix: set ecommerce: false; to keep a shop measured, waive cnil.ecommerce with a reason and keep instance.privacy.anonymize_order_id: true
  error   site[shop] cnil.visitor-log: sites.shop.visitor_log.disabled is false: the visits log shows individual visits
          fix: set visitor_log.disabled: true on the site (or instance.visitor_log.disabled: true)
  error   site[stats] cnil.visitor-log: sites.stats.visitor_log.disabled is false: the visits log shows individual visits
          fix: set visitor_log.disabled: true on the site (or instance.visitor_log.disabled: true)
  error   site[stats] cnil.public-stats-visitor-log: sites.stats.public_stats is true while the visits log is on: anyone can browse individual visits
          fix: set visitor_log.disabled: true (public statistics are encouraged), or public_stats: false
  warning site[wiki] cnil.exclude-unknown-urls: sites.wiki.exclude_unknown_urls is false: actions on any URL that carries this site's id are tracked
          fix: set exclude_unknown_urls: true

{REMINDER}
Audit: 2 of 4 sites compliant; 4 errors, 1 warning, 0 waived.
"
    );
    assert_eq!(stdout, expected);
    assert_eq!(stderr, "");
}

#[test]
fn mixed_instance_json_keys() {
    let fake = FakeMatomo::start(mixed(Seed::empty()));
    let (code, stdout, stderr) = run(&fake, &["audit", "--format", "json"]);
    assert_eq!(code, 3, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    // The printed order: the report's fields, `format_version` first.
    let positions: Vec<usize> = [
        "format_version",
        "rows",
        "instance_checked",
        "instance_unreadable",
        "instance",
        "waivers",
        "matomo_compliance",
    ]
    .iter()
    .map(|key| {
        stdout
            .find(&format!("\n  \"{key}\": "))
            .unwrap_or_else(|| panic!("no top-level key {key} in {stdout}"))
    })
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert_eq!(json.as_object().expect("object").len(), 7);
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["instance_checked"], true);
    assert_eq!(
        json["instance_unreadable"],
        serde_json::json!(["privacy", "retention"])
    );
    assert_eq!(json["matomo_compliance"], false);
    let rows = json["rows"].as_array().expect("rows");
    let summary: Vec<(String, u64, bool)> = rows
        .iter()
        .map(|r| {
            (
                r["key"].as_str().expect("key").to_owned(),
                r["id"].as_u64().expect("id"),
                r["compliant"].as_bool().expect("compliant"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("blog".to_owned(), 1, true),
            ("shop".to_owned(), 2, false),
            ("stats".to_owned(), 4, false),
            ("wiki".to_owned(), 3, true),
        ]
    );
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        keys
    };
    // No Matomo status on 5.0.2: the row has no `matomo_cnil`.
    assert_eq!(
        keys(&rows[1]),
        ["compliant", "findings", "id", "key", "name"]
    );
    assert_eq!(
        keys(&rows[1]["findings"][0]),
        ["fix", "message", "rule", "severity", "source", "subject"]
    );
    assert_eq!(rows[1]["findings"][0]["rule"], "cnil.ecommerce");
    assert_eq!(rows[1]["findings"][0]["severity"], "error");
}

#[test]
fn everything_compliant_exits_0() {
    let fake = FakeMatomo::start(all_compliant(Seed::empty()));
    let (code, stdout, stderr) = run(&fake, &["audit"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        format!(
            "\
SITE   ID  STATUS     FINDINGS
blog   1   compliant  -
shop   2   compliant  -
stats  4   compliant  -
wiki   3   compliant  -

Instance: {UNKNOWN_502}

{REMINDER}
Audit: 4 of 4 sites compliant; 0 errors, 0 warnings, 0 waived.
"
        )
    );
}

#[test]
fn markdown_says_the_instance_is_unknown() {
    let fake = FakeMatomo::start(all_compliant(Seed::empty()));
    let (code, stdout, stderr) = run(&fake, &["audit", "--format", "markdown"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!("\n**Instance:** {UNKNOWN_502}\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains("| blog | 1 | ✅ compliant | - |\n"),
        "{stdout}"
    );
}

const CONFIG: &str = "\
sites:
  journal:
    id: 1
    name: Blog
    urls: [https://blog.example.org]
  boutique:
    name: Shop
    urls: [https://shop.example.org]
    ecommerce: true
waivers:
  - rule: cnil.ecommerce
    sites: [boutique]
    reason: Consent is collected on the cart page before any ecommerce tracking.
  - rule: cnil.visitor-log
    sites: [boutique]
    reason: Support needed the visits log during the migration.
    expires: 2026-10-31
";

#[test]
fn configuration_brings_site_keys_and_waivers() {
    let fake = FakeMatomo::start(mixed(Seed::empty()));
    let dir = write_config(CONFIG);
    let config = dir.path().join("matoform.yaml");
    let config = config.to_str().expect("utf-8 path");
    // By default, waived findings are counted by rule.
    let (code, stdout, stderr) = run(&fake, &["audit", "-c", config]);
    assert_eq!(code, 3, "{stderr}\n{stdout}");
    assert!(
        stdout.contains("  waived  cnil.ecommerce: 1 waived\n  Every finding: --findings all.\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("          waived: Consent"), "{stdout}");
    let (code, stdout, stderr) = run(&fake, &["audit", "-c", config, "--findings", "all"]);
    assert_eq!(code, 3, "{stderr}\n{stdout}");
    let table: String = stdout.split_inclusive('\n').take(5).collect();
    assert_eq!(
        table,
        "\
SITE      ID  STATUS         FINDINGS
boutique  2   NOT COMPLIANT  cnil.visitor-log, cnil.ecommerce (waived)
journal   1   compliant      -
stats     4   NOT COMPLIANT  cnil.visitor-log, cnil.public-stats-visitor-log
wiki      3   compliant      cnil.exclude-unknown-urls (warning)
"
    );
    assert!(
        stdout.contains(
            "  waived  site[boutique] cnil.ecommerce: sites.boutique.ecommerce is true: ecommerce records orders, which the exemption does not cover\n          waived: Consent is collected on the cart page before any ecommerce tracking.\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("policy.waiver-expired"), "{stdout}");
    assert!(
        stdout.ends_with("Audit: 2 of 4 sites compliant; 3 errors, 2 warnings, 1 waived.\n"),
        "{stdout}"
    );
}

#[test]
fn waivers_make_the_instance_pass() {
    let fake = FakeMatomo::start(mixed(Seed::empty()));
    fake.update(|s| {
        let stats = s.sites.get_mut(&4).expect("stats");
        stats.disable_visitor_log = true;
    });
    let config = CONFIG.replace("    expires: 2026-10-31\n", "    expires: 2026-12-31\n");
    let dir = write_config(&config);
    let path = dir.path().join("matoform.yaml");
    let (code, stdout, stderr) = run(&fake, &["audit", "-c", path.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}\n{stdout}");
    assert!(
        stdout.ends_with("Audit: 4 of 4 sites compliant; 0 errors, 1 warning, 2 waived.\n"),
        "{stdout}"
    );
}

/// Without `-c`, audit finds the configuration where plan and snapshot do (here the
/// directory ./matoform/): its waivers are honoured, as with `-c`.
#[test]
fn audit_finds_the_configuration_directory_like_plan() {
    let fake = FakeMatomo::start(mixed(Seed::empty()));
    fake.update(|s| {
        let stats = s.sites.get_mut(&4).expect("stats");
        stats.disable_visitor_log = true;
    });
    let config = CONFIG.replace("    expires: 2026-10-31\n", "    expires: 2026-12-31\n");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("matoform")).expect("mkdir");
    std::fs::write(dir.path().join("matoform/sites.yaml"), &config).expect("write config");
    let output = matoform(&fake)
        .current_dir(dir.path())
        .arg("audit")
        .output()
        .expect("runs");
    let (code, stdout, stderr) = (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert_eq!(code, 0, "{stderr}\n{stdout}");
    assert!(!stdout.contains("NOT COMPLIANT"), "{stdout}");
    assert!(stdout.contains("boutique  2   compliant"), "{stdout}");
    assert!(
        stdout.ends_with("Audit: 4 of 4 sites compliant; 0 errors, 1 warning, 2 waived.\n"),
        "{stdout}"
    );
    let explicit = matoform(&fake)
        .current_dir(dir.path())
        .args(["audit", "-c", "matoform"])
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&explicit.stdout), stdout);
}

/// 5.7 with the PrivacyCompliance feature: privacy is readable, Matomo's `cnil_v1`
/// status appears side by side; the raw-data retention stays unreadable.
#[test]
fn matomo_57_shows_cnil_v1_status() {
    let mut seed = mixed(Seed::recorded_57());
    seed.version = VersionMode::V5_7 {
        compliance_flag: true,
    };
    seed.compliance.sites.insert(1);
    let fake = FakeMatomo::start(seed);
    let (code, stdout, stderr) = run(&fake, &["audit"]);
    assert_eq!(code, 3, "{stderr}");
    let table: String = stdout.split_inclusive('\n').take(5).collect();
    assert_eq!(
        table,
        "\
SITE   ID  STATUS         MATOMO CNIL_V1  FINDINGS
blog   1   compliant      enforced        -
shop   2   NOT COMPLIANT  off             cnil.ecommerce, cnil.visitor-log
stats  4   NOT COMPLIANT  off             cnil.visitor-log, cnil.public-stats-visitor-log
wiki   3   compliant      off             cnil.exclude-unknown-urls (warning)
"
    );
    assert!(
        stdout.contains("\nInstance: NOT COMPLIANT (cnil.referrer, cnil.user-id, cnil.order-id); not readable with this Matomo and token: the raw-data retention; check these by hand in Matomo's privacy settings\n"),
        "{stdout}"
    );
    let (_, json, _) = run(&fake, &["audit", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["matomo_compliance"], true);
    assert_eq!(json["rows"][0]["matomo_cnil"], true);
    assert_eq!(json["rows"][1]["matomo_cnil"], false);
    assert_eq!(
        json["instance_unreadable"],
        serde_json::json!(["retention"])
    );
}

/// Runs `audit` with another token than the superuser's.
fn run_as(fake: &FakeMatomo, token: &str, args: &[&str]) -> (i32, String, String) {
    let output = matoform(fake)
        .env("MATOMO_TOKEN", token)
        .args(args)
        .output()
        .expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A token that administers no site printed "0 of 0 sites compliant" and exited 0: a
/// mis-scoped cron token looked healthy. Now audit exits 1 and names the token's rights.
#[test]
fn a_token_that_administers_no_site_is_refused() {
    let fake = FakeMatomo::start(Seed::recorded());
    // The viewer views site 1 and administers nothing.
    let (code, stdout, stderr) = run_as(&fake, fake_matomo::VIEWER_TOKEN, &["audit"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "Error: the token has view access to 1 site and admin access to none: audit reads the sites a token administers, so it would judge nothing and pass; use a token with admin access to the sites to audit (or a superuser token for the whole instance)\n"
    );

    // A token with no access at all: Matomo itself refuses it (already exit 1).
    const NOBODY: &str = "fake0nobody0token000000000000009";
    fake.update(|s| {
        s.users.insert(
            "nobody".into(),
            fake_matomo::User {
                token: NOBODY.into(),
                secure_only: false,
                superuser: false,
                password: String::new(),
                access: Default::default(),
            },
        );
    });
    let (code, _, stderr) = run_as(&fake, NOBODY, &["audit"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("requires view access for at least one website"),
        "{stderr}"
    );
}
