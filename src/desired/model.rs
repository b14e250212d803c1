//! Desired state, as users write it in YAML: the configuration model.
//!
//! Every type here derives `serde` (unknown keys rejected) and `schemars`, so the
//! JSON Schema in `schema/matoform.schema.json` is generated from these doc comments.
//!
//! Convention: an `Option` field left out (`None`) means "not managed": under the
//! `cnil-exemption` policy profile it takes its compliant default (see `policy`),
//! under `profile: none` the live value is kept. Lists inside a managed object are
//! authoritative when present.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// Instance-wide settings (superuser).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// Privacy settings (PrivacyManager): IP anonymisation, referrer, cookies, Do Not Track.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Privacy>,

    /// Deletion of old raw data and reports. Matomo asks for the user's password
    /// (`MATOMO_PASSWORD`) to change these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,

    /// Global exclusions, applied at tracking time to every site in addition to the site's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusions: Option<GlobalExclusions>,

    /// Instance-wide visitor log and visitor profile switches (Live plugin system settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_log: Option<VisitorLog>,

    /// Defaults used when a site is created without these settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<InstanceDefaults>,

    /// Matomo's own compliance mode for the whole instance (Matomo 5.4 and later,
    /// with the PrivacyCompliance feature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance_mode: Option<ComplianceMode>,
}

/// Instance privacy settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// IP address anonymisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymize_ip: Option<AnonymizeIp>,
    /// Replace the User ID by a pseudonym.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymize_user_id: Option<bool>,
    /// Replace ecommerce order IDs by a pseudonym.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymize_order_id: Option<bool>,
    /// How much of the referrer URL is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymize_referrer: Option<ReferrerAnonymisation>,
    /// Force tracking without cookies for every site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_cookieless: Option<bool>,
    /// Honour the browser's Do Not Track setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub do_not_track: Option<bool>,
    /// Give each visit a random config id, so visits cannot be linked (Matomo 5.7+).
    /// Matomo asks for the password (`MATOMO_PASSWORD`) to save the privacy settings
    /// while this is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub randomize_config_id: Option<bool>,
}

/// A site's privacy settings (Matomo 5.7): the instance's, or its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SitePrivacy {
    /// `true`: the site has its own settings (those below; unstated ones keep their live
    /// value); `false`: it uses the instance's (its own are removed).
    pub own: bool,
    /// IP address anonymisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymize_ip: Option<AnonymizeIp>,
    /// Replace the User ID by a pseudonym.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymize_user_id: Option<bool>,
    /// Replace ecommerce order IDs by a pseudonym.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymize_order_id: Option<bool>,
    /// How much of the referrer URL is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymize_referrer: Option<ReferrerAnonymisation>,
    /// Force tracking without cookies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_cookieless: Option<bool>,
    /// A random config id per visit (asks for `MATOMO_PASSWORD` while on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub randomize_config_id: Option<bool>,
}

/// IP anonymisation settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnonymizeIp {
    /// Anonymise visitors' IP addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// How many trailing bytes of the address are masked (0–4; 4 masks it fully).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 4))]
    pub mask_bytes: Option<u8>,
    /// Use the anonymised address for geolocation and provider enrichment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_for_enrichment: Option<bool>,
}

/// Referrer anonymisation levels, weakest first.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReferrerAnonymisation {
    /// Keep the full referrer URL.
    #[default]
    None,
    /// Remove query parameters from the referrer URL.
    ExcludeQuery,
    /// Keep only the domain of the referrer.
    ExcludePath,
    /// Record only the type of referrer.
    ExcludeAll,
}

/// Data retention.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Deletion of raw visit logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_data: Option<RawDataRetention>,
    /// Deletion of old aggregated reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reports: Option<ReportsRetention>,
}

/// Raw data deletion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDataRetention {
    /// Delete raw data older than `older_than_days`.
    pub delete: bool,
    /// Age in days after which raw data is deleted (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub older_than_days: Option<u32>,
}

/// Report deletion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportsRetention {
    /// Delete reports older than `older_than_months`.
    pub delete: bool,
    /// Age in months after which reports are deleted (Matomo's minimum is 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub older_than_months: Option<u32>,
    /// Report periods and kinds kept when deleting (all false by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<ReportsKeep>,
}

/// What report deletion keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportsKeep {
    /// Keep basic metrics (visits, page views…).
    #[serde(default)]
    pub basic: bool,
    /// Keep daily reports.
    #[serde(default)]
    pub day: bool,
    /// Keep weekly reports.
    #[serde(default)]
    pub week: bool,
    /// Keep monthly reports.
    #[serde(default)]
    pub month: bool,
    /// Keep yearly reports.
    #[serde(default)]
    pub year: bool,
    /// Keep date-range reports.
    #[serde(default)]
    pub range: bool,
    /// Keep segment reports.
    #[serde(default)]
    pub segments: bool,
}

