//! Shared replay machinery for the contract tests: load recordings, send them to the fake,
//! compare status, JSON shape, types and non-volatile values.

#![allow(dead_code)]

use fake_matomo::{
    FakeMatomo, SECURE_ONLY_TOKEN, SUPERUSER_TOKEN, State, TEAM_A_TOKEN, VIEWER_TOKEN,
};
use serde_json::Value as J;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;

/// The recordings of tracked personal data and the reports showing it (seq 2134–2200 but the
/// `core:archive` run and `Live.getVisitorProfile`), replayed by `tests/contract_reports.rs`.
pub const REPORT_RECORDINGS: &[&str] = &[
    "CustomDimensions.getConfiguredCustomDimensions__rec2_site1_before_tracking.json",
    "CustomDimensions.getConfiguredCustomDimensions__rec2_site2_before_tracking.json",
    "CustomDimensions.getConfiguredCustomDimensions__rec2_site3_before_tracking.json",
    "CustomDimensions.getConfiguredCustomDimensions__rec2_pii_site.json",
    "_track__rec2_pii_requests.json",
    "Actions.getPageUrls__rec2_pii_site1_day_today_flat.json",
    "Actions.getPageUrls__rec2_pii_site1_day_today_hierarchical.json",
    "Actions.getPageUrls__rec2_pii_site1_day_today_hierarchical_expanded.json",
    "Actions.getPageTitles__rec2_pii_site1_day_today_flat.json",
    "Actions.getSiteSearchKeywords__rec2_pii_site1_day_today.json",
    "Actions.getSiteSearchCategories__rec2_pii_site1_day_today.json",
    "Actions.getOutlinks__rec2_pii_site1_day_today_flat.json",
    "Actions.getOutlinks__rec2_pii_site1_day_today_hierarchical.json",
    "Actions.getDownloads__rec2_pii_site1_day_today_flat.json",
    "Events.getName__rec2_pii_site1_day_today.json",
    "Events.getAction__rec2_pii_site1_day_today.json",
    "Events.getCategory__rec2_pii_site1_day_today.json",
    "UserId.getUsers__rec2_pii_site1_day_today.json",
    "Actions.getPageUrls__rec2_pii_site2_day_today_flat.json",
    "Actions.getPageUrls__rec2_pii_site2_day_today_hierarchical.json",
    "Actions.getPageUrls__rec2_pii_site2_day_today_hierarchical_expanded.json",
    "Actions.getPageTitles__rec2_pii_site2_day_today_flat.json",
    "Actions.getSiteSearchKeywords__rec2_pii_site2_day_today.json",
    "Actions.getSiteSearchCategories__rec2_pii_site2_day_today.json",
    "Actions.getOutlinks__rec2_pii_site2_day_today_flat.json",
    "Actions.getOutlinks__rec2_pii_site2_day_today_hierarchical.json",
    "Actions.getDownloads__rec2_pii_site2_day_today_flat.json",
    "Events.getName__rec2_pii_site2_day_today.json",
    "Events.getAction__rec2_pii_site2_day_today.json",
    "Events.getCategory__rec2_pii_site2_day_today.json",
    "UserId.getUsers__rec2_pii_site2_day_today.json",
    "Actions.getPageUrls__rec2_pii_site3_day_today_flat.json",
    "Actions.getPageUrls__rec2_pii_site3_day_today_hierarchical.json",
    "Actions.getPageUrls__rec2_pii_site3_day_today_hierarchical_expanded.json",
    "Actions.getPageTitles__rec2_pii_site3_day_today_flat.json",
    "Actions.getSiteSearchKeywords__rec2_pii_site3_day_today.json",
    "Actions.getSiteSearchCategories__rec2_pii_site3_day_today.json",
    "Actions.getOutlinks__rec2_pii_site3_day_today_flat.json",
    "Actions.getOutlinks__rec2_pii_site3_day_today_hierarchical.json",
    "Actions.getDownloads__rec2_pii_site3_day_today_flat.json",
    "Events.getName__rec2_pii_site3_day_today.json",
    "Events.getAction__rec2_pii_site3_day_today.json",
    "Events.getCategory__rec2_pii_site3_day_today.json",
    "UserId.getUsers__rec2_pii_site3_day_today.json",
    "CustomDimensions.getCustomDimension__rec2_pii_site_day_today.json",
    "Live.getLastVisitsDetails__rec2_pii_site1_day_today.json",
    "Live.getLastVisitsDetails__rec2_pii_site2_day_today.json",
    "Live.getLastVisitsDetails__rec2_pii_custom_dimension_site.json",
    "Live.getLastVisitsDetails__rec2_pii_nolog_site_before_disable.json",
    "Live.getLastVisitsDetails__rec2_pii_nolog_site_log_disabled.json",
    "Actions.getPageUrls__rec2_pii_nolog_site_log_disabled_flat.json",
    "Live.getLastVisitsDetails__rec2_pii_sites_1_2_3_comma.json",
    "SitesManager.getSiteFromId__rec2_pii_site2_excluded_parameters.json",
    "Actions.getPageUrls__rec2_pii_site2_excluded_params_flat.json",
    "API.getBulkRequest__rec2_pii_reports_sites_1_2_3_day_today.json",
    "API.getBulkRequest__rec2_pii_reports_sites_1_2_3_range_last30.json",
    "API.getBulkRequest__rec2_pii_reports_sites_1_2_3_month_today.json",
    "Actions.getPageUrls__rec2_pii_site1_range_last30_flat.json",
    "Actions.getPageUrls__rec2_pii_site1_month_today_flat.json",
    "Actions.getPageTitles__rec2_pii_site1_range_last30_flat.json",
    "Actions.getPageTitles__rec2_pii_site1_month_today_flat.json",
    "Actions.getSiteSearchKeywords__rec2_pii_site1_range_last30.json",
    "Actions.getSiteSearchKeywords__rec2_pii_site1_month_today.json",
    "Events.getName__rec2_pii_site1_range_last30.json",
    "Events.getName__rec2_pii_site1_month_today.json",
];

