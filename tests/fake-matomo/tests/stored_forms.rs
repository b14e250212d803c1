//! How Matomo stores what addSite/updateSite send (names, URLs, comma lists) and what the
//! instance-wide Live switches do to the per-site ones. Each expected answer is the one the
//! real 5.0.2 and 5.7.0-rc1 gave to the same request (sites `fakecheck-*`, deleted since);
//! the Live cases are also replayed from recordings in contract_502.rs / contract_57.rs.

mod common;

use common::http;
use fake_matomo::{FakeMatomo, SUPERUSER_TOKEN, Seed, VersionMode};
use serde_json::{Value as J, json};

/// POST `method` with `params` (encoded here) as the superuser; returns status and JSON.
fn call(fake: &FakeMatomo, method: &str, params: &[(&str, &str)]) -> (u16, J) {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("token_auth", SUPERUSER_TOKEN)
        .append_pair("module", "API")
        .append_pair("format", "json")
        .append_pair("method", method);
    for (k, v) in params {
        body.append_pair(k, v);
    }
    let (status, text) = http(&fake.url(), "POST", "", &body.finish());
    (
        status,
        serde_json::from_str(&text).unwrap_or(J::String(text)),
    )
}

fn ok(fake: &FakeMatomo, method: &str, params: &[(&str, &str)]) -> J {
    let (status, v) = call(fake, method, params);
    assert_eq!(status, 200, "{method}: {v}");
    assert!(v.get("result") != Some(&json!("error")), "{method}: {v}");
    v
}

fn site(fake: &FakeMatomo, id: &str) -> J {
    ok(fake, "SitesManager.getSiteFromId", &[("idSite", id)])
}

fn urls(fake: &FakeMatomo, id: &str) -> J {
    ok(fake, "SitesManager.getSiteUrlsFromId", &[("idSite", id)])
}

/// The addSite both real instances answered with the values checked below.
fn add_messy_site(fake: &FakeMatomo) -> String {
    let v = ok(
        fake,
        "SitesManager.addSite",
        &[
            (
                "siteName",
                " \t fakecheck-a &amp; b &eacute; &lt;i&gt; <i>x</i>\u{a0} \n\x0b",
            ),
            ("urls[]", "https://zeta.fakecheck.example/"),
            ("urls[]", "https://b.fakecheck.example/path/"),
            ("urls[]", "https://a.fakecheck.example"),
            ("urls[]", "https://B.fakecheck.example"),
            ("urls[]", "https://a.fakecheck.example/"),
            ("urls[]", "http://x/"),
            ("urls[]", "https://_u.fakecheck.example"),
            ("urls[]", "https://zeta.fakecheck.example"),
            ("urls[]", "https://é.fakecheck.example"),
            ("excludedIps", " 10.0.0.1 ,, 10.0.0.1,192.168.1.*, "),
            ("excludedQueryParameters", " b, a ,b,,a "),
            ("excludedUserAgents", "bot , bot,Bot"),
            ("excludedReferrers", "x.example, x.example ,y.example"),
            ("searchKeywordParameters", " q,q , s"),
            ("searchCategoryParameters", "c, c,,d"),
        ],
    );
    v["value"].to_string()
}

#[test]
fn add_site_trims_and_decodes_the_name_and_cleans_the_lists() {
    for version in [
        VersionMode::V5_0_2,
        VersionMode::V5_7 {
            compliance_flag: false,
        },
    ] {
        let fake = FakeMatomo::start(Seed::recorded().version(version));
        let id = add_messy_site(&fake);
        let s = site(&fake, &id);
        // ASCII blanks trimmed (PHP trim), the no-break space kept, entities decoded once.
        assert_eq!(s["name"], "fakecheck-a & b é <i> <i>x</i>\u{a0}");
        assert_eq!(s["main_url"], "https://zeta.fakecheck.example");
        // IPs: trimmed, empty entries dropped, repeats KEPT.
        assert_eq!(s["excluded_ips"], "10.0.0.1,10.0.0.1,192.168.1.*");
        // The other excluded lists also drop repeats (case-sensitive).
        assert_eq!(s["excluded_parameters"], "b,a");
        assert_eq!(s["excluded_user_agents"], "bot,Bot");
        assert_eq!(s["excluded_referrers"], "x.example,y.example");
        // Site-search parameters are stored as sent (only the whole value is trimmed).
        assert_eq!(s["sitesearch_keyword_parameters"], "q,q , s");
        assert_eq!(s["sitesearch_category_parameters"], "c, c,,d");
    }
}

