//! The fake's state, in Matomo's own shapes (not matoform's), and the seeds that build it.

use crate::tracking::Visit;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The global site-search keyword parameters while the option was never set.
pub const DEFAULT_SEARCH_KEYWORDS: &str = "q,query,s,search,searchword,k,keyword,keywords";

/// Matomo's recommended list of personal-data URL parameters (5.7's `matomo_recommended_pii`).
const PII: &str = include_str!("assets/pii_params.txt");

/// A seed is simply the initial state; it is (de)serialisable JSON, so a seed can be a file.
pub type Seed = State;

/// Which Matomo the fake behaves like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "version")]
pub enum VersionMode {
    /// Matomo 5.0.2, as recorded in `matomo-api/`.
    #[default]
    V5_0_2,
    /// Matomo 5.7.0-rc1, as recorded in `matomo-api-5.7/`; `compliance_flag` is the
    /// `PrivacyCompliance` feature flag (off in stock 5.7).
    V5_7 {
        /// Whether the `PrivacyCompliance` feature flag is enabled.
        compliance_flag: bool,
    },
}

impl VersionMode {
    /// The version string `API.getMatomoVersion` answers.
    pub fn version_string(self) -> &'static str {
        match self {
            VersionMode::V5_0_2 => "5.0.2",
            VersionMode::V5_7 { .. } => "5.7.0-rc1",
        }
    }

    /// True for the 5.7 behaviour.
    pub fn is_57(self) -> bool {
        matches!(self, VersionMode::V5_7 { .. })
    }
}

/// Access level of a user on one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// `view`
    View,
    /// `write`
    Write,
    /// `admin`
    Admin,
}

impl Access {
    /// Matomo's name for the level.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::View => "view",
            Access::Write => "write",
            Access::Admin => "admin",
        }
    }
}

/// A Matomo user (not `anonymous`: see [`State::anonymous_view`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The user's token (`token_auth`).
    pub token: String,
    /// Whether the token is "secure only" (5.7 refuses it in a GET URL).
    #[serde(default)]
    pub secure_only: bool,
    /// Super user flag.
    #[serde(default)]
    pub superuser: bool,
    /// Password, for `passwordConfirmation`.
    #[serde(default)]
    pub password: String,
    /// Access per site id.
    #[serde(default)]
    pub access: BTreeMap<u32, Access>,
}

/// A site, with the fields of Matomo's `site` table (lists as comma strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// `name`
    pub name: String,
    /// Main URL first, then the alias URLs.
    pub urls: Vec<String>,
    /// `ts_created` (`YYYY-MM-DD HH:MM:SS`).
    pub ts_created: String,
    /// `ecommerce` (0/1)
    #[serde(default)]
    pub ecommerce: i64,
    /// `sitesearch` (0/1)
    #[serde(default = "one")]
    pub sitesearch: i64,
    /// `sitesearch_keyword_parameters`
    #[serde(default)]
    pub sitesearch_keyword_parameters: String,
    /// `sitesearch_category_parameters`
    #[serde(default)]
    pub sitesearch_category_parameters: String,
    /// `timezone`
    pub timezone: String,
    /// `currency`
    pub currency: String,
    /// `exclude_unknown_urls` (0/1)
    #[serde(default)]
    pub exclude_unknown_urls: i64,
    /// `excluded_ips`
    #[serde(default)]
    pub excluded_ips: String,
    /// `excluded_parameters`
    #[serde(default)]
    pub excluded_parameters: String,
    /// `excluded_user_agents`
    #[serde(default)]
    pub excluded_user_agents: String,
    /// `excluded_referrers`
    #[serde(default)]
    pub excluded_referrers: String,
    /// `group`
    #[serde(default)]
    pub group: String,
    /// `type`
    #[serde(default = "website")]
    pub r#type: String,
    /// `keep_url_fragment` (0 global, 1 keep, 2 remove)
    #[serde(default)]
    pub keep_url_fragment: i64,
    /// `creator_login`
    #[serde(default = "admin")]
    pub creator_login: String,
    /// Live plugin site setting `disable_visitor_log`.
    #[serde(default)]
    pub disable_visitor_log: bool,
    /// Live plugin site setting `disable_visitor_profile`.
    #[serde(default)]
    pub disable_visitor_profile: bool,
}

