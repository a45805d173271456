//! Rows and queries of the `audit_log` table. Entries are only ever inserted, read, and
//! removed by the retention sweep.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Actor, Change};
use crate::db::DbConnection;
use crate::db::schema::audit_log;
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub actor_token_id: Option<i64>,
    pub actor_token_name: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub changed_fields: String,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub details: Option<String>,
}

pub fn insert(conn: &mut DbConnection, change: &Change, actor: &Actor, at: NaiveDateTime) -> Result<(), ApiError> {
    let changed = serde_json::to_string(&change.changed_fields).map_err(|e| ApiError::Internal(e.to_string()))?;
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(at),
            audit_log::actor_user_id.eq(actor.user_id),
            audit_log::actor_username.eq(&actor.username),
            audit_log::actor_token_id.eq(actor.token_id),
            audit_log::actor_token_name.eq(&actor.token_name),
            audit_log::action.eq(change.action),
            audit_log::resource_type.eq(change.resource_type),
            audit_log::resource_id.eq(&change.resource_id),
            audit_log::changed_fields.eq(changed),
            audit_log::client_address.eq(&actor.origin.address),
            audit_log::user_agent.eq(&actor.origin.user_agent),
            audit_log::request_id.eq(&actor.origin.request_id),
            audit_log::details.eq(change.details.as_ref().map(|d| d.to_string())),
        ))
        .execute(conn)?;
    Ok(())
}

/// What `GET /audit` may narrow the log to.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Only entries older than this one (the cursor).
    pub before_id: Option<i64>,
}

/// Up to `limit` entries, newest first.
pub fn list(conn: &mut DbConnection, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditRow>, ApiError> {
    let mut query = audit_log::table.into_boxed();
    if let Some(id) = filter.actor_user_id {
        query = query.filter(audit_log::actor_user_id.eq(id));
    }
    if let Some(id) = filter.actor_token_id {
        query = query.filter(audit_log::actor_token_id.eq(id));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(kind) = &filter.resource_type {
        query = query.filter(audit_log::resource_type.eq(kind.clone()));
    }
    if let Some(id) = &filter.resource_id {
        query = query.filter(audit_log::resource_id.eq(id.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::at.lt(to));
    }
    if let Some(id) = filter.before_id {
        query = query.filter(audit_log::id.lt(id));
    }
    Ok(query.select(AuditRow::as_select()).order(audit_log::id.desc()).limit(limit).load(conn)?)
}

/// Removes the entries older than `before` (the retention period); returns how many.
pub fn sweep(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, ApiError> {
    Ok(diesel::delete(audit_log::table.filter(audit_log::at.lt(before))).execute(conn)?)
}
