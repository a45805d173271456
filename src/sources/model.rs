//! Rows and queries of the `sources` table.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{articles, sources};
use crate::db::{DbConnection, now};
use crate::error::ApiError;
use crate::on_backend;
use crate::pagination::Paging;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sources)]
pub struct Source {
    pub id: i64,
    pub name: String,
    pub url: Option<String>,
    pub logo_url: Option<String>,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The writable part of a source, already validated.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = sources, treat_none_as_null = true)]
pub struct SourceFields {
    pub name: String,
    pub url: Option<String>,
    pub logo_url: Option<String>,
    pub description: Option<String>,
}

/// A source with the number of articles that cite it (any status).
#[derive(Debug, Clone)]
pub struct SourceWithCount {
    pub source: Source,
    pub article_count: i64,
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<SourceWithCount, ApiError> {
    let source = sources::table
        .find(id)
        .select(Source::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("source"))?;
    let article_count = articles::table.filter(articles::source_id.eq(id)).count().get_result(conn)?;
    Ok(SourceWithCount { source, article_count })
}

pub fn exists(conn: &mut DbConnection, id: i64) -> Result<bool, ApiError> {
    Ok(sources::table.find(id).select(sources::id).first::<i64>(conn).optional()?.is_some())
}

pub fn list(conn: &mut DbConnection, paging: Paging) -> Result<(Vec<SourceWithCount>, i64), ApiError> {
    let total = sources::table.count().get_result(conn)?;
    let page: Vec<Source> = sources::table
        .select(Source::as_select())
        .order((sources::name.asc(), sources::id.asc()))
        .limit(paging.per_page)
        .offset(paging.offset())
        .load(conn)?;
    let ids: Vec<i64> = page.iter().map(|s| s.id).collect();
    let counts: HashMap<i64, i64> = articles::table
        .filter(articles::source_id.eq_any(&ids))
        .group_by(articles::source_id)
        .select((articles::source_id.assume_not_null(), count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let items = page
        .into_iter()
        .map(|source| SourceWithCount { article_count: counts.get(&source.id).copied().unwrap_or(0), source })
        .collect();
    Ok((items, total))
}

/// The sources with these ids, for embedding in articles: one query for any number.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> Result<HashMap<i64, Source>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // One id: a plain equality, whose prepared statement is cached (IN lists are not).
    let query = match ids {
        [id] => sources::table.filter(sources::id.eq(*id)).into_boxed(),
        _ => sources::table.filter(sources::id.eq_any(ids.to_vec())).into_boxed(),
    };
    Ok(query.select(Source::as_select()).load(conn)?.into_iter().map(|s| (s.id, s)).collect())
}

pub fn create(conn: &mut DbConnection, fields: &SourceFields) -> Result<SourceWithCount, ApiError> {
    ensure_name_free(conn, &fields.name, None)?;
    let at = now();
    let id: i64 = on_backend!(conn, |c| diesel::insert_into(sources::table)
        .values((fields, sources::created_at.eq(at), sources::updated_at.eq(at)))
        .returning(sources::id)
        .get_result(c))
    .map_err(name_conflict)?;
    find(conn, id)
}

pub fn update(conn: &mut DbConnection, id: i64, fields: &SourceFields) -> Result<SourceWithCount, ApiError> {
    ensure_name_free(conn, &fields.name, Some(id))?;
    let updated = diesel::update(sources::table.find(id))
        .set((fields, sources::updated_at.eq(now())))
        .execute(conn)
        .map_err(name_conflict)?;
    if updated == 0 {
        return Err(ApiError::not_found("source"));
    }
    find(conn, id)
}

/// Deletes a source no article cites; a cited source is a conflict and stays.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
    let current = find(conn, id)?;
    if current.article_count > 0 {
        return Err(ApiError::Conflict {
            detail: format!(
                "The source is cited by {} article(s); reassign or delete them first.",
                current.article_count
            ),
            errors: vec![],
        });
    }
    diesel::delete(sources::table.find(id)).execute(conn)?;
    Ok(())
}

fn ensure_name_free(conn: &mut DbConnection, name: &str, except: Option<i64>) -> Result<(), ApiError> {
    let holder: Option<i64> =
        sources::table.filter(sources::name.eq(name)).select(sources::id).first(conn).optional()?;
    match holder {
        Some(holder) if Some(holder) != except => Err(name_taken()),
        _ => Ok(()),
    }
}

fn name_taken() -> ApiError {
    ApiError::conflict("name", "a source with this name already exists")
}

/// Two writers racing for one name: the unique index decides, the loser gets a 409.
fn name_conflict(e: diesel::result::Error) -> ApiError {
    match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => name_taken(),
        other => other.into(),
    }
}
