//! Who is calling: sign-in, access and refresh tokens, roles and scopes, and the
//! brute-force limit on sign-in.

pub mod http;
pub mod model;
pub mod password;
pub mod principal;
pub mod tokens;

pub use principal::{Permission, Principal, Role, Scope, Viewer};
