//! Rows read lately, by id, so that a hot public path (a media file, a banner click) asks
//! the database about its row at most once per time to live. An edit or a delete in
//! this process forgets the row at once; one made by another process shows within the
//! time to live.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RecentItems<T> {
    ttl: Duration,
    items: Mutex<HashMap<i64, (Instant, T)>>,
}

impl<T: Clone> RecentItems<T> {
    /// Beyond this many items the set starts again empty: a bound on memory that costs a
    /// look-up per item once in a while.
    const MAX_ITEMS: usize = 10_000;

    pub fn new(ttl: Duration) -> Self {
        Self { ttl, items: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (Instant, T)>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, id: i64) -> Option<T> {
        self.lock().get(&id).filter(|(read, _)| read.elapsed() < self.ttl).map(|(_, item)| item.clone())
    }

    pub fn put(&self, id: i64, item: T) {
        let mut items = self.lock();
        if items.len() >= Self::MAX_ITEMS {
            items.clear();
        }
        items.insert(id, (Instant::now(), item));
    }

    pub fn forget(&self, id: i64) {
        self.lock().remove(&id);
    }
}
