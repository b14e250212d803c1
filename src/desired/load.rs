//! Loading: read one file or a directory of YAML files, merge them, and check them
//! (YAML syntax, JSON Schema, semantic checks), collecting every problem.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::yaml::{self, Parsed, escape};
use super::{Diagnostic, Loaded, Location, checks, schema_check};

/// Top-level sections that may appear in only one file.
const SINGLE_SECTIONS: [&str; 5] = ["matomo", "policy", "instance", "prune", "owner"];

/// Loads and validates a configuration file or directory. Returns every problem found,
/// sorted by file, line and column.
///
/// A directory is read recursively (`*.yaml`, `*.yml`, sorted by path) and merged:
/// `sites` maps are merged (a site key in two files is an error naming both places),
/// `matomo`, `policy`, `instance`, `prune` and `owner` may each appear in one file only, and
/// `waivers` lists are concatenated.
///
/// The baseline (`baseline.yaml` in the directory, or beside the file) is not
/// configuration: the directory walk skips it, and it is read on its own into
/// [`Loaded::baseline`], its problems reported with the configuration's.
pub fn load(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let baseline_path = super::baseline::path_for(path);
    let baseline = match std::fs::read_to_string(&baseline_path) {
        Ok(text) => super::baseline::parse(&baseline_path, &text, path),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(super::baseline::Baseline {
            config: path.to_path_buf(),
            ..Default::default()
        }),
        Err(err) => Err(vec![Diagnostic {
            location: Location {
                file: baseline_path.clone(),
                line: 1,
                col: 1,
            },
            message: format!("cannot read the baseline: {err}"),
            fix: None,
        }]),
    };
    match (load_config(path, &baseline_path), baseline) {
        (Ok(loaded), Ok(baseline)) => Ok(Loaded { baseline, ..loaded }),
        (config, baseline) => {
            let mut diagnostics = config.err().unwrap_or_default();
            diagnostics.extend(baseline.err().unwrap_or_default());
            diagnostics.sort();
            diagnostics.dedup();
            Err(diagnostics)
        }
    }
}

/// Loads the configuration files proper (every YAML file but `baseline`).
fn load_config(path: &Path, baseline: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let start = Location {
        file: path.to_path_buf(),
        line: 1,
        col: 1,
    };
    let files = if path.is_dir() {
        let mut files = Vec::new();
        if let Err(err) = collect_files(path, &mut files) {
            return Err(vec![Diagnostic {
                location: start,
                message: format!("cannot read directory: {err}"),
                fix: None,
            }]);
        }
        files.retain(|file| file != baseline);
        files.sort();
        if files.is_empty() {
            return Err(vec![Diagnostic {
                location: start,
                message: "no configuration file (*.yaml, *.yml) in this directory".into(),
                fix: Some("add a file such as `sites.yaml`, or pass -c with a file".into()),
            }]);
        }
        files
    } else {
        vec![path.to_path_buf()]
    };

    let validator = schema_check::validator();
    let mut diagnostics = Vec::new();
    let mut merged = Merged::default();
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(err) => {
                let fix = (err.kind() == std::io::ErrorKind::NotFound)
                    .then(|| "check the path, or pass -c PATH".to_string());
                diagnostics.push(Diagnostic {
                    location: Location {
                        file: file.clone(),
                        line: 1,
                        col: 1,
                    },
                    message: format!("cannot read: {err}"),
                    fix,
                });
                continue;
            }
        };
        let (parsed, syntax) = yaml::parse(file, &text);
        diagnostics.extend(syntax);
        let Some(mut parsed) = parsed else { continue };
        // An empty file (or one holding only comments) contributes nothing.
        if parsed.value.is_null() {
            parsed.value = Value::Object(serde_json::Map::new());
        }
        diagnostics.extend(schema_check::check(&parsed, &validator));
        merged.add(&parsed, &mut diagnostics);
    }
    let doc = merged.finish(&start);
    diagnostics.extend(checks::check(&doc));

    if diagnostics.is_empty() {
        match serde_json::from_value(doc.value.clone()) {
            Ok(config) => {
                let mut locations = doc.values.clone();
                locations.extend(doc.keys.clone());
                return Ok(Loaded {
                    config,
                    files,
                    locations,
                    baseline: Default::default(),
                });
            }
            Err(err) => diagnostics.push(Diagnostic {
                location: start,
                message: format!("cannot read the configuration: {err}"),
                fix: None,
            }),
        }
    }
    diagnostics.sort();
    diagnostics.dedup();
    Err(diagnostics)
}

