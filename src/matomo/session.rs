//! Reading the instance privacy and retention settings from Matomo's admin pages through
//! a logged-in session, for the versions that have no API reader for them (privacy before
//! 5.6, retention on every version).
//!
//! With `MATOMO_LOGIN` and `MATOMO_PASSWORD`, matoform logs in through Matomo's Login form
//! (`index.php?module=Login`: the page carries the `form_nonce`, the session cookie holds
//! it), then reads two admin pages whose `vue-entry` element carries the values as props,
//! one HTML attribute each, HTML-escaped JSON (Twig's `{{ value|default(null)|json_encode }}`,
//! so a false or empty value reads `null`):
//! - `module=PrivacyManager&action=privacySettings`: `PrivacyManager.PrivacySettings` with
//!   the anonymisation settings and `delete-data.config` (retention);
//! - `module=PrivacyManager&action=usersOptOut`: `PrivacyManager.UsersOptOut` with
//!   `dnt-support` (Do Not Track).
//!
//! Everything here fails soft: a refused login, a page of another shape, a missing element
//! is logged at warn with the reason and the settings are asserted instead (`None`). Tokens
//! are never sent to these pages (Matomo refuses superuser tokens on UI pages); the
//! password goes only into the login form's body; neither it nor the session cookie is
//! ever logged.

use std::collections::BTreeMap;

use serde_json::Value;

use super::client::{http_builder, post_form, redirect_target};
use super::codes::FromMatomoName as _;
use super::redact::{scrub_url_password, transport_detail};
use super::wire::{self, AnonymisationSettings, DataDeletion, DeleteLogs, DeleteReports};
use super::{Client, Secret};
use crate::desired::model::{ReferrerAnonymisation, ReportsKeep};

/// What the admin pages gave. A part is `None` when it could not be read (warned).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminPages {
    /// Anonymisation settings (the privacy page and the opt-out page's Do Not Track).
    pub privacy: Option<AnonymisationSettings>,
    /// Data deletion settings (raw data and reports).
    pub retention: Option<DataDeletion>,
}

/// The `vue-entry` of the privacy settings page.
pub const PRIVACY_ENTRY: &str = "PrivacyManager.PrivacySettings";
/// The `vue-entry` of the users' opt-out page.
pub const OPT_OUT_ENTRY: &str = "PrivacyManager.UsersOptOut";

/// The query of an admin page (Matomo's UI wants a site, a period and a date).
fn page_query(action: &str) -> String {
    format!("module=PrivacyManager&action={action}&idSite=1&period=day&date=yesterday")
}

/// True when the client has both `MATOMO_LOGIN` and `MATOMO_PASSWORD`.
pub fn configured(client: &Client) -> bool {
    let config = client.config();
    config.login.as_deref().is_some_and(|l| !l.is_empty())
        && config.password.as_ref().is_some_and(|p| !p.is_empty())
}

/// Logs in and reads the admin pages. `None` when no login is configured or the login
/// failed (warned); otherwise each part is `Some` when its page was recognised.
/// With `privacy` false (Matomo 5.6+ reads them through its API), the privacy settings
/// are neither parsed nor warned about, and the opt-out page is not read.
/// One login attempt per call, never retried (Matomo counts failed logins).
pub async fn read_admin_pages(client: &Client, privacy: bool) -> Option<AdminPages> {
    let config = client.config();
    let login = config.login.as_deref().filter(|l| !l.is_empty())?;
    let password = config.password.as_ref().filter(|p| !p.is_empty())?;
    let fallback = if privacy {
        "the instance privacy and retention settings are asserted, not read"
    } else {
        "the retention settings are asserted, not read"
    };
    let session = match Session::open(client, login, password).await {
        Ok(session) => session,
        Err(reason) => {
            tracing::warn!(
                "cannot log in to Matomo's admin pages as {login:?} (MATOMO_LOGIN): {reason}; {fallback}"
            );
            return None;
        }
    };
    let mut pages = AdminPages::default();
    let settings = session.props("privacySettings", PRIVACY_ENTRY).await;
    let opt_out = if privacy {
        session.props("usersOptOut", OPT_OUT_ENTRY).await
    } else {
        Err(String::new())
    };
    match &settings {
        Ok(props) => match retention_from_props(props) {
            Ok(retention) => pages.retention = Some(retention),
            Err(reason) => tracing::warn!(
                "the privacy settings page of Matomo is not recognised ({reason}); the retention settings are asserted, not read"
            ),
        },
        Err(reason) => {
            tracing::warn!("cannot read the privacy settings page of Matomo ({reason}); {fallback}")
        }
    }
    if let Some(props) = settings.as_ref().ok().filter(|_| privacy) {
        let read = privacy_from_props(props).and_then(|mut read| {
            let opt_out = opt_out.as_ref().map_err(Clone::clone)?;
            read.do_not_track = dnt_from_props(opt_out)?;
            Ok(read)
        });
        match read {
            Ok(read) => pages.privacy = Some(read),
            Err(reason) => tracing::warn!(
                "the privacy pages of Matomo are not recognised ({reason}); the privacy settings are asserted, not read"
            ),
        }
    }
    Some(pages)
}

