//! Rows and queries of the `users` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::Role;
use crate::auth::model as sessions;
use crate::db::DbConnection;
use crate::db::schema::users;
use crate::error::ApiError;
use crate::on_backend;
use crate::pagination::Paging;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    pub token_version: i64,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    pub role: String,
    pub password_hash: String,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<Option<String>>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

pub fn find_optional(conn: &mut DbConnection, id: i64) -> Result<Option<User>, ApiError> {
    Ok(users::table.find(id).select(User::as_select()).first(conn).optional()?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<User, ApiError> {
    find_optional(conn, id)?.ok_or_else(|| ApiError::not_found("user"))
}

pub fn by_username(conn: &mut DbConnection, username: &str) -> Result<Option<User>, ApiError> {
    Ok(users::table.filter(users::username.eq(username)).select(User::as_select()).first(conn).optional()?)
}

pub fn list(conn: &mut DbConnection, paging: Paging) -> Result<(Vec<User>, i64), ApiError> {
    let total = users::table.count().get_result(conn)?;
    let page = users::table
        .select(User::as_select())
        .order(users::username.asc())
        .limit(paging.per_page)
        .offset(paging.offset())
        .load(conn)?;
    Ok((page, total))
}

/// Inserts a user; `None` when the username is taken.
pub fn insert(conn: &mut DbConnection, user: &NewUser, now: NaiveDateTime) -> Result<Option<User>, ApiError> {
    let id: Option<i64> = on_backend!(conn, |c| diesel::insert_into(users::table)
        .values((user, users::created_at.eq(now), users::updated_at.eq(now)))
        .on_conflict(users::username)
        .do_nothing()
        .returning(users::id)
        .get_result(c)
        .optional())?;
    id.map(|id| find(conn, id)).transpose()
}

pub fn create(conn: &mut DbConnection, user: &NewUser, now: NaiveDateTime) -> Result<User, ApiError> {
    insert(conn, user, now)?.ok_or_else(|| ApiError::conflict("username", "this username is taken"))
}

pub fn count(conn: &mut DbConnection) -> Result<i64, ApiError> {
    Ok(users::table.count().get_result(conn)?)
}

/// Applies `changes`. Never leaves the site without an enabled admin. Disabling a user
/// or changing their password ends all their sessions at once.
pub fn update(conn: &mut DbConnection, id: i64, changes: &UserChanges, now: NaiveDateTime) -> Result<User, ApiError> {
    let current = find(conn, id)?;
    let stays_admin = changes.role.map_or(current.role == "admin", |r| r == Role::Admin)
        && !changes.disabled.unwrap_or(current.disabled);
    if current.role == "admin" && !current.disabled && !stays_admin {
        ensure_another_admin(conn, id)?;
    }
    let ends_sessions = changes.disabled == Some(true) || changes.password_hash.is_some();
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(changes.display_name.clone().unwrap_or(current.display_name)),
            users::role.eq(changes.role.map_or(current.role, |r| r.as_str().to_owned())),
            users::disabled.eq(changes.disabled.unwrap_or(current.disabled)),
            users::password_hash.eq(changes.password_hash.clone().unwrap_or(current.password_hash)),
            users::token_version.eq(current.token_version + i64::from(ends_sessions)),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    if ends_sessions {
        sessions::revoke_all_for_user(conn, id, now)?;
    }
    find(conn, id)
}

pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
    let current = find(conn, id)?;
    if current.role == "admin" && !current.disabled {
        ensure_another_admin(conn, id)?;
    }
    diesel::delete(users::table.find(id)).execute(conn)?;
    Ok(())
}

fn ensure_another_admin(conn: &mut DbConnection, except: i64) -> Result<(), ApiError> {
    let others: i64 = users::table
        .filter(users::role.eq("admin"))
        .filter(users::disabled.eq(false))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)?;
    if others == 0 {
        return Err(ApiError::Conflict {
            detail: "This is the last enabled admin; make another admin first.".into(),
            errors: vec![],
        });
    }
    Ok(())
}

pub fn record_login(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(users::table.find(id)).set(users::last_login_at.eq(now)).execute(conn)?;
    Ok(())
}

/// The name a staff member's public writing goes under: the display name, else the
/// username; an API token's name for a token.
pub fn display_name_of(conn: &mut DbConnection, principal: &crate::auth::Principal) -> Result<String, ApiError> {
    match principal {
        crate::auth::Principal::User { id, username, .. } => {
            Ok(find(conn, *id)?.display_name.filter(|name| !name.trim().is_empty()).unwrap_or_else(|| username.clone()))
        }
        crate::auth::Principal::ApiToken { name, .. } => Ok(name.clone()),
    }
}
