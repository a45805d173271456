//! RSS 2.0 and Atom feeds of the newest published articles, for the site and per category.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod http;
pub mod xml;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::site_feed).service(http::category_feed);
}