fn one() -> i64 {
    1
}
fn website() -> String {
    "website".into()
}
fn admin() -> String {
    "admin".into()
}

impl Site {
    /// A site with Matomo's defaults and the given name, main URL, timezone and currency.
    pub fn new(name: &str, url: &str, timezone: &str, currency: &str) -> Site {
        Site {
            name: name.into(),
            urls: vec![url.into()],
            ts_created: "2026-11-29 01:58:50".into(),
            ecommerce: 0,
            sitesearch: 1,
            sitesearch_keyword_parameters: String::new(),
            sitesearch_category_parameters: String::new(),
            timezone: timezone.into(),
            currency: currency.into(),
            exclude_unknown_urls: 0,
            excluded_ips: String::new(),
            excluded_parameters: String::new(),
            excluded_user_agents: String::new(),
            excluded_referrers: String::new(),
            group: String::new(),
            r#type: "website".into(),
            keep_url_fragment: 0,
            creator_login: "admin".into(),
            disable_visitor_log: false,
            disable_visitor_profile: false,
        }
    }
}

/// A goal, as in Matomo's `goal` table (soft-deleted goals stay, with `deleted`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    /// `name`
    pub name: String,
    /// `description`
    #[serde(default)]
    pub description: String,
    /// `match_attribute` (`url`, `title`, `manually`, `event_category`, …; not validated)
    pub match_attribute: String,
    /// `pattern`
    #[serde(default)]
    pub pattern: String,
    /// `pattern_type`
    #[serde(default)]
    pub pattern_type: String,
    /// `case_sensitive` (0/1)
    #[serde(default)]
    pub case_sensitive: i64,
    /// `allow_multiple` (0/1)
    #[serde(default)]
    pub allow_multiple: i64,
    /// `revenue`
    #[serde(default)]
    pub revenue: f64,
    /// `deleted` (0/1)
    #[serde(default)]
    pub deleted: i64,
    /// `event_value_as_revenue` (0/1)
    #[serde(default)]
    pub event_value_as_revenue: i64,
}

/// One extraction of a custom dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// `url`, `urlparam` or `action_name`.
    pub dimension: String,
    /// The regular expression (or parameter name).
    pub pattern: String,
}

/// A custom dimension (ids are strings on the wire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomDimension {
    /// `idcustomdimension`
    pub id: u32,
    /// `name`
    pub name: String,
    /// `index` within its scope on its site
    pub index: u32,
    /// `scope` (`visit`, `action`; not validated on creation)
    pub scope: String,
    /// `active`
    pub active: bool,
    /// `extractions`
    #[serde(default)]
    pub extractions: Vec<Extraction>,
    /// `case_sensitive`
    pub case_sensitive: bool,
}

/// The anonymisation settings (global, or one site's overrides on 5.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anonymisation {
    /// `PrivacyManager.ipAnonymizerEnabled`
    pub ip_anonymizer_enabled: bool,
    /// `PrivacyManager.ipAddressMaskLength`
    pub mask_length: i64,
    /// `PrivacyManager.useAnonymizedIpForVisitEnrichment`
    pub use_anonymized_ip_for_visit_enrichment: bool,
    /// `PrivacyManager.anonymizeUserId`
    pub anonymize_user_id: bool,
    /// `PrivacyManager.anonymizeOrderId`
    pub anonymize_order_id: bool,
    /// `PrivacyManager.anonymizeReferrer` (`''`, `exclude_query`, `exclude_path`, `exclude_all`)
    pub anonymize_referrer: String,
    /// `PrivacyManager.forceCookielessTracking` (global only)
    pub force_cookieless_tracking: bool,
    /// `PrivacyManager.randomizeConfigId` (5.7)
    pub randomize_config_id: bool,
}

impl Default for Anonymisation {
    fn default() -> Self {
        Anonymisation {
            ip_anonymizer_enabled: true,
            mask_length: 2,
            use_anonymized_ip_for_visit_enrichment: false,
            anonymize_user_id: false,
            anonymize_order_id: false,
            anonymize_referrer: String::new(),
            force_cookieless_tracking: false,
            randomize_config_id: false,
        }
    }
}

/// One site's anonymisation overrides (5.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteAnonymisation {
    /// `useSiteSpecificSettings`
    pub use_site_specific: bool,
    /// The stored override values.
    pub values: Anonymisation,
}

