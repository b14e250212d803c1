//! A site and its objects as Matomo's API answers them and its setters take them: the
//! site's base fields, its exclusion lists, the Live plugin's switches, who may view
//! it, its goals, its custom dimensions and their slots.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{
    WireError, WireResult, bool_of, comma_list_of, expected, f64_of, field, i64_of, list_items,
    quote, require_object, string_of, u64_of,
};
use crate::desired::model::{DimensionScope, Extraction, KeepUrlFragments};
use crate::matomo::codes::MatomoNumber as _;

/// A site's base fields, as `SitesManager.getSiteFromId` / `getSitesWithAdminAccess`
/// answer them and `addSite` / `updateSite` take them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    /// `idsite` (0 for a site not created yet).
    pub id: u64,
    /// `name`.
    pub name: String,
    /// `main_url` first, then `alias_urls`.
    pub urls: Vec<String>,
    /// `timezone`.
    pub timezone: String,
    /// `currency`.
    pub currency: String,
    /// `type`.
    pub site_type: String,
    /// `group`.
    pub group: String,
    /// `ecommerce`.
    pub ecommerce: bool,
    /// `sitesearch` and its two parameter lists.
    pub site_search: SiteSearch,
    /// `exclude_unknown_urls`.
    pub exclude_unknown_urls: bool,
    /// `keep_url_fragment` (Matomo's code 0, 1, 2).
    pub keep_url_fragments: KeepUrlFragments,
    /// The site's four exclusion lists.
    pub exclusions: ExclusionLists,
    /// The Live plugin's switches, sent with a write as `settingValues[Live]` (`None`:
    /// not sent). Never part of an answer: `getSiteSettings` gives them ([`live_switches`]).
    pub live: Option<LiveSwitches>,
}

/// Site search: `sitesearch`, `sitesearch_keyword_parameters`,
/// `sitesearch_category_parameters`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteSearch {
    /// Search tracking on.
    pub enabled: bool,
    /// Keyword parameters.
    pub keyword_parameters: Vec<String>,
    /// Category parameters.
    pub category_parameters: Vec<String>,
}

/// Four exclusion lists (IPs, query parameters, user agents, referrers), of a site or of
/// the instance (the `…Global` getters and setters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExclusionLists {
    /// Excluded IPs.
    pub ips: Vec<String>,
    /// Excluded query parameters.
    pub query_parameters: Vec<String>,
    /// Excluded user agents.
    pub user_agents: Vec<String>,
    /// Excluded referrers.
    pub referrers: Vec<String>,
}

/// The Live plugin's `disable_visitor_log` and `disable_visitor_profile` settings. A
/// switch is `None` when Matomo leaves it out: for a site, the instance decides it (a
/// site's switch is listed only while the instance leaves it to the site, and Matomo
/// ignores it on save), so a write does not send it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveSwitches {
    /// `disable_visitor_log`.
    pub disable_visitor_log: Option<bool>,
    /// `disable_visitor_profile`.
    pub disable_visitor_profile: Option<bool>,
}

/// A goal, as `Goals.getGoals` answers it and `addGoal` / `updateGoal` take it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Goal {
    /// `idgoal` (0 for a goal not created yet).
    pub id: u64,
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// `match_attribute`.
    pub match_attribute: String,
    /// `pattern` (empty for `manually`).
    pub pattern: String,
    /// `pattern_type` (empty for `manually`).
    pub pattern_type: String,
    /// `case_sensitive`.
    pub case_sensitive: bool,
    /// `allow_multiple`.
    pub allow_multiple_conversions: bool,
    /// `revenue`.
    pub revenue: f64,
    /// `event_value_as_revenue`.
    pub use_event_value_as_revenue: bool,
}

/// A custom dimension of a scope matoform manages, as
/// `CustomDimensions.getConfiguredCustomDimensions` answers it and the two `configure…`
/// setters take it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dimension {
    /// `idcustomdimension` (0 for one not created yet).
    pub id: u64,
    /// `name`.
    pub name: String,
    /// `scope`.
    pub scope: DimensionScope,
    /// `active`.
    pub active: bool,
    /// `case_sensitive`.
    pub case_sensitive: bool,
    /// `extractions`.
    pub extractions: Vec<Extraction>,
}

