//! Integrator API tokens: scoped, revocable bearer secrets made by admins.

pub mod http;
pub mod model;
