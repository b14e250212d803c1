//! Bulk reads: read calls grouped into `API.getBulkRequest`, chunked under PHP's
//! `max_input_vars`, sent concurrently, answered one result per call. Writes never go
//! into a bulk call.

use futures::StreamExt;
use serde_json::Value;

use super::answer::split_bulk_answer;
use super::encode::bulk_sub_request;
use super::{Call, Client, MAX_BULK_SIZE, MatomoError};

impl Client {
    /// Read calls grouped into `API.getBulkRequest`, chunked and sent concurrently (at
    /// most `parallelism` in flight); one result per call, in order. Chunks are as few as
    /// `bulk_size` (capped at [`MAX_BULK_SIZE`]) allows, and balanced (1,001 calls at 500
    /// go as 334 + 334 + 333). Fails when an answer is truncated.
    pub async fn bulk(
        &self,
        calls: &[Call],
    ) -> Result<Vec<Result<Value, MatomoError>>, MatomoError> {
        let mut out = Vec::with_capacity(calls.len());
        self.bulk_each(calls, |_, result| {
            out.push(result);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Like [`Client::bulk`], but hands each call's result to `each` (with the call's
    /// index, in order) as soon as its chunk is answered, so that only the chunks in
    /// flight are held in memory. Stops at the first error of `each`, a truncated
    /// answer or a failed chunk.
    pub async fn bulk_each<F>(&self, calls: &[Call], mut each: F) -> Result<(), MatomoError>
    where
        F: FnMut(usize, Result<Value, MatomoError>) -> Result<(), MatomoError>,
    {
        check_bulk_reads(calls)?;
        let size = chunk_len(calls.len(), self.config().bulk_size);
        let mut answers = futures::stream::iter(calls.chunks(size).map(|c| self.bulk_chunk(c)))
            .buffered(self.config().parallelism.max(1));
        let mut index = 0;
        while let Some(answer) = answers.next().await {
            for result in answer? {
                each(index, result)?;
                index += 1;
            }
        }
        Ok(())
    }

    async fn bulk_chunk(
        &self,
        chunk: &[Call],
    ) -> Result<Vec<Result<Value, MatomoError>>, MatomoError> {
        let mut bulk = Call::new("API.getBulkRequest");
        let urls: Vec<String> = chunk.iter().map(bulk_sub_request).collect();
        bulk.params.array("urls", &urls);
        let answer = self.read(&bulk).await?;
        split_bulk_answer(chunk, answer)
    }

    /// Read calls in one `API.getBulkRequest` (at most [`MAX_BULK_SIZE`]), whatever the
    /// configured chunk size; one result per call, in order (more calls go as [`Client::bulk`]).
    pub async fn bulk_in_one(
        &self,
        calls: &[Call],
    ) -> Result<Vec<Result<Value, MatomoError>>, MatomoError> {
        if calls.len() > MAX_BULK_SIZE {
            return self.bulk(calls).await;
        }
        check_bulk_reads(calls)?;
        self.bulk_chunk(calls).await
    }
}

/// Refuses a write (or a call with secrets) in a bulk call.
fn check_bulk_reads(calls: &[Call]) -> Result<(), MatomoError> {
    match calls
        .iter()
        .find(|c| !is_read_method(&c.method) || !c.secrets.is_empty())
    {
        Some(call) => Err(MatomoError::Config(format!(
            "{} cannot go into API.getBulkRequest: bulk calls are for reads only (a write there can corrupt a site's URLs)",
            call.method
        ))),
        None => Ok(()),
    }
}

/// The chunk length for `total` calls in chunks of at most `size` (capped at
/// [`MAX_BULK_SIZE`]): as few chunks as that allows, balanced.
fn chunk_len(total: usize, size: usize) -> usize {
    let size = size.clamp(1, MAX_BULK_SIZE);
    let chunks = total.div_ceil(size).max(1);
    total.div_ceil(chunks).max(1)
}

/// True for methods that only read (`get…`, `is…`, `has…`): the only ones allowed in a bulk call.
fn is_read_method(method: &str) -> bool {
    let action = method.rsplit('.').next().unwrap_or(method);
    ["get", "is", "has"]
        .iter()
        .any(|prefix| action.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matomo::test_support::{Reply, bulk_reply, config, form, get, serve, sub_calls};

    fn echo_bulk(_: usize, body: &str) -> Reply {
        bulk_reply(body, |sub| {
            let id = get(sub, "idSite").unwrap_or("0").parse::<u64>().unwrap();
            serde_json::json!({"value": id})
        })
    }

    #[tokio::test]
    async fn bulk_chunks_in_order_with_the_sub_requests_encoded() {
        let (url, log) = serve(echo_bulk).await;
        let mut config = config(&url);
        config.bulk_size = 3;
        config.parallelism = 2;
        let client = Client::new(config).unwrap();
        let results = client.bulk(&sub_calls(8)).await.unwrap();
        let ids: Vec<u64> = results
            .iter()
            .map(|r| r.as_ref().unwrap()["value"].as_u64().unwrap())
            .collect();
        assert_eq!(ids, (1..=8).collect::<Vec<_>>());
        let log = log.lock().unwrap();
        assert_eq!(log.len(), 3);
        let first = form(
            &log.iter()
                .find(|l| l.contains("idSite%3D1"))
                .unwrap()
                .clone(),
        );
        let keys: Vec<&str> = first.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "module",
                "method",
                "format",
                "token_auth",
                "filter_limit",
                "urls[0]",
                "urls[1]",
                "urls[2]"
            ]
        );
        assert_eq!(get(&first, "method"), Some("API.getBulkRequest"));
        assert_eq!(
            get(&first, "urls[0]"),
            Some("method=SitesManager.getSiteFromId&idSite=1")
        );
    }

    #[tokio::test]
    async fn bulk_fails_when_matomo_drops_answers_and_refuses_writes() {
        let (url, _) = serve(|_, _| Reply::json(200, "[{\"value\":1}]")).await;
        let client = Client::new(config(&url)).unwrap();
        let err = client.bulk(&sub_calls(2)).await.unwrap_err();
        assert!(
            matches!(
                err,
                MatomoError::Truncated {
                    expected: 2,
                    got: 1
                }
            ),
            "{err:?}"
        );
        let before = client.request_count();
        let writes = [Call::for_site("SitesManager.updateSite", 1).with("siteName", "x")];
        let err = client.bulk(&writes).await.unwrap_err();
        assert!(err.to_string().contains("reads only"), "{err}");
        assert_eq!(client.request_count(), before);
    }

    #[test]
    fn chunks_are_balanced_and_capped() {
        assert_eq!(chunk_len(1001, 500), 334);
        assert_eq!(chunk_len(3000, 500), 500);
        assert_eq!(chunk_len(10, 500), 10);
        assert_eq!(chunk_len(10, 4), 4);
        assert_eq!(chunk_len(5000, 10_000), 500, "capped at MAX_BULK_SIZE");
        assert_eq!(chunk_len(0, 100), 1);
    }

    #[test]
    fn only_reads_go_into_a_bulk_call() {
        assert!(
            is_read_method("Goals.getGoals") && is_read_method("UsersManager.hasSuperUserAccess")
        );
        assert!(
            !is_read_method("SitesManager.updateSite")
                && !is_read_method("PrivacyManager.activateDoNotTrack")
        );
    }
}
