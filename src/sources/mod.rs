//! News sources ("Nguồn tin"): who an article comes from.

pub mod http;
pub mod model;
