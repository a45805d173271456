//! Rows and queries of the `articles` table, with the sources, categories and tags
//! embedded in article responses.

pub mod list;
pub mod revisions;

use chrono::NaiveDateTime;
use diesel::dsl::case_when;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use self::revisions::{RevisionMeta, Snapshot};
use crate::categories::model::{self as categories, CategorySummary};
use crate::db::schema::{article_counters, articles, categories as category_rows, sources as source_rows};
use crate::db::text::CheckedText;
use crate::db::{DbConnection, MultiBackend};
use crate::error::{ApiError, FieldError};
use crate::media::model::{self as media, MediaRow};
use crate::on_backend;
use crate::slug;
use crate::sources::model::{self as sources, Source};
use crate::tags::model::{self as tags, Tag, TagName};

/// The lead image with its caption and photo credit: a URL, or an item of the media
/// library whose alt text, caption and credit are the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverImage {
    /// An absolute http(s) URL or a site path such as `/uploads/2020/09/anh.jpg`; or
    /// `media_id` instead.
    #[schema(example = "https://example.vn/uploads/2020/09/trung-tam-dieu-hanh.jpg")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A media library item (`/api/v1/media`); or `url` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<i64>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    /// Who took the photo ("Nguồn ảnh").
    pub credit: Option<String>,
}

/// Where an article is in its life. `scheduled` and `published` differ only by time:
/// an article whose `published_at` has come is published, without any job running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Scheduled,
    Published,
    Archived,
    /// In the trash (staff only): readers get 404, `POST /articles/{id}/restore` brings it back.
    Trashed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
            Self::Archived => "archived",
            Self::Trashed => "trashed",
        }
    }

    /// The status column's value for this status.
    pub fn stored(self) -> &'static str {
        match self {
            Self::Scheduled => RELEASED,
            other => other.as_str(),
        }
    }

    fn from_stored(value: &str) -> Self {
        match value {
            "scheduled" => Self::Scheduled,
            "published" => Self::Published,
            "archived" => Self::Archived,
            _ => Self::Draft,
        }
    }
}

/// The stored status of published and scheduled articles alike: which one an article
/// is depends only on whether its `published_at` has come.
pub(super) const RELEASED: &str = "published";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    pub id: i64,
    pub slug: String,
    #[diesel(deserialize_as = CheckedText)]
    pub title: String,
    #[diesel(deserialize_as = CheckedText)]
    pub summary: String,
    #[diesel(deserialize_as = CheckedText)]
    pub body_html: String,
    pub cover_url: Option<String>,
    pub cover_alt: Option<String>,
    pub cover_caption: Option<String>,
    pub cover_credit: Option<String>,
    pub author: Option<String>,
    pub source_id: Option<i64>,
    pub source_url: Option<String>,
    pub category_id: Option<i64>,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub allow_rating: bool,
    /// This and the ratings' count and total are read from `article_counters`, which
    /// article rows are read joined with.
    #[diesel(select_expression = article_counters::view_count)]
    #[diesel(select_expression_type = article_counters::view_count)]
    pub view_count: i64,
    #[diesel(select_expression = article_counters::rating_count)]
    #[diesel(select_expression_type = article_counters::rating_count)]
    pub rating_count: i64,
    #[diesel(select_expression = article_counters::rating_total)]
    #[diesel(select_expression_type = article_counters::rating_total)]
    pub rating_total: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The current revision's number (0: written before revisions were kept).
    pub revision: i64,
    pub trashed_at: Option<NaiveDateTime>,
    /// Whether its publication was announced (`article.published`) and not yet withdrawn.
    pub live: bool,
    pub allow_comments: bool,
    /// Approved comments, replies included.
    pub comment_count: i64,
    /// The media library item the cover shows, when it is not a plain URL.
    pub cover_media_id: Option<i64>,
}

impl ArticleRow {
    /// Whether readers can see it at `now`: released, its time come and not gone, not in the trash.
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.status == RELEASED
            && self.trashed_at.is_none()
            && self.published_at.is_some_and(|at| at <= now)
            && self.expires_at.is_none_or(|at| at > now)
    }

    /// The status a reader would see now: a released article before its time is scheduled.
    pub fn effective_status(&self, now: NaiveDateTime) -> Status {
        if self.trashed_at.is_some() {
            return Status::Trashed;
        }
        self.stored_status(now)
    }

    /// The status it has (or will have again once out of the trash).
    pub fn stored_status(&self, now: NaiveDateTime) -> Status {
        match Status::from_stored(&self.status) {
            Status::Published | Status::Scheduled => match self.published_at {
                Some(at) if at <= now => Status::Published,
                _ => Status::Scheduled,
            },
            other => other,
        }
    }
}

