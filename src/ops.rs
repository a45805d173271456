//! Probes for orchestrators: `/healthz` (the process answers) and `/readyz` (the database
//! answers and its schema is current).

use actix_web::web::Data;
use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::error::responses::Unavailable;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    /// `sqlite` or `postgresql`.
    pub database: &'static str,
    pub version: &'static str,
}

/// The process is alive.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: state.db.target().backend_name(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The database is reachable and every migration is applied.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Ready", body = Health), Unavailable))]
#[get("/readyz")]
pub async fn readyz(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    actix_web::web::block(move || db.is_ready())
        .await?
        .map_err(|cause| ApiError::Unavailable(format!("not ready: {cause}")))?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready",
        database: state.db.target().backend_name(),
        version: env!("CARGO_PKG_VERSION"),
    }))
}

/// Prometheus metrics: request duration histograms by route template, method and status
/// class; database pool connections, use and waits; response cache hits and misses; the
/// statistics hit buffer and flushes.
#[utoipa::path(
    tag = "ops",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render(
        &state.db,
        &state.stats,
        &state.responses,
    ))
}
