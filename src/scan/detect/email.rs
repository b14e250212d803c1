//! `scan.email`: e-mail addresses, anywhere in the text (a query value, a path segment
//! like `/profil/jean.dupont@example.fr`, a title), also URL-encoded (`%40`, decoded
//! before the detectors read the text). Image names like `logo@2x.png` are left out:
//! an address's last label is never a file extension.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Detector, Found, inside_escape, scan};

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[\w+\-](?:[\w.+\-']*[\w+\-])?@(?:\w(?:[\w\-]*\w)?\.)+(?:[a-z]{2,24}|xn--[a-z0-9\-]+)",
    )
    .expect("e-mail regex")
});

/// Last labels that are file extensions, not top-level domains (`logo@2x.png`).
const FILE_EXTENSIONS: &[&str] = &[
    "avif", "css", "gif", "htm", "html", "ico", "jpeg", "jpg", "js", "json", "mp3", "mp4", "pdf",
    "php", "png", "svg", "ttf", "txt", "webm", "webp", "woff", "woff2", "xml",
];

/// Every e-mail address in `text`.
pub(super) fn find(text: &str) -> Vec<Found> {
    if !text.contains('@') {
        return Vec::new();
    }
    scan(&EMAIL, text, |range| email(text, range))
}

fn email(text: &str, mut range: Range<usize>) -> Option<Found> {
    // A local part right after a kept escape (`%20jean@…`) starts after its hex digits.
    if inside_escape(text, range.start) {
        range.start += if text.as_bytes().get(range.start.checked_sub(1)?) == Some(&b'%') {
            2
        } else {
            1
        };
    }
    let address = text.get(range.clone())?;
    let (local, domain) = address.split_once('@')?;
    let (_, tld) = domain.rsplit_once('.')?;
    let glued = text[range.end..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    if local.is_empty() || glued || FILE_EXTENSIONS.contains(&tld.to_ascii_lowercase().as_str()) {
        return None;
    }
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    Some(Found {
        detector: Detector::Email,
        redacted: format!("{}***@{}***.{}", first(local), first(domain), tld),
        range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String)> {
        super::super::found_by(find, text)
    }

    #[test]
    fn finds_addresses() {
        for (text, address, redacted) in [
            (
                "email=jean.dupont@example.fr&x=1",
                "jean.dupont@example.fr",
                "j***@e***.fr",
            ),
            (
                "/profil/jean.dupont@example.fr",
                "jean.dupont@example.fr",
                "j***@e***.fr",
            ),
            (
                "Contact: Marie-Anne+news@mail.example.co.uk.",
                "Marie-Anne+news@mail.example.co.uk",
                "M***@m***.uk",
            ),
            (
                "q=Contact%20jean@example.org",
                "jean@example.org",
                "j***@e***.org",
            ),
            ("françois@exemple.fr", "françois@exemple.fr", "f***@e***.fr"),
        ] {
            assert_eq!(
                found(text),
                vec![(address.to_owned(), redacted.to_owned())],
                "{text}"
            );
        }
    }

    #[test]
    fn leaves_look_alikes() {
        for text in [
            "/img/logo@2x.png",
            "@jeandupont",
            "jean@localhost",
            "lodash@4.17.21",
            "Rendez-vous @ 10h",
            "a@b",
        ] {
            assert_eq!(found(text), vec![], "{text}");
        }
    }
}
