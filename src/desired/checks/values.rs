//! Value checks and helpers shared by the semantic checks: URLs, IP addresses and
//! ranges, timezones and currencies (Matomo's lists, embedded).

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use serde_json::Value;

use super::Checker;
use crate::desired::schema_check::{did_you_mean, display_path};

pub(super) const TIMEZONES: &str = include_str!("../timezones.txt");

pub(super) const CURRENCIES: &str = include_str!("../currencies.txt");

pub(super) fn list(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Timezones Matomo accepts (its own list, `UTC` and `UTC±N` offsets included).
pub fn timezones() -> &'static BTreeSet<&'static str> {
    static SET: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| list(TIMEZONES).collect())
}

/// Currency codes Matomo accepts.
pub fn currencies() -> &'static BTreeSet<&'static str> {
    static SET: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| list(CURRENCIES).collect())
}

/// The form under which two site URLs are the same: scheme and host lower-cased,
/// default port (80 for http, 443 for https) and trailing slashes dropped. Anything
/// that does not parse as a URL is only trimmed and lower-cased.
pub fn normalize_url(url: &str) -> String {
    let trimmed = url.trim();
    match url::Url::parse(trimmed) {
        Ok(parsed) if parsed.has_host() => {
            // `url` already lower-cases scheme and host and drops default ports.
            let mut out = format!(
                "{}://{}",
                parsed.scheme(),
                parsed.host_str().unwrap_or_default()
            );
            if let Some(port) = parsed.port() {
                out.push_str(&format!(":{port}"));
            }
            out.push_str(parsed.path().trim_end_matches('/'));
            if let Some(query) = parsed.query() {
                out.push('?');
                out.push_str(query);
            }
            out
        }
        _ => trimmed.trim_end_matches('/').to_lowercase(),
    }
}

/// Whether an exclusion entry is an IP form Matomo accepts: `1.2.3.4`, `1.2.3.*`,
/// `1.2.3.4/24`, an IPv6 address, or an IPv6 CIDR range.
pub fn is_valid_ip_pattern(text: &str) -> bool {
    let text = text.trim();
    if let Some((address, bits)) = text.split_once('/') {
        let Ok(bits) = bits.parse::<u8>() else {
            return false;
        };
        if bits.to_string() != text.split_once('/').map(|(_, b)| b).unwrap_or_default() {
            return false;
        }
        return (address.parse::<Ipv4Addr>().is_ok() && bits <= 32)
            || (address.parse::<Ipv6Addr>().is_ok() && bits <= 128);
    }
    if text.contains('*') {
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() != 4 {
            return false;
        }
        // Wildcards only at the end: 1.2.3.*, 1.2.*.*.
        let first_star = parts.iter().position(|p| *p == "*").unwrap_or(4);
        return first_star > 0
            && parts[first_star..].iter().all(|p| *p == "*")
            && parts[..first_star]
                .iter()
                .all(|p| p.parse::<u8>().is_ok_and(|n| n.to_string() == *p));
    }
    text.parse::<Ipv4Addr>().is_ok() || text.parse::<Ipv6Addr>().is_ok()
}

/// Checks one URL (http/https with a host); returns whether it is valid.
pub(super) fn check_url(checker: &mut Checker, url: &str, pointer: &str) -> bool {
    let problem = match url::Url::parse(url.trim()) {
        Ok(parsed) if !matches!(parsed.scheme(), "http" | "https") => {
            Some(format!("scheme `{}` is not http or https", parsed.scheme()))
        }
        Ok(parsed) if parsed.host_str().is_none_or(str::is_empty) => {
            Some("it has no host".to_string())
        }
        Ok(_) if url.trim() != url || url.contains(' ') => Some("it contains spaces".to_string()),
        Ok(_) => None,
        Err(url::ParseError::RelativeUrlWithoutBase) => Some("it has no scheme".to_string()),
        Err(err) => Some(err.to_string()),
    };
    match problem {
        None => true,
        Some(problem) => {
            let fix = if !url.contains("://") {
                format!(
                    "write the full URL, e.g. `https://{}`",
                    url.trim().trim_start_matches('/')
                )
            } else {
                "write a URL such as `https://www.example.org`".into()
            };
            checker.push(
                checker.at(pointer),
                format!(
                    "malformed URL `{url}` in {}: {problem}",
                    display_path(pointer)
                ),
                Some(fix),
            );
            false
        }
    }
}

