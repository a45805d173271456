//! News articles: writing, publication windows, and reading by id, slug or list.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod events;
pub mod input;
pub mod list;
pub mod model;
pub mod preview;
pub mod read;
pub mod response;
pub mod revisions;
pub mod rules;
pub mod schedule;
pub mod write;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    // Routes are tried in order, so the hot public reads come first; `/articles/top` must
    // precede `/articles/{id}`, which would take "top" for an id.
    cfg.service(read::top_articles)
        .service(read::get_article_by_slug)
        .service(read::get_article)
        .service(read::list_articles)
        .service(read::related_articles)
        .service(write::create_article)
        .service(write::replace_article)
        .service(write::update_article)
        .service(write::delete_article)
        .service(write::restore_article)
        .service(revisions::list_revisions)
        .service(revisions::get_revision)
        .service(revisions::diff_revision)
        .service(revisions::restore_revision)
        .service(preview::create_preview_link);
}