/// A logged-in session: a cookie jar over the client's TLS settings.
struct Session {
    http: reqwest::Client,
    endpoint: String,
}

impl Session {
    /// GET the login page for the nonce, POST the form; a 301/302/303 redirect means
    /// logged in (Matomo answers 302 to `index.php`). Redirects are never followed (see
    /// [`http_builder`]): a 307/308 answer to the form would mean POSTing the password
    /// again elsewhere, and is refused naming its target.
    async fn open(client: &Client, login: &str, password: &Secret) -> Result<Self, String> {
        let http = http_builder(client.config())
            .map_err(|e| e.to_string())?
            .cookie_store(true)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let session = Self {
            http,
            endpoint: client.endpoint().to_string(),
        };
        let login_url = format!("{}?module=Login", session.endpoint);
        let page = session.get(&login_url, "the login page").await?;
        let nonce = login_nonce(&page).ok_or(
            "the login page has no form_nonce field (is the Login plugin replaced, e.g. by single sign-on?)",
        )?;
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("form_login", login)
            .append_pair("form_password", password.expose())
            .append_pair("form_nonce", &nonce)
            .finish();
        let response = post_form(&session.http, &login_url, body)
            .send()
            .await
            .map_err(|e| session.transport_error(&e))?;
        let status = response.status();
        if matches!(status.as_u16(), 301..=303) {
            return Ok(session);
        }
        if status.is_redirection() {
            return Err(format!(
                "the login form answered HTTP {}, a redirect to {}; matoform never sends the password there: set MATOMO_URL to the final address",
                status.as_u16(),
                redirect_target(&response)
            ));
        }
        // Matomo answers a refused login with the form again, HTTP 403 (5.0.2 and 5.7,
        // Login Controller::login); older versions answered 200.
        if matches!(status.as_u16(), 200 | 403) {
            return Err(format!(
                "Matomo refused the login for user {login:?}: the login (MATOMO_LOGIN) or MATOMO_PASSWORD is wrong (two-factor authentication is not supported)"
            ));
        }
        Err(format!("the login form answered HTTP {}", status.as_u16()))
    }

    /// One GET of the page `what` (for messages): its body when it answers 200, else
    /// why not. A redirect is not followed; the message names its target (without
    /// password or query).
    async fn get(&self, url: &str, what: &str) -> Result<String, String> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(format!(
                "{what} answered HTTP {}, a redirect to {}",
                status.as_u16(),
                redirect_target(&response)
            ));
        }
        if status.as_u16() != 200 {
            return Err(format!("{what} answered HTTP {}", status.as_u16()));
        }
        response.text().await.map_err(|e| self.transport_error(&e))
    }

    /// A transport error's text without the password of MATOMO_URL's `user:password@`
    /// part (reqwest names the URL it failed on), as the API client shows them.
    fn transport_error(&self, error: &reqwest::Error) -> String {
        scrub_url_password(&transport_detail(error), &self.endpoint)
    }

    /// The props of `entry` on the admin page `action`.
    async fn props(&self, action: &str, entry: &str) -> Result<Props, String> {
        let url = format!("{}?{}", self.endpoint, page_query(action));
        let page = self.get(&url, &format!("the page {action}")).await?;
        let props = vue_props(&page, entry).map_err(|e| format!("page {action}: {e}"))?;
        if props
            .json("is-super-user")
            .and_then(|v| wire::bool_of(&v).map_err(|e| e.0))
            != Ok(true)
        {
            return Err(format!(
                "page {action}: MATOMO_LOGIN is not a superuser (is-super-user is not true)"
            ));
        }
        Ok(props)
    }
}

