//! Article request bodies and their validation into a model write.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{Article, ArticleFields, ArticleWrite, CoverImage, SlugChoice, Status};
use crate::error::ApiError;
use crate::extract::nullable;
use crate::tags::model::TagName;
use crate::validation::{Checks, Lines};
use crate::{html, slug};

const MAX_TITLE: usize = 300;
const MAX_SUMMARY: usize = 2000;
const MAX_AUTHOR: usize = 200;
const MAX_ALT: usize = 300;
const MAX_CAPTION: usize = 1000;
const MAX_CREDIT: usize = 200;
const MAX_TAGS: usize = 20;
const MAX_TAG: usize = 60;
const MAX_NOTE: usize = 500;

/// A whole article, for create and replace.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// 1 to 300 characters.
    #[schema(
        example = "Kết quả thực hiện phong trào thi đua “Dân vận khéo”",
        min_length = 1,
        max_length = 300,
        pattern = "\\S"
    )]
    pub title: String,
    /// Lowercase ASCII words joined by `-`. Made from the title when absent; an update
    /// without a slug keeps the current one.
    #[schema(
        example = "ket-qua-thuc-hien-phong-trao-thi-dua-dan-van-kheo",
        pattern = "^\\s*[a-z0-9]+(-[a-z0-9]+)*\\s*$",
        max_length = 120
    )]
    pub slug: Option<String>,
    /// The lead paragraph, up to 2000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub summary: String,
    /// HTML body; sanitized on write (scripts, event handlers and `javascript:` URLs are removed).
    #[serde(default)]
    pub body_html: String,
    pub cover_image: Option<CoverImage>,
    #[schema(max_length = 200)]
    pub author: Option<String>,
    #[schema(minimum = 1)]
    pub source_id: Option<i64>,
    /// Link to the original article at the source.
    #[schema(max_length = 2048, pattern = "^\\s*([Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*)?$")]
    pub source_url: Option<String>,
    #[schema(minimum = 1)]
    pub category_id: Option<i64>,
    /// Tag names (up to 20); unknown tags are created.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub tags: Vec<String>,
    /// Defaults to `draft`. `scheduled` needs `published_at`; `published` without one is published now.
    #[serde(default = "default_status")]
    pub status: Status,
    /// When the article becomes public (RFC 3339).
    pub published_at: Option<DateTime<Utc>>,
    /// When the article stops being public (RFC 3339); must be after `published_at`.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether readers may rate the article (default true).
    #[serde(default = "default_allow_rating")]
    pub allow_rating: bool,
    /// Whether readers may comment (default `NEWSDESK_COMMENTS_DEFAULT`; on a replace, as
    /// it was). Not part of the revision history: it is moderation, not content.
    pub allow_comments: Option<bool>,
    /// A summary of this edit for the revision history (up to 500 characters); not part
    /// of the article.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

fn default_status() -> Status {
    Status::Draft
}

fn default_allow_rating() -> bool {
    true
}

/// Fields to change; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatch {
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub title: Option<String>,
    #[schema(pattern = "^\\s*[a-z0-9]+(-[a-z0-9]+)*\\s*$", max_length = 120)]
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub summary: Option<String>,
    pub body_html: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub cover_image: Option<Option<CoverImage>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 200)]
    pub author: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(minimum = 1)]
    pub source_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 2048, pattern = "^\\s*([Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*)?$")]
    pub source_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(minimum = 1)]
    pub category_id: Option<Option<i64>>,
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "nullable")]
    pub published_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub allow_rating: Option<bool>,
    pub allow_comments: Option<bool>,
    /// A summary of this edit for the revision history (up to 500 characters).
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

impl ArticlePatch {
    /// The whole article this patch asks for, `current` with the given fields replaced.
    pub fn apply_to(self, current: &Article) -> ArticleInput {
        let row = &current.row;
        let now = crate::db::now();
        ArticleInput {
            title: self.title.unwrap_or_else(|| row.title.clone()),
            slug: self.slug,
            summary: self.summary.unwrap_or_else(|| row.summary.clone()),
            body_html: self.body_html.unwrap_or_else(|| row.body_html.clone()),
            cover_image: self.cover_image.unwrap_or_else(|| stored_cover(current)),
            author: self.author.unwrap_or_else(|| row.author.clone()),
            source_id: self.source_id.unwrap_or(row.source_id),
            source_url: self.source_url.unwrap_or_else(|| row.source_url.clone()),
            category_id: self.category_id.unwrap_or(row.category_id),
            tags: self.tags.unwrap_or_else(|| current.tags.iter().map(|t| t.name.clone()).collect()),
            status: self.status.unwrap_or_else(|| row.stored_status(now)),
            published_at: self.published_at.unwrap_or(row.published_at.map(|t| t.and_utc())),
            expires_at: self.expires_at.unwrap_or(row.expires_at.map(|t| t.and_utc())),
            allow_rating: self.allow_rating.unwrap_or(row.allow_rating),
            allow_comments: Some(self.allow_comments.unwrap_or(row.allow_comments)),
            note: self.note,
        }
    }
}

/// The cover as the editor wrote it: a media item's own texts are not copied in.
pub fn stored_cover(article: &Article) -> Option<CoverImage> {
    let row = &article.row;
    (row.cover_url.is_some() || row.cover_media_id.is_some()).then(|| CoverImage {
        url: row.cover_url.clone(),
        media_id: row.cover_media_id,
        alt: row.cover_alt.clone(),
        caption: row.cover_caption.clone(),
        credit: row.cover_credit.clone(),
    })
}

