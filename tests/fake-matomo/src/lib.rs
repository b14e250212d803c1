//! A stateful fake of Matomo's HTTP API (5.0.2, and 5.7 behind a version switch), for
//! matoform's tests and benchmarks. It shares no type with matoform: its state uses Matomo's
//! own shapes, and its behaviour is checked against recordings of real Matomo instances
//! (`tests/contract_502.rs`, `tests/contract_57.rs`).
//!
//! ```no_run
//! use fake_matomo::{FakeMatomo, Seed};
//! let fake = FakeMatomo::start(Seed::recorded());
//! let url = fake.url(); // "http://127.0.0.1:PORT/"
//! fake.update(|s| { s.sites.get_mut(&1).map(|site| site.name = "drifted".into()); });
//! fake.fail_next("SitesManager.updateSite", 500, serde_json::json!({"result":"error","message":"boom"}));
//! assert_eq!(fake.calls().len(), 0);
//! ```
//!
//! ## Tracked data and reports
//!
//! A test records what visitors sent with [`FakeMatomo::track`] (or [`State::track`] on a
//! seed). A [`Hit`] has the fields of `lib/track.py`'s hits file (`url`, `title`, `search`,
//! `search_cat`, `event_category`/`_action`/`_name`, `download`, `link`, `dimensions`,
//! `uid`, `visitor`, …), so a line of such a file parses into one with `serde_json`. Tracking
//! applies the rules real Matomo applies when it stores a hit: excluded query parameters
//! (the site's, the instance's, Matomo's session and campaign ones) are removed from URLs,
//! search parameters become a site search where the site has site search on, hits of one
//! visitor on one site form one visit (a `uid` gives its own visitor id).
//!
//! ```no_run
//! use fake_matomo::{FakeMatomo, Hit, Seed};
//! let fake = FakeMatomo::start(Seed::recorded());
//! fake.track(1, &Hit::page("/newsletter?email=jean%40example.fr", "Newsletter").by("jean"))
//!     .expect("site 1 exists");
//! let search = Hit { search: Some("Jean Dupont".into()), ..Hit::page("/recherche", "Recherche") };
//! fake.track(1, &search).expect("tracked");
//! let line = r#"{"url": "/compte", "event_category": "Form", "event_action": "Send", "event_name": "a@b.fr"}"#;
//! fake.track(1, &serde_json::from_str(line).expect("a hits-file line")).expect("tracked");
//! // The visits as stored: fake.state().visits_of(1)
//! ```
//!
//! The reports then answer over HTTP (alone or inside `API.getBulkRequest`) for any
//! `period`/`date`, with `flat`, `expanded`, `filter_limit`, `filter_offset` and
//! `filter_pattern`: `Actions.getPageUrls`, `getPageTitles`, `getSiteSearchKeywords`,
//! `getSiteSearchCategories`, `getOutlinks`, `getDownloads`; `Events.getCategory`,
//! `getAction`, `getName`; `UserId.getUsers`; `CustomDimensions.getCustomDimension`
//! (`idDimension`); `Live.getLastVisitsDetails` (refused while the visits log is off; the
//! reports keep the data). `tests/contract_reports.rs` compares them with the recordings.

pub mod api;
pub mod php;
pub mod state;
pub mod tracking;
pub mod ui;

pub use state::{
    ADMIN_PASSWORD, Access, Anonymisation, Compliance, CustomDimension, Extraction, Goal, Options,
    Retention, SECURE_ONLY_TOKEN, SUPERUSER_TOKEN, Seed, Site, SiteAnonymisation, State,
    TEAM_A_TOKEN, User, VIEWER_TOKEN, VersionMode,
};
pub use tracking::{ActionKind, Hit, TrackedAction, Visit};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// One logged API call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// `Module.action` (empty if none was sent).
    pub method: String,
    /// Every parameter, flattened (`urls[0]`, `settingValues[Live][0][name]`), with
    /// `token_auth` replaced by `(redacted)`.
    pub params: BTreeMap<String, String>,
    /// The caller's login (`None` = anonymous or unknown token).
    pub login: Option<String>,
    /// HTTP status answered.
    pub status: u16,
}

#[derive(Debug, Clone)]
struct Fault {
    method: String,
    skip: usize,
    status: u16,
    body: serde_json::Value,
}

#[derive(Debug, Default)]
struct Knobs {
    latency: Duration,
    subrequest_cost: Duration,
    /// The admin pages render without their `vue-entry` element.
    admin_pages_broken: bool,
}

