//! News articles: writing, publication windows, and reading by id, slug or list.

pub mod http;
pub mod input;
pub mod listing;
pub mod model;
