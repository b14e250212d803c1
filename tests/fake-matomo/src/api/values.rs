//! Value rules several modules share: PHP-style booleans and lists, URL checks, Matomo's
//! collation key, timezones and currencies.

use super::Fail;
use crate::php::{php_trim, urldecode};

pub(super) fn esc(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(&html_escape::encode_text(s))
        .replace('\'', "&#039;")
}

/// PHP `(bool)` of a request string.
pub(super) fn php_bool(s: &str) -> bool {
    !(s.is_empty() || s == "0")
}

/// A typed bool parameter (5.6+): `1`/`true` true, `0`/`false`/`` false.
pub(super) fn typed_bool(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "on" | "yes"
    )
}

/// Normalise a comma list: trim items (PHP `trim`), drop empty ones (Matomo's excluded IPs).
pub(super) fn norm_list(s: &str) -> String {
    s.split(',')
        .map(php_trim)
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// `checkAndReturnCommaSeparatedStringList`: trim items, drop empty ones, drop repeats
/// (`array_unique`: case-sensitive, the first one stays).
pub(super) fn unique_list(s: &str) -> String {
    let mut seen = std::collections::BTreeSet::new();
    s.split(',')
        .map(php_trim)
        .filter(|x| !x.is_empty() && seen.insert(*x))
        .collect::<Vec<_>>()
        .join(",")
}

/// Matomo's input sanitising as its API answers show it: HTML entities decoded once
/// (`html_entity_decode` with the HTML 4.01 table, so `&apos;` stays) and NUL bytes dropped.
pub(super) fn sanitize(s: &str) -> String {
    const APOS: &str = "&apos;";
    s.split(APOS)
        .map(|part| html_escape::decode_html_entities(part).replace('\0', ""))
        .collect::<Vec<_>>()
        .join(APOS)
}

/// Whether PHP's `parse_url()` finds a scheme (`host:port` is not one).
fn has_scheme(u: &str) -> bool {
    let Some((scheme, rest)) = u.split_once(':') else {
        return false;
    };
    let valid = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    let port = rest.split('/').next().unwrap_or_default();
    let is_port = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
    valid && !is_port
}

/// `UrlHelper::isLookLikeUrl`: `[scheme]:` (optional) then `//` then something, and not a
/// `javascript:`, `vbscript:` or `data:` URL.
pub(super) fn look_like_url(u: &str) -> bool {
    let Some(i) = u.find("//") else {
        return false;
    };
    let (prefix, rest) = (&u[..i], &u[i + 2..]);
    let scheme_ok = match prefix.strip_suffix(':') {
        None => prefix.is_empty(),
        Some("") => true,
        Some(sch) => {
            sch.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && sch
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        }
    };
    let lower = prefix.to_ascii_lowercase();
    scheme_ok
        && !rest.is_empty()
        && !rest.contains('\n')
        && !["javascript:", "vbscript:", "data:"].contains(&lower.as_str())
}

/// `Urls::cleanParameterUrls`: drop empty and `"0"` entries, `urldecode`, drop ONE trailing
/// `/` from a URL longer than 5 bytes (before trimming: `"x/ "` keeps its slash), add
/// `http://` when there is no scheme, trim, sanitise (line breaks dropped too), drop repeats
/// (case-sensitive, the first one stays).
pub(super) fn clean_urls(items: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in items.iter().filter(|u| !u.is_empty() && **u != "0") {
        let mut u = urldecode(raw);
        if u.len() > 5 && u.ends_with('/') {
            u.pop();
        }
        if !has_scheme(&u) && !u.contains("://") {
            u = if u.starts_with("//") {
                format!("http:{u}")
            } else {
                format!("http://{u}")
            };
        }
        let u = sanitize(php_trim(&u)).replace(['\n', '\r'], "");
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

/// The sort (and uniqueness) key of MariaDB's `utf8mb4_general_ci`, which orders the
/// `site_url` table: case-insensitive, Latin-1 accents folded (`é` = `E`, `ß` = `S`),
/// trailing spaces ignored, characters beyond the BMP all equal. Approximation: letters
/// beyond Latin-1 are only upper-cased.
pub fn general_ci_key(s: &str) -> Vec<char> {
    s.trim_end_matches(' ')
        .chars()
        .map(|c| {
            if u32::from(c) > 0xFFFF {
                return '\u{FFFD}';
            }
            let folded = match c {
                'À'..='Å' | 'à'..='å' => 'A',
                'Ç' | 'ç' => 'C',
                'È'..='Ë' | 'è'..='ë' => 'E',
                'Ì'..='Ï' | 'ì'..='ï' => 'I',
                'Ñ' | 'ñ' => 'N',
                'Ò'..='Ö' | 'ò'..='ö' => 'O',
                'Ù'..='Ü' | 'ù'..='ü' => 'U',
                'Ý' | 'ý' | 'ÿ' => 'Y',
                'ß' => 'S',
                'æ' => 'Æ',
                'ð' => 'Ð',
                'ø' => 'Ø',
                'þ' => 'Þ',
                _ => c,
            };
            let mut up = folded.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => folded,
            }
        })
        .collect()
}

pub(super) fn valid_ip(ip: &str) -> bool {
    let (addr, mask) = match ip.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (ip, None),
    };
    if let Some(m) = mask {
        match m.parse::<u8>() {
            Ok(n) if n <= 128 => {}
            _ => return false,
        }
    }
    if addr.contains(':') {
        return addr.parse::<std::net::Ipv6Addr>().is_ok();
    }
    let parts: Vec<&str> = addr.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            *p == "*" || (!p.is_empty() && p.len() <= 3 && p.parse::<u16>().is_ok_and(|n| n <= 255))
        })
}

