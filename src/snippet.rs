//! Tracking and opt-out code that keeps a site compliant: the part of the CNIL checklist
//! that lives in the site's pages, not in Matomo. Pure: values in, text out.
//!
//! Every flavour disables cookies (unless the instance forces cookieless tracking),
//! limits `setDomains` to the site's own hosts, honours Do Not Track, and never sets a
//! User-ID nor enables cross-domain linking.

use crate::policy::rules::url_host;

/// Tracking-code flavours (`snippet --for`). The command line lists them through clap's
/// `ValueEnum`, derived here so that this module owns its vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Flavour {
    /// Matomo's JavaScript tracker in an HTML page.
    Html,
    /// `@socialgouv/matomo-next`.
    MatomoNext,
    /// `vue-matomo`.
    VueMatomo,
    /// `@datapunt/matomo-tracker-react`.
    MatomoTrackerReact,
}

/// What the code is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetInput {
    /// Base URL of the Matomo instance (with or without the trailing slash).
    pub matomo_url: String,
    /// The site's Matomo id.
    pub site_id: u64,
    /// The site's URLs (main URL first); their hosts feed `setDomains`.
    pub site_urls: Vec<String>,
    /// The instance's `force_cookieless` setting, when known: `Some(true)` leaves
    /// `disableCookies` out (the instance already tracks without cookies).
    pub force_cookieless: Option<bool>,
    /// Honour the browser's Do Not Track in the tracker (`setDoNotTrack`).
    pub do_not_track: bool,
}

/// The tracking code and the opt-out code of `flavour` for the site described by `input`.
pub fn snippet(flavour: Flavour, input: &SnippetInput) -> String {
    match flavour {
        Flavour::Html => html(input),
        Flavour::MatomoNext => matomo_next(input),
        Flavour::VueMatomo => vue_matomo(input),
        Flavour::MatomoTrackerReact => matomo_tracker_react(input),
    }
}

/// The opt-out embed code, in the form `CoreAdminHome.getOptOutJSEmbedCode` answers with
/// `applyStyling=0`, `showIntro=1`, `language=auto` (checked against the 5.0.2 recordings).
pub fn opt_out_html(matomo_url: &str) -> String {
    let base = html_escape::encode_double_quoted_attribute(&base_url(matomo_url)).into_owned();
    format!(
        "<div id=\"matomo-opt-out\"></div>\n<script src=\"{base}index.php?module=CoreAdminHome&action=optOutJS&divId=matomo-opt-out&language=auto&showIntro=1\"></script>\n"
    )
}

/// The Matomo URL with exactly one trailing slash.
fn base_url(matomo_url: &str) -> String {
    format!("{}/", matomo_url.trim().trim_end_matches('/'))
}

/// The Matomo URL without a trailing slash (SDKs append `/matomo.js` themselves).
fn bare_url(matomo_url: &str) -> String {
    matomo_url.trim().trim_end_matches('/').to_owned()
}

/// The site's hosts, each followed by its `*.` variant, in URL order, without duplicates;
/// a host under another of the site's hosts is already covered by that host's `*.` variant.
fn domains(urls: &[String]) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for host in urls.iter().filter_map(|u| url_host(u)) {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    let covered = |host: &String| {
        hosts
            .iter()
            .any(|other| host.ends_with(&format!(".{other}")))
    };
    hosts
        .iter()
        .filter(|host| !covered(host))
        .flat_map(|host| [host.clone(), format!("*.{host}")])
        .collect()
}

fn cookies_off(input: &SnippetInput) -> bool {
    input.force_cookieless != Some(true)
}

/// A JavaScript string literal in double quotes, safe inside a `<script>` element.
fn js(text: &str) -> String {
    serde_json::Value::String(text.to_owned())
        .to_string()
        .replace("</", "<\\/")
}