/// The slots of one custom dimension scope (`CustomDimensions.getAvailableScopes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopeSlots {
    /// `numSlotsAvailable`.
    pub available: u64,
    /// `numSlotsLeft`.
    pub left: u64,
}

/// One site from `getSitesWithAdminAccess`, `getSiteFromId` or `getAllSites`. Details read
/// by other calls (visitor log, public statistics, goals, dimensions, compliance) are `None`.
pub fn site(value: &Value) -> WireResult<Site> {
    require_object(value, "a site object")?;
    let in_site = |e: WireError| WireError(format!("site {}: {e}", quote(field(value, "idsite"))));
    let main_url = string_of(field(value, "main_url")).map_err(in_site)?;
    let urls = match value.get("alias_urls") {
        Some(aliases) if !aliases.is_null() => {
            let mut urls = comma_list_of(aliases).map_err(in_site)?;
            // Main URL first (Matomo answers it first; make sure).
            if let Some(pos) = urls.iter().position(|u| *u == main_url) {
                let main = urls.remove(pos);
                urls.insert(0, main);
            } else if !main_url.is_empty() {
                urls.insert(0, main_url.clone());
            }
            urls
        }
        _ if main_url.is_empty() => Vec::new(),
        _ => vec![main_url.clone()],
    };
    Ok(Site {
        id: u64_of(field(value, "idsite")).map_err(in_site)?,
        name: string_of(field(value, "name")).map_err(in_site)?,
        urls,
        timezone: string_of(field(value, "timezone")).map_err(in_site)?,
        currency: string_of(field(value, "currency")).map_err(in_site)?,
        site_type: string_of(field(value, "type")).map_err(in_site)?,
        group: string_of(field(value, "group")).map_err(in_site)?,
        ecommerce: bool_of(field(value, "ecommerce")).map_err(in_site)?,
        site_search: SiteSearch {
            enabled: bool_of(field(value, "sitesearch")).map_err(in_site)?,
            keyword_parameters: comma_list_of(field(value, "sitesearch_keyword_parameters"))
                .map_err(in_site)?,
            category_parameters: comma_list_of(field(value, "sitesearch_category_parameters"))
                .map_err(in_site)?,
        },
        exclude_unknown_urls: bool_of(field(value, "exclude_unknown_urls")).map_err(in_site)?,
        keep_url_fragments: KeepUrlFragments::from_matomo(
            i64_of(field(value, "keep_url_fragment")).map_err(in_site)?,
        ),
        exclusions: ExclusionLists {
            ips: comma_list_of(field(value, "excluded_ips")).map_err(in_site)?,
            query_parameters: comma_list_of(field(value, "excluded_parameters"))
                .map_err(in_site)?,
            user_agents: comma_list_of(field(value, "excluded_user_agents")).map_err(in_site)?,
            referrers: comma_list_of(field(value, "excluded_referrers")).map_err(in_site)?,
        },
        live: None,
    })
}

/// A list of sites (array or object keyed by id), in the order Matomo sent them.
pub fn sites(value: &Value) -> WireResult<Vec<Site>> {
    list_items(value)?.into_iter().map(site).collect()
}

/// The `Live` plugin's switches from a settings answer (`SitesManager.getSiteSettings`,
/// `CorePluginsAdmin.getSystemSettings`): a list of `{pluginName, settings: [{name,
/// value}]}`. A switch the answer leaves out is `None` (see [`LiveSwitches`]); an answer
/// without any settings (plugin inactive, or not settings at all) reads as `None`.
pub fn live_switches(value: &Value) -> WireResult<Option<LiveSwitches>> {
    let plugins = list_items(value)?;
    if plugins.is_empty() {
        return Ok(None);
    }
    let mut switches = LiveSwitches::default();
    for plugin in plugins {
        require_object(plugin, "a plugin settings object")?;
        if field(plugin, "pluginName").as_str() != Some("Live") {
            continue;
        }
        for setting in list_items(field(plugin, "settings"))? {
            match field(setting, "name").as_str() {
                Some("disable_visitor_log") => {
                    switches.disable_visitor_log = Some(bool_of(field(setting, "value"))?);
                }
                Some("disable_visitor_profile") => {
                    switches.disable_visitor_profile = Some(bool_of(field(setting, "value"))?);
                }
                _ => {}
            }
        }
    }
    Ok(Some(switches))
}

