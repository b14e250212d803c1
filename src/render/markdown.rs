//! Markdown rendering, for pull-request comments.

use crate::plan::Plan;

/// The plan as Markdown.
pub fn markdown(plan: &Plan) -> String {
    format!("{} changes\n", plan.changes.len())
}
