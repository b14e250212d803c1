//! Desired state: the YAML configuration, loaded from a file or a directory,
//! checked against the JSON Schema and semantically, with every problem located.

pub mod baseline;
pub mod checks;
pub mod load;
pub mod model;
pub mod pin;
pub mod schema_check;
pub mod yaml;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use checks::normalize_url;
pub use load::load;
use model::Config;

/// A place in a configuration file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// File.
    pub file: PathBuf,
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub col: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// One problem found in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Where.
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when known.
    pub fix: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

/// A loaded, valid configuration and where each part of it came from.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The merged configuration.
    pub config: Config,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// Location of each node, by JSON pointer (`/sites/mon-service/goals/contact`).
    pub locations: BTreeMap<String, Location>,
    /// The baseline found beside the configuration (`baseline.yaml`), else an empty
    /// one. It is not configuration: it is read on its own, never merged or
    /// schema-checked, and not part of the configuration digest.
    pub baseline: baseline::Baseline,
}

impl Loaded {
    /// Location of a policy finding about `subject` (`site[key]`, `instance`…) whose
    /// message names `setting` (`sites.blog.ecommerce`): the setting when the
    /// configuration states it (the `ecommerce:` line), else the nearest part of it that
    /// does (the site's key line), else its subject's.
    pub fn locate_setting(&self, subject: &str, setting: Option<&str>) -> Option<&Location> {
        let pointer = setting.and_then(|setting| {
            if let Some(rest) = setting.strip_prefix("instance") {
                return Some(format!("/instance{}", rest.replace('.', "/")));
            }
            // The key may hold dots: take it from the subject, not from the message.
            let key = subject
                .strip_prefix("site[")
                .and_then(|s| s.strip_suffix(']'))?;
            let rest = setting.strip_prefix(&format!("sites.{key}"))?;
            Some(format!("/sites/{key}{}", rest.replace('.', "/")))
        });
        match pointer {
            Some(pointer) => self.locate_pointer(&pointer),
            None => self.locate(subject),
        }
    }

    /// Location of a JSON pointer, else of its nearest ancestor that has one.
    fn locate_pointer(&self, pointer: &str) -> Option<&Location> {
        let mut probe = pointer;
        loop {
            if let Some(location) = self.locations.get(probe) {
                return Some(location);
            }
            match probe.rfind('/') {
                Some(0) | None => return self.locations.get(""),
                Some(i) => probe = &probe[..i],
            }
        }
    }

    /// Location of a plan or policy address (`site[k]`, `site[k].goal[g]`, `instance…`).
    pub fn locate(&self, address: &str) -> Option<&Location> {
        let mut pointer = String::new();
        for part in address.split('.') {
            if let Some((kind, rest)) = part.split_once('[') {
                let key = rest.trim_end_matches(']');
                let kind = match kind {
                    "site" => "sites",
                    "goal" => "goals",
                    "custom_dimension" => "custom_dimensions",
                    "waiver" => "waivers",
                    other => other,
                };
                pointer.push_str(&format!("/{kind}/{key}"));
            } else {
                pointer.push_str(&format!("/{part}"));
            }
        }
        self.locate_pointer(&pointer)
    }
}

/// The configuration path: the given one, else `./matoform.yaml`, else `./matoform/`.
pub fn resolve_path(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    for candidate in ["matoform.yaml", "matoform.yml", "matoform"] {
        let path = PathBuf::from(candidate);
        if path.exists() {
            return Ok(path);
        }
    }
    anyhow::bail!(
        "no configuration found: neither ./matoform.yaml nor ./matoform/ exists. Pass -c PATH."
    )
}
