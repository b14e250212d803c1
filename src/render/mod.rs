//! Rendering: pure functions of a [`Plan`] (and of an audit report) to text, JSON
//! and Markdown. Renderers decide nothing; they show what the plan holds.

pub mod json;
pub mod markdown;
pub mod text;
mod view;

pub use json::json;
pub use markdown::markdown;
pub use text::text;