pub(super) fn check_timezone(checker: &mut Checker, value: Option<&Value>, pointer: &str) {
    let Some(tz) = value.and_then(Value::as_str) else {
        return;
    };
    if timezones().contains(tz) {
        return;
    }
    let fix = match suggest_timezone(tz) {
        Ok(candidate) => format!("did you mean `{candidate}`?"),
        Err(Some(fix)) => fix,
        Err(None) => "use an IANA name Matomo knows (`Europe/Paris`), `UTC`, or an offset such as `UTC+2` or `UTC+5.5`".into(),
    };
    checker.push(
        checker.at(pointer),
        format!("unknown timezone `{tz}` in {}", display_path(pointer)),
        Some(fix),
    );
}

/// Legacy IANA names (and common abbreviations) → the name Matomo lists. Only pairs
/// whose target is in Matomo's list and whose source is not (a unit test checks).
pub(super) const TIMEZONE_ALIASES: &[(&str, &str)] = &[
    ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("America/Godthab", "America/Nuuk"),
    ("America/Indianapolis", "America/Indiana/Indianapolis"),
    ("America/Louisville", "America/Kentucky/Louisville"),
    ("America/Montreal", "America/Toronto"),
    ("Asia/Calcutta", "Asia/Kolkata"),
    ("Asia/Dacca", "Asia/Dhaka"),
    ("Asia/Istanbul", "Europe/Istanbul"),
    ("Asia/Katmandu", "Asia/Kathmandu"),
    ("Asia/Macao", "Asia/Macau"),
    ("Asia/Rangoon", "Asia/Yangon"),
    ("Asia/Saigon", "Asia/Ho_Chi_Minh"),
    ("Asia/Tel_Aviv", "Asia/Jerusalem"),
    ("Asia/Thimbu", "Asia/Thimphu"),
    ("Asia/Ujung_Pandang", "Asia/Makassar"),
    ("Asia/Ulan_Bator", "Asia/Ulaanbaatar"),
    ("Atlantic/Faeroe", "Atlantic/Faroe"),
    ("Etc/GMT", "UTC"),
    ("Etc/UTC", "UTC"),
    ("Europe/Belfast", "Europe/London"),
    ("Europe/Kiev", "Europe/Kyiv"),
    ("GMT", "UTC"),
    ("Pacific/Ponape", "Pacific/Pohnpei"),
    ("Pacific/Truk", "Pacific/Chuuk"),
    ("US/Central", "America/Chicago"),
    ("US/Eastern", "America/New_York"),
    ("US/Mountain", "America/Denver"),
    ("US/Pacific", "America/Los_Angeles"),
    ("Zulu", "UTC"),
];

/// A name Matomo knows for an unknown time zone: the same name in another case, the
/// current name of a legacy one (`Asia/Calcutta` → `Asia/Kolkata`), Matomo's form of an
/// offset (`UTC+5:30`, `GMT+05:30`, `+0530` → `UTC+5.5`), else the closest spelling.
/// `Err` carries a fix when the offset is one Matomo does not have.
pub(super) fn suggest_timezone(tz: &str) -> Result<&'static str, Option<String>> {
    let known = timezones();
    if let Some(exact) = known.iter().find(|t| t.eq_ignore_ascii_case(tz)) {
        return Ok(exact);
    }
    if let Some((_, target)) = TIMEZONE_ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(tz.trim()))
    {
        if let Some(target) = known.get(target) {
            return Ok(target);
        }
    }
    if let Some(name) = offset_name(tz) {
        return match known.get(name.as_str()) {
            Some(found) => Ok(found),
            None => Err(Some(format!(
                "Matomo has no offset `{name}`: use the IANA name of the place, e.g. `Europe/Paris`"
            ))),
        };
    }
    did_you_mean(tz, known.iter().copied()).ok_or(None)
}