/// Raw-data and report deletion settings (`delete_*` options).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retention {
    /// `delete_logs_enable`
    pub delete_logs_enable: bool,
    /// `delete_logs_older_than` (days)
    pub delete_logs_older_than: i64,
    /// `delete_reports_enable`
    pub delete_reports_enable: bool,
    /// `delete_reports_older_than` (months)
    pub delete_reports_older_than: i64,
    /// `delete_reports_keep_basic_metrics`
    pub keep_basic: bool,
    /// `delete_reports_keep_day_reports`
    pub keep_day: bool,
    /// `delete_reports_keep_week_reports`
    pub keep_week: bool,
    /// `delete_reports_keep_month_reports`
    pub keep_month: bool,
    /// `delete_reports_keep_year_reports`
    pub keep_year: bool,
    /// `delete_reports_keep_range_reports`
    pub keep_range: bool,
    /// `delete_reports_keep_segment_reports`
    pub keep_segments: bool,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            delete_logs_enable: false,
            delete_logs_older_than: 180,
            delete_reports_enable: false,
            delete_reports_older_than: 12,
            keep_basic: true,
            keep_day: false,
            keep_week: false,
            keep_month: true,
            keep_year: true,
            keep_range: false,
            keep_segments: false,
        }
    }
}

/// Instance-wide options. `None` for a global list = the option was never set
/// (Matomo answers `{"value": false}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// Anonymisation settings.
    pub anonymisation: Anonymisation,
    /// Do Not Track support (`PrivacyManager.doNotTrackEnabled`).
    pub do_not_track: bool,
    /// Retention settings.
    pub retention: Retention,
    /// `SitesManager_ExcludedIpsGlobal`
    pub excluded_ips_global: Option<String>,
    /// `SitesManager_ExcludedQueryParameters`
    pub excluded_query_parameters_global: Option<String>,
    /// `SitesManager_ExcludedUserAgentsGlobal`
    pub excluded_user_agents_global: Option<String>,
    /// `SitesManager_ExcludedReferrersGlobal` (answers `""` when never set)
    pub excluded_referrers_global: Option<String>,
    /// `SitesManager_KeepURLFragmentsGlobal`
    pub keep_url_fragments_global: Option<bool>,
    /// `SitesManager_SearchKeywordParametersGlobal` (default list when never set)
    pub search_keyword_parameters_global: Option<String>,
    /// `SitesManager_SearchCategoryParametersGlobal`
    pub search_category_parameters_global: Option<String>,
    /// `SitesManager_DefaultTimezone`
    pub default_timezone: String,
    /// `SitesManager_DefaultCurrency`
    pub default_currency: String,
    /// Query-parameter exclusion type (5.2+): `common_session_parameters`,
    /// `matomo_recommended_pii` or `custom`.
    pub query_param_exclusion_type: String,
    /// Live plugin system setting `disable_visitor_log`.
    pub live_disable_visitor_log: bool,
    /// Live plugin system setting `disable_visitor_profile`.
    pub live_disable_visitor_profile: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            anonymisation: Anonymisation::default(),
            do_not_track: false,
            retention: Retention::default(),
            excluded_ips_global: None,
            excluded_query_parameters_global: None,
            excluded_user_agents_global: None,
            excluded_referrers_global: None,
            keep_url_fragments_global: None,
            search_keyword_parameters_global: None,
            search_category_parameters_global: None,
            default_timezone: "UTC".into(),
            default_currency: "USD".into(),
            query_param_exclusion_type: "common_session_parameters".into(),
            live_disable_visitor_log: false,
            live_disable_visitor_profile: false,
        }
    }
}

/// Matomo's own CNIL compliance state (5.4+), `cnil_v1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Compliance {
    /// Enforced instance-wide (`idSite=all`).
    pub all: bool,
    /// Enforced per site.
    pub sites: BTreeSet<u32>,
    /// `[CnilPolicy] cnil_v1_policy_enabled = 1` in the config file.
    pub config_controlled: bool,
}

