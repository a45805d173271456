//! `/api/v1/banners`: the banners editors manage (`ManageBanners`), and the figures for
//! the advertiser.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, BannerFields, BannerFilter, BannerRow};
use super::public::{BannerImage, click_url};
use super::slots::slot_keys;
use crate::audit::{Actor, Change, Origin, changed_fields};
use crate::auth::{Permission, Principal};
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery, nullable};
use crate::pagination::{ListResponse, id_cursor, id_page};
use crate::state::AppState;
use crate::validation::{Checks, Lines};
use crate::webhooks::Event;

pub(super) const MAX_NAME: usize = 200;
pub(super) const MAX_TEXT: usize = 2000;

/// A banner as staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BannerResponse {
    pub id: i64,
    pub slot_id: i64,
    #[schema(example = "Cổng thông tin điện tử tỉnh")]
    pub title: String,
    /// `image` or `text`.
    pub kind: String,
    /// The media library item an image banner shows.
    pub media_id: Option<i64>,
    /// The image's address when it is not in the library.
    pub image_url: Option<String>,
    /// The image as the portal gets it (null for text banners).
    pub image: Option<BannerImage>,
    pub alt: Option<String>,
    /// Where a click goes: only ever this stored URL.
    #[schema(example = "https://binhphuoc.gov.vn/")]
    pub target_url: String,
    /// newsdesk's counting redirect to `target_url`.
    pub click_url: String,
    pub open_in_new_tab: bool,
    pub publish_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Heavier first in `weight` slots; the odds in `one_random` slots.
    pub weight: i64,
    pub active: bool,
    pub advertiser: Option<String>,
    pub notes: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl BannerResponse {
    fn new(b: BannerRow, image: Option<BannerImage>) -> Self {
        Self {
            click_url: click_url(b.id),
            id: b.id,
            slot_id: b.slot_id,
            title: b.title,
            kind: b.kind,
            media_id: b.media_id,
            image_url: b.image_url,
            image,
            alt: b.alt,
            target_url: b.target_url,
            open_in_new_tab: b.open_in_new_tab,
            publish_at: b.publish_at.map(|t| t.and_utc()),
            expires_at: b.expires_at.map(|t| t.and_utc()),
            weight: b.weight,
            active: b.active,
            advertiser: b.advertiser,
            notes: b.notes,
            created_by: b.created_by,
            created_at: b.created_at.and_utc(),
            updated_at: b.updated_at.and_utc(),
        }
    }
}

/// A whole banner, for create and replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BannerInput {
    #[schema(minimum = 1)]
    pub slot_id: i64,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// `image` (with `media_id` or `image_url`) or `text`.
    #[schema(pattern = "^(image|text)$")]
    pub kind: String,
    #[schema(minimum = 1)]
    pub media_id: Option<i64>,
    #[schema(max_length = 2048)]
    pub image_url: Option<String>,
    #[schema(max_length = 500)]
    pub alt: Option<String>,
    /// An absolute http or https URL.
    #[schema(max_length = 2048, pattern = "^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*$")]
    pub target_url: String,
    pub open_in_new_tab: Option<bool>,
    pub publish_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// 0 to 1,000,000 (default 0).
    #[schema(minimum = 0, maximum = 1000000)]
    pub weight: Option<i64>,
    /// Default true.
    pub active: Option<bool>,
    #[schema(max_length = 200)]
    pub advertiser: Option<String>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// Fields to change; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BannerPatch {
    #[schema(minimum = 1)]
    pub slot_id: Option<i64>,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: Option<String>,
    #[schema(pattern = "^(image|text)$")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(minimum = 1)]
    pub media_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 2048)]
    pub image_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 500)]
    pub alt: Option<Option<String>>,
    #[schema(max_length = 2048, pattern = "^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*$")]
    pub target_url: Option<String>,
    pub open_in_new_tab: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub publish_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    pub expires_at: Option<Option<DateTime<Utc>>>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub weight: Option<i64>,
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 200)]
    pub advertiser: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 2000)]
    pub notes: Option<Option<String>>,
}

