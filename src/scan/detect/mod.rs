//! Detectors of personal data in visitor-supplied text (a report row's label or URL, a
//! page title, a site-search keyword…). Each detector has a stable id, used as the rule
//! id of its findings, in waivers and in the baseline.

use std::ops::Range;

use serde::Serialize;

mod card;
mod decode;
mod email;
mod iban;
mod jwt;
mod nir;
mod phone;
mod url;

use decode::Decoded;

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
///
/// The detectors read `text` percent-decoded (`%40` is an `@`); the ranges are in
/// `text` itself and cover the whole encoded value, so replacing them (see
/// [`redact_text`](super::redact::redact_text)) leaves nothing of it. Where two
/// detections overlap, the more specific one is kept: a checked number (NIR, IBAN,
/// card) before an e-mail, a JWT or a phone number, and any of these before a URL
/// parameter's finding, unless that would leave part of the parameter's value shown
/// (then the parameter's finding covers both). Linear in the length of `text`.
pub fn detect(text: &str) -> Vec<Detection> {
    if !may_hold_personal_data(text) {
        return Vec::new();
    }
    let decoded = Decoded::new(text);
    let text = decoded.text.as_ref();

    let mut values = Vec::new();
    values.extend(nir::find(text));
    values.extend(iban::find(text));
    values.extend(card::find(text));
    values.extend(email::find(text));
    values.extend(jwt::find(text));
    values.extend(phone::find(text));
    let mut values = keep_most_specific(values);

    let params = url::params(text);
    let mut found = Vec::new();
    for finding in keep_outermost(url::find(text, &params)) {
        let overlapping: Vec<usize> = (0..values.len())
            .filter(|&i| overlaps(&values[i].range, &finding.found.range))
            .collect();
        let ranges: Vec<&Range<usize>> = overlapping.iter().map(|&i| &values[i].range).collect();
        if !overlapping.is_empty() && covers(&ranges, &finding.value) {
            continue; // the value detections say more, and hide the whole value
        }
        let mut kept = finding.found;
        for &i in overlapping.iter().rev() {
            let value = values.remove(i);
            kept.range = kept.range.start.min(value.range.start)..kept.range.end.max(value.range.end);
        }
        found.push((kept, Some(finding.name)));
    }
    for value in values {
        let parameter = params
            .iter()
            .rfind(|param| param.value.contains(&value.range.start))
            .map(|param| param.name.clone());
        found.push((value, parameter));
    }

    let mut detections: Vec<Detection> = found
        .into_iter()
        .map(|(found, parameter)| Detection {
            detector: found.detector,
            range: decoded.original_range(found.range),
            redacted: found.redacted,
            parameter,
        })
        .collect();
    detections.sort_by_key(|d| d.range.start);
    detections
}

/// A detector's finding, its range in the decoded text.
struct Found {
    detector: Detector,
    range: Range<usize>,
    redacted: String,
}

/// False when no detector can fire on `text` (no digit, `@`, `=` or JWT header): most
/// page titles, found without running a regex.
fn may_hold_personal_data(text: &str) -> bool {
    text.bytes()
        .any(|b| b.is_ascii_digit() || b == b'@' || b == b'=' || b == b'%')
        || text.contains("eyJ")
}

/// How specific a value detector is: lower is kept first on overlap.
fn specificity(detector: Detector) -> usize {
    match detector {
        Detector::Nir => 0,
        Detector::Iban => 1,
        Detector::Card => 2,
        Detector::Email => 3,
        Detector::Jwt => 4,
        Detector::Phone => 5,
        Detector::UrlSecret => 6,
        Detector::PersonName => 7,
    }
}

/// The value detections without overlaps, the most specific kept, in position order.
fn keep_most_specific(mut found: Vec<Found>) -> Vec<Found> {
    found.sort_by_key(|f| (specificity(f.detector), f.range.start));
    let mut kept: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        if !kept.iter().any(|k| overlaps(&k.range, &f.range)) {
            kept.push(f);
        }
    }
    kept.sort_by_key(|f| f.range.start);
    kept
}

