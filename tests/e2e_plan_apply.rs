//! End-to-end tests of `plan` and `apply`: the real binary against the stateful fake
//! Matomo over HTTP, with a scrubbed environment. Each test asserts exit codes, the key
//! lines of the output, the fake's state afterwards, and its call log where it matters.

mod common;

use common::*;
use fake_matomo::{CustomDimension, Extraction, VersionMode};

/// Asserts that a plan (or an apply) found nothing to do.
#[track_caller]
fn expect_no_changes(run: &Run) {
    expect_code(run, 0);
    assert_eq!(run.last_line(), NO_CHANGES, "{}", run.stdout);
}

/// Asserts a plan's exit code and its summary line.
#[track_caller]
fn expect_plan(run: &Run, code: i32, create: usize, update: usize, delete: usize) {
    expect_code(run, code);
    assert_eq!(
        run.last_line(),
        summary(create, update, delete),
        "{}",
        run.stdout
    );
}

/// True when stdout has the change title `title` (`  ~ site[shop]`), with or
/// without its ` (id N…)` suffix.
fn has_title(stdout: &str, title: &str) -> bool {
    stdout
        .lines()
        .any(|l| l == title || l.starts_with(&format!("{title} (")))
}

/// Asserts that every line is in stdout: change titles (ending in `]`) with or without
/// their suffix, other lines exactly.
#[track_caller]
fn expect_lines(stdout: &str, lines: &[&str]) {
    for line in lines {
        let found = if line.ends_with(']') {
            has_title(stdout, line)
        } else {
            stdout.lines().any(|l| l == *line)
        };
        assert!(found, "missing {line:?} in\n{stdout}");
    }
}

fn calls_of<'a>(calls: &'a [CallRecord], method: &str) -> Vec<&'a CallRecord> {
    calls.iter().filter(|c| c.method == method).collect()
}

// ---------------------------------------------------------------------------------
// 1. Create, update and delete of sites, goals and custom dimensions.
// ---------------------------------------------------------------------------------

