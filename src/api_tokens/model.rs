//! Rows and queries of the `api_tokens` table.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::Scope;
use crate::auth::tokens::{API_TOKEN_PREFIX, hash_secret, random_secret};
use crate::db::DbConnection;
use crate::db::schema::api_tokens;
use crate::error::ApiError;
use crate::on_backend;
use crate::pagination::Paging;

/// `last_used_at` is written at most this often per token, to keep reads cheap.
const TOUCH_INTERVAL_SECONDS: i64 = 60;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub token_prefix: String,
    pub scopes: String,
    pub created_by: Option<i64>,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn scopes(token: &ApiToken) -> Vec<Scope> {
    token.scopes.split(' ').filter_map(Scope::parse).collect()
}

/// Creates a token and returns it with its secret, which is not stored and cannot be
/// shown again.
pub fn create(
    conn: &mut DbConnection,
    name: &str,
    scopes: &[Scope],
    expires_at: Option<NaiveDateTime>,
    created_by: Option<i64>,
    now: NaiveDateTime,
) -> Result<(ApiToken, String), ApiError> {
    let secret = random_secret(API_TOKEN_PREFIX);
    let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let id: i64 = on_backend!(conn, |c| diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::name.eq(name),
            api_tokens::token_prefix.eq(&secret[..API_TOKEN_PREFIX.len() + 6]),
            api_tokens::token_hash.eq(hash_secret(&secret)),
            api_tokens::scopes.eq(scopes.join(" ")),
            api_tokens::created_by.eq(created_by),
            api_tokens::expires_at.eq(expires_at),
            api_tokens::created_at.eq(now),
        ))
        .returning(api_tokens::id)
        .get_result(c))?;
    Ok((find(conn, id)?, secret))
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<ApiToken, ApiError> {
    api_tokens::table
        .find(id)
        .select(ApiToken::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("API token"))
}

pub fn list(conn: &mut DbConnection, paging: Paging) -> Result<(Vec<ApiToken>, i64), ApiError> {
    let total = api_tokens::table.count().get_result(conn)?;
    let page = api_tokens::table
        .select(ApiToken::as_select())
        .order(api_tokens::id.desc())
        .limit(paging.per_page)
        .offset(paging.offset())
        .load(conn)?;
    Ok((page, total))
}

/// The token with this secret, if it is neither revoked nor expired.
pub fn find_usable(conn: &mut DbConnection, secret: &str, now: NaiveDateTime) -> Result<Option<ApiToken>, ApiError> {
    Ok(api_tokens::table
        .filter(api_tokens::token_hash.eq(hash_secret(secret)))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.is_null().or(api_tokens::expires_at.gt(now)))
        .select(ApiToken::as_select())
        .first(conn)
        .optional()?)
}

pub fn needs_touch(token: &ApiToken, now: NaiveDateTime) -> bool {
    token.last_used_at.is_none_or(|at| now - at >= Duration::seconds(TOUCH_INTERVAL_SECONDS))
}

pub fn touch(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(api_tokens::table.find(id)).set(api_tokens::last_used_at.eq(now)).execute(conn)?;
    Ok(())
}

/// Revokes a token; it stays listed, marked revoked. Revoking twice changes nothing.
pub fn revoke(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<ApiToken, ApiError> {
    find(conn, id)?;
    diesel::update(api_tokens::table.find(id).filter(api_tokens::revoked_at.is_null()))
        .set(api_tokens::revoked_at.eq(now))
        .execute(conn)?;
    find(conn, id)
}
