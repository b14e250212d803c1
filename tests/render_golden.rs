//! Golden files for the renderings of a plan (text, coloured text, JSON, Markdown).
//! `UPDATE_GOLDEN=1 cargo test --test render_golden` rewrites them; review the diff.

use std::collections::BTreeMap;
use std::path::PathBuf;

use matoform::desired::model::{
    DimensionScope, Extraction, KeepUrlFragments, ReferrerAnonymisation,
};
use matoform::live::{
    DimensionState, ExclusionsState, GoalState, PrivacyState, RawDataState, RetentionState,
    SiteSearchState, SiteState, VisitorLogState,
};
use matoform::plan::{
    Action, Address, Change, PLAN_FORMAT_VERSION, Plan, PlanTarget, Resource, Summary,
    field_changes,
};
use matoform::policy::{Finding, Severity};
use matoform::render;
use pretty_assertions::assert_eq;
use serde::Serialize;
use serde_json::Value;

/// The text rendering with the default options (findings summarised when many).
fn text(plan: &Plan, color: bool) -> String {
    render::text(
        plan,
        &render::Options {
            color,
            ..render::Options::default()
        },
    )
}

/// The Markdown rendering with the default options.
fn md(plan: &Plan) -> String {
    render::markdown(plan, &render::Options::default())
}

fn value<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).expect("serialisable")
}

/// The inner value of a resource, as the diff compares it: content only, the Matomo
/// id (identity, shown in the change title) left out.
fn inner(resource: &Option<Resource>) -> Value {
    match resource {
        None => Value::Null,
        Some(r) => {
            let mut v = value(r)["value"].clone();
            if let Some(map) = v.as_object_mut() {
                map.remove("id");
            }
            v
        }
    }
}

