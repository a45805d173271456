//! Rows and queries of the `categories` table.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{articles, categories};
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
    // One id: a plain equality, whose prepared statement is cached (IN lists are not).
    let query = match ids {
        [id] => categories::table.filter(categories::id.eq(*id)).into_boxed(),
        _ => categories::table.filter(categories::id.eq_any(ids.to_vec())).into_boxed(),
    };
    Ok(query.select(CategorySummary::as_select()).load(conn)?.into_iter().map(|c| (c.id, c)).collect())
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

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The writable part of a category, validated.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = categories, treat_none_as_null = true)]
pub struct CategoryFields {
    pub name: String,
    pub slug: String,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub description: Option<String>,
}

/// Every category, by position then name, with how many articles each files.
pub fn all(conn: &mut DbConnection) -> Result<Vec<(Category, i64)>, ApiError> {
    let list: Vec<Category> = categories::table
        .select(Category::as_select())
        .order((categories::position, categories::name, categories::id))
        .load(conn)?;
    let counts: HashMap<i64, i64> = articles::table
        .filter(articles::category_id.is_not_null())
        .group_by(articles::category_id)
        .select((articles::category_id.assume_not_null(), count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(list.into_iter().map(|c| (c.id, c)).map(|(id, c)| (c, counts.get(&id).copied().unwrap_or(0))).collect())
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<(Category, i64), ApiError> {
    let category = categories::table
        .find(id)
        .select(Category::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("category"))?;
    let count = articles::table.filter(articles::category_id.eq(id)).count().get_result(conn)?;
    Ok((category, count))
}

/// The category with this slug and all below it, or `None` when there is no such slug.
pub fn with_descendants(conn: &mut DbConnection, slug: &str) -> Result<Option<Vec<i64>>, ApiError> {
    let tree: Vec<(i64, String, Option<i64>)> =
        categories::table.select((categories::id, categories::slug, categories::parent_id)).load(conn)?;
    let Some(root) = tree.iter().find(|(_, s, _)| s == slug).map(|(id, _, _)| *id) else {
        return Ok(None);
    };
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(tree.iter().filter(|(_, _, p)| *p == Some(parent)).map(|(id, _, _)| *id));
        i += 1;
    }
    Ok(Some(found))
}

pub fn create(conn: &mut DbConnection, fields: &CategoryFields, now: NaiveDateTime) -> Result<i64, ApiError> {
    check(conn, fields, None)?;
    let id = on_backend!(conn, |c| diesel::insert_into(categories::table)
        .values((fields, categories::created_at.eq(now), categories::updated_at.eq(now)))
        .returning(categories::id)
        .get_result(c))
    .map_err(slug_conflict)?;
    Ok(id)
}

pub fn update(conn: &mut DbConnection, id: i64, fields: &CategoryFields, now: NaiveDateTime) -> Result<(), ApiError> {
    find(conn, id)?;
    check(conn, fields, Some(id))?;
    diesel::update(categories::table.find(id))
        .set((fields, categories::updated_at.eq(now)))
        .execute(conn)
        .map_err(slug_conflict)?;
    Ok(())
}

/// A slug free for this category, and a parent that exists and is not the category
/// itself or below it.
fn check(conn: &mut DbConnection, fields: &CategoryFields, own: Option<i64>) -> Result<(), ApiError> {
    let holder: Option<i64> =
        categories::table.filter(categories::slug.eq(&fields.slug)).select(categories::id).first(conn).optional()?;
    if holder.is_some_and(|h| Some(h) != own) {
        return Err(slug_taken());
    }
    if let Some(parent) = fields.parent_id {
        if !exists(conn, parent)? {
            return Err(ApiError::field("parent_id", format!("there is no category {parent}")));
        }
        if let Some(own) = own {
            let own_slug: String = categories::table.find(own).select(categories::slug).first(conn)?;
            let below = with_descendants(conn, &own_slug)?.unwrap_or_default();
            if below.contains(&parent) {
                return Err(ApiError::field("parent_id", "must not be the category itself or one below it"));
            }
        }
    }
    Ok(())
}

/// Deletes a category that files no article and has no sub-categories.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
    let (_, articles) = find(conn, id)?;
    let children: i64 = categories::table.filter(categories::parent_id.eq(id)).count().get_result(conn)?;
    if articles > 0 || children > 0 {
        return Err(ApiError::Conflict {
            detail: format!(
                "The category files {articles} article(s) and has {children} sub-categor(ies); move them first."
            ),
            errors: vec![],
        });
    }
    diesel::delete(categories::table.find(id)).execute(conn)?;
    Ok(())
}

fn slug_taken() -> ApiError {
    ApiError::conflict("slug", "another category already uses this slug")
}

fn slug_conflict(e: diesel::result::Error) -> ApiError {
    match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => slug_taken(),
        other => other.into(),
    }
}
