//! The Matomo API client: one type, all calls.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;

use super::encode::{bulk_sub_request, request_body};
use super::{Call, MatomoError, Secret, calls, wire};
use crate::live::{
    ComplianceSupport, DefaultsState, DimensionState, ExclusionsState, GoalState, MatomoInfo,
    PrivacyState, RetentionState, SitePrivacyState, SiteState, VisitorLogState,
};

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
    /// What [`Client::detect`] found (used to pick setter names by version).
    info: OnceLock<MatomoInfo>,
}

/// PHP's default `max_input_vars`: form fields past it are dropped silently.
pub const PHP_MAX_INPUT_VARS: usize = 1000;

/// The most sub-requests in one `API.getBulkRequest`: half of [`PHP_MAX_INPUT_VARS`],
/// so that a body (5 fixed fields + one field per sub-request) stays well under the
/// limit, with room for a server whose limit was lowered a little.
pub const MAX_BULK_SIZE: usize = PHP_MAX_INPUT_VARS / 2;

/// Plugins whose activation [`Client::detect`] checks.
pub const PLUGINS: [&str; 3] = ["Live", "Goals", "CustomDimensions"];

/// The message Matomo's HTML 401 page stands for.
const INVALID_TOKEN_JSON: &str = "Unable to authenticate with the provided token";

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
            info: OnceLock::new(),
        })
    }

    /// The base URL as shown to users (a password in it removed).
    pub fn url(&self) -> &str {
        &self.shown_url
    }

    /// The configuration (for the admin-page session, which shares its TLS settings).
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

    /// The capabilities found by [`Client::detect`], once it ran.
    pub fn info(&self) -> Option<&MatomoInfo> {
        self.info.get()
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
        let response = self
            .http
            .post(&self.endpoint)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
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

    /// Read calls grouped into `API.getBulkRequest`, chunked and sent concurrently (at
    /// most `parallelism` in flight); one result per call, in order. Chunks are as few as
    /// `bulk_size` (capped at [`MAX_BULK_SIZE`]) allows, and balanced (1,001 calls at 500
    /// go as 334 + 334 + 333). Fails when an answer is truncated.
    pub async fn bulk(
        &self,
        calls: &[Call],
    ) -> Result<Vec<Result<Value, MatomoError>>, MatomoError> {
        let mut out = Vec::with_capacity(calls.len());
        self.bulk_each(calls, |_, result| {
            out.push(result);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Like [`Client::bulk`], but hands each call's result to `each` (with the call's
    /// index, in order) as soon as its chunk is answered, so that only the chunks in
    /// flight are held in memory. Stops at the first error of `each`, a truncated
    /// answer or a failed chunk.
    pub async fn bulk_each<F>(&self, calls: &[Call], mut each: F) -> Result<(), MatomoError>
    where
        F: FnMut(usize, Result<Value, MatomoError>) -> Result<(), MatomoError>,
    {
        check_bulk_reads(calls)?;
        let size = chunk_len(calls.len(), self.config.bulk_size);
        let mut answers = futures::stream::iter(calls.chunks(size).map(|c| self.bulk_chunk(c)))
            .buffered(self.config.parallelism.max(1));
        let mut index = 0;
        while let Some(answer) = answers.next().await {
            for result in answer? {
                each(index, result)?;
                index += 1;
            }
        }
        Ok(())
    }

    async fn bulk_chunk(
        &self,
        chunk: &[Call],
    ) -> Result<Vec<Result<Value, MatomoError>>, MatomoError> {
        let mut bulk = Call::new("API.getBulkRequest");
        let urls: Vec<String> = chunk.iter().map(bulk_sub_request).collect();
        bulk.params.array("urls", &urls);
        let answer = self.read(&bulk).await?;
        split_bulk_answer(chunk, answer)
    }

    /// Detects version, superuser, plugins, privacy readers and parameter names.
    /// Refuses Matomo 4 and older. One HTTP request (see [`Client::detect_with`]).
    pub async fn detect(&self) -> Result<MatomoInfo, MatomoError> {
        self.detect_with(&[]).await.map(|(info, _)| info)
    }

    /// Detects the capabilities in one `API.getBulkRequest`: the version, superuser, the
    /// [`PLUGINS`], the anonymisation reader probe (5.6+), the compliance probes (5.4+),
    /// and the `extra` read calls, whose results come back in order (an inline error
    /// stays that call's error). Probes a version does not need are sent anyway and
    /// their answers ignored (an unknown method answers inline, harmlessly).
    /// Refuses Matomo 4 and older; fails when the token is refused or the bulk answer is
    /// truncated.
    pub async fn detect_with(
        &self,
        extra: &[Call],
    ) -> Result<(MatomoInfo, Vec<Result<Value, MatomoError>>), MatomoError> {
        let version_call = Call::new("API.getMatomoVersion");
        let mut probes = vec![
            version_call.clone(),
            Call::new("UsersManager.hasSuperUserAccess"),
        ];
        for plugin in PLUGINS {
            probes.push(Call::new("API.isPluginActivated").with("pluginName", plugin));
        }
        let anonymisation_at = probes.len();
        probes.push(Call::new("PrivacyManager.getAnonymisationSettings"));
        let policies_at = probes.len();
        probes.push(Call::new("PrivacyManager.getCompliancePolicies"));
        probes.push(calls::compliance_status(None));
        let fixed = probes.len();
        probes.extend(extra.iter().cloned());
        let mut results = self.bulk_in_one(&probes).await?;
        let extra_results = results.split_off(fixed);
        let mut results = results.into_iter();
        let mut next = || {
            results.next().unwrap_or(Err(MatomoError::Truncated {
                expected: fixed,
                got: 0,
            }))
        };

        let answer = next()?;
        let version = wire::global_string(&answer).map_err(|e| unexpected(&version_call, &e))?;
        match wire::parse_version(&version) {
            Some((major, _, _)) if major >= 5 => {}
            Some(_) => return Err(MatomoError::UnsupportedVersion { version }),
            None => {
                return Err(unexpected(
                    &version_call,
                    &wire::WireError(format!("not a version number: {}", wire::quote(&answer))),
                ));
            }
        }

        let mut flags = Vec::with_capacity(1 + PLUGINS.len());
        for call in &probes[1..anonymisation_at] {
            flags.push(wire::single_bool(&next()?).map_err(|e| unexpected(call, &e))?);
        }
        let superuser = flags.first().copied().unwrap_or(false);
        let plugins: BTreeMap<String, bool> = PLUGINS
            .iter()
            .zip(flags.iter().skip(1))
            .map(|(name, active)| ((*name).to_string(), *active))
            .collect();

        // The anonymisation reader: 5.6+, confirmed by the probe when we may call it.
        let mut anonymisation_reader = wire::version_at_least(&version, 5, 6);
        let probe = next();
        if anonymisation_reader && superuser {
            match probe {
                Ok(_) => {}
                Err(e) if e.is_unknown_method() => anonymisation_reader = false,
                Err(e) if e.is_access_denied() || matches!(e, MatomoError::Api { .. }) => {
                    tracing::warn!("cannot probe the anonymisation reader: {e}");
                }
                Err(e) => return Err(e),
            }
        }

        let policies = next();
        let status = next();
        debug_assert_eq!(policies_at + 2, fixed);
        let compliance = compliance_support(&version, policies, status)?;
        let mask_parameter = if wire::version_at_least(&version, 5, 6) {
            "ipAddressMaskLength"
        } else {
            "maskLength"
        };
        let info = MatomoInfo {
            url: self.shown_url.clone(),
            version,
            superuser,
            plugins,
            anonymisation_reader,
            compliance,
            mask_parameter: mask_parameter.to_string(),
        };
        let _ = self.info.set(info.clone());
        Ok((info, extra_results))
    }

    /// Read calls in one `API.getBulkRequest` (at most [`MAX_BULK_SIZE`]), whatever the
    /// configured chunk size.
    async fn bulk_in_one(
        &self,
        calls: &[Call],
    ) -> Result<Vec<Result<Value, MatomoError>>, MatomoError> {
        if calls.len() > MAX_BULK_SIZE {
            return self.bulk(calls).await;
        }
        check_bulk_reads(calls)?;
        self.bulk_chunk(calls).await
    }

    /// The instance's own JavaScript tracking code for site `id`
    /// (`SitesManager.getJavascriptTag`, see [`calls::javascript_tag`]), as Matomo
    /// renders it. Needs view access to the site.
    pub async fn javascript_tag(
        &self,
        id: u64,
        disable_cookies: bool,
    ) -> Result<String, MatomoError> {
        let call = calls::javascript_tag(id, disable_cookies);
        let answer = self.read(&call).await?;
        wire::global_string(&answer).map_err(|e| unexpected(&call, &e))
    }

    /// Creates a site; returns its id.
    pub async fn add_site(&self, site: &SiteState) -> Result<u64, MatomoError> {
        let call = calls::add_site(site);
        let answer = self.write(&call).await?;
        wire::new_id(&answer).map_err(|e| unexpected(&call, &e))
    }

    /// Updates a site, always sending every list field (omitted ones are erased by Matomo).
    pub async fn update_site(&self, site: &SiteState) -> Result<(), MatomoError> {
        self.write(&calls::update_site(site)).await.map(drop)
    }

    /// Deletes a site.
    pub async fn delete_site(&self, id: u64) -> Result<(), MatomoError> {
        self.write(&calls::delete_site(id)).await.map(drop)
    }

    /// Gives (`true`) or removes anonymous view access.
    pub async fn set_public_stats(&self, id: u64, public: bool) -> Result<(), MatomoError> {
        self.write(&calls::set_public_stats(id, public))
            .await
            .map(drop)
    }

    /// Creates a goal; returns its id.
    pub async fn add_goal(&self, site: u64, goal: &GoalState) -> Result<u64, MatomoError> {
        let call = calls::add_goal(site, goal);
        let answer = self.write(&call).await?;
        wire::new_id(&answer).map_err(|e| unexpected(&call, &e))
    }

    /// Replaces a goal (every field sent).
    pub async fn update_goal(&self, site: u64, goal: &GoalState) -> Result<(), MatomoError> {
        self.write(&calls::update_goal(site, goal)).await.map(drop)
    }

    /// Deletes a goal.
    pub async fn delete_goal(&self, site: u64, goal: u64) -> Result<(), MatomoError> {
        self.write(&calls::delete_goal(site, goal)).await.map(drop)
    }

    /// Creates a custom dimension; returns its id.
    pub async fn add_dimension(&self, site: u64, dim: &DimensionState) -> Result<u64, MatomoError> {
        let call = calls::add_dimension(site, dim);
        let answer = self.write(&call).await?;
        wire::new_id(&answer).map_err(|e| unexpected(&call, &e))
    }

    /// Updates a custom dimension (name, active, extractions, case sensitivity).
    pub async fn update_dimension(
        &self,
        site: u64,
        dim: &DimensionState,
    ) -> Result<(), MatomoError> {
        self.write(&calls::update_dimension(site, dim))
            .await
            .map(drop)
    }

    /// Writes the privacy settings: `setAnonymizeIpSettings` with every argument (names
    /// per version) and Do Not Track.
    pub async fn set_privacy(
        &self,
        info: &MatomoInfo,
        privacy: &PrivacyState,
    ) -> Result<(), MatomoError> {
        let call =
            self.confirm_if_randomizing(calls::set_anonymize_ip(&info.mask_parameter, privacy))?;
        self.write(&call).await?;
        self.write(&calls::set_do_not_track(privacy.do_not_track))
            .await
            .map(drop)
    }

    /// Writes a site's own privacy settings, or removes them (5.7).
    pub async fn set_site_privacy(
        &self,
        info: &MatomoInfo,
        site: u64,
        privacy: &SitePrivacyState,
    ) -> Result<(), MatomoError> {
        let call = self.confirm_if_randomizing(calls::set_site_privacy(
            &info.mask_parameter,
            site,
            privacy,
        ))?;
        self.write(&call).await.map(drop)
    }

    /// Adds the password to a `setAnonymizeIpSettings` call that sends
    /// `randomizeConfigId=1`: Matomo 5.7 asks for it every time, even when already on.
    fn confirm_if_randomizing(&self, call: Call) -> Result<Call, MatomoError> {
        let randomizing = call
            .params
            .0
            .iter()
            .any(|(key, value)| key == "randomizeConfigId" && value == "1");
        if !randomizing {
            return Ok(call);
        }
        let password = calls::require_password(
            self.config.password.as_ref(),
            "PrivacyManager.setAnonymizeIpSettings with randomize_config_id on",
        )?;
        Ok(call.with_secret("passwordConfirmation", password))
    }

    /// Writes the retention settings (needs the password).
    pub async fn set_retention(&self, retention: &RetentionState) -> Result<(), MatomoError> {
        let password = calls::require_password(
            self.config.password.as_ref(),
            "PrivacyManager.setDeleteLogsSettings",
        )?;
        for call in calls::set_retention(retention, password) {
            self.write(&call).await?;
        }
        Ok(())
    }

    /// Writes the four global exclusion lists (a lone `,` clears one).
    pub async fn set_global_exclusions(
        &self,
        exclusions: &ExclusionsState,
    ) -> Result<(), MatomoError> {
        let version = self.info.get().map(|info| info.version.as_str());
        for call in calls::set_global_exclusions(version, exclusions) {
            self.write(&call).await?;
        }
        Ok(())
    }

    /// Writes the instance-wide visitor log switches.
    pub async fn set_instance_visitor_log(&self, log: &VisitorLogState) -> Result<(), MatomoError> {
        let password = calls::require_password(
            self.config.password.as_ref(),
            "CorePluginsAdmin.setSystemSettings",
        )?;
        self.write(&calls::set_instance_visitor_log(log, password))
            .await
            .map(drop)
    }

    /// Writes the defaults for new sites.
    pub async fn set_defaults(&self, defaults: &DefaultsState) -> Result<(), MatomoError> {
        for call in calls::set_defaults(defaults) {
            self.write(&call).await?;
        }
        Ok(())
    }

    /// Turns Matomo's `cnil_v1` compliance mode on or off for a site or (`None`) the instance.
    pub async fn set_compliance(
        &self,
        site: Option<u64>,
        enforce: bool,
    ) -> Result<(), MatomoError> {
        self.write(&calls::set_compliance(site, enforce))
            .await
            .map(drop)
    }
}

/// The compliance API from the two probes: `getCompliancePolicies` (no flag, no access
/// check) says it exists; `getComplianceStatus(all)` answering "Feature not available"
/// says the feature flag is off; a refusal means the feature is on (the flag is checked
/// before access). Not considered before 5.4.
fn compliance_support(
    version: &str,
    policies: Result<Value, MatomoError>,
    status: Result<Value, MatomoError>,
) -> Result<ComplianceSupport, MatomoError> {
    if !wire::version_at_least(version, 5, 4) {
        return Ok(ComplianceSupport::Absent);
    }
    match policies {
        Ok(_) => {}
        Err(e) if e.is_unknown_method() => return Ok(ComplianceSupport::Absent),
        Err(e @ (MatomoError::Api { .. } | MatomoError::AccessDenied { .. })) => {
            tracing::warn!("cannot probe Matomo's compliance API: {e}");
            return Ok(ComplianceSupport::Absent);
        }
        Err(e) => return Err(e),
    }
    match status {
        Ok(_) => Ok(ComplianceSupport::Available),
        Err(MatomoError::Api { message, .. }) if message.contains("Feature not available") => {
            Ok(ComplianceSupport::FeatureOff)
        }
        Err(MatomoError::AccessDenied { .. }) => Ok(ComplianceSupport::Available),
        Err(e @ MatomoError::Api { .. }) => {
            tracing::warn!("cannot read Matomo's compliance status: {e}");
            Ok(ComplianceSupport::FeatureOff)
        }
        Err(e) => Err(e),
    }
}

/// Refuses a write (or a call with secrets) in a bulk call.
fn check_bulk_reads(calls: &[Call]) -> Result<(), MatomoError> {
    match calls
        .iter()
        .find(|c| !is_read_method(&c.method) || !c.secrets.is_empty())
    {
        Some(call) => Err(MatomoError::Config(format!(
            "{} cannot go into API.getBulkRequest: bulk calls are for reads only (a write there can corrupt a site's URLs)",
            call.method
        ))),
        None => Ok(()),
    }
}

/// How many chunks of at most `size` for `total` calls, and the balanced chunk length.
fn chunk_len(total: usize, size: usize) -> usize {
    let size = size.clamp(1, MAX_BULK_SIZE);
    let chunks = total.div_ceil(size).max(1);
    total.div_ceil(chunks).max(1)
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

/// `{url}/index.php` from a base URL (a trailing `/` or `index.php` is accepted).
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

/// A base URL as it may be shown in outputs, errors and plan files: the password of a
/// `user:password@` part and any query string or fragment (where a token could hide)
/// are left out. Works on text that does not parse as a URL too.
pub fn shown_url(url: &str) -> String {
    let url = url.trim();
    let (base, cut) = match url.find(['?', '#']) {
        Some(at) => (&url[..at], true),
        None => (url, false),
    };
    let after_scheme = base.find("://").map_or(0, |at| at + 3);
    let authority_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |at| after_scheme + at);
    let mut shown = match base[after_scheme..authority_end].rfind('@') {
        Some(at) => {
            let userinfo = &base[after_scheme..after_scheme + at];
            let user = userinfo.split(':').next().unwrap_or_default();
            let redacted = if userinfo.contains(':') {
                format!("{user}:(redacted)")
            } else {
                user.to_string()
            };
            format!(
                "{}{redacted}{}",
                &base[..after_scheme],
                &base[after_scheme + at..]
            )
        }
        None => base.to_string(),
    };
    if cut {
        shown.push_str("?(redacted)");
    }
    shown
}

/// `text` with the password of `url`'s `user:password@` part (as URLs display it,
/// percent-encoded) replaced by `(redacted)`.
fn scrub_url_password(text: &str, url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return text.to_string();
    };
    let Some(password) = parsed.password().filter(|p| !p.is_empty()) else {
        return text.to_string();
    };
    text.replace(password, "(redacted)")
}

/// A transport error's text with its causes (the URL carries no token).
fn transport_detail(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Delay before try `attempt + 1`: `first * 2^(attempt-1)`, with ±50 % jitter.
fn backoff(first: Duration, attempt: u32) -> Duration {
    let base = first.saturating_mul(1 << (attempt.saturating_sub(1)).min(16));
    base.mul_f64(0.5 + fastrand::f64())
}

/// True for methods that only read (`get…`, `is…`, `has…`): the only ones allowed in a bulk call.
pub(crate) fn is_read_method(method: &str) -> bool {
    let action = method.rsplit('.').next().unwrap_or(method);
    ["get", "is", "has"]
        .iter()
        .any(|prefix| action.starts_with(prefix))
}

/// An [`MatomoError::Unexpected`] for an answer `wire` could not decode.
pub(crate) fn unexpected(call: &Call, error: &wire::WireError) -> MatomoError {
    MatomoError::Unexpected {
        method: call.method.clone(),
        site: call.site,
        status: 200,
        body_start: error.to_string().chars().take(300).collect(),
    }
}

/// Matomo's error envelope `{"result":"error","message":…}`, message entity-decoded.
fn error_envelope(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    if object.get("result").and_then(Value::as_str) != Some("error") {
        return None;
    }
    let message = match object.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    Some(
        html_escape::decode_html_entities(&message)
            .trim()
            .to_string(),
    )
}

/// Turns one HTTP answer into a value or an error. The error envelope in any status is
/// [`MatomoError::Api`], except a JSON 401 ([`MatomoError::AccessDenied`], or
/// [`MatomoError::InvalidToken`] when Matomo says the token could not authenticate);
/// an HTML 401 is [`MatomoError::InvalidToken`]; anything else that is not a JSON 2xx
/// answer is [`MatomoError::Unexpected`] quoting the first 200 characters of the body,
/// with every secret blanked out.
pub(crate) fn decode_answer(
    method: &str,
    site: Option<u64>,
    status: u16,
    body: &str,
    secrets: &[&Secret],
) -> Result<Value, MatomoError> {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => {
            if let Some(message) = error_envelope(&value) {
                return Err(if status == 401 {
                    if message.contains(INVALID_TOKEN_JSON) {
                        MatomoError::InvalidToken {
                            method: method.to_string(),
                        }
                    } else {
                        MatomoError::AccessDenied {
                            method: method.to_string(),
                            site,
                            message,
                        }
                    }
                } else {
                    MatomoError::Api {
                        method: method.to_string(),
                        site,
                        status,
                        message,
                    }
                });
            }
            if (200..300).contains(&status) {
                Ok(value)
            } else {
                Err(unexpected_body(method, site, status, body, secrets))
            }
        }
        Err(_) if status == 401 => Err(MatomoError::InvalidToken {
            method: method.to_string(),
        }),
        Err(_) => Err(unexpected_body(method, site, status, body, secrets)),
    }
}

fn unexpected_body(
    method: &str,
    site: Option<u64>,
    status: u16,
    body: &str,
    secrets: &[&Secret],
) -> MatomoError {
    let mut text = body.to_string();
    for secret in secrets {
        if !secret.is_empty() {
            text = text.replace(secret.expose(), "(redacted)");
        }
    }
    let body_start = text
        .chars()
        .take(200)
        .collect::<String>()
        .trim()
        .to_string();
    MatomoError::Unexpected {
        method: method.to_string(),
        site,
        status,
        body_start,
    }
}

/// Splits a bulk answer into one result per call: the answer must be a list with exactly
/// as many items as calls ([`MatomoError::Truncated`] otherwise); an item that is an
/// error envelope becomes that call's error (an access refusal as
/// [`MatomoError::AccessDenied`]).
pub(crate) fn split_bulk_answer(
    chunk: &[Call],
    answer: Value,
) -> Result<Vec<Result<Value, MatomoError>>, MatomoError> {
    let items: Vec<Value> = match answer {
        Value::Array(items) => items,
        Value::Object(map) => {
            // Keyed by position (PHP array keys kept): order by numeric key.
            let mut keyed: Vec<(u64, Value)> = Vec::with_capacity(map.len());
            for (key, value) in map {
                let index = key.parse::<u64>().map_err(|_| MatomoError::Unexpected {
                    method: "API.getBulkRequest".into(),
                    site: None,
                    status: 200,
                    body_start: format!(
                        "expected a list of answers, got an object with key {key:?}"
                    ),
                })?;
                keyed.push((index, value));
            }
            keyed.sort_by_key(|(index, _)| *index);
            keyed.into_iter().map(|(_, value)| value).collect()
        }
        other => {
            return Err(MatomoError::Unexpected {
                method: "API.getBulkRequest".into(),
                site: None,
                status: 200,
                body_start: format!("expected a list of answers, got {}", wire::quote(&other)),
            });
        }
    };
    if items.len() != chunk.len() {
        return Err(MatomoError::Truncated {
            expected: chunk.len(),
            got: items.len(),
        });
    }
    Ok(chunk
        .iter()
        .zip(items)
        .map(|(call, item)| match error_envelope(&item) {
            None => Ok(item),
            Some(message) if message.starts_with("You can't access this resource") => {
                Err(MatomoError::AccessDenied {
                    method: call.method.clone(),
                    site: call.site,
                    message,
                })
            }
            Some(message) => Err(MatomoError::Api {
                method: call.method.clone(),
                site: call.site,
                status: 200,
                message,
            }),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::matomo::test_support::{Reply, form, get, recording, response, serve};

    #[test]
    fn shown_url_leaves_out_passwords_and_query_strings() {
        assert_eq!(
            shown_url("https://stats.example.org/"),
            "https://stats.example.org/"
        );
        assert_eq!(
            shown_url(" https://ops:p%40ss@stats.example.org:8443/matomo/ "),
            "https://ops:(redacted)@stats.example.org:8443/matomo/"
        );
        assert_eq!(
            shown_url("https://ops@stats.example.org/"),
            "https://ops@stats.example.org/"
        );
        assert_eq!(
            shown_url("https://stats.example.org/?token_auth=abc#x"),
            "https://stats.example.org/?(redacted)"
        );
        assert_eq!(shown_url("stats?token_auth=abc"), "stats?(redacted)");
        assert_eq!(shown_url("a:b@stats/x@y"), "a:(redacted)@stats/x@y");
        assert_eq!(
            scrub_url_password(
                "for url (https://ops:p%40ss@h/index.php)",
                "https://ops:p%40ss@h/"
            ),
            "for url (https://ops:(redacted)@h/index.php)"
        );
    }

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

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn decode_recorded(version: &str, name: &str) -> Result<Value, MatomoError> {
        let rec = recording(version, name);
        let (status, body) = response(&rec);
        let method = rec["request"]["method"].as_str().unwrap();
        decode_answer(method, Some(1), status, &body, &[])
    }

    #[test]
    fn error_envelope_in_a_200_is_an_api_error_with_entities_decoded() {
        match decode_recorded("5.0.2", "SitesManager.addSite__invalid_timezone") {
            Err(MatomoError::Api {
                status: 200,
                message,
                method,
                ..
            }) => {
                assert_eq!(method, "SitesManager.addSite");
                assert!(message.contains("\"Mars/Olympus\""), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let err = decode_recorded(
            "5.0.2",
            "PrivacyManager.getAnonymizeIpSettings__does_not_exist",
        )
        .unwrap_err();
        assert!(err.is_unknown_method(), "{err:?}");
    }

    #[test]
    fn json_401_is_access_denied_and_html_401_is_an_invalid_token() {
        let err = decode_recorded("5.0.2", "API.getMatomoVersion__no_token").unwrap_err();
        assert!(err.is_access_denied(), "{err:?}");
        assert!(err.to_string().contains("requires view access"));
        for (version, name) in [
            ("5.0.2", "API.getMatomoVersion__bad_token"),
            ("5.7", "API.getMatomoVersion__bad_token"),
            ("5.7", "API.getMatomoVersion__secure_only_token_GET"),
        ] {
            let err = decode_recorded(version, name).unwrap_err();
            assert!(err.is_auth_failure(), "{name}: {err:?}");
            assert!(err.to_string().contains("the token is invalid or revoked"));
            assert!(!err.is_retryable());
        }
    }

    #[test]
    fn statuses_500_400_404_with_the_envelope_are_api_errors() {
        for (version, name, status) in [
            ("5.0.2", "SitesManager.addSite__excludedIps_as_array", 500),
            ("5.7", "API.noSuchMethod__unknown_method", 400),
            ("5.7", "NoSuchModule.foo__unknown_module", 404),
            ("5.7", "SitesManager.getSiteFromId__missing_param", 400),
            (
                "5.7",
                "PrivacyManager.getComplianceStatus__flag_off_all",
                200,
            ),
        ] {
            match decode_recorded(version, name) {
                Err(MatomoError::Api { status: got, .. }) => assert_eq!(got, status, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(
            decode_recorded("5.7", "API.noSuchMethod__unknown_method")
                .unwrap_err()
                .is_unknown_method()
        );
        assert!(
            decode_recorded(
                "5.7",
                "PrivacyManager.getAnonymizeIpSettings__does_not_exist"
            )
            .unwrap_err()
            .is_unknown_method()
        );
    }

    #[test]
    fn other_answers_are_unexpected_quoting_the_body_without_secrets() {
        let token = Secret::new(TOKEN);
        let body = format!("<html>Bad gateway {TOKEN} {}</html>", "x".repeat(500));
        match decode_answer("API.getMatomoVersion", None, 502, &body, &[&token]) {
            Err(e @ MatomoError::Unexpected { status: 502, .. }) => {
                assert!(e.is_retryable());
                let text = e.to_string();
                assert!(!text.contains(TOKEN), "{text}");
                assert!(text.contains("Bad gateway (redacted)"), "{text}");
                let MatomoError::Unexpected { body_start, .. } = e else {
                    unreachable!()
                };
                assert!(body_start.chars().count() <= 200);
            }
            other => panic!("{other:?}"),
        }
        let err =
            decode_answer("API.getMatomoVersion", None, 200, "<?xml version", &[]).unwrap_err();
        assert!(matches!(err, MatomoError::Unexpected { status: 200, .. }));
        let err = decode_answer("X.y", None, 500, r#"{"value": 1}"#, &[]).unwrap_err();
        assert!(matches!(err, MatomoError::Unexpected { status: 500, .. }));
        assert_eq!(
            decode_answer("X.y", None, 200, r#"{"value": 1}"#, &[]).unwrap(),
            serde_json::json!({"value": 1})
        );
    }

    fn sub_calls(n: usize) -> Vec<Call> {
        (1..=n as u64)
            .map(|id| Call::for_site("SitesManager.getSiteFromId", id))
            .collect()
    }

    #[test]
    fn bulk_answers_split_per_call_with_inline_errors() {
        let rec = recording("5.0.2", "API.getBulkRequest__teamA_mixed_access");
        let calls = vec![
            Call::for_site("SitesManager.getSiteFromId", 2),
            Call::for_site("SitesManager.getSiteFromId", 1),
            Call::new("PrivacyManager.getAvailableVisitColumnsToAnonymize"),
        ];
        let results = split_bulk_answer(&calls, rec["response"]["body"].clone()).unwrap();
        assert!(results[0].is_ok());
        match &results[1] {
            Err(MatomoError::AccessDenied {
                site: Some(1),
                method,
                ..
            }) => {
                assert_eq!(method, "SitesManager.getSiteFromId");
            }
            other => panic!("{other:?}"),
        }
        assert!(results[2].as_ref().unwrap_err().is_access_denied());

        let rec = recording("5.0.2", "API.getBulkRequest__mixed_sites_privacy");
        let mut calls = sub_calls(5);
        calls[3].site = Some(9999);
        let results = split_bulk_answer(&calls, rec["response"]["body"].clone()).unwrap();
        assert!(matches!(
            &results[3],
            Err(MatomoError::Api {
                site: Some(9999),
                ..
            })
        ));
        assert_eq!(
            results[2].as_ref().unwrap(),
            &serde_json::json!({"value": false})
        );
    }

    #[test]
    fn a_bulk_answer_with_fewer_items_is_truncated() {
        let answer = Value::Array(vec![serde_json::json!({"value": 1}); 996]);
        match split_bulk_answer(&sub_calls(1000), answer) {
            Err(MatomoError::Truncated {
                expected: 1000,
                got: 996,
            }) => {}
            other => panic!("{:?}", other.map(|v| v.len())),
        }
        let keyed = serde_json::json!({"1": "b", "0": "a"});
        let results = split_bulk_answer(&sub_calls(2), keyed).unwrap();
        assert_eq!(results[0].as_ref().unwrap(), "a");
        assert!(split_bulk_answer(&sub_calls(1), serde_json::json!("x")).is_err());
    }

    fn config(url: &str) -> ClientConfig {
        let mut config = ClientConfig::new(url);
        config.token = Some(Secret::new(TOKEN));
        config.retry_delay = Duration::from_millis(1);
        config.request_timeout = Duration::from_millis(500);
        config
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
    fn echo_bulk(_: usize, body: &str) -> Reply {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let items: Vec<Value> = pairs
            .iter()
            .filter(|(k, _)| k.starts_with("urls["))
            .map(|(_, sub)| {
                let sub: Vec<(String, String)> = form_urlencoded::parse(sub.as_bytes())
                    .into_owned()
                    .collect();
                let id = get(&sub, "idSite").unwrap_or("0").parse::<u64>().unwrap();
                serde_json::json!({"value": id})
            })
            .collect();
        Reply::json(200, Value::Array(items).to_string())
    }

    #[tokio::test]
    async fn bulk_chunks_in_order_with_the_sub_requests_encoded() {
        let (url, log) = serve(echo_bulk).await;
        let mut config = config(&url);
        config.bulk_size = 3;
        config.parallelism = 2;
        let client = Client::new(config).unwrap();
        let results = client.bulk(&sub_calls(8)).await.unwrap();
        let ids: Vec<u64> = results
            .iter()
            .map(|r| r.as_ref().unwrap()["value"].as_u64().unwrap())
            .collect();
        assert_eq!(ids, (1..=8).collect::<Vec<_>>());
        let log = log.lock().unwrap();
        assert_eq!(log.len(), 3);
        let first = form(
            &log.iter()
                .find(|l| l.contains("idSite%3D1"))
                .unwrap()
                .clone(),
        );
        let keys: Vec<&str> = first.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "module",
                "method",
                "format",
                "token_auth",
                "filter_limit",
                "urls[0]",
                "urls[1]",
                "urls[2]"
            ]
        );
        assert_eq!(get(&first, "method"), Some("API.getBulkRequest"));
        assert_eq!(
            get(&first, "urls[0]"),
            Some("method=SitesManager.getSiteFromId&idSite=1")
        );
    }

    #[tokio::test]
    async fn bulk_fails_when_matomo_drops_answers_and_refuses_writes() {
        let (url, _) = serve(|_, _| Reply::json(200, "[{\"value\":1}]")).await;
        let client = Client::new(config(&url)).unwrap();
        let err = client.bulk(&sub_calls(2)).await.unwrap_err();
        assert!(
            matches!(
                err,
                MatomoError::Truncated {
                    expected: 2,
                    got: 1
                }
            ),
            "{err:?}"
        );
        let before = client.request_count();
        let writes = [Call::for_site("SitesManager.updateSite", 1).with("siteName", "x")];
        let err = client.bulk(&writes).await.unwrap_err();
        assert!(err.to_string().contains("reads only"), "{err}");
        assert_eq!(client.request_count(), before);
    }

    /// A scripted Matomo for `detect`: answers each sub-request of a bulk call by method
    /// name (plain calls are refused: detection is one bulk request).
    fn scripted(
        version: &'static str,
        superuser: bool,
        flag_on: bool,
    ) -> impl Fn(usize, &str) -> Reply {
        move |_, body| {
            let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect();
            if get(&pairs, "method") != Some("API.getBulkRequest") {
                return Reply::json(400, r#"{"result":"error","message":"not scripted"}"#);
            }
            let v57 = version.starts_with("5.7");
            let answer = |sub: &[(String, String)]| -> Value {
                let method = get(sub, "method").unwrap_or("");
                match (method, get(sub, "pluginName")) {
                    ("API.getMatomoVersion", _) => serde_json::json!({"value": version}),
                    ("UsersManager.hasSuperUserAccess", _) => {
                        serde_json::json!({"value": superuser})
                    }
                    ("API.isPluginActivated", plugin) => {
                        serde_json::json!({"value": plugin != Some("CustomDimensions")})
                    }
                    ("PrivacyManager.getAnonymisationSettings", _) if v57 && superuser => {
                        serde_json::json!({})
                    }
                    ("PrivacyManager.getAnonymisationSettings", _) if v57 => serde_json::json!(
                        {"result":"error","message":"You can't access this resource as it requires a 'superuser' access."}
                    ),
                    ("PrivacyManager.getCompliancePolicies", _) if v57 => serde_json::json!([]),
                    ("PrivacyManager.getComplianceStatus", _) if v57 && !flag_on => {
                        serde_json::json!({"result":"error","message":"Feature not available"})
                    }
                    ("PrivacyManager.getComplianceStatus", _) if v57 => {
                        serde_json::json!({"complianceModeEnforced": false})
                    }
                    (other, _) => serde_json::json!({"result":"error","message": format!(
                        "The method '{other}' does not exist or is not available in the module"
                    )}),
                }
            };
            let items: Vec<Value> = pairs
                .iter()
                .filter(|(k, _)| k.starts_with("urls["))
                .map(|(_, sub)| {
                    let sub: Vec<(String, String)> = form_urlencoded::parse(sub.as_bytes())
                        .into_owned()
                        .collect();
                    answer(&sub)
                })
                .collect();
            Reply::json(200, Value::Array(items).to_string())
        }
    }

    #[tokio::test]
    async fn detect_on_502_and_57_in_one_request() {
        let (url, _) = serve(scripted("5.0.2", true, false)).await;
        let client = Client::new(config(&url)).unwrap();
        let info = client.detect().await.unwrap();
        assert_eq!(info.version, "5.0.2");
        assert!(info.superuser);
        assert!(info.plugins["Live"]);
        assert!(!info.plugins["CustomDimensions"]);
        assert!(!info.anonymisation_reader);
        assert_eq!(info.compliance, ComplianceSupport::Absent);
        assert_eq!(info.mask_parameter, "maskLength");
        assert_eq!(client.request_count(), 1, "every probe in one bulk call");
        assert_eq!(client.info().map(|i| i.version.as_str()), Some("5.0.2"));

        let (url, _) = serve(scripted("5.7.0-rc1", true, false)).await;
        let info = Client::new(config(&url)).unwrap().detect().await.unwrap();
        assert!(info.anonymisation_reader);
        assert_eq!(info.compliance, ComplianceSupport::FeatureOff);
        assert_eq!(info.mask_parameter, "ipAddressMaskLength");

        let (url, _) = serve(scripted("5.7.0-rc1", false, true)).await;
        let client = Client::new(config(&url)).unwrap();
        let extra = [
            Call::new("API.getMatomoVersion"),
            Call::new("Goals.getGoals"),
        ];
        let (info, results) = client.detect_with(&extra).await.unwrap();
        assert!(!info.superuser);
        assert!(info.anonymisation_reader, "by version when not superuser");
        assert_eq!(info.compliance, ComplianceSupport::Available);
        assert_eq!(client.request_count(), 1);
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].as_ref().unwrap()["value"], "5.7.0-rc1");
        assert!(results[1].as_ref().unwrap_err().is_unknown_method());
    }

    #[tokio::test]
    async fn detect_refuses_matomo_4() {
        let (url, _) = serve(|_, body| {
            let n = form_urlencoded::parse(body.as_bytes())
                .filter(|(k, _)| k.starts_with("urls["))
                .count();
            let mut items = vec![serde_json::json!({"value": "4.16.1"})];
            items.resize(n, serde_json::json!({"value": true}));
            Reply::json(200, Value::Array(items).to_string())
        })
        .await;
        let err = Client::new(config(&url))
            .unwrap()
            .detect()
            .await
            .unwrap_err();
        assert!(
            matches!(err, MatomoError::UnsupportedVersion { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("Matomo 4.16.1 is not supported"));
    }

    #[test]
    fn chunks_are_balanced_and_capped() {
        assert_eq!(chunk_len(1001, 500), 334);
        assert_eq!(chunk_len(3000, 500), 500);
        assert_eq!(chunk_len(10, 500), 10);
        assert_eq!(chunk_len(10, 4), 4);
        assert_eq!(chunk_len(5000, 10_000), 500, "capped at MAX_BULK_SIZE");
        assert_eq!(chunk_len(0, 100), 1);
    }

    #[tokio::test]
    async fn writes_need_the_password_before_any_request() {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let (url, _) = serve(move |_, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            Reply::json(200, r#"{"value":true}"#)
        })
        .await;
        let client = Client::new(config(&url)).unwrap();
        let err = client
            .set_retention(&RetentionState::default())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("MATOMO_PASSWORD"));
        let err = client
            .set_instance_visitor_log(&VisitorLogState::default())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("MATOMO_PASSWORD"));
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        let err = client
            .add_site(&SiteState {
                name: "x".into(),
                ..SiteState::default()
            })
            .await
            .unwrap_err();
        assert!(matches!(err, MatomoError::Unexpected { .. }), "{err:?}");
    }

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
        assert!(
            is_read_method("Goals.getGoals") && is_read_method("UsersManager.hasSuperUserAccess")
        );
        assert!(
            !is_read_method("SitesManager.updateSite")
                && !is_read_method("PrivacyManager.activateDoNotTrack")
        );
    }
}
