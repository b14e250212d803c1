//! Plan stage: the address of an object a change or a fingerprint is about
//! (`site[key]`, `site[key].goal[key]`, `instance.privacy`…), typed.
//!
//! The text form is what users see and what plan files hold: [`Address`] displays and
//! serialises to it, and parses it back. Addresses order as their text does, so maps
//! keyed by address (fingerprints) keep the order they always had.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where an object lives: one per object a plan reads or changes.
#[derive(Debug, Clone)]
pub enum Address {
    /// An instance-wide setting: `instance.privacy`, `instance.retention`…
    Instance(InstanceSetting),
    /// A site's own settings: `site[key]`, or `site[#id]` for a live site no configured
    /// site binds (pruned).
    Site(Ref),
    /// A goal of a configured site: `site[key].goal[key]`, or `site[key].goal[#id]` for
    /// a live goal the configuration does not list.
    Goal {
        /// Key of the configured site.
        site: String,
        /// The goal.
        goal: Ref,
    },
    /// A custom dimension of a configured site: `site[key].custom_dimension[key]`, or
    /// `site[key].custom_dimension[#id]` for an unlisted live one.
    CustomDimension {
        /// Key of the configured site.
        site: String,
        /// The dimension.
        dimension: Ref,
    },
}

/// How an address names an object: by its key in the configuration, or, for a live
/// object the configuration does not list, by its Matomo id (`#id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    /// Key in the configuration.
    Key(String),
    /// Matomo id of an unlisted live object.
    Id(u64),
}

/// The instance-wide settings a plan manages, one change each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceSetting {
    /// `instance.privacy`.
    Privacy,
    /// `instance.retention`.
    Retention,
    /// `instance.exclusions`.
    Exclusions,
    /// `instance.visitor_log`.
    VisitorLog,
    /// `instance.defaults`.
    Defaults,
    /// `instance.compliance_mode`.
    ComplianceMode,
}

impl InstanceSetting {
    /// Every setting (parsing looks names up here).
    const ALL: [InstanceSetting; 6] = [
        InstanceSetting::Privacy,
        InstanceSetting::Retention,
        InstanceSetting::Exclusions,
        InstanceSetting::VisitorLog,
        InstanceSetting::Defaults,
        InstanceSetting::ComplianceMode,
    ];

    /// The name after `instance.`, as in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            InstanceSetting::Privacy => "privacy",
            InstanceSetting::Retention => "retention",
            InstanceSetting::Exclusions => "exclusions",
            InstanceSetting::VisitorLog => "visitor_log",
            InstanceSetting::Defaults => "defaults",
            InstanceSetting::ComplianceMode => "compliance_mode",
        }
    }
}

impl Address {
    /// A configured site: `site[key]`.
    pub fn site(key: &str) -> Address {
        Address::Site(Ref::Key(key.to_string()))
    }

    /// Key of the configured site the object belongs to (the site itself, or one of
    /// its goals or dimensions); `None` for instance settings and unbound live sites.
    pub fn site_key(&self) -> Option<&str> {
        match self {
            Address::Site(Ref::Key(key))
            | Address::Goal { site: key, .. }
            | Address::CustomDimension { site: key, .. } => Some(key),
            Address::Instance(_) | Address::Site(Ref::Id(_)) => None,
        }
    }

    /// The part of a site's child after the site: `goal[key]`, `custom_dimension[#3]`;
    /// `None` for a site or an instance setting.
    pub fn within_site(&self) -> Option<String> {
        self.child()
            .map(|(_, kind, child)| format!("{kind}[{child}]"))
    }

    /// A site's child: the site key, the child's kind as written, and the child.
    fn child(&self) -> Option<(&str, &'static str, &Ref)> {
        match self {
            Address::Goal { site, goal } => Some((site, "goal", goal)),
            Address::CustomDimension { site, dimension } => {
                Some((site, "custom_dimension", dimension))
            }
            Address::Instance(_) | Address::Site(_) => None,
        }
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Key(key) => f.write_str(key),
            Ref::Id(id) => write!(f, "#{id}"),
        }
    }
}

impl Ref {
    /// Reads the text form: `#id`, else a key.
    fn parse(text: &str) -> Ref {
        match text.strip_prefix('#').map(str::parse) {
            Some(Ok(id)) => Ref::Id(id),
            _ => Ref::Key(text.to_string()),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Instance(setting) => write!(f, "instance.{}", setting.name()),
            Address::Site(site) => write!(f, "site[{site}]"),
            Address::Goal { .. } | Address::CustomDimension { .. } => {
                let (site, kind, child) = self.child().ok_or(fmt::Error)?;
                write!(f, "site[{site}].{kind}[{child}]")
            }
        }
    }
}

