//! The GitOps workflow on a real Matomo: drift made through Matomo's API is shown and
//! repaired; a saved plan goes stale when Matomo changes under it; a team token manages
//! its own sites; a snapshot gives the same plan offline as the live instance.

use crate::harness::*;
use crate::readback::{assert_matches, parse};

fn one_site(tag: &str, name: &str) -> String {
    format!(
        r#"
policy: {{ profile: none }}
sites:
  {tag}:
    name: {name}
    urls: [https://{tag}.real.example, https://www.{tag}.real.example]
    timezone: Europe/Paris
    exclusions: {{ query_parameters: [email, nom] }}
    goals:
      merci: {{ name: Merci, match_attribute: url, pattern: /merci, pattern_type: contains }}
"#
    )
}

#[test]
fn drift_made_through_the_api_is_shown_then_repaired() {
    let Some(kit) = Kit::get() else { return };
    let _shared = kit.sites_lock();
    let tag = unique("drift");
    let work = Workdir::new();
    let yaml = one_site(&tag, "Drift");
    work.set_config(&yaml);
    kit.apply_converges(&work, &[]);
    let id = kit
        .site_id_by_url(&format!("https://{tag}.real.example"))
        .expect("site")
        .to_string();
    // Someone clicks in Matomo's admin.
    kit.api(
        "SitesManager.updateSite",
        &[
            ("idSite", &id),
            ("siteName", "Renamed by hand"),
            ("excludedQueryParameters", "email"),
        ],
    );
    let plan = kit.plan(&work, &[]);
    expect_code(&plan, 2);
    assert!(
        plan.stdout
            .contains(r#"~ name: "Renamed by hand" → "Drift""#),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains(r#"+ "nom","#), "{}", plan.stdout);
    assert_eq!(
        plan.last_line(),
        "Plan: 0 to create, 1 to update, 0 to delete."
    );
    // The plan JSON of a real instance validates against schema/plan.schema.json.
    let json = kit.run(
        &work,
        &[],
        &["plan", "--format", "json", "--detailed-exitcode"],
    );
    expect_code(&json, 2);
    let printed: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schema/plan.schema.json")).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(&printed)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert_eq!(problems, Vec::<String>::new(), "{}", json.stdout);
    assert_eq!(printed["summary"]["update"], 1, "{}", json.stdout);
    kit.apply_converges(&work, &[]);
    assert_matches(&kit, &parse(&yaml));
    kit.delete_sites_by_url(&[format!("https://{tag}.real.example")]);
}

#[test]
fn a_stale_plan_is_refused_and_writes_nothing() {
    let Some(kit) = Kit::get() else { return };
    let _shared = kit.sites_lock();
    let tag = unique("stale");
    let work = Workdir::new();
    work.set_config(&one_site(&tag, "Stale"));
    kit.apply_converges(&work, &[]);
    let id = kit
        .site_id_by_url(&format!("https://{tag}.real.example"))
        .expect("site")
        .to_string();
    work.set_config(&one_site(&tag, "Stale v2"));
    let plan = kit.run(&work, &[], &["plan", "--out", "plan.json"]);
    expect_code(&plan, 0);
    // Matomo changes between plan and apply.
    kit.api(
        "SitesManager.updateSite",
        &[("idSite", &id), ("siteName", "Changed meanwhile")],
    );
    let apply = kit.run(&work, &[], &["apply", "plan.json", "--auto-approve"]);
    expect_code(&apply, 1);
    assert!(
        apply.stderr.contains("the plan is stale"),
        "{}",
        apply.stderr
    );
    let site = kit.api("SitesManager.getSiteFromId", &[("idSite", &id)]);
    assert_eq!(
        text(&site, "name"),
        "Changed meanwhile",
        "a stale plan wrote nothing"
    );
    kit.apply_converges(&work, &[]);
    kit.delete_sites_by_url(&[format!("https://{tag}.real.example")]);
}

#[test]
fn a_team_token_manages_its_own_site() {
    let Some(kit) = Kit::get() else { return };
    let _shared = kit.sites_lock();
    let team = kit.var("MATOMO_TOKEN_TEAMA").to_string();
    let work = Workdir::new();
    // teamA administers site 3 (Blog US); it changes its exclusions and goals, then
    // puts them back.
    let before = kit.api("SitesManager.getSiteFromId", &[("idSite", "3")]);
    let config = |agents: &str| {
        format!(
            r#"
policy: {{ profile: none }}
sites:
  blog:
    id: 3
    name: {name}
    urls: [{url}]
    exclusions: {{ user_agents: [{agents}] }}
"#,
            name = text(&before, "name"),
            url = text(&before, "main_url"),
        )
    };
    let original = text(&before, "excluded_user_agents");
    for agents in ["bot, crawler, UptimeRobot", original.as_str()] {
        let yaml = config(agents);
        work.set_config(&yaml);
        let apply = kit.run_as(&work, &team, &[], &["apply", "--auto-approve"]);
        expect_code(&apply, 0);
        let plan = kit.run_as(&work, &team, &[], &["plan", "--detailed-exitcode"]);
        assert!(
            plan.code == 0 && plan.last_line() == NO_CHANGES,
            "team plan after apply:\n{}\n{}",
            plan.stdout,
            plan.stderr
        );
        assert_matches(&kit, &parse(&yaml));
    }
    // A site it does not administer is refused before anything is written.
    work.set_config("policy: { profile: none }\nsites:\n  main:\n    id: 1\n    name: Hijack\n    urls: [https://main.example.com]\n");
    let refused = kit.run_as(&work, &team, &[], &["apply", "--auto-approve"]);
    expect_code(&refused, 1);
    let main = kit.api("SitesManager.getSiteFromId", &[("idSite", "1")]);
    assert_eq!(text(&main, "name"), "Main Site");
}

#[test]
fn a_snapshot_gives_the_live_plan_offline() {
    let Some(kit) = Kit::get() else { return };
    // Exclusive: the plan counts the instance's unmanaged sites, which other tests add.
    let _instance = kit.instance_lock();
    let tag = unique("snap");
    let work = Workdir::new();
    work.set_config(&one_site(&tag, "Snapshot"));
    kit.apply_converges(&work, &[]);
    work.set_config(&one_site(&tag, "Snapshot v2"));
    let snapshot = kit.run(&work, &[], &["snapshot", "-o", "live.json"]);
    expect_code(&snapshot, 0);
    for format in ["text", "json", "markdown"] {
        let live = kit.run(&work, &[], &["plan", "--format", format]);
        let offline = kit.run(
            &work,
            &[],
            &["plan", "--format", format, "--live-snapshot", "live.json"],
        );
        expect_code(&live, 0);
        expect_code(&offline, 0);
        assert_eq!(
            offline.stdout, live.stdout,
            "{format} plan from the snapshot differs"
        );
    }
    kit.delete_sites_by_url(&[format!("https://{tag}.real.example")]);
}

#[test]
fn absent_deletes_exactly_that_site() {
    let Some(kit) = Kit::get() else { return };
    let _shared = kit.sites_lock();
    let (keep, gone) = (unique("keep"), unique("gone"));
    let work = Workdir::new();
    let both = format!(
        "policy: {{ profile: none }}\nsites:\n  {keep}:\n    name: Kept\n    urls: [https://{keep}.real.example]\n  {gone}:\n    name: Offboarded\n    urls: [https://{gone}.real.example]\n"
    );
    work.set_config(&both);
    kit.apply_converges(&work, &[]);
    let id = kit
        .site_id_by_url(&format!("https://{gone}.real.example"))
        .expect("site");
    let kept = kit
        .site_id_by_url(&format!("https://{keep}.real.example"))
        .expect("site");
    work.set_config(&format!(
        "policy: {{ profile: none }}\nsites:\n  {keep}:\n    name: Kept\n    urls: [https://{keep}.real.example]\n  {gone}:\n    id: {id}\n    absent: true\n"
    ));
    let plan = kit.plan(&work, &[]);
    expect_code(&plan, 2);
    assert_eq!(
        plan.last_line(),
        "Plan: 0 to create, 0 to update, 1 to delete."
    );
    let refused = kit.run(&work, &[], &["apply", "--auto-approve"]);
    assert_ne!(refused.code, 0, "a delete needs --force");
    assert!(
        kit.site_id_by_url(&format!("https://{gone}.real.example"))
            .is_some()
    );
    let applied = kit.run(&work, &[], &["apply", "--auto-approve", "--force"]);
    expect_code(&applied, 0);
    let plan = kit.plan(&work, &[]);
    assert!(
        plan.code == 0 && plan.last_line() == NO_CHANGES,
        "{}",
        plan.stdout
    );
    assert_eq!(
        kit.site_id_by_url(&format!("https://{gone}.real.example")),
        None
    );
    assert_eq!(
        kit.site_id_by_url(&format!("https://{keep}.real.example")),
        Some(kept)
    );
    kit.delete_sites_by_url(&[format!("https://{keep}.real.example")]);
}
