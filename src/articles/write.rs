//! `POST`, `PUT`, `PATCH` and `DELETE` on `/api/v1/articles`: writing articles, with the
//! rules for what authors may do.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, delete, patch, post, put};
use chrono::NaiveDateTime;

use super::input::{ArticleInput, ArticlePatch};
use super::model::{self, Article, Status};
use super::response::ArticleResponse;
use crate::auth::{Permission, Principal};
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::ApiJson;
use crate::state::AppState;

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
