//! Capability detection: which Matomo this is (version 5 or later), whether the token
//! is superuser, which plugins are active, and what can be read and written (the
//! anonymisation reader, Matomo's compliance API, the mask parameter's name), all from
//! the client's raw answers to one bulk request.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::live::{ComplianceSupport, MatomoInfo};
use crate::matomo::{Call, Client, MatomoError, calls, undecodable, wire};

/// Plugins whose activation [`detect`] checks.
pub const PLUGINS: [&str; 4] = ["Live", "Goals", "CustomDimensions", "UserId"];

/// Detects version, superuser, plugins, privacy readers and parameter names.
/// Refuses Matomo 4 and older. One HTTP request (see [`detect_with`]).
pub async fn detect(client: &Client) -> Result<MatomoInfo, MatomoError> {
    detect_with(client, &[]).await.map(|(info, _)| info)
}

/// Detects the capabilities in one `API.getBulkRequest`: the version, superuser, the
/// [`PLUGINS`], the anonymisation reader probe (5.6+), the compliance probes (5.4+),
/// and the `extra` read calls, whose results come back in order (an inline error
/// stays that call's error). Probes a version does not need are sent anyway and
/// their answers ignored (an unknown method answers inline, harmlessly).
/// Refuses Matomo 4 and older; fails when the token is refused or the bulk answer is
/// truncated.
pub async fn detect_with(
    client: &Client,
    extra: &[Call],
) -> Result<(MatomoInfo, Vec<Result<Value, MatomoError>>), MatomoError> {
    let version_call = Call::new("API.getMatomoVersion");
    let mut probes = vec![
        version_call.clone(),
        Call::new("UsersManager.hasSuperUserAccess"),
    ];
    for plugin in PLUGINS {
        probes.push(Call::new("API.isPluginActivated").with("pluginName", plugin));
    }
    let anonymisation_at = probes.len();
    probes.push(Call::new("PrivacyManager.getAnonymisationSettings"));
    let policies_at = probes.len();
    probes.push(Call::new("PrivacyManager.getCompliancePolicies"));
    probes.push(calls::compliance_status(None));
    let fixed = probes.len();
    probes.extend(extra.iter().cloned());
    let mut results = client.bulk_in_one(&probes).await?;
    let extra_results = results.split_off(fixed);
    let mut results = results.into_iter();
    let mut next = || {
        results.next().unwrap_or(Err(MatomoError::Truncated {
            expected: fixed,
            got: 0,
        }))
    };

    let answer = next()?;
    let version = wire::global_string(&answer).map_err(|e| undecodable(&version_call, &e))?;
    match wire::parse_version(&version) {
        Some((major, _, _)) if major >= 5 => {}
        Some(_) => return Err(MatomoError::UnsupportedVersion { version }),
        None => {
            return Err(undecodable(
                &version_call,
                &wire::WireError(format!("not a version number: {}", wire::quote(&answer))),
            ));
        }
    }

    let mut flags = Vec::with_capacity(1 + PLUGINS.len());
    for call in &probes[1..anonymisation_at] {
        flags.push(wire::single_bool(&next()?).map_err(|e| undecodable(call, &e))?);
    }
    let superuser = flags.first().copied().unwrap_or(false);
    let plugins: BTreeMap<String, bool> = PLUGINS
        .iter()
        .zip(flags.iter().skip(1))
        .map(|(name, active)| ((*name).to_string(), *active))
        .collect();

    // The anonymisation reader: 5.6+, confirmed by the probe when we may call it.
    let mut anonymisation_reader = wire::version_at_least(&version, 5, 6);
    let probe = next();
    if anonymisation_reader && superuser {
        match probe {
            Ok(_) => {}
            Err(e) if e.is_unknown_method() => anonymisation_reader = false,
            Err(e) if e.is_access_denied() || matches!(e, MatomoError::Api { .. }) => {
                tracing::warn!("cannot probe the anonymisation reader: {e}");
            }
            Err(e) => return Err(e),
        }
    }

    let policies = next();
    let status = next();
    debug_assert_eq!(policies_at + 2, fixed);
    let compliance = compliance_support(&version, policies, status)?;
    let mask_parameter = if wire::version_at_least(&version, 5, 6) {
        "ipAddressMaskLength"
    } else {
        "maskLength"
    };
    let info = MatomoInfo {
        url: client.url().to_string(),
        version,
        superuser,
        plugins,
        anonymisation_reader,
        compliance,
        mask_parameter: mask_parameter.to_string(),
    };
    Ok((info, extra_results))
}

