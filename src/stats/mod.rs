//! Visit statistics: hits counted in memory and written in batches, online presence,
//! counters per period in the site time zone, breakdowns and most-viewed articles.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod classify;
pub mod collector;
pub mod http;
pub mod model;
pub mod periods;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    // The hit path is the hottest write: first.
    cfg.service(http::record_hit)
        .service(http::summary)
        .service(http::series)
        .service(http::breakdown)
        .service(http::list_counters)
        .service(http::get_counter)
        .service(http::set_counter)
        .service(http::purge);
}
