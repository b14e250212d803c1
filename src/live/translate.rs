//! Translation between the live state and Matomo's wire shapes
//! ([`crate::matomo::wire`]): what the reads decoded becomes live state, and what apply
//! writes becomes the arguments of the client's setters. Field by field, no decision
//! besides the two Matomo leaves implicit: a Live switch Matomo leaves out of a site's
//! settings is decided by the instance, and a compliance status says enforced or not.

use crate::desired::model::ComplianceMode;
use crate::matomo::wire;

use super::{
    DimensionSlots, DimensionState, ExclusionsState, GoalState, MatomoRequirement, PrivacyState,
    RawDataState, ReportsState, RetentionState, SitePrivacyState, SiteSearchState, SiteState,
    VisitorLogState,
};

/// A site's base fields; the details read by other calls (visitor log, public
/// statistics, goals, dimensions, compliance, privacy) are left `None`.
impl From<wire::Site> for SiteState {
    fn from(site: wire::Site) -> Self {
        Self {
            id: site.id,
            name: site.name,
            urls: site.urls,
            timezone: site.timezone,
            currency: site.currency,
            site_type: site.site_type,
            group: site.group,
            ecommerce: site.ecommerce,
            site_search: SiteSearchState {
                enabled: site.site_search.enabled,
                keyword_parameters: site.site_search.keyword_parameters,
                category_parameters: site.site_search.category_parameters,
            },
            exclude_unknown_urls: site.exclude_unknown_urls,
            keep_url_fragments: site.keep_url_fragments,
            exclusions: exclusions(site.exclusions, None),
            ..Self::default()
        }
    }
}

/// Every field a write sends (`addSite`, `updateSite`); the visitor log switches as
/// [`wire::LiveSwitches`], a switch the instance decides left out.
impl From<&SiteState> for wire::Site {
    fn from(site: &SiteState) -> Self {
        Self {
            id: site.id,
            name: site.name.clone(),
            urls: site.urls.clone(),
            timezone: site.timezone.clone(),
            currency: site.currency.clone(),
            site_type: site.site_type.clone(),
            group: site.group.clone(),
            ecommerce: site.ecommerce,
            site_search: wire::SiteSearch {
                enabled: site.site_search.enabled,
                keyword_parameters: site.site_search.keyword_parameters.clone(),
                category_parameters: site.site_search.category_parameters.clone(),
            },
            exclude_unknown_urls: site.exclude_unknown_urls,
            keep_url_fragments: site.keep_url_fragments,
            exclusions: wire::ExclusionLists::from(&site.exclusions),
            live: site.visitor_log.map(wire::LiveSwitches::from),
        }
    }
}

/// Four exclusion lists, with the type Matomo 5.2+ stores for the global
/// query-parameter list (`None` for a site's lists and before 5.2).
pub fn exclusions(
    lists: wire::ExclusionLists,
    query_parameters_type: Option<String>,
) -> ExclusionsState {
    ExclusionsState {
        ips: lists.ips,
        query_parameters: lists.query_parameters,
        user_agents: lists.user_agents,
        referrers: lists.referrers,
        query_parameters_type,
    }
}

/// The four lists a write sends (the type follows the list, see
/// [`wire::query_parameters_type`]).
impl From<&ExclusionsState> for wire::ExclusionLists {
    fn from(exclusions: &ExclusionsState) -> Self {
        Self {
            ips: exclusions.ips.clone(),
            query_parameters: exclusions.query_parameters.clone(),
            user_agents: exclusions.user_agents.clone(),
            referrers: exclusions.referrers.clone(),
        }
    }
}

/// A switch Matomo leaves out is decided by the instance: not known, marked so.
impl From<wire::LiveSwitches> for VisitorLogState {
    fn from(switches: wire::LiveSwitches) -> Self {
        Self {
            disabled: switches.disable_visitor_log.unwrap_or(false),
            profile_disabled: switches.disable_visitor_profile.unwrap_or(false),
            disabled_by_instance: switches.disable_visitor_log.is_none(),
            profile_disabled_by_instance: switches.disable_visitor_profile.is_none(),
        }
    }
}

