//! What the hit path adds up between flushes: hits, visitors' activity, and the batch
//! the collector fills and the model writes in one transaction.

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};
use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct StatsConfig {
    pub time_zone: Tz,
    /// A pause longer than this starts a new visit (and a new article view).
    pub visit_window: Duration,
    /// Visitors seen within this are online.
    pub online_window: Duration,
    pub flush_interval: StdDuration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VisitorKind {
    Member,
    Bot,
    Guest,
}

impl VisitorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Bot => "bot",
            Self::Guest => "guest",
        }
    }
}

/// One page view, as recorded.
#[derive(Debug, Clone)]
pub struct Hit {
    pub at: NaiveDateTime,
    pub visitor_key: String,
    pub kind: VisitorKind,
    /// What the visit is counted under in the breakdowns: `("bot", name)` for crawlers;
    /// browser, OS, referrer host and country for people.
    pub dimensions: Vec<(&'static str, String)>,
    pub article_id: Option<i64>,
}

/// When something (a visitor, or a visitor on one article) was active in a batch.
#[derive(Debug, Clone)]
pub struct Activity {
    pub first: NaiveDateTime,
    pub last: NaiveDateTime,
    /// Starts of new visits found inside the batch, after pauses longer than the window.
    pub later_starts: Vec<NaiveDateTime>,
}

impl Activity {
    fn new(at: NaiveDateTime) -> Self {
        Self { first: at, last: at, later_starts: Vec::new() }
    }

    fn record(&mut self, at: NaiveDateTime, window: Duration) {
        if at - self.last > window {
            self.later_starts.push(at);
        }
        self.first = self.first.min(at);
        self.last = self.last.max(at);
    }

    fn absorb(&mut self, other: Activity, window: Duration) {
        self.record(other.first, window);
        self.last = self.last.max(other.last);
        self.later_starts.extend(other.later_starts);
        self.later_starts.sort();
    }

    /// The visit starts this activity makes, given when it was last seen before.
    pub fn starts(&self, seen_before: Option<NaiveDateTime>, window: Duration) -> Vec<NaiveDateTime> {
        let continues = seen_before.is_some_and(|before| self.first - before <= window);
        let mut starts = if continues { Vec::new() } else { vec![self.first] };
        starts.extend(self.later_starts.iter().copied());
        starts
    }
}

#[derive(Debug, Clone)]
pub struct VisitorActivity {
    pub kind: VisitorKind,
    pub dimensions: Vec<(&'static str, String)>,
    pub activity: Activity,
}

/// Everything recorded since the last flush, keyed in sorted maps so that writes lock
/// rows in the same order in every process.
#[derive(Debug, Default)]
pub struct Batch {
    pub hits: u64,
    pub visitors: BTreeMap<String, VisitorActivity>,
    /// People's page views by the instant's counters, through `periods::all_containing`.
    pub page_views: BTreeMap<NaiveDateTime, i64>,
    /// Page views by (local day, dimension, item).
    pub breakdown_views: BTreeMap<(String, &'static str, String), i64>,
    /// People's views of articles, by (visitor, article).
    pub article_views: BTreeMap<(String, i64), Activity>,
    /// Banner clicks and impressions.
    pub banners: super::banners::BannerBatch,
}

impl Batch {
    pub(super) fn record(&mut self, hit: Hit, config: &StatsConfig) {
        self.hits += 1;
        let day = super::periods::day(hit.at, config.time_zone);
        for (dimension, item) in &hit.dimensions {
            *self.breakdown_views.entry((day.clone(), dimension, item.clone())).or_default() += 1;
        }
        if hit.kind != VisitorKind::Bot {
            *self.page_views.entry(hour_start(hit.at)).or_default() += 1;
            if let Some(article_id) = hit.article_id {
                self.article_views
                    .entry((hit.visitor_key.clone(), article_id))
                    .and_modify(|a| a.record(hit.at, config.visit_window))
                    .or_insert_with(|| Activity::new(hit.at));
            }
        }
        self.visitors
            .entry(hit.visitor_key)
            .and_modify(|v| v.activity.record(hit.at, config.visit_window))
            .or_insert_with(|| VisitorActivity {
                kind: hit.kind,
                dimensions: hit.dimensions,
                activity: Activity::new(hit.at),
            });
    }

    /// Puts a batch that failed to flush back in front of what came since.
    pub(super) fn absorb(&mut self, older: Batch, window: Duration) {
        self.hits += older.hits;
        self.banners.absorb(older.banners);
        for (key, visitor) in older.visitors {
            match self.visitors.get_mut(&key) {
                Some(current) => current.activity.absorb(visitor.activity, window),
                None => {
                    self.visitors.insert(key, visitor);
                }
            }
        }
        for (hour, n) in older.page_views {
            *self.page_views.entry(hour).or_default() += n;
        }
        for (key, n) in older.breakdown_views {
            *self.breakdown_views.entry(key).or_default() += n;
        }
        for (key, activity) in older.article_views {
            match self.article_views.get_mut(&key) {
                Some(current) => current.absorb(activity, window),
                None => {
                    self.article_views.insert(key, activity);
                }
            }
        }
    }
}

/// Page views are counted per hour; any instant in the hour stands for it.
fn hour_start(at: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike;
    at.with_minute(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0)).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap().naive_utc() + Duration::minutes(minutes)
    }

    #[test]
    fn pauses_longer_than_the_window_start_visits() {
        let window = Duration::minutes(30);
        let mut activity = Activity::new(at(0));
        activity.record(at(10), window);
        activity.record(at(45), window);
        activity.record(at(50), window);
        assert_eq!(activity.starts(None, window), [at(0), at(45)]);
        assert_eq!(activity.starts(Some(at(-5)), window), [at(45)], "continues a visit seen before");
        assert_eq!(activity.starts(Some(at(-31)), window), [at(0), at(45)]);
    }
}
