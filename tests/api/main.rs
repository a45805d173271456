//! Integration tests: the real server on a free port, spoken to over HTTP, each test on
//! its own database (SQLite by default; PostgreSQL with NEWSDESK_TEST_DATABASE=postgres://...).

mod articles;
mod audit;
mod auth;
mod banners;
mod cli;
mod comments;
mod corpus;
mod editorial;
mod errors;
mod helpers;
mod layout;
mod lists;
mod media;
mod openapi;
mod ops;
mod ratings;
mod semantics;
mod sources;
mod stats;
mod webhooks;