/// The columns an editor writes, already validated and cleaned.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct ArticleFields {
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub cover_url: Option<String>,
    pub cover_alt: Option<String>,
    pub cover_caption: Option<String>,
    pub cover_credit: Option<String>,
    pub cover_media_id: Option<i64>,
    pub author: Option<String>,
    pub source_id: Option<i64>,
    pub source_url: Option<String>,
    pub category_id: Option<i64>,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub allow_rating: bool,
    pub allow_comments: bool,
    /// The title, folded for search (see `crate::search::fold`).
    pub search_title: String,
    /// The summary and the body's text, folded for search.
    pub search_body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlugChoice {
    /// Set by the editor: used as is, a clash is a conflict.
    Explicit(String),
    /// Made from the title, with a numeric suffix on a clash.
    FromTitle,
    /// Keep the slug the article has (links to it keep working after a title edit).
    Keep,
}

/// A validated article write: its columns, how to choose its slug, its tags.
#[derive(Debug, Clone)]
pub struct ArticleWrite {
    pub fields: ArticleFields,
    pub slug: SlugChoice,
    pub tags: Vec<TagName>,
    /// The editor's summary of the change, for its revision.
    pub note: Option<String>,
}

/// An article with everything a response embeds.
#[derive(Debug, Clone)]
pub struct Article {
    pub row: ArticleRow,
    pub source: Option<Source>,
    pub category: Option<CategorySummary>,
    pub tags: Vec<Tag>,
    /// The cover's media library item, when the cover is one.
    pub cover_media: Option<MediaRow>,
}

/// Who is reading: the public sees only released articles inside their window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Staff,
}

/// Articles alone: for counting and for checking which ones a filter allows.
pub(super) type ArticleQuery = articles::BoxedQuery<'static, MultiBackend>;

/// Articles joined with their readers' counters: what `ArticleRow`s are read from.
pub(super) type ArticleRowQuery =
    diesel::dsl::IntoBoxed<'static, diesel::dsl::InnerJoin<articles::table, article_counters::table>, MultiBackend>;

/// `$query` (any boxed query over `articles`, joined or not) narrowed to what `$audience`
/// may see at `$now`; public articles published by `$until` (`$now` or earlier) only.
macro_rules! visible {
    ($query:expr, $audience:expr, $now:expr) => {
        visible!($query, $audience, $now, $now)
    };
    ($query:expr, $audience:expr, $now:expr, $until:expr) => {
        match $audience {
            Audience::Staff => $query,
            Audience::Public => released!($query, $now, $until),
        }
    };
}

/// `$query` narrowed to what readers may see at `$now` (published by `$until`).
macro_rules! released {
    ($query:expr, $now:expr, $until:expr) => {
        $query
            .filter(articles::status.eq(RELEASED))
            .filter(articles::published_at.le($until))
            .filter(articles::expires_at.is_null().or(articles::expires_at.gt($now)))
            .filter(articles::trashed_at.is_null())
    };
}

pub(super) fn visible_to(audience: Audience, now: NaiveDateTime) -> ArticleQuery {
    visible_until(audience, now, now)
}

/// `visible_to`, of the articles published by `until` only. SQLite starts a scan of the
/// (status, published_at, id) index at the first upper bound on `published_at` it is
/// given, so a list that knows a closer bound than now should give it here.
pub(super) fn visible_until(audience: Audience, now: NaiveDateTime, until: NaiveDateTime) -> ArticleQuery {
    visible!(articles::table.into_boxed(), audience, now, until)
}

/// `visible_to`, joined with the readers' counters, for reading `ArticleRow`s.
pub(super) fn rows_visible_to(audience: Audience, now: NaiveDateTime) -> ArticleRowQuery {
    rows_visible_until(audience, now, now)
}

/// `visible_until`, joined with the readers' counters, for reading `ArticleRow`s.
pub(super) fn rows_visible_until(audience: Audience, now: NaiveDateTime, until: NaiveDateTime) -> ArticleRowQuery {
    visible!(articles::table.inner_join(article_counters::table).into_boxed(), audience, now, until)
}

