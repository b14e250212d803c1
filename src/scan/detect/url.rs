//! `scan.secret` and `scan.name`: personal data carried by a URL's query parameters,
//! in any URL or query string of the text (also one nested in another parameter's
//! encoded value, and `#fragment` parameters like `#access_token=`).
//!
//! - `scan.secret`: a parameter named like a token, key or password
//!   ([`is_secret_parameter`]) or on Matomo's recommended personal-data list
//!   ([`is_personal_parameter`]: not `id`, `domain`, `via`…), with a value (not empty, not a placeholder like `true`,
//!   `null`, `***` or `{token}`). Its whole value is hidden: `token=***`.
//! - `scan.name`: a name-like parameter ([`is_name_parameter`]: `nom`, `prenom`,
//!   `name`…) whose value looks like a person's name: letters, hyphens, apostrophes and
//!   spaces; not a number, not a slug with digits, not a word like `asc` or `true`.
//!   Name-like parameters are judged by this rule only (`name` is on Matomo's list too,
//!   but `name=asc` is no finding). Shown as `nom=J***`.
//!
//! A value ends at `&`, `#` or whitespace. When a report shows a value already decoded
//! (`nom=Jean Dupont`), the capitalised words right after a name are taken with it.

use super::{Detector, Found};
use crate::personal_data::{is_name_parameter, is_personal_parameter, is_secret_parameter};
use std::ops::Range;

/// One query parameter of the text.
pub(super) struct Param {
    /// Its name, as written (percent escapes decoded).
    pub name: String,
    /// Where its name starts.
    pub start: usize,
    /// Where its value is.
    pub value: Range<usize>,
}

/// A parameter's finding.
pub(super) struct ParamFinding {
    /// The finding; its range covers `name=value`.
    pub found: Found,
    /// The parameter's name.
    pub name: String,
    /// Where the value is.
    pub value: Range<usize>,
}

/// Every `name=value` query parameter of `text`, nested ones included, in order: a
/// name starts the text or follows `?`, `&`, `;`, `#` or `%26`, and its value runs to the next
/// `&`, `#` or whitespace (so a URL inside a value has parameters too). Linear: each
/// character is read by one name at most, and value ends are looked up.
pub(super) fn params(text: &str) -> Vec<Param> {
    if !text.contains('=') {
        return Vec::new();
    }
    let value_ends: Vec<usize> = text
        .char_indices()
        .filter(|&(_, c)| c == '&' || c == '#' || c.is_whitespace())
        .map(|(at, _)| at)
        .collect();
    // An `&` left encoded (`%26`) separates the parameters of a URL nested in a value.
    let nested = text.match_indices("%26").map(|(at, _)| at + 3);
    let mut starts: Vec<usize> = std::iter::once(0)
        .chain(
            text.char_indices()
                .filter(|&(_, c)| matches!(c, '?' | '&' | ';' | '#'))
                .map(|(at, _)| at + 1),
        )
        .chain(nested)
        .collect();
    starts.sort_unstable();
    let mut params = Vec::new();
    for start in starts {
        let rest = &text[start..];
        let name_len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        if name_len == 0 || !rest[name_len..].starts_with('=') {
            continue;
        }
        let value_start = start + name_len + 1;
        let value_end = value_ends
            .get(value_ends.partition_point(|&end| end < value_start))
            .copied()
            .unwrap_or(text.len());
        params.push(Param {
            name: rest[..name_len].to_owned(),
            start,
            value: value_start..value_end,
        });
    }
    params
}

/// True for the characters a parameter's name may hold.
fn is_name_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '=' | '?'
                | '&'
                | ';'
                | '#'
                | '%'
                | '/'
                | '"'
                | '\''
                | '<'
                | '>'
                | '('
                | ')'
                | '{'
                | '}'
        )
}

