//! The real-Matomo acceptance suite (issue 11): the real binary against a real Matomo
//! started by `../shared/matomo-real/up.sh`, named by `MATOMO_REAL_ENV`. Every scenario
//! that changes Matomo follows the acceptance rule: after each `apply`, `plan
//! --detailed-exitcode` exits 0 with "No changes.", and the values read back through
//! Matomo's own API equal the configuration. Without `MATOMO_REAL_ENV`, every test
//! returns at once after one line on stderr, so `cargo test` passes anywhere.
//!
//! Run it: `bash ../shared/matomo-real/up.sh 5.0.2 /tmp/mr502`, then
//! `MATOMO_REAL_ENV=/tmp/mr502/matomo.env cargo test --test real`.

#[path = "../common/mod.rs"]
mod common;
mod harness;
mod readback;

mod compliance;
mod convergence;
mod instance;
mod messy;
mod scan;
mod sites;
mod workflow;
