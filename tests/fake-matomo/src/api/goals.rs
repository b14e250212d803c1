//! `Goals`: goals per site (read, add, update, soft delete).

use super::values::{esc, php_bool, sanitize};
use super::{Call, Fail, R, no_method, number, ok, val};
use crate::php::urldecode;
use crate::state::{Access, Goal};
use serde_json::Map;
use serde_json::Value as J;
use serde_json::json;

fn balanced(p: &str) -> bool {
    let mut depth = 0i32;
    let mut escaped = false;
    for c in p.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// A goal as Matomo answers it (no pattern keys for `manually`).
pub fn goal_json(idsite: u32, idgoal: u32, g: &Goal) -> J {
    let mut m = Map::new();
    m.insert("idsite".into(), json!(idsite));
    m.insert("idgoal".into(), json!(idgoal));
    m.insert("name".into(), json!(g.name));
    m.insert("description".into(), json!(g.description));
    m.insert("match_attribute".into(), json!(g.match_attribute));
    if g.match_attribute != "manually" {
        m.insert("pattern".into(), json!(g.pattern));
        m.insert("pattern_type".into(), json!(g.pattern_type));
        m.insert("case_sensitive".into(), json!(g.case_sensitive));
    }
    m.insert("allow_multiple".into(), json!(g.allow_multiple));
    m.insert("revenue".into(), number(g.revenue));
    m.insert("deleted".into(), json!(g.deleted));
    m.insert(
        "event_value_as_revenue".into(),
        json!(g.event_value_as_revenue),
    );
    J::Object(m)
}

impl Call<'_> {
    /// The `Goals` methods.
    pub(super) fn goals(&mut self, action: &str) -> R {
        match action {
            "getGoals" => {
                let id = self.site("idSite", Access::View)?;
                let goals = self.st.goals.get(&id).cloned().unwrap_or_default();
                Ok(J::Array(
                    goals
                        .iter()
                        .filter(|(_, g)| g.deleted == 0)
                        .map(|(gid, g)| goal_json(id, *gid, g))
                        .collect(),
                ))
            }
            "getGoal" => {
                let id = self.site("idSite", Access::View)?;
                let gid = self.req("idGoal")?;
                match gid.parse::<u32>().ok().and_then(|g| {
                    self.st
                        .goals
                        .get(&id)
                        .and_then(|m| m.get(&g))
                        .map(|x| (g, x))
                }) {
                    Some((g, goal)) if goal.deleted == 0 => Ok(goal_json(id, g, goal)),
                    _ => ok(),
                }
            }
            "addGoal" => self.add_or_update_goal(false),
            "updateGoal" => self.add_or_update_goal(true),
            "deleteGoal" => {
                let id = self.site("idSite", Access::Write)?;
                let gid = self.req("idGoal")?;
                if let Some(g) = gid
                    .parse::<u32>()
                    .ok()
                    .and_then(|g| self.st.goals.get_mut(&id).and_then(|m| m.get_mut(&g)))
                {
                    g.deleted = 1;
                }
                ok()
            }
            _ => Err(no_method("Goals", action)),
        }
    }

    fn add_or_update_goal(&mut self, update: bool) -> R {
        let id = self.site("idSite", Access::Write)?;
        let gid = if update {
            Some(self.req("idGoal")?)
        } else {
            None
        };
        let name = self.req("name")?;
        let match_attribute = self.req("matchAttribute")?;
        let pattern = self.req("pattern")?;
        let pattern_type = self.req("patternType")?;
        let allowed: &[&str] = if match_attribute == "visit_duration" {
            &["greater_than"]
        } else {
            &["exact", "contains", "regex"]
        };
        if !allowed.contains(&pattern_type.as_str()) {
            return Err(Fail::Error(format!(
                "The value &quot;{}&quot; is not allowed, use one of: {}.",
                esc(&pattern_type),
                allowed.join(", ")
            )));
        }
        let pattern_d = sanitize(&urldecode(&pattern));
        if match_attribute == "url"
            && pattern_type == "exact"
            && !(pattern_d.starts_with("http://") || pattern_d.starts_with("https://"))
        {
            return Err(Fail::Error("If you choose 'exact match', the matching string must be a URL starting with http:// or https://. For example, 'http://www.yourwebsite.com/newsletter/subscribed.html'.".into()));
        }
        if pattern_type == "regex" && !balanced(&pattern_d) {
            return Err(Fail::Error(format!(
                "The value &quot;/{}/&quot; is not a valid regular expression.",
                esc(&pattern_d)
            )));
        }
        let flag = |k: &str| i64::from(self.s(k).is_some_and(php_bool));
        let goal = Goal {
            name: sanitize(&urldecode(&name)),
            description: sanitize(&urldecode(self.s("description").unwrap_or_default())),
            match_attribute,
            pattern: pattern_d,
            pattern_type,
            case_sensitive: flag("caseSensitive"),
            allow_multiple: flag("allowMultipleConversionsPerVisit"),
            revenue: self
                .s("revenue")
                .and_then(|r| r.trim().parse::<f64>().ok())
                .unwrap_or(0.0),
            deleted: 0,
            event_value_as_revenue: flag("useEventValueAsRevenue"),
        };
        let goals = self.st.goals.entry(id).or_default();
        match gid {
            Some(g) => {
                if let Some(slot) = g.parse::<u32>().ok().and_then(|g| goals.get_mut(&g)) {
                    *slot = goal;
                }
                ok()
            }
            None => {
                let next = goals.keys().max().map_or(1, |m| m + 1);
                goals.insert(next, goal);
                val(next)
            }
        }
    }
}