/// The parameters of `params` that carry a secret or a person's name.
pub(super) fn find(text: &str, params: &[Param]) -> Vec<ParamFinding> {
    let mut found: Vec<ParamFinding> = Vec::new();
    for param in params {
        if found
            .last()
            .is_some_and(|last| param.start < last.found.range.end)
        {
            continue; // inside a value already hidden (and not decoded twice)
        }
        let parts = name_parts(&param.name);
        if parts.iter().any(|part| is_name_parameter(part)) {
            // A name stops at an encoded `&` too (what follows is the nested URL's).
            let value = &text[param.value.clone()];
            let end = match value.find("%26") {
                Some(at) => param.value.start + at,
                None => with_following_names(text, param.value.end),
            };
            let value = decode(&text[param.value.start..end]);
            if looks_like_name(&value) {
                let initial = value
                    .trim()
                    .chars()
                    .next()
                    .map(String::from)
                    .unwrap_or_default();
                found.push(ParamFinding {
                    found: Found {
                        detector: Detector::PersonName,
                        range: param.start..end,
                        redacted: format!("{}={initial}***", param.name),
                    },
                    name: param.name.clone(),
                    value: param.value.start..end,
                });
            }
            continue;
        }
        let secret = parts
            .iter()
            .any(|part| is_secret_parameter(part) || is_personal_parameter(part));
        if secret && holds_a_value(&decode(&text[param.value.clone()])) {
            found.push(ParamFinding {
                found: Found {
                    detector: Detector::UrlSecret,
                    range: param.start..param.value.end,
                    redacted: format!("{}=***", param.name),
                },
                name: param.name.clone(),
                value: param.value.clone(),
            });
        }
    }
    found
}

/// The name and its parts: `user[email]` is also `user` and `email`, `user.email` too.
fn name_parts(name: &str) -> Vec<&str> {
    let mut parts = vec![name];
    if name.contains(['[', ']', '.']) {
        parts.extend(name.split(['[', ']', '.']).filter(|part| !part.is_empty()));
    }
    parts
}

