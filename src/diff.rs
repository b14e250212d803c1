//! Diff: desired (after policy defaults) + live → changes, by identity. Pure.
