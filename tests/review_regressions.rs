//! Regressions found by the product review: each test failed before its fix.

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

/// A site whose visitor-log settings or public access could not be read is not shown
/// as silently drifted: the plan says why the values are shown as set.
#[test]
fn unreadable_site_settings_are_explained() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(
        "sites:\n  blog:\n    id: 3\n    name: Blog US\n    urls: [https://blog.example.com]\n",
    );
    expect_code(&run_su(&work, &fake, &["snapshot", "-o", "live.json"]), 0);
    let text = std::fs::read_to_string(work.join("live.json")).expect("snapshot");
    let mut snapshot: serde_json::Value = serde_json::from_str(&text).expect("json");
    let site = snapshot["sites"]["3"].as_object_mut().expect("site 3");
    assert!(site.remove("visitor_log").is_some(), "{text}");
    assert!(site.remove("public_stats").is_some(), "{text}");
    work.write("unread.json", &snapshot.to_string());

    let mut command = matoform(work.path(), None, None);
    command.args(["plan", "--live-snapshot", "unread.json"]);
    let planned = run(command);
    expect_code(&planned, 0);
    for line in [
        "  ! site[blog]: the visitor-log settings could not be read (SitesManager.getSiteSettings needs admin access on site 3); they are shown as set and will be written on apply; use a token with admin access to compare them",
        "  ! site[blog]: public access could not be read (UsersManager.getUsersAccessFromSite needs admin access on site 3); it is shown as set and will be written on apply; use a token with admin access to compare it",
    ] {
        assert!(
            planned.stdout.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            planned.stdout
        );
    }
}

/// A token pasted into MATOMO_URL's query string, or a password in its `user:pass@`
/// part, never reaches an output, an error or a plan file.
#[test]
fn secrets_in_the_matomo_url_are_never_shown() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(
        "policy: { profile: none }\nsites:\n  blog:\n    id: 3\n    name: Blog US\n    urls: [https://blog.example.com]\n",
    );
    let with_token = format!("{}?token_auth={SUPERUSER_TOKEN}", fake.url());
    let refused =
        run(matoform(work.path(), Some(&with_token), Some(SUPERUSER_TOKEN)).tap_args(&["plan"]));
    expect_code(&refused, 1);
    assert!(
        refused.stderr.contains("must not have a query string"),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains(SUPERUSER_TOKEN),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stdout.contains(SUPERUSER_TOKEN),
        "{}",
        refused.stdout
    );

    let password = "S3cr3t-basic-auth";
    let with_password = fake
        .url()
        .replacen("http://", &format!("http://ops:{password}@"), 1);
    let planned = run(
        matoform(work.path(), Some(&with_password), Some(SUPERUSER_TOKEN))
            .tap_args(&["plan", "--out", "p.json"]),
    );
    expect_code(&planned, 0);
    assert!(
        planned.stdout.contains("http://ops:(redacted)@127.0.0.1:"),
        "{}",
        planned.stdout
    );
    let unreachable = "http://ops:S3cr3t-basic-auth@127.0.0.1:1/";
    let failed = run(
        matoform(work.path(), Some(unreachable), Some(SUPERUSER_TOKEN)).tap_args(&[
            "plan",
            "--timeout",
            "2",
        ]),
    );
    expect_code(&failed, 1);
    for (name, text) in [
        ("plan stdout", planned.stdout.clone()),
        ("plan stderr", planned.stderr.clone()),
        (
            "plan file",
            std::fs::read_to_string(work.join("p.json")).expect("plan file"),
        ),
        ("unreachable stderr", failed.stderr.clone()),
        ("unreachable stdout", failed.stdout.clone()),
    ] {
        assert!(
            !text.contains(password),
            "{name} shows the password:\n{text}"
        );
    }
}

/// `args` on a command, returning it (for one-expression runs).
trait TapArgs {
    fn tap_args(self, args: &[&str]) -> Self;
}

impl TapArgs for assert_cmd::Command {
    fn tap_args(mut self, args: &[&str]) -> Self {
        self.args(args);
        self
    }
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

/// A token with only view access on an existing site sees no site to bind to: the
/// plan says why it would create one, and apply refuses before writing.
#[test]
fn a_view_only_token_is_told_why_a_site_would_be_created() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(
        "sites:\n  main:\n    name: Main Site\n    urls: [https://main.example.com]\n",
    );
    let planned = run_with(&work, &fake, VIEWER_TOKEN, &["plan"]);
    expect_code(&planned, 0);
    assert!(
        planned.stdout.contains(
            "! site[main]: no site this token administers has the URL https://main.example.com, so the plan creates one, which needs a superuser token; if the site exists, the token may have only view access to it: grant it admin access"
        ),
        "{}",
        planned.stdout
    );
    fake.clear_calls();
    let applied = run_with(&work, &fake, VIEWER_TOKEN, &["apply", "--auto-approve"]);
    expect_code(&applied, 1);
    assert!(
        applied.stderr.contains("the token is not a superuser"),
        "{}",
        applied.stderr
    );
    assert!(writes(&fake.calls()).is_empty(), "nothing written");
}

/// A configuration that manages only its sites is still told about the instance's
/// settings when the token can read them (here a 1-byte IP mask on Matomo 5.7): as
/// warnings, since the configuration cannot change them.
#[test]
fn unmanaged_instance_settings_are_judged_but_do_not_block() {
    let fake = FakeMatomo::start(Seed::recorded_57());
    fake.update(|s| s.options.anonymisation.mask_length = 1);
    let work = Workdir::with_config(
        "sites:\n  main:\n    id: 1\n    name: Main Site\n    urls: [https://main.example.com]\n",
    );
    let planned = run_su(&work, &fake, &["plan"]);
    expect_code(&planned, 0);
    assert!(
        planned.stdout.contains("! [cnil.ip-mask] instance: ")
            && planned.stdout.contains(
                "(the instance settings are not managed by this configuration: tell the instance's administrators)"
            ),
        "{}",
        planned.stdout
    );
    // Nothing about the instance is planned: it is judged, not managed.
    assert!(
        !planned.stdout.contains("~ instance."),
        "{}",
        planned.stdout
    );
}
