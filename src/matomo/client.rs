//! The Matomo API client's transport: its configuration, the HTTP client (TLS,
//! timeouts, no redirects), one exchange per call, reads retried and writes not. Bulk
//! reads are in [`super::bulk`], the setters in [`super::setters`], the decoding of an
//! answer in [`super::answer`], what may be shown of a URL or an error in
//! [`super::redact`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

use super::answer::decode_answer;
use super::encode::request_body;
use super::redact::{scrub_url_password, shown_url, transport_detail};
use super::{Call, MatomoError, Secret};

/// How to reach Matomo.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL of the instance (`https://stats.example.org/`).
    pub url: String,
    /// API token (`MATOMO_TOKEN` or `--token-file`).
    pub token: Option<Secret>,
    /// The user's password, for the calls Matomo confirms with it (`MATOMO_PASSWORD`).
    pub password: Option<Secret>,
    /// The user's login (`MATOMO_LOGIN`): with the password, matoform logs in to the
    /// admin pages to read the settings that have no API reader (see [`super::session`]).
    pub login: Option<String>,
    /// Extra CA certificate (PEM) to trust.
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate (explicit opt-in only).
    pub insecure: bool,
    /// Accept a plain `http://` URL whose host is not loopback (explicit opt-in only:
    /// the token and the password would cross the network unencrypted).
    pub insecure_http: bool,
    /// Connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Request timeout (default 60 s).
    pub request_timeout: Duration,
    /// Sub-requests per bulk call (default and most [`MAX_BULK_SIZE`]; PHP drops fields
    /// past max_input_vars).
    pub bulk_size: usize,
    /// Bulk calls in flight at once (default 4).
    pub parallelism: usize,
    /// First retry delay for reads (default 500 ms, doubled each try, with jitter).
    pub retry_delay: Duration,
}

impl ClientConfig {
    /// Defaults for a base URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            token: None,
            password: None,
            login: None,
            ca_cert: None,
            insecure: false,
            insecure_http: false,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            bulk_size: MAX_BULK_SIZE,
            parallelism: 4,
            retry_delay: Duration::from_millis(500),
        }
    }
}

/// The Matomo API client.
pub struct Client {
    config: ClientConfig,
    http: reqwest::Client,
    /// `{url}/index.php`.
    endpoint: String,
    /// The base URL as shown to users: no password, no query (see [`shown_url`]).
    shown_url: String,
    requests: AtomicU64,
}

/// PHP's default `max_input_vars`: form fields past it are dropped silently.
pub const PHP_MAX_INPUT_VARS: usize = 1000;

/// The most sub-requests in one `API.getBulkRequest`: half of [`PHP_MAX_INPUT_VARS`],
/// so that a body (5 fixed fields + one field per sub-request) stays well under the
/// limit, with room for a server whose limit was lowered a little.
pub const MAX_BULK_SIZE: usize = PHP_MAX_INPUT_VARS / 2;

