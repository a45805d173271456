//! Rows and queries of the `media` table. Usage is counted from the rows that point at
//! an item (article covers), so it is never out of step with them.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::media;
use crate::error::ApiError;
use crate::on_backend;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media)]
pub struct MediaRow {
    pub id: i64,
    pub filename: String,
    pub mime_type: String,
    pub bytes: i64,
    pub width: i64,
    pub height: i64,
    pub sha256: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub focal_x: f64,
    pub focal_y: f64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia {
    pub filename: String,
    pub mime_type: String,
    pub bytes: i64,
    pub width: i64,
    pub height: i64,
    pub sha256: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub focal_x: f64,
    pub focal_y: f64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an editor may change after the upload.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = media)]
pub struct MediaChanges {
    pub alt: Option<Option<String>>,
    pub caption: Option<Option<String>>,
    pub credit: Option<Option<String>>,
    pub focal_x: Option<f64>,
    pub focal_y: Option<f64>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<MediaRow, ApiError> {
    media::table
        .find(id)
        .select(MediaRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("media item"))
}

pub fn exists(conn: &mut DbConnection, id: i64) -> Result<bool, ApiError> {
    Ok(media::table.find(id).select(media::id).first::<i64>(conn).optional()?.is_some())
}

/// The items with these ids, for embedding as article covers: one query for any number.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> Result<HashMap<i64, MediaRow>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // One id: a plain equality, whose prepared statement is cached (IN lists are not).
    let query = match ids {
        [id] => media::table.filter(media::id.eq(*id)).into_boxed(),
        _ => media::table.filter(media::id.eq_any(ids.to_vec())).into_boxed(),
    };
    Ok(query.select(MediaRow::as_select()).load(conn)?.into_iter().map(|m| (m.id, m)).collect())
}

pub fn find_by_hash(conn: &mut DbConnection, sha256: &str) -> Result<Option<MediaRow>, ApiError> {
    Ok(media::table.filter(media::sha256.eq(sha256)).select(MediaRow::as_select()).first(conn).optional()?)
}

/// Inserts the item, or returns the one with the same bytes and `false`.
pub fn insert(conn: &mut DbConnection, item: &NewMedia) -> Result<(MediaRow, bool), ApiError> {
    if let Some(existing) = find_by_hash(conn, &item.sha256)? {
        return Ok((existing, false));
    }
    let folded = searchable(&item.filename, &item.alt, &item.caption, &item.credit);
    let id = on_backend!(conn, |c| diesel::insert_into(media::table)
        .values((item, media::folded.eq(&folded)))
        .returning(media::id)
        .get_result::<i64>(c))?;
    Ok((find(conn, id)?, true))
}

pub fn update(conn: &mut DbConnection, id: i64, changes: &MediaChanges) -> Result<(MediaRow, MediaRow), ApiError> {
    let before = find(conn, id)?;
    diesel::update(media::table.find(id)).set(changes).execute(conn)?;
    let after = find(conn, id)?;
    let folded = searchable(&after.filename, &after.alt, &after.caption, &after.credit);
    diesel::update(media::table.find(id)).set(media::folded.eq(folded)).execute(conn)?;
    Ok((before, after))
}

/// What the library's `q` is matched against.
fn searchable(filename: &str, alt: &Option<String>, caption: &Option<String>, credit: &Option<String>) -> String {
    let text = [alt, caption, credit].iter().filter_map(|t| t.as_deref()).collect::<Vec<_>>().join(" ");
    crate::search::fold(&format!("{filename} {text}"))
}

/// How many things use each item: articles whose cover it is, and banners that show it.
pub fn usage_counts(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<(i64, i64)>, ApiError> {
    use crate::db::schema::{articles, banners};
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let covers: Vec<(i64, i64)> = articles::table
        .filter(articles::cover_media_id.eq_any(ids))
        .group_by(articles::cover_media_id)
        .select((articles::cover_media_id.assume_not_null(), diesel::dsl::count_star()))
        .load(conn)?;
    let shown: Vec<(i64, i64)> = banners::table
        .filter(banners::media_id.eq_any(ids))
        .group_by(banners::media_id)
        .select((banners::media_id.assume_not_null(), diesel::dsl::count_star()))
        .load(conn)?;
    let mut counts: HashMap<i64, i64> = HashMap::new();
    for (id, n) in covers.into_iter().chain(shown) {
        *counts.entry(id).or_default() += n;
    }
    Ok(counts.into_iter().collect())
}

pub fn usage_count(conn: &mut DbConnection, id: i64) -> Result<i64, ApiError> {
    Ok(usage_counts(conn, &[id])?.first().map_or(0, |(_, n)| *n))
}

/// The articles whose cover the item is, for clearing their cached pages.
pub fn articles_using(conn: &mut DbConnection, id: i64) -> Result<Vec<i64>, ApiError> {
    use crate::db::schema::articles;
    Ok(articles::table.filter(articles::cover_media_id.eq(id)).select(articles::id).load(conn)?)
}

/// Deletes an item nothing uses; 409 while something does.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<MediaRow, ApiError> {
    let item = find(conn, id)?;
    let used = usage_count(conn, id)?;
    if used > 0 {
        return Err(ApiError::conflict(
            "id",
            format!("is used by {used} article cover(s) or banner(s); replace the image there first"),
        ));
    }
    diesel::delete(media::table.find(id)).execute(conn)?;
    Ok(item)
}

/// A page of the library, newest first, after the id `before`; `q` words each found in
/// the filename, caption or credit.
pub fn list(
    conn: &mut DbConnection,
    q: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<MediaRow>, ApiError> {
    let mut query = media::table.select(MediaRow::as_select()).into_boxed();
    for word in q.map(crate::search::terms).unwrap_or_default() {
        query = query.filter(media::folded.like(format!("%{word}%")));
    }
    if let Some(before) = before {
        query = query.filter(media::id.lt(before));
    }
    Ok(query.order(media::id.desc()).limit(limit).load(conn)?)
}