const TZ_AREAS: &[&str] = &[
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
];

fn valid_timezone(tz: &str) -> bool {
    if tz == "UTC" {
        return true;
    }
    if let Some(off) = tz.strip_prefix("UTC") {
        let num = off.trim_start_matches(['+', '-']);
        return (off.starts_with('+') || off.starts_with('-')) && num.parse::<f64>().is_ok();
    }
    match tz.split_once('/') {
        Some((area, city)) => {
            TZ_AREAS.contains(&area)
                && !city.is_empty()
                && !["City", "Olympus", "Zone"].contains(&city)
        }
        None => false,
    }
}

/// Known timezone display names (from the recordings); others fall back to the city.
pub(super) fn timezone_name(tz: &str) -> String {
    let known = [
        ("Europe/Berlin", "Germany - Berlin"),
        ("America/New_York", "United States - New York"),
        ("Asia/Tokyo", "Japan"),
        ("Europe/Paris", "France"),
        ("America/Cayenne", "French Guiana"),
        ("Indian/Reunion", "Réunion"),
        ("Pacific/Noumea", "New Caledonia"),
        ("Europe/Vienna", "Austria"),
        ("America/Los_Angeles", "United States - Los Angeles"),
        ("Europe/London", "United Kingdom"),
        ("Europe/Zurich", "Switzerland"),
    ];
    if let Some((_, n)) = known.iter().find(|(k, _)| *k == tz) {
        return (*n).to_string();
    }
    match tz.split_once('/') {
        Some((_, city)) => city.replace('_', " "),
        None => tz.to_string(),
    }
}

const CURRENCIES: &[(&str, &str)] = &[
    ("USD", "US Dollar"),
    ("EUR", "Euro"),
    ("JPY", "Japanese Yen"),
    ("GBP", "British Pound"),
    ("CHF", "Swiss Franc"),
    ("AUD", "Australian Dollar"),
    ("CAD", "Canadian Dollar"),
    ("CNY", "Chinese Yuan"),
    ("DKK", "Danish Krone"),
    ("SEK", "Swedish Krona"),
    ("NOK", "Norwegian Krone"),
    ("PLN", "Polish Zloty"),
    ("CZK", "Czech Koruna"),
    ("HUF", "Hungarian Forint"),
    ("BRL", "Brazilian Real"),
    ("INR", "Indian Rupee"),
    ("MXN", "Mexican Peso"),
    ("NZD", "New Zealand Dollar"),
    ("RUB", "Russian Ruble"),
    ("ZAR", "South African Rand"),
    ("XPF", "CFP Franc"),
    ("MAD", "Moroccan Dirham"),
    ("TND", "Tunisian Dinar"),
    ("XOF", "West African CFA Franc"),
];

pub(super) fn currency_name(c: &str) -> Option<&'static str> {
    CURRENCIES.iter().find(|(k, _)| *k == c).map(|(_, n)| *n)
}

pub(super) fn check_timezone(tz: &str) -> Result<(), Fail> {
    if valid_timezone(tz) {
        Ok(())
    } else {
        Err(Fail::Error(format!(
            "The timezone &quot;{}&quot; is not valid. Please enter a valid timezone.",
            esc(tz)
        )))
    }
}

pub(super) fn check_currency(c: &str) -> Result<(), Fail> {
    if currency_name(c).is_some() {
        Ok(())
    } else {
        Err(Fail::Error(format!(
            "The currency &quot;{}&quot; is not valid. Please enter a valid currency symbol (eg. USD, EUR, etc.)",
            esc(c)
        )))
    }
}
