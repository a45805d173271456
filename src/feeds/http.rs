//! `/api/v1/feeds`: RSS 2.0 and Atom of the newest published articles.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Deserialize;
use utoipa::ToSchema;

use super::xml::{self, Channel};
use crate::articles::model::list::{self as listing, ListFilter, PageRequest, Shown, Sort};
use crate::articles::model::{Article, Audience};
use crate::categories::model as categories;
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{BadRequest, NotFound, Unavailable};
use crate::pagination::Paging;
use crate::slug;
use crate::state::AppState;

/// Articles per feed.
const FEED_LENGTH: i64 = 50;
/// An entry shows the article's summary and category, not its body.
const FEED_SHOWS: Shown = Shown { body: false, embedded: true, snippet: false };

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// RSS 2.0 (`application/rss+xml`).
    Rss,
    /// Atom (`application/atom+xml`).
    Atom,
}

/// The newest published articles, and the category's name when there is one.
async fn newest(state: &AppState, category: Option<String>) -> Result<(Vec<Article>, Option<String>), ApiError> {
    let at = now();
    state
        .db
        .read_public(move |conn| {
            let mut filter = ListFilter { audience: Some(Audience::Public), ..Default::default() };
            let mut name = None;
            if let Some(slug) = category {
                let ids = categories::with_descendants(conn, &slug)?.ok_or_else(|| ApiError::not_found("category"))?;
                name = categories::by_ids(conn, &ids[..1])?.remove(&ids[0]).map(|c| c.name);
                filter.category_ids = Some(ids);
            }
            let page = PageRequest::Numbered(Paging { page: 1, per_page: FEED_LENGTH });
            Ok((listing::list(conn, &filter, Sort::NewestFirst, &page, false, FEED_SHOWS, at)?.articles, name))
        })
        .await
}

fn respond(state: &AppState, req: &HttpRequest, format: Format, articles: &[Article], title: String) -> HttpResponse {
    let info = req.connection_info();
    let channel = Channel {
        description: format!("Tin mới nhất: {title}"),
        title,
        site_link: format!("{}/", state.site.base),
        self_link: format!("{}://{}{}", info.scheme(), info.host(), req.path()),
        site: &state.site,
    };
    let now = chrono::Utc::now();
    match format {
        Format::Rss => HttpResponse::Ok()
            .content_type("application/rss+xml; charset=utf-8")
            .body(xml::rss(&channel, articles, now)),
        Format::Atom => HttpResponse::Ok()
            .content_type("application/atom+xml; charset=utf-8")
            .body(xml::atom(&channel, articles, now)),
    }
}

/// The site's newest 50 published articles, as RSS 2.0 or Atom.
#[utoipa::path(
    tag = "feeds",
    params(("format" = Format, Path, description = "`rss` or `atom`")),
    responses(
        (status = 200, description = "The feed", content(
            (String = "application/rss+xml"),
            (String = "application/atom+xml"))),
        (status = 304, description = "Not modified"),
        BadRequest, Unavailable
    )
)]
#[get("/feeds/{format}")]
pub async fn site_feed(
    state: Data<AppState>,
    req: HttpRequest,
    format: Path<Format>,
) -> Result<HttpResponse, ApiError> {
    let (articles, _) = newest(&state, None).await?;
    Ok(respond(&state, &req, format.into_inner(), &articles, state.settings.site_name.clone()))
}

/// A category's (and its sub-categories') newest 50 published articles.
#[utoipa::path(
    tag = "feeds",
    params(("slug" = String, Path, description = "Category slug"), ("format" = Format, Path, description = "`rss` or `atom`")),
    responses(
        (status = 200, description = "The feed", content(
            (String = "application/rss+xml"),
            (String = "application/atom+xml"))),
        (status = 304, description = "Not modified"),
        BadRequest, NotFound, Unavailable
    )
)]
#[get("/feeds/categories/{slug}/{format}")]
pub async fn category_feed(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, Format)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, format) = path.into_inner();
    if !slug::is_valid_slug(&slug) {
        return Err(ApiError::not_found("category"));
    }
    let (articles, name) = newest(&state, Some(slug)).await?;
    let title = format!("{} — {}", state.settings.site_name, name.unwrap_or_default());
    Ok(respond(&state, &req, format, &articles, title))
}
