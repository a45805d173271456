//! `GET /api/v1/audit`: the audit log, newest first (admins or `audit:read`).

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, AuditFilter, AuditRow};
use crate::auth::{Permission, Principal};
use crate::error::ApiError;
use crate::error::responses::{BadRequest, Forbidden, Unauthorized, Unavailable};
use crate::extract::ApiQuery;
use crate::pagination::{ListResponse, id_cursor, id_page};
use crate::state::AppState;
use crate::validation::Checks;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries of this user's actions.
    pub actor_user_id: Option<i64>,
    /// Entries of this API token's actions.
    pub actor_token_id: Option<i64>,
    /// One action, such as `article.update` or `auth.login_failed`.
    #[param(max_length = 100)]
    pub action: Option<String>,
    /// `article`, `source`, `category`, `tag`, `user`, `api_token`, `rating`, `stats` or `auth`.
    #[param(max_length = 100)]
    pub resource_type: Option<String>,
    #[param(max_length = 100)]
    pub resource_id: Option<String>,
    /// Entries at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// `meta.next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$", max_length = 100)]
    pub cursor: Option<String>,
    /// 1 to 100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// Who acted: a user, an API token, or nobody (a failed sign-in).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditActor {
    pub user_id: Option<i64>,
    /// The username at the time.
    pub username: Option<String>,
    pub token_id: Option<i64>,
    /// The token's name at the time.
    pub token_name: Option<String>,
}

/// One entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: AuditActor,
    #[schema(example = "article.update")]
    pub action: String,
    #[schema(example = "article")]
    pub resource_type: String,
    pub resource_id: Option<String>,
    /// The fields the change touched.
    pub changed_fields: Vec<String>,
    /// The client's address, for staff writes and sign-in attempts.
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
    /// More about the event (the username tried by a failed sign-in, a rating's score).
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            at: row.at.and_utc(),
            actor: AuditActor {
                user_id: row.actor_user_id,
                username: row.actor_username,
                token_id: row.actor_token_id,
                token_name: row.actor_token_name,
            },
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            changed_fields: serde_json::from_str(&row.changed_fields).unwrap_or_default(),
            client_address: row.client_address,
            user_agent: row.user_agent,
            request_id: row.request_id,
            details: row.details.and_then(|d| serde_json::from_str(&d).ok()),
        }
    }
}

/// The audit log, newest first: every staff write and security event, with who, what,
/// when and from where (admins or `audit:read`). Entries are never changed or deleted
/// through the API; they are kept `NEWSDESK_AUDIT_DAYS` days.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of entries", body = ListResponse<AuditEntry>),
              BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[get("/audit")]
pub async fn list_audit(
    state: Data<AppState>,
    principal: Principal,
    query: ApiQuery<AuditQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ReadAudit)?;
    let query = query.into_inner();
    let mut checks = Checks::new();
    let (per_page, before_id) = id_page(query.per_page, query.cursor.as_deref(), "audit", &mut checks);
    for (field, value) in
        [("action", &query.action), ("resource_type", &query.resource_type), ("resource_id", &query.resource_id)]
    {
        if value.as_deref().is_some_and(|v| v.chars().count() > 100 || v.contains('\0')) {
            checks.error(field, "must be at most 100 characters of text");
        }
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        checks.error("from", "must not be after to");
    }
    checks.finish()?;
    let filter = AuditFilter {
        actor_user_id: query.actor_user_id,
        actor_token_id: query.actor_token_id,
        action: query.action,
        resource_type: query.resource_type,
        resource_id: query.resource_id,
        from: query.from.map(|t| t.naive_utc()),
        to: query.to.map(|t| t.naive_utc()),
        before_id,
    };
    let mut rows = state.db.read(move |conn| model::list(conn, &filter, per_page + 1)).await?;
    let next_cursor = (rows.len() as i64 > per_page).then(|| {
        rows.truncate(per_page as usize);
        id_cursor("audit", rows.last().map_or(0, |row| row.id))
    });
    let data: Vec<AuditEntry> = rows.into_iter().map(AuditEntry::from).collect();
    Ok(ListResponse::paged(data, None, per_page, None, next_cursor).respond(&req))
}
