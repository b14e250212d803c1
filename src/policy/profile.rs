//! Policy profile and thresholds: the `policy:` section resolved to definite values.

use crate::desired::model::{Config, PolicyProfile, ReferrerAnonymisation};

/// Longest raw-data retention allowed by default, in days (about 25 months, Matomo's own figure).
pub const DEFAULT_MAX_RAW_DATA_DAYS: u32 = 759;

/// Fewest masked IP bytes allowed by default.
pub const DEFAULT_MIN_MASK_BYTES: u8 = 2;

/// Weakest referrer anonymisation allowed by default.
pub const DEFAULT_MIN_REFERRER: ReferrerAnonymisation = ReferrerAnonymisation::ExcludePath;

/// The policy of one configuration, every threshold resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// The profile (`cnil-exemption` when `policy` or `profile` is left out).
    pub profile: PolicyProfile,
    /// Longest raw-data retention allowed, in days.
    pub max_raw_data_days: u32,
    /// Fewest IP bytes that must be masked.
    pub min_mask_bytes: u8,
    /// Weakest referrer anonymisation allowed.
    pub min_referrer: ReferrerAnonymisation,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            profile: PolicyProfile::CnilExemption,
            max_raw_data_days: DEFAULT_MAX_RAW_DATA_DAYS,
            min_mask_bytes: DEFAULT_MIN_MASK_BYTES,
            min_referrer: DEFAULT_MIN_REFERRER,
        }
    }
}

impl Thresholds {
    /// Reads the `policy:` section; every value left out takes its default.
    pub fn from_config(config: &Config) -> Self {
        let defaults = Self::default();
        let Some(policy) = &config.policy else {
            return defaults;
        };
        Self {
            profile: policy.profile.unwrap_or(defaults.profile),
            max_raw_data_days: policy
                .max_raw_data_days
                .unwrap_or(defaults.max_raw_data_days),
            min_mask_bytes: policy.min_mask_bytes.unwrap_or(defaults.min_mask_bytes),
            min_referrer: policy
                .min_referrer_anonymisation
                .unwrap_or(defaults.min_referrer),
        }
    }

    /// True when the CNIL profile is on (defaults filled, rules checked).
    pub fn is_cnil(&self) -> bool {
        self.profile == PolicyProfile::CnilExemption
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::model::PolicyConfig;

    #[test]
    fn absent_policy_is_cnil_with_default_thresholds() {
        let t = Thresholds::from_config(&Config::default());
        assert!(t.is_cnil());
        assert_eq!(t.max_raw_data_days, 759);
        assert_eq!(t.min_mask_bytes, 2);
        assert_eq!(t.min_referrer, ReferrerAnonymisation::ExcludePath);
    }

    #[test]
    fn given_thresholds_are_kept() {
        let config = Config {
            policy: Some(PolicyConfig {
                profile: Some(PolicyProfile::None),
                max_raw_data_days: Some(180),
                min_mask_bytes: Some(3),
                min_referrer_anonymisation: Some(ReferrerAnonymisation::ExcludeAll),
            }),
            ..Config::default()
        };
        let t = Thresholds::from_config(&config);
        assert!(!t.is_cnil());
        assert_eq!(
            (t.max_raw_data_days, t.min_mask_bytes, t.min_referrer),
            (180, 3, ReferrerAnonymisation::ExcludeAll)
        );
    }
}
