//! Sections of the portal ("chuyên mục") that articles are filed under.

pub mod http;
pub mod model;
