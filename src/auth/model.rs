//! Rows and queries of `refresh_tokens`, `login_throttle` and `instance_settings`.

use chrono::{Duration, NaiveDateTime};
use diesel::dsl::case_when;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{instance_settings, login_throttle, refresh_tokens};
use crate::error::ApiError;
use crate::on_backend;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: i64,
    pub user_id: i64,
    pub family: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn store_refresh_token(
    conn: &mut DbConnection,
    user_id: i64,
    family: &str,
    token_hash: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family.eq(family),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::expires_at.eq(expires_at),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub enum Rotation {
    /// The token was current: it is now used, and its user may have a new one.
    Rotated(RefreshToken),
    /// Unknown or expired.
    Invalid,
    /// Already used or revoked: someone replays it, so its whole family is now revoked.
    Reused,
}

/// Marks a current refresh token as used. The conditional update makes two concurrent
/// uses of one token impossible: only one can flip `used_at`.
pub fn use_refresh_token(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> Result<Rotation, ApiError> {
    let Some(token) = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(Rotation::Invalid);
    };
    if token.expires_at <= now {
        return Ok(Rotation::Invalid);
    }
    let flipped = diesel::update(
        refresh_tokens::table
            .find(token.id)
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    if flipped == 1 {
        Ok(Rotation::Rotated(token))
    } else {
        revoke_family(conn, &token.family, now)?;
        Ok(Rotation::Reused)
    }
}

/// Revokes the family of the token with this hash; unknown tokens are ignored.
pub fn revoke_family_of(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> Result<(), ApiError> {
    let family: Option<String> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(refresh_tokens::family)
        .first(conn)
        .optional()?;
    if let Some(family) = family {
        revoke_family(conn, &family, now)?;
    }
    Ok(())
}

fn revoke_family(conn: &mut DbConnection, family: &str, now: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::family.eq(family)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Whether the sign-in with this refresh token family still stands (not signed out, not
/// revoked for a replayed token).
pub fn session_active(conn: &mut DbConnection, family: &str) -> Result<bool, ApiError> {
    let live: Option<i64> = refresh_tokens::table
        .filter(refresh_tokens::family.eq(family))
        .filter(refresh_tokens::revoked_at.is_null())
        .select(refresh_tokens::id)
        .first(conn)
        .optional()?;
    Ok(live.is_some())
}

pub fn revoke_all_for_user(conn: &mut DbConnection, user_id: i64, now: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::user_id.eq(user_id)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// The sign-in limit: this many failures within `window` block a key for `window`.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleRule {
    pub max_failures: i32,
    pub window: Duration,
}

/// Seconds until every one of `keys` may try again; `None` when none is blocked.
pub fn blocked_for(conn: &mut DbConnection, keys: &[String], now: NaiveDateTime) -> Result<Option<u64>, ApiError> {
    let until: Option<NaiveDateTime> = login_throttle::table
        .filter(login_throttle::throttle_key.eq_any(keys))
        .filter(login_throttle::blocked_until.gt(now))
        .select(login_throttle::blocked_until.assume_not_null())
        .order(login_throttle::blocked_until.desc())
        .first(conn)
        .optional()?;
    Ok(until.map(|until| u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1)))
}

/// Counts one failure against `key`, in the database so every process shares the count.
/// Returns whether this failure locked the key.
pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    rule: ThrottleRule,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    on_backend!(conn, |c| diesel::insert_into(login_throttle::table)
        .values((
            login_throttle::throttle_key.eq(key),
            login_throttle::failures.eq(0),
            login_throttle::window_started_at.eq(now),
        ))
        .on_conflict(login_throttle::throttle_key)
        .do_nothing()
        .execute(c))?;
    let in_window = login_throttle::window_started_at.gt(now - rule.window);
    // One statement, so concurrent failures add up instead of overwriting each other.
    diesel::update(login_throttle::table.find(key))
        .set((
            login_throttle::failures.eq(case_when(in_window, login_throttle::failures + 1).otherwise(1)),
            login_throttle::window_started_at
                .eq(case_when(in_window, login_throttle::window_started_at).otherwise(now)),
        ))
        .execute(conn)?;
    let locked = diesel::update(
        login_throttle::table
            .find(key)
            .filter(login_throttle::failures.ge(rule.max_failures))
            .filter(login_throttle::blocked_until.is_null().or(login_throttle::blocked_until.le(now))),
    )
    .set(login_throttle::blocked_until.eq(now + rule.window))
    .execute(conn)?;
    Ok(locked > 0)
}

pub fn clear_failures(conn: &mut DbConnection, key: &str) -> Result<(), ApiError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// The value stored under `name`, or `generate()` stored now. When several processes
/// start together, the first write wins and all of them read the same value.
pub fn instance_setting(
    conn: &mut DbConnection,
    name: &str,
    generate: impl FnOnce() -> String,
) -> Result<String, ApiError> {
    let value = generate();
    on_backend!(conn, |c| diesel::insert_into(instance_settings::table)
        .values((instance_settings::name.eq(name), instance_settings::value.eq(&value)))
        .on_conflict(instance_settings::name)
        .do_nothing()
        .execute(c))?;
    Ok(instance_settings::table.find(name).select(instance_settings::value).first(conn)?)
}