/// A token for a recorded caller name.
pub fn token_for(name: &str) -> Option<&'static str> {
    match name {
        "superuser" => Some(SUPERUSER_TOKEN),
        "teamA" => Some(TEAM_A_TOKEN),
        "viewer" => Some(VIEWER_TOKEN),
        "secure_only" => Some(SECURE_ONLY_TOKEN),
        "bad" => Some("00000000000000000000000000000bad"),
        _ => None,
    }
}

/// The fixture directory of a version (`matomo-5.0.2` or `matomo-5.7`).
pub fn fixture_dir(version: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(version)
}

/// One recording file.
pub struct Recording {
    pub file: String,
    pub seq: i64,
    pub json: J,
}

/// All recordings of a directory, in `seq` order.
pub fn load(version: &str) -> Vec<Recording> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(fixture_dir(version)).expect("fixture dir") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read fixture");
        let json: J = serde_json::from_str(&text).expect("fixture json");
        let seq = json.get("seq").and_then(J::as_i64).unwrap_or(0);
        out.push(Recording {
            file: path
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or_default()
                .to_string(),
            seq,
            json,
        });
    }
    out.sort_by_key(|r| r.seq);
    out
}

/// A raw HTTP/1.1 exchange (no client dependency): returns status and body.
pub fn http(base: &str, method: &str, query: &str, body: &str) -> (u16, String) {
    let hostport = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(hostport).expect("connect to fake");
    let path = if query.is_empty() {
        "/index.php".to_string()
    } else {
        format!("/index.php?{query}")
    };
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).expect("write request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n.min(rest.len())]);
        s = rest.get(n + 2..).unwrap_or("");
    }
    out
}

/// Send a recording's request to the fake: the recorded `encoded_body` plus the caller's
/// token (first, as matoform sends it; `token_last` puts it at the end).
pub fn send(fake: &FakeMatomo, rec: &J, token_last: bool) -> (u16, String) {
    let req = &rec["request"];
    let body = req["encoded_body"].as_str().unwrap_or_default();
    let token = token_for(req["token"].as_str().unwrap_or("none"));
    let with_token = match token {
        Some(t) if token_last => format!("{body}&token_auth={t}"),
        Some(t) => format!("token_auth={t}&{body}"),
        None => body.to_string(),
    };
    if req["http_method"].as_str() == Some("GET") {
        http(&fake.url(), "GET", &with_token, "")
    } else {
        http(&fake.url(), "POST", "", &with_token)
    }
}

