//! `/api/v1/articles`: reading and writing articles.

use actix_web::http::header;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::input::{ArticleInput, ArticlePatch, CoverImage, stored_cover};
use super::listing::{self, Cursor, ListFilter, PageRequest, Sort};
use super::model::{self, Article, Audience, Status};
use crate::auth::{Permission, Principal, Viewer};
use crate::caching::{self, ResponseCache};
use crate::categories::model as categories;
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::ApiJson;
use crate::pagination::{ListResponse, Paging};
use crate::search;
use crate::slug;
use crate::state::AppState;
use crate::tags::model as tags;
use crate::validation::{Checks, Lines};

/// The source an article cites, embedded.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceEmbed {
    pub id: i64,
    pub name: String,
    pub url: Option<String>,
    pub logo_url: Option<String>,
}

/// The category an article is filed under, embedded.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryEmbed {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagEmbed {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

/// Readers' ratings in short: "Tổng số điểm ... trong ... đánh giá".
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingAggregate {
    /// Sum of all scores.
    pub total_points: i64,
    /// Number of ratings.
    pub count: i64,
    /// Mean score rounded to one decimal; null when there are no ratings.
    pub average: Option<f64>,
}

impl RatingAggregate {
    pub fn new(total_points: i64, count: i64) -> Self {
        Self {
            total_points,
            count,
            average: (count > 0).then(|| (total_points as f64 / count as f64 * 10.0).round() / 10.0),
        }
    }
}

/// An article as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleResponse {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Sanitized HTML, safe to render.
    pub body_html: String,
    pub cover_image: Option<CoverImage>,
    pub author: Option<String>,
    pub source_id: Option<i64>,
    pub source: Option<SourceEmbed>,
    pub source_url: Option<String>,
    pub category_id: Option<i64>,
    pub category: Option<CategoryEmbed>,
    pub tags: Vec<TagEmbed>,
    /// The status now: a published article whose time has not come reads `scheduled`.
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub allow_rating: bool,
    pub view_count: i64,
    pub rating: RatingAggregate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The user who created the article, when known.
    pub created_by: Option<i64>,
    /// The article's page on the site (`NEWSDESK_SITE_URL` + `NEWSDESK_ARTICLE_PATH`).
    pub url: String,
    /// In search results: the matching words in context, HTML-escaped, matches in `<mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

impl ArticleResponse {
    pub fn new(article: Article, now: NaiveDateTime) -> Self {
        let cover_image = stored_cover(&article);
        let Article { row, source, category, tags } = article;
        Self {
            status: row.effective_status(now),
            id: row.id,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            body_html: row.body_html,
            cover_image,
            author: row.author,
            source_id: row.source_id,
            source: source.map(|s| SourceEmbed { id: s.id, name: s.name, url: s.url, logo_url: s.logo_url }),
            source_url: row.source_url,
            category_id: row.category_id,
            category: category.map(|c| CategoryEmbed { id: c.id, name: c.name, slug: c.slug }),
            tags: tags.into_iter().map(|t| TagEmbed { id: t.id, name: t.name, slug: t.slug }).collect(),
            published_at: row.published_at.map(|t| t.and_utc()),
            expires_at: row.expires_at.map(|t| t.and_utc()),
            allow_rating: row.allow_rating,
            view_count: row.view_count,
            rating: RatingAggregate::new(row.rating_total, row.rating_count),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            created_by: row.created_by,
            url: String::new(),
            snippet: None,
        }
    }

