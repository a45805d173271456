//! Housekeeping on a timer, in every process: articles that stayed in the trash longer
//! than `NEWSDESK_TRASH_DAYS` are removed for good, audit entries older than
//! `NEWSDESK_AUDIT_DAYS`, webhook events (with their deliveries) older than 30 days, and
//! content changes every process has long read.
//! Each sweep is one transaction; processes sweeping at once delete each row once.

use std::time::Duration;

use chrono::Duration as Days;

use crate::articles::model as articles;
use crate::audit::{self, Actor, Change};
use crate::error::ApiError;
use crate::state::AppState;
use crate::webhooks::{self, Event};

/// Days webhook events and their deliveries are kept.
const WEBHOOK_EVENT_DAYS: i64 = 30;

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub articles: usize,
    pub audit_entries: usize,
    pub webhook_events: usize,
}

/// Runs one sweep now, on the statistics clock (which tests move).
pub fn sweep(state: &AppState) -> Result<Swept, ApiError> {
    let now = state.stats.clock().now();
    let trash_before = now - Days::days(state.settings.trash_days);
    let audit_before = now - Days::days(state.settings.audit_days);
    let events_before = now - Days::days(WEBHOOK_EVENT_DAYS);
    let swept = state.db.write_blocking(|conn| {
        let audit_entries = audit::model::sweep(conn, audit_before)?;
        let webhook_events = webhooks::model::sweep(conn, events_before)?;
        crate::content_changes::sweep(conn, crate::db::now())?;
        let removed = articles::sweep_trash(conn, trash_before)?;
        let actor = Actor::system("maintenance");
        for id in &removed {
            Change::new("article.delete", "article", id)
                .details(serde_json::json!({ "reason": "in the trash longer than NEWSDESK_TRASH_DAYS" }))
                .record(conn, &actor, now)?;
            Event::new("article.deleted", &serde_json::json!({ "id": id }))
                .keys(vec![format!("article-{id}"), "articles".to_owned()])
                .emit(conn, &state.outbox, &actor, now)?;
        }
        Ok(Swept { articles: removed.len(), audit_entries, webhook_events })
    })?;
    if swept.articles > 0 {
        state.content_changed();
    }
    Ok(swept)
}

/// Sweeps every `NEWSDESK_MAINTENANCE_INTERVAL` on a thread of its own.
pub fn start(state: AppState) {
    let interval = Duration::from_millis(state.settings.maintenance_interval);
    std::thread::Builder::new()
        .name("maintenance".into())
        .spawn(move || {
            loop {
                std::thread::sleep(interval);
                match sweep(&state) {
                    Ok(swept) if swept != Swept::default() => log::info!(
                        "removed {} articles from the trash, {} old audit entries and {} old webhook events",
                        swept.articles,
                        swept.audit_entries,
                        swept.webhook_events
                    ),
                    Ok(_) => {}
                    Err(e) => log::error!("maintenance sweep failed, will retry: {}", e.describe()),
                }
            }
        })
        .expect("start the maintenance thread");
}
