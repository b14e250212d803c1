//! `Actions`: page URLs, page titles, site-search keywords and categories, outlinks and
//! downloads, counted from the tracked visits, in the shapes the recordings show (flat rows
//! with `url`, `Actions_*` and a `segment`; hierarchical rows with folders and
//! `idsubdatatable`, and their `subtable` with `expanded=1`).

use super::report::{Metrics, Rows, number_subtables, segment1, segment2, sort_rows};
use super::{Call, R, no_method};
use crate::php::{htmlspecialchars, urldecode, urlencode};
use crate::tracking::ActionKind;
use serde_json::{Map, Value as J, json};
use std::collections::BTreeMap;

/// `General_NotDefined` of `Actions_ColumnPageName`.
const PAGE_NAME_NOT_DEFINED: &str = "Page Name not defined";

/// Matomo's limit on URL category levels (`action_category_level_limit`).
const CATEGORY_LEVELS: usize = 10;

impl Call<'_> {
    /// The `Actions` methods.
    pub(super) fn actions(&mut self, action: &str) -> R {
        let rows = match action {
            "getPageUrls" => self.page_urls()?,
            "getPageTitles" => self.page_titles()?,
            "getSiteSearchKeywords" => self.search_rows(false)?,
            "getSiteSearchCategories" => self.search_rows(true)?,
            "getOutlinks" => self.link_rows(false)?,
            "getDownloads" => self.link_rows(true)?,
            _ => return Err(no_method("Actions", action)),
        };
        Ok(J::Array(self.offset(rows)))
    }

    /// `Actions.getPageUrls`: flat rows of whole paths, or the path hierarchy.
    fn page_urls(&self) -> Result<Vec<J>, super::Fail> {
        let site = self.report_site()?;
        let flat = self.flag("flat");
        let mut rows = Rows::default();
        let mut tree = Folder::default();
        for visit in self.visits(site) {
            for a in &visit.actions {
                let ActionKind::Page { url, .. } = &a.kind else {
                    continue;
                };
                let parts = UrlParts::of(url);
                let path = parts.path_or_root();
                if flat {
                    rows.hit(&path, visit, || {
                        let mut f = Map::new();
                        f.insert("url".into(), json!(url));
                        f.insert("Actions_PageUrl".into(), json!(path));
                        f.insert("segment".into(), segment2("pageUrl", "==", url));
                        (urldecode(&path), f)
                    });
                } else {
                    let (folders, leaf) = url_categories(&path);
                    let mut node = &mut tree;
                    let mut prefix = parts.base.to_string();
                    for name in folders {
                        prefix.push('/');
                        prefix.push_str(&name);
                        node = node.folder(&name, &prefix);
                    }
                    node.rows.hit(&leaf, visit, || {
                        let mut f = Map::new();
                        f.insert("url".into(), json!(url));
                        f.insert("segment".into(), segment2("pageUrl", "==", url));
                        (urldecode(&leaf), f)
                    });
                }
            }
        }
        let mut out = if flat {
            rows.into_json(Metrics::Hits, self.uniq())
        } else {
            tree.into_json("pageUrl=^", self.flag("expanded"), self.uniq())
        };
        sort_rows(&mut out);
        number_subtables(&mut out, &mut 1);
        Ok(out)
    }

    /// `Actions.getPageTitles` (titles are not split into categories: Matomo's default
    /// `action_title_category_delimiter` is empty); `Actions_PageTitle` in flat rows.
    fn page_titles(&self) -> Result<Vec<J>, super::Fail> {
        let site = self.report_site()?;
        let flat = self.flag("flat");
        let mut rows = Rows::default();
        for visit in self.visits(site) {
            for a in &visit.actions {
                let ActionKind::Page { title, .. } = &a.kind else {
                    continue;
                };
                let title = title.trim();
                rows.hit(title, visit, || {
                    let label = if title.is_empty() {
                        PAGE_NAME_NOT_DEFINED.to_string()
                    } else {
                        urldecode(title)
                    };
                    let mut f = Map::new();
                    if flat {
                        f.insert("Actions_PageTitle".into(), json!(title));
                    }
                    f.insert("segment".into(), segment2("pageTitle", "==", title));
                    (label, f)
                });
            }
        }
        Ok(rows.into_json(Metrics::Hits, self.uniq()))
    }

    /// `Actions.getSiteSearchKeywords` or, with `categories`, `getSiteSearchCategories`
    /// (searches without a category are not in the latter).
    fn search_rows(&self, categories: bool) -> Result<Vec<J>, super::Fail> {
        let site = self.report_site()?;
        let mut rows = Rows::default();
        for visit in self.visits(site) {
            for a in &visit.actions {
                let ActionKind::Search {
                    keyword, category, ..
                } = &a.kind
                else {
                    continue;
                };
                let (value, segment) = if categories {
                    (category, "siteSearchCategory")
                } else {
                    (keyword, "siteSearchKeyword")
                };
                if value.is_empty() {
                    continue;
                }
                rows.hit(value, visit, || {
                    let mut f = Map::new();
                    f.insert("segment".into(), segment1(segment, "==", value));
                    (value.clone(), f)
                });
            }
        }
        let metrics = if categories {
            Metrics::Categories
        } else {
            Metrics::Searches
        };
        Ok(rows.into_json(metrics, self.uniq()))
    }

    /// `Actions.getOutlinks` or, with `downloads`, `getDownloads`: flat rows of whole URLs
    /// (without scheme and `www.`), or one row per host.
    fn link_rows(&self, downloads: bool) -> Result<Vec<J>, super::Fail> {
        let site = self.report_site()?;
        let flat = self.flag("flat");
        let (field, segment) = if downloads {
            ("Actions_DownloadUrl", "downloadUrl")
        } else {
            ("Actions_ClickedUrl", "outlinkUrl")
        };
        let mut rows = Rows::default();
        let mut tree = Folder::default();
        for visit in self.visits(site) {
            for a in &visit.actions {
                let url = match &a.kind {
                    ActionKind::Download { url } if downloads => url,
                    ActionKind::Outlink { url } if !downloads => url,
                    _ => continue,
                };
                let parts = UrlParts::of(url);
                let path = parts.path_or_root();
                let name = format!("{}{path}", parts.host);
                // Matomo builds this segment from the stored, HTML-escaped URL.
                let seg = segment2(segment, "==", &htmlspecialchars(url));
                if flat {
                    rows.hit(&name, visit, || {
                        let mut f = Map::new();
                        f.insert("url".into(), json!(url));
                        f.insert(field.into(), json!(name));
                        f.insert("segment".into(), seg);
                        (urldecode(&name), f)
                    });
                } else {
                    let node = tree.folder(parts.host, "");
                    node.rows.hit(&path, visit, || {
                        let mut f = Map::new();
                        f.insert("url".into(), json!(url));
                        f.insert("segment".into(), seg);
                        (urldecode(&path), f)
                    });
                }
            }
        }
        let mut out = if flat {
            rows.into_json(Metrics::Hits, self.uniq())
        } else {
            tree.into_json("", self.flag("expanded"), self.uniq())
        };
        sort_rows(&mut out);
        number_subtables(&mut out, &mut 1);
        Ok(out)
    }
}

