//! Secrets (token, password): never printed.

use std::fmt;

/// A secret string (API token or password). `Debug` and `Display` print `(redacted)`;
/// the value is only reachable through [`Secret::expose`], used when building a request body.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret, trimming surrounding whitespace (token files end with a newline).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().trim().to_string())
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
        let secret = Secret::new("0123456789abcdef0123456789abcdef\n");
        assert_eq!(format!("{secret}"), "(redacted)");
        assert_eq!(format!("{secret:?}"), "(redacted)");
        assert_eq!(secret.expose(), "0123456789abcdef0123456789abcdef");
    }
}