/// A switch the instance decides is not sent (Matomo ignores it on save).
impl From<VisitorLogState> for wire::LiveSwitches {
    fn from(log: VisitorLogState) -> Self {
        Self {
            disable_visitor_log: (!log.disabled_by_instance).then_some(log.disabled),
            disable_visitor_profile: (!log.profile_disabled_by_instance)
                .then_some(log.profile_disabled),
        }
    }
}

impl From<wire::Goal> for GoalState {
    fn from(goal: wire::Goal) -> Self {
        Self {
            id: goal.id,
            name: goal.name,
            description: goal.description,
            match_attribute: goal.match_attribute,
            pattern: goal.pattern,
            pattern_type: goal.pattern_type,
            case_sensitive: goal.case_sensitive,
            allow_multiple_conversions: goal.allow_multiple_conversions,
            revenue: goal.revenue,
            use_event_value_as_revenue: goal.use_event_value_as_revenue,
        }
    }
}

impl From<&GoalState> for wire::Goal {
    fn from(goal: &GoalState) -> Self {
        Self {
            id: goal.id,
            name: goal.name.clone(),
            description: goal.description.clone(),
            match_attribute: goal.match_attribute.clone(),
            pattern: goal.pattern.clone(),
            pattern_type: goal.pattern_type.clone(),
            case_sensitive: goal.case_sensitive,
            allow_multiple_conversions: goal.allow_multiple_conversions,
            revenue: goal.revenue,
            use_event_value_as_revenue: goal.use_event_value_as_revenue,
        }
    }
}

impl From<wire::Dimension> for DimensionState {
    fn from(dim: wire::Dimension) -> Self {
        Self {
            id: dim.id,
            name: dim.name,
            scope: dim.scope,
            active: dim.active,
            case_sensitive: dim.case_sensitive,
            extractions: dim.extractions,
        }
    }
}

impl From<&DimensionState> for wire::Dimension {
    fn from(dim: &DimensionState) -> Self {
        Self {
            id: dim.id,
            name: dim.name.clone(),
            scope: dim.scope,
            active: dim.active,
            case_sensitive: dim.case_sensitive,
            extractions: dim.extractions.clone(),
        }
    }
}

impl From<wire::ScopeSlots> for DimensionSlots {
    fn from(slots: wire::ScopeSlots) -> Self {
        Self {
            available: slots.available,
            left: slots.left,
        }
    }
}

impl From<wire::AnonymisationSettings> for PrivacyState {
    fn from(settings: wire::AnonymisationSettings) -> Self {
        Self {
            anonymize_ip_enabled: settings.anonymize_ip_enabled,
            mask_bytes: settings.mask_bytes,
            use_for_enrichment: settings.use_for_enrichment,
            anonymize_user_id: settings.anonymize_user_id,
            anonymize_order_id: settings.anonymize_order_id,
            anonymize_referrer: settings.anonymize_referrer,
            force_cookieless: settings.force_cookieless,
            do_not_track: settings.do_not_track,
            randomize_config_id: settings.randomize_config_id,
        }
    }
}

impl From<&PrivacyState> for wire::AnonymisationSettings {
    fn from(privacy: &PrivacyState) -> Self {
        Self {
            anonymize_ip_enabled: privacy.anonymize_ip_enabled,
            mask_bytes: privacy.mask_bytes,
            use_for_enrichment: privacy.use_for_enrichment,
            anonymize_user_id: privacy.anonymize_user_id,
            anonymize_order_id: privacy.anonymize_order_id,
            anonymize_referrer: privacy.anonymize_referrer,
            force_cookieless: privacy.force_cookieless,
            do_not_track: privacy.do_not_track,
            randomize_config_id: privacy.randomize_config_id,
        }
    }
}

impl From<wire::SiteAnonymisation> for SitePrivacyState {
    fn from(site: wire::SiteAnonymisation) -> Self {
        Self {
            own: site.own,
            settings: site.settings.map(PrivacyState::from),
        }
    }
}

impl From<&SitePrivacyState> for wire::SiteAnonymisation {
    fn from(site: &SitePrivacyState) -> Self {
        Self {
            own: site.own,
            settings: site
                .settings
                .as_ref()
                .map(wire::AnonymisationSettings::from),
        }
    }
}

