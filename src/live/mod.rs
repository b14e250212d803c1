//! Live state: what the Matomo instance holds, normalised into plain values.
//!
//! Reading drives [`crate::matomo::Client`] (see [`read`]: capability detection, sites,
//! instance settings) and translates Matomo's wire shapes into these values (see
//! [`translate`], which also gives apply the wire shapes to write); everything else
//! (diff, policy, import, snapshots) works on these values. A snapshot is a
//! [`LiveState`] written as versioned JSON. This layer depends on `crate::matomo`,
//! never the other way round.

pub mod read;
pub mod translate;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::desired::model::{
    ComplianceMode, DimensionScope, Extraction, KeepUrlFragments, ReferrerAnonymisation,
    ReportsKeep,
};

/// Version of the snapshot format; bumped on incompatible changes.
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;

/// Everything matoform read from one Matomo instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LiveState {
    /// Snapshot format version ([`SNAPSHOT_FORMAT_VERSION`]).
    pub format_version: u32,
    /// The instance and the caller's rights.
    pub matomo: MatomoInfo,
    /// Sites read, by Matomo id.
    pub sites: BTreeMap<u64, SiteState>,
    /// Ids of live sites the token can administer but that were not read in detail
    /// (not managed by the configuration).
    #[serde(default)]
    pub unmanaged_site_ids: Vec<u64>,
    /// The URLs of the sites in `unmanaged_site_ids`, main URL first, by id: a reader of
    /// the snapshot binds a configured site by URL to them, and so knows the site exists
    /// although it was not read. Absent from snapshots written before it was recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unmanaged_site_urls: BTreeMap<u64, Vec<String>>,
    /// Instance settings, when they were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<InstanceState>,
}

/// Facts about the instance and the token, detected once per run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MatomoInfo {
    /// Base URL of the instance.
    pub url: String,
    /// Matomo version, e.g. `5.0.2`.
    pub version: String,
    /// The token has superuser access.
    pub superuser: bool,
    /// Plugins matoform depends on, and whether they are active.
    #[serde(default)]
    pub plugins: BTreeMap<String, bool>,
    /// `PrivacyManager.getAnonymisationSettings` exists (Matomo 5.6+).
    #[serde(default)]
    pub anonymisation_reader: bool,
    /// Matomo's compliance API (5.4+): absent, present but behind a feature flag, or usable.
    #[serde(default)]
    pub compliance: ComplianceSupport,
    /// The name `setAnonymizeIpSettings` takes for the mask: `maskLength` (before 5.6)
    /// or `ipAddressMaskLength`.
    #[serde(default)]
    pub mask_parameter: String,
}

/// Whether Matomo's own compliance mode can be used.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceSupport {
    /// This Matomo has no compliance API (before 5.4).
    #[default]
    Absent,
    /// The API exists but the PrivacyCompliance feature flag is off.
    FeatureOff,
    /// The API answers.
    Available,
}

/// One site, as Matomo holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SiteState {
    /// Matomo's site id (0 for a site not created yet).
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Main URL first, then aliases.
    pub urls: Vec<String>,
    /// Timezone.
    pub timezone: String,
    /// Currency code.
    pub currency: String,
    /// Measurable type.
    #[serde(rename = "type")]
    pub site_type: String,
    /// Group.
    pub group: String,
    /// Ecommerce on.
    pub ecommerce: bool,
    /// Site search.
    pub site_search: SiteSearchState,
    /// Only known URLs are tracked.
    pub exclude_unknown_urls: bool,
    /// URL fragments.
    pub keep_url_fragments: KeepUrlFragments,
    /// The site's exclusion lists.
    pub exclusions: ExclusionsState,
    /// Visitor log switches (`None` when the token could not read them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_log: Option<VisitorLogState>,
    /// Anonymous view access (`None` when not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_stats: Option<bool>,
    /// The site's own IP anonymisation settings (Matomo 5.7; `None` when not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<SitePrivacyState>,
    /// Matomo's own `cnil_v1` requirements for the site (5.7; empty when not read).
    /// Not a setting: never diffed (see `diff::site_only`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matomo_requirements: Vec<MatomoRequirement>,
    /// Matomo's compliance mode for the site (`None` when not available).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance_mode: Option<ComplianceMode>,
    /// Goals by id (`None` when the Goals plugin is off or they were not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goals: Option<BTreeMap<u64, GoalState>>,
    /// Custom dimensions by id (`None` when the plugin is off or not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_dimensions: Option<BTreeMap<u64, DimensionState>>,
    /// Custom dimension slots per scope (`CustomDimensions.getAvailableScopes`), read only
    /// for a site where the configuration may create a dimension (`None` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension_slots: Option<BTreeMap<DimensionScope, DimensionSlots>>,
}

/// The custom dimension slots of one scope on one site: Matomo has a fixed number of
/// columns per scope, and a dimension holds its slot for good, deactivated or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DimensionSlots {
    /// Slots the installation has (`numSlotsAvailable`).
    pub available: u64,
    /// Slots still free (`numSlotsLeft`).
    pub left: u64,
}

/// Site search, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SiteSearchState {
    /// Search tracking on.
    pub enabled: bool,
    /// Keyword parameters.
    pub keyword_parameters: Vec<String>,
    /// Category parameters.
    pub category_parameters: Vec<String>,
}

