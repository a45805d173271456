//! newsdesk: a headless content API for news portals.

pub mod api_tokens;
pub mod articles;
pub mod auth;
pub mod categories;
pub mod client;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod html;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod pagination;
pub mod ratelimit;
pub mod ratings;
pub mod seed;
pub mod slug;
pub mod sources;
pub mod startup;
pub mod stats;
pub mod tags;
pub mod users;
pub mod validation;
