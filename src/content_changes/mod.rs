//! Cached responses across processes. Each process keeps public responses in memory
//! (`crate::caching::ResponseCache`) and forgets them when it changes content itself.
//! Processes sharing a database tell each other through `content_changes`: a process
//! that changed content records, at its next poll, which articles changed (a reader's
//! rating) or that anything may have (an edit, a publication, a source renamed); every
//! process reads the rows it has not seen and forgets the cached responses they touch.
//! Polls come every `POLL`, so a change reaches every process within two.
//!
//! The rows follow the change's commit; a process that dies between the two leaves the
//! others' copies to expire by age (`NEWSDESK_ARTICLE_CACHE_SECONDS` at most). Ids are
//! read again `LOOKBACK` rows back, because on PostgreSQL a row may commit after a row
//! with a higher id was already read.

pub mod model;

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::error::ApiError;
use crate::state::AppState;

/// Time between two polls.
pub const POLL: Duration = Duration::from_millis(250);

/// Changes read again below the newest seen, for rows that committed late.
const LOOKBACK: i64 = 256;

/// The most changes read in one poll; more than that, and everything is forgotten.
const MAX_READ: i64 = 1000;

/// More changed articles than this in one poll are recorded as "anything".
const MAX_ARTICLES: usize = 100;

/// Minutes a change row is kept: far longer than any poll takes.
const KEEP_MINUTES: i64 = 10;

/// What this process changed since its last poll, and which changes it has applied.
#[derive(Default)]
pub struct ContentChanges {
    pending: Mutex<Pending>,
    /// The newest change applied; changes up to `LOOKBACK` below it are read again.
    newest: AtomicI64,
    applied: Mutex<BTreeSet<i64>>,
}

#[derive(Default)]
struct Pending {
    anything: bool,
    articles: BTreeSet<i64>,
}

impl ContentChanges {
    /// Anything public may have changed here (an edit, a publication, a taxonomy change).
    pub fn changed_here(&self) {
        self.lock_pending().anything = true;
    }

    /// One article's figures changed here (a reader's rating).
    pub fn article_changed_here(&self, id: i64) {
        self.lock_pending().articles.insert(id);
    }

    /// The newest change this process has applied.
    pub fn newest(&self) -> i64 {
        self.newest.load(Ordering::Relaxed)
    }

    /// Takes the changes recorded before this process started as applied: they touch
    /// nothing it has cached, and applying them at its first poll would empty its cache.
    fn begin(&self, latest: i64, recent: Vec<i64>) {
        self.applied.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).extend(recent);
        self.newest.store(latest, Ordering::Relaxed);
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take_pending(&self) -> Pending {
        std::mem::take(&mut *self.lock_pending())
    }

    /// Puts back what a failed poll could not record.
    fn restore(&self, pending: Pending) {
        let mut current = self.lock_pending();
        current.anything |= pending.anything;
        current.articles.extend(pending.articles);
    }
}

/// One poll: records this process's changes, then forgets the cached responses that the
/// changes not applied yet touch (this process's own among them: forgetting twice costs
/// one rebuild). Returns the number of changes applied.
pub async fn poll(state: &AppState) -> Result<usize, ApiError> {
    let changes = &state.content_changes;
    let pending = changes.take_pending();
    if pending.anything || !pending.articles.is_empty() {
        let ids: Vec<i64> = pending.articles.iter().copied().collect();
        let anything = pending.anything || ids.len() > MAX_ARTICLES;
        let at = crate::db::now();
        let recorded = state.db.write(move |conn| model::record(conn, (!anything).then_some(ids.as_slice()), at)).await;
        if let Err(e) = recorded {
            changes.restore(pending);
            return Err(e);
        }
    }
    let newest = changes.newest();
    let floor = newest.saturating_sub(LOOKBACK);
    let rows = state.db.read(move |conn| model::after(conn, floor, MAX_READ)).await?;
    let mut applied = changes.applied.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let new: Vec<(i64, Option<i64>)> = rows.into_iter().filter(|(id, _)| !applied.contains(id)).collect();
    if new.is_empty() {
        return Ok(0);
    }
    let anything = new.len() as i64 >= MAX_READ || new.iter().any(|(_, article)| article.is_none());
    if anything {
        state.responses.clear();
        state.list_counts.clear();
    } else {
        let articles: HashSet<i64> = new.iter().filter_map(|(_, article)| *article).collect();
        state.responses.forget_articles(&articles);
    }
    let newest = new.iter().map(|(id, _)| *id).max().unwrap_or(newest).max(newest);
    applied.extend(new.iter().map(|(id, _)| *id));
    let floor = newest.saturating_sub(LOOKBACK);
    applied.retain(|id| *id > floor);
    changes.newest.store(newest, Ordering::Relaxed);
    Ok(new.len())
}

/// The newest change's id and the ids a poll would read again below it.
fn recorded_before_start(conn: &mut crate::db::DbConnection) -> Result<(i64, Vec<i64>), ApiError> {
    let latest = model::latest(conn)?;
    let recent = model::after(conn, latest.saturating_sub(LOOKBACK), LOOKBACK)?;
    Ok((latest, recent.into_iter().map(|(id, _)| id).collect()))
}

/// Starts from the newest change (older ones are in no cache of this new process), then
/// polls every `POLL` on the current runtime, for as long as it runs.
pub fn start(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut failing = false;
        let mut started = false;
        loop {
            let step = match started {
                false => state.db.read(recorded_before_start).await.map(|(latest, recent)| {
                    state.content_changes.begin(latest, recent);
                    started = true;
                    0
                }),
                true => poll(&state).await,
            };
            match step {
                Ok(_) => failing = false,
                // Logged once per outage, not four times a second.
                Err(e) if !failing => {
                    failing = true;
                    log::warn!("cannot read the content changes, will retry: {}", e.describe());
                }
                Err(_) => {}
            }
            actix_web::rt::time::sleep(POLL).await;
        }
    });
}

/// Removes changes older than every poll could still need; part of the maintenance sweep.
pub fn sweep(conn: &mut crate::db::DbConnection, now: chrono::NaiveDateTime) -> Result<usize, ApiError> {
    model::sweep(conn, now - chrono::Duration::minutes(KEEP_MINUTES))
}
