//! `/api/v1/auth`: sign in, refresh, sign out, and the signed-in user.

use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse, get, patch, post};
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{self, Rotation, ThrottleRule};
use super::tokens::{REFRESH_TOKEN_PREFIX, hash_secret, random_secret};
use super::{Principal, password};
use crate::audit::{Actor, Change, Origin};
use crate::client;
use crate::db::{DbConnection, now};
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Forbidden, PayloadTooLarge, TooManyRequests, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::users::account::{UserResponse, check_password, is_valid_username};
use crate::users::model::{self as users, User, UserChanges};
use crate::validation::Checks;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    #[schema(example = "admin")]
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshInput {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    pub new_password: String,
}

/// A signed-in session: a short-lived access token and the refresh token that renews it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single use: `POST /api/v1/auth/refresh` exchanges it for a new pair.
    pub refresh_token: String,
    pub refresh_expires_in: i64,
    pub user: UserResponse,
}

/// Issues a new access token and refresh token for `user`, continuing `family` (a
/// rotation) or starting a new one (a sign-in).
fn open_session(
    conn: &mut DbConnection,
    state: &AppState,
    user: User,
    family: Option<String>,
    now: NaiveDateTime,
) -> Result<TokenResponse, ApiError> {
    let refresh_token = random_secret(REFRESH_TOKEN_PREFIX);
    let family = family.unwrap_or_else(|| random_secret(""));
    let refresh_ttl = state.settings.refresh_token_ttl;
    model::store_refresh_token(
        conn,
        user.id,
        &family,
        &hash_secret(&refresh_token),
        now + Duration::seconds(refresh_ttl),
        now,
    )?;
    let access_token =
        state.keys.issue(user.id, &user.role, user.token_version, Some(&family), now.and_utc().timestamp())?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.keys.access_ttl_seconds,
        refresh_token,
        refresh_expires_in: refresh_ttl,
        user: user.into(),
    })
}

fn session_response(session: TokenResponse) -> HttpResponse {
    HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(session)
}

