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
    let _ = text;
    Vec::new()
}
