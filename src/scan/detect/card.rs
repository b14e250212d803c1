//! `scan.card`: payment card numbers. 15 to 19 digits, as one run or in groups (4-4-4-4,
//! 4-6-5…) separated by spaces or dashes; the Luhn check must pass, and the length
//! must be one the card's network uses for its first digits (IIN): Visa 4 (16),
//! Mastercard 51–55 and 2221–2720 (16), American Express 34/37 (15), JCB 3528–3589,
//! Maestro 50/56–58, Discover, UnionPay and the other 6 ranges (16–19), Diners 36 (16).
//!
//! 13- and 14-digit numbers are left out on purpose: every SIRET (14 digits) passes
//! the Luhn check and some begin with 36 or 38 like Diners' old 14-digit cards, and
//! 13 digits are mostly EAN-13 barcodes and millisecond timestamps; both card formats
//! are no longer issued. Visa's rare 19-digit cards are left out too (long order
//! numbers beginning with 4 pass the Luhn check one time in ten).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Detector, Found, digit_count, isolated, scan};

static CARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[2-6][0-9]{3}(?:(?:[ \-]|%20)?[0-9]){11,15}").expect("card regex")
});

/// Every card number in `text` that passes the checks.
pub(super) fn find(text: &str) -> Vec<Found> {
    if digit_count(text) < 15 {
        return Vec::new(); // 15 digits at least
    }
    scan(&CARD, text, |range| card(text, range))
}

fn card(text: &str, range: Range<usize>) -> Option<Found> {
    // The digits, each with its end in `text` and the separator before it.
    let mut digits: Vec<(u8, usize, Option<&str>)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = range.start;
    let mut separator = None;
    while i < range.end {
        match bytes[i] {
            b'%' => {
                separator = Some("%20");
                i += 3;
            }
            b' ' => {
                separator = Some(" ");
                i += 1;
            }
            b'-' => {
                separator = Some("-");
                i += 1;
            }
            digit => {
                digits.push((digit - b'0', i + 1, separator.take()));
                i += 1;
            }
        }
    }
    let number: String = digits.iter().map(|d| char::from(b'0' + d.0)).collect();
    lengths(&number).iter().rev().find_map(|&length| {
        let (kept, rest) = digits.split_at_checked(length)?;
        if rest.first().is_some_and(|d| d.2.is_none()) || !grouped(kept) {
            return None;
        }
        let range = range.start..kept.last()?.1;
        let value = &number[..length];
        (isolated(text, &range) && luhn(value)).then(|| Found {
            detector: Detector::Card,
            redacted: format!("**** **** **** {}", &value[length - 4..]),
            range,
        })
    })
}

/// The lengths the card networks use for a number beginning with these digits.
fn lengths(number: &str) -> &'static [usize] {
    let prefix = |n: usize| number.get(..n).and_then(|p| p.parse::<u32>().ok());
    match (prefix(1), prefix(2), prefix(4)) {
        (Some(4), _, _) => &[16],
        (_, Some(51..=55), _) | (_, _, Some(2221..=2720)) => &[16],
        (_, Some(34 | 37), _) => &[15],
        (_, _, Some(3528..=3589)) => &[16, 17, 18, 19],
        (_, Some(36), _) => &[16],
        (_, Some(50 | 56..=58), _) | (Some(6), _, _) => &[16, 17, 18, 19],
        _ => &[],
    }
}

/// True when the digits are one run, or groups as printed on cards: one kind of
/// separator, groups of 4 (the last one shorter), or 4-6-5.
fn grouped(digits: &[(u8, usize, Option<&str>)]) -> bool {
    let separators: Vec<&str> = digits.iter().filter_map(|d| d.2).collect();
    if separators.is_empty() {
        return true;
    }
    if separators.iter().any(|s| *s != separators[0]) {
        return false;
    }
    let mut sizes = vec![0usize];
    for d in digits {
        if d.2.is_some() {
            sizes.push(0);
        }
        if let Some(last) = sizes.last_mut() {
            *last += 1;
        }
    }
    let (last, full) = sizes.split_last().unwrap_or((&0, &[]));
    sizes == [4, 6, 5] || (full.iter().all(|&s| s == 4) && (1..=4).contains(last))
}

/// The Luhn check of a string of digits.
fn luhn(number: &str) -> bool {
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(at, b)| {
            let d = u32::from(b - b'0');
            if at % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String)> {
        super::super::found_by(find, text)
    }

    #[test]
    fn finds_card_numbers() {
        for (text, number, redacted) in [
            (
                "cb=4970101234567893",
                "4970101234567893",
                "**** **** **** 7893",
            ),
            (
                "4970 1012 3456 7893 exp 12/28",
                "4970 1012 3456 7893",
                "**** **** **** 7893",
            ),
            (
                "5555-5555-5555-4444",
                "5555-5555-5555-4444",
                "**** **** **** 4444",
            ),
            (
                "2223003122003222",
                "2223003122003222",
                "**** **** **** 3222",
            ),
            (
                "3782 822463 10005",
                "3782 822463 10005",
                "**** **** **** 0005",
            ),
            (
                "6011111111111117",
                "6011111111111117",
                "**** **** **** 1117",
            ),
            (
                "4970%201012%203456%207893",
                "4970%201012%203456%207893",
                "**** **** **** 7893",
            ),
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
            "4970101234567894",     // Luhn fails
            "73282932000074",       // SIRET (Luhn-valid, 14 digits)
            "36252187900035",       // SIRET beginning like a Diners card
            "4006381333932",        // EAN-13
            "1764499200000006",     // microsecond timestamp (no IIN 1)
            "9970101234567892",     // IIN 9
            "49701012345678936",    // 17 digits for Visa
            "4970 101 234 567 893", // not grouped like a card
            "4970 1012-3456 7893",  // mixed separators
            "/commande/4970101234567893121",
            "v4970101234567893",
        ] {
            assert_eq!(found(text), vec![], "{text}");
        }
    }
}
