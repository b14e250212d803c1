//! Matomo's UI side, as far as matoform uses it: the Login form (`index.php?module=Login`:
//! GET gives a page with a `form_nonce` kept in the session; POST `form_login`,
//! `form_password`, `form_nonce` logs in and redirects) with a session cookie
//! (`MATOMO_SESSID`), and the two admin pages of PrivacyManager whose `vue-entry` element
//! carries the settings as props, one attribute each, rendered as Matomo 5.0.2's
//! templates do: `{{ value|default(null)|json_encode }}`, HTML-escaped (so a false value
//! reads `null`, and PHP's `json_encode` escapes `/`).
//!
//! Tokens are refused on these pages for users with write access or more (superusers
//! included), as Matomo does since 4.0: only a logged-in session reads them.

use std::collections::BTreeMap;

use serde_json::{Value as J, json};

use crate::CallRecord;
use crate::php;
use crate::state::State;

/// Matomo's session cookie name.
pub const SESSION_COOKIE: &str = "MATOMO_SESSID";

const STATIC_PROPS: &str = include_str!("assets/privacy_pages_static.json");

/// One browser session.
#[derive(Debug, Clone, Default)]
struct Session {
    /// The Login form's nonce (`Login.login`), until it is used.
    nonce: Option<String>,
    /// The logged-in user.
    login: Option<String>,
}

/// The fake's UI sessions, by session id.
#[derive(Debug, Default)]
pub struct Sessions {
    counter: u64,
    by_id: BTreeMap<String, Session>,
}

impl Sessions {
    /// A fresh, hard-to-guess-enough id (a test fake: unique is what matters).
    fn fresh(&mut self, salt: &str) -> String {
        self.counter += 1;
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in format!("{salt}:{}:{:?}", self.counter, std::time::SystemTime::now()).bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}{:016x}", self.counter)
    }
}

/// The answer to a UI request.
#[derive(Debug, Clone)]
pub struct UiReply {
    /// HTTP status.
    pub status: u16,
    /// HTML body.
    pub html: String,
    /// A `Set-Cookie` header value.
    pub set_cookie: Option<String>,
    /// A `Location` header value (redirects).
    pub location: Option<String>,
}

/// The UI module a request is for (`Login`, `PrivacyManager`), from its query string;
/// `None` for an API request.
pub fn ui_module(query: Option<&str>) -> Option<String> {
    let (params, _) = php::parse(query.unwrap_or_default(), None);
    let module = params.str("module")?;
    ["Login", "PrivacyManager"]
        .contains(&module)
        .then(|| module.to_string())
}

/// What one UI request needs besides the state.
pub struct UiRequest<'a> {
    /// `GET` or `POST`.
    pub post: bool,
    /// The query string.
    pub query: &'a str,
    /// The form body (POST).
    pub body: &'a str,
    /// The `Cookie` header.
    pub cookie: Option<&'a str>,
    /// `http://host/`.
    pub base: &'a str,
    /// The admin pages render without their `vue-entry` element (a page of another shape).
    pub broken: bool,
}

/// Handles one UI request: the reply and the call record (method `ui:Module.action`,
/// `form_password` and `token_auth` redacted).
pub fn handle(st: &State, sessions: &mut Sessions, req: &UiRequest<'_>) -> (UiReply, CallRecord) {
    let (mut params, _) = php::parse(req.query, None);
    if req.post {
        params.merge(php::parse(req.body, None).0);
    }
    let module = params.str("module").unwrap_or_default().to_string();
    let action = params
        .str("action")
        .filter(|a| !a.is_empty())
        .unwrap_or("index")
        .to_string();
    let mut logged = params.flatten();
    for secret in ["form_password", "token_auth"] {
        if logged.contains_key(secret) {
            logged.insert(secret.into(), "(redacted)".into());
        }
    }
    let cookie_id = req
        .cookie
        .and_then(session_id)
        .filter(|id| sessions.by_id.contains_key(id));
    let mut record = CallRecord {
        method: format!("ui:{module}.{action}"),
        params: logged,
        login: cookie_id
            .as_ref()
            .and_then(|id| sessions.by_id.get(id))
            .and_then(|s| s.login.clone()),
        status: 200,
    };
    let reply = if module == "Login" {
        login(st, sessions, req, &params, cookie_id)
    } else {
        admin_page(st, sessions, req, &params, &action, cookie_id)
    };
    record.status = reply.status;
    (reply, record)
}

