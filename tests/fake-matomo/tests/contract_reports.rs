//! Contract test of the reports that show what visitors sent (issue 15): the 39 tracking
//! requests of seq 2138 (`_track__rec2_pii_requests.json`) are tracked into the fake, then
//! each recorded report answer of seq 2134–2200 (singly and inside `API.getBulkRequest`) is
//! compared with the fake's: the same rows in the same order; the same `label`, `url`,
//! `segment`, `Actions_*`, `idvisitor`; `idsubdatatable` and `subtable` where the recording
//! has them; the counts the fake keeps (`nb_visits`, `nb_hits`, `nb_events`, `nb_actions`,
//! `nb_uniq_visitors`). Live visits are compared on every field the fake answers (all but
//! `idVisit`, whose numbering differs, and whose order is checked instead).
//!
//! Harness steps standing for unrecorded events: the temporary sites 1207 (`rec2-pii`, with
//! its visit-scope dimension 1 of seq 2137) and 1208 (`rec2-nolog`) are added to the seed;
//! site 1208's visitor log is turned off right before seq 2184 (the recording's `updateSite`
//! was not copied).
//!
//! Not compared: the month and range answers for site 3 inside the bulk calls of seq 2191
//! and 2192, which the recording instance answered empty (its archives of those periods for
//! that site, in America/New_York, predate the tracking); the fake does not model dates or
//! archives, so every hit counts for any period.

mod common;

use common::{REPORT_RECORDINGS, http, load, replay, send};
use fake_matomo::{
    CustomDimension, FakeMatomo, Hit, SUPERUSER_TOKEN, Seed, Site, State, VIEWER_TOKEN,
};
use serde_json::Value as J;

/// Keys whose values must be equal when the recording has them.
const ROW_KEYS: &[&str] = &[
    "label",
    "url",
    "segment",
    "Actions_PageUrl",
    "Actions_PageTitle",
    "Actions_ClickedUrl",
    "Actions_DownloadUrl",
    "idvisitor",
];

/// Counts compared when both answers have them (the recording has them as numbers or strings).
const COUNTS: &[&str] = &[
    "nb_visits",
    "nb_hits",
    "nb_events",
    "nb_actions",
    "nb_uniq_visitors",
];

/// Fields of a Live action detail the fake answers when the recording has them.
const DETAIL_KEYS: &[&str] = &[
    "type",
    "url",
    "pageTitle",
    "title",
    "subtitle",
    "pageviewPosition",
    "siteSearchKeyword",
    "siteSearchCategory",
    "siteSearchCount",
    "eventCategory",
    "eventAction",
    "eventName",
    "eventValue",
];

fn seed() -> State {
    let mut seed = Seed::recorded();
    seed.sites.insert(
        1207,
        Site::new("rec2-pii", "https://rec2-pii.example.org", "UTC", "USD"),
    );
    seed.sites.insert(
        1208,
        Site::new("rec2-nolog", "https://rec2-nolog.example.org", "UTC", "USD"),
    );
    seed.custom_dimensions.insert(
        1207,
        vec![CustomDimension {
            id: 1,
            name: "Member e-mail".into(),
            index: 1,
            scope: "visit".into(),
            active: true,
            extractions: Vec::new(),
            case_sensitive: true,
        }],
    );
    seed.next_site_id = 1209;
    seed
}

