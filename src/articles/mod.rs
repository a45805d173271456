//! News articles: writing, publication windows, and reading by id, slug or list.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod http;
pub mod input;
pub mod listing;
pub mod model;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    // Routes are tried in order, so the hot public reads come first; `/articles/top` must
    // precede `/articles/{id}`, which would take "top" for an id.
    cfg.service(http::top_articles)
        .service(http::get_article_by_slug)
        .service(http::get_article)
        .service(http::list_articles)
        .service(http::related_articles)
        .service(http::create_article)
        .service(http::replace_article)
        .service(http::update_article)
        .service(http::delete_article);
}