struct Inner {
    state: Mutex<State>,
    calls: Mutex<Vec<CallRecord>>,
    faults: Mutex<Vec<Fault>>,
    knobs: Mutex<Knobs>,
    count: AtomicU64,
    sessions: Mutex<ui::Sessions>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The answer of one HTTP request.
struct Reply {
    status: u16,
    body: ReplyBody,
    subrequests: usize,
}

enum ReplyBody {
    Json(serde_json::Value),
    Html(String),
}

const BAD_TOKEN_PAGE: &str = include_str!("assets/bad_token_401.html");

/// `YYYY-MM-DD HH:MM:SS` in UTC, now.
fn now_string() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

impl Inner {
    fn process(
        &self,
        http_method: &Method,
        query: Option<&str>,
        body: &str,
        base: &str,
    ) -> (Reply, CallRecord) {
        let mut st = lock(&self.state);
        let is57 = st.version.is_57();
        let max = Some(st.max_input_vars);
        let (get, _) = php::parse(query.unwrap_or_default(), max);
        let (post, _) = if http_method == Method::POST {
            php::parse(body, max)
        } else {
            (php::Params::default(), 0)
        };
        let token_in_url = get.str("token_auth").is_some() && post.str("token_auth").is_none();
        let mut params = get;
        params.merge(post);
        params.trim_scalars();
        let method = params.str("method").unwrap_or_default().to_string();
        let mut logged = params.flatten();
        if logged.contains_key("token_auth") {
            logged.insert("token_auth".into(), "(redacted)".into());
        }
        let mut record = CallRecord {
            method: method.clone(),
            params: logged,
            login: None,
            status: 200,
        };

        // Authentication.
        let token = params.str("token_auth").unwrap_or_default().to_string();
        let mut login = None;
        if !token.is_empty() {
            match st.users.iter().find(|(_, u)| u.token == token) {
                None => {
                    record.status = 401;
                    let page = BAD_TOKEN_PAGE.replace("{BASE}", base);
                    return (
                        Reply {
                            status: 401,
                            body: ReplyBody::Html(page),
                            subrequests: 0,
                        },
                        record,
                    );
                }
                Some((l, u)) => {
                    if is57 && u.secure_only && token_in_url {
                        record.status = 401;
                        let body = serde_json::json!({"result": "error", "message": "Unable to authenticate with the provided token. It is either invalid, expired or is required to be sent as a POST parameter."});
                        return (
                            Reply {
                                status: 401,
                                body: ReplyBody::Json(body),
                                subrequests: 0,
                            },
                            record,
                        );
                    }
                    login = Some(l.clone());
                }
            }
        }
        record.login = login.clone();

        // Fault injection.
        {
            let mut faults = lock(&self.faults);
            if let Some(pos) = faults.iter().position(|f| f.method == method) {
                if faults[pos].skip == 0 {
                    let f = faults.remove(pos);
                    record.status = f.status;
                    return (
                        Reply {
                            status: f.status,
                            body: ReplyBody::Json(f.body),
                            subrequests: 0,
                        },
                        record,
                    );
                }
                faults[pos].skip -= 1;
            }
        }

        let subrequests = if method == "API.getBulkRequest" {
            params.get("urls").map_or(0, |u| u.items().len())
        } else {
            0
        };
        let now = now_string();
        let result = if method.is_empty() {
            Err(api::Fail::Param(
                "The parameter 'method' isn't set in the Request, and a default value wasn't provided.".into(),
            ))
        } else {
            let mut call = api::Call {
                st: &mut st,
                login,
                p: &params,
                base,
                now: &now,
            };
            call.dispatch(&method)
        };
        let (status, body) = match result {
            Ok(v) => (200, api::apply_limit(v, &params, api::keyed_field(&method))),
            Err(f) => (f.status(is57), f.body()),
        };
        record.status = status;
        (
            Reply {
                status,
                body: ReplyBody::Json(body),
                subrequests,
            },
            record,
        )
    }
}

async fn handler(
    axum::extract::State(inner): axum::extract::State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    inner.count.fetch_add(1, Ordering::SeqCst);
    let (latency, cost, broken) = {
        let k = lock(&inner.knobs);
        (k.latency, k.subrequest_cost, k.admin_pages_broken)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let base = format!("http://{host}/");
    let body = String::from_utf8_lossy(&body).into_owned();
    if ui::ui_module(uri.query()).is_some() {
        let request = ui::UiRequest {
            post: method == Method::POST,
            query: uri.query().unwrap_or_default(),
            body: &body,
            cookie: headers.get(header::COOKIE).and_then(|c| c.to_str().ok()),
            base: &base,
            broken,
        };
        let (reply, record) = {
            let st = lock(&inner.state);
            let mut sessions = lock(&inner.sessions);
            ui::handle(&st, &mut sessions, &request)
        };
        lock(&inner.calls).push(record);
        let status =
            StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            reply.html,
        )
            .into_response();
        for (name, value) in [
            (header::SET_COOKIE, reply.set_cookie),
            (header::LOCATION, reply.location),
        ] {
            if let Some(value) = value.and_then(|v| header::HeaderValue::from_str(&v).ok()) {
                response.headers_mut().insert(name, value);
            }
        }
        return response;
    }
    let (reply, record) = inner.process(&method, uri.query(), &body, &base);
    lock(&inner.calls).push(record);
    if !cost.is_zero() && reply.subrequests > 0 {
        tokio::time::sleep(cost * reply.subrequests as u32).await;
    }
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match reply.body {
        ReplyBody::Json(v) => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            v.to_string(),
        )
            .into_response(),
        ReplyBody::Html(h) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            h,
        )
            .into_response(),
    }
}

