//! `plan --live-snapshot` refuses a snapshot that does not cover the configuration
//! (issue 12): one taken for another configuration only listed the sites it did not
//! manage, so the plan created sites that exist.

mod common;

use common::*;

/// Manages site 1 only.
const MAIN_ONLY: &str = r#"
policy: { profile: none }
sites:
  main:
    id: 1
    name: Main Site
    urls: [https://main.example.com]
"#;

/// Binds site 3 by id and site 2 by URL, and creates one.
const OTHERS: &str = r#"
policy: { profile: none }
sites:
  blog:
    id: 3
    name: Blog US
    urls: [https://blog.example.com]
  shop:
    name: Shop DE
    urls: [https://shop.example.de, https://www.shop.example.de]
  new-site:
    name: New
    urls: [https://new.example.org]
"#;

#[test]
fn a_snapshot_taken_for_another_configuration_is_refused() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::new();
    work.write("main.yaml", MAIN_ONLY);
    work.write("others.yaml", OTHERS);
    let taken = run_su(
        &work,
        &fake,
        &["snapshot", "-c", "main.yaml", "-o", "main.json"],
    );
    expect_code(&taken, 0);

    let offline = |args: &[&str]| {
        let mut command = matoform(work.path(), None, None);
        command.args(args);
        run(command)
    };
    let planned = offline(&["plan", "-c", "others.yaml", "--live-snapshot", "main.json"]);
    expect_code(&planned, 1);
    assert_eq!(planned.stdout, "", "no plan is shown");
    assert_eq!(
        planned.stderr,
        "Error: site `blog` (id 3) is only listed in the snapshot, not read in detail\n\
         Error: site `shop` (https://shop.example.de) is live site 2, which the snapshot only listed, not read in detail\n\
         Error: the snapshot does not cover this configuration (sites blog, shop), it was not taken for it; take it again with this configuration: `matoform snapshot -c others.yaml -o main.json` (or `matoform snapshot --instance -o FILE` for every site and the instance), with a superuser token for the instance\n"
    );

    // A snapshot written before the listed sites' URLs were recorded cannot tell whether
    // a site bound by URL exists: refused too, even the one really to be created.
    let text = std::fs::read_to_string(work.join("main.json")).expect("snapshot");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert!(json["unmanaged_site_urls"].is_object(), "{json}");
    json.as_object_mut()
        .expect("object")
        .remove("unmanaged_site_urls");
    work.write("old.json", &json.to_string());
    let planned = offline(&["plan", "-c", "others.yaml", "--live-snapshot", "old.json"]);
    expect_code(&planned, 1);
    assert!(
        planned.stderr.contains("Error: site `new-site` (https://new.example.org) is bound by URL, and the snapshot does not record the URLs of the 4 sites it only listed: it cannot tell whether the site exists\n"),
        "{}",
        planned.stderr
    );

    // Taken with this configuration, the snapshot covers it: only the new site is created.
    let taken = run_su(
        &work,
        &fake,
        &["snapshot", "-c", "others.yaml", "-o", "others.json"],
    );
    expect_code(&taken, 0);
    let planned = offline(&[
        "plan",
        "-c",
        "others.yaml",
        "--live-snapshot",
        "others.json",
    ]);
    expect_code(&planned, 0);
    assert!(
        planned.stdout.contains("+ site[new-site]"),
        "{}",
        planned.stdout
    );
    assert!(
        !planned.stdout.contains("+ site[shop]"),
        "{}",
        planned.stdout
    );
    assert_eq!(planned.last_line(), summary(1, 0, 0), "{}", planned.stdout);
}
