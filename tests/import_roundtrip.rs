//! Adoption end to end: `import` a seeded fake Matomo, then `plan` what it wrote must
//! say "No changes." (asserted settings aside); `snapshot` then `plan --live-snapshot`
//! gives exactly the live plan; `audit --live-snapshot` judges a snapshot offline.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use fake_matomo::{
    Access, Anonymisation, CustomDimension, Extraction, FakeMatomo, Goal, SUPERUSER_TOKEN, Seed,
    Site, TEAM_A_TOKEN, User, VersionMode,
};

/// Runs matoform with a scrubbed environment; returns (exit code, stdout, stderr).
fn matoform(url: &str, token: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("matoform")
        .expect("binary")
        .env_clear()
        .env("MATOMO_URL", url)
        .env("MATOMO_TOKEN", token)
        .env("MATOFORM_TODAY", "2026-11-29")
        .env("NO_COLOR", "1")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Matoform without any connection setting at all (offline commands).
fn offline(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("matoform")
        .expect("binary")
        .env_clear()
        .env("MATOFORM_TODAY", "2026-11-29")
        .env("NO_COLOR", "1")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn goal(name: &str, attribute: &str, pattern: &str, pattern_type: &str) -> Goal {
    Goal {
        name: name.into(),
        description: String::new(),
        match_attribute: attribute.into(),
        pattern: pattern.into(),
        pattern_type: pattern_type.into(),
        case_sensitive: 0,
        allow_multiple: 0,
        revenue: 0.0,
        deleted: 0,
        event_value_as_revenue: 0,
    }
}

fn dimension(id: u32, index: u32, name: &str, scope: &str) -> CustomDimension {
    CustomDimension {
        id,
        name: name.into(),
        index,
        scope: scope.into(),
        active: true,
        extractions: Vec::new(),
        case_sensitive: false,
    }
}

/// Every compliant setting on a site: visitor log and profile off, only known URLs.
fn make_compliant(site: &mut Site) {
    site.disable_visitor_log = true;
    site.disable_visitor_profile = true;
    site.exclude_unknown_urls = 1;
    site.ecommerce = 0;
}

/// Varied sites: every field away from Matomo's defaults, goals of every kind,
/// dimensions with extractions, unicode names, odd URL forms, colliding names.
/// `compliant`: every site and the instance settings follow the cnil-exemption policy;
/// otherwise several sites break it in different ways.
fn varied_seed(version: VersionMode, compliant: bool) -> Seed {
    let mut s = Seed::empty();
    s.version = version;
    s.options.default_timezone = "Europe/Paris".into();
    s.options.default_currency = "EUR".into();
    s.options.excluded_ips_global = Some("10.0.0.0/8,192.0.2.*".into());
    s.options.excluded_user_agents_global = Some("UptimeRobot".into());
    s.options.excluded_referrers_global = Some("spam.example.net".into());
    s.options.live_disable_visitor_log = compliant;
    s.options.live_disable_visitor_profile = compliant;
    if compliant {
        let pii = matoform::personal_data::matomo_recommended().join(",");
        s.options.excluded_query_parameters_global = Some(pii);
        s.options.query_param_exclusion_type = "matomo_recommended_pii".into();
        s.options.anonymisation = Anonymisation {
            ip_anonymizer_enabled: true,
            mask_length: 3,
            use_anonymized_ip_for_visit_enrichment: true,
            anonymize_user_id: true,
            anonymize_order_id: true,
            anonymize_referrer: "exclude_all".into(),
            force_cookieless_tracking: true,
            randomize_config_id: false,
        };
        s.options.do_not_track = true;
    } else {
        s.options.excluded_query_parameters_global = Some("sessionid".into());
        s.options.query_param_exclusion_type = "custom".into();
        s.options.anonymisation.mask_length = 1;
        s.options.anonymisation.anonymize_referrer = "exclude_query".into();
    }

    // 1: every site field away from Matomo's defaults.
    let mut full = Site::new(
        "Démarches simplifiées",
        "https://demarches.example.gouv.fr",
        "America/Cayenne",
        "XPF",
    );
    full.urls
        .push("https://www.demarches.example.gouv.fr".into());
    full.sitesearch = 1;
    full.sitesearch_keyword_parameters = "q,recherche".into();
    full.sitesearch_category_parameters = "rubrique".into();
    full.excluded_ips = "203.0.113.7,2001:db8::/32".into();
    full.excluded_parameters = "nom,prenom,dossier".into();
    full.excluded_user_agents = "Googlebot,curl".into();
    full.excluded_referrers = "intranet.example.gouv.fr".into();
    full.group = "Démarches".into();
    full.r#type = "intranet".into();
    full.keep_url_fragment = 2;
    make_compliant(&mut full);
    s.sites.insert(1, full);
    s.anonymous_view.insert(1);
    let mut goals = BTreeMap::new();
    let mut by_url = goal("Dossier déposé", "url", "/dossiers/.+/merci", "regex");
    by_url.case_sensitive = 1;
    by_url.allow_multiple = 1;
    by_url.revenue = 12.5;
    by_url.description = "Un dossier complet, 100% en ligne".into();
    goals.insert(1, by_url);
    goals.insert(2, goal("Inscription", "manually", "", ""));
    goals.insert(
        3,
        goal("Brouillon", "event_action", "brouillon-enregistre", "exact"),
    );
    goals.insert(4, goal("Notice", "file", "notice.pdf", "contains"));
    let mut title = goal("Page « Merci »", "title", "^Merci", "regex");
    title.event_value_as_revenue = 0;
    goals.insert(5, title);
    let mut event = goal("Don", "event_category", "don", "contains");
    event.event_value_as_revenue = 1;
    goals.insert(6, event);
    goals.insert(
        7,
        goal("Sortie", "external_website", "partenaire", "contains"),
    );
    // Same name twice: keys must stay unique.
    goals.insert(8, goal("Inscription", "url", "/inscription", "contains"));
    let mut deleted = goal("Supprimé", "url", "/old", "contains");
    deleted.deleted = 1;
    goals.insert(9, deleted);
    s.goals.insert(1, goals);
    let mut action = dimension(1, 1, "Démarche", "action");
    action.extractions = vec![
        Extraction {
            dimension: "url".into(),
            pattern: "^/commencer/([a-z0-9-]+)".into(),
        },
        Extraction {
            dimension: "action_name".into(),
            pattern: "Étape (\\d+)".into(),
        },
    ];
    action.case_sensitive = true;
    let mut inactive = dimension(2, 1, "Profil", "visit");
    inactive.active = false;
    s.custom_dimensions.insert(1, vec![action, inactive]);

    // 2: odd URL forms (as Matomo stores them: a scheme-less URL gets `http://`).
    let mut odd = Site::new(
        "Mairie de Saint-Étienne",
        "HTTPS://WWW.Saint-Etienne.EXAMPLE.fr:443/",
        "UTC+2",
        "EUR",
    );
    odd.urls.push("http://saint-etienne.example.fr:80".into());
    odd.urls.push("http://mairie.example.fr".into());
    odd.urls
        .push("https://saint-etienne.example.fr:8443/portail/".into());
    odd.sitesearch = 0;
    odd.keep_url_fragment = 1;
    make_compliant(&mut odd);
    s.sites.insert(2, odd);

    // 3, 4, 5: names that slug to the same key, and a name with no ASCII at all.
    for (id, name, url) in [
        (3, "Blog", "https://blog.example.org"),
        (4, "blog!", "https://blog2.example.org"),
        (5, "東京サイト", "https://tokyo.example.jp"),
    ] {
        let mut site = Site::new(name, url, "Asia/Tokyo", "JPY");
        make_compliant(&mut site);
        s.sites.insert(id, site);
    }
    s.custom_dimensions
        .insert(5, vec![dimension(3, 1, "Langue", "visit")]);
    // 7: ids with a gap (site 6 was deleted).
    let mut seven = Site::new(
        "Site sept",
        "https://sept.example.fr",
        "Europe/Paris",
        "EUR",
    );
    make_compliant(&mut seven);
    seven.excluded_parameters = "email,token".into();
    s.sites.insert(7, seven);
    s.next_site_id = 8;

    if !compliant {
        // Non-compliant in different ways: ecommerce, visitor log on, public statistics
        // with the log on, unknown URLs tracked, a dimension named after personal data.
        let shop = s.sites.get_mut(&3).expect("site 3");
        shop.ecommerce = 1;
        shop.exclude_unknown_urls = 0;
        let blog = s.sites.get_mut(&4).expect("site 4");
        blog.disable_visitor_log = false;
        s.anonymous_view.insert(4);
        // Profiles on but the log off: Matomo needs the log for profiles, so this is
        // not a violation (it is not reported; see the assertion below).
        let tokyo = s.sites.get_mut(&5).expect("site 5");
        tokyo.disable_visitor_profile = false;
        s.custom_dimensions
            .insert(7, vec![dimension(4, 1, "Email de l'usager", "visit")]);
    }
    if let VersionMode::V5_7 {
        compliance_flag: true,
    } = version
    {
        s.compliance.sites.insert(7);
    }
    s
}

const MODES: [(VersionMode, &str); 2] = [
    (VersionMode::V5_0_2, "5.0.2"),
    (
        VersionMode::V5_7 {
            compliance_flag: true,
        },
        "5.7",
    ),
];

/// The plan's "Asserted" section for the instance settings this Matomo cannot read.
/// What the plan of an import says about the settings Matomo did not let matoform read:
/// not managed until read or stated (never the policy's defaults written blind).
fn asserted_parts(version: &str) -> Vec<&'static str> {
    match version {
        "5.0.2" => vec![
            "instance.privacy: not readable on Matomo 5.0.2 and not stated in the configuration, so not managed until read or stated",
            "instance.retention: not readable through Matomo's API and not stated in the configuration, so not managed until read or stated",
        ],
        _ => vec![
            "instance.retention: not readable through Matomo's API and not stated in the configuration, so not managed until read or stated",
        ],
    }
}

/// Imports, validates and plans one scenario; returns the import's stderr and the plan.
fn round_trip(fake: &FakeMatomo, out_kind: &str, explicit: bool) -> (String, String, i32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = match out_kind {
        "dir" => dir.path().join("matomo/"),
        _ => dir.path().join("matomo.yaml"),
    };
    let target_str = format!(
        "{}{}",
        target.display(),
        if out_kind == "dir" { "/" } else { "" }
    );
    let mut args = vec!["import", "--all", "-o", &target_str];
    if explicit {
        args.push("--explicit");
    }
    let (code, stdout, import_err) = matoform(&fake.url(), SUPERUSER_TOKEN, &args);
    assert_eq!(code, 0, "import failed: {import_err}");
    assert_eq!(stdout, "", "import -o writes nothing on stdout");
    let config = target.to_string_lossy().into_owned();
    // Every file carries the schema line, and the schema sits next to them.
    let files: Vec<std::path::PathBuf> = if out_kind == "dir" {
        let mut files: Vec<_> = std::fs::read_dir(&target)
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            // The baseline is not configuration: it has no schema line.
            .filter(|p| !p.ends_with("baseline.yaml"))
            .collect();
        files.sort();
        files
    } else {
        vec![target.clone()]
    };
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        assert!(
            text.starts_with("# yaml-language-server: $schema=matoform.schema.json\n"),
            "{}: {text}",
            file.display()
        );
    }
    let schema_dir = if out_kind == "dir" {
        target.clone()
    } else {
        dir.path().to_path_buf()
    };
    assert!(schema_dir.join("matoform.schema.json").is_file());

    let (code, stdout, stderr) = offline(&["validate", "-c", &config]);
    assert!(
        code == 0 || code == 3,
        "imported YAML does not validate ({code}): {stdout}{stderr}"
    );
    assert!(stdout.starts_with("Valid: 6 sites"), "{stdout}{stderr}");

    let (code, plan, stderr) = matoform(
        &fake.url(),
        SUPERUSER_TOKEN,
        &["plan", "-c", &config, "--detailed-exitcode"],
    );
    assert!(
        plan.contains("\nNo changes. The live instance matches the configuration.\n"),
        "{out_kind} explicit={explicit}: {plan}{stderr}"
    );
    (import_err, plan, code)
}

