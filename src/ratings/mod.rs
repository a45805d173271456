//! Readers' ratings of articles: one per reader per article, exact aggregates, moderation.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod http;
pub mod model;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::rate_article)
        .service(http::rating_summary)
        .service(http::list_ratings)
        .service(http::delete_rating);
}
