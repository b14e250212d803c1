//! Semantic checks of a site's `goals` and `custom_dimensions`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Checker;
use crate::desired::yaml::escape;

pub(super) fn check_goals(
    checker: &mut Checker,
    goals: &serde_json::Map<String, Value>,
    site_pointer: &str,
) {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (key, goal) in goals {
        let base = format!("{site_pointer}/goals/{}", escape(key));
        // Goals with an `id` are bound by it; only the others are bound by name.
        let by_name = goal.get("id").is_none_or(Value::is_null);
        if let Some(name) = goal.get("name").and_then(Value::as_str).filter(|_| by_name) {
            let normal = name.trim().to_lowercase();
            if let Some(first) = names.get(&normal) {
                let first_at = checker.at(first);
                checker.push(
                    checker.at(&format!("{base}/name")),
                    format!("goal name `{name}` is used twice in this site (also at {first_at})"),
                    Some("goals without an `id` are bound by name: give each goal of a site its own name, or its `id`".into()),
                );
            } else {
                names.insert(normal, format!("{base}/name"));
            }
        }
        let attribute = goal
            .get("match_attribute")
            .and_then(Value::as_str)
            .unwrap_or("url");
        let pattern_type = goal
            .get("pattern_type")
            .and_then(Value::as_str)
            .unwrap_or("contains");
        let pattern = goal.get("pattern").and_then(Value::as_str);
        if attribute == "manually" {
            continue;
        }
        if attribute == "visit_nb_pageviews" {
            checker.push(
                checker.at(&format!("{base}/match_attribute")),
                format!(
                    "goal `{key}`: `visit_nb_pageviews` is not a Matomo match attribute (Matomo stores it, then matches every URL containing the pattern)"
                ),
                Some("Matomo has no page-view-count goal: use `visit_duration` (minutes, `pattern_type: greater_than`), or match a URL".into()),
            );
            continue;
        }
        // Matomo (5.0.2 and 5.7, Goals API `checkPatternType`): `visit_duration` is the
        // only numeric attribute and takes only `greater_than`; the others never take it.
        let numeric = attribute == "visit_duration";
        let type_at = if goal.get("pattern_type").is_some() {
            checker.at(&format!("{base}/pattern_type"))
        } else {
            checker.key_at(&base)
        };
        if numeric && pattern_type != "greater_than" {
            checker.push(
                type_at,
                format!(
                    "goal `{key}` matches on `visit_duration`, which Matomo compares only with `greater_than` (it refuses `{pattern_type}`)"
                ),
                Some("add `pattern_type: greater_than`".into()),
            );
        } else if !numeric && pattern_type == "greater_than" {
            checker.push(
                type_at,
                format!(
                    "goal `{key}`: `greater_than` works only with `match_attribute: visit_duration` (Matomo refuses it for `{attribute}`)"
                ),
                Some("use `pattern_type: contains`, `exact` or `regex`".into()),
            );
            continue;
        }
        let Some(pattern) = pattern.filter(|p| !p.is_empty()) else {
            checker.push(
                checker.key_at(&base),
                format!("goal `{key}` matches on `{attribute}` but has no `pattern`"),
                Some("add `pattern:` (what to match), or use `match_attribute: manually`".into()),
            );
            continue;
        };
        let at = checker.at(&format!("{base}/pattern"));
        if numeric {
            if !pattern
                .trim()
                .parse::<f64>()
                .is_ok_and(|m| m.is_finite() && m >= 0.0)
            {
                checker.push(
                    at,
                    format!(
                        "goal `{key}`: a `visit_duration` pattern is a number of minutes (Matomo refuses `{pattern}`)"
                    ),
                    Some("write the minutes as a quoted number, e.g. `pattern: \"5\"`".into()),
                );
            }
            continue;
        }
        match pattern_type {
            "regex" => {
                if let Err(err) = fancy_regex::Regex::new(pattern) {
                    checker.push(
                        at,
                        format!("invalid regular expression in goal `{key}`: {err}"),
                        Some("fix the regex, or use `pattern_type: contains`".into()),
                    );
                }
            }
            "exact"
                if matches!(attribute, "url" | "file" | "external_website")
                    && !(pattern.starts_with("http://") || pattern.starts_with("https://")) =>
            {
                checker.push(
                    at,
                    format!(
                        "goal `{key}`: an `exact` pattern must be a full URL starting with http:// or https:// (Matomo refuses `{pattern}`)"
                    ),
                    Some("write the full URL, or use `pattern_type: contains`".into()),
                );
            }
            _ => {}
        }
    }
}

