//! The bundled example: `examples/shared-instance.snapshot.json` is the live state of a
//! realistic shared Matomo 5.0.2 (40 sites: the example configuration's sites, some
//! drifted or non-compliant, two not created yet, and 30 unmanaged ones). It is generated
//! here, by seeding the fake Matomo and running `matoform snapshot`:
//!
//! ```sh
//! cargo test --test example_snapshot -- --ignored regenerate_example_snapshot
//! ```
//!
//! A test checks the committed file is what the generator produces, and another runs
//! the README's first command on it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use assert_cmd::Command;
use fake_matomo::{CustomDimension, Extraction, FakeMatomo, Goal, SUPERUSER_TOKEN, Seed, Site};

/// The URL written in the snapshot instead of the fake's `http://127.0.0.1:PORT/`.
const EXAMPLE_URL: &str = "https://stats.example.gouv.fr/";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn snapshot_path() -> PathBuf {
    root().join("examples/shared-instance.snapshot.json")
}

/// A site as the policy wants it (visitor log and profile off, only its own URLs).
fn compliant(name: &str, url: &str, timezone: &str) -> Site {
    let mut site = Site::new(name, url, timezone, "EUR");
    site.ts_created = "2021-03-01 09:00:00".into();
    site.exclude_unknown_urls = 1;
    site.disable_visitor_log = true;
    site.disable_visitor_profile = true;
    site
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

fn dimension(id: u32, name: &str, scope: &str) -> CustomDimension {
    CustomDimension {
        id,
        name: name.into(),
        index: 1,
        scope: scope.into(),
        active: true,
        extractions: Vec::new(),
        case_sensitive: false,
    }
}

/// The shared instance, as its administrators left it.
fn shared_instance_seed() -> Seed {
    let mut s = Seed::empty();
    s.options.default_timezone = "Europe/Paris".into();
    s.options.default_currency = "EUR".into();
    // Drifted instance settings: a missing IP range, the visits log left on. The
    // query-parameter list is Matomo's recommended personal-data list.
    s.options.excluded_query_parameters_global =
        Some(matoform::personal_data::matomo_recommended().join(","));
    s.options.query_param_exclusion_type = "matomo_recommended_pii".into();
    s.options.excluded_ips_global = Some("10.0.0.0/8,172.16.*.*".into());
    s.options.excluded_user_agents_global = Some("UptimeRobot,StatusCake".into());
    s.options.excluded_referrers_global = Some(String::new());
    s.options.live_disable_visitor_log = false;
    s.options.live_disable_visitor_profile = true;

    // --- The sites of examples/shared-instance/ ---
    // demarches-simplifiees: renamed by hand in Matomo's admin.
    let mut demarches = compliant(
        "Démarches simplifiées (nouvelle version)",
        "https://demarches.example.gouv.fr",
        "Europe/Paris",
    );
    demarches
        .urls
        .push("https://www.demarches.example.gouv.fr".into());
    demarches.keep_url_fragment = 2;
    demarches.excluded_parameters = "nom,prenom,email,dossier".into();
    s.sites.insert(3, demarches);
    s.anonymous_view.insert(3);
    s.goals.insert(
        3,
        BTreeMap::from([
            (
                1,
                goal("Dossier déposé", "url", "/dossiers/.+/merci", "regex"),
            ),
            (
                2,
                goal(
                    "Brouillon enregistré",
                    "event_action",
                    "brouillon-enregistre",
                    "exact",
                ),
            ),
        ]),
    );
    let mut demarche = dimension(1, "Démarche", "action");
    demarche.extractions = vec![Extraction {
        dimension: "url".into(),
        pattern: "^/commencer/([a-z0-9-]+)".into(),
    }];
    s.custom_dimensions.insert(3, vec![demarche]);

    // aides-logement: someone turned the visits log back on.
    let mut aides = compliant(
        "Simulateur d'aides au logement",
        "https://aides-logement.example.gouv.fr",
        "Europe/Paris",
    );
    aides.disable_visitor_log = false;
    s.sites.insert(7, aides);
    s.anonymous_view.insert(7);
    s.goals.insert(
        7,
        BTreeMap::from([(1, goal("Simulation terminée", "manually", "", ""))]),
    );

    // rendez-vous-prefecture (bound by URL): a dimension added by hand, named after
    // personal data (the configuration does not manage this site's dimensions).
    let mut rdv = compliant(
        "Rendez-vous en préfecture",
        "https://rdv.prefecture.example.gouv.fr",
        "Europe/Paris",
    );
    rdv.excluded_parameters = "nom,prenom,telephone,numero_etranger".into();
    s.sites.insert(9, rdv);
    s.goals.insert(
        9,
        BTreeMap::from([(
            1,
            goal(
                "Rendez-vous confirmé",
                "url",
                "https://rdv.prefecture.example.gouv.fr/confirmation",
                "exact",
            ),
        )]),
    );
    s.custom_dimensions
        .insert(9, vec![dimension(2, "Nom de l'usager", "visit")]);

    // orientation-lycee: the guide download goal was never created.
    let mut orientation = compliant(
        "Orientation au lycée",
        "https://orientation.example.gouv.fr",
        "Europe/Paris",
    );
    orientation.sitesearch_keyword_parameters = "q".into();
    s.sites.insert(12, orientation);
    s.anonymous_view.insert(12);
    s.goals.insert(
        12,
        BTreeMap::from([(
            1,
            goal("Fiche métier consultée", "url", "/metiers/", "contains"),
        )]),
    );

    // ecole-numerique: the resources alias is missing.
    s.sites.insert(
        15,
        compliant(
            "École numérique — ressources",
            "https://ecole-numerique.example.gouv.fr",
            "Europe/Paris",
        ),
    );
    s.custom_dimensions
        .insert(15, vec![dimension(3, "Niveau scolaire", "visit")]);

    // guichet-reunion: as configured.
    let mut reunion = compliant(
        "Guichet unique — La Réunion",
        "https://guichet.reunion.example.gouv.fr",
        "Indian/Reunion",
    );
    reunion.excluded_ips = "192.0.2.10,198.51.100.*".into();
    reunion.excluded_parameters = "nom,prenom,email".into();
    s.sites.insert(21, reunion);

    // transports-guyane (bound by URL): as configured.
    s.sites.insert(
        22,
        compliant(
            "Transports en Guyane",
            "https://transports.guyane.example.gouv.fr",
            "America/Cayenne",
        ),
    );
    s.anonymous_view.insert(22);
    s.goals.insert(
        22,
        BTreeMap::from([(
            1,
            goal("Horaires consultés", "title", "Horaires", "contains"),
        )]),
    );

    // boutique: ecommerce (waived), and the newsletter goal's pattern edited by hand.
    let mut boutique = compliant(
        "La Boutique des publications officielles",
        "https://boutique.example.gouv.fr",
        "Europe/Paris",
    );
    boutique.ecommerce = 1;
    boutique.excluded_parameters = "email,adresse,telephone,commande".into();
    s.sites.insert(30, boutique);
    s.goals.insert(
        30,
        BTreeMap::from([(
            1,
            goal(
                "Inscription à la lettre d'information",
                "url",
                "/newsletter/merci",
                "contains",
            ),
        )]),
    );

    // annuaire-service-public (bound by URL): unknown URLs tracked again.
    let mut annuaire = compliant(
        "Annuaire de l'administration",
        "https://lannuaire.example.gouv.fr",
        "Europe/Paris",
    );
    annuaire.exclude_unknown_urls = 0;
    s.sites.insert(31, annuaire);
    s.anonymous_view.insert(31);

    // emploi-mayotte: as configured.
    let mut mayotte = compliant(
        "Emploi à Mayotte",
        "https://emploi.mayotte.example.gouv.fr",
        "Indian/Mayotte",
    );
    mayotte.excluded_parameters = "nom,prenom,email,telephone,cv".into();
    s.sites.insert(38, mayotte);
    let mut candidature = goal(
        "Candidature envoyée",
        "url",
        "/candidature/envoyee",
        "contains",
    );
    candidature.allow_multiple = 1;
    s.goals.insert(38, BTreeMap::from([(1, candidature)]));
    // bourses-college and meteo-polynesie do not exist yet: the plan creates them.

    // --- 30 sites no configuration manages (ids 5 and 17 were deleted long ago) ---
    let unmanaged = [
        ("Portail des collectivités", "collectivites"),
        ("Associations — démarches", "associations"),
        ("Marchés publics", "marches-publics"),
        ("Statistiques locales", "statistiques"),
        ("Cadastre en ligne", "cadastre"),
        ("Données ouvertes", "data"),
        ("Archives départementales", "archives"),
        ("Bibliothèque numérique", "bibliotheque"),
        ("Musée virtuel", "musee"),
        ("Concours administratifs", "concours"),
        ("Recrutement — fonction publique", "recrutement"),
        ("Aides agricoles", "agriculture"),
        ("Qualité de l'air", "air"),
        ("Transports scolaires", "transports-scolaires"),
        ("Cantine scolaire", "cantine"),
        ("Inscription en crèche", "creche"),
        ("Déchèteries — horaires", "decheteries"),
        ("Tourisme en Bretagne", "tourisme-bretagne"),
        ("Fête de la musique", "fete-musique"),
        ("Sport pour tous", "sport"),
        ("Santé des jeunes", "sante-jeunes"),
        ("Vaccination — rendez-vous", "vaccination"),
        ("Permis de conduire", "permis"),
        ("Carte grise", "carte-grise"),
        ("Impôts locaux — simulateur", "impots-locaux"),
        ("Budget participatif", "budget-participatif"),
        ("Consultation publique", "consultation"),
        ("Intranet des agents", "intranet"),
        ("Boutique du musée", "boutique-musee"),
        ("Test — ne pas utiliser", "test"),
    ];
    let taken: Vec<u32> = s.sites.keys().copied().collect();
    let free = (1..=42).filter(|id| ![5, 17].contains(id) && !taken.contains(id));
    for (i, (id, (name, host))) in free.zip(unmanaged).enumerate() {
        let mut site = compliant(
            name,
            &format!("https://{host}.example.gouv.fr"),
            "Europe/Paris",
        );
        if i % 3 == 1 {
            site.disable_visitor_log = false;
        }
        if i % 4 == 2 {
            site.exclude_unknown_urls = 0;
        }
        if i % 7 == 3 {
            s.anonymous_view.insert(id);
        }
        if host == "boutique-musee" {
            site.ecommerce = 1;
        }
        if host == "intranet" {
            site.r#type = "intranet".into();
            site.urls = vec!["http://intranet.agents.local".into()];
            site.disable_visitor_profile = false;
        }
        if host == "test" {
            site.urls = vec!["http://localhost:8080".into()];
            site.timezone = "UTC".into();
        }
        if i % 5 == 0 {
            s.goals.insert(
                id,
                BTreeMap::from([(1, goal("Contact", "url", "/contact/merci", "contains"))]),
            );
        }
        s.sites.insert(id, site);
    }
    s.next_site_id = 43;
    s
}

/// Seeds the fake with the shared instance and takes `matoform snapshot --instance`
/// (every site in detail, and the instance settings), with the example's URL.
fn generate() -> String {
    let fake = FakeMatomo::start(shared_instance_seed());
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("snapshot.json");
    let status = Command::cargo_bin("matoform")
        .expect("binary")
        .env_clear()
        .env("MATOMO_URL", fake.url())
        .env("MATOMO_TOKEN", SUPERUSER_TOKEN)
        .env("NO_COLOR", "1")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(dir.path())
        .args(["snapshot", "--instance", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("snapshot");
    text.replace(&fake.url(), EXAMPLE_URL)
}

#[test]
#[ignore = "writes examples/shared-instance.snapshot.json; run it after changing the seed or the snapshot format"]
fn regenerate_example_snapshot() {
    std::fs::write(snapshot_path(), generate()).expect("write the example snapshot");
}

#[test]
fn the_example_snapshot_is_what_the_generator_produces() {
    let committed = std::fs::read_to_string(snapshot_path()).expect("example snapshot");
    assert!(
        committed == generate(),
        "examples/shared-instance.snapshot.json is stale: run \
         `cargo test --test example_snapshot -- --ignored regenerate_example_snapshot`"
    );
    let json: serde_json::Value = serde_json::from_str(&committed).expect("JSON");
    assert_eq!(json["matomo"]["version"], "5.0.2");
    assert_eq!(json["sites"].as_object().map(|m| m.len()), Some(40));
}

/// The README's first command, as written there.
fn readme_first_command() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo "))
        .expect("a command line in the README");
    let command = line.split(" # ").next().unwrap_or(line).trim();
    shlex::split(command).expect("shell words")
}

fn run_matoform(args: &[String], today: &str) -> (i32, String, String) {
    let out = Command::cargo_bin("matoform")
        .expect("binary")
        .env_clear()
        .env("MATOFORM_TODAY", today)
        .env("NO_COLOR", "1")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(root())
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_readme_first_command_shows_a_real_plan_with_findings() {
    let words = readme_first_command();
    assert_eq!(words[..3], ["cargo", "run", "--"], "{words:?}");
    assert_eq!(
        words[3..],
        [
            "plan",
            "-c",
            "examples/shared-instance",
            "--live-snapshot",
            "examples/shared-instance.snapshot.json"
        ]
    );
    let (code, stdout, stderr) = run_matoform(&words[3..], "2026-11-29");
    assert_eq!(code, 0, "no unwaived violation: {stdout}{stderr}");
    assert_eq!(stderr, "");
    for expected in [
        "Matomo https://stats.example.gouv.fr/ (5.0.2)\n",
        "Asserted (not readable on Matomo 5.0.2, will be set on apply):\n  instance.privacy\n",
        "  instance.retention\n",
        "site[bourses-college]",
        "site[meteo-polynesie]",
        "site[demarches-simplifiees]",
        "site[boutique].goal[newsletter]",
        "site[orientation-lycee].goal[telechargement-guide]",
        "[cnil.custom-dimension-pii] site[rendez-vous-prefecture]",
        // Waived: counted unless --findings all.
        "  ✓ [cnil.ecommerce] 1 waived\n",
        "30 live sites are not managed by this configuration",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?}:\n{stdout}");
    }
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("Plan: "))
        .expect("a summary line");
    assert!(
        summary.starts_with("Plan: 3 to create, "),
        "{summary}\n{stdout}"
    );

    // The waiver of the boutique's ecommerce expires on 2027-06-30: afterwards the
    // same command reports the violation and exits 3.
    let (code, stdout, _) = run_matoform(&words[3..], "2027-07-01");
    assert_eq!(code, 3, "{stdout}");
}

#[test]
fn the_example_snapshot_audits_without_matomo() {
    let (code, stdout, stderr) = run_matoform(
        &[
            "audit".into(),
            "--live-snapshot".into(),
            "examples/shared-instance.snapshot.json".into(),
        ],
        "2026-11-29",
    );
    assert_eq!(
        code, 3,
        "unmanaged sites break the policy: {stdout}{stderr}"
    );
    assert!(stdout.contains("boutique-du-musee"), "{stdout}");
    assert!(stdout.contains("cnil.visitor-log"), "{stdout}");
}