fn change(
    address: &str,
    action: Action,
    site: Option<(&str, Option<u64>)>,
    before: Option<Resource>,
    after: Option<Resource>,
) -> Change {
    let fields = field_changes(&inner(&before), &inner(&after));
    Change {
        address: address.parse().expect("address"),
        action,
        site: site.map(|(key, _)| key.to_string()),
        site_id: site.and_then(|(_, id)| id),
        before,
        after,
        fields,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn blog_site() -> SiteState {
    SiteState {
        id: 3,
        name: "Blog".to_string(),
        urls: strings(&["https://blog.example.org"]),
        timezone: "Europe/Paris".to_string(),
        currency: "EUR".to_string(),
        site_type: "website".to_string(),
        group: String::new(),
        ecommerce: false,
        site_search: SiteSearchState {
            enabled: true,
            keyword_parameters: strings(&["q", "s"]),
            category_parameters: Vec::new(),
        },
        exclude_unknown_urls: false,
        keep_url_fragments: KeepUrlFragments::Default,
        exclusions: ExclusionsState {
            ips: strings(&["10.0.0.0/8"]),
            query_parameters: strings(&["utm_source", "fbclid"]),
            user_agents: Vec::new(),
            referrers: Vec::new(),
            ..ExclusionsState::default()
        },
        visitor_log: Some(VisitorLogState {
            disabled: false,
            profile_disabled: false,
            ..VisitorLogState::default()
        }),
        public_stats: Some(false),
        privacy: None,
        matomo_requirements: Vec::new(),
        compliance_mode: None,
        goals: None,
        custom_dimensions: None,
        dimension_slots: None,
    }
}

fn goal(id: u64, name: &str, description: &str, pattern: &str) -> GoalState {
    GoalState {
        id,
        name: name.to_string(),
        description: description.to_string(),
        match_attribute: "url".to_string(),
        pattern: pattern.to_string(),
        pattern_type: "contains".to_string(),
        case_sensitive: false,
        allow_multiple_conversions: false,
        revenue: 0.0,
        use_event_value_as_revenue: false,
    }
}

/// A representative plan: a site created with goals, a site updated (lists, a long
/// string), a goal updated (multi-line description) and one deleted, a custom
/// dimension deactivated, instance privacy updated, retention asserted, policy
/// findings of every kind, warnings, unmanaged sites.
fn representative_plan() -> Plan {
    let new_site = SiteState {
        id: 0,
        name: "Mon service".to_string(),
        urls: strings(&[
            "https://mon-service.example.fr",
            "https://www.mon-service.example.fr",
        ]),
        timezone: "Europe/Paris".to_string(),
        currency: "EUR".to_string(),
        site_type: "website".to_string(),
        group: "Services publics".to_string(),
        ecommerce: false,
        site_search: SiteSearchState {
            enabled: false,
            keyword_parameters: Vec::new(),
            category_parameters: Vec::new(),
        },
        exclude_unknown_urls: true,
        keep_url_fragments: KeepUrlFragments::Remove,
        exclusions: ExclusionsState {
            ips: Vec::new(),
            query_parameters: strings(&["fbclid", "gclid"]),
            user_agents: Vec::new(),
            referrers: Vec::new(),
            ..ExclusionsState::default()
        },
        visitor_log: Some(VisitorLogState {
            disabled: true,
            profile_disabled: true,
            ..VisitorLogState::default()
        }),
        public_stats: Some(false),
        privacy: None,
        matomo_requirements: Vec::new(),
        compliance_mode: None,
        goals: None,
        custom_dimensions: None,
        dimension_slots: None,
    };

    let blog_before = blog_site();
    let mut blog_after = blog_site();
    blog_after.name =
        "Blog de l'équipe produit : notes de version, études de cas et tutoriels".to_string();
    blog_after.urls = strings(&["https://blog.example.org", "https://www.blog.example.org"]);
    blog_after.exclusions.query_parameters = strings(&["fbclid", "gclid", "utm_campaign"]);
    blog_after.exclude_unknown_urls = true;

    let signup_before = goal(
        5,
        "Inscription",
        "Inscription au compte.\nCompte une conversion par visite.",
        "/inscription/merci",
    );
    let mut signup_after = signup_before.clone();
    signup_after.description =
        "Inscription au compte.\nCompte une conversion par visite.\nRevue par l'équipe données en 2025."
            .to_string();
    signup_after.pattern = "/compte/inscription/merci".to_string();

    let author = DimensionState {
        id: 2,
        name: "Auteur".to_string(),
        scope: DimensionScope::Action,
        active: true,
        case_sensitive: false,
        extractions: vec![Extraction {
            dimension: "url".to_string(),
            pattern: "/auteurs/(.+)".to_string(),
        }],
    };

    let privacy_before = PrivacyState {
        anonymize_ip_enabled: true,
        mask_bytes: 1,
        use_for_enrichment: true,
        anonymize_user_id: false,
        anonymize_order_id: false,
        anonymize_referrer: ReferrerAnonymisation::None,
        force_cookieless: false,
        do_not_track: true,
        ..PrivacyState::default()
    };
    let privacy_after = PrivacyState {
        mask_bytes: 2,
        use_for_enrichment: false,
        anonymize_user_id: true,
        anonymize_referrer: ReferrerAnonymisation::ExcludeQuery,
        ..privacy_before.clone()
    };

    let retention = RetentionState {
        raw_data: Some(RawDataState {
            delete: true,
            older_than_days: 790,
        }),
        reports: None,
    };

    let changes = vec![
        change(
            "site[mon-service]",
            Action::Create,
            Some(("mon-service", None)),
            None,
            Some(Resource::Site(Box::new(new_site))),
        ),
        change(
            "site[mon-service].goal[contact]",
            Action::Create,
            Some(("mon-service", None)),
            None,
            Some(Resource::Goal(goal(
                0,
                "Contact",
                "Formulaire de contact envoyé",
                "/contact/merci",
            ))),
        ),
        change(
            "site[mon-service].goal[demarche]",
            Action::Create,
            Some(("mon-service", None)),
            None,
            Some(Resource::Goal(goal(
                0,
                "Démarche terminée",
                "",
                "/demarche/fin",
            ))),
        ),
        change(
            "site[blog]",
            Action::Update,
            Some(("blog", Some(3))),
            Some(Resource::Site(Box::new(blog_before))),
            Some(Resource::Site(Box::new(blog_after))),
        ),
        change(
            "site[blog].goal[signup]",
            Action::Update,
            Some(("blog", Some(3))),
            Some(Resource::Goal(signup_before)),
            Some(Resource::Goal(signup_after)),
        ),
        change(
            "site[blog].goal[old-campaign]",
            Action::Delete,
            Some(("blog", Some(3))),
            Some(Resource::Goal(goal(
                7,
                "Campagne 2023",
                "",
                "utm_campaign=promo2023",
            ))),
            None,
        ),
        change(
            "site[blog].custom_dimension[author]",
            Action::Delete,
            Some(("blog", Some(3))),
            Some(Resource::CustomDimension(author)),
            None,
        ),
        change(
            "instance.privacy",
            Action::Update,
            None,
            Some(Resource::Privacy(privacy_before)),
            Some(Resource::Privacy(privacy_after)),
        ),
    ];

    let asserted = vec![change(
        "instance.retention",
        Action::Update,
        None,
        None,
        Some(Resource::Retention(retention)),
    )];

    let findings = vec![
        Finding {
            rule: "cnil.raw-data-retention".to_string(),
            severity: Severity::Error,
            subject: "instance".to_string(),
            message: "instance.retention.raw_data.older_than_days is 790; the exemption allows at most 395 days (13 months)".to_string(),
            fix: "set instance.retention.raw_data.older_than_days to 395 or less, or remove it to take the compliant default".to_string(),
            source: "CNIL, exemption of audience measurement trackers: data kept 25 months at most, trackers 13 months".to_string(),
            waived: None,
            known: None,
        },
        Finding {
            rule: "cnil.visitor-log".to_string(),
            severity: Severity::Warning,
            subject: "site[blog]".to_string(),
            message: "visitor_log.disabled is false: the visits log shows individual visits".to_string(),
            fix: "set sites.blog.visitor_log.disabled: true".to_string(),
            source: "CNIL exemption checklist: no cross-referencing of individual data".to_string(),
            waived: None,
            known: None,
        },
        Finding {
            rule: "cnil.user-id".to_string(),
            severity: Severity::Error,
            subject: "site[mon-service]".to_string(),
            message: "user_id tracking is on and instance.privacy.anonymize_user_id is not set".to_string(),
            fix: "set instance.privacy.anonymize_user_id: true".to_string(),
            source: "CNIL exemption checklist: pseudonymous identifiers only".to_string(),
            waived: Some("User IDs are pseudonymised upstream by the SSO (DPO ticket PRIV-42)".to_string()),
            known: None,
        },
    ];

    let fingerprints: BTreeMap<Address, String> = [
        (
            "instance.privacy",
            "8c1f0e5d2b7a4c9e6f3d1a0b5c8e7f2a9d4b6c1e3f5a7b9d0c2e4f6a8b1c3d5e",
        ),
        (
            "site[blog]",
            "2e9b4c7a1f6d3e8b5a0c9f2d7e4b1a6c3f8d5e0b9a2c7f4e1d6b3a8c5f0e9d2b",
        ),
        (
            "site[blog].custom_dimension[author]",
            "5a3c8e1f7b2d9a4c6e0f3b8d1a5c7e9f2b4d6a8c0e1f3b5d7a9c2e4f6b8d0a1c",
        ),
        (
            "site[blog].goal[old-campaign]",
            "9f1e3d5c7b0a2e4f6d8c1b3a5e7f9d0c2b4a6e8f1d3c5b7a9e0f2d4c6b8a1e3f",
        ),
        (
            "site[blog].goal[signup]",
            "c4e6a8b0d2f1e3c5a7b9d0f2e4c6a8b1d3f5e7c9a0b2d4f6e8c1a3b5d7f9e0c2",
        ),
        ("site[mon-service]", "absent"),
    ]
    .into_iter()
    .map(|(k, v)| (k.parse().expect("address"), v.to_string()))
    .collect();

    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        matoform_version: "0.1.0".to_string(),
        matomo: PlanTarget {
            url: "https://matomo.example.org".to_string(),
            version: "5.7.0".to_string(),
        },
        config_digest: "7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730"
            .to_string(),
        site_filter: Vec::new(),
        changes,
        asserted,
        findings,
        // Known violations (recorded in the baseline) are counted per rule, not listed.
        known: [("cnil.ecommerce", 105), ("cnil.visitor-log", 300)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        rules: BTreeMap::new(),
        summary: Summary {
            managed_sites: 3,
            unmanaged_sites: 4,
            violations: 1,
            warnings: 1,
            waived: 1,
            known: 405,
            ..Summary::default()
        },
        fingerprints,
        warnings: vec![
            "site[archives]: goals were not read: the Goals plugin is not active; its goals are left as they are".to_string(),
            "instance.retention: no API reads the retention settings; the configured values are asserted".to_string(),
        ],
    };
    plan.recount();
    plan.sort();
    plan.index_rules();
    plan
}

fn empty_plan() -> Plan {
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        matoform_version: "0.1.0".to_string(),
        matomo: PlanTarget {
            url: "https://matomo.example.org".to_string(),
            version: "5.7.0".to_string(),
        },
        config_digest: "7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730"
            .to_string(),
        summary: Summary {
            managed_sites: 3,
            ..Summary::default()
        },
        ..Plan::default()
    };
    plan.recount();
    plan
}

/// Compares `actual` with `tests/golden/NAME`, or rewrites it under `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("golden dir")).expect("create golden dir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run UPDATE_GOLDEN=1 cargo test --test render_golden",
            path.display()
        )
    });
    assert_eq!(
        expected, actual,
        "{name} differs; if intended, rerun with UPDATE_GOLDEN=1"
    );
}

