//! What the portal reads and its readers click: a slot's banners by key, the click URL
//! that redirects to the stored target and counts, and the impressions a frontend reports.
//! Counting goes through the statistics collector: the click path never waits on the
//! database, and its row is read at most once a second.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get, post};
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{self, BannerRow, SlotRow};
use crate::caching;
use crate::config::SiteUrls;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::error::responses::{BadRequest, Gone, NotFound, PayloadTooLarge, Unavailable, UnsupportedMediaType};
use crate::extract::ApiJson;
use crate::media::urls::{FileUrls, Variant, page_url};
use crate::state::AppState;
use crate::stats::banners::Click;
use crate::stats::batch::VisitorKind;
use crate::stats::reader::Reader;

/// How long a paused or expired banner's click URL still redirects (without counting).
const GRACE_HOURS: i64 = 24;
/// The first-party cookie that keeps a reader the same visitor across addresses.
const VISITOR_COOKIE: &str = "nd_banner_visitor";

pub fn click_url(id: i64) -> String {
    format!("/api/v1/banners/{id}/click")
}

/// A banner's image as the portal gets it; a library image adds the variants for
/// `srcset`, and its `url` is the 1280 px one (or the widest) in the original's format.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BannerImage {
    pub url: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub alt: Option<String>,
    /// Empty for an image given by URL.
    pub variants: Vec<Variant>,
}

impl BannerImage {
    pub fn of(conn: &mut DbConnection, site: &SiteUrls, banner: &BannerRow) -> Result<Option<Self>, ApiError> {
        if banner.kind != "image" {
            return Ok(None);
        }
        if let Some(id) = banner.media_id {
            let Some(item) = crate::media::model::by_ids(conn, &[id])?.remove(&id) else { return Ok(None) };
            let variants = FileUrls::new(&site.media).variants(&item, None);
            return Ok(Some(Self {
                url: page_url(&variants),
                width: Some(item.width),
                height: Some(item.height),
                alt: banner.alt.clone().or(item.alt),
                variants,
            }));
        }
        Ok(banner.image_url.clone().map(|url| Self {
            url,
            width: None,
            height: None,
            alt: banner.alt.clone(),
            variants: Vec::new(),
        }))
    }
}

/// A slot as the portal lays it out.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicSlot {
    pub id: i64,
    #[schema(example = "sidebar-links")]
    pub key: String,
    #[schema(example = "Liên kết")]
    pub name: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// `weight`, `random` or `one_random`.
    pub order: String,
}

/// A banner as the portal shows it: link it to `click_url`, never to the target itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicBanner {
    pub id: i64,
    #[schema(example = "Cổng thông tin điện tử tỉnh")]
    pub title: String,
    /// `image` or `text`.
    pub kind: String,
    pub image: Option<BannerImage>,
    pub open_in_new_tab: bool,
    #[schema(example = "/api/v1/banners/7/click")]
    pub click_url: String,
}

/// A slot and the banners it shows now, in its order.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotBanners {
    pub slot: PublicSlot,
    pub banners: Vec<PublicBanner>,
}

/// A random number from the operating system, for the orders that draw.
fn random_below(bound: u64) -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    u64::from_le_bytes(bytes) % bound.max(1)
}

/// The banners in the slot's order: by weight; all shuffled; or one drawn by weight (all
/// alike when no banner has weight).
fn in_order(slot: &SlotRow, mut banners: Vec<BannerRow>) -> Vec<BannerRow> {
    match slot.ordering.as_str() {
        "random" => {
            for i in (1..banners.len()).rev() {
                banners.swap(i, random_below(i as u64 + 1) as usize);
            }
            banners
        }
        "one_random" if banners.is_empty() => banners,
        "one_random" => {
            let total: i64 = banners.iter().map(|b| b.weight).sum();
            let chosen = if total <= 0 {
                random_below(banners.len() as u64) as usize
            } else {
                let mut draw = random_below(total as u64) as i64;
                banners
                    .iter()
                    .position(|b| {
                        draw -= b.weight;
                        draw < 0
                    })
                    .unwrap_or(0)
            };
            vec![banners.swap_remove(chosen)]
        }
        _ => banners,
    }
}

