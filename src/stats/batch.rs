//! What the hit path adds up between flushes: hits, visitors' activity, and the batch
//! the collector fills and the model writes in one transaction.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
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
    /// The most visitors and visitor-article pairs a batch holds (`NEWSDESK_STATS_BUFFER_LIMIT`).
    pub buffer_limit: usize,
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

/// A visitor's keyed hash (`client::keyed_hash_bits`): 16 bytes in memory, where its hex
/// takes 56. Written to the database as the same hex `client::keyed_hash` gives, and
/// ordered as that hex is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VisitorKey(pub u128);

impl std::fmt::Display for VisitorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl VisitorKey {
    /// A key read back from the database; `None` for text that no key was written as.
    pub fn parse(hex: &str) -> Option<Self> {
        (hex.len() == 32).then(|| u128::from_str_radix(hex, 16).ok().map(Self)).flatten()
    }
}

/// What a visit is counted under in the breakdowns: `("bot", name)` for crawlers; browser,
/// OS, referrer host and country for people. A batch holds each distinct set once.
pub type Dimensions = Arc<[(&'static str, String)]>;

/// One page view, as recorded.
#[derive(Debug, Clone)]
pub struct Hit {
    pub at: NaiveDateTime,
    pub visitor_key: VisitorKey,
    pub kind: VisitorKind,
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
    pub dimensions: Dimensions,
    pub activity: Activity,
}

/// Everything recorded since the last flush, keyed in sorted maps so that writes lock
/// rows in the same order in every process. Bounded: at most `buffer_limit` visitors and
/// visitor-article pairs, and `MAX_BREAKDOWN_ITEMS` breakdown rows (see `record`).
#[derive(Debug, Default)]
pub struct Batch {
    pub hits: u64,
    /// Hits whose visitor or article view found the batch full: counted as page views only.
    pub overflowed: u64,
    pub visitors: BTreeMap<VisitorKey, VisitorActivity>,
    /// People's page views by the instant's counters, through `periods::all_containing`.
    pub page_views: BTreeMap<NaiveDateTime, i64>,
    /// Page views by (local day, dimension, item).
    pub breakdown_views: BTreeMap<(String, &'static str, String), i64>,
    /// People's views of articles, by (visitor, article).
    pub article_views: BTreeMap<(VisitorKey, i64), Activity>,
    /// Banner clicks and impressions.
    pub banners: super::banners::BannerBatch,
    /// Each distinct set of dimensions once, shared by the visitors that have it.
    dimension_sets: HashSet<Dimensions>,
}

/// Breakdown rows a batch holds; past it, new items (referrer hosts, mostly) are counted
/// under `OTHER_ITEM`, so a flood of made-up referrers cannot grow the batch.
pub const MAX_BREAKDOWN_ITEMS: usize = 10_000;

/// The item that breakdown rows past `MAX_BREAKDOWN_ITEMS` are counted under.
pub const OTHER_ITEM: &str = "(other)";

impl Batch {
    /// Visitors and visitor-article pairs held: what `buffer_limit` bounds.
    pub fn entries(&self) -> usize {
        self.visitors.len() + self.article_views.len()
    }

    /// Adds a hit. When the batch holds `buffer_limit` entries, a hit of a visitor (or of a
    /// visitor on an article) not in it yet still counts as a page view and in the
    /// breakdowns, but not as a visit or an article view, and is counted in `overflowed`.
    pub(super) fn record(&mut self, hit: Hit, config: &StatsConfig) {
        self.hits += 1;
        let day = super::periods::day(hit.at, config.time_zone);
        let dimensions: Vec<(&'static str, String)> = hit
            .dimensions
            .into_iter()
            .map(|(dimension, item)| {
                let key = (day.clone(), dimension, item);
                let known = self.breakdown_views.contains_key(&key);
                let item = if known || self.breakdown_views.len() < MAX_BREAKDOWN_ITEMS {
                    key.2
                } else {
                    OTHER_ITEM.to_owned()
                };
                *self.breakdown_views.entry((day.clone(), dimension, item.clone())).or_default() += 1;
                (dimension, item)
            })
            .collect();
        let full = self.entries() >= config.buffer_limit;
        let mut overflowed = false;
        if hit.kind != VisitorKind::Bot {
            *self.page_views.entry(hour_start(hit.at)).or_default() += 1;
            if let Some(article_id) = hit.article_id {
                match self.article_views.get_mut(&(hit.visitor_key, article_id)) {
                    Some(activity) => activity.record(hit.at, config.visit_window),
                    None if full => overflowed = true,
                    None => {
                        self.article_views.insert((hit.visitor_key, article_id), Activity::new(hit.at));
                    }
                }
            }
        }
        let full = self.entries() >= config.buffer_limit;
        match self.visitors.get_mut(&hit.visitor_key) {
            Some(visitor) => visitor.activity.record(hit.at, config.visit_window),
            None if full => overflowed = true,
            None => {
                let dimensions = self.shared(dimensions);
                let visitor = VisitorActivity { kind: hit.kind, dimensions, activity: Activity::new(hit.at) };
                self.visitors.insert(hit.visitor_key, visitor);
            }
        }
        self.overflowed += u64::from(overflowed);
    }

    /// The batch's own copy of a set of dimensions.
    fn shared(&mut self, dimensions: Vec<(&'static str, String)>) -> Dimensions {
        if let Some(known) = self.dimension_sets.get(dimensions.as_slice()) {
            return known.clone();
        }
        let set: Dimensions = dimensions.into();
        self.dimension_sets.insert(set.clone());
        set
    }

    /// Puts a batch that failed to flush back in front of what came since.
    pub(super) fn absorb(&mut self, older: Batch, window: Duration) {
        self.hits += older.hits;
        self.overflowed += older.overflowed;
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
        self.dimension_sets.extend(older.dimension_sets);
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

    fn config(buffer_limit: usize) -> StatsConfig {
        StatsConfig {
            time_zone: chrono_tz::Asia::Ho_Chi_Minh,
            visit_window: Duration::minutes(30),
            online_window: Duration::minutes(5),
            flush_interval: StdDuration::from_secs(1),
            buffer_limit,
        }
    }

    fn hit(visitor: u128, article_id: Option<i64>, referrer: &str) -> Hit {
        let dimensions = vec![("browser", "Chrome".to_owned()), ("referrer_host", referrer.to_owned())];
        Hit { at: at(0), visitor_key: VisitorKey(visitor), kind: VisitorKind::Guest, dimensions, article_id }
    }

    #[test]
    fn a_full_batch_counts_new_visitors_as_page_views_only() {
        let config = config(4);
        let mut batch = Batch::default();
        for visitor in 0..10 {
            batch.record(hit(visitor, None, "(direct)"), &config);
        }
        batch.record(hit(1, Some(7), "(direct)"), &config);
        assert_eq!(batch.entries(), 4);
        assert_eq!((batch.hits, batch.overflowed), (11, 7), "six new visitors and one new article view");
        assert_eq!(batch.page_views.values().sum::<i64>(), 11, "every hit is a page view");
        let browsers: i64 = batch.breakdown_views.iter().filter(|(k, _)| k.1 == "browser").map(|(_, n)| n).sum();
        assert_eq!(browsers, 11);
        assert_eq!(batch.dimension_sets.len(), 1, "the visitors share one set of dimensions");
        let first = &batch.visitors[&VisitorKey(0)].dimensions;
        assert!(Arc::ptr_eq(first, &batch.visitors[&VisitorKey(3)].dimensions));
    }

    #[test]
    fn made_up_referrers_past_the_bound_count_as_other() {
        let config = config(1_000_000);
        let mut batch = Batch::default();
        for n in 0..MAX_BREAKDOWN_ITEMS + 50 {
            batch.record(hit(n as u128, None, &format!("site-{n}.example")), &config);
        }
        assert!(batch.breakdown_views.len() <= MAX_BREAKDOWN_ITEMS + 2);
        let other = batch.breakdown_views.iter().find(|(k, _)| k.2 == OTHER_ITEM).map(|(_, n)| *n);
        assert!(other.is_some_and(|n| n >= 50), "{other:?}");
        let referrers: i64 = batch.breakdown_views.iter().filter(|(k, _)| k.1 == "referrer_host").map(|(_, n)| n).sum();
        assert_eq!(referrers, (MAX_BREAKDOWN_ITEMS + 50) as i64, "every hit is still counted");
    }

    #[test]
    fn visitor_keys_are_written_and_read_as_the_hex_of_keyed_hash() {
        let bits = crate::client::keyed_hash_bits("secret", &["visitor", "abc"]);
        let hex = crate::client::keyed_hash("secret", &["visitor", "abc"]);
        assert_eq!(VisitorKey(bits).to_string(), hex);
        assert_eq!(VisitorKey::parse(&hex), Some(VisitorKey(bits)));
        assert_eq!(VisitorKey(1).to_string(), format!("{}1", "0".repeat(31)));
        assert!(VisitorKey(1) < VisitorKey(u128::MAX) && "0".repeat(32) < "f".repeat(32), "same order as the hex");
        assert_eq!(VisitorKey::parse("not hex"), None);
    }
}
