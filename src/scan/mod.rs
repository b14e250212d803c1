//! The scan: personal data found in what Matomo has already collected (reports and
//! the visitor log). Pure: detectors, redaction, examination, remedies and judging
//! take values and return values; the reads (`read`) go through the client, the
//! rendering lives in `render/scan.rs`.

pub mod detect;
pub mod examine;
pub mod judge;
pub mod model;
pub mod read;
pub mod redact;
pub mod remedy;
pub mod reports;