/// The session id of a `Cookie` header.
fn session_id(cookie: &str) -> Option<String> {
    cookie.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE).then(|| value.to_string())
    })
}

fn cookie_header(id: &str) -> String {
    format!("{SESSION_COOKIE}={id}; path=/; HttpOnly; SameSite=Lax")
}

/// The Login module: the form (GET), or a login attempt (POST).
fn login(
    st: &State,
    sessions: &mut Sessions,
    req: &UiRequest<'_>,
    params: &php::Params,
    cookie_id: Option<String>,
) -> UiReply {
    let submitted = req.post && params.str("form_login").is_some();
    if submitted {
        let stored = cookie_id
            .as_ref()
            .and_then(|id| sessions.by_id.get_mut(id))
            .and_then(|s| s.nonce.take());
        let sent = params.str("form_nonce").unwrap_or_default();
        if stored.is_none() || stored.as_deref() != Some(sent) {
            return login_page(
                sessions,
                cookie_id,
                Some(
                    "Form security failed. Please reload the form and check that your cookies are enabled. If you use a proxy server, you must configure Matomo to accept the proxy header that forwards the Host header.",
                ),
            );
        }
        let login = params.str("form_login").unwrap_or_default();
        let password = params.str("form_password").unwrap_or_default();
        let known = st
            .users
            .get(login)
            .is_some_and(|u| !u.password.is_empty() && u.password == password);
        if !known {
            return login_page(
                sessions,
                cookie_id,
                Some("Wrong Username and password combination."),
            );
        }
        // Matomo regenerates the session id on login.
        if let Some(old) = &cookie_id {
            sessions.by_id.remove(old);
        }
        let id = sessions.fresh(login);
        sessions.by_id.insert(
            id.clone(),
            Session {
                nonce: None,
                login: Some(login.to_string()),
            },
        );
        return UiReply {
            status: 302,
            html: String::new(),
            set_cookie: Some(cookie_header(&id)),
            location: Some(format!("{}index.php", req.base)),
        };
    }
    login_page(sessions, cookie_id, None)
}

/// The login form with a fresh nonce kept in the session (created when there is none).
fn login_page(sessions: &mut Sessions, cookie_id: Option<String>, error: Option<&str>) -> UiReply {
    let (id, set_cookie) = match cookie_id {
        Some(id) => (id, None),
        None => {
            let id = sessions.fresh("session");
            (id.clone(), Some(cookie_header(&id)))
        }
    };
    let nonce = sessions.fresh("nonce")[..32].to_string();
    sessions.by_id.entry(id).or_default().nonce = Some(nonce.clone());
    let error = error
        .map(|e| {
            format!(
                "<div vue-entry=\"CoreHome.Notification\" noclear=\"true\" context=\"error\"><strong>Error</strong>: {e}<br/></div>"
            )
        })
        .unwrap_or_default();
    // As Matomo 5's login.twig, which writes the nonce unquoted.
    let html = format!(
        r#"<!DOCTYPE html>
<html id="ng-app" ng-app="piwikApp">
<head><meta charset="utf-8"><title>Sign in - Matomo</title></head>
<body id="loginPage">
<div class="contentForm loginForm">
<div class="message_container">{error}</div>
<form id="login_form" method="post">
<input type="text" name="form_login" id="login_form_login" class="input" value="" size="20" placeholder="" autocomplete="username" tabindex="10" autofocus="autofocus" />
<input type="hidden" name="form_nonce" id="login_form_nonce" value={nonce}/>
<input type="hidden" name="form_redirect" id="login_form_redirect" value=""/>
<input type="password" name="form_password" id="login_form_password" class="input" value="" size="20" placeholder="" autocomplete="current-password" tabindex="20" />
<input name="form_rememberme" type="checkbox" id="login_form_rememberme" value="1" tabindex="90" />
<input class="submit btn btn-block" id="login_form_submit" type="submit" value="Sign in" tabindex="100" />
</form>
</div>
</body>
</html>
"#
    );
    // Matomo answers the form with an error (a refused login) as HTTP 403 (5.0.2 and
    // 5.7, plugins/Login/Controller.php `login`).
    UiReply {
        status: if error.is_empty() { 200 } else { 403 },
        html,
        set_cookie,
        location: None,
    }
}

