//! `scan.phone`: French phone numbers. National `0[1-9]` and 8 digits, or `+33` /
//! `0033` / `33` after a space (the `+` Matomo shows as a space) without the leading 0,
//! in pairs separated by spaces, dots, dashes or nothing (one kind per number), not
//! glued to a longer number. Placeholders (`06 00 00 00 00`, `0123456789`) are left out.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{
    Detector, Found, SEP, consistent_separators, decode, digit_count, digits, isolated, scan,
};

static NATIONAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"0[1-9](?:{SEP}?[0-9]{{2}}){{4}}")).expect("phone regex")
});

static INTERNATIONAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:\+|00)?33{SEP}?(?:\(0\){SEP}?)?[1-9](?:{SEP}?[0-9]{{2}}){{4}}"
    ))
    .expect("phone regex")
});

/// Every French phone number in `text`.
pub(super) fn find(text: &str) -> Vec<Found> {
    if digit_count(text) < 10 {
        return Vec::new(); // a number has 10 digits (11 with 33)
    }
    let mut found = scan(&NATIONAL, text, |range| national(text, range));
    found.extend(scan(&INTERNATIONAL, text, |range| {
        international(text, range)
    }));
    found
}

fn national(text: &str, range: Range<usize>) -> Option<Found> {
    let number = &text[range.clone()];
    if !consistent_separators(number) || !isolated(text, &range) {
        return None;
    }
    finding(digits(number), range)
}

fn international(text: &str, range: Range<usize>) -> Option<Found> {
    let number = &text[range.clone()];
    let bare = !number.starts_with('+') && !number.starts_with("00");
    if bare && !after_a_space(text, range.start) {
        return None;
    }
    let rest = number
        .trim_start_matches('+')
        .strip_prefix("00")
        .unwrap_or(number.trim_start_matches('+'));
    let rest = rest.strip_prefix("33")?;
    let rest = rest
        .trim_start_matches([' ', '.', '-'])
        .trim_start_matches("%20");
    let rest = rest.strip_prefix("(0)").unwrap_or(rest);
    let rest = rest
        .trim_start_matches([' ', '.', '-'])
        .trim_start_matches("%20");
    if !consistent_separators(rest) || !isolated(text, &range) {
        return None;
    }
    finding(format!("0{}", digits(rest)), range)
}

/// True when a number without `+` or `00` starts the text or follows a space (a `+`
/// turned into a space), an `=` or a `:`.
fn after_a_space(text: &str, at: usize) -> bool {
    decode::kept_escape_before(text, at)
        || text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || c == '=' || c == ':')
}

fn finding(national: String, range: Range<usize>) -> Option<Found> {
    let bytes = national.as_bytes();
    if bytes.len() != 10 || placeholder(&national) {
        return None;
    }
    Some(Found {
        detector: Detector::Phone,
        range,
        redacted: format!(
            "{}{} ** ** ** {}{}",
            bytes[0] as char, bytes[1] as char, bytes[8] as char, bytes[9] as char
        ),
    })
}

/// `06 00 00 00 00`, `01 11 11 11 11`, `0123456789`: sample numbers, not anyone's.
fn placeholder(national: &str) -> bool {
    let subscriber = &national.as_bytes()[2..];
    national == "0123456789" || subscriber.iter().all(|&b| b == subscriber[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String)> {
        super::super::found_by(find, text)
    }

    #[test]
    fn finds_french_numbers() {
        for (text, number, redacted) in [
            (
                "Appelez le 06 12 34 56 78.",
                "06 12 34 56 78",
                "06 ** ** ** 78",
            ),
            ("tel=0612345678", "0612345678", "06 ** ** ** 78"),
            ("01.42.27.58.90", "01.42.27.58.90", "01 ** ** ** 90"),
            ("09-87-65-43-21", "09-87-65-43-21", "09 ** ** ** 21"),
            ("+33 6 12 34 56 78", "+33 6 12 34 56 78", "06 ** ** ** 78"),
            ("+33612345678", "+33612345678", "06 ** ** ** 78"),
            ("0033 1 42 27 58 90", "0033 1 42 27 58 90", "01 ** ** ** 90"),
            (
                "+33 (0)6 12 34 56 78",
                "+33 (0)6 12 34 56 78",
                "06 ** ** ** 78",
            ),
            (
                "tel= 33 6 12 34 56 78",
                "33 6 12 34 56 78",
                "06 ** ** ** 78",
            ),
            (
                "q=06%2012%2034%2056%2078",
                "06%2012%2034%2056%2078",
                "06 ** ** ** 78",
            ),
            ("/rappel/0798765432", "0798765432", "07 ** ** ** 32"),
        ] {
            assert_eq!(
                found(text),
                vec![(number.to_owned(), redacted.to_owned())],
                "{text}"
            );
        }
    }

    #[test]
    fn leaves_look_alikes() {
        for text in [
            "00 00 00 00 00",
            "06 00 00 00 00",
            "0123456789",
            "06.12-34 56.78",
            "123456789012",
            "CMD-2024-0612345678",
            "20261130",
            "2026-11-30",
            "75015",
            "73282932000074",
            "v10.0.19045",
            "48.0612345678",
            "0612345678901",
            "ref0612345678",
            "ref-33612345678",
            "x33 6 12 34 56 78",
            "10 612 345 678",
        ] {
            assert_eq!(found(text), vec![], "{text}");
        }
    }
}
