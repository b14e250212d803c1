//! The scan: personal data found in what Matomo has already collected (reports and
//! the visitor log). Pure: detectors and redaction take text and return values; the
//! reads live behind the client, the rendering in `render/`.

pub mod detect;
pub mod redact;
