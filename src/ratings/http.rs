//! `/api/v1/articles/{id}/ratings` (readers rate) and `/api/v1/ratings` (editors moderate).

use std::collections::BTreeMap;

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, post};
use chrono::{DateTime, SubsecRound, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, AddressCap, Outcome, RatingFilter, Summary};
use crate::articles::model::{self as articles, Audience};
use crate::audit::{Actor, Change, Origin};
use crate::auth::{Permission, Principal, Viewer};
use crate::client;
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::{ListResponse, Paging};
use crate::state::AppState;
use crate::validation::Checks;
use crate::webhooks::Event;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// A whole number from 1 to 5.
    #[schema(minimum = 1, maximum = 5, example = 5)]
    pub score: i64,
    /// The reader's anonymous visitor id, when not sent in the `X-Visitor-Id` header.
    #[schema(min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")]
    pub visitor_id: Option<String>,
}

/// "Tổng số điểm của bài viết là: 12 trong 3 đánh giá".
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingSummary {
    pub total_points: i64,
    pub count: i64,
    /// Mean score rounded to one decimal; null when there are no ratings.
    pub average: Option<f64>,
    /// How many ratings gave each score, `"1"` to `"5"`.
    #[schema(example = json!({"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}))]
    pub histogram: BTreeMap<String, i64>,
}

