//! Detectors of personal data in visitor-supplied text (a report row's label or URL, a
//! page title, a site-search keyword…). Each detector has a stable id, used as the rule
//! id of its findings, in waivers and in the baseline.

use std::ops::Range;

use serde::Serialize;

/// One kind of personal data the scan looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Detector {
    /// An e-mail address, also URL-encoded (`%40`).
    Email,
    /// A French phone number (national or `+33`, with spaces, dots or none).
    Phone,
    /// A French social security number (NIR), its key checked.
    Nir,
    /// An IBAN, mod-97 checked.
    Iban,
    /// A payment card number, Luhn checked, 13–19 digits.
    Card,
    /// A secret in a URL: a query parameter named like a token, key or password, or on
    /// Matomo's personal-data list, with a non-empty value.
    UrlSecret,
    /// A JWT-shaped string.
    Jwt,
    /// A person's name carried by a name-like query parameter (`nom`, `prenom`, `name`…).
    PersonName,
}

impl Detector {
    /// Every detector, in the order findings are shown.
    pub const ALL: &'static [Detector] = &[
        Detector::Email,
        Detector::Phone,
        Detector::Nir,
        Detector::Iban,
        Detector::Card,
        Detector::UrlSecret,
        Detector::Jwt,
        Detector::PersonName,
    ];

    /// The stable id: the rule id of its findings (`scan.email`…).
    pub fn id(self) -> &'static str {
        match self {
            Detector::Email => "scan.email",
            Detector::Phone => "scan.phone",
            Detector::Nir => "scan.nir",
            Detector::Iban => "scan.iban",
            Detector::Card => "scan.card",
            Detector::UrlSecret => "scan.secret",
            Detector::Jwt => "scan.jwt",
            Detector::PersonName => "scan.name",
        }
    }

    /// What it finds, in a few words.
    pub fn title(self) -> &'static str {
        match self {
            Detector::Email => "e-mail address",
            Detector::Phone => "phone number",
            Detector::Nir => "social security number (NIR)",
            Detector::Iban => "IBAN",
            Detector::Card => "payment card number",
            Detector::UrlSecret => "secret or personal value in a URL parameter",
            Detector::Jwt => "JWT token",
            Detector::PersonName => "person's name",
        }
    }
}

/// One piece of personal data found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    pub detector: Detector,
    /// Byte range of the value in the text given to [`detect`].
    pub range: Range<usize>,
    /// The value redacted (`j***@e***.fr`, `06 ** ** ** 78`): safe to print.
    pub redacted: String,
    /// The query parameter that carried it, when it was a URL parameter's value.
    pub parameter: Option<String>,
}

/// Every piece of personal data in `text`, in order of position, without overlaps.
pub fn detect(text: &str) -> Vec<Detection> {
    temporary_email(text)
}

/// TEMPORARY (branch `scan`): a plain e-mail finder so that the scan can be tested
/// before the real detectors land (branch `detectors` replaces this file).
fn temporary_email(text: &str) -> Vec<Detection> {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || b"._-+".contains(&b);
    let domain = |b: u8| b.is_ascii_alphanumeric() || b".-".contains(&b);
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (at, len) = if bytes[i] == b'@' {
            (i, 1)
        } else if text
            .get(i..i + 3)
            .is_some_and(|s| s.eq_ignore_ascii_case("%40"))
        {
            (i, 3)
        } else {
            i += 1;
            continue;
        };
        let mut start = at;
        while start > 0 && local(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + len;
        while end < bytes.len() && domain(bytes[end]) {
            end += 1;
        }
        let host = text
            .get(at + len..end)
            .unwrap_or_default()
            .trim_end_matches('.');
        let end = at + len + host.len();
        let out_start = out.last().map_or(0, |d: &Detection| d.range.end);
        if start < at && start >= out_start && host.contains('.') && !host.starts_with('.') {
            let first = text.get(start..=start).unwrap_or("*");
            let tld = host.rsplit('.').next().unwrap_or_default();
            let host_first = host.get(..1).unwrap_or("*");
            out.push(Detection {
                detector: Detector::Email,
                range: start..end,
                redacted: format!("{first}***@{host_first}***.{tld}"),
                parameter: None,
            });
        }
        i = end.max(i + 1);
    }
    out
}
