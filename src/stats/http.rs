//! `/api/v1/stats`: hits in, and the figures of the "Thống kê truy cập" block and a
//! statistics page out.

use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::classify::{self, Agent};
use super::collector::{Hit, VisitorKind};
use super::model::{self, PAGE_VIEWS, VISITS};
use super::periods::{self, Granularity};
use crate::auth::{Permission, Principal};
use crate::caching::ResponseCache;
use crate::client;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::validation::{Checks, Lines, MAX_URL_LENGTH};

/// The most points one series answer holds.
const MAX_POINTS: usize = 2000;

/// One page view reported by a frontend.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HitInput {
    /// The page's path, starting with `/`.
    #[schema(
        example = "/tin-tuc/ket-qua-thuc-hien-phong-trao-thi-dua-dan-van-kheo",
        pattern = "^/\\S*$",
        max_length = 2048
    )]
    pub path: String,
    /// The article shown, for article pages.
    #[schema(minimum = 1)]
    pub article_id: Option<i64>,
    /// The page the reader came from (absolute http or https URL).
    #[schema(max_length = 2048, pattern = "^\\s*([Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*)?$")]
    pub referrer: Option<String>,
    /// The frontend's anonymous visitor id (or send `X-Visitor-Id`).
    #[schema(min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")]
    pub visitor_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HitAccepted {
    #[schema(example = "accepted")]
    pub status: &'static str,
}

/// Record a page view (public). It is counted in memory and written within a second;
/// the answer never waits for the database.
#[utoipa::path(
    tag = "stats",
    params(("X-Visitor-Id" = Option<String>, Header, description = "The reader's anonymous visitor id", min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")),
    request_body = HitInput,
    responses((status = 202, description = "Recorded", body = HitAccepted),
              BadRequest, PayloadTooLarge, UnsupportedMediaType)
)]
#[post("/stats/hits")]
pub async fn record_hit(
    state: Data<AppState>,
    req: HttpRequest,
    body: ApiJson<HitInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let mut checks = Checks::new();
    let path = checks.text("path", &input.path, MAX_URL_LENGTH, Lines::Single);
    if !path.starts_with('/') || path.contains(char::is_whitespace) {
        checks.error("path", "must be a path starting with / and without spaces");
    }
    let referrer = checks.optional_url("referrer", input.referrer.as_deref());
    if input.article_id.is_some_and(|id| id <= 0) {
        checks.error("article_id", "must be a positive id");
    }
    checks.finish()?;
    let visitor_id = client::visitor_id(&req, input.visitor_id.as_deref())?;

    let collector = &state.stats;
    let at = collector.clock().now();
    let user_agent = client::user_agent(&req);
    let ip = client::client_ip(&req, &state.settings.trusted_proxies).map(|ip| ip.to_string()).unwrap_or_default();
    // The key's salt changes every local day, so a key cannot be followed across days.
    let day = periods::day(at, collector.config().time_zone);
    let salt = client::keyed_hash(&state.address_secret, &["visitor salt", &day]);
    let visitor_key = match visitor_id {
        Some(id) => client::keyed_hash(&salt, &["visitor", id]),
        None => client::keyed_hash(&salt, &["client", &ip, user_agent]),
    };
    let (kind, dimensions) = match classify::classify(user_agent) {
        Agent::Bot { name } => (VisitorKind::Bot, vec![("bot", name)]),
        Agent::Browser { browser, os } => {
            let kind = if is_member(&req, &state) { VisitorKind::Member } else { VisitorKind::Guest };
            let referrer_host = referrer
                .as_deref()
                .and_then(|r| url::Url::parse(r).ok())
                .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_owned()))
                .unwrap_or_else(|| "(direct)".to_owned());
            let dims = vec![
                ("browser", browser),
                ("os", os),
                ("referrer_host", referrer_host),
                ("country", country(&req, &state)),
            ];
            (kind, dims)
        }
    };
    collector.record(Hit { at, visitor_key, kind, dimensions, article_id: input.article_id });
    Ok(HttpResponse::Accepted().json(HitAccepted { status: "accepted" }))
}

/// A reader signed in on the portal: the frontend forwards their access token. Only the
/// signature and expiry are checked here, so the hit path stays off the database.
fn is_member(req: &HttpRequest, state: &AppState) -> bool {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| state.keys.verify(token.trim()).is_ok())
}