fn error_page(status: u16, message: &str) -> UiReply {
    UiReply {
        status,
        html: format!(
            "<!DOCTYPE html>\n<html><head><title>Matomo › Error</title></head><body>\n<div class=\"box\"><p><strong>Error</strong>: {}</p></div>\n</body></html>\n",
            escape(message)
        ),
        set_cookie: None,
        location: None,
    }
}

/// `privacySettings` and `usersOptOut`, for a logged-in superuser.
fn admin_page(
    st: &State,
    sessions: &mut Sessions,
    req: &UiRequest<'_>,
    params: &php::Params,
    action: &str,
    cookie_id: Option<String>,
) -> UiReply {
    if let Some(token) = params.str("token_auth").filter(|t| !t.is_empty()) {
        return match st.users.values().find(|u| u.token == token) {
            Some(u) if u.superuser || u.access.values().any(|a| *a != crate::Access::View) => {
                error_page(
                    401,
                    "This user has at least some write access. Only tokens of users who have only view access can be used.",
                )
            }
            Some(_) => error_page(
                401,
                "You can't access this resource as it requires 'superuser' access.",
            ),
            None => error_page(401, "You must be logged in to access this functionality."),
        };
    }
    let user = cookie_id
        .as_ref()
        .and_then(|id| sessions.by_id.get(id))
        .and_then(|s| s.login.clone());
    let Some(user) = user else {
        // Matomo shows the login form to an anonymous visitor of an admin page.
        return login_page(
            sessions,
            cookie_id,
            Some("You must be logged in to access this functionality."),
        );
    };
    if !st.users.get(&user).is_some_and(|u| u.superuser) {
        return error_page(
            200,
            "You can't access this resource as it requires 'superuser' access.",
        );
    }
    let (entry, props) = match action {
        "privacySettings" => ("PrivacyManager.PrivacySettings", privacy_settings_props(st)),
        "usersOptOut" => (
            "PrivacyManager.UsersOptOut",
            users_opt_out_props(st, req.base),
        ),
        _ => {
            return error_page(
                200,
                &format!("Action '{action}' not found in the controller 'PrivacyManager'."),
            );
        }
    };
    let element = if req.broken {
        "<div id=\"privacy-app\" data-entry=\"redesigned\"></div>".to_string()
    } else {
        let mut element = format!("<div\n    vue-entry=\"{entry}\"\n");
        for (name, value) in &props {
            element.push_str(&format!("    {name}=\"{}\"\n", escape(&php_json(value))));
        }
        element.push_str("></div>");
        element
    };
    UiReply {
        status: 200,
        html: format!(
            "<!DOCTYPE html>\n<html id=\"ng-app\" ng-app=\"piwikApp\">\n<head><meta charset=\"utf-8\"><title>Administration - Matomo</title></head>\n<body>\n<div id=\"content\" class=\"admin\">\n{element}\n</div>\n</body>\n</html>\n"
        ),
        set_cookie: None,
        location: None,
    }
}

/// Twig's `default(null)`: a false or empty value becomes `null`.
fn or_null(on: bool) -> J {
    if on { J::Bool(true) } else { J::Null }
}

