//! `/api/v1/webhooks`: endpoints that hear about changes (admins, or `webhooks:manage`),
//! their signing secrets, their deliveries, pings and redeliveries.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, DeliveryWithEvent, WebhookFields, WebhookRow};
use super::{Event, address_guard, is_subscribable, signature};
use crate::audit::{Actor, Change, Origin, changed_fields};
use crate::auth::{Permission, Principal};
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery, nullable};
use crate::pagination::{ListResponse, id_cursor, id_page};
use crate::state::AppState;
use crate::validation::{Checks, Lines, MAX_URL_LENGTH};

const MAX_DESCRIPTION: usize = 500;
const MAX_EVENTS: usize = 50;
/// How long the secret before a rotation keeps signing.
const ROTATION_OVERLAP: TimeDelta = TimeDelta::hours(24);

/// An endpoint as admins see it (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: i64,
    #[schema(example = "https://app.example.vn/hooks/newsdesk")]
    pub url: String,
    /// Event names, `{resource}.*` or `*`.
    #[schema(example = json!(["article.published", "article.unpublished"]))]
    pub events: Vec<String>,
    pub description: Option<String>,
    /// Inactive endpoints get no new events; turning one on again sends what is pending.
    pub active: bool,
    /// Why newsdesk turned the endpoint off (410 Gone, too many failures in a row).
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last delivered one.
    pub failures_in_a_row: i32,
    /// Until when the secret before the last rotation also signs.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for WebhookResponse {
    fn from(row: WebhookRow) -> Self {
        Self {
            id: row.id,
            events: row.event_names(),
            url: row.url,
            description: row.description,
            active: row.active,
            disabled_reason: row.disabled_reason,
            failures_in_a_row: row.failures_in_a_row,
            previous_secret_expires_at: row.previous_secret_expires_at.map(|t| t.and_utc()),
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// An endpoint with its signing secret, shown only in this answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    /// `whsec_` + base64 of 32 random bytes: verify `webhook-signature` with it (Standard
    /// Webhooks). Shown once; rotate it if it is lost.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where events are POSTed: an absolute http or https URL of a public address.
    #[schema(
        example = "https://app.example.vn/hooks/newsdesk",
        max_length = 2048,
        pattern = "^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*$"
    )]
    pub url: String,
    /// 1 to 50 event names (`article.published`), `{resource}.*` or `*`.
    #[schema(example = json!(["article.*", "rating.created"]), min_items = 1, max_items = 50)]
    pub events: Vec<String>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Default true.
    pub active: Option<bool>,
}

/// Fields to change; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    #[schema(max_length = 2048, pattern = "^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*$")]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 50)]
    pub events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 500)]
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

impl WebhookInput {
    async fn validate(self, state: &AppState) -> Result<WebhookFields, ApiError> {
        let mut checks = Checks::new();
        let url = checks.required_text("url", &self.url, MAX_URL_LENGTH, Lines::Single);
        let parsed = url::Url::parse(&url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        match &parsed {
            None if !checks.has_error("url") => checks.error("url", "must be an absolute http or https URL"),
            Some(parsed) if parsed.username() != "" || parsed.password().is_some() => {
                checks.error("url", "must not carry a user name or password")
            }
            _ => {}
        }
        if self.events.is_empty() || self.events.len() > MAX_EVENTS {
            checks.error("events", format!("must name 1 to {MAX_EVENTS} events"));
        }
        let mut events = Vec::new();
        for name in self.events {
            let name = name.trim().to_owned();
            if !is_subscribable(&name) {
                checks.error("events", "must hold event names (such as article.published), {resource}.* or *");
                break;
            }
            if !events.contains(&name) {
                events.push(name);
            }
        }
        let description =
            checks.optional_text("description", self.description.as_deref(), MAX_DESCRIPTION, Lines::Multi);
        checks.finish()?;
        if let Some(parsed) = parsed
            && let Err(refused) = address_guard::check(&parsed, state.settings.webhook_allow_private).await
        {
            let mut checks = Checks::new();
            checks.error("url", refused);
            checks.finish()?;
        }
        Ok(WebhookFields { url, events, description, active: self.active.unwrap_or(true) })
    }
}

impl WebhookPatch {
    fn apply_to(self, current: &WebhookRow) -> WebhookInput {
        WebhookInput {
            url: self.url.unwrap_or_else(|| current.url.clone()),
            events: self.events.unwrap_or_else(|| current.event_names()),
            description: self.description.unwrap_or_else(|| current.description.clone()),
            active: Some(self.active.unwrap_or(current.active)),
        }
    }
}

/// One delivery of an event to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub id: i64,
    pub webhook_id: i64,
    /// The `webhook-id` header: the same on every attempt, for deduplication.
    #[schema(example = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")]
    pub message_id: String,
    #[schema(example = "article.published")]
    pub event_type: String,
    /// `pending` (to be tried, again or for the first time), `succeeded` or `failed`.
    #[schema(example = "succeeded")]
    pub status: String,
    pub attempts: i32,
    /// When it is tried next (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status the endpoint last answered.
    pub last_status_code: Option<i32>,
    pub last_duration_ms: Option<i64>,
    /// The first kilobyte of the endpoint's last answer.
    pub last_response: Option<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<DeliveryWithEvent> for DeliveryResponse {
    fn from((delivery, event): DeliveryWithEvent) -> Self {
        Self {
            id: delivery.id,
            webhook_id: delivery.webhook_id,
            message_id: event.message_id,
            event_type: event.event_type,
            next_attempt_at: delivery.next_attempt().map(|t| t.and_utc()),
            status: delivery.status,
            attempts: delivery.attempts,
            last_attempt_at: delivery.last_attempt_at.map(|t| t.and_utc()),
            last_status_code: delivery.last_status_code,
            last_duration_ms: delivery.last_duration_ms,
            last_response: delivery.last_response,
            last_error: delivery.last_error,
            created_at: delivery.created_at.and_utc(),
        }
    }
}

/// List the endpoints.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses((status = 200, description = "Every endpoint", body = ListResponse<WebhookResponse>),
              Unauthorized, Forbidden, Unavailable)
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: Data<AppState>,
    principal: Principal,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let rows = state.db.read(model::list).await?;
    let total = rows.len() as i64;
    let data: Vec<WebhookResponse> = rows.into_iter().map(WebhookResponse::from).collect();
    Ok(ListResponse::paged(data, None, total.max(1), Some(total), None).respond(&req))
}