/// The whole state of the fake Matomo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Version behaviour.
    #[serde(default)]
    pub version: VersionMode,
    /// Users by login (without `anonymous`).
    pub users: BTreeMap<String, User>,
    /// Sites by id.
    pub sites: BTreeMap<u32, Site>,
    /// Next auto-increment site id (Matomo never reuses ids).
    pub next_site_id: u32,
    /// Sites where `anonymous` has view access (public statistics).
    #[serde(default)]
    pub anonymous_view: BTreeSet<u32>,
    /// Goals per site, by goal id (numbered per site).
    #[serde(default)]
    pub goals: BTreeMap<u32, BTreeMap<u32, Goal>>,
    /// Custom dimensions per site.
    #[serde(default)]
    pub custom_dimensions: BTreeMap<u32, Vec<CustomDimension>>,
    /// Instance options.
    #[serde(default)]
    pub options: Options,
    /// Per-site anonymisation overrides (5.7).
    #[serde(default)]
    pub site_anonymisation: BTreeMap<u32, SiteAnonymisation>,
    /// Active plugins (for `API.isPluginActivated` and unknown-module errors).
    pub plugins: BTreeSet<String>,
    /// Compliance policy state (5.7).
    #[serde(default)]
    pub compliance: Compliance,
    /// PHP `max_input_vars`.
    #[serde(default = "thousand")]
    pub max_input_vars: usize,
    /// Custom dimension slots per scope (the installed `custom_dimension_N` columns of each
    /// log table; 5 in a stock install). A deactivated dimension keeps its slot.
    #[serde(default = "five")]
    pub custom_dimension_slots: u32,
    /// Tracked visits per site (see [`State::track`]), oldest first.
    #[serde(default)]
    pub visits: BTreeMap<u32, Vec<Visit>>,
    /// Next auto-increment visit id (`idvisit`, shared by all sites).
    #[serde(default = "one_u32")]
    pub next_visit_id: u32,
}

impl State {
    /// `CnilPolicy::isActive($idSite)` behind the `PrivacyCompliance` flag: the instance
    /// (system) value, or the config file, or else the site's own value.
    pub fn cnil_enforced(&self, site: Option<u32>) -> bool {
        let c = &self.compliance;
        matches!(
            self.version,
            VersionMode::V5_7 {
                compliance_flag: true
            }
        ) && (c.all || c.config_controlled || site.is_some_and(|s| c.sites.contains(&s)))
    }

