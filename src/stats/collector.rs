//! The hit path: hits are added up in memory and written to the database in one
//! transaction per flush interval, so recording a hit never waits on the database.
//!
//! A crash loses at most the hits of the current interval (default one second);
//! a graceful shutdown flushes them. When a flush fails, its batch is kept and retried.
//!
//! The buffer is bounded (`NEWSDESK_STATS_BUFFER_LIMIT` visitors and visitor-article
//! pairs): half full, it is flushed at once instead of at the end of the interval; full,
//! a hit of a visitor it does not hold yet is still counted as a page view and in the
//! breakdowns, but not as a visit or an article view, and is counted in
//! `newsdesk_stats_hits_overflowed_total`. The hit path never waits for the database.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use super::batch::{Batch, Hit, StatsConfig};
use super::model;
use crate::clock::Clock;
use crate::db::Db;
use crate::error::ApiError;

/// Entries of a batch large enough that its memory, once written, is given back.
const LARGE_BATCH: usize = 10_000;

/// Figures for `/metrics`.
#[derive(Debug, Default)]
pub struct FlushMetrics {
    pub hits_recorded: AtomicU64,
    /// Hits written as page views only, because the buffer was full (see the module).
    pub hits_overflowed: AtomicU64,
    pub flushes: AtomicU64,
    pub flush_failures: AtomicU64,
    pub flush_micros_total: AtomicU64,
    pub last_flush_micros: AtomicU64,
    pub last_flush_hits: AtomicU64,
}

pub struct Collector {
    config: StatsConfig,
    db: Db,
    clock: Clock,
    batch: Mutex<Batch>,
    /// Rung when the batch is half full, for a flush before the interval ends.
    half_full: Condvar,
    /// Held for a whole flush, so batches reach the database in the order they were taken.
    flushing: Mutex<()>,
    stopped: AtomicBool,
    pub metrics: FlushMetrics,
    /// Expired after every flush that wrote hits: summaries, lists and viewed articles changed.
    responses: Arc<crate::caching::ResponseCache>,
}

impl Collector {
    pub fn new(config: StatsConfig, db: Db, clock: Clock, responses: Arc<crate::caching::ResponseCache>) -> Self {
        Self {
            config,
            db,
            clock,
            batch: Mutex::new(Batch::default()),
            half_full: Condvar::new(),
            flushing: Mutex::new(()),
            stopped: AtomicBool::new(false),
            metrics: FlushMetrics::default(),
            responses,
        }
    }

    pub fn config(&self) -> &StatsConfig {
        &self.config
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Adds a hit to the batch: memory only, never the database.
    pub fn record(&self, hit: Hit) {
        let mut batch = self.lock_batch();
        batch.record(hit, &self.config);
        if batch.entries() >= self.config.buffer_limit / 2 {
            self.half_full.notify_one();
        }
        drop(batch);
        self.metrics.hits_recorded.fetch_add(1, Ordering::Relaxed);
    }

    /// A banner click: memory only, like a hit.
    pub fn record_click(&self, click: super::banners::Click) {
        self.lock_batch().banners.click(click);
    }

    /// Banners a frontend showed, on the local day `day`.
    pub fn record_impressions(&self, banner_ids: &[i64], day: &str) {
        self.lock_batch().banners.impressions(banner_ids, day);
    }

    /// Hits, banner clicks and impressions waiting for the next flush.
    pub fn pending(&self) -> u64 {
        let batch = self.lock_batch();
        batch.hits + batch.banners.events
    }

    /// Visitors and visitor-article pairs the buffer holds now, of `buffer_limit`.
    pub fn buffer_entries(&self) -> usize {
        self.lock_batch().entries()
    }

    fn lock_batch(&self) -> std::sync::MutexGuard<'_, Batch> {
        self.batch.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes everything recorded so far in one transaction. On failure the batch is
    /// kept for the next attempt.
    pub fn flush(&self) -> Result<u64, ApiError> {
        let _order = self.flushing.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let batch = std::mem::take(&mut *self.lock_batch());
        let started = Instant::now();
        let now = self.clock.now();
        let (hits, overflowed) = (batch.hits, batch.overflowed);
        let viewed: std::collections::HashSet<i64> = batch.article_views.keys().map(|(_, article)| *article).collect();
        let written = self.db.write_blocking(|conn| model::flush(conn, &batch, &self.config, now));
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        match written {
            Ok(()) => {
                if hits > 0 {
                    self.responses.expire_after_views(&viewed);
                }
                if batch.entries() >= LARGE_BATCH {
                    drop(batch);
                    crate::memory::give_back_freed();
                }
                self.metrics.flushes.fetch_add(1, Ordering::Relaxed);
                self.metrics.hits_overflowed.fetch_add(overflowed, Ordering::Relaxed);
                self.metrics.flush_micros_total.fetch_add(micros, Ordering::Relaxed);
                self.metrics.last_flush_micros.store(micros, Ordering::Relaxed);
                self.metrics.last_flush_hits.store(hits, Ordering::Relaxed);
                Ok(hits)
            }
            Err(e) => {
                self.metrics.flush_failures.fetch_add(1, Ordering::Relaxed);
                self.lock_batch().absorb(batch, self.config.visit_window);
                Err(e)
            }
        }
    }

    /// Waits for the end of the interval, or less while the batch is half full.
    fn wait_for_flush(&self) {
        let half = self.config.buffer_limit / 2;
        let batch = self.lock_batch();
        let waited = self.half_full.wait_timeout_while(batch, self.config.flush_interval, |batch| {
            batch.entries() < half && !self.stopped.load(Ordering::Relaxed)
        });
        drop(waited);
    }

    /// Flushes every interval (sooner when the batch is half full) on a thread of its own
    /// until `stop`.
    pub fn start_flushing(self: &Arc<Self>) {
        let collector = Arc::clone(self);
        std::thread::Builder::new()
            .name("stats-flush".into())
            .spawn(move || {
                while !collector.stopped.load(Ordering::Relaxed) {
                    collector.wait_for_flush();
                    if let Err(e) = collector.flush() {
                        log::error!("statistics flush failed, will retry: {}", e.describe());
                        // The batch is back and may be half full: wait the interval before retrying.
                        std::thread::sleep(collector.config.flush_interval);
                    }
                }
            })
            .expect("start the statistics flush thread");
    }

    /// Ends the flush thread after its current sleep; the caller flushes what is left.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.half_full.notify_all();
    }
}