/// A slot's banners that are active and inside their window now, in the slot's order
/// (public). `weight` slots are cacheable (`Surrogate-Key: slot-{id}`); the random
/// orders are drawn on every request and answer `Cache-Control: no-cache`.
#[utoipa::path(
    tag = "banners",
    params(("key" = String, Path, description = "The slot's key, e.g. `sidebar-links`")),
    responses(
        (status = 200, description = "The slot and its banners", body = SlotBanners,
         headers(("Surrogate-Key" = String, description = "`slot-{id}`"))),
        BadRequest, NotFound, Unavailable
    )
)]
#[get("/banner-slots/by-key/{key}")]
pub async fn slot_by_key(state: Data<AppState>, req: HttpRequest, key: Path<String>) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    if !crate::slug::is_valid_slug(&key) || key.len() > 100 {
        return Err(ApiError::not_found("banner slot"));
    }
    let cache_key = format!("banner-slot:{key}");
    if !caching::wants_fresh(&req)
        && let Some(entry) = state.responses.get(&cache_key, 0)
    {
        return state.responses.respond(&cache_key, entry, &req);
    }
    let at = state.stats.clock().now();
    let site = state.site.clone();
    let (slot, shown) = state
        .db
        .read_public(move |conn| {
            let slot = model::slot_by_key(conn, &key)?;
            let live = if slot.active { model::live_in_slot(conn, slot.id, at)? } else { Vec::new() };
            let mut shown = Vec::with_capacity(live.len());
            for banner in in_order(&slot, live) {
                let image = BannerImage::of(conn, &site, &banner)?;
                shown.push(PublicBanner {
                    click_url: click_url(banner.id),
                    id: banner.id,
                    title: banner.title,
                    kind: banner.kind,
                    image,
                    open_in_new_tab: banner.open_in_new_tab,
                });
            }
            Ok((slot, shown))
        })
        .await?;
    let drawn = slot.ordering != "weight";
    let body = SlotBanners {
        slot: PublicSlot {
            id: slot.id,
            key: slot.key,
            name: slot.name,
            width: slot.width,
            height: slot.height,
            order: slot.ordering,
        },
        banners: shown,
    };
    let mut response = HttpResponse::Ok();
    response.insert_header((caching::SURROGATE_KEY, format!("slot-{}", slot.id)));
    if drawn {
        response.insert_header((header::CACHE_CONTROL, "no-cache"));
        return Ok(response.json(body));
    }
    Ok(state.responses.keep(cache_key, response.json(body), &[caching::SURROGATE_KEY], &req))
}

/// The banner, from the rows read in the last second or from the database.
async fn banner(state: &AppState, id: i64) -> Result<BannerRow, ApiError> {
    if let Some(row) = state.banner_rows.get(id) {
        return Ok(row);
    }
    let row = state.db.read(move |conn| model::find(conn, id)).await?;
    state.banner_rows.put(id, row.clone());
    Ok(row)
}

/// Whether a click on `banner` at `now` redirects, and whether it counts.
fn click_outcome(banner: &BannerRow, now: NaiveDateTime) -> Result<bool, ApiError> {
    if banner.is_live(now) {
        return Ok(true);
    }
    match banner.ended_at(now) {
        Some(ended) if now - ended >= Duration::hours(GRACE_HOURS) => {
            Err(ApiError::Gone("This banner has ended; its link is no longer served.".into()))
        }
        // Paused or expired within the grace, or not yet started: the link still works.
        _ => Ok(false),
    }
}