/// A text that is not an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressError(String);

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a plan address (site[key], site[key].goal[key], site[key].custom_dimension[key], instance.privacy…); the plan file is damaged: run plan again",
            self.0
        )
    }
}

impl std::error::Error for AddressError {}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Address, AddressError> {
        let error = || AddressError(text.to_string());
        if let Some(name) = text.strip_prefix("instance.") {
            return InstanceSetting::ALL
                .into_iter()
                .find(|s| s.name() == name)
                .map(Address::Instance)
                .ok_or_else(error);
        }
        // Site keys are letters, digits and dashes: the first `]` closes the site.
        let (site, rest) = text
            .strip_prefix("site[")
            .and_then(|t| t.split_once(']'))
            .ok_or_else(error)?;
        let site = Ref::parse(site);
        if rest.is_empty() {
            return Ok(Address::Site(site));
        }
        let Ref::Key(site) = site else {
            return Err(error());
        };
        let (kind, child) = rest
            .strip_prefix('.')
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|r| r.split_once('['))
            .ok_or_else(error)?;
        let child = Ref::parse(child);
        match kind {
            "goal" => Ok(Address::Goal { site, goal: child }),
            "custom_dimension" => Ok(Address::CustomDimension {
                site,
                dimension: child,
            }),
            _ => Err(error()),
        }
    }
}

/// Addresses compare as their text: two addresses are the same object when they read
/// the same, and maps keyed by address keep the text's order.
impl Ord for Address {
    fn cmp(&self, other: &Address) -> Ordering {
        self.to_string().cmp(&other.to_string())
    }
}

impl PartialOrd for Address {
    fn partial_cmp(&self, other: &Address) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Address {
    fn eq(&self, other: &Address) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Address {}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Address, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// In the plan's JSON Schema, an address is a string.
impl JsonSchema for Address {
    fn schema_name() -> Cow<'static, str> {
        String::schema_name()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        String::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTS: [&str; 9] = [
        "instance.privacy",
        "instance.visitor_log",
        "instance.compliance_mode",
        "site[a]",
        "site[#161]",
        "site[mon-service].goal[signup]",
        "site[a].goal[#9]",
        "site[a].custom_dimension[author]",
        "site[a].custom_dimension[#3]",
    ];

    #[test]
    fn text_round_trips() {
        for text in TEXTS {
            let address: Address = text.parse().expect(text);
            assert_eq!(address.to_string(), text);
            let json = serde_json::to_string(&address).expect("serialises");
            assert_eq!(json, format!("\"{text}\""));
            let back: Address = serde_json::from_str(&json).expect("deserialises");
            assert_eq!(back, address);
        }
    }

    #[test]
    fn parts_are_typed() {
        let goal: Address = "site[a].goal[#9]".parse().expect("goal");
        assert!(matches!(
            &goal,
            Address::Goal { site, goal: Ref::Id(9) } if site == "a"
        ));
        assert_eq!(goal.site_key(), Some("a"));
        assert_eq!(goal.within_site().as_deref(), Some("goal[#9]"));
        let pruned: Address = "site[#2]".parse().expect("pruned");
        assert_eq!(pruned.site_key(), None);
        assert_eq!(Address::site("ab").site_key(), Some("ab"));
        assert_eq!(
            "instance.retention".parse::<Address>().expect("instance"),
            Address::Instance(InstanceSetting::Retention)
        );
    }

    #[test]
    fn other_texts_are_refused() {
        for text in [
            "",
            "instance",
            "instance.nothing",
            "site[a",
            "site[a]x",
            "site[a].webhook[b]",
            "site[#2].goal[b]",
            "site[a].goal[b",
        ] {
            let error = text.parse::<Address>().expect_err(text);
            assert!(
                error.to_string().contains("is not a plan address"),
                "{error}"
            );
        }
    }

    #[test]
    fn addresses_order_as_their_text() {
        let mut addresses: Vec<Address> = ["site[a].goal[x]", "site[a-b]", "site[a]"]
            .iter()
            .map(|t| t.parse().expect(t))
            .collect();
        addresses.sort();
        let texts: Vec<String> = addresses.iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["site[a-b]", "site[a]", "site[a].goal[x]"]);
    }
}
