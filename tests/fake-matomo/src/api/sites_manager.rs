//! `SitesManager`: sites, their URLs and settings, and the instance-wide exclusions and
//! defaults.

use super::values::{
    check_currency, check_timezone, clean_urls, currency_name, esc, general_ci_key, look_like_url,
    norm_list, php_bool, sanitize, timezone_name, unique_list, valid_ip,
};
use super::{Call, Fail, R, no_method, ok, opt_json, val};
use crate::php::Value as PV;
use crate::php::php_trim;
use crate::state::{Access, DEFAULT_SEARCH_KEYWORDS, Site};
use serde_json::Map;
use serde_json::Value as J;
use serde_json::json;

/// The `excluded_parameters` help of 5.7 (5.0.2's is in `assets/site_settings.json`).
const EXCLUDED_PARAMETERS_HELP_57: &str = "Enter each URL parameter on a separate line to exclude from tracking and reports. Regular expressions such as /^sess.*|.*[dD]ate$/ are supported.<br /><br />Matomo will automatically exclude the common session parameters (phpsessid, sessionid, ...).";

/// An alias URL equal, in the `site_url` table's collation, to one inserted before it.
struct Collision {
    /// The aliases inserted before it (in the order sent).
    kept: Vec<String>,
    /// The colliding alias.
    url: String,
}

impl Collision {
    /// MariaDB's duplicate-key error, as Matomo answers it (HTTP 200).
    fn error(&self, id: u32) -> Fail {
        let entry: String = format!("{id}-{}", self.url).chars().take(192).collect();
        Fail::Error(format!(
            "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry '{entry}' for key 'PRIMARY'"
        ))
    }
}

/// The value of the first `settingValues[Live][i]` entry named `name` (Matomo's
/// `findSettingValueFromRequest`), if a string.
fn live_value<'v>(live: &'v PV, name: &str) -> Option<&'v str> {
    live.items()
        .into_iter()
        .find(|item| item.get("name").and_then(PV::as_str) == Some(name))
        .and_then(|item| item.get("value").and_then(PV::as_str))
}

