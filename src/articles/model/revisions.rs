//! Rows and queries of the `article_revisions` table: every change of an article's write
//! fields, numbered from 1 (its creation), with who made it and why.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Article, CoverImage};
use crate::audit::Actor;
use crate::db::DbConnection;
use crate::db::schema::{article_revisions, articles};
use crate::error::ApiError;
use crate::pagination::Paging;

/// An article's write fields as a revision left them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Snapshot {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body_html: String,
    pub cover_image: Option<CoverImage>,
    pub author: Option<String>,
    pub source_id: Option<i64>,
    pub source_url: Option<String>,
    pub category_id: Option<i64>,
    /// Tag names.
    pub tags: Vec<String>,
    /// `draft`, `published` (scheduled until `published_at`) or `archived`.
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub allow_rating: bool,
}

impl Snapshot {
    pub fn of(article: &Article) -> Self {
        let row = &article.row;
        Self {
            title: row.title.clone(),
            slug: row.slug.clone(),
            summary: row.summary.clone(),
            body_html: row.body_html.clone(),
            cover_image: super::super::input::stored_cover(article),
            author: row.author.clone(),
            source_id: row.source_id,
            source_url: row.source_url.clone(),
            category_id: row.category_id,
            tags: article.tags.iter().map(|t| t.name.clone()).collect(),
            status: row.status.clone(),
            published_at: row.published_at.map(|t| t.and_utc()),
            expires_at: row.expires_at.map(|t| t.and_utc()),
            allow_rating: row.allow_rating,
        }
    }

    /// The fields as JSON, by name.
    pub fn fields(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        }
    }

    /// The names of the fields that differ from `other`, by name.
    pub fn changed_from(&self, other: &Snapshot) -> Vec<String> {
        let before = other.fields();
        self.fields()
            .into_iter()
            .filter(|(name, value)| before.get(name) != Some(value))
            .map(|(name, _)| name)
            .collect()
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_revisions)]
pub struct RevisionRow {
    pub article_id: i64,
    pub number: i64,
    pub snapshot: String,
    pub changed_fields: String,
    pub note: Option<String>,
    pub restored_from: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    pub actor_name: Option<String>,
    pub created_at: NaiveDateTime,
}

impl RevisionRow {
    pub fn snapshot(&self) -> Result<Snapshot, ApiError> {
        serde_json::from_str(&self.snapshot).map_err(|e| ApiError::Internal(format!("a stored revision: {e}")))
    }

    pub fn changed_fields(&self) -> Vec<String> {
        serde_json::from_str(&self.changed_fields).unwrap_or_default()
    }
}

/// Why and by whom a revision is made.
#[derive(Debug, Clone)]
pub struct RevisionMeta {
    pub actor: Actor,
    /// The editor's summary of the change.
    pub note: Option<String>,
    /// The revision whose content a restore brought back.
    pub restored_from: Option<i64>,
    /// How many revisions of an article to keep.
    pub keep: i64,
}

/// Stores `after` as the article's next revision and makes it current, pruning the oldest
/// beyond `meta.keep`. `before` is the article as it was, for the first change of an article
/// written before revisions were kept: its state is stored first, as revision 1.
pub fn record(
    conn: &mut DbConnection,
    before: Option<&Article>,
    after: &Article,
    changed: &[String],
    meta: &RevisionMeta,
    now: NaiveDateTime,
) -> Result<i64, ApiError> {
    let article_id = after.row.id;
    let mut previous = before.map_or(0, |b| b.row.revision);
    if let Some(before) = before.filter(|b| b.row.revision == 0) {
        let unknown = RevisionMeta { actor: Actor::default(), note: None, restored_from: None, keep: meta.keep };
        insert(conn, article_id, 1, &Snapshot::of(before), &[], &unknown, before.row.updated_at)?;
        previous = 1;
    }
    let number = previous + 1;
    insert(conn, article_id, number, &Snapshot::of(after), changed, meta, now)?;
    diesel::update(articles::table.find(article_id)).set(articles::revision.eq(number)).execute(conn)?;
    diesel::delete(
        article_revisions::table
            .filter(article_revisions::article_id.eq(article_id))
            .filter(article_revisions::number.le(number - meta.keep)),
    )
    .execute(conn)?;
    Ok(number)
}

fn insert(
    conn: &mut DbConnection,
    article_id: i64,
    number: i64,
    snapshot: &Snapshot,
    changed: &[String],
    meta: &RevisionMeta,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(article_id),
            article_revisions::number.eq(number),
            article_revisions::snapshot.eq(to_json(snapshot)?),
            article_revisions::changed_fields.eq(to_json(&changed)?),
            article_revisions::note.eq(&meta.note),
            article_revisions::restored_from.eq(meta.restored_from),
            article_revisions::actor_user_id.eq(meta.actor.user_id),
            article_revisions::actor_token_id.eq(meta.actor.token_id),
            article_revisions::actor_name.eq(meta.actor.name()),
            article_revisions::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// A page of an article's revisions, newest first, and how many it has.
pub fn list(conn: &mut DbConnection, article_id: i64, paging: Paging) -> Result<(Vec<RevisionRow>, i64), ApiError> {
    let of_article = article_revisions::table.filter(article_revisions::article_id.eq(article_id));
    let total = of_article.count().get_result(conn)?;
    let rows = of_article
        .select(RevisionRow::as_select())
        .order(article_revisions::number.desc())
        .limit(paging.per_page)
        .offset(paging.offset())
        .load(conn)?;
    Ok((rows, total))
}

pub fn find(conn: &mut DbConnection, article_id: i64, number: i64) -> Result<RevisionRow, ApiError> {
    find_optional(conn, article_id, number)?.ok_or_else(|| ApiError::not_found("revision"))
}

pub fn find_optional(conn: &mut DbConnection, article_id: i64, number: i64) -> Result<Option<RevisionRow>, ApiError> {
    Ok(article_revisions::table.find((article_id, number)).select(RevisionRow::as_select()).first(conn).optional()?)
}

/// The newest revision before `number` still kept.
pub fn previous(conn: &mut DbConnection, article_id: i64, number: i64) -> Result<Option<RevisionRow>, ApiError> {
    Ok(article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .filter(article_revisions::number.lt(number))
        .order(article_revisions::number.desc())
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?)
}