const SITES_CONFIG: &str = r#"
policy: { profile: none }
prune: true
sites:
  shop:
    id: 2
    name: Shop Deutschland
    urls: [https://shop.example.de, https://www.shop.example.de]
  blog:
    name: Blog US
    urls: [https://blog.example.com]
    timezone: Europe/Paris
  nouveau:
    name: Nouveau service
    urls: [https://nouveau.example.org]
    timezone: Europe/Paris
    currency: EUR
"#;

#[test]
fn sites_are_created_updated_and_pruned() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(SITES_CONFIG);

    let planned = plan(&work, &fake);
    expect_plan(&planned, 2, 1, 2, 3);
    expect_lines(
        &planned.stdout,
        &[
            "  - site[#1]",
            "  - site[#4]",
            "  - site[#5]",
            "  + site[nouveau]",
            "  ~ site[blog]",
            "  ~ site[shop]",
            "      ~ name: \"Shop DE\" → \"Shop Deutschland\"",
            "      ~ timezone: \"America/New_York\" → \"Europe/Paris\"",
        ],
    );

    // Pruned sites are deleted, not "left untouched".
    assert!(
        !planned.stdout.contains("left untouched"),
        "{}",
        planned.stdout
    );

    // Deleting sites needs --force; nothing is written without it.
    fake.clear_calls();
    let refused = apply(&work, &fake);
    expect_code(&refused, 1);
    assert!(
        refused
            .stderr
            .contains("Error: apply refused: the plan is oversized: the plan deletes 3 site(s), with all their data"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("pass --force"),
        "{}",
        refused.stderr
    );
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());
    assert_eq!(fake.state().sites.len(), 5);

    fake.clear_calls();
    let applied = run_su(&work, &fake, &["apply", "--auto-approve", "--force"]);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 6 applied.");
    let state = fake.state();
    assert_eq!(
        state.sites.keys().copied().collect::<Vec<_>>(),
        vec![2, 3, 161]
    );
    assert_eq!(state.sites[&2].name, "Shop Deutschland");
    // What the configuration leaves out is kept.
    assert_eq!(state.sites[&2].excluded_ips, "10.0.0.1,192.168.1.*");
    assert_eq!(state.sites[&2].ecommerce, 1);
    assert_eq!(state.sites[&3].timezone, "Europe/Paris");
    assert_eq!(state.sites[&3].excluded_user_agents, "bot,crawler");
    let created = &state.sites[&161];
    assert_eq!(created.name, "Nouveau service");
    assert_eq!(
        created.urls,
        vec!["https://nouveau.example.org".to_string()]
    );
    assert_eq!(
        (created.timezone.as_str(), created.currency.as_str()),
        ("Europe/Paris", "EUR")
    );
    let mut written = write_methods(&fake.calls());
    written.sort();
    assert_eq!(
        written,
        vec![
            "SitesManager.addSite",
            "SitesManager.deleteSite",
            "SitesManager.deleteSite",
            "SitesManager.deleteSite",
            "SitesManager.updateSite",
            "SitesManager.updateSite",
        ]
    );

    expect_no_changes(&plan(&work, &fake));
}

const GOALS_AND_DIMENSIONS: &str = r#"
policy: { profile: none }
sites:
  shop:
    id: 2
    name: Shop DE
    urls: [https://shop.example.de, https://www.shop.example.de]
    goals:
      checkout:
        name: Checkout
        match_attribute: url
        pattern: /checkout/done
        pattern_type: contains
      contact:
        name: Contact
        match_attribute: url
        pattern: "^/contact/(merci|thanks)"
        pattern_type: regex
        allow_multiple_conversions: true
    custom_dimensions:
      category:
        name: Category
        scope: action
        active: true
        extractions:
          - { dimension: url, pattern: "^/c/([a-z]+)" }
      author:
        name: Author
        scope: visit
        active: true
"#;

fn seed_goals_and_dimensions(fake: &FakeMatomo) {
    fake.update(|s| {
        let goals = s.goals.entry(2).or_default();
        goals.insert(
            1,
            fake_goal("Old newsletter", "url", "/newsletter", "contains"),
        );
        goals.insert(2, fake_goal("Checkout", "url", "/checkout", "contains"));
        s.custom_dimensions.insert(
            2,
            vec![
                CustomDimension {
                    id: 1,
                    name: "Old dimension".into(),
                    index: 1,
                    scope: "visit".into(),
                    active: true,
                    extractions: vec![],
                    case_sensitive: true,
                },
                CustomDimension {
                    id: 2,
                    name: "Category".into(),
                    index: 1,
                    scope: "action".into(),
                    active: true,
                    extractions: vec![],
                    case_sensitive: true,
                },
            ],
        );
    });
}

#[test]
fn goals_and_dimensions_are_created_updated_and_deleted() {
    let fake = FakeMatomo::start(Seed::recorded());
    seed_goals_and_dimensions(&fake);
    let work = Workdir::with_config(GOALS_AND_DIMENSIONS);

    let planned = plan(&work, &fake);
    // Creates: goal contact, dimension author; updates: goal checkout, dimension
    // category; deletes: goal #1, dimension #1 (deactivated).
    expect_plan(&planned, 2, 2, 2, 2);
    expect_lines(
        &planned.stdout,
        &[
            "  - site[shop].goal[#1]",
            "  - site[shop].custom_dimension[#1]",
            "  + site[shop].goal[contact]",
            "  + site[shop].custom_dimension[author]",
            "  ~ site[shop].goal[checkout]",
            "  ~ site[shop].custom_dimension[category]",
            "      ~ pattern: \"/checkout\" → \"/checkout/done\"",
        ],
    );

    fake.clear_calls();
    let applied = apply(&work, &fake);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 6 applied.");

    let goals = live_goals(&fake, 2);
    assert_eq!(goals.keys().copied().collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(goals[&2].pattern, "/checkout/done");
    assert_eq!(goals[&3].name, "Contact");
    assert_eq!(goals[&3].pattern, "^/contact/(merci|thanks)");
    assert_eq!(goals[&3].pattern_type, "regex");
    assert_eq!(goals[&3].allow_multiple, 1);
    // Goal 1 is soft-deleted, as Matomo does.
    assert_eq!(fake.state().goals[&2][&1].deleted, 1);

    let dims = dimensions(&fake, 2);
    let by_id = |id: u32| {
        dims.iter()
            .find(|d| d.id == id)
            .cloned()
            .expect("dimension")
    };
    assert!(!by_id(1).active, "the unlisted dimension is deactivated");
    assert_eq!(by_id(1).name, "Old dimension");
    assert_eq!(
        by_id(2).extractions,
        vec![Extraction {
            dimension: "url".into(),
            pattern: "^/c/([a-z]+)".into()
        }]
    );
    assert_eq!(dims.len(), 3);
    let author = dims.iter().find(|d| d.name == "Author").expect("created");
    assert_eq!((author.scope.as_str(), author.active), ("visit", true));

    let calls = fake.calls();
    assert_eq!(calls_of(&calls, "Goals.deleteGoal").len(), 1);
    assert_eq!(calls_of(&calls, "Goals.addGoal").len(), 1);
    assert_eq!(calls_of(&calls, "Goals.updateGoal").len(), 1);
    assert_eq!(
        calls_of(&calls, "CustomDimensions.configureNewCustomDimension").len(),
        1
    );
    assert_eq!(
        calls_of(&calls, "CustomDimensions.configureExistingCustomDimension").len(),
        2
    );
    // The site itself did not change: no updateSite.
    assert!(calls_of(&calls, "SitesManager.updateSite").is_empty());

    expect_no_changes(&plan(&work, &fake));

    // A dimension set `active: false` is deactivated by an update, and stays so.
    work.set_config(&GOALS_AND_DIMENSIONS.replace(
        "        name: Author\n        scope: visit\n        active: true",
        "        name: Author\n        scope: visit\n        active: false",
    ));
    let planned = plan(&work, &fake);
    expect_plan(&planned, 2, 0, 1, 0);
    assert!(
        planned.stdout.contains("      ~ active: true → false"),
        "{}",
        planned.stdout
    );
    expect_code(&apply(&work, &fake), 0);
    assert!(
        !dimensions(&fake, 2)
            .iter()
            .any(|d| d.name == "Author" && d.active)
    );
    expect_no_changes(&plan(&work, &fake));
}

// ---------------------------------------------------------------------------------
// 2. Drift is detected and repaired.
// ---------------------------------------------------------------------------------

const BLOG: &str = r#"
sites:
  blog:
    id: 3
    name: Blog US
    urls: [https://blog.example.com]
    exclusions:
      ips: ["10.0.0.1"]
"#;

#[test]
fn drift_is_detected_and_repaired() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(BLOG);
    expect_code(&apply(&work, &fake), 0);
    expect_no_changes(&plan(&work, &fake));

    fake.update(|s| {
        let blog = s.sites.get_mut(&3).expect("site 3");
        blog.name = "Drifted".into();
        blog.excluded_ips = "10.0.0.1,6.6.6.6".into();
    });
    let planned = plan(&work, &fake);
    expect_plan(&planned, 2, 0, 1, 0);
    // The whole text, pinned (the fake's port aside).
    assert_eq!(
        planned.stdout.replace(&fake.url(), "URL"),
        "Matomo URL (5.0.2)\n\
         \n  ~ site[blog] (id 3)\n\
         \x20     ~ exclusions.ips: [\n\
         \x20           \"10.0.0.1\",\n\
         \x20         - \"6.6.6.6\",\n\
         \x20       ]\n\
         \x20     ~ name: \"Drifted\" → \"Blog US\"\n\
         \nPolicy: 0 violations, 1 warning, 0 waived\n\
         \x20 ! [cnil.url-pii] site[blog]: sites.blog: the site's and the instance's excluded query parameters miss \
         address, adresse, dob, email, firstname, iban, lastname, login, mail, mobile, name, pass, password, phone, \
         ssn, surname, tel, telephone, token, token_auth, user, username\n\
         \x20     fix: add the missing names to the site's exclusions.query_parameters or to instance.exclusions.query_parameters \
         (left out, the instance list defaults to Matomo's recommended personal-data list)\n\
         \n4 live sites are not managed by this configuration and are left untouched.\n\
         \nPlan: 0 to create, 1 to update, 0 to delete.\n"
    );

    let applied = apply(&work, &fake);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 1 applied.");
    let blog = site(&fake, 3);
    assert_eq!(blog.name, "Blog US");
    assert_eq!(blog.excluded_ips, "10.0.0.1");

    let again = plan(&work, &fake);
    expect_no_changes(&again);
}

// ---------------------------------------------------------------------------------
// 3. Apply-then-plan is empty for every example configuration.
// ---------------------------------------------------------------------------------

#[test]
fn minimal_example_applies_then_plans_empty() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::new();
    let config = repo_root().join("examples/minimal.yaml");
    let config = config.to_str().expect("utf-8 path");
    let planned = run_su(&work, &fake, &["plan", "-c", config, "--detailed-exitcode"]);
    expect_plan(&planned, 2, 2, 0, 0);
    let applied = run_su(&work, &fake, &["apply", "-c", config, "--auto-approve"]);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 2 applied.");
    let created = site(&fake, 161);
    assert_eq!(created.name, "Mon service");
    assert!(created.disable_visitor_log && created.disable_visitor_profile);
    assert_eq!(created.exclude_unknown_urls, 1);
    assert_eq!(live_goals(&fake, 161).len(), 1);
    expect_no_changes(&run_su(
        &work,
        &fake,
        &["plan", "-c", config, "--detailed-exitcode"],
    ));
    // Apply with nothing to do shows the plan, whose last line says it, once.
    let again = run_su(&work, &fake, &["apply", "-c", config, "--auto-approve"]);
    expect_no_changes(&again);
    assert_eq!(
        again.stdout.matches(NO_CHANGES).count(),
        1,
        "{}",
        again.stdout
    );
}

/// An instance holding the shared-instance example's explicit ids (3, 7, 12, 15, 21,
/// 30, 38) as plain sites, in a given version mode.
fn shared_instance_seed(version: VersionMode) -> Seed {
    let mut seed = Seed::empty().version(version);
    for id in [3u32, 7, 12, 15, 21, 30, 38] {
        seed.sites.insert(
            id,
            fake_matomo::Site::new(
                &format!("Site {id}"),
                &format!("https://site-{id}.example.org"),
                "UTC",
                "USD",
            ),
        );
    }
    seed.next_site_id = 39;
    seed
}

fn shared_instance_round_trip(version: VersionMode) -> (FakeMatomo, Run) {
    let fake = FakeMatomo::start(shared_instance_seed(version));
    let work = Workdir::new();
    let config = repo_root().join("examples/shared-instance");
    let config = config.to_str().expect("utf-8 path");
    let env = [("MATOMO_PASSWORD", fake_matomo::ADMIN_PASSWORD)];
    let planned = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &env,
        &["plan", "-c", config, "--detailed-exitcode"],
    );
    expect_code(&planned, 2);
    // Seven bound sites updated: more than 30 % of twelve, so --force.
    let applied = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &env,
        &["apply", "-c", config, "--auto-approve", "--force"],
    );
    expect_code(&applied, 0);
    assert!(
        applied.last_line().starts_with("Apply complete: "),
        "{}",
        applied.stdout
    );
    assert_eq!(fake.state().sites.len(), 12);
    let again = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &env,
        &["plan", "-c", config, "--detailed-exitcode"],
    );
    (fake, again)
}

