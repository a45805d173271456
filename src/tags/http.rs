//! `/api/v1/tags`: keywords, and the articles that carry them.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{self, Tag, TagName};
use crate::articles::list::{ArticleListQuery, ListScope, article_list};
use crate::articles::response::ArticleResponse;
use crate::audit::{Actor, Change, Origin};
use crate::auth::{Permission, Principal, Viewer};
use crate::db::{ReadFrom, now};
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::{ListResponse, PageQuery};
use crate::slug;
use crate::state::AppState;
use crate::validation::{Checks, Lines};
use crate::webhooks::{Event, taxonomy_keys};

#[derive(Debug, Serialize, ToSchema)]
pub struct TagResponse {
    pub id: i64,
    #[schema(example = "Dân vận khéo")]
    pub name: String,
    #[schema(example = "dan-van-kheo")]
    pub slug: String,
    /// Articles carrying the tag, whatever their status.
    pub article_count: i64,
}

impl From<(Tag, i64)> for TagResponse {
    fn from((t, article_count): (Tag, i64)) -> Self {
        Self { id: t.id, name: t.name, slug: t.slug, article_count }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagInput {
    /// 1 to 60 characters; the slug is made from it.
    #[schema(min_length = 1, max_length = 60, pattern = "\\S")]
    pub name: String,
}

fn check(input: TagInput) -> Result<TagName, ApiError> {
    let mut checks = Checks::new();
    let name = checks.required_text("name", &input.name, 60, Lines::Single);
    let slug = slug::slugify(&name);
    if slug.is_empty() && !checks.has_error("name") {
        checks.error("name", "must contain a letter or a digit");
    }
    checks.finish()?;
    Ok(TagName { name, slug })
}

/// Tags by name, with their article counts (public).
#[utoipa::path(
    tag = "tags",
    params(PageQuery),
    responses((status = 200, description = "A page of tags", body = ListResponse<TagResponse>), BadRequest, Unavailable)
)]
#[get("/tags")]
pub async fn list_tags(
    state: Data<AppState>,
    from: ReadFrom,
    query: ApiQuery<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let paging = query.paging()?;
    let (page, total) = state.db.read_from(from, move |conn| model::list(conn, paging)).await?;
    let data = page.into_iter().map(TagResponse::from).collect();
    Ok(ListResponse::new(data, paging, total).respond(&req))
}

/// One tag.
#[utoipa::path(
    tag = "tags",
    params(("id" = i64, Path, description = "Tag id")),
    responses((status = 200, description = "The tag", body = TagResponse), BadRequest, NotFound, Unavailable)
)]
#[get("/tags/{id}")]
pub async fn get_tag(state: Data<AppState>, from: ReadFrom, id: Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let tag = state.db.read_from(from, move |conn| model::find(conn, id)).await?;
    Ok(HttpResponse::Ok().json(TagResponse::from(tag)))
}

/// The published articles with a tag, with all the options of `GET /articles`.
#[utoipa::path(
    tag = "tags",
    params(("slug" = String, Path, description = "Tag slug"), ArticleListQuery),
    security((), ("bearer" = [])),
    responses((status = 200, description = "A page of articles", body = ListResponse<ArticleResponse>),
              (status = 304, description = "Not modified"), BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/tags/{slug}/articles")]
pub async fn tag_articles(
    state: Data<AppState>,
    viewer: Viewer,
    slug: Path<String>,
    query: ApiQuery<ArticleListQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    if !slug::is_valid_slug(&slug) {
        return Err(ApiError::not_found("tag"));
    }
    article_list(&state, &viewer, query.into_inner(), ListScope::Tag(slug), &req).await
}

/// Create a tag (editors, `content:write`). Tags are also made by naming them on an article.
#[utoipa::path(
    tag = "tags",
    request_body = TagInput,
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = TagResponse),
              BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[post("/tags")]
pub async fn create_tag(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<TagInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let tag = check(body.0)?;
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let saved = state
        .db
        .write(move |conn| {
            let at = now();
            let id = model::save(conn, None, &tag)?;
            Change::new("tag.create", "tag", id).fields(["name", "slug"]).record(conn, &actor, at)?;
            let saved = model::find(conn, id)?;
            Event::new("tag.created", &TagResponse::from(saved.clone()))
                .keys(taxonomy_keys("tag", "tags", id, true))
                .emit(conn, &outbox, &actor, at)?;
            Ok(saved)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/tags/{}", saved.0.id)))
        .json(TagResponse::from(saved)))
}

/// Rename a tag; its slug follows the new name.
#[utoipa::path(
    tag = "tags",
    params(("id" = i64, Path, description = "Tag id")),
    request_body = TagInput,
    security(("bearer" = [])),
    responses((status = 200, description = "Renamed", body = TagResponse),
              BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[patch("/tags/{id}")]
pub async fn rename_tag(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
    body: ApiJson<TagInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let id = id.into_inner();
    let tag = check(body.0)?;
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let saved = state
        .db
        .write(move |conn| {
            let (before, _) = model::find(conn, id)?;
            model::save(conn, Some(id), &tag)?;
            let saved = model::find(conn, id)?;
            let changed: Vec<&str> = [("name", before.name != saved.0.name), ("slug", before.slug != saved.0.slug)]
                .into_iter()
                .filter_map(|(field, differs)| differs.then_some(field))
                .collect();
            if !changed.is_empty() {
                let at = now();
                Change::new("tag.update", "tag", id).fields(&changed).record(conn, &actor, at)?;
                let changed: Vec<String> = changed.iter().map(|field| (*field).to_owned()).collect();
                Event::new("tag.updated", &TagResponse::from(saved.clone()))
                    .changed(&changed)
                    .keys(taxonomy_keys("tag", "tags", id, false))
                    .emit(conn, &outbox, &actor, at)?;
            }
            Ok(saved)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::Ok().json(TagResponse::from(saved)))
}

/// Delete a tag; the articles that carried it lose it.
#[utoipa::path(
    tag = "tags",
    params(("id" = i64, Path, description = "Tag id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[delete("/tags/{id}")]
pub async fn delete_tag(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    state
        .db
        .write(move |conn| {
            let at = now();
            let before = TagResponse::from(model::find(conn, id)?);
            model::delete(conn, id)?;
            Change::new("tag.delete", "tag", id).record(conn, &actor, at)?;
            Event::new("tag.deleted", &before)
                .keys(taxonomy_keys("tag", "tags", id, false))
                .emit(conn, &outbox, &actor, at)?;
            Ok(())
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::NoContent().finish())
}