/// The value of the login form's `form_nonce` field: Matomo's nonce is hexadecimal; the
/// template writes it unquoted in some versions (`value=abc…/>`), quoted in others.
pub fn login_nonce(page: &str) -> Option<String> {
    let at = page.find("name=\"form_nonce\"")?;
    let start = page[..at].rfind('<')?;
    let tag = element_attributes(&page[start..])?;
    let value = tag.get("value")?;
    let nonce: String = value
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    (!nonce.is_empty()).then_some(nonce)
}

/// The attributes of one `vue-entry` element, HTML entities decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Props(BTreeMap<String, String>);

impl Props {
    /// The prop `name` as JSON; an error names a missing prop or one that is not JSON.
    pub fn json(&self, name: &str) -> Result<Value, String> {
        let raw = self
            .0
            .get(name)
            .ok_or_else(|| format!("the prop {name} is missing"))?;
        serde_json::from_str(raw).map_err(|_| format!("the prop {name} is not JSON"))
    }
}

/// The attributes of the element whose `vue-entry` is `entry`.
pub fn vue_props(page: &str, entry: &str) -> Result<Props, String> {
    let marker = format!("vue-entry=\"{entry}\"");
    let at = page
        .find(&marker)
        .ok_or_else(|| format!("no vue-entry=\"{entry}\" element (not logged in, or a Matomo whose page has another shape)"))?;
    let start = page[..at]
        .rfind('<')
        .ok_or_else(|| format!("the {entry} element has no start tag"))?;
    element_attributes(&page[start..])
        .map(Props)
        .ok_or_else(|| format!("the {entry} element is not closed"))
}

/// Parses the attributes of the start tag at the beginning of `html` (`<name a="1" b>`):
/// quoted (`"` or `'`) or unquoted values, entities decoded. `None` when the tag does
/// not end.
fn element_attributes(html: &str) -> Option<BTreeMap<String, String>> {
    let bytes = html.as_bytes();
    let mut i = 1;
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
        i += 1;
    }
    let mut attributes = BTreeMap::new();
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        match bytes.get(i) {
            None => return None,
            Some(b'>') => return Some(attributes),
            Some(_) => {}
        }
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let end = i + 1 + html[i + 1..].find(quote as char)?;
                    value = html[i + 1..end].to_string();
                    i = end + 1;
                }
                Some(_) => {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = html[start..i].to_string();
                }
                None => return None,
            }
        }
        if !name.is_empty() {
            attributes.insert(name, html_escape::decode_html_entities(&value).into_owned());
        }
    }
}

/// A boolean prop: `true`/`false`, `1`/`0`, `"1"`/`"0"`, or `null` (Twig's
/// `default(null)` turns a false value into `null`).
fn flag(props: &Props, name: &str) -> Result<bool, String> {
    wire::bool_of(&props.json(name)?).map_err(|e| format!("{name}: {}", e.0))
}

/// The privacy settings of the privacy settings page, Do Not Track left `false` (it is
/// on the opt-out page).
pub fn privacy_from_props(props: &Props) -> Result<AnonymisationSettings, String> {
    let mask =
        wire::u64_of(&props.json("mask-length")?).map_err(|e| format!("mask-length: {}", e.0))?;
    let referrer = match props.json("anonymize-referrer")? {
        Value::Null => String::new(),
        Value::String(s) => s,
        other => {
            return Err(format!(
                "anonymize-referrer: expected a string, got {}",
                wire::quote(&other)
            ));
        }
    };
    if !["", "exclude_query", "exclude_path", "exclude_all"].contains(&referrer.as_str()) {
        return Err(format!("anonymize-referrer: unknown value {referrer:?}"));
    }
    Ok(AnonymisationSettings {
        anonymize_ip_enabled: flag(props, "anonymize-ip-enabled")?,
        mask_bytes: u8::try_from(mask).map_err(|_| format!("mask-length: {mask} is too large"))?,
        use_for_enrichment: flag(props, "use-anonymized-ip-for-visit-enrichment")?,
        anonymize_user_id: flag(props, "anonymize-user-id")?,
        anonymize_order_id: flag(props, "anonymize-order-id")?,
        anonymize_referrer: ReferrerAnonymisation::from_matomo(&referrer),
        force_cookieless: flag(props, "force-cookieless-tracking")?,
        do_not_track: false,
        randomize_config_id: None,
    })
}