/// Matomo's name of a UTC offset written as `UTC+5:30`, `UTC+05:30`, `GMT-3`,
/// `+0530`, `UTC+5h30`…: `UTC+5.5` (decimal hours), `UTC` for zero. `None` when `tz`
/// is not an offset.
pub(super) fn offset_name(tz: &str) -> Option<String> {
    let text = tz.trim();
    let upper = text.to_ascii_uppercase();
    let rest = ["UTC", "GMT", "UT"]
        .iter()
        .find_map(|prefix| upper.strip_prefix(prefix))
        .unwrap_or(&upper)
        .trim();
    let (sign, rest) = match rest.chars().next()? {
        '+' => ('+', &rest[1..]),
        '-' => ('-', &rest[1..]),
        _ => return None,
    };
    let rest = rest.trim();
    let (hours, minutes) = match rest.split_once([':', 'H', '.']) {
        Some((h, m)) if rest.contains('.') => {
            // Already decimal hours (`UTC+05.5`).
            let value: f64 = format!("{h}.{m}").parse().ok()?;
            return offset_from_minutes(sign, (value * 60.0).round() as u32);
        }
        Some((h, m)) => (h, if m.is_empty() { "0" } else { m }),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    if hours.is_empty()
        || hours.len() > 2
        || minutes.len() > 2
        || !hours
            .chars()
            .chain(minutes.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let hours: u32 = hours.parse().ok()?;
    let minutes: u32 = minutes.parse().ok()?;
    if minutes >= 60 {
        return None;
    }
    offset_from_minutes(sign, hours * 60 + minutes)
}

pub(super) fn offset_from_minutes(sign: char, total: u32) -> Option<String> {
    if total > 14 * 60 {
        return None;
    }
    if total == 0 {
        return Some("UTC".into());
    }
    let hours = f64::from(total) / 60.0;
    // Decimal hours as Matomo writes them: `5`, `5.5`, `5.75`.
    let number = format!("{hours:.2}");
    let number = number.trim_end_matches('0').trim_end_matches('.');
    Some(format!("UTC{sign}{number}"))
}

pub(super) fn check_currency(checker: &mut Checker, value: Option<&Value>, pointer: &str) {
    let Some(code) = value.and_then(Value::as_str) else {
        return;
    };
    if currencies().contains(code) {
        return;
    }
    let upper = code.to_uppercase();
    let fix = if currencies().contains(upper.as_str()) {
        format!("write it in upper case: `{upper}`")
    } else {
        "use an ISO 4217 code Matomo knows, e.g. `EUR`".into()
    };
    checker.push(
        checker.at(pointer),
        format!("unknown currency `{code}` in {}", display_path(pointer)),
        Some(fix),
    );
}

pub(super) fn check_ips(checker: &mut Checker, ips: &Value, pointer: &str) {
    for (i, ip) in ips.as_array().into_iter().flatten().enumerate() {
        let Some(text) = ip.as_str() else { continue };
        if !is_valid_ip_pattern(text) {
            checker.push(
                checker.at(&format!("{pointer}/{i}")),
                format!("`{text}` is not an IP address, CIDR range or wildcard pattern"),
                Some("use one of Matomo's forms: 1.2.3.4, 1.2.3.*, 1.2.3.0/24, 2001:db8::1, 2001:db8::/32".into()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezone_suggestions_prefer_aliases_and_offsets() {
        let cases = [
            ("UTC+5:30", "UTC+5.5"),
            ("UTC+05:30", "UTC+5.5"),
            ("GMT+5:30", "UTC+5.5"),
            ("+05:30", "UTC+5.5"),
            ("+0530", "UTC+5.5"),
            ("utc+5.5", "UTC+5.5"),
            ("UTC+5:45", "UTC+5.75"),
            ("UTC-03:00", "UTC-3"),
            ("GMT+1", "UTC+1"),
            ("UTC+00:00", "UTC"),
            ("UTC+12:45", "UTC+12.75"),
            ("Asia/Calcutta", "Asia/Kolkata"),
            ("asia/saigon", "Asia/Ho_Chi_Minh"),
            ("Europe/Kiev", "Europe/Kyiv"),
            ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
            ("europe/paris", "Europe/Paris"),
            ("Europe/Pariss", "Europe/Paris"),
        ];
        for (written, expected) in cases {
            assert_eq!(suggest_timezone(written), Ok(expected), "{written}");
        }
        // An offset Matomo does not have is said so, not matched to a neighbour.
        let Err(Some(fix)) = suggest_timezone("UTC+3:45") else {
            panic!("UTC+3:45 has no suggestion");
        };
        assert!(fix.starts_with("Matomo has no offset `UTC+3.75`"), "{fix}");
        assert_eq!(offset_name("Paris"), None);
        assert_eq!(offset_name("UTC+5:99"), None);
    }

    #[test]
    fn timezone_aliases_point_from_unknown_names_to_known_ones() {
        for (alias, target) in TIMEZONE_ALIASES {
            assert!(!timezones().contains(alias), "{alias} is in Matomo's list");
            assert!(
                timezones().contains(target),
                "{target} is not in Matomo's list"
            );
        }
    }

    #[test]
    fn urls_normalise() {
        assert_eq!(
            normalize_url("HTTPS://WWW.Example.org:443/"),
            "https://www.example.org"
        );
        assert_eq!(normalize_url("http://example.org:80"), "http://example.org");
        assert_eq!(
            normalize_url("http://example.org:8080/app/"),
            "http://example.org:8080/app"
        );
        assert_ne!(
            normalize_url("http://example.org"),
            normalize_url("https://example.org")
        );
    }

    #[test]
    fn ip_forms_matomo_accepts() {
        for ok in [
            "1.2.3.4",
            "1.2.3.*",
            "1.2.*.*",
            "10.0.0.0/8",
            "1.2.3.4/32",
            "::1",
            "2001:db8::/32",
            "2001:db8::1",
        ] {
            assert!(is_valid_ip_pattern(ok), "{ok}");
        }
        for bad in [
            "999.1.1.1",
            "not-an-ip",
            "1.2.3",
            "1.2.*.4",
            "10.0.0.0/33",
            "1.2.3.4/",
            "*.*.*.*",
            "2001:db8::/129",
            "",
        ] {
            assert!(!is_valid_ip_pattern(bad), "{bad}");
        }
    }

    #[test]
    fn matomo_lists_are_embedded() {
        assert!(timezones().contains("Europe/Paris"));
        assert!(timezones().contains("UTC"));
        assert!(timezones().contains("UTC+5.5"));
        assert!(!timezones().contains("Mars/Olympus"));
        assert!(currencies().contains("EUR"));
        assert!(!currencies().contains("XXX"));
    }

    #[test]
    fn lists_match_the_recordings() {
        let tz: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/matomo-5.0.2/SitesManager.getTimezonesList__superuser.json"
        ))
        .expect("json");
        let mut recorded = BTreeSet::new();
        for group in tz["response"]["body"].as_object().expect("groups").values() {
            recorded.extend(group.as_object().expect("zones").keys().cloned());
        }
        let embedded: BTreeSet<String> = timezones().iter().map(|s| s.to_string()).collect();
        assert_eq!(embedded, recorded);
        let cur: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/matomo-5.0.2/SitesManager.getCurrencyList__superuser.json"
        ))
        .expect("json");
        let recorded: BTreeSet<String> = cur["response"]["body"]
            .as_object()
            .expect("codes")
            .keys()
            .cloned()
            .collect();
        let embedded: BTreeSet<String> = currencies().iter().map(|s| s.to_string()).collect();
        assert_eq!(embedded, recorded);
    }
}
