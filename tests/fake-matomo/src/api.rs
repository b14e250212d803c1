//! The API methods, with Matomo's behaviour as recorded (5.0.2, and 5.7 where the version
//! switch says so). Pure over [`State`]: one call in, one JSON answer (or failure) out.

use crate::php::{Params, Value as PV, php_trim};
use crate::state::{
    Access, Anonymisation, CustomDimension, Extraction, Goal, Site, SiteAnonymisation, State,
};
use serde_json::{Map, Value as J, json};
use std::collections::BTreeMap;

/// How a call failed; each maps to an HTTP status and the JSON error envelope.
#[derive(Debug, Clone, PartialEq)]
pub enum Fail {
    /// Access too low (401, JSON).
    Access(String),
    /// Business error (200, JSON envelope).
    Error(String),
    /// Missing or unconvertible parameter, unknown method (200 on 5.0.2, 400 on 5.7).
    Param(String),
    /// PHP type error (500).
    Type(String),
    /// Unknown module on 5.7 (404).
    NotFound(String),
}

impl Fail {
    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Fail::Access(m)
            | Fail::Error(m)
            | Fail::Param(m)
            | Fail::Type(m)
            | Fail::NotFound(m) => m,
        }
    }

    /// The HTTP status in the given version.
    pub fn status(&self, is_57: bool) -> u16 {
        match self {
            Fail::Access(_) => 401,
            Fail::Error(_) => 200,
            Fail::Param(_) => {
                if is_57 {
                    400
                } else {
                    200
                }
            }
            Fail::Type(_) => 500,
            Fail::NotFound(_) => 404,
        }
    }

    /// The JSON error envelope.
    pub fn body(&self) -> J {
        json!({"result": "error", "message": self.message()})
    }
}

type R = Result<J, Fail>;

fn ok() -> R {
    Ok(json!({"result": "success", "message": "ok"}))
}

fn val(v: impl Into<J>) -> R {
    Ok(json!({"value": v.into()}))
}

const SUPER: &str = "You can't access this resource as it requires a 'superuser' access.";
const PII: &str = include_str!("assets/pii_params.txt");
/// The `excluded_parameters` help of 5.7 (5.0.2's is in `assets/site_settings.json`).
const EXCLUDED_PARAMETERS_HELP_57: &str = "Enter each URL parameter on a separate line to exclude from tracking and reports. Regular expressions such as /^sess.*|.*[dD]ate$/ are supported.<br /><br />Matomo will automatically exclude the common session parameters (phpsessid, sessionid, ...).";
const DEFAULT_SEARCH_KEYWORDS: &str = "q,query,s,search,searchword,k,keyword,keywords";

fn need_site(level: &str, id: impl std::fmt::Display) -> Fail {
    Fail::Access(format!(
        "You can't access this resource as it requires '{level}' access for the website id = {id}."
    ))
}

fn missing(name: &str) -> Fail {
    Fail::Param(format!("Please specify a value for '{name}'."))
}

fn unexpected_site(raw: &str) -> Fail {
    Fail::Error(format!(
        "An unexpected website was found in the request: website id was set to '{raw}' ."
    ))
}

fn esc(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(&html_escape::encode_text(s))
        .replace('\'', "&#039;")
}

/// PHP `(bool)` of a request string.
fn php_bool(s: &str) -> bool {
    !(s.is_empty() || s == "0")
}

/// A typed bool parameter (5.6+): `1`/`true` true, `0`/`false`/`` false.
fn typed_bool(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "on" | "yes"
    )
}

/// PHP `urldecode()`.
fn urldecode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Normalise a comma list: trim items (PHP `trim`), drop empty ones (Matomo's excluded IPs).
fn norm_list(s: &str) -> String {
    s.split(',')
        .map(php_trim)
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// `checkAndReturnCommaSeparatedStringList`: trim items, drop empty ones, drop repeats
/// (`array_unique`: case-sensitive, the first one stays).
fn unique_list(s: &str) -> String {
    let mut seen = std::collections::BTreeSet::new();
    s.split(',')
        .map(php_trim)
        .filter(|x| !x.is_empty() && seen.insert(*x))
        .collect::<Vec<_>>()
        .join(",")
}

/// Matomo's input sanitising as its API answers show it: HTML entities decoded once
/// (`html_entity_decode` with the HTML 4.01 table, so `&apos;` stays) and NUL bytes dropped.
fn sanitize(s: &str) -> String {
    const APOS: &str = "&apos;";
    s.split(APOS)
        .map(|part| html_escape::decode_html_entities(part).replace('\0', ""))
        .collect::<Vec<_>>()
        .join(APOS)
}

/// Whether PHP's `parse_url()` finds a scheme (`host:port` is not one).
fn has_scheme(u: &str) -> bool {
    let Some((scheme, rest)) = u.split_once(':') else {
        return false;
    };
    let valid = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    let port = rest.split('/').next().unwrap_or_default();
    let is_port = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
    valid && !is_port
}

/// `UrlHelper::isLookLikeUrl`: `[scheme]:` (optional) then `//` then something, and not a
/// `javascript:`, `vbscript:` or `data:` URL.
fn look_like_url(u: &str) -> bool {
    let Some(i) = u.find("//") else {
        return false;
    };
    let (prefix, rest) = (&u[..i], &u[i + 2..]);
    let scheme_ok = match prefix.strip_suffix(':') {
        None => prefix.is_empty(),
        Some("") => true,
        Some(sch) => {
            sch.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && sch
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        }
    };
    let lower = prefix.to_ascii_lowercase();
    scheme_ok
        && !rest.is_empty()
        && !rest.contains('\n')
        && !["javascript:", "vbscript:", "data:"].contains(&lower.as_str())
}

/// `Urls::cleanParameterUrls`: drop empty and `"0"` entries, `urldecode`, drop ONE trailing
/// `/` from a URL longer than 5 bytes (before trimming: `"x/ "` keeps its slash), add
/// `http://` when there is no scheme, trim, sanitise (line breaks dropped too), drop repeats
/// (case-sensitive, the first one stays).
fn clean_urls(items: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in items.iter().filter(|u| !u.is_empty() && **u != "0") {
        let mut u = urldecode(raw);
        if u.len() > 5 && u.ends_with('/') {
            u.pop();
        }
        if !has_scheme(&u) && !u.contains("://") {
            u = if u.starts_with("//") {
                format!("http:{u}")
            } else {
                format!("http://{u}")
            };
        }
        let u = sanitize(php_trim(&u)).replace(['\n', '\r'], "");
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

/// The sort (and uniqueness) key of MariaDB's `utf8mb4_general_ci`, which orders the
/// `site_url` table: case-insensitive, Latin-1 accents folded (`é` = `E`, `ß` = `S`),
/// trailing spaces ignored, characters beyond the BMP all equal. Approximation: letters
/// beyond Latin-1 are only upper-cased.
pub fn general_ci_key(s: &str) -> Vec<char> {
    s.trim_end_matches(' ')
        .chars()
        .map(|c| {
            if u32::from(c) > 0xFFFF {
                return '\u{FFFD}';
            }
            let folded = match c {
                'À'..='Å' | 'à'..='å' => 'A',
                'Ç' | 'ç' => 'C',
                'È'..='Ë' | 'è'..='ë' => 'E',
                'Ì'..='Ï' | 'ì'..='ï' => 'I',
                'Ñ' | 'ñ' => 'N',
                'Ò'..='Ö' | 'ò'..='ö' => 'O',
                'Ù'..='Ü' | 'ù'..='ü' => 'U',
                'Ý' | 'ý' | 'ÿ' => 'Y',
                'ß' => 'S',
                'æ' => 'Æ',
                'ð' => 'Ð',
                'ø' => 'Ø',
                'þ' => 'Þ',
                _ => c,
            };
            let mut up = folded.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => folded,
            }
        })
        .collect()
}

fn valid_ip(ip: &str) -> bool {
    let (addr, mask) = match ip.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (ip, None),
    };
    if let Some(m) = mask {
        match m.parse::<u8>() {
            Ok(n) if n <= 128 => {}
            _ => return false,
        }
    }
    if addr.contains(':') {
        return addr.parse::<std::net::Ipv6Addr>().is_ok();
    }
    let parts: Vec<&str> = addr.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            *p == "*" || (!p.is_empty() && p.len() <= 3 && p.parse::<u16>().is_ok_and(|n| n <= 255))
        })
}

const TZ_AREAS: &[&str] = &[
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
];

fn valid_timezone(tz: &str) -> bool {
    if tz == "UTC" {
        return true;
    }
    if let Some(off) = tz.strip_prefix("UTC") {
        let num = off.trim_start_matches(['+', '-']);
        return (off.starts_with('+') || off.starts_with('-')) && num.parse::<f64>().is_ok();
    }
    match tz.split_once('/') {
        Some((area, city)) => {
            TZ_AREAS.contains(&area)
                && !city.is_empty()
                && !["City", "Olympus", "Zone"].contains(&city)
        }
        None => false,
    }
}

/// Known timezone display names (from the recordings); others fall back to the city.
fn timezone_name(tz: &str) -> String {
    let known = [
        ("Europe/Berlin", "Germany - Berlin"),
        ("America/New_York", "United States - New York"),
        ("Asia/Tokyo", "Japan"),
        ("Europe/Paris", "France"),
        ("America/Cayenne", "French Guiana"),
        ("Indian/Reunion", "Réunion"),
        ("Pacific/Noumea", "New Caledonia"),
        ("Europe/Vienna", "Austria"),
        ("America/Los_Angeles", "United States - Los Angeles"),
        ("Europe/London", "United Kingdom"),
        ("Europe/Zurich", "Switzerland"),
    ];
    if let Some((_, n)) = known.iter().find(|(k, _)| *k == tz) {
        return (*n).to_string();
    }
    match tz.split_once('/') {
        Some((_, city)) => city.replace('_', " "),
        None => tz.to_string(),
    }
}

const CURRENCIES: &[(&str, &str)] = &[
    ("USD", "US Dollar"),
    ("EUR", "Euro"),
    ("JPY", "Japanese Yen"),
    ("GBP", "British Pound"),
    ("CHF", "Swiss Franc"),
    ("AUD", "Australian Dollar"),
    ("CAD", "Canadian Dollar"),
    ("CNY", "Chinese Yuan"),
    ("DKK", "Danish Krone"),
    ("SEK", "Swedish Krona"),
    ("NOK", "Norwegian Krone"),
    ("PLN", "Polish Zloty"),
    ("CZK", "Czech Koruna"),
    ("HUF", "Hungarian Forint"),
    ("BRL", "Brazilian Real"),
    ("INR", "Indian Rupee"),
    ("MXN", "Mexican Peso"),
    ("NZD", "New Zealand Dollar"),
    ("RUB", "Russian Ruble"),
    ("ZAR", "South African Rand"),
    ("XPF", "CFP Franc"),
    ("MAD", "Moroccan Dirham"),
    ("TND", "Tunisian Dinar"),
    ("XOF", "West African CFA Franc"),
];

