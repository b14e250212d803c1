//! The only place that speaks HTTP: Matomo's API client (transport, bulk reads, the
//! setters), its wire encoding ([`Call`], [`calls`]) and decoding ([`wire`]), Matomo's
//! codes for the desired model's enums ([`codes`]), its error type, and the admin-page
//! [`session`]. It knows Matomo's terms only: the live state and what a Matomo can do
//! belong to the live layer (`src/live/`), which drives this client.
//!
//! Transport rules (as recorded from real Matomo 5.0.2 and 5.7 in
//! `tests/fixtures/matomo-<version>/`, whose `request.encoded_body` the unit tests
//! compare with ours): `POST {url}/index.php`, form body with `module=API`, `method`,
//! `format=json`, `token_auth` and `filter_limit=-1` first and never repeated; PHP
//! bracket syntax for arrays; comma strings for the six site lists; booleans as 0/1.
//! Redirects are never followed (they would carry the token elsewhere), and plain
//! `http://` is refused for a host that is not loopback unless `--insecure-http` is given.

mod answer;
mod bulk;
pub mod calls;
mod client;
pub mod codes;
mod encode;
mod error;
mod redact;
pub mod reports;
mod secret;
pub mod session;
mod setters;
pub mod stored;
#[cfg(test)]
pub(crate) mod test_support;
pub mod wire;

pub use answer::undecodable;
pub use client::{Client, ClientConfig, MAX_BULK_SIZE, PHP_MAX_INPUT_VARS, is_plain_http_remote};
pub use encode::{Call, Params};
pub use error::MatomoError;
pub use redact::shown_url;
pub use secret::Secret;
