//! `scan.jwt`: JSON Web Tokens anywhere in the text: three base64url parts separated by
//! dots, the first one (`eyJ…`) decoding to a JSON header that names `alg` or `typ`.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Detector, Found, scan};

static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*").expect("JWT regex")
});

/// Every JWT in `text`.
pub(super) fn find(text: &str) -> Vec<Found> {
    if !text.contains("eyJ") {
        return Vec::new();
    }
    scan(&JWT, text, |range| jwt(text, range))
}

fn jwt(text: &str, range: Range<usize>) -> Option<Found> {
    let base64url = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if text[..range.start]
        .chars()
        .next_back()
        .is_some_and(base64url)
    {
        return None;
    }
    let (header, _) = text[range.clone()].split_once('.')?;
    let header = decode_base64url(header)?;
    let header = String::from_utf8_lossy(&header);
    let is_header =
        header.starts_with('{') && (header.contains("\"alg\"") || header.contains("\"typ\""));
    is_header.then(|| Found {
        detector: Detector::Jwt,
        range,
        redacted: "eyJ***".to_owned(),
    })
}

/// Base64url without padding (a trailing partial group is dropped).
fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        }))
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut bits = 0u32;
    let mut count = 0;
    for c in text.bytes() {
        bits = (bits << 6) | value(c)?;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(u8::try_from((bits >> count) & 0xff).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn finds_tokens() {
        for text in [
            TOKEN.to_owned(),
            format!("/callback#id_token={TOKEN}&state=1"),
            format!("Bearer {TOKEN}"),
        ] {
            let found = find(&text);
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(&text[found[0].range.clone()], TOKEN);
            assert_eq!(found[0].redacted, "eyJ***");
        }
    }

    #[test]
    fn leaves_look_alikes() {
        for text in [
            "eyJhbGciOiJIUzI1NiJ9",                       // a header alone
            "eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxMjM0In0.abc", // {"foo":"bar"}: no header
            "keyJabcdefghijk.abcdefghijk.abc",            // glued to a word
            "/static/js/main.eyJ0eXAiOi.chunk.js",        // too short
            "1.2.3",
        ] {
            assert_eq!(find(text).len(), 0, "{text}");
        }
    }
}
