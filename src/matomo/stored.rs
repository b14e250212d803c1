//! What Matomo stores when it is sent a value (its save rules), one function
//! per kind of field, so a plan compares the configuration as Matomo would hold it with
//! the live value ("diff suppress" in Terraform's words). Found on real Matomo 5.0.2 and
//! 5.7 by the acceptance suite (`tests/real/`); the fake Matomo applies the same rules.

use std::collections::BTreeSet;

/// PHP's `trim()` characters: Matomo trims names, groups, list entries with it (a
/// no-break space is kept).
fn php_trim(value: &str) -> &str {
    value.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B'])
}

/// A site name or group as stored: blanks around it trimmed.
pub fn text(value: &str) -> String {
    php_trim(value).to_string()
}

/// A site URL as stored: trimmed, one trailing `/` dropped (SitesManager's
/// `removeTrailingSlash`, for URLs longer than 5 characters).
pub fn url(value: &str) -> String {
    let url = php_trim(value);
    match url.strip_suffix('/') {
        Some(stripped) if url.len() > 5 => stripped.to_string(),
        _ => url.to_string(),
    }
}

/// A site's URLs as stored: the main URL first, then the aliases without duplicates or
/// the main URL. Matomo answers aliases in its own order (the order of its `site_url`
/// table), so the live order is kept when the aliases are the same set.
pub fn urls(live: &[String], desired: &[String]) -> Vec<String> {
    let Some(main) = desired.first().map(|u| url(u)) else {
        return Vec::new();
    };
    let mut seen = BTreeSet::from([main.clone()]);
    let mut out = vec![main.clone()];
    out.extend(
        desired
            .iter()
            .skip(1)
            .map(|u| url(u))
            .filter(|u| !u.is_empty() && seen.insert(u.clone())),
    );
    let live_main = live.first().map(|u| url(u));
    let live_aliases: BTreeSet<String> = live.iter().skip(1).map(|u| url(u)).collect();
    let desired_aliases: BTreeSet<String> = out.iter().skip(1).cloned().collect();
    if live_main.as_deref() == Some(main.as_str()) && live_aliases == desired_aliases {
        live.to_vec()
    } else {
        out
    }
}

/// A list Matomo stores comma-separated (exclusions, search parameters) as stored: each
/// entry split on commas, trimmed, empty ones and duplicates dropped. Matomo ignores the
/// order, so the live order is kept when the sets are equal.
pub fn list(live: &[String], desired: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let desired: Vec<String> = desired
        .iter()
        .flat_map(|entry| entry.split(','))
        .map(|s| php_trim(s).to_string())
        .filter(|s| !s.is_empty() && seen.insert(s.clone()))
        .collect();
    let clean_live: Vec<String> = live
        .iter()
        .map(|s| php_trim(s).to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let as_set = |items: &[String]| items.iter().cloned().collect::<BTreeSet<_>>();
    if as_set(&clean_live) == as_set(&desired) {
        clean_live
    } else {
        desired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn urls_drop_one_trailing_slash_and_keep_the_live_alias_order() {
        let live = strings(&["https://a.org", "https://c.org", "https://b.org"]);
        let desired = strings(&[
            "https://a.org/",
            "https://b.org/",
            "https://c.org",
            "https://b.org",
        ]);
        assert_eq!(urls(&live, &desired), live);
        let other_main = strings(&["https://c.org/", "https://a.org"]);
        assert_eq!(
            urls(&live, &other_main),
            strings(&["https://c.org", "https://a.org"])
        );
        assert_eq!(url("http:/"), "http:");
        assert_eq!(url("https://x.org//"), "https://x.org/");
    }

    #[test]
    fn lists_split_on_commas_trim_and_drop_duplicates() {
        let desired = strings(&["email,nom", " token ", "", "nom"]);
        assert_eq!(list(&[], &desired), strings(&["email", "nom", "token"]));
        let live = strings(&["token", "nom", "email"]);
        assert_eq!(list(&live, &desired), live);
    }

    #[test]
    fn names_lose_ascii_blanks_only() {
        assert_eq!(text("  Démarche \t"), "Démarche");
        assert_eq!(text("\u{a0}Nom\u{a0}"), "\u{a0}Nom\u{a0}");
    }
}