#[test]
fn text_rendering_matches_golden() {
    golden("plan.txt", &text(&representative_plan(), false));
}

#[test]
fn colored_text_rendering_matches_golden() {
    golden("plan-color.txt", &text(&representative_plan(), true));
}

#[test]
fn json_rendering_matches_golden() {
    golden("plan.json", &render::json(&representative_plan()));
}

#[test]
fn markdown_rendering_matches_golden() {
    golden("plan.md", &md(&representative_plan()));
}

#[test]
fn empty_plan_text_matches_golden() {
    golden("empty.txt", &text(&empty_plan(), false));
}

#[test]
fn empty_plan_markdown_matches_golden() {
    golden("empty.md", &md(&empty_plan()));
}

#[test]
fn text_and_markdown_are_rendered_from_the_json_form_alone() {
    let plan = representative_plan();
    let reloaded: Plan = serde_json::from_str(&render::json(&plan)).expect("plan JSON loads");
    assert_eq!(reloaded, plan);
    assert_eq!(text(&reloaded, false), text(&plan, false));
    assert_eq!(text(&reloaded, true), text(&plan, true));
    assert_eq!(md(&reloaded), md(&plan));
}

#[test]
fn plain_text_has_no_escape_codes_and_colored_text_has_them() {
    let plan = representative_plan();
    assert!(!text(&plan, false).contains('\u{1b}'));
    assert!(text(&plan, true).contains("\u{1b}[32m+\u{1b}[39m"));
    assert!(!md(&plan).contains('\u{1b}'));
}

