//! Safety thresholds: what makes a plan too large to apply without `--force`.
//! Thresholds gate apply, never plan.

use super::{Action, Plan, Resource};

/// Share of managed sites that may be updated or deleted without `--force`.
pub const MAX_SITE_CHANGE_SHARE: f64 = 0.30;
/// Managed sites from which the share applies.
pub const MIN_SITES_FOR_SHARE: usize = 10;

/// Reasons why the plan needs `--force` (empty: safe).
pub fn oversized(plan: &Plan) -> Vec<String> {
    let mut reasons = Vec::new();
    let site_changes = |action: Action| {
        plan.changes
            .iter()
            .filter(|c| c.action == action)
            .filter(|c| {
                matches!(
                    c.before.as_ref().or(c.after.as_ref()),
                    Some(Resource::Site(_))
                )
            })
            .count()
    };
    let deleted = site_changes(Action::Delete);
    if deleted > 0 {
        reasons.push(format!(
            "the plan deletes {deleted} site(s), with all their data"
        ));
    }
    let is_site_delete = |c: &&super::Change| {
        c.action == Action::Delete && matches!(c.before, Some(Resource::Site(_)))
    };
    // Sites changed in place; a deleted site (an `absent` entry) is counted once, below.
    let mut touched: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Create && !is_site_delete(c))
        .filter_map(|c| c.site.as_deref())
        .collect();
    touched.sort_unstable();
    touched.dedup();
    let managed = plan.summary.managed_sites;
    if managed >= MIN_SITES_FOR_SHARE {
        let share = (touched.len() + deleted) as f64 / managed as f64;
        if share > MAX_SITE_CHANGE_SHARE {
            reasons.push(format!(
                "the plan changes {} of {managed} managed sites ({:.0} %, more than {:.0} %)",
                touched.len() + deleted,
                share * 100.0,
                MAX_SITE_CHANGE_SHARE * 100.0
            ));
        }
    }
    reasons
}
