//! `/api/v1/categories`: the portal's sections, and the articles filed under them.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{self, Category, CategoryFields};
use crate::articles::list::{ArticleListQuery, ListScope, article_list};
use crate::articles::response::ArticleResponse;
use crate::audit::{Actor, Change, Origin, changed_fields};
use crate::auth::{Permission, Principal, Viewer};
use crate::db::{ReadFrom, now};
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired, Unauthorized,
    Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery, nullable};
use crate::pagination::ListResponse;
use crate::preconditions::{IfMatch, version_tag};
use crate::slug;
use crate::state::AppState;
use crate::validation::{Checks, Lines};
use crate::webhooks::{Event, taxonomy_keys};

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryResponse {
    pub id: i64,
    #[schema(example = "Thời sự")]
    pub name: String,
    #[schema(example = "thoi-su")]
    pub slug: String,
    /// The category above this one; null at the top.
    pub parent_id: Option<i64>,
    /// Order among its siblings, smallest first.
    pub position: i32,
    pub description: Option<String>,
    /// Articles filed directly under it, whatever their status.
    pub article_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<(Category, i64)> for CategoryResponse {
    fn from((c, article_count): (Category, i64)) -> Self {
        Self {
            id: c.id,
            name: c.name,
            slug: c.slug,
            parent_id: c.parent_id,
            position: c.position,
            description: c.description,
            article_count,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
        }
    }
}

/// A whole category, for create and replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
    /// Made from the name when absent.
    #[schema(pattern = "^\\s*[a-z0-9]+(-[a-z0-9]+)*\\s*$", max_length = 120)]
    pub slug: Option<String>,
    #[schema(minimum = 1)]
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub position: i32,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// Fields to change; absent ones stay, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: Option<String>,
    #[schema(pattern = "^\\s*[a-z0-9]+(-[a-z0-9]+)*\\s*$", max_length = 120)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(minimum = 1)]
    pub parent_id: Option<Option<i64>>,
    pub position: Option<i32>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 2000)]
    pub description: Option<Option<String>>,
}

impl CategoryInput {
    fn validate(self) -> Result<CategoryFields, ApiError> {
        let mut checks = Checks::new();
        let name = checks.required_text("name", &self.name, 100, Lines::Single);
        let slug = match self.slug.as_deref().map(str::trim) {
            Some(wanted) if slug::is_valid_slug(wanted) => wanted.to_owned(),
            Some(_) => {
                checks.error("slug", "must be lowercase ASCII words joined by single hyphens");
                String::new()
            }
            None => slug::slugify(&name),
        };
        if slug.is_empty() && !checks.has_error("slug") && !checks.has_error("name") {
            checks.error("name", "must contain a letter or a digit, or give a slug");
        }
        if self.parent_id.is_some_and(|id| id <= 0) {
            checks.error("parent_id", "must be a positive id");
        }
        let description = checks.optional_text("description", self.description.as_deref(), 2000, Lines::Multi);
        checks.finish()?;
        Ok(CategoryFields { name, slug, parent_id: self.parent_id, position: self.position, description })
    }
}

/// All categories, by position then name (public). Build the tree from `parent_id`.
#[utoipa::path(
    tag = "categories",
    responses((status = 200, description = "Every category", body = ListResponse<CategoryResponse>), Unavailable)
)]
#[get("/categories")]
pub async fn list_categories(
    state: Data<AppState>,
    from: ReadFrom,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let all = state.db.read_from(from, model::all).await?;
    let data: Vec<CategoryResponse> = all.into_iter().map(CategoryResponse::from).collect();
    let count = data.len() as i64;
    Ok(ListResponse::paged(data, Some(1), count.max(1), Some(count), None).respond(&req))
}

/// One category.
#[utoipa::path(
    tag = "categories",
    params(("id" = i64, Path, description = "Category id")),
    responses((status = 200, description = "The category", body = CategoryResponse,
               headers(("ETag" = String, description = "The version, for If-None-Match and If-Match"))),
              BadRequest, NotFound, Unavailable)
)]
#[get("/categories/{id}")]
pub async fn get_category(state: Data<AppState>, from: ReadFrom, id: Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let category = state.db.read_from(from, move |conn| model::find(conn, id)).await?;
    Ok(respond(HttpResponse::Ok(), CategoryResponse::from(category)))
}

/// The strong entity tag of a category's current version, which `If-Match` names.
fn etag(category: &CategoryResponse) -> String {
    version_tag("v", format!("{}-{}", category.updated_at.timestamp_micros(), category.article_count))
}

fn respond(mut response: actix_web::HttpResponseBuilder, category: CategoryResponse) -> HttpResponse {
    response.insert_header((header::ETAG, etag(&category))).json(category)
}

/// Checks `If-Match` against the category's current version.
fn check_version(if_match: &IfMatch, current: &CategoryResponse, required: bool) -> Result<(), ApiError> {
    if_match.check(&etag(current), required, || {
        format!(
            "The category has changed since that version (last changed at {}); reload it and apply your change again.",
            current.updated_at.to_rfc3339()
        )
    })
}