/// The characters Matomo refuses in a custom dimension name (`Dimension/Name.php`,
/// `getBlockedCharacters`, the same in 5.0.2 and 5.7), and the quotes: the API
/// HTML-escapes its input first (`'` becomes `&#039;`, `"` `&quot;`), and the `&` of the
/// escape is refused in turn.
pub(super) const DIMENSION_NAME_REFUSED: [char; 8] = ['/', '\\', '&', '.', '<', '>', '\'', '"'];

/// Why Matomo refuses a custom dimension name, and the fix, or `None`: empty (PHP's
/// `empty()`: `""`, `"0"`), over 255 bytes, or with one of `DIMENSION_NAME_REFUSED`.
/// Matomo checks the name on every write of a dimension, an update of another field
/// included.
pub fn dimension_name_problem(name: &str) -> Option<(String, String)> {
    if name.is_empty() || name == "0" {
        return Some((
            format!("Matomo requires a name (`{name}` is empty to it)"),
            "give the dimension a name".into(),
        ));
    }
    let refused: Vec<String> = DIMENSION_NAME_REFUSED
        .iter()
        .filter(|c| name.contains(**c))
        .map(|c| format!("`{c}`"))
        .collect();
    if !refused.is_empty() {
        let apostrophe = if name.contains('\'') {
            " (for an apostrophe, the typographic `’` is accepted)"
        } else {
            ""
        };
        return Some((
            format!(
                "Matomo refuses the name `{name}`, which contains {}",
                refused.join(", ")
            ),
            format!(
                "remove {} from the name: Matomo refuses / \\ & . < > and quotes in dimension names{apostrophe}",
                refused.join(", ")
            ),
        ));
    }
    if name.len() > 255 {
        return Some((
            format!("the name is {} bytes long, Matomo allows 255", name.len()),
            "shorten the name".into(),
        ));
    }
    None
}

/// Refuses a name Matomo refuses, for a dimension without an `id` (to be created, or
/// bound by name). A dimension bound by `id` may carry a name Matomo accepted before it
/// refused these characters: `plan` refuses it only when a change would send it.
pub(super) fn check_dimension_name(checker: &mut Checker, key: &str, name: &str, pointer: &str) {
    if let Some((reason, fix)) = dimension_name_problem(name) {
        let at = checker.at(pointer);
        checker.push(at, format!("custom dimension `{key}`: {reason}"), Some(fix));
    }
}

pub(super) fn check_dimensions(
    checker: &mut Checker,
    dimensions: &serde_json::Map<String, Value>,
    site_pointer: &str,
) {
    for (key, dimension) in dimensions {
        let base = format!("{site_pointer}/custom_dimensions/{}", escape(key));
        let by_name = dimension.get("id").is_none_or(Value::is_null);
        if let Some(name) = dimension
            .get("name")
            .and_then(Value::as_str)
            .filter(|_| by_name)
        {
            check_dimension_name(checker, key, name, &format!("{base}/name"));
        }
        let scope = dimension.get("scope").and_then(Value::as_str).unwrap_or("");
        let Some(extractions) = dimension.get("extractions").and_then(Value::as_array) else {
            continue;
        };
        if scope == "visit" && !extractions.is_empty() {
            checker.push(
                checker.key_at(&format!("{base}/extractions")),
                format!("custom dimension `{key}` has extractions, but extractions work only in `action` scope"),
                Some("remove `extractions`, or use `scope: action`".into()),
            );
        }
        for (i, extraction) in extractions.iter().enumerate() {
            let pointer = format!("{base}/extractions/{i}");
            let kind = extraction.get("dimension").and_then(Value::as_str);
            if let Some(kind) = kind {
                if !matches!(kind, "url" | "urlparam" | "action_name") {
                    checker.push(
                        checker.at(&format!("{pointer}/dimension")),
                        format!("extraction dimension `{kind}` is not one of: url, urlparam, action_name"),
                        None,
                    );
                    continue;
                }
            }
            let Some(pattern) = extraction.get("pattern").and_then(Value::as_str) else {
                continue;
            };
            if kind == Some("urlparam") {
                continue;
            }
            let at = checker.at(&format!("{pointer}/pattern"));
            match fancy_regex::Regex::new(pattern) {
                Err(err) => checker.push(
                    at,
                    format!("invalid regular expression in extraction: {err}"),
                    None,
                ),
                Ok(regex) if regex.captures_len() != 2 => checker.push(
                    at,
                    "an extraction pattern needs exactly one group in round brackets".into(),
                    Some("e.g. `^/blog/(.+)$`".into()),
                ),
                Ok(_) => {}
            }
        }
    }
}
