//! Presentation helpers shared by the text and Markdown renderers: how a change and
//! its field changes are laid out as rows. Pure; decides nothing the plan does not hold.

use std::collections::BTreeMap;

use serde_json::Value;
use similar::{Algorithm, ChangeTag};

use super::plural;
use crate::plan::{Action, Change, FieldChange, Plan, Resource};

/// Strings longer than this (in characters), or spanning several lines, are shown
/// line by line.
pub(crate) const LONG_STRING: usize = 60;

/// The marker in front of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// Added (`+`).
    Add,
    /// Removed (`-`).
    Remove,
    /// Changed in place (`~`).
    Change,
    /// Unchanged context (blank marker).
    Keep,
}

impl Mark {
    /// The one-character symbol.
    pub(crate) fn symbol(self) -> char {
        match self {
            Mark::Add => '+',
            Mark::Remove => '-',
            Mark::Change => '~',
            Mark::Keep => ' ',
        }
    }

    /// The marker of a change's action.
    pub(crate) fn of_action(action: Action) -> Mark {
        match action {
            Action::Create => Mark::Add,
            Action::Update => Mark::Change,
            Action::Delete => Mark::Remove,
        }
    }

    /// The marker of a field change: `~` with both sides, `+` with only `after`,
    /// `-` with only `before`.
    pub(crate) fn of_field(field: &FieldChange) -> Mark {
        match (&field.before, &field.after) {
            (Some(_), Some(_)) => Mark::Change,
            (None, _) => Mark::Add,
            (Some(_), None) => Mark::Remove,
        }
    }
}

/// How one field change is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldView {
    /// On one line: `name: before → after`, `name: after` or `name: before`
    /// (values as compact JSON).
    Inline {
        /// Marker ([`Mark::of_field`]).
        mark: Mark,
        /// Dotted field name.
        name: String,
        /// Value before, compact JSON.
        before: Option<String>,
        /// Value after, compact JSON.
        after: Option<String>,
    },
    /// Row by row: a list element by element, a multi-line string line by line
    /// (between `<<EOT` and `EOT`), a long one-line string as a `-` and a `+` row.
    Block {
        /// Marker ([`Mark::of_field`]).
        mark: Mark,
        /// Dotted field name.
        name: String,
        /// Opening token (`[`, `<<EOT`, or empty).
        open: &'static str,
        /// Rows with their own markers.
        rows: Vec<(Mark, String)>,
        /// Closing token (`]`, `EOT`, or none).
        close: Option<&'static str>,
    },
}

/// Lays out one field change.
///
/// Lists are shown element by element (diffed with `similar` when both sides are
/// lists); strings longer than [`LONG_STRING`] characters or spanning several lines
/// are shown row by row (multi-line ones diffed line by line); a list on one side
/// only is shown as a block when it is long, inline otherwise.
pub(crate) fn field_view(field: &FieldChange) -> FieldView {
    // Matomo's recommended personal-data list (~160 names) is shown as one named value.
    let named = |value: Option<&Value>| {
        let list = value.and_then(as_list)?;
        let names: Vec<String> = list
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        crate::personal_data::is_matomo_recommended(&names).then(|| {
            Value::String(format!(
                "(Matomo's recommended personal-data list, {} names)",
                names.len()
            ))
        })
    };
    let (named_before, named_after) = (named(field.before.as_ref()), named(field.after.as_ref()));
    if named_before.is_some() || named_after.is_some() {
        return field_view(&FieldChange {
            name: field.name.clone(),
            before: named_before.or_else(|| field.before.clone()),
            after: named_after.or_else(|| field.after.clone()),
        });
    }
    let mark = Mark::of_field(field);
    let name = field.name.clone();
    let before = field.before.as_ref();
    let after = field.after.as_ref();

    let lists = (
        before.map(as_list).unwrap_or(Some(&[])),
        after.map(as_list).unwrap_or(Some(&[])),
    );
    if let (Some(old), Some(new)) = lists {
        let one_sided_long = mark != Mark::Change && compact(before.or(after)).len() > LONG_STRING;
        if mark == Mark::Change || one_sided_long {
            let old: Vec<String> = old.iter().map(|v| format!("{},", json(v))).collect();
            let new: Vec<String> = new.iter().map(|v| format!("{},", json(v))).collect();
            return FieldView::Block {
                mark,
                name,
                open: "[",
                rows: diff_rows(&old, &new),
                close: Some("]"),
            };
        }
    }

    let strings = (
        before.map(as_str).unwrap_or(Some("")),
        after.map(as_str).unwrap_or(Some("")),
    );
    if let (Some(old), Some(new)) = strings {
        if old.contains('\n') || new.contains('\n') {
            let old = lines(before.and(Some(old)));
            let new = lines(after.and(Some(new)));
            return FieldView::Block {
                mark,
                name,
                open: "<<EOT",
                rows: diff_rows(&old, &new),
                close: Some("EOT"),
            };
        }
        if is_long(old) || is_long(new) {
            let mut rows = Vec::new();
            rows.extend(before.map(|v| (Mark::Remove, json(v))));
            rows.extend(after.map(|v| (Mark::Add, json(v))));
            return FieldView::Block {
                mark,
                name,
                open: "",
                rows,
                close: None,
            };
        }
    }

    FieldView::Inline {
        mark,
        name,
        before: before.map(json),
        after: after.map(json),
    }
}

