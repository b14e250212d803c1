//! Markdown rendering, for pull-request comments: summary table, changes grouped by
//! site in `diff` blocks, policy findings, asserted settings, warnings.
//!
//! Everything shown comes from the plan's JSON form (see `docs/plan-format.md`).

use crate::plan::{Change, Plan};
use crate::policy::Severity;
use crate::render::view::{self, FieldView, Mark};

/// Hidden marker on the first line, so CI can find and update its one comment.
pub const MARKER: &str = "<!-- matoform-plan -->";

/// Sections longer than this many lines are collapsed in a `<details>` block.
pub const COLLAPSE_AFTER: usize = 20;

/// Upper bound of the rendering's length in bytes, under GitHub's limit of 65,536
/// characters for a comment (GitLab's is larger): change groups past it are left out,
/// with a note, and the findings table is cut at half of it.
pub const MAX_LEN: usize = 60_000;

/// Room kept for the note that says how many change groups were left out.
const OMISSION_NOTE_ROOM: usize = 300;

/// The plan as Markdown (GitHub/GitLab flavour). Deterministic: the same plan gives
/// the same bytes.
///
/// Layout: [`MARKER`]; a `###` title with the counts; the instance; a summary table
/// (unless every count is zero);
/// `####` per group of changes (instance first, then each site) with a `diff` block;
/// the policy findings table; the asserted settings; warnings; the final line.
/// A section body longer than [`COLLAPSE_AFTER`] lines is wrapped in a collapsed
/// `<details>` block. The whole stays under [`MAX_LEN`] bytes: change groups that do
/// not fit are left out and counted in a note; findings past half of it are counted.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    out.push_str(MARKER);
    out.push('\n');
    if plan.is_empty() {
        out.push_str("### matoform plan: no changes\n\n");
    } else {
        out.push_str(&format!(
            "### matoform plan: {} to create, {} to update, {} to delete\n\n",
            plan.summary.create, plan.summary.update, plan.summary.delete
        ));
    }
    out.push_str(&format!(
        "Matomo {} ({})",
        code(&plan.matomo.url),
        cell(&plan.matomo.version)
    ));
    if !plan.site_filter.is_empty() {
        let sites: Vec<String> = plan.site_filter.iter().map(|s| code(s)).collect();
        out.push_str(&format!(", limited to sites {}", sites.join(", ")));
    }
    out.push_str("\n\n");
    if plan.has_violations() {
        out.push_str(&format!(
            "**{} not waived: apply will refuse.**\n\n",
            view::count(
                plan.summary.violations,
                "policy violation",
                "policy violations"
            )
        ));
    }

    summary_table(&mut out, plan);

    let mut groups: Vec<(usize, String)> = Vec::new();
    for (site, changes) in view::groups(&plan.changes) {
        let heading = view::group_heading(site);
        let body = diff_block(&changes);
        let mut text = String::new();
        section(
            &mut text,
            &format!("#### {}", code(&heading)),
            &format!("{} in {heading}", changes_count(changes.len())),
            &body,
        );
        groups.push((changes.len(), text));
    }

    // Findings, asserted settings and warnings: always shown (the findings table
    // itself is cut to half the budget).
    let mut tail = String::new();

    if !plan.findings.is_empty() {
        let mut body = String::from(
            "| Rule | Subject | Severity | Message | Fix | Waived |\n|---|---|---|---|---|---|\n",
        );
        let mut shown = 0;
        for finding in &plan.findings {
            if body.len() > MAX_LEN / 2 {
                break;
            }
            shown += 1;
            let severity = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            body.push_str(&format!(
                "| {} | {} | {severity} | {} | {} | {} |\n",
                code(&finding.rule),
                code(&finding.subject),
                cell(&finding.message),
                cell(&finding.fix),
                finding.waived.as_deref().map(cell).unwrap_or_default(),
            ));
        }
        if shown < plan.findings.len() {
            body.push_str(&format!(
                "| | | | {} more not shown here: run `matoform plan` for every finding | | |\n",
                plan.findings.len() - shown
            ));
        }
        if let Some(line) = crate::render::known_line(&plan.known) {
            body.push_str(&format!("\n{}\n", cell(&line)));
        }
        section(
            &mut tail,
            &format!("#### {}", view::policy_line(plan)),
            &format!("{} findings", plan.findings.len()),
            &body,
        );
    } else if let Some(line) = crate::render::known_line(&plan.known) {
        section(
            &mut tail,
            &format!("#### {}", view::policy_line(plan)),
            "known violations",
            &format!("{}\n", cell(&line)),
        );
    }

    if !plan.asserted.is_empty() {
        let mut body = String::from("Not counted as drift.\n\n| Setting | Value |\n|---|---|\n");
        for change in &plan.asserted {
            for field in &change.fields {
                let value = field.after.as_ref().map(view::json).unwrap_or_default();
                body.push_str(&format!(
                    "| {} | {} |\n",
                    code(&format!("{}.{}", change.address, field.name)),
                    code(&value)
                ));
            }
        }
        section(
            &mut tail,
            &format!("#### {}", view::asserted_title(plan)),
            &format!("{} asserted settings", plan.asserted.len()),
            &body,
        );
    }

    if !plan.warnings.is_empty() {
        let mut body = String::new();
        for warning in &plan.warnings {
            body.push_str(&format!("- {}\n", cell(warning)));
        }
        section(
            &mut tail,
            "#### Warnings",
            &view::count(plan.warnings.len(), "warning", "warnings"),
            &body,
        );
    }

    let final_line = format!("**{}**\n", view::final_line(plan));

    // Keep the comment under the forges' size limit: the change groups that do not
    // fit are left out, with a note saying how many.
    let mut used = out.len() + tail.len() + final_line.len() + OMISSION_NOTE_ROOM;
    let (mut omitted_groups, mut omitted_changes) = (0, 0);
    for (changes, text) in groups {
        if omitted_groups == 0 && used + text.len() <= MAX_LEN {
            used += text.len();
            out.push_str(&text);
        } else {
            omitted_groups += 1;
            omitted_changes += changes;
        }
    }
    if omitted_groups > 0 {
        out.push_str(&format!(
            "**{} in {} not shown here: the comment would pass the size limit of a pull-request comment. Run `matoform plan` (or read the job log) for the whole plan.**\n\n",
            changes_count(omitted_changes),
            view::count(omitted_groups, "more group", "more groups"),
        ));
    }
    out.push_str(&tail);
    out.push_str(&final_line);
    out
}

