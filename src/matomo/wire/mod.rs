//! Matomo's wire: how its JSON answers decode into plain values, tolerant of every
//! shape the recordings show (numbers as strings, 0/1 or true/false, lists as arrays or
//! objects keyed by id); an unexpected shape is an error quoting the value, never a
//! panic. Matomo's objects themselves are structs mirroring its answers and its
//! setters' arguments: a site and its goals and dimensions in `sites.rs`, the privacy
//! settings in `privacy.rs`. The facts about versions and the query-parameter
//! exclusion type are here.

mod privacy;
mod sites;

use std::fmt;

use serde_json::Value;

pub use privacy::*;
pub use sites::*;

/// An answer whose shape matoform does not recognise. The message says what was
/// expected and quotes the start of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

/// Decoding result.
pub type WireResult<T> = Result<T, WireError>;

/// The first 200 characters of a value's JSON text, for error messages.
pub fn quote(value: &Value) -> String {
    let text = value.to_string();
    text.chars().take(200).collect()
}

pub(super) fn expected(what: &str, value: &Value) -> WireError {
    WireError(format!("expected {what}, got {}", quote(value)))
}

/// An unsigned integer from a JSON number or a numeric string.
pub fn u64_of(value: &Value) -> WireResult<u64> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                    .map(|f| f as u64)
            })
            .ok_or_else(|| expected("a non-negative integer", value)),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| expected("a non-negative integer", value)),
        _ => Err(expected("a non-negative integer", value)),
    }
}

/// A signed integer from a JSON number or a numeric string.
pub fn i64_of(value: &Value) -> WireResult<i64> {
    match value {
        Value::Number(n) => n.as_i64().ok_or_else(|| expected("an integer", value)),
        Value::String(s) => s.trim().parse().map_err(|_| expected("an integer", value)),
        _ => Err(expected("an integer", value)),
    }
}

/// A number from a JSON number or a numeric string (`""` reads as 0).
pub fn f64_of(value: &Value) -> WireResult<f64> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| expected("a number", value)),
        Value::String(s) if s.trim().is_empty() => Ok(0.0),
        Value::String(s) => s.trim().parse().map_err(|_| expected("a number", value)),
        Value::Null => Ok(0.0),
        _ => Err(expected("a number", value)),
    }
}

/// A boolean from `true`/`false`, `0`/`1` (number or string) or `null` (false).
pub fn bool_of(value: &Value) -> WireResult<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(expected("a boolean (0/1)", value)),
        },
        Value::String(s) => match s.trim() {
            "" | "0" | "false" => Ok(false),
            "1" | "true" => Ok(true),
            _ => Err(expected("a boolean (0/1)", value)),
        },
        _ => Err(expected("a boolean", value)),
    }
}

/// A string from a JSON string, number or `null` (empty).
pub fn string_of(value: &Value) -> WireResult<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(expected("a string", value)),
    }
}

/// A comma-separated list (Matomo's site list fields), or an array of strings; items are
/// trimmed and empty ones dropped. `null` and `false` read as an empty list.
pub fn comma_list_of(value: &Value) -> WireResult<Vec<String>> {
    let items: Vec<String> = match value {
        Value::Null | Value::Bool(false) => Vec::new(),
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        Value::Array(_) | Value::Object(_) => list_items(value)?
            .into_iter()
            .map(string_of)
            .collect::<WireResult<_>>()?,
        _ => return Err(expected("a comma-separated list", value)),
    };
    Ok(items
        .into_iter()
        .map(|item| item.trim().to_string())
        .filter(|item| !item.is_empty())
        .collect())
}

/// The items of a list answered as a JSON array or as an object keyed by id
/// (Matomo keeps PHP array keys with `filter_limit=-1`); an empty PHP array may come as
/// `[]` or `{}`. Object items are returned in key order as Matomo sent them.
pub fn list_items(value: &Value) -> WireResult<Vec<&Value>> {
    match value {
        Value::Array(items) => Ok(items.iter().collect()),
        Value::Object(map) => Ok(map.values().collect()),
        _ => Err(expected("a list (array or object keyed by id)", value)),
    }
}

/// The payload of a single-value answer: `{"value": x}` → `x`; any other value as is.
pub fn unwrap_value(value: &Value) -> &Value {
    match value {
        Value::Object(map) if map.len() == 1 => map.get("value").unwrap_or(value),
        _ => value,
    }
}