/// Sign in with a username and password.
///
/// Failed attempts are limited per account and per client address (429 with
/// `Retry-After`). The answer takes as long for an unknown user as for a wrong password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginInput,
    responses((status = 200, description = "Signed in", body = TokenResponse),
              BadRequest, Unauthorized, TooManyRequests, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[post("/auth/login")]
pub async fn login(
    state: Data<AppState>,
    req: HttpRequest,
    origin: Origin,
    body: ApiJson<LoginInput>,
) -> Result<HttpResponse, ApiError> {
    let LoginInput { username, password } = body.0;
    let username = username.trim().to_lowercase();
    let address = client::address_key(client::client_ip(&req, &state.settings.trusted_proxies), &state.address_secret);
    // A name no account can have (any text at all, NUL bytes included) is never looked up
    // or stored; it is still a failed sign-in, counted against the client.
    let account_key = is_valid_username(&username).then(|| format!("account:{username}"));
    let client_key = format!("client:{address}");
    let at = now();

    let keys: Vec<String> = account_key.iter().cloned().chain([client_key.clone()]).collect();
    // What the sign-in is recorded as: the name tried, cut short, never the password.
    let tried: String = username.chars().filter(|c| !c.is_control()).take(100).collect();
    if let Some(seconds) = state.db.read(move |conn| model::blocked_for(conn, &keys, at)).await? {
        let (tried, actor) = (tried.clone(), Actor::anonymous(origin));
        state
            .db
            .write(move |conn| {
                Change::event("auth.login_blocked", "auth")
                    .details(serde_json::json!({ "username": tried }))
                    .record(conn, &actor, at)
            })
            .await?;
        return Err(ApiError::TooManyRequests {
            detail: "Too many failed sign-ins; try again later.".into(),
            retry_after_seconds: seconds,
        });
    }
    let lookup = account_key.is_some().then_some(username);
    let user = match lookup {
        Some(name) => state.db.read(move |conn| users::by_username(conn, &name)).await?,
        None => None,
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = web::block(move || password::verify(&password, stored.as_deref())).await?;

    let session_state = state.clone();
    let settings = state.settings.clone();
    let outcome = state
        .db
        .write(move |conn| match user {
            Some(user) if matches && !user.disabled => {
                if let Some(account_key) = &account_key {
                    model::clear_failures(conn, account_key)?;
                }
                users::record_login(conn, user.id, at)?;
                let actor = Actor {
                    user_id: Some(user.id),
                    username: Some(user.username.clone()),
                    origin: origin.clone(),
                    ..Actor::default()
                };
                Change::new("auth.login", "user", user.id).record(conn, &actor, at)?;
                Ok(Ok(open_session(conn, &session_state, user, None, at)?))
            }
            _ => {
                let window = Duration::seconds(settings.login_lockout);
                let account_rule = ThrottleRule { max_failures: settings.login_max_failures, window };
                let client_rule = ThrottleRule { max_failures: settings.login_max_failures_per_client, window };
                let mut locked = false;
                if let Some(account_key) = &account_key {
                    locked |= model::record_failure(conn, account_key, account_rule, at)?;
                }
                locked |= model::record_failure(conn, &client_key, client_rule, at)?;
                let actor = Actor::anonymous(origin.clone());
                let details = serde_json::json!({ "username": tried });
                Change::event("auth.login_failed", "auth").details(details.clone()).record(conn, &actor, at)?;
                if locked {
                    Change::event("auth.lockout", "auth").details(details).record(conn, &actor, at)?;
                }
                Ok(Err(ApiError::Unauthorized("invalid username or password".into())))
            }
        })
        .await?;
    outcome.map(session_response)
}

/// Exchange a refresh token for a new access token and refresh token.
///
/// Each refresh token works once. Presenting one that was already used revokes every
/// token descended from the same sign-in.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshInput,
    responses((status = 200, description = "A new session", body = TokenResponse),
              BadRequest, Unauthorized, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: Data<AppState>,
    origin: Origin,
    body: ApiJson<RefreshInput>,
) -> Result<HttpResponse, ApiError> {
    let token_hash = hash_secret(body.0.refresh_token.trim());
    let at = now();
    let session_state = state.get_ref().clone();
    // The inner error still commits: revoking a replayed family must stick.
    let outcome = state
        .db
        .write(move |conn| match model::use_refresh_token(conn, &token_hash, at)? {
            Rotation::Rotated(token) => match users::find_optional(conn, token.user_id)? {
                Some(user) if !user.disabled => {
                    Ok(Ok(open_session(conn, &session_state, user, Some(token.family), at)?))
                }
                _ => Ok(Err(ApiError::Unauthorized("the account is disabled".into()))),
            },
            Rotation::Invalid => Ok(Err(ApiError::Unauthorized("the refresh token is not valid".into()))),
            Rotation::Reused => {
                Change::event("auth.refresh_reuse", "auth").record(conn, &Actor::anonymous(origin), at)?;
                Ok(Err(ApiError::Unauthorized(
                    "the refresh token was already used; every session from the same sign-in is now revoked".into(),
                )))
            }
        })
        .await?;
    outcome.map(session_response)
}

/// Sign out: the refresh token, and every token rotated from the same sign-in, stop working.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshInput,
    responses((status = 204, description = "Signed out (also for an unknown token)"),
              BadRequest, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[post("/auth/logout")]
pub async fn logout(state: Data<AppState>, body: ApiJson<RefreshInput>) -> Result<HttpResponse, ApiError> {
    let token_hash = hash_secret(body.0.refresh_token.trim());
    state.db.write(move |conn| model::revoke_family_of(conn, &token_hash, now())).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn signed_in_user(principal: &Principal) -> Result<i64, ApiError> {
    principal.user_id().ok_or_else(|| ApiError::Forbidden("API tokens act for no user.".into()))
}

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = UserResponse), Unauthorized, Forbidden, Unavailable)
)]
#[get("/auth/me")]
pub async fn me(state: Data<AppState>, principal: Principal) -> Result<HttpResponse, ApiError> {
    let id = signed_in_user(&principal)?;
    let user = state.db.read(move |conn| users::find(conn, id)).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Change one's own password. Every other session ends; the response is a new one.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordChange,
    security(("bearer" = [])),
    responses((status = 200, description = "Changed; a new session", body = TokenResponse),
              BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[patch("/auth/me/password")]
pub async fn change_password(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let id = signed_in_user(&principal)?;
    let PasswordChange { current_password, new_password } = body.0;
    let mut checks = Checks::new();
    check_password("new_password", &new_password, &mut checks);
    checks.finish()?;
    let user = state.db.read(move |conn| users::find(conn, id)).await?;
    let password_hash = web::block(move || {
        if password::verify(&current_password, Some(&user.password_hash)) {
            password::hash(&new_password)
        } else {
            Err(ApiError::field("current_password", "is not the current password"))
        }
    })
    .await??;
    let session_state = state.get_ref().clone();
    let at = now();
    let actor = Actor::new(&principal, origin);
    let session = state
        .db
        .write(move |conn| {
            let changes = UserChanges { password_hash: Some(password_hash), ..Default::default() };
            let user = users::update(conn, id, &changes, at)?;
            Change::new("auth.password_change", "user", id).fields(["password"]).record(conn, &actor, at)?;
            open_session(conn, &session_state, user, None, at)
        })
        .await?;
    Ok(session_response(session))
}
