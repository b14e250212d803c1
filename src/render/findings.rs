//! Policy findings as people read them: each in full when there are few, by rule (a
//! count, a few examples, the fix) when there are many. Pure: it selects and groups
//! the findings a plan, an audit or a validation holds; it decides nothing about them.

use std::collections::BTreeMap;

use crate::policy::{Finding, Severity};

/// How findings are shown (`--findings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FindingsMode {
    /// Every finding in full, waived ones included.
    All,
    /// In full when there are at most a screenful ([`SCREENFUL`]) not waived, else by
    /// rule (count, examples, fix); waived ones are counted by rule.
    #[default]
    Summary,
    /// Only the counts line.
    None,
}

/// Up to this many findings (not waived) are shown in full by `--findings summary`.
pub const SCREENFUL: usize = 20;

/// Subjects named as examples in a summary line of a rule.
pub const EXAMPLES: usize = 3;

/// The status of a finding, as shown.
///
/// Open statuses (violations, warnings) are shown in full when few; the others are
/// counted unless `--findings all`. A further status (a baselined, *known* violation)
/// is one more variant, counted like [`Status::Waived`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// An error that is not waived: blocks apply.
    Violation,
    /// A warning that is not waived.
    Warning,
    /// Covered by a waiver.
    Waived,
    /// Recorded in the baseline: known, never blocking.
    Known,
}

impl Status {
    /// The status of `finding`.
    pub fn of(finding: &Finding) -> Status {
        match (&finding.waived, finding.severity) {
            (Some(_), _) => Status::Waived,
            (None, _) if finding.known.is_some() => Status::Known,
            (None, Severity::Error) => Status::Violation,
            (None, Severity::Warning) => Status::Warning,
        }
    }

    /// Whether findings of this status are listed by `--findings summary`.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Violation | Status::Warning)
    }

    /// The tag of an audit line: `error`, `warning`, `waived`.
    pub fn tag(self) -> &'static str {
        match self {
            Status::Violation => "error",
            Status::Warning => "warning",
            Status::Waived => "waived",
            Status::Known => "known",
        }
    }

    /// The word for it: `violation`, `warning`, `waived`.
    pub fn word(self) -> &'static str {
        match self {
            Status::Violation => "violation",
            Status::Warning => "warning",
            Status::Waived => "waived",
            Status::Known => "known",
        }
    }
}

/// The findings of one rule with one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleGroup<'a> {
    /// Rule id.
    pub rule: &'a str,
    /// Their status.
    pub status: Status,
    /// The findings, in their order.
    pub findings: Vec<&'a Finding>,
    /// The rule's fix.
    pub fix: &'a str,
}

impl RuleGroup<'_> {
    /// The first [`EXAMPLES`] subjects.
    pub fn examples(&self) -> Vec<&str> {
        self.findings
            .iter()
            .take(EXAMPLES)
            .map(|f| f.subject.as_str())
            .collect()
    }

    /// How many findings the examples leave out.
    pub fn more(&self) -> usize {
        self.findings.len().saturating_sub(EXAMPLES)
    }
}

/// What to show of a list of findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingsView<'a> {
    /// Shown one by one: the focused ones first, then the others, each in its order.
    pub full: Vec<&'a Finding>,
    /// Open findings not shown in full, by rule: violations first, then warnings;
    /// within a status, the most frequent rule first, then by id.
    pub by_rule: Vec<RuleGroup<'a>>,
    /// Findings only counted (waived ones), by rule, in the same order.
    pub counted: Vec<RuleGroup<'a>>,
}

impl FindingsView<'_> {
    /// True when some findings are not shown in full (a hint to `--findings all` is due).
    pub fn is_partial(&self) -> bool {
        !self.by_rule.is_empty() || !self.counted.is_empty()
    }
}

/// Selects what `mode` shows of `findings`.
///
/// `all`: every finding in full. `none`: nothing (the caller prints its counts line).
/// `summary`: the open findings in full when there are at most [`SCREENFUL`]; else the
/// open findings about a `focus` subject (e.g. the sites a plan changes) in full when
/// they are at most [`SCREENFUL`], the rest by rule; findings that are not open are
/// counted by rule. `fix` gives the fix of a finding.
pub fn view<'a>(
    findings: &[&'a Finding],
    mode: FindingsMode,
    focus: &dyn Fn(&Finding) -> bool,
    fix: &dyn Fn(&'a Finding) -> &'a str,
) -> FindingsView<'a> {
    let focused_first = || {
        let (mut first, rest): (Vec<&Finding>, Vec<&Finding>) =
            findings.iter().copied().partition(|f| focus(f));
        first.extend(rest);
        first
    };
    match mode {
        FindingsMode::None => FindingsView::default(),
        FindingsMode::All => FindingsView {
            full: focused_first(),
            ..FindingsView::default()
        },
        FindingsMode::Summary => {
            let (mut open, closed): (Vec<&Finding>, Vec<&Finding>) = focused_first()
                .into_iter()
                .partition(|f| Status::of(f).is_open());
            let (full, rest) = if open.len() <= SCREENFUL {
                (open, Vec::new())
            } else {
                let focused = open.iter().filter(|f| focus(f)).count();
                if focused <= SCREENFUL {
                    let rest = open.split_off(focused);
                    (open, rest)
                } else {
                    (Vec::new(), open)
                }
            };
            FindingsView {
                full,
                by_rule: group(&rest, fix),
                counted: group(&closed, fix),
            }
        }
    }
}

