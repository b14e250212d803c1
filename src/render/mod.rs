//! Rendering: pure functions of a [`Plan`](crate::plan::Plan) (and of an audit report)
//! to text, JSON, Markdown and chat messages. Renderers decide nothing; they show what
//! the plan holds.

pub mod audit;
pub mod chat;
pub mod findings;
pub mod json;
pub mod markdown;
pub mod scan;
pub mod text;
mod view;

pub use chat::chat;
pub use findings::FindingsMode;
pub use json::{apply_report_json, json};
pub use markdown::markdown;
pub use text::text;

/// How a plan is shown, whatever the format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// ANSI colours (text only).
    pub color: bool,
    /// How policy findings are shown (text, Markdown, chat).
    pub findings: FindingsMode,
    /// Upper bound of the output's length (Markdown, chat), counted in bytes, so that
    /// it bounds characters too; `None`: the format's default.
    pub max_chars: Option<usize>,
    /// A first line (chat).
    pub title: Option<String>,
}

/// `1 site`, `2 sites`: a count with its noun.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", noun(count, one, many))
}

/// The noun for a count: `one` for 1, `many` otherwise.
pub fn noun<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

/// The one line that sums up known violations (recorded in the baseline), by rule,
/// most frequent first: `Known (baseline): 505 violations of 3 rules: cnil.visitor-log
/// 300, cnil.ecommerce 105, cnil.url-pii 100`. `None` when there are none.
pub fn known_line(counts: &std::collections::BTreeMap<String, usize>) -> Option<String> {
    let total: usize = counts.values().sum();
    if total == 0 {
        return None;
    }
    let mut rules: Vec<(&String, &usize)> = counts.iter().filter(|(_, n)| **n > 0).collect();
    rules.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let list: Vec<String> = rules
        .iter()
        .map(|(rule, n)| format!("{rule} {n}"))
        .collect();
    Some(format!(
        "Known (baseline): {} of {}: {}",
        plural(total, "violation", "violations"),
        plural(rules.len(), "rule", "rules"),
        list.join(", ")
    ))
}

#[cfg(test)]
mod known_tests {
    use std::collections::BTreeMap;

    use super::known_line;

    #[test]
    fn known_line_counts_per_rule_most_frequent_first() {
        let counts = BTreeMap::from([
            ("cnil.ecommerce".to_owned(), 105),
            ("cnil.url-pii".to_owned(), 105),
            ("cnil.visitor-log".to_owned(), 300),
        ]);
        assert_eq!(
            known_line(&counts).as_deref(),
            Some(
                "Known (baseline): 510 violations of 3 rules: cnil.visitor-log 300, cnil.ecommerce 105, cnil.url-pii 105"
            )
        );
        let one = BTreeMap::from([("cnil.ecommerce".to_owned(), 1)]);
        assert_eq!(
            known_line(&one).as_deref(),
            Some("Known (baseline): 1 violation of 1 rule: cnil.ecommerce 1")
        );
        assert_eq!(known_line(&BTreeMap::new()), None);
    }
}