#[test]
fn shared_instance_example_applies_then_plans_empty_on_5_0_2() {
    let (fake, again) = shared_instance_round_trip(VersionMode::V5_0_2);
    expect_no_changes(&again);
    // Privacy and retention cannot be read back on 5.0.2: asserted, not drift.
    assert!(
        again.stdout.contains("instance.privacy"),
        "{}",
        again.stdout
    );
    assert!(
        again.stdout.contains("instance.retention"),
        "{}",
        again.stdout
    );
    let state = fake.state();
    assert_eq!(
        state.sites[&30].name,
        "La Boutique des publications officielles"
    );
    assert_eq!(state.sites[&30].ecommerce, 1);
    assert_eq!(state.options.anonymisation.mask_length, 2);
    assert_eq!(
        state.options.anonymisation.anonymize_referrer,
        "exclude_path"
    );
    assert!(state.options.retention.delete_logs_enable);
    assert_eq!(state.options.retention.delete_logs_older_than, 395);
    assert!(state.options.live_disable_visitor_log);
    assert_eq!(state.options.default_timezone, "Europe/Paris");
    assert!(state.anonymous_view.contains(&3), "public_stats of site 3");
}

#[test]
fn shared_instance_example_applies_then_plans_empty_on_5_7() {
    let (_fake, again) = shared_instance_round_trip(VersionMode::V5_7 {
        compliance_flag: false,
    });
    expect_no_changes(&again);
}

