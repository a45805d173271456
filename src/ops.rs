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
    /// The read replicas (`NEWSDESK_REPLICA_URLS`), left out when there are none. A replica
    /// that is down or lagging leaves the process ready: its reads go to the primary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<ReplicaHealth>,
}

/// One read replica, as last checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplicaHealth {
    /// `host:port/database`.
    #[schema(example = "db-replica-1:5432/newsdesk")]
    pub name: String,
    /// `healthy` (serving reads), `lagging` (further behind than `NEWSDESK_REPLICA_MAX_LAG`),
    /// `down` (not answering) or `starting` (not checked yet).
    #[schema(example = "healthy")]
    pub state: &'static str,
    /// How far behind the primary it was, at most.
    pub lag_seconds: Option<f64>,
    /// Why it is down.
    pub problem: Option<String>,
    /// Reads it has answered.
    pub reads: u64,
}

/// The process is alive.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: state.db.target().backend_name(),
        version: env!("CARGO_PKG_VERSION"),
        replicas: Vec::new(),
    })
}

/// The database is reachable and every migration is applied; each read replica's state.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Ready", body = Health), Unavailable))]
#[get("/readyz")]
pub async fn readyz(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    actix_web::web::block(move || db.is_ready())
        .await?
        .map_err(|cause| ApiError::Unavailable(format!("not ready: {cause}")))?;
    let replicas = state.db.replicas().map(|r| r.figures()).unwrap_or_default();
    Ok(HttpResponse::Ok().json(Health {
        status: "ready",
        database: state.db.target().backend_name(),
        version: env!("CARGO_PKG_VERSION"),
        replicas: replicas
            .into_iter()
            .map(|r| ReplicaHealth {
                name: r.name,
                state: r.status.state.as_str(),
                lag_seconds: r.status.lag.map(|lag| lag.as_secs_f64()),
                problem: r.status.problem,
                reads: r.reads,
            })
            .collect(),
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
        state.content_changes.newest(),
    ))
}