#[test]
fn text_ends_with_the_fixed_summary_phrases() {
    let rendered = text(&representative_plan(), false);
    assert!(rendered.ends_with("\nPlan: 3 to create, 3 to update, 2 to delete.\n"));
    let empty = text(&empty_plan(), false);
    assert!(empty.ends_with("\nNo changes. The live instance matches the configuration.\n"));
}

#[test]
fn markdown_starts_with_the_comment_marker_and_collapses_long_sections() {
    let md = md(&representative_plan());
    assert!(md.starts_with(
        "<!-- matoform-plan -->\n### matoform plan: 3 to create, 3 to update, 2 to delete\n"
    ));
    assert!(md.contains("<details><summary>"));
    assert!(md.contains("```diff\n"));
}

/// A plan for hundreds of sites still fits in one pull-request comment (GitHub refuses
/// comments over 65,536 characters): change groups past the budget are counted in a
/// note, findings past half of it too; the summary and the final line stay.
#[test]
fn markdown_of_a_long_plan_fits_in_a_comment() {
    let base = representative_plan();
    let mut plan = base.clone();
    plan.changes.clear();
    plan.findings.clear();
    for i in 0..400 {
        for change in base.changes.iter().filter(|c| c.site.is_some()) {
            let mut change = change.clone();
            let key = format!("site-{i:03}");
            let old = change.site.clone().expect("site key");
            change.address = change
                .address
                .to_string()
                .replacen(&format!("site[{old}]"), &format!("site[{key}]"), 1)
                .parse()
                .expect("address");
            change.site = Some(key);
            plan.changes.push(change);
        }
        for finding in &base.findings {
            let mut finding = finding.clone();
            finding.subject = format!("site[site-{i:03}]");
            plan.findings.push(finding);
        }
    }
    plan.sort();
    plan.recount();
    plan.index_rules();
    let all = render::markdown(
        &plan,
        &render::Options {
            findings: render::FindingsMode::All,
            ..render::Options::default()
        },
    );
    assert!(
        all.len() <= render::markdown::MAX_LEN,
        "{} bytes",
        all.len()
    );
    assert!(
        all.contains("more not shown here: run `matoform plan --findings all` for every finding")
    );
    let md = md(&plan);
    assert!(md.len() <= render::markdown::MAX_LEN, "{} bytes", md.len());
    assert!(md.starts_with("<!-- matoform-plan -->\n### matoform plan: "));
    assert!(md.contains(" not shown here: the comment would pass the size limit"));
    // Summarised by rule: every finding is counted, none is cut.
    assert!(md.contains("| `cnil.visitor-log` | 400 warnings | `site[site-000]`, `site[site-001]`, `site[site-002]` and 397 more | set sites.blog.visitor_log.disabled: true |"), "{md}");
    assert!(!md.contains("more not shown here: run `matoform plan"));
    let last = text(&plan, false)
        .lines()
        .last()
        .expect("final line")
        .to_string();
    assert!(md.ends_with(&format!("**{last}**\n")), "{last}");
    // The full plan is unchanged in the other renderings.
    assert!(text(&plan, false).len() > render::markdown::MAX_LEN);
}

