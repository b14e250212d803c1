//! The test-facing handle: state, drift, call log (token redacted), fault injection,
//! request count, the HTTP-level traps (max_input_vars, filter_limit, bulk URL corruption).

mod common;

use common::http;
use fake_matomo::{FakeMatomo, SUPERUSER_TOKEN, Seed, VIEWER_TOKEN};
use serde_json::{Value as J, json};

fn post(fake: &FakeMatomo, body: &str) -> (u16, J) {
    let (status, text) = http(&fake.url(), "POST", "", body);
    (
        status,
        serde_json::from_str(&text).unwrap_or(J::String(text)),
    )
}

#[test]
fn log_redacts_the_token_and_records_caller_and_status() {
    let fake = FakeMatomo::start(Seed::recorded());
    let body = format!(
        "token_auth={VIEWER_TOKEN}&module=API&method=SitesManager.getSiteFromId&format=json&idSite=2"
    );
    let (status, _) = post(&fake, &body);
    assert_eq!(status, 401);
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method, "SitesManager.getSiteFromId");
    assert_eq!(calls[0].params["token_auth"], "(redacted)");
    assert_eq!(calls[0].login.as_deref(), Some("viewer"));
    assert_eq!(calls[0].status, 401);
    assert!(!format!("{calls:?}").contains(VIEWER_TOKEN));
    fake.clear_calls();
    assert!(fake.calls().is_empty());
    assert_eq!(fake.request_count(), 1);
}

#[test]
fn fail_nth_answers_the_injected_fault_once() {
    let fake = FakeMatomo::start(Seed::recorded());
    fake.fail_nth(
        "API.getMatomoVersion",
        2,
        503,
        json!({"result": "error", "message": "down"}),
    );
    let body =
        format!("token_auth={SUPERUSER_TOKEN}&module=API&method=API.getMatomoVersion&format=json");
    assert_eq!(post(&fake, &body), (200, json!({"value": "5.0.2"})));
    assert_eq!(post(&fake, &body).0, 503);
    assert_eq!(post(&fake, &body), (200, json!({"value": "5.0.2"})));
}

#[test]
fn update_drifts_the_state_between_calls() {
    let fake = FakeMatomo::start(Seed::recorded());
    fake.update(|s| {
        if let Some(site) = s.sites.get_mut(&1) {
            site.name = "Drifted".into();
        }
    });
    let body = format!(
        "token_auth={SUPERUSER_TOKEN}&module=API&method=SitesManager.getSiteFromId&format=json&idSite=1"
    );
    assert_eq!(post(&fake, &body).1["name"], "Drifted");
    assert_eq!(fake.state().sites[&1].name, "Drifted");
}

#[test]
fn token_after_the_max_input_vars_cut_is_dropped() {
    let fake = FakeMatomo::start(Seed::recorded());
    let mut body = String::from("module=API&method=API.getBulkRequest&format=json");
    for i in 0..1100 {
        body.push_str(&format!(
            "&urls%5B{i}%5D=method%3DSitesManager.getSiteFromId%26idSite%3D1"
        ));
    }
    body.push_str(&format!("&token_auth={SUPERUSER_TOKEN}"));
    let (status, answer) = post(&fake, &body);
    assert_eq!(status, 200);
    let items = answer.as_array().expect("list");
    assert_eq!(items.len(), 100, "cut at 100 rows: filter_limit absent");
    assert_eq!(
        items[0]["result"], "error",
        "token was dropped, so access errors"
    );
}

#[test]
fn bulk_update_site_without_urls_corrupts_the_site_urls() {
    let fake = FakeMatomo::start(Seed::recorded());
    let body = format!(
        "token_auth={SUPERUSER_TOKEN}&module=API&method=API.getBulkRequest&format=json&urls%5B0%5D=method%3DSitesManager.updateSite%26idSite%3D3%26siteName%3DBlog"
    );
    assert_eq!(
        post(&fake, &body).1,
        json!([{"result": "success", "message": "ok"}])
    );
    assert_eq!(
        fake.state().sites[&3].urls,
        vec!["http://method=SitesManager.updateSite&idSite=3&siteName=Blog".to_string()]
    );
}

#[test]
fn seed_round_trips_through_json() {
    let seed = Seed::with_sites(20);
    let back = Seed::from_json(&seed.to_json()).expect("valid JSON seed");
    assert_eq!(seed, back);
    assert_eq!(back.sites.len(), 20);
}
