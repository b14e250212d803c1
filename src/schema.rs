//! The JSON Schema of the configuration, generated from [`crate::desired::model`].

use crate::desired::model::Config;

/// The schema as pretty JSON (what `matoform schema` prints and `schema/` holds).
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Config);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The schema as a JSON value, for validation.
pub fn schema_value() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
}