impl BannerInput {
    fn validate(&self) -> Result<BannerFields, ApiError> {
        let mut checks = Checks::new();
        if self.slot_id <= 0 {
            checks.error("slot_id", "must be a positive id");
        }
        let kind = self.kind.trim().to_owned();
        let image_url = checks.optional_image_url("image_url", self.image_url.as_deref());
        match kind.as_str() {
            "image" => match (self.media_id, &image_url) {
                (Some(_), Some(_)) => checks.error("image_url", "must be absent when media_id is given"),
                (None, None) if !checks.has_error("image_url") => {
                    checks.error("media_id", "or image_url is required for an image banner")
                }
                _ => {}
            },
            "text" if self.media_id.is_some() || image_url.is_some() => {
                checks.error("kind", "a text banner has no image: drop media_id and image_url")
            }
            "text" => {}
            _ => checks.error("kind", "must be image or text"),
        }
        if self.media_id.is_some_and(|id| id <= 0) {
            checks.error("media_id", "must be a positive id");
        }
        let target_url = checks.optional_url("target_url", Some(&self.target_url));
        if target_url.is_none() && !checks.has_error("target_url") {
            checks.error("target_url", "must not be empty");
        }
        let weight = self.weight.unwrap_or(0);
        if !(0..=1_000_000).contains(&weight) {
            checks.error("weight", "must be from 0 to 1000000");
        }
        for (field, at) in [("publish_at", self.publish_at), ("expires_at", self.expires_at)] {
            if at.is_some_and(|at| !(1970..=9999).contains(&chrono::Datelike::year(&at))) {
                checks.error(field, "must be a time from 1970 to 9999");
            }
        }
        if let (Some(from), Some(until)) = (self.publish_at, self.expires_at)
            && until <= from
        {
            checks.error("expires_at", "must be after publish_at");
        }
        let fields = BannerFields {
            slot_id: self.slot_id,
            title: checks.required_text("title", &self.title, MAX_NAME, Lines::Single),
            kind,
            media_id: self.media_id,
            image_url,
            alt: checks.optional_text("alt", self.alt.as_deref(), 500, Lines::Single),
            target_url: target_url.unwrap_or_default(),
            open_in_new_tab: self.open_in_new_tab.unwrap_or(false),
            publish_at: self.publish_at.map(|t| t.naive_utc()),
            expires_at: self.expires_at.map(|t| t.naive_utc()),
            weight,
            active: self.active.unwrap_or(true),
            advertiser: checks.optional_text("advertiser", self.advertiser.as_deref(), MAX_NAME, Lines::Single),
            notes: checks.optional_text("notes", self.notes.as_deref(), MAX_TEXT, Lines::Multi),
        };
        checks.finish()?;
        Ok(fields)
    }
}

impl BannerPatch {
    fn apply_to(self, b: BannerRow) -> BannerInput {
        BannerInput {
            slot_id: self.slot_id.unwrap_or(b.slot_id),
            title: self.title.unwrap_or(b.title),
            kind: self.kind.unwrap_or(b.kind),
            media_id: self.media_id.unwrap_or(b.media_id),
            image_url: self.image_url.unwrap_or(b.image_url),
            alt: self.alt.unwrap_or(b.alt),
            target_url: self.target_url.unwrap_or(b.target_url),
            open_in_new_tab: Some(self.open_in_new_tab.unwrap_or(b.open_in_new_tab)),
            publish_at: self.publish_at.unwrap_or(b.publish_at.map(|t| t.and_utc())),
            expires_at: self.expires_at.unwrap_or(b.expires_at.map(|t| t.and_utc())),
            weight: Some(self.weight.unwrap_or(b.weight)),
            active: Some(self.active.unwrap_or(b.active)),
            advertiser: self.advertiser.unwrap_or(b.advertiser),
            notes: self.notes.unwrap_or(b.notes),
        }
    }
}

