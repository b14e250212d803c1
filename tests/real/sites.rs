//! Sites with every field: create, update (aliases in another order, trailing slashes,
//! offsets as time zones, lists with commas, padded names), goals of every match
//! attribute, custom dimensions of both scopes with extractions.

use crate::harness::*;
use crate::readback::{assert_matches, parse};

/// A configuration of two sites with every field set, under `tag`.
fn every_field(tag: &str, step: u8) -> String {
    let (name, aliases, tz, search, fragments) = match step {
        1 => (
            "  Démarche « test » & co  ",
            format!(
                "https://www.{tag}.real.example/, https://b.{tag}.real.example, https://a.{tag}.real.example/"
            ),
            "UTC+5.5",
            "{ enabled: true, keyword_parameters: [q, 'query '], category_parameters: [cat] }",
            "keep",
        ),
        _ => (
            "Démarche renamed",
            format!(
                "https://z.{tag}.real.example, https://a.{tag}.real.example, https://b.{tag}.real.example/"
            ),
            "America/Cayenne",
            "{ enabled: false }",
            "remove",
        ),
    };
    format!(
        r#"
policy: {{ profile: none }}
sites:
  {tag}-a:
    name: "{name}"
    urls: [https://{tag}.real.example/, {aliases}]
    timezone: {tz}
    currency: XPF
    type: website
    group: "Équipe & co"
    ecommerce: {ecommerce}
    site_search: {search}
    exclude_unknown_urls: {exclude_unknown}
    keep_url_fragments: {fragments}
    exclusions:
      ips: ["10.0.0.1", "192.168.0.0/16", "172.16.*.*", "2001:db8::/32"]
      query_parameters: ["email,nom", sessionid, " token "]
      user_agents: [UptimeRobot, "bot crawler"]
      referrers: [partner.example.net]
    goals:
      url: {{ name: "Merci % + 1", match_attribute: url, pattern: "/merci?a=1&b=%2F", pattern_type: contains, revenue: 2.5 }}
      title: {{ name: Titre, match_attribute: title, pattern: "^Merci.*", pattern_type: regex, case_sensitive: true }}
      file: {{ name: "<b>PDF</b>", match_attribute: file, pattern: ".pdf", pattern_type: contains, allow_multiple_conversions: true }}
      out: {{ name: Sortie, match_attribute: external_website, pattern: "https://partner.example.net/x", pattern_type: exact }}
      manual: {{ name: Manuel, description: "à la main", match_attribute: manually }}
      category: {{ name: Cat, match_attribute: event_category, pattern: shop, pattern_type: exact, use_event_value_as_revenue: true }}
      action: {{ name: Act, match_attribute: event_action, pattern: "{action}", pattern_type: contains }}
      event: {{ name: Nom, match_attribute: event_name, pattern: "ev.*", pattern_type: regex }}
      duration: {{ name: Durée, match_attribute: visit_duration, pattern: "{minutes}", pattern_type: greater_than }}
    custom_dimensions:
      kind: {{ name: "Type de page", scope: action, case_sensitive: true, extractions: [{{ dimension: url, pattern: "/categorie/(.+)/" }}, {{ dimension: urlparam, pattern: cat }}] }}
      member: {{ name: "Profil", scope: visit, active: {active} }}
  {tag}-b:
    name: Second {tag}
    urls: [http://{tag}-b.real.example/path]
    type: intranet
    keep_url_fragments: default
    exclusions: {{ ips: [], query_parameters: [], user_agents: [], referrers: [] }}
    goals: {{}}
"#,
        ecommerce = step == 1,
        exclude_unknown = step != 1,
        action = if step == 1 { "clic" } else { "click" },
        active = step == 1,
        minutes = if step == 1 { 5 } else { 10 },
    )
}

#[test]
fn sites_with_every_field_create_then_update_converge() {
    let Some(kit) = Kit::get() else { return };
    let _shared = kit.sites_lock();
    let tag = unique("every");
    let work = Workdir::new();
    for step in [1, 2] {
        let yaml = every_field(&tag, step);
        work.set_config(&yaml);
        kit.apply_converges(&work, &[]);
        assert_matches(&kit, &parse(&yaml));
    }
    kit.delete_sites_by_url(&[
        format!("https://{tag}.real.example"),
        format!("http://{tag}-b.real.example/path"),
    ]);
}