// ---------------------------------------------------------------------------------
// 4. A stale plan is refused, and nothing is written.
// ---------------------------------------------------------------------------------

#[test]
fn a_stale_plan_is_refused_and_nothing_is_written() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    let planned = run_su(&work, &fake, &["plan", "--out", "p.json"]);
    expect_plan(&planned, 0, 0, 2, 0);
    assert!(
        planned.stderr.contains("Saved the plan to p.json"),
        "{}",
        planned.stderr
    );

    fake.update(|s| {
        s.sites.get_mut(&3).expect("site 3").excluded_user_agents = "bot".into();
    });
    fake.clear_calls();
    let refused = run_su(&work, &fake, &["apply", "p.json"]);
    expect_code(&refused, 1);
    assert!(
        refused.stderr.contains(
            "the plan is stale: site[blog] changed since the plan was made; run plan again"
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());
    assert_eq!(site(&fake, 3).name, "Blog US");
    assert_eq!(site(&fake, 2).name, "Shop DE");

    // A goal created since the plan (absent then, present now) also makes it stale.
    let planned = run_su(&work, &fake, &["plan", "--out", "p.json"]);
    expect_code(&planned, 0);
    fake.update(|s| {
        s.sites.get_mut(&2).expect("site 2").group = "elsewhere".into();
    });
    fake.clear_calls();
    let refused = run_su(&work, &fake, &["apply", "p.json"]);
    expect_code(&refused, 1);
    assert!(
        refused
            .stderr
            .contains("the plan is stale: site[shop] changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());

    // A fresh plan file applies as it is.
    expect_code(&run_su(&work, &fake, &["plan", "--out", "p.json"]), 0);
    let applied = run_su(&work, &fake, &["apply", "p.json"]);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 2 applied.");
    assert_eq!(site(&fake, 3).name, "Blog (renamed)");
    assert_eq!(site(&fake, 3).excluded_user_agents, "bot");
    assert_eq!(site(&fake, 2).group, "elsewhere");
    expect_no_changes(&plan(&work, &fake));
}

// ---------------------------------------------------------------------------------
// 5. A failure in the middle of an apply.
// ---------------------------------------------------------------------------------

const THREE_SITES: &str = r#"
policy: { profile: none }
sites:
  blog:
    id: 3
    name: Blog (renamed)
    urls: [https://blog.example.com]
  shop:
    id: 2
    name: Shop DE (renamed)
    urls: [https://shop.example.de, https://www.shop.example.de]
    goals:
      a-first:
        name: First
        match_attribute: url
        pattern: /first
      b-second:
        name: Second
        match_attribute: url
        pattern: /second
      c-third:
        name: Third
        match_attribute: url
        pattern: /third
  zz-legacy:
    id: 5
    name: Legacy (renamed)
    urls: [https://legacy.example.org, https://old.example.org]
"#;

#[test]
fn a_failed_apply_reports_what_happened_and_a_new_plan_finishes_it() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(THREE_SITES);
    expect_plan(&plan(&work, &fake), 2, 3, 3, 0);

    fake.fail_nth(
        "Goals.addGoal",
        2,
        200,
        serde_json::json!({"result": "error", "message": "The goal &quot;Second&quot; could not be saved."}),
    );
    fake.clear_calls();
    // One site at a time: blog, then shop (its goals, then itself), then zz-legacy.
    let failed = run_su(
        &work,
        &fake,
        &["apply", "--auto-approve", "--parallelism", "1"],
    );
    expect_code(&failed, 1);
    let report: Vec<&str> = failed
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("  applied "))
        .collect();
    assert_eq!(
        report,
        vec![
            "  applied        site[blog]",
            "  not attempted  site[shop]",
            "  applied        site[shop].goal[a-first]",
            // Matomo's message, entities decoded, naming the call and the site.
            "  failed         site[shop].goal[b-second]: Goals.addGoal (site 2) failed: The goal \"Second\" could not be saved.",
            "  not attempted  site[shop].goal[c-third]",
            "  not attempted  site[zz-legacy]",
            "Apply failed: 2 applied, 1 failed, 3 not attempted. Run plan again to see what remains.",
        ],
        "{}",
        failed.stdout
    );
    // Progress, one line per change attempted.
    assert!(
        failed
            .stderr
            .contains("site[shop].goal[b-second]: failed: Goals.addGoal (site 2) failed: The goal \"Second\" could not be saved."),
        "{}",
        failed.stderr
    );

    // The report matches the fake's state.
    assert_eq!(site(&fake, 3).name, "Blog (renamed)");
    assert_eq!(site(&fake, 2).name, "Shop DE");
    assert_eq!(site(&fake, 5).name, "Legacy Site");
    let goals: Vec<String> = live_goals(&fake, 2)
        .values()
        .map(|g| g.name.clone())
        .collect();
    assert_eq!(goals, vec!["First"]);
    assert_eq!(
        write_methods(&fake.calls()),
        vec!["SitesManager.updateSite", "Goals.addGoal", "Goals.addGoal"]
    );

    // A new plan shows exactly what remains, and a second apply finishes.
    let remaining = plan(&work, &fake);
    expect_plan(&remaining, 2, 2, 2, 0);
    expect_lines(
        &remaining.stdout,
        &[
            "  + site[shop].goal[b-second]",
            "  + site[shop].goal[c-third]",
            "  ~ site[shop]",
            "  ~ site[zz-legacy]",
        ],
    );
    assert!(
        !remaining.stdout.contains("site[blog]"),
        "{}",
        remaining.stdout
    );
    let finished = apply(&work, &fake);
    expect_code(&finished, 0);
    assert_eq!(finished.last_line(), "Apply complete: 4 applied.");
    assert_eq!(live_goals(&fake, 2).len(), 3);
    expect_no_changes(&plan(&work, &fake));
}

// ---------------------------------------------------------------------------------
// 6. A team token plans and applies its own sites; the instance needs a superuser.
// ---------------------------------------------------------------------------------

const TEAM_SITES: &str = r#"
sites:
  shop:
    id: 2
    name: Shop DE (team A)
    urls: [https://shop.example.de, https://www.shop.example.de]
    ecommerce: false
  blog:
    name: Blog US (team A)
    urls: [https://blog.example.com]
"#;

#[test]
fn a_team_token_manages_its_own_sites() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TEAM_SITES);
    let planned = run_with(&work, &fake, TEAM_A_TOKEN, &["plan", "--detailed-exitcode"]);
    expect_plan(&planned, 2, 0, 2, 0);
    fake.clear_calls();
    let applied = run_with(&work, &fake, TEAM_A_TOKEN, &["apply", "--auto-approve"]);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 2 applied.");
    assert_eq!(site(&fake, 2).name, "Shop DE (team A)");
    assert_eq!(site(&fake, 2).ecommerce, 0);
    assert!(site(&fake, 3).disable_visitor_log);
    let calls = fake.calls();
    assert!(calls.iter().all(|c| c.login.as_deref() == Some("teamA")));
    assert!(calls.iter().all(|c| c.status == 200), "{calls:?}");
    expect_no_changes(&run_with(
        &work,
        &fake,
        TEAM_A_TOKEN,
        &["plan", "--detailed-exitcode"],
    ));
}

#[test]
fn a_team_token_is_refused_the_instance_section() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(&format!(
        "{TEAM_SITES}instance:\n  defaults: {{ timezone: Europe/Paris, currency: EUR }}\n"
    ));
    fake.clear_calls();
    let planned = run_with(&work, &fake, TEAM_A_TOKEN, &["plan"]);
    expect_code(&planned, 1);
    assert_eq!(planned.stdout, "");
    assert!(
        planned.stderr.starts_with(
            "Error: instance: the configuration manages the instance settings, which need a superuser token, and this token's user is not a superuser; use a superuser token, or leave the instance: section out"
        ),
        "{}",
        planned.stderr
    );
    // Refused before reading the instance (or any site in detail): only the one
    // detection request (version, rights, plugins and the site list in one bulk).
    let methods: Vec<String> = fake.calls().into_iter().map(|c| c.method).collect();
    assert_eq!(methods, vec!["API.getBulkRequest"]);
    // Limited to its sites, the same configuration plans fine.
    let limited = run_with(
        &work,
        &fake,
        TEAM_A_TOKEN,
        &[
            "plan",
            "--site",
            "shop",
            "--site",
            "blog",
            "--detailed-exitcode",
        ],
    );
    expect_plan(&limited, 2, 0, 2, 0);
    fake.clear_calls();
    let refused = run_with(&work, &fake, TEAM_A_TOKEN, &["apply", "--auto-approve"]);
    expect_code(&refused, 1);
    assert!(refused.stderr.contains("instance"), "{}", refused.stderr);
    assert!(refused.stderr.contains("superuser"), "{}", refused.stderr);
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());
    assert_eq!(site(&fake, 2).name, "Shop DE");
}

// ---------------------------------------------------------------------------------
// 7. An omitted list field is never erased.
// ---------------------------------------------------------------------------------

const PARTIAL_LISTS: &str = r#"
policy: { profile: none }
sites:
  shop:
    id: 2
    name: Shop DE (renamed)
    urls: [https://shop.example.de, https://www.shop.example.de]
  legacy:
    id: 5
    name: Legacy (renamed)
    urls: [https://legacy.example.org, https://old.example.org]
    exclusions:
      ips: ["192.0.2.1"]
"#;

#[test]
fn omitted_list_fields_are_never_erased() {
    let fake = FakeMatomo::start(Seed::recorded());
    let before = fake.state();
    let work = Workdir::with_config(PARTIAL_LISTS);
    fake.clear_calls();
    let applied = apply(&work, &fake);
    expect_code(&applied, 0);
    let after = fake.state();

    // The shop's config has no exclusions and no site_search: all kept.
    let (shop0, shop) = (&before.sites[&2], &after.sites[&2]);
    assert_eq!(shop.name, "Shop DE (renamed)");
    assert_eq!(shop.excluded_ips, shop0.excluded_ips);
    assert_eq!(shop.excluded_parameters, shop0.excluded_parameters);
    assert_eq!(shop.sitesearch_keyword_parameters, "q,query");
    assert_eq!(shop.sitesearch_category_parameters, "cat");
    assert_eq!(shop.urls, shop0.urls);
    assert_eq!(shop.group, "shops");
    assert_eq!(shop.ecommerce, 1);

    // The legacy site manages only its IPs: referrers and the rest are kept.
    let (legacy0, legacy) = (&before.sites[&5], &after.sites[&5]);
    assert_eq!(legacy.excluded_ips, "192.0.2.1");
    assert_eq!(legacy.excluded_referrers, legacy0.excluded_referrers);
    assert_eq!(
        legacy.excluded_referrers,
        "partner.example.net,.cdn.example.com"
    );
    assert_eq!(legacy.keep_url_fragment, 2);
    assert_eq!(legacy.exclude_unknown_urls, 1);

    // Every updateSite carries every list field.
    let calls = fake.calls();
    let updates = calls_of(&calls, "SitesManager.updateSite");
    assert_eq!(updates.len(), 2);
    for call in updates {
        for field in [
            "excludedIps",
            "excludedQueryParameters",
            "excludedUserAgents",
            "excludedReferrers",
            "searchKeywordParameters",
            "searchCategoryParameters",
        ] {
            assert!(
                call.params.contains_key(field),
                "{field} missing from {call:?}"
            );
        }
    }
    expect_no_changes(&plan(&work, &fake));
}

// ---------------------------------------------------------------------------------
// 8. --site limits plan and apply.
// ---------------------------------------------------------------------------------

#[test]
fn site_filter_limits_plan_and_apply() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    fake.clear_calls();
    let planned = run_su(
        &work,
        &fake,
        &["plan", "--detailed-exitcode", "--site", "shop"],
    );
    expect_plan(&planned, 2, 0, 1, 0);
    assert!(
        planned.stdout.contains("Limited to sites: shop"),
        "{}",
        planned.stdout
    );
    assert!(planned.stdout.contains("site[shop]"), "{}", planned.stdout);
    assert!(!planned.stdout.contains("site[blog]"), "{}", planned.stdout);
    // Site 3 was not read in detail.
    let touches_3 = |c: &CallRecord| {
        c.params.values().any(|v| v.contains("idSite=3"))
            || c.params.get("idSite").is_some_and(|v| v == "3")
    };
    assert!(!fake.calls().iter().any(touches_3), "{:?}", fake.calls());

    fake.clear_calls();
    let applied = run_su(&work, &fake, &["apply", "--auto-approve", "--site", "shop"]);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 1 applied.");
    assert_eq!(site(&fake, 2).name, "Shop DE (renamed)");
    assert_eq!(site(&fake, 3).name, "Blog US");
    let written = writes(&fake.calls());
    assert_eq!(written.len(), 1);
    assert_eq!(
        written[0].params.get("idSite").map(String::as_str),
        Some("2")
    );

    // A saved plan limited to a site keeps its limit.
    let saved = run_su(&work, &fake, &["plan", "--out", "p.json", "--site", "blog"]);
    expect_plan(&saved, 0, 0, 1, 0);
    fake.update(|s| s.sites.get_mut(&2).expect("site 2").name = "Shop drifted".into());
    let applied = run_su(&work, &fake, &["apply", "p.json"]);
    expect_code(&applied, 0);
    assert_eq!(site(&fake, 3).name, "Blog (renamed)");
    assert_eq!(
        site(&fake, 2).name,
        "Shop drifted",
        "the other site's drift is untouched"
    );

    let rest = plan(&work, &fake);
    expect_plan(&rest, 2, 0, 1, 0);
    assert!(
        rest.stdout
            .contains("~ name: \"Shop drifted\" → \"Shop DE (renamed)\""),
        "{}",
        rest.stdout
    );
}

// ---------------------------------------------------------------------------------
// 9. Policy violations block apply; a waiver allows it.
// ---------------------------------------------------------------------------------

const ECOMMERCE: &str = r#"
sites:
  blog:
    id: 3
    name: Blog US
    urls: [https://blog.example.com]
    ecommerce: true
"#;

const WAIVER: &str = r#"
waivers:
  - rule: cnil.ecommerce
    sites: [blog]
    reason: Consent is collected before any ecommerce tracking starts.
    expires: "2027-06-30"
"#;

#[test]
fn policy_violations_block_apply_unless_waived() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(ECOMMERCE);
    let planned = plan(&work, &fake);
    // 3 wins over 2 (there are changes), and the plan is still shown.
    expect_code(&planned, 3);
    assert!(
        planned.stdout.contains("cnil.ecommerce"),
        "{}",
        planned.stdout
    );
    assert!(
        has_title(&planned.stdout, "  ~ site[blog]"),
        "{}",
        planned.stdout
    );
    assert_eq!(planned.last_line(), summary(0, 1, 0), "{}", planned.stdout);
    expect_code(&run_su(&work, &fake, &["plan"]), 3);

    fake.clear_calls();
    let refused = apply(&work, &fake);
    expect_code(&refused, 3);
    assert!(
        refused
            .stderr
            .contains("Error: apply refused: 1 policy violation(s) are not waived."),
        "{}",
        refused.stderr
    );
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());
    assert_eq!(site(&fake, 3).ecommerce, 0);

    work.set_config(&format!("{ECOMMERCE}{WAIVER}"));
    expect_plan(&plan(&work, &fake), 2, 0, 1, 0);
    let applied = apply(&work, &fake);
    expect_code(&applied, 0);
    assert_eq!(site(&fake, 3).ecommerce, 1);
    expect_no_changes(&plan(&work, &fake));
}

// ---------------------------------------------------------------------------------
// 10. Oversized plans need --force.
// ---------------------------------------------------------------------------------

fn twelve_sites_config(fake: &FakeMatomo, renamed: &[u32]) -> String {
    let mut yaml = String::from("policy: { profile: none }\nsites:\n");
    for (id, s) in fake.state().sites {
        let name = if renamed.contains(&id) {
            format!("{} (renamed)", s.name)
        } else {
            s.name.clone()
        };
        let urls: Vec<String> = s.urls.iter().map(|u| format!("\"{u}\"")).collect();
        yaml.push_str(&format!(
            "  s{id}:\n    id: {id}\n    name: \"{name}\"\n    urls: [{}]\n",
            urls.join(", ")
        ));
    }
    yaml
}

#[test]
fn oversized_plans_need_force() {
    let fake = FakeMatomo::start(Seed::with_sites(12));
    let work = Workdir::with_config(&twelve_sites_config(&fake, &[]));
    expect_no_changes(&plan(&work, &fake));

    // 3 of 12 (25 %): applied without --force.
    work.set_config(&twelve_sites_config(&fake, &[1, 2, 3]));
    let applied = apply(&work, &fake);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 3 applied.");

    // 4 more of 12 (33 %): refused without --force, nothing written.
    work.set_config(&twelve_sites_config(&fake, &[4, 5, 6, 7]));
    fake.clear_calls();
    let refused = apply(&work, &fake);
    expect_code(&refused, 1);
    assert!(
        refused.stderr.contains(
            "Error: apply refused: the plan is oversized: the plan changes 4 of 12 managed sites (33 %, more than 30 %). Check it, then pass --force to apply it"
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());

    let forced = run_su(&work, &fake, &["apply", "--auto-approve", "--force"]);
    expect_code(&forced, 0);
    assert_eq!(forced.last_line(), "Apply complete: 4 applied.");
    for id in 4..=7 {
        assert!(site(&fake, id).name.ends_with(" (renamed)"));
    }
    expect_no_changes(&plan(&work, &fake));
}

// ---------------------------------------------------------------------------------
// 11. Matomo 5.7: privacy is read back; setters take the renamed parameter.
// ---------------------------------------------------------------------------------

const PRIVACY: &str = r#"
policy: { profile: none }
instance:
  privacy:
    anonymize_ip: { enabled: true, mask_bytes: 3, use_for_enrichment: true }
    anonymize_user_id: true
    anonymize_order_id: true
    anonymize_referrer: exclude_all
    force_cookieless: true
    do_not_track: true
  retention:
    raw_data: { delete: true, older_than_days: 180 }
"#;

#[test]
fn privacy_is_read_back_on_5_7_and_asserted_on_5_0_2() {
    let env = [("MATOMO_PASSWORD", fake_matomo::ADMIN_PASSWORD)];

    // 5.7: drift of the privacy settings is visible, and the setter takes
    // `ipAddressMaskLength`.
    let fake = FakeMatomo::start(Seed::recorded_57());
    let work = Workdir::with_config(PRIVACY);
    let planned = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &env,
        &["plan", "--detailed-exitcode"],
    );
    expect_code(&planned, 2);
    assert!(
        planned.stdout.lines().any(|l| l == "  ~ instance.privacy"),
        "{}",
        planned.stdout
    );
    assert!(
        planned.stdout.contains("mask_bytes: 2 → 3"),
        "{}",
        planned.stdout
    );
    fake.clear_calls();
    let applied = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &env,
        &["apply", "--auto-approve"],
    );
    expect_code(&applied, 0);
    let calls = fake.calls();
    let set = calls_of(&calls, "PrivacyManager.setAnonymizeIpSettings");
    assert_eq!(set.len(), 1, "{calls:?}");
    assert_eq!(
        set[0].params.get("ipAddressMaskLength").map(String::as_str),
        Some("3")
    );
    assert!(!set[0].params.contains_key("maskLength"));
    assert_eq!(fake.state().options.anonymisation.mask_length, 3);
    assert_eq!(
        fake.state().options.anonymisation.anonymize_referrer,
        "exclude_all"
    );
    let again = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &env,
        &["plan", "--detailed-exitcode"],
    );
    expect_no_changes(&again);
    assert!(
        !again.stdout.contains("instance.privacy"),
        "read back, not asserted:\n{}",
        again.stdout
    );
    fake.update(|s| s.options.anonymisation.mask_length = 1);
    let drift = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &env,
        &["plan", "--detailed-exitcode"],
    );
    expect_code(&drift, 2);
    assert!(
        drift.stdout.contains("mask_bytes: 1 → 3"),
        "{}",
        drift.stdout
    );

    // 5.0.2: not readable, asserted on every plan, set with `maskLength`.
    let fake = FakeMatomo::start(Seed::recorded());
    let planned = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &env,
        &["plan", "--detailed-exitcode"],
    );
    expect_code(&planned, 0);
    assert!(
        planned.stdout.contains("not readable on Matomo 5.0"),
        "{}",
        planned.stdout
    );
    assert!(
        planned.stdout.contains("instance.privacy"),
        "{}",
        planned.stdout
    );
    fake.clear_calls();
    let applied = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &env,
        &["apply", "--auto-approve"],
    );
    expect_code(&applied, 0);
    let calls = fake.calls();
    let set = calls_of(&calls, "PrivacyManager.setAnonymizeIpSettings");
    assert_eq!(set.len(), 1, "{calls:?}");
    assert_eq!(
        set[0].params.get("maskLength").map(String::as_str),
        Some("3")
    );
    assert!(!set[0].params.contains_key("ipAddressMaskLength"));
    assert_eq!(fake.state().options.anonymisation.mask_length, 3);
}

