//! Desired state: the YAML configuration, loaded from a file or a directory,
//! checked against the JSON Schema and semantically, with every problem located.

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
}

impl Loaded {
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
        let mut probe = pointer.as_str();
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
