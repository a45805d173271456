//! `/api/v1/users`: staff accounts (admins only).

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};
use serde::Deserialize;
use utoipa::ToSchema;

use super::account::{UserResponse, check_password, check_username};
use super::model::{self, NewUser, UserChanges};
use crate::audit::{Actor, Change, Origin, changed_fields};
use crate::auth::{Permission, Principal, Role, password};
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery, nullable};
use crate::pagination::{ListResponse, PageQuery};
use crate::state::AppState;
use crate::validation::{Checks, Lines};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// 3 to 50 characters: lowercase letters, digits, `.`, `_` and `-`.
    #[schema(example = "bientap.vien", pattern = "^\\s*[A-Za-z0-9._-]{3,50}\\s*$")]
    pub username: String,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    pub password: String,
    pub role: Role,
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
}

/// Fields to change; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 100)]
    pub display_name: Option<Option<String>>,
    pub role: Option<Role>,
    /// Disabling ends all of the user's sessions at once.
    pub disabled: Option<bool>,
    /// A new password (ends all of the user's sessions).
    #[schema(min_length = 10)]
    pub password: Option<String>,
}

/// List users.
#[utoipa::path(
    tag = "users",
    params(PageQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of users", body = ListResponse<UserResponse>),
              BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[get("/users")]
pub async fn list_users(
    state: Data<AppState>,
    principal: Principal,
    query: ApiQuery<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let paging = query.paging()?;
    let (users, total) = state.db.read(move |conn| model::list(conn, paging)).await?;
    let data = users.into_iter().map(UserResponse::from).collect();
    Ok(ListResponse::new(data, paging, total).respond(&req))
}

/// Create a user.
#[utoipa::path(
    tag = "users",
    request_body = UserInput,
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = UserResponse),
              BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[post("/users")]
pub async fn create_user(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<UserInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let input = body.0;
    let mut checks = Checks::new();
    let username = check_username(&input.username, &mut checks);
    check_password("password", &input.password, &mut checks);
    let display_name = checks.optional_text("display_name", input.display_name.as_deref(), 100, Lines::Single);
    checks.finish()?;
    let password_hash = actix_web::web::block(move || password::hash(&input.password)).await??;
    let new = NewUser { username, display_name, role: input.role.as_str().to_owned(), password_hash };
    let actor = Actor::new(&principal, origin);
    let user = state
        .db
        .write(move |conn| {
            let at = now();
            let user = model::create(conn, &new, at)?;
            Change::new("user.create", "user", user.id)
                .fields(["username", "display_name", "role", "password"])
                .record(conn, &actor, at)?;
            Ok(user)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", user.id)))
        .json(UserResponse::from(user)))
}

/// Get a user.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The user", body = UserResponse),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/users/{id}")]
pub async fn get_user(state: Data<AppState>, principal: Principal, id: Path<i64>) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let id = id.into_inner();
    let user = state.db.read(move |conn| model::find(conn, id)).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Change a user's role, name, password or disabled state. The last enabled admin
/// cannot be demoted or disabled (409).
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = UserPatch,
    security(("bearer" = [])),
    responses((status = 200, description = "Updated", body = UserResponse),
              BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
    body: ApiJson<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let id = id.into_inner();
    let patch = body.0;
    let mut checks = Checks::new();
    if let Some(password) = &patch.password {
        check_password("password", password, &mut checks);
    }
    let display_name =
        patch.display_name.map(|name| checks.optional_text("display_name", name.as_deref(), 100, Lines::Single));
    checks.finish()?;
    let password_hash = match patch.password {
        Some(password) => Some(actix_web::web::block(move || password::hash(&password)).await??),
        None => None,
    };
    let new_password = password_hash.is_some();
    let changes = UserChanges { display_name, role: patch.role, disabled: patch.disabled, password_hash };
    let actor = Actor::new(&principal, origin);
    let user = state
        .db
        .write(move |conn| {
            let at = now();
            let before = UserResponse::from(model::find(conn, id)?);
            let user = model::update(conn, id, &changes, at)?;
            let after = UserResponse::from(user.clone());
            let mut changed = changed_fields(&before, &after);
            if new_password {
                changed.push("password".into());
            }
            if !changed.is_empty() {
                let action = if after.disabled && !before.disabled { "user.disable" } else { "user.update" };
                Change::new(action, "user", id).fields(changed).record(conn, &actor, at)?;
            }
            Ok(user)
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Delete a user. The last enabled admin cannot be deleted (409).
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"),
              BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Unavailable)
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    state
        .db
        .write(move |conn| {
            let user = model::find(conn, id)?;
            model::delete(conn, id)?;
            Change::new("user.delete", "user", id).details(serde_json::json!({ "username": user.username })).record(
                conn,
                &actor,
                now(),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