impl Client {
    /// Builds the client (TLS settings, timeouts, user agent).
    pub fn new(config: ClientConfig) -> Result<Self, MatomoError> {
        let endpoint = endpoint_of(&config.url)?;
        let shown_url = shown_url(&config.url);
        if is_plain_http_remote(&config.url) {
            if !config.insecure_http {
                return Err(MatomoError::Config(format!(
                    "the Matomo URL {shown_url:?} is plain http:// to another machine: the token and the password would cross the network unencrypted. Set MATOMO_URL (or --url, or matomo.url) to its https:// address, or pass --insecure-http for a test instance on a trusted network (http:// is accepted without it only for 127.0.0.1, ::1 and localhost)"
                )));
            }
            tracing::warn!(
                "--insecure-http: the token is sent unencrypted to {}; anyone on the path can read it",
                shown_url
            );
        }
        if config.insecure {
            tracing::warn!(
                "--insecure: TLS certificates of {} are not verified; anyone on the path can read the token",
                shown_url
            );
        }
        let http = http_builder(&config)?
            .build()
            .map_err(|e| MatomoError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            config,
            http,
            endpoint,
            shown_url,
            requests: AtomicU64::new(0),
        })
    }

    /// The base URL as shown to users (a password in it removed).
    pub fn url(&self) -> &str {
        &self.shown_url
    }

    /// The configuration (for the admin-page session, which shares its TLS settings, and
    /// the setters, which confirm some calls with the password).
    pub(super) fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// `{url}/index.php`.
    pub(super) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// HTTP requests sent so far.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// One HTTP exchange: POST the form body, read the whole answer, decode it.
    async fn send(&self, call: &Call) -> Result<Value, MatomoError> {
        let body = request_body(call, self.config.token.as_ref());
        self.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(method = %call.method, site = ?call.site, "Matomo API call");
        let transport = |e: reqwest::Error| MatomoError::Transport {
            method: call.method.clone(),
            url: self.shown_url.clone(),
            detail: scrub_url_password(&transport_detail(&e), &self.config.url),
            retryable: e.is_timeout() || e.is_connect() || e.is_request() || e.is_body(),
        };
        let response = post_form(&self.http, &self.endpoint, body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            return Err(MatomoError::Redirected {
                method: call.method.clone(),
                status,
                location: redirect_target(&response),
            });
        }
        let text = response.text().await.map_err(transport)?;
        let secrets: Vec<&Secret> = self
            .config
            .token
            .iter()
            .chain(self.config.password.iter())
            .collect();
        decode_answer(&call.method, call.site, status, &text, &secrets)
    }

    /// A read call: retried on transport errors and 502/503/504 (3 tries), never after a 401.
    pub async fn read(&self, call: &Call) -> Result<Value, MatomoError> {
        const TRIES: u32 = 3;
        let mut attempt = 1;
        loop {
            match self.send(call).await {
                Err(e) if e.is_retryable() && attempt < TRIES => {
                    let delay = backoff(self.config.retry_delay, attempt);
                    tracing::warn!(
                        "{e}; retrying in {} ms (try {} of {TRIES})",
                        delay.as_millis(),
                        attempt + 1
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// A write call: never retried.
    pub async fn write(&self, call: &Call) -> Result<Value, MatomoError> {
        self.send(call).await
    }
}

/// An HTTP client builder with the configuration's user agent, timeouts and TLS
/// settings (extra CA, `--insecure`): shared by the API client and the admin-page session.
/// Redirects are never followed: on a 307 or 308 reqwest would POST the form body again,
/// token or password included, to whatever the `Location` names. A 3xx answer is handed
/// to the caller, which reports it (see [`redirect_target`]).
pub(super) fn http_builder(config: &ClientConfig) -> Result<reqwest::ClientBuilder, MatomoError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(format!("matoform/{}", env!("CARGO_PKG_VERSION")))
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout);
    if let Some(path) = &config.ca_cert {
        let pem = std::fs::read(path).map_err(|e| {
            MatomoError::Config(format!(
                "cannot read the CA certificate {}: {e}. Check --ca-cert.",
                path.display()
            ))
        })?;
        let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
            MatomoError::Config(format!(
                "{} is not a PEM certificate: {e}. Pass a PEM file to --ca-cert.",
                path.display()
            ))
        })?;
        builder = builder.add_root_certificate(cert);
    }
    if config.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    Ok(builder)
}

/// A form POST (`application/x-www-form-urlencoded`) of `body` to `url`: every API call,
/// and the admin-page session's login form.
pub(super) fn post_form(
    http: &reqwest::Client,
    url: &str,
    body: String,
) -> reqwest::RequestBuilder {
    http.post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
}

/// Where a redirect answer points, as it may be shown: the `Location` header resolved
/// against the request URL, its password and query left out (see [`shown_url`]), or
/// `(no Location header)`.
pub(super) fn redirect_target(response: &reqwest::Response) -> String {
    let Some(location) = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return "(no Location header)".to_string();
    };
    match response.url().join(location) {
        Ok(target) => shown_url(target.as_str()),
        Err(_) => shown_url(location),
    }
}

/// True when `url` is plain `http://` to a host that is not this machine: a loopback
/// address (127.0.0.0/8, `::1`) or `localhost` is accepted over http:// (the test
/// instances), anything else needs `--insecure-http`. False for a URL that does not parse
/// (refused elsewhere) and for `https://`.
pub fn is_plain_http_remote(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return false;
    };
    if parsed.scheme() != "http" {
        return false;
    }
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) => !ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
        Some(url::Host::Domain(name)) => {
            !name.trim_end_matches('.').eq_ignore_ascii_case("localhost")
        }
        None => true,
    }
}

