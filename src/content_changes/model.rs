//! `content_changes`: the rows processes sharing a database leave for each other.

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::content_changes;
use crate::error::ApiError;

/// Records that these articles changed, or anything when `articles` is `None`.
pub fn record(conn: &mut DbConnection, articles: Option<&[i64]>, at: NaiveDateTime) -> Result<(), ApiError> {
    let rows: Vec<_> = match articles {
        None => vec![(content_changes::article_id.eq(None::<i64>), content_changes::changed_at.eq(at))],
        Some(ids) => ids
            .iter()
            .map(|id| (content_changes::article_id.eq(Some(*id)), content_changes::changed_at.eq(at)))
            .collect(),
    };
    for row in rows {
        diesel::insert_into(content_changes::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// The changes after `after` (by id), oldest first: (id, article or `None` for anything).
pub fn after(conn: &mut DbConnection, after: i64, limit: i64) -> Result<Vec<(i64, Option<i64>)>, ApiError> {
    Ok(content_changes::table
        .filter(content_changes::id.gt(after))
        .order(content_changes::id)
        .select((content_changes::id, content_changes::article_id))
        .limit(limit)
        .load(conn)?)
}

/// The newest change's id, 0 without any.
pub fn latest(conn: &mut DbConnection) -> Result<i64, ApiError> {
    Ok(content_changes::table.select(max(content_changes::id)).first::<Option<i64>>(conn)?.unwrap_or(0))
}

/// Removes the changes recorded before `before`; returns how many.
pub fn sweep(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, ApiError> {
    Ok(diesel::delete(content_changes::table.filter(content_changes::changed_at.lt(before))).execute(conn)?)
}
