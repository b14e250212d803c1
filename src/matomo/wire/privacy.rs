//! The privacy settings as Matomo answers them and its setters take them: the
//! anonymisation settings (of the instance or of one site), the data deletion settings,
//! and the status of Matomo's own compliance mode with its requirements.

use serde_json::Value;

use super::{
    WireError, WireResult, bool_of, expected, field, list_items, require_object, string_of, u64_of,
};
use crate::desired::model::{ReferrerAnonymisation, ReportsKeep};
use crate::matomo::codes::FromMatomoName as _;

/// The anonymisation settings, as `PrivacyManager.getAnonymisationSettings` (5.6+) and
/// the admin pages give them and `setAnonymizeIpSettings` takes them (Do Not Track by
/// its own setters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnonymisationSettings {
    /// `ipAnonymizerEnabled` / `anonymizeIPEnable`.
    pub anonymize_ip_enabled: bool,
    /// `ipAddressMaskLength` / `maskLength`.
    pub mask_bytes: u8,
    /// `useAnonymizedIpForVisitEnrichment`.
    pub use_for_enrichment: bool,
    /// `anonymizeUserId`.
    pub anonymize_user_id: bool,
    /// `anonymizeOrderId`.
    pub anonymize_order_id: bool,
    /// `anonymizeReferrer`.
    pub anonymize_referrer: ReferrerAnonymisation,
    /// `forceCookielessTracking`.
    pub force_cookieless: bool,
    /// `doNotTrackEnabled`.
    pub do_not_track: bool,
    /// `randomizeConfigId` (Matomo 5.7+; `None` where this Matomo has none).
    pub randomize_config_id: Option<bool>,
}

/// One site's anonymisation settings (5.7, `idSiteSpecific`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteAnonymisation {
    /// `useSiteSpecificSettings`.
    pub own: bool,
    /// The site's own settings, when `own`.
    pub settings: Option<AnonymisationSettings>,
}

/// Raw data deletion (`setDeleteLogsSettings`; the admin page's `delete_logs_…`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeleteLogs {
    /// `enableDeleteLogs`.
    pub delete: bool,
    /// `deleteLogsOlderThan`, in days.
    pub older_than_days: u32,
}

/// Report deletion (`setDeleteReportsSettings`; the admin page's `delete_reports_…`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteReports {
    /// `enableDeleteReports`.
    pub delete: bool,
    /// `deleteReportsOlderThan`, in months.
    pub older_than_months: u32,
    /// The seven `keep…` flags.
    pub keep: ReportsKeep,
}

/// The data deletion settings, as the privacy settings admin page gives them
/// (`delete-data.config`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataDeletion {
    /// Raw data deletion.
    pub logs: DeleteLogs,
    /// Report deletion.
    pub reports: DeleteReports,
}

/// One requirement of Matomo's `cnil_v1` policy in `getComplianceStatus` (5.7).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirement {
    /// `name`.
    pub name: String,
    /// `value`: `compliant`, `non_compliant` or `unknown`.
    pub status: String,
    /// `notes`, HTML stripped.
    pub notes: String,
}

/// A site's privacy settings from `getAnonymisationSettings(idSiteSpecific)` (5.7):
/// its own when `useSiteSpecificSettings` is true (missing before 5.7: the instance's).
pub fn site_privacy(value: &Value) -> WireResult<SiteAnonymisation> {
    require_object(value, "the anonymisation settings object")?;
    let own = match value.get("useSiteSpecificSettings") {
        Some(v) => bool_of(v)?,
        None => false,
    };
    Ok(SiteAnonymisation {
        own,
        settings: if own {
            Some(anonymisation_settings(value)?)
        } else {
            None
        },
    })
}

/// The instance privacy settings from `PrivacyManager.getAnonymisationSettings` (5.6+).
pub fn anonymisation_settings(value: &Value) -> WireResult<AnonymisationSettings> {
    require_object(value, "the anonymisation settings object")?;
    let ctx = |e: WireError| WireError(format!("anonymisation settings: {e}"));
    let mask = u64_of(field(value, "ipAddressMaskLength")).map_err(ctx)?;
    Ok(AnonymisationSettings {
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
pub fn compliance_requirements(value: &Value) -> WireResult<Vec<Requirement>> {
    require_object(value, "the compliance status object")?;
    let Some(list) = value.get("complianceRequirements") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in list_items(list)? {
        require_object(item, "a compliance requirement")?;
        let notes = string_of(field(item, "notes")).unwrap_or_default();
        out.push(Requirement {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matomo::test_support::v57;

    #[test]
    fn anonymisation_settings_decode() {
        let initial = anonymisation_settings(&v57(
            "PrivacyManager.getAnonymisationSettings__global_initial",
        ))
        .unwrap();
        assert_eq!(
            initial,
            AnonymisationSettings {
                anonymize_ip_enabled: true,
                mask_bytes: 2,
                randomize_config_id: Some(false),
                ..AnonymisationSettings::default()
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
}
