//! Matomo's wire codes for the desired model's enums: the names and numbers Matomo
//! stores and answers with. The desired model knows only its YAML spelling; the
//! client, the live reads and the diff speak Matomo's through these traits.

use crate::desired::model::{
    DimensionScope, KeepUrlFragments, MatchAttribute, PatternType, ReferrerAnonymisation,
};

/// A value Matomo names with a string.
pub trait MatomoName: Copy {
    /// The name Matomo uses for this value.
    fn to_matomo(self) -> &'static str;
}

/// A value read back from the string Matomo stores.
pub trait FromMatomoName: Sized {
    /// Parses Matomo's stored name; what Matomo itself does with an unknown one decides
    /// the answer (see each implementation).
    fn from_matomo(name: &str) -> Self;
}

/// A value Matomo stores as a number.
pub trait MatomoNumber: Sized {
    /// Matomo's numeric code.
    fn to_matomo(self) -> u8;
    /// From Matomo's numeric code; unknown codes read as the default.
    fn from_matomo(code: i64) -> Self;
}

impl MatomoName for ReferrerAnonymisation {
    /// The value Matomo stores for this level (`""` for none).
    fn to_matomo(self) -> &'static str {
        match self {
            Self::None => "",
            Self::ExcludeQuery => "exclude_query",
            Self::ExcludePath => "exclude_path",
            Self::ExcludeAll => "exclude_all",
        }
    }
}

impl FromMatomoName for ReferrerAnonymisation {
    /// Unknown values read as `None`, as Matomo does.
    fn from_matomo(name: &str) -> Self {
        match name {
            "exclude_query" => Self::ExcludeQuery,
            "exclude_path" => Self::ExcludePath,
            "exclude_all" => Self::ExcludeAll,
            _ => Self::None,
        }
    }
}

impl MatomoNumber for KeepUrlFragments {
    /// 0 (the instance's setting), 1 (keep), 2 (remove).
    fn to_matomo(self) -> u8 {
        match self {
            Self::Default => 0,
            Self::Keep => 1,
            Self::Remove => 2,
        }
    }

    fn from_matomo(code: i64) -> Self {
        match code {
            1 => Self::Keep,
            2 => Self::Remove,
            _ => Self::Default,
        }
    }
}

impl MatomoName for MatchAttribute {
    fn to_matomo(self) -> &'static str {
        match self {
            Self::Url => "url",
            Self::Title => "title",
            Self::File => "file",
            Self::ExternalWebsite => "external_website",
            Self::Manually => "manually",
            Self::EventAction => "event_action",
            Self::EventCategory => "event_category",
            Self::EventName => "event_name",
            Self::VisitDuration => "visit_duration",
            Self::VisitNbPageviews => "visit_nb_pageviews",
        }
    }
}

/// A goal's match attribute from the name Matomo stores, `None` for a name matoform
/// does not know: Matomo does not validate match attributes, so a goal created outside
/// matoform can hold any string. Matomo's names are the YAML spellings (tested below).
pub fn match_attribute(name: &str) -> Option<MatchAttribute> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

impl MatomoName for PatternType {
    fn to_matomo(self) -> &'static str {
        match self {
            Self::Contains => "contains",
            Self::Exact => "exact",
            Self::Regex => "regex",
            Self::GreaterThan => "greater_than",
        }
    }
}

impl MatomoName for DimensionScope {
    fn to_matomo(self) -> &'static str {
        match self {
            Self::Visit => "visit",
            Self::Action => "action",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrer_levels_round_trip_and_unknown_reads_as_none() {
        for level in [
            ReferrerAnonymisation::None,
            ReferrerAnonymisation::ExcludeQuery,
            ReferrerAnonymisation::ExcludePath,
            ReferrerAnonymisation::ExcludeAll,
        ] {
            assert_eq!(ReferrerAnonymisation::from_matomo(level.to_matomo()), level);
        }
        assert_eq!(
            ReferrerAnonymisation::from_matomo("exclude_everything"),
            ReferrerAnonymisation::None
        );
    }

    #[test]
    fn url_fragment_codes_round_trip_and_unknown_reads_as_default() {
        for keep in [
            KeepUrlFragments::Default,
            KeepUrlFragments::Keep,
            KeepUrlFragments::Remove,
        ] {
            assert_eq!(
                KeepUrlFragments::from_matomo(i64::from(keep.to_matomo())),
                keep
            );
        }
        assert_eq!(KeepUrlFragments::from_matomo(7), KeepUrlFragments::Default);
    }

    /// Goal attributes and pattern types: Matomo's names are the YAML spellings.
    #[test]
    fn goal_names_are_the_yaml_spellings() {
        fn yaml<T: serde::Serialize>(value: T) -> String {
            serde_json::to_value(value)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }
        assert_eq!(yaml(MatchAttribute::EventAction), "event_action");
        assert_eq!(MatchAttribute::EventAction.to_matomo(), "event_action");
        assert_eq!(
            yaml(MatchAttribute::VisitNbPageviews),
            MatchAttribute::VisitNbPageviews.to_matomo()
        );
        assert_eq!(
            yaml(PatternType::GreaterThan),
            PatternType::GreaterThan.to_matomo()
        );
        assert_eq!(
            yaml(DimensionScope::Action),
            DimensionScope::Action.to_matomo()
        );
    }

    #[test]
    fn match_attributes_parse_from_their_names_and_unknown_ones_are_none() {
        for attribute in [
            MatchAttribute::Url,
            MatchAttribute::ExternalWebsite,
            MatchAttribute::Manually,
            MatchAttribute::VisitDuration,
            MatchAttribute::VisitNbPageviews,
        ] {
            assert_eq!(match_attribute(attribute.to_matomo()), Some(attribute));
        }
        assert_eq!(match_attribute("visit_nb_actions"), None);
        assert_eq!(match_attribute("URL"), None);
    }
}