/// Groups findings by (status, rule); see [`FindingsView::by_rule`] for the order.
fn group<'a>(findings: &[&'a Finding], fix: &dyn Fn(&'a Finding) -> &'a str) -> Vec<RuleGroup<'a>> {
    let mut groups: BTreeMap<(Status, &str), RuleGroup<'a>> = BTreeMap::new();
    for finding in findings {
        let status = Status::of(finding);
        groups
            .entry((status, finding.rule.as_str()))
            .or_insert_with(|| RuleGroup {
                rule: &finding.rule,
                status,
                findings: Vec::new(),
                fix: fix(finding),
            })
            .findings
            .push(finding);
    }
    let mut groups: Vec<RuleGroup<'a>> = groups.into_values().collect();
    groups.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then_with(|| b.findings.len().cmp(&a.findings.len()))
            .then_with(|| a.rule.cmp(b.rule))
    });
    groups
}

/// `N violations, N warnings, N waived` of a list of findings.
pub fn counts(findings: &[&Finding]) -> String {
    let n = |status: Status| findings.iter().filter(|f| Status::of(f) == status).count();
    format!(
        "{}, {}, {} waived",
        super::plural(n(Status::Violation), "violation", "violations"),
        super::plural(n(Status::Warning), "warning", "warnings"),
        n(Status::Waived)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, subject: &str, severity: Severity, waived: bool) -> Finding {
        Finding {
            rule: rule.to_string(),
            severity,
            subject: subject.to_string(),
            message: format!("{rule} on {subject}"),
            fix: format!("fix {rule}"),
            source: String::new(),
            waived: waived.then(|| "decided".to_string()),
            known: None,
        }
    }

    /// 30 sites × (an error, a warning), every 10th site's error waived.
    fn many() -> Vec<&'static Finding> {
        let mut findings = Vec::new();
        for i in 0..30 {
            let subject = format!("site[s{i:02}]");
            findings.push(finding("r.error", &subject, Severity::Error, i % 10 == 0));
            findings.push(finding("r.warn", &subject, Severity::Warning, false));
        }
        Box::leak(findings.into_boxed_slice()).iter().collect()
    }

    fn fix(f: &Finding) -> &str {
        &f.fix
    }

    fn subjects(findings: &[&Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| format!("{} {}", f.rule, f.subject))
            .collect()
    }

    #[test]
    fn few_findings_are_shown_in_full_and_waived_ones_counted() {
        let findings = [
            finding("r.b", "site[b]", Severity::Error, false),
            finding("r.a", "site[a]", Severity::Warning, false),
            finding("r.b", "site[c]", Severity::Error, true),
        ];
        let refs: Vec<&Finding> = findings.iter().collect();
        let view = view(&refs, FindingsMode::Summary, &|_| false, &fix);
        assert_eq!(subjects(&view.full), ["r.b site[b]", "r.a site[a]"]);
        assert_eq!(view.by_rule, []);
        assert_eq!(view.counted.len(), 1);
        assert_eq!(
            (view.counted[0].rule, view.counted[0].status),
            ("r.b", Status::Waived)
        );
        assert!(view.is_partial());
    }

    #[test]
    fn many_findings_are_grouped_by_rule_with_examples() {
        let findings = many();
        let view = view(&findings, FindingsMode::Summary, &|_| false, &fix);
        assert_eq!(view.full, Vec::<&Finding>::new());
        type Shown<'a> = (&'a str, Status, usize, Vec<&'a str>, usize, &'a str);
        let shown: Vec<Shown> = view
            .by_rule
            .iter()
            .map(|g| {
                (
                    g.rule,
                    g.status,
                    g.findings.len(),
                    g.examples(),
                    g.more(),
                    g.fix,
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "r.error",
                    Status::Violation,
                    27,
                    vec!["site[s01]", "site[s02]", "site[s03]"],
                    24,
                    "fix r.error"
                ),
                (
                    "r.warn",
                    Status::Warning,
                    30,
                    vec!["site[s00]", "site[s01]", "site[s02]"],
                    27,
                    "fix r.warn"
                ),
            ]
        );
        assert_eq!(view.counted.len(), 1);
        assert_eq!(view.counted[0].findings.len(), 3);
    }

    #[test]
    fn focused_findings_stay_in_full_when_the_rest_is_grouped() {
        let findings = many();
        let focus = |f: &Finding| f.subject == "site[s17]";
        let view = view(&findings, FindingsMode::Summary, &focus, &fix);
        assert_eq!(
            subjects(&view.full),
            ["r.error site[s17]", "r.warn site[s17]"]
        );
        let counts: Vec<usize> = view.by_rule.iter().map(|g| g.findings.len()).collect();
        assert_eq!(counts, [26, 29]);
    }

    #[test]
    fn too_many_focused_findings_are_grouped_too() {
        let findings = many();
        let view = view(&findings, FindingsMode::Summary, &|_| true, &fix);
        assert_eq!(view.full, Vec::<&Finding>::new());
        assert_eq!(view.by_rule.len(), 2);
    }

    #[test]
    fn all_lists_every_finding_focused_first_and_none_nothing() {
        let findings = many();
        let focus = |f: &Finding| f.subject == "site[s29]";
        let all = view(&findings, FindingsMode::All, &focus, &fix);
        assert_eq!(all.full.len(), 60);
        assert_eq!(
            subjects(&all.full[..3]),
            ["r.error site[s29]", "r.warn site[s29]", "r.error site[s00]"]
        );
        assert!(!all.is_partial());
        assert_eq!(
            view(&findings, FindingsMode::None, &focus, &fix),
            FindingsView::default()
        );
    }

    #[test]
    fn counts_line() {
        assert_eq!(counts(&many()), "27 violations, 30 warnings, 3 waived");
    }
}
