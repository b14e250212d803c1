//! `Live`: the visits log and visitor profile switches, checked before any visit is answered.

use super::{Call, Fail, R, no_method, unexpected_site};
use crate::state::Access;
use serde_json::json;

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

    /// `Live.getLastVisitsDetails` (the fake has no visits: an empty list once allowed).
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
        Ok(json!([]))
    }
}