/// The banner as staff see it, its image resolved.
fn banner_response(
    conn: &mut crate::db::DbConnection,
    state_site: &crate::config::SiteUrls,
    b: BannerRow,
) -> Result<BannerResponse, ApiError> {
    let image = BannerImage::of(conn, state_site, &b)?;
    Ok(BannerResponse::new(b, image))
}

/// What the banner list is filtered by.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BannerQuery {
    /// Only the banners of this slot.
    #[param(minimum = 1)]
    pub slot_id: Option<i64>,
    pub active: Option<bool>,
    /// Past their `expires_at` (true) or not (false).
    pub expired: Option<bool>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// From the previous page's `meta.next_cursor`.
    pub cursor: Option<String>,
}

/// List banners, newest first (staff).
#[utoipa::path(
    tag = "banners",
    params(BannerQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of banners", body = ListResponse<BannerResponse>),
              BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[get("/banners")]
pub async fn list_banners(
    state: Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    query: ApiQuery<BannerQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBanners)?;
    let query = query.into_inner();
    let mut checks = Checks::new();
    let (per_page, before) = id_page(query.per_page, query.cursor.as_deref(), "banners", &mut checks);
    if query.slot_id.is_some_and(|id| id <= 0) {
        checks.error("slot_id", "must be a positive id");
    }
    checks.finish()?;
    let filter =
        BannerFilter { slot_id: query.slot_id, active: query.active, expired: query.expired, now: Some(now()) };
    let site = state.site.clone();
    let data = state
        .db
        .read(move |conn| {
            let rows = model::list(conn, &filter, before, per_page)?;
            rows.into_iter().map(|b| banner_response(conn, &site, b)).collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let next_cursor = data
        .last()
        .filter(|_| data.len() as i64 == per_page)
        .map(|last: &BannerResponse| id_cursor("banners", last.id));
    Ok(ListResponse::paged(data, None, per_page, None, next_cursor).respond(&req))
}

/// Get one banner (staff).
#[utoipa::path(
    tag = "banners",
    params(("id" = i64, Path, description = "Banner id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The banner", body = BannerResponse),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/banners/{id:[0-9]+}")]
pub async fn get_banner(state: Data<AppState>, principal: Principal, id: Path<i64>) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBanners)?;
    let id = id.into_inner();
    let site = state.site.clone();
    let banner = state
        .db
        .read(move |conn| {
            let row = model::find(conn, id)?;
            banner_response(conn, &site, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(banner))
}

/// Create a banner.
#[utoipa::path(
    tag = "banners",
    request_body = BannerInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = BannerResponse,
         headers(("Location" = String, description = "URL of the new banner"))),
        BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[post("/banners")]
pub async fn create_banner(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<BannerInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBanners)?;
    let fields = body.0.validate()?;
    let created_by = principal.user_id();
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let site = state.site.clone();
    let banner = state
        .db
        .write(move |conn| {
            let at = now();
            let row = model::create(conn, &fields, created_by, at)?;
            let banner = banner_response(conn, &site, row)?;
            Change::new("banner.create", "banner", banner.id)
                .fields(["slot_id", "title", "kind", "media_id", "image_url", "target_url", "weight", "active"])
                .record(conn, &actor, at)?;
            Event::new("banner.created", &banner).keys(slot_keys(banner.slot_id)).emit(conn, &outbox, &actor, at)?;
            Ok(banner)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/banners/{}", banner.id))).json(banner))
}

/// Replace a banner.
#[utoipa::path(
    tag = "banners",
    params(("id" = i64, Path, description = "Banner id")),
    request_body = BannerInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = BannerResponse),
        BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[put("/banners/{id:[0-9]+}")]
pub async fn replace_banner(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
    body: ApiJson<BannerInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    write_banner(state, principal, origin, id.into_inner(), move |_| input).await
}

/// Change some fields of a banner (`active: false` pauses it).
#[utoipa::path(
    tag = "banners",
    params(("id" = i64, Path, description = "Banner id")),
    request_body = BannerPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = BannerResponse),
        BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[patch("/banners/{id:[0-9]+}")]
pub async fn update_banner(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
    body: ApiJson<BannerPatch>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.0;
    write_banner(state, principal, origin, id.into_inner(), move |current| patch.apply_to(current)).await
}

async fn write_banner(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: i64,
    input: impl FnOnce(BannerRow) -> BannerInput + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBanners)?;
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let site = state.site.clone();
    let banner = state
        .db
        .write(move |conn| {
            let current = model::find(conn, id)?;
            let before = banner_response(conn, &site, current.clone())?;
            let fields = input(current.clone()).validate()?;
            let at = now();
            let row = model::update(conn, &current, &fields, at)?;
            let after = banner_response(conn, &site, row)?;
            let changed = changed_fields(&before, &after);
            if !changed.is_empty() {
                let mut keys = slot_keys(after.slot_id);
                if before.slot_id != after.slot_id {
                    keys.extend(slot_keys(before.slot_id));
                }
                Change::new("banner.update", "banner", id).fields(&changed).record(conn, &actor, at)?;
                Event::new("banner.updated", &after).changed(&changed).keys(keys).emit(conn, &outbox, &actor, at)?;
            }
            Ok(after)
        })
        .await?;
    state.banner_rows.forget(id);
    state.content_changed();
    Ok(HttpResponse::Ok().json(banner))
}