// ---------------------------------------------------------------------------------
// Changes that need MATOMO_PASSWORD are refused up front without it.
// ---------------------------------------------------------------------------------

#[test]
fn password_changes_are_refused_up_front_without_matomo_password() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(
        "policy: { profile: none }\n\
         instance:\n  \
         visitor_log: { disabled: true, profile_disabled: true }\n  \
         retention: { raw_data: { delete: true, older_than_days: 200 } }\n  \
         defaults: { timezone: Europe/Paris }\n",
    );
    fake.clear_calls();
    let refused = apply(&work, &fake);
    expect_code(&refused, 1);
    assert!(
        refused.stderr.contains(
            "Error: apply refused: instance.visitor_log: Matomo asks for the user's password to change these settings; set MATOMO_PASSWORD"
        ),
        "{}",
        refused.stderr
    );
    // The retention, asserted (not readable without the login), is not a reason to
    // refuse: it is left as it is, with a warning.
    assert!(
        refused.stderr.contains("Warning: instance.retention: not readable here and Matomo asks for the password to write it; left as it is"),
        "{}",
        refused.stderr
    );
    // Nothing half-applied: not even the defaults, which need no password.
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());

    let applied = run_env(
        &work,
        &fake,
        SUPERUSER_TOKEN,
        &[("MATOMO_PASSWORD", fake_matomo::ADMIN_PASSWORD)],
        &["apply", "--auto-approve"],
    );
    expect_code(&applied, 0);
    let options = fake.state().options;
    assert!(options.live_disable_visitor_log && options.live_disable_visitor_profile);
    assert_eq!(options.retention.delete_logs_older_than, 200);
    assert_eq!(options.default_timezone, "Europe/Paris");

    // Without the visitor log, an apply without the password goes through: it writes
    // the defaults and leaves the unreadable retention as it is.
    work.set_config(
        "policy: { profile: none }\n\
         instance:\n  \
         retention: { raw_data: { delete: true, older_than_days: 300 } }\n  \
         defaults: { timezone: UTC }\n",
    );
    let applied = apply(&work, &fake);
    expect_code(&applied, 0);
    let options = fake.state().options;
    assert_eq!(
        options.retention.delete_logs_older_than, 200,
        "left as it is"
    );
    assert_eq!(options.default_timezone, "UTC");
}
