//! The audit log: who changed what, when and from where. Every staff write records its
//! entry in the same transaction as the change, so no change is without one; security
//! events (sign-ins, lockouts, token reuse) are recorded too. Append-only.

use actix_web::dev::Payload;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};
use chrono::NaiveDateTime;
use std::future::{Ready, ready};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Principal;
use crate::client;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::state::AppState;

pub mod http;
pub mod model;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::list_audit);
}

/// Where a request came from: the client's address (through trusted proxies), its user
/// agent and the request id. Recorded only for staff writes and sign-in attempts.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// User agents are kept to this many characters.
const MAX_USER_AGENT: usize = 500;

impl Origin {
    pub fn of(req: &HttpRequest, state: &AppState) -> Self {
        let user_agent = client::user_agent(req);
        let request_id = crate::request_id::of(req);
        Self {
            address: client::client_ip(req, &state.settings.trusted_proxies).map(|ip| ip.to_string()),
            user_agent: (!user_agent.is_empty()).then(|| user_agent.chars().take(MAX_USER_AGENT).collect()),
            request_id: (!request_id.is_empty()).then_some(request_id),
        }
    }
}

impl FromRequest for Origin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<Data<AppState>>().expect("the app state is registered");
        ready(Ok(Self::of(req, state)))
    }
}

/// Who acted: a user (with the username they had then), an API token (with its name), or
/// nobody (a failed sign-in), and from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub token_id: Option<i64>,
    pub token_name: Option<String>,
    pub origin: Origin,
}

impl Actor {
    pub fn new(principal: &Principal, origin: Origin) -> Self {
        match principal {
            Principal::User { id, username, .. } => {
                Self { user_id: Some(*id), username: Some(username.clone()), origin, ..Self::default() }
            }
            Principal::ApiToken { id, name, .. } => {
                Self { token_id: Some(*id), token_name: Some(name.clone()), origin, ..Self::default() }
            }
        }
    }

    pub fn anonymous(origin: Origin) -> Self {
        Self { origin, ..Self::default() }
    }

    /// newsdesk itself (the scheduler, the delivery worker), by the part that acted.
    pub fn system(name: &str) -> Self {
        Self { username: Some(name.to_owned()), ..Self::default() }
    }

    /// How the actor is named in revisions and conflict messages.
    pub fn name(&self) -> Option<String> {
        self.username.clone().or_else(|| self.token_name.as_ref().map(|name| format!("API token {name}")))
    }
}

/// One entry of the audit log, built by the handler and recorded with the change.
#[derive(Debug, Clone)]
pub struct Change {
    pub action: &'static str,
    pub resource_type: &'static str,
    pub resource_id: Option<String>,
    pub changed_fields: Vec<String>,
    pub details: Option<serde_json::Value>,
}

impl Change {
    pub fn new(action: &'static str, resource_type: &'static str, resource_id: impl ToString) -> Self {
        Self {
            action,
            resource_type,
            resource_id: Some(resource_id.to_string()),
            changed_fields: Vec::new(),
            details: None,
        }
    }

    /// An event about no one resource (a failed sign-in under an unknown name).
    pub fn event(action: &'static str, resource_type: &'static str) -> Self {
        Self { action, resource_type, resource_id: None, changed_fields: Vec::new(), details: None }
    }

    pub fn fields<S: ToString>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.changed_fields = fields.into_iter().map(|f| f.to_string()).collect();
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Writes the entry on `conn`, inside the change's transaction.
    pub fn record(self, conn: &mut DbConnection, actor: &Actor, at: NaiveDateTime) -> Result<(), ApiError> {
        model::insert(conn, &self, actor, at)
    }
}

/// The top-level fields whose values differ between two versions of a resource, as
/// clients see it (`updated_at` and derived counts aside).
pub fn changed_fields<T: serde::Serialize>(before: &T, after: &T) -> Vec<String> {
    let (Ok(serde_json::Value::Object(before)), Ok(serde_json::Value::Object(after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    after
        .into_iter()
        .filter(|(name, value)| !IGNORED_FIELDS.contains(&name.as_str()) && before.get(name) != Some(value))
        .map(|(name, _)| name)
        .collect()
}

/// Fields that change with every write or with other resources, not with the edit.
const IGNORED_FIELDS: [&str; 3] = ["updated_at", "article_count", "last_login_at"];