fn as_list(value: &Value) -> Option<&[Value]> {
    value.as_array().map(Vec::as_slice)
}

fn as_str(value: &Value) -> Option<&str> {
    value.as_str()
}

fn is_long(s: &str) -> bool {
    s.chars().count() > LONG_STRING || s.contains('\n')
}

fn compact(value: Option<&Value>) -> String {
    value.map(json).unwrap_or_default()
}

/// A value as compact JSON.
pub(crate) fn json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The lines of a string shown in a block, control characters escaped; no lines
/// for an absent value.
fn lines(s: Option<&str>) -> Vec<String> {
    match s {
        None => Vec::new(),
        Some(s) => s.lines().map(escape_controls).collect(),
    }
}

/// Escapes control characters (terminal escapes included) as `\u{…}`.
pub(crate) fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes control characters like [`escape_controls`], newlines excepted.
pub(crate) fn escape_controls_keep_newlines(s: &str) -> String {
    s.split('\n')
        .map(escape_controls)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rows of a diff of two sequences, with `similar` (Myers): equal rows kept as
/// context, removed rows before inserted ones.
fn diff_rows(old: &[String], new: &[String]) -> Vec<(Mark, String)> {
    similar::utils::diff_slices(Algorithm::Myers, old, new)
        .into_iter()
        .flat_map(|(tag, slice)| {
            let mark = match tag {
                ChangeTag::Equal => Mark::Keep,
                ChangeTag::Delete => Mark::Remove,
                ChangeTag::Insert => Mark::Add,
            };
            slice.iter().map(move |row| (mark, row.clone()))
        })
        .collect()
}

/// The title of a change: its address, the Matomo id of the object when it exists,
/// and what a custom dimension "delete" means.
pub(crate) fn change_title(change: &Change) -> String {
    let mut title = change.address.to_string();
    let id = change
        .before
        .as_ref()
        .and_then(resource_id)
        .filter(|id| *id > 0);
    let mut notes = Vec::new();
    if let Some(id) = id {
        notes.push(format!("id {id}"));
    }
    if change.action == Action::Delete
        && matches!(change.before, Some(Resource::CustomDimension(_)))
    {
        notes.push("deactivate: Matomo cannot delete custom dimensions".to_string());
    }
    if !notes.is_empty() {
        title.push_str(&format!(" ({})", notes.join(", ")));
    }
    title
}

fn resource_id(resource: &Resource) -> Option<u64> {
    match resource {
        Resource::Site(site) => Some(site.id),
        Resource::Goal(goal) => Some(goal.id),
        Resource::CustomDimension(dimension) => Some(dimension.id),
        Resource::Privacy(_)
        | Resource::Retention(_)
        | Resource::GlobalExclusions(_)
        | Resource::VisitorLog(_)
        | Resource::Defaults(_)
        | Resource::ComplianceMode(_) => None,
    }
}

/// Changes grouped for display: instance changes first (key `None`), then each site
/// by key; within a group, by address.
pub(crate) fn groups(changes: &[Change]) -> BTreeMap<Option<&str>, Vec<&Change>> {
    let mut groups: BTreeMap<Option<&str>, Vec<&Change>> = BTreeMap::new();
    for change in changes {
        groups
            .entry(change.site.as_deref())
            .or_default()
            .push(change);
    }
    for members in groups.values_mut() {
        members.sort_by(|a, b| a.address.cmp(&b.address));
    }
    groups
}

/// The finding subjects of what the plan changes: `site[KEY]` of every site with a
/// change, and `instance` when an instance setting changes.
pub(crate) fn changed_subjects(plan: &Plan) -> std::collections::BTreeSet<String> {
    plan.changes
        .iter()
        .map(|change| match &change.site {
            Some(key) => format!("site[{key}]"),
            None => "instance".to_string(),
        })
        .collect()
}

/// The findings of a plan as `mode` shows them, the findings about what the plan
/// changes first.
pub(crate) fn plan_findings(
    plan: &Plan,
    mode: super::FindingsMode,
) -> super::findings::FindingsView<'_> {
    let focus = changed_subjects(plan);
    let findings: Vec<&crate::policy::Finding> = plan.findings.iter().collect();
    super::findings::view(&findings, mode, &|f| focus.contains(&f.subject), &|f| {
        plan.fix_of(f)
    })
}

