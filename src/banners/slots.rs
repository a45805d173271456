//! `/api/v1/banner-slots`: the places on the portal's pages that show banners
//! (`ManageBanners`).

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::http::{MAX_NAME, MAX_TEXT};
use super::model::{self, SlotFields, SlotRow};
use crate::audit::{Actor, Change, Origin, changed_fields};
use crate::auth::{Permission, Principal};
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, nullable};
use crate::pagination::ListResponse;
use crate::state::AppState;
use crate::validation::{Checks, Lines};
use crate::webhooks::Event;

const ORDERINGS: [&str; 3] = ["weight", "random", "one_random"];

/// A place on the portal's pages that shows banners.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotResponse {
    pub id: i64,
    /// How the portal asks for it: `/banner-slots/by-key/{key}`.
    #[schema(example = "sidebar-links")]
    pub key: String,
    #[schema(example = "Liên kết")]
    pub name: String,
    pub description: Option<String>,
    /// The size the portal lays the slot out at, in CSS pixels.
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// `weight` (heaviest first), `random` (all, shuffled on every read) or `one_random`
    /// (one, drawn by weight).
    #[schema(example = "weight")]
    pub order: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SlotRow> for SlotResponse {
    fn from(s: SlotRow) -> Self {
        Self {
            id: s.id,
            key: s.key,
            name: s.name,
            description: s.description,
            width: s.width,
            height: s.height,
            order: s.ordering,
            active: s.active,
            created_at: s.created_at.and_utc(),
            updated_at: s.updated_at.and_utc(),
        }
    }
}

/// A whole slot, for create and replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotInput {
    /// Lowercase letters, digits and hyphens; unique.
    #[schema(example = "sidebar-links", pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 100)]
    pub key: String,
    #[schema(example = "Liên kết", min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[schema(minimum = 1, maximum = 10000)]
    pub width: Option<i64>,
    #[schema(minimum = 1, maximum = 10000)]
    pub height: Option<i64>,
    /// `weight` (default), `random` or `one_random`.
    #[schema(pattern = "^(weight|random|one_random)$")]
    pub order: Option<String>,
    /// Default true.
    pub active: Option<bool>,
}

/// Fields to change; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotPatch {
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 100)]
    pub key: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 2000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(minimum = 1, maximum = 10000)]
    pub width: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(minimum = 1, maximum = 10000)]
    pub height: Option<Option<i64>>,
    #[schema(pattern = "^(weight|random|one_random)$")]
    pub order: Option<String>,
    pub active: Option<bool>,
}

fn check_size(checks: &mut Checks, field: &str, value: Option<i64>) -> Option<i64> {
    if value.is_some_and(|v| !(1..=10_000).contains(&v)) {
        checks.error(field, "must be from 1 to 10000");
    }
    value
}

impl SlotInput {
    fn validate(&self) -> Result<SlotFields, ApiError> {
        let mut checks = Checks::new();
        let key = self.key.trim().to_owned();
        if !crate::slug::is_valid_slug(&key) || key.len() > 100 {
            checks.error("key", "must be lowercase letters, digits and single hyphens, at most 100 characters");
        }
        let ordering = self.order.clone().unwrap_or_else(|| "weight".to_owned());
        if !ORDERINGS.contains(&ordering.as_str()) {
            checks.error("order", "must be weight, random or one_random");
        }
        let fields = SlotFields {
            key,
            name: checks.required_text("name", &self.name, MAX_NAME, Lines::Single),
            description: checks.optional_text("description", self.description.as_deref(), MAX_TEXT, Lines::Multi),
            width: check_size(&mut checks, "width", self.width),
            height: check_size(&mut checks, "height", self.height),
            ordering,
            active: self.active.unwrap_or(true),
        };
        checks.finish()?;
        Ok(fields)
    }
}

impl SlotPatch {
    fn apply_to(self, s: SlotRow) -> SlotInput {
        SlotInput {
            key: self.key.unwrap_or(s.key),
            name: self.name.unwrap_or(s.name),
            description: self.description.unwrap_or(s.description),
            width: self.width.unwrap_or(s.width),
            height: self.height.unwrap_or(s.height),
            order: Some(self.order.unwrap_or(s.ordering)),
            active: Some(self.active.unwrap_or(s.active)),
        }
    }
}

pub(super) fn slot_keys(id: i64) -> Vec<String> {
    vec![format!("slot-{id}")]
}