    /// Sets `url` from the site's address and article path template.
    pub fn with_url(mut self, site: &crate::config::SiteUrls) -> Self {
        self.url = site.article_url(&self.slug);
        self
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleListQuery {
    /// Page number, from 1 (ignored with `cursor`).
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Keyset paging: `meta.next_cursor` of the previous page. Start with an empty value
    /// (`cursor=`) to page by cursor from the first page.
    #[param(pattern = "^[A-Za-z0-9_-]*$", max_length = 1000)]
    pub cursor: Option<String>,
    /// `false` skips counting `total` (faster on large sets). Default `true`.
    pub count: Option<bool>,
    /// Only these fields of each article, comma-separated (`id,slug,title,cover_image`).
    #[param(
        pattern = "^\\s*(id|slug|title|summary|body_html|cover_image|author|source_id|source|source_url|category_id|category|tags|status|published_at|expires_at|allow_rating|view_count|rating|created_at|updated_at|created_by|snippet|url)?\\s*(,\\s*(id|slug|title|summary|body_html|cover_image|author|source_id|source|source_url|category_id|category|tags|status|published_at|expires_at|allow_rating|view_count|rating|created_at|updated_at|created_by|snippet|url)?\\s*)*$"
    )]
    pub fields: Option<String>,
    /// Full-text search in title, summary and body; accents and đ optional (`dan van kheo`).
    /// Blank is no search; text without a letter or digit matches nothing.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only articles with this status (others than `published` need staff credentials).
    pub status: Option<Status>,
    /// Only articles citing this source.
    pub source_id: Option<i64>,
    /// Only articles filed under this category (by slug) or any category below it.
    #[param(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub category: Option<String>,
    /// Only articles filed under exactly this category id.
    pub category_id: Option<i64>,
    /// Only articles with this tag (its slug).
    #[param(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub tag: Option<String>,
    /// Only articles by this author (exact name).
    pub author: Option<String>,
    /// Only articles published at or after this time (RFC 3339).
    pub published_from: Option<DateTime<Utc>>,
    /// Only articles published before this time (RFC 3339).
    pub published_to: Option<DateTime<Utc>>,
    /// Only articles with (`true`) or without (`false`) a lead image.
    pub has_cover: Option<bool>,
    /// Order (default `-published_at`, or `relevance` with `q`); ties go by id.
    pub sort: Option<Sort>,
}

/// The article fields `fields=` may name.
const ARTICLE_FIELDS: [&str; 24] = [
    "id",
    "slug",
    "title",
    "summary",
    "body_html",
    "cover_image",
    "author",
    "source_id",
    "source",
    "source_url",
    "category_id",
    "category",
    "tags",
    "status",
    "published_at",
    "expires_at",
    "allow_rating",
    "view_count",
    "rating",
    "created_at",
    "updated_at",
    "created_by",
    "snippet",
    "url",
];

/// Which articles a list is about, besides its query parameters.
pub enum ListScope {
    All,
    Category(String),
    Tag(String),
}

