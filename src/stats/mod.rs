//! Visit statistics: hits counted in memory and written in batches, online presence,
//! counters per period in the site time zone, breakdowns and most-viewed articles.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod banners;
pub mod batch;
pub mod classify;
pub mod collector;
pub mod counters;
pub mod hits;
pub mod model;
pub mod periods;
pub mod reader;
pub mod reports;
pub mod summary;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    // The hit path is the hottest write: first.
    cfg.service(hits::record_hit)
        .service(summary::summary)
        .service(reports::series)
        .service(reports::breakdown)
        .service(counters::list_counters)
        .service(counters::get_counter)
        .service(counters::set_counter)
        .service(counters::purge);
}
