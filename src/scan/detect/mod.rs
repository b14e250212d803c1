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

    /// The detector whose rule id is `rule` (`scan.email`…), if any.
    pub fn from_rule(rule: &str) -> Option<Detector> {
        Detector::ALL.iter().copied().find(|d| d.id() == rule)
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
    /// Byte range of the value in the text given to [`detect`] (the whole encoded value;
    /// `name=value` for `scan.secret` and `scan.name`, so the redacted form keeps the
    /// name).
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
            kept.range =
                kept.range.start.min(value.range.start)..kept.range.end.max(value.range.end);
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

/// For a detector's tests: what `find` found in `text`, as (the text found, its
/// redacted form).
#[cfg(test)]
fn found_by(find: fn(&str) -> Vec<Found>, text: &str) -> Vec<(String, String)> {
    find(text)
        .into_iter()
        .map(|f| (text[f.range].to_owned(), f.redacted))
        .collect()
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

/// How many ASCII digits `text` holds (escapes' included): numeric detectors skip
/// texts with fewer than their values need, without running a regex.
fn digit_count(text: &str) -> usize {
    text.bytes().filter(u8::is_ascii_digit).count()
}

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
    let before =
        !decode::kept_escape_before(text, range.start) && glued(text[..range.start].chars().rev());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::redact::redact_text;

    type Row = (Detector, String, String, Option<String>);

    /// `(detector, the original text it covers, redacted, parameter)` of each detection.
    fn found(text: &str) -> Vec<Row> {
        detect(text)
            .into_iter()
            .map(|d| {
                (
                    d.detector,
                    text[d.range].to_owned(),
                    d.redacted,
                    d.parameter,
                )
            })
            .collect()
    }

    fn one(detector: Detector, covered: &str, redacted: &str, parameter: Option<&str>) -> Vec<Row> {
        vec![(
            detector,
            covered.to_owned(),
            redacted.to_owned(),
            parameter.map(str::to_owned),
        )]
    }

    #[test]
    fn finds_values_in_urls_and_text() {
        use Detector::*;
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl";
        let jwt_url = format!("/app?token={token}");
        for (text, expected) in [
            (
                "/contact?email=jean.dupont%40example.fr&page=2",
                one(
                    Email,
                    "jean.dupont%40example.fr",
                    "j***@e***.fr",
                    Some("email"),
                ),
            ),
            (
                "/profil/jean.dupont@example.fr",
                one(Email, "jean.dupont@example.fr", "j***@e***.fr", None),
            ),
            (
                "/recherche?q=%2B33%206%2012%2034%2056%2078",
                one(
                    Phone,
                    "%2B33%206%2012%2034%2056%2078",
                    "06 ** ** ** 78",
                    Some("q"),
                ),
            ),
            (
                "Rappel au +33 6 12 34 56 78",
                one(Phone, "+33 6 12 34 56 78", "06 ** ** ** 78", None),
            ),
            (
                "tel= 33 6 12 34 56 78",
                one(Phone, "33 6 12 34 56 78", "06 ** ** ** 78", None),
            ),
            (
                "/dossier?nir=1%2085%2005%2078%20006%20084%2091",
                one(
                    Nir,
                    "1%2085%2005%2078%20006%20084%2091",
                    "1 ** ** ** *** *** 91",
                    Some("nir"),
                ),
            ),
            (
                "/virement?iban=FR7630006000011234567890189",
                one(
                    Iban,
                    "FR7630006000011234567890189",
                    "FR** **** **** **** **** **** *89",
                    Some("iban"),
                ),
            ),
            (
                "/paiement?carte=4970101234567893",
                one(
                    Card,
                    "4970101234567893",
                    "**** **** **** 7893",
                    Some("carte"),
                ),
            ),
            (jwt_url.as_str(), one(Jwt, token, "eyJ***", Some("token"))),
            (
                "/p?user%5Bemail%5D=jd",
                one(
                    UrlSecret,
                    "user%5Bemail%5D=jd",
                    "user[email]=***",
                    Some("user[email]"),
                ),
            ),
            (
                "/login?redirect=https%3A%2F%2Fexample.fr%2Fapp%3Ftoken%3Dabc123",
                one(UrlSecret, "token%3Dabc123", "token=***", Some("token")),
            ),
            (
                // The e-mail covers part of the value only: the parameter hides it all.
                "/p?email=Jean%20Dupont%20%3Cjean@example.fr%3E",
                one(
                    UrlSecret,
                    "email=Jean%20Dupont%20%3Cjean@example.fr%3E",
                    "email=***",
                    Some("email"),
                ),
            ),
            (
                "/annuaire?nom=Dupont&page=2",
                one(PersonName, "nom=Dupont", "nom=D***", Some("nom")),
            ),
            (
                "/annuaire?pr%C3%A9nom=%C3%89lodie",
                one(
                    PersonName,
                    "pr%C3%A9nom=%C3%89lodie",
                    "prénom=É***",
                    Some("prénom"),
                ),
            ),
        ] {
            assert_eq!(found(text), expected, "{text}");
        }
    }

    #[test]
    fn several_findings_in_order_without_overlaps() {
        let text = "/f?nom=Dupont&prenom=Jean&tel=06.12.34.56.78&mail=jean%40example.fr";
        let detectors: Vec<Detector> = detect(text).iter().map(|d| d.detector).collect();
        assert_eq!(
            detectors,
            vec![
                Detector::PersonName,
                Detector::PersonName,
                Detector::Phone,
                Detector::Email
            ]
        );
        let detections = detect(text);
        assert!(
            detections
                .windows(2)
                .all(|w| w[0].range.end <= w[1].range.start)
        );
        assert_eq!(
            redact_text(text, &detections),
            "/f?nom=D***&prenom=J***&tel=06 ** ** ** 78&mail=j***@e***.fr"
        );
    }

    /// Ordinary values that look like personal data and must not be reported: each
    /// case is named, and docs/scan.md lists them.
    const FALSE_POSITIVES: &[(&str, &str)] = &[
        ("order number", "/commande/CMD-2024-000123"),
        ("page id", "/article?id=42&page=2"),
        (
            "campaign source",
            "/?via=newsletter&domain=service-public.fr",
        ),
        ("long order number", "/suivi?commande=123456789012"),
        ("ISO date", "/agenda/2026-11-30"),
        ("French date", "Réunion du 30/11/2026"),
        ("compact date", "/archives/20261130"),
        ("time", "Ouvert de 08:30 à 18:00, 14h30"),
        ("version", "/static/app-1.2.3.js"),
        ("Windows build", "Windows v10.0.19045"),
        ("postcode", "/mairie/75015"),
        ("SIRET", "/entreprise/73282932000074"),
        ("SIRET beginning like a Diners card", "siret=36252187900035"),
        ("spaced SIRET", "SIRET 732 829 320 00074"),
        ("SIREN", "/entreprise/732829320"),
        ("spaced SIREN", "SIREN 732 829 320"),
        ("all-zero phone", "Tél. 00 00 00 00 00"),
        ("sample phone", "ex. 01 23 45 67 89 ou 0123456789"),
        ("UUID", "/dossier/550e8400-e29b-41d4-a716-446655440000"),
        ("MD5", "/cache/d41d8cd98f00b204e9800998ecf8427e"),
        (
            "SHA-256",
            "/f/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ),
        ("price", "Total : 1 234,56 € (12.99 € HT)"),
        ("GPS", "/carte?lat=48.856614&lon=2.3522219"),
        ("numeric id in a path", "/article/123456"),
        (
            "utm parameters",
            "/?utm_source=newsletter&utm_medium=email&utm_campaign=ete-2026",
        ),
        ("page number", "/actualites?page=2"),
        ("search terms", "/recherche?q=horaires+piscine+municipale"),
        ("sort by name", "/liste?sort=nom&order=asc"),
        ("name parameter with a sort order", "/liste?nom=asc"),
        ("name parameter with a switch", "/liste?name=true"),
        ("name parameter with a slug", "/liste?name=produit-2024"),
        ("name parameter with a number", "/liste?nom=12345"),
        ("empty secret", "/login?token="),
        ("secret placeholder", "/login?token={token}&password=***"),
        ("retina image", "/img/logo@2x.png"),
        ("package version", "/npm/lodash@4.17.21"),
        ("social handle", "Suivez @mairie sur les réseaux"),
        ("Unix timestamp", "/api?ts=1764499200"),
        ("millisecond timestamp", "/api?ts=1764499200000"),
        ("EAN-13 barcode", "/produit/4006381333932"),
        ("analytics client id", "GA1.2.1234567890.1764499200"),
        ("IBAN with a wrong check", "FR7630006000011234567890188"),
        ("card number failing Luhn", "4970101234567894"),
        ("NIR with a wrong key", "185057800608492"),
        ("JWT-like file name", "/static/js/main.eyJ0eXAiOi.chunk.js"),
        ("blog author filter", "/blog?author=dupont"),
        ("percent in text", "Remise de 100% sur 2%20 articles"),
    ];

    #[test]
    fn false_positives() {
        let mut fired = Vec::new();
        for (name, text) in FALSE_POSITIVES {
            let detections = detect(text);
            if !detections.is_empty() {
                fired.push(format!("{name}: {text} -> {:?}", found(text)));
            }
        }
        assert!(fired.is_empty(), "false positives:\n{}", fired.join("\n"));
    }

    #[test]
    fn docs_list_every_detector_and_look_alike() {
        let docs = include_str!("../../../docs/scan.md");
        for detector in Detector::ALL {
            assert!(
                docs.contains(&format!("| `{}` |", detector.id())),
                "docs/scan.md lacks {}",
                detector.id()
            );
        }
        for (name, _) in FALSE_POSITIVES {
            assert!(
                docs.contains(&format!("| {name} |")),
                "docs/scan.md lacks the look-alike {name}"
            );
        }
    }

    /// For canary values in several encodings, neither the redacted forms nor the
    /// redacted text hold the value, nor any 4 characters of it in a row beyond what
    /// the rule keeps (a card's last 4 digits).
    #[test]
    fn redaction_leaks_nothing() {
        // (text, the secret part, a window the rule may show)
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqZWFuIn0.c2lnbmF0dXJlMTIz";
        let cases: Vec<(String, &str, Option<&str>)> = vec![
            (
                "/p?email=jean.dupont@example.fr".into(),
                "jean.dupont",
                None,
            ),
            (
                "/p?email=jean.dupont%40example.fr".into(),
                "jean.dupont",
                None,
            ),
            (
                "/p?email=jean.dupont%2540example.fr".into(),
                "jean.dupont",
                None,
            ),
            ("/u/jean.dupont@example.fr/edit".into(), "example", None),
            ("/p?tel=0612345678".into(), "0612345678", None),
            (
                "/p?q=%2B33%206%2012%2034%2056%2078".into(),
                "0612345678",
                None,
            ),
            ("Appeler le 06.12.34.56.78".into(), "0612345678", None),
            ("/p?n=185057800608491".into(), "185057800608491", None),
            (
                "/p?n=1%2085%2005%2078%20006%20084%2091".into(),
                "185057800608491",
                None,
            ),
            (
                "/p?i=FR76%203000%206000%200112%203456%207890%20189".into(),
                "7630006000011234567890189",
                None,
            ),
            (
                "IBAN FR7630006000011234567890189".into(),
                "7630006000011234567890189",
                None,
            ),
            (
                "/p?c=4970-1012-3456-7893".into(),
                "4970101234567893",
                Some("7893"),
            ),
            (
                "/p?c=4970%201012%203456%207893".into(),
                "4970101234567893",
                Some("7893"),
            ),
            ("/p?token=s3cr3tV4lu3".into(), "s3cr3tV4lu3", None),
            ("/p?password=hunter2%26more".into(), "hunter2%26more", None),
            ("/p?api_key=Zm9vYmFyYmF6".into(), "Zm9vYmFyYmF6", None),
            (format!("/cb#id_token={jwt}"), &jwt[3..], None),
            ("/f?nom=Dupontel".into(), "upontel", None),
            ("/f?nom=Jean%20Dupontel".into(), "Dupontel", None),
            ("/f?nom=Jean Dupontel".into(), "Dupontel", None),
        ];
        for (text, secret, shown) in &cases {
            let detections = detect(text);
            assert!(!detections.is_empty(), "nothing found in {text}");
            let redacted = redact_text(text, &detections);
            let forms: Vec<&str> = detections
                .iter()
                .map(|d| d.redacted.as_str())
                .chain([redacted.as_str()])
                .collect();
            for form in forms {
                let leaked = leaks(form, secret, *shown);
                assert!(leaked.is_empty(), "{text}: {form:?} shows {leaked:?}");
            }
        }
    }

    /// The 4-character windows of `secret` (as written, and its digits alone) found in
    /// `form` (as written, and its digits alone), except `shown`.
    fn leaks(form: &str, secret: &str, shown: Option<&str>) -> Vec<String> {
        let windows = |s: &str| -> Vec<String> {
            let chars: Vec<char> = s.chars().collect();
            chars.windows(4).map(|w| w.iter().collect()).collect()
        };
        let digits_of = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let form_digits = digits_of(form);
        let mut leaked: Vec<String> = windows(secret)
            .into_iter()
            .filter(|w| Some(w.as_str()) != shown && form.contains(w.as_str()))
            .collect();
        leaked.extend(
            windows(&digits_of(secret))
                .into_iter()
                .filter(|w| Some(w.as_str()) != shown && form_digits.contains(w.as_str())),
        );
        leaked
    }

    #[test]
    fn text_without_digits_at_or_equals_is_skipped() {
        assert!(!may_hold_personal_data("Accueil - Mairie de Paris"));
        assert!(may_hold_personal_data("Contact : jean@example.fr"));
        assert!(detect("Accueil - Mairie de Paris").is_empty());
    }

    /// Not a timed assertion: `cargo test --release --lib scan::detect::tests::throughput
    /// -- --ignored --nocapture` prints the rate (docs/scan.md quotes a measure).
    #[test]
    #[ignore]
    fn throughput() {
        let labels: Vec<String> = (0..100_000)
            .map(|i| match i % 5 {
                0 => format!(
                    "/actualites/article-{i}?page={}&utm_source=newsletter",
                    i % 7
                ),
                1 => format!("Horaires de la piscine municipale - page {i}"),
                2 => format!("/recherche?q=dossier+{i}&sort=date"),
                3 => format!("/contact?email=agent{i}%40example.fr&tel=06{:08}", i),
                _ => "Accueil - Mairie".to_owned(),
            })
            .collect();
        let started = std::time::Instant::now();
        let found: usize = labels.iter().map(|label| detect(label).len()).sum();
        let elapsed = started.elapsed();
        println!(
            "{} labels, {found} detections, {:?} ({:.0} labels/s)",
            labels.len(),
            elapsed,
            labels.len() as f64 / elapsed.as_secs_f64()
        );
        assert!(found >= 40_000);
    }
}