/// The recorded tracking requests as hits (site, hit).
fn hits(rec: &J) -> Vec<(u32, Hit)> {
    let text = |q: &J, k: &str| -> Option<String> {
        match q.get(k) {
            Some(J::String(s)) => Some(s.clone()),
            Some(J::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    };
    let requests = rec["requests"].as_array().expect("requests");
    requests
        .iter()
        .map(|r| {
            let q = &r["query"];
            let site = q["idsite"].as_u64().expect("idsite") as u32;
            let mut hit = Hit {
                url: text(q, "url").expect("url"),
                title: text(q, "action_name"),
                search: text(q, "search"),
                search_cat: text(q, "search_cat"),
                search_count: q.get("search_count").and_then(J::as_u64),
                event_category: text(q, "e_c"),
                event_action: text(q, "e_a"),
                event_name: text(q, "e_n"),
                event_value: q.get("e_v").and_then(J::as_f64),
                download: text(q, "download"),
                link: text(q, "link"),
                uid: text(q, "uid"),
                ..Hit::default()
            };
            if let Some(id) = text(q, "_id") {
                hit.params.insert("_id".into(), J::String(id));
            }
            for (k, v) in q.as_object().expect("query") {
                if let Some(n) = k.strip_prefix("dimension").and_then(|n| n.parse().ok()) {
                    hit.dimensions
                        .insert(n, v.as_str().unwrap_or_default().to_string());
                }
            }
            (site, hit)
        })
        .collect()
}

fn count(v: &J) -> Option<f64> {
    match v {
        J::Number(n) => n.as_f64(),
        J::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Compare report rows (see the module comment).
fn compare_rows(expected: &J, actual: &J, path: &str, errors: &mut Vec<String>) {
    let (Some(e), Some(a)) = (expected.as_array(), actual.as_array()) else {
        errors.push(format!("{path}: expected a list, got {actual}"));
        return;
    };
    if e.len() != a.len() {
        let labels = |rows: &[J]| -> Vec<String> {
            rows.iter()
                .map(|r| r["label"].as_str().unwrap_or_default().to_string())
                .collect()
        };
        errors.push(format!(
            "{path}: expected {} rows {:?}, got {} {:?}",
            e.len(),
            labels(e),
            a.len(),
            labels(a)
        ));
        return;
    }
    for (i, (er, ar)) in e.iter().zip(a).enumerate() {
        let p = format!("{path}[{i}]");
        for k in ROW_KEYS {
            if er.get(k) != ar.get(k) {
                errors.push(format!(
                    "{p}.{k}: expected {:?}, got {:?}",
                    er.get(k),
                    ar.get(k)
                ));
            }
        }
        for k in COUNTS {
            if let (Some(x), Some(y)) = (er.get(k), ar.get(k))
                && count(x) != count(y)
            {
                errors.push(format!("{p}.{k}: expected {x}, got {y}"));
            }
        }
        if er.get("idsubdatatable").is_some() != ar.get("idsubdatatable").is_some() {
            errors.push(format!("{p}: idsubdatatable present differs"));
        }
        if let Some(k) = ar
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys())
            .find(|k| er.get(k.as_str()).is_none())
        {
            errors.push(format!("{p}: the fake answers {k}, the recording does not"));
        }
        match (er.get("subtable"), ar.get("subtable")) {
            (Some(es), Some(as_)) => compare_rows(es, as_, &format!("{p}.subtable"), errors),
            (None, None) => {}
            _ => errors.push(format!("{p}: subtable present differs")),
        }
    }
}

/// Compare Live visits (see the module comment).
fn compare_visits(expected: &J, actual: &J, path: &str, errors: &mut Vec<String>) {
    let (Some(e), Some(a)) = (expected.as_array(), actual.as_array()) else {
        errors.push(format!("{path}: expected a list, got {actual}"));
        return;
    };
    if e.len() != a.len() {
        errors.push(format!(
            "{path}: expected {} visits, got {}",
            e.len(),
            a.len()
        ));
        return;
    }
    let ids: Vec<u64> = a.iter().filter_map(|v| v["idVisit"].as_u64()).collect();
    if ids.windows(2).any(|w| w[0] <= w[1]) {
        errors.push(format!("{path}: visits not latest first: {ids:?}"));
    }
    for (i, (ev, av)) in e.iter().zip(a).enumerate() {
        let p = format!("{path}[{i}]");
        for (k, v) in av.as_object().into_iter().flatten() {
            if k == "idVisit" || k == "actionDetails" {
                continue;
            }
            if ev.get(k) != Some(v) {
                errors.push(format!("{p}.{k}: expected {:?}, got {v}", ev.get(k)));
            }
        }
        for k in ev.as_object().into_iter().flatten().map(|(k, _)| k) {
            if k.starts_with("dimension") && av.get(k).is_none() {
                errors.push(format!("{p}: {k} missing"));
            }
        }
        let (Some(ed), Some(ad)) = (
            ev["actionDetails"].as_array(),
            av["actionDetails"].as_array(),
        ) else {
            errors.push(format!("{p}: actionDetails missing"));
            continue;
        };
        if ed.len() != ad.len() {
            errors.push(format!(
                "{p}.actionDetails: expected {} actions, got {}",
                ed.len(),
                ad.len()
            ));
            continue;
        }
        for (j, (x, y)) in ed.iter().zip(ad).enumerate() {
            for k in DETAIL_KEYS {
                let (xv, yv) = (x.get(k), y.get(k));
                let same = match (xv, yv) {
                    (Some(J::Number(_)), Some(J::Number(_))) => count(&x[k]) == count(&y[k]),
                    _ => xv == yv,
                };
                if !same {
                    errors.push(format!(
                        "{p}.actionDetails[{j}].{k}: expected {xv:?}, got {yv:?}"
                    ));
                }
            }
        }
    }
}

fn compare_answer(method: &str, expected: &J, actual: &J, path: &str, errors: &mut Vec<String>) {
    if expected.get("result").is_some() {
        if expected != actual {
            errors.push(format!("{path}: expected {expected}, got {actual}"));
        }
    } else if method == "Live.getLastVisitsDetails" {
        compare_visits(expected, actual, path, errors);
    } else {
        compare_rows(expected, actual, path, errors);
    }
}

/// Whether bulk sub-request `i` asks a report of site 3 (see the module comment).
fn site3(params: &serde_json::Map<String, J>, i: usize) -> bool {
    params
        .get(&format!("urls[{i}]"))
        .and_then(J::as_str)
        .is_some_and(|u| u.contains("idSite=3&") && !u.contains("method=Live."))
}

/// The method of a bulk sub-request (`method=…&…`).
fn sub_method(url: &str) -> String {
    url.split('&')
        .find_map(|p| p.strip_prefix("method="))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn tracked_hits_answer_the_recorded_reports() {
    let recs = load("matomo-5.0.2");
    let fake = FakeMatomo::start(seed());
    let track = recs
        .iter()
        .find(|r| r.file == "_track__rec2_pii_requests.json")
        .expect("tracking requests");
    let hits = hits(&track.json);
    assert_eq!(hits.len(), 39);
    for (site, hit) in &hits {
        fake.track(*site, hit).expect("tracked");
    }
    let mut failures = Vec::new();
    let mut compared = 0;
    for rec in recs
        .iter()
        .filter(|r| REPORT_RECORDINGS.contains(&r.file.as_str()))
    {
        let name = &rec.file;
        if name.starts_with("_track__") {
            continue;
        }
        if rec.seq == 2184 {
            fake.update(|s| {
                if let Some(site) = s.sites.get_mut(&1208) {
                    site.disable_visitor_log = true;
                }
            });
        }
        let method = rec.json["request"]["method"].as_str().unwrap_or_default();
        let mut errors = Vec::new();
        if method.starts_with("CustomDimensions.getConfigured") {
            errors = replay(&fake, rec, false);
        } else if method == "SitesManager.getSiteFromId" {
            // The seed's site 2 differs in ts_created; the exclusions are what this observes.
            let (_, body) = send(&fake, &rec.json, false);
            let actual: J = serde_json::from_str(&body).unwrap_or(J::Null);
            let expected = &rec.json["response"]["body"]["excluded_parameters"];
            if &actual["excluded_parameters"] != expected {
                errors.push(format!(
                    "excluded_parameters: expected {expected}, got {actual}"
                ));
            }
        } else {
            let (status, body) = send(&fake, &rec.json, false);
            let expected_status = rec.json["response"]["status"].as_u64().unwrap_or(0);
            if u64::from(status) != expected_status {
                errors.push(format!("status: expected {expected_status}, got {status}"));
            }
            let actual: J = serde_json::from_str(&body).unwrap_or(J::Null);
            let expected = &rec.json["response"]["body"];
            if method == "API.getBulkRequest" {
                let params = rec.json["request"]["params"].as_object().expect("params");
                let subs: Vec<String> = (0..params.len())
                    .filter_map(|i| params.get(&format!("urls[{i}]")).and_then(J::as_str))
                    .map(sub_method)
                    .collect();
                let (Some(e), Some(a)) = (expected.as_array(), actual.as_array()) else {
                    failures.push(format!("#{} {name}: not a list: {body:.300}", rec.seq));
                    continue;
                };
                if e.len() != a.len() || subs.len() != e.len() {
                    errors.push(format!("expected {} answers, got {}", e.len(), a.len()));
                } else {
                    for (i, m) in subs.iter().enumerate() {
                        if (rec.seq == 2191 || rec.seq == 2192) && site3(params, i) {
                            continue;
                        }
                        compare_answer(m, &e[i], &a[i], &format!("[{i}] {m}"), &mut errors);
                    }
                }
            } else {
                compare_answer(method, expected, &actual, "body", &mut errors);
            }
        }
        compared += 1;
        failures.extend(
            errors
                .into_iter()
                .map(|e| format!("#{} {name}: {e}", rec.seq)),
        );
    }
    assert_eq!(
        compared,
        REPORT_RECORDINGS.len() - 1,
        "every recording compared"
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A report call as `admin` (or another token), answered as JSON.
fn call(fake: &FakeMatomo, token: &str, query: &str) -> J {
    let body = format!("module=API&format=json&token_auth={token}&{query}");
    let (_, text) = http(&fake.url(), "POST", "", &body);
    serde_json::from_str(&text).unwrap_or(J::Null)
}

fn labels(v: &J) -> Vec<&str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["label"].as_str())
        .collect()
}

#[test]
fn reports_follow_limit_offset_and_answer_matomos_errors() {
    let fake = FakeMatomo::start(seed());
    for p in ["/a", "/b", "/c", "/d"] {
        fake.track(1, &Hit::page(p, p)).expect("tracked");
    }
    let q = "method=Actions.getPageUrls&idSite=1&period=day&date=today&flat=1";
    assert_eq!(
        labels(&call(&fake, SUPERUSER_TOKEN, q)),
        ["/a", "/b", "/c", "/d"]
    );
    assert_eq!(
        labels(&call(
            &fake,
            SUPERUSER_TOKEN,
            &format!("{q}&filter_limit=2&filter_offset=1")
        )),
        ["/b", "/c"]
    );
    let error = |v: J| v["message"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        error(call(
            &fake,
            SUPERUSER_TOKEN,
            "method=CustomDimensions.getCustomDimension&idSite=1207&idDimension=7&period=day&date=today"
        )),
        "Dimension 7 for website 1207 does not exist."
    );
    assert_eq!(
        error(call(
            &fake,
            VIEWER_TOKEN,
            "method=Events.getName&idSite=2&period=day&date=today"
        )),
        "You can't access this resource as it requires 'view' access for the website id = 2."
    );
    assert_eq!(
        error(call(
            &fake,
            SUPERUSER_TOKEN,
            "method=UserId.getUsers&idSite=1&period=fortnight&date=today"
        )),
        "The period 'fortnight' is not supported. Try any of the following instead: day, week, month, year, range"
    );
    assert_eq!(
        error(call(
            &fake,
            SUPERUSER_TOKEN,
            "method=Actions.getPageTitles&idSite=1&date=today"
        )),
        "Please specify a value for 'period'."
    );
    // A `+` in a query shows as a space in the label, not in the stored URL (site 3 has site
    // search off, so `s=` stays a page view).
    fake.track(3, &Hit::page("/find?s=Jean+Dupont", "Find"))
        .expect("tracked");
    let rows = call(
        &fake,
        SUPERUSER_TOKEN,
        "method=Actions.getPageUrls&idSite=3&period=month&date=today&flat=1",
    );
    assert_eq!(labels(&rows), ["/find?s=Jean Dupont"]);
    assert_eq!(rows[0]["Actions_PageUrl"], "/find?s=Jean+Dupont");
    assert!(rows[0].get("nb_uniq_visitors").is_none(), "{rows}");
    // Tracking does not reach a site the seed lacks.
    assert!(fake.track(4242, &Hit::page("/x", "x")).is_err());
}
