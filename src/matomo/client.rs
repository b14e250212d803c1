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
    PrivacyState, RetentionState, SiteState, VisitorLogState,
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
    /// Extra CA certificate (PEM) to trust.
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate (explicit opt-in only).
    pub insecure: bool,
    /// Connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Request timeout (default 60 s).
    pub request_timeout: Duration,
    /// Sub-requests per bulk call (default 100; PHP drops fields past max_input_vars).
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
            ca_cert: None,
            insecure: false,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            bulk_size: 100,
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
    requests: AtomicU64,
    /// What [`Client::detect`] found (used to pick setter names by version).
    info: OnceLock<MatomoInfo>,
}

/// Plugins whose activation [`Client::detect`] checks.
pub const PLUGINS: [&str; 3] = ["Live", "Goals", "CustomDimensions"];

/// The message Matomo's HTML 401 page stands for.
const INVALID_TOKEN_JSON: &str = "Unable to authenticate with the provided token";

impl Client {
    /// Builds the client (TLS settings, timeouts, user agent).
    pub fn new(config: ClientConfig) -> Result<Self, MatomoError> {
        let endpoint = endpoint_of(&config.url)?;
        let mut builder = reqwest::Client::builder()
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
            tracing::warn!(
                "--insecure: TLS certificates of {} are not verified; anyone on the path can read the token",
                config.url
            );
            builder = builder.danger_accept_invalid_certs(true);
        }
        let http = builder
            .build()
            .map_err(|e| MatomoError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            config,
            http,
            endpoint,
            requests: AtomicU64::new(0),
            info: OnceLock::new(),
        })
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.config.url
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
            url: self.config.url.clone(),
            detail: transport_detail(&e),
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

    /// Read calls grouped into `API.getBulkRequest`, chunked and sent concurrently;
    /// one result per call, in order. Fails when an answer is truncated.
    pub async fn bulk(
        &self,
        calls: &[Call],
    ) -> Result<Vec<Result<Value, MatomoError>>, MatomoError> {
        if let Some(call) = calls
            .iter()
            .find(|c| !is_read_method(&c.method) || !c.secrets.is_empty())
        {
            return Err(MatomoError::Config(format!(
                "{} cannot go into API.getBulkRequest: bulk calls are for reads only (a write there can corrupt a site's URLs)",
                call.method
            )));
        }
        let size = self.config.bulk_size.max(1);
        let chunks: Vec<&[Call]> = calls.chunks(size).collect();
        let answers: Vec<Result<Vec<Result<Value, MatomoError>>, MatomoError>> =
            futures::stream::iter(chunks.into_iter().map(|chunk| self.bulk_chunk(chunk)))
                .buffered(self.config.parallelism.max(1))
                .collect()
                .await;
        let mut out = Vec::with_capacity(calls.len());
        for answer in answers {
            out.extend(answer?);
        }
        Ok(out)
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
    /// Refuses Matomo 4 and older.
    pub async fn detect(&self) -> Result<MatomoInfo, MatomoError> {
        let version_call = Call::new("API.getMatomoVersion");
        let answer = self.read(&version_call).await?;
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

        let mut probes = vec![Call::new("UsersManager.hasSuperUserAccess")];
        for plugin in PLUGINS {
            probes.push(Call::new("API.isPluginActivated").with("pluginName", plugin));
        }
        let results = self.bulk(&probes).await?;
        let mut flags = Vec::with_capacity(results.len());
        for (call, result) in probes.iter().zip(results) {
            flags.push(wire::single_bool(&result?).map_err(|e| unexpected(call, &e))?);
        }
        let superuser = flags.first().copied().unwrap_or(false);
        let plugins: BTreeMap<String, bool> = PLUGINS
            .iter()
            .zip(flags.iter().skip(1))
            .map(|(name, active)| ((*name).to_string(), *active))
            .collect();

        // The anonymisation reader: 5.6+, confirmed by a probe when we may call it.
        let mut anonymisation_reader = wire::version_at_least(&version, 5, 6);
        if anonymisation_reader && superuser {
            match self
                .read(&Call::new("PrivacyManager.getAnonymisationSettings"))
                .await
            {
                Ok(_) => {}
                Err(e) if e.is_unknown_method() => anonymisation_reader = false,
                Err(e) if e.is_access_denied() || matches!(e, MatomoError::Api { .. }) => {
                    tracing::warn!("cannot probe the anonymisation reader: {e}");
                }
                Err(e) => return Err(e),
            }
        }

        let compliance = self.detect_compliance(&version).await?;
        let mask_parameter = if wire::version_at_least(&version, 5, 6) {
            "ipAddressMaskLength"
        } else {
            "maskLength"
        };
        let info = MatomoInfo {
            url: self.config.url.clone(),
            version,
            superuser,
            plugins,
            anonymisation_reader,
            compliance,
            mask_parameter: mask_parameter.to_string(),
        };
        let _ = self.info.set(info.clone());
        Ok(info)
    }

    /// The compliance API: `getCompliancePolicies` (no flag, no access check) says it
    /// exists; `getComplianceStatus(all)` answering "Feature not available" says the
    /// feature flag is off. Not probed before 5.4.
    async fn detect_compliance(&self, version: &str) -> Result<ComplianceSupport, MatomoError> {
        if !wire::version_at_least(version, 5, 4) {
            return Ok(ComplianceSupport::Absent);
        }
        match self
            .read(&Call::new("PrivacyManager.getCompliancePolicies"))
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_unknown_method() => return Ok(ComplianceSupport::Absent),
            Err(e @ (MatomoError::Api { .. } | MatomoError::AccessDenied { .. })) => {
                tracing::warn!("cannot probe Matomo's compliance API: {e}");
                return Ok(ComplianceSupport::Absent);
            }
            Err(e) => return Err(e),
        }
        let status = calls::compliance_status(None);
        match self.read(&status).await {
            Ok(_) => Ok(ComplianceSupport::Available),
            Err(MatomoError::Api { message, .. }) if message.contains("Feature not available") => {
                Ok(ComplianceSupport::FeatureOff)
            }
            // The flag is checked before access: a refusal means the feature is on.
            Err(MatomoError::AccessDenied { .. }) => Ok(ComplianceSupport::Available),
            Err(e @ MatomoError::Api { .. }) => {
                tracing::warn!("cannot read Matomo's compliance status: {e}");
                Ok(ComplianceSupport::FeatureOff)
            }
            Err(e) => Err(e),
        }
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
        self.write(&calls::set_anonymize_ip(&info.mask_parameter, privacy))
            .await?;
        self.write(&calls::set_do_not_track(privacy.do_not_track))
            .await
            .map(drop)
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

/// `{url}/index.php` from a base URL (a trailing `/` or `index.php` is accepted).
fn endpoint_of(url: &str) -> Result<String, MatomoError> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        MatomoError::Config(format!(
            "the Matomo URL {url:?} is not valid ({e}); set MATOMO_URL or --url to e.g. https://stats.example.org/"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(MatomoError::Config(format!(
            "the Matomo URL {url:?} must start with https:// (or http://)"
        )));
    }
    if parsed.query().is_some() {
        return Err(MatomoError::Config(format!(
            "the Matomo URL {url:?} must not have a query string: give the base URL only"
        )));
    }
    let base = parsed.as_str().trim_end_matches('/');
    let base = base.strip_suffix("/index.php").unwrap_or(base);
    Ok(format!("{base}/index.php"))
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