/// Create an endpoint. Its signing secret is in this answer only.
#[utoipa::path(
    tag = "webhooks",
    request_body = WebhookInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = WebhookWithSecret,
         headers(("Location" = String, description = "URL of the new endpoint"))),
        BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let fields = body.0.validate(&state).await?;
    let actor = Actor::new(&principal, origin);
    let created_by = principal.user_id();
    let secret = signature::new_secret();
    let kept = secret.clone();
    let row = state
        .db
        .write(move |conn| {
            let at = now();
            let row = model::insert_webhook(conn, &fields, &kept, created_by, at)?;
            Change::new("webhook.create", "webhook", row.id)
                .fields(["url", "events", "description", "active"])
                .record(conn, &actor, at)?;
            Ok(row)
        })
        .await?;
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, format!("/api/v1/webhooks/{}", row.id)));
    Ok(created.json(WebhookWithSecret { webhook: row.into(), secret }))
}

/// Get an endpoint.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The endpoint", body = WebhookResponse),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(state: Data<AppState>, principal: Principal, id: Path<i64>) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let row = state.db.read(move |conn| model::find(conn, id)).await?;
    Ok(HttpResponse::Ok().json(WebhookResponse::from(row)))
}

/// Change an endpoint: its URL, events, description, or whether it is on. Turning it on
/// again forgets its failures and sends what waited.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    request_body = WebhookPatch,
    security(("bearer" = [])),
    responses((status = 200, description = "Updated", body = WebhookResponse),
              BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
    body: ApiJson<WebhookPatch>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let current = state.db.read(move |conn| model::find(conn, id)).await?;
    let fields = body.0.apply_to(&current).validate(&state).await?;
    let actor = Actor::new(&principal, origin);
    let row = state
        .db
        .write(move |conn| {
            let at = now();
            let before = WebhookResponse::from(model::find(conn, id)?);
            let row = model::update(conn, id, &fields, at)?;
            let changed = changed_fields(&before, &WebhookResponse::from(row.clone()));
            if !changed.is_empty() {
                Change::new("webhook.update", "webhook", id).fields(changed).record(conn, &actor, at)?;
            }
            Ok(row)
        })
        .await?;
    state.outbox.wake();
    Ok(HttpResponse::Ok().json(WebhookResponse::from(row)))
}

