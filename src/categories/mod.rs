//! Sections of the portal ("chuyên mục") that articles are filed under.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod http;
pub mod model;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::list_categories)
        .service(http::create_category)
        .service(http::get_category)
        .service(http::category_articles)
        .service(http::replace_category)
        .service(http::update_category)
        .service(http::delete_category);
}
