//! What may be shown of a URL, a transport error or an answer: the password of a URL's
//! `user:password@` part, its query string (where a token could hide) and every secret
//! matoform sends are replaced by `(redacted)` before any text reaches an error or a log.

use super::Secret;

/// A base URL as it may be shown in outputs, errors and plan files: the password of a
/// `user:password@` part and any query string or fragment (where a token could hide)
/// are left out. Works on text that does not parse as a URL too.
pub fn shown_url(url: &str) -> String {
    let url = url.trim();
    let (base, cut) = match url.find(['?', '#']) {
        Some(at) => (&url[..at], true),
        None => (url, false),
    };
    let after_scheme = base.find("://").map_or(0, |at| at + 3);
    let authority_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |at| after_scheme + at);
    let mut shown = match base[after_scheme..authority_end].rfind('@') {
        Some(at) => {
            let userinfo = &base[after_scheme..after_scheme + at];
            let user = userinfo.split(':').next().unwrap_or_default();
            let redacted = if userinfo.contains(':') {
                format!("{user}:(redacted)")
            } else {
                user.to_string()
            };
            format!(
                "{}{redacted}{}",
                &base[..after_scheme],
                &base[after_scheme + at..]
            )
        }
        None => base.to_string(),
    };
    if cut {
        shown.push_str("?(redacted)");
    }
    shown
}

/// `text` with the password of `url`'s `user:password@` part (as URLs display it,
/// percent-encoded) replaced by `(redacted)`.
pub(super) fn scrub_url_password(text: &str, url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return text.to_string();
    };
    let Some(password) = parsed.password().filter(|p| !p.is_empty()) else {
        return text.to_string();
    };
    text.replace(password, "(redacted)")
}

/// A transport error's text with its causes (the URL carries no token; the request
/// body, where the token and the password are, is never part of it).
pub(super) fn transport_detail(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `text` with each non-empty secret replaced by `(redacted)`.
pub(super) fn blank_secrets(text: &str, secrets: &[&Secret]) -> String {
    let mut text = text.to_string();
    for secret in secrets {
        if !secret.is_empty() {
            text = text.replace(secret.expose(), "(redacted)");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_url_leaves_out_passwords_and_query_strings() {
        assert_eq!(
            shown_url("https://stats.example.org/"),
            "https://stats.example.org/"
        );
        assert_eq!(
            shown_url(" https://ops:p%40ss@stats.example.org:8443/matomo/ "),
            "https://ops:(redacted)@stats.example.org:8443/matomo/"
        );
        assert_eq!(
            shown_url("https://ops@stats.example.org/"),
            "https://ops@stats.example.org/"
        );
        assert_eq!(
            shown_url("https://stats.example.org/?token_auth=abc#x"),
            "https://stats.example.org/?(redacted)"
        );
        assert_eq!(shown_url("stats?token_auth=abc"), "stats?(redacted)");
        assert_eq!(shown_url("a:b@stats/x@y"), "a:(redacted)@stats/x@y");
        assert_eq!(
            scrub_url_password(
                "for url (https://ops:p%40ss@h/index.php)",
                "https://ops:p%40ss@h/"
            ),
            "for url (https://ops:(redacted)@h/index.php)"
        );
    }

    #[test]
    fn secrets_are_blanked_and_empty_ones_ignored() {
        let token = Secret::new("abc123");
        let empty = Secret::new("");
        assert_eq!(
            blank_secrets("x abc123 y abc123", &[&token, &empty]),
            "x (redacted) y (redacted)"
        );
    }
}
