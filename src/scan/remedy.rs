//! Remedies: for each finding, the setting that would have kept the personal data out
//! of Matomo (as a configuration change), or, where no setting helps, what the site's
//! team must fix.

use serde_json::json;

use super::detect::Detector;
use super::examine::Key;
use super::model::{Remedy, RemedyAction};
use super::reports::ReportKind;
use crate::desired::model::Config;

/// The remedy of the finding `key`. `config` (when given) names the custom dimension's
/// key in the configuration.
pub fn remedy(key: &Key, config: Option<&Config>) -> Remedy {
    let site = &key.site;
    match (key.kind, &key.parameter) {
        (ReportKind::PageUrls, Some(parameter)) => Remedy {
            action: RemedyAction::Add,
            setting: Some(format!("sites.{site}.exclusions.query_parameters")),
            value: Some(json!(parameter)),
            text: format!(
                "add `{parameter}` to sites.{site}.exclusions.query_parameters: Matomo then drops the parameter from the page URLs it records (and fix the links that put {} in the URL)",
                key.detector.title()
            ),
        },
        (ReportKind::SiteSearchKeywords | ReportKind::SiteSearchCategories, _) => Remedy {
            action: RemedyAction::Set,
            setting: Some(format!("sites.{site}.site_search.enabled")),
            value: Some(json!(false)),
            text: format!(
                "set sites.{site}.site_search.enabled to false: visitors type personal data into the site search, and Matomo records the keywords as typed"
            ),
        },
        (ReportKind::CustomDimension, _) => {
            let id = key.dimension.as_ref().map(|d| d.id).unwrap_or_default();
            let name = key
                .dimension
                .as_ref()
                .map(|d| d.name.clone())
                .unwrap_or_default();
            let dimension = config
                .and_then(|c| c.sites.get(site))
                .and_then(|s| s.custom_dimensions.as_ref())
                .and_then(|dims| {
                    dims.iter()
                        .find(|(_, d)| d.id == Some(id) || (!name.is_empty() && d.name == name))
                        .map(|(k, _)| k.clone())
                })
                .unwrap_or_else(|| format!("dimension-{id}"));
            Remedy {
                action: RemedyAction::Set,
                setting: Some(format!(
                    "sites.{site}.custom_dimensions.{dimension}.active"
                )),
                value: Some(json!(false)),
                text: format!(
                    "set sites.{site}.custom_dimensions.{dimension}.active to false (custom dimension {id}) and stop the tracking code from filling it with personal data"
                ),
            }
        }
        (ReportKind::UserIds, _) => Remedy {
            action: RemedyAction::Set,
            setting: Some("instance.privacy.anonymize_user_id".into()),
            value: Some(json!(true)),
            text: "set instance.privacy.anonymize_user_id to true (Matomo then stores a pseudonym instead of the User ID), or stop sending a User ID (`setUserId`) at all".into(),
        },
        (kind, _) => Remedy {
            action: RemedyAction::FixSource,
            setting: None,
            value: None,
            text: fix_sentence(kind, key.detector),
        },
    }
}

/// What the site's team must fix when no setting helps.
fn fix_sentence(kind: ReportKind, detector: Detector) -> String {
    let what = detector.title();
    match kind {
        ReportKind::PageUrls => format!(
            "fix the site: a page's path carries {what}; put it neither in the path nor in the URL (no setting removes it from a path)"
        ),
        ReportKind::PageTitles => format!(
            "fix the site: a page title carries {what}; give the page a title without it (or set a neutral title with `setDocumentTitle` before tracking)"
        ),
        ReportKind::Outlinks => format!(
            "fix the site: a link to another site carries {what} in its URL; remove it from the link (or mark the link `matomo_ignore`)"
        ),
        ReportKind::Downloads => format!(
            "fix the site: a download link carries {what} in its URL; remove it from the link"
        ),
        ReportKind::EventCategories | ReportKind::EventActions | ReportKind::EventNames => {
            format!(
                "fix the tracking code: an event ({}) carries {what}; send events without personal data",
                kind.title()
            )
        }
        _ => format!("fix the site: {} carry {what}", kind.title()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::model::Dimension;

    fn key(kind: ReportKind, parameter: Option<&str>) -> Key {
        Key {
            site_id: 1,
            site: "shop".into(),
            report: kind,
            kind,
            dimension: (kind == ReportKind::CustomDimension).then(|| Dimension {
                id: 2,
                name: "Member e-mail".into(),
            }),
            detector: Detector::Email,
            parameter: parameter.map(String::from),
        }
    }

    #[test]
    fn a_url_parameter_is_excluded_by_name() {
        let r = remedy(&key(ReportKind::PageUrls, Some("email")), None);
        assert_eq!(r.action, RemedyAction::Add);
        assert_eq!(
            r.setting.as_deref(),
            Some("sites.shop.exclusions.query_parameters")
        );
        assert_eq!(r.value, Some(json!("email")));
    }

    #[test]
    fn a_path_or_a_title_needs_the_team() {
        for kind in [
            ReportKind::PageUrls,
            ReportKind::PageTitles,
            ReportKind::EventNames,
        ] {
            let r = remedy(&key(kind, None), None);
            assert_eq!(r.action, RemedyAction::FixSource, "{kind:?}");
            assert!(r.setting.is_none());
            assert!(r.text.starts_with("fix the"), "{}", r.text);
        }
    }

    #[test]
    fn search_dimension_and_user_id_have_settings() {
        let search = remedy(&key(ReportKind::SiteSearchKeywords, None), None);
        assert_eq!(
            search.setting.as_deref(),
            Some("sites.shop.site_search.enabled")
        );
        assert_eq!(search.value, Some(json!(false)));
        let dim = remedy(&key(ReportKind::CustomDimension, None), None);
        assert_eq!(
            dim.setting.as_deref(),
            Some("sites.shop.custom_dimensions.dimension-2.active")
        );
        let uid = remedy(&key(ReportKind::UserIds, None), None);
        assert_eq!(
            uid.setting.as_deref(),
            Some("instance.privacy.anonymize_user_id")
        );
        assert_eq!(uid.value, Some(json!(true)));
    }
}