pub fn find(conn: &mut DbConnection, id: i64, audience: Audience, now: NaiveDateTime) -> Result<Article, ApiError> {
    find_one(conn, ArticleKey::Id(id), audience, now)
}

pub fn find_by_slug(
    conn: &mut DbConnection,
    slug: &str,
    audience: Audience,
    now: NaiveDateTime,
) -> Result<Article, ApiError> {
    find_one(conn, ArticleKey::Slug(slug.to_owned()), audience, now)
}

enum ArticleKey {
    Id(i64),
    Slug(String),
}

/// One article with its source, category and tags in one query: the read every article
/// page makes. Readers' reads are statically typed queries run on the backend's own
/// connection, so their prepared statements are found in the cache without building any
/// SQL; staff reads are rare and share one boxed query per backend.
fn find_one(
    conn: &mut DbConnection,
    key: ArticleKey,
    audience: Audience,
    now: NaiveDateTime,
) -> Result<Article, ApiError> {
    type Joined = (ArticleRow, Option<Source>, Option<CategorySummary>, Option<String>);
    macro_rules! first_joined {
        ($query:expr, $conn:expr) => {
            $query
                .select((
                    ArticleRow::as_select(),
                    Option::<Source>::as_select(),
                    Option::<CategorySummary>::as_select(),
                    tags::OfArticle,
                ))
                .first::<Joined>($conn)
                .optional()
        };
    }
    let joined = articles::table
        .inner_join(article_counters::table)
        .left_join(source_rows::table)
        .left_join(category_rows::table);
    let found = match (key, audience) {
        (ArticleKey::Id(id), Audience::Public) => {
            on_backend!(conn, |c| first_joined!(released!(joined.filter(articles::id.eq(id)), now, now), c))
        }
        (ArticleKey::Slug(slug), Audience::Public) => {
            on_backend!(conn, |c| first_joined!(released!(joined.filter(articles::slug.eq(&slug)), now, now), c))
        }
        (ArticleKey::Id(id), Audience::Staff) => {
            on_backend!(conn, |c| first_joined!(joined.filter(articles::id.eq(id)).into_boxed(), c))
        }
        (ArticleKey::Slug(slug), Audience::Staff) => {
            on_backend!(conn, |c| first_joined!(joined.filter(articles::slug.eq(&slug)).into_boxed(), c))
        }
    };
    let (row, source, category, tag_list) = found?.ok_or_else(|| ApiError::not_found("article"))?;
    let tags = tags::list_of(tag_list)?;
    let cover_media = match row.cover_media_id {
        Some(id) => media::by_ids(conn, &[id])?.remove(&id),
        None => None,
    };
    Ok(Article { row, source, category, tags, cover_media })
}

/// Loads the sources, categories, tags and cover media of `rows`: four queries at most,
/// whatever the count.
pub(super) fn embed(conn: &mut DbConnection, rows: Vec<ArticleRow>) -> Result<Vec<Article>, ApiError> {
    let source_ids: Vec<i64> = rows.iter().filter_map(|r| r.source_id).collect();
    let category_ids: Vec<i64> = rows.iter().filter_map(|r| r.category_id).collect();
    let article_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let sources = sources::by_ids(conn, &source_ids)?;
    let categories = categories::by_ids(conn, &category_ids)?;
    let mut tags = tags::for_articles(conn, &article_ids)?;
    let media_ids: Vec<i64> = rows.iter().filter_map(|r| r.cover_media_id).collect();
    let covers = media::by_ids(conn, &media_ids)?;
    Ok(rows
        .into_iter()
        .map(|row| Article {
            source: row.source_id.and_then(|id| sources.get(&id).cloned()),
            category: row.category_id.and_then(|id| categories.get(&id).cloned()),
            tags: tags.remove(&row.id).unwrap_or_default(),
            cover_media: row.cover_media_id.and_then(|id| covers.get(&id).cloned()),
            row,
        })
        .collect())
}

/// The article as stored, whatever its status, for merging a partial update.
pub fn current(conn: &mut DbConnection, id: i64) -> Result<Article, ApiError> {
    find(conn, id, Audience::Staff, crate::db::now())
}

