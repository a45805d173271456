//! Free keywords on articles ("từ khóa").

use utoipa_actix_web::service_config::ServiceConfig;

pub mod http;
pub mod model;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::list_tags)
        .service(http::create_tag)
        .service(http::get_tag)
        .service(http::tag_articles)
        .service(http::rename_tag)
        .service(http::delete_tag);
}