/// Public statistics from `UsersManager.getUsersAccessFromSite` (`{"login": "access"}`;
/// `[]` when nobody has access): true when `anonymous` has `view`.
pub fn public_stats(value: &Value) -> WireResult<bool> {
    match value {
        Value::Object(map) => Ok(map.get("anonymous").and_then(Value::as_str) == Some("view")),
        Value::Array(items) if items.is_empty() => Ok(false),
        _ => Err(expected("an object of login → access", value)),
    }
}

/// The ids of the sites where a user has `view` access, from
/// `UsersManager.getSitesAccessFromUser` (`[{"site": 3, "access": "view"}]`; ids as
/// numbers or strings, the list as an array or an object keyed by position).
pub fn sites_with_view(value: &Value) -> WireResult<BTreeSet<u64>> {
    let mut ids = BTreeSet::new();
    for item in list_items(value)? {
        require_object(item, "a site access object")?;
        if string_of(field(item, "access"))? == "view" {
            ids.insert(u64_of(field(item, "site"))?);
        }
    }
    Ok(ids)
}

/// One goal from `Goals.getGoals` / `getGoal`. Goals matched `manually` have no pattern keys.
pub fn goal(value: &Value) -> WireResult<Goal> {
    require_object(value, "a goal object")?;
    let in_goal = |e: WireError| WireError(format!("goal {}: {e}", quote(field(value, "idgoal"))));
    Ok(Goal {
        id: u64_of(field(value, "idgoal")).map_err(in_goal)?,
        name: string_of(field(value, "name")).map_err(in_goal)?,
        description: string_of(field(value, "description")).map_err(in_goal)?,
        match_attribute: string_of(field(value, "match_attribute")).map_err(in_goal)?,
        pattern: string_of(field(value, "pattern")).map_err(in_goal)?,
        pattern_type: string_of(field(value, "pattern_type")).map_err(in_goal)?,
        case_sensitive: bool_of(field(value, "case_sensitive")).map_err(in_goal)?,
        allow_multiple_conversions: bool_of(field(value, "allow_multiple")).map_err(in_goal)?,
        revenue: f64_of(field(value, "revenue")).map_err(in_goal)?,
        use_event_value_as_revenue: bool_of(field(value, "event_value_as_revenue"))
            .map_err(in_goal)?,
    })
}

/// The goals of a site (array or object keyed by goal id), by id; deleted goals skipped.
pub fn goals(value: &Value) -> WireResult<BTreeMap<u64, Goal>> {
    let mut out = BTreeMap::new();
    for item in list_items(value)? {
        if bool_of(field(item, "deleted")).unwrap_or(false) {
            continue;
        }
        let goal = goal(item)?;
        out.insert(goal.id, goal);
    }
    Ok(out)
}

/// One custom dimension from `CustomDimensions.getConfiguredCustomDimensions` (ids are
/// strings, flags real booleans). `Ok(None)` for a scope matoform does not manage
/// (Matomo stores any scope, e.g. `conversion`).
pub fn dimension(value: &Value) -> WireResult<Option<Dimension>> {
    require_object(value, "a custom dimension object")?;
    let in_dim = |e: WireError| {
        WireError(format!(
            "custom dimension {}: {e}",
            quote(field(value, "idcustomdimension"))
        ))
    };
    let scope = match field(value, "scope").as_str() {
        Some("visit") => DimensionScope::Visit,
        Some("action") => DimensionScope::Action,
        _ => return Ok(None),
    };
    let mut extractions = Vec::new();
    for item in list_items(field(value, "extractions")).map_err(in_dim)? {
        extractions.push(Extraction {
            dimension: string_of(field(item, "dimension")).map_err(in_dim)?,
            pattern: string_of(field(item, "pattern")).map_err(in_dim)?,
        });
    }
    Ok(Some(Dimension {
        id: u64_of(field(value, "idcustomdimension")).map_err(in_dim)?,
        name: string_of(field(value, "name")).map_err(in_dim)?,
        scope,
        active: bool_of(field(value, "active")).map_err(in_dim)?,
        case_sensitive: bool_of(field(value, "case_sensitive")).map_err(in_dim)?,
        extractions,
    }))
}

