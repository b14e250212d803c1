//! Diff stage: goals, one kind of [`Child`]: bound by `id`, else by name; an unlisted
//! goal is deleted, unless no configuration can describe it (then it is left alone).

use std::collections::BTreeMap;

use crate::desired::model::{Goal, MatchAttribute};
use crate::live::{GoalState, SiteState};
use crate::matomo::codes::MatomoName as _;
use crate::plan::{Address, Ref, Resource};

use super::{Child, Unlisted, Updated};

/// A site's goals.
pub(in crate::diff) struct Goals;

impl Child for Goals {
    type Desired = Goal;
    type Live = GoalState;

    const NOUN: &'static str = "goal";
    const UNREADABLE: &'static str = "goals are configured but could not be read (is the Goals plugin active, and does the token have view access?)";

    fn address(site: &str, goal: Ref) -> Address {
        Address::Goal {
            site: site.to_string(),
            goal,
        }
    }

    fn read(site: &SiteState) -> &Option<BTreeMap<u64, GoalState>> {
        &site.goals
    }

    fn id(goal: &Goal) -> Option<u64> {
        goal.id
    }

    fn is(goal: &Goal, live: &GoalState) -> bool {
        live.name == goal.name
    }

    fn resource(goal: GoalState) -> Resource {
        Resource::Goal(goal)
    }

    fn created(goal: &Goal) -> GoalState {
        goal_state(goal, 0)
    }

    fn updated(_address: &Address, goal: &Goal, live: &GoalState) -> Updated<GoalState> {
        let before = normalized_goal(live);
        let after = goal_state(goal, live.id);
        if before == after {
            Updated::Same
        } else {
            Updated::Changed { before, after }
        }
    }

    fn unlisted(address: &Address, _id: u64, live: &GoalState) -> Unlisted<GoalState> {
        // A goal no configuration can describe (import leaves it out) is not managed.
        match crate::import::unrepresentable_goal(live) {
            Some(reason) => Unlisted::Warned(format!(
                "{address}: {reason}; it is not managed, so it is left as it is (delete it in Matomo if it is not wanted)"
            )),
            None => Unlisted::Deleted,
        }
    }
}

/// The goal as Matomo would store it.
fn goal_state(goal: &Goal, id: u64) -> GoalState {
    let manual = goal.match_attribute == MatchAttribute::Manually;
    GoalState {
        id,
        name: goal.name.clone(),
        description: goal.description.clone(),
        match_attribute: goal.match_attribute.to_matomo().to_string(),
        pattern: if manual {
            String::new()
        } else {
            goal.pattern.clone().unwrap_or_default()
        },
        pattern_type: if manual {
            String::new()
        } else {
            goal.pattern_type
                .unwrap_or_default()
                .to_matomo()
                .to_string()
        },
        case_sensitive: goal.case_sensitive,
        allow_multiple_conversions: goal.allow_multiple_conversions,
        revenue: goal.revenue,
        use_event_value_as_revenue: goal.use_event_value_as_revenue,
    }
}

/// A live goal as compared: a manually triggered goal has no pattern, whatever was
/// stored with it.
fn normalized_goal(goal: &GoalState) -> GoalState {
    let mut goal = goal.clone();
    if goal.match_attribute == "manually" {
        goal.pattern.clear();
        goal.pattern_type.clear();
    }
    goal
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::desired::model::{Config, Goal, MatchAttribute};
    use crate::diff::test_support::{live_of, live_site, plan, site};
    use crate::live::GoalState;
    use crate::plan::Action;

    #[test]
    fn goals_are_created_updated_and_deleted_by_identity() {
        let mut live = live_site(1, "https://a.fr");
        let goal = |id: u64, name: &str, pattern: &str| GoalState {
            id,
            name: name.into(),
            match_attribute: "url".into(),
            pattern: pattern.into(),
            pattern_type: "contains".into(),
            ..GoalState::default()
        };
        live.goals = Some(BTreeMap::from([
            (1, goal(1, "Contact", "/merci")),
            (2, goal(2, "Old", "/old")),
        ]));
        let mut wanted = site("Site 1", "https://a.fr");
        let config_goal = |name: &str, pattern: &str| Goal {
            name: name.into(),
            match_attribute: MatchAttribute::Url,
            pattern: Some(pattern.into()),
            ..Goal::default()
        };
        wanted.goals = Some(BTreeMap::from([
            (
                "contact".to_string(),
                config_goal("Contact", "/contact/merci"),
            ),
            ("signup".to_string(), config_goal("Signup", "/ok")),
        ]));
        let mut config = Config::default();
        config.sites.insert("a".into(), wanted);
        let out = plan(&config, &live_of(vec![live]));
        let summary: Vec<(Action, String)> = out
            .changes
            .iter()
            .map(|c| (c.action, c.address.to_string()))
            .collect();
        assert!(
            summary.contains(&(Action::Update, "site[a].goal[contact]".into())),
            "{summary:?}"
        );
        assert!(
            summary.contains(&(Action::Create, "site[a].goal[signup]".into())),
            "{summary:?}"
        );
        assert!(
            summary.contains(&(Action::Delete, "site[a].goal[#2]".into())),
            "{summary:?}"
        );
        assert_eq!(summary.len(), 3);
    }
}
