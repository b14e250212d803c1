//! A site's `goals` and `custom_dimensions`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A goal. Matomo replaces goals as a whole, so every field has a definite value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    /// Binds this entry to an existing goal id of the site; without it the goal is
    /// bound by name, or created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub id: Option<u64>,
    /// Goal name.
    pub name: String,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// What the goal matches on.
    pub match_attribute: MatchAttribute,
    /// The pattern matched (not used with `manually`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// How `pattern` matches (default `contains`; `visit_duration` needs `greater_than`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_type: Option<PatternType>,
    /// Case-sensitive matching.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub case_sensitive: bool,
    /// Count a conversion each time, not once per visit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_multiple_conversions: bool,
    /// Revenue of one conversion.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0))]
    pub revenue: f64,
    /// Use the event value as revenue (event goals).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_event_value_as_revenue: bool,
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

/// Goal match attributes Matomo knows.
///
/// From Matomo's source, the same in 5.0.2 and 5.7: `plugins/Goals/API.php` never
/// checks the match attribute (any string is stored); `core/Tracker/GoalManager.php`
/// matches `url`, `title`, `file`, `external_website`, `event_action`,
/// `event_category`, `event_name` and `manually`, and `visit_duration` as the only
/// numeric attribute (`$NUMERIC_MATCH_ATTRIBUTES`); anything else is matched like a
/// URL containing the pattern.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchAttribute {
    /// Page URL.
    #[default]
    Url,
    /// Page title.
    Title,
    /// Downloaded file URL.
    File,
    /// Outlink to an external website.
    ExternalWebsite,
    /// Triggered manually from the tracker.
    Manually,
    /// Event action.
    EventAction,
    /// Event category.
    EventCategory,
    /// Event name.
    EventName,
    /// Visit duration in minutes: needs `pattern_type: greater_than` and a number as
    /// `pattern`.
    VisitDuration,
    /// Not a Matomo match attribute: Matomo stores it without complaint but matches
    /// it like a URL containing the pattern. `validate` refuses it; the variant exists
    /// so that the refusal can say why.
    VisitNbPageviews,
}

/// Goal pattern types.
///
/// From `checkPatternType` in Matomo's `plugins/Goals/API.php` (5.0.2 and 5.7 alike):
/// `visit_duration` takes only `greater_than`; every other attribute takes `exact`,
/// `contains` or `regex`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PatternType {
    /// The attribute contains the pattern.
    #[default]
    Contains,
    /// The attribute equals the pattern (URLs must start with http:// or https://).
    Exact,
    /// The pattern is a regular expression.
    Regex,
    /// The attribute is greater than the pattern (a number): the only pattern type of
    /// `visit_duration`, and only of it.
    GreaterThan,
}

/// A custom dimension (CustomDimensions plugin).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomDimension {
    /// Binds this entry to an existing dimension id; without it the dimension is
    /// bound by name and scope, or created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub id: Option<u64>,
    /// Dimension name.
    pub name: String,
    /// `visit` or `action`; cannot change once created.
    pub scope: DimensionScope,
    /// Whether values are collected (default true).
    #[serde(default = "default_true")]
    pub active: bool,
    /// Case-sensitive extractions.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub case_sensitive: bool,
    /// Values extracted from the page URL or title (action scope only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extractions: Vec<Extraction>,
}

fn default_true() -> bool {
    true
}

/// Custom dimension scopes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DimensionScope {
    /// One value per visit.
    #[default]
    Visit,
    /// One value per action.
    Action,
}

/// One extraction rule of a custom dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extraction {
    /// `url`, `urlparam` or `action_name`.
    pub dimension: String,
    /// Regular expression with exactly one group, or the parameter name for `urlparam`.
    pub pattern: String,
}
