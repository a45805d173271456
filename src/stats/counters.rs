//! `/api/v1/stats/counters` and `DELETE /api/v1/stats`: importing, correcting and
//! purging the figures (admins or `stats:write`).

use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, delete, get, put};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, Metric, PAGE_VIEWS, VISITS};
use super::periods;
use crate::audit::{Actor, Change, Origin};
use crate::auth::{Permission, Principal};
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::validation::Checks;

/// A counter's value.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Counter {
    #[schema(example = "visits")]
    pub metric: String,
    /// `total`, `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (site time zone).
    #[schema(example = "total")]
    pub period: String,
    #[schema(example = 1258395)]
    pub value: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterValue {
    /// The new value, from 0.
    #[schema(minimum = 0, example = 1258395)]
    pub value: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CounterListQuery {
    pub metric: Option<Metric>,
    /// Only periods starting with this, e.g. `2026` or `2026-11`.
    pub period: Option<String>,
}

fn check_counter_path(metric: &str, period: &str) -> Result<(), ApiError> {
    let mut checks = Checks::new();
    if metric != VISITS && metric != PAGE_VIEWS {
        checks.error("metric", "must be visits or page_views");
    }
    if !periods::is_settable(period) {
        checks.error("period", "must be total, YYYY, YYYY-MM or YYYY-MM-DD");
    }
    checks.finish()
}

/// The counters: visits and page views per year, month and day, and in total
/// (admins or `stats:write`).
#[utoipa::path(
    tag = "stats",
    params(CounterListQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The counters", body = Vec<Counter>), BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[get("/stats/counters")]
pub async fn list_counters(
    state: Data<AppState>,
    principal: Principal,
    query: ApiQuery<CounterListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteStats)?;
    let query = query.into_inner();
    if query
        .period
        .as_deref()
        .is_some_and(|p| p.len() > 10 || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(ApiError::field("period", "must be the start of a period, such as 2026 or 2026-11"));
    }
    let metric = query.metric.map(Metric::as_str);
    let rows = state.db.read(move |conn| model::list_counters(conn, metric, query.period.as_deref())).await?;
    let counters: Vec<Counter> =
        rows.into_iter().map(|(metric, period, value)| Counter { metric, period, value }).collect();
    Ok(HttpResponse::Ok().json(counters))
}

/// One counter.
#[utoipa::path(
    tag = "stats",
    params(("metric" = String, Path, description = "`visits` or `page_views`", pattern = "^(visits|page_views)$"),
           ("period" = String, Path, description = "`total`, `YYYY`, `YYYY-MM` or `YYYY-MM-DD`", pattern = "^(total|[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)$")),
    security(("bearer" = [])),
    responses((status = 200, description = "The counter (0 when never counted)", body = Counter),
              BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[get("/stats/counters/{metric}/{period}")]
pub async fn get_counter(
    state: Data<AppState>,
    principal: Principal,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteStats)?;
    let (metric, period) = path.into_inner();
    check_counter_path(&metric, &period)?;
    let (m, p) = (metric.clone(), period.clone());
    let value = state.db.read(move |conn| model::counter(conn, &m, &p)).await?;
    Ok(HttpResponse::Ok().json(Counter { metric, period, value }))
}

/// Set (import or correct) a counter. Counting goes on from the new value: import
/// 1,258,395 total visits and the next visit makes 1,258,396. Other periods are not
/// touched.
#[utoipa::path(
    tag = "stats",
    params(("metric" = String, Path, description = "`visits` or `page_views`", pattern = "^(visits|page_views)$"),
           ("period" = String, Path, description = "`total`, `YYYY`, `YYYY-MM` or `YYYY-MM-DD`", pattern = "^(total|[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)$")),
    request_body = CounterValue,
    security(("bearer" = [])),
    responses((status = 200, description = "The counter as set", body = Counter),
              BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[put("/stats/counters/{metric}/{period}")]
pub async fn set_counter(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    path: Path<(String, String)>,
    body: ApiJson<CounterValue>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteStats)?;
    let (metric, period) = path.into_inner();
    check_counter_path(&metric, &period)?;
    let value = body.0.value;
    if value < 0 {
        return Err(ApiError::field("value", "must not be negative"));
    }
    // Hits still in memory belong after the import, so write them first.
    state.stats.flush()?;
    let (m, p) = (metric.clone(), period.clone());
    let actor = Actor::new(&principal, origin);
    state
        .db
        .write(move |conn| {
            let before = model::counter(conn, &m, &p)?;
            model::set_counter(conn, &m, &p, value)?;
            Change::new("stats.counter_set", "stats", format!("{m}/{p}"))
                .fields(["value"])
                .details(serde_json::json!({ "before": before, "after": value }))
                .record(conn, &actor, crate::db::now())
        })
        .await?;
    Ok(HttpResponse::Ok().json(Counter { metric, period, value }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PurgeQuery {
    /// Delete detail of local days before this one (`2026-01-01`).
    pub before: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurgeReport {
    pub before: NaiveDate,
    pub hour_counters: usize,
    pub breakdown_rows: usize,
    pub article_view_rows: usize,
}

/// Delete old detail: hour counters, daily breakdowns and daily article views before a
/// day (admins or `stats:write`). Day, month, year and total counters stay.
#[utoipa::path(
    tag = "stats",
    params(PurgeQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "What was deleted", body = PurgeReport),
              BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[delete("/stats")]
pub async fn purge(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    query: ApiQuery<PurgeQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteStats)?;
    let before = query.before;
    let actor = Actor::new(&principal, origin);
    let purged = state
        .db
        .write(move |conn| {
            let purged = model::purge(conn, &before.to_string())?;
            Change::new("stats.purge", "stats", "detail")
                .details(serde_json::json!({
                    "before": before.to_string(),
                    "hour_counters": purged.hour_counters,
                    "breakdown_rows": purged.breakdown_rows,
                    "article_view_rows": purged.article_view_rows,
                }))
                .record(conn, &actor, crate::db::now())?;
            Ok(purged)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PurgeReport {
        before,
        hour_counters: purged.hour_counters,
        breakdown_rows: purged.breakdown_rows,
        article_view_rows: purged.article_view_rows,
    }))
}
