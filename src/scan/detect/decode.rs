//! Percent-decoding that remembers where each decoded byte came from: detectors read
//! the decoded text (`%40` is an `@`, `%2B` a `+`), and their ranges are mapped back to
//! the original text so that redacting the original leaves nothing of the value.
//!
//! Escapes of whitespace, control characters, `&` and `#` are kept as they are: decoded,
//! they would end a query parameter's value early (`nom=Jean%20Dupont` is one value),
//! and a part of a secret would stay outside its redaction. Detectors that allow
//! separators accept `%20` as a space. `+` is kept too (it is a literal plus in
//! `jean+tag@example.fr` and `+33`, a space in a query string): the detectors that care
//! accept either. Two passes decode double-encoded text (`%2540`).

use std::ops::Range;

/// The text the detectors read, and the way back to the original.
pub(super) struct Decoded<'a> {
    /// The decoded text (the original itself when it holds no escape).
    pub text: std::borrow::Cow<'a, str>,
    /// For each byte of `text`, the original byte range it came from; empty when `text`
    /// is the original.
    spans: Vec<Range<usize>>,
}

impl<'a> Decoded<'a> {
    /// `original` with its percent escapes decoded (see the module documentation).
    pub fn new(original: &'a str) -> Decoded<'a> {
        let mut decoded = Decoded {
            text: std::borrow::Cow::Borrowed(original),
            spans: Vec::new(),
        };
        for _ in 0..2 {
            if !decoded.text.contains('%') {
                break;
            }
            let Some((text, spans)) = decode_pass(&decoded.text) else {
                break;
            };
            let spans = if decoded.spans.is_empty() {
                spans
            } else {
                spans
                    .into_iter()
                    .map(|span| decoded.spans[span.start].start..decoded.spans[span.end - 1].end)
                    .collect()
            };
            decoded = Decoded {
                text: std::borrow::Cow::Owned(text),
                spans,
            };
        }
        decoded
    }

    /// The range of the original text that `range` (in the decoded text) came from.
    pub fn original_range(&self, range: Range<usize>) -> Range<usize> {
        if self.spans.is_empty() || range.is_empty() {
            return range;
        }
        self.spans[range.start].start..self.spans[range.end - 1].end
    }
}

/// One decoding pass, or `None` when it changes nothing. Escapes of non-ASCII bytes are
/// decoded only when the result is valid UTF-8.
fn decode_pass(text: &str) -> Option<(String, Vec<Range<usize>>)> {
    decode_bytes(text, true)
        .or_else(|| decode_bytes(text, false))
        .filter(|(decoded, _)| decoded != text)
}

fn decode_bytes(text: &str, non_ascii: bool) -> Option<(String, Vec<Range<usize>>)> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut spans = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(byte) = escape_at(bytes, i).filter(|&b| decodable(b, non_ascii)) {
            out.push(byte);
            spans.push(i..i + 3);
            i += 3;
        } else {
            out.push(bytes[i]);
            spans.push(i..i + 1);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(|s| (s, spans))
}

/// The byte a `%XX` escape at `i` stands for.
pub(super) fn escape_at(bytes: &[u8], i: usize) -> Option<u8> {
    if bytes.get(i) != Some(&b'%') {
        return None;
    }
    let hi = (*bytes.get(i + 1)? as char).to_digit(16)?;
    let lo = (*bytes.get(i + 2)? as char).to_digit(16)?;
    u8::try_from(hi * 16 + lo).ok()
}

fn decodable(byte: u8, non_ascii: bool) -> bool {
    match byte {
        0..=0x20 | 0x7f | b'&' | b'#' => false,
        0x80.. => non_ascii,
        _ => true,
    }
}

/// True when the text just before `at` is a `%XX` escape kept by the decoding (a space,
/// `&` or `#`): for the detectors, a separator.
pub(super) fn kept_escape_before(text: &str, at: usize) -> bool {
    at >= 3 && escape_at(text.as_bytes(), at - 3).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> String {
        Decoded::new(text).text.into_owned()
    }

    #[test]
    fn decodes_escapes_but_keeps_separators() {
        assert_eq!(decoded("jean%40example.fr"), "jean@example.fr");
        assert_eq!(decoded("%2B33%206"), "+33%206");
        assert_eq!(decoded("a%26b%23c"), "a%26b%23c");
        assert_eq!(decoded("Fran%C3%A7ois"), "François");
        assert_eq!(decoded("jean%2540example.fr"), "jean@example.fr");
        assert_eq!(decoded("100%"), "100%");
        assert_eq!(decoded("%FF%41"), "%FFA");
        assert_eq!(decoded("a+b"), "a+b");
    }

    #[test]
    fn maps_ranges_back_to_the_original() {
        let original = "x=jean%2540ex.fr!";
        let d = Decoded::new(original);
        assert_eq!(d.text, "x=jean@ex.fr!");
        let at = d.text.find("jean").unwrap_or_default();
        let range = d.original_range(at..at + "jean@ex.fr".len());
        assert_eq!(&original[range], "jean%2540ex.fr");
        let plain = Decoded::new("abc");
        assert_eq!(plain.original_range(1..2), 1..2);
    }
}
