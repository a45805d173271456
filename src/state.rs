//! What handlers share: the database, settings, keys, caches and the statistics collector.
//! Built once by `startup::prepare`; every handler reaches it through `Data<AppState>`.

use std::sync::Arc;

use crate::auth::tokens::JwtKeys;
use crate::caching::ResponseCache;
use crate::config::{Settings, SiteUrls};
use crate::db::Db;
use crate::metrics::Metrics;
use crate::pagination::CountCache;
use crate::ratelimit::RateLimiter;
use crate::stats::collector::Collector;
use crate::webhooks::Outbox;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub keys: Arc<JwtKeys>,
    /// Key of the hashes that stand for client addresses.
    pub address_secret: Arc<str>,
    pub rating_limiter: Arc<RateLimiter>,
    /// Comments per client address per minute.
    pub comment_limiter: Arc<RateLimiter>,
    /// Likes, dislikes and reports per client address.
    pub reaction_limiter: Arc<RateLimiter>,
    /// `NEWSDESK_COMMENTS_BLOCKLIST`, read at start-up.
    pub comment_blocklist: Arc<crate::comments::blocklist::Blocklist>,
    /// The hit buffer and its flusher.
    pub stats: Arc<Collector>,
    pub metrics: Arc<Metrics>,
    /// How links to the portal are made.
    pub site: Arc<SiteUrls>,
    /// Article list totals, shared by the workers.
    pub list_counts: Arc<CountCache>,
    /// Anonymous reads of single articles and of the statistics block.
    pub responses: Arc<ResponseCache>,
    /// What this process changed since its last poll of `content_changes`, and what it applied.
    pub content_changes: Arc<crate::content_changes::ContentChanges>,
    /// The archive's word counts, kept for ranking searches.
    pub word_counts: Arc<crate::search::WordCounts>,
    /// Where changes' events go, and the bell of this process's delivery workers.
    pub outbox: Arc<Outbox>,
    /// Where media files are kept.
    pub media_store: Arc<crate::media::store::MediaStore>,
    /// Decoding and resizing, bounded.
    pub image_jobs: Arc<crate::media::jobs::ImageJobs>,
    /// Media items read lately, for serving their files.
    pub media_items: Arc<crate::recent::RecentItems<crate::media::model::MediaRow>>,
    /// Banners read lately, for their click URLs.
    pub banner_rows: Arc<crate::recent::RecentItems<crate::banners::model::BannerRow>>,
}

impl AppState {
    /// Articles, their taxonomy or their ratings changed in this process: forget the
    /// list totals and cached responses that may show the old state, tell the other
    /// processes (`crate::content_changes`), and send the change's events now.
    pub fn content_changed(&self) {
        self.list_counts.clear();
        self.responses.clear();
        self.content_changes.changed_here();
        self.outbox.wake();
    }

    /// One article's figures changed in this process (a reader's rating): forget its
    /// cached responses here, and tell the other processes.
    pub fn article_changed(&self, id: i64, slug: &str) {
        self.responses.forget(&crate::caching::ResponseCache::article_keys(id, slug));
        self.content_changes.article_changed_here(id);
        self.outbox.wake();
    }
}