/// `{url}/index.php` from a base URL (a trailing `/` or `index.php` is accepted). Refuses
/// a URL that does not parse, a scheme other than http(s), and a query string (it may
/// hold a token); the messages show the URL without its password (see [`shown_url`]).
fn endpoint_of(url: &str) -> Result<String, MatomoError> {
    let shown = shown_url(url);
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        MatomoError::Config(format!(
            "the Matomo URL {shown:?} is not valid ({e}); set MATOMO_URL or --url to e.g. https://stats.example.org/"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(MatomoError::Config(format!(
            "the Matomo URL {shown:?} must start with https:// (or http://)"
        )));
    }
    if parsed.query().is_some() {
        return Err(MatomoError::Config(format!(
            "the Matomo URL {shown:?} must not have a query string (not shown: it may hold a token): give the base URL only, and the token in MATOMO_TOKEN"
        )));
    }
    let base = parsed.as_str().trim_end_matches('/');
    let base = base.strip_suffix("/index.php").unwrap_or(base);
    Ok(format!("{base}/index.php"))
}

/// Delay before try `attempt + 1`: `first * 2^(attempt-1)`, with ±50 % jitter.
fn backoff(first: Duration, attempt: u32) -> Duration {
    let base = first.saturating_mul(1 << (attempt.saturating_sub(1)).min(16));
    base.mul_f64(0.5 + fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matomo::test_support::{Reply, TOKEN, config, form, recording, serve};

    #[test]
    fn plain_http_is_refused_for_other_machines_unless_insecure_http() {
        for local in [
            "http://127.0.0.1:8180/",
            "http://127.10.0.3/matomo/",
            "http://[::1]:8080/",
            "http://localhost/",
            "HTTP://LocalHost.:81/",
            "https://stats.example.org/",
            "not a url",
        ] {
            assert!(!is_plain_http_remote(local), "{local}");
        }
        for remote in [
            "http://stats.example.org/",
            "http://10.0.0.5/",
            "http://[2001:db8::1]/",
            "http://localhost.example.org/",
            "http://128.0.0.1/",
        ] {
            assert!(is_plain_http_remote(remote), "{remote}");
        }
        let mut config = ClientConfig::new("http://ops:s3cret@stats.example.org/");
        let Err(err) = Client::new(config.clone()) else {
            panic!("accepted");
        };
        let text = err.to_string();
        assert!(
            text.starts_with(
                "the Matomo URL \"http://ops:(redacted)@stats.example.org/\" is plain http:// to another machine"
            ) && text.contains("pass --insecure-http"),
            "{text}"
        );
        config.insecure_http = true;
        assert!(Client::new(config).is_ok());
        assert!(Client::new(ClientConfig::new("http://127.0.0.1:8180/")).is_ok());
    }

    #[tokio::test]
    async fn requests_are_posted_as_forms_with_token_and_filter_limit_first() {
        let (url, log) = serve(|_, _| Reply::json(200, r#"{"value":"5.0.2"}"#)).await;
        let client = Client::new(config(&url)).unwrap();
        let call = Call::for_site("SitesManager.getSiteFromId", 3);
        client.read(&call).await.unwrap();
        assert_eq!(client.request_count(), 1);
        let logged = log.lock().unwrap()[0].clone();
        let head = logged.to_ascii_lowercase();
        assert!(head.starts_with("post /index.php "), "{logged}");
        assert!(head.contains("content-type: application/x-www-form-urlencoded"));
        assert!(head.contains(&format!(
            "user-agent: matoform/{}",
            env!("CARGO_PKG_VERSION")
        )));
        let keys: Vec<String> = form(&logged).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "module",
                "method",
                "format",
                "token_auth",
                "filter_limit",
                "idSite"
            ]
        );
        assert!(
            !logged.split("\r\n\r\n").next().unwrap().contains(TOKEN),
            "token in the URL or headers"
        );
    }

    #[tokio::test]
    async fn redirects_are_never_followed_and_name_their_target_without_secrets() {
        let (elsewhere, elsewhere_log) =
            serve(|_, _| Reply::json(200, r#"{"value":"5.0.2"}"#)).await;
        for status in [301, 302, 303, 307, 308] {
            let target = format!("{elsewhere}matomo/index.php?token_auth={TOKEN}");
            let target = target.replacen("http://", "http://ops:s3cret@", 1);
            let (url, log) = serve(move |_, _| Reply::Redirect(status, target.clone())).await;
            let client = Client::new(config(&url)).unwrap();
            let err = client
                .read(&Call::new("API.getMatomoVersion"))
                .await
                .unwrap_err();
            let MatomoError::Redirected {
                status: got,
                location,
                ..
            } = &err
            else {
                panic!("{status}: {err:?}");
            };
            assert_eq!(*got, status);
            assert_eq!(
                location,
                &format!(
                    "{}matomo/index.php?(redacted)",
                    elsewhere.replacen("http://", "http://ops:(redacted)@", 1)
                )
            );
            let text = err.to_string();
            assert!(
                text.contains(&format!("Matomo answered HTTP {status}, a redirect to "))
                    && text.ends_with("set MATOMO_URL (or --url) to the final address"),
                "{text}"
            );
            assert!(!text.contains(TOKEN) && !text.contains("s3cret"), "{text}");
            assert!(!err.is_retryable());
            assert_eq!(log.lock().unwrap().len(), 1, "{status}: asked once");
            client
                .write(&Call::new("SitesManager.setDefaultCurrency").with("defaultCurrency", "EUR"))
                .await
                .unwrap_err();
        }
        let (url, _) = serve(|_, _| Reply::Redirect(307, "/elsewhere/".into())).await;
        let err = Client::new(config(&url))
            .unwrap()
            .read(&Call::new("API.getMatomoVersion"))
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("a redirect to {url}elsewhere/;")),
            "{err}"
        );
        assert!(
            elsewhere_log.lock().unwrap().is_empty(),
            "the redirect target was asked: {:?}",
            elsewhere_log.lock().unwrap()
        );
    }

    #[tokio::test]
    async fn reads_retry_503_three_times_and_writes_never() {
        let (url, log) = serve(|_, _| Reply::Answer(503, "text/html", "busy".into())).await;
        let client = Client::new(config(&url)).unwrap();
        let err = client
            .read(&Call::new("API.getMatomoVersion"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, MatomoError::Unexpected { status: 503, .. }),
            "{err:?}"
        );
        assert_eq!(log.lock().unwrap().len(), 3);
        let err = client
            .write(&Call::new("SitesManager.setDefaultCurrency").with("defaultCurrency", "EUR"))
            .await;
        assert!(err.is_err());
        assert_eq!(client.request_count(), 4);
    }

    #[tokio::test]
    async fn a_read_succeeds_after_a_transient_502() {
        let (url, _) = serve(|n, _| {
            if n == 0 {
                Reply::Answer(502, "text/html", "gw".into())
            } else {
                Reply::json(200, r#"{"value":true}"#)
            }
        })
        .await;
        let client = Client::new(config(&url)).unwrap();
        assert_eq!(
            client
                .read(&Call::new("UsersManager.hasSuperUserAccess"))
                .await
                .unwrap()["value"],
            true
        );
        assert_eq!(client.request_count(), 2);
    }

    #[tokio::test]
    async fn timeouts_are_retried_then_reported_as_transport_errors() {
        let (url, log) = serve(|_, _| Reply::Hang).await;
        let mut config = config(&url);
        config.request_timeout = Duration::from_millis(100);
        let client = Client::new(config).unwrap();
        let err = client
            .read(&Call::new("API.getMatomoVersion"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                MatomoError::Transport {
                    retryable: true,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!err.to_string().contains(TOKEN));
        assert_eq!(log.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn an_invalid_token_is_never_retried() {
        let rec = recording("5.0.2", "API.getMatomoVersion__bad_token");
        let (url, log) = serve(move |_, _| Reply::recorded(&rec)).await;
        let client = Client::new(config(&url)).unwrap();
        let err = client
            .read(&Call::new("API.getMatomoVersion"))
            .await
            .unwrap_err();
        assert!(err.is_auth_failure());
        assert_eq!(log.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn connection_refused_is_a_transport_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        drop(listener);
        let client = Client::new(config(&url)).unwrap();
        let err = client
            .read(&Call::new("API.getMatomoVersion"))
            .await
            .unwrap_err();
        assert!(matches!(err, MatomoError::Transport { .. }), "{err:?}");
        assert_eq!(client.request_count(), 3);
    }

    /// Answers each bulk request with one `{"value": idSite}` per sub-request.
    #[test]
    fn config_errors_name_the_fix() {
        let err = Client::new(ClientConfig::new("stats.example.org"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("MATOMO_URL"), "{err}");
        let err = Client::new(ClientConfig::new("ftp://x/")).err().unwrap();
        assert!(err.to_string().contains("https://"), "{err}");
        let mut config = ClientConfig::new("https://x/");
        config.ca_cert = Some("/nonexistent/ca.pem".into());
        assert!(
            Client::new(config)
                .err()
                .unwrap()
                .to_string()
                .contains("--ca-cert")
        );
        assert_eq!(
            endpoint_of("https://x/matomo/").unwrap(),
            "https://x/matomo/index.php"
        );
        assert_eq!(
            endpoint_of("https://x/index.php").unwrap(),
            "https://x/index.php"
        );
        let mut insecure = ClientConfig::new("https://x");
        insecure.insecure = true;
        assert!(Client::new(insecure).is_ok());
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        let first = Duration::from_millis(100);
        for _ in 0..20 {
            let one = backoff(first, 1);
            let two = backoff(first, 2);
            assert!(
                one >= Duration::from_millis(50) && one <= Duration::from_millis(150),
                "{one:?}"
            );
            assert!(
                two >= Duration::from_millis(100) && two <= Duration::from_millis(300),
                "{two:?}"
            );
        }
    }
}