/// Global exclusion lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GlobalExclusions {
    /// URL query parameters removed from every tracked URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_parameters: Option<Vec<String>>,
    /// IP addresses, CIDR ranges or wildcard patterns (`1.2.3.*`) never tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ips: Option<Vec<String>>,
    /// User-agent substrings never tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agents: Option<Vec<String>>,
    /// Referrer hosts ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrers: Option<Vec<String>>,
}

/// Defaults for new sites.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceDefaults {
    /// Default timezone (IANA name or `UTC+2` style offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Default currency (ISO 4217 code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// Matomo's built-in compliance modes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceMode {
    /// Matomo's CNIL policy (`cnil_v1`) enforced.
    CnilV1,
    /// No compliance mode enforced.
    Off,
}

/// Visitor log and visitor profile switches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitorLog {
    /// Turn the visits log off (individual visits are personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Turn visitor profiles off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_disabled: Option<bool>,
}

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

/// A goal. Matomo replaces goals as a whole, so every field has a definite value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    /// Binds this entry to an existing goal id of the site; without it the goal is
    /// bound by name, or created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub id: Option<u64>,
    /// Goal name.
    pub name: String,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// What the goal matches on.
    pub match_attribute: MatchAttribute,
    /// The pattern matched (not used with `manually`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// How `pattern` matches (default `contains`; `visit_duration` needs `greater_than`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_type: Option<PatternType>,
    /// Case-sensitive matching.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub case_sensitive: bool,
    /// Count a conversion each time, not once per visit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_multiple_conversions: bool,
    /// Revenue of one conversion.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0))]
    pub revenue: f64,
    /// Use the event value as revenue (event goals).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_event_value_as_revenue: bool,
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

/// Goal match attributes Matomo knows.
///
/// From Matomo's source, the same in 5.0.2 and 5.7: `plugins/Goals/API.php` never
/// checks the match attribute (any string is stored); `core/Tracker/GoalManager.php`
/// matches `url`, `title`, `file`, `external_website`, `event_action`,
/// `event_category`, `event_name` and `manually`, and `visit_duration` as the only
/// numeric attribute (`$NUMERIC_MATCH_ATTRIBUTES`); anything else is matched like a
/// URL containing the pattern.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchAttribute {
    /// Page URL.
    #[default]
    Url,
    /// Page title.
    Title,
    /// Downloaded file URL.
    File,
    /// Outlink to an external website.
    ExternalWebsite,
    /// Triggered manually from the tracker.
    Manually,
    /// Event action.
    EventAction,
    /// Event category.
    EventCategory,
    /// Event name.
    EventName,
    /// Visit duration in minutes: needs `pattern_type: greater_than` and a number as
    /// `pattern`.
    VisitDuration,
    /// Not a Matomo match attribute: Matomo stores it without complaint but matches
    /// it like a URL containing the pattern. `validate` refuses it; the variant exists
    /// so that the refusal can say why.
    VisitNbPageviews,
}

/// Goal pattern types.
///
/// From `checkPatternType` in Matomo's `plugins/Goals/API.php` (5.0.2 and 5.7 alike):
/// `visit_duration` takes only `greater_than`; every other attribute takes `exact`,
/// `contains` or `regex`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PatternType {
    /// The attribute contains the pattern.
    #[default]
    Contains,
    /// The attribute equals the pattern (URLs must start with http:// or https://).
    Exact,
    /// The pattern is a regular expression.
    Regex,
    /// The attribute is greater than the pattern (a number): the only pattern type of
    /// `visit_duration`, and only of it.
    GreaterThan,
}

/// A custom dimension (CustomDimensions plugin).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomDimension {
    /// Binds this entry to an existing dimension id; without it the dimension is
    /// bound by name and scope, or created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub id: Option<u64>,
    /// Dimension name.
    pub name: String,
    /// `visit` or `action`; cannot change once created.
    pub scope: DimensionScope,
    /// Whether values are collected (default true).
    #[serde(default = "default_true")]
    pub active: bool,
    /// Case-sensitive extractions.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub case_sensitive: bool,
    /// Values extracted from the page URL or title (action scope only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extractions: Vec<Extraction>,
}

fn default_true() -> bool {
    true
}

/// Custom dimension scopes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DimensionScope {
    /// One value per visit.
    #[default]
    Visit,
    /// One value per action.
    Action,
}

/// One extraction rule of a custom dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extraction {
    /// `url`, `urlparam` or `action_name`.
    pub dimension: String,
    /// Regular expression with exactly one group, or the parameter name for `urlparam`.
    pub pattern: String,
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
