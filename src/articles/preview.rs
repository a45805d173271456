//! Draft previews for frontends: a signed link that lets whoever holds it read one
//! article (a draft, a scheduled one, or a pinned revision) on the real page, never
//! cached.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::revisions::{self, Snapshot};
use super::model::{self, Article, Audience};
use super::response::ArticleResponse;
use crate::audit::{Actor, Change, Origin};
use crate::auth::{Permission, Principal};
use crate::db::{DbConnection, now};
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::OptionalJson;
use crate::state::AppState;
use crate::{slug, sources, tags};

/// Links last a day unless asked otherwise, and a week at most.
const DEFAULT_LIFETIME: i64 = 86_400;
const MAX_LIFETIME: i64 = 7 * 86_400;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewLinkInput {
    /// Seconds the link works, 60 to 604800 (7 days); default 86400.
    #[schema(minimum = 60, maximum = 604800)]
    pub expires_in: Option<i64>,
    /// Show this revision instead of the article as it is now.
    #[schema(minimum = 1)]
    pub revision: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewLink {
    /// Pass as `?preview=` to `GET /api/v1/articles/{id}` or `/articles/by-slug/{slug}`.
    pub token: String,
    /// The frontend's preview page (`NEWSDESK_PREVIEW_URL` filled in); absent when not set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Make a preview link for an article (staff who may read drafts). Whoever holds it can
/// read that article, and only it, until it expires.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id")),
    request_body(content = Option<PreviewLinkInput>, description = "Optional"),
    security(("bearer" = [])),
    responses((status = 201, description = "The link", body = PreviewLink),
              BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[post("/articles/{id}/preview-links")]
pub async fn create_preview_link(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
    body: OptionalJson<PreviewLinkInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ReadDrafts)?;
    let id = id.into_inner();
    let input = body.0.unwrap_or_default();
    let lifetime = input.expires_in.unwrap_or(DEFAULT_LIFETIME);
    if !(60..=MAX_LIFETIME).contains(&lifetime) {
        return Err(ApiError::field("expires_in", format!("must be between 60 and {MAX_LIFETIME} seconds")));
    }
    let revision = input.revision;
    let at = now();
    let actor = Actor::new(&principal, origin);
    let article = state
        .db
        .write(move |conn| {
            let article = model::current(conn, id)?;
            if let Some(number) = revision {
                revisions::find(conn, id, number)?;
            }
            let change = Change::new("article.preview_link", "article", id);
            let change = match revision {
                Some(number) => change.details(serde_json::json!({ "revision": number })),
                None => change,
            };
            change.record(conn, &actor, at)?;
            Ok(article)
        })
        .await?;
    let issued = state.stats.clock().now().and_utc().timestamp();
    let token = state.keys.issue_preview(id, revision, issued, issued + lifetime)?;
    let url = state.settings.preview_url.as_ref().map(|template| {
        template.replace("{id}", &id.to_string()).replace("{slug}", &article.row.slug).replace("{token}", &token)
    });
    let expires_at = DateTime::from_timestamp(issued + lifetime, 0).unwrap_or_default();
    Ok(HttpResponse::Created().insert_header(("Cache-Control", "no-store")).json(PreviewLink {
        token,
        url,
        expires_at,
    }))
}

/// `?preview=` on an article read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// A preview token from `POST /articles/{id}/preview-links`: the article is shown
    /// whatever its status (or at the pinned revision), uncached. 401 when it has
    /// expired, is not valid, or is for another article.
    #[param(max_length = 2000)]
    pub preview: Option<String>,
}

/// Which article a preview read names.
pub enum PreviewKey {
    Id(i64),
    Slug(String),
}

/// The article a valid preview token opens, as `Cache-Control: private, no-store`.
pub async fn preview_read(state: &AppState, token: &str, key: PreviewKey) -> Result<HttpResponse, ApiError> {
    let at = now();
    let (article_id, revision) =
        state.keys.verify_preview(token.trim(), state.stats.clock().now().and_utc().timestamp())?;
    let article = state
        .db
        .read(move |conn| {
            let article = match key {
                PreviewKey::Id(id) => model::find(conn, id, Audience::Staff, at),
                PreviewKey::Slug(slug) if slug::is_valid_slug(&slug) => {
                    model::find_by_slug(conn, &slug, Audience::Staff, at)
                }
                PreviewKey::Slug(_) => Err(ApiError::not_found("article")),
            };
            // A token reads its own article only; any other answers as if it were not valid.
            let article = match article {
                Ok(article) if article.row.id == article_id => article,
                Ok(_) | Err(ApiError::NotFound(_)) => {
                    return Err(ApiError::Unauthorized("the preview token is for another article".into()));
                }
                Err(other) => return Err(other),
            };
            if article.row.trashed_at.is_some() {
                return Err(ApiError::not_found("article"));
            }
            match revision {
                Some(number) => {
                    let snapshot = revisions::find(conn, article_id, number)?.snapshot()?;
                    at_revision(conn, article, &snapshot)
                }
                None => Ok(article),
            }
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "private, no-store")).json(ArticleResponse::new(
        article,
        at,
        &state.site,
    )))
}

/// The article with its write fields as `snapshot` has them.
fn at_revision(conn: &mut DbConnection, mut article: Article, snapshot: &Snapshot) -> Result<Article, ApiError> {
    let row = &mut article.row;
    row.title = snapshot.title.clone();
    row.slug = snapshot.slug.clone();
    row.summary = snapshot.summary.clone();
    row.body_html = snapshot.body_html.clone();
    let cover = snapshot.cover_image.as_ref();
    row.cover_url = cover.and_then(|c| c.url.clone());
    row.cover_media_id = cover.and_then(|c| c.media_id);
    row.cover_alt = cover.and_then(|c| c.alt.clone());
    row.cover_caption = cover.and_then(|c| c.caption.clone());
    row.cover_credit = cover.and_then(|c| c.credit.clone());
    row.author = snapshot.author.clone();
    row.source_id = snapshot.source_id;
    row.source_url = snapshot.source_url.clone();
    row.category_id = snapshot.category_id;
    row.status = snapshot.status.clone();
    row.published_at = snapshot.published_at.map(|t| t.naive_utc());
    row.expires_at = snapshot.expires_at.map(|t| t.naive_utc());
    row.allow_rating = snapshot.allow_rating;
    let source_ids: Vec<i64> = snapshot.source_id.into_iter().collect();
    article.source = sources::model::by_ids(conn, &source_ids)?.into_values().next();
    let category_ids: Vec<i64> = snapshot.category_id.into_iter().collect();
    article.category = crate::categories::model::by_ids(conn, &category_ids)?.into_values().next();
    let media_ids: Vec<i64> = article.row.cover_media_id.into_iter().collect();
    article.cover_media = crate::media::model::by_ids(conn, &media_ids)?.into_values().next();
    let slugs: Vec<String> = snapshot.tags.iter().map(|name| slug::slugify(name)).collect();
    let known = tags::model::by_slugs(conn, &slugs)?;
    article.tags = slugs.iter().filter_map(|slug| known.get(slug).cloned()).collect();
    Ok(article)
}