#[test]
fn import_then_plan_shows_no_changes_for_compliant_instances() {
    for (version, name) in MODES {
        let fake = FakeMatomo::start(varied_seed(version, true));
        for (kind, explicit) in [
            ("dir", false),
            ("file", false),
            ("file", true),
            ("dir", true),
        ] {
            let (import_err, plan, code) = round_trip(&fake, kind, explicit);
            assert_eq!(
                code, 0,
                "{name} {kind} explicit={explicit}: no violation, no change: {plan}"
            );
            assert!(
                !import_err.contains("violation"),
                "{name}: compliant seed: {import_err}"
            );
            for part in asserted_parts(name) {
                assert!(plan.contains(part), "{name}: {part} asserted:\n{plan}");
            }
            assert!(!plan.contains("✗"), "{name} {kind}: {plan}");
        }
        let calls = fake.calls();
        assert!(
            calls.iter().all(|c| !c.method.contains(".set")
                && !c.method.contains(".add")
                && !c.method.contains(".update")
                && !c.method.contains(".delete")),
            "import and plan only read"
        );
    }
}

#[test]
fn import_then_plan_shows_no_changes_for_non_compliant_instances() {
    for (version, name) in MODES {
        let fake = FakeMatomo::start(varied_seed(version, false));
        for (kind, explicit) in [("dir", false), ("file", false), ("file", true)] {
            let (import_err, plan, code) = round_trip(&fake, kind, explicit);
            // The violations are imported as they are, and recorded in the baseline:
            // known, counted, not blocking.
            assert_eq!(code, 0, "{name} {kind}: violations baselined: {plan}");
            for expected in [
                "[cnil.ecommerce] site[blog]",
                "[cnil.visitor-log] site[blog-2]",
                "[cnil.public-stats-visitor-log] site[blog-2]",
            ] {
                assert!(
                    import_err.contains(expected),
                    "{name}: import reports {expected}:\n{import_err}"
                );
                assert!(
                    !plan.contains(expected),
                    "{name}: plan counts {expected}, does not list it:\n{plan}"
                );
            }
            let known = if name == "5.7" {
                "  Known (baseline): 7 violations of 7 rules: cnil.ecommerce 1, cnil.ip-mask 1, cnil.order-id 1, cnil.public-stats-visitor-log 1, cnil.referrer 1, cnil.user-id 1, cnil.visitor-log 1\n"
            } else {
                "  Known (baseline): 3 violations of 3 rules: cnil.ecommerce 1, cnil.public-stats-visitor-log 1, cnil.visitor-log 1\n"
            };
            assert!(plan.contains(known), "{name}: {plan}");
            for expected in [
                "[cnil.exclude-unknown-urls] site[blog]",
                "[cnil.custom-dimension-pii] site[site-sept]",
            ] {
                assert!(
                    import_err.contains(expected),
                    "{name}: import reports {expected}:\n{import_err}"
                );
                assert!(
                    plan.contains(expected),
                    "{name}: plan lists the warning {expected}:\n{plan}"
                );
            }
            assert!(
                !import_err.contains("[cnil.visitor-profile] site[site-5]"),
                "{name}: the profile does not matter while the log is off:\n{import_err}"
            );
            if name == "5.7" {
                for expected in ["[cnil.ip-mask] instance", "[cnil.referrer] instance"] {
                    assert!(import_err.contains(expected), "{import_err}");
                    assert!(!plan.contains(expected), "{plan}");
                }
            }
        }
    }
}

