//! One entry of `sites`: a Matomo site (measurable) and its own settings.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ComplianceMode, CustomDimension, Goal, SitePrivacy, VisitorLog};

/// One site (a Matomo "measurable").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = site_requirements)]
pub struct Site {
    /// Binds this entry to an existing Matomo site id. Without it, the site is bound
    /// by its first URL, or created. Required with `absent: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub id: Option<u64>,

    /// Display name (required, except with `absent: true`).
    #[serde(default)]
    pub name: String,

    /// URLs of the site; the first is the main URL, the others are aliases (required,
    /// except with `absent: true`).
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub urls: Vec<String>,

    /// The site must not exist: the live site `id` is deleted (shown in the plan, and
    /// apply needs `--force`, as for every site deletion); once it is gone the entry
    /// plans nothing. Its other settings are not used, and the policy skips it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,

    /// The label of the repository that owns this site (default: this configuration's
    /// top-level `owner`). When it differs from the top-level `owner`, the entry only
    /// claims the site (it is never pruned nor counted as unmanaged) and the plan
    /// refuses to change or delete it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub owner: Option<String>,

    /// Reporting timezone: an IANA name (`Europe/Paris`) or `UTC+2` style offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,

    /// Currency for revenue, an ISO 4217 code (`EUR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,

    /// Measurable type: `website` (default), `intranet`, or a type a plugin adds.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub site_type: Option<String>,

    /// Site group (only a superuser can change it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,

    /// Ecommerce tracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecommerce: Option<bool>,

    /// Internal site search tracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_search: Option<SiteSearch>,

    /// Only track actions whose URL starts with one of the site's URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_unknown_urls: Option<bool>,

    /// Keep the `#fragment` of page URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_url_fragments: Option<KeepUrlFragments>,

    /// The site's own exclusion lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusions: Option<SiteExclusions>,

    /// Visitor log and visitor profile switches for this site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_log: Option<VisitorLog>,

    /// Anonymous users may view this site's reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_stats: Option<bool>,

    /// The site's own IP anonymisation settings (Matomo 5.7), or `own: false` to use the
    /// instance's. Left out: not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<SitePrivacy>,

    /// Matomo's own compliance mode for this site (Matomo 5.4 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance_mode: Option<ComplianceMode>,

    /// Goals, by key. When present, the list is authoritative: live goals of the
    /// site that are not listed are deleted. Left out: goals are not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goals: Option<BTreeMap<String, Goal>>,

    /// Custom dimensions, by key. When present, live dimensions that are not listed
    /// are deactivated (Matomo cannot delete them). Left out: not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_dimensions: Option<BTreeMap<String, CustomDimension>>,
}

/// Schema of a site entry: `name` and `urls` are required, except in an entry with
/// `absent: true`, which requires `id` instead.
fn site_requirements(schema: &mut schemars::Schema) {
    schema.insert(
        "if".into(),
        serde_json::json!({"properties": {"absent": {"const": true}}, "required": ["absent"]}),
    );
    schema.insert("then".into(), serde_json::json!({"required": ["id"]}));
    schema.insert(
        "else".into(),
        serde_json::json!({"required": ["name", "urls"]}),
    );
}

impl Site {
    /// Whether another repository owns this site: its `owner` is set and differs from
    /// the configuration's own `owner` label.
    pub fn owned_elsewhere(&self, repository: Option<&str>) -> bool {
        self.owner
            .as_deref()
            .is_some_and(|owner| Some(owner) != repository)
    }
}

/// Site search settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteSearch {
    /// Track internal searches.
    pub enabled: bool,
    /// Query parameters that carry the search keyword (empty: the instance's defaults).
    #[serde(default)]
    pub keyword_parameters: Vec<String>,
    /// Query parameters that carry the search category.
    #[serde(default)]
    pub category_parameters: Vec<String>,
}

/// What to do with URL fragments.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum KeepUrlFragments {
    /// Use the instance's setting.
    #[default]
    Default,
    /// Keep fragments.
    Keep,
    /// Remove fragments.
    Remove,
}

/// A site's exclusion lists. A list left out is not managed (kept as it is).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteExclusions {
    /// IP addresses, CIDR ranges or wildcard patterns (`1.2.3.*`) not tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ips: Option<Vec<String>>,
    /// URL query parameters removed from tracked URLs (put personal data here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_parameters: Option<Vec<String>>,
    /// User-agent substrings not tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agents: Option<Vec<String>>,
    /// Referrer hosts ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrers: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_elsewhere_compares_labels() {
        let site = Site {
            owner: Some("team-a".into()),
            ..Site::default()
        };
        assert!(site.owned_elsewhere(Some("central")));
        assert!(site.owned_elsewhere(None));
        assert!(!site.owned_elsewhere(Some("team-a")));
        assert!(!Site::default().owned_elsewhere(Some("central")));
    }
}