/// The published articles of a category and every category below it, with all the
/// options of `GET /articles`.
#[utoipa::path(
    tag = "categories",
    params(("slug" = String, Path, description = "Category slug"), ArticleListQuery),
    security((), ("bearer" = [])),
    responses((status = 200, description = "A page of articles", body = ListResponse<ArticleResponse>),
              (status = 304, description = "Not modified"), BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/categories/{slug}/articles")]
pub async fn category_articles(
    state: Data<AppState>,
    viewer: Viewer,
    slug: Path<String>,
    query: ApiQuery<ArticleListQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    if !slug::is_valid_slug(&slug) {
        return Err(ApiError::not_found("category"));
    }
    article_list(&state, &viewer, query.into_inner(), ListScope::Category(slug), &req).await
}

/// Create a category (editors, `content:write`).
#[utoipa::path(
    tag = "categories",
    request_body = CategoryInput,
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = CategoryResponse),
              BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[post("/categories")]
pub async fn create_category(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<CategoryInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let fields = body.0.validate()?;
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let category = state
        .db
        .write(move |conn| {
            let at = now();
            let id = model::create(conn, &fields, at)?;
            Change::new("category.create", "category", id)
                .fields(["name", "slug", "parent_id", "position", "description"])
                .record(conn, &actor, at)?;
            let category = model::find(conn, id)?;
            Event::new("category.created", &CategoryResponse::from(category.clone()))
                .keys(taxonomy_keys("category", "categories", id, true))
                .emit(conn, &outbox, &actor, at)?;
            Ok(category)
        })
        .await?;
    state.content_changed();
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, format!("/api/v1/categories/{}", category.0.id)));
    Ok(respond(created, CategoryResponse::from(category)))
}

/// Replace a category.
#[utoipa::path(
    tag = "categories",
    params(("id" = i64, Path, description = "Category id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version you are changing; 412 when it is no longer current")),
    request_body = CategoryInput,
    security(("bearer" = [])),
    responses((status = 200, description = "Replaced", body = CategoryResponse,
               headers(("ETag" = String, description = "The version, for If-Match"))),
              BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired,
              PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[put("/categories/{id}")]
pub async fn replace_category(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: Path<i64>,
    body: ApiJson<CategoryInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    write_category(state, principal, origin, if_match, id.into_inner(), move |_| input).await
}

/// Change some fields of a category (moving it under another parent, too).
#[utoipa::path(
    tag = "categories",
    params(("id" = i64, Path, description = "Category id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version you are changing; 412 when it is no longer current")),
    request_body = CategoryPatch,
    security(("bearer" = [])),
    responses((status = 200, description = "Updated", body = CategoryResponse,
               headers(("ETag" = String, description = "The version, for If-Match"))),
              BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired,
              PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[patch("/categories/{id}")]
pub async fn update_category(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: Path<i64>,
    body: ApiJson<CategoryPatch>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.0;
    write_category(state, principal, origin, if_match, id.into_inner(), move |current| CategoryInput {
        name: patch.name.unwrap_or(current.name),
        slug: Some(patch.slug.unwrap_or(current.slug)),
        parent_id: patch.parent_id.unwrap_or(current.parent_id),
        position: patch.position.unwrap_or(current.position),
        description: patch.description.unwrap_or(current.description),
    })
    .await
}

/// A PUT or PATCH: the whole category `input` makes of the current one, with its audit entry.
async fn write_category(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: i64,
    input: impl FnOnce(Category) -> CategoryInput + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let actor = Actor::new(&principal, origin);
    let required = state.settings.require_if_match;
    let outbox = state.outbox.clone();
    let category = state
        .db
        .write(move |conn| {
            let current = model::find(conn, id)?;
            let before = CategoryResponse::from(current.clone());
            // Bad input is a 400 whatever version it names.
            let fields = input(current.0).validate()?;
            check_version(&if_match, &before, required)?;
            let at = now();
            model::update(conn, id, &fields, at)?;
            let category = model::find(conn, id)?;
            let after = CategoryResponse::from(category.clone());
            let changed = changed_fields(&before, &after);
            if !changed.is_empty() {
                Change::new("category.update", "category", id).fields(&changed).record(conn, &actor, at)?;
                Event::new("category.updated", &after)
                    .changed(&changed)
                    .keys(taxonomy_keys("category", "categories", id, false))
                    .emit(conn, &outbox, &actor, at)?;
            }
            Ok(category)
        })
        .await?;
    state.content_changed();
    Ok(respond(HttpResponse::Ok(), CategoryResponse::from(category)))
}

/// Delete a category that files no article and has no sub-categories (else 409).
#[utoipa::path(
    tag = "categories",
    params(("id" = i64, Path, description = "Category id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version you are changing; 412 when it is no longer current")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
              PreconditionFailed, PreconditionRequired, Unavailable)
)]
#[delete("/categories/{id}")]
pub async fn delete_category(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let required = state.settings.require_if_match;
    let outbox = state.outbox.clone();
    state
        .db
        .write(move |conn| {
            let at = now();
            let before = CategoryResponse::from(model::find(conn, id)?);
            check_version(&if_match, &before, required)?;
            model::delete(conn, id)?;
            Change::new("category.delete", "category", id).record(conn, &actor, at)?;
            let keys = taxonomy_keys("category", "categories", id, false);
            Event::new("category.deleted", &before).keys(keys).emit(conn, &outbox, &actor, at)?;
            Ok(())
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::NoContent().finish())
}