/// A global option (`get…Global`, defaults): `{"value": false}` means never set and reads
/// as an empty list.
pub fn global_list(value: &Value) -> WireResult<Vec<String>> {
    comma_list_of(unwrap_value(value))
}

/// A single string option (`getDefaultTimezone`, `getDefaultCurrency`); `false` reads as `""`.
pub fn global_string(value: &Value) -> WireResult<String> {
    match unwrap_value(value) {
        Value::Bool(false) => Ok(String::new()),
        other => string_of(other),
    }
}

/// A single boolean answer (`hasSuperUserAccess`, `isPluginActivated`).
pub fn single_bool(value: &Value) -> WireResult<bool> {
    bool_of(unwrap_value(value))
}

/// A new object's id answered by `addSite`, `addGoal`, `configureNewCustomDimension`.
pub fn new_id(value: &Value) -> WireResult<u64> {
    u64_of(unwrap_value(value))
}

pub(super) fn field<'a>(object: &'a Value, key: &str) -> &'a Value {
    object.get(key).unwrap_or(&Value::Null)
}

pub(super) fn require_object(value: &Value, what: &str) -> WireResult<()> {
    if value.is_object() {
        Ok(())
    } else {
        Err(expected(what, value))
    }
}

/// A Matomo version as (major, minor, patch): `5.7.0-rc1` → (5, 7, 0).
pub fn parse_version(version: &str) -> Option<(u32, u32, u32)> {
    let core = version.trim().split(['-', '+', ' ']).next()?;
    let mut parts = core.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    let patch = parts.next().map_or(Some(0), |p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })?;
    Some((major, minor, patch))
}

/// True when `version` is at least `major.minor`.
pub fn version_at_least(version: &str, major: u32, minor: u32) -> bool {
    parse_version(version).is_some_and(|(a, b, _)| (a, b) >= (major, minor))
}

/// Matomo's type for its recommended personal-data list of query parameters.
pub const RECOMMENDED_PII: &str = "matomo_recommended_pii";

/// The type Matomo 5.2+ stores with a global query-parameter list written as `list`:
/// none, Matomo's recommended list, or a custom one.
pub fn query_parameters_type(list: &[String]) -> &'static str {
    if list.is_empty() {
        "common_session_parameters"
    } else if crate::personal_data::is_matomo_recommended(list) {
        RECOMMENDED_PII
    } else {
        "custom"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matomo::test_support::v502;

    #[test]
    fn global_values_false_means_never_set() {
        assert!(
            global_list(&v502("SitesManager.getExcludedIpsGlobal__initial"))
                .unwrap()
                .is_empty()
        );
        assert!(
            global_list(&v502("SitesManager.getExcludedReferrersGlobal__initial"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            global_list(&v502("SitesManager.getExcludedIpsGlobal__after_set")).unwrap(),
            ["127.0.0.1", "10.1.0.0/16", "172.16.*.*"]
        );
        assert_eq!(
            global_string(&v502("SitesManager.getDefaultTimezone__superuser")).unwrap(),
            "UTC"
        );
        assert_eq!(
            global_string(&serde_json::json!({"value": false})).unwrap(),
            ""
        );
        assert!(!single_bool(&v502("UsersManager.hasSuperUserAccess__teamA")).unwrap());
        assert!(single_bool(&v502("API.isPluginActivated__CustomDimensions")).unwrap());
        assert_eq!(new_id(&serde_json::json!({"value": 161})).unwrap(), 161);
        assert_eq!(new_id(&serde_json::json!({"value": "3"})).unwrap(), 3);
    }

    #[test]
    fn versions_parse_with_suffixes() {
        assert_eq!(parse_version("5.7.0-rc1"), Some((5, 7, 0)));
        assert_eq!(parse_version("5.0.2"), Some((5, 0, 2)));
        assert_eq!(parse_version("4.16"), Some((4, 16, 0)));
        assert_eq!(parse_version("five"), None);
        assert!(version_at_least("5.7.0-rc1", 5, 6));
        assert!(!version_at_least("5.0.2", 5, 2));
        assert!(version_at_least("6.0.0", 5, 2));
    }
}