/// A running fake Matomo. Dropping it stops the server.
pub struct FakeMatomo {
    url: String,
    inner: Arc<Inner>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeMatomo {
    /// Start a fake on `127.0.0.1:0` (a free port) in its own thread and tokio runtime.
    ///
    /// Panics if the port cannot be bound (a test environment problem).
    pub fn start(seed: Seed) -> FakeMatomo {
        Self::start_on(seed, 0)
    }

    /// Start a fake on `127.0.0.1:port` (`0` = any free port).
    ///
    /// Panics if the port cannot be bound.
    pub fn start_on(seed: Seed, port: u16) -> FakeMatomo {
        let inner = Arc::new(Inner {
            state: Mutex::new(seed),
            calls: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            knobs: Mutex::new(Knobs::default()),
            count: AtomicU64::new(0),
            sessions: Mutex::new(ui::Sessions::default()),
        });
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app_inner = inner.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                let app = axum::Router::new().fallback(handler).with_state(app_inner);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
            });
        });
        FakeMatomo {
            url: format!("http://{addr}/"),
            inner,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// A clone of the full state.
    pub fn state(&self) -> State {
        lock(&self.inner.state).clone()
    }

    /// Mutate the state (drift, staleness between two commands).
    pub fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut lock(&self.inner.state));
    }

    /// Track one hit on `site` (see [`State::track`]): the reports (Actions, Events, UserId,
    /// CustomDimensions, Live) then answer with it, for any period and date.
    pub fn track(&self, site: u32, hit: &Hit) -> Result<(), String> {
        lock(&self.inner.state).track(site, hit)
    }

    /// The log of calls so far (token redacted).
    pub fn calls(&self) -> Vec<CallRecord> {
        lock(&self.inner.calls).clone()
    }

    /// Forget the logged calls.
    pub fn clear_calls(&self) {
        lock(&self.inner.calls).clear();
    }

    /// Answer the next call of `method` with `status` and `body` instead of running it.
    pub fn fail_next(&self, method: &str, status: u16, body: serde_json::Value) {
        self.fail_nth(method, 1, status, body);
    }

    /// Answer the `n`th next call (1 = the next one) of `method` with `status` and `body`.
    pub fn fail_nth(&self, method: &str, n: usize, status: u16, body: serde_json::Value) {
        lock(&self.inner.faults).push(Fault {
            method: method.to_string(),
            skip: n.saturating_sub(1),
            status,
            body,
        });
    }

    /// Latency added to every request.
    pub fn set_latency(&self, d: Duration) {
        lock(&self.inner.knobs).latency = d;
    }

    /// Latency added per sub-request of an `API.getBulkRequest`.
    pub fn set_subrequest_cost(&self, d: Duration) {
        lock(&self.inner.knobs).subrequest_cost = d;
    }

    /// Makes the admin pages (`PrivacyManager.privacySettings`, `usersOptOut`) render
    /// without their `vue-entry` element, as a Matomo whose pages have another shape.
    pub fn set_admin_pages_broken(&self, broken: bool) {
        lock(&self.inner.knobs).admin_pages_broken = broken;
    }

    /// Number of HTTP requests received.
    pub fn request_count(&self) -> u64 {
        self.inner.count.load(Ordering::SeqCst)
    }
}

impl Drop for FakeMatomo {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
