//! Who is calling: sign-in, access and refresh tokens, roles and scopes, and the
//! brute-force limit on sign-in.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod http;
pub mod model;
pub mod password;
pub mod principal;
pub mod tokens;

pub use principal::{Permission, Principal, Role, Scope, Viewer};

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::login)
        .service(http::refresh)
        .service(http::logout)
        .service(http::me)
        .service(http::change_password);
}