/// The props of `PrivacyManager.PrivacySettings`, in the template's order.
pub fn privacy_settings_props(st: &State) -> Vec<(&'static str, J)> {
    let statics: J = serde_json::from_str(STATIC_PROPS).unwrap_or(J::Null);
    let a = &st.options.anonymisation;
    let r = &st.options.retention;
    let flag = |on: bool| J::from(i64::from(on));
    let mut config = statics["delete-data-config"].clone();
    if let Some(map) = config.as_object_mut() {
        map.insert("delete_logs_enable".into(), flag(r.delete_logs_enable));
        map.insert(
            "delete_logs_older_than".into(),
            J::from(st.effective_delete_logs_older_than()),
        );
        map.insert(
            "delete_reports_enable".into(),
            flag(r.delete_reports_enable),
        );
        map.insert(
            "delete_reports_older_than".into(),
            J::from(r.delete_reports_older_than),
        );
        map.insert(
            "delete_reports_keep_basic_metrics".into(),
            flag(r.keep_basic),
        );
        map.insert("delete_reports_keep_day_reports".into(), flag(r.keep_day));
        map.insert("delete_reports_keep_week_reports".into(), flag(r.keep_week));
        map.insert(
            "delete_reports_keep_month_reports".into(),
            flag(r.keep_month),
        );
        map.insert("delete_reports_keep_year_reports".into(), flag(r.keep_year));
        map.insert(
            "delete_reports_keep_range_reports".into(),
            flag(r.keep_range),
        );
        map.insert(
            "delete_reports_keep_segment_reports".into(),
            flag(r.keep_segments),
        );
    }
    let mut delete_data = statics["delete-data"].clone();
    if let Some(map) = delete_data.as_object_mut() {
        map.insert("config".into(), config);
    }
    let mut props = vec![
        ("anonymize-ip-enabled", or_null(a.ip_anonymizer_enabled)),
        ("anonymize-user-id", or_null(a.anonymize_user_id)),
        ("mask-length", J::from(a.mask_length)),
        // Stored as the string "0" until a setter writes a boolean (recorded).
        (
            "use-anonymized-ip-for-visit-enrichment",
            if a.use_anonymized_ip_for_visit_enrichment {
                J::Bool(true)
            } else {
                J::from("0")
            },
        ),
        ("anonymize-order-id", or_null(a.anonymize_order_id)),
        (
            "force-cookieless-tracking",
            or_null(a.force_cookieless_tracking),
        ),
        (
            "anonymize-referrer",
            if a.anonymize_referrer.is_empty() {
                J::Null
            } else {
                J::from(a.anonymize_referrer.clone())
            },
        ),
        (
            "mask-length-options",
            statics["mask-length-options"].clone(),
        ),
        (
            "use-anonymized-ip-for-visit-enrichment-options",
            statics["use-anonymized-ip-for-visit-enrichment-options"].clone(),
        ),
        ("tracker-file-name", J::from("matomo.js")),
        ("tracker-writable", J::Bool(true)),
        (
            "referrer-anonymization-options",
            statics["referrer-anonymization-options"].clone(),
        ),
        ("is-data-purge-settings-enabled", J::Bool(true)),
        ("delete-data", delete_data),
        (
            "schedule-deletion-options",
            statics["schedule-deletion-options"].clone(),
        ),
        ("anonymizations", json!([])),
        ("is-super-user", J::Bool(true)),
    ];
    if st.version.is_57() {
        props.push(("randomize-config-id", J::Bool(a.randomize_config_id)));
        props.push(("config-randomisation-feature-flag", J::Bool(false)));
    }
    props
}

/// The props of `PrivacyManager.UsersOptOut`, in the template's order.
pub fn users_opt_out_props(st: &State, base: &str) -> Vec<(&'static str, J)> {
    let statics: J = serde_json::from_str(STATIC_PROPS).unwrap_or(J::Null);
    vec![
        ("matomo-url", J::from(base)),
        ("language", J::from("en")),
        ("language-options", json!([])),
        ("is-super-user", J::Bool(true)),
        ("dnt-support", J::Bool(st.options.do_not_track)),
        (
            "do-not-track-options",
            statics["do-not-track-options"].clone(),
        ),
    ]
}

/// PHP's `json_encode` (escapes `/`).
fn php_json(value: &J) -> String {
    value.to_string().replace('/', "\\/")
}

/// Twig's HTML escaping (`htmlspecialchars` with `ENT_QUOTES`).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('\'', "&#039;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