/// List the banner slots, by key (staff).
#[utoipa::path(
    tag = "banners",
    security(("bearer" = [])),
    responses((status = 200, description = "Every slot", body = ListResponse<SlotResponse>),
              Unauthorized, Forbidden, Unavailable)
)]
#[get("/banner-slots")]
pub async fn list_slots(
    state: Data<AppState>,
    principal: Principal,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBanners)?;
    let slots = state.db.read(model::slots).await?;
    let total = slots.len() as i64;
    let data: Vec<SlotResponse> = slots.into_iter().map(SlotResponse::from).collect();
    Ok(ListResponse::paged(data, Some(total), total.max(1), None, None).respond(&req))
}

/// Get one slot (staff).
#[utoipa::path(
    tag = "banners",
    params(("id" = i64, Path, description = "Slot id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The slot", body = SlotResponse),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/banner-slots/{id:[0-9]+}")]
pub async fn get_slot(state: Data<AppState>, principal: Principal, id: Path<i64>) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBanners)?;
    let id = id.into_inner();
    let slot = state.db.read(move |conn| model::find_slot(conn, id)).await?;
    Ok(HttpResponse::Ok().json(SlotResponse::from(slot)))
}

/// Create a slot.
#[utoipa::path(
    tag = "banners",
    request_body = SlotInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = SlotResponse,
         headers(("Location" = String, description = "URL of the new slot"))),
        BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[post("/banner-slots")]
pub async fn create_slot(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<SlotInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBanners)?;
    let fields = body.0.validate()?;
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let slot = state
        .db
        .write(move |conn| {
            let at = now();
            let slot = model::create_slot(conn, &fields, at)?;
            Change::new("banner_slot.create", "banner_slot", slot.id)
                .fields(["key", "name", "description", "width", "height", "order", "active"])
                .record(conn, &actor, at)?;
            Event::new("banner_slot.created", &SlotResponse::from(slot.clone()))
                .keys(slot_keys(slot.id))
                .emit(conn, &outbox, &actor, at)?;
            Ok(slot)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/banner-slots/{}", slot.id)))
        .json(SlotResponse::from(slot)))
}

/// Replace a slot.
#[utoipa::path(
    tag = "banners",
    params(("id" = i64, Path, description = "Slot id")),
    request_body = SlotInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = SlotResponse),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[put("/banner-slots/{id:[0-9]+}")]
pub async fn replace_slot(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
    body: ApiJson<SlotInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    write_slot(state, principal, origin, id.into_inner(), move |_| input).await
}

/// Change some fields of a slot.
#[utoipa::path(
    tag = "banners",
    params(("id" = i64, Path, description = "Slot id")),
    request_body = SlotPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = SlotResponse),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[patch("/banner-slots/{id:[0-9]+}")]
pub async fn update_slot(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
    body: ApiJson<SlotPatch>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.0;
    write_slot(state, principal, origin, id.into_inner(), move |current| patch.apply_to(current)).await
}

async fn write_slot(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: i64,
    input: impl FnOnce(SlotRow) -> SlotInput + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBanners)?;
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let slot = state
        .db
        .write(move |conn| {
            let current = model::find_slot(conn, id)?;
            let before = SlotResponse::from(current.clone());
            let fields = input(current).validate()?;
            let at = now();
            let slot = model::update_slot(conn, id, &fields, at)?;
            let after = SlotResponse::from(slot.clone());
            let changed = changed_fields(&before, &after);
            if !changed.is_empty() {
                Change::new("banner_slot.update", "banner_slot", id).fields(&changed).record(conn, &actor, at)?;
                Event::new("banner_slot.updated", &after)
                    .changed(&changed)
                    .keys(slot_keys(id))
                    .emit(conn, &outbox, &actor, at)?;
            }
            Ok(slot)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::Ok().json(SlotResponse::from(slot)))
}

/// Delete a slot that holds no banner (409 while one does).
#[utoipa::path(
    tag = "banners",
    params(("id" = i64, Path, description = "Slot id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Unavailable)
)]
#[delete("/banner-slots/{id:[0-9]+}")]
pub async fn delete_slot(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBanners)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    state
        .db
        .write(move |conn| {
            let at = now();
            let slot = model::delete_slot(conn, id)?;
            Change::new("banner_slot.delete", "banner_slot", id).record(conn, &actor, at)?;
            Event::new("banner_slot.deleted", &SlotResponse::from(slot))
                .keys(slot_keys(id))
                .emit(conn, &outbox, &actor, at)?;
            Ok(())
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::NoContent().finish())
}