/// The custom dimensions of a site, by id. Dimensions of an unmanaged scope are left out
/// and their ids returned in the second element (for a warning).
pub fn dimensions(value: &Value) -> WireResult<(BTreeMap<u64, Dimension>, Vec<String>)> {
    let mut out = BTreeMap::new();
    let mut skipped = Vec::new();
    for item in list_items(value)? {
        match dimension(item)? {
            Some(dim) => {
                out.insert(dim.id, dim);
            }
            None => skipped.push(format!(
                "{} (scope {})",
                quote(field(item, "idcustomdimension")),
                quote(field(item, "scope"))
            )),
        }
    }
    Ok((out, skipped))
}

/// A site's custom dimension slots per scope from `CustomDimensions.getAvailableScopes`
/// (scopes matoform does not manage are left out).
pub fn dimension_slots(value: &Value) -> WireResult<BTreeMap<DimensionScope, ScopeSlots>> {
    let mut out = BTreeMap::new();
    for item in list_items(value)? {
        require_object(item, "a custom dimension scope object")?;
        let scope = match field(item, "value").as_str() {
            Some("visit") => DimensionScope::Visit,
            Some("action") => DimensionScope::Action,
            _ => continue,
        };
        let in_scope = |e: WireError| WireError(format!("custom dimension scope {scope:?}: {e}"));
        out.insert(
            scope,
            ScopeSlots {
                available: u64_of(field(item, "numSlotsAvailable")).map_err(in_scope)?,
                left: u64_of(field(item, "numSlotsLeft")).map_err(in_scope)?,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matomo::test_support::v502;

    #[test]
    fn sites_with_alias_urls_decode_main_url_first() {
        let sites = sites(&v502(
            "SitesManager.getSitesWithAdminAccess__fetchAliasUrls",
        ))
        .unwrap();
        assert_eq!(sites.len(), 5);
        let shop = &sites[1];
        assert_eq!(shop.id, 2);
        assert_eq!(
            shop.urls,
            ["https://shop.example.de", "https://www.shop.example.de"]
        );
        assert!(shop.ecommerce);
        assert_eq!(shop.site_search.keyword_parameters, ["q", "query"]);
        assert_eq!(shop.site_search.category_parameters, ["cat"]);
        assert_eq!(shop.exclusions.ips, ["10.0.0.1", "192.168.1.*"]);
        assert_eq!(shop.exclusions.query_parameters, ["sessionid", "utm_id"]);
        assert_eq!(shop.group, "shops");
        assert_eq!(sites[2].keep_url_fragments, KeepUrlFragments::Keep);
        assert_eq!(sites[2].exclusions.user_agents, ["bot", "crawler"]);
        assert_eq!(sites[4].keep_url_fragments, KeepUrlFragments::Remove);
        assert!(sites[4].exclude_unknown_urls);
        assert_eq!(sites[3].site_type, "intranet");
        assert_eq!(sites[3].timezone, "UTC+2");
    }

    #[test]
    fn site_without_alias_urls_has_its_main_url() {
        let site = site(&v502(
            "SitesManager.getSiteFromId__superuser_site4_intranet",
        ))
        .unwrap();
        assert_eq!(site.urls, ["http://intranet.local"]);
        assert_eq!(site.currency, "GBP");
    }

    #[test]
    fn site_ids_and_flags_as_strings_and_sites_keyed_by_id() {
        let value = serde_json::json!({"7": {"idsite": "7", "name": "S", "main_url": "https://s",
            "ecommerce": "1", "sitesearch": "0", "exclude_unknown_urls": "0", "keep_url_fragment": "2",
            "excluded_ips": " 1.2.3.4 , ,5.6.7.8", "alias_urls": {"0": "https://alias", "1": "https://s"}}});
        let sites = sites(&value).unwrap();
        assert_eq!(sites[0].id, 7);
        assert!(sites[0].ecommerce);
        assert_eq!(sites[0].keep_url_fragments, KeepUrlFragments::Remove);
        assert_eq!(sites[0].exclusions.ips, ["1.2.3.4", "5.6.7.8"]);
        assert_eq!(sites[0].urls, ["https://s", "https://alias"]);
    }

    #[test]
    fn unexpected_site_shapes_are_errors_quoting_the_value() {
        let err = site(&serde_json::json!({"idsite": "x1", "name": "S"})).unwrap_err();
        assert!(err.0.contains("\"x1\""), "{err}");
        let err = sites(&serde_json::json!("nope")).unwrap_err();
        assert!(err.0.contains("\"nope\""), "{err}");
        let err = site(&serde_json::json!({"idsite": 1, "ecommerce": 2})).unwrap_err();
        assert!(err.0.contains("boolean"), "{err}");
    }

    #[test]
    fn sites_access_lists_the_sites_a_user_views() {
        let viewer = sites_with_view(&v502("UsersManager.getSitesAccessFromUser__viewer")).unwrap();
        assert_eq!(viewer.into_iter().collect::<Vec<_>>(), [1]);
        let team = sites_with_view(&v502("UsersManager.getSitesAccessFromUser__teamA")).unwrap();
        assert!(team.is_empty(), "admin access is not view");
        assert!(
            sites_with_view(&v502("UsersManager.getSitesAccessFromUser__anonymous"))
                .unwrap()
                .is_empty()
        );
        let keyed = serde_json::json!({"0": {"site": "7", "access": "view"}});
        assert_eq!(
            sites_with_view(&keyed)
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            [7]
        );
        assert!(sites_with_view(&serde_json::json!([{"site": "x", "access": "view"}])).is_err());
        assert!(sites_with_view(&serde_json::json!("no")).is_err());
    }

    #[test]
    fn users_access_says_whether_statistics_are_public() {
        assert!(!public_stats(&v502("UsersManager.getUsersAccessFromSite__site1")).unwrap());
        assert!(
            public_stats(&v502(
                "UsersManager.getUsersAccessFromSite__site3_after_anonymous_view"
            ))
            .unwrap()
        );
        assert!(!public_stats(&serde_json::json!([])).unwrap());
        assert!(public_stats(&serde_json::json!(5)).is_err());
    }

    #[test]
    fn goals_decode_from_array_and_from_object_keyed_by_id() {
        let goals_list = goals(&v502("Goals.getGoals__after_add")).unwrap();
        assert_eq!(goals_list.len(), 7);
        let signup = &goals_list[&1];
        assert_eq!(signup.name, "Signup");
        assert_eq!(signup.revenue, 12.5);
        assert!(signup.case_sensitive && signup.allow_multiple_conversions);
        let manual = &goals_list[&2];
        assert_eq!(manual.match_attribute, "manually");
        assert_eq!(
            (manual.pattern.as_str(), manual.pattern_type.as_str()),
            ("", "")
        );
        assert_eq!(goals_list[&3].name, "50% off A");
        assert!(goals_list[&4].use_event_value_as_revenue);

        let keyed = goals(&v502(
            "Goals.getGoals__filter_limit_minus1_keyed_by_goal_id",
        ))
        .unwrap();
        assert_eq!(keyed.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(keyed[&1].name, "Objectif 0 — 3%");
        assert!(goals(&v502("Goals.getGoals__empty")).unwrap().is_empty());

        let string_revenue = serde_json::json!([{"idgoal": "9", "revenue": "7.25", "deleted": 0}]);
        assert_eq!(goals(&string_revenue).unwrap()[&9].revenue, 7.25);
        let deleted = serde_json::json!([{"idgoal": 1, "deleted": 1}]);
        assert!(goals(&deleted).unwrap().is_empty());
    }

    #[test]
    fn dimensions_decode_string_ids_and_skip_unknown_scopes() {
        let (dims, skipped) = dimensions(&v502(
            "CustomDimensions.getConfiguredCustomDimensions__after_configure",
        ))
        .unwrap();
        assert_eq!(dims.len(), 2);
        assert_eq!(dims[&1].scope, DimensionScope::Visit);
        assert!(dims[&1].case_sensitive && dims[&1].active);
        let page = &dims[&2];
        assert_eq!(page.scope, DimensionScope::Action);
        assert_eq!(
            page.extractions,
            [
                Extraction {
                    dimension: "url".into(),
                    pattern: "/category/(.+)/".into()
                },
                Extraction {
                    dimension: "urlparam".into(),
                    pattern: "cat".into()
                },
            ]
        );
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].contains("conversion"));
        let (after, _) = dimensions(&v502(
            "CustomDimensions.getConfiguredCustomDimensions__after_configure_existing",
        ))
        .unwrap();
        assert!(!after[&2].active && after[&2].extractions.is_empty());
    }
}