impl Call<'_> {
    /// The `SitesManager` methods.
    pub(super) fn sites_manager(&mut self, action: &str) -> R {
        let v57 = self.is57();
        match action {
            "getSitesWithAdminAccess" => self.sites_with_admin_access(),
            "getSitesWithAtLeastViewAccess" => self.sites_with_view_access(),
            "getAllSites" => {
                self.check_super()?;
                let ids: Vec<u32> = self.st.sites.keys().copied().collect();
                Ok(J::Array(
                    ids.iter().map(|id| self.site_json(*id, false)).collect(),
                ))
            }
            "getAllSitesId" => {
                self.check_super()?;
                Ok(J::Array(self.st.sites.keys().map(|id| json!(id)).collect()))
            }
            "getSiteFromId" => {
                let id = self.site("idSite", Access::View)?;
                Ok(self.site_json(id, false))
            }
            "getSiteUrlsFromId" => {
                let id = self.site("idSite", Access::View)?;
                Ok(json!(self.site_urls(id)))
            }
            "getSiteSettings" => {
                let id = self.site("idSite", Access::Admin)?;
                Ok(self.site_settings(id))
            }
            "addSite" => self.add_site(),
            "updateSite" => self.update_site(),
            "deleteSite" => self.delete_site(),
            "getJavascriptTag" => self.javascript_tag(),
            "getExcludedIpsGlobal" => {
                self.check_some(Access::Admin)?;
                Ok(opt_json(&self.st.options.excluded_ips_global))
            }
            "setGlobalExcludedIps" => {
                self.check_super()?;
                let raw = self.req("excludedIps")?;
                let list = norm_list(&raw);
                for ip in list.split(',').filter(|x| !x.is_empty()) {
                    if !valid_ip(ip) {
                        return Err(Fail::Error(format!(
                            "The IP to exclude &quot;{}&quot; does not have a valid IP format (eg. 1.2.3.4, 1.2.3.*, or 1.2.3.4/5).",
                            esc(ip)
                        )));
                    }
                }
                self.st.options.excluded_ips_global = Some(list);
                val(true)
            }
            "getExcludedQueryParametersGlobal" => {
                self.check_some(Access::View)?;
                if v57 {
                    val(self.effective_query_params(None).join(","))
                } else {
                    Ok(opt_json(&self.st.options.excluded_query_parameters_global))
                }
            }
            "setGlobalExcludedQueryParameters" => {
                self.check_super()?;
                let raw = self.req("excludedQueryParameters")?;
                let list = unique_list(&raw);
                if v57 {
                    self.st.options.query_param_exclusion_type = if list.is_empty() {
                        "common_session_parameters".into()
                    } else {
                        "custom".into()
                    };
                }
                self.st.options.excluded_query_parameters_global = Some(list);
                val(true)
            }
            "getExcludedUserAgentsGlobal" => {
                self.check_some(Access::Admin)?;
                Ok(opt_json(&self.st.options.excluded_user_agents_global))
            }
            "setGlobalExcludedUserAgents" => {
                self.check_super()?;
                let raw = self.req("excludedUserAgents")?;
                self.st.options.excluded_user_agents_global = Some(unique_list(&raw));
                ok()
            }
            "getExcludedReferrersGlobal" => {
                self.check_some(Access::Admin)?;
                val(self
                    .st
                    .options
                    .excluded_referrers_global
                    .clone()
                    .unwrap_or_default())
            }
            "setGlobalExcludedReferrers" => {
                self.check_super()?;
                let raw = self.req("excludedReferrers")?;
                self.st.options.excluded_referrers_global = Some(unique_list(&raw));
                ok()
            }
            "getKeepURLFragmentsGlobal" => {
                self.check_some(Access::View)?;
                val(self.st.options.keep_url_fragments_global.unwrap_or(false))
            }
            "setKeepURLFragmentsGlobal" => {
                self.check_super()?;
                let raw = self.req("enabled")?;
                self.st.options.keep_url_fragments_global = Some(php_bool(&raw));
                ok()
            }
            "getSearchKeywordParametersGlobal" => {
                self.check_some(Access::Admin)?;
                val(self
                    .st
                    .options
                    .search_keyword_parameters_global
                    .clone()
                    .unwrap_or_else(|| DEFAULT_SEARCH_KEYWORDS.into()))
            }
            "getSearchCategoryParametersGlobal" => {
                self.check_some(Access::Admin)?;
                Ok(opt_json(&self.st.options.search_category_parameters_global))
            }
            "setGlobalSearchParameters" => {
                self.check_super()?;
                let k = self.req("searchKeywordParameters")?;
                let c = self.req("searchCategoryParameters")?;
                // Stored as sent (`Option::set`), no list clean-up.
                self.st.options.search_keyword_parameters_global = Some(k);
                self.st.options.search_category_parameters_global = Some(c);
                val(true)
            }
            "getDefaultTimezone" => val(self.st.options.default_timezone.clone()),
            "setDefaultTimezone" => {
                self.check_super()?;
                let tz = self.req("defaultTimezone")?;
                check_timezone(&tz)?;
                self.st.options.default_timezone = tz;
                val(true)
            }
            "getDefaultCurrency" => {
                self.check_some(Access::Admin)?;
                val(self.st.options.default_currency.clone())
            }
            "setDefaultCurrency" => {
                self.check_super()?;
                let c = self.req("defaultCurrency")?;
                check_currency(&c)?;
                self.st.options.default_currency = c;
                val(true)
            }
            "setGlobalQueryParamExclusion" if v57 => self.set_query_param_exclusion(),
            "getExclusionTypeForQueryParams" if v57 => {
                self.check_some(Access::View)?;
                let site = self.optional_site()?;
                if self.enforced(site) {
                    val("matomo_recommended_pii")
                } else {
                    val(self.st.options.query_param_exclusion_type.clone())
                }
            }
            "getExcludedQueryParameters" if v57 => {
                let id = self.site("idSite", Access::View)?;
                let mut list: Vec<String> = self
                    .effective_query_params(Some(id))
                    .into_iter()
                    .filter(|x| !x.is_empty())
                    .collect();
                if let Some(site) = self.st.sites.get(&id) {
                    list.extend(
                        site.excluded_parameters
                            .split(',')
                            .filter(|x| !x.is_empty())
                            .map(String::from),
                    );
                }
                Ok(json!(list))
            }
            _ => Err(no_method("SitesManager", action)),
        }
    }

    /// `getSiteUrlsFromId`: the main URL, then the aliases in the order of the `site_url`
    /// table (its primary key `idsite, url`, so sorted by [`general_ci_key`]).
    fn site_urls(&self, id: u32) -> Vec<String> {
        match self.st.sites.get(&id) {
            Some(s) if s.urls.is_empty() => vec![String::new()],
            Some(s) => {
                let mut aliases = s.urls[1..].to_vec();
                aliases.sort_by_cached_key(|u| general_ci_key(u));
                let mut out = vec![s.urls[0].clone()];
                out.extend(aliases);
                out
            }
            None => Vec::new(),
        }
    }

    fn site_json(&self, id: u32, alias: bool) -> J {
        let Some(s) = self.st.sites.get(&id) else {
            return J::Null;
        };
        let mut m = Map::new();
        m.insert("idsite".into(), json!(id));
        m.insert("name".into(), json!(s.name));
        m.insert(
            "main_url".into(),
            json!(s.urls.first().cloned().unwrap_or_default()),
        );
        m.insert("ts_created".into(), json!(s.ts_created));
        m.insert("ecommerce".into(), json!(s.ecommerce));
        m.insert("sitesearch".into(), json!(s.sitesearch));
        m.insert(
            "sitesearch_keyword_parameters".into(),
            json!(s.sitesearch_keyword_parameters),
        );
        m.insert(
            "sitesearch_category_parameters".into(),
            json!(s.sitesearch_category_parameters),
        );
        m.insert("timezone".into(), json!(s.timezone));
        m.insert("currency".into(), json!(s.currency));
        m.insert("exclude_unknown_urls".into(), json!(s.exclude_unknown_urls));
        m.insert("excluded_ips".into(), json!(s.excluded_ips));
        m.insert("excluded_parameters".into(), json!(s.excluded_parameters));
        m.insert("excluded_user_agents".into(), json!(s.excluded_user_agents));
        m.insert("excluded_referrers".into(), json!(s.excluded_referrers));
        m.insert("group".into(), json!(s.group));
        m.insert("type".into(), json!(s.r#type));
        m.insert("keep_url_fragment".into(), json!(s.keep_url_fragment));
        if self.is_super() {
            m.insert("creator_login".into(), json!(s.creator_login));
        }
        m.insert("timezone_name".into(), json!(timezone_name(&s.timezone)));
        m.insert(
            "currency_name".into(),
            json!(currency_name(&s.currency).unwrap_or(s.currency.as_str())),
        );
        if alias {
            m.insert("alias_urls".into(), json!(self.site_urls(id)));
        }
        J::Object(m)
    }

    fn sites_with_admin_access(&self) -> R {
        let alias = self.s("fetchAliasUrls").is_some_and(php_bool);
        let ids: Vec<u32> = self
            .st
            .sites
            .keys()
            .copied()
            .filter(|id| self.access(*id) == Some(Access::Admin))
            .collect();
        Ok(J::Array(
            ids.iter().map(|id| self.site_json(*id, alias)).collect(),
        ))
    }

    /// `SitesManager.getSitesWithAtLeastViewAccess`: the sites the caller views or
    /// administers (no alias URLs), as recorded for the viewer.
    fn sites_with_view_access(&self) -> R {
        let ids: Vec<u32> = self
            .st
            .sites
            .keys()
            .copied()
            .filter(|id| self.access(*id).is_some())
            .collect();
        Ok(J::Array(
            ids.iter().map(|id| self.site_json(*id, false)).collect(),
        ))
    }

    pub(super) fn site_settings(&self, id: u32) -> J {
        let Some(site) = self.st.sites.get(&id) else {
            return J::Null;
        };
        let mut template: J =
            serde_json::from_str(include_str!("../assets/site_settings.json")).unwrap_or(J::Null);
        let split = |s: &str| -> J { json!(s.split(',').collect::<Vec<_>>()) };
        let kw_global = self
            .st
            .options
            .search_keyword_parameters_global
            .clone()
            .unwrap_or_else(|| DEFAULT_SEARCH_KEYWORDS.into());
        let cat_global = self
            .st
            .options
            .search_category_parameters_global
            .clone()
            .unwrap_or_default();
        if let Some(settings) = template
            .get_mut(0)
            .and_then(|w| w.get_mut("settings"))
            .and_then(J::as_array_mut)
        {
            for s in settings.iter_mut() {
                let name = s
                    .get("name")
                    .and_then(J::as_str)
                    .unwrap_or_default()
                    .to_string();
                let v = match name.as_str() {
                    "urls" => json!(self.site_urls(id)),
                    "exclude_unknown_urls" => json!(site.exclude_unknown_urls == 1),
                    "keep_url_fragment" => json!(site.keep_url_fragment.to_string()),
                    "excluded_ips" => split(&site.excluded_ips),
                    "excluded_parameters" => {
                        if self.is57() {
                            s["inlineHelp"] = json!(EXCLUDED_PARAMETERS_HELP_57);
                        }
                        split(&site.excluded_parameters)
                    }
                    "excluded_user_agents" => split(&site.excluded_user_agents),
                    "excluded_referrers" => {
                        if let Some(global) = self
                            .st
                            .options
                            .excluded_referrers_global
                            .as_deref()
                            .filter(|g| !g.is_empty())
                            && let Some(help) = s["inlineHelp"].as_str()
                        {
                            s["inlineHelp"] = json!(format!(
                                "{help}<br /><br /><strong>Global list of excluded referrers</strong><br />{}",
                                esc(global)
                            ));
                        }
                        split(&site.excluded_referrers)
                    }
                    "sitesearch" => json!(site.sitesearch),
                    "use_default_site_search_params" => {
                        s["description"] = json!(format!(
                            "Query parameter (Default): {kw_global} & Category parameter: {cat_global}"
                        ));
                        // Matomo derives the default from the site itself.
                        let v = site.sitesearch_keyword_parameters.is_empty()
                            && site.sitesearch_category_parameters.is_empty();
                        s["defaultValue"] = json!(v);
                        json!(v)
                    }
                    "sitesearch_keyword_parameters" => split(&site.sitesearch_keyword_parameters),
                    "sitesearch_category_parameters" => split(&site.sitesearch_category_parameters),
                    "ecommerce" => json!(site.ecommerce),
                    _ => continue,
                };
                s["value"] = v;
            }
        }
        if site.r#type == "intranet"
            && let Some(first) = template.get_mut(0)
        {
            // The measurable type's own settings plugin.
            first["pluginName"] = json!("IntranetMeasurable");
            first["title"] = json!("IntranetMeasurable");
        }
        if let Some(arr) = template.as_array_mut()
            && arr.len() > 1
        {
            let (log_w, profile_w) = self.live_writable();
            let mut live =
                self.live_settings_json(site.disable_visitor_log, site.disable_visitor_profile);
            if let Some(settings) = live.get_mut("settings").and_then(J::as_array_mut) {
                settings.retain(|s| match s.get("name").and_then(J::as_str) {
                    Some("disable_visitor_log") => log_w,
                    _ => profile_w,
                });
            }
            if log_w || profile_w {
                arr[1] = live;
            } else {
                arr.truncate(1);
            }
        }
        template
    }

    /// Read, validate and apply the site fields of addSite/updateSite onto `site`. Returns
    /// the alias that collides with an earlier one in the `site_url` table's key, if any
    /// (the caller then stores what Matomo had written before the SQL error).
    fn apply_site_fields(&self, site: &mut Site, update: bool) -> Result<Option<Collision>, Fail> {
        const LISTS: [&str; 6] = [
            "excludedIps",
            "excludedQueryParameters",
            "excludedUserAgents",
            "excludedReferrers",
            "searchKeywordParameters",
            "searchCategoryParameters",
        ];
        for k in LISTS {
            if matches!(self.opt(k), Some(PV::Arr(_))) {
                return Err(Fail::Type(
                    "explode(): Argument #2 ($string) must be of type string, array given".into(),
                ));
            }
        }
        if let Some(name) = self.s("siteName")
            && update
        {
            // updateSite's `siteName` has a default, so an empty one reaches `checkName`.
            if name.is_empty() {
                return Err(Fail::Error("The website name can't be empty.".into()));
            }
            site.name = sanitize(name);
        }
        if let Some(tz) = self.s("timezone").filter(|t| !t.is_empty()) {
            check_timezone(tz)?;
            site.timezone = tz.to_string();
        }
        if let Some(c) = self.s("currency").filter(|t| !t.is_empty()) {
            check_currency(c)?;
            site.currency = c.to_string();
        }
        let mut collision = None;
        if let Some(urls) = self.opt("urls") {
            let items: Vec<&str> = urls.items().into_iter().filter_map(PV::as_str).collect();
            let list = clean_urls(&items);
            if let Some(bad) = list.iter().find(|u| !look_like_url(u)) {
                return Err(Fail::Error(format!(
                    "URLs: The url '{}' is not a valid URL.",
                    esc(bad)
                )));
            }
            if list.is_empty() {
                if update {
                    return Err(Fail::Error(
                        "URLs: You must specify at least one URL for the website.".into(),
                    ));
                }
            } else {
                let mut keys = std::collections::BTreeSet::new();
                for (i, alias) in list.iter().enumerate().skip(1) {
                    if !keys.insert(general_ci_key(alias)) {
                        collision = Some(Collision {
                            kept: list[1..i].to_vec(),
                            url: alias.clone(),
                        });
                        break;
                    }
                }
                site.urls = list;
            }
        }
        let bool_field = |k: &str, title: &str| -> Result<Option<i64>, Fail> {
            match self.s(k) {
                None => Ok(None),
                Some("0") | Some("") => Ok(Some(0)),
                Some("1") => Ok(Some(1)),
                Some(_) => Err(Fail::Error(format!(
                    "{title}: The value for the &quot;{title}&quot; field in the &quot;WebsiteMeasurable&quot; plugin is not allowed"
                ))),
            }
        };
        const EUU: &str =
            "Only track visits and actions when the action URL starts with one of the above URLs.";
        if let Some(v) = bool_field("excludeUnknownUrls", EUU)? {
            site.exclude_unknown_urls = v;
        }
        match self.s("keepURLFragments") {
            None | Some("") => {}
            Some(k @ ("0" | "1" | "2")) => site.keep_url_fragment = k.parse().unwrap_or(0),
            Some(_) => {
                let t = "Keep Page URL fragments when tracking Page URLs";
                return Err(Fail::Error(format!(
                    "{t}: The value for the &quot;{t}&quot; field in the &quot;WebsiteMeasurable&quot; plugin is not allowed"
                )));
            }
        }
        let ips = self.s("excludedIps").map(|v| norm_list(&sanitize(v)));
        if let Some(ips) = &ips {
            for ip in ips.split(',').filter(|x| !x.is_empty()) {
                if !valid_ip(ip) {
                    return Err(Fail::Error(format!(
                        "Excluded IPs: The IP to exclude &quot;{}&quot; does not have a valid IP format (eg. 1.2.3.4, 1.2.3.*, or 1.2.3.4/5).",
                        esc(ip)
                    )));
                }
            }
        }
        if let Some(v) = bool_field("siteSearch", "Site Search")? {
            site.sitesearch = v;
        }
        if let Some(v) = bool_field("ecommerce", "Ecommerce")? {
            site.ecommerce = v;
        }
        // The six lists: on update, every list not sent is ERASED (Matomo 5.0.2 trap).
        // Excluded IPs: entries trimmed, empty ones dropped (repeats kept); the other
        // excluded lists also drop repeats; the site-search parameters are stored as sent.
        let list = |k: &str| -> Option<String> { self.s(k).map(|v| unique_list(&sanitize(v))) };
        let raw = |k: &str| -> Option<String> { self.s(k).map(sanitize) };
        let lists = [
            (&mut site.excluded_ips, ips),
            (
                &mut site.excluded_parameters,
                list("excludedQueryParameters"),
            ),
            (&mut site.excluded_user_agents, list("excludedUserAgents")),
            (&mut site.excluded_referrers, list("excludedReferrers")),
            (
                &mut site.sitesearch_keyword_parameters,
                raw("searchKeywordParameters"),
            ),
            (
                &mut site.sitesearch_category_parameters,
                raw("searchCategoryParameters"),
            ),
        ];
        for (field, sent) in lists {
            *field = sent.unwrap_or_default();
        }
        if let Some(g) = self.s("group")
            && (!update || self.is_super())
        {
            site.group = sanitize(php_trim(g));
        }
        if let Some(d) = self.s("startDate").filter(|d| !d.is_empty()) {
            site.ts_created = if d.len() == 10 {
                format!("{d} 00:00:00")
            } else {
                d.to_string()
            };
        }
        if let Some(t) = self.s("type").filter(|t| !t.is_empty()) {
            site.r#type = t.to_string();
        }
        if let Some(live) = self.opt("settingValues").and_then(|v| v.get("Live")) {
            // Only the settings the instance leaves to the site are read (and validated);
            // the others are ignored without a word.
            let (log_w, profile_w) = self.live_writable();
            let checked = |name: &str, title: &str| -> Result<Option<bool>, Fail> {
                match live_value(live, name) {
                    None => Ok(None),
                    Some("1") => Ok(Some(true)),
                    Some("0") => Ok(Some(false)),
                    Some(_) => Err(Fail::Error(format!(
                        "{title}: The value for the &quot;{title}&quot; field in the &quot;Live&quot; plugin is not allowed"
                    ))),
                }
            };
            if log_w && let Some(b) = checked("disable_visitor_log", self.live_log_title())? {
                site.disable_visitor_log = b;
            }
            if profile_w
                && let Some(b) = checked("disable_visitor_profile", "Turn off visitor profiles")?
            {
                site.disable_visitor_profile = b;
            }
        }
        Ok(collision)
    }

    fn add_site(&mut self) -> R {
        self.check_super()?;
        let name = sanitize(&self.req("siteName")?);
        let mut site = Site::new(
            &name,
            "",
            &self.st.options.default_timezone,
            &self.st.options.default_currency,
        );
        site.urls.clear();
        site.ts_created = self.now.to_string();
        site.creator_login = self.login.clone().unwrap_or_else(|| "anonymous".into());
        let collision = self.apply_site_fields(&mut site, false)?;
        let id = self
            .st
            .next_site_id
            .max(self.st.sites.keys().max().map_or(1, |m| m + 1));
        self.st.next_site_id = id + 1;
        match collision {
            None => {
                self.st.sites.insert(id, site);
                val(id)
            }
            Some(c) => {
                // The site row was created with the defaults and an empty main URL; the
                // aliases before the collision were inserted; nothing else was saved.
                let mut partial = Site::new(&site.name, "", &site.timezone, &site.currency);
                partial.urls.extend(c.kept.iter().cloned());
                partial.ts_created = site.ts_created.clone();
                partial.r#type = site.r#type.clone();
                partial.group = site.group.clone();
                partial.creator_login = site.creator_login.clone();
                self.st.sites.insert(id, partial);
                Err(c.error(id))
            }
        }
    }

    fn update_site(&mut self) -> R {
        let raw = self.req("idSite")?;
        let id = raw.trim().parse::<u32>().unwrap_or(0);
        if !self.is_super() {
            self.check_site(Access::Admin, id)?;
        }
        let Some(before) = self.st.sites.get(&id).cloned() else {
            return Err(Fail::Error(format!("website id = {raw} not found")));
        };
        let mut site = before.clone();
        match self.apply_site_fields(&mut site, true)? {
            None => {
                self.st.sites.insert(id, site);
                ok()
            }
            Some(c) => {
                // Written before the SQL error: the site row's own columns (name, timezone,
                // currency, group, start date, type) and the aliases before the collision
                // (the old ones deleted); the main URL, lists and flags stay as they were.
                let mut partial = before;
                partial.name = site.name;
                partial.timezone = site.timezone;
                partial.currency = site.currency;
                partial.group = site.group;
                partial.ts_created = site.ts_created;
                partial.r#type = site.r#type;
                partial.urls.truncate(1);
                if partial.urls.is_empty() {
                    partial.urls.push(String::new());
                }
                partial.urls.extend(c.kept.iter().cloned());
                self.st.sites.insert(id, partial);
                Err(c.error(id))
            }
        }
    }

    fn delete_site(&mut self) -> R {
        self.check_super()?;
        let raw = self.req("idSite")?;
        if self.s("force_api_session").is_some_and(php_bool) {
            self.confirm_password("Please enter your password to confirm this change.")?;
        }
        let id = raw.trim().parse::<u32>().unwrap_or(0);
        if !self.st.sites.contains_key(&id) {
            return Err(Fail::Error(format!("website id = {raw} not found")));
        }
        if self.st.sites.len() == 1 {
            // Assumption: message not recorded.
            return Err(Fail::Error(
                "It is not possible to delete this website as it is the only registered website. Add a new website first, then delete this one."
                    .into(),
            ));
        }
        self.st.sites.remove(&id);
        self.st.goals.remove(&id);
        self.st.custom_dimensions.remove(&id);
        self.st.anonymous_view.remove(&id);
        for u in self.st.users.values_mut() {
            u.access.remove(&id);
        }
        ok()
    }

    fn set_query_param_exclusion(&mut self) -> R {
        let kind = self.req("exclusionType")?;
        self.check_super()?;
        let allowed = [
            "common_session_parameters",
            "matomo_recommended_pii",
            "custom",
        ];
        if !allowed.contains(&kind.as_str()) {
            return Err(Fail::Error(format!(
                "The value &quot;{}&quot; is not allowed, use one of: common_session_parameters, matomo_recommended_pii, custom.",
                esc(&kind)
            )));
        }
        let params = norm_list(self.s("queryParamsToExclude").unwrap_or_default());
        if kind == "custom" && params.is_empty() {
            return Err(Fail::Error(
                "Query parameters to exclude must be provided when exclusion type is custom".into(),
            ));
        }
        if kind != "custom" && !params.is_empty() {
            return Err(Fail::Error(
                "Query parameters to exclude must not be provided when exclusion type is not custom".into(),
            ));
        }
        self.st.options.excluded_query_parameters_global =
            if kind == "custom" { Some(params) } else { None };
        self.st.options.query_param_exclusion_type = kind;
        ok()
    }

    fn javascript_tag(&self) -> R {
        let id = self.site("idSite", Access::View)?;
        let host = self
            .s("piwikUrl")
            .filter(|u| !u.is_empty())
            .map(String::from)
            .unwrap_or_else(|| self.base.to_string());
        let host = host
            .trim_start_matches("http://")
            .trim_start_matches("https://")
            .trim_end_matches('/');
        let flag = |k: &str| self.s(k).is_some_and(php_bool);
        let mut options = String::new();
        // Assumption (not recorded): option lines as in Matomo's javascriptCode.tpl.
        if flag("doNotTrack") {
            options.push_str("  _paq.push([\"setDoNotTrack\", true]);\n");
        }
        if flag("disableCookies") {
            options.push_str("  _paq.push([\"disableCookies\"]);\n");
        }
        let noscript = if flag("trackNoScript") {
            format!(
                "<noscript><p><img referrerpolicy=\"no-referrer-when-downgrade\" src=\"//{host}/matomo.php?idsite={id}&amp;rec=1\" style=\"border:0;\" alt=\"\" /></p></noscript>\n"
            )
        } else {
            String::new()
        };
        val(format!(
            "<!-- Matomo -->\n<script>\n  var _paq = window._paq = window._paq || [];\n  /* tracker methods like \"setCustomDimension\" should be called before \"trackPageView\" */\n{options}  _paq.push(['trackPageView']);\n  _paq.push(['enableLinkTracking']);\n  (function() {{\n    var u=\"//{host}/\";\n    _paq.push(['setTrackerUrl', u+'matomo.php']);\n    _paq.push(['setSiteId', '{id}']);\n    var d=document, g=d.createElement('script'), s=d.getElementsByTagName('script')[0];\n    g.async=true; g.src=u+'matomo.js'; s.parentNode.insertBefore(g,s);\n  }})();\n</script>\n{noscript}<!-- End Matomo Code -->\n"
        ))
    }
}
