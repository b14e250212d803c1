//! The Matomo API client: one type, all calls.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::{Call, MatomoError, Secret};
use crate::live::{
    DefaultsState, DimensionState, ExclusionsState, GoalState, MatomoInfo, PrivacyState,
    RetentionState, SiteState, VisitorLogState,
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
}

impl Client {
    /// Builds the client (TLS settings, timeouts, user agent).
    pub fn new(config: ClientConfig) -> Result<Self, MatomoError> {
        Ok(Self { config })
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// HTTP requests sent so far.
    pub fn request_count(&self) -> u64 {
        todo!()
    }

    /// A read call: retried on transport errors and 502/503/504 (3 tries), never after a 401.
    pub async fn read(&self, call: &Call) -> Result<Value, MatomoError> {
        let _ = call;
        todo!()
    }

    /// A write call: never retried.
    pub async fn write(&self, call: &Call) -> Result<Value, MatomoError> {
        let _ = call;
        todo!()
    }

    /// Read calls grouped into `API.getBulkRequest`, chunked and sent concurrently;
    /// one result per call, in order. Fails when an answer is truncated.
    pub async fn bulk(
        &self,
        calls: &[Call],
    ) -> Result<Vec<Result<Value, MatomoError>>, MatomoError> {
        let _ = calls;
        todo!()
    }

    /// Detects version, superuser, plugins, privacy readers and parameter names.
    /// Refuses Matomo 4 and older.
    pub async fn detect(&self) -> Result<MatomoInfo, MatomoError> {
        todo!()
    }

    /// Creates a site; returns its id.
    pub async fn add_site(&self, site: &SiteState) -> Result<u64, MatomoError> {
        let _ = site;
        todo!()
    }

    /// Updates a site, always sending every list field (omitted ones are erased by Matomo).
    pub async fn update_site(&self, site: &SiteState) -> Result<(), MatomoError> {
        let _ = site;
        todo!()
    }

    /// Deletes a site.
    pub async fn delete_site(&self, id: u64) -> Result<(), MatomoError> {
        let _ = id;
        todo!()
    }

    /// Gives (`true`) or removes anonymous view access.
    pub async fn set_public_stats(&self, id: u64, public: bool) -> Result<(), MatomoError> {
        let _ = (id, public);
        todo!()
    }

    /// Creates a goal; returns its id.
    pub async fn add_goal(&self, site: u64, goal: &GoalState) -> Result<u64, MatomoError> {
        let _ = (site, goal);
        todo!()
    }

    /// Replaces a goal (every field sent).
    pub async fn update_goal(&self, site: u64, goal: &GoalState) -> Result<(), MatomoError> {
        let _ = (site, goal);
        todo!()
    }

    /// Deletes a goal.
    pub async fn delete_goal(&self, site: u64, goal: u64) -> Result<(), MatomoError> {
        let _ = (site, goal);
        todo!()
    }

    /// Creates a custom dimension; returns its id.
    pub async fn add_dimension(&self, site: u64, dim: &DimensionState) -> Result<u64, MatomoError> {
        let _ = (site, dim);
        todo!()
    }

    /// Updates a custom dimension (name, active, extractions, case sensitivity).
    pub async fn update_dimension(
        &self,
        site: u64,
        dim: &DimensionState,
    ) -> Result<(), MatomoError> {
        let _ = (site, dim);
        todo!()
    }

    /// Writes the privacy settings: `setAnonymizeIpSettings` with every argument (names
    /// per version) and Do Not Track.
    pub async fn set_privacy(
        &self,
        info: &MatomoInfo,
        privacy: &PrivacyState,
    ) -> Result<(), MatomoError> {
        let _ = (info, privacy);
        todo!()
    }

    /// Writes the retention settings (needs the password).
    pub async fn set_retention(&self, retention: &RetentionState) -> Result<(), MatomoError> {
        let _ = retention;
        todo!()
    }

    /// Writes the four global exclusion lists (a lone `,` clears one).
    pub async fn set_global_exclusions(
        &self,
        exclusions: &ExclusionsState,
    ) -> Result<(), MatomoError> {
        let _ = exclusions;
        todo!()
    }

    /// Writes the instance-wide visitor log switches.
    pub async fn set_instance_visitor_log(&self, log: &VisitorLogState) -> Result<(), MatomoError> {
        let _ = log;
        todo!()
    }

    /// Writes the defaults for new sites.
    pub async fn set_defaults(&self, defaults: &DefaultsState) -> Result<(), MatomoError> {
        let _ = defaults;
        todo!()
    }

    /// Turns Matomo's `cnil_v1` compliance mode on or off for a site or (`None`) the instance.
    pub async fn set_compliance(
        &self,
        site: Option<u64>,
        enforce: bool,
    ) -> Result<(), MatomoError> {
        let _ = (site, enforce);
        todo!()
    }
}
