//! matoform: Matomo configuration as code.
//!
//! Pipeline: [`desired`] (YAML → model, validated) → [`policy`] (compliant defaults,
//! rules, waivers) → [`live`] (read through [`matomo::Client`]) → [`diff`] (→ [`plan::Plan`])
//! → [`render`] (text, JSON, Markdown) → [`apply`]. The simple site settings cross
//! these stages through one table, [`site_settings`].

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
pub mod site_settings;
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