/// The four exclusion lists of a site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExclusionsState {
    /// Excluded IPs.
    pub ips: Vec<String>,
    /// Excluded query parameters.
    pub query_parameters: Vec<String>,
    /// Excluded user agents.
    pub user_agents: Vec<String>,
    /// Excluded referrers.
    pub referrers: Vec<String>,
    /// How Matomo 5.2+ stores the global query-parameter list
    /// (`getExclusionTypeForQueryParams`): `common_session_parameters` (none of its
    /// own), `matomo_recommended_pii` (Matomo's recommended list, which its cnil_v1
    /// check requires) or `custom`. `None` for a site's lists and before 5.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_parameters_type: Option<String>,
}

/// One requirement of Matomo's own `cnil_v1` policy, as `getComplianceStatus` answers
/// it (5.7): its name, status (`compliant`, `non_compliant`, `unknown`) and notes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MatomoRequirement {
    /// Matomo's name for it (`IP Address Mask Length`).
    pub name: String,
    /// `compliant`, `non_compliant` or `unknown`.
    pub status: String,
    /// Matomo's note (HTML stripped).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

/// A site's privacy settings (5.7): its own, or the instance's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SitePrivacyState {
    /// The site has its own settings (`useSiteSpecificSettings`); the tracker uses them
    /// instead of the instance's.
    pub own: bool,
    /// Its own settings, when `own` (DNT and the mask parameter name are the instance's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<PrivacyState>,
}

/// Visitor log switches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VisitorLogState {
    /// Visits log off.
    pub disabled: bool,
    /// Visitor profile off.
    pub profile_disabled: bool,
    /// A site's switch that the instance decides: the instance turns the visits log off,
    /// so Matomo hides the site's switch (`getSiteSettings` leaves it out) and ignores it
    /// on save. `disabled` is then not known and never written.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disabled_by_instance: bool,
    /// The same for the visitor profile switch (the instance turns profiles off).
    #[serde(default, skip_serializing_if = "is_false")]
    pub profile_disabled_by_instance: bool,
}

impl VisitorLogState {
    /// The visits log is off for this site, whoever decides it.
    pub fn log_off(&self) -> bool {
        self.disabled || self.disabled_by_instance
    }

    /// Visitor profiles are off for this site: Matomo needs the visits log for them.
    pub fn profile_off(&self) -> bool {
        self.log_off() || self.profile_disabled || self.profile_disabled_by_instance
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A goal, as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GoalState {
    /// Goal id within its site (0 for a goal not created yet).
    pub id: u64,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Match attribute, as Matomo stores it (Matomo does not validate it).
    pub match_attribute: String,
    /// Pattern (empty for `manually`).
    pub pattern: String,
    /// Pattern type (empty for `manually`).
    pub pattern_type: String,
    /// Case-sensitive.
    pub case_sensitive: bool,
    /// Several conversions per visit.
    pub allow_multiple_conversions: bool,
    /// Revenue.
    pub revenue: f64,
    /// Event value used as revenue.
    pub use_event_value_as_revenue: bool,
}

/// A custom dimension, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DimensionState {
    /// Dimension id (0 for one not created yet).
    pub id: u64,
    /// Name.
    pub name: String,
    /// Scope.
    pub scope: DimensionScope,
    /// Active.
    pub active: bool,
    /// Case-sensitive extractions.
    pub case_sensitive: bool,
    /// Extractions.
    pub extractions: Vec<Extraction>,
}

/// Instance settings. A section is `None` when this Matomo and token cannot read it;
/// the plan then asserts the desired values instead of diffing them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InstanceState {
    /// Privacy settings (readable from Matomo 5.6, or through a logged-in session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<PrivacyState>,
    /// Retention settings (no API reader on any version; a session can read them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<RetentionState>,
    /// Global exclusion lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusions: Option<ExclusionsState>,
    /// Instance-wide visitor log switches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_log: Option<VisitorLogState>,
    /// Defaults for new sites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<DefaultsState>,
    /// Matomo's own compliance mode for the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance_mode: Option<ComplianceMode>,
    /// Matomo's own `cnil_v1` requirements for the instance (5.7; empty when not read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matomo_requirements: Vec<MatomoRequirement>,
}

/// Privacy settings, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PrivacyState {
    /// IP anonymisation on.
    pub anonymize_ip_enabled: bool,
    /// Bytes masked.
    pub mask_bytes: u8,
    /// Enrichment from the anonymised IP.
    pub use_for_enrichment: bool,
    /// User ID pseudonymised.
    pub anonymize_user_id: bool,
    /// Order ID pseudonymised.
    pub anonymize_order_id: bool,
    /// Referrer anonymisation.
    pub anonymize_referrer: ReferrerAnonymisation,
    /// Cookieless tracking forced.
    pub force_cookieless: bool,
    /// Do Not Track honoured.
    pub do_not_track: bool,
    /// A random config id per visit (Matomo 5.7+; `None` where this Matomo has none).
    /// `setAnonymizeIpSettings` resets it when it is not sent, so every write sends the
    /// live value when the configuration does not manage it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub randomize_config_id: Option<bool>,
}

/// Retention settings, as stored. A part is `None` when it is not managed (in a
/// desired value) or could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RetentionState {
    /// Raw data deletion (`PrivacyManager.setDeleteLogsSettings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_data: Option<RawDataState>,
    /// Report deletion (`PrivacyManager.setDeleteReportsSettings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reports: Option<ReportsState>,
}

/// Raw data deletion, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RawDataState {
    /// Deletion on.
    pub delete: bool,
    /// Age limit in days.
    pub older_than_days: u32,
}

/// Report deletion, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReportsState {
    /// Deletion on.
    pub delete: bool,
    /// Age limit in months.
    pub older_than_months: u32,
    /// What deletion keeps.
    pub keep: ReportsKeep,
}

/// Defaults for new sites, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DefaultsState {
    /// Default timezone.
    pub timezone: String,
    /// Default currency.
    pub currency: String,
}