/// Delete a banner, its figures with it.
#[utoipa::path(
    tag = "banners",
    params(("id" = i64, Path, description = "Banner id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[delete("/banners/{id:[0-9]+}")]
pub async fn delete_banner(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageBanners)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let site = state.site.clone();
    state
        .db
        .write(move |conn| {
            let at = now();
            let current = model::find(conn, id)?;
            let before = banner_response(conn, &site, current)?;
            model::delete(conn, id)?;
            Change::new("banner.delete", "banner", id).record(conn, &actor, at)?;
            Event::new("banner.deleted", &before).keys(slot_keys(before.slot_id)).emit(conn, &outbox, &actor, at)?;
            Ok(())
        })
        .await?;
    state.banner_rows.forget(id);
    state.content_changed();
    Ok(HttpResponse::NoContent().finish())
}

/// The period and its steps for a banner's figures.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// First local day, `YYYY-MM-DD` (default: 30 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last local day (default: today in the site's time zone).
    pub to: Option<NaiveDate>,
    /// `day` (default) or `month`.
    #[param(pattern = "^(day|month)$")]
    pub granularity: Option<String>,
}

/// Clicks, impressions and their ratio.
#[derive(Debug, Serialize, ToSchema)]
pub struct Figures {
    pub clicks: i64,
    pub impressions: i64,
    /// Clicks per impression; null without impressions.
    pub ctr: Option<f64>,
}

impl Figures {
    fn new(clicks: i64, impressions: i64) -> Self {
        let ctr = (impressions > 0).then(|| (clicks as f64 / impressions as f64 * 10_000.0).round() / 10_000.0);
        Self { clicks, impressions, ctr }
    }
}

/// One day or month.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodFigures {
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub period: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Counted clicks under one item of a dimension.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClickBreakdownItem {
    pub item: String,
    pub clicks: i64,
}

/// Counted clicks by country, browser, operating system and referring site.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ClickBreakdowns {
    pub country: Vec<ClickBreakdownItem>,
    pub browser: Vec<ClickBreakdownItem>,
    pub os: Vec<ClickBreakdownItem>,
    pub referrer_host: Vec<ClickBreakdownItem>,
}