/// The summary table; left out when every count in it is zero.
fn summary_table(out: &mut String, plan: &Plan) {
    let s = &plan.summary;
    let counts = [
        s.create,
        s.update,
        s.delete,
        s.asserted,
        s.violations,
        s.unmanaged_sites,
    ];
    if counts.iter().all(|n| *n == 0) {
        return;
    }
    out.push_str(
        "| To create | To update | To delete | Asserted | Policy violations | Unmanaged sites |\n",
    );
    out.push_str("|---:|---:|---:|---:|---:|---:|\n");
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} |\n\n",
        s.create, s.update, s.delete, s.asserted, s.violations, s.unmanaged_sites
    ));
}

fn changes_count(n: usize) -> String {
    view::count(n, "change", "changes")
}

/// Writes `heading` and `body`, the body collapsed when longer than [`COLLAPSE_AFTER`]
/// lines.
fn section(out: &mut String, heading: &str, summary: &str, body: &str) {
    out.push_str(heading);
    out.push_str("\n\n");
    let lines = body.lines().count();
    if lines > COLLAPSE_AFTER {
        out.push_str(&format!(
            "<details><summary>{} ({lines} lines)</summary>\n\n",
            html(summary)
        ));
        out.push_str(body);
        out.push_str("\n</details>\n\n");
    } else {
        out.push_str(body);
        out.push('\n');
    }
}

/// The changes of one group as a fenced `diff` block: the marker in the first column
/// (`+` create, `-` delete, `~` update), an update's field as a `-` and a `+` row.
fn diff_block(changes: &[&Change]) -> String {
    let mut rows: Vec<String> = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        if i > 0 {
            rows.push(String::new());
        }
        let mark = Mark::of_action(change.action);
        rows.push(format!("{} {}", mark.symbol(), view::change_title(change)));
        for field in &change.fields {
            match view::field_view(field) {
                FieldView::Inline {
                    mark: _,
                    name,
                    before,
                    after,
                } => {
                    if let Some(before) = before {
                        rows.push(format!("-   {name}: {before}"));
                    }
                    if let Some(after) = after {
                        rows.push(format!("+   {name}: {after}"));
                    }
                }
                FieldView::Block {
                    mark,
                    name,
                    open,
                    rows: items,
                    close,
                } => {
                    let outer = match mark {
                        Mark::Change | Mark::Keep => ' ',
                        other => other.symbol(),
                    };
                    if close.is_none() {
                        // A long one-line string: a `-` and a `+` row, like inline.
                        for (item_mark, item) in items {
                            rows.push(format!("{}   {name}: {item}", item_mark.symbol()));
                        }
                        continue;
                    }
                    rows.push(format!("{outer}   {name}: {open}"));
                    for (item_mark, item) in items {
                        rows.push(format!("{}       {item}", item_mark.symbol()));
                    }
                    if let Some(close) = close {
                        rows.push(format!("{outer}   {close}"));
                    }
                }
            }
        }
    }
    let text = rows
        .iter()
        .map(|r| r.trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    let fence = fence_for(&text);
    format!("{fence}diff\n{text}\n{fence}\n")
}

/// A code fence longer than any run of backticks in `text` (at least three).
fn fence_for(text: &str) -> String {
    "`".repeat((longest_backticks(text) + 1).max(3))
}

fn longest_backticks(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// Text safe in a table cell: HTML escaped, pipes escaped, newlines as `<br>`.
fn cell(s: &str) -> String {
    html(&view::escape_controls_keep_newlines(s))
        .replace('|', "\\|")
        .replace('\n', "<br>")
}

/// An inline code span safe in a table cell.
fn code(s: &str) -> String {
    let s = view::escape_controls(s).replace('|', "\\|");
    let fence = "`".repeat(longest_backticks(&s) + 1);
    if s.starts_with('`') || s.ends_with('`') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
