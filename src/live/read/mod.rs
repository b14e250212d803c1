//! Reading the live state through the client: capabilities once ([`detect`]), sites
//! listed in one call, per-site objects in bulk (`sites.rs`), the instance settings
//! (`instance.rs`). Matomo's answers are decoded by [`crate::matomo::wire`] and
//! translated into live state here (see [`super::translate`]).

mod detect;
mod instance;
mod sites;

pub use detect::{PLUGINS, detect, detect_with};
pub use instance::read_instance;
pub use sites::{read_dimension_slots, read_site_details};

use serde_json::Value;

use super::{MatomoInfo, SiteState};
use crate::matomo::{Call, Client, MatomoError, undecodable, wire};

/// Detects the instance's capabilities and lists the sites the token administers
/// (`SitesManager.getSitesWithAdminAccess(fetchAliasUrls=1)`), all in one HTTP request.
/// Base fields only: the details (visitor log, goals, dimensions, compliance) are
/// `None`, except public statistics, filled for every listed site when the token is
/// superuser (`UsersManager.getSitesAccessFromUser(anonymous)`, in the same request;
/// otherwise `None`, read per site by [`read_site_details`]).
pub async fn read_sites(client: &Client) -> Result<(MatomoInfo, Vec<SiteState>), MatomoError> {
    let listing = Call::new("SitesManager.getSitesWithAdminAccess").with("fetchAliasUrls", 1);
    let anonymous = Call::new("UsersManager.getSitesAccessFromUser").with("userLogin", "anonymous");
    let (info, mut results) = detect_with(client, &[listing.clone(), anonymous.clone()]).await?;
    let public = results.pop().unwrap_or(Err(MatomoError::Truncated {
        expected: 2,
        got: 0,
    }));
    let answer = results.pop().unwrap_or(Err(MatomoError::Truncated {
        expected: 2,
        got: 1,
    }))?;
    let mut sites: Vec<SiteState> = wire::sites(&answer)
        .map_err(|e| undecodable(&listing, &e))?
        .into_iter()
        .map(SiteState::from)
        .collect();
    if info.superuser {
        match public {
            Ok(value) => {
                let public =
                    wire::sites_with_view(&value).map_err(|e| undecodable(&anonymous, &e))?;
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
        .ok_or_else(|| undecodable(&call, &wire::WireError("not a list of sites".into())))
}

/// Keeps a per-object result: a refusal or a Matomo error leaves the object unread
/// (`None`, warned); an invalid token, a transport failure or anything unexpected aborts.
pub(super) fn tolerate(result: Result<Value, MatomoError>) -> Result<Option<Value>, MatomoError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e @ (MatomoError::AccessDenied { .. } | MatomoError::Api { .. })) => {
            tracing::warn!("{e} (left unread)");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The scripted Matomo of the read tests: each call (plain or inside a bulk request)
/// answered from recordings.
#[cfg(test)]
pub(super) mod fixture {
    use serde_json::{Value, json};

    use crate::matomo::test_support::{Reply, body, bulk_reply, get, recording};
    use crate::matomo::{Client, ClientConfig, Secret};

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

    pub fn scripted(_: usize, body: &str) -> Reply {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let method = get(&pairs, "method").unwrap_or("");
        if method == "API.getBulkRequest" {
            return bulk_reply(body, |sub| answer(get(sub, "method").unwrap_or(""), sub));
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

    pub fn client(url: &str) -> Client {
        let mut config = ClientConfig::new(url);
        config.token = Some(Secret::new("tok"));
        config.retry_delay = std::time::Duration::from_millis(1);
        Client::new(config).unwrap()
    }
}