/// A summary line of a rule's findings: `1000 violations: site[a], site[b], site[c]
/// and 997 more`, or `3 waived` for counted ones.
pub(crate) fn rule_group_line(group: &super::findings::RuleGroup<'_>, examples: bool) -> String {
    rule_group_line_counting(group, examples, ("violation", "violations"))
}

/// [`rule_group_line`] with violations counted as `violation` says (one, many): the
/// audit counts `errors`.
pub(crate) fn rule_group_line_counting(
    group: &super::findings::RuleGroup<'_>,
    examples: bool,
    violation: (&str, &str),
) -> String {
    use super::findings::Status;
    let n = group.findings.len();
    let counted = match group.status {
        Status::Violation => plural(n, violation.0, violation.1),
        Status::Warning => plural(n, "warning", "warnings"),
        Status::Waived => format!("{n} waived"),
        Status::Known => format!("{n} known"),
    };
    if !examples {
        return counted;
    }
    let mut line = format!("{counted}: {}", group.examples().join(", "));
    if group.more() > 0 {
        line.push_str(&format!(" and {} more", group.more()));
    }
    line
}

/// The hint shown when some findings are summarised.
pub(crate) const ALL_FINDINGS_HINT: &str = "Every finding: --findings all.";

/// The heading of a group: `instance` or `site[key]`.
pub(crate) fn group_heading(site: Option<&str>) -> String {
    match site {
        None => "instance".to_string(),
        Some(key) => format!("site[{key}]"),
    }
}

/// The policy line: `Policy: 2 violations, 1 warning, 1 waived`.
pub(crate) fn policy_line(plan: &Plan) -> String {
    let known = if plan.summary.known > 0 {
        format!(", {} known", plan.summary.known)
    } else {
        String::new()
    };
    format!(
        "Policy: {}, {}, {} waived{known}",
        plural(plan.summary.violations, "violation", "violations"),
        plural(plan.summary.warnings, "warning", "warnings"),
        plan.summary.waived
    )
}

/// The asserted section's title.
pub(crate) fn asserted_title(plan: &Plan) -> String {
    format!(
        "Asserted (not readable on Matomo {}, will be set on apply)",
        plan.matomo.version
    )
}