/// A list of articles with every filter, sort and paging option; shared by
/// `/articles`, `/categories/{slug}/articles` and `/tags/{slug}/articles`.
pub async fn article_list(
    state: &AppState,
    viewer: &Viewer,
    query: ArticleListQuery,
    scope: ListScope,
    req: &HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let mut checks = Checks::new();
    let paging = Paging::check(query.page, query.per_page, &mut checks);
    for (field, slug) in [("tag", &query.tag), ("category", &query.category)] {
        if slug.as_deref().is_some_and(|s| !slug::is_valid_slug(s)) {
            checks.error(field, "must be a slug such as `dan-van-kheo`");
        }
    }
    let author = checks.optional_text("author", query.author.as_deref(), 200, Lines::Single);
    // An empty `fields=` asks for nothing in particular: every field.
    let fields = query.fields.as_deref().filter(|list| !list.trim().is_empty()).map(|list| {
        let names: Vec<String> = list.split(',').map(|f| f.trim().to_owned()).filter(|f| !f.is_empty()).collect();
        if let Some(unknown) = names.iter().find(|f| !ARTICLE_FIELDS.contains(&f.as_str())) {
            checks.error("fields", format!("`{unknown}` is not an article field"));
        }
        names
    });
    // A blank `q` is no search at all; one without a letter or digit matches nothing.
    let terms = query.q.as_deref().filter(|q| !q.trim().is_empty()).map(search::terms);
    if query.q.as_deref().is_some_and(|q| q.chars().count() > 200 || q.contains('\0')) {
        checks.error("q", "must be at most 200 characters of text");
    }
    let sort = query.sort.unwrap_or(if terms.is_some() { Sort::Relevance } else { Sort::default() });
    if sort == Sort::Relevance && terms.is_none() {
        checks.error("sort", "relevance needs a search (`q`)");
    }
    let page = match query.cursor.as_deref() {
        Some(text) if !text.trim().is_empty() => match Cursor::decode(text, sort) {
            Ok(cursor) => PageRequest::After { cursor: Some(cursor), limit: paging.per_page },
            Err(ApiError::Validation(errors)) => {
                for e in errors {
                    checks.error(e.field, e.message);
                }
                PageRequest::After { cursor: None, limit: paging.per_page }
            }
            Err(other) => return Err(other),
        },
        Some(_) => PageRequest::After { cursor: None, limit: paging.per_page },
        None => PageRequest::Numbered(paging),
    };
    checks.finish()?;
    // Readers' list pages are the same for everyone: the home page's newest articles, a
    // category's page. Searches are left out: their queries rarely repeat.
    let cache_key = (audience(viewer) == Audience::Public && terms.is_none()).then(|| format!("list:{}", req.uri()));
    let cached = cache_key.as_deref().filter(|_| !caching::wants_fresh(req));
    if let Some(entry) = cached.and_then(|key| state.responses.get(key, 0)) {
        return Ok(ResponseCache::respond(entry));
    }

    let mut filter = ListFilter {
        audience: Some(audience(viewer)),
        status: query.status,
        source_id: query.source_id,
        category_ids: query.category_id.map(|id| vec![id]),
        tag: query.tag,
        author,
        published_from: query.published_from.map(|t| t.naive_utc()),
        published_to: query.published_to.map(|t| t.naive_utc()),
        has_cover: query.has_cover,
        search: terms.clone(),
    };
    let category = query.category;
    let count_key = format!(
        "{filter:?}|{category:?}|{}",
        match &scope {
            ListScope::All => String::new(),
            ListScope::Category(slug) => format!("category:{slug}"),
            ListScope::Tag(slug) => format!("tag:{slug}"),
        }
    );
    let with_body =
        fields.as_ref().is_none_or(|names| names.iter().any(|name| name == "body_html" || name == "snippet"));
    let cached_total = state.list_counts.get(&count_key);
    let with_total = query.count.unwrap_or(true) && cached_total.is_none();
    let at = now();
    let page_for_meta = match &page {
        PageRequest::Numbered(paging) => Some(paging.page),
        PageRequest::After { .. } => None,
    };
    let result = state
        .db
        .read(move |conn| {
            match scope {
                ListScope::All => {}
                ListScope::Category(slug) => {
                    let ids =
                        categories::with_descendants(conn, &slug)?.ok_or_else(|| ApiError::not_found("category"))?;
                    filter.category_ids = Some(ids);
                }
                ListScope::Tag(slug) => {
                    if !tags::exists_slug(conn, &slug)? {
                        return Err(ApiError::not_found("tag"));
                    }
                    filter.tag = Some(slug);
                }
            }
            if let Some(slug) = category {
                filter.category_ids = Some(categories::with_descendants(conn, &slug)?.unwrap_or_default());
            }
            listing::list(conn, &filter, sort, &page, with_total, with_body, at)
        })
        .await?;
    let total = match (result.total, cached_total) {
        (Some(total), _) => {
            state.list_counts.put(count_key, total);
            Some(total)
        }
        (None, cached) if query.count.unwrap_or(true) => cached,
        (None, _) => None,
    };
    let site = &state.site;
    let newest_change = result.articles.iter().map(|a| a.row.updated_at).max();
    let data: Vec<serde_json::Value> = result
        .articles
        .into_iter()
        .map(|article| {
            let snippet = terms.as_ref().and_then(|terms| search_snippet(&article, terms));
            let mut response = ArticleResponse::new(article, at).with_url(site);
            response.snippet = snippet;
            sparse(response, fields.as_deref())
        })
        .collect();
    let mut response =
        ListResponse::paged(data, page_for_meta, paging.per_page, total, result.next_cursor).respond(req);
    if let Some(at) = newest_change
        && let Ok(value) = header::HeaderValue::from_str(&last_modified(at))
    {
        response.headers_mut().insert(header::LAST_MODIFIED, value);
    }
    Ok(match cache_key {
        Some(key) => state.responses.keep(key, response, &LIST_HEADERS),
        None => response,
    })
}

/// The headers of a list response that describe its content.
const LIST_HEADERS: [header::HeaderName; 3] =
    [header::LAST_MODIFIED, header::HeaderName::from_static("x-total-count"), header::LINK];

/// About 200 characters of the title, summary or body around the first match, with
/// the matching words in `<mark>`.
fn search_snippet(article: &Article, terms: &[String]) -> Option<String> {
    search::snippet(&article.row.title, terms, 200)
        .filter(|_| article.row.summary.is_empty())
        .or_else(|| search::snippet(&article.row.summary, terms, 200))
        .or_else(|| search::snippet(&search::plain_text(&article.row.body_html), terms, 200))
        .or_else(|| search::snippet(&article.row.title, terms, 200))
}

