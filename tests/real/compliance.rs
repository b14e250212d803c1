//! Matomo 5.7's own compliance mode (`cnil_v1`), per site and for the instance: a site's
//! mode never switches the instance off, the instance's mode is inherited without
//! writes, and `audit` agrees with Matomo's `getComplianceStatus`.

use crate::harness::*;

fn enforced(kit: &Kit, site: &str) -> bool {
    let status = kit.api(
        "PrivacyManager.getComplianceStatus",
        &[("idSite", site), ("complianceType", "cnil_v1")],
    );
    status["complianceModeEnforced"] == serde_json::Value::Bool(true)
}

fn config(tag: &str, instance: &str, a: &str, b: &str) -> String {
    format!(
        r#"
policy: {{ profile: none }}
instance: {{ compliance_mode: {instance} }}
sites:
  {tag}-a:
    name: Compliance A
    urls: [https://{tag}-a.real.example]
    {a}
  {tag}-b:
    name: Compliance B
    urls: [https://{tag}-b.real.example]
    {b}
"#
    )
}

#[test]
fn compliance_mode_per_site_and_for_the_instance() {
    let Some(kit) = Kit::get() else { return };
    if !kit.is_57() {
        eprintln!("compliance mode: Matomo {} has none (5.4+)", kit.version);
        return;
    }
    let _instance = kit.instance_lock();
    let tag = unique("cnil");
    let work = Workdir::new();
    let url = |s: &str| format!("https://{tag}-{s}.real.example");

    // The instance leaves it to the sites: A enforces, B does not.
    work.set_config(&config(
        &tag,
        "off",
        "compliance_mode: cnil_v1",
        "compliance_mode: off",
    ));
    kit.apply_converges(&work, &[]);
    let a = kit.site_id_by_url(&url("a")).expect("a").to_string();
    let b = kit.site_id_by_url(&url("b")).expect("b").to_string();
    assert!(!enforced(&kit, "all"));
    assert!(enforced(&kit, &a));
    assert!(!enforced(&kit, &b));

    // The instance enforces it: every site inherits it, nothing is written for them.
    work.set_config(&config(&tag, "cnil_v1", "compliance_mode: cnil_v1", ""));
    kit.apply_converges(&work, &[]);
    assert!(enforced(&kit, "all") && enforced(&kit, &a) && enforced(&kit, &b));

    // A site off while the instance enforces it is refused: it would switch the
    // instance off.
    work.set_config(&config(&tag, "cnil_v1", "", "compliance_mode: off"));
    let refused = kit.run(&work, &[], &["plan"]);
    expect_code(&refused, 1);
    assert!(
        refused
            .stderr
            .contains("would switch the whole instance off"),
        "{}",
        refused.stderr
    );
    // The instance unmanaged but enforced: the same refusal.
    let unmanaged = |b: &str| {
        config(&tag, "cnil_v1", "", b).replace("instance: { compliance_mode: cnil_v1 }", "")
    };
    work.set_config(&unmanaged("compliance_mode: off"));
    expect_code(&kit.run(&work, &[], &["plan"]), 1);
    work.set_config(&unmanaged("compliance_mode: cnil_v1"));
    let plan = kit.plan(&work, &[]);
    assert!(
        plan.code == 0 && plan.last_line() == NO_CHANGES,
        "{}\n{}",
        plan.stdout,
        plan.stderr
    );
    assert!(enforced(&kit, "all"), "a plan never writes");

    // Back off for the instance: A keeps its own mode, written once the instance's
    // no longer hides it.
    work.set_config(&config(
        &tag,
        "off",
        "compliance_mode: cnil_v1",
        "compliance_mode: off",
    ));
    kit.apply_converges(&work, &[]);
    assert!(!enforced(&kit, "all"));
    assert!(enforced(&kit, &a));
    assert!(!enforced(&kit, &b));

    // audit shows Matomo's own status for every site it reads.
    let audit = kit.run(&work, &[], &["audit", "--format", "json"]);
    assert!(audit.code == 0 || audit.code == 3, "{}", audit.stderr);
    let report: serde_json::Value = serde_json::from_str(&audit.stdout).expect("audit JSON");
    let sites = report["rows"].as_array().cloned().unwrap_or_default();
    let mut compared = 0;
    for site in &sites {
        let Some(id) = site["id"].as_u64() else {
            continue;
        };
        let Some(matomo) = site["matomo_cnil"].as_bool() else {
            continue;
        };
        assert_eq!(
            matomo,
            enforced(&kit, &id.to_string()),
            "audit vs getComplianceStatus for site {id}"
        );
        compared += 1;
    }
    // And Matomo's requirement list per site, with where it disagrees with the profile.
    for site in &sites {
        let requirements = site["matomo_requirements"].as_array().map_or(0, Vec::len);
        assert!(
            requirements >= 15,
            "Matomo's requirements for {}",
            site["key"]
        );
    }
    assert!(
        report["instance_matomo_requirements"]
            .as_array()
            .map_or(0, Vec::len)
            >= 15,
        "the instance's requirements"
    );
    assert!(
        compared >= 2,
        "audit JSON lists Matomo's mode per site: {}",
        audit.stdout.chars().take(2000).collect::<String>()
    );
    kit.delete_sites_by_url(&[url("a"), url("b")]);
}

#[test]
fn an_enforced_mode_is_judged_and_diffed_by_its_effective_values() {
    let Some(kit) = Kit::get() else { return };
    if !kit.is_57() {
        return;
    }
    let _instance = kit.instance_lock();
    let envs = kit.password_env();
    let tag = unique("eff");
    let work = Workdir::new();
    // Stored: raw data kept 759 days, a site's visits log on.
    work.set_config(&format!(
        "policy: {{ profile: none }}\ninstance:\n  compliance_mode: off\n  retention:\n    raw_data: {{ delete: true, older_than_days: 759 }}\nsites:\n  {tag}:\n    name: Effective\n    urls: [https://{tag}.real.example]\n    exclude_unknown_urls: true\n    visitor_log: {{ disabled: false, profile_disabled: false }}\n"
    ));
    kit.apply_converges(&work, &envs);
    let set = |on: &str| {
        kit.api(
            "PrivacyManager.setComplianceStatus",
            &[
                ("idSite", "all"),
                ("complianceType", "cnil_v1"),
                ("enforce", on),
            ],
        )
    };
    set("1");
    // Matomo now answers 180 days and refuses the visits log. The cnil-exemption profile
    // (759 days by default, the log off) has nothing to change and nothing to report
    // about what Matomo enforces.
    work.set_config(&format!(
        "sites:\n  {tag}:\n    name: Effective\n    urls: [https://{tag}.real.example]\n    exclude_unknown_urls: true\n    visitor_log: {{ disabled: false, profile_disabled: false }}\n"
    ));
    let plan = kit.plan(&work, &envs);
    set("0");
    assert!(
        plan.last_line() == NO_CHANGES && !plan.stdout.contains("cnil.visitor-log"),
        "{}\n{}",
        plan.stdout,
        plan.stderr
    );
    kit.delete_sites_by_url(&[format!("https://{tag}.real.example")]);
}
