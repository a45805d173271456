//! RSS 2.0 and Atom feeds of the newest published articles, for the site and per category.

pub mod http;
pub mod xml;
