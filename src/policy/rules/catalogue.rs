//! Policy rules, the catalogue: every rule defined once (id, severity, checklist point,
//! fix), used by evaluation, waivers, the baseline and the documentation. A rule is
//! named in code by its constant, so an unknown rule does not compile; [`rule`] finds
//! one by the id a user wrote (waivers, baseline).

use crate::policy::{Finding, Severity};

/// What a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// An instance-wide setting; subject `instance`.
    Instance,
    /// A site's setting; subject `site[key]`.
    Site,
    /// A waiver of the configuration; subject `waiver[i]`.
    Waiver,
    /// An entry of the baseline; subject the entry's (`site[key]` or `instance`).
    Baseline,
}

/// Where a rule can be enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enforcement {
    /// A Matomo setting: matoform can apply it server-side.
    Server,
    /// A Matomo setting, or the tracking code in the site's pages.
    ServerOrSiteCode,
    /// The configuration itself (waivers).
    Configuration,
}

impl Enforcement {
    /// Short description, for documentation.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Server => "Matomo (server-side setting)",
            Self::ServerOrSiteCode => "Matomo setting, or the site's tracking code",
            Self::Configuration => "the configuration",
        }
    }
}

/// One policy rule: defined once here, used by evaluation and by documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, e.g. `cnil.ip-mask`.
    pub id: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// What it is about.
    pub scope: Scope,
    /// The checklist point it implements (issue 5's numbering, or `extra`).
    pub point: &'static str,
    /// What the rule requires, in a few words.
    pub title: &'static str,
    /// How to fix a violation.
    pub fix: &'static str,
    /// Where it can be enforced.
    pub enforcement: Enforcement,
}

impl Rule {
    /// The `source` of this rule's findings: checklist point and requirement.
    pub fn source(&self) -> String {
        match self.point {
            "extra" => format!(
                "CNIL exemption conditions (beyond the 13 points): {}",
                self.title
            ),
            "waivers" => format!("matoform waivers: {}", self.title),
            "baseline" => format!("matoform baseline: {}", self.title),
            point => format!("CNIL exemption checklist point {point}: {}", self.title),
        }
    }

    /// A finding of this rule about `subject`, with `message`.
    pub fn finding(&self, subject: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            rule: self.id.to_owned(),
            severity: self.severity,
            subject: subject.into(),
            message: message.into(),
            fix: self.fix.to_owned(),
            source: self.source(),
            waived: None,
            known: None,
        }
    }
}

/// `cnil.ip-mask`: IP addresses anonymised by at least 2 bytes (policy.min_mask_bytes).
pub const IP_MASK: Rule = Rule {
    id: "cnil.ip-mask",
    severity: Severity::Error,
    scope: Scope::Instance,
    point: "3",
    title: "IP addresses anonymised by at least 2 bytes (policy.min_mask_bytes)",
    fix: "set instance.privacy.anonymize_ip.enabled: true and mask_bytes to at least policy.min_mask_bytes (2)",
    enforcement: Enforcement::Server,
};

/// `cnil.ip-enrichment`: geolocation and enrichment from the anonymised address only.
pub const IP_ENRICHMENT: Rule = Rule {
    id: "cnil.ip-enrichment",
    severity: Severity::Warning,
    scope: Scope::Instance,
    point: "3",
    title: "geolocation and enrichment from the anonymised address only",
    fix: "set instance.privacy.anonymize_ip.use_for_enrichment: true",
    enforcement: Enforcement::Server,
};

/// `cnil.cookieless`: no tracking cookies.
pub const COOKIELESS: Rule = Rule {
    id: "cnil.cookieless",
    severity: Severity::Warning,
    scope: Scope::Instance,
    point: "2",
    title: "no tracking cookies",
    fix: "set instance.privacy.force_cookieless: true, or disable cookies in every site's tracker (`_paq.push(['disableCookies'])`, printed by `matoform snippet SITE`)",
    enforcement: Enforcement::ServerOrSiteCode,
};

/// `cnil.referrer`: referrer anonymised (at least policy.min_referrer_anonymisation, exclude_path).
pub const REFERRER: Rule = Rule {
    id: "cnil.referrer",
    severity: Severity::Error,
    scope: Scope::Instance,
    point: "4",
    title: "referrer anonymised (at least policy.min_referrer_anonymisation, exclude_path)",
    fix: "set instance.privacy.anonymize_referrer: exclude_path (or exclude_all)",
    enforcement: Enforcement::Server,
};