/// A plan of an instance of 1,000 sites, each with a violation and a warning, every
/// 7th with a waived violation; the `changed` ones renamed.
fn thousand_sites(changed: &dyn Fn(u64) -> bool) -> Plan {
    use matoform::policy::rules::rule;
    let mut plan = empty_plan();
    for i in 1..=1000_u64 {
        let key = format!("site-{i:04}");
        let subject = format!("site[{key}]");
        let get = |id: &str| rule(id).expect("rule exists");
        plan.findings.push(get("cnil.visitor-log").finding(
            &subject,
            format!(
                "sites.{key}.visitor_log.disabled is false: the visits log shows individual visits"
            ),
        ));
        plan.findings.push(get("cnil.exclude-unknown-urls").finding(
            &subject,
            format!("sites.{key}.exclude_unknown_urls is false: actions on any URL that carries this site's id are tracked"),
        ));
        if i % 7 == 0 {
            let mut waived = get("cnil.ecommerce").finding(
                &subject,
                format!("sites.{key}.ecommerce is true: orders are personal data"),
            );
            waived.waived = Some("shop measured under consent (DPO-7)".to_string());
            plan.findings.push(waived);
        }
        if changed(i) {
            let before = SiteState {
                id: i,
                name: format!("Site {i}"),
                ..blog_site()
            };
            let after = SiteState {
                name: format!("Site {i} (renamed)"),
                ..before.clone()
            };
            plan.changes.push(change(
                &subject,
                Action::Update,
                Some((&key, Some(i))),
                Some(Resource::Site(Box::new(before))),
                Some(Resource::Site(Box::new(after))),
            ));
        }
    }
    plan.summary.managed_sites = 1000;
    plan.summary.violations = plan.findings.iter().filter(|f| f.blocks()).count();
    plan.summary.warnings = plan
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning && f.waived.is_none())
        .count();
    plan.summary.waived = plan.findings.iter().filter(|f| f.waived.is_some()).count();
    plan.sort();
    plan.recount();
    plan.index_rules();
    plan
}

fn chat(plan: &Plan) -> String {
    render::chat(plan, &render::Options::default())
}

/// A plan of a thousand sites with no changes reads in a screenful: findings by rule,
/// with a count, examples and the fix; waived ones counted.
#[test]
fn thousand_sites_no_changes_text_matches_golden() {
    let rendered = text(&thousand_sites(&|_| false), false);
    assert!(rendered.lines().count() <= 40, "{rendered}");
    golden("thousand.txt", &rendered);
}