impl ArticleInput {
    /// Checks every field and returns the write to perform. `existing` is the article
    /// being replaced, if any: it decides the default slug and keeps its publication time.
    pub fn validate(self, existing: Option<&Article>, now: NaiveDateTime) -> Result<ArticleWrite, ApiError> {
        let mut checks = Checks::new();
        let title = checks.required_text("title", &self.title, MAX_TITLE, Lines::Single);
        let slug = match self.slug.as_deref().map(str::trim) {
            Some(wanted) if slug::is_valid_slug(wanted) => SlugChoice::Explicit(wanted.to_owned()),
            Some(_) => {
                checks.error(
                    "slug",
                    format!(
                        "must be lowercase ASCII letters and digits in words joined by single hyphens, at most {} characters",
                        slug::MAX_SLUG_LENGTH
                    ),
                );
                SlugChoice::Keep
            }
            None if existing.is_some() => SlugChoice::Keep,
            None => SlugChoice::FromTitle,
        };
        let summary = checks.text("summary", &self.summary, MAX_SUMMARY, Lines::Multi);
        let body_html = html::sanitize(&checks.text("body_html", &self.body_html, usize::MAX, Lines::Multi));
        let cover = self.cover_image.as_ref();
        let cover_url = cover.and_then(|c| checks.optional_image_url("cover_image.url", c.url.as_deref()));
        let cover_media_id = cover.and_then(|c| c.media_id);
        match (cover, &cover_url, cover_media_id) {
            (Some(_), Some(_), Some(_)) => checks.error("cover_image", "must have a url or a media_id, not both"),
            (Some(_), None, None) if !checks.has_error("cover_image.url") => {
                checks.error("cover_image", "must have a url or a media_id")
            }
            (_, _, Some(id)) if id <= 0 => checks.error("cover_image.media_id", "must be a positive id"),
            _ => {}
        }
        if self.status == Status::Trashed {
            checks.error("status", "cannot be set: DELETE moves an article to the trash");
        }
        let note = checks.optional_text("note", self.note.as_deref(), MAX_NOTE, Lines::Multi);
        let published_at = self.published_at.map(stored_time);
        let expires_at = self.expires_at.map(stored_time);
        let published_at = match self.status {
            Status::Published => published_at.or_else(|| existing.and_then(|a| a.row.published_at)).or(Some(now)),
            Status::Scheduled if published_at.is_none() => {
                checks.error("published_at", "is required when status is scheduled");
                None
            }
            _ => published_at,
        };
        if let (Some(from), Some(until)) = (published_at, expires_at)
            && until <= from
        {
            checks.error("expires_at", "must be after published_at");
        }
        for (field, id) in [("source_id", self.source_id), ("category_id", self.category_id)] {
            if id.is_some_and(|id| id <= 0) {
                checks.error(field, "must be a positive id");
            }
        }
        let fields = ArticleFields {
            title,
            summary,
            body_html,
            cover_url,
            cover_media_id,
            cover_alt: cover
                .and_then(|c| checks.optional_text("cover_image.alt", c.alt.as_deref(), MAX_ALT, Lines::Single)),
            cover_caption: cover.and_then(|c| {
                checks.optional_text("cover_image.caption", c.caption.as_deref(), MAX_CAPTION, Lines::Multi)
            }),
            cover_credit: cover.and_then(|c| {
                checks.optional_text("cover_image.credit", c.credit.as_deref(), MAX_CREDIT, Lines::Single)
            }),
            author: checks.optional_text("author", self.author.as_deref(), MAX_AUTHOR, Lines::Single),
            source_id: self.source_id,
            source_url: checks.optional_url("source_url", self.source_url.as_deref()),
            category_id: self.category_id,
            status: self.status.stored().to_owned(),
            published_at,
            expires_at,
            allow_rating: self.allow_rating,
            allow_comments: self.allow_comments.or(existing.map(|a| a.row.allow_comments)).unwrap_or(true),
            search_title: String::new(),
            search_body: String::new(),
        };
        let (search_title, search_body) = super::model::search_text(&fields.title, &fields.summary, &fields.body_html);
        let fields = ArticleFields { search_title, search_body, ..fields };
        let tags = check_tags(&self.tags, &mut checks);
        checks.finish()?;
        Ok(ArticleWrite { fields, slug, tags, note })
    }
}

fn check_tags(names: &[String], checks: &mut Checks) -> Vec<TagName> {
    if names.len() > MAX_TAGS {
        checks.error("tags", format!("at most {MAX_TAGS} tags"));
        return Vec::new();
    }
    let mut tags: Vec<TagName> = Vec::new();
    for (i, raw) in names.iter().enumerate() {
        let field = format!("tags[{i}]");
        let name = checks.required_text(&field, raw, MAX_TAG, Lines::Single);
        let slug = slug::slugify(&name);
        if slug.is_empty() {
            if !checks.has_error(&field) {
                checks.error(field, "must contain a letter or a digit");
            }
        } else if !tags.iter().any(|t| t.slug == slug) {
            tags.push(TagName { name, slug });
        }
    }
    tags
}

fn stored_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(6)
}