/// The entries of `map` at `from` and below it (`from/…`), by two range lookups: a
/// linear scan per site made loading quadratic in the number of sites.
fn under<'a>(
    map: &'a BTreeMap<String, Location>,
    from: &'a str,
) -> impl Iterator<Item = (&'a String, &'a Location)> + 'a {
    let own = map.get_key_value(from);
    // Pointers below `from` start with `from/`; `0` is the character after `/`.
    let below = map.range(format!("{from}/")..format!("{from}0"));
    own.into_iter().chain(below)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// The configuration being merged, with the locations of everything merged so far.
#[derive(Default)]
struct Merged {
    root: serde_json::Map<String, Value>,
    sites: serde_json::Map<String, Value>,
    waivers: Vec<Value>,
    keys: BTreeMap<String, Location>,
    values: BTreeMap<String, Location>,
}

impl Merged {
    /// Copies the locations under `from` in `parsed` to `to` in the merged document.
    fn copy_locations(&mut self, parsed: &Parsed, from: &str, to: &str) {
        for (pointer, location) in under(&parsed.keys, from) {
            self.keys
                .insert(format!("{to}{}", &pointer[from.len()..]), location.clone());
        }
        for (pointer, location) in under(&parsed.values, from) {
            self.values
                .insert(format!("{to}{}", &pointer[from.len()..]), location.clone());
        }
    }

    /// Copies the location of `pointer` alone (not its children), unless already known.
    fn copy_own_location(&mut self, parsed: &Parsed, pointer: &str) {
        if let Some(location) = parsed.keys.get(pointer) {
            self.keys
                .entry(pointer.to_string())
                .or_insert_with(|| location.clone());
        }
        if let Some(location) = parsed.values.get(pointer) {
            self.values
                .entry(pointer.to_string())
                .or_insert_with(|| location.clone());
        }
    }

    fn first_place(&self, pointer: &str) -> String {
        self.keys
            .get(pointer)
            .map(ToString::to_string)
            .unwrap_or_else(|| "another file".into())
    }

    fn add(&mut self, parsed: &Parsed, diagnostics: &mut Vec<Diagnostic>) {
        let Some(root) = parsed.value.as_object() else {
            return;
        };
        for (key, value) in root {
            let pointer = format!("/{}", escape(key));
            let here = parsed.locate(&pointer).cloned();
            match key.as_str() {
                "sites" => {
                    let Some(sites) = value.as_object() else {
                        continue;
                    };
                    // The `sites:` key itself (the first file's); each site is copied below.
                    self.copy_own_location(parsed, &pointer);
                    for (site, body) in sites {
                        let site_pointer = format!("/sites/{}", escape(site));
                        if self.sites.contains_key(site) {
                            let first = self.first_place(&site_pointer);
                            if let Some(location) = parsed.locate(&site_pointer).cloned() {
                                diagnostics.push(Diagnostic {
                                    location,
                                    message: format!(
                                        "site `{site}` is defined twice: here and at {first}"
                                    ),
                                    fix: Some(
                                        "keep one definition, or give one of them another key"
                                            .into(),
                                    ),
                                });
                            }
                            continue;
                        }
                        self.sites.insert(site.clone(), body.clone());
                        self.copy_locations(parsed, &site_pointer, &site_pointer);
                    }
                }
                "waivers" => {
                    let Some(waivers) = value.as_array() else {
                        continue;
                    };
                    for (i, waiver) in waivers.iter().enumerate() {
                        let to = format!("/waivers/{}", self.waivers.len());
                        self.copy_locations(parsed, &format!("/waivers/{i}"), &to);
                        self.waivers.push(waiver.clone());
                    }
                    self.copy_own_location(parsed, &pointer);
                }
                _ => {
                    if self.root.contains_key(key) {
                        let first = self.first_place(&pointer);
                        if let Some(location) = here {
                            let what = if SINGLE_SECTIONS.contains(&key.as_str()) {
                                "section"
                            } else {
                                "key"
                            };
                            diagnostics.push(Diagnostic {
                                location,
                                message: format!(
                                    "`{key}` {what} is defined twice: here and at {first}"
                                ),
                                fix: Some(format!("keep `{key}:` in one file only")),
                            });
                        }
                        continue;
                    }
                    self.root.insert(key.clone(), value.clone());
                    self.copy_locations(parsed, &pointer, &pointer);
                }
            }
        }
    }