/// Delete an endpoint and its deliveries.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    state
        .db
        .write(move |conn| {
            model::delete(conn, id)?;
            Change::new("webhook.delete", "webhook", id).record(conn, &actor, now())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give an endpoint a new signing secret, shown in this answer only. For 24 hours the
/// old secret signs too (a second `v1,` signature), so receivers can switch without loss.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The endpoint and its new secret", body = WebhookWithSecret),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let secret = signature::new_secret();
    let kept = secret.clone();
    let row = state
        .db
        .write(move |conn| {
            let at = now();
            let row = model::rotate_secret(conn, id, &kept, at + ROTATION_OVERLAP, at)?;
            Change::new("webhook.rotate_secret", "webhook", id).record(conn, &actor, at)?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(WebhookWithSecret { webhook: row.into(), secret }))
}

/// Pings and redeliveries go to endpoints that are on.
fn require_active(endpoint: &WebhookRow) -> Result<(), ApiError> {
    if endpoint.active {
        return Ok(());
    }
    Err(ApiError::Conflict {
        detail: "The endpoint is off; PATCH it with active=true first.".into(),
        errors: Vec::new(),
    })
}

/// Send a `ping` event to the endpoint now (whatever it subscribed to).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    security(("bearer" = [])),
    responses((status = 202, description = "Queued; follow it in the deliveries", body = DeliveryResponse),
              BadRequest, Unauthorized, Forbidden, NotFound,
              (status = 409, description = "The endpoint is off; turn it on first",
               body = crate::error::Problem, content_type = "application/problem+json"),
              Unavailable)
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping_webhook(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let delivery = state
        .db
        .write(move |conn| {
            let at = now();
            require_active(&model::find(conn, id)?)?;
            let object = serde_json::json!({ "webhook_id": id, "message": "ping" });
            let event = Event::new("ping", &object).only_to(id).emit(conn, &outbox, &actor, at)?;
            let event = event.ok_or_else(|| ApiError::Internal("a ping is always stored".into()))?;
            let newest = model::deliveries(conn, id, None, None, 1)?;
            newest.into_iter().find(|(_, e)| e.id == event).ok_or_else(|| ApiError::Internal("no ping delivery".into()))
        })
        .await?;
    state.outbox.wake();
    Ok(HttpResponse::Accepted().json(DeliveryResponse::from(delivery)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Only deliveries in this state.
    #[param(inline, value_type = Option<String>, pattern = "^(pending|succeeded|failed)$")]
    pub status: Option<String>,
    /// `meta.next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$", max_length = 100)]
    pub cursor: Option<String>,
    /// 1 to 100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// An endpoint's deliveries, newest first: status, attempts, the last answer. Deliveries
/// are kept 30 days.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id"), DeliveriesQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of deliveries", body = ListResponse<DeliveryResponse>),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: Data<AppState>,
    principal: Principal,
    id: Path<i64>,
    query: ApiQuery<DeliveriesQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let query = query.into_inner();
    let mut checks = Checks::new();
    let (per_page, before_id) = id_page(query.per_page, query.cursor.as_deref(), "delivery", &mut checks);
    let status = query.status.filter(|s| !s.is_empty());
    if status.as_deref().is_some_and(|s| ![model::PENDING, model::SUCCEEDED, model::FAILED].contains(&s)) {
        checks.error("status", "must be pending, succeeded or failed");
    }
    checks.finish()?;
    let mut rows = state
        .db
        .read(move |conn| {
            model::find(conn, id)?;
            model::deliveries(conn, id, status.as_deref(), before_id, per_page + 1)
        })
        .await?;
    let next_cursor = (rows.len() as i64 > per_page).then(|| {
        rows.truncate(per_page as usize);
        id_cursor("delivery", rows.last().map_or(0, |(delivery, _)| delivery.id))
    });
    let data: Vec<DeliveryResponse> = rows.into_iter().map(DeliveryResponse::from).collect();
    Ok(ListResponse::paged(data, None, per_page, None, next_cursor).respond(&req))
}

/// Send an event to the endpoint again, as a new delivery with the same `webhook-id`
/// (receivers that already have it ignore it).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id"), ("delivery_id" = i64, Path, description = "Delivery id")),
    security(("bearer" = [])),
    responses((status = 202, description = "Queued", body = DeliveryResponse),
              BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Unavailable)
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    path: Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let (id, delivery_id) = path.into_inner();
    let actor = Actor::new(&principal, origin);
    let delivery = state
        .db
        .write(move |conn| {
            let at = now();
            let (_, event) = model::find_delivery(conn, id, delivery_id)?;
            require_active(&model::find(conn, id)?)?;
            let new_id = model::redeliver(conn, id, event.id, at)?;
            Change::new("webhook.redeliver", "webhook", id)
                .details(serde_json::json!({ "delivery_id": delivery_id, "message_id": event.message_id }))
                .record(conn, &actor, at)?;
            model::find_delivery(conn, id, new_id)
        })
        .await?;
    state.outbox.wake();
    Ok(HttpResponse::Accepted().json(DeliveryResponse::from(delivery)))
}
