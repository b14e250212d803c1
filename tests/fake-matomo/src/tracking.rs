//! Tracked visits: hits recorded into the state the way Matomo's tracker stores them
//! (excluded query parameters stripped, site searches detected, hits grouped into visits by
//! visitor), for the reports of `api/` (Actions, Events, UserId, CustomDimensions, Live).
//!
//! A test tracks with [`State::track`] (or `FakeMatomo::track`); a [`Hit`] has the fields of
//! `lib/track.py`'s hits file, so a line of such a file parses into one with `serde_json`.
//! The fake has no clock: every hit counts for any `period`/`date` a report is asked for, and
//! a hit joins the last visit of its visitor on the site unless `new_visit` is set.

use crate::php::urldecode;
use crate::state::{DEFAULT_SEARCH_KEYWORDS, Site, State};
use serde::{Deserialize, Serialize};
use serde_json::Value as J;
use std::collections::BTreeMap;

/// One hit, with the fields of `lib/track.py`'s hits file (only `url` is required).
///
/// `time`, `ip`, `ua`, `lang` and `referrer` are accepted and not modelled. Of `params`, only
/// `_id`/`cid` (the visitor id, 16 hex digits) and `dimensionN` are read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hit {
    /// Page URL, absolute or a path starting with `/` (joined to the site's main URL).
    pub url: String,
    /// Page title (`action_name`).
    pub title: Option<String>,
    /// Site-search keyword (`search`): the hit is a site search if the site has site search on.
    pub search: Option<String>,
    /// Site-search category (`search_cat`).
    pub search_cat: Option<String>,
    /// Number of search results (`search_count`).
    pub search_count: Option<u64>,
    /// Event category (`e_c`): the hit is an event.
    pub event_category: Option<String>,
    /// Event action (`e_a`).
    pub event_action: Option<String>,
    /// Event name (`e_n`).
    pub event_name: Option<String>,
    /// Event value (`e_v`).
    pub event_value: Option<f64>,
    /// A file download (`download`), absolute or `/path`.
    pub download: Option<String>,
    /// An outlink (`link`).
    pub link: Option<String>,
    /// Custom dimension values by `idcustomdimension` (`dimensionID`); ids that are not an
    /// active dimension of the site are ignored, as Matomo does.
    #[serde(default)]
    pub dimensions: BTreeMap<u32, String>,
    /// User ID (`uid`); the visitor id is then derived from it.
    pub uid: Option<String>,
    /// Visitor label (default `visitor-1`); the visitor id is its SHA-1's first 16 hex digits.
    pub visitor: Option<String>,
    /// Force a new visit.
    #[serde(default)]
    pub new_visit: bool,
    /// Other Tracking API parameters.
    #[serde(default)]
    pub params: BTreeMap<String, J>,
    /// Not modelled.
    pub time: Option<J>,
    /// Not modelled.
    pub ip: Option<String>,
    /// Not modelled.
    pub ua: Option<String>,
    /// Not modelled.
    pub lang: Option<String>,
    /// Not modelled.
    pub referrer: Option<String>,
}

impl Hit {
    /// A page view of `url` titled `title`.
    pub fn page(url: &str, title: &str) -> Hit {
        Hit {
            url: url.into(),
            title: Some(title.into()),
            ..Hit::default()
        }
    }

    /// The same hit by the visitor labelled `visitor`.
    pub fn by(mut self, visitor: &str) -> Hit {
        self.visitor = Some(visitor.into());
        self
    }
}

/// One visit: a visitor's hits on one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// `idvisit` (shared numbering across sites).
    pub id: u32,
    /// `idvisitor`, 16 hex digits.
    pub visitor_id: String,
    /// The User ID, once a hit carried one.
    pub user_id: Option<String>,
    /// Visit-scope custom dimension values by `idcustomdimension` (the last value sent).
    #[serde(default)]
    pub dimensions: BTreeMap<u32, String>,
    /// The actions, in tracking order.
    pub actions: Vec<TrackedAction>,
}

/// One stored action of a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackedAction {
    /// What it was.
    pub kind: ActionKind,
    /// Action-scope custom dimension values by `idcustomdimension`.
    #[serde(default)]
    pub dimensions: BTreeMap<u32, String>,
}

