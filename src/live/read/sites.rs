//! The per-site reads: details of each listed site in bulk (visitor log, public
//! statistics, goals, custom dimensions, compliance, own privacy settings), and the
//! custom dimension slots where the configuration creates a dimension.

use futures::StreamExt;
use serde_json::Value;

use super::tolerate;
use crate::live::translate::compliance_mode;
use crate::live::{
    ComplianceSupport, DimensionSlots, DimensionState, GoalState, MatomoInfo, MatomoRequirement,
    SitePrivacyState, SiteState, VisitorLogState,
};
use crate::matomo::{Call, Client, MatomoError, calls, undecodable, wire};

/// Plain requests in flight at once in naive mode.
const NAIVE_PARALLELISM: usize = 10;

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
/// statistics (`getUsersAccessFromSite`, unless [`super::read_sites`] already filled them and
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
        let decode = |e: wire::WireError| undecodable(call, &e);
        match detail {
            Detail::VisitorLog => {
                site.visitor_log = wire::live_switches(&value)
                    .map_err(decode)?
                    .map(VisitorLogState::from);
            }
            Detail::PublicStats => {
                site.public_stats = Some(wire::public_stats(&value).map_err(decode)?);
            }
            Detail::Goals => {
                let goals = wire::goals(&value).map_err(decode)?;
                site.goals = Some(
                    goals
                        .into_iter()
                        .map(|(id, goal)| (id, GoalState::from(goal)))
                        .collect(),
                );
            }
            Detail::Dimensions => {
                let (dims, skipped) = wire::dimensions(&value).map_err(decode)?;
                if !skipped.is_empty() {
                    tracing::warn!(
                        "site {}: custom dimensions with a scope matoform does not manage are ignored: {}",
                        site.id,
                        skipped.join(", ")
                    );
                }
                site.custom_dimensions = Some(
                    dims.into_iter()
                        .map(|(id, dim)| (id, DimensionState::from(dim)))
                        .collect(),
                );
            }
            Detail::Compliance => {
                let enforced = wire::compliance_enforced(&value).map_err(decode)?;
                site.compliance_mode = Some(compliance_mode(enforced));
                site.matomo_requirements = wire::compliance_requirements(&value)
                    .map_err(decode)?
                    .into_iter()
                    .map(MatomoRequirement::from)
                    .collect();
            }
            Detail::Privacy => {
                let privacy = wire::site_privacy(&value).map_err(decode)?;
                site.privacy = Some(SitePrivacyState::from(privacy));
            }
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
        let slots = wire::dimension_slots(&value).map_err(|e| undecodable(&requests[index], &e))?;
        sites[targets[index]].dimension_slots = Some(
            slots
                .into_iter()
                .map(|(scope, slots)| (scope, DimensionSlots::from(slots)))
                .collect(),
        );
        Ok(())
    };
    client.bulk_each(&requests, fill).await
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::desired::model::ComplianceMode;
    use crate::live::read::fixture::{client, scripted};
    use crate::live::read::read_sites;
    use crate::matomo::test_support::{Reply, recording, serve};

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
}
