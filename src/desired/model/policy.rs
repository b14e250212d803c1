//! The configuration's `policy` section and its `waivers`: what the policy is asked
//! to judge and the accepted exceptions (the judging itself is the policy module's).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ReferrerAnonymisation;

/// The compliance policy and its thresholds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// `cnil-exemption` (default) fills compliant defaults and reports violations;
    /// `none` turns the policy off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<PolicyProfile>,

    /// Longest raw-data retention allowed, in days (default 759, about 25 months).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_raw_data_days: Option<u32>,

    /// Fewest IP address bytes that must be masked (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 4))]
    pub min_mask_bytes: Option<u8>,

    /// Weakest referrer anonymisation allowed (default `exclude_path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_referrer_anonymisation: Option<ReferrerAnonymisation>,
}

/// Policy profiles.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyProfile {
    /// The CNIL consent-exemption conditions for audience measurement.
    #[default]
    CnilExemption,
    /// No policy: nothing is filled in, nothing is checked.
    None,
}

/// An accepted exception to a policy rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Rule id, e.g. `cnil.ecommerce`.
    pub rule: String,
    /// The sites the waiver covers: a list of site keys and patterns (`*` any run of
    /// characters, `?` one character, e.g. `scale-*`), or `all`. Leave out with
    /// `instance: true` for instance rules.
    #[serde(default, skip_serializing_if = "WaiverSites::is_empty")]
    pub sites: WaiverSites,
    /// The waiver covers the instance-level finding of the rule.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub instance: bool,
    /// Why the exception is acceptable (required, shown in every output).
    pub reason: String,
    /// Last day the waiver applies (`YYYY-MM-DD`); afterwards the violation blocks again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<chrono::NaiveDate>,
}

/// The sites a waiver covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum WaiverSites {
    /// Every site of the configuration: `sites: all`.
    All(AllSites),
    /// Site keys and patterns: `sites: [shop, "scale-*"]`.
    Keys(Vec<String>),
}

/// The word `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AllSites {
    /// Every site.
    All,
}

impl Default for WaiverSites {
    fn default() -> Self {
        Self::Keys(Vec::new())
    }
}

impl WaiverSites {
    /// True when the waiver names no site (no key, no pattern, not `all`).
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Keys(keys) if keys.is_empty())
    }

    /// Whether the site `key` is covered.
    pub fn covers(&self, key: &str) -> bool {
        match self {
            Self::All(_) => true,
            Self::Keys(keys) => keys.iter().any(|k| glob_match(k, key)),
        }
    }
}

/// Whether `pattern` names a set of sites rather than one key: it holds `*` or `?`.
pub fn is_pattern(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Glob matching of a whole key: `*` matches any run of characters (none included),
/// `?` exactly one; every other character matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // The last `*` seen, and the text position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if *c == '?' || *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod waiver_sites_tests {
    use super::*;

    #[test]
    fn glob_matches_whole_keys() {
        let cases = [
            ("scale-*", "scale-1", true),
            ("scale-*", "scale-", true),
            ("scale-*", "big-scale-1", false),
            ("*-shop", "a-shop", true),
            ("*-shop", "a-shop-2", false),
            ("site-?", "site-1", true),
            ("site-?", "site-12", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("*", "anything", true),
            ("blog", "blog", true),
            ("blog", "blog2", false),
        ];
        for (pattern, key, expected) in cases {
            assert_eq!(glob_match(pattern, key), expected, "{pattern} vs {key}");
        }
    }

    #[test]
    fn sites_read_as_a_list_or_all() {
        let all: WaiverSites = serde_json::from_str("\"all\"").expect("all");
        assert_eq!(all, WaiverSites::All(AllSites::All));
        assert!(all.covers("any-site"));
        let keys: WaiverSites = serde_json::from_str("[\"shop\", \"scale-*\"]").expect("keys");
        assert!(keys.covers("shop") && keys.covers("scale-9") && !keys.covers("blog"));
        assert!(serde_json::from_str::<WaiverSites>("\"every\"").is_err());
        assert_eq!(serde_json::to_string(&all).expect("json"), "\"all\"");
    }
}