#[test]
fn urls_lose_one_trailing_slash_and_repeats_and_aliases_come_in_table_order() {
    let fake = FakeMatomo::start(Seed::recorded());
    let id = add_messy_site(&fake);
    // Main URL first, then the aliases sorted as utf8mb4_general_ci sorts them.
    assert_eq!(
        urls(&fake, &id),
        json!([
            "https://zeta.fakecheck.example",
            "http://x",
            "https://a.fakecheck.example",
            "https://B.fakecheck.example",
            "https://b.fakecheck.example/path",
            "https://é.fakecheck.example",
            "https://_u.fakecheck.example"
        ])
    );
    let admin = ok(
        &fake,
        "SitesManager.getSitesWithAdminAccess",
        &[("fetchAliasUrls", "1"), ("filter_limit", "-1")],
    );
    let listed = admin
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|s| s["idsite"].as_u64().map(|n| n.to_string()) == Some(id.clone()))
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(listed["alias_urls"], urls(&fake, &id));

    ok(
        &fake,
        "SitesManager.updateSite",
        &[
            ("idSite", &id),
            (
                "siteName",
                "\n fakecheck-upd &apos; &#39; &quot; &amp;amp; &nbsp;x \r",
            ),
            ("urls[]", "https://m.fakecheck.example/"),
            ("urls[]", "https://c.fakecheck.example"),
            ("urls[]", "https://A.fakecheck.example/x//"),
            ("urls[]", "  https://sp.fakecheck.example/  "),
            ("urls[]", "0"),
            ("urls[]", "https://c.fakecheck.example/"),
            ("excludedUserAgents", "a &amp; b,<x>"),
            ("group", " g &amp; h "),
            ("excludedQueryParameters", "p&amp;q"),
        ],
    );
    let s = site(&fake, &id);
    assert_eq!(s["name"], "fakecheck-upd &apos; ' \" &amp; \u{a0}x");
    assert_eq!(s["main_url"], "https://m.fakecheck.example");
    assert_eq!(s["excluded_user_agents"], "a & b,<x>");
    assert_eq!(s["excluded_parameters"], "p&q");
    assert_eq!(s["group"], "g & h");
    // One slash dropped; an array element is not trimmed before that, so " …/  " keeps it.
    assert_eq!(
        urls(&fake, &id),
        json!([
            "https://m.fakecheck.example",
            "https://A.fakecheck.example/x/",
            "https://c.fakecheck.example",
            "https://sp.fakecheck.example/"
        ])
    );
}

#[test]
fn an_invalid_url_is_refused() {
    let fake = FakeMatomo::start(Seed::recorded());
    let (status, v) = call(
        &fake,
        "SitesManager.updateSite",
        &[("idSite", "1"), ("urls[]", "http:/")],
    );
    assert_eq!(status, 200);
    assert_eq!(
        v,
        json!({"result": "error", "message": "URLs: The url 'http:' is not a valid URL."})
    );
}

