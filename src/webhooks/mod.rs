//! Webhooks and cache purges, sent from a transactional outbox. A change stores its
//! event in its own transaction, with one delivery per subscribed endpoint and one purge
//! per cache front end (`NEWSDESK_PURGE_URLS`); nothing is sent from memory, so a crash
//! after the commit cannot lose it. Every process runs a worker (`delivery`) that claims
//! what is due from the database and sends it: signed by the Standard Webhooks
//! specification, at least once, in event order per endpoint, retried with backoff.

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Notify;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::Actor;
use crate::db::DbConnection;
use crate::error::ApiError;

pub mod address_guard;
pub mod delivery;
pub mod http;
pub mod model;
pub mod signature;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(http::list_webhooks)
        .service(http::create_webhook)
        .service(http::get_webhook)
        .service(http::update_webhook)
        .service(http::delete_webhook)
        .service(http::rotate_secret)
        .service(http::ping_webhook)
        .service(http::list_deliveries)
        .service(http::redeliver);
}

/// Every event an endpoint can subscribe to (besides `*` and `{resource}.*`).
pub const EVENT_TYPES: [&str; 33] = [
    "article.created",
    "article.updated",
    "article.published",
    "article.unpublished",
    "article.trashed",
    "article.restored",
    "article.deleted",
    "source.created",
    "source.updated",
    "source.deleted",
    "category.created",
    "category.updated",
    "category.deleted",
    "tag.created",
    "tag.updated",
    "tag.deleted",
    "rating.created",
    "rating.updated",
    "rating.deleted",
    "comment.created",
    "comment.approved",
    "comment.updated",
    "comment.deleted",
    "media.created",
    "media.updated",
    "media.deleted",
    "banner_slot.created",
    "banner_slot.updated",
    "banner_slot.deleted",
    "banner.created",
    "banner.updated",
    "banner.deleted",
    "ping",
];

/// Whether `name` is something an endpoint may subscribe to.
pub fn is_subscribable(name: &str) -> bool {
    name == "*"
        || EVENT_TYPES.contains(&name)
        || name
            .strip_suffix(".*")
            .is_some_and(|resource| EVENT_TYPES.iter().any(|e| e.starts_with(&format!("{resource}."))))
}

/// The cache keys a change to a source, category or tag (`resource`, listed in
/// `collection`) alters: a new one appears in its collection only; a changed or deleted
/// one also in its own responses and in every article response that embeds it.
pub fn taxonomy_keys(resource: &str, collection: &str, id: i64, created: bool) -> Vec<String> {
    if created {
        vec![collection.to_owned()]
    } else {
        vec![format!("{resource}-{id}"), collection.to_owned(), "articles".to_owned()]
    }
}

/// This process's side of the outbox: the cache front ends every event with keys is
/// purged on, and the bell that wakes the worker once a change is committed.
pub struct Outbox {
    purge_urls: Vec<String>,
    deliveries_due: Notify,
    purges_due: Notify,
}

impl Outbox {
    pub fn new(purge_urls: Vec<String>) -> Self {
        Self { purge_urls, deliveries_due: Notify::new(), purges_due: Notify::new() }
    }

    /// Something may be due: the workers look now instead of at their next poll.
    pub fn wake(&self) {
        self.deliveries_due.notify_one();
        self.purges_due.notify_one();
    }
}

/// One event, built by the write that causes it and stored in that write's transaction.
pub struct Event {
    kind: &'static str,
    data: serde_json::Map<String, Value>,
    keys: Vec<String>,
    only_to: Option<i64>,
}

impl Event {
    /// An event about `object`, the resource as staff see it through the API.
    pub fn new(kind: &'static str, object: &impl Serialize) -> Self {
        let mut data = serde_json::Map::new();
        data.insert("object".into(), serde_json::to_value(object).unwrap_or(Value::Null));
        Self { kind, data, keys: Vec::new(), only_to: None }
    }

    /// The names of the fields an update changed.
    pub fn changed(mut self, fields: &[String]) -> Self {
        self.data.insert("changed_fields".into(), json!(fields));
        self
    }

    /// The cache keys (`Surrogate-Key` values) whose content the change changed.
    pub fn keys(mut self, keys: Vec<String>) -> Self {
        self.keys = keys;
        self
    }

    /// For one endpoint only, whatever it subscribed to (a ping).
    pub fn only_to(mut self, webhook_id: i64) -> Self {
        self.only_to = Some(webhook_id);
        self
    }

    /// Stores the event, its deliveries and its purges on `conn`, inside the change's
    /// transaction. An event that no endpoint subscribed to and that purges nothing is
    /// not stored. Returns the stored event's id.
    pub fn emit(
        mut self,
        conn: &mut DbConnection,
        outbox: &Outbox,
        actor: &Actor,
        at: NaiveDateTime,
    ) -> Result<Option<i64>, ApiError> {
        let endpoints = match self.only_to {
            Some(id) => vec![id],
            None => model::subscribers(conn, self.kind)?,
        };
        let purge = !self.keys.is_empty() && !outbox.purge_urls.is_empty();
        if endpoints.is_empty() && !purge {
            return Ok(None);
        }
        self.data.insert("actor".into(), actor_json(actor));
        self.data.insert("cache_keys".into(), json!(self.keys));
        let payload = json!({
            "type": self.kind,
            "timestamp": at.and_utc().to_rfc3339_opts(SecondsFormat::Micros, true),
            "data": self.data,
        });
        let event_id = model::insert_event(conn, &new_message_id(), self.kind, &payload.to_string(), at)?;
        model::insert_deliveries(conn, event_id, &endpoints, at)?;
        if purge {
            model::insert_purges(conn, &outbox.purge_urls, &self.keys.join(" "), at)?;
        }
        Ok(Some(event_id))
    }
}

/// Who made the change, as receivers see it.
fn actor_json(actor: &Actor) -> Value {
    match (actor.user_id, actor.token_id) {
        (Some(id), _) => json!({ "type": "user", "id": id, "name": actor.username }),
        (None, Some(id)) => json!({ "type": "api_token", "id": id, "name": actor.token_name }),
        (None, None) => match &actor.username {
            Some(name) => json!({ "type": "system", "name": name }),
            None => json!({ "type": "anonymous" }),
        },
    }
}

/// A `webhook-id`: `msg_` and 24 random URL-safe characters.
fn new_message_id() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    format!("msg_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_name_events_resources_or_everything() {
        for good in ["*", "article.*", "article.published", "rating.created", "ping"] {
            assert!(is_subscribable(good), "{good}");
        }
        for bad in ["", "article", "articles.*", "article.viewed", "%", "*.*"] {
            assert!(!is_subscribable(bad), "{bad}");
        }
    }
}