/// A query value decoded: percent escapes, and `+` as a space.
fn decode(raw: &str) -> String {
    let pair = format!("v={raw}");
    form_urlencoded::parse(pair.as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// The end of a name value at `end`, extended over the capitalised words that follow
/// it (`nom=Jean Dupont` when Matomo shows the value decoded), at most three.
fn with_following_names(text: &str, mut end: usize) -> usize {
    for _ in 0..3 {
        let rest = &text[end..];
        let word_start = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if word_start == 0 {
            break;
        }
        let word_len = rest[word_start..]
            .find(|c: char| c.is_whitespace() || c == '&' || c == '#')
            .unwrap_or(rest.len() - word_start);
        let word = &rest[word_start..word_start + word_len];
        let capitalised = word.chars().next().is_some_and(char::is_uppercase);
        if !capitalised
            || !word
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’'))
        {
            break;
        }
        end += word_start + word_len;
    }
    end
}

/// Values of name-like parameters that are not names: sort orders, switches, sample
/// words, the common names of pages and forms.
const NOT_NAMES: &[&str] = &[
    "a-z",
    "accueil",
    "all",
    "alpha",
    "any",
    "asc",
    "ascending",
    "contact",
    "croissant",
    "date",
    "decroissant",
    "default",
    "defaut",
    "desc",
    "descending",
    "décroissant",
    "défaut",
    "false",
    "form",
    "formulaire",
    "home",
    "index",
    "label",
    "libelle",
    "libellé",
    "login",
    "name",
    "newsletter",
    "no",
    "nom",
    "non",
    "none",
    "null",
    "off",
    "on",
    "oui",
    "page",
    "pertinence",
    "prenom",
    "prénom",
    "recherche",
    "relevance",
    "search",
    "submit",
    "test",
    "title",
    "titre",
    "tous",
    "toutes",
    "true",
    "undefined",
    "yes",
    "z-a",
];

/// True when a decoded value looks like a person's name.
fn looks_like_name(value: &str) -> bool {
    let value = value.trim();
    let letters = value.chars().filter(|c| c.is_alphabetic()).count();
    let allowed = value
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’'));
    allowed
        && (2..=60).contains(&letters)
        && value.matches('-').count() <= 2
        && value.split_whitespace().count() <= 4
        && !NOT_NAMES.contains(&value.to_lowercase().as_str())
        && cased_like_a_name(value)
}

/// Particles of names, written in lower case (`Jean de La Fontaine`).
const PARTICLES: &[&str] = &[
    "d'", "da", "de", "del", "della", "der", "des", "di", "du", "la", "le", "van", "von",
];

/// True unless several words are in sentence case (`Conseil municipal`, `Fête de la
/// musique`: a thing's name): a person's name has every word capitalised (particles
/// aside), or is typed all in lower case or all in capitals.
fn cased_like_a_name(value: &str) -> bool {
    let words: Vec<&str> = value.split_whitespace().collect();
    if words.len() < 2 || value == value.to_lowercase() || value == value.to_uppercase() {
        return true;
    }
    words.iter().all(|word| {
        PARTICLES.contains(&word.to_lowercase().as_str())
            || word.chars().next().is_some_and(char::is_uppercase)
    })
}

/// Values that say nothing: switches, placeholders, values already masked.
const EMPTY_VALUES: &[&str] = &[
    "0",
    "1",
    "false",
    "no",
    "non",
    "none",
    "null",
    "off",
    "on",
    "oui",
    "true",
    "undefined",
    "yes",
];

/// True when a decoded value holds something (not empty, not a switch, not a template
/// placeholder like `{token}`, not already masked like `***`).
fn holds_a_value(value: &str) -> bool {
    let value = value.trim();
    let template = (value.starts_with('{') && value.ends_with('}'))
        || (value.starts_with('<') && value.ends_with('>'))
        || (value.starts_with('[') && value.ends_with(']'))
        || value.starts_with("${");
    let masked = value
        .chars()
        .all(|c| matches!(c, '*' | 'x' | 'X' | '•' | '.'));
    !value.is_empty()
        && !template
        && !masked
        && !EMPTY_VALUES.contains(&value.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(Detector, String, String)> {
        find(text, &params(text))
            .into_iter()
            .map(|f| {
                (
                    f.found.detector,
                    text[f.found.range].to_owned(),
                    f.found.redacted,
                )
            })
            .collect()
    }

    #[test]
    fn finds_secrets() {
        for (text, written, redacted) in [
            ("/login?token=abc123&page=2", "token=abc123", "token=***"),
            (
                "/api?access_token=Zm9vYmFy",
                "access_token=Zm9vYmFy",
                "access_token=***",
            ),
            (
                "/cb#access_token=Zm9vYmFy&state=x",
                "access_token=Zm9vYmFy",
                "access_token=***",
            ),
            (
                "/reset?password=hunter2",
                "password=hunter2",
                "password=***",
            ),
            ("/p?user[email]=jd", "user[email]=jd", "user[email]=***"),
            ("/p?tel=0612&a=1", "tel=0612", "tel=***"),
            ("/p?ssn=abc", "ssn=abc", "ssn=***"),
            ("token=abc", "token=abc", "token=***"),
            (
                "/p?a=1&amp;sessionid=f00d",
                "sessionid=f00d",
                "sessionid=***",
            ),
            ("/p?pwd=a%26b", "pwd=a%26b", "pwd=***"),
            ("/r?u=/a?x=1%26token=abc", "token=abc", "token=***"),
        ] {
            assert_eq!(
                found(text),
                vec![(Detector::UrlSecret, written.to_owned(), redacted.to_owned())],
                "{text}"
            );
        }
    }

    #[test]
    fn finds_names() {
        for (text, written, redacted) in [
            ("/annuaire?nom=Dupont", "nom=Dupont", "nom=D***"),
            (
                "/annuaire?prenom=Jean-Pierre&page=2",
                "prenom=Jean-Pierre",
                "prenom=J***",
            ),
            ("/f?name=Jean+Dupont", "name=Jean+Dupont", "name=J***"),
            ("/f?lastname=O%27Neil", "lastname=O%27Neil", "lastname=O***"),
            ("/f?nom=Jean%20Dupont", "nom=Jean%20Dupont", "nom=J***"),
            (
                "/f?nom=Jean Dupont Martin",
                "nom=Jean Dupont Martin",
                "nom=J***",
            ),
            ("/f?nom=Dupont habite ici", "nom=Dupont", "nom=D***"),
            ("/f?prénom=Élodie", "prénom=Élodie", "prénom=É***"),
            ("/r?u=/a?nom=Dupont%26x=1", "nom=Dupont", "nom=D***"),
            ("/f?nom=jean+dupont", "nom=jean+dupont", "nom=j***"),
            (
                "/f?nom=Jean+de+La+Fontaine",
                "nom=Jean+de+La+Fontaine",
                "nom=J***",
            ),
        ] {
            assert_eq!(
                found(text),
                vec![(
                    Detector::PersonName,
                    written.to_owned(),
                    redacted.to_owned()
                )],
                "{text}"
            );
        }
    }

    #[test]
    fn leaves_look_alikes() {
        for text in [
            "/liste?page=2&sort=nom&order=asc",
            "/liste?nom=asc",
            "/liste?name=true",
            "/liste?name=produit-2024",
            "/liste?nom=12345",
            "/liste?name=mon-beau-joli-dossier",
            "/agenda?name=Conseil+municipal",
            "/agenda?nom=F%C3%AAte+de+la+musique",
            "/?utm_source=newsletter&utm_medium=email&utm_campaign=ete-2026",
            "/recherche?q=horaires+piscine",
            "/login?token=",
            "/login?token=null",
            "/login?password=***",
            "/login?token={token}",
            "/login?auth=1",
            "/article/123456",
            "/blog?author=jean",
            "token",
            "/p?tokens",
        ] {
            assert_eq!(found(text), vec![], "{text}");
        }
    }
}
