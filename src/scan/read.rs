//! Reading the reports through the client, in bulk: the active custom dimensions of
//! the sites first (one bulk read), then every report of every site (one bulk read,
//! chunked as `plan` reads: `--bulk-size` sub-requests per request, in parallel). Each
//! answer is examined as it arrives and dropped: only the findings are kept.

use serde_json::Value;

use super::examine::{Findings, Source};
use super::model::{Dimension, NotRead, ReportRef};
use super::reports::ReportKind;
use crate::matomo::reports::{self as wire, ReportPeriod, ViewedSite};
use crate::matomo::{Call, Client, MatomoError};

/// A site to scan: its key (the configuration's, else `site-<id>`) and what Matomo says.
#[derive(Debug, Clone)]
pub struct Target {
    /// Site key.
    pub key: String,
    /// The site.
    pub site: ViewedSite,
}

/// Which optional reports this instance has.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plugins {
    /// CustomDimensions is active: read the active dimensions' values.
    pub custom_dimensions: bool,
    /// UserId is active: read `UserId.getUsers`.
    pub user_id: bool,
    /// Live is active: read the visitor log (where the site has it on).
    pub live: bool,
}

/// What the reads gave.
#[derive(Debug, Default)]
pub struct Read {
    /// The findings collected.
    pub findings: Findings,
    /// Reports read.
    pub reports: usize,
    /// Reports cut at `rows`.
    pub truncated: Vec<ReportRef>,
    /// Reports not read, with the reason.
    pub not_read: Vec<NotRead>,
}

/// Reads and examines every report of `targets` for `period`.
///
/// A report Matomo refuses (access, a plugin off, the visitor log off for the site, a
/// report it cannot compute) is listed in `not_read` with a reason that never quotes the
/// report; an invalid token, a transport failure or a truncated bulk answer aborts.
pub async fn read(
    client: &Client,
    targets: &[Target],
    plugins: Plugins,
    period: &ReportPeriod,
) -> Result<Read, MatomoError> {
    let mut out = Read::default();

    // The active dimensions of each site.
    let mut dimensions: Vec<Vec<wire::ActiveDimension>> = vec![Vec::new(); targets.len()];
    if plugins.custom_dimensions && !targets.is_empty() {
        let calls: Vec<Call> = targets
            .iter()
            .map(|t| wire::configured_dimensions(t.site.id))
            .collect();
        let not_read = &mut out.not_read;
        client
            .bulk_each(&calls, |index, result| {
                let target = &targets[index];
                match result.and_then(|value| {
                    wire::active_dimensions(&value).map_err(|e| decode_error(&calls[index], &e))
                }) {
                    Ok(dims) => dimensions[index] = dims,
                    Err(e) => {
                        let reason = reason(&e)?;
                        not_read.push(NotRead {
                            report: ReportRef {
                                site: target.key.clone(),
                                report: ReportKind::CustomDimension,
                                dimension: None,
                            },
                            reason,
                        });
                    }
                }
                Ok(())
            })
            .await?;
    }

    // Every report of every site.
    let mut calls: Vec<Call> = Vec::new();
    let mut sources: Vec<Source> = Vec::new();
    for (target, dims) in targets.iter().zip(&dimensions) {
        let id = target.site.id;
        let mut add = |report: ReportKind, call: Call, dimension: Option<Dimension>| {
            calls.push(call);
            sources.push(Source {
                site: target.key.clone(),
                site_id: id,
                report,
                dimension,
            });
        };
        for kind in ReportKind::PER_SITE {
            add(
                *kind,
                wire::report(kind.method(), id, period, kind.flat()),
                None,
            );
        }
        for dim in dims {
            add(
                ReportKind::CustomDimension,
                wire::custom_dimension(id, dim.id, period),
                Some(Dimension {
                    id: dim.id,
                    name: dim.name.clone(),
                }),
            );
        }
        if plugins.user_id {
            add(
                ReportKind::UserIds,
                wire::report(ReportKind::UserIds.method(), id, period, false),
                None,
            );
        }
        if plugins.live {
            add(ReportKind::Visits, wire::last_visits(id, period), None);
        }
    }
    let searched = read_reports(client, &calls, &sources, period.rows, &mut out).await?;

    // Site-search categories only where the keywords report has rows: Matomo records a
    // category only with a keyword, so the other sites' category reports are empty.
    let (calls, sources): (Vec<Call>, Vec<Source>) = searched
        .into_iter()
        .map(|source| {
            let kind = ReportKind::SiteSearchCategories;
            let call = wire::report(kind.method(), source.site_id, period, kind.flat());
            (
                call,
                Source {
                    report: kind,
                    ..source
                },
            )
        })
        .unzip();
    read_reports(client, &calls, &sources, period.rows, &mut out).await?;
    Ok(out)
}

