//! Staff accounts: admins, editors and authors.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod account;
pub mod http;
pub mod model;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::list_users)
        .service(http::create_user)
        .service(http::get_user)
        .service(http::update_user)
        .service(http::delete_user);
}