/// A banner's figures for its advertiser.
#[derive(Debug, Serialize, ToSchema)]
pub struct BannerStats {
    pub banner_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub time_zone: String,
    pub totals: Figures,
    /// Every day (or month) of the period, with zeros where nothing happened.
    pub series: Vec<PeriodFigures>,
    pub breakdowns: ClickBreakdowns,
}

/// A banner's clicks, impressions and click-through rate, by day or month, with the
/// clicks by country, browser, OS and referrer (staff with `stats:read`).
#[utoipa::path(
    tag = "banners",
    params(("id" = i64, Path, description = "Banner id"), StatsQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The figures", body = BannerStats),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/banners/{id:[0-9]+}/stats")]
pub async fn banner_stats(
    state: Data<AppState>,
    principal: Principal,
    id: Path<i64>,
    query: ApiQuery<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ReadStats)?;
    let id = id.into_inner();
    let query = query.into_inner();
    let time_zone = state.stats.config().time_zone;
    let today = state.stats.clock().now().and_utc().with_timezone(&time_zone).date_naive();
    use chrono::Datelike;
    for (field, date) in [("from", query.from), ("to", query.to)] {
        if date.is_some_and(|d| !(1970..=9999).contains(&d.year())) {
            return Err(ApiError::field(field, "must be a day from 1970 to 9999"));
        }
    }
    let to = query.to.unwrap_or(today);
    let from = query.from.unwrap_or(to - chrono::Duration::days(30));
    let monthly = match query.granularity.as_deref() {
        None | Some("day") => false,
        Some("month") => true,
        Some(_) => return Err(ApiError::field("granularity", "must be day or month")),
    };
    if from > to {
        return Err(ApiError::field("from", "must not be after to"));
    }
    if (to - from).num_days() > 3660 {
        return Err(ApiError::field("from", "must be at most ten years before to"));
    }
    let (from_key, to_key) = (from.to_string(), to.to_string());
    let figures = state
        .db
        .read(move |conn| {
            model::find(conn, id)?;
            crate::stats::banners::figures(conn, id, &from_key, &to_key)
        })
        .await?;
    let period_of = |day: &str| if monthly { day[..7].to_owned() } else { day.to_owned() };
    let mut periods: Vec<String> = Vec::new();
    let mut day = from;
    while day <= to {
        let period = period_of(&day.to_string());
        if periods.last() != Some(&period) {
            periods.push(period);
        }
        day += chrono::Duration::days(1);
    }
    let mut series: Vec<PeriodFigures> = Vec::with_capacity(periods.len());
    let (mut clicks, mut impressions) = (0, 0);
    for period in periods {
        let (c, i) = figures
            .days
            .iter()
            .filter(|(day, _, _)| period_of(day) == period)
            .fold((0, 0), |(c, i), (_, dc, di)| (c + dc, i + di));
        clicks += c;
        impressions += i;
        series.push(PeriodFigures { period, figures: Figures::new(c, i) });
    }
    let mut breakdowns = ClickBreakdowns::default();
    for (dimension, item, n) in figures.breakdowns {
        let list = match dimension.as_str() {
            "country" => &mut breakdowns.country,
            "browser" => &mut breakdowns.browser,
            "os" => &mut breakdowns.os,
            "referrer_host" => &mut breakdowns.referrer_host,
            _ => continue,
        };
        list.push(ClickBreakdownItem { item, clicks: n });
    }
    for list in [&mut breakdowns.country, &mut breakdowns.browser, &mut breakdowns.os, &mut breakdowns.referrer_host] {
        list.sort_by(|a, b| b.clicks.cmp(&a.clicks).then_with(|| a.item.cmp(&b.item)));
    }
    Ok(HttpResponse::Ok().json(BannerStats {
        banner_id: id,
        from,
        to,
        time_zone: time_zone.name().to_owned(),
        totals: Figures::new(clicks, impressions),
        series,
        breakdowns,
    }))
}
