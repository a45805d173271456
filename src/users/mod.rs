//! Staff accounts: admins, editors and authors.

pub mod http;
pub mod model;