/// `--findings all` lists every finding, waived ones included; `none` only counts.
#[test]
fn findings_mode_all_lists_every_finding_and_none_only_counts() {
    let plan = thousand_sites(&|_| false);
    let with = |findings| {
        render::text(
            &plan,
            &render::Options {
                findings,
                ..render::Options::default()
            },
        )
    };
    let all = with(render::FindingsMode::All);
    assert_eq!(all.matches("  ✗ [cnil.visitor-log] site[").count(), 1000);
    assert_eq!(all.matches("  ✓ [cnil.ecommerce] site[").count(), 142);
    assert_eq!(
        all.matches("      waived: shop measured under consent (DPO-7)\n")
            .count(),
        142
    );
    assert!(!all.contains("--findings all"));
    let none = with(render::FindingsMode::None);
    assert_eq!(
        none,
        "Matomo https://matomo.example.org (5.7.0)\n\nPolicy: 1000 violations, 1000 warnings, 142 waived\n\nNo changes. The live instance matches the configuration.\n"
    );
}

/// The pull request that onboards one site of a thousand: the site's change and its
/// findings first, in full; the rest by rule; under 16,000 characters when asked.
#[test]
fn thousand_sites_one_change_markdown_matches_golden() {
    // The change is site 500's (not the first by name).
    let plan = thousand_sites(&|i| i == 500);
    let md = render::markdown(
        &plan,
        &render::Options {
            max_chars: Some(16_000),
            ..render::Options::default()
        },
    );
    assert!(md.len() < 16_000, "{} bytes", md.len());
    let site = md.find("#### `site[site-0500]`").expect("the changed site");
    let finding = md
        .find("| `cnil.visitor-log` | `site[site-0500]` | error |")
        .expect("its finding in full");
    let summary = md
        .find("Other findings, by rule:")
        .expect("the rest summarised");
    assert!(site < finding && finding < summary);
    golden("thousand-one-change.md", &md);
}

/// The chat message of the same plan: no table, bullet lists, the change first.
#[test]
fn thousand_sites_one_change_chat_matches_golden() {
    let rendered = chat(&thousand_sites(&|i| i == 1));
    assert!(!rendered.contains("|---"), "{rendered}");
    golden("thousand-one-change-chat.txt", &rendered);
}

/// 1,000 changed sites in a chat post: under 16,000 characters, the first changes
/// listed, the rest counted, the findings and the final line kept.
#[test]
fn thousand_changed_sites_chat_fits_in_a_post() {
    let rendered = chat(&thousand_sites(&|_| true));
    assert!(rendered.chars().count() < 16_000, "{}", rendered.len());
    assert!(
        rendered.len() <= render::chat::MAX_CHARS,
        "{}",
        rendered.len()
    );
    assert!(rendered.starts_with("matoform plan for `https://matomo.example.org` (5.7.0): 0 to create, 1000 to update, 0 to delete.\n"), "{rendered}");
    assert!(
        rendered.contains("- ~ `site[site-0001]` (id 1): name\n"),
        "{rendered}"
    );
    let more = rendered
        .lines()
        .find(|l| l.starts_with("- …and "))
        .expect("the notice of what was left out");
    let listed = rendered
        .lines()
        .filter(|l| l.starts_with("- ~ `site["))
        .count();
    assert_eq!(
        more,
        format!(
            "- …and {n} more changes (in {n} sites): run `matoform plan` for the whole plan",
            n = 1000 - listed
        )
    );
    assert!(rendered.contains("- ✗ `cnil.visitor-log` 1000 violations: `site[site-0001]`, `site[site-0002]`, `site[site-0003]` and 997 more (fix: "), "{rendered}");
    assert!(rendered.ends_with("\nPlan: 0 to create, 1000 to update, 0 to delete.\n"));
    // A lower cap is kept too.
    let small = render::chat(
        &thousand_sites(&|_| true),
        &render::Options {
            max_chars: Some(4_000),
            ..render::Options::default()
        },
    );
    assert!(small.len() <= 4_000, "{}", small.len());
    assert!(small.ends_with("\nPlan: 0 to create, 1000 to update, 0 to delete.\n"));
}

#[test]
fn chat_rendering_matches_golden() {
    golden("plan-chat.txt", &chat(&representative_plan()));
}