/// Creates the article with its first revision; returns it as stored.
pub fn create(
    conn: &mut DbConnection,
    write: &ArticleWrite,
    created_by: Option<i64>,
    meta: &RevisionMeta,
    now: NaiveDateTime,
) -> Result<Article, ApiError> {
    check_references(conn, &write.fields)?;
    let mut attempts = 0;
    let id = loop {
        let slug = choose_slug(conn, &write.slug, &write.fields.title, None)?;
        // A savepoint, so a lost race for the slug leaves the transaction usable for the retry.
        let inserted = conn.transaction(|conn| {
            on_backend!(conn, |c| diesel::insert_into(articles::table)
                .values((
                    &write.fields,
                    articles::slug.eq(&slug),
                    articles::created_by.eq(created_by),
                    articles::created_at.eq(now),
                    articles::updated_at.eq(now),
                ))
                .returning(articles::id)
                .get_result::<i64>(c))
        });
        match inserted {
            Ok(id) => break id,
            Err(e) if is_slug_clash(&e) && write.slug == SlugChoice::FromTitle && attempts < 10 => attempts += 1,
            Err(e) if is_slug_clash(&e) => return Err(slug_taken()),
            Err(e) => return Err(e.into()),
        }
    };
    on_backend!(conn, |c| diesel::insert_into(article_counters::table)
        .values(article_counters::article_id.eq(id))
        .execute(c))?;
    tags::set_for_article(conn, id, &write.tags)?;
    let article = current(conn, id)?;
    let changed: Vec<String> = Snapshot::of(&article).fields().keys().cloned().collect();
    revisions::record(conn, None, &article, &changed, meta, now)?;
    current(conn, id)
}

/// An update that changed nothing is rolled back to its savepoint.
enum Attempt {
    Unchanged,
    Failed(ApiError),
}

impl From<diesel::result::Error> for Attempt {
    fn from(e: diesel::result::Error) -> Self {
        Self::Failed(e.into())
    }
}

/// Writes `write` over `before` and stores the revision. Returns the article as it became
/// and the names of the fields that changed; `None` when nothing changed, and then nothing
/// is written at all.
pub fn update(
    conn: &mut DbConnection,
    before: &Article,
    write: &ArticleWrite,
    meta: &RevisionMeta,
    now: NaiveDateTime,
) -> Result<Option<(Article, Vec<String>)>, ApiError> {
    check_references(conn, &write.fields)?;
    let id = before.row.id;
    let slug = choose_slug(conn, &write.slug, &write.fields.title, Some((id, before.row.slug.clone())))?;
    let attempt = conn.transaction(|conn| {
        diesel::update(articles::table.find(id))
            .set((&write.fields, articles::slug.eq(&slug), articles::updated_at.eq(now)))
            .execute(conn)
            .map_err(|e| Attempt::Failed(if is_slug_clash(&e) { slug_taken() } else { e.into() }))?;
        tags::set_for_article(conn, id, &write.tags).map_err(Attempt::Failed)?;
        let after = current(conn, id).map_err(Attempt::Failed)?;
        let changed = Snapshot::of(&after).changed_from(&Snapshot::of(before));
        if changed.is_empty() {
            return Err(Attempt::Unchanged);
        }
        revisions::record(conn, Some(before), &after, &changed, meta, now).map_err(Attempt::Failed)?;
        Ok(changed)
    });
    match attempt {
        Ok(changed) => Ok(Some((current(conn, id)?, changed))),
        Err(Attempt::Unchanged) => Ok(None),
        Err(Attempt::Failed(e)) => Err(e),
    }
}