/// The article as JSON, cut down to `fields` when given.
fn sparse(article: ArticleResponse, fields: Option<&[String]>) -> serde_json::Value {
    let mut value = serde_json::to_value(article).expect("an article serializes");
    if let (Some(fields), Some(object)) = (fields, value.as_object_mut()) {
        object.retain(|key, _| fields.iter().any(|f| f == key));
    }
    value
}

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
        BadRequest, Unauthorized, Unavailable
    )
)]
#[get("/articles")]
pub async fn list_articles(
    state: Data<AppState>,
    viewer: Viewer,
    query: Query<ArticleListQuery>,
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
    query: Query<RelatedQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let limit = query.limit.unwrap_or(5);
    if !(1..=20).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 20"));
    }
    let at = now();
    let related = state
        .db
        .read(move |conn| {
            let article = model::find(conn, id, Audience::Public, at)?;
            listing::related(conn, &article, limit, at)
        })
        .await?;
    let site = &state.site;
    let data: Vec<ArticleResponse> = related.into_iter().map(|a| ArticleResponse::new(a, at).with_url(site)).collect();
    Ok(HttpResponse::Ok().json(data))
}

/// Get a published article by its slug.
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "Article slug")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The article", body = ArticleResponse), BadRequest, Unauthorized, NotFound, Unavailable)
)]
#[get("/articles/by-slug/{slug}")]
pub async fn get_article_by_slug(
    state: Data<AppState>,
    viewer: Viewer,
    slug: Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    if !slug::is_valid_slug(&slug) {
        return Err(ApiError::not_found("article"));
    }
    let audience = audience(&viewer);
    if audience == Audience::Public {
        let key = ResponseCache::article_keys(0, &slug)[1].clone();
        return public_article(&state, &req, key, move |conn, at| model::find_by_slug(conn, &slug, audience, at)).await;
    }
    let at = now();
    let article = state.db.read(move |conn| model::find_by_slug(conn, &slug, audience, at)).await?;
    Ok(article_response(article, at, &state))
}

/// An article with its `Last-Modified`.
fn article_response(article: Article, at: NaiveDateTime, state: &AppState) -> HttpResponse {
    let modified = last_modified(article.row.updated_at);
    HttpResponse::Ok()
        .insert_header((header::LAST_MODIFIED, modified))
        .json(ArticleResponse::new(article, at).with_url(&state.site))
}

/// A public article read, answered from the response cache when it is fresh there.
async fn public_article(
    state: &AppState,
    req: &HttpRequest,
    key: String,
    load: impl FnOnce(&mut crate::db::DbConnection, NaiveDateTime) -> Result<Article, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    if !caching::wants_fresh(req)
        && let Some(entry) = state.responses.get(&key, 0)
    {
        return Ok(ResponseCache::respond(entry));
    }
    let at = now();
    let article = state.db.read_by_key(move |conn| load(conn, at)).await?;
    Ok(state.responses.keep(key, article_response(article, at, state), &[header::LAST_MODIFIED]))
}

/// An HTTP date (RFC 9110 IMF-fixdate).
pub fn last_modified(at: NaiveDateTime) -> String {
    at.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Get a published article by id.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The article", body = ArticleResponse), BadRequest, Unauthorized, NotFound, Unavailable)
)]
#[get("/articles/{id}")]
pub async fn get_article(
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i64>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let audience = audience(&viewer);
    if audience == Audience::Public {
        let key = ResponseCache::article_keys(id, "")[0].clone();
        return public_article(&state, &req, key, move |conn, at| model::find(conn, id, audience, at)).await;
    }
    let at = now();
    let article = state.db.read(move |conn| model::find(conn, id, audience, at)).await?;
    Ok(article_response(article, at, &state))
}

/// Create an article.
#[utoipa::path(
    tag = "articles",
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ArticleResponse,
         headers(("Location" = String, description = "URL of the new article"))),
        BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[post("/articles")]
