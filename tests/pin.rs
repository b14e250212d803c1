//! End-to-end tests of ids after create: `apply` reports the id of each site it creates,
//! `matoform pin` writes `id: N` into the entries of sites bound by their first URL,
//! every other byte of the files kept, and the next plan binds them by id. The real
//! binary against the stateful fake Matomo (`Seed::recorded()`: next site id 161).

mod common;

use common::*;

const BEFORE: &str = r#"# Sites of the culture team.
policy: { profile: none }   # no policy here
sites:
  # The blog, bound by its URL.
  blog: { name: Blog US, urls: [https://blog.example.com] }

  nouveau:   # created by the first apply
      # keep this comment
      name: Nouveau service
      urls:
        - https://nouveau.example.org
      timezone: Europe/Paris
  shop:
    id: 2
    name: Shop DE
    urls: [https://shop.example.de, https://www.shop.example.de]
"#;

const AFTER: &str = r#"# Sites of the culture team.
policy: { profile: none }   # no policy here
sites:
  # The blog, bound by its URL.
  blog: { id: 3, name: Blog US, urls: [https://blog.example.com] }

  nouveau:   # created by the first apply
      id: 161
      # keep this comment
      name: Nouveau service
      urls:
        - https://nouveau.example.org
      timezone: Europe/Paris
  shop:
    id: 2
    name: Shop DE
    urls: [https://shop.example.de, https://www.shop.example.de]
"#;

#[test]
fn apply_reports_created_ids_and_pin_writes_them_keeping_the_layout() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(BEFORE);

    // Before the site exists, pin has nothing to write for it.
    let early = run_su(&work, &fake, &["pin"]);
    expect_code(&early, 0);
    assert_eq!(
        early.stdout,
        "  not created    site[nouveau]: no live site has its first URL yet; apply, then pin\n  pinned         site[blog] (id 3) in matoform.yaml:5:3\nPinned 1 site: commit the change, so that the next plan binds it by id.\n"
    );
    // Put the file back: the rest of the test pins both at once.
    work.set_config(BEFORE);

    let applied = apply(&work, &fake);
    expect_code(&applied, 0);
    let report: Vec<&str> = applied
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("  created ") && !l.starts_with("  applied "))
        .collect();
    assert_eq!(
        report,
        [
            "  created        site[nouveau] (id 161)",
            "Apply complete: 1 applied."
        ],
        "{}",
        applied.stdout
    );
    assert_eq!(site(&fake, 161).name, "Nouveau service");

    fake.clear_calls();
    let pinned = run_su(&work, &fake, &["pin"]);
    expect_code(&pinned, 0);
    assert_eq!(
        pinned.stdout,
        "  pinned         site[blog] (id 3) in matoform.yaml:5:3\n  pinned         site[nouveau] (id 161) in matoform.yaml:7:3\nPinned 2 sites: commit the change, so that the next plan binds them by id.\n"
    );
    // Comments, blank lines and every other line are byte-identical.
    let written = std::fs::read_to_string(work.join("matoform.yaml")).expect("read");
    assert_eq!(written, AFTER);
    // Pin reads; it never writes to Matomo.
    assert_eq!(write_methods(&fake.calls()), Vec::<String>::new());

    // Nothing more to pin.
    let again = run_su(&work, &fake, &["pin"]);
    expect_code(&again, 0);
    assert_eq!(
        again.stdout,
        "Nothing to pin: every site on the instance has its id in the configuration.\n"
    );
    assert_eq!(
        std::fs::read_to_string(work.join("matoform.yaml")).expect("read"),
        AFTER
    );

    // Bound by id now: a new first URL updates the site, it does not plan a new one.
    work.set_config(&AFTER.replace(
        "        - https://nouveau.example.org\n",
        "        - https://www.nouveau.example.org\n",
    ));
    let planned = plan(&work, &fake);
    expect_code(&planned, 2);
    assert!(
        planned
            .stdout
            .lines()
            .any(|l| l == "  ~ site[nouveau] (id 161)"),
        "{}",
        planned.stdout
    );
    assert!(
        planned.stdout.contains(
            "      ~ urls: [\n          - \"https://nouveau.example.org\",\n          + \"https://www.nouveau.example.org\",\n        ]\n"
        ),
        "{}",
        planned.stdout
    );
    assert_eq!(planned.last_line(), summary(0, 1, 0));
    let applied = apply(&work, &fake);
    expect_code(&applied, 0);
    assert_eq!(
        site(&fake, 161).urls,
        ["https://www.nouveau.example.org".to_string()]
    );
    assert_eq!(fake.state().sites.len(), 6, "no site was created");
}

#[test]
fn pin_edits_each_file_of_a_directory_configuration() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::new();
    work.write("conf/policy.yaml", "policy: { profile: none }\n");
    let blog =
        "sites:\n  blog:\n    name: Blog US\n    urls: [https://blog.example.com]  # main URL\n";
    let legacy = "sites:\n  legacy:\n    name: Legacy Site\n    urls: [https://legacy.example.org, https://old.example.org]\n";
    work.write("conf/blog.yaml", blog);
    work.write("conf/team/legacy.yml", legacy);
    let pinned = run_su(&work, &fake, &["pin", "-c", "conf"]);
    expect_code(&pinned, 0);
    assert_eq!(
        pinned.stdout,
        "  pinned         site[blog] (id 3) in conf/blog.yaml:2:3\n  pinned         site[legacy] (id 5) in conf/team/legacy.yml:2:3\nPinned 2 sites: commit the change, so that the next plan binds them by id.\n"
    );
    let read = |name: &str| std::fs::read_to_string(work.join(name)).expect("read");
    assert_eq!(
        read("conf/blog.yaml"),
        blog.replace("  blog:\n", "  blog:\n    id: 3\n")
    );
    assert_eq!(
        read("conf/team/legacy.yml"),
        legacy.replace("  legacy:\n", "  legacy:\n    id: 5\n")
    );
    assert_eq!(read("conf/policy.yaml"), "policy: { profile: none }\n");
    let planned = run_su(&work, &fake, &["plan", "-c", "conf"]);
    expect_code(&planned, 0);
    assert_eq!(planned.last_line(), NO_CHANGES, "{}", planned.stdout);
}
