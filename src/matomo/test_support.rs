//! Test support for the client's unit tests: recorded exchanges from `tests/fixtures/`, and a
//! tiny HTTP server on `127.0.0.1:0` answering canned replies and recording request bodies.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One recorded exchange (`tests/fixtures/matomo-<version>/<name>.json`).
pub fn recording(version: &str, name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/matomo-{version}/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The recorded response body (JSON value, or the raw text as a JSON string).
pub fn body(recording: &Value) -> Value {
    recording["response"]["body"].clone()
}

/// The recorded response as (status, body text), as Matomo sent it.
pub fn response(recording: &Value) -> (u16, String) {
    let status = recording["response"]["status"].as_u64().unwrap() as u16;
    let body = match &recording["response"]["body"] {
        Value::String(raw)
            if !recording["response"]["content_type"]
                .as_str()
                .unwrap_or("")
                .contains("json") =>
        {
            raw.clone()
        }
        other => other.to_string(),
    };
    (status, body)
}

/// A canned reply.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer with this status, content type and body.
    Answer(u16, &'static str, String),
    /// Accept the connection and never answer (a timeout).
    Hang,
    /// A redirect: this status and `Location` header, empty body.
    Redirect(u16, String),
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::Answer(status, "application/json; charset=utf-8", body.into())
    }

    /// The recorded answer of an exchange.
    pub fn recorded(recording: &Value) -> Self {
        let (status, body) = response(recording);
        let ctype = if recording["response"]["content_type"]
            .as_str()
            .unwrap_or("")
            .contains("json")
        {
            "application/json; charset=utf-8"
        } else {
            "text/html; charset=utf-8"
        };
        Self::Answer(status, ctype, body)
    }
}

/// Request bodies received, in order.
pub type Log = Arc<Mutex<Vec<String>>>;

/// Starts a server; `handler(n, body)` answers the n-th request (0-based). Returns the
/// base URL and the log of request bodies (form-decoded later by the tests).
pub async fn serve<F>(handler: F) -> (String, Log)
where
    F: Fn(usize, &str) -> Reply + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(handler);
    let server_log = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let log = server_log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let (head_end, length) = loop {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..pos]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (pos + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(format!("{head}{body}"));
                    log.len() - 1
                };
                match handler(n, &body) {
                    Reply::Hang => tokio::time::sleep(std::time::Duration::from_secs(30)).await,
                    Reply::Answer(status, ctype, body) => {
                        let text = format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = socket.write_all(text.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                    Reply::Redirect(status, location) => {
                        let text = format!(
                            "HTTP/1.1 {status} X\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        );
                        let _ = socket.write_all(text.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                }
            });
        }
    });
    (url, log)
}

/// The body part of a logged request, form-decoded in order.
pub fn form(logged: &str) -> Vec<(String, String)> {
    let body = logged.split("\r\n\r\n").nth(1).unwrap_or("");
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

/// The value of `key` in a decoded form.
pub fn get<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The token the unit tests' clients send (never to be found in an error or a log).
pub const TOKEN: &str = "0123456789abcdef0123456789abcdef";

/// A client configuration for a test server at `url`: [`TOKEN`], 1 ms between retries,
/// requests cut after 500 ms.
pub fn config(url: &str) -> crate::matomo::ClientConfig {
    let mut config = crate::matomo::ClientConfig::new(url);
    config.token = Some(crate::matomo::Secret::new(TOKEN));
    config.retry_delay = std::time::Duration::from_millis(1);
    config.request_timeout = std::time::Duration::from_millis(500);
    config
}

/// `n` read calls `SitesManager.getSiteFromId`, for sites 1 to `n`.
pub fn sub_calls(n: usize) -> Vec<crate::matomo::Call> {
    (1..=n as u64)
        .map(|id| crate::matomo::Call::for_site("SitesManager.getSiteFromId", id))
        .collect()
}

/// The recorded answer `name` of Matomo 5.0.2.
pub fn v502(name: &str) -> Value {
    body(&recording("5.0.2", name))
}

/// The recorded answer `name` of Matomo 5.7.
pub fn v57(name: &str) -> Value {
    body(&recording("5.7", name))
}

/// The answer to an `API.getBulkRequest` form `body`: `answer` of each sub-request
/// (form-decoded), in order, as one JSON list.
pub fn bulk_reply(body: &str, answer: impl Fn(&[(String, String)]) -> Value) -> Reply {
    let items: Vec<Value> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .filter(|(key, _)| key.starts_with("urls["))
        .map(|(_, sub)| {
            let sub: Vec<(String, String)> = form_urlencoded::parse(sub.as_bytes())
                .into_owned()
                .collect();
            answer(&sub)
        })
        .collect();
    Reply::json(200, Value::Array(items).to_string())
}
