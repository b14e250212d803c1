//! End-to-end tests of targeted removal and ownership: an `absent: true` entry deletes
//! exactly that site, a limited `prune` deletes only inside its selection, and an entry
//! owned by another repository is never changed. The real binary against the stateful
//! fake Matomo (`Seed::recorded()`: sites 1 Main Site, 2 Shop DE (group shops),
//! 3 Blog US, 4 Intranet (group internal), 5 Legacy Site).

mod common;

use common::*;

fn site_ids(fake: &FakeMatomo) -> Vec<u32> {
    fake.state().sites.keys().copied().collect()
}

const OFFBOARD_LEGACY: &str = r#"
policy: { profile: none }
sites:
  legacy:
    id: 5
    absent: true
    name: Legacy Site
  shop:
    id: 2
    name: Shop DE
    urls: [https://shop.example.de, https://www.shop.example.de]
"#;

#[test]
fn absent_deletes_exactly_that_site_with_force_then_plans_nothing() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(OFFBOARD_LEGACY);

    let planned = plan(&work, &fake);
    expect_code(&planned, 2);
    let changes: Vec<&str> = planned
        .stdout
        .lines()
        .filter(|l| l.starts_with("  - ") || l.starts_with("  + ") || l.starts_with("  ~ "))
        .collect();
    assert_eq!(changes, ["  - site[legacy] (id 5)"], "{}", planned.stdout);
    assert_eq!(planned.last_line(), summary(0, 0, 1));
    // The other live sites are left untouched, as without `absent`.
    assert!(
        planned
            .stdout
            .contains("3 live sites are not managed by this configuration and are left untouched."),
        "{}",
        planned.stdout
    );

    // Like every site deletion, apply needs --force; nothing is written without it.
    fake.clear_calls();
    let refused = apply(&work, &fake);
    expect_code(&refused, 1);
    assert!(
        refused.stderr.contains(
            "Error: apply refused: the plan is oversized: the plan deletes 1 site(s), with all their data. Check it, then pass --force to apply it"
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());
    assert_eq!(site_ids(&fake), [1, 2, 3, 4, 5]);

    fake.clear_calls();
    let applied = run_su(&work, &fake, &["apply", "--auto-approve", "--force"]);
    expect_code(&applied, 0);
    assert!(
        applied.stdout.contains("\n  applied        site[legacy]\n"),
        "{}",
        applied.stdout
    );
    assert_eq!(applied.last_line(), "Apply complete: 1 applied.");
    assert_eq!(write_methods(&fake.calls()), ["SitesManager.deleteSite"]);
    assert_eq!(site_ids(&fake), [1, 2, 3, 4]);

    // Gone: the entry asks for nothing more.
    let again = plan(&work, &fake);
    expect_code(&again, 0);
    assert_eq!(again.last_line(), NO_CHANGES, "{}", again.stdout);
}

#[test]
fn absent_without_id_is_refused_with_the_fix() {
    let work = Workdir::with_config(
        "policy: { profile: none }\nsites:\n  legacy:\n    absent: true\n    name: Legacy Site\n",
    );
    let mut command = matoform(work.path(), None, None);
    command.arg("validate");
    let refused = run(command);
    expect_code(&refused, 1);
    assert_eq!(
        refused.stderr,
        format!(
            "{}:3:3: `sites.legacy` has `absent: true` but no `id`: an absent site is named by its Matomo id, never by its URL\n  fix: add `id: N`, the id of the live site to delete (shown by `matoform import` and in Matomo's Websites > Manage)\n1 problem found in matoform.yaml.\n",
            "matoform.yaml"
        )
    );
}

#[test]
fn the_policy_skips_absent_sites() {
    // Under the default profile, Legacy Site (visits log on, ecommerce off…) would have
    // findings; once absent, none is about it.
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config("sites:\n  legacy:\n    id: 5\n    absent: true\n");
    let run = run_su(&work, &fake, &["plan", "--format", "json"]);
    expect_code(&run, 0);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).expect("json plan");
    let about_legacy: Vec<&serde_json::Value> = plan["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["subject"] == "site[legacy]")
        .collect();
    assert_eq!(about_legacy, Vec::<&serde_json::Value>::new());
    let changes: Vec<(&str, &str)> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap_or_default(),
                c["action"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(changes, [("site[legacy]", "delete")]);
}

const PRUNE_SHOPS_AND_RANGE: &str = r#"
policy: { profile: none }
prune: { ids: "3-5" }
sites:
  shop:
    id: 2
    name: Shop DE
    urls: [https://shop.example.de, https://www.shop.example.de]
  blog:
    id: 3
    name: Blog US
    urls: [https://blog.example.com]
"#;

#[test]
fn limited_prune_deletes_only_inside_its_selection() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(PRUNE_SHOPS_AND_RANGE);

    // Unmanaged: 1, 4, 5. Inside ids 3-5: 4 and 5 (3 is managed). Site 1 stays.
    let planned = plan(&work, &fake);
    expect_code(&planned, 2);
    let changes: Vec<&str> = planned
        .stdout
        .lines()
        .filter(|l| l.starts_with("  - ") || l.starts_with("  + ") || l.starts_with("  ~ "))
        .collect();
    assert_eq!(
        changes,
        ["  - site[#4] (id 4)", "  - site[#5] (id 5)"],
        "{}",
        planned.stdout
    );
    assert!(
        planned
            .stdout
            .contains("1 live site is not managed by this configuration and is left untouched."),
        "{}",
        planned.stdout
    );

    let applied = run_su(&work, &fake, &["apply", "--auto-approve", "--force"]);
    expect_code(&applied, 0);
    assert_eq!(site_ids(&fake), [1, 2, 3]);
    let again = plan(&work, &fake);
    expect_code(&again, 0);
    assert_eq!(again.last_line(), NO_CHANGES, "{}", again.stdout);
}

#[test]
fn prune_by_group_and_name_needs_every_criterion() {
    let fake = FakeMatomo::start(Seed::recorded());
    fake.update(|s| {
        if let Some(main) = s.sites.get_mut(&1) {
            main.group = "internal".into();
        }
    });
    // Group `internal` holds 1 (Main Site) and 4 (Intranet); only Intranet matches `Intra*`.
    let work = Workdir::with_config(
        "policy: { profile: none }\nprune: { groups: [internal], names: \"Intra*\" }\nsites: {}\n",
    );
    let applied = run_su(&work, &fake, &["apply", "--auto-approve", "--force"]);
    expect_code(&applied, 0);
    assert!(
        applied.stdout.contains("\n  applied        site[#4]\n"),
        "{}",
        applied.stdout
    );
    assert_eq!(site_ids(&fake), [1, 2, 3, 5]);
}

#[test]
fn prune_true_still_deletes_every_unmanaged_site() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(
        "policy: { profile: none }\nprune: true\nsites:\n  blog:\n    id: 3\n    name: Blog US\n    urls: [https://blog.example.com]\n",
    );
    let applied = run_su(&work, &fake, &["apply", "--auto-approve", "--force"]);
    expect_code(&applied, 0);
    assert_eq!(site_ids(&fake), [3]);
}

const CENTRAL: &str = r#"
policy: { profile: none }
owner: central
prune: true
sites:
  blog:
    id: 3
    name: Blog US
    urls: [https://blog.example.com]
  shop:
    id: 2
    owner: team-shop
    name: Shop (central's idea of it)
    urls: [https://shop.example.de, https://www.shop.example.de]
"#;

#[test]
fn a_site_owned_by_another_repository_is_claimed_but_never_changed() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(CENTRAL);

    let planned = plan(&work, &fake);
    expect_code(&planned, 2);
    let changes: Vec<&str> = planned
        .stdout
        .lines()
        .filter(|l| l.starts_with("  - ") || l.starts_with("  + ") || l.starts_with("  ~ "))
        .collect();
    // Prune deletes the unmanaged sites, never the shop: the entry claims it.
    assert_eq!(
        changes,
        [
            "  - site[#1] (id 1)",
            "  - site[#4] (id 4)",
            "  - site[#5] (id 5)"
        ],
        "{}",
        planned.stdout
    );
    assert!(
        planned.stdout.contains("site[shop]: owned by `team-shop` (this configuration is `central`): not changed here, although this entry differs from the live site (name); change it in `team-shop`'s configuration, or align this entry with it"),
        "{}",
        planned.stdout
    );

    fake.clear_calls();
    let applied = run_su(&work, &fake, &["apply", "--auto-approve", "--force"]);
    expect_code(&applied, 0);
    assert_eq!(site_ids(&fake), [2, 3]);
    assert_eq!(site(&fake, 2).name, "Shop DE");
    assert!(
        !fake
            .calls()
            .iter()
            .any(|c| c.method == "SitesManager.updateSite"),
        "the shop was written"
    );

    // `--site shop` in central's repository is a selection mismatch: refused.
    let selected = run_su(&work, &fake, &["plan", "--site", "shop"]);
    expect_code(&selected, 1);
    assert_eq!(
        selected.stderr,
        "Error: --site shop: owned by `team-shop`, not by this configuration (`central`); plan and apply it from `team-shop`'s configuration\n"
    );
}

#[test]
fn validate_collects_every_absent_prune_and_owner_problem() {
    let work = Workdir::with_config(
        r#"owner: central
prune: { ids: "100-x", groups: [] }
sites:
  gone:
    id: 4
    absent: true
    timezone: UTC
    owner: team
  fine:
    id: 5
    absent: true
"#,
    );
    let mut command = matoform(work.path(), None, None);
    command.arg("validate");
    let refused = run(command);
    expect_code(&refused, 1);
    assert_eq!(
        refused.stderr,
        "matoform.yaml:2:15: `prune.ids` has `100-x`, which is neither a site id nor a range of ids
  fix: write ids and inclusive ranges separated by commas, e.g. `100-200, 305` (ids start at 1, a range goes upwards)
matoform.yaml:7:5: `sites.gone` has `absent: true`, so its settings are not used: timezone
  fix: remove them: an absent entry needs only `id` (and may keep `name` and `urls` as a reminder)
matoform.yaml:8:12: `sites.gone` has `absent: true` but is owned by `team`: a configuration never deletes a site another repository owns
  fix: delete it from `team`'s configuration, or remove `owner` if this configuration owns the site
3 problems found in matoform.yaml.
"
    );

    let work = Workdir::with_config(
        "prune: {}\nsites:\n  a: { name: A, urls: [https://a.org], owner: x }\n",
    );
    let mut command = matoform(work.path(), None, None);
    command.arg("validate");
    let refused = run(command);
    expect_code(&refused, 1);
    assert_eq!(
        refused.stderr,
        "matoform.yaml:1:1: `prune` selects no site: give `groups`, `ids` or `names`
  fix: e.g. `prune: { groups: [team-culture] }`, `prune: { ids: \"100-200\" }`, or `prune: true` to delete every live site the configuration does not mention
matoform.yaml:3:40: site `a` names an owner, but this configuration has no `owner:` label of its own, so it cannot tell its own sites from the others'
  fix: add `owner: <this repository's label>` at the top level (e.g. `owner: central`)
2 problems found in matoform.yaml.
"
    );
}
