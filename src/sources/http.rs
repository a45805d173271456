//! `/api/v1/sources`: news sources.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{self, SourceFields, SourceWithCount};
use crate::audit::{Actor, Change, Origin, changed_fields};
use crate::auth::{Permission, Principal};
use crate::db::{ReadFrom, now};
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired, Unauthorized,
    Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery, nullable};
use crate::pagination::{ListResponse, PageQuery};
use crate::preconditions::{IfMatch, version_tag};
use crate::state::AppState;
use crate::validation::{Checks, Lines};
use crate::webhooks::{Event, taxonomy_keys};

const MAX_NAME: usize = 200;
const MAX_DESCRIPTION: usize = 2000;

/// A news source as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceResponse {
    pub id: i64,
    #[schema(example = "Báo Bình Phước")]
    pub name: String,
    pub url: Option<String>,
    pub logo_url: Option<String>,
    pub description: Option<String>,
    /// Articles citing this source, whatever their status.
    pub article_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SourceWithCount> for SourceResponse {
    fn from(s: SourceWithCount) -> Self {
        Self {
            id: s.source.id,
            name: s.source.name,
            url: s.source.url,
            logo_url: s.source.logo_url,
            description: s.source.description,
            article_count: s.article_count,
            created_at: s.source.created_at.and_utc(),
            updated_at: s.source.updated_at.and_utc(),
        }
    }
}

/// A whole source, for create and replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    /// Unique, 1 to 200 characters.
    #[schema(example = "Báo Bình Phước", min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// The source's home page (http or https).
    #[schema(
        example = "https://baobinhphuoc.com.vn",
        max_length = 2048,
        pattern = "^\\s*([Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*)?$"
    )]
    pub url: Option<String>,
    #[schema(max_length = 2048, pattern = "^\\s*([Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*)?$")]
    pub logo_url: Option<String>,
    /// Up to 2000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// Fields to change; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourcePatch {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 2048, pattern = "^\\s*([Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*)?$")]
    pub url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 2048, pattern = "^\\s*([Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*)?$")]
    pub logo_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 2000)]
    pub description: Option<Option<String>>,
}

impl SourceInput {
    fn validate(&self) -> Result<SourceFields, ApiError> {
        let mut checks = Checks::new();
        let fields = SourceFields {
            name: checks.required_text("name", &self.name, MAX_NAME, Lines::Single),
            url: checks.optional_url("url", self.url.as_deref()),
            logo_url: checks.optional_url("logo_url", self.logo_url.as_deref()),
            description: checks.optional_text(
                "description",
                self.description.as_deref(),
                MAX_DESCRIPTION,
                Lines::Multi,
            ),
        };
        checks.finish()?;
        Ok(fields)
    }
}

impl SourcePatch {
    fn apply_to(self, current: SourceWithCount) -> SourceInput {
        let s = current.source;
        SourceInput {
            name: self.name.unwrap_or(s.name),
            url: self.url.unwrap_or(s.url),
            logo_url: self.logo_url.unwrap_or(s.logo_url),
            description: self.description.unwrap_or(s.description),
        }
    }
}

/// List sources by name.
#[utoipa::path(
    tag = "sources",
    params(PageQuery),
    responses((status = 200, description = "A page of sources", body = ListResponse<SourceResponse>), BadRequest, Unavailable)
)]
#[get("/sources")]
pub async fn list_sources(
    state: Data<AppState>,
    from: ReadFrom,
    query: ApiQuery<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let paging = query.paging()?;
    let (items, total) = state.db.read_from(from, move |conn| model::list(conn, paging)).await?;
    let data = items.into_iter().map(SourceResponse::from).collect();
    Ok(ListResponse::new(data, paging, total).respond(&req))
}

/// Get one source.
#[utoipa::path(
    tag = "sources",
    params(("id" = i64, Path, description = "Source id")),
    responses((status = 200, description = "The source", body = SourceResponse,
               headers(("ETag" = String, description = "The version, for If-None-Match and If-Match"))),
              BadRequest, NotFound, Unavailable)
)]
#[get("/sources/{id}")]
pub async fn get_source(state: Data<AppState>, from: ReadFrom, id: Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let source = state.db.read_from(from, move |conn| model::find(conn, id)).await?;
    Ok(respond(HttpResponse::Ok(), SourceResponse::from(source)))
}

/// The strong entity tag of a source's current version, which `If-Match` names.
fn etag(source: &SourceResponse) -> String {
    version_tag("v", format!("{}-{}", source.updated_at.timestamp_micros(), source.article_count))
}

