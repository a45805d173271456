//! Rows and queries of the `categories` table.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::categories;
use crate::db::{DbConnection, now};
use crate::error::ApiError;
use crate::on_backend;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories)]
pub struct CategorySummary {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

pub fn exists(conn: &mut DbConnection, id: i64) -> Result<bool, ApiError> {
    Ok(categories::table.find(id).select(categories::id).first::<i64>(conn).optional()?.is_some())
}

/// The categories with these ids, for embedding in articles: one query for any number.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> Result<HashMap<i64, CategorySummary>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(categories::table
        .filter(categories::id.eq_any(ids))
        .select(CategorySummary::as_select())
        .load(conn)?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

/// The category with this slug, created under `parent_id` when it does not exist yet.
pub fn find_or_create(
    conn: &mut DbConnection,
    name: &str,
    slug: &str,
    parent_id: Option<i64>,
    position: i32,
) -> Result<i64, ApiError> {
    let at = now();
    on_backend!(conn, |c| diesel::insert_into(categories::table)
        .values((
            categories::name.eq(name),
            categories::slug.eq(slug),
            categories::parent_id.eq(parent_id),
            categories::position.eq(position),
            categories::created_at.eq(at),
            categories::updated_at.eq(at),
        ))
        .on_conflict(categories::slug)
        .do_nothing()
        .execute(c))?;
    Ok(categories::table.filter(categories::slug.eq(slug)).select(categories::id).first(conn)?)
}
