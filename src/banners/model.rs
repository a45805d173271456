//! Rows and queries of `banner_slots` and `banners`. Their clicks and impressions are
//! statistics, written and read by `crate::stats::banners`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{banner_slots, banners};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = banner_slots)]
pub struct SlotRow {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub ordering: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The columns a slot's editor writes, checked.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = banner_slots, treat_none_as_null = true)]
pub struct SlotFields {
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub ordering: String,
    pub active: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = banners)]
pub struct BannerRow {
    pub id: i64,
    pub slot_id: i64,
    pub title: String,
    pub kind: String,
    pub media_id: Option<i64>,
    pub image_url: Option<String>,
    pub alt: Option<String>,
    pub target_url: String,
    pub open_in_new_tab: bool,
    pub publish_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub weight: i64,
    pub active: bool,
    pub paused_at: Option<NaiveDateTime>,
    pub advertiser: Option<String>,
    pub notes: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl BannerRow {
    /// Shown now: active and inside its window.
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.active && self.publish_at.is_none_or(|at| at <= now) && self.expires_at.is_none_or(|at| at > now)
    }

    /// When it stopped being shown (paused or expired), if it has.
    pub fn ended_at(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        let expired = self.expires_at.filter(|at| *at <= now);
        let paused = (!self.active).then(|| self.paused_at.unwrap_or(self.updated_at));
        match (expired, paused) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The columns a banner's editor writes, checked.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = banners, treat_none_as_null = true)]
pub struct BannerFields {
    pub slot_id: i64,
    pub title: String,
    pub kind: String,
    pub media_id: Option<i64>,
    pub image_url: Option<String>,
    pub alt: Option<String>,
    pub target_url: String,
    pub open_in_new_tab: bool,
    pub publish_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub weight: i64,
    pub active: bool,
    pub advertiser: Option<String>,
    pub notes: Option<String>,
}

fn key_taken() -> ApiError {
    ApiError::conflict("key", "is taken by another slot")
}

pub fn slots(conn: &mut DbConnection) -> Result<Vec<SlotRow>, ApiError> {
    Ok(banner_slots::table.select(SlotRow::as_select()).order(banner_slots::key).load(conn)?)
}

pub fn find_slot(conn: &mut DbConnection, id: i64) -> Result<SlotRow, ApiError> {
    banner_slots::table
        .find(id)
        .select(SlotRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("banner slot"))
}

pub fn slot_by_key(conn: &mut DbConnection, key: &str) -> Result<SlotRow, ApiError> {
    banner_slots::table
        .filter(banner_slots::key.eq(key))
        .select(SlotRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("banner slot"))
}

fn key_holder(conn: &mut DbConnection, key: &str) -> Result<Option<i64>, ApiError> {
    Ok(banner_slots::table.filter(banner_slots::key.eq(key)).select(banner_slots::id).first(conn).optional()?)
}

pub fn create_slot(conn: &mut DbConnection, fields: &SlotFields, at: NaiveDateTime) -> Result<SlotRow, ApiError> {
    if key_holder(conn, &fields.key)?.is_some() {
        return Err(key_taken());
    }
    let id: i64 = diesel::insert_into(banner_slots::table)
        .values((fields, banner_slots::created_at.eq(at), banner_slots::updated_at.eq(at)))
        .returning(banner_slots::id)
        .get_result(conn)?;
    find_slot(conn, id)
}

pub fn update_slot(
    conn: &mut DbConnection,
    id: i64,
    fields: &SlotFields,
    at: NaiveDateTime,
) -> Result<SlotRow, ApiError> {
    if key_holder(conn, &fields.key)?.is_some_and(|holder| holder != id) {
        return Err(key_taken());
    }
    diesel::update(banner_slots::table.find(id)).set((fields, banner_slots::updated_at.eq(at))).execute(conn)?;
    find_slot(conn, id)
}

/// Deletes a slot that holds no banner; 409 while one does.
pub fn delete_slot(conn: &mut DbConnection, id: i64) -> Result<SlotRow, ApiError> {
    let slot = find_slot(conn, id)?;
    let held: i64 = banners::table.filter(banners::slot_id.eq(id)).count().get_result(conn)?;
    if held > 0 {
        return Err(ApiError::conflict("id", format!("holds {held} banner(s); move or delete them first")));
    }
    diesel::delete(banner_slots::table.find(id)).execute(conn)?;
    Ok(slot)
}

/// What staff filter the banner list by.
#[derive(Debug, Default, Clone)]
pub struct BannerFilter {
    pub slot_id: Option<i64>,
    pub active: Option<bool>,
    /// Past their `expires_at` (true) or not (false), at `now`.
    pub expired: Option<bool>,
    pub now: Option<NaiveDateTime>,
}

/// A page of banners, newest first, after the id `before`.
pub fn list(
    conn: &mut DbConnection,
    filter: &BannerFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<BannerRow>, ApiError> {
    let mut query = banners::table.select(BannerRow::as_select()).into_boxed();
    if let Some(slot_id) = filter.slot_id {
        query = query.filter(banners::slot_id.eq(slot_id));
    }
    if let Some(active) = filter.active {
        query = query.filter(banners::active.eq(active));
    }
    if let (Some(expired), Some(now)) = (filter.expired, filter.now) {
        query = if expired {
            query.filter(banners::expires_at.le(now))
        } else {
            query.filter(banners::expires_at.is_null().or(banners::expires_at.gt(now)))
        };
    }
    if let Some(before) = before {
        query = query.filter(banners::id.lt(before));
    }
    Ok(query.order(banners::id.desc()).limit(limit).load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<BannerRow, ApiError> {
    banners::table
        .find(id)
        .select(BannerRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("banner"))
}

/// The banners of a slot shown at `now`, by weight (heaviest first), then id.
pub fn live_in_slot(conn: &mut DbConnection, slot_id: i64, now: NaiveDateTime) -> Result<Vec<BannerRow>, ApiError> {
    Ok(banners::table
        .filter(banners::slot_id.eq(slot_id))
        .filter(banners::active.eq(true))
        .filter(banners::publish_at.is_null().or(banners::publish_at.le(now)))
        .filter(banners::expires_at.is_null().or(banners::expires_at.gt(now)))
        .select(BannerRow::as_select())
        .order((banners::weight.desc(), banners::id.asc()))
        .load(conn)?)
}

fn check_references(conn: &mut DbConnection, fields: &BannerFields) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if banner_slots::table.find(fields.slot_id).select(banner_slots::id).first::<i64>(conn).optional()?.is_none() {
        errors.push(crate::error::FieldError::new("slot_id", format!("there is no banner slot {}", fields.slot_id)));
    }
    if let Some(id) = fields.media_id
        && !crate::media::model::exists(conn, id)?
    {
        errors.push(crate::error::FieldError::new("media_id", format!("there is no media item {id}")));
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

pub fn create(
    conn: &mut DbConnection,
    fields: &BannerFields,
    created_by: Option<i64>,
    at: NaiveDateTime,
) -> Result<BannerRow, ApiError> {
    check_references(conn, fields)?;
    let id: i64 = diesel::insert_into(banners::table)
        .values((
            fields,
            banners::paused_at.eq((!fields.active).then_some(at)),
            banners::created_by.eq(created_by),
            banners::created_at.eq(at),
            banners::updated_at.eq(at),
        ))
        .returning(banners::id)
        .get_result(conn)?;
    find(conn, id)
}

/// Writes the banner; pausing it records when, for the grace of its click URL.
pub fn update(
    conn: &mut DbConnection,
    current: &BannerRow,
    fields: &BannerFields,
    at: NaiveDateTime,
) -> Result<BannerRow, ApiError> {
    check_references(conn, fields)?;
    let paused_at = match (current.active, fields.active) {
        (true, false) => Some(at),
        (false, false) => current.paused_at,
        (_, true) => None,
    };
    diesel::update(banners::table.find(current.id))
        .set((fields, banners::paused_at.eq(paused_at), banners::updated_at.eq(at)))
        .execute(conn)?;
    find(conn, current.id)
}

pub fn delete(conn: &mut DbConnection, id: i64) -> Result<BannerRow, ApiError> {
    let banner = find(conn, id)?;
    diesel::delete(banners::table.find(id)).execute(conn)?;
    Ok(banner)
}