/// The URL parameter findings without overlaps (a parameter inside another's value:
/// the outer one is kept, it hides both).
fn keep_outermost(mut found: Vec<url::ParamFinding>) -> Vec<url::ParamFinding> {
    found.sort_by_key(|f| (f.found.range.start, std::cmp::Reverse(f.found.range.end)));
    let mut kept: Vec<url::ParamFinding> = Vec::with_capacity(found.len());
    for f in found {
        if kept
            .last()
            .is_none_or(|last| !overlaps(&last.found.range, &f.found.range))
        {
            kept.push(f);
        }
    }
    kept
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// True when the union of `ranges` covers all of `target`.
fn covers(ranges: &[&Range<usize>], target: &Range<usize>) -> bool {
    let mut sorted: Vec<&Range<usize>> = ranges.to_vec();
    sorted.sort_by_key(|r| r.start);
    let mut at = target.start;
    for range in sorted {
        if range.start > at {
            break;
        }
        at = at.max(range.end);
    }
    at >= target.end
}

/// Separators the numeric detectors accept between groups of digits (`%20` is an
/// encoded space the decoding keeps).
const SEP: &str = r"(?:[ .\-]|%20)";

/// The ASCII digits of `s`, skipping `%XX` escapes.
fn digits(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if decode::escape_at(bytes, i).is_some() {
            i += 3;
            continue;
        }
        if bytes[i].is_ascii_digit() {
            out.push(bytes[i] as char);
        }
        i += 1;
    }
    out
}

/// True when every separator between the digit groups of `s` is the same (`06 12 34 56
/// 78`, `06.12.34.56.78`; not `06.12-34 56.78`).
fn consistent_separators(s: &str) -> bool {
    let normalized = s.replace("%20", " ");
    let mut seen: Option<&str> = None;
    for separator in normalized
        .split(|c: char| c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
    {
        match seen {
            None => seen = Some(separator),
            Some(first) if first == separator => {}
            Some(_) => return false,
        }
    }
    true
}

/// True when `range` of `text` stands alone: not glued to a letter or digit, not part of
/// a dotted, dashed or slashed number (a version, a date, a path of ids), and not cut
/// out of a `%XX` escape.
fn isolated(text: &str, range: &Range<usize>) -> bool {
    if inside_escape(text, range.start) || inside_escape(text, range.end) {
        return false;
    }
    let before = !decode::kept_escape_before(text, range.start)
        && glued(text[..range.start].chars().rev());
    let after = glued(text[range.end..].chars());
    !before && !after
}

/// True when the characters going away from a value (`chars`) glue it to more: a
/// letter or digit, or a `.`, `-` or `/` followed by a digit.
fn glued(mut chars: impl Iterator<Item = char>) -> bool {
    match chars.next() {
        Some(c) if c.is_alphanumeric() => true,
        Some('.' | '-' | '/') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// True when `at` falls strictly inside a `%XX` escape of `text`.
fn inside_escape(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    (at >= 1 && decode::escape_at(bytes, at - 1).is_some())
        || (at >= 2 && decode::escape_at(bytes, at - 2).is_some())
}

/// Every match of `regex` in `text` that `accept` turns into a finding; a rejected
/// match is retried one character later, so a valid value overlapping it is not missed.
fn scan(
    regex: &regex::Regex,
    text: &str,
    mut accept: impl FnMut(Range<usize>) -> Option<Found>,
) -> Vec<Found> {
    let mut found = Vec::new();
    let mut at = 0;
    while at <= text.len() {
        let Some(m) = regex.find_at(text, at) else {
            break;
        };
        if let Some(f) = accept(m.range()) {
            at = f.range.end.max(m.start() + 1);
            found.push(f);
        } else {
            at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
        }
        while !text.is_char_boundary(at.min(text.len())) {
            at += 1;
        }
    }
    found
}
