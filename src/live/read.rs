//! Reading the live state through the client: capabilities once, sites listed in one
//! call, per-site objects in bulk.

use futures::StreamExt;
use serde_json::Value;

use super::{
    ComplianceSupport, DefaultsState, ExclusionsState, InstanceState, MatomoInfo, SiteState,
};
use crate::matomo::{Call, Client, MatomoError, calls, session, wire};

/// Plain requests in flight at once in naive mode.
const NAIVE_PARALLELISM: usize = 10;

/// Detects the instance's capabilities and lists the sites the token administers
/// (`SitesManager.getSitesWithAdminAccess(fetchAliasUrls=1)`), all in one HTTP request.
/// Base fields only: the details (visitor log, goals, dimensions, compliance) are
/// `None`, except public statistics, filled for every listed site when the token is
/// superuser (`UsersManager.getSitesAccessFromUser(anonymous)`, in the same request;
/// otherwise `None`, read per site by [`read_site_details`]).
pub async fn read_sites(client: &Client) -> Result<(MatomoInfo, Vec<SiteState>), MatomoError> {
    let listing = Call::new("SitesManager.getSitesWithAdminAccess").with("fetchAliasUrls", 1);
    let anonymous = Call::new("UsersManager.getSitesAccessFromUser").with("userLogin", "anonymous");
    let (info, mut results) = client
        .detect_with(&[listing.clone(), anonymous.clone()])
        .await?;
    let public = results.pop().unwrap_or(Err(MatomoError::Truncated {
        expected: 2,
        got: 0,
    }));
    let answer = results.pop().unwrap_or(Err(MatomoError::Truncated {
        expected: 2,
        got: 1,
    }))?;
    let mut sites = wire::sites(&answer).map_err(|e| decode_error(&listing, &e))?;
    if info.superuser {
        match public {
            Ok(value) => {
                let public =
                    wire::sites_with_view(&value).map_err(|e| decode_error(&anonymous, &e))?;
                for site in &mut sites {
                    site.public_stats = Some(public.contains(&site.id));
                }
            }
            Err(e) => {
                tolerate(Err(e))?;
            }
        }
    }
    Ok((info, sites))
}

/// How many sites the token can at least view
/// (`SitesManager.getSitesWithAtLeastViewAccess`): read only to explain a token that
/// administers none.
pub async fn count_sites_with_view(client: &Client) -> Result<usize, MatomoError> {
    let call = Call::new("SitesManager.getSitesWithAtLeastViewAccess");
    let answer = client.read(&call).await?;
    answer
        .as_array()
        .map(Vec::len)
        .ok_or_else(|| decode_error(&call, &wire::WireError("not a list of sites".into())))
}

/// What one per-site read fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    VisitorLog,
    PublicStats,
    Goals,
    Dimensions,
    Compliance,
    Privacy,
}

