//! `GET /api/v1/stats/series` and `/stats/breakdown`: the figures of a statistics page
//! (staff or `stats:read`).

use actix_web::web::Data;
use actix_web::{HttpResponse, get};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, Metric, PAGE_VIEWS, VISITS};
use super::periods::{self, Granularity};
use crate::auth::{Permission, Principal};
use crate::error::ApiError;
use crate::error::responses::{BadRequest, Forbidden, Unauthorized, Unavailable};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::validation::Checks;

/// The most points one series answer holds.
const MAX_POINTS: usize = 2000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    pub metric: Metric,
    pub granularity: Granularity,
    /// Start: a local date (`2026-11-01`) or an RFC 3339 time. Default: 24 hours, 30
    /// days, 12 months or 5 years before `to`, by granularity.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}")]
    pub from: Option<String>,
    /// End (inclusive): a local date or an RFC 3339 time. Default: now.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}")]
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    /// The local period: `2026-11-27T14`, `2026-11-27`, `2026-11` or `2026`.
    pub period: String,
    pub value: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Series {
    #[schema(value_type = String, example = "visits")]
    pub metric: &'static str,
    #[schema(value_type = String, example = "day")]
    pub granularity: &'static str,
    pub time_zone: String,
    pub points: Vec<SeriesPoint>,
    /// Sum of the points.
    pub total: i64,
}

/// Parses a `from`/`to` bound into a local time: a date means its first moment
/// (`from`) or its last (`to`).
fn local_bound(
    field: &str,
    value: Option<&str>,
    end_of_day: bool,
    tz: chrono_tz::Tz,
    checks: &mut Checks,
) -> Option<NaiveDateTime> {
    let value = value?.trim();
    if let Ok(at) = DateTime::<FixedOffset>::parse_from_rfc3339(value) {
        return Some(tz.from_utc_datetime(&at.naive_utc()).naive_local());
    }
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(date) if end_of_day => date.and_hms_opt(23, 59, 59),
        Ok(date) => date.and_hms_opt(0, 0, 0),
        Err(_) => {
            checks.error(field, "must be a date (2026-11-27) or an RFC 3339 time");
            None
        }
    }
}

/// A metric over time, by hour, day, month or year (staff or `stats:read`).
#[utoipa::path(
    tag = "stats",
    params(SeriesQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The series", body = Series), BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[get("/stats/series")]
pub async fn series(
    state: Data<AppState>,
    principal: Principal,
    query: ApiQuery<SeriesQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ReadStats)?;
    let tz = state.stats.config().time_zone;
    let now = periods::local(state.stats.clock().now(), tz);
    let mut checks = Checks::new();
    let to = local_bound("to", query.to.as_deref(), true, tz, &mut checks).unwrap_or(now);
    let default_span = match query.granularity {
        Granularity::Hour => Duration::hours(23),
        Granularity::Day => Duration::days(29),
        Granularity::Month => Duration::days(334),
        Granularity::Year => Duration::days(4 * 366),
    };
    let from = local_bound("from", query.from.as_deref(), false, tz, &mut checks).unwrap_or(to - default_span);
    if from > to {
        checks.error("from", "must not be after to");
    }
    checks.finish()?;
    let names = periods::between(from, to, query.granularity, MAX_POINTS).ok_or_else(|| {
        ApiError::field("from", format!("the range holds more than {MAX_POINTS} periods; narrow it or coarsen it"))
    })?;
    let metric = query.metric.as_str();
    let wanted = names.clone();
    let values = state.db.read(move |conn| model::counters(conn, metric, &wanted)).await?;
    let points: Vec<SeriesPoint> = names
        .into_iter()
        .map(|period| SeriesPoint { value: values.get(&period).copied().unwrap_or(0), period })
        .collect();
    Ok(HttpResponse::Ok().json(Series {
        metric,
        granularity: match query.granularity {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::Month => "month",
            Granularity::Year => "year",
        },
        time_zone: tz.name().to_owned(),
        total: points.iter().map(|p| p.value).sum(),
        points,
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Bot,
    Browser,
    Os,
    Weekday,
    Hour,
    ReferrerHost,
    Country,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BreakdownQuery {
    pub dimension: Dimension,
    /// First local day (`2026-11-01`); default 29 days before `to`.
    pub from: Option<NaiveDate>,
    /// Last local day, inclusive; default today.
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BreakdownItem {
    /// The bot name, browser, OS, referrer host, country code, weekday (`monday`...) or
    /// hour (`00`...`23`).
    pub key: String,
    pub visits: i64,
    pub page_views: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Breakdown {
    pub dimension: Dimension,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub items: Vec<BreakdownItem>,
}

impl Dimension {
    fn as_str(self) -> &'static str {
        match self {
            Self::Bot => "bot",
            Self::Browser => "browser",
            Self::Os => "os",
            Self::Weekday => "weekday",
            Self::Hour => "hour",
            Self::ReferrerHost => "referrer_host",
            Self::Country => "country",
        }
    }
}

/// Visits and page views by bot, browser, OS, weekday, hour, referrer host or country
/// (staff or `stats:read`). Bots appear only under `bot`; the others count people.
#[utoipa::path(
    tag = "stats",
    params(BreakdownQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The breakdown", body = Breakdown), BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[get("/stats/breakdown")]
pub async fn breakdown(
    state: Data<AppState>,
    principal: Principal,
    query: ApiQuery<BreakdownQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ReadStats)?;
    let tz = state.stats.config().time_zone;
    let today = periods::local(state.stats.clock().now(), tz).date();
    let to = query.to.unwrap_or(today);
    let from = query.from.unwrap_or(to - Duration::days(29));
    if from > to {
        return Err(ApiError::field("from", "must not be after to"));
    }
    if (to - from).num_days() > 3660 {
        return Err(ApiError::field("from", "the range may span at most ten years"));
    }
    let dimension = query.dimension;
    let items = state
        .db
        .read(move |conn| match dimension {
            Dimension::Weekday | Dimension::Hour => by_time(conn, dimension, from, to),
            other => Ok(model::breakdown(conn, other.as_str(), &from.to_string(), &to.to_string())?
                .into_iter()
                .map(|(key, visits, page_views)| BreakdownItem { key, visits, page_views })
                .collect()),
        })
        .await?;
    Ok(HttpResponse::Ok().json(Breakdown { dimension, from, to, items }))
}

/// Weekday and hour breakdowns come from the hour counters.
fn by_time(
    conn: &mut crate::db::DbConnection,
    dimension: Dimension,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<BreakdownItem>, ApiError> {
    let (first, last) = (format!("{from}T00"), format!("{to}T23"));
    let keys: Vec<String> = match dimension {
        Dimension::Hour => (0..24).map(|h| format!("{h:02}")).collect(),
        _ => ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map(String::from).to_vec(),
    };
    let mut items: Vec<BreakdownItem> =
        keys.iter().map(|key| BreakdownItem { key: key.clone(), visits: 0, page_views: 0 }).collect();
    for (metric, is_visits) in [(VISITS, true), (PAGE_VIEWS, false)] {
        for (period, value) in model::hour_counters(conn, metric, &first, &last)? {
            let Some((hour, weekday)) = model::hour_and_weekday(&period) else { continue };
            let index = match dimension {
                Dimension::Hour => hour as usize,
                _ => weekday.num_days_from_monday() as usize,
            };
            let item = &mut items[index];
            if is_visits {
                item.visits += value;
            } else {
                item.page_views += value;
            }
        }
    }
    Ok(items)
}
