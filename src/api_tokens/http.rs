//! `/api/v1/api-tokens`: integrator tokens (admins only).

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, post};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{self, ApiToken};
use crate::audit::{Actor, Change, Origin};
use crate::auth::{Permission, Principal, Scope};
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::{ListResponse, PageQuery};
use crate::state::AppState;
use crate::validation::{Checks, Lines};

/// An API token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenResponse {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<i64>,
}

impl From<ApiToken> for ApiTokenResponse {
    fn from(t: ApiToken) -> Self {
        Self {
            scopes: model::scopes(&t),
            id: t.id,
            name: t.name,
            prefix: t.token_prefix,
            expires_at: t.expires_at.map(|at| at.and_utc()),
            last_used_at: t.last_used_at.map(|at| at.and_utc()),
            revoked_at: t.revoked_at.map(|at| at.and_utc()),
            created_at: t.created_at.and_utc(),
            created_by: t.created_by,
        }
    }
}

/// A new token with its secret: shown this once, never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiToken {
    #[serde(flatten)]
    pub token: ApiTokenResponse,
    /// Use as `Authorization: Bearer <token>`.
    pub token_secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenInput {
    /// What the token is for, 1 to 100 characters.
    #[schema(example = "mobile app sync", min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
    /// At least one scope.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
    /// When the token stops working (RFC 3339, in the future); never when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// List API tokens.
#[utoipa::path(
    tag = "api-tokens",
    params(PageQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of tokens", body = ListResponse<ApiTokenResponse>),
              BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[get("/api-tokens")]
pub async fn list_api_tokens(
    state: Data<AppState>,
    principal: Principal,
    query: ApiQuery<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageApiTokens)?;
    let paging = query.paging()?;
    let (tokens, total) = state.db.read(move |conn| model::list(conn, paging)).await?;
    let data = tokens.into_iter().map(ApiTokenResponse::from).collect();
    Ok(ListResponse::new(data, paging, total).respond(&req))
}

/// Create an API token; the response holds its secret, shown only this once.
#[utoipa::path(
    tag = "api-tokens",
    request_body = ApiTokenInput,
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = CreatedApiToken),
              BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[post("/api-tokens")]
pub async fn create_api_token(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<ApiTokenInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageApiTokens)?;
    let input = body.0;
    let at = now();
    let mut checks = Checks::new();
    let name = checks.required_text("name", &input.name, 100, Lines::Single);
    if input.scopes.is_empty() {
        checks.error("scopes", "must name at least one scope");
    }
    let expires_at = input.expires_at.map(|t| t.naive_utc().trunc_subsecs(6));
    if expires_at.is_some_and(|t| t <= at) {
        checks.error("expires_at", "must be in the future");
    }
    checks.finish()?;
    let created_by = principal.user_id();
    let actor = Actor::new(&principal, origin);
    let (token, secret) = state
        .db
        .write(move |conn| {
            let (token, secret) = model::create(conn, &name, &input.scopes, expires_at, created_by, at)?;
            Change::new("api_token.create", "api_token", token.id)
                .details(serde_json::json!({ "name": token.name, "scopes": token.scopes }))
                .record(conn, &actor, at)?;
            Ok((token, secret))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/api-tokens/{}", token.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedApiToken { token: token.into(), token_secret: secret }))
}

/// Get an API token (without its secret).
#[utoipa::path(
    tag = "api-tokens",
    params(("id" = i64, Path, description = "Token id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The token", body = ApiTokenResponse),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/api-tokens/{id}")]
pub async fn get_api_token(
    state: Data<AppState>,
    principal: Principal,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageApiTokens)?;
    let id = id.into_inner();
    let token = state.db.read(move |conn| model::find(conn, id)).await?;
    Ok(HttpResponse::Ok().json(ApiTokenResponse::from(token)))
}

/// Revoke an API token: it stops working at once and stays listed as revoked.
#[utoipa::path(
    tag = "api-tokens",
    params(("id" = i64, Path, description = "Token id")),
    security(("bearer" = [])),
    responses((status = 200, description = "Revoked", body = ApiTokenResponse),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[delete("/api-tokens/{id}")]
pub async fn revoke_api_token(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageApiTokens)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let token = state
        .db
        .write(move |conn| {
            let at = now();
            let token = model::revoke(conn, id, at)?;
            Change::new("api_token.revoke", "api_token", id).record(conn, &actor, at)?;
            Ok(token)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ApiTokenResponse::from(token)))
}