/// The retention settings of the privacy settings page (`delete-data.config`).
pub fn retention_from_props(props: &Props) -> Result<DataDeletion, String> {
    let data = props.json("delete-data")?;
    let config = data.get("config").filter(|c| c.is_object()).ok_or(
        "delete-data has no config object (is the data deletion disabled in config.ini.php?)",
    )?;
    let field = |name: &str| {
        config
            .get(name)
            .ok_or_else(|| format!("delete-data.config.{name} is missing"))
    };
    let on = |name: &str| wire::bool_of(field(name)?).map_err(|e| format!("{name}: {}", e.0));
    let number = |name: &str| {
        let n = wire::u64_of(field(name)?).map_err(|e| format!("{name}: {}", e.0))?;
        u32::try_from(n).map_err(|_| format!("{name}: {n} is too large"))
    };
    Ok(DataDeletion {
        logs: DeleteLogs {
            delete: on("delete_logs_enable")?,
            older_than_days: number("delete_logs_older_than")?,
        },
        reports: DeleteReports {
            delete: on("delete_reports_enable")?,
            older_than_months: number("delete_reports_older_than")?,
            keep: ReportsKeep {
                basic: on("delete_reports_keep_basic_metrics")?,
                day: on("delete_reports_keep_day_reports")?,
                week: on("delete_reports_keep_week_reports")?,
                month: on("delete_reports_keep_month_reports")?,
                year: on("delete_reports_keep_year_reports")?,
                range: on("delete_reports_keep_range_reports")?,
                segments: on("delete_reports_keep_segment_reports")?,
            },
        },
    })
}