/// `cnil.user-id`: no User-ID.
pub const USER_ID: Rule = Rule {
    id: "cnil.user-id",
    severity: Severity::Error,
    scope: Scope::Instance,
    point: "9",
    title: "no User-ID",
    fix: "set instance.privacy.anonymize_user_id: true, and never call setUserId in the tracker",
    enforcement: Enforcement::ServerOrSiteCode,
};

/// `cnil.order-id`: ecommerce order identifiers anonymised.
pub const ORDER_ID: Rule = Rule {
    id: "cnil.order-id",
    severity: Severity::Error,
    scope: Scope::Instance,
    point: "8",
    title: "ecommerce order identifiers anonymised",
    fix: "set instance.privacy.anonymize_order_id: true",
    enforcement: Enforcement::Server,
};

/// `cnil.retention`: raw data deleted after at most 25 months (policy.max_raw_data_days, 759).
pub const RETENTION: Rule = Rule {
    id: "cnil.retention",
    severity: Severity::Error,
    scope: Scope::Instance,
    point: "extra",
    title: "raw data deleted after at most 25 months (policy.max_raw_data_days, 759)",
    fix: "set instance.retention.raw_data: {delete: true, older_than_days: N} with N at most policy.max_raw_data_days (759)",
    enforcement: Enforcement::Server,
};

/// `cnil.do-not-track`: Do Not Track honoured (recommended).
pub const DO_NOT_TRACK: Rule = Rule {
    id: "cnil.do-not-track",
    severity: Severity::Warning,
    scope: Scope::Instance,
    point: "12",
    title: "Do Not Track honoured (recommended)",
    fix: "set instance.privacy.do_not_track: true (the tracker's `setDoNotTrack` also honours it)",
    enforcement: Enforcement::ServerOrSiteCode,
};

/// `cnil.ecommerce`: no ecommerce, or only with anonymised order identifiers.
pub const ECOMMERCE: Rule = Rule {
    id: "cnil.ecommerce",
    severity: Severity::Error,
    scope: Scope::Site,
    point: "8",
    title: "no ecommerce, or only with anonymised order identifiers",
    fix: "set ecommerce: false; to keep a shop measured, waive cnil.ecommerce with a reason and keep instance.privacy.anonymize_order_id: true",
    enforcement: Enforcement::Server,
};

/// `cnil.visitor-log`: visits log off (individual-level data).
pub const VISITOR_LOG: Rule = Rule {
    id: "cnil.visitor-log",
    severity: Severity::Error,
    scope: Scope::Site,
    point: "extra",
    title: "visits log off (individual-level data)",
    fix: "set visitor_log.disabled: true on the site (or instance.visitor_log.disabled: true)",
    enforcement: Enforcement::Server,
};

/// `cnil.visitor-profile`: visitor profiles off (individual-level data).
pub const VISITOR_PROFILE: Rule = Rule {
    id: "cnil.visitor-profile",
    severity: Severity::Error,
    scope: Scope::Site,
    point: "extra",
    title: "visitor profiles off (individual-level data)",
    fix: "set visitor_log.profile_disabled: true on the site (or instance.visitor_log.profile_disabled: true)",
    enforcement: Enforcement::Server,
};

/// `cnil.public-stats-visitor-log`: public statistics only with the visits log off.
pub const PUBLIC_STATS_VISITOR_LOG: Rule = Rule {
    id: "cnil.public-stats-visitor-log",
    severity: Severity::Error,
    scope: Scope::Site,
    point: "extra",
    title: "public statistics only with the visits log off",
    fix: "set visitor_log.disabled: true (public statistics are encouraged), or public_stats: false",
    enforcement: Enforcement::Server,
};

/// `cnil.url-pii`: no personal data in page URLs (query parameters that carry it excluded).
pub const URL_PII: Rule = Rule {
    id: "cnil.url-pii",
    severity: Severity::Warning,
    scope: Scope::Site,
    point: "5",
    title: "no personal data in page URLs (query parameters that carry it excluded)",
    fix: "add the missing names to the site's exclusions.query_parameters or to instance.exclusions.query_parameters (left out, the instance list defaults to Matomo's recommended personal-data list)",
    enforcement: Enforcement::Server,
};

/// `cnil.cross-domain`: one site tracked per property, no cross-domain linking.
pub const CROSS_DOMAIN: Rule = Rule {
    id: "cnil.cross-domain",
    severity: Severity::Warning,
    scope: Scope::Site,
    point: "11",
    title: "one site tracked per property, no cross-domain linking",
    fix: "declare one site per registrable domain, and never enable cross-domain linking in the tracker",
    enforcement: Enforcement::ServerOrSiteCode,
};

