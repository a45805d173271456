//! The media library: uploads checked and cleaned (type from the bytes, bounded decoding,
//! no metadata kept), responsive variants made on first request, and files in a
//! directory or an S3-compatible bucket, named by content hash.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod http;
pub mod jobs;
pub mod model;
pub mod processing;
pub mod store;
pub mod urls;

/// The routes under `/api/v1`, each registered with `.service` so that it is in the
/// OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::upload_media)
        .service(http::list_media)
        .service(http::get_media)
        .service(http::update_media)
        .service(http::delete_media);
}

/// The file routes, at `/media/...` beside the API.
pub fn file_routes(cfg: &mut ServiceConfig) {
    cfg.service(http::media_file).service(http::media_file_head);
}
