//! Real-Matomo behaviours matoform models, checked on the fake: compliance mode site vs
//! instance (`CompliancePolicy::setActiveStatus` / `isActive`), per-site anonymisation
//! overrides, the retention the privacy page shows while cnil_v1 is enforced, and the
//! custom dimension slots per scope. Answers checked on the real 5.7 are marked so.

mod common;

use common::http;
use fake_matomo::{
    Access, FakeMatomo, SUPERUSER_TOKEN, Seed, State, User, VIEWER_TOKEN, VersionMode, ui,
};
use serde_json::{Value as J, json};
use std::collections::BTreeMap;

const ADMIN_TOKEN: &str = "fake0siteadmin0token000000000005";

fn call_as(fake: &FakeMatomo, token: &str, method: &str, params: &[(&str, &str)]) -> J {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("token_auth", token)
        .append_pair("module", "API")
        .append_pair("format", "json")
        .append_pair("method", method);
    for (k, v) in params {
        body.append_pair(k, v);
    }
    let (_, text) = http(&fake.url(), "POST", "", &body.finish());
    serde_json::from_str(&text).unwrap_or(J::String(text))
}

fn call(fake: &FakeMatomo, method: &str, params: &[(&str, &str)]) -> J {
    call_as(fake, SUPERUSER_TOKEN, method, params)
}

/// 5.7 with the PrivacyCompliance flag on, plus `siteadmin` (admin on site 1 only).
fn seed() -> State {
    let mut s = Seed::recorded_57().version(VersionMode::V5_7 {
        compliance_flag: true,
    });
    s.users.insert(
        "siteadmin".into(),
        User {
            token: ADMIN_TOKEN.into(),
            secure_only: false,
            superuser: false,
            password: "Site-Admin-Passw0rd!".into(),
            access: BTreeMap::from([(1, Access::Admin)]),
        },
    );
    s
}

fn enforced(fake: &FakeMatomo, site: &str) -> J {
    call(
        fake,
        "PrivacyManager.getComplianceStatus",
        &[("idSite", site), ("complianceType", "cnil_v1")],
    )["complianceModeEnforced"]
        .clone()
}

fn set_compliance(fake: &FakeMatomo, site: &str, enforce: &str) -> J {
    call(
        fake,
        "PrivacyManager.setComplianceStatus",
        &[
            ("idSite", site),
            ("complianceType", "cnil_v1"),
            ("enforce", enforce),
        ],
    )
}

#[test]
fn compliance_is_enforced_by_the_instance_or_the_site() {
    let fake = FakeMatomo::start(seed());
    set_compliance(&fake, "1", "1");
    assert_eq!(enforced(&fake, "1"), json!(true));
    assert_eq!(enforced(&fake, "2"), json!(false));
    assert_eq!(enforced(&fake, "all"), json!(false));

    set_compliance(&fake, "all", "1");
    assert_eq!(
        enforced(&fake, "2"),
        json!(true),
        "the instance value counts"
    );

    // A site switched off while the instance enforces switches the instance off too.
    assert_eq!(set_compliance(&fake, "2", "0"), json!({"value": false}));
    assert_eq!(enforced(&fake, "all"), json!(false));
    assert_eq!(enforced(&fake, "2"), json!(false));
    assert_eq!(
        enforced(&fake, "1"),
        json!(true),
        "site 1 keeps its own value"
    );

    // A site switched off while the instance does not enforce leaves the others alone.
    set_compliance(&fake, "all", "1");
    set_compliance(&fake, "1", "1");
    set_compliance(&fake, "all", "0");
    assert_eq!(enforced(&fake, "1"), json!(true));
}

fn set_site_anonymisation(
    fake: &FakeMatomo,
    token: &str,
    site: &str,
    use_site: &str,
    extra: &[(&str, &str)],
) -> J {
    let mut params = vec![
        ("anonymizeIPEnable", "1"),
        ("ipAddressMaskLength", "3"),
        ("useAnonymizedIpForVisitEnrichment", "0"),
        ("anonymizeReferrer", "exclude_all"),
        ("idSiteSpecific", site),
        ("useSiteSpecificSettings", use_site),
    ];
    params.extend_from_slice(extra);
    call_as(
        fake,
        token,
        "PrivacyManager.setAnonymizeIpSettings",
        &params,
    )
}