/// Reads the details of each site: visitor log switches (`getSiteSettings`), public
/// statistics (`getUsersAccessFromSite`, unless [`read_sites`] already filled them and
/// `naive` is off), goals and custom dimensions (when their plugin
/// is active), and Matomo's compliance mode (when available and the token is superuser).
/// All in bulk calls; with `naive`, one plain request per site and detail, 10 in flight
/// (for the benchmark's comparison).
///
/// A refused or failed per-site read leaves that field `None` and is logged at warn (a
/// team token may lack admin on a site it only views); an invalid token, a transport
/// failure, a truncated bulk answer or an unrecognised answer aborts.
pub async fn read_site_details(
    client: &Client,
    info: &MatomoInfo,
    sites: &mut [SiteState],
    naive: bool,
) -> Result<(), MatomoError> {
    let plugin = |name: &str| info.plugins.get(name).copied().unwrap_or(false);
    let mut plan: Vec<(usize, Detail)> = Vec::new();
    let mut requests: Vec<Call> = Vec::new();
    for (index, site) in sites.iter().enumerate() {
        let id = site.id;
        let mut add = |detail: Detail, call: Call| {
            plan.push((index, detail));
            requests.push(call);
        };
        add(
            Detail::VisitorLog,
            Call::for_site("SitesManager.getSiteSettings", id),
        );
        if naive || site.public_stats.is_none() {
            add(
                Detail::PublicStats,
                Call::for_site("UsersManager.getUsersAccessFromSite", id),
            );
        }
        if plugin("Goals") {
            add(Detail::Goals, Call::for_site("Goals.getGoals", id));
        }
        if plugin("CustomDimensions") {
            add(
                Detail::Dimensions,
                Call::for_site("CustomDimensions.getConfiguredCustomDimensions", id),
            );
        }
        if info.compliance == ComplianceSupport::Available && info.superuser {
            add(Detail::Compliance, calls::compliance_status(Some(id)));
        }
        if info.anonymisation_reader {
            add(Detail::Privacy, calls::site_privacy(id));
        }
    }

    let mut fill = |index: usize, result: Result<Value, MatomoError>| {
        let Some(value) = tolerate(result)? else {
            return Ok(());
        };
        let (site_index, detail) = plan[index];
        let call = &requests[index];
        let site = &mut sites[site_index];
        let decode = |e: wire::WireError| decode_error(call, &e);
        match detail {
            Detail::VisitorLog => {
                site.visitor_log = wire::visitor_log_settings(&value).map_err(decode)?;
            }
            Detail::PublicStats => {
                site.public_stats = Some(wire::public_stats(&value).map_err(decode)?);
            }
            Detail::Goals => site.goals = Some(wire::goals(&value).map_err(decode)?),
            Detail::Dimensions => {
                let (dims, skipped) = wire::dimensions(&value).map_err(decode)?;
                if !skipped.is_empty() {
                    tracing::warn!(
                        "site {}: custom dimensions with a scope matoform does not manage are ignored: {}",
                        site.id,
                        skipped.join(", ")
                    );
                }
                site.custom_dimensions = Some(dims);
            }
            Detail::Compliance => {
                site.compliance_mode = Some(wire::compliance_mode(&value).map_err(decode)?);
                site.matomo_requirements = wire::compliance_requirements(&value).map_err(decode)?;
            }
            Detail::Privacy => site.privacy = Some(wire::site_privacy(&value).map_err(decode)?),
        }
        Ok(())
    };

    // Each answer is decoded as it arrives: only the answers in flight are held.
    if naive {
        let mut answers = futures::stream::iter(requests.iter().map(|call| client.read(call)))
            .buffered(NAIVE_PARALLELISM);
        let mut index = 0;
        while let Some(result) = answers.next().await {
            fill(index, result)?;
            index += 1;
        }
        Ok(())
    } else {
        client.bulk_each(&requests, fill).await
    }
}

