//! Desired state, as users write it in YAML: the configuration model.
//!
//! Every type here derives `serde` (unknown keys rejected) and `schemars`, so the
//! JSON Schema in `schema/matoform.schema.json` is generated from these doc comments.
//!
//! Convention: an `Option` field left out (`None`) means "not managed": under the
//! `cnil-exemption` policy profile it takes its compliant default (see `policy`),
//! under `profile: none` the live value is kept. Lists inside a managed object are
//! authoritative when present.

mod goals;
mod instance;
mod policy;
mod site;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use goals::*;
pub use instance::*;
pub use policy::*;
pub use site::*;

/// A matoform configuration: one file, or the merge of a directory of files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "matoform configuration")]
pub struct Config {
    /// Where the Matomo instance is. Never put a token here: tokens come from
    /// `MATOMO_TOKEN` or `--token-file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matomo: Option<MatomoSection>,

    /// The compliance policy checked on every command (default: `cnil-exemption`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyConfig>,

    /// Instance-wide settings. Optional; managing them needs a superuser token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<Instance>,

    /// The sites, by key. The key is the site's stable identity in the configuration
    /// (lower-case letters, digits and dashes).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sites: BTreeMap<String, Site>,

    /// Deletion of live sites that no configuration file mentions. `true`: every such
    /// site is deleted; a selection (`{ groups, ids, names }`): only such sites inside
    /// it, so a repository deletes only what it owns. Default: such sites are counted as
    /// unmanaged and never touched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<Prune>,

    /// The label of the repository this configuration lives in (e.g. `central`,
    /// `team-culture`). A site whose `owner` is another label is owned elsewhere: this
    /// configuration never changes nor deletes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub owner: Option<String>,

    /// Accepted exceptions to the policy, each with a written reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
}

/// Which unmanaged live sites `prune` deletes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Prune {
    /// `true`: every live site no entry mentions; `false`: none.
    All(bool),
    /// Only the unmanaged live sites inside this selection.
    Selection(PruneSelection),
}

/// A selection of live sites. Every criterion given must match (a site of one of the
/// `groups` and with an id in `ids` and a name matching one of `names`); at least one
/// criterion is required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PruneSelection {
    /// Site groups (exact names, as Matomo shows them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Site ids: comma-separated ids and inclusive ranges, e.g. `100-200, 305`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<String>,
    /// Site name patterns, where `*` matches any text and `?` one character
    /// (e.g. `scale-*`); case-sensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<Patterns>,
}

/// One pattern or a list of patterns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Patterns {
    /// One pattern.
    One(String),
    /// Several patterns: a name matching any of them is selected.
    Many(Vec<String>),
}

impl Patterns {
    /// The patterns, as a list.
    pub fn as_slice(&self) -> &[String] {
        match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::Many(many) => many,
        }
    }
}

/// Connection settings that may live in the configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatomoSection {
    /// Base URL of the Matomo instance, e.g. `https://stats.example.org/`.
    /// `MATOMO_URL` and `--url` take precedence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Config {
    /// The configuration's own owner label.
    pub fn owner_label(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// Whether `prune` is on (everything, or a selection).
    pub fn prunes(&self) -> bool {
        match &self.prune {
            Some(Prune::All(all)) => *all,
            Some(Prune::Selection(_)) => true,
            None => false,
        }
    }

    /// Whether `prune` would delete an unmanaged live site with this id, group and name.
    pub fn prune_selects(&self, id: u64, group: &str, name: &str) -> bool {
        match &self.prune {
            Some(Prune::All(all)) => *all,
            Some(Prune::Selection(selection)) => selection.selects(id, group, name),
            None => false,
        }
    }
}

impl PruneSelection {
    /// Whether a live site with this id, group and name is inside the selection (every
    /// criterion given matches; an empty selection selects nothing).
    pub fn selects(&self, id: u64, group: &str, name: &str) -> bool {
        if self.groups.is_empty() && self.ids.is_none() && self.names.is_none() {
            return false;
        }
        let in_group = self.groups.is_empty() || self.groups.iter().any(|g| g == group);
        // An unparsable `ids` selects nothing (validate refuses it anyway).
        let in_ids = self.ids.as_deref().is_none_or(|ids| {
            parse_id_ranges(ids)
                .is_ok_and(|ranges| ranges.iter().any(|(from, to)| (*from..=*to).contains(&id)))
        });
        let named = self
            .names
            .as_ref()
            .is_none_or(|names| names.as_slice().iter().any(|p| glob_matches(p, name)));
        in_group && in_ids && named
    }
}

/// Parses `100-200, 305` into inclusive ranges; the error names the bad part.
pub fn parse_id_ranges(text: &str) -> Result<Vec<(u64, u64)>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim) {
        let range = match part.split_once('-') {
            Some((from, to)) => from
                .trim()
                .parse::<u64>()
                .ok()
                .zip(to.trim().parse::<u64>().ok()),
            None => part.parse::<u64>().ok().map(|id| (id, id)),
        };
        match range {
            Some((from, to)) if from >= 1 && from <= to => out.push((from, to)),
            _ => return Err(part.to_string()),
        }
    }
    Ok(out)
}

/// Matches `text` against `pattern`, where `*` is any text and `?` one character
/// (the same matcher as waivers' site patterns: [`glob_match`]).
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    glob_match(pattern, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_ranges_parse_or_name_the_bad_part() {
        assert_eq!(
            parse_id_ranges("100-200, 305"),
            Ok(vec![(100, 200), (305, 305)])
        );
        assert_eq!(parse_id_ranges("7"), Ok(vec![(7, 7)]));
        assert_eq!(parse_id_ranges("1-3,x"), Err("x".to_string()));
        assert_eq!(parse_id_ranges("9-2"), Err("9-2".to_string()));
        assert_eq!(parse_id_ranges("0"), Err("0".to_string()));
        assert_eq!(parse_id_ranges(""), Err(String::new()));
    }

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_matches("scale-*", "scale-0001"));
        assert!(glob_matches("scale-*", "scale-"));
        assert!(!glob_matches("scale-*", "Scale-1"));
        assert!(!glob_matches("scale-*", "my-scale-1"));
        assert!(glob_matches("*-site", "legacy-site"));
        assert!(glob_matches("a*b*c", "aXXbYYbc"));
        assert!(glob_matches("site-?", "site-1"));
        assert!(!glob_matches("site-?", "site-12"));
        assert!(glob_matches("exact", "exact"));
        assert!(!glob_matches("exact", "exactly"));
    }

    #[test]
    fn prune_reads_true_or_a_selection() {
        let config: Config = serde_yaml::from_str("prune: true").expect("bool");
        assert!(config.prunes() && config.prune_selects(9, "any", "any"));
        let config: Config =
            serde_yaml::from_str("prune: { groups: [culture], names: \"scale-*\" }")
                .expect("selection");
        assert!(config.prune_selects(9, "culture", "scale-9"));
        assert!(!config.prune_selects(9, "sport", "scale-9"));
        assert!(!config.prune_selects(9, "culture", "other"));
        let config: Config = serde_yaml::from_str("prune: {}").expect("empty selection");
        assert!(
            !config.prune_selects(9, "culture", "scale-9"),
            "an empty selection selects nothing"
        );
        let config: Config = serde_yaml::from_str("prune: false").expect("bool");
        assert!(!config.prunes());
    }
}
