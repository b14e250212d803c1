//! `scan.nir`: French social security numbers (NIR). Sex (1 or 2), year, month (01–12,
//! or 20–99 for the registrations without a known month), département (two digits,
//! `2A`/`2B` for Corsica), commune, order number and the 2-digit key, which must be
//! 97 − (the 13 digits mod 97) (Corsica counted as 19 for 2A, 18 for 2B). Written as
//! one run or grouped with spaces, dots or dashes (one kind per number).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Detector, Found, SEP, consistent_separators, digit_count, isolated, scan};

static NIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"[12]{SEP}?[0-9]{{2}}{SEP}?[0-9]{{2}}{SEP}?(?:[0-9]{{2}}|2[AaBb]){SEP}?[0-9]{{3}}{SEP}?[0-9]{{3}}{SEP}?[0-9]{{2}}"
    ))
    .expect("NIR regex")
});

/// Every NIR in `text` whose key is right.
pub(super) fn find(text: &str) -> Vec<Found> {
    if digit_count(text) < 13 {
        return Vec::new(); // 13 digits and the key, Corsica's 2A/2B counted
    }
    scan(&NIR, text, |range| nir(text, range))
}

fn nir(text: &str, range: Range<usize>) -> Option<Found> {
    let written = &text[range.clone()];
    if !consistent_separators(written) || !isolated(text, &range) {
        return None;
    }
    let chars: Vec<char> = written
        .replace("%20", "")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.len() != 15 || !valid(&chars) {
        return None;
    }
    Some(Found {
        detector: Detector::Nir,
        range,
        redacted: format!("{} ** ** ** *** *** {}{}", chars[0], chars[13], chars[14]),
    })
}

/// True when the 15 characters of a NIR have a plausible month and the right key.
fn valid(chars: &[char]) -> bool {
    let number = |from: usize, to: usize| -> Option<u64> {
        chars[from..to]
            .iter()
            .try_fold(0u64, |n, c| Some(n * 10 + u64::from(c.to_digit(10)?)))
    };
    let Some(month) = number(3, 5) else {
        return false;
    };
    if !(1..=12).contains(&month) && month < 20 {
        return false;
    }
    let department: String = chars[5..7].iter().collect();
    let corsica = match department.as_str() {
        "2A" => Some(19),
        "2B" => Some(18),
        _ => None,
    };
    let (Some(head), Some(tail), Some(key)) = (number(0, 5), number(7, 13), number(13, 15)) else {
        return false;
    };
    let Some(department) = corsica.or_else(|| number(5, 7)) else {
        return false;
    };
    let thirteen = head * 100_000_000 + department * 1_000_000 + tail;
    key == 97 - thirteen % 97
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String)> {
        super::super::found_by(find, text)
    }

    #[test]
    fn finds_numbers_with_the_right_key() {
        for (text, number, redacted) in [
            (
                "nir=185057800608491",
                "185057800608491",
                "1 ** ** ** *** *** 91",
            ),
            (
                "NIR : 1 85 05 78 006 084 91",
                "1 85 05 78 006 084 91",
                "1 ** ** ** *** *** 91",
            ),
            (
                "2.55.08.2A.004.012.83",
                "2.55.08.2A.004.012.83",
                "2 ** ** ** *** *** 83",
            ),
            (
                "2 69 05 2B 032 015 85",
                "2 69 05 2B 032 015 85",
                "2 ** ** ** *** *** 85",
            ),
            (
                "secu%3D290127511300163",
                "290127511300163",
                "2 ** ** ** *** *** 63",
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
            "185057800608492",         // wrong key
            "385057800608491",         // sex 3
            "185157800608491",         // month 15
            "1 85 05 78 006 084 91 1", // a separate number after it: found
            "1850578006084911",        // longer run
            "1 85.05 78 006 084 91",   // mixed separators
            "2 55 08 2C 004 012 83",   // no département 2C
            "73282932000074",
            "123456789012345",
        ] {
            let expected = usize::from(text == "1 85 05 78 006 084 91 1");
            assert_eq!(found(text).len(), expected, "{text}");
        }
    }
}
