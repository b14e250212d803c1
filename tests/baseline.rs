//! End-to-end tests of the baseline and of waiver patterns: the real binary against the
//! fake Matomo. Adoption writes the baseline; its violations are known (counted, never
//! blocking); a new violation blocks; a fixed one is reported until `matoform baseline`
//! removes it; `--add` records new ones. Dates pinned with MATOFORM_TODAY.

mod common;

use common::*;
use pretty_assertions::assert_eq;

/// The header every baseline file starts with.
const HEADER: &str = "\
# matoform baseline: policy violations accepted when this configuration was adopted.
# They are reported as known and do not block; a new violation still does.
# Fix them, then remove the fixed entries with `matoform baseline -c PATH`.
# This file is not configuration: matoform reads it beside the configuration.
version: 1
violations:
";

/// The baseline file holding `entries` (rule, site key), all found on TODAY.
fn baseline_file(entries: &[(&str, &str)]) -> String {
    let mut out = HEADER.to_string();
    for (rule, site) in entries {
        out.push_str(&format!(
            "  - rule: {rule}\n    subject: site[{site}]\n    found: {TODAY}\n"
        ));
    }
    out
}

/// What `import --all` of the recorded seed finds: the visits log and the visitor
/// profile on in every site, and the German shop's ecommerce.
const ADOPTED: [(&str, &str); 11] = [
    ("cnil.visitor-log", "blog-us"),
    ("cnil.visitor-profile", "blog-us"),
    ("cnil.visitor-log", "intranet"),
    ("cnil.visitor-profile", "intranet"),
    ("cnil.visitor-log", "legacy-site"),
    ("cnil.visitor-profile", "legacy-site"),
    ("cnil.visitor-log", "main-site"),
    ("cnil.visitor-profile", "main-site"),
    ("cnil.ecommerce", "shop-de"),
    ("cnil.visitor-log", "shop-de"),
    ("cnil.visitor-profile", "shop-de"),
];

const KNOWN_11: &str = "Known (baseline): 11 violations of 3 rules: cnil.visitor-log 5, cnil.visitor-profile 5, cnil.ecommerce 1";