/// Both parts read from the admin page.
impl From<wire::DataDeletion> for RetentionState {
    fn from(deletion: wire::DataDeletion) -> Self {
        Self {
            raw_data: Some(RawDataState {
                delete: deletion.logs.delete,
                older_than_days: deletion.logs.older_than_days,
            }),
            reports: Some(ReportsState {
                delete: deletion.reports.delete,
                older_than_months: deletion.reports.older_than_months,
                keep: deletion.reports.keep,
            }),
        }
    }
}

impl From<&RawDataState> for wire::DeleteLogs {
    fn from(raw: &RawDataState) -> Self {
        Self {
            delete: raw.delete,
            older_than_days: raw.older_than_days,
        }
    }
}

impl From<&ReportsState> for wire::DeleteReports {
    fn from(reports: &ReportsState) -> Self {
        Self {
            delete: reports.delete,
            older_than_months: reports.older_than_months,
            keep: reports.keep.clone(),
        }
    }
}

impl From<wire::Requirement> for MatomoRequirement {
    fn from(requirement: wire::Requirement) -> Self {
        Self {
            name: requirement.name,
            status: requirement.status,
            notes: requirement.notes,
        }
    }
}

/// Matomo's compliance mode from `getComplianceStatus`'s `complianceModeEnforced`.
pub fn compliance_mode(enforced: bool) -> ComplianceMode {
    if enforced {
        ComplianceMode::CnilV1
    } else {
        ComplianceMode::Off
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::matomo::test_support::{v57, v502};
    use crate::matomo::wire::WireResult;

    fn visitor_log_settings(value: &Value) -> WireResult<Option<VisitorLogState>> {
        wire::live_switches(value).map(|switches| switches.map(VisitorLogState::from))
    }

    fn compliance_mode(value: &Value) -> WireResult<ComplianceMode> {
        wire::compliance_enforced(value).map(super::compliance_mode)
    }

    #[test]
    fn a_listed_site_has_no_details_yet() {
        let sites = wire::sites(&v502(
            "SitesManager.getSitesWithAdminAccess__fetchAliasUrls",
        ))
        .unwrap();
        let sites: Vec<SiteState> = sites.into_iter().map(SiteState::from).collect();
        assert_eq!(
            sites[1].exclusions.query_parameters,
            ["sessionid", "utm_id"]
        );
        assert!(
            sites
                .iter()
                .all(|s| s.visitor_log.is_none() && s.goals.is_none())
        );
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
    fn a_switch_the_instance_decides_is_not_written() {
        let inherited = VisitorLogState {
            disabled: true,
            disabled_by_instance: true,
            profile_disabled: true,
            ..VisitorLogState::default()
        };
        assert_eq!(
            wire::LiveSwitches::from(inherited),
            wire::LiveSwitches {
                disable_visitor_log: None,
                disable_visitor_profile: Some(true),
            }
        );
        let site = SiteState {
            visitor_log: Some(inherited),
            ..SiteState::default()
        };
        let call = crate::matomo::calls::update_site(&wire::Site::from(&site));
        assert_eq!(
            call.params.get("settingValues[Live][0][name]"),
            Some("disable_visitor_profile")
        );
        assert_eq!(call.params.get("settingValues[Live][1][name]"), None);
    }

    #[test]
    fn what_is_read_is_written_back_unchanged() {
        let goals = wire::goals(&v502("Goals.getGoals__after_add")).unwrap();
        for goal in goals.into_values() {
            assert_eq!(wire::Goal::from(&GoalState::from(goal.clone())), goal);
        }
        let privacy = wire::anonymisation_settings(&v57(
            "PrivacyManager.getAnonymisationSettings__global_while_all_enforced",
        ))
        .unwrap();
        assert_eq!(
            wire::AnonymisationSettings::from(&PrivacyState::from(privacy.clone())),
            privacy
        );
        let site = wire::site(&v502(
            "SitesManager.getSiteFromId__superuser_site4_intranet",
        ))
        .unwrap();
        assert_eq!(wire::Site::from(&SiteState::from(site.clone())), site);
    }
}