/// `cnil.custom-dimension-pii`: no personal data in custom dimensions.
pub const CUSTOM_DIMENSION_PII: Rule = Rule {
    id: "cnil.custom-dimension-pii",
    severity: Severity::Warning,
    scope: Scope::Site,
    point: "6",
    title: "no personal data in custom dimensions",
    fix: "remove or deactivate the dimension (active: false), or make sure it never holds personal data and rename it",
    enforcement: Enforcement::ServerOrSiteCode,
};

/// `cnil.exclude-unknown-urls`: only the site's own URLs tracked.
pub const EXCLUDE_UNKNOWN_URLS: Rule = Rule {
    id: "cnil.exclude-unknown-urls",
    severity: Severity::Warning,
    scope: Scope::Site,
    point: "11",
    title: "only the site's own URLs tracked",
    fix: "set exclude_unknown_urls: true",
    enforcement: Enforcement::Server,
};

/// `policy.waiver-unknown-rule`: a waiver names a rule that exists.
pub const WAIVER_UNKNOWN_RULE: Rule = Rule {
    id: "policy.waiver-unknown-rule",
    severity: Severity::Error,
    scope: Scope::Waiver,
    point: "waivers",
    title: "a waiver names a rule that exists",
    fix: "use one of the rule ids listed in docs/policy.md (cnil.*)",
    enforcement: Enforcement::Configuration,
};

/// `policy.waiver-expired`: an expired waiver no longer waives.
pub const WAIVER_EXPIRED: Rule = Rule {
    id: "policy.waiver-expired",
    severity: Severity::Warning,
    scope: Scope::Waiver,
    point: "waivers",
    title: "an expired waiver no longer waives",
    fix: "fix the violation, or renew the waiver with a new `expires` date and reason",
    enforcement: Enforcement::Configuration,
};

/// `policy.waiver-unused`: a waiver matches a violation (stale exceptions must not accumulate).
pub const WAIVER_UNUSED: Rule = Rule {
    id: "policy.waiver-unused",
    severity: Severity::Warning,
    scope: Scope::Waiver,
    point: "waivers",
    title: "a waiver matches a violation (stale exceptions must not accumulate)",
    fix: "remove the waiver, or correct its rule, sites or instance",
    enforcement: Enforcement::Configuration,
};

/// `policy.baseline-fixed`: a baseline entry matches a violation (the baseline only shrinks).
pub const BASELINE_FIXED: Rule = Rule {
    id: "policy.baseline-fixed",
    severity: Severity::Warning,
    scope: Scope::Baseline,
    point: "baseline",
    title: "a baseline entry matches a violation (the baseline only shrinks)",
    fix: "remove the entry from the baseline: `matoform baseline -c PATH` removes every fixed entry",
    enforcement: Enforcement::Configuration,
};

/// Every rule, in evaluation and documentation order.
pub const RULES: &[Rule] = &[
    IP_MASK,
    IP_ENRICHMENT,
    COOKIELESS,
    REFERRER,
    USER_ID,
    ORDER_ID,
    RETENTION,
    DO_NOT_TRACK,
    ECOMMERCE,
    VISITOR_LOG,
    VISITOR_PROFILE,
    PUBLIC_STATS_VISITOR_LOG,
    URL_PII,
    CROSS_DOMAIN,
    CUSTOM_DIMENSION_PII,
    EXCLUDE_UNKNOWN_URLS,
    WAIVER_UNKNOWN_RULE,
    WAIVER_EXPIRED,
    WAIVER_UNUSED,
    BASELINE_FIXED,
];

/// The rule with this id, for ids a user wrote (waivers, baseline entries).
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_rule_is_in_the_table_once() {
        let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), RULES.len());
        let defined = include_str!("catalogue.rs")
            .matches(concat!(": Rule = ", "Rule {"))
            .count();
        assert_eq!(
            defined,
            RULES.len(),
            "a rule constant is missing from RULES"
        );
    }

    #[test]
    fn rule_finds_user_written_ids_only() {
        assert_eq!(rule("cnil.ip-mask"), Some(&IP_MASK));
        assert_eq!(rule("cnil.ip-masks"), None);
    }

    #[test]
    fn docs_list_every_rule_with_its_severity() {
        let docs = include_str!("../../../docs/policy.md");
        for rule in RULES {
            let severity = match rule.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let row = format!("| `{}` | {severity} |", rule.id);
            assert!(docs.contains(&row), "docs/policy.md lacks the row {row}");
        }
    }
}