fn respond(mut response: actix_web::HttpResponseBuilder, source: SourceResponse) -> HttpResponse {
    response.insert_header((header::ETAG, etag(&source))).json(source)
}

/// Checks `If-Match` against the source's current version.
fn check_version(if_match: &IfMatch, current: &SourceResponse, required: bool) -> Result<(), ApiError> {
    if_match.check(&etag(current), required, || {
        format!(
            "The source has changed since that version (last changed at {}); reload it and apply your change again.",
            current.updated_at.to_rfc3339()
        )
    })
}

/// Create a source.
#[utoipa::path(
    tag = "sources",
    request_body = SourceInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = SourceResponse,
         headers(("Location" = String, description = "URL of the new source"))),
        BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[post("/sources")]
pub async fn create_source(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<SourceInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let fields = body.0.validate()?;
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let source = state
        .db
        .write(move |conn| {
            let at = now();
            let source = model::create(conn, &fields)?;
            let id = source.source.id;
            Change::new("source.create", "source", id)
                .fields(["name", "url", "logo_url", "description"])
                .record(conn, &actor, at)?;
            Event::new("source.created", &SourceResponse::from(source.clone()))
                .keys(taxonomy_keys("source", "sources", id, true))
                .emit(conn, &outbox, &actor, at)?;
            Ok(source)
        })
        .await?;
    state.content_changed();
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, format!("/api/v1/sources/{}", source.source.id)));
    Ok(respond(created, SourceResponse::from(source)))
}

/// Replace a source.
#[utoipa::path(
    tag = "sources",
    params(("id" = i64, Path, description = "Source id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version you are changing; 412 when it is no longer current")),
    request_body = SourceInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = SourceResponse,
         headers(("ETag" = String, description = "The version, for If-Match"))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired,
        PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[put("/sources/{id}")]
pub async fn replace_source(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: Path<i64>,
    body: ApiJson<SourceInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    write_source(state, principal, origin, if_match, id.into_inner(), move |_| input).await
}

/// Change some fields of a source.
#[utoipa::path(
    tag = "sources",
    params(("id" = i64, Path, description = "Source id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version you are changing; 412 when it is no longer current")),
    request_body = SourcePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = SourceResponse,
         headers(("ETag" = String, description = "The version, for If-Match"))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired,
        PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[patch("/sources/{id}")]
pub async fn update_source(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: Path<i64>,
    body: ApiJson<SourcePatch>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.0;
    write_source(state, principal, origin, if_match, id.into_inner(), move |current| patch.apply_to(current)).await
}

/// A PUT or PATCH: the whole source `input` makes of the current one, with its audit entry.
async fn write_source(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: i64,
    input: impl FnOnce(SourceWithCount) -> SourceInput + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let actor = Actor::new(&principal, origin);
    let required = state.settings.require_if_match;
    let outbox = state.outbox.clone();
    let source = state
        .db
        .write(move |conn| {
            let current = model::find(conn, id)?;
            let before = SourceResponse::from(current.clone());
            // Bad input is a 400 whatever version it names.
            let fields = input(current).validate()?;
            check_version(&if_match, &before, required)?;
            let source = model::update(conn, id, &fields)?;
            let after = SourceResponse::from(source.clone());
            let changed = changed_fields(&before, &after);
            if !changed.is_empty() {
                let at = now();
                Change::new("source.update", "source", id).fields(&changed).record(conn, &actor, at)?;
                Event::new("source.updated", &after)
                    .changed(&changed)
                    .keys(taxonomy_keys("source", "sources", id, false))
                    .emit(conn, &outbox, &actor, at)?;
            }
            Ok(source)
        })
        .await?;
    state.content_changed();
    Ok(respond(HttpResponse::Ok(), SourceResponse::from(source)))
}

/// Delete a source that no article cites.
#[utoipa::path(
    tag = "sources",
    params(("id" = i64, Path, description = "Source id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version you are changing; 412 when it is no longer current")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Articles still cite the source; nothing was deleted",
         body = crate::error::Problem, content_type = "application/problem+json"),
        BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, PreconditionRequired, Unavailable
    )
)]
#[delete("/sources/{id}")]
pub async fn delete_source(
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
            let before = SourceResponse::from(model::find(conn, id)?);
            check_version(&if_match, &before, required)?;
            model::delete(conn, id)?;
            Change::new("source.delete", "source", id).record(conn, &actor, at)?;
            let keys = taxonomy_keys("source", "sources", id, false);
            Event::new("source.deleted", &before).keys(keys).emit(conn, &outbox, &actor, at)?;
            Ok(())
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::NoContent().finish())
}
