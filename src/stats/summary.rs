//! `GET /api/v1/stats/summary`: the "Thống kê truy cập" block (public).

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use super::batch::VisitorKind;
use super::model::{self, PAGE_VIEWS, VISITS};
use super::periods;
use crate::caching::Coding;
use crate::error::ApiError;
use crate::error::responses::Unavailable;
use crate::state::AppState;

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
pub async fn summary(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let config = state.stats.config().clone();
    let now = state.stats.clock().now();
    // Every reader's page shows this block: build it once a second at most.
    let key = "stats-summary".to_owned();
    let second = now.and_utc().timestamp();
    if let Some(entry) = state.responses.get(&key, second) {
        return state.responses.respond(&key, entry, &req);
    }
    let [_, day, month, year, total] = periods::all_containing(now, config.time_zone);
    let since = now - config.online_window;
    let (online, visits, page_views) = state
        .db
        .read_public(move |conn| {
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
    state.responses.put(key, second, &body, Vec::new(), Coding::of(&req));
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}