/// Records whether the article's publication is announced.
pub fn set_live(conn: &mut DbConnection, id: i64, live: bool) -> Result<(), ApiError> {
    diesel::update(articles::table.find(id)).set(articles::live.eq(live)).execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct DueId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Up to `limit` articles whose announcement is out of date at `now`: published ones whose
/// time has come but that were never announced, and announced ones that expired. The
/// literals match the partial indexes; PostgreSQL locks the rows, skipping those another
/// process is announcing.
pub fn due_announcements(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> Result<Vec<i64>, ApiError> {
    const DUE: &str = "SELECT id FROM articles
         WHERE live = FALSE AND status = 'published' AND published_at <= $1
           AND trashed_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
         UNION ALL
         SELECT id FROM articles WHERE live = TRUE AND expires_at IS NOT NULL AND expires_at <= $1";
    let ids = match conn {
        // PostgreSQL cannot lock the rows of a UNION, so it claims each half.
        DbConnection::Postgres(c) => {
            let (publish, expire) = DUE.split_once("UNION ALL").expect("two halves");
            let mut ids = Vec::new();
            for half in [publish, expire] {
                ids.extend(
                    diesel::sql_query(format!("{half} ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED"))
                        .bind::<diesel::sql_types::Timestamp, _>(now)
                        .bind::<diesel::sql_types::BigInt, _>(limit)
                        .load::<DueId>(c)?,
                );
            }
            ids
        }
        // SQLite's planner prefers the index of public articles by time, which holds every
        // published article: naming the partial indexes keeps this once-a-second check to
        // the few rows it is about instead of a scan of the archive.
        DbConnection::Sqlite(c) => diesel::sql_query(format!(
            "{} LIMIT $2",
            DUE.replacen("FROM articles", "FROM articles INDEXED BY articles_unannounced_idx", 1).replacen(
                "FROM articles WHERE live = TRUE",
                "FROM articles INDEXED BY articles_expiring_idx WHERE live = TRUE",
                1
            )
        ))
        .bind::<diesel::sql_types::Timestamp, _>(now)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load::<DueId>(c)?,
    };
    Ok(ids.into_iter().map(|due| due.id).collect())
}

/// Removes the article, its revisions, tags, ratings and view counts for good.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
    match diesel::delete(articles::table.find(id)).execute(conn)? {
        0 => Err(ApiError::not_found("article")),
        _ => Ok(()),
    }
}

/// Moves the article to the trash (readers no longer see it; its slug stays taken).
pub fn trash(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<(), ApiError> {
    let moved = diesel::update(articles::table.find(id).filter(articles::trashed_at.is_null()))
        .set(articles::trashed_at.eq(now))
        .execute(conn)?;
    if moved == 0 {
        current(conn, id)?;
        return Err(ApiError::Conflict {
            detail: "The article is already in the trash; DELETE with ?permanent=true removes it for good.".into(),
            errors: Vec::new(),
        });
    }
    Ok(())
}

/// Takes the article out of the trash, as it was.
pub fn untrash(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
    let restored = diesel::update(articles::table.find(id).filter(articles::trashed_at.is_not_null()))
        .set(articles::trashed_at.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    if restored == 0 {
        current(conn, id)?;
        return Err(ApiError::Conflict { detail: "The article is not in the trash.".into(), errors: Vec::new() });
    }
    Ok(())
}

/// Removes (up to 500 of) the articles trashed before `before`; returns the ids this call
/// removed, so that two processes sweeping at once never both report one article.
pub fn sweep_trash(conn: &mut DbConnection, before: NaiveDateTime) -> Result<Vec<i64>, ApiError> {
    let ids: Vec<i64> = articles::table
        .filter(articles::trashed_at.lt(before))
        .select(articles::id)
        .order(articles::id)
        .limit(500)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(ids);
    }
    let doomed = articles::table.filter(articles::id.eq_any(ids)).filter(articles::trashed_at.lt(before));
    Ok(on_backend!(conn, |c| diesel::delete(doomed).returning(articles::id).get_results::<i64>(c))?)
}

fn check_references(conn: &mut DbConnection, fields: &ArticleFields) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(id) = fields.source_id
        && !sources::exists(conn, id)?
    {
        errors.push(FieldError::new("source_id", format!("there is no source {id}")));
    }
    if let Some(id) = fields.category_id
        && !categories::exists(conn, id)?
    {
        errors.push(FieldError::new("category_id", format!("there is no category {id}")));
    }
    if let Some(id) = fields.cover_media_id
        && !media::exists(conn, id)?
    {
        errors.push(FieldError::new("cover_image.media_id", format!("there is no media item {id}")));
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// The slug to store. `existing` is the article being updated, with its current slug.
fn choose_slug(
    conn: &mut DbConnection,
    choice: &SlugChoice,
    title: &str,
    existing: Option<(i64, String)>,
) -> Result<String, ApiError> {
    let own_id = existing.as_ref().map(|(id, _)| *id);
    match choice {
        SlugChoice::Keep => Ok(existing.map(|(_, slug)| slug).unwrap_or_else(|| slug::slugify(title))),
        SlugChoice::Explicit(wanted) => {
            let holder: Option<i64> =
                articles::table.filter(articles::slug.eq(wanted)).select(articles::id).first(conn).optional()?;
            match holder {
                Some(holder) if Some(holder) != own_id => Err(slug_taken()),
                _ => Ok(wanted.clone()),
            }
        }
        SlugChoice::FromTitle => {
            let base = match slug::slugify(title) {
                s if s.is_empty() => "article".to_owned(),
                s => s,
            };
            lock_slug_family(conn, &base)?;
            let taken: Vec<String> = articles::table
                .filter(articles::slug.eq(&base).or(articles::slug.like(format!("{base}-%"))))
                .select(articles::slug)
                .load(conn)?;
            Ok(slug::first_free(&base, &taken))
        }
    }
}

/// On PostgreSQL, makes concurrent creations of the same slug family take turns until
/// their transactions end, so each sees the others' slugs instead of racing for one
/// suffix. (SQLite writes are already serialized.)
fn lock_slug_family(conn: &mut DbConnection, base: &str) -> Result<(), ApiError> {
    crate::db::take_turns(conn, base)
}

fn is_slug_clash(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info)
        if info.constraint_name().is_some_and(|c| c.contains("slug")) || info.message().contains("slug"))
}

fn slug_taken() -> ApiError {
    ApiError::conflict("slug", "another article already uses this slug")
}

/// Which of `ids` the public can see now.
pub fn public_ids(
    conn: &mut DbConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> Result<std::collections::HashSet<i64>, ApiError> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(visible_to(Audience::Public, now)
        .filter(articles::id.eq_any(ids.to_vec()))
        .select(articles::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}

/// The articles with these ids that `audience` may see, in the order of `ids`.
pub fn find_many(
    conn: &mut DbConnection,
    ids: &[i64],
    audience: Audience,
    now: NaiveDateTime,
) -> Result<Vec<Article>, ApiError> {
    let rows: Vec<ArticleRow> = rows_visible_to(audience, now)
        .filter(articles::id.eq_any(ids.to_vec()))
        .select(ArticleRow::as_select())
        .load(conn)?;
    let mut found = embed(conn, rows)?;
    found.sort_by_key(|a| ids.iter().position(|id| *id == a.row.id));
    Ok(found)
}

/// Public articles by all-time views, most viewed first.
pub fn most_viewed(conn: &mut DbConnection, limit: i64, now: NaiveDateTime) -> Result<Vec<Article>, ApiError> {
    let rows = rows_visible_to(Audience::Public, now)
        .filter(article_counters::view_count.gt(0))
        .select(ArticleRow::as_select())
        .order((article_counters::view_count.desc(), article_counters::article_id.desc()))
        .limit(limit)
        .load(conn)?;
    embed(conn, rows)
}

/// Articles whose view counts one statement adds to: two bound parameters each, far below
/// either backend's limit.
const VIEW_BATCH: usize = 500;

/// Adds `(article, views)` to the articles' all-time view counts.
pub fn add_views(conn: &mut DbConnection, views: &[(i64, i64)]) -> Result<(), ApiError> {
    use diesel::upsert::excluded;
    for batch in views.chunks(VIEW_BATCH) {
        let rows: Vec<_> = batch
            .iter()
            .map(|(id, n)| (article_counters::article_id.eq(*id), article_counters::view_count.eq(*n)))
            .collect();
        on_backend!(conn, |c| diesel::insert_into(article_counters::table)
            .values(&rows)
            .on_conflict(article_counters::article_id)
            .do_update()
            .set(article_counters::view_count.eq(article_counters::view_count + excluded(article_counters::view_count)))
            .execute(c))?;
    }
    Ok(())
}

/// Adds `count` ratings worth `points` (either may be negative) to the article's aggregate.
pub fn add_ratings(conn: &mut DbConnection, article_id: i64, count: i64, points: i64) -> Result<(), ApiError> {
    use article_counters::{rating_count, rating_score, rating_total};
    let new_count = rating_count + count;
    let new_total = rating_total + points;
    diesel::update(article_counters::table.find(article_id))
        .set((
            rating_count.eq(rating_count + count),
            rating_total.eq(rating_total + points),
            // The average times 1000, from the same new values, for sorting by rating.
            rating_score.eq(case_when(new_count.gt(0), new_total * 1000 / new_count).otherwise(0)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Fills the search text of articles written before it existed (after a migration),
/// a few hundred at a time. Returns how many were filled.
pub fn fill_search_text(conn: &mut DbConnection) -> Result<usize, ApiError> {
    let mut filled = 0;
    loop {
        let rows: Vec<(i64, String, String, String)> = articles::table
            .filter(articles::search_title.eq(""))
            .filter(articles::title.ne(""))
            .select((articles::id, articles::title, articles::summary, articles::body_html))
            .limit(500)
            .load(conn)?;
        if rows.is_empty() {
            return Ok(filled);
        }
        for (id, title, summary, body) in rows {
            let (search_title, search_body) = search_text(&title, &summary, &body);
            diesel::update(articles::table.find(id))
                .set((articles::search_title.eq(search_title), articles::search_body.eq(search_body)))
                .execute(conn)?;
            filled += 1;
        }
    }
}

/// Folds the search text of the articles after `after_id` again (`limit` of them, by id),
/// writing only what differs from what is stored: a folding rule changed since, or text
/// written around the application. Returns how many it read and rewrote, and the last id.
pub fn refold_search_text(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> Result<(usize, usize, Option<i64>), ApiError> {
    let rows: Vec<(i64, String, String, String, String, String)> = articles::table
        .filter(articles::id.gt(after_id))
        .order(articles::id)
        .select((
            articles::id,
            articles::title,
            articles::summary,
            articles::body_html,
            articles::search_title,
            articles::search_body,
        ))
        .limit(limit)
        .load(conn)?;
    let mut rewritten = 0;
    for (id, title, summary, body, stored_title, stored_body) in &rows {
        let (search_title, search_body) = search_text(title, summary, body);
        if search_title != *stored_title || search_body != *stored_body {
            diesel::update(articles::table.find(id))
                .set((articles::search_title.eq(search_title), articles::search_body.eq(search_body)))
                .execute(conn)?;
            rewritten += 1;
        }
    }
    Ok((rows.len(), rewritten, rows.last().map(|row| row.0)))
}

/// Builds the full-text indexes (of titles and texts, of titles) again from the articles'
/// search text: SQLite's FTS5 tables from their content table, PostgreSQL's indexes of the
/// search vectors without blocking writes.
pub fn rebuild_search_index(conn: &mut DbConnection) -> Result<(), ApiError> {
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')").execute(c)?;
            // The index of titles keeps its own copy of the text: it is written again from the articles.
            c.transaction(|c| {
                diesel::sql_query("DELETE FROM articles_title_fts").execute(c)?;
                diesel::sql_query(
                    "INSERT INTO articles_title_fts (rowid, search_title, title_pairs, lead) \
                     SELECT id, search_title, title_word_pairs(search_title), substr(search_body, 1, 300) FROM articles",
                )
                .execute(c)
            })?;
        }
        DbConnection::Postgres(c) => {
            diesel::sql_query("REINDEX INDEX CONCURRENTLY articles_search_vector_idx").execute(c)?;
            diesel::sql_query("REINDEX INDEX CONCURRENTLY articles_title_vector_idx").execute(c)?;
        }
    }
    Ok(())
}

/// What an article is found by: its folded title, and its folded summary and body text.
pub fn search_text(title: &str, summary: &str, body_html: &str) -> (String, String) {
    let title = crate::search::fold(title);
    // A title of only symbols still needs a non-empty index entry to count as filled.
    let title = if title.is_empty() { " ".to_owned() } else { title };
    (title, crate::search::fold(&format!("{summary} {}", crate::search::plain_text(body_html))))
}

/// Whether readers may rate the article now, and its slug; `None` when the public
/// cannot see it. One indexed look-up, for the rating path.
/// A public article's comment settings: whether it takes comments, and its publication
/// time; `None` when readers cannot see it.
pub fn comment_target(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<Option<(bool, Option<NaiveDateTime>)>, ApiError> {
    Ok(visible_to(Audience::Public, now)
        .filter(articles::id.eq(id))
        .select((articles::allow_comments, articles::published_at))
        .first(conn)
        .optional()?)
}

pub fn rating_target(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<Option<(bool, String)>, ApiError> {
    Ok(visible_to(Audience::Public, now)
        .filter(articles::id.eq(id))
        .select((articles::allow_rating, articles::slug))
        .first(conn)
        .optional()?)
}
