//! Integrator API tokens: scoped, revocable bearer secrets made by admins.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod http;
pub mod model;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::list_api_tokens)
        .service(http::create_api_token)
        .service(http::get_api_token)
        .service(http::revoke_api_token);
}