impl From<Summary> for RatingSummary {
    fn from(s: Summary) -> Self {
        let aggregate = crate::articles::response::RatingAggregate::new(s.total_points, s.count);
        Self {
            total_points: s.total_points,
            count: s.count,
            average: aggregate.average,
            histogram: (1..=5).map(|score| (score.to_string(), s.histogram[score - 1])).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingReceipt {
    pub article_id: i64,
    /// The score now recorded for this reader.
    pub score: i64,
    /// The article's ratings including this one.
    pub summary: RatingSummary,
}

/// One rating, for moderators. It carries nothing that identifies the reader.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingResponse {
    pub id: i64,
    pub article_id: i64,
    pub score: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<model::Rating> for RatingResponse {
    fn from(r: model::Rating) -> Self {
        Self {
            id: r.id,
            article_id: r.article_id,
            score: r.score,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// The cap on new ratings from one address today (local day), unless it is off.
fn address_cap(state: &AppState) -> Option<AddressCap> {
    let limit = state.settings.ratings_per_address_per_day;
    (limit > 0).then(|| {
        let tz = state.settings.time_zone;
        let local_midnight = crate::stats::periods::local(now(), tz).date().and_time(chrono::NaiveTime::MIN);
        let since = tz.from_local_datetime(&local_midnight).earliest().map_or(local_midnight, |t| t.naive_utc());
        AddressCap { limit: i64::from(limit), since }
    })
}

/// Rate an article (public).
///
/// One rating per reader per article: rating again replaces the score. The reader is
/// the `X-Visitor-Id` (or `visitor_id`), or without one the client (address and
/// browser). Distinct visitor ids are distinct readers, even behind one address; an
/// address gives at most `NEWSDESK_RATINGS_PER_ADDRESS_PER_DAY` new ratings of an
/// article per local day (429 beyond it; changing an earlier score is never capped).
#[utoipa::path(
    tag = "ratings",
    params(
        ("id" = i64, Path, description = "Article id"),
        ("X-Visitor-Id" = Option<String>, Header, description = "The reader's anonymous visitor id", min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")
    ),
    request_body = RatingInput,
    responses(
        (status = 201, description = "A new rating", body = RatingReceipt),
        (status = 200, description = "The reader's earlier rating was replaced", body = RatingReceipt),
        (status = 409, description = "Ratings are closed for this article",
         body = crate::error::Problem, content_type = "application/problem+json"),
        BadRequest, NotFound, PayloadTooLarge, UnsupportedMediaType, TooManyRequests, Unavailable
    )
)]
#[post("/articles/{id}/ratings")]
pub async fn rate_article(
    state: Data<AppState>,
    req: HttpRequest,
    id: Path<i64>,
    body: ApiJson<RatingInput>,
) -> Result<HttpResponse, ApiError> {
    let article_id = id.into_inner();
    let input = body.0;
    let reader =
        client::Reader::of(&req, &state.address_secret, &state.settings.trusted_proxies, input.visitor_id.as_deref())?;
    if !(1..=5).contains(&input.score) {
        return Err(ApiError::field("score", "must be a whole number from 1 to 5"));
    }
    if let Err(retry_after_seconds) = state.rating_limiter.check(&reader.client_key) {
        return Err(ApiError::TooManyRequests {
            detail: "Too many ratings from this client; try again later.".into(),
            retry_after_seconds,
        });
    }
    let score = input.score as i32;
    let at = now();
    let cap = address_cap(&state);
    let outbox = state.outbox.clone();
    let (outcome, receipt, slug) = state
        .db
        .write(move |conn| {
            let (allow_rating, slug) =
                articles::rating_target(conn, article_id, at)?.ok_or_else(|| ApiError::not_found("article"))?;
            if !allow_rating {
                return Err(ApiError::Conflict {
                    detail: "Ratings are closed for this article.".into(),
                    errors: vec![],
                });
            }
            let outcome = model::rate(conn, article_id, &reader, score, cap, at)?;
            let receipt =
                RatingReceipt { article_id, score: input.score, summary: model::summary(conn, article_id)?.into() };
            let kind = if outcome == Outcome::Created { "rating.created" } else { "rating.updated" };
            Event::new(kind, &receipt).keys(vec![format!("article-{article_id}")]).emit(
                conn,
                &outbox,
                &Actor::anonymous(Origin::default()),
                at,
            )?;
            Ok((outcome, receipt, slug))
        })
        .await?;
    state.article_changed(article_id, &slug);
    Ok(match outcome {
        Outcome::Created => HttpResponse::Created().json(receipt),
        Outcome::Changed => HttpResponse::Ok().json(receipt),
    })
}

/// An article's ratings in short, with the count of each score.
#[utoipa::path(
    tag = "ratings",
    params(("id" = i64, Path, description = "Article id")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The summary", body = RatingSummary), BadRequest, Unauthorized, NotFound, Unavailable)
)]
#[get("/articles/{id}/ratings/summary")]
pub async fn rating_summary(state: Data<AppState>, viewer: Viewer, id: Path<i64>) -> Result<HttpResponse, ApiError> {
    let article_id = id.into_inner();
    let audience = if viewer.allows(Permission::ReadDrafts) { Audience::Staff } else { Audience::Public };
    let at = now();
    let summary = state
        .db
        .read_from(viewer.reads_from(), move |conn| {
            articles::find(conn, article_id, audience, at)?;
            model::summary(conn, article_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RatingSummary::from(summary)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatingListQuery {
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Only ratings of this article.
    pub article_id: Option<i64>,
    /// Only ratings with this score.
    #[param(minimum = 1, maximum = 5)]
    pub score: Option<i32>,
    /// Only ratings given or changed at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only ratings given or changed before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

/// List ratings, newest first (editors, or tokens with `ratings:moderate`).
#[utoipa::path(
    tag = "ratings",
    params(RatingListQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of ratings", body = ListResponse<RatingResponse>),
              BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[get("/ratings")]
pub async fn list_ratings(
    state: Data<AppState>,
    principal: Principal,
    query: ApiQuery<RatingListQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateRatings)?;
    let query = query.into_inner();
    let mut checks = Checks::new();
    let paging = Paging::check(query.page, query.per_page, &mut checks);
    if query.score.is_some_and(|s| !(1..=5).contains(&s)) {
        checks.error("score", "must be from 1 to 5");
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && to <= from
    {
        checks.error("to", "must be after from");
    }
    checks.finish()?;
    let filter = RatingFilter {
        article_id: query.article_id,
        score: query.score,
        from: query.from.map(|t| t.naive_utc().trunc_subsecs(6)),
        to: query.to.map(|t| t.naive_utc().trunc_subsecs(6)),
    };
    let (page, total) = state.db.read(move |conn| model::list(conn, &filter, paging)).await?;
    let data = page.into_iter().map(RatingResponse::from).collect();
    Ok(ListResponse::new(data, paging, total).respond(&req))
}

/// Delete a rating; the article's aggregate drops it at once.
#[utoipa::path(
    tag = "ratings",
    params(("id" = i64, Path, description = "Rating id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[delete("/ratings/{id}")]
pub async fn delete_rating(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateRatings)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    state
        .db
        .write(move |conn| {
            let at = now();
            let rating = model::delete(conn, id)?;
            Change::new("rating.delete", "rating", id).record(conn, &actor, at)?;
            let keys = vec![format!("article-{}", rating.article_id)];
            Event::new("rating.deleted", &RatingResponse::from(rating)).keys(keys).emit(conn, &outbox, &actor, at)?;
            Ok(())
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::NoContent().finish())
}
