//! Decoding of Matomo's answers into live-state values. Tolerant of every shape the
//! recordings show (numbers as strings, 0/1 or true/false, lists as arrays or objects
//! keyed by id); an unexpected shape is an error quoting the value, never a panic.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::codes::{FromMatomoName as _, MatomoNumber as _};
use crate::desired::model::{
    ComplianceMode, DimensionScope, Extraction, KeepUrlFragments, ReferrerAnonymisation,
};
use crate::live::{
    DimensionSlots, DimensionState, ExclusionsState, GoalState, MatomoRequirement, PrivacyState,
    SitePrivacyState, SiteSearchState, SiteState, VisitorLogState,
};

/// An answer whose shape matoform does not recognise. The message says what was
/// expected and quotes the start of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

/// Decoding result.
pub type WireResult<T> = Result<T, WireError>;

/// The first 200 characters of a value's JSON text, for error messages.
pub fn quote(value: &Value) -> String {
    let text = value.to_string();
    text.chars().take(200).collect()
}

fn expected(what: &str, value: &Value) -> WireError {
    WireError(format!("expected {what}, got {}", quote(value)))
}

/// An unsigned integer from a JSON number or a numeric string.
pub fn u64_of(value: &Value) -> WireResult<u64> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                    .map(|f| f as u64)
            })
            .ok_or_else(|| expected("a non-negative integer", value)),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| expected("a non-negative integer", value)),
        _ => Err(expected("a non-negative integer", value)),
    }
}

/// A signed integer from a JSON number or a numeric string.
pub fn i64_of(value: &Value) -> WireResult<i64> {
    match value {
        Value::Number(n) => n.as_i64().ok_or_else(|| expected("an integer", value)),
        Value::String(s) => s.trim().parse().map_err(|_| expected("an integer", value)),
        _ => Err(expected("an integer", value)),
    }
}

/// A number from a JSON number or a numeric string (`""` reads as 0).
pub fn f64_of(value: &Value) -> WireResult<f64> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| expected("a number", value)),
        Value::String(s) if s.trim().is_empty() => Ok(0.0),
        Value::String(s) => s.trim().parse().map_err(|_| expected("a number", value)),
        Value::Null => Ok(0.0),
        _ => Err(expected("a number", value)),
    }
}

/// A boolean from `true`/`false`, `0`/`1` (number or string) or `null` (false).
pub fn bool_of(value: &Value) -> WireResult<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(expected("a boolean (0/1)", value)),
        },
        Value::String(s) => match s.trim() {
            "" | "0" | "false" => Ok(false),
            "1" | "true" => Ok(true),
            _ => Err(expected("a boolean (0/1)", value)),
        },
        _ => Err(expected("a boolean", value)),
    }
}

/// A string from a JSON string, number or `null` (empty).
pub fn string_of(value: &Value) -> WireResult<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(expected("a string", value)),
    }
}

/// A comma-separated list (Matomo's site list fields), or an array of strings; items are
/// trimmed and empty ones dropped. `null` and `false` read as an empty list.
pub fn comma_list_of(value: &Value) -> WireResult<Vec<String>> {
    let items: Vec<String> = match value {
        Value::Null | Value::Bool(false) => Vec::new(),
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        Value::Array(_) | Value::Object(_) => list_items(value)?
            .into_iter()
            .map(string_of)
            .collect::<WireResult<_>>()?,
        _ => return Err(expected("a comma-separated list", value)),
    };
    Ok(items
        .into_iter()
        .map(|item| item.trim().to_string())
        .filter(|item| !item.is_empty())
        .collect())
}

/// The items of a list answered as a JSON array or as an object keyed by id
/// (Matomo keeps PHP array keys with `filter_limit=-1`); an empty PHP array may come as
/// `[]` or `{}`. Object items are returned in key order as Matomo sent them.
pub fn list_items(value: &Value) -> WireResult<Vec<&Value>> {
    match value {
        Value::Array(items) => Ok(items.iter().collect()),
        Value::Object(map) => Ok(map.values().collect()),
        _ => Err(expected("a list (array or object keyed by id)", value)),
    }
}

