//! Articles as clients see them: the response shape with its embedded source, category,
//! tags and rating, shared by every handler that returns articles.

use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{Article, ArticleRow, Status};
use crate::config::SiteUrls;
use crate::media::model::MediaRow;
use crate::media::urls::{FileUrls, Focal, Variant, page_url};
use crate::state::AppState;

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

/// The lead image as readers get it. A media library cover adds its size, focal point
/// and the variants for `srcset`; its `url` is then the 1280 px variant (or the widest
/// there is) in the original's format.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverImageResponse {
    pub url: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    /// Who took the photo ("Nguồn ảnh").
    pub credit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focal: Option<Focal>,
    /// Every width in WebP and in the original's format, narrowest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<Variant>>,
}

impl CoverImageResponse {
    fn new(row: &ArticleRow, media: Option<MediaRow>, site: &SiteUrls) -> Option<Self> {
        let (alt, caption, credit) = (row.cover_alt.clone(), row.cover_caption.clone(), row.cover_credit.clone());
        if let Some(item) = media {
            let variants = FileUrls::new(&site.media).variants(&item, None);
            return Some(Self {
                url: page_url(&variants),
                alt: alt.or(item.alt),
                caption: caption.or(item.caption),
                credit: credit.or(item.credit),
                media_id: Some(item.id),
                width: Some(item.width),
                height: Some(item.height),
                focal: Some(Focal { x: item.focal_x, y: item.focal_y }),
                variants: Some(variants),
            });
        }
        row.cover_url.clone().map(|url| Self {
            url,
            alt,
            caption,
            credit,
            media_id: None,
            width: None,
            height: None,
            focal: None,
            variants: None,
        })
    }
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
    pub cover_image: Option<CoverImageResponse>,
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
    /// Whether its editor lets readers comment (comments also close `NEWSDESK_COMMENTS_CLOSE_AFTER_DAYS` after publication).
    pub allow_comments: bool,
    /// Approved comments, replies included (`/articles/{id}/comments`).
    pub comment_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The user who created the article, when known.
    pub created_by: Option<i64>,
    /// The number of the article's current revision (`/articles/{id}/revisions`).
    pub revision: i64,
    /// When the article was moved to the trash (staff only; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trashed_at: Option<DateTime<Utc>>,
    /// The article's page on the site (`NEWSDESK_SITE_URL` + `NEWSDESK_ARTICLE_PATH`).
    pub url: String,
    /// In search results: the matching words in context, HTML-escaped, matches in `<mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

impl ArticleResponse {
    pub fn new(article: Article, now: NaiveDateTime, site: &SiteUrls) -> Self {
        let Article { row, source, category, tags, cover_media } = article;
        let cover_image = CoverImageResponse::new(&row, cover_media, site);
        let url = site.article_url(&row.slug);
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
            allow_comments: row.allow_comments,
            comment_count: row.comment_count,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            created_by: row.created_by,
            revision: row.revision,
            trashed_at: row.trashed_at.map(|t| t.and_utc()),
            url,
            snippet: None,
        }
    }
}

/// An HTTP date (RFC 9110 IMF-fixdate).
pub fn last_modified(at: NaiveDateTime) -> String {
    at.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The strong entity tag of an article's current revision, which `If-Match` names.
pub fn revision_etag(article: &Article) -> String {
    crate::preconditions::version_tag("rev-", article.row.revision)
}

/// A staff answer with the article: its revision's `ETag` and `Last-Modified`.
pub fn staff_response(
    mut response: actix_web::HttpResponseBuilder,
    article: Article,
    state: &AppState,
) -> HttpResponse {
    let at = crate::db::now();
    response
        .insert_header((header::ETAG, revision_etag(&article)))
        .insert_header((header::LAST_MODIFIED, last_modified(article.row.updated_at)))
        .json(ArticleResponse::new(article, at, &state.site))
}