/// Reads the reports `calls` (of `sources`) in bulk and examines each as it arrives.
/// Returns the sources of the site-search keyword reports that had rows.
async fn read_reports(
    client: &Client,
    calls: &[Call],
    sources: &[Source],
    rows: u64,
    out: &mut Read,
) -> Result<Vec<Source>, MatomoError> {
    let rows = usize::try_from(rows).unwrap_or(usize::MAX);
    let mut searched = Vec::new();
    client
        .bulk_each(calls, |index, result| {
            let source = &sources[index];
            let place = ReportRef {
                site: source.site.clone(),
                report: source.report,
                dimension: source.dimension.as_ref().map(|d| d.id),
            };
            let decoded = result.and_then(|value| decode(source.report, &value, &calls[index]));
            match decoded {
                Ok((mut table, answered)) => {
                    out.reports += 1;
                    if answered > rows {
                        if source.report != ReportKind::Visits {
                            table.truncate(rows);
                        }
                        out.truncated.push(place);
                    }
                    if source.report == ReportKind::SiteSearchKeywords && !table.is_empty() {
                        searched.push(source.clone());
                    }
                    out.findings.examine(source, &table);
                }
                Err(e) => {
                    let reason = reason(&e)?;
                    out.not_read.push(NotRead {
                        report: place,
                        reason,
                    });
                }
            }
            Ok(())
        })
        .await?;
    Ok(searched)
}

/// The rows of an answer, and how many rows (visits, for the visitor log) Matomo
/// answered: more than `rows` (one more is asked for) means the report was cut.
fn decode(
    report: ReportKind,
    value: &Value,
    call: &Call,
) -> Result<(Vec<wire::ReportRow>, usize), MatomoError> {
    let answered = value.as_array().map(Vec::len).unwrap_or_default();
    let decoded = if report == ReportKind::Visits {
        wire::visit_rows(value)
    } else {
        wire::report_rows(value, report.fields())
    };
    decoded
        .map(|rows| (rows, answered))
        .map_err(|e| decode_error(call, &e))
}

/// Why a report was not read, without quoting the answer; an error that must stop
/// the scan (invalid token, transport, truncated bulk answer) is returned as it is.
fn reason(error: &MatomoError) -> Result<String, MatomoError> {
    match error {
        e if wire::is_visitor_log_off(e) => Ok("visitor log off".into()),
        e if wire::is_plugin_off(e) => Ok("not available on this Matomo (plugin off)".into()),
        MatomoError::AccessDenied { .. } => Ok("access refused to this token".into()),
        MatomoError::Api { message, .. } => Ok(format!(
            "Matomo answered an error: {}",
            super::redact::redact_text(message, &super::detect::detect(message))
        )),
        MatomoError::Unexpected { status, .. } => {
            Ok(format!("unexpected answer (HTTP {status}), not shown"))
        }
        MatomoError::InvalidToken { method } => Err(MatomoError::InvalidToken {
            method: method.clone(),
        }),
        other => Err(clone_error(other)),
    }
}

/// The errors that stop the scan, rebuilt (MatomoError is not Clone); an unexpected
/// answer's body is never carried (it may hold what the scan must not print).
fn clone_error(error: &MatomoError) -> MatomoError {
    match error {
        MatomoError::Transport {
            method,
            url,
            detail,
            retryable,
        } => MatomoError::Transport {
            method: method.clone(),
            url: url.clone(),
            detail: detail.clone(),
            retryable: *retryable,
        },
        MatomoError::Truncated { expected, got } => MatomoError::Truncated {
            expected: *expected,
            got: *got,
        },
        other => MatomoError::Config(other.to_string()),
    }
}

fn decode_error(call: &Call, error: &crate::matomo::wire::WireError) -> MatomoError {
    MatomoError::Unexpected {
        method: call.method.clone(),
        site: call.site,
        status: 200,
        body_start: error.to_string().chars().take(300).collect(),
    }
}

