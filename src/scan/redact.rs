//! Redaction: what the scan finds is never printed; only these forms are.

use super::detect::Detection;

/// `text` with every detection replaced by its redacted form (for row labels and URLs
/// shown next to a finding).
pub fn redact_text(text: &str, detections: &[Detection]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for detection in detections {
        if detection.range.start < at || detection.range.end > text.len() {
            continue;
        }
        out.push_str(text.get(at..detection.range.start).unwrap_or_default());
        out.push_str(&detection.redacted);
        at = detection.range.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}
