//! Redaction: what the scan finds is never printed; only these forms are.
//!
//! Each detection carries its redacted form (see `docs/scan.md`, "Detectors"):
//! `j***@e***.fr`, `06 ** ** ** 78`, `1 ** ** ** *** *** 42`, `FR** **** … *89`,
//! `**** **** **** 1234`, `token=***`, `eyJ***`, `nom=J***`.

use super::detect::Detection;

/// `text` with every detection replaced by its redacted form (for row labels and URLs
/// shown next to a finding).
///
/// The detections of [`detect`](super::detect::detect) are ordered and disjoint; given
/// others, this still hides every byte of every range: ranges are taken in order, a
/// part overlapping an earlier one becomes `***`, and a range that cuts a character is
/// widened to whole characters.
pub fn redact_text(text: &str, detections: &[Detection]) -> String {
    let mut ranges: Vec<(usize, usize, &str)> = detections
        .iter()
        .map(|d| {
            let mut start = d.range.start.min(text.len());
            let mut end = d.range.end.min(text.len()).max(start);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            (start, end, d.redacted.as_str())
        })
        .collect();
    ranges.sort_by_key(|&(start, end, _)| (start, end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, redacted) in ranges {
        if end <= at {
            continue;
        }
        if start < at {
            out.push_str("***");
        } else {
            out.push_str(&text[at..start]);
            out.push_str(redacted);
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::detect::{Detector, detect};

    fn detection(range: std::ops::Range<usize>, redacted: &str) -> Detection {
        Detection {
            detector: Detector::UrlSecret,
            range,
            redacted: redacted.to_owned(),
            parameter: None,
        }
    }

    #[test]
    fn replaces_each_detection_in_the_original() {
        let text = "/contact?email=jean.dupont%40example.fr&tel=0612345678&page=2";
        assert_eq!(
            redact_text(text, &detect(text)),
            "/contact?email=j***@e***.fr&tel=06 ** ** ** 78&page=2"
        );
        assert_eq!(redact_text("rien", &[]), "rien");
    }

    #[test]
    fn hides_every_byte_of_unordered_or_overlapping_ranges() {
        let text = "abcdefghij";
        let detections = [
            detection(6..9, "<2>"),
            detection(1..4, "<1>"),
            detection(3..7, "<3>"),
        ];
        assert_eq!(redact_text(text, &detections), "a<1>******j");
        // A range cutting a character is widened; one past the end is clipped.
        assert_eq!(redact_text("é=x", &[detection(1..2, "#")]), "#=x");
        assert_eq!(redact_text("abc", &[detection(2..9, "#")]), "ab#");
    }
}
