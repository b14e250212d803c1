//! The only place that speaks HTTP: Matomo's API client, its wire encoding and
//! decoding, its error type, bulk reads, and capability detection.
//!
//! Transport rules (see `MATOMO-API.md`): `POST {url}/index.php`, form body with
//! `module=API`, `method`, `format=json`, `token_auth` and `filter_limit=-1` first and
//! never repeated; PHP bracket syntax for arrays; comma strings for the six site
//! lists; booleans as 0/1. Redirects are never followed (they would carry the token
//! elsewhere), and plain `http://` is refused for a host that is not loopback unless
//! `--insecure-http` is given.

pub mod calls;
mod client;
mod encode;
mod error;
pub mod reports;
mod secret;
pub mod session;
#[cfg(test)]
pub(crate) mod test_support;
pub mod wire;

pub use client::{
    Client, ClientConfig, MAX_BULK_SIZE, PHP_MAX_INPUT_VARS, PLUGINS, is_plain_http_remote,
    shown_url,
};
pub use encode::{Call, Params};
pub use error::MatomoError;
pub use secret::Secret;