const NEW_SITE: &str = "\
sites:
  nouveau:
    name: Nouveau
    urls: [https://nouveau.example.org]
    ecommerce: true
";

/// `file:line:1`-style place of the line `needle` in a configuration file, as findings
/// print it (`path:line:col`, the column of the needle's first non-blank character).
fn place(work: &Workdir, file: &str, needle: &str) -> String {
    let text = std::fs::read_to_string(work.join(file)).expect("read");
    let (index, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.trim_start() == needle.trim_start())
        .unwrap_or_else(|| panic!("{needle} in {file}:\n{text}"));
    let col = line.len() - line.trim_start().len() + 1;
    format!("{file}:{}:{col}", index + 1)
}

/// Runs `matoform ARGS` in the work directory without Matomo.
fn offline(work: &Workdir, args: &[&str]) -> Run {
    let mut command = matoform(work.path(), None, None);
    command.args(args);
    run(command)
}

#[test]
fn adoption_baseline_makes_inherited_violations_known_and_new_ones_block() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::new();

    // Adoption: the violations found are recorded, dated today.
    let imported = run_su(&work, &fake, &["import", "--all", "-o", "matomo/"]);
    expect_code(&imported, 0);
    assert!(
        imported.stderr.ends_with(
            "Imported 5 sites into matomo/ (one file per site, instance.yaml).\n\
             Recorded 11 policy violations in the baseline matomo/baseline.yaml: they are known and do not block; a new one does. Fix them, then run `matoform baseline -c matomo` to remove the fixed ones.\n"
        ),
        "{}",
        imported.stderr
    );
    let read_baseline =
        || std::fs::read_to_string(work.join("matomo/baseline.yaml")).expect("baseline");
    assert_eq!(read_baseline(), baseline_file(&ADOPTED));

    // validate and plan pass, counting the known violations on one line.
    let validated = run_su(&work, &fake, &["validate", "-c", "matomo"]);
    expect_code(&validated, 0);
    assert_eq!(
        validated.stdout,
        "Valid: 5 sites, instance settings (6 files).\n"
    );
    assert!(
        validated.stderr.ends_with(&format!("\n{KNOWN_11}\n")),
        "{}",
        validated.stderr
    );
    assert!(
        !validated.stderr.contains("violation ["),
        "{}",
        validated.stderr
    );
    let planned = run_su(
        &work,
        &fake,
        &["plan", "-c", "matomo", "--detailed-exitcode"],
    );
    expect_code(&planned, 0);
    assert_eq!(planned.last_line(), NO_CHANGES);
    assert!(
        planned
            .stdout
            .contains("\nPolicy: 0 violations, 9 warnings, 0 waived, 11 known\n"),
        "{}",
        planned.stdout
    );
    assert!(
        planned.stdout.contains(&format!("\n  {KNOWN_11}\n")),
        "{}",
        planned.stdout
    );
    // The JSON plan carries the counts per rule, and not the known findings themselves.
    let json = run_su(&work, &fake, &["plan", "-c", "matomo", "--format", "json"]);
    expect_code(&json, 0);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON plan");
    assert_eq!(
        plan["known"],
        serde_json::json!({"cnil.ecommerce": 1, "cnil.visitor-log": 5, "cnil.visitor-profile": 5})
    );
    assert_eq!(
        (
            plan["summary"]["known"].as_u64(),
            plan["summary"]["violations"].as_u64()
        ),
        (Some(11), Some(0))
    );
    let listed: Vec<&str> = plan["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .filter(|rule| ADOPTED.iter().any(|(r, _)| r == rule))
        .collect();
    assert_eq!(listed, Vec::<&str>::new());

    // audit judges the live instance with the same baseline: known, not failing.
    let audited = run_su(&work, &fake, &["audit", "-c", "matomo"]);
    expect_code(&audited, 0);
    assert_eq!(
        audited.stdout.lines().last(),
        Some("Audit: 0 of 5 sites compliant; 0 errors, 9 warnings, 0 waived, 11 known (baseline).")
    );

    // A new violation blocks, located at its field.
    work.write("matomo/nouveau.yaml", NEW_SITE);
    let validated = run_su(&work, &fake, &["validate", "-c", "matomo"]);
    expect_code(&validated, 3);
    assert_eq!(
        validated
            .stderr
            .lines()
            .filter(|l| l.contains("violation ["))
            .collect::<Vec<_>>(),
        [
            "matomo/nouveau.yaml:5:5: violation [cnil.ecommerce] site[nouveau]: sites.nouveau.ecommerce is true: ecommerce records orders, which the exemption does not cover"
        ]
    );
    let planned = run_su(
        &work,
        &fake,
        &["plan", "-c", "matomo", "--detailed-exitcode"],
    );
    expect_code(&planned, 3);
    assert!(
        planned
            .stdout
            .contains("\n  ✗ [cnil.ecommerce] site[nouveau]: sites.nouveau.ecommerce is true"),
        "{}",
        planned.stdout
    );

    // Fixing a baselined violation: the entry is reported as fixed, until removed.
    let shop = work.join("matomo/shop-de.yaml");
    let text = std::fs::read_to_string(&shop).expect("shop");
    assert!(text.contains("  ecommerce: true\n"), "{text}");
    work.write(
        "matomo/shop-de.yaml",
        &text.replace("  ecommerce: true\n", "  ecommerce: false\n"),
    );
    let validated = run_su(&work, &fake, &["validate", "-c", "matomo"]);
    expect_code(&validated, 3);
    let fixed = format!(
        "{}: warning [policy.baseline-fixed] site[shop-de]: the baseline's cnil.ecommerce violation is fixed: remove it from the baseline (matoform baseline -c matomo)\n  fix: run `matoform baseline -c matomo`: it removes every entry that no longer matches from matomo/baseline.yaml\n",
        place(&work, "matomo/shop-de.yaml", "shop-de:")
    );
    assert!(validated.stderr.contains(&fixed), "{}", validated.stderr);
    assert!(
        validated.stderr.ends_with(
            "\nKnown (baseline): 10 violations of 2 rules: cnil.visitor-log 5, cnil.visitor-profile 5\n"
        ),
        "{}",
        validated.stderr
    );
    let planned = run_su(&work, &fake, &["plan", "-c", "matomo"]);
    assert!(
        planned.stdout.contains("\n  ! [policy.baseline-fixed] site[shop-de]: the baseline's cnil.ecommerce violation is fixed: remove it from the baseline (matoform baseline -c matomo)\n"),
        "{}",
        planned.stdout
    );

    // `baseline` removes the fixed entry, and only that: the new violation still blocks.
    let refreshed = run_su(&work, &fake, &["baseline", "-c", "matomo"]);
    expect_code(&refreshed, 0);
    assert_eq!(
        refreshed.stdout,
        "Removed [cnil.ecommerce] site[shop-de] (found 2026-11-29): fixed.\n\
         Baseline matomo/baseline.yaml: 1 removed, 0 added, 10 remain.\n\
         1 violation is not in the baseline and blocks: fix it, or record it with `matoform baseline -c matomo --add`.\n"
    );
    let remaining: Vec<(&str, &str)> = ADOPTED
        .iter()
        .copied()
        .filter(|e| *e != ("cnil.ecommerce", "shop-de"))
        .collect();
    assert_eq!(read_baseline(), baseline_file(&remaining));
    let validated = run_su(&work, &fake, &["validate", "-c", "matomo"]);
    expect_code(&validated, 3);
    assert!(
        !validated.stderr.contains("baseline-fixed"),
        "{}",
        validated.stderr
    );

    // `--add` records the new violation, found today; nothing blocks any more.
    let added = run_su(&work, &fake, &["baseline", "-c", "matomo", "--add"]);
    expect_code(&added, 0);
    assert_eq!(
        added.stdout,
        "Added [cnil.ecommerce] site[nouveau] (found 2026-11-29).\n\
         Baseline matomo/baseline.yaml: 0 removed, 1 added, 11 remain.\n"
    );
    let mut grown = remaining.clone();
    grown.insert(8, ("cnil.ecommerce", "nouveau"));
    assert_eq!(read_baseline(), baseline_file(&grown));
    let validated = run_su(&work, &fake, &["validate", "-c", "matomo"]);
    expect_code(&validated, 0);
    assert!(
        validated.stderr.ends_with(&format!("\n{KNOWN_11}\n")),
        "{}",
        validated.stderr
    );
    // Nothing left to do: a second refresh changes nothing.
    let again = run_su(&work, &fake, &["baseline", "-c", "matomo"]);
    assert_eq!(
        again.stdout,
        "Baseline matomo/baseline.yaml: 0 removed, 0 added, 11 remain.\n"
    );
}

#[test]
fn a_broken_baseline_is_reported_with_the_configuration_problems() {
    let work = Workdir::with_config("sites:\n  a: { name: A, urls: [https://a.example.org] }\n");
    work.write(
        "baseline.yaml",
        "version: 1\nviolations:\n  - rule: cnil.ecommerce\n    subject: site[a]\n    found: soon\n",
    );
    let validated = offline(&work, &["validate", "-c", "matoform.yaml"]);
    expect_code(&validated, 1);
    assert_eq!(
        validated.stderr,
        "baseline.yaml:5:5: baseline entry 0: `found` is `soon`, not a date (YYYY-MM-DD)\n  fix: each entry has `rule`, `subject` and `found` (YYYY-MM-DD), nothing else\n1 problem found in matoform.yaml.\n"
    );
}

#[test]
fn baseline_without_a_file_says_how_to_start_one() {
    let work = Workdir::with_config("sites:\n  a: { name: A, urls: [https://a.example.org] }\n");
    let refreshed = offline(&work, &["baseline", "-c", "matoform.yaml"]);
    expect_code(&refreshed, 0);
    assert_eq!(
        refreshed.stdout,
        "No baseline at baseline.yaml: nothing to refresh. Record the current violations with `matoform baseline -c matoform.yaml --add`.\n"
    );
    assert!(!work.join("baseline.yaml").exists());
}

const SCALE: &str = "\
sites:
  scale-1: { name: S1, urls: [https://s1.example.org], ecommerce: true }
  scale-2: { name: S2, urls: [https://s2.example.org], ecommerce: true }
  shop: { name: Shop, urls: [https://shop.example.org], ecommerce: true }
waivers:
  - rule: cnil.ecommerce
";

#[test]
fn waivers_cover_site_patterns_and_all() {
    let work = Workdir::with_config(&format!(
        "{SCALE}    sites: [\"scale-*\", \"old-?\"]\n    reason: Load tests measure orders under consent.\n"
    ));
    let validated = offline(
        &work,
        &["validate", "-c", "matoform.yaml", "--findings", "all"],
    );
    expect_code(&validated, 3);
    assert_eq!(
        validated.stderr,
        "matoform.yaml:2:56: waived [cnil.ecommerce] site[scale-1]: sites.scale-1.ecommerce is true: ecommerce records orders, which the exemption does not cover\n  waived: Load tests measure orders under consent.\n\
         matoform.yaml:3:56: waived [cnil.ecommerce] site[scale-2]: sites.scale-2.ecommerce is true: ecommerce records orders, which the exemption does not cover\n  waived: Load tests measure orders under consent.\n\
         matoform.yaml:4:57: violation [cnil.ecommerce] site[shop]: sites.shop.ecommerce is true: ecommerce records orders, which the exemption does not cover\n  fix: set ecommerce: false; to keep a shop measured, waive cnil.ecommerce with a reason and keep instance.privacy.anonymize_order_id: true\n\
         matoform.yaml:6:9: warning [policy.waiver-unused] waiver[0]: the waiver of cnil.ecommerce: the pattern `old-?` matches no site\n  fix: remove the waiver, or correct its rule, sites or instance\n"
    );

    work.set_config(&format!(
        "{SCALE}    sites: all\n    reason: Every site measures orders under consent.\n"
    ));
    let validated = offline(
        &work,
        &["validate", "-c", "matoform.yaml", "--findings", "all"],
    );
    expect_code(&validated, 0);
    assert_eq!(validated.stdout, "Valid: 3 sites, 1 waiver (1 file).\n");
    assert_eq!(
        validated.stderr.matches("waived [cnil.ecommerce]").count(),
        3,
        "{}",
        validated.stderr
    );
}