/// The unmanaged-sites sentence, when there are any.
pub(crate) fn unmanaged_line(plan: &Plan) -> Option<String> {
    match plan.summary.unmanaged_sites {
        0 => None,
        1 => Some(
            "1 live site is not managed by this configuration and is left untouched.".to_string(),
        ),
        n => Some(format!(
            "{n} live sites are not managed by this configuration and are left untouched."
        )),
    }
}

/// The final line: `Plan: …` or `No changes. …`.
pub(crate) fn final_line(plan: &Plan) -> String {
    if plan.is_empty() {
        "No changes. The live instance matches the configuration.".to_string()
    } else {
        format!(
            "Plan: {} to create, {} to update, {} to delete.",
            plan.summary.create, plan.summary.update, plan.summary.delete
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(before: Option<Value>, after: Option<Value>) -> FieldChange {
        FieldChange {
            name: "f".to_string(),
            before,
            after,
        }
    }

    #[test]
    fn short_scalars_are_inline_compact_json() {
        let view = field_view(&field(Some(json!("Old")), Some(json!("New"))));
        assert_eq!(
            view,
            FieldView::Inline {
                mark: Mark::Change,
                name: "f".to_string(),
                before: Some("\"Old\"".to_string()),
                after: Some("\"New\"".to_string()),
            }
        );
    }

    #[test]
    fn matomo_s_recommended_list_is_one_named_value() {
        let recommended = crate::personal_data::matomo_recommended();
        let view = field_view(&field(
            Some(serde_json::json!(["email", "nom"])),
            Some(serde_json::json!(recommended)),
        ));
        let FieldView::Inline { after, .. } = view else {
            panic!("one line, not one row per name: {view:?}")
        };
        assert_eq!(
            after.as_deref(),
            Some(
                format!(
                    "\"(Matomo's recommended personal-data list, {} names)\"",
                    recommended.len()
                )
                .as_str()
            )
        );
    }

    #[test]
    fn updated_lists_are_diffed_element_by_element() {
        let view = field_view(&field(Some(json!(["a", "b"])), Some(json!(["a", "c"]))));
        let FieldView::Block { rows, open, .. } = view else {
            panic!("expected a block, got {view:?}");
        };
        assert_eq!(open, "[");
        assert_eq!(
            rows,
            [
                (Mark::Keep, "\"a\",".to_string()),
                (Mark::Remove, "\"b\",".to_string()),
                (Mark::Add, "\"c\",".to_string()),
            ]
        );
    }

    #[test]
    fn short_list_on_one_side_is_inline() {
        let view = field_view(&field(None, Some(json!(["https://a.example"]))));
        assert!(matches!(
            view,
            FieldView::Inline {
                mark: Mark::Add,
                ..
            }
        ));
    }

    #[test]
    fn multi_line_strings_are_diffed_line_by_line() {
        let view = field_view(&field(Some(json!("one\ntwo")), Some(json!("one\n2"))));
        let FieldView::Block { rows, .. } = view else {
            panic!("expected a block, got {view:?}");
        };
        assert_eq!(
            rows,
            [
                (Mark::Keep, "one".to_string()),
                (Mark::Remove, "two".to_string()),
                (Mark::Add, "2".to_string()),
            ]
        );
    }

    #[test]
    fn long_one_line_strings_are_a_minus_and_a_plus_row() {
        let long = "x".repeat(61);
        let view = field_view(&field(Some(json!("short")), Some(json!(long))));
        let FieldView::Block { rows, close, .. } = view else {
            panic!("expected a block, got {view:?}");
        };
        assert_eq!(close, None);
        assert_eq!(
            rows,
            [
                (Mark::Remove, "\"short\"".to_string()),
                (Mark::Add, format!("\"{long}\"")),
            ]
        );
    }

    #[test]
    fn control_characters_in_long_strings_are_escaped() {
        let long = format!("\u{1b}[31m{}\nsecond line", "x".repeat(70));
        let view = field_view(&field(None, Some(json!(long))));
        let FieldView::Block { rows, .. } = view else {
            panic!("expected a block, got {view:?}");
        };
        assert!(rows[0].1.starts_with("\\u{1b}[31m"));
    }
}