/// The payload of a single-value answer: `{"value": x}` → `x`; any other value as is.
pub fn unwrap_value(value: &Value) -> &Value {
    match value {
        Value::Object(map) if map.len() == 1 => map.get("value").unwrap_or(value),
        _ => value,
    }
}

/// A global option (`get…Global`, defaults): `{"value": false}` means never set and reads
/// as an empty list.
pub fn global_list(value: &Value) -> WireResult<Vec<String>> {
    comma_list_of(unwrap_value(value))
}

/// A single string option (`getDefaultTimezone`, `getDefaultCurrency`); `false` reads as `""`.
pub fn global_string(value: &Value) -> WireResult<String> {
    match unwrap_value(value) {
        Value::Bool(false) => Ok(String::new()),
        other => string_of(other),
    }
}

/// A single boolean answer (`hasSuperUserAccess`, `isPluginActivated`).
pub fn single_bool(value: &Value) -> WireResult<bool> {
    bool_of(unwrap_value(value))
}

/// A new object's id answered by `addSite`, `addGoal`, `configureNewCustomDimension`.
pub fn new_id(value: &Value) -> WireResult<u64> {
    u64_of(unwrap_value(value))
}

fn field<'a>(object: &'a Value, key: &str) -> &'a Value {
    object.get(key).unwrap_or(&Value::Null)
}

fn require_object(value: &Value, what: &str) -> WireResult<()> {
    if value.is_object() {
        Ok(())
    } else {
        Err(expected(what, value))
    }
}

