//! One error type for every way a Matomo call can fail. Messages name the call,
//! the site, and Matomo's own message; they never contain the token.

/// A failed Matomo call.
#[derive(Debug, thiserror::Error)]
pub enum MatomoError {
    /// Matomo answered its error envelope (`{"result":"error"}`), in a 200 or 4xx/5xx.
    #[error("{method}{site} failed: {message}", site = site_suffix(*site))]
    Api {
        /// `Module.action`.
        method: String,
        /// Site concerned.
        site: Option<u64>,
        /// HTTP status.
        status: u16,
        /// Matomo's message, HTML entities decoded.
        message: String,
    },
    /// JSON 401: the token lacks the access the call needs.
    #[error("{method}{site} was refused: {message} Use a token with enough access for this site.", site = site_suffix(*site))]
    AccessDenied {
        /// `Module.action`.
        method: String,
        /// Site concerned.
        site: Option<u64>,
        /// Matomo's message.
        message: String,
    },
    /// HTML 401: the token is unknown or revoked.
    #[error(
        "{method} was refused: the token is invalid or revoked. Create a new token in Matomo (Personal > Security) and set MATOMO_TOKEN."
    )]
    InvalidToken {
        /// `Module.action`.
        method: String,
    },
    /// A status or body that is not Matomo's error envelope.
    #[error("{method}{site}: unexpected answer (HTTP {status}): {body_start}", site = site_suffix(*site))]
    Unexpected {
        /// `Module.action`.
        method: String,
        /// Site concerned.
        site: Option<u64>,
        /// HTTP status.
        status: u16,
        /// The first 200 characters of the body.
        body_start: String,
    },
    /// The connection failed or timed out.
    #[error("{method}: cannot reach Matomo at {url}: {detail}")]
    Transport {
        /// `Module.action`.
        method: String,
        /// Base URL.
        url: String,
        /// What failed.
        detail: String,
        /// Retrying may help (connection error, timeout).
        retryable: bool,
    },
    /// Matomo answered a redirect (3xx). It is never followed: the request body, token
    /// and password included, would be sent again to the `Location` target.
    #[error(
        "{method}: Matomo answered HTTP {status}, a redirect to {location}; matoform never follows redirects with the token: set MATOMO_URL (or --url) to the final address"
    )]
    Redirected {
        /// `Module.action`.
        method: String,
        /// HTTP status (301, 302, 303, 307, 308…).
        status: u16,
        /// The target, resolved against the request URL, its password and query left out
        /// (see [`super::shown_url`]), or `(no Location header)`.
        location: String,
    },
    /// A bulk call answered fewer results than sub-requests (PHP `max_input_vars`).
    #[error(
        "API.getBulkRequest answered {got} results for {expected} requests: the answer was truncated (PHP max_input_vars?); lower --bulk-size"
    )]
    Truncated {
        /// Sub-requests sent.
        expected: usize,
        /// Results received.
        got: usize,
    },
    /// This Matomo version is not supported.
    #[error(
        "Matomo {version} is not supported: matoform needs Matomo 5.0 or later. Upgrade Matomo."
    )]
    UnsupportedVersion {
        /// The version Matomo reported.
        version: String,
    },
    /// The client could not be configured (URL, CA certificate…).
    #[error("{0}")]
    Config(String),
}

fn site_suffix(site: Option<u64>) -> String {
    site.map(|id| format!(" (site {id})")).unwrap_or_default()
}

impl MatomoError {
    /// True for failures that a read may retry: transport errors, timeouts, 502/503/504.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { retryable, .. } => *retryable,
            Self::Unexpected { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }

    /// True when Matomo refused the call for lack of access (JSON 401, or the same message
    /// inline in a bulk answer): a per-object read may leave the object unread.
    pub fn is_access_denied(&self) -> bool {
        matches!(self, Self::AccessDenied { .. })
    }

    /// True when the call failed because the method does not exist on this Matomo
    /// ("does not exist or is not available", HTTP 200 on 5.0, 400 on 5.7).
    pub fn is_unknown_method(&self) -> bool {
        matches!(self, Self::Api { message, .. } if message.contains("does not exist or is not available"))
    }

    /// True when the token itself was refused (stop everything at once).
    pub fn is_auth_failure(&self) -> bool {
        matches!(self, Self::InvalidToken { .. })
    }
}
