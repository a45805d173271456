//! News sources ("Nguồn tin"): who an article comes from.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod http;
pub mod model;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::list_sources)
        .service(http::create_source)
        .service(http::get_source)
        .service(http::replace_source)
        .service(http::update_source)
        .service(http::delete_source);
}
