//! Decoding one answer of Matomo's API: the JSON value, or the error it stands for
//! (Matomo's error envelope, a refused token, an answer that is not JSON), and the
//! split of an `API.getBulkRequest` answer into one result per call.

use serde_json::Value;

use super::redact::blank_secrets;
use super::{Call, MatomoError, Secret, wire};

/// The message Matomo's HTML 401 page stands for.
const INVALID_TOKEN_JSON: &str = "Unable to authenticate with the provided token";

/// An [`MatomoError::Unexpected`] for an answer [`wire`] could not decode (status 200,
/// the decoding error quoted).
pub fn undecodable(call: &Call, error: &wire::WireError) -> MatomoError {
    MatomoError::Unexpected {
        method: call.method.clone(),
        site: call.site,
        status: 200,
        body_start: error.to_string().chars().take(300).collect(),
    }
}

/// Matomo's error envelope `{"result":"error","message":…}`, message entity-decoded.
fn error_envelope(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    if object.get("result").and_then(Value::as_str) != Some("error") {
        return None;
    }
    let message = match object.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    Some(
        html_escape::decode_html_entities(&message)
            .trim()
            .to_string(),
    )
}

/// Turns one HTTP answer into a value or an error. The error envelope in any status is
/// [`MatomoError::Api`], except a JSON 401 ([`MatomoError::AccessDenied`], or
/// [`MatomoError::InvalidToken`] when Matomo says the token could not authenticate);
/// an HTML 401 is [`MatomoError::InvalidToken`]; anything else that is not a JSON 2xx
/// answer is [`MatomoError::Unexpected`] quoting the first 200 characters of the body,
/// with every secret blanked out.
pub(super) fn decode_answer(
    method: &str,
    site: Option<u64>,
    status: u16,
    body: &str,
    secrets: &[&Secret],
) -> Result<Value, MatomoError> {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => {
            if let Some(message) = error_envelope(&value) {
                return Err(if status == 401 {
                    if message.contains(INVALID_TOKEN_JSON) {
                        MatomoError::InvalidToken {
                            method: method.to_string(),
                        }
                    } else {
                        MatomoError::AccessDenied {
                            method: method.to_string(),
                            site,
                            message,
                        }
                    }
                } else {
                    MatomoError::Api {
                        method: method.to_string(),
                        site,
                        status,
                        message,
                    }
                });
            }
            if (200..300).contains(&status) {
                Ok(value)
            } else {
                Err(unexpected_body(method, site, status, body, secrets))
            }
        }
        Err(_) if status == 401 => Err(MatomoError::InvalidToken {
            method: method.to_string(),
        }),
        Err(_) => Err(unexpected_body(method, site, status, body, secrets)),
    }
}

/// Splits a bulk answer into one result per call: the answer must be a list with exactly
/// as many items as calls ([`MatomoError::Truncated`] otherwise); an item that is an
/// error envelope becomes that call's error (an access refusal as
/// [`MatomoError::AccessDenied`]).
pub(super) fn split_bulk_answer(
    chunk: &[Call],
    answer: Value,
) -> Result<Vec<Result<Value, MatomoError>>, MatomoError> {
    let items: Vec<Value> = match answer {
        Value::Array(items) => items,
        Value::Object(map) => {
            // Keyed by position (PHP array keys kept): order by numeric key.
            let mut keyed: Vec<(u64, Value)> = Vec::with_capacity(map.len());
            for (key, value) in map {
                let index = key.parse::<u64>().map_err(|_| MatomoError::Unexpected {
                    method: "API.getBulkRequest".into(),
                    site: None,
                    status: 200,
                    body_start: format!(
                        "expected a list of answers, got an object with key {key:?}"
                    ),
                })?;
                keyed.push((index, value));
            }
            keyed.sort_by_key(|(index, _)| *index);
            keyed.into_iter().map(|(_, value)| value).collect()
        }
        other => {
            return Err(MatomoError::Unexpected {
                method: "API.getBulkRequest".into(),
                site: None,
                status: 200,
                body_start: format!("expected a list of answers, got {}", wire::quote(&other)),
            });
        }
    };
    if items.len() != chunk.len() {
        return Err(MatomoError::Truncated {
            expected: chunk.len(),
            got: items.len(),
        });
    }
    Ok(chunk
        .iter()
        .zip(items)
        .map(|(call, item)| match error_envelope(&item) {
            None => Ok(item),
            Some(message) if message.starts_with("You can't access this resource") => {
                Err(MatomoError::AccessDenied {
                    method: call.method.clone(),
                    site: call.site,
                    message,
                })
            }
            Some(message) => Err(MatomoError::Api {
                method: call.method.clone(),
                site: call.site,
                status: 200,
                message,
            }),
        })
        .collect())
}