/// Reads the custom dimension slots (`CustomDimensions.getAvailableScopes`) of the sites
/// `ids`, in one bulk call after [`read_site_details`]: only where the configuration
/// creates a dimension, so a plan that creates none costs no request. Errors as there.
pub async fn read_dimension_slots(
    client: &Client,
    sites: &mut [SiteState],
    ids: &[u64],
) -> Result<(), MatomoError> {
    let targets: Vec<usize> = (0..sites.len())
        .filter(|i| ids.contains(&sites[*i].id))
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let requests: Vec<Call> = targets
        .iter()
        .map(|i| Call::for_site("CustomDimensions.getAvailableScopes", sites[*i].id))
        .collect();
    let fill = |index: usize, result: Result<Value, MatomoError>| {
        let Some(value) = tolerate(result)? else {
            return Ok(());
        };
        let slots =
            wire::dimension_slots(&value).map_err(|e| decode_error(&requests[index], &e))?;
        sites[targets[index]].dimension_slots = Some(slots);
        Ok(())
    };
    client.bulk_each(&requests, fill).await
}

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
    let exclusion_type_at = crate::matomo::wire::version_at_least(&info.version, 5, 2).then(|| {
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
    let decode = |i: usize, e: wire::WireError| decode_error(&requests[i], &e);

    let mut lists = Vec::with_capacity(4);
    for (i, value) in values.iter().enumerate().take(4) {
        lists.push(match value {
            Some(v) => Some(wire::global_list(v).map_err(|e| decode(i, e))?),
            None => None,
        });
    }
    let exclusions = match (&lists[0], &lists[1], &lists[2], &lists[3]) {
        (Some(ips), Some(query), Some(agents), Some(referrers)) => Some(ExclusionsState {
            ips: ips.clone(),
            query_parameters: query.clone(),
            user_agents: agents.clone(),
            referrers: referrers.clone(),
            query_parameters_type: match exclusion_type_at
                .and_then(|i| values[i].as_ref().map(|v| (i, v)))
            {
                Some((i, v)) => Some(wire::global_string(v).map_err(|e| decode(i, e))?),
                None => None,
            },
        }),
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
        Some((i, v)) => Some(wire::anonymisation_settings(v).map_err(|e| decode(i, e))?),
        None => None,
    };
    let visitor_log = match visitor_log_at.and_then(|i| values[i].as_ref().map(|v| (i, v))) {
        Some((i, v)) => wire::visitor_log_settings(v).map_err(|e| decode(i, e))?,
        None => None,
    };
    let compliance_mode = match compliance_at.and_then(|i| values[i].as_ref().map(|v| (i, v))) {
        Some((i, v)) => Some(wire::compliance_mode(v).map_err(|e| decode(i, e))?),
        None => None,
    };
    let matomo_requirements = match compliance_at.and_then(|i| values[i].as_ref().map(|v| (i, v))) {
        Some((i, v)) => wire::compliance_requirements(v).map_err(|e| decode(i, e))?,
        None => Vec::new(),
    };
    let mut privacy = privacy;
    let mut retention = None;
    if session::configured(client) {
        if let Some(pages) = session::read_admin_pages(client, !info.anonymisation_reader).await {
            if privacy.is_none() {
                privacy = pages.privacy;
            }
            retention = pages.retention;
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

/// Keeps a per-object result: a refusal or a Matomo error leaves the object unread
/// (`None`, warned); an invalid token, a transport failure or anything unexpected aborts.
fn tolerate(result: Result<Value, MatomoError>) -> Result<Option<Value>, MatomoError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e @ (MatomoError::AccessDenied { .. } | MatomoError::Api { .. })) => {
            tracing::warn!("{e} (left unread)");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn decode_error(call: &Call, error: &wire::WireError) -> MatomoError {
    MatomoError::Unexpected {
        method: call.method.clone(),
        site: call.site,
        status: 200,
        body_start: error.to_string().chars().take(300).collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::desired::model::ComplianceMode;
    use crate::live::{PrivacyState, VisitorLogState};
    use crate::matomo::test_support::{Reply, body, form, get, recording, serve};
    use crate::matomo::{ClientConfig, Secret};

    /// A scripted Matomo answering one call (plain or inside a bulk request) from recordings.
    fn answer(method: &str, params: &[(String, String)]) -> Value {
        let site = get(params, "idSite").unwrap_or("");
        let r = |name: &str| body(&recording("5.0.2", name));
        let denied = json!({"result": "error", "message": "You can&#039;t access this resource as it requires &#039;admin&#039; access for the website id = 1."});
        match (method, site) {
            ("API.getMatomoVersion", _) => json!({"value": "5.7.0-rc1"}),
            ("UsersManager.hasSuperUserAccess", _) => json!({"value": true}),
            ("API.isPluginActivated", _) => json!({"value": true}),
            ("PrivacyManager.getCompliancePolicies", _) => json!([]),
            ("PrivacyManager.getComplianceStatus", "all") => body(&recording(
                "5.7",
                "PrivacyManager.getComplianceStatus__all_after_all_enforce_1",
            )),
            ("PrivacyManager.getComplianceStatus", _) => body(&recording(
                "5.7",
                "PrivacyManager.getComplianceStatus__flag_on_site_1_initial",
            )),
            ("PrivacyManager.getAnonymisationSettings", _) => body(&recording(
                "5.7",
                "PrivacyManager.getAnonymisationSettings__global_while_all_enforced",
            )),
            ("SitesManager.getSitesWithAdminAccess", _) => {
                r("SitesManager.getSitesWithAdminAccess__fetchAliasUrls")
            }
            ("SitesManager.getSiteSettings", "1") => denied,
            ("SitesManager.getSiteSettings", _) => {
                r("SitesManager.getSiteSettings__after_updateSite_only_settingValues_Live")
            }
            ("UsersManager.getSitesAccessFromUser", _) => json!([{"site": 3, "access": "view"}]),
            ("UsersManager.getUsersAccessFromSite", "3") => {
                r("UsersManager.getUsersAccessFromSite__site3_after_anonymous_view")
            }
            ("UsersManager.getUsersAccessFromSite", _) => {
                r("UsersManager.getUsersAccessFromSite__site1")
            }
            ("Goals.getGoals", "2") => r("Goals.getGoals__filter_limit_minus1_keyed_by_goal_id"),
            ("Goals.getGoals", _) => r("Goals.getGoals__empty"),
            ("CustomDimensions.getConfiguredCustomDimensions", "2") => {
                r("CustomDimensions.getConfiguredCustomDimensions__after_configure")
            }
            ("CustomDimensions.getConfiguredCustomDimensions", _) => json!([]),
            ("SitesManager.getExcludedIpsGlobal", _) => {
                r("SitesManager.getExcludedIpsGlobal__after_set")
            }
            ("SitesManager.getExcludedQueryParametersGlobal", _) => {
                json!({"value": "gclid,fbclid"})
            }
            ("SitesManager.getExcludedUserAgentsGlobal", _) => json!({"value": false}),
            ("SitesManager.getExcludedReferrersGlobal", _) => {
                r("SitesManager.getExcludedReferrersGlobal__initial")
            }
            ("SitesManager.getDefaultTimezone", _) => {
                r("SitesManager.getDefaultTimezone__superuser")
            }
            ("SitesManager.getDefaultCurrency", _) => json!({"value": "EUR"}),
            ("CorePluginsAdmin.getSystemSettings", _) => {
                json!([{"pluginName": "Live", "settings": [
                {"name": "disable_visitor_log", "value": true},
                {"name": "disable_visitor_profile", "value": false}]}])
            }
            (other, _) => {
                json!({"result": "error", "message": format!("The method '{other}' does not exist or is not available")})
            }
        }
    }

    fn scripted(_: usize, body: &str) -> Reply {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let method = get(&pairs, "method").unwrap_or("");
        if method == "API.getBulkRequest" {
            let items: Vec<Value> = pairs
                .iter()
                .filter(|(k, _)| k.starts_with("urls["))
                .map(|(_, sub)| {
                    let sub: Vec<(String, String)> = form_urlencoded::parse(sub.as_bytes())
                        .into_owned()
                        .collect();
                    answer(get(&sub, "method").unwrap_or(""), &sub)
                })
                .collect();
            return Reply::json(200, Value::Array(items).to_string());
        }
        let value = answer(method, &pairs);
        let status = if value.get("result").is_some()
            && value["message"].as_str().unwrap_or("").contains("access")
        {
            401
        } else {
            200
        };
        Reply::json(status, value.to_string())
    }

    fn client(url: &str) -> Client {
        let mut config = ClientConfig::new(url);
        config.token = Some(Secret::new("tok"));
        config.retry_delay = std::time::Duration::from_millis(1);
        Client::new(config).unwrap()
    }

    async fn read_all(naive: bool) -> (MatomoInfo, Vec<SiteState>, u64) {
        let (url, _) = serve(scripted).await;
        let client = client(&url);
        let (info, mut sites) = read_sites(&client).await.unwrap();
        read_site_details(&client, &info, &mut sites, naive)
            .await
            .unwrap();
        (info, sites, client.request_count())
    }

    #[tokio::test]
    async fn site_details_are_read_in_bulk_and_access_errors_leave_fields_unread() {
        let (info, sites, requests) = read_all(false).await;
        assert_eq!(info.compliance, crate::live::ComplianceSupport::Available);
        assert_eq!(sites.len(), 5);
        // detect, list and public statistics in one bulk; one bulk of 20 reads.
        assert_eq!(requests, 2);
        let by_id: BTreeMap<u64, &SiteState> = sites.iter().map(|s| (s.id, s)).collect();
        assert_eq!(by_id[&1].visitor_log, None, "refused for site 1");
        assert_eq!(by_id[&1].public_stats, Some(false));
        assert_eq!(
            by_id[&2].visitor_log,
            Some(VisitorLogState {
                disabled: true,
                profile_disabled: true,
                ..VisitorLogState::default()
            })
        );
        assert_eq!(by_id[&3].public_stats, Some(true));
        assert_eq!(by_id[&2].goals.as_ref().unwrap().len(), 3);
        assert!(by_id[&4].goals.as_ref().unwrap().is_empty());
        assert_eq!(by_id[&2].custom_dimensions.as_ref().unwrap().len(), 2);
        assert_eq!(by_id[&5].compliance_mode, Some(ComplianceMode::Off));
    }

    #[tokio::test]
    async fn naive_reading_gives_the_same_state_with_one_request_per_read() {
        let (_, bulk, _) = read_all(false).await;
        let (_, naive, requests) = read_all(true).await;
        assert_eq!(bulk, naive);
        // Per site: settings, access, goals, dimensions, compliance, own privacy (5.7).
        assert_eq!(requests, 1 + 30);
    }

    #[tokio::test]
    async fn an_invalid_token_aborts_the_detail_reads() {
        let rec = recording("5.0.2", "API.getMatomoVersion__bad_token");
        let (url, _) = serve(move |_, _| Reply::recorded(&rec)).await;
        let client = client(&url);
        let info = MatomoInfo {
            superuser: true,
            ..MatomoInfo::default()
        };
        let mut sites = vec![SiteState {
            id: 1,
            ..SiteState::default()
        }];
        for naive in [false, true] {
            let err = read_site_details(&client, &info, &mut sites, naive)
                .await
                .unwrap_err();
            assert!(err.is_auth_failure(), "{err:?}");
        }
    }

    #[tokio::test]
    async fn instance_settings_are_read_in_one_bulk_call() {
        let (url, _) = serve(scripted).await;
        let client = client(&url);
        let info = client.detect().await.unwrap();
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