/// The kinds of stored actions; URLs as stored (excluded parameters removed, host lower-cased).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ActionKind {
    /// A page view.
    Page {
        /// The page URL.
        url: String,
        /// The page title as sent (empty when none).
        title: String,
    },
    /// A site search (its URL is not kept).
    Search {
        /// The keyword.
        keyword: String,
        /// The category (empty when none).
        category: String,
        /// The number of results, when sent.
        count: Option<u64>,
    },
    /// An event.
    Event {
        /// The URL of the page it happened on.
        url: String,
        /// `e_c`
        category: String,
        /// `e_a`
        action: String,
        /// `e_n`, when sent.
        name: Option<String>,
        /// `e_v`, when sent.
        value: Option<f64>,
    },
    /// A file download.
    Download {
        /// The downloaded URL.
        url: String,
    },
    /// An outlink.
    Outlink {
        /// The clicked URL.
        url: String,
    },
}

/// `[Tracker] url_query_parameter_to_exclude_from_url` of Matomo's `global.ini.php`.
const URL_PARAMETERS_EXCLUDED: &str = "gclid,fbclid,msclkid,twclid,wbraid,gbraid,yclid,fb_xd_fragment,fb_comment_id,phpsessid,jsessionid,sessionid,aspsessionid,doing_wp_cron,sid,pk_vid";

/// Campaign name and keyword parameters (`campaign_var_name`, `campaign_keyword_var_name`),
/// also removed from tracked URLs.
const CAMPAIGN_PARAMETERS: &str = "pk_cpn,pk_campaign,piwik_campaign,mtm_campaign,matomo_campaign,utm_campaign,utm_source,utm_medium,pk_kwd,pk_keyword,piwik_kwd,mtm_kwd,mtm_keyword,matomo_kwd,utm_term";

impl State {
    /// Track one hit on `site`, applying the tracking rules the recordings show: the site's and
    /// the instance's excluded query parameters (with Matomo's session and campaign parameters)
    /// are removed from every URL, the URL fragment is dropped unless kept, a hit with a
    /// search keyword (or, on a site with site search on, a URL carrying one of the search
    /// parameters) becomes a site search. Fails for an unknown site or an empty URL.
    pub fn track(&mut self, site: u32, hit: &Hit) -> Result<(), String> {
        let Some(s) = self.sites.get(&site) else {
            return Err(format!(
                "site {site} does not exist in the fake; add it to the seed before tracking"
            ));
        };
        if hit.url.trim().is_empty() {
            return Err(format!("a hit on site {site} has no url; give it one"));
        }
        let main = s.urls.first().cloned().unwrap_or_default();
        let absolute = |u: &str| -> String {
            if u.starts_with('/') {
                format!("{}{u}", main.trim_end_matches('/'))
            } else {
                u.to_string()
            }
        };
        let excluded = self.tracking_excluded_parameters(site, s);
        let keep_fragment = match s.keep_url_fragment {
            1 => true,
            2 => false,
            _ => self.options.keep_url_fragments_global.unwrap_or(false),
        };
        let clean = |u: &str| clean_url(&absolute(u), &excluded, keep_fragment);
        let page_url = clean(&hit.url);
        let kind = if hit.event_category.is_some() || hit.event_action.is_some() {
            ActionKind::Event {
                url: page_url,
                category: hit.event_category.clone().unwrap_or_default(),
                action: hit.event_action.clone().unwrap_or_default(),
                name: hit.event_name.clone().filter(|n| !n.is_empty()),
                value: hit.event_value,
            }
        } else if let Some(d) = hit.download.as_deref().filter(|d| !d.is_empty()) {
            ActionKind::Download { url: clean(d) }
        } else if let Some(l) = hit.link.as_deref().filter(|l| !l.is_empty()) {
            ActionKind::Outlink { url: clean(l) }
        } else if let Some(kind) = self.site_search(s, hit, &absolute(&hit.url)) {
            kind
        } else {
            ActionKind::Page {
                url: page_url,
                title: hit.title.clone().unwrap_or_default(),
            }
        };

        let mut dims: BTreeMap<u32, String> = hit.dimensions.clone();
        for (k, v) in &hit.params {
            if let (Some(id), Some(v)) = (
                k.strip_prefix("dimension")
                    .and_then(|n| n.parse::<u32>().ok()),
                param_text(v),
            ) {
                dims.insert(id, v);
            }
        }
        let configured = self
            .custom_dimensions
            .get(&site)
            .cloned()
            .unwrap_or_default();
        let mut visit_dims = BTreeMap::new();
        let mut action_dims = BTreeMap::new();
        for (id, value) in dims.into_iter().filter(|(_, v)| !v.is_empty()) {
            match configured.iter().find(|d| d.id == id && d.active) {
                Some(d) if d.scope == "visit" => {
                    visit_dims.insert(id, value);
                }
                Some(d) if d.scope == "action" => {
                    action_dims.insert(id, value);
                }
                _ => {}
            }
        }

        let uid = hit.uid.clone().filter(|u| !u.is_empty());
        let visitor_id = match &uid {
            Some(u) => sha1_hex(u.as_bytes())[..16].to_string(),
            None => ["cid", "_id"]
                .iter()
                .filter_map(|k| hit.params.get(*k).and_then(param_text))
                .find(|v| v.len() == 16 && v.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(|v| v.to_ascii_lowercase())
                .unwrap_or_else(|| {
                    sha1_hex(hit.visitor.as_deref().unwrap_or("visitor-1").as_bytes())[..16]
                        .to_string()
                }),
        };
        let action = TrackedAction {
            kind,
            dimensions: action_dims,
        };
        let next_id = self.next_visit_id;
        let visits = self.visits.entry(site).or_default();
        let existing = if hit.new_visit {
            None
        } else {
            visits.iter_mut().rev().find(|v| v.visitor_id == visitor_id)
        };
        let visit = match existing {
            Some(v) => v,
            None => {
                self.next_visit_id += 1;
                visits.push(Visit {
                    id: next_id,
                    visitor_id,
                    user_id: None,
                    dimensions: BTreeMap::new(),
                    actions: Vec::new(),
                });
                let last = visits.len() - 1;
                &mut visits[last]
            }
        };
        if uid.is_some() {
            visit.user_id = uid;
        }
        visit.dimensions.extend(visit_dims);
        visit.actions.push(action);
        Ok(())
    }

    /// The tracked visits of `site`, oldest first.
    pub fn visits_of(&self, site: u32) -> &[Visit] {
        self.visits.get(&site).map_or(&[], Vec::as_slice)
    }

    /// The query parameters removed from the URLs tracked on `site` (lower case): Matomo's
    /// fixed ones, the site's, and the instance's (5.0.2: the global list; 5.7: the effective
    /// exclusion type). Regular-expression entries (`/…/`) are not applied by the fake.
    fn tracking_excluded_parameters(&self, id: u32, site: &Site) -> Vec<String> {
        let global: Vec<String> = if self.version.is_57() {
            self.effective_query_params(Some(id))
        } else {
            self.options
                .excluded_query_parameters_global
                .clone()
                .unwrap_or_default()
                .split(',')
                .map(String::from)
                .collect()
        };
        ["ignore_referrer", "ignore_referer"]
            .into_iter()
            .map(String::from)
            .chain(site.excluded_parameters.split(',').map(String::from))
            .chain(global)
            .chain(URL_PARAMETERS_EXCLUDED.split(',').map(String::from))
            .chain(CAMPAIGN_PARAMETERS.split(',').map(String::from))
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty() && !p.starts_with('/'))
            .collect()
    }

