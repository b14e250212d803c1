//! Field-level differences of a change: two JSON objects in, dotted-path
//! [`FieldChange`]s out. Used by the diff to fill [`super::Change::fields`].

use std::collections::BTreeMap;

use serde_json::Value;

use super::FieldChange;

/// Name given to a root value that is not an object (e.g. a compliance mode).
pub const ROOT_FIELD: &str = "value";

/// The fields that differ between `before` and `after`, sorted by dotted path.
///
/// Contract:
/// - nested objects are flattened to dotted paths (`exclusions.ips`);
/// - arrays and scalars are leaves, compared as whole values;
/// - `null` (and an absent key) means "no value": a field present on one side only
///   yields a change with `before` or `after` set to `None`;
/// - a root `null` has no fields (so `field_changes(&Value::Null, &after)` lists every
///   field of a created object); a root that is neither `null` nor an object is one
///   leaf named [`ROOT_FIELD`];
/// - equal leaves are left out; the result is sorted by name (byte order).
///
/// Identity is not content: callers pass the values without their Matomo `id`
/// (ids are shown from `address` and the resources; see `docs/plan-format.md`).
pub fn field_changes(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut old = BTreeMap::new();
    let mut new = BTreeMap::new();
    flatten_root(before, &mut old);
    flatten_root(after, &mut new);

    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();

    names
        .into_iter()
        .filter_map(|name| {
            let b = old.get(name).copied();
            let a = new.get(name).copied();
            (b != a).then(|| FieldChange {
                name: name.clone(),
                before: b.cloned(),
                after: a.cloned(),
            })
        })
        .collect()
}

fn flatten_root<'v>(value: &'v Value, out: &mut BTreeMap<String, &'v Value>) {
    match value {
        Value::Null => {}
        Value::Object(_) => flatten(value, "", out),
        other => {
            out.insert(ROOT_FIELD.to_string(), other);
        }
    }
}

fn flatten<'v>(value: &'v Value, prefix: &str, out: &mut BTreeMap<String, &'v Value>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(inner, &path, out);
            }
        }
        leaf => {
            out.insert(prefix.to_string(), leaf);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn names(changes: &[FieldChange]) -> Vec<&str> {
        changes.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn equal_objects_have_no_field_changes() {
        let v = json!({"name": "Blog", "exclusions": {"ips": ["1.2.3.4"]}});
        assert!(field_changes(&v, &v).is_empty());
    }

    #[test]
    fn nested_objects_are_flattened_to_sorted_dotted_paths() {
        let before = json!({"name": "A", "site_search": {"enabled": false, "keyword_parameters": ["q"]}, "currency": "EUR"});
        let after = json!({"currency": "USD", "name": "A", "site_search": {"enabled": true, "keyword_parameters": ["q"]}});
        let changes = field_changes(&before, &after);
        assert_eq!(names(&changes), ["currency", "site_search.enabled"]);
        assert_eq!(changes[1].before, Some(json!(false)));
        assert_eq!(changes[1].after, Some(json!(true)));
    }

    #[test]
    fn arrays_are_compared_as_whole_values() {
        let before = json!({"urls": ["https://a", "https://b"]});
        let after = json!({"urls": ["https://b", "https://a"]});
        let changes = field_changes(&before, &after);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].name, "urls");
        assert_eq!(changes[0].before, Some(json!(["https://a", "https://b"])));
        assert_eq!(changes[0].after, Some(json!(["https://b", "https://a"])));
    }

    #[test]
    fn null_before_lists_every_field_as_created() {
        let after = json!({"name": "Contact", "revenue": 0.0, "x": {"y": 1}});
        let changes = field_changes(&Value::Null, &after);
        assert_eq!(names(&changes), ["name", "revenue", "x.y"]);
        assert!(
            changes
                .iter()
                .all(|c| c.before.is_none() && c.after.is_some())
        );
    }

    #[test]
    fn null_after_lists_every_field_as_removed() {
        let before = json!({"name": "Old"});
        let changes = field_changes(&before, &Value::Null);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].before, Some(json!("Old")));
        assert_eq!(changes[0].after, None);
    }

    #[test]
    fn a_field_on_one_side_only_has_the_other_side_none() {
        let before = json!({"visitor_log": null, "name": "A"});
        let after = json!({"visitor_log": {"disabled": true}, "name": "A", "gone": null});
        let changes = field_changes(&before, &after);
        assert_eq!(names(&changes), ["visitor_log.disabled"]);
        assert_eq!(changes[0].before, None);
        assert_eq!(changes[0].after, Some(json!(true)));
    }

    #[test]
    fn object_replaced_by_scalar_shows_both_paths() {
        let before = json!({"a": {"b": 1}});
        let after = json!({"a": 2});
        let changes = field_changes(&before, &after);
        assert_eq!(names(&changes), ["a", "a.b"]);
        assert_eq!(changes[0].before, None);
        assert_eq!(changes[1].after, None);
    }

    #[test]
    fn scalar_root_is_one_field_named_value() {
        let changes = field_changes(&json!("off"), &json!("cnil_v1"));
        assert_eq!(names(&changes), [ROOT_FIELD]);
        assert_eq!(changes[0].before, Some(json!("off")));
        assert_eq!(changes[0].after, Some(json!("cnil_v1")));
    }
}