/// Compare a recorded answer with the fake's: same JSON shape and types everywhere, same
/// values except volatile ones (`ts_created` of sites created during the recording, the
/// recording host). Shortened recorded arrays (`{"...": "N more …"}` last) check the prefix
/// and the total length.
pub fn compare(expected: &J, actual: &J, path: &str, errors: &mut Vec<String>) {
    match (expected, actual) {
        (J::Object(e), J::Object(a)) => {
            let ek: Vec<_> = e.keys().collect();
            let ak: Vec<_> = a.keys().collect();
            if ek.iter().collect::<std::collections::BTreeSet<_>>() != ak.iter().collect() {
                errors.push(format!("{path}: keys differ: expected {ek:?}, got {ak:?}"));
                return;
            }
            for (k, ev) in e {
                let av = &a[k];
                if k == "ts_created" && ev.as_str().is_some_and(|s| s.starts_with("2026-11-29 02:"))
                {
                    if !av.is_string() {
                        errors.push(format!("{path}.{k}: expected a string, got {av}"));
                    }
                    continue;
                }
                compare(ev, av, &format!("{path}.{k}"), errors);
            }
        }
        (J::Array(e), J::Array(a)) => {
            let shortened = e
                .last()
                .and_then(|l| l.get("..."))
                .and_then(J::as_str)
                .and_then(|s| {
                    s.split_whitespace()
                        .next()
                        .and_then(|n| n.parse::<usize>().ok())
                });
            let (prefix, total) = match shortened {
                Some(more) => (&e[..e.len() - 1], e.len() - 1 + more),
                None => (&e[..], e.len()),
            };
            if a.len() != total {
                errors.push(format!("{path}: expected {total} items, got {}", a.len()));
                return;
            }
            for (i, ev) in prefix.iter().enumerate() {
                compare(ev, &a[i], &format!("{path}[{i}]"), errors);
            }
        }
        (J::String(e), J::String(a)) => {
            let e = e
                .replace("127.0.0.1:8080", "HOST")
                .replace("127.0.0.1:8081", "HOST");
            let a = normalise_host(a);
            if e != a {
                errors.push(format!("{path}: expected {e:?}, got {a:?}"));
            }
        }
        (J::Number(e), J::Number(a)) => {
            if e.as_f64() != a.as_f64() || e.is_f64() != a.is_f64() {
                errors.push(format!("{path}: expected {e}, got {a}"));
            }
        }
        (e, a) => {
            if e != a {
                errors.push(format!("{path}: expected {e}, got {a}"));
            }
        }
    }
}

