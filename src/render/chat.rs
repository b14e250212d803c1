//! Chat rendering, for a webhook post (Mattermost, Slack): plain lines and bullet
//! lists (no tables, no headings), a summary line first, the changes before the
//! findings, and a hard cap on the size with a notice of what was left out.
//!
//! Everything shown comes from the plan's JSON form (see `docs/plan-format.md`).

use crate::plan::{Change, Plan};
use crate::render::findings::Status;
use crate::render::view::{self, Mark};
use crate::render::{Options, noun, plural};

/// Default upper bound of a message, in bytes (so in characters too): under
/// Mattermost's default post limit of 16,383 characters (Slack's is larger).
pub const MAX_CHARS: usize = 16_000;

/// Field names listed on a change's line before `and N more`.
const FIELDS_SHOWN: usize = 6;

/// Warnings listed before `and N more`.
const WARNINGS_SHOWN: usize = 5;

/// The plan as a chat message. Deterministic.
///
/// Layout: `options.title` (when given); the summary line (`matoform plan for URL
/// (VERSION): N to create, N to update, N to delete.` or `…: no changes.`); the policy
/// counts; `Changes:` one bullet per change (marker, address, Matomo id, the names of
/// the changed fields), the instance first, then each site by key; `Policy findings:`
/// as `options.findings` says (those about the changed sites first, in full when few;
/// the rest by rule: count, examples, fix; waived ones counted); the asserted settings
/// on one line; a few warnings; the unmanaged-sites sentence; the final line. The whole
/// stays under `options.max_chars` bytes (default [`MAX_CHARS`]): the changes that do
/// not fit are counted in `…and N more`; as a last resort the rest is cut at a line,
/// with a notice.
pub fn chat(plan: &Plan, options: &Options) -> String {
    let max = options.max_chars.unwrap_or(MAX_CHARS);
    let mut head = String::new();
    if let Some(title) = &options.title {
        head.push_str(&escape(title));
        head.push_str("\n\n");
    }
    let counts = if plan.is_empty() {
        "no changes.".to_string()
    } else {
        format!(
            "{} to create, {} to update, {} to delete.",
            plan.summary.create, plan.summary.update, plan.summary.delete
        )
    };
    head.push_str(&format!(
        "matoform plan for {} ({}): {counts}\n",
        code(&plan.matomo.url),
        escape(&plan.matomo.version)
    ));
    if !plan.site_filter.is_empty() {
        let sites: Vec<String> = plan.site_filter.iter().map(|s| code(s)).collect();
        head.push_str(&format!("Limited to sites {}.\n", sites.join(", ")));
    }
    if !plan.findings.is_empty() {
        head.push_str(&format!("{}.", view::policy_line(plan)));
        if plan.has_violations() {
            head.push_str(" Apply will refuse: violations are not waived.");
        }
        head.push('\n');
    }

    let changes: Vec<String> = view::groups(&plan.changes)
        .into_values()
        .flatten()
        .map(change_line)
        .collect();

    let mut tail = String::new();
    if !plan.findings.is_empty() {
        let shown = view::plan_findings(plan, options.findings);
        let mut lines = Vec::new();
        for finding in &shown.full {
            let status = Status::of(finding);
            let after = match &finding.waived {
                Some(reason) => format!("waived: {}", escape(reason)),
                None => format!("fix: {}", escape(plan.fix_of(finding))),
            };
            lines.push(format!(
                "- {} {} {}: {} ({after})",
                symbol(status),
                code(&finding.rule),
                code(&finding.subject),
                escape(&finding.message)
            ));
        }
        for group in &shown.by_rule {
            let examples: Vec<String> = group.examples().iter().map(|s| code(s)).collect();
            let mut examples = examples.join(", ");
            if group.more() > 0 {
                examples.push_str(&format!(" and {} more", group.more()));
            }
            lines.push(format!(
                "- {} {} {}: {} (fix: {})",
                symbol(group.status),
                code(group.rule),
                view::rule_group_line(group, false),
                examples,
                escape(group.fix)
            ));
        }
        for group in &shown.counted {
            lines.push(format!(
                "- {} {} {}",
                symbol(group.status),
                code(group.rule),
                view::rule_group_line(group, false)
            ));
        }
        if !lines.is_empty() {
            tail.push_str("\nPolicy findings:\n");
            for line in lines {
                tail.push_str(&line);
                tail.push('\n');
            }
            if shown.is_partial() {
                tail.push_str(&format!("{}\n", view::ALL_FINDINGS_HINT));
            }
        }
    }
    if !plan.asserted.is_empty() {
        let parts: Vec<String> = plan
            .asserted
            .iter()
            .map(|c| {
                format!(
                    "{} ({})",
                    code(&c.address.to_string()),
                    plural(c.fields.len(), "setting", "settings")
                )
            })
            .collect();
        tail.push_str(&format!(
            "\n{}: {}.\n",
            escape(&view::asserted_title(plan)),
            parts.join(", ")
        ));
    }
    if !plan.warnings.is_empty() {
        tail.push_str("\nWarnings:\n");
        for warning in plan.warnings.iter().take(WARNINGS_SHOWN) {
            tail.push_str(&format!("- ! {}\n", escape(warning)));
        }
        if plan.warnings.len() > WARNINGS_SHOWN {
            tail.push_str(&format!(
                "- …and {} more: run `matoform plan` for every warning\n",
                plan.warnings.len() - WARNINGS_SHOWN
            ));
        }
    }
    if let Some(line) = view::unmanaged_line(plan) {
        tail.push_str(&format!("\n{line}\n"));
    }
    let final_line = format!("\n{}\n", view::final_line(plan));

    // The changes fill the room the rest leaves; those that do not fit are counted.
    let more_room = 120;
    let mut out = head;
    if !changes.is_empty() {
        out.push_str("\nChanges:\n");
        let budget = max.saturating_sub(out.len() + tail.len() + final_line.len() + more_room);
        let mut used = 0;
        let mut listed = 0;
        for line in &changes {
            if used + line.len() + 1 > budget {
                break;
            }
            used += line.len() + 1;
            listed += 1;
            out.push_str(line);
            out.push('\n');
        }
        if listed < changes.len() {
            let left: Vec<&Change> = view::groups(&plan.changes)
                .into_values()
                .flatten()
                .skip(listed)
                .collect();
            let sites: std::collections::BTreeSet<&str> =
                left.iter().filter_map(|c| c.site.as_deref()).collect();
            let mut places = Vec::new();
            if !sites.is_empty() {
                places.push(plural(sites.len(), "site", "sites"));
            }
            if left.iter().any(|c| c.site.is_none()) {
                places.push("the instance".to_string());
            }
            let n = left.len();
            out.push_str(&format!(
                "- …and {n} more {} (in {}): run `matoform plan` for the whole plan\n",
                noun(n, "change", "changes"),
                places.join(" and ")
            ));
        }
    }
    out.push_str(&tail);
    cut_to_fit(&mut out, max.saturating_sub(final_line.len()));
    out.push_str(&final_line);
    out
}

