//! Markdown rendering, for pull-request comments: summary table, changes grouped by
//! site in `diff` blocks, policy findings (those about the changed sites first, in
//! full; the rest by rule when many), asserted settings, warnings.
//!
//! Everything shown comes from the plan's JSON form (see `docs/plan-format.md`).

use crate::plan::{Change, Plan};
use crate::policy::Severity;
use crate::render::view::{self, FieldView, Mark};
use crate::render::{Options, plural};

/// Hidden marker on the first line, so CI can find and update its one comment.
pub const MARKER: &str = "<!-- matoform-plan -->";

/// Sections longer than this many lines are collapsed in a `<details>` block.
pub const COLLAPSE_AFTER: usize = 20;

/// Default upper bound of the rendering's length in bytes, under GitHub's limit of
/// 65,536 characters for a comment (GitLab's is larger): change groups past it are left
/// out, with a note, and the findings table is cut at half of it. `--max-chars` lowers
/// it (e.g. 16,000 for a chat post).
pub const MAX_LEN: usize = 60_000;

/// Room kept for the note that says how many change groups were left out.
const OMISSION_NOTE_ROOM: usize = 300;

/// The plan as Markdown (GitHub/GitLab flavour). Deterministic: the same plan gives
/// the same bytes.
///
/// Layout: [`MARKER`]; a `###` title with the counts; the instance; a summary table
/// (unless every count is zero);
/// `####` per group of changes (instance first, then each site) with a `diff` block;
/// the policy findings as `options.findings` says: a table of those shown in full
/// (about the changed sites first), then a table of the others by rule (count,
/// examples, fix; waived ones counted); the asserted settings; warnings; the final
/// line. A section body longer than [`COLLAPSE_AFTER`] lines is wrapped in a collapsed
/// `<details>` block. The whole stays under `options.max_chars` bytes (default
/// [`MAX_LEN`]): change groups that do not fit are left out and counted in a note;
/// findings past half of it and warnings past an eighth are counted; as a last resort
/// the tail is cut at a line, with a note.
pub fn markdown(plan: &Plan, options: &Options) -> String {
    let max = options.max_chars.unwrap_or(MAX_LEN);
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
            plural(
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
        let shown = view::plan_findings(plan, options.findings);
        let mut body = String::new();
        if !shown.full.is_empty() {
            body.push_str(
                "| Rule | Subject | Severity | Message | Fix | Waived |\n|---|---|---|---|---|---|\n",
            );
            let mut listed = 0;
            for finding in &shown.full {
                if body.len() > max / 2 {
                    break;
                }
                listed += 1;
                let severity = match finding.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                body.push_str(&format!(
                    "| {} | {} | {severity} | {} | {} | {} |\n",
                    code(&finding.rule),
                    code(&finding.subject),
                    cell(&finding.message),
                    cell(plan.fix_of(finding)),
                    finding.waived.as_deref().map(cell).unwrap_or_default(),
                ));
            }
            if listed < shown.full.len() {
                body.push_str(&format!(
                    "| | | | {} more not shown here: run `matoform plan --findings all` for every finding | | |\n",
                    shown.full.len() - listed
                ));
            }
        }
        if !shown.by_rule.is_empty() || !shown.counted.is_empty() {
            if !shown.full.is_empty() {
                body.push_str("\nOther findings, by rule:\n\n");
            }
            body.push_str("| Rule | Findings | Examples | Fix |\n|---|---|---|---|\n");
            for group in &shown.by_rule {
                let examples: Vec<String> = group.examples().iter().map(|s| code(s)).collect();
                let mut examples = examples.join(", ");
                if group.more() > 0 {
                    examples.push_str(&format!(" and {} more", group.more()));
                }
                body.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    code(group.rule),
                    cell(&view::rule_group_line(group, false)),
                    examples,
                    cell(group.fix)
                ));
            }
            for group in &shown.counted {
                body.push_str(&format!(
                    "| {} | {} | | |\n",
                    code(group.rule),
                    cell(&view::rule_group_line(group, false)),
                ));
            }
            body.push_str("\nEvery finding: `matoform plan --findings all`.\n");
        }
        if let Some(line) = crate::render::known_line(&plan.known) {
            body.push_str(&format!("\n{}\n", cell(&line)));
        }
        let heading = format!("#### {}", view::policy_line(plan));
        if body.is_empty() {
            tail.push_str(&heading);
            tail.push_str("\n\n");
        } else {
            section(
                &mut tail,
                &heading,
                &format!("{} findings", plan.findings.len()),
                &body,
            );
        }
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
        let mut listed = 0;
        for warning in &plan.warnings {
            if body.len() > max / 8 {
                break;
            }
            listed += 1;
            body.push_str(&format!("- {}\n", cell(warning)));
        }
        if listed < plan.warnings.len() {
            body.push_str(&format!(
                "- {} more not shown here: run `matoform plan` for every warning\n",
                plan.warnings.len() - listed
            ));
        }
        section(
            &mut tail,
            "#### Warnings",
            &plural(plan.warnings.len(), "warning", "warnings"),
            &body,
        );
    }

    let final_line = format!("**{}**\n", view::final_line(plan));

    // Keep the comment under the forges' size limit: the change groups that do not
    // fit are left out, with a note saying how many.
    let mut used = out.len() + tail.len() + final_line.len() + OMISSION_NOTE_ROOM;
    let (mut omitted_groups, mut omitted_changes) = (0, 0);
    for (changes, text) in groups {
        if omitted_groups == 0 && used + text.len() <= max {
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
            plural(omitted_groups, "more group", "more groups"),
        ));
    }
    out.push_str(&tail);
    cut_to_fit(&mut out, max.saturating_sub(final_line.len()));
    out.push_str(&final_line);
    out
}

/// The note that ends a rendering cut by [`cut_to_fit`].
const CUT_NOTE: &str = "\n**The rest is not shown here: it would pass the size limit. Run `matoform plan` (or read the job log) for the whole plan.**\n\n";

/// Cuts `out` at the end of a line so that it and [`CUT_NOTE`] fit in `max` bytes,
/// closing an open `<details>` block; left as it is when it fits.
fn cut_to_fit(out: &mut String, max: usize) {
    if out.len() <= max {
        return;
    }
    let room = max.saturating_sub(CUT_NOTE.len() + "\n</details>\n".len());
    let mut end = room.min(out.len());
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    let end = out[..end].rfind('\n').map_or(0, |i| i + 1);
    out.truncate(end);
    if out.matches("<details>").count() > out.matches("</details>").count() {
        out.push_str("\n</details>\n");
    }
    out.push_str(CUT_NOTE);
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
    plural(n, "change", "changes")
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