#[test]
fn aliases_equal_in_the_table_collation_fail_half_written() {
    let fake = FakeMatomo::start(Seed::recorded());
    let id = add_messy_site(&fake);
    let (status, v) = call(
        &fake,
        "SitesManager.updateSite",
        &[
            ("idSite", &id),
            ("siteName", "fakecheck-dup"),
            ("urls[]", "https://main2.fakecheck.example"),
            ("urls[]", "https://q.fakecheck.example"),
            ("urls[]", "https://A.fakecheck.example"),
            ("urls[]", "https://a.fakecheck.example"),
            ("urls[]", "https://b.fakecheck.example"),
            ("excludedUserAgents", "zzz"),
            ("timezone", "Europe/Paris"),
        ],
    );
    assert_eq!(status, 200);
    assert_eq!(
        v["message"],
        format!(
            "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry '{id}-https://a.fakecheck.example' for key 'PRIMARY'"
        )
    );
    // The site row's own columns were written, the aliases before the collision replaced
    // the old ones, the main URL and the lists stayed.
    let s = site(&fake, &id);
    assert_eq!(s["name"], "fakecheck-dup");
    assert_eq!(s["timezone"], "Europe/Paris");
    assert_eq!(s["main_url"], "https://zeta.fakecheck.example");
    assert_eq!(s["excluded_user_agents"], "bot,Bot");
    assert_eq!(
        urls(&fake, &id),
        json!([
            "https://zeta.fakecheck.example",
            "https://A.fakecheck.example",
            "https://q.fakecheck.example"
        ])
    );

    // addSite: the site exists afterwards, with defaults and no main URL.
    let (_, v) = call(
        &fake,
        "SitesManager.addSite",
        &[
            ("siteName", "fakecheck-dup-add"),
            ("urls[]", "https://zeta.fakecheck.example"),
            ("urls[]", "http://x"),
            ("urls[]", "https://a.fakecheck.example"),
            ("urls[]", "https://Ä.fakecheck.example"),
            ("excludedIps", "10.0.0.1"),
        ],
    );
    let new_id = (id.parse::<u32>().unwrap_or(0) + 1).to_string();
    assert_eq!(
        v["message"],
        format!(
            "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry '{new_id}-https://Ä.fakecheck.example' for key 'PRIMARY'"
        )
    );
    let s = site(&fake, &new_id);
    assert_eq!(s["main_url"], "");
    assert_eq!(s["excluded_ips"], "");
    assert_eq!(
        urls(&fake, &new_id),
        json!(["", "http://x", "https://a.fakecheck.example"])
    );
}

