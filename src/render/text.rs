//! Text rendering, in the style users know from Terraform: `+` create, `~` update,
//! `-` delete, one line per changed field, ending with the `Plan:` line.
//!
//! Everything shown comes from the plan's JSON form (see `docs/plan-format.md`).

use owo_colors::OwoColorize;

use crate::plan::{Change, Plan};
use crate::policy::Finding;
use crate::render::Options;
use crate::render::findings::Status;
use crate::render::view::{self, FieldView, Mark};

/// The plan as text; `options.color` adds ANSI colours (green `+`, yellow `~`, red `-`,
/// bold headings). Without it the output holds no escape codes.
///
/// Layout: the instance header; the changes grouped by site (instance changes first),
/// each with its field changes; the asserted settings; the policy findings as
/// `options.findings` says (see [`crate::render::findings::view`]: the findings about
/// the sites the plan changes first; by rule when many), then the known ones as one
/// count line per rule ([`crate::render::known_line`]); warnings;
/// the unmanaged-sites count; and the final line, exactly
/// `Plan: N to create, N to update, N to delete.` or
/// `No changes. The live instance matches the configuration.`
pub fn text(plan: &Plan, options: &Options) -> String {
    let paint = Paint {
        color: options.color,
    };
    let mut out = String::new();

    out.push_str(&paint.bold(&format!(
        "Matomo {} ({})",
        plan.matomo.url, plan.matomo.version
    )));
    out.push('\n');
    if !plan.site_filter.is_empty() {
        out.push_str(&format!(
            "Limited to sites: {}\n",
            plan.site_filter.join(", ")
        ));
    }

    for changes in view::groups(&plan.changes).values() {
        for change in changes {
            out.push('\n');
            render_change(&mut out, &paint, change);
        }
    }

    if !plan.asserted.is_empty() {
        out.push('\n');
        out.push_str(&paint.bold(&format!("{}:", view::asserted_title(plan))));
        out.push('\n');
        for change in &plan.asserted {
            out.push_str(&format!("  {}\n", paint.bold(&view::change_title(change))));
            for field in &change.fields {
                let value = field.after.as_ref().map(view::json).unwrap_or_default();
                out.push_str(&format!("      {}: {value}\n", field.name));
            }
        }
    }

    if !plan.findings.is_empty() || !plan.known.is_empty() {
        out.push('\n');
        out.push_str(&paint.bold(&view::policy_line(plan)));
        out.push('\n');
        let shown = view::plan_findings(plan, options.findings);
        for finding in &shown.full {
            render_finding(&mut out, &paint, finding, plan.fix_of(finding));
        }
        if !shown.full.is_empty() && !shown.by_rule.is_empty() {
            out.push_str("  Other findings, by rule:\n");
        }
        for group in &shown.by_rule {
            out.push_str(&format!(
                "  {} [{}] {}\n      fix: {}\n",
                paint.status(group.status),
                group.rule,
                view::rule_group_line(group, true),
                group.fix
            ));
        }
        for group in &shown.counted {
            out.push_str(&format!(
                "  {} [{}] {}\n",
                paint.status(group.status),
                group.rule,
                view::rule_group_line(group, false)
            ));
        }
        if shown.is_partial() {
            out.push_str(&format!("  {}\n", view::ALL_FINDINGS_HINT));
        }
        if let Some(line) = crate::render::known_line(&plan.known) {
            out.push_str(&format!("  {line}\n"));
        }
    }

    if !plan.warnings.is_empty() {
        out.push('\n');
        out.push_str(&paint.bold("Warnings:"));
        out.push('\n');
        for warning in &plan.warnings {
            out.push_str(&format!(
                "  {} {}\n",
                paint.yellow("!"),
                view::escape_controls(warning)
            ));
        }
    }

    if let Some(line) = view::unmanaged_line(plan) {
        out.push('\n');
        out.push_str(&line);
        out.push('\n');
    }

    out.push('\n');
    out.push_str(&paint.bold(&view::final_line(plan)));
    out.push('\n');
    out
}

fn render_change(out: &mut String, paint: &Paint, change: &Change) {
    let mark = Mark::of_action(change.action);
    out.push_str(&format!(
        "  {} {}\n",
        paint.mark(mark),
        paint.bold(&view::change_title(change))
    ));
    for field in &change.fields {
        match view::field_view(field) {
            FieldView::Inline {
                mark,
                name,
                before,
                after,
            } => {
                let value = match (before, after) {
                    (Some(b), Some(a)) => format!("{b} → {a}"),
                    (Some(v), None) | (None, Some(v)) => v,
                    (None, None) => String::new(),
                };
                out.push_str(&format!("      {} {name}: {value}\n", paint.mark(mark)));
            }
            FieldView::Block {
                mark,
                name,
                open,
                rows,
                close,
            } => {
                let open = if open.is_empty() {
                    String::new()
                } else {
                    format!(" {open}")
                };
                out.push_str(&format!("      {} {name}:{open}\n", paint.mark(mark)));
                for (row_mark, row) in rows {
                    out.push_str(&format!("          {} {row}\n", paint.mark(row_mark)));
                }
                if let Some(close) = close {
                    out.push_str(&format!("        {close}\n"));
                }
            }
        }
    }
}

fn render_finding(out: &mut String, paint: &Paint, finding: &Finding, fix: &str) {
    let symbol = paint.status(Status::of(finding));
    out.push_str(&format!(
        "  {symbol} [{}] {}: {}\n",
        finding.rule, finding.subject, finding.message
    ));
    match &finding.waived {
        Some(reason) => out.push_str(&format!("      waived: {reason}\n")),
        None => out.push_str(&format!("      fix: {fix}\n")),
    }
}

/// Colours, or none.
struct Paint {
    color: bool,
}

impl Paint {
    /// `✗` violation, `!` warning, `✓` waived.
    fn status(&self, status: Status) -> String {
        match status {
            Status::Violation => self.red("✗"),
            Status::Warning => self.yellow("!"),
            Status::Waived => self.green("✓"),
            Status::Known => "·".to_string(),
        }
    }

    fn mark(&self, mark: Mark) -> String {
        let symbol = mark.symbol().to_string();
        match mark {
            Mark::Add => self.green(&symbol),
            Mark::Change => self.yellow(&symbol),
            Mark::Remove => self.red(&symbol),
            Mark::Keep => symbol,
        }
    }

    fn bold(&self, s: &str) -> String {
        if self.color {
            s.bold().to_string()
        } else {
            s.to_string()
        }
    }

    fn green(&self, s: &str) -> String {
        if self.color {
            s.green().to_string()
        } else {
            s.to_string()
        }
    }

    fn yellow(&self, s: &str) -> String {
        if self.color {
            s.yellow().to_string()
        } else {
            s.to_string()
        }
    }

    fn red(&self, s: &str) -> String {
        if self.color {
            s.red().to_string()
        } else {
            s.to_string()
        }
    }
}
