//! matoform: Matomo configuration as code.
//!
//! Pipeline: [`desired`] (YAML → model, validated) → [`policy`] (compliant defaults;
//! rules judged on desired plus live values; waivers, baseline) → [`live`] (read through
//! [`matomo::Client`], the only code that speaks HTTP) → [`diff`] (→ [`plan::Plan`]) →
//! [`render`] (text, JSON, Markdown, chat) → [`apply`].
//!
//! Beside it: [`personal_data`], the one vocabulary of names that carry personal data
//! (read by the policy, `validate`, the wire encoder, the [`snippet`] and the scan);
//! [`scan`], personal data found in what Matomo has already collected; [`import`],
//! live state → configuration. [`cli`] and [`commands`] are the command line, [`exit`]
//! its exit codes.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod desired;
pub mod diff;
pub mod exit;
pub mod files;
pub mod import;
pub mod live;
pub mod matomo;
pub mod personal_data;
pub mod plan;
pub mod policy;
pub mod render;
pub mod scan;
pub mod schema;
pub mod snippet;

/// matoform's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Version with the git commit, for `--version`.
pub const VERSION_LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("MATOFORM_GIT_COMMIT"),
    ")"
);