    /// `ActionSiteSearch::detectSiteSearch`: on a site with site search on, the hit's `search`
    /// keyword, or else the first keyword parameter of the URL (the site's list, or the
    /// instance's when the site has none) with its category parameter.
    fn site_search(&self, s: &Site, hit: &Hit, url: &str) -> Option<ActionKind> {
        if s.sitesearch != 1 {
            return None;
        }
        if let Some(keyword) = hit
            .search
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            return Some(ActionKind::Search {
                keyword: keyword.to_string(),
                category: hit.search_cat.clone().unwrap_or_default(),
                count: hit.search_count,
            });
        }
        let list = |site_list: &str, global: Option<&str>| -> Vec<String> {
            let raw = if site_list.trim().is_empty() {
                global.unwrap_or_default()
            } else {
                site_list
            };
            raw.split(',')
                .map(|p| p.trim().to_lowercase())
                .filter(|p| !p.is_empty())
                .collect()
        };
        let keywords = list(
            &s.sitesearch_keyword_parameters,
            Some(
                self.options
                    .search_keyword_parameters_global
                    .as_deref()
                    .unwrap_or(DEFAULT_SEARCH_KEYWORDS),
            ),
        );
        let categories = list(
            &s.sitesearch_category_parameters,
            self.options.search_category_parameters_global.as_deref(),
        );
        let query = url.split('#').next().unwrap_or_default();
        let query = query.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter_map(|part| {
                let (name, value) = part.split_once('=')?;
                Some((name.to_lowercase(), urldecode(value).trim().to_string()))
            })
            .collect();
        let find = |names: &[String]| {
            pairs
                .iter()
                .find(|(n, v)| names.contains(n) && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        let keyword = find(&keywords)?;
        Some(ActionKind::Search {
            keyword,
            category: find(&categories).unwrap_or_default(),
            count: None,
        })
    }
}

/// A parameter value as text (strings and numbers).
fn param_text(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(s.clone()),
        J::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `PageUrl::excludeQueryParametersFromUrl`, simplified: lower-case the host, drop the
/// excluded parameters (names compared in lower case; a repeated name keeps its first place
/// and its last value), drop the fragment unless kept.
fn clean_url(url: &str, excluded: &[String], keep_fragment: bool) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, f.trim_end_matches('#')),
        None => (url, ""),
    };
    let (before, query) = match base.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (base, None),
    };
    let mut out = match before.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            format!("{scheme}://{}{path}", host.to_lowercase())
        }
        None => before.to_string(),
    };
    let mut kept: Vec<(String, Option<String>)> = Vec::new();
    for part in query.unwrap_or_default().split('&') {
        let (name, value) = match part.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (part, None),
        };
        if name.is_empty() {
            continue;
        }
        let name = name.replace("%5B", "[").replace("%5D", "]");
        if excluded.contains(&name.to_lowercase()) {
            continue;
        }
        match kept.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => kept.push((name, value)),
        }
    }
    if !kept.is_empty() {
        out.push('?');
        let parts: Vec<String> = kept
            .into_iter()
            .map(|(n, v)| match v {
                Some(v) => format!("{n}={v}"),
                None => n,
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    if keep_fragment && !fragment.is_empty() {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// SHA-1 of `data` as 40 lower-case hex digits (Matomo's visitor id from a User ID, and
/// `track.py`'s from a visitor label, are its first 16).
pub fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in chunk.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{CustomDimension, Seed};

    #[test]
    fn sha1_matches_known_digests() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        // The visitor id Matomo derived from this User ID in the recordings (seq 2152).
        assert_eq!(
            &sha1_hex(b"jean.dupont@example.fr")[..16],
            "6939533aff1d36b9"
        );
    }

    #[test]
    fn excluded_parameters_are_removed_when_tracking() {
        let mut st = Seed::recorded();
        st.options.excluded_query_parameters_global = Some("Secret".into());
        let url = "https://SHOP.example.de/konto?sessionid=S1&utm_id=7&email=a%40b.c&secret=x&utm_source=n#top";
        st.track(2, &Hit::page(url, "Konto")).expect("tracked");
        let kind = &st.visits_of(2)[0].actions[0].kind;
        assert_eq!(
            kind,
            &ActionKind::Page {
                url: "https://shop.example.de/konto?email=a%40b.c".into(),
                title: "Konto".into()
            }
        );
    }

    #[test]
    fn search_parameters_make_a_site_search_only_where_site_search_is_on() {
        let mut st = Seed::recorded();
        // Site 2 searches with q/cat; site 3 has site search off.
        st.track(2, &Hit::page("/suche?q=jean%40x.fr&cat=Kunden", "Suche"))
            .expect("tracked");
        st.track(
            3,
            &Hit {
                search: Some("Marie".into()),
                ..Hit::page("/search", "Search")
            },
        )
        .expect("tracked");
        assert_eq!(
            st.visits_of(2)[0].actions[0].kind,
            ActionKind::Search {
                keyword: "jean@x.fr".into(),
                category: "Kunden".into(),
                count: None
            }
        );
        assert!(matches!(
            st.visits_of(3)[0].actions[0].kind,
            ActionKind::Page { .. }
        ));
    }

    #[test]
    fn visits_group_by_visitor_and_user_id_and_keep_active_dimensions_only() {
        let mut st = Seed::recorded();
        st.custom_dimensions.insert(
            1,
            vec![CustomDimension {
                id: 4,
                name: "Member".into(),
                index: 1,
                scope: "visit".into(),
                active: true,
                extractions: Vec::new(),
                case_sensitive: true,
            }],
        );
        let with_dims = Hit {
            dimensions: [(4, "m@x.fr".to_string()), (9, "ignored".to_string())]
                .into_iter()
                .collect(),
            ..Hit::page("/a", "A").by("v1")
        };
        st.track(1, &with_dims).expect("tracked");
        st.track(1, &Hit::page("/b", "B").by("v1"))
            .expect("tracked");
        st.track(
            1,
            &Hit {
                uid: Some("u@x.fr".into()),
                ..Hit::page("/c", "C").by("v1")
            },
        )
        .expect("tracked");
        let visits = st.visits_of(1);
        assert_eq!(visits.len(), 2);
        assert_eq!(visits[0].actions.len(), 2);
        assert_eq!(visits[0].visitor_id, &sha1_hex(b"v1")[..16]);
        assert_eq!(
            visits[0].dimensions,
            [(4, "m@x.fr".to_string())].into_iter().collect()
        );
        assert_eq!(visits[1].user_id.as_deref(), Some("u@x.fr"));
        assert!(st.track(999, &Hit::page("/", "x")).is_err());
    }
}
