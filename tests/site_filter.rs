//! `--site`: limiting plan and apply to some sites of the configuration, with saved
//! plans made for all or some of them, and refusing what the configuration does not have.

mod common;

use common::*;

/// `apply PLAN --site KEY` applies that site's part of a saved plan: the other sites are
/// neither read again nor checked for staleness, nor applied.
#[test]
fn a_saved_plan_applies_for_one_site() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    expect_code(&run_su(&work, &fake, &["plan", "--out", "p.json"]), 0);
    // The other site moves after the plan: not a reason to refuse blog's part.
    fake.update(|s| {
        s.sites.get_mut(&2).expect("site 2").group = "elsewhere".into();
    });
    let applied = run_su(&work, &fake, &["apply", "p.json", "--site", "blog"]);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 1 applied.");
    assert_eq!(site(&fake, 3).name, "Blog (renamed)");
    assert_eq!(site(&fake, 2).name, "Shop DE");

    // Blog's own objects are still checked.
    expect_code(&run_su(&work, &fake, &["plan", "--out", "p.json"]), 0);
    fake.update(|s| {
        s.sites.get_mut(&3).expect("site 3").group = "moved".into();
    });
    fake.clear_calls();
    let refused = run_su(&work, &fake, &["apply", "p.json", "--site", "blog"]);
    expect_code(&refused, 1);
    assert!(
        refused
            .stderr
            .contains("the plan is stale: site[blog] changed since the plan was made"),
        "{}",
        refused.stderr
    );
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());
}

/// `--site` naming a site outside a saved plan made for other sites is refused, with
/// the sites the plan covers.
#[test]
fn a_saved_plan_for_some_sites_refuses_another_site() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    expect_code(
        &run_su(&work, &fake, &["plan", "--site", "blog", "--out", "p.json"]),
        0,
    );
    fake.clear_calls();
    let refused = run_su(&work, &fake, &["apply", "p.json", "--site", "shop"]);
    expect_code(&refused, 1);
    assert!(
        refused.stderr.contains(
            "--site shop: this saved plan was made for the sites blog only; pick among them, or run plan again with these sites"
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());
    assert_eq!(site(&fake, 2).name, "Shop DE");
}

/// An unknown `--site` key is refused before anything is read from Matomo, with the
/// keys the configuration has.
#[test]
fn an_unknown_site_key_is_refused_before_any_request() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    for command in ["plan", "apply"] {
        fake.clear_calls();
        let refused = run_su(&work, &fake, &[command, "--site", "blgo"]);
        expect_code(&refused, 1);
        assert!(
            refused.stderr.contains(
                "--site blgo: no site with this key in the configuration; the keys are: blog, shop"
            ),
            "{command}: {}",
            refused.stderr
        );
        assert_eq!(fake.calls().len(), 0, "{command}: {:?}", fake.calls());
    }
}

/// `--site` takes a configuration key or a Matomo id (a value of digits) on plan and
/// apply: `--site 3` is `--site blog` (whose `id:` is 3), byte for byte.
#[test]
fn plan_and_apply_take_a_site_id_as_well_as_a_key() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    let by_key = run_su(&work, &fake, &["plan", "--site", "blog"]);
    expect_code(&by_key, 0);
    let by_id = run_su(&work, &fake, &["plan", "--site", "3"]);
    expect_code(&by_id, 0);
    assert_eq!(by_id.stdout, by_key.stdout);
    assert_eq!(by_id.last_line(), summary(0, 1, 0));

    let applied = run_su(&work, &fake, &["apply", "--auto-approve", "--site", "2"]);
    expect_code(&applied, 0);
    assert_eq!(applied.last_line(), "Apply complete: 1 applied.");
    assert_eq!(site(&fake, 2).name, "Shop DE (renamed)");
    assert_eq!(site(&fake, 3).name, "Blog US");
}

/// An unknown id or a misspelt key is refused before any request, naming it, with the
/// close matches.
#[test]
fn an_unknown_site_id_or_key_is_named_with_close_matches() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    for command in ["plan", "apply"] {
        fake.clear_calls();
        let refused = run_su(&work, &fake, &[command, "--site", "9"]);
        expect_code(&refused, 1);
        assert!(
            refused.stderr.contains(
                "--site 9: no site with this Matomo id in the configuration; the sites with an `id:` are: 3 (blog), 2 (shop) (a value of digits is an id; a site bound by its URL gets its id from `matoform pin`, or name it by its key)"
            ),
            "{command}: {}",
            refused.stderr
        );
        let typo = run_su(&work, &fake, &[command, "--site", "shpo"]);
        expect_code(&typo, 1);
        assert!(
            typo.stderr.contains(
                "--site shpo: no site with this key in the configuration; the keys are: blog, shop (did you mean shop?)"
            ),
            "{command}: {}",
            typo.stderr
        );
        assert_eq!(fake.calls().len(), 0, "{command}: {:?}", fake.calls());
    }
}

/// `import --site` takes a Matomo id or the key import gives the site (the slug of its
/// name); a misspelt key is refused with the close matches.
#[test]
fn import_takes_a_site_key_as_well_as_an_id() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::new();
    let by_id = run_su(&work, &fake, &["import", "--site", "3"]);
    expect_code(&by_id, 0);
    assert!(by_id.stdout.contains("\n  blog-us:\n"), "{}", by_id.stdout);
    let by_key = run_su(&work, &fake, &["import", "--site", "blog-us"]);
    expect_code(&by_key, 0);
    assert_eq!(by_key.stdout, by_id.stdout);

    let refused = run_su(&work, &fake, &["import", "--site", "blgo-us"]);
    expect_code(&refused, 1);
    assert!(
        refused.stderr.contains(
            "--site blgo-us: no site import would name `blgo-us` (a site's key is the slug of its name, e.g. `main-site`; or give its Matomo id) (did you mean blog-us?)"
        ),
        "{}",
        refused.stderr
    );
}