/// The compliance API from the two probes: `getCompliancePolicies` (no flag, no access
/// check) says it exists; `getComplianceStatus(all)` answering "Feature not available"
/// says the feature flag is off; a refusal means the feature is on (the flag is checked
/// before access). Not considered before 5.4.
fn compliance_support(
    version: &str,
    policies: Result<Value, MatomoError>,
    status: Result<Value, MatomoError>,
) -> Result<ComplianceSupport, MatomoError> {
    if !wire::version_at_least(version, 5, 4) {
        return Ok(ComplianceSupport::Absent);
    }
    match policies {
        Ok(_) => {}
        Err(e) if e.is_unknown_method() => return Ok(ComplianceSupport::Absent),
        Err(e @ (MatomoError::Api { .. } | MatomoError::AccessDenied { .. })) => {
            tracing::warn!("cannot probe Matomo's compliance API: {e}");
            return Ok(ComplianceSupport::Absent);
        }
        Err(e) => return Err(e),
    }
    match status {
        Ok(_) => Ok(ComplianceSupport::Available),
        Err(MatomoError::Api { message, .. }) if message.contains("Feature not available") => {
            Ok(ComplianceSupport::FeatureOff)
        }
        Err(MatomoError::AccessDenied { .. }) => Ok(ComplianceSupport::Available),
        Err(e @ MatomoError::Api { .. }) => {
            tracing::warn!("cannot read Matomo's compliance status: {e}");
            Ok(ComplianceSupport::FeatureOff)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matomo::test_support::{Reply, bulk_reply, config, get, serve};

    /// A scripted Matomo for `detect`: answers each sub-request of a bulk call by method
    /// name (plain calls are refused: detection is one bulk request).
    fn scripted(
        version: &'static str,
        superuser: bool,
        flag_on: bool,
    ) -> impl Fn(usize, &str) -> Reply {
        move |_, body| {
            let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect();
            if get(&pairs, "method") != Some("API.getBulkRequest") {
                return Reply::json(400, r#"{"result":"error","message":"not scripted"}"#);
            }
            let v57 = version.starts_with("5.7");
            let answer = |sub: &[(String, String)]| -> Value {
                let method = get(sub, "method").unwrap_or("");
                match (method, get(sub, "pluginName")) {
                    ("API.getMatomoVersion", _) => serde_json::json!({"value": version}),
                    ("UsersManager.hasSuperUserAccess", _) => {
                        serde_json::json!({"value": superuser})
                    }
                    ("API.isPluginActivated", plugin) => {
                        serde_json::json!({"value": plugin != Some("CustomDimensions")})
                    }
                    ("PrivacyManager.getAnonymisationSettings", _) if v57 && superuser => {
                        serde_json::json!({})
                    }
                    ("PrivacyManager.getAnonymisationSettings", _) if v57 => serde_json::json!(
                        {"result":"error","message":"You can't access this resource as it requires a 'superuser' access."}
                    ),
                    ("PrivacyManager.getCompliancePolicies", _) if v57 => serde_json::json!([]),
                    ("PrivacyManager.getComplianceStatus", _) if v57 && !flag_on => {
                        serde_json::json!({"result":"error","message":"Feature not available"})
                    }
                    ("PrivacyManager.getComplianceStatus", _) if v57 => {
                        serde_json::json!({"complianceModeEnforced": false})
                    }
                    (other, _) => serde_json::json!({"result":"error","message": format!(
                        "The method '{other}' does not exist or is not available in the module"
                    )}),
                }
            };
            bulk_reply(body, answer)
        }
    }

    #[tokio::test]
    async fn detect_on_502_and_57_in_one_request() {
        let (url, _) = serve(scripted("5.0.2", true, false)).await;
        let client = Client::new(config(&url)).unwrap();
        let info = detect(&client).await.unwrap();
        assert_eq!(info.version, "5.0.2");
        assert!(info.superuser);
        assert!(info.plugins["Live"]);
        assert!(!info.plugins["CustomDimensions"]);
        assert!(!info.anonymisation_reader);
        assert_eq!(info.compliance, ComplianceSupport::Absent);
        assert_eq!(info.mask_parameter, "maskLength");
        assert_eq!(client.request_count(), 1, "every probe in one bulk call");

        let (url, _) = serve(scripted("5.7.0-rc1", true, false)).await;
        let info = detect(&Client::new(config(&url)).unwrap()).await.unwrap();
        assert!(info.anonymisation_reader);
        assert_eq!(info.compliance, ComplianceSupport::FeatureOff);
        assert_eq!(info.mask_parameter, "ipAddressMaskLength");

        let (url, _) = serve(scripted("5.7.0-rc1", false, true)).await;
        let client = Client::new(config(&url)).unwrap();
        let extra = [
            Call::new("API.getMatomoVersion"),
            Call::new("Goals.getGoals"),
        ];
        let (info, results) = detect_with(&client, &extra).await.unwrap();
        assert!(!info.superuser);
        assert!(info.anonymisation_reader, "by version when not superuser");
        assert_eq!(info.compliance, ComplianceSupport::Available);
        assert_eq!(client.request_count(), 1);
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].as_ref().unwrap()["value"], "5.7.0-rc1");
        assert!(results[1].as_ref().unwrap_err().is_unknown_method());
    }

    #[tokio::test]
    async fn detect_refuses_matomo_4() {
        let (url, _) = serve(|_, body| {
            let n = form_urlencoded::parse(body.as_bytes())
                .filter(|(k, _)| k.starts_with("urls["))
                .count();
            let mut items = vec![serde_json::json!({"value": "4.16.1"})];
            items.resize(n, serde_json::json!({"value": true}));
            Reply::json(200, Value::Array(items).to_string())
        })
        .await;
        let err = detect(&Client::new(config(&url)).unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(err, MatomoError::UnsupportedVersion { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("Matomo 4.16.1 is not supported"));
    }
}