/// `{"text": "…"}`: a message as the incoming-webhook payload of Mattermost and Slack,
/// one line of JSON.
pub fn webhook_payload(text: &str) -> String {
    let mut out = serde_json::json!({ "text": text }).to_string();
    out.push('\n');
    out
}

/// One change on one line: `- ~ `site[a]` (id 3): name, urls`.
fn change_line(change: &Change) -> String {
    let mark = Mark::of_action(change.action).symbol();
    let title = view::change_title(change);
    let address = change.address.to_string();
    let notes = title.strip_prefix(address.as_str()).unwrap_or_default();
    let mut line = format!("- {mark} {}{}", code(&address), escape(notes));
    let names: Vec<&str> = change.fields.iter().map(|f| f.name.as_str()).collect();
    if !names.is_empty() && change.action == crate::plan::Action::Update {
        let mut shown: Vec<String> = names.iter().take(FIELDS_SHOWN).map(|n| escape(n)).collect();
        if names.len() > FIELDS_SHOWN {
            shown.push(format!("and {} more", names.len() - FIELDS_SHOWN));
        }
        line.push_str(&format!(": {}", shown.join(", ")));
    }
    line
}

fn symbol(status: Status) -> &'static str {
    match status {
        Status::Violation => "✗",
        Status::Warning => "!",
        Status::Waived => "✓",
        Status::Known => "·",
    }
}

/// The notice that ends a message cut by [`cut_to_fit`].
const CUT_NOTE: &str =
    "…the rest is left out (size limit of a chat post): run `matoform plan` for the whole plan.\n";

/// Cuts `out` at the end of a line so that it and [`CUT_NOTE`] fit in `max` bytes; left
/// as it is when it fits.
fn cut_to_fit(out: &mut String, max: usize) {
    if out.len() <= max {
        return;
    }
    let mut end = max.saturating_sub(CUT_NOTE.len()).min(out.len());
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    let end = out[..end].rfind('\n').map_or(0, |i| i + 1);
    out.truncate(end);
    out.push_str(CUT_NOTE);
}

/// Text safe in a chat message: control characters escaped, `&`, `<`, `>` as entities
/// (Slack reads `<…>` as a link or a mention).
fn escape(s: &str) -> String {
    view::escape_controls(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An inline code span.
fn code(s: &str) -> String {
    let s = escape(s).replace('`', "'");
    format!("`{s}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_one_line_of_json_with_the_text() {
        let text = "a \"quote\", a \\ and\na new line\t\u{1}";
        let payload = webhook_payload(text);
        assert_eq!(payload.lines().count(), 1);
        let json: serde_json::Value = serde_json::from_str(&payload).expect("JSON");
        assert_eq!(json["text"], text);
    }

    #[test]
    fn cut_keeps_whole_lines_and_says_so() {
        let mut out = "line one\nline two\nline three\n".repeat(20);
        cut_to_fit(&mut out, 200);
        assert!(out.len() <= 200, "{}", out.len());
        assert!(out.ends_with(CUT_NOTE));
        assert!(out[..out.len() - CUT_NOTE.len()].ends_with('\n'));
    }

    #[test]
    fn code_spans_and_text_are_safe() {
        assert_eq!(code("site[a`b]"), "`site[a'b]`");
        assert_eq!(
            escape("<!channel> & \u{1b}"),
            "&lt;!channel&gt; &amp; \\u{1b}"
        );
    }
}
