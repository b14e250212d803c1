//! What a plan says when the token cannot read or change everything: settings it could
//! not read, sites it only views, instance settings it reads but does not manage.

mod common;

use common::*;

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