/// The country a trusted proxy reports, as an ISO 3166 code; `unknown` otherwise.
fn country(req: &HttpRequest, state: &AppState) -> String {
    let from_trusted_proxy =
        req.peer_addr().is_some_and(|peer| state.settings.trusted_proxies.iter().any(|net| net.contains(&peer.ip())));
    state
        .settings
        .country_header
        .as_deref()
        .filter(|_| from_trusted_proxy)
        .and_then(|name| req.headers().get(name))
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_uppercase())
        .filter(|code| code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) && code != "XX")
        .unwrap_or_else(|| classify::UNKNOWN.to_owned())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Online {
    /// Visitors seen within the window: members + guests + bots ("Đang truy cập").
    pub total: i64,
    pub members: i64,
    /// People who are not signed in ("Khách viếng thăm").
    pub guests: i64,
    /// Search engines and other crawlers ("Máy chủ tìm kiếm").
    pub bots: i64,
    pub window_seconds: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitCounts {
    /// "Hôm nay", in the site time zone.
    pub today: i64,
    /// "Tháng hiện tại".
    pub this_month: i64,
    pub this_year: i64,
    /// "Tổng lượt truy cập".
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PageViewCounts {
    pub today: i64,
    pub total: i64,
}

/// Everything the "Thống kê truy cập" block shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsSummary {
    pub online: Online,
    pub visits: VisitCounts,
    pub page_views: PageViewCounts,
    #[schema(example = "Asia/Ho_Chi_Minh")]
    pub time_zone: String,
}

/// Online now, and visits today, this month, this year and in all (public).
///
/// Figures include hits up to the last flush (at most one flush interval ago).
/// Visits and page views count people; crawlers count only in online and in the `bot`
/// breakdown.
#[utoipa::path(tag = "stats", responses((status = 200, description = "The summary", body = StatsSummary), Unavailable))]
#[get("/stats/summary")]
pub async fn summary(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let config = state.stats.config().clone();
    let now = state.stats.clock().now();
    // Every reader's page shows this block: build it once a second at most.
    let key = "stats-summary".to_owned();
    let second = now.and_utc().timestamp();
    if let Some(entry) = state.responses.get(&key, second) {
        return Ok(ResponseCache::respond(entry));
    }
    let [_, day, month, year, total] = periods::all_containing(now, config.time_zone);
    let since = now - config.online_window;
    let (online, visits, page_views) = state
        .db
        .read(move |conn| {
            let online = model::online(conn, since)?;
            let visits = model::counters(conn, VISITS, &[day.clone(), month, year, total.clone()])?;
            let page_views = model::counters(conn, PAGE_VIEWS, &[day, total])?;
            Ok((online, visits, page_views))
        })
        .await?;
    let [_, day, month, year, total] = periods::all_containing(now, config.time_zone);
    let kind = |k: VisitorKind| online.get(k.as_str()).copied().unwrap_or(0);
    let visit = |p: &String| visits.get(p).copied().unwrap_or(0);
    let summary = StatsSummary {
        online: Online {
            total: kind(VisitorKind::Member) + kind(VisitorKind::Guest) + kind(VisitorKind::Bot),
            members: kind(VisitorKind::Member),
            guests: kind(VisitorKind::Guest),
            bots: kind(VisitorKind::Bot),
            window_seconds: config.online_window.num_seconds(),
        },
        visits: VisitCounts {
            today: visit(&day),
            this_month: visit(&month),
            this_year: visit(&year),
            total: visit(&total),
        },
        page_views: PageViewCounts {
            today: page_views.get(&day).copied().unwrap_or(0),
            total: page_views.get(&total).copied().unwrap_or(0),
        },
        time_zone: config.time_zone.name().to_owned(),
    };
    let body = serde_json::to_vec(&summary).map_err(|e| ApiError::Internal(e.to_string()))?;
    state.responses.put(key, second, body.clone().into(), Vec::new());
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Visits,
    PageViews,
}

impl Metric {
    fn as_str(self) -> &'static str {
        match self {
            Self::Visits => VISITS,
            Self::PageViews => PAGE_VIEWS,
        }
    }
}

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
    query: Query<SeriesQuery>,
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
    query: Query<BreakdownQuery>,
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
    query: Query<CounterListQuery>,
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
    state.db.write(move |conn| model::set_counter(conn, &m, &p, value)).await?;
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
    query: Query<PurgeQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteStats)?;
    let before = query.before;
    let purged = state.db.write(move |conn| model::purge(conn, &before.to_string())).await?;
    Ok(HttpResponse::Ok().json(PurgeReport {
        before,
        hour_counters: purged.hour_counters,
        breakdown_rows: purged.breakdown_rows,
        article_view_rows: purged.article_view_rows,
    }))
}
