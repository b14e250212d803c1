//! `import` of unusual live data: sites sharing a URL, goals whose match attribute
//! matoform cannot describe. The written configuration validates and plans empty.

mod common;

use common::*;

/// Two live sites with the same URL (Matomo allows it): `import --all` writes a
/// configuration that validates (both sites are bound by id) and plans empty.
#[test]
fn import_of_two_sites_sharing_a_url_is_valid() {
    let fake = FakeMatomo::start(Seed::recorded());
    fake.update(|s| {
        let mut twin = s.sites.get(&1).expect("site 1").clone();
        twin.name = "Main Site".into();
        s.sites.insert(6, twin);
    });
    let work = Workdir::new();
    expect_code(
        &run_su(&work, &fake, &["import", "--all", "-o", "matomo/"]),
        0,
    );
    let validated = run_su(&work, &fake, &["validate", "-c", "matomo"]);
    // 0: the imported sites violate the policy, which import reports, keeps, and
    // records in the baseline (known, not blocking).
    expect_code(&validated, 0);
    assert!(
        validated.stderr.contains("\nKnown (baseline): "),
        "{}",
        validated.stderr
    );
    assert!(
        validated.stdout.starts_with("Valid: 6 sites"),
        "{}",
        validated.stdout
    );
    let planned = run_su(
        &work,
        &fake,
        &["plan", "-c", "matomo", "--detailed-exitcode"],
    );
    assert_eq!(planned.last_line(), NO_CHANGES, "{}", planned.stderr);

    // Without an id, a site is bound by its first URL: sharing it stays an error.
    work.write(
        "matomo/main-site-3.yaml",
        "sites:\n  main-site-3:\n    name: Third\n    urls: [https://main.example.com/]\n",
    );
    let refused = run_su(&work, &fake, &["validate", "-c", "matomo"]);
    expect_code(&refused, 1);
    assert!(
        refused
            .stderr
            .contains("URL https://main.example.com/ is claimed by sites `main-site`"),
        "{}",
        refused.stderr
    );
}

/// A live goal with a match attribute matoform does not know (Matomo does not validate
/// it) was imported as a `url` goal, which the next apply rewrote. Then the whole site's
/// goals were left out. Now only that goal is left out, with a note; the site's other
/// goals (a `visit_duration` one among them) are imported, and the plan is empty: the
/// left-out goal is not deleted.
#[test]
fn import_leaves_out_only_the_goals_it_cannot_describe() {
    let fake = FakeMatomo::start(Seed::recorded());
    fake.update(|s| {
        let goals = s.goals.entry(1).or_default();
        goals.clear();
        goals.insert(1, fake_goal("Odd", "foo_attr", "x", "contains"));
        goals.insert(
            2,
            fake_goal("Long visit", "visit_duration", "5", "greater_than"),
        );
        goals.insert(3, fake_goal("Signup", "url", "/signup", "contains"));
        goals.insert(4, fake_goal("Pages", "visit_nb_pageviews", "3", "contains"));
    });
    let work = Workdir::new();
    let imported = run_su(&work, &fake, &["import", "--all", "-o", "matomo/"]);
    expect_code(&imported, 0);
    let notes = [
        "sites.main-site.goals: goal 1 (\"Odd\") has the match attribute `foo_attr` that matoform does not know; it is left out (not managed): plan and apply leave it as it is",
        "sites.main-site.goals: goal 4 (\"Pages\") has the match attribute `visit_nb_pageviews`, which Matomo matches like a URL containing the pattern; it is left out (not managed): plan and apply leave it as it is",
    ];
    let file = std::fs::read_to_string(work.join("matomo/main-site.yaml")).expect("site file");
    for note in notes {
        assert!(
            imported.stderr.contains(&format!("Note: {note}")),
            "{}",
            imported.stderr
        );
        assert!(file.contains(&format!("# {note}.")), "{file}");
    }
    assert!(file.contains("\n    goals:"), "{file}");
    assert!(file.contains("name: Long visit"), "{file}");
    assert!(file.contains("pattern_type: greater_than"), "{file}");
    assert!(file.contains("name: Signup"), "{file}");
    assert!(!file.contains("name: Odd"), "{file}");
    assert!(!file.contains("name: Pages"), "{file}");
    let validated = run_su(&work, &fake, &["validate", "-c", "matomo"]);
    assert!(
        validated.stdout.starts_with("Valid: "),
        "{}{}",
        validated.stdout,
        validated.stderr
    );
    let planned = run_su(
        &work,
        &fake,
        &["plan", "-c", "matomo", "--detailed-exitcode"],
    );
    assert_eq!(planned.last_line(), NO_CHANGES, "{}", planned.stdout);
    assert!(
        planned
            .stdout
            .contains("site[main-site].goal[#1]: goal 1 (\"Odd\") has the match attribute `foo_attr` that matoform does not know; it is not managed"),
        "{}",
        planned.stdout
    );
}