/// A JavaScript string literal in single quotes (the style of Matomo's own tag).
fn js_single(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '<' => out.push_str("\\x3C"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn js_array(items: &[String], quote: fn(&str) -> String) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The opt-out code as JavaScript comment lines, for the SDK flavours.
fn opt_out_comment(matomo_url: &str) -> String {
    let mut out = String::from(
        "\n// Opt-out: put this HTML on the privacy policy page, which must mention the audience measurement:\n",
    );
    for line in opt_out_html(matomo_url).lines() {
        out.push_str("// ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Matomo's JavaScript tracker, in the layout of `SitesManager.getJavascriptTag`, then
/// the opt-out embed.
fn html(input: &SnippetInput) -> String {
    let mut out = String::from(
        "<!-- Matomo: tracking code kept exempt from consent (CNIL), generated by matoform.\n     Do not add setUserId or enableCrossDomainLinking. -->\n<script>\n  var _paq = window._paq = window._paq || [];\n",
    );
    if cookies_off(input) {
        out.push_str("  _paq.push(['disableCookies']);\n");
    } else {
        out.push_str("  /* no disableCookies: the instance forces cookieless tracking */\n");
    }
    let domains = domains(&input.site_urls);
    if !domains.is_empty() {
        out.push_str(&format!(
            "  _paq.push(['setDomains', {}]);\n",
            js_array(&domains, js_single)
        ));
    }
    if input.do_not_track {
        out.push_str("  _paq.push(['setDoNotTrack', true]);\n");
    }
    out.push_str(&format!(
        "  _paq.push(['trackPageView']);\n  _paq.push(['enableLinkTracking']);\n  (function() {{\n    var u={};\n    _paq.push(['setTrackerUrl', u+'matomo.php']);\n    _paq.push(['setSiteId', '{}']);\n    var d=document, g=d.createElement('script'), s=d.getElementsByTagName('script')[0];\n    g.async=true; g.src=u+'matomo.js'; s.parentNode.insertBefore(g,s);\n  }})();\n</script>\n<!-- End Matomo Code -->\n\n<!-- Matomo opt-out: put it on the privacy policy page, which must mention the audience measurement. -->\n",
        js(&base_url(&input.matomo_url)),
        input.site_id
    ));
    out.push_str(&opt_out_html(&input.matomo_url));
    out
}

/// The instance's own tracking code (as `SitesManager.getJavascriptTag` answers it,
/// asked for with [`crate::matomo::calls::javascript_tag`]) kept compliant, then the
/// opt-out embed. Instructions the policy needs and the code lacks (`disableCookies`
/// unless the instance forces cookieless tracking, `setDomains` limited to the site's
/// hosts, `setDoNotTrack`) are inserted before `trackPageView`. `None` when the code is
/// not in the expected shape, is for another site, or enables cross-domain linking or a
/// User-ID: the caller then builds the code locally ([`snippet`]).
pub fn html_from_instance(tag: &str, input: &SnippetInput) -> Option<String> {
    let track = tag.find("_paq.push(['trackPageView']);")?;
    let site_id = format!("_paq.push(['setSiteId', '{}']);", input.site_id);
    if !tag.contains(&site_id)
        || tag.contains("enableCrossDomainLinking")
        || tag.contains("setUserId")
    {
        return None;
    }
    let mut missing = String::new();
    if cookies_off(input) && !tag.contains("disableCookies") {
        missing.push_str("  _paq.push(['disableCookies']);\n");
    }
    let domains = domains(&input.site_urls);
    if !domains.is_empty() && !tag.contains("setDomains") {
        missing.push_str(&format!(
            "  _paq.push(['setDomains', {}]);\n",
            js_array(&domains, js_single)
        ));
    }
    if input.do_not_track && !tag.contains("setDoNotTrack") {
        missing.push_str("  _paq.push(['setDoNotTrack', true]);\n");
    }
    let line_start = tag[..track].rfind('\n').map_or(0, |i| i + 1);
    let mut out = String::from(
        "<!-- Matomo: tracking code from the instance (SitesManager.getJavascriptTag), kept exempt from consent (CNIL) by matoform.\n     Do not add setUserId or enableCrossDomainLinking. -->\n",
    );
    out.push_str(&tag[..line_start]);
    out.push_str(&missing);
    out.push_str(&tag[line_start..]);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("\n<!-- Matomo opt-out: put it on the privacy policy page, which must mention the audience measurement. -->\n");
    out.push_str(&opt_out_html(&input.matomo_url));
    Some(out)
}

/// `@socialgouv/matomo-next`.
///
/// Option names checked (search tool, 2026) against the package's README and its
/// `InitSettings` type (`src/types.ts`): `url`, `siteId` (a string), `disableCookies`,
/// `excludeUrlsPatterns` (RegExp[]), `onInitialization` (runs before the first
/// `trackPageView` is queued, see `src/init-pages-router.ts`); `push` is exported.
fn matomo_next(input: &SnippetInput) -> String {
    let mut out = String::from(
        "// @socialgouv/matomo-next: tracking kept exempt from consent (CNIL), generated by matoform.\n// Never push setUserId or enableCrossDomainLinking.\nimport { init, push } from \"@socialgouv/matomo-next\";\n\ninit({\n",
    );
    out.push_str(&format!("  url: {},\n", js(&bare_url(&input.matomo_url))));
    out.push_str(&format!("  siteId: {},\n", js(&input.site_id.to_string())));
    if cookies_off(input) {
        out.push_str("  disableCookies: true,\n");
    } else {
        out.push_str(
            "  // disableCookies is not needed: the instance forces cookieless tracking.\n",
        );
    }
    out.push_str(&format!(
        "  // Pages whose URL carries personal data are not tracked.\n  excludeUrlsPatterns: [/[?&]({})=/i],\n",
        crate::personal_data::TRACKER_EXCLUDED_URL_PARAMETERS.join("|")
    ));
    let domains = domains(&input.site_urls);
    if !domains.is_empty() || input.do_not_track {
        out.push_str("  onInitialization: () => {\n");
        if !domains.is_empty() {
            out.push_str(&format!(
                "    push([\"setDomains\", {}]);\n",
                js_array(&domains, js)
            ));
        }
        if input.do_not_track {
            out.push_str("    push([\"setDoNotTrack\", true]);\n");
        }
        out.push_str("  },\n");
    }
    out.push_str("});\n");
    out.push_str(&opt_out_comment(&input.matomo_url));
    out
}

/// `vue-matomo`.
///
/// Option names checked (search tool, 2026) against vue-matomo's README and source
/// (`src/index.js`): `host` (no trailing slash: `${host}/${trackerFileName}.js`),
/// `siteId`, `trackerFileName`, `disableCookies`, `domains` (pushed to `setDomains` as
/// is, so an array works), `enableLinkTracking`, `trackInitialView`, `preInitActions`
/// (instructions pushed before the first page view).
fn vue_matomo(input: &SnippetInput) -> String {
    let mut out = String::from(
        "// vue-matomo: tracking kept exempt from consent (CNIL), generated by matoform.\n// Never set userId, and never enable cross-domain linking.\nimport VueMatomo from \"vue-matomo\";\n\napp.use(VueMatomo, {\n",
    );
    out.push_str(&format!("  host: {},\n", js(&bare_url(&input.matomo_url))));
    out.push_str(&format!("  siteId: {},\n", input.site_id));
    out.push_str("  trackerFileName: \"matomo\",\n");
    if cookies_off(input) {
        out.push_str("  disableCookies: true,\n");
    } else {
        out.push_str(
            "  // disableCookies is not needed: the instance forces cookieless tracking.\n",
        );
    }
    let domains = domains(&input.site_urls);
    if !domains.is_empty() {
        out.push_str(&format!("  domains: {},\n", js_array(&domains, js)));
    }
    out.push_str("  enableLinkTracking: true,\n  trackInitialView: true,\n");
    if input.do_not_track {
        out.push_str("  preInitActions: [[\"setDoNotTrack\", true]],\n");
    }
    out.push_str("});\n");
    out.push_str(&opt_out_comment(&input.matomo_url));
    out
}

/// `@datapunt/matomo-tracker-react`.
///
/// Option names checked (search tool, 2026) against the package's README and
/// `MatomoTracker.enableTracking` (jonkoops/matomo-tracker): `urlBase`, `siteId`,
/// `linkTracking`, `configurations` — each entry becomes a `_paq` instruction, and an
/// array value is spread as arguments, hence `setDomains`' nested array.
fn matomo_tracker_react(input: &SnippetInput) -> String {
    let mut out = String::from(
        "// @datapunt/matomo-tracker-react: tracking kept exempt from consent (CNIL), generated by matoform.\n// Never set userId, and never enable cross-domain linking.\nimport { MatomoProvider, createInstance } from \"@datapunt/matomo-tracker-react\";\n\nconst instance = createInstance({\n",
    );
    out.push_str(&format!(
        "  urlBase: {},\n",
        js(&base_url(&input.matomo_url))
    ));
    out.push_str(&format!("  siteId: {},\n", input.site_id));
    out.push_str("  linkTracking: true,\n  configurations: {\n");
    if cookies_off(input) {
        out.push_str("    disableCookies: true,\n");
    } else {
        out.push_str(
            "    // disableCookies is not needed: the instance forces cookieless tracking.\n",
        );
    }
    let domains = domains(&input.site_urls);
    if !domains.is_empty() {
        out.push_str(&format!("    setDomains: [{}],\n", js_array(&domains, js)));
    }
    if input.do_not_track {
        out.push_str("    setDoNotTrack: true,\n");
    }
    out.push_str("  },\n});\n\n// Wrap the application: <MatomoProvider value={instance}>…</MatomoProvider>\n");
    out.push_str(&opt_out_comment(&input.matomo_url));
    out
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn input() -> SnippetInput {
        SnippetInput {
            matomo_url: "https://stats.example.org".into(),
            site_id: 3,
            site_urls: vec![
                "https://blog.example.org".into(),
                "https://blog.example.org/fr".into(),
                "http://www.blog.example.org".into(),
            ],
            force_cookieless: None,
            do_not_track: true,
        }
    }

    const OPT_OUT: &str = "<div id=\"matomo-opt-out\"></div>\n<script src=\"https://stats.example.org/index.php?module=CoreAdminHome&action=optOutJS&divId=matomo-opt-out&language=auto&showIntro=1\"></script>\n";

    #[test]
    fn opt_out_has_the_form_matomo_answers() {
        // CoreAdminHome.getOptOutJSEmbedCode__no_token (5.0.2) with applyStyling=0, showIntro=0:
        let recorded = "<div id=\"matomo-opt-out\"></div>\n<script src=\"http://127.0.0.1:8080/index.php?module=CoreAdminHome&action=optOutJS&divId=matomo-opt-out&language=auto&showIntro=0\"></script>";
        let ours = opt_out_html("http://127.0.0.1:8080");
        assert_eq!(
            ours.trim_end().replace("showIntro=1", "showIntro=0"),
            recorded
        );
        assert_eq!(opt_out_html("https://stats.example.org/"), OPT_OUT);
    }

    /// `SitesManager.getJavascriptTag__site1` (5.0.2), as recorded (no options).
    const RECORDED_TAG: &str = "<!-- Matomo -->\n<script>\n  var _paq = window._paq = window._paq || [];\n  /* tracker methods like \"setCustomDimension\" should be called before \"trackPageView\" */\n  _paq.push(['trackPageView']);\n  _paq.push(['enableLinkTracking']);\n  (function() {\n    var u=\"//127.0.0.1:8080/\";\n    _paq.push(['setTrackerUrl', u+'matomo.php']);\n    _paq.push(['setSiteId', '1']);\n    var d=document, g=d.createElement('script'), s=d.getElementsByTagName('script')[0];\n    g.async=true; g.src=u+'matomo.js'; s.parentNode.insertBefore(g,s);\n  })();\n</script>\n<!-- End Matomo Code -->\n";

    #[test]
    fn instance_code_gets_the_missing_instructions_before_track_page_view() {
        let input = SnippetInput {
            site_id: 1,
            ..input()
        };
        let out = html_from_instance(RECORDED_TAG, &input).expect("usable");
        let expected = format!(
            "<!-- Matomo: tracking code from the instance (SitesManager.getJavascriptTag), kept exempt from consent (CNIL) by matoform.\n     Do not add setUserId or enableCrossDomainLinking. -->\n{}",
            RECORDED_TAG.replace(
                "  _paq.push(['trackPageView']);\n",
                "  _paq.push(['disableCookies']);\n  _paq.push(['setDomains', ['blog.example.org', '*.blog.example.org']]);\n  _paq.push(['setDoNotTrack', true]);\n  _paq.push(['trackPageView']);\n"
            )
        ) + "\n<!-- Matomo opt-out: put it on the privacy policy page, which must mention the audience measurement. -->\n" + OPT_OUT;
        assert_eq!(out, expected);
    }

    #[test]
    fn instance_code_keeps_what_it_has_and_respects_forced_cookieless() {
        let tag = RECORDED_TAG.replace(
            "  _paq.push(['trackPageView']);\n",
            "  _paq.push([\"setDomains\", [\"*.blog.example.org\"]]);\n  _paq.push([\"setDoNotTrack\", true]);\n  _paq.push(['trackPageView']);\n",
        );
        let input = SnippetInput {
            site_id: 1,
            force_cookieless: Some(true),
            ..input()
        };
        let out = html_from_instance(&tag, &input).expect("usable");
        assert!(out.contains(&tag), "{out}");
        assert!(!out.contains("disableCookies"), "{out}");
    }

    #[test]
    fn instance_code_is_refused_when_not_compliant_or_not_for_the_site() {
        let input = SnippetInput {
            site_id: 1,
            ..input()
        };
        let cross = RECORDED_TAG.replace(
            "  _paq.push(['trackPageView']);\n",
            "  _paq.push([\"enableCrossDomainLinking\"]);\n  _paq.push(['trackPageView']);\n",
        );
        assert_eq!(html_from_instance(&cross, &input), None);
        assert_eq!(html_from_instance("<p>maintenance</p>", &input), None);
        let other = SnippetInput {
            site_id: 2,
            ..input
        };
        assert_eq!(html_from_instance(RECORDED_TAG, &other), None);
    }

    #[test]
    fn html_is_exact() {
        let expected = "\
<!-- Matomo: tracking code kept exempt from consent (CNIL), generated by matoform.
     Do not add setUserId or enableCrossDomainLinking. -->
<script>
  var _paq = window._paq = window._paq || [];
  _paq.push(['disableCookies']);
  _paq.push(['setDomains', ['blog.example.org', '*.blog.example.org']]);
  _paq.push(['setDoNotTrack', true]);
  _paq.push(['trackPageView']);
  _paq.push(['enableLinkTracking']);
  (function() {
    var u=\"https://stats.example.org/\";
    _paq.push(['setTrackerUrl', u+'matomo.php']);
    _paq.push(['setSiteId', '3']);
    var d=document, g=d.createElement('script'), s=d.getElementsByTagName('script')[0];
    g.async=true; g.src=u+'matomo.js'; s.parentNode.insertBefore(g,s);
  })();
</script>
<!-- End Matomo Code -->

<!-- Matomo opt-out: put it on the privacy policy page, which must mention the audience measurement. -->
"
        .to_owned()
            + OPT_OUT;
        assert_eq!(snippet(Flavour::Html, &input()), expected);
    }

    #[test]
    fn html_leaves_cookies_to_a_cookieless_instance() {
        let out = snippet(
            Flavour::Html,
            &SnippetInput {
                force_cookieless: Some(true),
                do_not_track: false,
                ..input()
            },
        );
        assert!(!out.contains("['disableCookies']"));
        assert!(out.contains("no disableCookies: the instance forces cookieless tracking"));
        assert!(!out.contains("setDoNotTrack"));
        // A cookieless instance that is not known to be so keeps disableCookies.
        let out = snippet(
            Flavour::Html,
            &SnippetInput {
                force_cookieless: Some(false),
                ..input()
            },
        );
        assert!(out.contains("_paq.push(['disableCookies']);"));
    }

    #[test]
    fn no_flavour_sets_a_user_id_or_cross_domain_linking() {
        for flavour in [
            Flavour::Html,
            Flavour::MatomoNext,
            Flavour::VueMatomo,
            Flavour::MatomoTrackerReact,
        ] {
            let out = snippet(flavour, &input());
            let code: String = out
                .lines()
                .filter(|l| {
                    !l.trim_start().starts_with("//")
                        && !l.contains("<!--")
                        && !l.contains("Do not add")
                })
                .collect();
            assert!(!code.contains("setUserId"), "{flavour:?}");
            assert!(!code.contains("userId"), "{flavour:?}");
            assert!(!code.contains("enableCrossDomainLinking"), "{flavour:?}");
            assert!(
                out.contains("matomo-opt-out"),
                "{flavour:?} has the opt-out"
            );
        }
    }

    #[test]
    fn matomo_next_options() {
        let out = snippet(Flavour::MatomoNext, &input());
        for expected in [
            "import { init, push } from \"@socialgouv/matomo-next\";",
            "  url: \"https://stats.example.org\",",
            "  siteId: \"3\",",
            "  disableCookies: true,",
            "  excludeUrlsPatterns: [/[?&](email|mail|name|firstname|lastname|phone|tel|token|password|user|username|login)=/i],",
            "    push([\"setDomains\", [\"blog.example.org\", \"*.blog.example.org\"]]);",
            "    push([\"setDoNotTrack\", true]);",
            "// <div id=\"matomo-opt-out\"></div>",
        ] {
            assert!(
                out.lines().any(|l| l == expected),
                "missing {expected}\n{out}"
            );
        }
    }

    #[test]
    fn vue_matomo_options() {
        let out = snippet(Flavour::VueMatomo, &input());
        for expected in [
            "app.use(VueMatomo, {",
            "  host: \"https://stats.example.org\",",
            "  siteId: 3,",
            "  disableCookies: true,",
            "  domains: [\"blog.example.org\", \"*.blog.example.org\"],",
            "  preInitActions: [[\"setDoNotTrack\", true]],",
        ] {
            assert!(
                out.lines().any(|l| l == expected),
                "missing {expected}\n{out}"
            );
        }
    }

    #[test]
    fn matomo_tracker_react_options() {
        let out = snippet(
            Flavour::MatomoTrackerReact,
            &SnippetInput {
                matomo_url: "https://stats.example.org/matomo/".into(),
                ..input()
            },
        );
        for expected in [
            "const instance = createInstance({",
            "  urlBase: \"https://stats.example.org/matomo/\",",
            "  siteId: 3,",
            "  configurations: {",
            "    disableCookies: true,",
            "    setDomains: [[\"blog.example.org\", \"*.blog.example.org\"]],",
            "    setDoNotTrack: true,",
        ] {
            assert!(
                out.lines().any(|l| l == expected),
                "missing {expected}\n{out}"
            );
        }
        let cookieless = snippet(
            Flavour::MatomoTrackerReact,
            &SnippetInput {
                force_cookieless: Some(true),
                ..input()
            },
        );
        assert!(!cookieless.contains("disableCookies: true"));
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(js("a\"b</script>"), "\"a\\\"b<\\/script>\"");
        assert_eq!(js_single("it's <x>"), "'it\\'s \\x3Cx>'");
    }
}
