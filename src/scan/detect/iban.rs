//! `scan.iban`: IBANs. Country code, 2 check digits and the account (BBAN), written as
//! one run or in groups of 4 separated by spaces; the length must be the country's
//! (known for the countries of the SEPA zone and a few more; 15–34 otherwise) and the
//! whole must pass the ISO 13616 mod-97 check.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Detector, Found, digit_count, isolated, scan};

static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z]{2}[0-9]{2}(?:(?: |%20)?[A-Za-z0-9]){11,32}").expect("IBAN regex")
});

/// IBAN length per country (ISO 13616 registry).
const LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("XK", 20),
];

/// Every IBAN in `text` that passes the checks.
pub(super) fn find(text: &str) -> Vec<Found> {
    if digit_count(text) < 8 {
        return Vec::new(); // every IBAN has at least 8 digits
    }
    scan(&IBAN, text, |range| iban(text, range))
}

fn iban(text: &str, range: Range<usize>) -> Option<Found> {
    // The characters, each with its end in `text` and whether a separator precedes it.
    let mut chars: Vec<(char, usize, bool)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = range.start;
    let mut separated = false;
    while i < range.end {
        if bytes[i] == b' ' {
            separated = true;
            i += 1;
        } else if bytes[i] == b'%' {
            separated = true;
            i += 3;
        } else {
            chars.push((char::from(bytes[i]).to_ascii_uppercase(), i + 1, separated));
            separated = false;
            i += 1;
        }
    }
    let country: String = chars.iter().take(2).map(|c| c.0).collect();
    let lengths: Vec<usize> = match LENGTHS.iter().find(|(code, _)| *code == country) {
        Some(&(_, length)) => vec![length],
        None => (15..=34).rev().collect(),
    };
    lengths.into_iter().find_map(|length| {
        let (kept, rest) = chars.split_at_checked(length)?;
        let cut_inside_a_group = rest.first().is_some_and(|c| !c.2);
        let grouped_by_four = kept.iter().enumerate().all(|(at, c)| !c.2 || at % 4 == 0);
        let value: String = kept.iter().map(|c| c.0).collect();
        let range = range.start..kept.last()?.1;
        (!cut_inside_a_group && grouped_by_four && isolated(text, &range) && mod97(&value)).then(
            || Found {
                detector: Detector::Iban,
                redacted: redacted(&value),
                range,
            },
        )
    })
}

/// ISO 13616: the first 4 characters moved to the end, letters as 10–35, mod 97 is 1.
fn mod97(value: &str) -> bool {
    let (head, tail) = value.split_at(4);
    let mut rest = 0u32;
    for c in tail.chars().chain(head.chars()) {
        let Some(n) = c.to_digit(36) else {
            return false;
        };
        rest = if n < 10 {
            (rest * 10 + n) % 97
        } else {
            (rest * 100 + n) % 97
        };
    }
    rest == 1
}

/// `FR** **** **** **** **** **** *89`: the country and the last 2 characters.
fn redacted(value: &str) -> String {
    let length = value.len();
    let shown: String = value
        .chars()
        .enumerate()
        .map(|(at, c)| if at < 2 || at + 2 >= length { c } else { '*' })
        .collect();
    let groups: Vec<&str> = shown
        .as_bytes()
        .chunks(4)
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect();
    groups.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String)> {
        super::super::found_by(find, text)
    }

    #[test]
    fn finds_checked_ibans() {
        for (text, iban, redacted) in [
            (
                "iban=FR7630006000011234567890189",
                "FR7630006000011234567890189",
                "FR** **** **** **** **** **** *89",
            ),
            (
                "IBAN : FR76 3000 6000 0112 3456 7890 189 merci",
                "FR76 3000 6000 0112 3456 7890 189",
                "FR** **** **** **** **** **** *89",
            ),
            (
                "DE89370400440532013000",
                "DE89370400440532013000",
                "DE** **** **** **** **** 00",
            ),
            (
                "be71 0961 2345 6769",
                "be71 0961 2345 6769",
                "BE** **** **** **69",
            ),
            (
                "GB82WEST12345698765432",
                "GB82WEST12345698765432",
                "GB** **** **** **** **** 32",
            ),
            (
                "CH9300762011623852957",
                "CH9300762011623852957",
                "CH** **** **** **** ***5 7",
            ),
            (
                "NL91ABNA0417164300",
                "NL91ABNA0417164300",
                "NL** **** **** **** 00",
            ),
        ] {
            assert_eq!(
                found(text),
                vec![(iban.to_owned(), redacted.to_owned())],
                "{text}"
            );
        }
    }

    #[test]
    fn leaves_look_alikes() {
        for text in [
            "FR7630006000011234567890188",        // wrong check digits
            "FR763000600001123456789018",         // too short for FR
            "FR76300060000112345678901890",       // too long for FR (glued)
            "FR76 3000 60 00 0112 3456 7890 189", // not in groups of 4
            "CMD2024000123456789",
            "AB12CDEF34567890123",
            "utm_campaign=ete2026promo0000000",
        ] {
            assert_eq!(found(text), vec![], "{text}");
        }
    }
}