#[test]
fn site_anonymisation_overrides_are_stored_answered_and_removed() {
    let fake = FakeMatomo::start(seed());
    let get = |site: &str| {
        call(
            &fake,
            "PrivacyManager.getAnonymisationSettings",
            &[("idSiteSpecific", site)],
        )
    };
    let before = get("1");
    assert_eq!(before["useSiteSpecificSettings"], json!(false));
    assert_eq!(before["ipAddressMaskLength"], json!(2), "the instance's");

    // Admin access to the site suffices; the viewer is refused.
    assert_eq!(
        set_site_anonymisation(&fake, ADMIN_TOKEN, "1", "1", &[]),
        json!({"value": true})
    );
    let own = get("1");
    assert_eq!(own["useSiteSpecificSettings"], json!(true));
    assert_eq!(own["ipAddressMaskLength"], json!(3));
    assert_eq!(own["anonymizeReferrer"], json!("exclude_all"));
    assert_eq!(get("2")["useSiteSpecificSettings"], json!(false));
    let denied = set_site_anonymisation(&fake, VIEWER_TOKEN, "1", "1", &[]);
    assert_eq!(denied["result"], json!("error"), "{denied}");

    // randomizeConfigId needs the password (message as the real 5.7 answered a
    // site-specific call, fakecheck2- site).
    assert_eq!(
        set_site_anonymisation(&fake, ADMIN_TOKEN, "1", "1", &[("randomizeConfigId", "1")]),
        json!({"result": "error", "message": "Please re-authenticate to confirm this change."})
    );
    assert_eq!(
        set_site_anonymisation(
            &fake,
            ADMIN_TOKEN,
            "1",
            "1",
            &[
                ("randomizeConfigId", "1"),
                ("passwordConfirmation", "wrong")
            ]
        ),
        json!({"result": "error", "message": "The current password you entered is not correct."})
    );

    // useSiteSpecificSettings=0 removes them before looking at the password (real 5.7 too).
    assert_eq!(
        set_site_anonymisation(&fake, ADMIN_TOKEN, "1", "0", &[("randomizeConfigId", "1")]),
        json!({"value": true})
    );
    let back = get("1");
    assert_eq!(back["useSiteSpecificSettings"], json!(false));
    assert_eq!(back["ipAddressMaskLength"], json!(2));
}

#[test]
fn enforced_cnil_caps_the_retention_the_privacy_page_shows() {
    let shown = |st: &State| {
        let props = ui::privacy_settings_props(st);
        let config = &props
            .iter()
            .find(|(k, _)| *k == "delete-data")
            .expect("delete-data")
            .1["config"];
        (
            config["delete_logs_older_than"].clone(),
            config["delete_logs_enable"].clone(),
        )
    };
    let mut st = seed();
    st.options.retention.delete_logs_older_than = 400;
    st.options.retention.delete_logs_enable = false;
    assert_eq!(shown(&st), (json!(400), json!(0)));
    st.compliance.sites.insert(1);
    assert_eq!(
        shown(&st),
        (json!(400), json!(0)),
        "a site's policy is not the instance's"
    );
    st.compliance.all = true;
    assert_eq!(
        shown(&st),
        (json!(180), json!(0)),
        "the flag is shown as stored"
    );
    st.options.retention.delete_logs_older_than = 90;
    assert_eq!(shown(&st), (json!(90), json!(0)));
}

#[test]
fn custom_dimension_slots_run_out_per_scope_and_deactivated_ones_keep_theirs() {
    let fake = FakeMatomo::start(seed());
    let new = |name: &str, scope: &str, active: &str| {
        call(
            &fake,
            "CustomDimensions.configureNewCustomDimension",
            &[
                ("idSite", "1"),
                ("name", name),
                ("scope", scope),
                ("active", active),
            ],
        )
    };
    for i in 1..=5 {
        let active = if i == 2 { "0" } else { "1" };
        assert_eq!(new(&format!("d{i}"), "visit", active), json!({"value": i}));
    }
    // As the real 5.7 answered (fakecheck2- site).
    assert_eq!(
        new("d6", "visit", "1"),
        json!({"result": "error", "message": "All Custom Dimensions for website 1 in scope 'visit' are already used."})
    );
    assert_eq!(new("a1", "action", "1"), json!({"value": 6}));
    assert_eq!(
        call(
            &fake,
            "CustomDimensions.getAvailableScopes",
            &[("idSite", "1")]
        ),
        json!([
            {"value": "visit", "name": "Visit", "numSlotsAvailable": 5, "numSlotsUsed": 5,
             "numSlotsLeft": 0, "supportsExtractions": false},
            {"value": "action", "name": "Action", "numSlotsAvailable": 5, "numSlotsUsed": 1,
             "numSlotsLeft": 4, "supportsExtractions": true},
        ])
    );
}