#[test]
fn import_to_a_directory_writes_one_file_per_site_with_findings_as_comments() {
    let fake = FakeMatomo::start(varied_seed(VersionMode::V5_0_2, false));
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("matomo");
    std::fs::create_dir(&target).expect("mkdir");
    let target_str = target.to_string_lossy().into_owned();
    let (code, stdout, stderr) = matoform(
        &fake.url(),
        SUPERUSER_TOKEN,
        &["import", "--all", "-o", &target_str],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    let mut names: Vec<String> = std::fs::read_dir(&target)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "baseline.yaml",
            "blog-2.yaml",
            "blog.yaml",
            "demarches-simplifiees.yaml",
            "instance.yaml",
            "mairie-de-saint-etienne.yaml",
            "matoform.schema.json",
            "site-5.yaml",
            "site-sept.yaml",
        ]
    );
    assert!(
        stderr.ends_with(&format!(
            "Imported 6 sites into {target_str}/ (one file per site, instance.yaml).\n\
             Recorded 3 policy violations in the baseline {target_str}/baseline.yaml: they are known and do not block; a new one does. Fix them, then run `matoform baseline -c {target_str}` to remove the fixed ones.\n"
        )),
        "{stderr}"
    );
    // Every violation found at adoption, dated today; warnings are not recorded.
    let baseline = std::fs::read_to_string(target.join("baseline.yaml")).expect("baseline");
    assert!(
        baseline.ends_with(
            "version: 1\nviolations:\n\
             \x20 - rule: cnil.public-stats-visitor-log\n    subject: site[blog-2]\n    found: 2026-11-29\n\
             \x20 - rule: cnil.visitor-log\n    subject: site[blog-2]\n    found: 2026-11-29\n\
             \x20 - rule: cnil.ecommerce\n    subject: site[blog]\n    found: 2026-11-29\n"
        ),
        "{baseline}"
    );

    let blog = std::fs::read_to_string(target.join("blog.yaml")).expect("blog");
    assert!(
        blog.contains("#   violation [cnil.ecommerce] site[blog]: sites.blog.ecommerce is true"),
        "{blog}"
    );
    assert!(blog.contains("\n    id: 3\n    name: Blog\n"), "{blog}");
    assert!(blog.contains("\n    ecommerce: true\n"), "{blog}");
    assert!(
        blog.contains("\n    exclude_unknown_urls: false\n"),
        "a value that differs from the policy default is written: {blog}"
    );
    assert!(
        !blog.contains("visitor_log"),
        "values equal to the policy defaults are left out: {blog}"
    );

    let full = std::fs::read_to_string(target.join("demarches-simplifiees.yaml")).expect("full");
    for expected in [
        "    name: Démarches simplifiées\n",
        "    timezone: America/Cayenne\n",
        "    currency: XPF\n",
        "    type: intranet\n",
        "    group: Démarches\n",
        "    keep_url_fragments: remove\n",
        "    public_stats: true\n",
        "      dossier-depose:\n        id: 1\n        name: Dossier déposé\n",
        "        match_attribute: manually\n",
        "      inscription-2:\n",
        "        pattern_type: regex\n",
        "        case_sensitive: true\n",
        "        allow_multiple_conversions: true\n",
        "        revenue: 12.5\n",
        "        use_event_value_as_revenue: true\n",
        "      demarche:\n        id: 1\n        name: Démarche\n        scope: action\n",
        "      - dimension: action_name\n",
        "        active: false\n",
    ] {
        assert!(full.contains(expected), "missing {expected:?} in:\n{full}");
    }
    assert!(!full.contains("Supprimé"), "deleted goals are not imported");

    let instance = std::fs::read_to_string(target.join("instance.yaml")).expect("instance");
    assert!(instance.contains("matomo:\n  url: "), "{instance}");
    assert!(instance.contains("\ninstance:\n"), "{instance}");
    assert!(
        instance.contains("# instance.privacy: not readable on Matomo 5.0.2"),
        "unreadable settings are explained: {instance}"
    );
    assert!(
        instance.contains("# instance.retention: not readable"),
        "{instance}"
    );
}

