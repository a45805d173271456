//! Readers' comments on articles: one level of replies, moderation in NukeViet's three
//! modes, abuse checks, and an exact `comment_count` on the article.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod blocklist;
pub mod http;
pub mod model;
pub mod text;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::list_comments)
        .service(http::post_comment)
        .service(http::moderation_queue)
        .service(http::moderate_comments)
        .service(http::moderate_comment)
        .service(http::react)
        .service(http::withdraw_reaction)
        .service(http::report)
        .service(http::delete_comment);
}