/// One site from `getSitesWithAdminAccess`, `getSiteFromId` or `getAllSites`. Details read
/// by other calls (visitor log, public statistics, goals, dimensions, compliance) are `None`.
pub fn site(value: &Value) -> WireResult<SiteState> {
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
    Ok(SiteState {
        id: u64_of(field(value, "idsite")).map_err(in_site)?,
        name: string_of(field(value, "name")).map_err(in_site)?,
        urls,
        timezone: string_of(field(value, "timezone")).map_err(in_site)?,
        currency: string_of(field(value, "currency")).map_err(in_site)?,
        site_type: string_of(field(value, "type")).map_err(in_site)?,
        group: string_of(field(value, "group")).map_err(in_site)?,
        ecommerce: bool_of(field(value, "ecommerce")).map_err(in_site)?,
        site_search: SiteSearchState {
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
        exclusions: ExclusionsState {
            ips: comma_list_of(field(value, "excluded_ips")).map_err(in_site)?,
            query_parameters: comma_list_of(field(value, "excluded_parameters"))
                .map_err(in_site)?,
            user_agents: comma_list_of(field(value, "excluded_user_agents")).map_err(in_site)?,
            referrers: comma_list_of(field(value, "excluded_referrers")).map_err(in_site)?,
            query_parameters_type: None,
        },
        ..SiteState::default()
    })
}

/// A list of sites (array or object keyed by id), in the order Matomo sent them.
pub fn sites(value: &Value) -> WireResult<Vec<SiteState>> {
    list_items(value)?.into_iter().map(site).collect()
}

/// The `Live` plugin's `disable_visitor_log` / `disable_visitor_profile` from a settings
/// answer (`SitesManager.getSiteSettings`, `CorePluginsAdmin.getSystemSettings`):
/// a list of `{pluginName, settings: [{name, value}]}`. `None` when the Live plugin has no
/// entry (plugin inactive).
///
/// Matomo lists a site's switch only while the instance leaves it to the site (Live's
/// `MeasurableSettings`: not writable once the instance switch is on): a switch that
/// is missing from an answer is marked as decided by the instance. An answer without
/// any settings (not a site's settings at all) reads as `None`.
pub fn visitor_log_settings(value: &Value) -> WireResult<Option<VisitorLogState>> {
    let plugins = list_items(value)?;
    if plugins.is_empty() {
        return Ok(None);
    }
    let mut state = VisitorLogState {
        disabled_by_instance: true,
        profile_disabled_by_instance: true,
        ..VisitorLogState::default()
    };
    for plugin in plugins {
        require_object(plugin, "a plugin settings object")?;
        if field(plugin, "pluginName").as_str() != Some("Live") {
            continue;
        }
        for setting in list_items(field(plugin, "settings"))? {
            match field(setting, "name").as_str() {
                Some("disable_visitor_log") => {
                    state.disabled = bool_of(field(setting, "value"))?;
                    state.disabled_by_instance = false;
                }
                Some("disable_visitor_profile") => {
                    state.profile_disabled = bool_of(field(setting, "value"))?;
                    state.profile_disabled_by_instance = false;
                }
                _ => {}
            }
        }
    }
    Ok(Some(state))
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
pub fn sites_with_view(value: &Value) -> WireResult<std::collections::BTreeSet<u64>> {
    let mut ids = std::collections::BTreeSet::new();
    for item in list_items(value)? {
        require_object(item, "a site access object")?;
        if string_of(field(item, "access"))? == "view" {
            ids.insert(u64_of(field(item, "site"))?);
        }
    }
    Ok(ids)
}

/// One goal from `Goals.getGoals` / `getGoal`. Goals matched `manually` have no pattern keys.
pub fn goal(value: &Value) -> WireResult<GoalState> {
    require_object(value, "a goal object")?;
    let in_goal = |e: WireError| WireError(format!("goal {}: {e}", quote(field(value, "idgoal"))));
    Ok(GoalState {
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
pub fn goals(value: &Value) -> WireResult<BTreeMap<u64, GoalState>> {
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

/// Matomo's name for a dimension scope.
pub fn scope_to_matomo(scope: DimensionScope) -> &'static str {
    match scope {
        DimensionScope::Visit => "visit",
        DimensionScope::Action => "action",
    }
}

/// One custom dimension from `CustomDimensions.getConfiguredCustomDimensions` (ids are
/// strings, flags real booleans). `Ok(None)` for a scope matoform does not manage
/// (Matomo stores any scope, e.g. `conversion`).
pub fn dimension(value: &Value) -> WireResult<Option<DimensionState>> {
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
    Ok(Some(DimensionState {
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
pub fn dimensions(value: &Value) -> WireResult<(BTreeMap<u64, DimensionState>, Vec<String>)> {
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
pub fn dimension_slots(value: &Value) -> WireResult<BTreeMap<DimensionScope, DimensionSlots>> {
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
            DimensionSlots {
                available: u64_of(field(item, "numSlotsAvailable")).map_err(in_scope)?,
                left: u64_of(field(item, "numSlotsLeft")).map_err(in_scope)?,
            },
        );
    }
    Ok(out)
}

/// A site's privacy settings from `getAnonymisationSettings(idSiteSpecific)` (5.7):
/// its own when `useSiteSpecificSettings` is true (missing before 5.7: the instance's).
pub fn site_privacy(value: &Value) -> WireResult<SitePrivacyState> {
    require_object(value, "the anonymisation settings object")?;
    let own = match value.get("useSiteSpecificSettings") {
        Some(v) => bool_of(v)?,
        None => false,
    };
    Ok(SitePrivacyState {
        own,
        settings: if own {
            Some(anonymisation_settings(value)?)
        } else {
            None
        },
    })
}

/// The instance privacy settings from `PrivacyManager.getAnonymisationSettings` (5.6+).
pub fn anonymisation_settings(value: &Value) -> WireResult<PrivacyState> {
    require_object(value, "the anonymisation settings object")?;
    let ctx = |e: WireError| WireError(format!("anonymisation settings: {e}"));
    let mask = u64_of(field(value, "ipAddressMaskLength")).map_err(ctx)?;
    Ok(PrivacyState {
        anonymize_ip_enabled: bool_of(field(value, "ipAnonymizerEnabled")).map_err(ctx)?,
        mask_bytes: u8::try_from(mask).map_err(|_| {
            ctx(expected(
                "a mask length",
                field(value, "ipAddressMaskLength"),
            ))
        })?,
        use_for_enrichment: bool_of(field(value, "useAnonymizedIpForVisitEnrichment"))
            .map_err(ctx)?,
        anonymize_user_id: bool_of(field(value, "anonymizeUserId")).map_err(ctx)?,
        anonymize_order_id: bool_of(field(value, "anonymizeOrderId")).map_err(ctx)?,
        anonymize_referrer: ReferrerAnonymisation::from_matomo(
            &string_of(field(value, "anonymizeReferrer")).map_err(ctx)?,
        ),
        force_cookieless: bool_of(field(value, "forceCookielessTracking")).map_err(ctx)?,
        do_not_track: bool_of(field(value, "doNotTrackEnabled")).map_err(ctx)?,
        randomize_config_id: value
            .get("randomizeConfigId")
            .map(|v| bool_of(v).map_err(ctx))
            .transpose()?,
    })
}

/// `PrivacyManager.getComplianceStatus` → whether `cnil_v1` is enforced.
pub fn compliance_enforced(value: &Value) -> WireResult<bool> {
    require_object(value, "the compliance status object")?;
    match value.get("complianceModeEnforced") {
        Some(flag) => bool_of(flag),
        None => Err(expected("complianceModeEnforced", value)),
    }
}

/// `PrivacyManager.getComplianceStatus` → Matomo's requirement list (name, status,
/// notes without their HTML).
pub fn compliance_requirements(value: &Value) -> WireResult<Vec<MatomoRequirement>> {
    require_object(value, "the compliance status object")?;
    let Some(list) = value.get("complianceRequirements") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in list_items(list)? {
        require_object(item, "a compliance requirement")?;
        let notes = string_of(field(item, "notes")).unwrap_or_default();
        out.push(MatomoRequirement {
            name: string_of(field(item, "name"))?,
            status: string_of(field(item, "value"))?,
            notes: strip_tags(&notes),
        });
    }
    Ok(out)
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// `PrivacyManager.getComplianceStatus` → the compliance mode.
pub fn compliance_mode(value: &Value) -> WireResult<ComplianceMode> {
    Ok(if compliance_enforced(value)? {
        ComplianceMode::CnilV1
    } else {
        ComplianceMode::Off
    })
}

/// A Matomo version as (major, minor, patch): `5.7.0-rc1` → (5, 7, 0).
pub fn parse_version(version: &str) -> Option<(u32, u32, u32)> {
    let core = version.trim().split(['-', '+', ' ']).next()?;
    let mut parts = core.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    let patch = parts.next().map_or(Some(0), |p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })?;
    Some((major, minor, patch))
}

/// True when `version` is at least `major.minor`.
pub fn version_at_least(version: &str, major: u32, minor: u32) -> bool {
    parse_version(version).is_some_and(|(a, b, _)| (a, b) >= (major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matomo::test_support::{body, recording};

    fn v502(name: &str) -> Value {
        body(&recording("5.0.2", name))
    }

    fn v57(name: &str) -> Value {
        body(&recording("5.7", name))
    }

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
        assert!(
            sites
                .iter()
                .all(|s| s.visitor_log.is_none() && s.goals.is_none())
        );
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
    fn site_settings_give_the_visitor_log_switches() {
        let off = visitor_log_settings(&v502("SitesManager.getSiteSettings__site2")).unwrap();
        assert_eq!(
            off,
            Some(VisitorLogState {
                disabled: false,
                profile_disabled: false,
                ..VisitorLogState::default()
            })
        );
        let after = visitor_log_settings(&v502(
            "SitesManager.getSiteSettings__after_updateSite_only_settingValues_Live",
        ))
        .unwrap()
        .unwrap();
        assert!(after.profile_disabled);
        // The instance turns both off: Matomo leaves the Live section out (real 5.0.2).
        let no_live = serde_json::json!([{"pluginName": "WebsiteMeasurable", "settings": []}]);
        let inherited = visitor_log_settings(&no_live).unwrap().unwrap();
        assert!(inherited.disabled_by_instance && inherited.profile_disabled_by_instance);
        assert!(inherited.log_off() && inherited.profile_off());
        // The instance turns only the log off: the profile switch is still listed.
        let profile_only = serde_json::json!([{"pluginName": "Live", "settings": [
            {"name": "disable_visitor_profile", "value": true}]}]);
        let state = visitor_log_settings(&profile_only).unwrap().unwrap();
        assert!(state.disabled_by_instance && !state.profile_disabled_by_instance);
        assert!(state.profile_disabled);
        assert_eq!(visitor_log_settings(&serde_json::json!([])).unwrap(), None);
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

    #[test]
    fn anonymisation_settings_decode_into_privacy_state() {
        let initial = anonymisation_settings(&v57(
            "PrivacyManager.getAnonymisationSettings__global_initial",
        ))
        .unwrap();
        assert_eq!(
            initial,
            PrivacyState {
                anonymize_ip_enabled: true,
                mask_bytes: 2,
                randomize_config_id: Some(false),
                ..PrivacyState::default()
            }
        );
        let enforced = anonymisation_settings(&v57(
            "PrivacyManager.getAnonymisationSettings__global_while_all_enforced",
        ))
        .unwrap();
        assert!(enforced.anonymize_order_id);
        assert_eq!(
            enforced.anonymize_referrer,
            ReferrerAnonymisation::ExcludePath
        );
    }

    #[test]
    fn compliance_status_gives_the_mode() {
        assert_eq!(
            compliance_mode(&v57(
                "PrivacyManager.getComplianceStatus__all_after_all_enforce_1"
            ))
            .unwrap(),
            ComplianceMode::CnilV1
        );
        assert_eq!(
            compliance_mode(&v57(
                "PrivacyManager.getComplianceStatus__flag_on_site_1_initial"
            ))
            .unwrap(),
            ComplianceMode::Off
        );
        assert!(compliance_mode(&serde_json::json!({"value": true})).is_err());
    }

    #[test]
    fn global_values_false_means_never_set() {
        assert!(
            global_list(&v502("SitesManager.getExcludedIpsGlobal__initial"))
                .unwrap()
                .is_empty()
        );
        assert!(
            global_list(&v502("SitesManager.getExcludedReferrersGlobal__initial"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            global_list(&v502("SitesManager.getExcludedIpsGlobal__after_set")).unwrap(),
            ["127.0.0.1", "10.1.0.0/16", "172.16.*.*"]
        );
        assert_eq!(
            global_string(&v502("SitesManager.getDefaultTimezone__superuser")).unwrap(),
            "UTC"
        );
        assert_eq!(
            global_string(&serde_json::json!({"value": false})).unwrap(),
            ""
        );
        assert!(!single_bool(&v502("UsersManager.hasSuperUserAccess__teamA")).unwrap());
        assert!(single_bool(&v502("API.isPluginActivated__CustomDimensions")).unwrap());
        assert_eq!(new_id(&serde_json::json!({"value": 161})).unwrap(), 161);
        assert_eq!(new_id(&serde_json::json!({"value": "3"})).unwrap(), 3);
    }

    #[test]
    fn versions_parse_with_suffixes() {
        assert_eq!(parse_version("5.7.0-rc1"), Some((5, 7, 0)));
        assert_eq!(parse_version("5.0.2"), Some((5, 0, 2)));
        assert_eq!(parse_version("4.16"), Some((4, 16, 0)));
        assert_eq!(parse_version("five"), None);
        assert!(version_at_least("5.7.0-rc1", 5, 6));
        assert!(!version_at_least("5.0.2", 5, 2));
        assert!(version_at_least("6.0.0", 5, 2));
    }
}