fn normalise_host(s: &str) -> String {
    // The fake's host is 127.0.0.1:<random port>.
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 10..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        out.push_str("HOST");
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Replay one request recording; returns the problems found.
pub fn replay(fake: &FakeMatomo, rec: &Recording, token_last: bool) -> Vec<String> {
    let (status, body) = send(fake, &rec.json, token_last);
    check_answer(rec, status, &body)
}

/// Compare a status and body with a recording's response.
pub fn check_answer(rec: &Recording, status: u16, body: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let expected_status = rec.json["response"]["status"].as_u64().unwrap_or(0) as u16;
    if status != expected_status {
        errors.push(format!(
            "status: expected {expected_status}, got {status} (body {})",
            &body[..body.len().min(300)]
        ));
    }
    let expected = &rec.json["response"]["body"];
    let actual: J = if expected.is_string() {
        J::String(body.to_string())
    } else {
        match serde_json::from_str(body) {
            Ok(v) => v,
            Err(_) => {
                errors.push(format!(
                    "body is not JSON: {}",
                    &body[..body.len().min(300)]
                ));
                return errors;
            }
        }
    };
    compare(expected, &actual, "body", &mut errors);
    errors
}

/// The option rows the fake's state stands for (5.0.2/5.7 `option` table names), for the
/// `_db__` snapshots. Only rows that both sides have are compared.
pub fn option_rows(st: &State) -> BTreeMap<String, String> {
    let b = |x: bool| if x { "1" } else { "0" }.to_string();
    let mut m = BTreeMap::new();
    let a = &st.options.anonymisation;
    m.insert(
        "PrivacyManager.ipAnonymizerEnabled".into(),
        b(a.ip_anonymizer_enabled),
    );
    m.insert(
        "PrivacyManager.ipAddressMaskLength".into(),
        a.mask_length.to_string(),
    );
    m.insert(
        "PrivacyManager.useAnonymizedIpForVisitEnrichment".into(),
        b(a.use_anonymized_ip_for_visit_enrichment),
    );
    m.insert(
        "PrivacyManager.anonymizeUserId".into(),
        b(a.anonymize_user_id),
    );
    m.insert(
        "PrivacyManager.anonymizeOrderId".into(),
        b(a.anonymize_order_id),
    );
    m.insert(
        "PrivacyManager.anonymizeReferrer".into(),
        a.anonymize_referrer.clone(),
    );
    m.insert(
        "PrivacyManager.forceCookielessTracking".into(),
        b(a.force_cookieless_tracking),
    );
    m.insert(
        "PrivacyManager.doNotTrackEnabled".into(),
        b(st.options.do_not_track),
    );
    if st.version.is_57() {
        m.insert(
            "PrivacyManager.randomizeConfigId".into(),
            b(a.randomize_config_id),
        );
    }
    for (id, o) in &st.site_anonymisation {
        let v = &o.values;
        let p = format!("PrivacyManager.idSite({id}).");
        m.insert(
            format!("{p}ipAnonymizerEnabled"),
            b(v.ip_anonymizer_enabled),
        );
        m.insert(format!("{p}ipAddressMaskLength"), v.mask_length.to_string());
        m.insert(
            format!("{p}useAnonymizedIpForVisitEnrichment"),
            b(v.use_anonymized_ip_for_visit_enrichment),
        );
        m.insert(format!("{p}anonymizeUserId"), b(v.anonymize_user_id));
        m.insert(format!("{p}anonymizeOrderId"), b(v.anonymize_order_id));
        m.insert(
            format!("{p}anonymizeReferrer"),
            v.anonymize_referrer.clone(),
        );
        m.insert(format!("{p}randomizeConfigId"), b(v.randomize_config_id));
    }
    let r = &st.options.retention;
    m.insert("delete_logs_enable".into(), b(r.delete_logs_enable));
    m.insert(
        "delete_logs_older_than".into(),
        r.delete_logs_older_than.to_string(),
    );
    m.insert("delete_reports_enable".into(), b(r.delete_reports_enable));
    m.insert(
        "delete_reports_older_than".into(),
        r.delete_reports_older_than.to_string(),
    );
    m.insert("delete_reports_keep_basic_metrics".into(), b(r.keep_basic));
    m.insert("delete_reports_keep_day_reports".into(), b(r.keep_day));
    m.insert("delete_reports_keep_week_reports".into(), b(r.keep_week));
    m.insert("delete_reports_keep_month_reports".into(), b(r.keep_month));
    m.insert("delete_reports_keep_year_reports".into(), b(r.keep_year));
    m.insert("delete_reports_keep_range_reports".into(), b(r.keep_range));
    m.insert(
        "delete_reports_keep_segment_reports".into(),
        b(r.keep_segments),
    );
    let o = &st.options;
    m.insert(
        "SitesManager_DefaultTimezone".into(),
        o.default_timezone.clone(),
    );
    m.insert(
        "SitesManager_DefaultCurrency".into(),
        o.default_currency.clone(),
    );
    let mut opt = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v.clone());
        }
    };
    opt("SitesManager_ExcludedIpsGlobal", &o.excluded_ips_global);
    opt(
        "SitesManager_ExcludedQueryParameters",
        &o.excluded_query_parameters_global,
    );
    opt(
        "SitesManager_ExcludedUserAgentsGlobal",
        &o.excluded_user_agents_global,
    );
    opt(
        "SitesManager_ExcludedReferrersGlobal",
        &o.excluded_referrers_global,
    );
    opt(
        "SitesManager_SearchKeywordParameters",
        &o.search_keyword_parameters_global,
    );
    opt(
        "SitesManager_SearchCategoryParameters",
        &o.search_category_parameters_global,
    );
    if let Some(k) = o.keep_url_fragments_global {
        m.insert("SitesManager_KeepURLFragmentsGlobal".into(), b(k));
    }
    if st.version.is_57() {
        m.insert(
            "SitesManager_ExclusionTypeForQueryParams".into(),
            o.query_param_exclusion_type.clone(),
        );
    }
    m
}