/// An [`MatomoError::Unexpected`] quoting the first 200 characters of `body`, secrets
/// blanked out.
fn unexpected_body(
    method: &str,
    site: Option<u64>,
    status: u16,
    body: &str,
    secrets: &[&Secret],
) -> MatomoError {
    let body_start = blank_secrets(body, secrets)
        .chars()
        .take(200)
        .collect::<String>()
        .trim()
        .to_string();
    MatomoError::Unexpected {
        method: method.to_string(),
        site,
        status,
        body_start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matomo::test_support::{TOKEN, recording, response, sub_calls};

    fn decode_recorded(version: &str, name: &str) -> Result<Value, MatomoError> {
        let rec = recording(version, name);
        let (status, body) = response(&rec);
        let method = rec["request"]["method"].as_str().unwrap();
        decode_answer(method, Some(1), status, &body, &[])
    }

    #[test]
    fn error_envelope_in_a_200_is_an_api_error_with_entities_decoded() {
        match decode_recorded("5.0.2", "SitesManager.addSite__invalid_timezone") {
            Err(MatomoError::Api {
                status: 200,
                message,
                method,
                ..
            }) => {
                assert_eq!(method, "SitesManager.addSite");
                assert!(message.contains("\"Mars/Olympus\""), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let err = decode_recorded(
            "5.0.2",
            "PrivacyManager.getAnonymizeIpSettings__does_not_exist",
        )
        .unwrap_err();
        assert!(err.is_unknown_method(), "{err:?}");
    }

    #[test]
    fn json_401_is_access_denied_and_html_401_is_an_invalid_token() {
        let err = decode_recorded("5.0.2", "API.getMatomoVersion__no_token").unwrap_err();
        assert!(err.is_access_denied(), "{err:?}");
        assert!(err.to_string().contains("requires view access"));
        for (version, name) in [
            ("5.0.2", "API.getMatomoVersion__bad_token"),
            ("5.7", "API.getMatomoVersion__bad_token"),
            ("5.7", "API.getMatomoVersion__secure_only_token_GET"),
        ] {
            let err = decode_recorded(version, name).unwrap_err();
            assert!(err.is_auth_failure(), "{name}: {err:?}");
            assert!(err.to_string().contains("the token is invalid or revoked"));
            assert!(!err.is_retryable());
        }
    }

    #[test]
    fn statuses_500_400_404_with_the_envelope_are_api_errors() {
        for (version, name, status) in [
            ("5.0.2", "SitesManager.addSite__excludedIps_as_array", 500),
            ("5.7", "API.noSuchMethod__unknown_method", 400),
            ("5.7", "NoSuchModule.foo__unknown_module", 404),
            ("5.7", "SitesManager.getSiteFromId__missing_param", 400),
            (
                "5.7",
                "PrivacyManager.getComplianceStatus__flag_off_all",
                200,
            ),
        ] {
            match decode_recorded(version, name) {
                Err(MatomoError::Api { status: got, .. }) => assert_eq!(got, status, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(
            decode_recorded("5.7", "API.noSuchMethod__unknown_method")
                .unwrap_err()
                .is_unknown_method()
        );
        assert!(
            decode_recorded(
                "5.7",
                "PrivacyManager.getAnonymizeIpSettings__does_not_exist"
            )
            .unwrap_err()
            .is_unknown_method()
        );
    }

    #[test]
    fn other_answers_are_unexpected_quoting_the_body_without_secrets() {
        let token = Secret::new(TOKEN);
        let body = format!("<html>Bad gateway {TOKEN} {}</html>", "x".repeat(500));
        match decode_answer("API.getMatomoVersion", None, 502, &body, &[&token]) {
            Err(e @ MatomoError::Unexpected { status: 502, .. }) => {
                assert!(e.is_retryable());
                let text = e.to_string();
                assert!(!text.contains(TOKEN), "{text}");
                assert!(text.contains("Bad gateway (redacted)"), "{text}");
                let MatomoError::Unexpected { body_start, .. } = e else {
                    unreachable!()
                };
                assert!(body_start.chars().count() <= 200);
            }
            other => panic!("{other:?}"),
        }
        let err =
            decode_answer("API.getMatomoVersion", None, 200, "<?xml version", &[]).unwrap_err();
        assert!(matches!(err, MatomoError::Unexpected { status: 200, .. }));
        let err = decode_answer("X.y", None, 500, r#"{"value": 1}"#, &[]).unwrap_err();
        assert!(matches!(err, MatomoError::Unexpected { status: 500, .. }));
        assert_eq!(
            decode_answer("X.y", None, 200, r#"{"value": 1}"#, &[]).unwrap(),
            serde_json::json!({"value": 1})
        );
    }

    #[test]
    fn bulk_answers_split_per_call_with_inline_errors() {
        let rec = recording("5.0.2", "API.getBulkRequest__teamA_mixed_access");
        let calls = vec![
            Call::for_site("SitesManager.getSiteFromId", 2),
            Call::for_site("SitesManager.getSiteFromId", 1),
            Call::new("PrivacyManager.getAvailableVisitColumnsToAnonymize"),
        ];
        let results = split_bulk_answer(&calls, rec["response"]["body"].clone()).unwrap();
        assert!(results[0].is_ok());
        match &results[1] {
            Err(MatomoError::AccessDenied {
                site: Some(1),
                method,
                ..
            }) => {
                assert_eq!(method, "SitesManager.getSiteFromId");
            }
            other => panic!("{other:?}"),
        }
        assert!(results[2].as_ref().unwrap_err().is_access_denied());

        let rec = recording("5.0.2", "API.getBulkRequest__mixed_sites_privacy");
        let mut calls = sub_calls(5);
        calls[3].site = Some(9999);
        let results = split_bulk_answer(&calls, rec["response"]["body"].clone()).unwrap();
        assert!(matches!(
            &results[3],
            Err(MatomoError::Api {
                site: Some(9999),
                ..
            })
        ));
        assert_eq!(
            results[2].as_ref().unwrap(),
            &serde_json::json!({"value": false})
        );
    }

    #[test]
    fn a_bulk_answer_with_fewer_items_is_truncated() {
        let answer = Value::Array(vec![serde_json::json!({"value": 1}); 996]);
        match split_bulk_answer(&sub_calls(1000), answer) {
            Err(MatomoError::Truncated {
                expected: 1000,
                got: 996,
            }) => {}
            other => panic!("{:?}", other.map(|v| v.len())),
        }
        let keyed = serde_json::json!({"1": "b", "0": "a"});
        let results = split_bulk_answer(&sub_calls(2), keyed).unwrap();
        assert_eq!(results[0].as_ref().unwrap(), "a");
        assert!(split_bulk_answer(&sub_calls(1), serde_json::json!("x")).is_err());
    }
}
