//! `Live`: the visits log and visitor profile switches, checked before any visit is answered.

use super::{Call, Fail, R, no_method, number, unexpected_site};
use crate::state::Access;
use crate::tracking::{ActionKind, Visit};
use serde_json::{Map, Value as J, json};

impl Call<'_> {
    /// The `Live` methods.
    pub(super) fn live(&mut self, action: &str) -> R {
        match action {
            "getLastVisitsDetails" => self.last_visits_details(),
            "getVisitorProfile" => {
                let id = self.site("idSite", Access::View)?;
                self.check_visitor_profile(id)?;
                Ok(json!([]))
            }
            _ => Err(no_method("Live", action)),
        }
    }

    /// Whether the instance turns the visits log off: its Live system setting, or (5.7 with
    /// the PrivacyCompliance flag) a compliance policy enforced instance-wide.
    fn instance_log_off(&self) -> bool {
        self.st.options.live_disable_visitor_log || self.enforced(None)
    }

    /// Which per-site Live settings the instance leaves to the site (`MeasurableSettings`:
    /// a setting the instance turns off is not writable, so it is not listed by
    /// `getSiteSettings` and silently ignored by addSite/updateSite): (log, profile).
    pub(super) fn live_writable(&self) -> (bool, bool) {
        (
            !self.instance_log_off(),
            !self.st.options.live_disable_visitor_profile,
        )
    }

    /// `Live::checkIsVisitorLogEnabled` for each of `sites`.
    fn check_visitor_log(&self, sites: &[u32]) -> Result<(), Fail> {
        if self.instance_log_off() {
            return Err(Fail::Error("Visits log is deactivated globally. A user with super user access can enable this feature in the general settings.".into()));
        }
        for id in sites {
            let off = self.st.sites.get(id).is_some_and(|s| s.disable_visitor_log)
                || self.enforced(Some(*id));
            if off {
                return Err(Fail::Error(format!(
                    "Visits log is deactivated in website settings. A user with at least admin access can enable this feature in the settings for this website (idSite={id})."
                )));
            }
        }
        Ok(())
    }

    /// `Live::checkIsVisitorProfileEnabled` (the log first, then the profile).
    fn check_visitor_profile(&self, site: u32) -> Result<(), Fail> {
        self.check_visitor_log(&[site])?;
        if self.st.options.live_disable_visitor_profile {
            return Err(Fail::Error("Visitor profile is deactivated globally. A user with super user access can enable this feature in the general settings.".into()));
        }
        if self
            .st
            .sites
            .get(&site)
            .is_some_and(|s| s.disable_visitor_profile)
        {
            return Err(Fail::Error(format!(
                "Visitor profile is deactivated in website settings. A user with at least admin access can enable this feature in the settings for this website (idSite={site})."
            )));
        }
        Ok(())
    }

    /// `Live.getLastVisitsDetails`: the tracked visits of the sites (comma list), the latest
    /// first, each with its `actionDetails` (see [`visit_json`]); `period` and `date` are
    /// accepted and not applied.
    fn last_visits_details(&self) -> R {
        let raw = self.req("idSite")?;
        let mut ids = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Ok(id) = part.parse::<u32>() else {
                return Err(unexpected_site(&raw));
            };
            if !self.is_super() {
                self.check_site(Access::View, id)?;
            }
            if !self.st.sites.contains_key(&id) {
                return Err(unexpected_site(&raw));
            }
            ids.push(id);
        }
        self.check_visitor_log(&ids)?;
        self.check_period()?;
        let mut visits: Vec<(u32, &Visit)> = ids
            .iter()
            .flat_map(|id| self.visits(*id).iter().map(move |v| (*id, v)))
            .collect();
        visits.sort_by_key(|(_, v)| std::cmp::Reverse(v.id));
        let rows = visits
            .into_iter()
            .map(|(site, v)| self.visit_json(site, v))
            .collect();
        Ok(J::Array(self.offset(rows)))
    }

    /// One visit as the visitor log answers it, reduced to the fields that carry what the
    /// visitor sent: ids, counts, `userId`, the site's visit-scope dimensions (`dimensionN`,
    /// `null` when unset) and `actionDetails` (each with the action-scope `dimensionN`).
    fn visit_json(&self, site: u32, v: &Visit) -> J {
        let dims = self.st.custom_dimensions.get(&site);
        let active = |scope: &str| -> Vec<u32> {
            dims.map(|d| {
                d.iter()
                    .filter(|d| d.active && d.scope == scope)
                    .map(|d| d.id)
                    .collect()
            })
            .unwrap_or_default()
        };
        let (visit_dims, action_dims) = (active("visit"), active("action"));
        let mut position = 0;
        let mut details = Vec::new();
        let (mut searches, mut events, mut interactions) = (0, 0, 0);
        for a in &v.actions {
            let mut d = Map::new();
            match &a.kind {
                ActionKind::Page { url, title } => {
                    position += 1;
                    interactions += 1;
                    d.insert("type".into(), json!("action"));
                    d.insert("url".into(), json!(url));
                    d.insert("pageTitle".into(), json!(title));
                    d.insert("pageviewPosition".into(), json!(position));
                    d.insert("title".into(), json!(title));
                    d.insert("subtitle".into(), json!(url));
                }
                ActionKind::Search {
                    keyword,
                    category,
                    count,
                } => {
                    position += 1;
                    interactions += 1;
                    searches += 1;
                    let mut subtitle = keyword.clone();
                    if !category.is_empty() {
                        subtitle.push_str(&format!(" - Search Category: {category}"));
                    }
                    if let Some(n) = count.filter(|n| *n > 0) {
                        subtitle.push_str(&format!(" - Search Results Count: {n}"));
                    }
                    d.insert("type".into(), json!("search"));
                    d.insert("url".into(), J::Null);
                    d.insert("pageIdAction".into(), J::Null);
                    d.insert("siteSearchKeyword".into(), json!(keyword));
                    d.insert("siteSearchCategory".into(), json!(category));
                    d.insert("siteSearchCount".into(), json!(count));
                    d.insert("pageviewPosition".into(), json!(position));
                    d.insert("title".into(), json!("Site Search"));
                    d.insert("subtitle".into(), json!(subtitle));
                }
                ActionKind::Event {
                    url,
                    category,
                    action,
                    name,
                    value,
                } => {
                    events += 1;
                    d.insert("type".into(), json!("event"));
                    d.insert("url".into(), json!(url));
                    d.insert("eventCategory".into(), json!(category));
                    d.insert("eventAction".into(), json!(action));
                    d.insert("pageviewPosition".into(), json!(position));
                    d.insert("title".into(), json!("Event"));
                    // Matomo's own (unbalanced) quotes.
                    d.insert(
                        "subtitle".into(),
                        json!(format!("Category: \"{category}', Action: \"{action}\"")),
                    );
                    if let Some(n) = name {
                        d.insert("eventName".into(), json!(n));
                    }
                    if let Some(x) = value {
                        d.insert("eventValue".into(), number(*x));
                    }
                }
                ActionKind::Download { url } | ActionKind::Outlink { url } => {
                    let (kind, title) = match a.kind {
                        ActionKind::Download { .. } => ("download", "Download"),
                        _ => ("outlink", "Outlink"),
                    };
                    d.insert("type".into(), json!(kind));
                    d.insert("url".into(), json!(url));
                    d.insert("pageTitle".into(), J::Null);
                    d.insert("pageviewPosition".into(), json!(position));
                    d.insert("title".into(), json!(title));
                    d.insert("subtitle".into(), json!(url));
                }
            }
            for id in &action_dims {
                d.insert(format!("dimension{id}"), json!(a.dimensions.get(id)));
            }
            details.push(J::Object(d));
        }
        let mut m = Map::new();
        m.insert("idSite".into(), json!(site));
        m.insert("idVisit".into(), json!(v.id));
        m.insert("visitorId".into(), json!(v.visitor_id));
        m.insert(
            "siteName".into(),
            json!(self.st.sites.get(&site).map(|s| s.name.clone())),
        );
        m.insert("userId".into(), json!(v.user_id));
        m.insert("actions".into(), json!(v.actions.len()));
        m.insert("searches".into(), json!(searches));
        m.insert("events".into(), json!(events));
        m.insert("interactions".into(), json!(interactions));
        for id in &visit_dims {
            m.insert(format!("dimension{id}"), json!(v.dimensions.get(id)));
        }
        m.insert("actionDetails".into(), J::Array(details));
        J::Object(m)
    }
}