fn live_names(settings: &J) -> Option<Vec<String>> {
    settings.as_array()?.iter().find_map(|p| {
        (p["pluginName"] == "Live").then(|| {
            p["settings"]
                .as_array()
                .map(|s| {
                    s.iter()
                        .filter_map(|x| x["name"].as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        })
    })
}

fn set_site_live(fake: &FakeMatomo, name: &str, value: &str) -> (u16, J) {
    call(
        fake,
        "SitesManager.updateSite",
        &[
            ("idSite", "1"),
            ("settingValues[Live][0][name]", name),
            ("settingValues[Live][0][value]", value),
        ],
    )
}

#[test]
fn instance_wide_live_switches_hide_and_ignore_the_site_ones() {
    let fake = FakeMatomo::start(Seed::recorded());
    let settings = || ok(&fake, "SitesManager.getSiteSettings", &[("idSite", "1")]);
    assert_eq!(
        live_names(&settings()),
        Some(vec![
            "disable_visitor_log".to_string(),
            "disable_visitor_profile".to_string()
        ])
    );
    assert_eq!(
        set_site_live(&fake, "disable_visitor_log", "true").1["message"],
        "Turn off visits log and visitor profiles: The value for the &quot;Turn off visits log and visitor profiles&quot; field in the &quot;Live&quot; plugin is not allowed"
    );

    fake.update(|s| s.options.live_disable_visitor_log = true);
    assert_eq!(
        live_names(&settings()),
        Some(vec!["disable_visitor_profile".to_string()])
    );
    // Silently ignored, even a value that would be refused.
    assert_eq!(
        set_site_live(&fake, "disable_visitor_log", "1").1,
        json!({"result": "success", "message": "ok"})
    );
    assert_eq!(
        set_site_live(&fake, "disable_visitor_log", "true").1,
        json!({"result": "success", "message": "ok"})
    );
    assert!(!fake.state().sites[&1].disable_visitor_log);
    let (_, v) = call(
        &fake,
        "Live.getLastVisitsDetails",
        &[("idSite", "1"), ("period", "day"), ("date", "today")],
    );
    assert_eq!(
        v["message"],
        "Visits log is deactivated globally. A user with super user access can enable this feature in the general settings."
    );
    let added = ok(
        &fake,
        "SitesManager.addSite",
        &[
            ("siteName", "fakecheck-live"),
            ("settingValues[Live][0][name]", "disable_visitor_log"),
            ("settingValues[Live][0][value]", "1"),
        ],
    );
    let new_id = added["value"].as_u64().unwrap_or(0) as u32;
    assert!(!fake.state().sites[&new_id].disable_visitor_log);

    fake.update(|s| s.options.live_disable_visitor_profile = true);
    assert_eq!(live_names(&settings()), None, "the Live section is gone");
    assert_eq!(
        set_site_live(&fake, "disable_visitor_profile", "1").1,
        json!({"result": "success", "message": "ok"})
    );
    assert!(!fake.state().sites[&1].disable_visitor_profile);

    fake.update(|s| s.options.live_disable_visitor_log = false);
    assert_eq!(
        live_names(&settings()),
        Some(vec!["disable_visitor_log".to_string()])
    );
    ok(
        &fake,
        "Live.getLastVisitsDetails",
        &[("idSite", "1"), ("period", "day"), ("date", "today")],
    );
    let (_, v) = call(&fake, "Live.getVisitorProfile", &[("idSite", "1")]);
    assert_eq!(
        v["message"],
        "Visitor profile is deactivated globally. A user with super user access can enable this feature in the general settings."
    );
}

#[test]
fn a_site_without_visitor_log_refuses_the_log_and_the_profile() {
    let fake = FakeMatomo::start(Seed::recorded());
    assert_eq!(
        set_site_live(&fake, "disable_visitor_log", "1").1,
        json!({"result": "success", "message": "ok"})
    );
    let expected = "Visits log is deactivated in website settings. A user with at least admin access can enable this feature in the settings for this website (idSite=1).";
    let (_, v) = call(
        &fake,
        "Live.getLastVisitsDetails",
        &[("idSite", "2,1"), ("period", "day"), ("date", "today")],
    );
    assert_eq!(v["message"], expected);
    let (_, v) = call(&fake, "Live.getVisitorProfile", &[("idSite", "1")]);
    assert_eq!(v["message"], expected);
    let (_, v) = call(
        &fake,
        "Live.getLastVisitsDetails",
        &[("idSite", "2"), ("period", "day"), ("date", "today")],
    );
    assert_eq!(v, json!([]));
}

#[test]
fn update_site_refuses_an_empty_name() {
    let fake = FakeMatomo::start(Seed::recorded());
    for name in ["", "   "] {
        let (status, v) = call(
            &fake,
            "SitesManager.updateSite",
            &[("idSite", "1"), ("siteName", name)],
        );
        assert_eq!(status, 200);
        assert_eq!(
            v,
            json!({"result": "error", "message": "The website name can't be empty."})
        );
    }
}

#[test]
fn goal_texts_are_decoded_like_site_names() {
    let fake = FakeMatomo::start(Seed::recorded());
    let id = ok(
        &fake,
        "Goals.addGoal",
        &[
            ("idSite", "1"),
            ("name", "G1 &amp; <b>x</b> %25"),
            ("description", " d &amp; e "),
            ("matchAttribute", "url"),
            ("pattern", "/a?b=1&amp;c=%26d &lt;x&gt;"),
            ("patternType", "contains"),
        ],
    )["value"]
        .to_string();
    let g = ok(&fake, "Goals.getGoal", &[("idSite", "1"), ("idGoal", &id)]);
    assert_eq!(g["name"], "G1 & <b>x</b> %");
    assert_eq!(g["description"], "d & e");
    assert_eq!(g["pattern"], "/a?b=1&c=&d <x>");
}

#[test]
fn custom_dimensions_check_name_scope_and_active() {
    let fake = FakeMatomo::start(Seed::recorded());
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
        .1
    };
    assert_eq!(
        new(" Dim &amp; 1 ", "visit", "1")["message"],
        "Allowed characters are any letters, numbers, whitespace, a dash and underline."
    );
    assert_eq!(
        new("Bad", "nope", "1")["message"],
        "Invalid value 'nope' for 'scope' specified. Available scopes are: visit, action, conversion"
    );
    assert_eq!(
        new("Act2", "action", "true")["message"],
        "Invalid value 'true' for 'active' specified. Allowed values: '0' or '1'"
    );
    assert_eq!(new("Dim 1", "visit", "1"), json!({"value": 1}));
}

#[test]
fn intranet_site_settings_come_from_the_intranet_plugin() {
    let fake = FakeMatomo::start(Seed::recorded());
    let s = ok(&fake, "SitesManager.getSiteSettings", &[("idSite", "4")]);
    assert_eq!(s[0]["pluginName"], "IntranetMeasurable");
    assert_eq!(s[0]["title"], "IntranetMeasurable");
}