    /// The effective global query-parameter exclusions of 5.7 (the exclusion type, or the
    /// recommended list while a CNIL policy is enforced on `site`).
    pub fn effective_query_params(&self, site: Option<u32>) -> Vec<String> {
        let kind = if self.cnil_enforced(site) {
            "matomo_recommended_pii"
        } else {
            self.options.query_param_exclusion_type.as_str()
        };
        match kind {
            "matomo_recommended_pii" => PII.trim().split(',').map(String::from).collect(),
            "custom" => self
                .options
                .excluded_query_parameters_global
                .clone()
                .unwrap_or_default()
                .split(',')
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The raw-data retention the privacy page shows (`PrivacyManager::getPurgeDataSettings`):
    /// the stored `delete_logs_older_than`, lowered to 180 days (`ReportRetention`, the
    /// strictest of the stored value and CNIL's) while cnil_v1 is enforced instance-wide.
    /// The `delete_logs_enable` flag is shown as stored.
    pub fn effective_delete_logs_older_than(&self) -> i64 {
        let days = self.options.retention.delete_logs_older_than;
        if self.cnil_enforced(None) {
            days.min(180)
        } else {
            days
        }
    }
}

fn five() -> u32 {
    5
}

fn one_u32() -> u32 {
    1
}

fn thousand() -> usize {
    1000
}

/// Plugins active on a default installation (those the fake knows about).
pub fn default_plugins() -> BTreeSet<String> {
    [
        "API",
        "Actions",
        "CoreAdminHome",
        "CorePluginsAdmin",
        "CustomDimensions",
        "Events",
        "Goals",
        "Live",
        "PrivacyManager",
        "SitesManager",
        "UserId",
        "UsersManager",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

/// Token of `admin` in the built-in seeds.
pub const SUPERUSER_TOKEN: &str = "fake0superuser0token000000000001";
/// Token of `teamA` in the built-in seeds.
pub const TEAM_A_TOKEN: &str = "fake0teamA0token0000000000000002";
/// Token of `viewer` in the built-in seeds.
pub const VIEWER_TOKEN: &str = "fake0viewer0token000000000000003";
/// A secure-only superuser token (5.7 seed).
pub const SECURE_ONLY_TOKEN: &str = "fake0secure0only0token0000000004";
/// Password of `admin` in the built-in seeds (as in the recordings).
pub const ADMIN_PASSWORD: &str = "Adm1n-Passw0rd!";

impl State {
    /// An instance with one superuser `admin` and no site.
    pub fn empty() -> State {
        let mut users = BTreeMap::new();
        users.insert(
            "admin".to_string(),
            User {
                token: SUPERUSER_TOKEN.into(),
                secure_only: false,
                superuser: true,
                password: ADMIN_PASSWORD.into(),
                access: BTreeMap::new(),
            },
        );
        State {
            version: VersionMode::V5_0_2,
            users,
            sites: BTreeMap::new(),
            next_site_id: 1,
            anonymous_view: BTreeSet::new(),
            goals: BTreeMap::new(),
            custom_dimensions: BTreeMap::new(),
            options: Options::default(),
            site_anonymisation: BTreeMap::new(),
            plugins: default_plugins(),
            compliance: Compliance::default(),
            max_input_vars: 1000,
            custom_dimension_slots: 5,
            visits: BTreeMap::new(),
            next_visit_id: 1,
        }
    }

    /// The 5.0.2 instance as it was before the recording (README of `matomo-api/`): users
    /// `admin` (superuser), `teamA` (admin on 2, 3), `viewer` (view on 1); sites 1–5;
    /// auto-increment at 161 (ids 6–160 were used and deleted before).
    ///
    /// Assumption: site 3 had 4 goals (since deleted) before the recording, as the
    /// recording's first new goal on site 3 got id 5.
    pub fn recorded() -> State {
        let mut s = State::empty();
        s.users.insert(
            "teamA".into(),
            User {
                token: TEAM_A_TOKEN.into(),
                secure_only: false,
                superuser: false,
                password: "TeamA-Passw0rd!".into(),
                access: [(2, Access::Admin), (3, Access::Admin)]
                    .into_iter()
                    .collect(),
            },
        );
        s.users.insert(
            "viewer".into(),
            User {
                token: VIEWER_TOKEN.into(),
                secure_only: false,
                superuser: false,
                password: "Viewer-Passw0rd!".into(),
                access: [(1, Access::View)].into_iter().collect(),
            },
        );
        let mut main = Site::new(
            "Main Site",
            "https://main.example.com",
            "Europe/Berlin",
            "EUR",
        );
        main.ts_created = "2026-11-29 01:57:59".into();
        main.creator_login = "anonymous".into();
        s.sites.insert(1, main);
        let mut shop = Site::new("Shop DE", "https://shop.example.de", "Europe/Berlin", "EUR");
        shop.urls.push("https://www.shop.example.de".into());
        shop.ecommerce = 1;
        shop.sitesearch_keyword_parameters = "q,query".into();
        shop.sitesearch_category_parameters = "cat".into();
        shop.excluded_ips = "10.0.0.1,192.168.1.*".into();
        shop.excluded_parameters = "sessionid,utm_id".into();
        shop.group = "shops".into();
        s.sites.insert(2, shop);
        let mut blog = Site::new(
            "Blog US",
            "https://blog.example.com",
            "America/New_York",
            "USD",
        );
        blog.sitesearch = 0;
        blog.keep_url_fragment = 1;
        blog.excluded_user_agents = "bot,crawler".into();
        s.sites.insert(3, blog);
        let mut intranet = Site::new("Intranet", "http://intranet.local", "UTC+2", "GBP");
        intranet.r#type = "intranet".into();
        intranet.group = "internal".into();
        intranet.ts_created = "2020-01-01 00:00:00".into();
        s.sites.insert(4, intranet);
        let mut legacy = Site::new(
            "Legacy Site",
            "https://legacy.example.org",
            "Asia/Tokyo",
            "JPY",
        );
        legacy.urls.push("https://old.example.org".into());
        legacy.exclude_unknown_urls = 1;
        legacy.excluded_referrers = "partner.example.net,.cdn.example.com".into();
        legacy.keep_url_fragment = 2;
        s.sites.insert(5, legacy);
        s.next_site_id = 161;
        let mut old_goals = BTreeMap::new();
        for id in 1..=4 {
            old_goals.insert(
                id,
                Goal {
                    name: format!("old goal {id}"),
                    description: String::new(),
                    match_attribute: "manually".into(),
                    pattern: String::new(),
                    pattern_type: String::new(),
                    case_sensitive: 0,
                    allow_multiple: 0,
                    revenue: 0.0,
                    deleted: 1,
                    event_value_as_revenue: 0,
                },
            );
        }
        s.goals.insert(3, old_goals);
        s
    }

    /// The 5.7.0-rc1 instance before its recording (README of `matomo-api-5.7/`): `admin`
    /// (with a second, secure-only token as user `admin-secure`), `viewer` (view on 1 and 2),
    /// sites 1 and 2, default timezone Europe/Berlin and currency EUR, feature flag off.
    pub fn recorded_57() -> State {
        let mut s = State::empty();
        s.version = VersionMode::V5_7 {
            compliance_flag: false,
        };
        s.users.insert(
            "admin-secure".into(),
            User {
                token: SECURE_ONLY_TOKEN.into(),
                secure_only: true,
                superuser: true,
                password: ADMIN_PASSWORD.into(),
                access: BTreeMap::new(),
            },
        );
        s.users.insert(
            "viewer".into(),
            User {
                token: VIEWER_TOKEN.into(),
                secure_only: false,
                superuser: false,
                password: "Viewer-Passw0rd!".into(),
                access: [(1, Access::View), (2, Access::View)].into_iter().collect(),
            },
        );
        s.sites.insert(
            1,
            Site::new(
                "Main Site",
                "https://main.example.com",
                "Europe/Berlin",
                "EUR",
            ),
        );
        let mut shop = Site::new("Shop DE", "https://shop.example.de", "Europe/Berlin", "EUR");
        shop.ecommerce = 1;
        s.sites.insert(2, shop);
        s.next_site_id = 3;
        s.options.default_timezone = "Europe/Berlin".into();
        s.options.default_currency = "EUR".into();
        s
    }

    /// `n` varied sites (ids 1..=n) with 0–3 goals each (`id % 4`), and a custom dimension
    /// `Author` (action scope, index 1) on every site with `id % 3 == 1`, for benchmarks.
    pub fn with_sites(n: u32) -> State {
        let mut s = State::empty();
        let zones = [
            "Europe/Paris",
            "Europe/Berlin",
            "UTC",
            "America/New_York",
            "Asia/Tokyo",
        ];
        let currencies = ["EUR", "EUR", "USD", "USD", "JPY"];
        for id in 1..=n {
            let k = (id as usize) % zones.len();
            let mut site = Site::new(
                &format!("scale-{id:04}"),
                &format!("https://scale-{id:04}.example.org"),
                zones[k],
                currencies[k],
            );
            site.ecommerce = i64::from(id % 7 == 0);
            site.exclude_unknown_urls = i64::from(id % 3 == 0);
            if id % 4 == 0 {
                site.urls
                    .push(format!("https://www.scale-{id:04}.example.org"));
                site.excluded_ips = "10.0.0.0/8".into();
            }
            if id % 5 == 0 {
                site.excluded_parameters = "sid,token".into();
                s.anonymous_view.insert(id);
            }
            s.sites.insert(id, site);
            let goals: BTreeMap<u32, Goal> = (1..=(id % 4))
                .map(|g| {
                    (
                        g,
                        Goal {
                            name: format!("Goal {g}"),
                            description: String::new(),
                            match_attribute: "url".into(),
                            pattern: format!("/thanks-{g}"),
                            pattern_type: "contains".into(),
                            case_sensitive: 0,
                            allow_multiple: 0,
                            revenue: 0.0,
                            deleted: 0,
                            event_value_as_revenue: 0,
                        },
                    )
                })
                .collect();
            if !goals.is_empty() {
                s.goals.insert(id, goals);
            }
            if id % 3 == 1 {
                s.custom_dimensions.insert(
                    id,
                    vec![CustomDimension {
                        id: 1,
                        name: "Author".into(),
                        index: 1,
                        scope: "action".into(),
                        active: true,
                        extractions: Vec::new(),
                        case_sensitive: true,
                    }],
                );
            }
        }
        s.next_site_id = n + 1;
        s
    }

    /// Builder: the same state in another version mode.
    pub fn version(mut self, version: VersionMode) -> State {
        self.version = version;
        self
    }

    /// Parse a seed from JSON text.
    pub fn from_json(text: &str) -> Result<State, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The seed as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
