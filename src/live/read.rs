//! Reading the live state through the client: capabilities once, sites listed in one
//! call, per-site objects in bulk.

use futures::StreamExt;
use serde_json::Value;

use super::{
    ComplianceSupport, DefaultsState, ExclusionsState, InstanceState, MatomoInfo, SiteState,
};
use crate::matomo::{Call, Client, MatomoError, calls, wire};

/// Plain requests in flight at once in naive mode.
const NAIVE_PARALLELISM: usize = 10;

/// Detects the instance's capabilities and lists the sites the token administers
/// (`SitesManager.getSitesWithAdminAccess(fetchAliasUrls=1)`), base fields only: the
/// details (visitor log, public statistics, goals, dimensions, compliance) are `None`.
pub async fn read_sites(client: &Client) -> Result<(MatomoInfo, Vec<SiteState>), MatomoError> {
    let info = client.detect().await?;
    let call = Call::new("SitesManager.getSitesWithAdminAccess").with("fetchAliasUrls", 1);
    let answer = client.read(&call).await?;
    let sites = wire::sites(&answer).map_err(|e| decode_error(&call, &e))?;
    Ok((info, sites))
}

/// What one per-site read fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    VisitorLog,
    PublicStats,
    Goals,
    Dimensions,
    Compliance,
}

/// Reads the details of each site: visitor log switches (`getSiteSettings`), public
/// statistics (`getUsersAccessFromSite`), goals and custom dimensions (when their plugin
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
        add(
            Detail::PublicStats,
            Call::for_site("UsersManager.getUsersAccessFromSite", id),
        );
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
    }

    let results: Vec<Result<Value, MatomoError>> = if naive {
        futures::stream::iter(requests.iter().map(|call| client.read(call)))
            .buffered(NAIVE_PARALLELISM)
            .collect()
            .await
    } else {
        client.bulk(&requests).await?
    };

    for (((index, detail), call), result) in plan.into_iter().zip(&requests).zip(results) {
        let Some(value) = tolerate(result)? else {
            continue;
        };
        let site = &mut sites[index];
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
            }
        }
    }
    Ok(())
}

/// Reads the instance settings in one bulk call: global exclusions, defaults for new
/// sites, privacy (through `getAnonymisationSettings` when this Matomo has it and the
/// token is superuser; otherwise `None`, to be asserted), the instance visitor log
/// (`CorePluginsAdmin.getSystemSettings`, superuser) and the compliance mode of `all`
/// (when available, superuser). Retention has no API reader: always `None`.
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
    Ok(InstanceState {
        privacy,
        retention: None,
        exclusions,
        visitor_log,
        defaults,
        compliance_mode,
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