/// A stored URL cut as the reports use it.
struct UrlParts<'a> {
    /// Scheme, `www.` and host (`https://www.example.org`), the base of folder segments.
    base: &'a str,
    /// The host without `www.`.
    host: &'a str,
    /// What follows the host (path, query, fragment), possibly empty.
    rest: &'a str,
}

impl<'a> UrlParts<'a> {
    fn of(url: &'a str) -> UrlParts<'a> {
        let scheme_end = url.find("://").map_or(0, |i| i + 3);
        let host_start = if url[scheme_end..].starts_with("www.") {
            scheme_end + 4
        } else {
            scheme_end
        };
        let host_end = url[host_start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| host_start + i);
        UrlParts {
            base: &url[..host_end],
            host: &url[host_start..host_end],
            rest: &url[host_end..],
        }
    }

    /// The path and query as Matomo labels them: always starting with `/`.
    fn path_or_root(&self) -> String {
        if self.rest.starts_with('/') {
            self.rest.to_string()
        } else {
            format!("/{}", self.rest)
        }
    }
}

/// `ArchivingHelper::getActionExplodedNames` for a page URL: the folders, then the page
/// (`/name`; `/index` for a folder's own page).
fn url_categories(path: &str) -> (Vec<String>, String) {
    let mut name = path.trim_start_matches('/').to_string();
    if name.is_empty() || name.ends_with('/') {
        name.push_str("index");
    }
    let mut parts: Vec<String> = name
        .splitn(CATEGORY_LEVELS, '/')
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let leaf = parts.pop().unwrap_or_else(|| "index".into());
    (parts, format!("/{leaf}"))
}

/// A level of a hierarchical report: its own rows and its sub-folders (in first-seen order).
#[derive(Default)]
struct Folder {
    rows: Rows,
    folders: Vec<(String, String, Folder)>,
    index: BTreeMap<String, usize>,
}

impl Folder {
    /// The sub-folder `name` (created with its segment `prefix` the first time).
    fn folder(&mut self, name: &str, prefix: &str) -> &mut Folder {
        let i = match self.index.get(name) {
            Some(i) => *i,
            None => {
                self.folders
                    .push((name.to_string(), prefix.to_string(), Folder::default()));
                self.index.insert(name.to_string(), self.folders.len() - 1);
                self.folders.len() - 1
            }
        };
        &mut self.folders[i].2
    }

