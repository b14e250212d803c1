//! Safety thresholds: what makes a plan too large to apply without `--force`.
