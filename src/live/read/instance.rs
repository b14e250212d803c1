//! The instance settings: global exclusions, defaults for new sites, privacy, the
//! instance visitor log and Matomo's compliance mode in one bulk call; retention (and
//! privacy where the API cannot read it) from the admin pages of a logged-in session.

use serde_json::Value;

use super::tolerate;
use crate::live::translate::{compliance_mode, exclusions};
use crate::live::{
    ComplianceSupport, DefaultsState, InstanceState, MatomoInfo, MatomoRequirement, PrivacyState,
    RetentionState, VisitorLogState,
};
use crate::matomo::{Call, Client, MatomoError, calls, session, undecodable, wire};

/// Reads the instance settings in one bulk call: global exclusions, defaults for new
/// sites, privacy (through `getAnonymisationSettings` when this Matomo has it and the
/// token is superuser; otherwise `None`, to be asserted), the instance visitor log
/// (`CorePluginsAdmin.getSystemSettings`, superuser) and the compliance mode of `all`
/// (when available, superuser). Retention has no API reader: `None`, unless the client
/// has `MATOMO_LOGIN` and `MATOMO_PASSWORD`: then the admin pages of a logged-in session
/// give the retention, and the privacy where the API could not (see
/// [`crate::matomo::session`]; a page not recognised is warned and left `None`).
/// A refused read leaves its section `None` (logged at warn).
pub async fn read_instance(
    client: &Client,
    info: &MatomoInfo,
) -> Result<InstanceState, MatomoError> {
    let mut requests = vec![
        Call::new("SitesManager.getExcludedIpsGlobal"),
        Call::new("SitesManager.getExcludedQueryParametersGlobal"),
        Call::new("SitesManager.getExcludedUserAgentsGlobal"),
        Call::new("SitesManager.getExcludedReferrersGlobal"),
        Call::new("SitesManager.getDefaultTimezone"),
        Call::new("SitesManager.getDefaultCurrency"),
    ];
    let privacy_at = (info.anonymisation_reader && info.superuser).then(|| {
        requests.push(Call::new("PrivacyManager.getAnonymisationSettings"));
        requests.len() - 1
    });
    let visitor_log_at = info.superuser.then(|| {
        requests.push(Call::new("CorePluginsAdmin.getSystemSettings"));
        requests.len() - 1
    });
    let exclusion_type_at = wire::version_at_least(&info.version, 5, 2).then(|| {
        requests.push(Call::new("SitesManager.getExclusionTypeForQueryParams"));
        requests.len() - 1
    });
    let compliance_at =
        (info.compliance == ComplianceSupport::Available && info.superuser).then(|| {
            requests.push(calls::compliance_status(None));
            requests.len() - 1
        });

    let mut values: Vec<Option<Value>> = Vec::with_capacity(requests.len());
    for result in client.bulk(&requests).await? {
        values.push(tolerate(result)?);
    }
    let decode = |i: usize, e: wire::WireError| undecodable(&requests[i], &e);

    let mut lists = Vec::with_capacity(4);
    for (i, value) in values.iter().enumerate().take(4) {
        lists.push(match value {
            Some(v) => Some(wire::global_list(v).map_err(|e| decode(i, e))?),
            None => None,
        });
    }
    let exclusions = match (&lists[0], &lists[1], &lists[2], &lists[3]) {
        (Some(ips), Some(query), Some(agents), Some(referrers)) => {
            let lists = wire::ExclusionLists {
                ips: ips.clone(),
                query_parameters: query.clone(),
                user_agents: agents.clone(),
                referrers: referrers.clone(),
            };
            let kind = match exclusion_type_at.and_then(|i| values[i].as_ref().map(|v| (i, v))) {
                Some((i, v)) => Some(wire::global_string(v).map_err(|e| decode(i, e))?),
                None => None,
            };
            Some(exclusions(lists, kind))
        }
        _ => None,
    };
    let defaults = match (&values[4], &values[5]) {
        (Some(timezone), Some(currency)) => Some(DefaultsState {
            timezone: wire::global_string(timezone).map_err(|e| decode(4, e))?,
            currency: wire::global_string(currency).map_err(|e| decode(5, e))?,
        }),
        _ => None,
    };
    let privacy = match privacy_at.and_then(|i| values[i].as_ref().map(|v| (i, v))) {
        Some((i, v)) => Some(PrivacyState::from(
            wire::anonymisation_settings(v).map_err(|e| decode(i, e))?,
        )),
        None => None,
    };
    let visitor_log = match visitor_log_at.and_then(|i| values[i].as_ref().map(|v| (i, v))) {
        Some((i, v)) => wire::live_switches(v)
            .map_err(|e| decode(i, e))?
            .map(VisitorLogState::from),
        None => None,
    };
    let compliance_mode = match compliance_at.and_then(|i| values[i].as_ref().map(|v| (i, v))) {
        Some((i, v)) => Some(compliance_mode(
            wire::compliance_enforced(v).map_err(|e| decode(i, e))?,
        )),
        None => None,
    };
    let matomo_requirements = match compliance_at.and_then(|i| values[i].as_ref().map(|v| (i, v))) {
        Some((i, v)) => wire::compliance_requirements(v)
            .map_err(|e| decode(i, e))?
            .into_iter()
            .map(MatomoRequirement::from)
            .collect(),
        None => Vec::new(),
    };
    let mut privacy = privacy;
    let mut retention = None;
    if session::configured(client) {
        if let Some(pages) = session::read_admin_pages(client, !info.anonymisation_reader).await {
            if privacy.is_none() {
                privacy = pages.privacy.map(PrivacyState::from);
            }
            retention = pages.retention.map(RetentionState::from);
        }
    }
    Ok(InstanceState {
        privacy,
        retention,
        exclusions,
        visitor_log,
        defaults,
        compliance_mode,
        matomo_requirements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::model::ComplianceMode;
    use crate::live::read::detect;
    use crate::live::read::fixture::{client, scripted};
    use crate::matomo::test_support::{form, serve};

    #[tokio::test]
    async fn instance_settings_are_read_in_one_bulk_call() {
        let (url, _) = serve(scripted).await;
        let client = client(&url);
        let info = detect(&client).await.unwrap();
        let before = client.request_count();
        let instance = read_instance(&client, &info).await.unwrap();
        assert_eq!(client.request_count(), before + 1);
        let exclusions = instance.exclusions.unwrap();
        assert_eq!(exclusions.ips, ["127.0.0.1", "10.1.0.0/16", "172.16.*.*"]);
        assert_eq!(exclusions.query_parameters, ["gclid", "fbclid"]);
        assert!(exclusions.user_agents.is_empty() && exclusions.referrers.is_empty());
        let defaults = instance.defaults.unwrap();
        assert_eq!(
            (defaults.timezone.as_str(), defaults.currency.as_str()),
            ("UTC", "EUR")
        );
        let privacy: PrivacyState = instance.privacy.unwrap();
        assert!(privacy.anonymize_order_id);
        assert_eq!(
            instance.visitor_log,
            Some(VisitorLogState {
                disabled: true,
                profile_disabled: false,
                ..VisitorLogState::default()
            })
        );
        assert_eq!(instance.compliance_mode, Some(ComplianceMode::CnilV1));
        assert_eq!(instance.retention, None);
    }

    #[tokio::test]
    async fn without_superuser_privacy_and_instance_log_are_asserted_not_read() {
        let (url, log) = serve(scripted).await;
        let client = client(&url);
        let info = MatomoInfo {
            version: "5.7.0-rc1".into(),
            anonymisation_reader: true,
            compliance: crate::live::ComplianceSupport::Available,
            ..MatomoInfo::default()
        };
        let instance = read_instance(&client, &info).await.unwrap();
        assert_eq!(
            (
                instance.privacy,
                instance.visitor_log,
                instance.compliance_mode
            ),
            (None, None, None)
        );
        assert!(instance.exclusions.is_some());
        let sent = form(&log.lock().unwrap()[0]);
        assert_eq!(
            sent.iter().filter(|(k, _)| k.starts_with("urls[")).count(),
            7,
            "the four global lists, the query-parameter type (5.2+), the two defaults"
        );
    }
}