pub async fn create_article(
    state: Data<AppState>,
    principal: Principal,
    body: ApiJson<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteArticles)?;
    let at = now();
    let write = body.0.validate(None, at)?;
    check_author_rules(&principal, None, Some(&write.fields.status), at)?;
    let created_by = principal.user_id();
    let article = state
        .db
        .write(move |conn| {
            let id = model::create(conn, &write, created_by, at)?;
            model::current(conn, id)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/articles/{}", article.row.id)))
        .json(ArticleResponse::new(article, at).with_url(&state.site)))
}

/// Replace an article.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id")),
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = ArticleResponse),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[put("/articles/{id:[0-9]+}")]
pub async fn replace_article(
    state: Data<AppState>,
    principal: Principal,
    id: Path<i64>,
    body: ApiJson<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteArticles)?;
    let id = id.into_inner();
    let input = body.0;
    let at = now();
    let article = state
        .db
        .write(move |conn| {
            let current = model::current(conn, id)?;
            let write = input.validate(Some(&current), at)?;
            check_author_rules(&principal, Some(&current), Some(&write.fields.status), at)?;
            model::update(conn, id, &write, at)?;
            model::current(conn, id)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::Ok().json(ArticleResponse::new(article, at).with_url(&state.site)))
}

/// Change some fields of an article.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id")),
    request_body = ArticlePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = ArticleResponse),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[patch("/articles/{id:[0-9]+}")]
pub async fn update_article(
    state: Data<AppState>,
    principal: Principal,
    id: Path<i64>,
    body: ApiJson<ArticlePatch>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteArticles)?;
    let id = id.into_inner();
    let patch = body.0;
    let at = now();
    let article = state
        .db
        .write(move |conn| {
            let current = model::current(conn, id)?;
            let write = patch.apply_to(&current).validate(Some(&current), at)?;
            check_author_rules(&principal, Some(&current), Some(&write.fields.status), at)?;
            model::update(conn, id, &write, at)?;
            model::current(conn, id)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::Ok().json(ArticleResponse::new(article, at).with_url(&state.site)))
}

/// Delete an article.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[delete("/articles/{id:[0-9]+}")]
pub async fn delete_article(
    state: Data<AppState>,
    principal: Principal,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteArticles)?;
    let id = id.into_inner();
    let at = now();
    state
        .db
        .write(move |conn| {
            if !principal.allows(Permission::DeleteArticles) {
                check_author_rules(&principal, Some(&model::current(conn, id)?), None, at)?;
            }
            model::delete(conn, id)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::NoContent().finish())
}

/// Staff (and tokens that may read content) see every article; everyone else, only
/// what is published.
fn audience(viewer: &Viewer) -> Audience {
    if viewer.allows(Permission::ReadDrafts) { Audience::Staff } else { Audience::Public }
}

/// Whoever may publish may write anything. Authors may only write drafts, and only
/// change or delete their own articles while those are still drafts.
fn check_author_rules(
    principal: &Principal,
    current: Option<&Article>,
    new_status: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if principal.allows(Permission::PublishArticles) {
        return Ok(());
    }
    if new_status.is_some_and(|status| status != Status::Draft.as_str()) {
        return Err(ApiError::Forbidden("Authors can save drafts only; an editor publishes.".into()));
    }
    if let Some(current) = current {
        if current.row.created_by.is_none() || current.row.created_by != principal.user_id() {
            return Err(ApiError::Forbidden("Authors can change only their own articles.".into()));
        }
        if current.row.effective_status(now) != Status::Draft {
            return Err(ApiError::Forbidden("The article is no longer a draft; an editor must change it.".into()));
        }
    }
    Ok(())
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
pub async fn top_articles(state: Data<AppState>, query: Query<TopQuery>) -> Result<HttpResponse, ApiError> {
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
        .read(move |conn| match first_day {
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
        .map(|(views, article)| TopArticle { views, article: ArticleResponse::new(article, at).with_url(&state.site) })
        .collect();
    Ok(HttpResponse::Ok().json(top))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_fields_pattern_names_every_field() {
        let document = serde_json::to_value(crate::startup::openapi_document()).unwrap();
        let parameters = document["paths"]["/api/v1/articles"]["get"]["parameters"].as_array().unwrap();
        let fields = parameters.iter().find(|p| p["name"] == "fields").unwrap();
        let pattern = fields["schema"]["pattern"].as_str().unwrap();
        let alternatives = pattern.split(['(', ')']).nth(1).unwrap();
        assert_eq!(alternatives.split('|').collect::<Vec<_>>(), ARTICLE_FIELDS);
    }
}
