//! Rows and queries of the `stats_*` tables: the flush of a batch, and every read.
//!
//! All increments are additive (`value = value + n`), so processes flushing into one
//! PostgreSQL add up exactly. Rows are locked in sorted order to avoid deadlocks.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDateTime, Timelike};
use diesel::dsl::{count_star, sql};
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
use diesel::upsert::excluded;
use serde::Deserialize;
use utoipa::ToSchema;

use super::batch::{Activity, Batch, StatsConfig, VisitorActivity, VisitorKey, VisitorKind};
use super::periods;
use crate::articles::model as articles;
use crate::db::DbConnection;
use crate::db::schema::{
    stats_article_presence, stats_article_views, stats_breakdowns, stats_counters, stats_presence,
};
use crate::error::ApiError;
use crate::on_backend;

pub const VISITS: &str = "visits";
pub const PAGE_VIEWS: &str = "page_views";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Visits,
    PageViews,
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visits => VISITS,
            Self::PageViews => PAGE_VIEWS,
        }
    }
}

/// Hour periods (`2026-11-27T14`) in `LIKE` syntax; nothing else has that length.
const HOUR_PATTERN: &str = "____-__-__T__";

/// Writes one batch. Returns nothing: everything is in the tables.
pub fn flush(conn: &mut DbConnection, batch: &Batch, config: &StatsConfig, now: NaiveDateTime) -> Result<(), ApiError> {
    let tz = config.time_zone;
    let window = config.visit_window;
    let mut counters: BTreeMap<(&'static str, String), i64> = BTreeMap::new();
    let mut breakdown_visits: BTreeMap<(String, &'static str, String), i64> = BTreeMap::new();

    let seen = claim_visitors(conn, &batch.visitors)?;
    for (key, visitor) in &batch.visitors {
        for start in visitor.activity.starts(seen.get(key).copied(), window) {
            if visitor.kind != VisitorKind::Bot {
                for period in periods::all_containing(start, tz) {
                    *counters.entry((VISITS, period)).or_default() += 1;
                }
            }
            let day = periods::day(start, tz);
            for (dimension, item) in visitor.dimensions.iter() {
                *breakdown_visits.entry((day.clone(), dimension, item.clone())).or_default() += 1;
            }
        }
    }
    for (hour, n) in &batch.page_views {
        for period in periods::all_containing(*hour, tz) {
            *counters.entry((PAGE_VIEWS, period)).or_default() += n;
        }
    }
    add_breakdowns(conn, &batch.breakdown_views, &breakdown_visits)?;
    add_article_views(conn, &batch.article_views, config, now)?;
    super::banners::flush(conn, &batch.banners)?;
    for ((metric, period), n) in &counters {
        add_counter(conn, metric, period, *n)?;
    }
    forget_presence(conn, now - window.max(config.online_window))
}

/// Visitors (or visitor-article pairs) whose presence one statement claims.
const CLAIM_CHUNK: usize = 500;

/// Records until when each visitor was seen and returns when each was seen before (absent
/// when never, or so long ago that it was forgotten): a look-up and an upsert per
/// `CLAIM_CHUNK` visitors. On PostgreSQL the new rows are inserted first so that the
/// look-up locks every row until the flush commits: a second process flushing the same
/// visitor waits and then sees this one's time. SQLite's flush holds the database's one
/// write lock from its `BEGIN IMMEDIATE`, so there the upsert inserts new rows once instead
/// of inserting and then updating them (and their index entries).
fn claim_visitors(
    conn: &mut DbConnection,
    visitors: &BTreeMap<VisitorKey, VisitorActivity>,
) -> Result<HashMap<VisitorKey, NaiveDateTime>, ApiError> {
    use stats_presence::{kind, last_seen, visitor_key};
    let mut seen_before = HashMap::with_capacity(visitors.len());
    let visitors: Vec<_> = visitors.iter().collect();
    for chunk in visitors.chunks(CLAIM_CHUNK) {
        let keys: Vec<String> = chunk.iter().map(|(key, _)| key.to_string()).collect();
        if let DbConnection::Postgres(c) = conn {
            let new_rows: Vec<_> =
                chunk.iter().zip(&keys).map(|((_, v), key)| (visitor_key.eq(key), kind.eq(v.kind.as_str()))).collect();
            diesel::insert_into(stats_presence::table)
                .values(&new_rows)
                .on_conflict(visitor_key)
                .do_nothing()
                .execute(c)?;
        }
        let query =
            stats_presence::table.filter(visitor_key.eq_any(&keys)).order(visitor_key).select((visitor_key, last_seen));
        let before: HashMap<VisitorKey, NaiveDateTime> = match conn {
            DbConnection::Postgres(c) => query.for_update().load::<(String, Option<NaiveDateTime>)>(c)?,
            DbConnection::Sqlite(c) => query.load(c)?,
        }
        .into_iter()
        .filter_map(|(key, seen)| Some((VisitorKey::parse(&key)?, seen?)))
        .collect();
        let claimed: Vec<_> = chunk
            .iter()
            .zip(&keys)
            .map(|((key, v), hex)| {
                let until = before.get(*key).map_or(v.activity.last, |b| (*b).max(v.activity.last));
                (visitor_key.eq(hex), kind.eq(v.kind.as_str()), last_seen.eq(until))
            })
            .collect();
        on_backend!(conn, |c| diesel::insert_into(stats_presence::table)
            .values(&claimed)
            .on_conflict(visitor_key)
            .do_update()
            .set((kind.eq(excluded(kind)), last_seen.eq(excluded(last_seen))))
            .execute(c))?;
        seen_before.extend(before);
    }
    Ok(seen_before)
}

/// A (visitor, article) presence row, as PostgreSQL's claim reads it.
#[derive(QueryableByName)]
struct SeenPair {
    #[diesel(sql_type = Text)]
    visitor_key: String,
    #[diesel(sql_type = BigInt)]
    article_id: i64,
    #[diesel(sql_type = Nullable<Timestamp>)]
    last_seen: Option<NaiveDateTime>,
}

/// `claim_visitors` for visitors on articles: when each (visitor, article) was seen before.
fn claim_article_views(
    conn: &mut DbConnection,
    views: &[(&(VisitorKey, i64), &Activity)],
) -> Result<HashMap<(VisitorKey, i64), NaiveDateTime>, ApiError> {
    use stats_article_presence::{article_id, last_seen, visitor_key};
    let mut seen_before = HashMap::with_capacity(views.len());
    for chunk in views.chunks(CLAIM_CHUNK) {
        let hex: Vec<String> = chunk.iter().map(|((key, _), _)| key.to_string()).collect();
        let before: HashMap<(VisitorKey, i64), NaiveDateTime> = match conn {
            DbConnection::Postgres(c) => {
                let new_rows: Vec<_> = chunk
                    .iter()
                    .zip(&hex)
                    .map(|(((_, id), _), key)| (visitor_key.eq(key), article_id.eq(*id)))
                    .collect();
                diesel::insert_into(stats_article_presence::table)
                    .values(&new_rows)
                    .on_conflict((visitor_key, article_id))
                    .do_nothing()
                    .execute(c)?;
                // The batch's pairs alone, locked in key order (the same in every process): by
                // visitor, the look-up would read every article each one read in the window.
                let articles: Vec<i64> = chunk.iter().map(|((_, id), _)| *id).collect();
                diesel::sql_query(
                    "SELECT p.visitor_key, p.article_id, p.last_seen FROM stats_article_presence p \
                     JOIN unnest($1::text[], $2::bigint[]) AS pair(visitor_key, article_id) \
                     ON p.visitor_key = pair.visitor_key AND p.article_id = pair.article_id \
                     ORDER BY p.visitor_key, p.article_id FOR UPDATE OF p",
                )
                .bind::<Array<Text>, _>(&hex)
                .bind::<Array<BigInt>, _>(&articles)
                .load::<SeenPair>(c)?
                .into_iter()
                .filter_map(|pair| Some(((VisitorKey::parse(&pair.visitor_key)?, pair.article_id), pair.last_seen?)))
                .collect()
            }
            // One look-up per pair by its primary key (a cached statement): reading every
            // article a visitor was seen on costs as many rows as the visitor has read
            // within the window, which under a flood of readers is most of the flush.
            DbConnection::Sqlite(c) => {
                let mut found = HashMap::new();
                for (((key, id), _), hex) in chunk.iter().zip(&hex) {
                    let seen = stats_article_presence::table
                        .find((hex, id))
                        .select(last_seen)
                        .first::<Option<NaiveDateTime>>(c)
                        .optional()?;
                    if let Some(Some(seen)) = seen {
                        found.insert((*key, *id), seen);
                    }
                }
                found
            }
        };
        let claimed: Vec<_> = chunk
            .iter()
            .zip(&hex)
            .map(|((pair, activity), key)| {
                let until = before.get(*pair).map_or(activity.last, |b| (*b).max(activity.last));
                (visitor_key.eq(key), article_id.eq(pair.1), last_seen.eq(until))
            })
            .collect();
        on_backend!(conn, |c| diesel::insert_into(stats_article_presence::table)
            .values(&claimed)
            .on_conflict((visitor_key, article_id))
            .do_update()
            .set(last_seen.eq(excluded(last_seen)))
            .execute(c))?;
        seen_before.extend(before);
    }
    Ok(seen_before)
}

fn add_counter(conn: &mut DbConnection, metric: &str, period: &str, n: i64) -> Result<(), ApiError> {
    on_backend!(conn, |c| diesel::insert_into(stats_counters::table)
        .values((stats_counters::metric.eq(metric), stats_counters::period.eq(period), stats_counters::value.eq(n)))
        .on_conflict((stats_counters::metric, stats_counters::period))
        .do_update()
        .set(stats_counters::value.eq(stats_counters::value + excluded(stats_counters::value)))
        .execute(c))?;
    Ok(())
}

fn add_breakdowns(
    conn: &mut DbConnection,
    views: &BTreeMap<(String, &'static str, String), i64>,
    visits: &BTreeMap<(String, &'static str, String), i64>,
) -> Result<(), ApiError> {
    let mut rows: BTreeMap<&(String, &'static str, String), (i64, i64)> = BTreeMap::new();
    for (key, n) in visits {
        rows.entry(key).or_default().0 += n;
    }
    for (key, n) in views {
        rows.entry(key).or_default().1 += n;
    }
    for ((day, dimension, item), (visits, page_views)) in rows {
        on_backend!(conn, |c| diesel::insert_into(stats_breakdowns::table)
            .values((
                stats_breakdowns::day.eq(day),
                stats_breakdowns::dimension.eq(dimension),
                stats_breakdowns::item.eq(item),
                stats_breakdowns::visits.eq(visits),
                stats_breakdowns::page_views.eq(page_views),
            ))
            .on_conflict((stats_breakdowns::day, stats_breakdowns::dimension, stats_breakdowns::item))
            .do_update()
            .set((
                stats_breakdowns::visits.eq(stats_breakdowns::visits + excluded(stats_breakdowns::visits)),
                stats_breakdowns::page_views.eq(stats_breakdowns::page_views + excluded(stats_breakdowns::page_views)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Counts a view of each publicly visible article once per visitor per window.
fn add_article_views(
    conn: &mut DbConnection,
    views: &BTreeMap<(VisitorKey, i64), Activity>,
    config: &StatsConfig,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut ids: Vec<i64> = views.keys().map(|(_, id)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let public = articles::public_ids(conn, &ids, now)?;
    let views: Vec<_> = views.iter().filter(|((_, article_id), _)| public.contains(article_id)).collect();
    let seen = claim_article_views(conn, &views)?;
    let mut per_day: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for (pair, activity) in views {
        let article_id = &pair.1;
        for start in activity.starts(seen.get(pair).copied(), config.visit_window) {
            *per_day.entry((*article_id, periods::day(start, config.time_zone))).or_default() += 1;
        }
    }
    let mut totals: BTreeMap<i64, i64> = BTreeMap::new();
    for ((article_id, day), n) in &per_day {
        *totals.entry(*article_id).or_default() += n;
        on_backend!(conn, |c| diesel::insert_into(stats_article_views::table)
            .values((
                stats_article_views::article_id.eq(article_id),
                stats_article_views::day.eq(day),
                stats_article_views::views.eq(n),
            ))
            .on_conflict((stats_article_views::article_id, stats_article_views::day))
            .do_update()
            .set(stats_article_views::views.eq(stats_article_views::views + excluded(stats_article_views::views)))
            .execute(c))?;
    }
    // In article order, so two processes flushing the same articles lock them in the same order.
    let totals: Vec<(i64, i64)> = totals.into_iter().collect();
    articles::add_views(conn, &totals)
}

fn forget_presence(conn: &mut DbConnection, before: NaiveDateTime) -> Result<(), ApiError> {
    diesel::delete(stats_presence::table.filter(stats_presence::last_seen.lt(before))).execute(conn)?;
    diesel::delete(stats_article_presence::table.filter(stats_article_presence::last_seen.lt(before))).execute(conn)?;
    Ok(())
}

/// Visitors seen since `since`, by kind.
pub fn online(conn: &mut DbConnection, since: NaiveDateTime) -> Result<HashMap<String, i64>, ApiError> {
    Ok(stats_presence::table
        .filter(stats_presence::last_seen.ge(since))
        .group_by(stats_presence::kind)
        .select((stats_presence::kind, count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// The values of these counters; missing ones are absent from the map.
pub fn counters(conn: &mut DbConnection, metric: &str, periods: &[String]) -> Result<HashMap<String, i64>, ApiError> {
    Ok(stats_counters::table
        .filter(stats_counters::metric.eq(metric))
        .filter(stats_counters::period.eq_any(periods))
        .select((stats_counters::period, stats_counters::value))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

pub fn counter(conn: &mut DbConnection, metric: &str, period: &str) -> Result<i64, ApiError> {
    Ok(counters(conn, metric, &[period.to_owned()])?.get(period).copied().unwrap_or(0))
}

/// Sets a counter to `value` (an import or a correction); later hits add to it.
pub fn set_counter(conn: &mut DbConnection, metric: &str, period: &str, value: i64) -> Result<(), ApiError> {
    on_backend!(conn, |c| diesel::insert_into(stats_counters::table)
        .values((stats_counters::metric.eq(metric), stats_counters::period.eq(period), stats_counters::value.eq(value)))
        .on_conflict((stats_counters::metric, stats_counters::period))
        .do_update()
        .set(stats_counters::value.eq(value))
        .execute(c))?;
    Ok(())
}

/// Counters of `metric` (all when `None`) whose period starts with `prefix`, by period.
pub fn list_counters(
    conn: &mut DbConnection,
    metric: Option<&str>,
    prefix: Option<&str>,
) -> Result<Vec<(String, String, i64)>, ApiError> {
    let mut query = stats_counters::table.into_boxed();
    if let Some(metric) = metric {
        query = query.filter(stats_counters::metric.eq(metric.to_owned()));
    }
    if let Some(prefix) = prefix {
        query = query.filter(stats_counters::period.like(format!("{prefix}%")));
    }
    Ok(query
        .filter(stats_counters::period.not_like(HOUR_PATTERN))
        .order((stats_counters::metric, stats_counters::period))
        .select((stats_counters::metric, stats_counters::period, stats_counters::value))
        .limit(10_000)
        .load(conn)?)
}

/// Hour counters of `metric` from hour period `from` to `to` (inclusive), by period.
pub fn hour_counters(
    conn: &mut DbConnection,
    metric: &str,
    from: &str,
    to: &str,
) -> Result<Vec<(String, i64)>, ApiError> {
    let rows: Vec<(String, i64)> = stats_counters::table
        .filter(stats_counters::metric.eq(metric))
        .filter(stats_counters::period.between(from, to))
        .select((stats_counters::period, stats_counters::value))
        .load(conn)?;
    Ok(rows.into_iter().filter(|(period, _)| period.len() == 13).collect())
}

/// Visits and page views by item of `dimension` from local day `from` to `to`.
pub fn breakdown(
    conn: &mut DbConnection,
    dimension: &str,
    from: &str,
    to: &str,
) -> Result<Vec<(String, i64, i64)>, ApiError> {
    let mut rows: Vec<(String, i64, i64)> = stats_breakdowns::table
        .filter(stats_breakdowns::dimension.eq(dimension))
        .filter(stats_breakdowns::day.between(from, to))
        .group_by(stats_breakdowns::item)
        .select((stats_breakdowns::item, sum_of("visits"), sum_of("page_views")))
        .load(conn)?;
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    Ok(rows)
}

/// Article ids by views on local days from `from` on, most viewed first.
pub fn most_viewed_since(conn: &mut DbConnection, from: &str, limit: i64) -> Result<Vec<(i64, i64)>, ApiError> {
    Ok(stats_article_views::table
        .filter(stats_article_views::day.ge(from))
        .group_by(stats_article_views::article_id)
        .select((stats_article_views::article_id, sum_of("views")))
        .order((sql::<BigInt>("2 DESC"), stats_article_views::article_id.desc()))
        .limit(limit)
        .load(conn)?)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Purged {
    pub hour_counters: usize,
    pub breakdown_rows: usize,
    pub article_view_rows: usize,
}

/// Deletes detail older than local day `before`: hour counters, daily breakdowns and
/// daily article views. Day, month, year and total counters are history and stay.
pub fn purge(conn: &mut DbConnection, before: &str) -> Result<Purged, ApiError> {
    Ok(Purged {
        hour_counters: diesel::delete(
            stats_counters::table
                .filter(stats_counters::period.like(HOUR_PATTERN))
                .filter(stats_counters::period.lt(before)),
        )
        .execute(conn)?,
        breakdown_rows: diesel::delete(stats_breakdowns::table.filter(stats_breakdowns::day.lt(before)))
            .execute(conn)?,
        article_view_rows: diesel::delete(stats_article_views::table.filter(stats_article_views::day.lt(before)))
            .execute(conn)?,
    })
}

/// `SUM(column)` as a BIGINT on both backends (PostgreSQL sums BIGINTs as NUMERIC).
fn sum_of(column: &'static str) -> SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)"))
}

/// The hour of day and weekday of an hour period (`2026-11-27T14`).
pub fn hour_and_weekday(period: &str) -> Option<(u32, chrono::Weekday)> {
    use chrono::Datelike;
    let at = NaiveDateTime::parse_from_str(&format!("{period}:00"), "%Y-%m-%dT%H:%M").ok()?;
    Some((at.hour(), at.weekday()))
}