/// An error of the scan's reads as shown to the user: an unexpected answer's body is
/// left out (a report's answer may hold personal data).
pub fn shown_error(error: MatomoError) -> anyhow::Error {
    match error {
        MatomoError::Unexpected {
            method,
            site,
            status,
            ..
        } => anyhow::anyhow!(
            "{method}{}: unexpected answer (HTTP {status}); its content is not shown, as it may hold personal data",
            site.map(|s| format!(" (site {s})")).unwrap_or_default()
        ),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::matomo::test_support::{bulk_reply, config, form, get, serve};
    use crate::scan::detect::Detector;

    /// The sub-answers of the recorded bulk read of sites 1–3 (seq 2190), by
    /// `method|idSite|flat`.
    fn recorded_answers() -> BTreeMap<String, Value> {
        let path = format!(
            "{}/tests/fixtures/scan/API.getBulkRequest__rec2_pii_reports_sites_1_2_3_day_today.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let recording: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let params = recording["request"]["params"].as_object().unwrap();
        let answers = recording["response"]["body"].as_array().unwrap();
        let mut out = BTreeMap::new();
        for (i, answer) in answers.iter().enumerate() {
            let url = params[&format!("urls[{i}]")].as_str().unwrap();
            let sub: Vec<(String, String)> = form_urlencoded::parse(url.as_bytes())
                .into_owned()
                .collect();
            out.insert(sub_key(&sub), answer.clone());
        }
        out
    }

    /// `method|idSite|flat expanded` of a sub-request's decoded parameters.
    fn sub_key(sub: &[(String, String)]) -> String {
        let value = |k: &str| get(sub, k).unwrap_or_default();
        format!(
            "{}|{}|{}{}",
            value("method"),
            value("idSite"),
            value("flat"),
            value("expanded")
        )
    }

    fn target(id: u64) -> Target {
        Target {
            key: format!("site-{id}"),
            site: ViewedSite {
                id,
                name: format!("Site {id}"),
                urls: Vec::new(),
            },
        }
    }

    #[tokio::test]
    async fn the_recorded_reports_of_three_sites_are_read_in_one_bulk_request() {
        let answers = recorded_answers();
        let (url, log) = serve(move |_, body| {
            bulk_reply(body, |sub| {
                answers.get(&sub_key(sub)).cloned().unwrap_or_else(
                    || serde_json::json!({"result": "error", "message": "not recorded"}),
                )
            })
        })
        .await;
        let client = Client::new(config(&url)).unwrap();
        let period = ReportPeriod {
            period: "day".into(),
            date: "today".into(),
            rows: 10_000,
        };
        let plugins = Plugins {
            custom_dimensions: false,
            user_id: true,
            live: true,
        };
        let read = read(
            &client,
            &[target(1), target(2), target(3)],
            plugins,
            &period,
        )
        .await
        .unwrap();
        // 3 sites × (8 reports + User IDs + visitor log) in one request, then the
        // site-search categories of the two sites whose keywords report has rows.
        assert_eq!(log.lock().unwrap().len(), 2);
        let categories = form(&log.lock().unwrap()[1]);
        assert_eq!(
            categories
                .iter()
                .filter(|(k, _)| k.starts_with("urls["))
                .count(),
            2
        );
        let sent = form(&log.lock().unwrap()[0]);
        assert_eq!(
            get(&sent, "urls[0]"),
            Some(
                "method=Actions.getPageUrls&idSite=1&period=day&date=today&filter_limit=10001&flat=1"
            )
        );
        assert_eq!(read.reports, 32, "{:?}", read.not_read);
        assert!(read.not_read.is_empty());
        assert!(read.truncated.is_empty());
        let emails: Vec<(u64, ReportKind)> = read
            .findings
            .by_key
            .keys()
            .filter(|k| k.detector == Detector::Email)
            .map(|k| (k.site_id, k.report))
            .collect();
        // The recordings hold e-mail addresses in site 1's page URLs, titles, search
        // keywords, outlinks, downloads, event names and categories, User IDs, visits.
        for report in [
            ReportKind::PageUrls,
            ReportKind::PageTitles,
            ReportKind::SiteSearchKeywords,
            ReportKind::Outlinks,
            ReportKind::Downloads,
            ReportKind::EventNames,
            ReportKind::EventCategories,
            ReportKind::UserIds,
            ReportKind::Visits,
        ] {
            assert!(emails.contains(&(1, report)), "{report:?} in {emails:?}");
        }
        assert!(emails.contains(&(2, ReportKind::PageUrls)));
        assert!(!emails.contains(&(2, ReportKind::UserIds)));
    }

    #[tokio::test]
    async fn a_visitor_log_off_and_a_cut_report_are_said_not_failed() {
        let (url, _log) = serve(move |_, body| {
            bulk_reply(body, |sub| match get(sub, "method").unwrap_or_default() {
                "Live.getLastVisitsDetails" => serde_json::json!({"result": "error", "message": "Visits log is deactivated in website settings. A user with at least admin access can enable this feature in the settings for this website (idSite=4)."}),
                "Actions.getPageUrls" => {
                    serde_json::json!([{"label": "/a"}, {"label": "/b"}, {"label": "/c"}])
                }
                _ => serde_json::json!([]),
            })
        })
        .await;
        let client = Client::new(config(&url)).unwrap();
        let period = ReportPeriod {
            period: "day".into(),
            date: "yesterday".into(),
            rows: 2,
        };
        let plugins = Plugins {
            live: true,
            ..Plugins::default()
        };
        let read = read(&client, &[target(4)], plugins, &period).await.unwrap();
        assert_eq!(
            read.not_read,
            vec![NotRead {
                report: ReportRef {
                    site: "site-4".into(),
                    report: ReportKind::Visits,
                    dimension: None
                },
                reason: "visitor log off".into()
            }]
        );
        assert_eq!(read.truncated.len(), 1);
        assert_eq!(read.truncated[0].report, ReportKind::PageUrls);
        assert_eq!(read.findings.rows, 2, "rows past --rows are not examined");
    }
}