#[test]
fn import_to_stdout_and_of_chosen_sites() {
    let fake = FakeMatomo::start(varied_seed(VersionMode::V5_0_2, true));
    let (code, stdout, stderr) = matoform(
        &fake.url(),
        SUPERUSER_TOKEN,
        &["import", "--site", "7", "--site", "2"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("# yaml-language-server: $schema=matoform.schema.json\n"),
        "{stdout}"
    );
    let config: serde_yaml::Value = serde_yaml::from_str(&stdout).expect("YAML");
    let keys: Vec<&str> = config["sites"]
        .as_mapping()
        .expect("sites")
        .keys()
        .filter_map(|k| k.as_str())
        .collect();
    assert_eq!(keys, ["mairie-de-saint-etienne", "site-sept"]);
    assert_eq!(
        config["sites"]["mairie-de-saint-etienne"]["urls"][0].as_str(),
        Some("HTTPS://WWW.Saint-Etienne.EXAMPLE.fr:443/"),
        "URLs are imported as Matomo stores them"
    );

    let (code, _, stderr) = matoform(&fake.url(), SUPERUSER_TOKEN, &["import", "--site", "6"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--site 6: no such site, or the token has no admin access to it"),
        "{stderr}"
    );
    let (code, _, stderr) = matoform(&fake.url(), SUPERUSER_TOKEN, &["import"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--all"), "{stderr}");
}

#[test]
fn a_team_token_imports_its_own_sites_without_the_instance() {
    let mut seed = varied_seed(VersionMode::V5_0_2, true);
    seed.users.insert(
        "teamA".into(),
        User {
            token: TEAM_A_TOKEN.into(),
            secure_only: false,
            superuser: false,
            password: "TeamA-Passw0rd!".into(),
            access: [(1, Access::Admin), (7, Access::Admin), (2, Access::View)]
                .into_iter()
                .collect(),
        },
    );
    let fake = FakeMatomo::start(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("team.yaml");
    let file_str = file.to_string_lossy().into_owned();
    let (code, _, stderr) = matoform(
        &fake.url(),
        TEAM_A_TOKEN,
        &["import", "--all", "-o", &file_str],
    );
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&file).expect("file");
    let config: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    assert!(config.get("instance").is_none(), "{text}");
    assert_eq!(
        config["sites"].as_mapping().map(|m| m.len()),
        Some(2),
        "{text}"
    );
    let (code, plan, stderr) = matoform(
        &fake.url(),
        TEAM_A_TOKEN,
        &["plan", "-c", &file_str, "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "{plan}{stderr}");
    assert!(plan.contains("No changes."), "{plan}");
}

// ---- snapshots ----

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
}

#[test]
fn snapshot_then_offline_plan_equals_the_live_plan() {
    for (version, name) in MODES {
        let fake = FakeMatomo::start(varied_seed(version, false));
        let dir = tempfile::tempdir().expect("tempdir");
        let config_dir = dir.path().join("matomo");
        let config = format!("{}/", config_dir.display());
        let (code, _, stderr) = matoform(
            &fake.url(),
            SUPERUSER_TOKEN,
            &["import", "--all", "-o", &config],
        );
        assert_eq!(code, 0, "{stderr}");
        // The team wants changes: a goal renamed, a site fixed, a new site; and the live
        // instance drifts: a site renamed by hand.
        let blog = config_dir.join("blog.yaml");
        let text = std::fs::read_to_string(&blog).expect("blog");
        write(&blog, &text.replace("ecommerce: true", "ecommerce: false"));
        write(
            &config_dir.join("nouveau.yaml"),
            "sites:\n  nouveau:\n    name: Nouveau\n    urls: [https://nouveau.example.fr]\n",
        );
        fake.update(|s| {
            if let Some(site) = s.sites.get_mut(&7) {
                site.name = "Renamed by hand".into();
            }
            if let Some(goal) = s.goals.get_mut(&1).and_then(|g| g.get_mut(&4)) {
                goal.pattern = "notice-2027.pdf".into();
            }
        });
        let snapshot = dir.path().join("live.json");
        let snapshot_str = snapshot.to_string_lossy().into_owned();
        let (code, stdout, stderr) = matoform(
            &fake.url(),
            SUPERUSER_TOKEN,
            &["snapshot", "-c", &config, "-o", &snapshot_str],
        );
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(stdout, "");
        assert!(
            stderr.starts_with("Saved the live state of 6 sites"),
            "{stderr}"
        );
        fake.clear_calls();

        for format in ["json", "text", "markdown"] {
            let (live_code, live_plan, live_err) = matoform(
                &fake.url(),
                SUPERUSER_TOKEN,
                &[
                    "plan",
                    "-c",
                    &config,
                    "--format",
                    format,
                    "--detailed-exitcode",
                ],
            );
            let before = fake.request_count();
            let (snap_code, snap_plan, snap_err) = offline(&[
                "plan",
                "-c",
                &config,
                "--format",
                format,
                "--detailed-exitcode",
                "--live-snapshot",
                &snapshot_str,
            ]);
            assert_eq!(
                fake.request_count(),
                before,
                "the offline plan made no request"
            );
            assert_eq!(live_err, snap_err, "{name} {format}");
            assert_eq!(live_plan, snap_plan, "{name} {format}: the same plan");
            // The imported violations are baselined (known): changes, no blocking one.
            assert_eq!((live_code, snap_code), (2, 2), "{name}: {live_plan}");
        }
        let (_, json, _) = offline(&[
            "plan",
            "-c",
            &config,
            "--format",
            "json",
            "--live-snapshot",
            &snapshot_str,
        ]);
        for expected in ["Renamed by hand", "notice-2027.pdf", "Nouveau"] {
            assert!(
                json.contains(expected),
                "{name}: the plan has {expected}: {json}"
            );
        }
    }
}

#[test]
fn offline_commands_need_no_token_and_make_no_request() {
    let fake = FakeMatomo::start(varied_seed(VersionMode::V5_0_2, false));
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("all.json");
    let snapshot_str = snapshot.to_string_lossy().into_owned();
    // Without a configuration, a snapshot holds every site, and the instance for a superuser.
    let (code, _, stderr) = matoform(
        &fake.url(),
        SUPERUSER_TOKEN,
        &["snapshot", "--instance", "-o", &snapshot_str],
    );
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).expect("read")).expect("JSON");
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["matomo"]["version"], "5.0.2");
    assert_eq!(json["sites"].as_object().map(|m| m.len()), Some(6));
    assert!(json["instance"]["exclusions"].is_object(), "{json}");
    fake.clear_calls();

    let (code, audit, stderr) = offline(&["audit", "--live-snapshot", &snapshot_str]);
    assert_eq!(code, 3, "violations: {audit}{stderr}");
    assert!(audit.contains("blog"), "{audit}");
    assert!(audit.contains("cnil.ecommerce"), "{audit}");

    let out = dir.path().join("imported");
    let out_str = format!("{}/", out.display());
    let (code, _, stderr) = offline(&["import", "--live-snapshot", &snapshot_str, "-o", &out_str]);
    assert_eq!(code, 0, "{stderr}");
    let (code, plan, stderr) = offline(&["plan", "-c", &out_str, "--live-snapshot", &snapshot_str]);
    assert_eq!(code, 0, "violations baselined at import: {plan}{stderr}");
    assert!(plan.contains("No changes."), "{plan}");
    assert!(fake.calls().is_empty(), "offline commands made requests");

    // A snapshot that lacks what the configuration needs is refused with the fix.
    // (A superuser's snapshot holds the instance settings; take them out.)
    let sites_only = dir.path().join("sites-only.json");
    let mut without_instance = json.clone();
    without_instance
        .as_object_mut()
        .expect("object")
        .remove("instance");
    std::fs::write(&sites_only, without_instance.to_string()).expect("write");
    let (code, _, stderr) = offline(&[
        "plan",
        "-c",
        &out_str,
        "--live-snapshot",
        &sites_only.to_string_lossy(),
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("the configuration has an `instance:` section but the snapshot holds no instance settings"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "take it again with this configuration: `matoform snapshot -c {out_str} -o {}`",
            sites_only.display()
        )),
        "{stderr}"
    );

    // A snapshot of another format version is refused with the fix.
    let old = dir.path().join("old.json");
    write(
        &old,
        &std::fs::read_to_string(&snapshot).expect("read").replacen(
            "\"format_version\": 1",
            "\"format_version\": 99",
            1,
        ),
    );
    let (code, _, stderr) = offline(&[
        "plan",
        "-c",
        &out_str,
        "--live-snapshot",
        &old.to_string_lossy(),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("take the snapshot again"), "{stderr}");
}
