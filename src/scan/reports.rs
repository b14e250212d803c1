//! Which reports the scan reads, and which of their fields carry visitor-supplied text.

use serde::{Deserialize, Serialize};

/// A report the scan reads (its id is shown in every output and in JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// `Actions.getPageUrls` (flat).
    PageUrls,
    /// `Actions.getPageTitles` (flat).
    PageTitles,
    /// `Actions.getSiteSearchKeywords`.
    SiteSearchKeywords,
    /// `Actions.getSiteSearchCategories`.
    SiteSearchCategories,
    /// `Actions.getOutlinks` (flat).
    Outlinks,
    /// `Actions.getDownloads` (flat).
    Downloads,
    /// `Events.getCategory`.
    EventCategories,
    /// `Events.getAction`.
    EventActions,
    /// `Events.getName`.
    EventNames,
    /// `CustomDimensions.getCustomDimension`, per active dimension.
    CustomDimension,
    /// `UserId.getUsers` (where the UserId plugin is active).
    UserIds,
    /// `Live.getLastVisitsDetails` (where the visitor log is on).
    Visits,
}

impl ReportKind {
    /// The reports read once per site (custom dimensions are read per dimension, User
    /// IDs where the plugin is active, site-search categories where the keywords
    /// report has rows).
    pub const PER_SITE: &'static [ReportKind] = &[
        ReportKind::PageUrls,
        ReportKind::PageTitles,
        ReportKind::SiteSearchKeywords,
        ReportKind::Outlinks,
        ReportKind::Downloads,
        ReportKind::EventCategories,
        ReportKind::EventActions,
        ReportKind::EventNames,
    ];

    /// The stable id (`page-urls`…).
    pub fn id(self) -> &'static str {
        match self {
            ReportKind::PageUrls => "page-urls",
            ReportKind::PageTitles => "page-titles",
            ReportKind::SiteSearchKeywords => "site-search-keywords",
            ReportKind::SiteSearchCategories => "site-search-categories",
            ReportKind::Outlinks => "outlinks",
            ReportKind::Downloads => "downloads",
            ReportKind::EventCategories => "event-categories",
            ReportKind::EventActions => "event-actions",
            ReportKind::EventNames => "event-names",
            ReportKind::CustomDimension => "custom-dimension",
            ReportKind::UserIds => "user-ids",
            ReportKind::Visits => "visits",
        }
    }

    /// The API method.
    pub fn method(self) -> &'static str {
        match self {
            ReportKind::PageUrls => "Actions.getPageUrls",
            ReportKind::PageTitles => "Actions.getPageTitles",
            ReportKind::SiteSearchKeywords => "Actions.getSiteSearchKeywords",
            ReportKind::SiteSearchCategories => "Actions.getSiteSearchCategories",
            ReportKind::Outlinks => "Actions.getOutlinks",
            ReportKind::Downloads => "Actions.getDownloads",
            ReportKind::EventCategories => "Events.getCategory",
            ReportKind::EventActions => "Events.getAction",
            ReportKind::EventNames => "Events.getName",
            ReportKind::CustomDimension => "CustomDimensions.getCustomDimension",
            ReportKind::UserIds => "UserId.getUsers",
            ReportKind::Visits => "Live.getLastVisitsDetails",
        }
    }

    /// Whether the report is read with `flat=1` (one row per whole URL or title).
    pub fn flat(self) -> bool {
        matches!(
            self,
            ReportKind::PageUrls
                | ReportKind::PageTitles
                | ReportKind::Outlinks
                | ReportKind::Downloads
        )
    }

    /// The fields read besides `label`, looked at in this order: a value found in an
    /// earlier one is not counted again in a later one of the same row. URL reports read
    /// the whole `url` first (it keeps the query string as it was tracked, `%40` and
    /// all), titles the original title (`+` kept, where the label shows a space).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            ReportKind::PageUrls => &["url"],
            ReportKind::Outlinks | ReportKind::Downloads => &["url"],
            ReportKind::PageTitles => &["Actions_PageTitle"],
            _ => &[],
        }
    }

    /// Whether the texts of this report are URLs (their query parameters are named).
    pub fn holds_urls(self) -> bool {
        matches!(
            self,
            ReportKind::PageUrls | ReportKind::Outlinks | ReportKind::Downloads
        )
    }

    /// What the report holds, in a few words.
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::PageUrls => "page URLs",
            ReportKind::PageTitles => "page titles",
            ReportKind::SiteSearchKeywords => "site-search keywords",
            ReportKind::SiteSearchCategories => "site-search categories",
            ReportKind::Outlinks => "outlinks",
            ReportKind::Downloads => "downloads",
            ReportKind::EventCategories => "event categories",
            ReportKind::EventActions => "event actions",
            ReportKind::EventNames => "event names",
            ReportKind::CustomDimension => "custom dimension values",
            ReportKind::UserIds => "User IDs",
            ReportKind::Visits => "visitor log",
        }
    }
}

/// The report kind a field of a visit (visitor log) stands for, for its remedy:
/// `url` a page URL, `pageTitle` a title, `userId` a User ID, `dimensionN` a custom
/// dimension…
pub fn visit_field_kind(field: &str) -> ReportKind {
    match field {
        "url" | "label" => ReportKind::PageUrls,
        "pageTitle" => ReportKind::PageTitles,
        "siteSearchKeyword" => ReportKind::SiteSearchKeywords,
        "siteSearchCategory" => ReportKind::SiteSearchCategories,
        "eventCategory" => ReportKind::EventCategories,
        "eventAction" => ReportKind::EventActions,
        "eventName" => ReportKind::EventNames,
        "userId" => ReportKind::UserIds,
        f if f.starts_with("dimension") => ReportKind::CustomDimension,
        _ => ReportKind::Visits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_reports_are_flat_and_read_the_whole_url() {
        for kind in [
            ReportKind::PageUrls,
            ReportKind::Outlinks,
            ReportKind::Downloads,
        ] {
            assert!(kind.flat());
            assert!(kind.holds_urls());
            assert_eq!(kind.fields(), &["url"]);
        }
        assert!(!ReportKind::EventNames.flat());
        assert_eq!(visit_field_kind("dimension3"), ReportKind::CustomDimension);
        assert_eq!(visit_field_kind("userId"), ReportKind::UserIds);
    }
}
