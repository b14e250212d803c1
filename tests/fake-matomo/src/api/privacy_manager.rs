//! `PrivacyManager`: IP anonymisation, data retention, Do Not Track, query-parameter
//! exclusion types and (5.7) compliance policies.

use super::values::{php_bool, typed_bool};
use super::{Call, Fail, R, missing, no_method, unexpected_site, val};
use crate::state::{Access, Anonymisation, SiteAnonymisation};
use serde_json::Map;
use serde_json::Value as J;
use serde_json::json;

impl Call<'_> {
    /// The `PrivacyManager` methods.
    pub(super) fn privacy_manager(&mut self, action: &str) -> R {
        let v57 = self.is57();
        match action {
            "setAnonymizeIpSettings" => {
                if v57 {
                    self.set_anonymize_57()
                } else {
                    self.set_anonymize_502()
                }
            }
            "getAnonymisationSettings" if v57 => self.get_anonymisation(),
            "getAvailableVisitColumnsToAnonymize" => {
                self.check_super()?;
                Ok(
                    serde_json::from_str(include_str!("../assets/visit_columns.json"))
                        .unwrap_or(J::Null),
                )
            }
            "activateDoNotTrack" => {
                self.check_super()?;
                self.st.options.do_not_track = true;
                val(true)
            }
            "deactivateDoNotTrack" => {
                self.check_super()?;
                self.st.options.do_not_track = false;
                val(true)
            }
            "setDeleteLogsSettings" => {
                self.check_super()?;
                self.confirm_password("Please enter your password to confirm this change.")?;
                let r = &mut self.st.options.retention;
                r.delete_logs_enable = php_bool(self.p.str("enableDeleteLogs").unwrap_or("0"));
                let days = self
                    .p
                    .str("deleteLogsOlderThan")
                    .map_or(180, |d| d.trim().parse::<i64>().unwrap_or(0));
                r.delete_logs_older_than = days.max(1);
                val(true)
            }
            "setDeleteReportsSettings" => {
                self.check_super()?;
                self.confirm_password("Please enter your password to confirm this change.")?;
                let flag = |k: &str| php_bool(self.p.str(k).unwrap_or("0"));
                let enable = flag("enableDeleteReports");
                let months = self
                    .p
                    .str("deleteReportsOlderThan")
                    .map_or(3, |d| d.trim().parse::<i64>().unwrap_or(0))
                    .max(2);
                let keeps = [
                    flag("keepBasic"),
                    flag("keepDay"),
                    flag("keepWeek"),
                    flag("keepMonth"),
                    flag("keepYear"),
                    flag("keepRange"),
                    flag("keepSegments"),
                ];
                let r = &mut self.st.options.retention;
                r.delete_reports_enable = enable;
                r.delete_reports_older_than = months;
                [
                    r.keep_basic,
                    r.keep_day,
                    r.keep_week,
                    r.keep_month,
                    r.keep_year,
                    r.keep_range,
                    r.keep_segments,
                ] = keeps;
                val(true)
            }
            "getCompliancePolicies" if v57 => Ok(serde_json::from_str(include_str!(
                "../assets/compliance_policies.json"
            ))
            .unwrap_or(J::Null)),
            "getComplianceStatus" if v57 => self.get_compliance(),
            "setComplianceStatus" if v57 => self.set_compliance(),
            _ => Err(no_method("PrivacyManager", action)),
        }
    }

    fn set_anonymize_502(&mut self) -> R {
        let enable = self.req("anonymizeIPEnable")?;
        let mask = self.req("maskLength")?;
        let enrich = self.req("useAnonymizedIpForVisitEnrichment")?;
        self.check_super()?;
        let a = &mut self.st.options.anonymisation;
        match enable.as_str() {
            "1" => a.ip_anonymizer_enabled = true,
            "0" => a.ip_anonymizer_enabled = false,
            _ => {}
        }
        a.mask_length = mask.trim().parse::<i64>().unwrap_or(0);
        a.use_anonymized_ip_for_visit_enrichment = php_bool(&enrich);
        if let Some(v) = self.p.str("anonymizeUserId") {
            a.anonymize_user_id = php_bool(v);
        }
        if let Some(v) = self.p.str("anonymizeOrderId") {
            a.anonymize_order_id = php_bool(v);
        }
        if let Some(v) = self.p.str("forceCookielessTracking") {
            a.force_cookieless_tracking = php_bool(v);
        }
        let referrer = self.p.str("anonymizeReferrer").unwrap_or_default();
        a.anonymize_referrer =
            if ["exclude_query", "exclude_path", "exclude_all"].contains(&referrer) {
                referrer.to_string()
            } else {
                String::new()
            };
        val(true)
    }

    fn set_anonymize_57(&mut self) -> R {
        let enable = self.req("anonymizeIPEnable")?;
        let mask = self
            .req("ipAddressMaskLength")?
            .trim()
            .parse::<i64>()
            .map_err(|_| missing("ipAddressMaskLength"))?;
        let enrich = self.req("useAnonymizedIpForVisitEnrichment")?;
        let b = |k: &str| self.p.str(k).is_some_and(typed_bool);
        // PrivacyManager API::setAnonymizeIpSettings: admin access to the site suffices for
        // its own settings; `useSiteSpecificSettings=0` removes them and answers true before
        // the password confirmation or any value is looked at.
        let site = match self.p.str("idSiteSpecific").filter(|s| !s.is_empty()) {
            Some(raw) => {
                let id = raw.trim().parse::<u32>().unwrap_or(0);
                if !self.is_super() {
                    self.check_site(Access::Admin, id)?;
                }
                Some(id)
            }
            None => {
                self.check_super()?;
                None
            }
        };
        if let Some(id) = site
            && !b("useSiteSpecificSettings")
        {
            self.st.site_anonymisation.remove(&id);
            return val(true);
        }
        let randomize = b("randomizeConfigId");
        if randomize {
            self.confirm_password("Please re-authenticate to confirm this change.")?;
        }
        let referrer = self.p.str("anonymizeReferrer").unwrap_or_default();
        let values = Anonymisation {
            ip_anonymizer_enabled: typed_bool(&enable),
            mask_length: mask,
            use_anonymized_ip_for_visit_enrichment: typed_bool(&enrich),
            anonymize_user_id: b("anonymizeUserId"),
            anonymize_order_id: b("anonymizeOrderId"),
            anonymize_referrer: if ["exclude_query", "exclude_path", "exclude_all"]
                .contains(&referrer)
            {
                referrer.to_string()
            } else {
                String::new()
            },
            force_cookieless_tracking: b("forceCookielessTracking"),
            randomize_config_id: randomize,
        };
        match site {
            Some(id) => {
                self.st.site_anonymisation.insert(
                    id,
                    SiteAnonymisation {
                        use_site_specific: true,
                        values,
                    },
                );
            }
            None => self.st.options.anonymisation = values,
        }
        val(true)
    }

    pub(super) fn enforced(&self, site: Option<u32>) -> bool {
        self.st.cnil_enforced(site)
    }

    pub(super) fn optional_site(&self) -> Result<Option<u32>, Fail> {
        match self.s("idSite").filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(id) if self.st.sites.contains_key(&id) => Ok(Some(id)),
                _ => Err(unexpected_site(raw)),
            },
        }
    }

    /// The effective global query-parameter exclusions (5.7).
    pub(super) fn effective_query_params(&self, site: Option<u32>) -> Vec<String> {
        self.st.effective_query_params(site)
    }

    fn get_anonymisation(&self) -> R {
        let site = match self.s("idSiteSpecific").filter(|s| !s.is_empty()) {
            Some(raw) => {
                let id = raw.trim().parse::<u32>().unwrap_or(0);
                if !self.is_super() {
                    self.check_site(Access::Admin, id)?;
                }
                Some(id)
            }
            None => {
                self.check_super()?;
                None
            }
        };
        let global = &self.st.options.anonymisation;
        let (mut v, use_site) = match site.and_then(|id| self.st.site_anonymisation.get(&id)) {
            Some(o) => (o.values.clone(), o.use_site_specific),
            None => (global.clone(), false),
        };
        v.force_cookieless_tracking = global.force_cookieless_tracking;
        let enforced = self.enforced(site);
        if enforced {
            v.ip_anonymizer_enabled = true;
            v.mask_length = v.mask_length.max(2);
            v.anonymize_order_id = true;
            if v.anonymize_referrer.is_empty() || v.anonymize_referrer == "exclude_query" {
                v.anonymize_referrer = "exclude_path".into();
            }
        }
        let mut m = Map::new();
        m.insert(
            "useAnonymizedIpForVisitEnrichment".into(),
            json!(v.use_anonymized_ip_for_visit_enrichment),
        );
        m.insert("ipAddressMaskLength".into(), json!(v.mask_length));
        m.insert(
            "doNotTrackEnabled".into(),
            json!(self.st.options.do_not_track),
        );
        m.insert("ipAnonymizerEnabled".into(), json!(v.ip_anonymizer_enabled));
        m.insert(
            "forceCookielessTracking".into(),
            json!(v.force_cookieless_tracking),
        );
        m.insert("anonymizeUserId".into(), json!(v.anonymize_user_id));
        m.insert("anonymizeOrderId".into(), json!(v.anonymize_order_id));
        m.insert("anonymizeReferrer".into(), json!(v.anonymize_referrer));
        m.insert("randomizeConfigId".into(), json!(v.randomize_config_id));
        m.insert("useSiteSpecificSettings".into(), json!(use_site));
        let statics: J = serde_json::from_str(include_str!("../assets/anonymisation_static.json"))
            .unwrap_or(J::Null);
        if let J::Object(s) = statics {
            m.extend(s);
        }
        if enforced {
            let meta = |req: J| json!({"compliancePolicyControlled": {"cnil_v1": {"requiredValue": req}}, "idSite": site});
            m.insert(
                "extraMetadata".into(),
                json!({
                    "ipAddressMaskLength": meta(json!(2)),
                    "ipAnonymizerEnabled": meta(json!(1)),
                    "anonymizeOrderId": meta(json!(true)),
                    "anonymizeReferrer": meta(json!("exclude_path")),
                }),
            );
        }
        Ok(J::Object(m))
    }

    fn compliance_common(&self) -> Result<Option<u32>, Fail> {
        let raw = self.req("idSite")?;
        self.req("complianceType")?;
        if !matches!(
            self.st.version,
            crate::state::VersionMode::V5_7 {
                compliance_flag: true
            }
        ) {
            return Err(Fail::Error("Feature not available".into()));
        }
        Ok(if raw == "all" {
            None
        } else {
            Some(raw.trim().parse::<u32>().unwrap_or(0))
        })
    }

    fn get_compliance(&self) -> R {
        let site = self.compliance_common()?;
        self.check_super()?;
        if self.s("complianceType") != Some("cnil_v1") {
            return Err(Fail::Error("Invalid compliance type".into()));
        }
        if let Some(id) = site
            && !self.st.sites.contains_key(&id)
        {
            return Err(unexpected_site(&id.to_string()));
        }
        let enforced = self.enforced(site);
        let mut reqs: Vec<J> =
            serde_json::from_str(include_str!("../assets/compliance_requirements.json"))
                .unwrap_or_default();
        let a = match site.and_then(|id| self.st.site_anonymisation.get(&id)) {
            Some(o) if o.use_site_specific => o.values.clone(),
            _ => self.st.options.anonymisation.clone(),
        };
        let ecommerce_on = match site {
            Some(id) => self.st.sites.get(&id).is_some_and(|s| s.ecommerce == 1),
            None => self.st.sites.values().any(|s| s.ecommerce == 1),
        };
        let visits_log_off = self.st.options.live_disable_visitor_log
            || site
                .and_then(|id| self.st.sites.get(&id))
                .is_some_and(|s| s.disable_visitor_log);
        for (i, r) in reqs.iter_mut().enumerate() {
            let value = if i == 15 {
                "unknown"
            } else if enforced {
                "compliant"
            } else {
                let c = match i {
                    2 => !ecommerce_on,
                    3 => a.anonymize_order_id,
                    4 => self.st.options.query_param_exclusion_type == "matomo_recommended_pii",
                    5 => visits_log_off,
                    7 => a.ip_anonymizer_enabled,
                    8 => a.mask_length >= 2,
                    9 => {
                        a.anonymize_referrer == "exclude_path"
                            || a.anonymize_referrer == "exclude_all"
                    }
                    10 => self.st.options.retention.delete_logs_older_than <= 180,
                    14 => true,
                    _ => false,
                };
                if c { "compliant" } else { "non_compliant" }
            };
            r["value"] = json!(value);
            if i == 2 {
                r["notes"] = json!(match (value, ecommerce_on) {
                    ("compliant", true) =>
                        "Ecommerce analytics is enabled, but specific segments are disabled (Order ID, Order revenue, Product price, Product name, Product SKU). If you prefer, you can completely disable Ecommerce tracking <a href=\"index.php?module=SitesManager&action=index\">here</a>.",
                    ("compliant", false) =>
                        "Compliant because Ecommerce isn't active for this measurable.",
                    _ => "Non compliant because Ecommerce analytics is enabled unrestricted.",
                });
            }
            if i == 8 {
                let shown = if enforced {
                    a.mask_length.max(2)
                } else {
                    a.mask_length
                };
                r["notes"] = json!(format!(
                    "Must be set to at least 2 byte(s), currently {shown} byte(s)."
                ));
            }
            if i == 10 {
                // ReportRetention::getInstance($idSite): the strictest with CNIL's 180 days
                // while the policy is active for the site.
                let days = self.st.options.retention.delete_logs_older_than;
                r["notes"] = json!(format!(
                    "Retention period is set to {} days.",
                    if enforced { days.min(180) } else { days }
                ));
            }
        }
        Ok(json!({
            "complianceModeEnforced": enforced,
            "complianceConfigControlled": self.st.compliance.config_controlled,
            "complianceRequirements": reqs,
        }))
    }

    fn set_compliance(&mut self) -> R {
        let site = self.compliance_common()?;
        let enforce = typed_bool(&self.req("enforce")?);
        self.check_super()?;
        if self.s("force_api_session").is_some_and(php_bool) {
            self.confirm_password("Please re-authenticate to confirm this change.")?;
        }
        if self.s("complianceType") != Some("cnil_v1") {
            return Err(Fail::Error("Invalid compliance type".into()));
        }
        if self.st.compliance.config_controlled {
            return Err(Fail::Error("You are not allowed to change the value of the setting &quot;cnil_v1_policy_enabled&quot; in plugin &quot;CnilPolicy&quot;".into()));
        }
        let c = &mut self.st.compliance;
        match site {
            None => c.all = enforce,
            Some(id) => {
                if enforce {
                    c.sites.insert(id);
                } else {
                    c.sites.remove(&id);
                    c.all = false;
                }
            }
        }
        val(enforce)
    }
}
