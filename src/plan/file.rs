//! Plan files: the plan saved by `plan --out`, checked and loaded by `apply`.