    fn finish(mut self, start: &Location) -> Parsed {
        if !self.sites.is_empty() {
            self.root.insert("sites".into(), Value::Object(self.sites));
        }
        if !self.waivers.is_empty() {
            self.root
                .insert("waivers".into(), Value::Array(self.waivers));
        }
        self.values.insert(String::new(), start.clone());
        Parsed {
            value: Value::Object(self.root),
            keys: self.keys,
            values: self.values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn directory_is_merged_with_locations() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "a.yaml",
            "sites:\n  a:\n    name: A\n    urls: [https://a.org]\n    goals:\n      contact: { name: C, match_attribute: manually }\n",
        );
        write(
            dir.path(),
            "sub/b.yml",
            "sites:\n  b:\n    name: B\n    urls: [https://b.org]\nwaivers:\n  - { rule: cnil.ecommerce, sites: [a], reason: ok }\n",
        );
        write(
            dir.path(),
            "c.yaml",
            "waivers:\n  - { rule: cnil.ecommerce, sites: [b], reason: ok }\n",
        );
        write(dir.path(), "ignored.txt", "not: yaml: at all");
        write(dir.path(), "empty.yaml", "# placeholder\n");
        let loaded = load(dir.path()).expect("valid");
        assert_eq!(loaded.config.sites.len(), 2);
        assert_eq!(loaded.config.waivers.len(), 2);
        assert_eq!(loaded.files.len(), 4);
        let goal = loaded.locate("site[a].goal[contact]").expect("located");
        assert_eq!(
            (goal.file.ends_with("a.yaml"), goal.line, goal.col),
            (true, 6, 7)
        );
        let b = &loaded.locations["/sites/b"];
        assert!(b.file.ends_with("sub/b.yml"));
        // Files are read in path order: a.yaml, c.yaml, sub/b.yml.
        assert!(loaded.locations["/waivers/0"].file.ends_with("c.yaml"));
        assert!(loaded.locations["/waivers/1"].file.ends_with("sub/b.yml"));
    }

    #[test]
    fn duplicates_across_files_name_both_places() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "a.yaml",
            "instance: {}\nsites:\n  a: { name: A, urls: [https://a.org] }\n",
        );
        write(
            dir.path(),
            "b.yaml",
            "instance: {}\nsites:\n  a: { name: A2, urls: [https://a2.org] }\n",
        );
        let errors = load(dir.path()).expect_err("invalid");
        let text: Vec<String> = errors.iter().map(|d| d.message.clone()).collect();
        assert_eq!(errors.len(), 2, "{text:?}");
        assert!(
            text[0].starts_with("`instance` section is defined twice: here and at "),
            "{text:?}"
        );
        assert!(text[0].ends_with("a.yaml:1:1"), "{text:?}");
        assert!(text[1].starts_with("site `a` is defined twice"), "{text:?}");
    }
}
