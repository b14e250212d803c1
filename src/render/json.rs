//! JSON rendering: the plan itself, versioned.

use crate::plan::Plan;

/// The plan as pretty JSON (the documented, versioned format).
pub fn json(plan: &Plan) -> String {
    let mut out = serde_json::to_string_pretty(plan).unwrap_or_default();
    out.push('\n');
    out
}
