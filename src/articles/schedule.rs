//! The scheduler: every `NEWSDESK_SCHEDULER_INTERVAL` each process looks for articles
//! whose publication time came (`article.published`) or whose expiry passed
//! (`article.unpublished`) since they were last announced. The rows are claimed in the
//! announcing transaction (PostgreSQL `FOR UPDATE SKIP LOCKED`), so with several
//! processes exactly one announces each.

use std::time::Duration;

use super::events::cache_keys;
use super::model;
use super::response::ArticleResponse;
use crate::audit::Actor;
use crate::db::now;
use crate::error::ApiError;
use crate::state::AppState;
use crate::webhooks::Event;

/// Articles announced per transaction; more wait for the next look.
const BATCH: i64 = 500;

/// Looks on the current runtime, for as long as it runs.
pub fn start(state: AppState) {
    let interval = Duration::from_secs_f64(state.settings.scheduler_interval);
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(interval).await;
            match announce_due(&state).await {
                Ok(0) => {}
                Ok(n) => log::info!("announced {n} scheduled or expired articles"),
                Err(e) => log::error!("the scheduler failed, will retry: {}", e.describe()),
            }
        }
    });
}

/// Announces what is due now; returns how many articles it announced.
pub async fn announce_due(state: &AppState) -> Result<usize, ApiError> {
    // Looked for with a read first: most looks find nothing, and need not take the writer.
    let at = now();
    if state.db.read(move |conn| model::due_announcements(conn, at, 1)).await?.is_empty() {
        return Ok(0);
    }
    let shared = state.clone();
    let announced = state
        .db
        .write(move |conn| {
            let at = now();
            let due = model::due_announcements(conn, at, BATCH)?;
            let actor = Actor::system("scheduler");
            for id in &due {
                let article = model::current(conn, *id)?;
                let live = article.row.is_live(at);
                model::set_live(conn, *id, live)?;
                let kind = if live { "article.published" } else { "article.unpublished" };
                let keys = cache_keys(Some(&article), Some(&article));
                let object = ArticleResponse::new(article, at, &shared.site);
                Event::new(kind, &object).keys(keys).emit(conn, &shared.outbox, &actor, at)?;
            }
            Ok(due.len())
        })
        .await?;
    if announced > 0 {
        state.content_changed();
    }
    Ok(announced)
}
