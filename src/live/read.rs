//! Reading the live state through the client: capabilities once, sites listed in one
//! call, per-site objects in bulk.

use crate::live::{InstanceState, MatomoInfo, SiteState};
use crate::matomo::{Client, MatomoError};

/// Capabilities and the sites the token administers (base fields only).
pub async fn read_sites(client: &Client) -> Result<(MatomoInfo, Vec<SiteState>), MatomoError> {
    let _ = client;
    todo!()
}

/// Per-site objects (settings, access, goals, dimensions, compliance) for these sites.
pub async fn read_site_details(
    client: &Client,
    info: &MatomoInfo,
    sites: &mut [SiteState],
    naive: bool,
) -> Result<(), MatomoError> {
    let _ = (client, info, sites, naive);
    todo!()
}

/// Instance settings this version and token can read.
pub async fn read_instance(
    client: &Client,
    info: &MatomoInfo,
) -> Result<InstanceState, MatomoError> {
    let _ = (client, info);
    todo!()
}
