//! The article list as a service: query parsing, filters, cursors, the cached page.
//! `/articles`, `/categories/{slug}/articles` and `/tags/{slug}/articles` all answer
//! through `article_list`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::list::{self as listing, Cursor, ListFilter, PageRequest, Shown, Sort};
use super::model::{Audience, Status};
use super::response::{ArticleResponse, last_modified};
use crate::auth::{Permission, Viewer};
use crate::caching;
use crate::categories::model as categories;
use crate::db::now;
use crate::error::ApiError;
use crate::pagination::{ListResponse, Paging};
use crate::search;
use crate::slug;
use crate::state::AppState;
use crate::tags::model as tags;
use crate::validation::{Checks, Lines};

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
        pattern = "^\\s*(id|slug|title|summary|body_html|cover_image|author|source_id|source|source_url|category_id|category|tags|status|published_at|expires_at|allow_rating|view_count|rating|allow_comments|comment_count|created_at|updated_at|created_by|revision|trashed_at|snippet|url)?\\s*(,\\s*(id|slug|title|summary|body_html|cover_image|author|source_id|source|source_url|category_id|category|tags|status|published_at|expires_at|allow_rating|view_count|rating|allow_comments|comment_count|created_at|updated_at|created_by|revision|trashed_at|snippet|url)?\\s*)*$"
    )]
    pub fields: Option<String>,
    /// Full-text search in title, summary and body; accents and đ optional (`dan van kheo`);
    /// a quoted phrase matches its words side by side (`"nông thôn mới"`). Blank is no
    /// search; text without a letter or digit matches nothing.
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
const ARTICLE_FIELDS: [&str; 28] = [
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
    "allow_comments",
    "comment_count",
    "created_at",
    "updated_at",
    "created_by",
    "revision",
    "trashed_at",
    "snippet",
    "url",
];

/// Which articles a list is about, besides its query parameters.
#[derive(Clone)]
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
    if query.status.is_some_and(|status| status != Status::Published) && !viewer.allows(Permission::ReadDrafts) {
        let needed = "Only staff who may read drafts can list articles by a status other than published.";
        return Err(match viewer.0 {
            None => ApiError::Unauthorized(format!("{needed} Send their credentials.")),
            Some(_) => ApiError::Forbidden(needed.into()),
        });
    }
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
    let terms = query.q.as_deref().filter(|q| !q.trim().is_empty()).map(search::query_terms);
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
    if let Some(key) = cached
        && let Some(entry) = state.responses.get(key, 0)
    {
        return state.responses.respond(key, entry, req);
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
        word_counts: Some(state.word_counts.clone()),
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
    let shown = shown(fields.as_deref());
    let cached_total = state.list_counts.get(&count_key);
    let with_total = query.count.unwrap_or(true) && cached_total.is_none();
    let at = now();
    let page_for_meta = match &page {
        PageRequest::Numbered(paging) => Some(paging.page),
        PageRequest::After { .. } => None,
    };
    let result = state
        .db
        .read_from(viewer.reads_from(), move |conn| {
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
            listing::list(conn, &filter, sort, &page, with_total, shown, at)
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
    let mut snippets = result.snippets.into_iter();
    let data: Vec<serde_json::Value> = result
        .articles
        .into_iter()
        .map(|article| {
            let mut response = ArticleResponse::new(article, at, site);
            response.snippet = snippets.next().flatten();
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
        Some(key) => state.responses.keep(key, response, &LIST_HEADERS, req),
        None => response,
    })
}

/// The headers of a list response that describe its content.
const LIST_HEADERS: [header::HeaderName; 3] =
    [header::LAST_MODIFIED, header::HeaderName::from_static("x-total-count"), header::LINK];

/// What of each article a page with `fields` (all when none) shows.
fn shown(fields: Option<&[String]>) -> Shown {
    let Some(fields) = fields else { return Shown::ALL };
    let has = |name: &str| fields.iter().any(|field| field == name);
    Shown {
        body: has("body_html"),
        embedded: ["source", "category", "tags", "cover_image"].into_iter().any(has),
        snippet: has("snippet"),
    }
}

/// The article as JSON, cut down to `fields` when given.
fn sparse(mut article: ArticleResponse, fields: Option<&[String]>) -> serde_json::Value {
    // The body is the one large field: it is not copied into the JSON only to be dropped.
    if fields.is_some_and(|fields| !fields.iter().any(|f| f == "body_html")) {
        article.body_html = String::new();
    }
    let mut value = serde_json::to_value(article).expect("an article serializes");
    if let (Some(fields), Some(object)) = (fields, value.as_object_mut()) {
        object.retain(|key, _| fields.iter().any(|f| f == key));
    }
    value
}

/// Staff (and tokens that may read content) see every article; everyone else, only
/// what is published.
pub fn audience(viewer: &Viewer) -> Audience {
    if viewer.allows(Permission::ReadDrafts) { Audience::Staff } else { Audience::Public }
}

#[cfg(test)]
mod tests {
    use utoipa::IntoParams;

    use super::*;

    #[test]
    fn the_documented_fields_pattern_names_every_field() {
        let parameters = serde_json::to_value(ArticleListQuery::into_params(|| None)).unwrap();
        let fields = parameters.as_array().unwrap().iter().find(|p| p["name"] == "fields").unwrap();
        let pattern = fields["schema"]["pattern"].as_str().unwrap();
        let alternatives = pattern.split(['(', ')']).nth(1).unwrap();
        assert_eq!(alternatives.split('|').collect::<Vec<_>>(), ARTICLE_FIELDS);
    }
}
