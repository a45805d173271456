//! `GET /api/v1/articles...`: the list, one article by id or slug, related and most viewed.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::list::{ArticleListQuery, ListScope, article_list, audience};
use super::model::list as listing;
use super::model::{self, Article, Audience};
use super::preview::{PreviewKey, PreviewQuery, preview_read};
use super::response::{ArticleResponse, last_modified, staff_response};
use crate::auth::Viewer;
use crate::caching::{self, ArticleEntry, ResponseCache};
use crate::db::{ReadFrom, now};
use crate::error::ApiError;
use crate::error::responses::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::extract::ApiQuery;
use crate::pagination::ListResponse;
use crate::slug;
use crate::state::AppState;

/// List articles: filters, sorts, page numbers or cursors, sparse fields and search.
#[utoipa::path(
    tag = "articles",
    params(ArticleListQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of articles", body = ListResponse<ArticleResponse>,
         headers(("X-Total-Count" = i64, description = "Articles matching the filters (absent with count=false)"),
                 ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
                 ("ETag" = String, description = "Validator for If-None-Match"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        BadRequest, Unauthorized, Forbidden, Unavailable
    )
)]
#[get("/articles")]
pub async fn list_articles(
    state: Data<AppState>,
    viewer: Viewer,
    query: ApiQuery<ArticleListQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    article_list(&state, &viewer, query.into_inner(), ListScope::All, &req).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedQuery {
    /// 1 to 20, default 5.
    #[param(minimum = 1, maximum = 20)]
    pub limit: Option<i64>,
}

/// Published articles in the same category or sharing a tag, newest first.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id"), RelatedQuery),
    responses((status = 200, description = "Related articles", body = Vec<ArticleResponse>),
              (status = 304, description = "Not modified"), BadRequest, NotFound, Unavailable)
)]
#[get("/articles/{id}/related")]
pub async fn related_articles(
    state: Data<AppState>,
    id: Path<i64>,
    query: ApiQuery<RelatedQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let limit = query.limit.unwrap_or(5);
    if !(1..=20).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 20"));
    }
    let at = now();
    let related = state
        .db
        .read_public(move |conn| {
            let article = model::find(conn, id, Audience::Public, at)?;
            listing::related(conn, &article, limit, at)
        })
        .await?;
    let site = &state.site;
    let data: Vec<ArticleResponse> = related.into_iter().map(|a| ArticleResponse::new(a, at, site)).collect();
    Ok(HttpResponse::Ok().json(data))
}

/// Get a published article by its slug.
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "Article slug"), PreviewQuery),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The article (staff also get its revision as a strong ETag)", body = ArticleResponse,
               headers(("ETag" = String, description = "Validator for If-None-Match; for staff, the revision for If-Match"),
                       ("Last-Modified" = String, description = "When the article last changed"))),
              BadRequest, Unauthorized, NotFound, Unavailable)
)]
#[get("/articles/by-slug/{slug}")]
pub async fn get_article_by_slug(
    state: Data<AppState>,
    viewer: Viewer,
    slug: Path<String>,
    query: ApiQuery<PreviewQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    if let Some(token) = query.into_inner().preview {
        return preview_read(&state, &token, PreviewKey::Slug(slug)).await;
    }
    if !slug::is_valid_slug(&slug) {
        return Err(ApiError::not_found("article"));
    }
    let audience = audience(&viewer);
    if audience == Audience::Public {
        let key = ResponseCache::article_keys(0, &slug)[1].clone();
        let from = viewer.reads_from();
        return public_article(&state, &req, key, from, move |conn, at| model::find_by_slug(conn, &slug, audience, at))
            .await;
    }
    let at = now();
    let article = state.db.read(move |conn| model::find_by_slug(conn, &slug, audience, at)).await?;
    Ok(staff_response(HttpResponse::Ok(), article, &state))
}

/// An article with its `Last-Modified`.
fn article_response(article: Article, at: NaiveDateTime, state: &AppState) -> HttpResponse {
    let modified = last_modified(article.row.updated_at);
    let tags: Vec<i64> = article.tags.iter().map(|t| t.id).collect();
    let keys = caching::article_keys(article.row.id, article.row.source_id, article.row.category_id, &tags);
    HttpResponse::Ok()
        .insert_header((header::LAST_MODIFIED, modified))
        .insert_header((caching::SURROGATE_KEY, keys))
        .json(ArticleResponse::new(article, at, &state.site))
}

