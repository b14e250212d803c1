//! Rendering: pure functions of a [`Plan`] (and of an audit report) to text, JSON
//! and Markdown. Renderers decide nothing; they show what the plan holds.

pub mod json;
pub mod markdown;
pub mod text;
mod view;

pub use json::json;
pub use markdown::markdown;
pub use text::text;

/// `1 site`, `2 sites`: a count with its noun.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
