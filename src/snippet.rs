//! Tracking and opt-out code that keeps a site compliant.
