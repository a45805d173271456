//! `POST`, `PUT`, `PATCH` and `DELETE` on `/api/v1/articles`, and taking an article out
//! of the trash: each write stores its revision and its audit entry in its transaction,
//! and honours `If-Match`.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, delete, patch, post, put};
use serde::Deserialize;
use utoipa::IntoParams;

use super::events::ArticleChange;
use super::input::{ArticleInput, ArticlePatch};
use super::model;
use super::model::revisions;
use super::response::{ArticleResponse, staff_response};
use super::rules::{Edit, check_author_rules, check_version, revision_meta, write_over};
use crate::audit::{Actor, Change, Origin};
use crate::auth::{Permission, Principal};
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired, Unauthorized,
    Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery};
use crate::preconditions::IfMatch;
use crate::state::AppState;

/// Create an article. Its first revision and audit entry are stored with it.
#[utoipa::path(
    tag = "articles",
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ArticleResponse,
         headers(("Location" = String, description = "URL of the new article"),
                 ("ETag" = String, description = "The revision, for If-Match"))),
        BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[post("/articles")]
pub async fn create_article(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteArticles)?;
    let at = now();
    let mut input = body.0;
    input.allow_comments.get_or_insert(state.settings.comments_default);
    let write = input.validate(None, at)?;
    check_author_rules(&principal, None, Some(&write.fields.status), at)?;
    let created_by = principal.user_id();
    let meta = revision_meta(&state, &principal, origin, write.note.clone(), None);
    let shared = state.clone();
    let article = state
        .db
        .write(move |conn| {
            let article = model::create(conn, &write, created_by, &meta, at)?;
            let fields = revisions::Snapshot::of(&article).fields().keys().cloned().collect::<Vec<_>>();
            let change =
                ArticleChange { kind: "article.created", before: None, after: Some(&article), changed: &fields };
            change.announce(conn, &shared, &meta.actor, at)?;
            Change::new("article.create", "article", article.row.id).fields(fields).record(conn, &meta.actor, at)?;
            Ok(article)
        })
        .await?;
    state.content_changed();
    let location = format!("/api/v1/articles/{}", article.row.id);
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, location));
    Ok(staff_response(created, article, &state))
}

/// Replace an article. With `If-Match`, only if it is still at that revision.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id"),
           ("If-Match" = Option<String>, Header, description = "The ETag of the revision you are changing; 412 when it is no longer current")),
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced (or unchanged: no revision is made)", body = ArticleResponse,
         headers(("ETag" = String, description = "The revision, for If-Match"))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired,
        PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[put("/articles/{id:[0-9]+}")]
pub async fn replace_article(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: Path<i64>,
    body: ApiJson<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let edit = Edit { action: "article.update", note: None, restored_from: None };
    write_over(state, principal, origin, if_match, id.into_inner(), edit, move |_, _| Ok(input)).await
}

/// Change some fields of an article. With `If-Match`, only if it is still at that revision.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id"),
           ("If-Match" = Option<String>, Header, description = "The ETag of the revision you are changing; 412 when it is no longer current")),
    request_body = ArticlePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated (or unchanged: no revision is made)", body = ArticleResponse,
         headers(("ETag" = String, description = "The revision, for If-Match"))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired,
        PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[patch("/articles/{id:[0-9]+}")]
pub async fn update_article(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: Path<i64>,
    body: ApiJson<ArticlePatch>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.0;
    let edit = Edit { action: "article.update", note: None, restored_from: None };
    write_over(state, principal, origin, if_match, id.into_inner(), edit, move |_, current| Ok(patch.apply_to(current)))
        .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// `true` removes the article and its revisions for good instead of moving it to the
    /// trash (needs the right to delete articles).
    pub permanent: Option<bool>,
}

/// Move an article to the trash, or with `permanent=true` remove it for good.
///
/// In the trash, readers get 404 and the slug stays taken; `POST /articles/{id}/restore`
/// brings it back as it was. Trashed articles are removed after `NEWSDESK_TRASH_DAYS`.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id"), DeleteQuery,
           ("If-Match" = Option<String>, Header, description = "The ETag of the revision you are changing; 412 when it is no longer current")),
    security(("bearer" = [])),
    responses((status = 204, description = "Trashed, or deleted for good"),
              BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired,
              Unavailable)
)]
#[delete("/articles/{id:[0-9]+}")]
pub async fn delete_article(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: Path<i64>,
    query: ApiQuery<DeleteQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteArticles)?;
    let permanent = query.permanent.unwrap_or(false);
    if permanent {
        principal.require(Permission::DeleteArticles)?;
    }
    let id = id.into_inner();
    // The trash's age is read on the app's clock, as the sweep reads it.
    let at = state.stats.clock().now();
    let actor = Actor::new(&principal, origin);
    let require = state.settings.require_if_match;
    let shared = state.clone();
    state
        .db
        .write(move |conn| {
            let current = model::current(conn, id)?;
            check_version(conn, &if_match, &current, require)?;
            if !principal.allows(Permission::DeleteArticles) {
                check_author_rules(&principal, Some(&current), None, at)?;
            }
            if permanent {
                model::delete(conn, id)?;
                let change =
                    ArticleChange { kind: "article.deleted", before: Some(&current), after: None, changed: &[] };
                change.announce(conn, &shared, &actor, at)?;
                Change::new("article.delete", "article", id).record(conn, &actor, at)
            } else {
                model::trash(conn, id, at)?;
                let trashed = model::current(conn, id)?;
                let change = ArticleChange {
                    kind: "article.trashed",
                    before: Some(&current),
                    after: Some(&trashed),
                    changed: &[],
                };
                change.announce(conn, &shared, &actor, at)?;
                Change::new("article.trash", "article", id).record(conn, &actor, at)
            }
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::NoContent().finish())
}

/// Take an article out of the trash, as it was (status included).
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id"),
           ("If-Match" = Option<String>, Header, description = "The ETag of the revision you are changing; 412 when it is no longer current")),
    security(("bearer" = [])),
    responses((status = 200, description = "Restored", body = ArticleResponse,
               headers(("ETag" = String, description = "The revision, for If-Match"))),
              BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired,
              Unavailable)
)]
#[post("/articles/{id:[0-9]+}/restore")]
pub async fn restore_article(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteArticles)?;
    let id = id.into_inner();
    let at = now();
    let actor = Actor::new(&principal, origin);
    let require = state.settings.require_if_match;
    let shared = state.clone();
    let article = state
        .db
        .write(move |conn| {
            let current = model::current(conn, id)?;
            check_version(conn, &if_match, &current, require)?;
            if !principal.allows(Permission::DeleteArticles) {
                check_author_rules(&principal, Some(&current), None, at)?;
            }
            model::untrash(conn, id)?;
            Change::new("article.restore", "article", id).record(conn, &actor, at)?;
            let restored = model::current(conn, id)?;
            let change = ArticleChange {
                kind: "article.restored",
                before: Some(&current),
                after: Some(&restored),
                changed: &[],
            };
            change.announce(conn, &shared, &actor, at)?;
            model::current(conn, id)
        })
        .await?;
    state.content_changed();
    Ok(staff_response(HttpResponse::Ok(), article, &state))
}