    /// The rows of this level: folder rows sum their children's `nb_visits` and `nb_hits`,
    /// carry `idsubdatatable`, a `segment` when `segment_op` is given, and with `expanded`
    /// their `subtable`; `uniq` as in [`Rows::into_json`].
    fn into_json(self, segment_op: &str, expanded: bool, uniq: bool) -> Vec<J> {
        let mut out = self.rows.into_json(Metrics::Hits, uniq);
        for (name, prefix, folder) in self.folders {
            let children = folder.into_json(segment_op, expanded, uniq);
            let sum = |k: &str| -> u64 {
                children
                    .iter()
                    .filter_map(|c| c.get(k).and_then(J::as_u64))
                    .sum()
            };
            let mut m = Map::new();
            m.insert("label".into(), json!(urldecode(&name)));
            m.insert("nb_visits".into(), json!(sum("nb_visits")));
            m.insert("nb_hits".into(), json!(sum("nb_hits")));
            if !segment_op.is_empty() {
                m.insert(
                    "segment".into(),
                    json!(format!("{segment_op}{}", urlencode(&urlencode(&prefix)))),
                );
            }
            m.insert("idsubdatatable".into(), json!(0));
            if expanded {
                m.insert("subtable".into(), J::Array(children));
            }
            out.push(J::Object(m));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_split_into_folders_as_matomo_names_them() {
        assert_eq!(url_categories("/"), (vec![], "/index".to_string()));
        assert_eq!(
            url_categories("/profil/jean@x.fr"),
            (vec!["profil".to_string()], "/jean@x.fr".to_string())
        );
        assert_eq!(
            url_categories("/?s=marie"),
            (vec![], "/?s=marie".to_string())
        );
        assert_eq!(
            url_categories("/a/b/"),
            (vec!["a".to_string(), "b".to_string()], "/index".to_string())
        );
    }

    #[test]
    fn url_parts_drop_scheme_and_www() {
        let p = UrlParts::of("https://www.example.org/a?b=1");
        assert_eq!(
            (p.base, p.host, p.rest),
            ("https://www.example.org", "example.org", "/a?b=1")
        );
        assert_eq!(UrlParts::of("https://example.org").path_or_root(), "/");
    }
}
