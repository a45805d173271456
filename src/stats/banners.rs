//! Banner clicks and impressions, kept as the statistics keep their figures: added up in
//! the collector's batch, written by its flush, per banner and local day, never reset.
//! A click counts once per visitor, banner and day; the visitor's row is the arbiter, so
//! processes flushing the same click count it once.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::DbConnection;
use crate::db::schema::{banner_click_breakdowns, banner_click_visitors, banner_daily};
use crate::error::ApiError;
use crate::on_backend;

/// One click: a banner, the local day, the visitor's keyed hash, and what the click
/// counts under (country, browser, os, referrer host).
#[derive(Debug, Clone)]
pub struct Click {
    pub banner_id: i64,
    pub day: String,
    pub visitor_key: String,
    pub dimensions: Dimensions,
}

/// What a click counts under: (dimension, item) pairs.
pub type Dimensions = Vec<(&'static str, String)>;

/// What the batch holds of banners between flushes.
#[derive(Debug, Default)]
pub struct BannerBatch {
    /// By (banner, day, visitor): a visitor's repeated clicks in one batch are one.
    pub clicks: BTreeMap<(i64, String, String), Dimensions>,
    /// By (banner, day).
    pub impressions: BTreeMap<(i64, String), i64>,
    /// Clicks and impressions recorded, repeats included.
    pub events: u64,
}

impl BannerBatch {
    pub fn click(&mut self, click: Click) {
        self.events += 1;
        self.clicks.entry((click.banner_id, click.day, click.visitor_key)).or_insert(click.dimensions);
    }

    pub fn impressions(&mut self, banner_ids: &[i64], day: &str) {
        for id in banner_ids {
            self.events += 1;
            *self.impressions.entry((*id, day.to_owned())).or_default() += 1;
        }
    }

    pub fn absorb(&mut self, older: BannerBatch) {
        self.events += older.events;
        for (key, dimensions) in older.clicks {
            self.clicks.entry(key).or_insert(dimensions);
        }
        for (key, n) in older.impressions {
            *self.impressions.entry(key).or_default() += n;
        }
    }
}

/// Writes a batch's clicks and impressions. Figures of a banner deleted meanwhile are
/// dropped.
pub fn flush(conn: &mut DbConnection, batch: &BannerBatch) -> Result<(), ApiError> {
    use crate::db::schema::banners;
    if batch.clicks.is_empty() && batch.impressions.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<i64> = batch.clicks.keys().map(|k| k.0).chain(batch.impressions.keys().map(|k| k.0)).collect();
    ids.sort_unstable();
    ids.dedup();
    let existing: Vec<i64> = banners::table.filter(banners::id.eq_any(&ids)).select(banners::id).load(conn)?;
    let mut daily: BTreeMap<(i64, &str), (i64, i64)> = BTreeMap::new();
    let mut breakdowns: BTreeMap<(i64, &str, &'static str, &str), i64> = BTreeMap::new();
    for ((banner_id, day, visitor_key), dimensions) in &batch.clicks {
        if !existing.contains(banner_id) {
            continue;
        }
        let first = on_backend!(conn, |c| diesel::insert_into(banner_click_visitors::table)
            .values((
                banner_click_visitors::banner_id.eq(banner_id),
                banner_click_visitors::day.eq(day),
                banner_click_visitors::visitor_key.eq(visitor_key),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        if first == 1 {
            daily.entry((*banner_id, day)).or_default().0 += 1;
            for (dimension, item) in dimensions {
                *breakdowns.entry((*banner_id, day, dimension, item)).or_default() += 1;
            }
        }
    }
    for ((banner_id, day), n) in &batch.impressions {
        if existing.contains(banner_id) {
            daily.entry((*banner_id, day)).or_default().1 += n;
        }
    }
    for ((banner_id, day), (clicks, impressions)) in daily {
        on_backend!(conn, |c| diesel::insert_into(banner_daily::table)
            .values((
                banner_daily::banner_id.eq(banner_id),
                banner_daily::day.eq(day),
                banner_daily::clicks.eq(clicks),
                banner_daily::impressions.eq(impressions),
            ))
            .on_conflict((banner_daily::banner_id, banner_daily::day))
            .do_update()
            .set((
                banner_daily::clicks.eq(banner_daily::clicks + excluded(banner_daily::clicks)),
                banner_daily::impressions.eq(banner_daily::impressions + excluded(banner_daily::impressions)),
            ))
            .execute(c))?;
    }
    for ((banner_id, day, dimension, item), clicks) in breakdowns {
        on_backend!(conn, |c| diesel::insert_into(banner_click_breakdowns::table)
            .values((
                banner_click_breakdowns::banner_id.eq(banner_id),
                banner_click_breakdowns::day.eq(day),
                banner_click_breakdowns::dimension.eq(dimension),
                banner_click_breakdowns::item.eq(item),
                banner_click_breakdowns::clicks.eq(clicks),
            ))
            .on_conflict((
                banner_click_breakdowns::banner_id,
                banner_click_breakdowns::day,
                banner_click_breakdowns::dimension,
                banner_click_breakdowns::item,
            ))
            .do_update()
            .set(
                banner_click_breakdowns::clicks
                    .eq(banner_click_breakdowns::clicks + excluded(banner_click_breakdowns::clicks))
            )
            .execute(c))?;
    }
    Ok(())
}

/// A banner's figures from `from` to `to` (local days, inclusive): per day, and its
/// clicks by dimension and item.
pub struct BannerFigures {
    pub days: Vec<(String, i64, i64)>,
    pub breakdowns: Vec<(String, String, i64)>,
}

pub fn figures(conn: &mut DbConnection, banner_id: i64, from: &str, to: &str) -> Result<BannerFigures, ApiError> {
    let days = banner_daily::table
        .filter(banner_daily::banner_id.eq(banner_id))
        .filter(banner_daily::day.ge(from))
        .filter(banner_daily::day.le(to))
        .order(banner_daily::day)
        .select((banner_daily::day, banner_daily::clicks, banner_daily::impressions))
        .load(conn)?;
    let rows: Vec<(String, String, i64)> = banner_click_breakdowns::table
        .filter(banner_click_breakdowns::banner_id.eq(banner_id))
        .filter(banner_click_breakdowns::day.ge(from))
        .filter(banner_click_breakdowns::day.le(to))
        .select((banner_click_breakdowns::dimension, banner_click_breakdowns::item, banner_click_breakdowns::clicks))
        .load(conn)?;
    let mut summed: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (dimension, item, clicks) in rows {
        *summed.entry((dimension, item)).or_default() += clicks;
    }
    let breakdowns = summed.into_iter().map(|((dimension, item), clicks)| (dimension, item, clicks)).collect();
    Ok(BannerFigures { days, breakdowns })
}
