//! Banner slots and banners: the "Liên kết" link block and the image banners around it,
//! read by the portal by slot key, with click URLs that redirect only to the stored target
//! and count clicks and impressions through the statistics collector.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod http;
pub mod model;
pub mod public;
pub mod slots;

/// The routes of this domain, each registered with `.service` so that it is in the
/// OpenAPI document. The public reads and the click path first.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(public::slot_by_key)
        .service(public::click)
        .service(public::impressions)
        .service(slots::list_slots)
        .service(slots::create_slot)
        .service(slots::get_slot)
        .service(slots::replace_slot)
        .service(slots::update_slot)
        .service(slots::delete_slot)
        .service(http::list_banners)
        .service(http::create_banner)
        .service(http::get_banner)
        .service(http::replace_banner)
        .service(http::update_banner)
        .service(http::delete_banner)
        .service(http::banner_stats);
}
