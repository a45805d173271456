//! Readers' ratings of articles: one per reader per article, exact aggregates, moderation.

pub mod http;
pub mod model;
