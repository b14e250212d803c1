//! Rendering: pure functions of a [`Plan`] (and of an audit report) to text, JSON,
//! Markdown and chat messages. Renderers decide nothing; they show what the plan holds.

pub mod chat;
pub mod findings;
pub mod json;
pub mod markdown;
pub mod text;
mod view;

pub use chat::chat;
pub use findings::FindingsMode;
pub use json::json;
pub use markdown::markdown;
pub use text::text;

/// How a plan is shown, whatever the format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// ANSI colours (text only).
    pub color: bool,
    /// How policy findings are shown (text, Markdown, chat).
    pub findings: FindingsMode,
    /// Upper bound of the output's length (Markdown, chat), counted in bytes, so that
    /// it bounds characters too; `None`: the format's default.
    pub max_chars: Option<usize>,
    /// A first line (chat).
    pub title: Option<String>,
}

/// `1 site`, `2 sites`: a count with its noun.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