/// A public article read, answered from the response cache when it is fresh there.
async fn public_article(
    state: &AppState,
    req: &HttpRequest,
    key: String,
    from: ReadFrom,
    load: impl FnOnce(&mut crate::db::DbConnection, NaiveDateTime) -> Result<Article, ApiError> + Clone + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    if !caching::wants_fresh(req)
        && let Some(entry) = state.responses.get(&key, 0)
    {
        return state.responses.respond(&key, entry, req);
    }
    let at = now();
    let epoch = state.responses.epoch();
    let article = state.db.read_by_key(from, move |conn| load(conn, at)).await?;
    let entry = ArticleEntry {
        id: article.row.id,
        epoch,
        lifetime: article_lifetime(state, from),
        // An article that expires is not given out past its expiry, not even stale.
        deadline: article.row.expires_at.map(|expires| {
            let left = (expires - at).to_std().unwrap_or_default();
            std::time::Instant::now() + left
        }),
    };
    let response = article_response(article, at, state);
    Ok(state.responses.keep_article(key, response, &[header::LAST_MODIFIED, caching::SURROGATE_KEY], entry, req))
}

/// How long a public article just read may be kept. Read from a replica shortly after a
/// change, it may be the replica's older copy: then it is kept a second, as lists are, so
/// the change shows once the replica has it.
fn article_lifetime(state: &AppState, from: ReadFrom) -> std::time::Duration {
    let replica_lag = std::time::Duration::from_secs_f64(state.settings.replica_max_lag);
    let maybe_behind =
        from == ReadFrom::AnyReplica && state.db.replicas().is_some() && state.responses.changed_within(replica_lag);
    match maybe_behind {
        true => std::time::Duration::from_secs(1),
        false => std::time::Duration::from_secs(state.settings.article_cache_seconds),
    }
}

/// Get a published article by id.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id"), PreviewQuery),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The article (staff also get its revision as a strong ETag)", body = ArticleResponse,
               headers(("ETag" = String, description = "Validator for If-None-Match; for staff, the revision for If-Match"),
                       ("Last-Modified" = String, description = "When the article last changed"))),
              BadRequest, Unauthorized, NotFound, Unavailable)
)]
#[get("/articles/{id}")]
pub async fn get_article(
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i64>,
    query: ApiQuery<PreviewQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    if let Some(token) = query.into_inner().preview {
        return preview_read(&state, &token, PreviewKey::Id(id)).await;
    }
    let audience = audience(&viewer);
    if audience == Audience::Public {
        let key = ResponseCache::article_keys(id, "")[0].clone();
        let from = viewer.reads_from();
        return public_article(&state, &req, key, from, move |conn, at| model::find(conn, id, audience, at)).await;
    }
    let at = now();
    let article = state.db.read(move |conn| model::find(conn, id, audience, at)).await?;
    Ok(staff_response(HttpResponse::Ok(), article, &state))
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TopBy {
    #[default]
    Views,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TopPeriod {
    /// Today, in the site time zone.
    Day,
    /// The last 7 days, today included.
    #[default]
    Week,
    /// The last 30 days, today included.
    Month,
    /// All time (the articles' `view_count`).
    All,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopQuery {
    /// What to rank by (only `views` for now).
    pub by: Option<TopBy>,
    /// Default `week`.
    pub period: Option<TopPeriod>,
    /// 1 to 50, default 10.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

/// An article and its views in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopArticle {
    pub views: i64,
    pub article: ArticleResponse,
}

/// The most viewed published articles of a period ("Tin xem nhiều").
#[utoipa::path(
    tag = "articles",
    params(TopQuery),
    responses((status = 200, description = "Most viewed first", body = Vec<TopArticle>), BadRequest, Unavailable)
)]
#[get("/articles/top")]
pub async fn top_articles(state: Data<AppState>, query: ApiQuery<TopQuery>) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 50"));
    }
    let period = query.period.unwrap_or_default();
    let clock = state.stats.clock().clone();
    let at = clock.now();
    let tz = state.stats.config().time_zone;
    let today = crate::stats::periods::local(at, tz).date();
    let first_day = match period {
        TopPeriod::Day => Some(today),
        TopPeriod::Week => Some(today - chrono::Duration::days(6)),
        TopPeriod::Month => Some(today - chrono::Duration::days(29)),
        TopPeriod::All => None,
    };
    let ranked = state
        .db
        .read_public(move |conn| match first_day {
            None => Ok(model::most_viewed(conn, limit, at)?.into_iter().map(|a| (a.row.view_count, a)).collect()),
            Some(day) => {
                // A few extra, for articles that have since been unpublished.
                let counts = crate::stats::model::most_viewed_since(conn, &day.to_string(), limit * 2 + 10)?;
                let ids: Vec<i64> = counts.iter().map(|(id, _)| *id).collect();
                let found = model::find_many(conn, &ids, Audience::Public, at)?;
                Ok(found
                    .into_iter()
                    .filter_map(|a| counts.iter().find(|(id, _)| *id == a.row.id).map(|(_, views)| (*views, a)))
                    .take(limit as usize)
                    .collect::<Vec<_>>())
            }
        })
        .await?;
    let top: Vec<TopArticle> = ranked
        .into_iter()
        .map(|(views, article)| TopArticle { views, article: ArticleResponse::new(article, at, &state.site) })
        .collect();
    Ok(HttpResponse::Ok().json(top))
}