/// Compare a `_db__` snapshot with the fake's state: option rows (entity-decoded) and, on
/// 5.7, the CnilPolicy plugin/site settings. Returns the number of rows compared and the
/// problems.
pub fn compare_db(st: &State, rec: &J) -> (usize, Vec<String>) {
    let ours = option_rows(st);
    let mut errors = Vec::new();
    let mut compared = 0;
    for row in rec["rows"].as_array().cloned().unwrap_or_default() {
        if let Some(name) = row.get("option_name").and_then(J::as_str) {
            let value =
                html_escape::decode_html_entities(row["option_value"].as_str().unwrap_or_default())
                    .to_string();
            if let Some(mine) = ours.get(name) {
                compared += 1;
                if *mine != value {
                    errors.push(format!("option {name}: recorded {value:?}, fake {mine:?}"));
                }
            }
        } else if row.get("plugin_name").and_then(J::as_str) == Some("Live") {
            // Live settings: instance-wide (`plugin_setting`) or per site (`site_setting`).
            let value = row["setting_value"].as_str() == Some("1");
            let name = row["setting_name"].as_str().unwrap_or_default();
            let log = name == "disable_visitor_log";
            let mine = match row["idsite"].as_str() {
                Some("NULL") | None => Some(if log {
                    st.options.live_disable_visitor_log
                } else {
                    st.options.live_disable_visitor_profile
                }),
                Some(id) => id
                    .parse::<u32>()
                    .ok()
                    .and_then(|id| st.sites.get(&id))
                    .map(|s| {
                        if log {
                            s.disable_visitor_log
                        } else {
                            s.disable_visitor_profile
                        }
                    }),
            };
            if let Some(mine) = mine {
                compared += 1;
                if mine != value {
                    errors.push(format!(
                        "Live setting {name} (idsite {}): recorded {value}, fake {mine}",
                        row["idsite"]
                    ));
                }
            }
        } else if row.get("setting_name").and_then(J::as_str) == Some("cnil_v1_policy_enabled") {
            let value = row["setting_value"].as_str() == Some("1");
            let mine = match row["idsite"].as_str() {
                Some("NULL") | None => st.compliance.all,
                Some(id) => id
                    .parse::<u32>()
                    .is_ok_and(|id| st.compliance.sites.contains(&id)),
            };
            compared += 1;
            if mine != value {
                errors.push(format!(
                    "setting cnil_v1_policy_enabled (idsite {}): recorded {value}, fake {mine}",
                    row["idsite"]
                ));
            }
        }
    }
    (compared, errors)
}

/// Replay a `CorePluginsAdmin.getSystemSettings` recording, comparing only its Live section
/// (the fake answers only that plugin's system settings).
pub fn replay_live_section(fake: &FakeMatomo, rec: &Recording) -> Vec<String> {
    let (status, body) = send(fake, &rec.json, false);
    let expected = &rec.json["response"]["body"];
    let live = |v: &J| {
        v.as_array()
            .and_then(|a| a.iter().find(|p| p["pluginName"] == "Live"))
            .cloned()
    };
    let actual: J = serde_json::from_str(&body).unwrap_or(J::Null);
    let mut errors = Vec::new();
    let expected_status = rec.json["response"]["status"].as_u64().unwrap_or(0) as u16;
    if status != expected_status {
        errors.push(format!("status: expected {expected_status}, got {status}"));
    }
    match (live(expected), live(&actual)) {
        (Some(e), Some(a)) => compare(&e, &a, "body.Live", &mut errors),
        (None, None) => compare(expected, &actual, "body", &mut errors),
        (e, a) => errors.push(format!("Live section: expected {e:?}, got {a:?}")),
    }
    errors
}
