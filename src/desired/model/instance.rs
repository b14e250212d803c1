//! The `instance` section: instance-wide settings (superuser), and the privacy
//! settings a site may hold as its own.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
