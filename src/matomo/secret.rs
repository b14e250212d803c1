//! Secrets (token, password): never printed.

use std::fmt;

/// A secret string (API token or password). `Debug` and `Display` print `(redacted)`;
/// the value is only reachable through [`Secret::expose`], used when building a request body.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret exactly as given: a password may begin or end with a space.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Wraps a token, surrounding whitespace removed: a token file ends with a newline,
    /// and an API token is hexadecimal, so no whitespace of it is lost. Never for a
    /// password (see [`Secret::new`]).
    pub fn token(value: &str) -> Self {
        Self(value.trim().to_string())
    }

    /// The secret value, for the request body only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let secret = Secret::token("0123456789abcdef0123456789abcdef\n");
        assert_eq!(format!("{secret}"), "(redacted)");
        assert_eq!(format!("{secret:?}"), "(redacted)");
        assert_eq!(secret.expose(), "0123456789abcdef0123456789abcdef");
    }

    #[test]
    fn a_password_is_kept_as_given_and_a_token_is_trimmed() {
        assert_eq!(Secret::new(" pass word ").expose(), " pass word ");
        assert_eq!(Secret::new("pw\n").expose(), "pw\n");
        assert!(!Secret::new(" ").is_empty());
        assert_eq!(Secret::token(" \tabc123\r\n").expose(), "abc123");
        assert!(Secret::token("\n").is_empty());
    }
}
