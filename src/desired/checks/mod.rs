//! Desired state, third step: semantic checks of the merged configuration, the ones a
//! JSON Schema cannot express (timezones, currencies, URLs, IPs, regexes, uniqueness,
//! waivers, secrets). They read the merged JSON value, so they run even when another
//! part of the configuration has schema errors, and every problem is reported.

mod goals;
mod instance;
mod sites;
mod values;

use serde_json::Value;

use super::schema_check::{SECRET_KEYS, did_you_mean, display_path};
use super::yaml::{Parsed, escape, looks_like_token};
use super::{Diagnostic, Location};

pub use goals::dimension_name_problem;
pub use values::{currencies, is_valid_ip_pattern, normalize_url, timezones};

/// The semantic checks' state: the parsed document (to locate JSON pointers) and the
/// diagnostics found so far.
struct Checker<'a> {
    doc: &'a Parsed,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn at(&self, pointer: &str) -> Location {
        self.doc
            .values
            .get(pointer)
            .or_else(|| self.doc.locate(pointer))
            .cloned()
            .unwrap_or_default_location()
    }

    fn key_at(&self, pointer: &str) -> Location {
        self.doc
            .locate(pointer)
            .cloned()
            .unwrap_or_default_location()
    }

    fn push(&mut self, location: Location, message: String, fix: Option<String>) {
        self.out.push(Diagnostic {
            location,
            message,
            fix,
        });
    }
}

trait OrDefaultLocation {
    fn unwrap_or_default_location(self) -> Location;
}

impl OrDefaultLocation for Option<Location> {
    fn unwrap_or_default_location(self) -> Location {
        self.unwrap_or(Location {
            file: Default::default(),
            line: 1,
            col: 1,
        })
    }
}

/// Runs every semantic check on the merged configuration.
pub fn check(doc: &Parsed) -> Vec<Diagnostic> {
    let mut checker = Checker {
        doc,
        out: Vec::new(),
    };
    secrets(&mut checker, &doc.value, "");
    let root = &doc.value;
    let empty = serde_json::Map::new();
    let sites = root
        .get("sites")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if let Some(instance) = root.get("instance").and_then(Value::as_object) {
        instance::check(&mut checker, instance, sites);
    }
    if let Some(url) = root
        .get("matomo")
        .and_then(|m| m.get("url"))
        .and_then(Value::as_str)
    {
        values::check_url(&mut checker, url, "/matomo/url");
    }
    sites::check(&mut checker, root, sites);
    if let Some(selection) = root.get("prune").filter(|p| p.is_object()) {
        check_prune_selection(&mut checker, selection);
    }
    if let Some(waivers) = root.get("waivers").and_then(Value::as_array) {
        check_waivers(&mut checker, waivers, sites);
    }
    checker.out
}

/// The waivers: a written reason, known site keys, and something covered.
fn check_waivers(checker: &mut Checker, waivers: &[Value], sites: &serde_json::Map<String, Value>) {
    for (i, waiver) in waivers.iter().enumerate() {
        let base = format!("/waivers/{i}");
        if let Some(reason) = waiver.get("reason").and_then(Value::as_str) {
            if reason.trim().is_empty() {
                checker.push(
                    checker.at(&format!("{base}/reason")),
                    "waiver reason is empty".into(),
                    Some(
                        "write why the exception is acceptable; it is shown in every output".into(),
                    ),
                );
            }
        }
        let listed = waiver.get("sites").and_then(Value::as_array);
        let all = waiver.get("sites").and_then(Value::as_str) == Some("all");
        for (j, site) in listed.into_iter().flatten().enumerate() {
            let Some(site) = site.as_str() else { continue };
            // A pattern that matches no site is a policy warning, not an error.
            if !super::model::is_pattern(site) && !sites.contains_key(site) {
                let fix = match did_you_mean(site, sites.keys().map(String::as_str)) {
                    Some(candidate) => format!("did you mean `{candidate}`?"),
                    None => "name a site key defined under `sites:`".into(),
                };
                checker.push(
                    checker.at(&format!("{base}/sites/{j}")),
                    format!("waiver names unknown site `{site}`"),
                    Some(fix),
                );
            }
        }
        let instance = waiver
            .get("instance")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if listed.is_none_or(|l| l.is_empty()) && !all && !instance && waiver.is_object() {
            checker.push(
                checker.key_at(&base),
                "waiver covers nothing".into(),
                Some(
                    "list the sites it covers (`sites: [key, \"pattern-*\"]` or `sites: all`) or set `instance: true`".into(),
                ),
            );
        }
    }
}

/// A `prune` selection: at least one criterion, and `ids` made of ids and ranges.
fn check_prune_selection(checker: &mut Checker, selection: &Value) {
    let given = ["groups", "ids", "names"].iter().any(|k| {
        selection
            .get(*k)
            .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()))
    });
    if !given {
        checker.push(
            checker.key_at("/prune"),
            "`prune` selects no site: give `groups`, `ids` or `names`".into(),
            Some("e.g. `prune: { groups: [team-culture] }`, `prune: { ids: \"100-200\" }`, or `prune: true` to delete every live site the configuration does not mention".into()),
        );
    }
    if let Some(ids) = selection.get("ids").and_then(Value::as_str) {
        if let Err(part) = super::model::parse_id_ranges(ids) {
            checker.push(
                checker.at("/prune/ids"),
                format!("`prune.ids` has `{part}`, which is neither a site id nor a range of ids"),
                Some("write ids and inclusive ranges separated by commas, e.g. `100-200, 305` (ids start at 1, a range goes upwards)".into()),
            );
        }
    }
}

/// Refuses secrets: keys named like a token or password, and 32-hex-character values.
fn secrets(checker: &mut Checker, value: &Value, pointer: &str) {
    const FIX: &str = "remove it: secrets come from MATOMO_TOKEN / --token-file";
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_pointer = format!("{pointer}/{}", escape(key));
                if SECRET_KEYS.contains(&key.to_lowercase().as_str()) {
                    checker.push(
                        checker.key_at(&child_pointer),
                        format!("`{key}` looks like a secret; matoform refuses secrets in configuration files"),
                        Some(FIX.into()),
                    );
                } else {
                    secrets(checker, child, &child_pointer);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                secrets(checker, child, &format!("{pointer}/{i}"));
            }
        }
        Value::String(text) => {
            let in_url = text.contains("token_auth=");
            if looks_like_token(text.trim()) || in_url {
                checker.push(
                    checker.at(pointer),
                    format!("{} looks like a Matomo API token; matoform refuses secrets in configuration files", display_path(pointer)),
                    Some(FIX.into()),
                );
            }
        }
        _ => {}
    }
}