/// Do Not Track support, from the opt-out page's `dnt-support`.
pub fn dnt_from_props(props: &Props) -> Result<bool, String> {
    flag(props, "dnt-support")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::matomo::test_support::recording;

    /// Twig's `|json_encode` (PHP escapes `/`) then HTML escaping (`htmlspecialchars`
    /// with `ENT_QUOTES`), as Matomo renders each prop.
    fn twig_attribute(value: &Value) -> String {
        value
            .to_string()
            .replace('/', "\\/")
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('\'', "&#039;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    /// The page of a `_ui__` recording, rebuilt the way Matomo 5.0.2's template renders it.
    fn page(name: &str) -> String {
        let rec = recording("5.0.2", name);
        let entry = rec["vue_entry"].as_str().unwrap();
        let mut html = format!(
            "<!DOCTYPE html>\n<html><body><div id=\"content\">\n<div\n    vue-entry=\"{entry}\"\n"
        );
        for (name, value) in rec["props"].as_object().unwrap() {
            html.push_str(&format!("    {name}=\"{}\"\n", twig_attribute(value)));
        }
        html.push_str("></div>\n</div></body></html>\n");
        html
    }

    fn settings(name: &str) -> Props {
        vue_props(
            &page(&format!("_ui__PrivacyManager.privacySettings__{name}")),
            PRIVACY_ENTRY,
        )
        .unwrap()
    }

    #[test]
    fn props_are_html_unescaped_json() {
        let props = settings("initial");
        let options = props.json("referrer-anonymization-options").unwrap();
        assert_eq!(options[""], "Don't anonymize the referrer");
        let data = props.json("delete-data").unwrap();
        assert!(data["deleteTables"].as_str().unwrap().starts_with("<br/>"));
        assert_eq!(props.json("is-super-user").unwrap(), json!(true));
        assert_eq!(
            props.json("no-such-prop").unwrap_err(),
            "the prop no-such-prop is missing"
        );
    }

    #[test]
    fn the_initial_page_gives_matomo_defaults() {
        let props = settings("initial");
        assert_eq!(
            privacy_from_props(&props).unwrap(),
            AnonymisationSettings {
                anonymize_ip_enabled: true,
                mask_bytes: 2,
                ..AnonymisationSettings::default()
            }
        );
        assert_eq!(
            retention_from_props(&props).unwrap(),
            DataDeletion {
                logs: DeleteLogs {
                    delete: false,
                    older_than_days: 180
                },
                reports: DeleteReports {
                    delete: false,
                    older_than_months: 12,
                    keep: ReportsKeep {
                        basic: true,
                        month: true,
                        year: true,
                        ..ReportsKeep::default()
                    }
                },
            }
        );
    }

    #[test]
    fn every_recorded_privacy_value_is_read() {
        let privacy =
            privacy_from_props(&settings("after_setAnonymizeIpSettings_all_params")).unwrap();
        assert_eq!(
            privacy,
            AnonymisationSettings {
                anonymize_ip_enabled: true,
                mask_bytes: 3,
                use_for_enrichment: true,
                anonymize_user_id: true,
                anonymize_order_id: true,
                anonymize_referrer: ReferrerAnonymisation::ExcludePath,
                force_cookieless: false,
                do_not_track: false,
                ..AnonymisationSettings::default()
            }
        );
        let retention = retention_from_props(&settings("after_delete_settings")).unwrap();
        let raw = retention.logs;
        assert!(raw.delete && raw.older_than_days == 1);
        let reports = retention.reports;
        assert!(reports.delete && reports.older_than_months == 2);
        assert!(reports.keep.week && reports.keep.segments && !reports.keep.day);
    }

    #[test]
    fn do_not_track_is_the_dnt_support_prop() {
        for (name, on) in [("initial", false), ("after_activateDoNotTrack", true)] {
            let html = page(&format!("_ui__PrivacyManager.usersOptOut__{name}"));
            let props = vue_props(&html, OPT_OUT_ENTRY).unwrap();
            assert_eq!(dnt_from_props(&props), Ok(on), "{name}");
        }
    }

    #[test]
    fn pages_of_another_shape_are_refused_with_a_reason() {
        let login_page = "<html><form id=\"login_form\"><input name=\"form_login\"></form></html>";
        assert!(
            vue_props(login_page, PRIVACY_ENTRY)
                .unwrap_err()
                .contains("no vue-entry=\"PrivacyManager.PrivacySettings\" element")
        );
        let html = page("_ui__PrivacyManager.privacySettings__initial");
        let renamed = html.replace("mask-length=", "ip-mask-length=");
        let props = vue_props(&renamed, PRIVACY_ENTRY).unwrap();
        assert_eq!(
            privacy_from_props(&props).unwrap_err(),
            "the prop mask-length is missing"
        );
        let odd = html.replace(
            "anonymize-user-id=\"null\"",
            "anonymize-user-id=\"&quot;sometimes&quot;\"",
        );
        let props = vue_props(&odd, PRIVACY_ENTRY).unwrap();
        assert!(
            privacy_from_props(&props)
                .unwrap_err()
                .starts_with("anonymize-user-id: ")
        );
        let no_config = html.replace(
            "delete-data=\"{",
            "delete-data=\"{&quot;other&quot;:1,&quot;x&quot;:",
        );
        let props = vue_props(&no_config, PRIVACY_ENTRY).unwrap();
        assert!(retention_from_props(&props).is_err());
        assert!(
            vue_props(
                "<div vue-entry=\"PrivacyManager.PrivacySettings\" a=\"1\"",
                PRIVACY_ENTRY
            )
            .is_err()
        );
    }

    #[tokio::test]
    async fn a_307_to_the_login_form_is_not_a_login_and_is_not_followed() {
        use crate::matomo::ClientConfig;
        use crate::matomo::test_support::{Reply, serve};

        let (elsewhere, elsewhere_log) = serve(|_, _| Reply::json(200, "{}")).await;
        let target = format!("{elsewhere}index.php?module=Login");
        let (url, log) = serve(move |n, _| match n {
            0 => Reply::Answer(
                200,
                "text/html",
                "<input name=\"form_nonce\" value=\"ab12\">".into(),
            ),
            _ => Reply::Redirect(307, target.clone()),
        })
        .await;
        let mut config = ClientConfig::new(&url);
        config.login = Some("admin".into());
        config.password = Some(Secret::new("pw "));
        let client = Client::new(config).unwrap();
        assert_eq!(read_admin_pages(&client, true).await, None);
        let log = log.lock().unwrap().clone();
        assert_eq!(log.len(), 2, "no admin page asked after a 307: {log:?}");
        assert!(
            log[1].ends_with("form_password=pw+&form_nonce=ab12"),
            "{}",
            log[1]
        );
        assert!(elsewhere_log.lock().unwrap().is_empty());
    }

    #[test]
    fn the_nonce_is_read_quoted_or_unquoted() {
        let unquoted =
            "<input type=\"hidden\" name=\"form_nonce\" id=\"login_form_nonce\" value=0123abcd/>";
        assert_eq!(login_nonce(unquoted).as_deref(), Some("0123abcd"));
        let quoted = "<input type='hidden' name=\"form_nonce\" value=\"ff00\" />";
        assert_eq!(login_nonce(quoted).as_deref(), Some("ff00"));
        assert_eq!(login_nonce("<input name=\"form_nonce\" value=\"\">"), None);
        assert_eq!(login_nonce("<html>no form</html>"), None);
    }
}
