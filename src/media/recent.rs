//! Media items read lately, so that serving a file asks the database about its item at
//! most once a second. An edit or a delete here forgets the item at once; one made by
//! another process shows within the second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::model::MediaRow;

pub struct RecentItems {
    ttl: Duration,
    items: Mutex<HashMap<i64, (Instant, MediaRow)>>,
}

impl RecentItems {
    /// Beyond this many items the set starts again empty: a bound on memory that costs a
    /// look-up per item once in a while.
    const MAX_ITEMS: usize = 10_000;

    pub fn new(ttl: Duration) -> Self {
        Self { ttl, items: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (Instant, MediaRow)>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, id: i64) -> Option<MediaRow> {
        self.lock().get(&id).filter(|(read, _)| read.elapsed() < self.ttl).map(|(_, item)| item.clone())
    }

    pub fn put(&self, item: MediaRow) {
        let mut items = self.lock();
        if items.len() >= Self::MAX_ITEMS {
            items.clear();
        }
        items.insert(item.id, (Instant::now(), item));
    }

    pub fn forget(&self, id: i64) {
        self.lock().remove(&id);
    }
}