/// A click on a banner (public): a 302 to the banner's stored target, never to anything
/// the request names, counted once per visitor, banner and local day (crawlers are
/// redirected but not counted). A banner paused or expired less than 24 hours ago still
/// redirects without counting; after that 410.
#[utoipa::path(
    tag = "banners",
    params(("id" = i64, Path, description = "Banner id")),
    responses(
        (status = 302, description = "To the banner's target",
         headers(("Location" = String, description = "The stored target URL"),
                 ("Set-Cookie" = String, description = "The anonymous visitor cookie, `HttpOnly; SameSite=Lax`, when there was none"))),
        BadRequest, NotFound, Gone, Unavailable
    )
)]
#[get("/banners/{id:[0-9]+}/click")]
pub async fn click(state: Data<AppState>, req: HttpRequest, id: Path<i64>) -> Result<HttpResponse, ApiError> {
    let banner = banner(&state, id.into_inner()).await?;
    let at = state.stats.clock().now();
    let counts = click_outcome(&banner, at)?;
    let from_cookie = visitor_cookie(&req);
    // Without the cookie the address and user agent stand for the visitor, and the cookie
    // set now carries the same key, so the next click is the same visitor.
    let visitor = from_cookie.clone().unwrap_or_else(|| {
        let ip = crate::client::client_ip(&req, &state.settings.trusted_proxies).map(|ip| ip.to_string());
        crate::client::keyed_hash(
            &state.address_secret,
            &["banner visitor", &ip.unwrap_or_default(), crate::client::user_agent(&req)],
        )
    });
    let referrer = req.headers().get(header::REFERER).and_then(|v| v.to_str().ok());
    let reader = Reader::of(&req, &state, Some(&visitor), referrer, at);
    if counts && reader.kind != VisitorKind::Bot {
        state.stats.record_click(Click {
            banner_id: banner.id,
            day: reader.day,
            visitor_key: reader.visitor_key.to_string(),
            dimensions: reader.dimensions,
        });
    }
    let mut response = HttpResponse::Found();
    response.insert_header((header::LOCATION, banner.target_url)).insert_header((header::CACHE_CONTROL, "no-store"));
    if from_cookie.is_none() {
        let secure = if req.connection_info().scheme() == "https" { "; Secure" } else { "" };
        response.insert_header((
            header::SET_COOKIE,
            format!(
                "{VISITOR_COOKIE}={visitor}; Path=/api/v1/banners; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}"
            ),
        ));
    }
    Ok(response.finish())
}

/// The visitor cookie's value, when the request has a well-formed one (a keyed hash).
fn visitor_cookie(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == VISITOR_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 32 && v.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The banners a frontend showed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpressionsInput {
    /// 1 to 50 banner ids.
    #[schema(min_items = 1, max_items = 50)]
    pub banner_ids: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpressionsAccepted {
    #[schema(example = "accepted")]
    pub status: &'static str,
}

/// Report the banners a page showed (public), for click-through rates. Counted in memory
/// and written within a second, like hits; crawlers are not counted; ids of unknown
/// banners are dropped.
#[utoipa::path(
    tag = "banners",
    request_body = ImpressionsInput,
    responses((status = 202, description = "Recorded", body = ImpressionsAccepted),
              BadRequest, PayloadTooLarge, UnsupportedMediaType)
)]
#[post("/banners/impressions")]
pub async fn impressions(
    state: Data<AppState>,
    req: HttpRequest,
    body: ApiJson<ImpressionsInput>,
) -> Result<HttpResponse, ApiError> {
    let ids = body.0.banner_ids;
    if ids.is_empty() || ids.len() > 50 {
        return Err(ApiError::field("banner_ids", "must hold 1 to 50 ids"));
    }
    if ids.iter().any(|id| *id <= 0) {
        return Err(ApiError::field("banner_ids", "must be positive ids"));
    }
    let at = state.stats.clock().now();
    let reader = Reader::of(&req, &state, None, None, at);
    if reader.kind != VisitorKind::Bot {
        state.stats.record_impressions(&ids, &reader.day);
    }
    Ok(HttpResponse::Accepted().json(ImpressionsAccepted { status: "accepted" }))
}