fn currency_name(c: &str) -> Option<&'static str> {
    CURRENCIES.iter().find(|(k, _)| *k == c).map(|(_, n)| *n)
}

/// One API call: the state, the caller, the parameters.
pub struct Call<'a> {
    /// The state.
    pub st: &'a mut State,
    /// Caller login; `None` = anonymous.
    pub login: Option<String>,
    /// The parameters (`$_REQUEST`).
    pub p: &'a Params,
    /// Base URL of the fake (for the tracking code and error pages).
    pub base: &'a str,
    /// Current time `YYYY-MM-DD HH:MM:SS` (for `ts_created`).
    pub now: &'a str,
}

impl Call<'_> {
    fn is57(&self) -> bool {
        self.st.version.is_57()
    }

    fn is_super(&self) -> bool {
        self.login
            .as_ref()
            .and_then(|l| self.st.users.get(l))
            .is_some_and(|u| u.superuser)
    }

    fn access(&self, site: u32) -> Option<Access> {
        if self.is_super() {
            return Some(Access::Admin);
        }
        match &self.login {
            Some(l) => self
                .st
                .users
                .get(l)
                .and_then(|u| u.access.get(&site).copied()),
            None => self
                .st
                .anonymous_view
                .contains(&site)
                .then_some(Access::View),
        }
    }

    fn check_super(&self) -> Result<(), Fail> {
        if self.is_super() {
            Ok(())
        } else {
            Err(Fail::Access(SUPER.into()))
        }
    }

    fn check_site(&self, level: Access, site: u32) -> Result<(), Fail> {
        match self.access(site) {
            Some(a) if a >= level => Ok(()),
            _ => Err(need_site(level.as_str(), site)),
        }
    }

    fn has_some(&self, level: Access) -> bool {
        if self.is_super() {
            return true;
        }
        match &self.login {
            Some(l) => self
                .st
                .users
                .get(l)
                .is_some_and(|u| u.access.values().any(|a| *a >= level)),
            None => level == Access::View && !self.st.anonymous_view.is_empty(),
        }
    }

    fn check_some(&self, level: Access) -> Result<(), Fail> {
        if self.has_some(level) {
            Ok(())
        } else {
            Err(Fail::Access(format!(
                "You can't access this resource as it requires {} access for at least one website.",
                level.as_str()
            )))
        }
    }

    fn opt(&self, k: &str) -> Option<&PV> {
        self.p.get(k)
    }

    /// A scalar parameter, `None` if absent (an array counts as absent).
    fn s(&self, k: &str) -> Option<&str> {
        self.p.str(k)
    }

    /// A required scalar: absent or empty → "Please specify a value".
    fn req(&self, k: &str) -> Result<String, Fail> {
        match self.opt(k) {
            Some(PV::Str(s)) if !s.is_empty() => Ok(s.clone()),
            Some(PV::Arr(items)) if !items.is_empty() => Ok(String::new()),
            _ => Err(missing(k)),
        }
    }

    /// The site id from `k`, with access `level` checked (superusers get the existence check).
    fn site(&self, k: &str, level: Access) -> Result<u32, Fail> {
        let raw = self.req(k)?;
        let id = raw.trim().parse::<u32>().ok();
        if self.is_super() {
            match id {
                Some(id) if self.st.sites.contains_key(&id) => Ok(id),
                _ => Err(unexpected_site(&raw)),
            }
        } else {
            match id {
                Some(id) => {
                    self.check_site(level, id)?;
                    if self.st.sites.contains_key(&id) {
                        Ok(id)
                    } else {
                        Err(unexpected_site(&raw))
                    }
                }
                None => Err(unexpected_site(&raw)),
            }
        }
    }

    fn password_ok(&self, pw: &str) -> bool {
        self.login
            .as_ref()
            .and_then(|l| self.st.users.get(l))
            .is_some_and(|u| u.password == pw)
    }

    fn confirm_password(&self, msg_missing: &str) -> Result<(), Fail> {
        match self.s("passwordConfirmation") {
            None | Some("") => Err(Fail::Error(msg_missing.into())),
            Some(pw) if self.password_ok(pw) => Ok(()),
            Some(_) => Err(Fail::Error(
                "The current password you entered is not correct.".into(),
            )),
        }
    }

    /// Dispatch one method (no bulk limit handling here).
    pub fn dispatch(&mut self, method: &str) -> R {
        let Some((module, action)) = method.split_once('.') else {
            return Err(self.unknown_module(method));
        };
        if !self.st.plugins.contains(module) {
            return Err(self.unknown_module(module));
        }
        let v57 = self.is57();
        match (module, action) {
            ("API", "getMatomoVersion") => {
                self.check_some(Access::View)?;
                val(self.st.version.version_string())
            }
            ("API", "isPluginActivated") => {
                let name = self.req("pluginName")?;
                self.check_some(Access::View)?;
                val(self.st.plugins.contains(&name))
            }
            ("API", "getBulkRequest") => self.bulk(),
            ("UsersManager", "hasSuperUserAccess") => val(self.is_super()),
            ("UsersManager", "getUsersAccessFromSite") => self.users_access_from_site(),
            ("UsersManager", "getSitesAccessFromUser") => self.sites_access_from_user(),
            ("UsersManager", "setUserAccess") => self.set_user_access(),
            ("SitesManager", "getSitesWithAdminAccess") => self.sites_with_admin_access(),
            ("SitesManager", "getSitesWithAtLeastViewAccess") => self.sites_with_view_access(),
            ("SitesManager", "getAllSites") => {
                self.check_super()?;
                let ids: Vec<u32> = self.st.sites.keys().copied().collect();
                Ok(J::Array(
                    ids.iter().map(|id| self.site_json(*id, false)).collect(),
                ))
            }
            ("SitesManager", "getAllSitesId") => {
                self.check_super()?;
                Ok(J::Array(self.st.sites.keys().map(|id| json!(id)).collect()))
            }
            ("SitesManager", "getSiteFromId") => {
                let id = self.site("idSite", Access::View)?;
                Ok(self.site_json(id, false))
            }
            ("SitesManager", "getSiteUrlsFromId") => {
                let id = self.site("idSite", Access::View)?;
                Ok(json!(self.site_urls(id)))
            }
            ("SitesManager", "getSiteSettings") => {
                let id = self.site("idSite", Access::Admin)?;
                Ok(self.site_settings(id))
            }
            ("SitesManager", "addSite") => self.add_site(),
            ("SitesManager", "updateSite") => self.update_site(),
            ("SitesManager", "deleteSite") => self.delete_site(),
            ("SitesManager", "getJavascriptTag") => self.javascript_tag(),
            ("SitesManager", "getExcludedIpsGlobal") => {
                self.check_some(Access::Admin)?;
                Ok(opt_json(&self.st.options.excluded_ips_global))
            }
            ("SitesManager", "setGlobalExcludedIps") => {
                self.check_super()?;
                let raw = self.req("excludedIps")?;
                let list = norm_list(&raw);
                for ip in list.split(',').filter(|x| !x.is_empty()) {
                    if !valid_ip(ip) {
                        return Err(Fail::Error(format!(
                            "The IP to exclude &quot;{}&quot; does not have a valid IP format (eg. 1.2.3.4, 1.2.3.*, or 1.2.3.4/5).",
                            esc(ip)
                        )));
                    }
                }
                self.st.options.excluded_ips_global = Some(list);
                val(true)
            }
            ("SitesManager", "getExcludedQueryParametersGlobal") => {
                self.check_some(Access::View)?;
                if v57 {
                    val(self.effective_query_params(None).join(","))
                } else {
                    Ok(opt_json(&self.st.options.excluded_query_parameters_global))
                }
            }
            ("SitesManager", "setGlobalExcludedQueryParameters") => {
                self.check_super()?;
                let raw = self.req("excludedQueryParameters")?;
                let list = unique_list(&raw);
                if v57 {
                    self.st.options.query_param_exclusion_type = if list.is_empty() {
                        "common_session_parameters".into()
                    } else {
                        "custom".into()
                    };
                }
                self.st.options.excluded_query_parameters_global = Some(list);
                val(true)
            }
            ("SitesManager", "getExcludedUserAgentsGlobal") => {
                self.check_some(Access::Admin)?;
                Ok(opt_json(&self.st.options.excluded_user_agents_global))
            }
            ("SitesManager", "setGlobalExcludedUserAgents") => {
                self.check_super()?;
                let raw = self.req("excludedUserAgents")?;
                self.st.options.excluded_user_agents_global = Some(unique_list(&raw));
                ok()
            }
            ("SitesManager", "getExcludedReferrersGlobal") => {
                self.check_some(Access::Admin)?;
                val(self
                    .st
                    .options
                    .excluded_referrers_global
                    .clone()
                    .unwrap_or_default())
            }
            ("SitesManager", "setGlobalExcludedReferrers") => {
                self.check_super()?;
                let raw = self.req("excludedReferrers")?;
                self.st.options.excluded_referrers_global = Some(unique_list(&raw));
                ok()
            }
            ("SitesManager", "getKeepURLFragmentsGlobal") => {
                self.check_some(Access::View)?;
                val(self.st.options.keep_url_fragments_global.unwrap_or(false))
            }
            ("SitesManager", "setKeepURLFragmentsGlobal") => {
                self.check_super()?;
                let raw = self.req("enabled")?;
                self.st.options.keep_url_fragments_global = Some(php_bool(&raw));
                ok()
            }
            ("SitesManager", "getSearchKeywordParametersGlobal") => {
                self.check_some(Access::Admin)?;
                val(self
                    .st
                    .options
                    .search_keyword_parameters_global
                    .clone()
                    .unwrap_or_else(|| DEFAULT_SEARCH_KEYWORDS.into()))
            }
            ("SitesManager", "getSearchCategoryParametersGlobal") => {
                self.check_some(Access::Admin)?;
                Ok(opt_json(&self.st.options.search_category_parameters_global))
            }
            ("SitesManager", "setGlobalSearchParameters") => {
                self.check_super()?;
                let k = self.req("searchKeywordParameters")?;
                let c = self.req("searchCategoryParameters")?;
                // Stored as sent (`Option::set`), no list clean-up.
                self.st.options.search_keyword_parameters_global = Some(k);
                self.st.options.search_category_parameters_global = Some(c);
                val(true)
            }
            ("SitesManager", "getDefaultTimezone") => val(self.st.options.default_timezone.clone()),
            ("SitesManager", "setDefaultTimezone") => {
                self.check_super()?;
                let tz = self.req("defaultTimezone")?;
                check_timezone(&tz)?;
                self.st.options.default_timezone = tz;
                val(true)
            }
            ("SitesManager", "getDefaultCurrency") => {
                self.check_some(Access::Admin)?;
                val(self.st.options.default_currency.clone())
            }
            ("SitesManager", "setDefaultCurrency") => {
                self.check_super()?;
                let c = self.req("defaultCurrency")?;
                check_currency(&c)?;
                self.st.options.default_currency = c;
                val(true)
            }
            ("SitesManager", "setGlobalQueryParamExclusion") if v57 => {
                self.set_query_param_exclusion()
            }
            ("SitesManager", "getExclusionTypeForQueryParams") if v57 => {
                self.check_some(Access::View)?;
                let site = self.optional_site()?;
                if self.enforced(site) {
                    val("matomo_recommended_pii")
                } else {
                    val(self.st.options.query_param_exclusion_type.clone())
                }
            }
            ("SitesManager", "getExcludedQueryParameters") if v57 => {
                let id = self.site("idSite", Access::View)?;
                let mut list: Vec<String> = self
                    .effective_query_params(Some(id))
                    .into_iter()
                    .filter(|x| !x.is_empty())
                    .collect();
                if let Some(site) = self.st.sites.get(&id) {
                    list.extend(
                        site.excluded_parameters
                            .split(',')
                            .filter(|x| !x.is_empty())
                            .map(String::from),
                    );
                }
                Ok(json!(list))
            }
            ("Goals", "getGoals") => {
                let id = self.site("idSite", Access::View)?;
                let goals = self.st.goals.get(&id).cloned().unwrap_or_default();
                Ok(J::Array(
                    goals
                        .iter()
                        .filter(|(_, g)| g.deleted == 0)
                        .map(|(gid, g)| goal_json(id, *gid, g))
                        .collect(),
                ))
            }
            ("Goals", "getGoal") => {
                let id = self.site("idSite", Access::View)?;
                let gid = self.req("idGoal")?;
                match gid.parse::<u32>().ok().and_then(|g| {
                    self.st
                        .goals
                        .get(&id)
                        .and_then(|m| m.get(&g))
                        .map(|x| (g, x))
                }) {
                    Some((g, goal)) if goal.deleted == 0 => Ok(goal_json(id, g, goal)),
                    _ => ok(),
                }
            }
            ("Goals", "addGoal") => self.add_or_update_goal(false),
            ("Goals", "updateGoal") => self.add_or_update_goal(true),
            ("Goals", "deleteGoal") => {
                let id = self.site("idSite", Access::Write)?;
                let gid = self.req("idGoal")?;
                if let Some(g) = gid
                    .parse::<u32>()
                    .ok()
                    .and_then(|g| self.st.goals.get_mut(&id).and_then(|m| m.get_mut(&g)))
                {
                    g.deleted = 1;
                }
                ok()
            }
            ("CustomDimensions", "getConfiguredCustomDimensions") => {
                let id = self.site("idSite", Access::View)?;
                let dims = self
                    .st
                    .custom_dimensions
                    .get(&id)
                    .cloned()
                    .unwrap_or_default();
                Ok(J::Array(
                    dims.iter().map(|d| dimension_json(id, d)).collect(),
                ))
            }
            ("CustomDimensions", "getAvailableScopes") => {
                let id = self.site("idSite", Access::View)?;
                let dims = self.st.custom_dimensions.get(&id);
                let slots = self.st.custom_dimension_slots;
                let scopes = [("visit", "Visit", false), ("action", "Action", true)]
                    .iter()
                    .map(|(scope, name, extractions)| {
                        let used = dims
                            .map_or(0, |d| d.iter().filter(|d| d.scope == *scope).count())
                            as u32;
                        json!({
                            "value": scope,
                            "name": name,
                            "numSlotsAvailable": slots,
                            "numSlotsUsed": used,
                            "numSlotsLeft": slots.saturating_sub(used),
                            "supportsExtractions": extractions,
                        })
                    })
                    .collect();
                Ok(J::Array(scopes))
            }
            ("CustomDimensions", "configureNewCustomDimension") => self.new_dimension(),
            ("CustomDimensions", "configureExistingCustomDimension") => self.existing_dimension(),
            ("PrivacyManager", "setAnonymizeIpSettings") => {
                if v57 {
                    self.set_anonymize_57()
                } else {
                    self.set_anonymize_502()
                }
            }
            ("PrivacyManager", "getAnonymisationSettings") if v57 => self.get_anonymisation(),
            ("PrivacyManager", "getAvailableVisitColumnsToAnonymize") => {
                self.check_super()?;
                Ok(
                    serde_json::from_str(include_str!("assets/visit_columns.json"))
                        .unwrap_or(J::Null),
                )
            }
            ("PrivacyManager", "activateDoNotTrack") => {
                self.check_super()?;
                self.st.options.do_not_track = true;
                val(true)
            }
            ("PrivacyManager", "deactivateDoNotTrack") => {
                self.check_super()?;
                self.st.options.do_not_track = false;
                val(true)
            }
            ("PrivacyManager", "setDeleteLogsSettings") => {
                self.check_super()?;
                self.confirm_password("Please enter your password to confirm this change.")?;
                let r = &mut self.st.options.retention;
                r.delete_logs_enable = php_bool(self.p.str("enableDeleteLogs").unwrap_or("0"));
                let days = self
                    .p
                    .str("deleteLogsOlderThan")
                    .map_or(180, |d| d.trim().parse::<i64>().unwrap_or(0));
                r.delete_logs_older_than = days.max(1);
                val(true)
            }
            ("PrivacyManager", "setDeleteReportsSettings") => {
                self.check_super()?;
                self.confirm_password("Please enter your password to confirm this change.")?;
                let flag = |k: &str| php_bool(self.p.str(k).unwrap_or("0"));
                let enable = flag("enableDeleteReports");
                let months = self
                    .p
                    .str("deleteReportsOlderThan")
                    .map_or(3, |d| d.trim().parse::<i64>().unwrap_or(0))
                    .max(2);
                let keeps = [
                    flag("keepBasic"),
                    flag("keepDay"),
                    flag("keepWeek"),
                    flag("keepMonth"),
                    flag("keepYear"),
                    flag("keepRange"),
                    flag("keepSegments"),
                ];
                let r = &mut self.st.options.retention;
                r.delete_reports_enable = enable;
                r.delete_reports_older_than = months;
                [
                    r.keep_basic,
                    r.keep_day,
                    r.keep_week,
                    r.keep_month,
                    r.keep_year,
                    r.keep_range,
                    r.keep_segments,
                ] = keeps;
                val(true)
            }
            ("PrivacyManager", "getCompliancePolicies") if v57 => Ok(serde_json::from_str(
                include_str!("assets/compliance_policies.json"),
            )
            .unwrap_or(J::Null)),
            ("PrivacyManager", "getComplianceStatus") if v57 => self.get_compliance(),
            ("PrivacyManager", "setComplianceStatus") if v57 => self.set_compliance(),
            ("CorePluginsAdmin", "getSystemSettings") => {
                self.check_super()?;
                Ok(json!([self.live_settings_json(
                    self.st.options.live_disable_visitor_log,
                    self.st.options.live_disable_visitor_profile
                )]))
            }
            ("CorePluginsAdmin", "setSystemSettings") => {
                self.check_super()?;
                self.confirm_password(if v57 {
                    "Please re-authenticate to confirm this change."
                } else {
                    "Please enter your password to confirm this change."
                })?;
                if let Some(live) = self.opt("settingValues").and_then(|v| v.get("Live")) {
                    let (log, profile) = live_values(live);
                    if let Some(b) = log {
                        self.st.options.live_disable_visitor_log = b;
                    }
                    if let Some(b) = profile {
                        self.st.options.live_disable_visitor_profile = b;
                    }
                }
                ok()
            }
            ("CoreAdminHome", "getOptOutJSEmbedCode") => self.opt_out_code(),
            ("Live", "getLastVisitsDetails") => self.last_visits_details(),
            ("Live", "getVisitorProfile") => {
                let id = self.site("idSite", Access::View)?;
                self.check_visitor_profile(id)?;
                Ok(json!([]))
            }
            _ => Err(Fail::Param(format!(
                "The method '{action}' does not exist or is not available in the module '\\Piwik\\Plugins\\{module}\\API'."
            ))),
        }
    }

    fn unknown_module(&self, module: &str) -> Fail {
        if self.is57() {
            Fail::NotFound(format!("The plugin {module} was not found."))
        } else {
            Fail::Error(format!(
                "The plugin {module} is not enabled. You can activate the plugin on Settings &gt; Plugins page in Matomo."
            ))
        }
    }

    fn bulk(&mut self) -> R {
        let urls: Vec<String> = match self.opt("urls") {
            Some(PV::Arr(items)) => items
                .iter()
                .filter_map(|(_, v)| v.as_str().map(String::from))
                .collect(),
            Some(PV::Str(s)) if !s.is_empty() => vec![s.clone()],
            _ => return Err(missing("urls")),
        };
        if urls.is_empty() {
            return Err(missing("urls"));
        }
        let mut out = Vec::with_capacity(urls.len());
        for u in urls {
            // Matomo trims each sub-request and drops its line feeds and tabs before parsing.
            let u = crate::php::php_trim(&u).replace(['\n', '\t'], "");
            let (sub, _) = crate::php::parse(&u, None);
            let mut params = self.p.clone();
            params.merge(sub);
            params.trim_scalars();
            let method = params.str("method").unwrap_or_default().to_string();
            let mut call = Call {
                st: &mut *self.st,
                login: self.login.clone(),
                p: &params,
                base: self.base,
                now: self.now,
            };
            let answer = match call.dispatch(&method) {
                Ok(v) => apply_limit(v, &params, keyed_field(&method)),
                Err(f) => f.body(),
            };
            out.push(answer);
        }
        Ok(J::Array(out))
    }

    /// `getSiteUrlsFromId`: the main URL, then the aliases in the order of the `site_url`
    /// table (its primary key `idsite, url`, so sorted by [`general_ci_key`]).
    fn site_urls(&self, id: u32) -> Vec<String> {
        match self.st.sites.get(&id) {
            Some(s) if s.urls.is_empty() => vec![String::new()],
            Some(s) => {
                let mut aliases = s.urls[1..].to_vec();
                aliases.sort_by_cached_key(|u| general_ci_key(u));
                let mut out = vec![s.urls[0].clone()];
                out.extend(aliases);
                out
            }
            None => Vec::new(),
        }
    }

    fn site_json(&self, id: u32, alias: bool) -> J {
        let Some(s) = self.st.sites.get(&id) else {
            return J::Null;
        };
        let mut m = Map::new();
        m.insert("idsite".into(), json!(id));
        m.insert("name".into(), json!(s.name));
        m.insert(
            "main_url".into(),
            json!(s.urls.first().cloned().unwrap_or_default()),
        );
        m.insert("ts_created".into(), json!(s.ts_created));
        m.insert("ecommerce".into(), json!(s.ecommerce));
        m.insert("sitesearch".into(), json!(s.sitesearch));
        m.insert(
            "sitesearch_keyword_parameters".into(),
            json!(s.sitesearch_keyword_parameters),
        );
        m.insert(
            "sitesearch_category_parameters".into(),
            json!(s.sitesearch_category_parameters),
        );
        m.insert("timezone".into(), json!(s.timezone));
        m.insert("currency".into(), json!(s.currency));
        m.insert("exclude_unknown_urls".into(), json!(s.exclude_unknown_urls));
        m.insert("excluded_ips".into(), json!(s.excluded_ips));
        m.insert("excluded_parameters".into(), json!(s.excluded_parameters));
        m.insert("excluded_user_agents".into(), json!(s.excluded_user_agents));
        m.insert("excluded_referrers".into(), json!(s.excluded_referrers));
        m.insert("group".into(), json!(s.group));
        m.insert("type".into(), json!(s.r#type));
        m.insert("keep_url_fragment".into(), json!(s.keep_url_fragment));
        if self.is_super() {
            m.insert("creator_login".into(), json!(s.creator_login));
        }
        m.insert("timezone_name".into(), json!(timezone_name(&s.timezone)));
        m.insert(
            "currency_name".into(),
            json!(currency_name(&s.currency).unwrap_or(s.currency.as_str())),
        );
        if alias {
            m.insert("alias_urls".into(), json!(self.site_urls(id)));
        }
        J::Object(m)
    }

    fn sites_with_admin_access(&self) -> R {
        let alias = self.s("fetchAliasUrls").is_some_and(php_bool);
        let ids: Vec<u32> = self
            .st
            .sites
            .keys()
            .copied()
            .filter(|id| self.access(*id) == Some(Access::Admin))
            .collect();
        Ok(J::Array(
            ids.iter().map(|id| self.site_json(*id, alias)).collect(),
        ))
    }

    /// `SitesManager.getSitesWithAtLeastViewAccess`: the sites the caller views or
    /// administers (no alias URLs), as recorded for the viewer.
    fn sites_with_view_access(&self) -> R {
        let ids: Vec<u32> = self
            .st
            .sites
            .keys()
            .copied()
            .filter(|id| self.access(*id).is_some())
            .collect();
        Ok(J::Array(
            ids.iter().map(|id| self.site_json(*id, false)).collect(),
        ))
    }

    fn live_settings_json(&self, log: bool, profile: bool) -> J {
        let template: J =
            serde_json::from_str(include_str!("assets/site_settings.json")).unwrap_or(J::Null);
        let mut live = template.get(1).cloned().unwrap_or(J::Null);
        if let Some(settings) = live.get_mut("settings").and_then(J::as_array_mut) {
            for s in settings.iter_mut() {
                let v = match s.get("name").and_then(J::as_str) {
                    Some("disable_visitor_log") => {
                        s["title"] = json!(self.live_log_title());
                        log
                    }
                    _ => profile,
                };
                s["value"] = json!(v);
            }
        }
        live
    }

    /// The title of the Live `disable_visitor_log` setting (its capitals changed in 5.7).
    fn live_log_title(&self) -> &'static str {
        if self.is57() {
            "Turn off Visits log and Visitor profiles"
        } else {
            "Turn off visits log and visitor profiles"
        }
    }

    /// Whether the instance turns the visits log off: its Live system setting, or (5.7 with
    /// the PrivacyCompliance flag) a compliance policy enforced instance-wide.
    fn instance_log_off(&self) -> bool {
        self.st.options.live_disable_visitor_log || self.enforced(None)
    }

    /// Which per-site Live settings the instance leaves to the site (`MeasurableSettings`:
    /// a setting the instance turns off is not writable, so it is not listed by
    /// `getSiteSettings` and silently ignored by addSite/updateSite): (log, profile).
    fn live_writable(&self) -> (bool, bool) {
        (
            !self.instance_log_off(),
            !self.st.options.live_disable_visitor_profile,
        )
    }

    /// `Live::checkIsVisitorLogEnabled` for each of `sites`.
    fn check_visitor_log(&self, sites: &[u32]) -> Result<(), Fail> {
        if self.instance_log_off() {
            return Err(Fail::Error("Visits log is deactivated globally. A user with super user access can enable this feature in the general settings.".into()));
        }
        for id in sites {
            let off = self.st.sites.get(id).is_some_and(|s| s.disable_visitor_log)
                || self.enforced(Some(*id));
            if off {
                return Err(Fail::Error(format!(
                    "Visits log is deactivated in website settings. A user with at least admin access can enable this feature in the settings for this website (idSite={id})."
                )));
            }
        }
        Ok(())
    }

    /// `Live::checkIsVisitorProfileEnabled` (the log first, then the profile).
    fn check_visitor_profile(&self, site: u32) -> Result<(), Fail> {
        self.check_visitor_log(&[site])?;
        if self.st.options.live_disable_visitor_profile {
            return Err(Fail::Error("Visitor profile is deactivated globally. A user with super user access can enable this feature in the general settings.".into()));
        }
        if self
            .st
            .sites
            .get(&site)
            .is_some_and(|s| s.disable_visitor_profile)
        {
            return Err(Fail::Error(format!(
                "Visitor profile is deactivated in website settings. A user with at least admin access can enable this feature in the settings for this website (idSite={site})."
            )));
        }
        Ok(())
    }

    /// `Live.getLastVisitsDetails` (the fake has no visits: an empty list once allowed).
    fn last_visits_details(&self) -> R {
        let raw = self.req("idSite")?;
        let mut ids = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Ok(id) = part.parse::<u32>() else {
                return Err(unexpected_site(&raw));
            };
            if !self.is_super() {
                self.check_site(Access::View, id)?;
            }
            if !self.st.sites.contains_key(&id) {
                return Err(unexpected_site(&raw));
            }
            ids.push(id);
        }
        self.check_visitor_log(&ids)?;
        Ok(json!([]))
    }

    fn site_settings(&self, id: u32) -> J {
        let Some(site) = self.st.sites.get(&id) else {
            return J::Null;
        };
        let mut template: J =
            serde_json::from_str(include_str!("assets/site_settings.json")).unwrap_or(J::Null);
        let split = |s: &str| -> J { json!(s.split(',').collect::<Vec<_>>()) };
        let kw_global = self
            .st
            .options
            .search_keyword_parameters_global
            .clone()
            .unwrap_or_else(|| DEFAULT_SEARCH_KEYWORDS.into());
        let cat_global = self
            .st
            .options
            .search_category_parameters_global
            .clone()
            .unwrap_or_default();
        if let Some(settings) = template
            .get_mut(0)
            .and_then(|w| w.get_mut("settings"))
            .and_then(J::as_array_mut)
        {
            for s in settings.iter_mut() {
                let name = s
                    .get("name")
                    .and_then(J::as_str)
                    .unwrap_or_default()
                    .to_string();
                let v = match name.as_str() {
                    "urls" => json!(self.site_urls(id)),
                    "exclude_unknown_urls" => json!(site.exclude_unknown_urls == 1),
                    "keep_url_fragment" => json!(site.keep_url_fragment.to_string()),
                    "excluded_ips" => split(&site.excluded_ips),
                    "excluded_parameters" => {
                        if self.is57() {
                            s["inlineHelp"] = json!(EXCLUDED_PARAMETERS_HELP_57);
                        }
                        split(&site.excluded_parameters)
                    }
                    "excluded_user_agents" => split(&site.excluded_user_agents),
                    "excluded_referrers" => {
                        if let Some(global) = self
                            .st
                            .options
                            .excluded_referrers_global
                            .as_deref()
                            .filter(|g| !g.is_empty())
                            && let Some(help) = s["inlineHelp"].as_str()
                        {
                            s["inlineHelp"] = json!(format!(
                                "{help}<br /><br /><strong>Global list of excluded referrers</strong><br />{}",
                                esc(global)
                            ));
                        }
                        split(&site.excluded_referrers)
                    }
                    "sitesearch" => json!(site.sitesearch),
                    "use_default_site_search_params" => {
                        s["description"] = json!(format!(
                            "Query parameter (Default): {kw_global} & Category parameter: {cat_global}"
                        ));
                        // Matomo derives the default from the site itself.
                        let v = site.sitesearch_keyword_parameters.is_empty()
                            && site.sitesearch_category_parameters.is_empty();
                        s["defaultValue"] = json!(v);
                        json!(v)
                    }
                    "sitesearch_keyword_parameters" => split(&site.sitesearch_keyword_parameters),
                    "sitesearch_category_parameters" => split(&site.sitesearch_category_parameters),
                    "ecommerce" => json!(site.ecommerce),
                    _ => continue,
                };
                s["value"] = v;
            }
        }
        if site.r#type == "intranet"
            && let Some(first) = template.get_mut(0)
        {
            // The measurable type's own settings plugin.
            first["pluginName"] = json!("IntranetMeasurable");
            first["title"] = json!("IntranetMeasurable");
        }
        if let Some(arr) = template.as_array_mut()
            && arr.len() > 1
        {
            let (log_w, profile_w) = self.live_writable();
            let mut live =
                self.live_settings_json(site.disable_visitor_log, site.disable_visitor_profile);
            if let Some(settings) = live.get_mut("settings").and_then(J::as_array_mut) {
                settings.retain(|s| match s.get("name").and_then(J::as_str) {
                    Some("disable_visitor_log") => log_w,
                    _ => profile_w,
                });
            }
            if log_w || profile_w {
                arr[1] = live;
            } else {
                arr.truncate(1);
            }
        }
        template
    }

    /// Read, validate and apply the site fields of addSite/updateSite onto `site`. Returns
    /// the alias that collides with an earlier one in the `site_url` table's key, if any
    /// (the caller then stores what Matomo had written before the SQL error).
    fn apply_site_fields(&self, site: &mut Site, update: bool) -> Result<Option<Collision>, Fail> {
        const LISTS: [&str; 6] = [
            "excludedIps",
            "excludedQueryParameters",
            "excludedUserAgents",
            "excludedReferrers",
            "searchKeywordParameters",
            "searchCategoryParameters",
        ];
        for k in LISTS {
            if matches!(self.opt(k), Some(PV::Arr(_))) {
                return Err(Fail::Type(
                    "explode(): Argument #2 ($string) must be of type string, array given".into(),
                ));
            }
        }
        if let Some(name) = self.s("siteName")
            && update
        {
            // updateSite's `siteName` has a default, so an empty one reaches `checkName`.
            if name.is_empty() {
                return Err(Fail::Error("The website name can't be empty.".into()));
            }
            site.name = sanitize(name);
        }
        if let Some(tz) = self.s("timezone").filter(|t| !t.is_empty()) {
            check_timezone(tz)?;
            site.timezone = tz.to_string();
        }
        if let Some(c) = self.s("currency").filter(|t| !t.is_empty()) {
            check_currency(c)?;
            site.currency = c.to_string();
        }
        let mut collision = None;
        if let Some(urls) = self.opt("urls") {
            let items: Vec<&str> = urls.items().into_iter().filter_map(PV::as_str).collect();
            let list = clean_urls(&items);
            if let Some(bad) = list.iter().find(|u| !look_like_url(u)) {
                return Err(Fail::Error(format!(
                    "URLs: The url '{}' is not a valid URL.",
                    esc(bad)
                )));
            }
            if list.is_empty() {
                if update {
                    return Err(Fail::Error(
                        "URLs: You must specify at least one URL for the website.".into(),
                    ));
                }
            } else {
                let mut keys = std::collections::BTreeSet::new();
                for (i, alias) in list.iter().enumerate().skip(1) {
                    if !keys.insert(general_ci_key(alias)) {
                        collision = Some(Collision {
                            kept: list[1..i].to_vec(),
                            url: alias.clone(),
                        });
                        break;
                    }
                }
                site.urls = list;
            }
        }
        let bool_field = |k: &str, title: &str| -> Result<Option<i64>, Fail> {
            match self.s(k) {
                None => Ok(None),
                Some("0") | Some("") => Ok(Some(0)),
                Some("1") => Ok(Some(1)),
                Some(_) => Err(Fail::Error(format!(
                    "{title}: The value for the &quot;{title}&quot; field in the &quot;WebsiteMeasurable&quot; plugin is not allowed"
                ))),
            }
        };
        const EUU: &str =
            "Only track visits and actions when the action URL starts with one of the above URLs.";
        if let Some(v) = bool_field("excludeUnknownUrls", EUU)? {
            site.exclude_unknown_urls = v;
        }
        match self.s("keepURLFragments") {
            None | Some("") => {}
            Some(k @ ("0" | "1" | "2")) => site.keep_url_fragment = k.parse().unwrap_or(0),
            Some(_) => {
                let t = "Keep Page URL fragments when tracking Page URLs";
                return Err(Fail::Error(format!(
                    "{t}: The value for the &quot;{t}&quot; field in the &quot;WebsiteMeasurable&quot; plugin is not allowed"
                )));
            }
        }
        let ips = self.s("excludedIps").map(|v| norm_list(&sanitize(v)));
        if let Some(ips) = &ips {
            for ip in ips.split(',').filter(|x| !x.is_empty()) {
                if !valid_ip(ip) {
                    return Err(Fail::Error(format!(
                        "Excluded IPs: The IP to exclude &quot;{}&quot; does not have a valid IP format (eg. 1.2.3.4, 1.2.3.*, or 1.2.3.4/5).",
                        esc(ip)
                    )));
                }
            }
        }
        if let Some(v) = bool_field("siteSearch", "Site Search")? {
            site.sitesearch = v;
        }
        if let Some(v) = bool_field("ecommerce", "Ecommerce")? {
            site.ecommerce = v;
        }
        // The six lists: on update, every list not sent is ERASED (Matomo 5.0.2 trap).
        // Excluded IPs: entries trimmed, empty ones dropped (repeats kept); the other
        // excluded lists also drop repeats; the site-search parameters are stored as sent.
        let list = |k: &str| -> Option<String> { self.s(k).map(|v| unique_list(&sanitize(v))) };
        let raw = |k: &str| -> Option<String> { self.s(k).map(sanitize) };
        let lists = [
            (&mut site.excluded_ips, ips),
            (
                &mut site.excluded_parameters,
                list("excludedQueryParameters"),
            ),
            (&mut site.excluded_user_agents, list("excludedUserAgents")),
            (&mut site.excluded_referrers, list("excludedReferrers")),
            (
                &mut site.sitesearch_keyword_parameters,
                raw("searchKeywordParameters"),
            ),
            (
                &mut site.sitesearch_category_parameters,
                raw("searchCategoryParameters"),
            ),
        ];
        for (field, sent) in lists {
            *field = sent.unwrap_or_default();
        }
        if let Some(g) = self.s("group")
            && (!update || self.is_super())
        {
            site.group = sanitize(php_trim(g));
        }
        if let Some(d) = self.s("startDate").filter(|d| !d.is_empty()) {
            site.ts_created = if d.len() == 10 {
                format!("{d} 00:00:00")
            } else {
                d.to_string()
            };
        }
        if let Some(t) = self.s("type").filter(|t| !t.is_empty()) {
            site.r#type = t.to_string();
        }
        if let Some(live) = self.opt("settingValues").and_then(|v| v.get("Live")) {
            // Only the settings the instance leaves to the site are read (and validated);
            // the others are ignored without a word.
            let (log_w, profile_w) = self.live_writable();
            let checked = |name: &str, title: &str| -> Result<Option<bool>, Fail> {
                match live_value(live, name) {
                    None => Ok(None),
                    Some("1") => Ok(Some(true)),
                    Some("0") => Ok(Some(false)),
                    Some(_) => Err(Fail::Error(format!(
                        "{title}: The value for the &quot;{title}&quot; field in the &quot;Live&quot; plugin is not allowed"
                    ))),
                }
            };
            if log_w && let Some(b) = checked("disable_visitor_log", self.live_log_title())? {
                site.disable_visitor_log = b;
            }
            if profile_w
                && let Some(b) = checked("disable_visitor_profile", "Turn off visitor profiles")?
            {
                site.disable_visitor_profile = b;
            }
        }
        Ok(collision)
    }

    fn add_site(&mut self) -> R {
        self.check_super()?;
        let name = sanitize(&self.req("siteName")?);
        let mut site = Site::new(
            &name,
            "",
            &self.st.options.default_timezone,
            &self.st.options.default_currency,
        );
        site.urls.clear();
        site.ts_created = self.now.to_string();
        site.creator_login = self.login.clone().unwrap_or_else(|| "anonymous".into());
        let collision = self.apply_site_fields(&mut site, false)?;
        let id = self
            .st
            .next_site_id
            .max(self.st.sites.keys().max().map_or(1, |m| m + 1));
        self.st.next_site_id = id + 1;
        match collision {
            None => {
                self.st.sites.insert(id, site);
                val(id)
            }
            Some(c) => {
                // The site row was created with the defaults and an empty main URL; the
                // aliases before the collision were inserted; nothing else was saved.
                let mut partial = Site::new(&site.name, "", &site.timezone, &site.currency);
                partial.urls.extend(c.kept.iter().cloned());
                partial.ts_created = site.ts_created.clone();
                partial.r#type = site.r#type.clone();
                partial.group = site.group.clone();
                partial.creator_login = site.creator_login.clone();
                self.st.sites.insert(id, partial);
                Err(c.error(id))
            }
        }
    }

    fn update_site(&mut self) -> R {
        let raw = self.req("idSite")?;
        let id = raw.trim().parse::<u32>().unwrap_or(0);
        if !self.is_super() {
            self.check_site(Access::Admin, id)?;
        }
        let Some(before) = self.st.sites.get(&id).cloned() else {
            return Err(Fail::Error(format!("website id = {raw} not found")));
        };
        let mut site = before.clone();
        match self.apply_site_fields(&mut site, true)? {
            None => {
                self.st.sites.insert(id, site);
                ok()
            }
            Some(c) => {
                // Written before the SQL error: the site row's own columns (name, timezone,
                // currency, group, start date, type) and the aliases before the collision
                // (the old ones deleted); the main URL, lists and flags stay as they were.
                let mut partial = before;
                partial.name = site.name;
                partial.timezone = site.timezone;
                partial.currency = site.currency;
                partial.group = site.group;
                partial.ts_created = site.ts_created;
                partial.r#type = site.r#type;
                partial.urls.truncate(1);
                if partial.urls.is_empty() {
                    partial.urls.push(String::new());
                }
                partial.urls.extend(c.kept.iter().cloned());
                self.st.sites.insert(id, partial);
                Err(c.error(id))
            }
        }
    }

    fn delete_site(&mut self) -> R {
        self.check_super()?;
        let raw = self.req("idSite")?;
        if self.s("force_api_session").is_some_and(php_bool) {
            self.confirm_password("Please enter your password to confirm this change.")?;
        }
        let id = raw.trim().parse::<u32>().unwrap_or(0);
        if !self.st.sites.contains_key(&id) {
            return Err(Fail::Error(format!("website id = {raw} not found")));
        }
        if self.st.sites.len() == 1 {
            // Assumption: message not recorded.
            return Err(Fail::Error(
                "It is not possible to delete this website as it is the only registered website. Add a new website first, then delete this one."
                    .into(),
            ));
        }
        self.st.sites.remove(&id);
        self.st.goals.remove(&id);
        self.st.custom_dimensions.remove(&id);
        self.st.anonymous_view.remove(&id);
        for u in self.st.users.values_mut() {
            u.access.remove(&id);
        }
        ok()
    }

    fn users_access_from_site(&self) -> R {
        let id = self.site("idSite", Access::Admin)?;
        let mut m = Map::new();
        for (login, u) in &self.st.users {
            if let Some(a) = u.access.get(&id)
                && !u.superuser
            {
                m.insert(login.clone(), json!(a.as_str()));
            }
        }
        if self.st.anonymous_view.contains(&id) {
            m.insert("anonymous".into(), json!("view"));
        }
        Ok(J::Object(m))
    }

    /// `getSitesAccessFromUser(userLogin)`: superuser only, then the user must exist
    /// (`anonymous` does); `[{"site": id, "access": role}]` by site id.
    fn sites_access_from_user(&self) -> R {
        self.check_super()?;
        let login = self.req("userLogin")?;
        let rows: Vec<J> = if login == "anonymous" {
            self.st
                .anonymous_view
                .iter()
                .map(|id| json!({"site": id, "access": "view"}))
                .collect()
        } else {
            match self.st.users.get(&login) {
                None => {
                    return Err(Fail::Error(format!(
                        "User '{}' doesn't exist.",
                        esc(&login)
                    )));
                }
                Some(u) => u
                    .access
                    .iter()
                    .map(|(id, a)| json!({"site": id, "access": a.as_str()}))
                    .collect(),
            }
        };
        Ok(J::Array(rows))
    }

    fn set_user_access(&mut self) -> R {
        let login = self.req("userLogin")?;
        let access: Vec<String> = match self.opt("access") {
            Some(v) => v
                .items()
                .into_iter()
                .filter_map(PV::as_str)
                .map(String::from)
                .collect(),
            None => return Err(missing("access")),
        };
        let roles = ["view", "write", "admin", "noaccess"];
        let role = access.iter().find(|a| roles.contains(&a.as_str())).cloned();
        if let Some(bad) = access.iter().find(|a| !roles.contains(&a.as_str())) {
            return Err(Fail::Error(format!(
                "The parameter access must have one of the following values: [ view, write, admin ], '{}' given.",
                esc(bad)
            )));
        }
        let Some(role) = role else {
            return Err(missing("access"));
        };
        let ids: Vec<u32> = match self.opt("idSites") {
            Some(PV::Str(s)) if s == "all" => self
                .st
                .sites
                .keys()
                .copied()
                .filter(|id| self.access(*id) == Some(Access::Admin))
                .collect(),
            Some(v) => v
                .items()
                .into_iter()
                .filter_map(PV::as_str)
                .flat_map(|s| s.split(','))
                .filter_map(|s| s.trim().parse::<u32>().ok())
                .collect(),
            None => return Err(missing("idSites")),
        };
        if login == "anonymous" && !(role == "view" || role == "noaccess") {
            return Err(Fail::Error(
                "You can only set access noaccess or view access to the 'anonymous' user.".into(),
            ));
        }
        for id in &ids {
            if !self.is_super() {
                self.check_site(Access::Admin, *id)?;
            }
        }
        if login != "anonymous" {
            match self.st.users.get(&login) {
                None => {
                    return Err(Fail::Error(format!(
                        "User '{}' doesn't exist.",
                        esc(&login)
                    )));
                }
                Some(u) if u.superuser => {
                    return Err(Fail::Error(format!(
                        "The user '{}' has Super User access and has already permission to access and modify all websites in Matomo. You may remove the Super User access from this user and try again.",
                        esc(&login)
                    )));
                }
                Some(_) => {}
            }
        }
        let level = match role.as_str() {
            "view" => Some(Access::View),
            "write" => Some(Access::Write),
            "admin" => Some(Access::Admin),
            _ => None,
        };
        for id in ids.into_iter().filter(|id| self.st.sites.contains_key(id)) {
            if login == "anonymous" {
                if level.is_some() {
                    self.st.anonymous_view.insert(id);
                } else {
                    self.st.anonymous_view.remove(&id);
                }
            } else if let Some(u) = self.st.users.get_mut(&login) {
                match level {
                    Some(l) => {
                        u.access.insert(id, l);
                    }
                    None => {
                        u.access.remove(&id);
                    }
                }
            }
        }
        ok()
    }

    fn add_or_update_goal(&mut self, update: bool) -> R {
        let id = self.site("idSite", Access::Write)?;
        let gid = if update {
            Some(self.req("idGoal")?)
        } else {
            None
        };
        let name = self.req("name")?;
        let match_attribute = self.req("matchAttribute")?;
        let pattern = self.req("pattern")?;
        let pattern_type = self.req("patternType")?;
        let allowed: &[&str] = if match_attribute == "visit_duration" {
            &["greater_than"]
        } else {
            &["exact", "contains", "regex"]
        };
        if !allowed.contains(&pattern_type.as_str()) {
            return Err(Fail::Error(format!(
                "The value &quot;{}&quot; is not allowed, use one of: {}.",
                esc(&pattern_type),
                allowed.join(", ")
            )));
        }
        let pattern_d = sanitize(&urldecode(&pattern));
        if match_attribute == "url"
            && pattern_type == "exact"
            && !(pattern_d.starts_with("http://") || pattern_d.starts_with("https://"))
        {
            return Err(Fail::Error("If you choose 'exact match', the matching string must be a URL starting with http:// or https://. For example, 'http://www.yourwebsite.com/newsletter/subscribed.html'.".into()));
        }
        if pattern_type == "regex" && !balanced(&pattern_d) {
            return Err(Fail::Error(format!(
                "The value &quot;/{}/&quot; is not a valid regular expression.",
                esc(&pattern_d)
            )));
        }
        let flag = |k: &str| i64::from(self.s(k).is_some_and(php_bool));
        let goal = Goal {
            name: sanitize(&urldecode(&name)),
            description: sanitize(&urldecode(self.s("description").unwrap_or_default())),
            match_attribute,
            pattern: pattern_d,
            pattern_type,
            case_sensitive: flag("caseSensitive"),
            allow_multiple: flag("allowMultipleConversionsPerVisit"),
            revenue: self
                .s("revenue")
                .and_then(|r| r.trim().parse::<f64>().ok())
                .unwrap_or(0.0),
            deleted: 0,
            event_value_as_revenue: flag("useEventValueAsRevenue"),
        };
        let goals = self.st.goals.entry(id).or_default();
        match gid {
            Some(g) => {
                if let Some(slot) = g.parse::<u32>().ok().and_then(|g| goals.get_mut(&g)) {
                    *slot = goal;
                }
                ok()
            }
            None => {
                let next = goals.keys().max().map_or(1, |m| m + 1);
                goals.insert(next, goal);
                val(next)
            }
        }
    }

    fn extractions(&self) -> Vec<Extraction> {
        match self.opt("extractions") {
            Some(v @ PV::Arr(_)) => v
                .items()
                .into_iter()
                .filter_map(|e| {
                    Some(Extraction {
                        dimension: e.get("dimension")?.as_str()?.to_string(),
                        pattern: e.get("pattern")?.as_str()?.to_string(),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `checkCustomDimensionConfig`: the name (required, at most 255 bytes, none of
    /// `/ \\ & . < >` nor a quote, which Matomo's escaping turns into `&…;`), `active` and
    /// `caseSensitive` (`0` or `1`).
    fn check_dimension_config(name: &str, active: &str, case: Option<&str>) -> Result<(), Fail> {
        let name = sanitize(name);
        if name.len() > 255 {
            return Err(Fail::Error(
                "Name contains too many characters, use up to 255 characters.".into(),
            ));
        }
        if name.contains(['/', '\\', '&', '.', '<', '>', '\'', '"']) {
            return Err(Fail::Error(
                "Allowed characters are any letters, numbers, whitespace, a dash and underline."
                    .into(),
            ));
        }
        if !matches!(active, "0" | "1") {
            return Err(Fail::Error(format!(
                "Invalid value '{active}' for 'active' specified. Allowed values: '0' or '1'"
            )));
        }
        if let Some(c) = case.filter(|c| !matches!(*c, "0" | "1")) {
            return Err(Fail::Error(format!(
                "Invalid value '{c}' for 'caseSensitive' specified. Allowed values: '0' or '1'"
            )));
        }
        Ok(())
    }

    fn check_extractions(scope: &str, ex: &[Extraction]) -> Result<(), Fail> {
        if !ex.is_empty() && scope != "action" {
            return Err(Fail::Error(
                "Extractions can be used only in scope 'action'".into(),
            ));
        }
        for e in ex {
            if e.dimension != "urlparam"
                && (e.pattern.matches('(').count() != 1 || !e.pattern.contains(')'))
            {
                return Err(Fail::Error("You need to group exactly one part of the regular expression inside round brackets, eg 'index_(.+).html'".into()));
            }
        }
        Ok(())
    }

    fn new_dimension(&mut self) -> R {
        let id = self.site("idSite", Access::Write)?;
        let name = self.req("name")?;
        let scope = self.req("scope")?;
        let active = self.req("active")?;
        let ex = self.extractions();
        Self::check_dimension_config(&name, &active, self.s("caseSensitive"))?;
        if !["visit", "action", "conversion"].contains(&scope.as_str()) {
            return Err(Fail::Error(format!(
                "Invalid value '{scope}' for 'scope' specified. Available scopes are: visit, action, conversion"
            )));
        }
        Self::check_extractions(&scope, &ex)?;
        let case_sensitive = self.s("caseSensitive").is_none_or(php_bool);
        let dims = self.st.custom_dimensions.entry(id).or_default();
        // Dimension\Index::getNextIndex: the first installed index no dimension of the scope
        // holds (active or not).
        let Some(index) = (1..=self.st.custom_dimension_slots)
            .find(|i| !dims.iter().any(|d| d.scope == scope && d.index == *i))
        else {
            return Err(Fail::Error(format!(
                "All Custom Dimensions for website {id} in scope '{scope}' are already used."
            )));
        };
        let next = dims.iter().map(|d| d.id).max().map_or(1, |m| m + 1);
        dims.push(CustomDimension {
            id: next,
            name: sanitize(&name),
            index,
            scope,
            active: php_bool(&active),
            extractions: ex,
            case_sensitive,
        });
        val(next)
    }

    fn existing_dimension(&mut self) -> R {
        let raw = self.req("idDimension")?;
        let id = self.site("idSite", Access::Write)?;
        let name = self.req("name")?;
        let active = self.req("active")?;
        let ex = self.extractions();
        let case = self.s("caseSensitive").map(php_bool);
        let dim_id = raw.parse::<u32>().unwrap_or(0);
        let scope = self
            .st
            .custom_dimensions
            .get(&id)
            .and_then(|d| d.iter().find(|d| d.id == dim_id))
            .map(|d| d.scope.clone());
        let Some(scope) = scope else {
            return Err(Fail::Error(format!(
                "Dimension {} for website {id} does not exist.",
                esc(&raw)
            )));
        };
        Self::check_dimension_config(&name, &active, self.s("caseSensitive"))?;
        Self::check_extractions(&scope, &ex)?;
        if let Some(d) = self
            .st
            .custom_dimensions
            .get_mut(&id)
            .and_then(|d| d.iter_mut().find(|d| d.id == dim_id))
        {
            d.name = sanitize(&name);
            d.active = php_bool(&active);
            d.extractions = ex;
            if let Some(c) = case {
                d.case_sensitive = c;
            }
        }
        ok()
    }

    fn set_anonymize_502(&mut self) -> R {
        let enable = self.req("anonymizeIPEnable")?;
        let mask = self.req("maskLength")?;
        let enrich = self.req("useAnonymizedIpForVisitEnrichment")?;
        self.check_super()?;
        let a = &mut self.st.options.anonymisation;
        match enable.as_str() {
            "1" => a.ip_anonymizer_enabled = true,
            "0" => a.ip_anonymizer_enabled = false,
            _ => {}
        }
        a.mask_length = mask.trim().parse::<i64>().unwrap_or(0);
        a.use_anonymized_ip_for_visit_enrichment = php_bool(&enrich);
        if let Some(v) = self.p.str("anonymizeUserId") {
            a.anonymize_user_id = php_bool(v);
        }
        if let Some(v) = self.p.str("anonymizeOrderId") {
            a.anonymize_order_id = php_bool(v);
        }
        if let Some(v) = self.p.str("forceCookielessTracking") {
            a.force_cookieless_tracking = php_bool(v);
        }
        let referrer = self.p.str("anonymizeReferrer").unwrap_or_default();
        a.anonymize_referrer =
            if ["exclude_query", "exclude_path", "exclude_all"].contains(&referrer) {
                referrer.to_string()
            } else {
                String::new()
            };
        val(true)
    }

    fn set_anonymize_57(&mut self) -> R {
        let enable = self.req("anonymizeIPEnable")?;
        let mask = self
            .req("ipAddressMaskLength")?
            .trim()
            .parse::<i64>()
            .map_err(|_| missing("ipAddressMaskLength"))?;
        let enrich = self.req("useAnonymizedIpForVisitEnrichment")?;
        let b = |k: &str| self.p.str(k).is_some_and(typed_bool);
        // PrivacyManager API::setAnonymizeIpSettings: admin access to the site suffices for
        // its own settings; `useSiteSpecificSettings=0` removes them and answers true before
        // the password confirmation or any value is looked at.
        let site = match self.p.str("idSiteSpecific").filter(|s| !s.is_empty()) {
            Some(raw) => {
                let id = raw.trim().parse::<u32>().unwrap_or(0);
                if !self.is_super() {
                    self.check_site(Access::Admin, id)?;
                }
                Some(id)
            }
            None => {
                self.check_super()?;
                None
            }
        };
        if let Some(id) = site
            && !b("useSiteSpecificSettings")
        {
            self.st.site_anonymisation.remove(&id);
            return val(true);
        }
        let randomize = b("randomizeConfigId");
        if randomize {
            self.confirm_password("Please re-authenticate to confirm this change.")?;
        }
        let referrer = self.p.str("anonymizeReferrer").unwrap_or_default();
        let values = Anonymisation {
            ip_anonymizer_enabled: typed_bool(&enable),
            mask_length: mask,
            use_anonymized_ip_for_visit_enrichment: typed_bool(&enrich),
            anonymize_user_id: b("anonymizeUserId"),
            anonymize_order_id: b("anonymizeOrderId"),
            anonymize_referrer: if ["exclude_query", "exclude_path", "exclude_all"]
                .contains(&referrer)
            {
                referrer.to_string()
            } else {
                String::new()
            },
            force_cookieless_tracking: b("forceCookielessTracking"),
            randomize_config_id: randomize,
        };
        match site {
            Some(id) => {
                self.st.site_anonymisation.insert(
                    id,
                    SiteAnonymisation {
                        use_site_specific: true,
                        values,
                    },
                );
            }
            None => self.st.options.anonymisation = values,
        }
        val(true)
    }

    fn enforced(&self, site: Option<u32>) -> bool {
        self.st.cnil_enforced(site)
    }

    fn optional_site(&self) -> Result<Option<u32>, Fail> {
        match self.s("idSite").filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(id) if self.st.sites.contains_key(&id) => Ok(Some(id)),
                _ => Err(unexpected_site(raw)),
            },
        }
    }

    /// The effective global query-parameter exclusions (5.7).
    fn effective_query_params(&self, site: Option<u32>) -> Vec<String> {
        let kind = if self.enforced(site) {
            "matomo_recommended_pii"
        } else {
            self.st.options.query_param_exclusion_type.as_str()
        };
        match kind {
            "matomo_recommended_pii" => PII.trim().split(',').map(String::from).collect(),
            "custom" => self
                .st
                .options
                .excluded_query_parameters_global
                .clone()
                .unwrap_or_default()
                .split(',')
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        }
    }

    fn set_query_param_exclusion(&mut self) -> R {
        let kind = self.req("exclusionType")?;
        self.check_super()?;
        let allowed = [
            "common_session_parameters",
            "matomo_recommended_pii",
            "custom",
        ];
        if !allowed.contains(&kind.as_str()) {
            return Err(Fail::Error(format!(
                "The value &quot;{}&quot; is not allowed, use one of: common_session_parameters, matomo_recommended_pii, custom.",
                esc(&kind)
            )));
        }
        let params = norm_list(self.s("queryParamsToExclude").unwrap_or_default());
        if kind == "custom" && params.is_empty() {
            return Err(Fail::Error(
                "Query parameters to exclude must be provided when exclusion type is custom".into(),
            ));
        }
        if kind != "custom" && !params.is_empty() {
            return Err(Fail::Error(
                "Query parameters to exclude must not be provided when exclusion type is not custom".into(),
            ));
        }
        self.st.options.excluded_query_parameters_global =
            if kind == "custom" { Some(params) } else { None };
        self.st.options.query_param_exclusion_type = kind;
        ok()
    }

    fn get_anonymisation(&self) -> R {
        let site = match self.s("idSiteSpecific").filter(|s| !s.is_empty()) {
            Some(raw) => {
                let id = raw.trim().parse::<u32>().unwrap_or(0);
                if !self.is_super() {
                    self.check_site(Access::Admin, id)?;
                }
                Some(id)
            }
            None => {
                self.check_super()?;
                None
            }
        };
        let global = &self.st.options.anonymisation;
        let (mut v, use_site) = match site.and_then(|id| self.st.site_anonymisation.get(&id)) {
            Some(o) => (o.values.clone(), o.use_site_specific),
            None => (global.clone(), false),
        };
        v.force_cookieless_tracking = global.force_cookieless_tracking;
        let enforced = self.enforced(site);
        if enforced {
            v.ip_anonymizer_enabled = true;
            v.mask_length = v.mask_length.max(2);
            v.anonymize_order_id = true;
            if v.anonymize_referrer.is_empty() || v.anonymize_referrer == "exclude_query" {
                v.anonymize_referrer = "exclude_path".into();
            }
        }
        let mut m = Map::new();
        m.insert(
            "useAnonymizedIpForVisitEnrichment".into(),
            json!(v.use_anonymized_ip_for_visit_enrichment),
        );
        m.insert("ipAddressMaskLength".into(), json!(v.mask_length));
        m.insert(
            "doNotTrackEnabled".into(),
            json!(self.st.options.do_not_track),
        );
        m.insert("ipAnonymizerEnabled".into(), json!(v.ip_anonymizer_enabled));
        m.insert(
            "forceCookielessTracking".into(),
            json!(v.force_cookieless_tracking),
        );
        m.insert("anonymizeUserId".into(), json!(v.anonymize_user_id));
        m.insert("anonymizeOrderId".into(), json!(v.anonymize_order_id));
        m.insert("anonymizeReferrer".into(), json!(v.anonymize_referrer));
        m.insert("randomizeConfigId".into(), json!(v.randomize_config_id));
        m.insert("useSiteSpecificSettings".into(), json!(use_site));
        let statics: J = serde_json::from_str(include_str!("assets/anonymisation_static.json"))
            .unwrap_or(J::Null);
        if let J::Object(s) = statics {
            m.extend(s);
        }
        if enforced {
            let meta = |req: J| json!({"compliancePolicyControlled": {"cnil_v1": {"requiredValue": req}}, "idSite": site});
            m.insert(
                "extraMetadata".into(),
                json!({
                    "ipAddressMaskLength": meta(json!(2)),
                    "ipAnonymizerEnabled": meta(json!(1)),
                    "anonymizeOrderId": meta(json!(true)),
                    "anonymizeReferrer": meta(json!("exclude_path")),
                }),
            );
        }
        Ok(J::Object(m))
    }

    fn compliance_common(&self) -> Result<Option<u32>, Fail> {
        let raw = self.req("idSite")?;
        self.req("complianceType")?;
        if !matches!(
            self.st.version,
            crate::state::VersionMode::V5_7 {
                compliance_flag: true
            }
        ) {
            return Err(Fail::Error("Feature not available".into()));
        }
        Ok(if raw == "all" {
            None
        } else {
            Some(raw.trim().parse::<u32>().unwrap_or(0))
        })
    }

    fn get_compliance(&self) -> R {
        let site = self.compliance_common()?;
        self.check_super()?;
        if self.s("complianceType") != Some("cnil_v1") {
            return Err(Fail::Error("Invalid compliance type".into()));
        }
        if let Some(id) = site
            && !self.st.sites.contains_key(&id)
        {
            return Err(unexpected_site(&id.to_string()));
        }
        let enforced = self.enforced(site);
        let mut reqs: Vec<J> =
            serde_json::from_str(include_str!("assets/compliance_requirements.json"))
                .unwrap_or_default();
        let a = match site.and_then(|id| self.st.site_anonymisation.get(&id)) {
            Some(o) if o.use_site_specific => o.values.clone(),
            _ => self.st.options.anonymisation.clone(),
        };
        let ecommerce_on = match site {
            Some(id) => self.st.sites.get(&id).is_some_and(|s| s.ecommerce == 1),
            None => self.st.sites.values().any(|s| s.ecommerce == 1),
        };
        let visits_log_off = self.st.options.live_disable_visitor_log
            || site
                .and_then(|id| self.st.sites.get(&id))
                .is_some_and(|s| s.disable_visitor_log);
        for (i, r) in reqs.iter_mut().enumerate() {
            let value = if i == 15 {
                "unknown"
            } else if enforced {
                "compliant"
            } else {
                let c = match i {
                    2 => !ecommerce_on,
                    3 => a.anonymize_order_id,
                    4 => self.st.options.query_param_exclusion_type == "matomo_recommended_pii",
                    5 => visits_log_off,
                    7 => a.ip_anonymizer_enabled,
                    8 => a.mask_length >= 2,
                    9 => {
                        a.anonymize_referrer == "exclude_path"
                            || a.anonymize_referrer == "exclude_all"
                    }
                    10 => self.st.options.retention.delete_logs_older_than <= 180,
                    14 => true,
                    _ => false,
                };
                if c { "compliant" } else { "non_compliant" }
            };
            r["value"] = json!(value);
            if i == 2 {
                r["notes"] = json!(match (value, ecommerce_on) {
                    ("compliant", true) =>
                        "Ecommerce analytics is enabled, but specific segments are disabled (Order ID, Order revenue, Product price, Product name, Product SKU). If you prefer, you can completely disable Ecommerce tracking <a href=\"index.php?module=SitesManager&action=index\">here</a>.",
                    ("compliant", false) =>
                        "Compliant because Ecommerce isn't active for this measurable.",
                    _ => "Non compliant because Ecommerce analytics is enabled unrestricted.",
                });
            }
            if i == 8 {
                let shown = if enforced {
                    a.mask_length.max(2)
                } else {
                    a.mask_length
                };
                r["notes"] = json!(format!(
                    "Must be set to at least 2 byte(s), currently {shown} byte(s)."
                ));
            }
            if i == 10 {
                // ReportRetention::getInstance($idSite): the strictest with CNIL's 180 days
                // while the policy is active for the site.
                let days = self.st.options.retention.delete_logs_older_than;
                r["notes"] = json!(format!(
                    "Retention period is set to {} days.",
                    if enforced { days.min(180) } else { days }
                ));
            }
        }
        Ok(json!({
            "complianceModeEnforced": enforced,
            "complianceConfigControlled": self.st.compliance.config_controlled,
            "complianceRequirements": reqs,
        }))
    }

    fn set_compliance(&mut self) -> R {
        let site = self.compliance_common()?;
        let enforce = typed_bool(&self.req("enforce")?);
        self.check_super()?;
        if self.s("force_api_session").is_some_and(php_bool) {
            self.confirm_password("Please re-authenticate to confirm this change.")?;
        }
        if self.s("complianceType") != Some("cnil_v1") {
            return Err(Fail::Error("Invalid compliance type".into()));
        }
        if self.st.compliance.config_controlled {
            return Err(Fail::Error("You are not allowed to change the value of the setting &quot;cnil_v1_policy_enabled&quot; in plugin &quot;CnilPolicy&quot;".into()));
        }
        let c = &mut self.st.compliance;
        match site {
            None => c.all = enforce,
            Some(id) => {
                if enforce {
                    c.sites.insert(id);
                } else {
                    c.sites.remove(&id);
                    c.all = false;
                }
            }
        }
        val(enforce)
    }

    fn javascript_tag(&self) -> R {
        let id = self.site("idSite", Access::View)?;
        let host = self
            .s("piwikUrl")
            .filter(|u| !u.is_empty())
            .map(String::from)
            .unwrap_or_else(|| self.base.to_string());
        let host = host
            .trim_start_matches("http://")
            .trim_start_matches("https://")
            .trim_end_matches('/');
        let flag = |k: &str| self.s(k).is_some_and(php_bool);
        let mut options = String::new();
        // Assumption (not recorded): option lines as in Matomo's javascriptCode.tpl.
        if flag("doNotTrack") {
            options.push_str("  _paq.push([\"setDoNotTrack\", true]);\n");
        }
        if flag("disableCookies") {
            options.push_str("  _paq.push([\"disableCookies\"]);\n");
        }
        let noscript = if flag("trackNoScript") {
            format!(
                "<noscript><p><img referrerpolicy=\"no-referrer-when-downgrade\" src=\"//{host}/matomo.php?idsite={id}&amp;rec=1\" style=\"border:0;\" alt=\"\" /></p></noscript>\n"
            )
        } else {
            String::new()
        };
        val(format!(
            "<!-- Matomo -->\n<script>\n  var _paq = window._paq = window._paq || [];\n  /* tracker methods like \"setCustomDimension\" should be called before \"trackPageView\" */\n{options}  _paq.push(['trackPageView']);\n  _paq.push(['enableLinkTracking']);\n  (function() {{\n    var u=\"//{host}/\";\n    _paq.push(['setTrackerUrl', u+'matomo.php']);\n    _paq.push(['setSiteId', '{id}']);\n    var d=document, g=d.createElement('script'), s=d.getElementsByTagName('script')[0];\n    g.async=true; g.src=u+'matomo.js'; s.parentNode.insertBefore(g,s);\n  }})();\n</script>\n{noscript}<!-- End Matomo Code -->\n"
        ))
    }

    fn opt_out_code(&self) -> R {
        let mut v = BTreeMap::new();
        for k in [
            "backgroundColor",
            "fontColor",
            "fontSize",
            "fontFamily",
            "applyStyling",
            "showIntro",
            "matomoUrl",
            "language",
        ] {
            match self.s(k) {
                Some(s) if !s.is_empty() => {
                    v.insert(k, s.to_string());
                }
                _ => return Err(missing(k)),
            }
        }
        let styling = if php_bool(&v["applyStyling"]) {
            format!(
                "&backgroundColor={}&fontColor={}&fontSize={}&fontFamily={}",
                v["backgroundColor"], v["fontColor"], v["fontSize"], v["fontFamily"]
            )
        } else {
            String::new()
        };
        val(format!(
            "<div id=\"matomo-opt-out\"></div>\n<script src=\"{}index.php?module=CoreAdminHome&action=optOutJS&divId=matomo-opt-out&language={}{}&showIntro={}\"></script>",
            v["matomoUrl"],
            v["language"],
            styling,
            i32::from(php_bool(&v["showIntro"]))
        ))
    }
}

/// An alias URL equal, in the `site_url` table's collation, to one inserted before it.
struct Collision {
    /// The aliases inserted before it (in the order sent).
    kept: Vec<String>,
    /// The colliding alias.
    url: String,
}

impl Collision {
    /// MariaDB's duplicate-key error, as Matomo answers it (HTTP 200).
    fn error(&self, id: u32) -> Fail {
        let entry: String = format!("{id}-{}", self.url).chars().take(192).collect();
        Fail::Error(format!(
            "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry '{entry}' for key 'PRIMARY'"
        ))
    }
}

/// The value of the first `settingValues[Live][i]` entry named `name` (Matomo's
/// `findSettingValueFromRequest`), if a string.
fn live_value<'v>(live: &'v PV, name: &str) -> Option<&'v str> {
    live.items()
        .into_iter()
        .find(|item| item.get("name").and_then(PV::as_str) == Some(name))
        .and_then(|item| item.get("value").and_then(PV::as_str))
}

fn live_values(live: &PV) -> (Option<bool>, Option<bool>) {
    let mut log = None;
    let mut profile = None;
    for item in live.items() {
        let name = item.get("name").and_then(PV::as_str);
        let value = item.get("value").and_then(PV::as_str).map(php_bool);
        match name {
            Some("disable_visitor_log") => log = value,
            Some("disable_visitor_profile") => profile = value,
            _ => {}
        }
    }
    (log, profile)
}

fn balanced(p: &str) -> bool {
    let mut depth = 0i32;
    let mut escaped = false;
    for c in p.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn check_timezone(tz: &str) -> Result<(), Fail> {
    if valid_timezone(tz) {
        Ok(())
    } else {
        Err(Fail::Error(format!(
            "The timezone &quot;{}&quot; is not valid. Please enter a valid timezone.",
            esc(tz)
        )))
    }
}

fn check_currency(c: &str) -> Result<(), Fail> {
    if currency_name(c).is_some() {
        Ok(())
    } else {
        Err(Fail::Error(format!(
            "The currency &quot;{}&quot; is not valid. Please enter a valid currency symbol (eg. USD, EUR, etc.)",
            esc(c)
        )))
    }
}

fn opt_json(v: &Option<String>) -> J {
    match v {
        Some(s) => json!({"value": s}),
        None => json!({"value": false}),
    }
}

fn number(f: f64) -> J {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        json!(f as i64)
    } else {
        json!(f)
    }
}

/// A goal as Matomo answers it (no pattern keys for `manually`).
pub fn goal_json(idsite: u32, idgoal: u32, g: &Goal) -> J {
    let mut m = Map::new();
    m.insert("idsite".into(), json!(idsite));
    m.insert("idgoal".into(), json!(idgoal));
    m.insert("name".into(), json!(g.name));
    m.insert("description".into(), json!(g.description));
    m.insert("match_attribute".into(), json!(g.match_attribute));
    if g.match_attribute != "manually" {
        m.insert("pattern".into(), json!(g.pattern));
        m.insert("pattern_type".into(), json!(g.pattern_type));
        m.insert("case_sensitive".into(), json!(g.case_sensitive));
    }
    m.insert("allow_multiple".into(), json!(g.allow_multiple));
    m.insert("revenue".into(), number(g.revenue));
    m.insert("deleted".into(), json!(g.deleted));
    m.insert(
        "event_value_as_revenue".into(),
        json!(g.event_value_as_revenue),
    );
    J::Object(m)
}

/// A custom dimension as Matomo answers it (ids as strings).
pub fn dimension_json(idsite: u32, d: &CustomDimension) -> J {
    json!({
        "idcustomdimension": d.id.to_string(),
        "idsite": idsite.to_string(),
        "name": d.name,
        "index": d.index.to_string(),
        "scope": d.scope,
        "active": d.active,
        "extractions": d.extractions.iter().map(|e| json!({"dimension": e.dimension, "pattern": e.pattern})).collect::<Vec<_>>(),
        "case_sensitive": d.case_sensitive,
    })
}

/// Methods whose list answer Matomo keys by id when `filter_limit=-1`.
pub fn keyed_field(method: &str) -> Option<&'static str> {
    match method {
        "SitesManager.getAllSites" => Some("idsite"),
        "Goals.getGoals" => Some("idgoal"),
        _ => None,
    }
}

/// Apply `filter_limit` to a list answer: 100 rows unless `-1` (then keyed methods answer an
/// object keyed by id).
pub fn apply_limit(v: J, p: &Params, keyed: Option<&str>) -> J {
    let limit = match p.str("filter_limit") {
        None => Some(100usize),
        Some(s) => match s.trim().parse::<i64>() {
            Ok(n) if n < 0 => None,
            Ok(n) => Some(n as usize),
            Err(_) => Some(100),
        },
    };
    match (v, limit) {
        (J::Array(items), None) => match keyed {
            Some(field) => {
                let mut m = Map::new();
                for it in items {
                    let key = match it.get(field) {
                        Some(J::Number(n)) => n.to_string(),
                        Some(J::String(s)) => s.clone(),
                        _ => continue,
                    };
                    m.insert(key, it);
                }
                J::Object(m)
            }
            None => J::Array(items),
        },
        (J::Array(mut items), Some(n)) => {
            items.truncate(n);
            J::Array(items)
        }
        (v, _) => v,
    }
}
