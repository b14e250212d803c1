//! Plan files: the plan saved by `plan --out`, checked and loaded by `apply`.

use std::path::Path;

use anyhow::{Context, bail};

use super::{PLAN_FORMAT_VERSION, Plan, READABLE_PLAN_FORMAT_VERSIONS};

/// Writes a plan file (JSON), private and atomic (see [`crate::files`]). The plan holds
/// no secret, but describes the instance.
pub fn save(plan: &Plan, path: &Path) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(plan).context("serialising the plan")?;
    crate::files::write_private(path, &(text + "\n"))
        .with_context(|| format!("cannot write the plan file {}", path.display()))
}

/// Reads a plan file and checks its format version.
pub fn load(path: &Path) -> anyhow::Result<Plan> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the plan file {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a plan file (invalid JSON)", path.display()))?;
    let version = value.get("format_version").and_then(|v| v.as_u64());
    if !version.is_some_and(|v| {
        READABLE_PLAN_FORMAT_VERSIONS
            .iter()
            .any(|r| u64::from(*r) == v)
    }) {
        bail!(
            "{} has plan format version {}, this matoform reads version {PLAN_FORMAT_VERSION}; run plan again with this matoform",
            path.display(),
            version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "(none)".into())
        );
    }
    serde_json::from_value(value)
        .with_context(|| format!("{} is not a valid plan file", path.display()))
}
