//! Exit codes, shared by every command, mapped in one place.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success; no changes |
//! | 1 | error: invalid configuration, network or API failure, refused apply |
//! | 2 | changes present (only with `plan --detailed-exitcode`) |
//! | 3 | policy violations that are not waived (wins over 2) |

use std::process::ExitCode;

/// The outcome of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// 0.
    Success,
    /// 2: changes present with `--detailed-exitcode`.
    Changes,
    /// 3: unwaived policy violations.
    Violations,
}

/// Code for an error.
pub const ERROR: u8 = 1;

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Changes => 2,
            Self::Violations => 3,
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        ExitCode::from(outcome.code())
    }
}

/// An error already reported to the user (e.g. validation diagnostics): exit 1,
/// print nothing more.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Reported(pub String);
