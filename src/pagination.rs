//! Page-numbered lists: limits, the `meta` block, and `X-Total-Count` / `Link` headers.

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::validation::Checks;

pub const DEFAULT_PER_PAGE: i64 = 20;
pub const MAX_PER_PAGE: i64 = 100;
/// Deeper page numbers are refused: past this, clients should use cursors.
pub const MAX_PAGE: i64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    pub fn check(page: Option<i64>, per_page: Option<i64>, checks: &mut Checks) -> Self {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PAGE).contains(&page) {
            checks.error("page", format!("must be between 1 and {MAX_PAGE}"));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            checks.error("per_page", format!("must be between 1 and {MAX_PER_PAGE}"));
        }
        Self { page: page.clamp(1, MAX_PAGE), per_page: per_page.clamp(1, MAX_PER_PAGE) }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

/// A page by id, newest first (the audit log, webhook deliveries): `per_page` (1 to 100,
/// default 50) and the cursor `list` gave out, checked; returns the page size and the id
/// the page starts below.
pub fn id_page(per_page: Option<i64>, cursor: Option<&str>, list: &str, checks: &mut Checks) -> (i64, Option<i64>) {
    let (per_page, keys) = keyset_page(per_page, cursor, list, 1, checks);
    (per_page, keys.map(|keys| keys[0]))
}

/// A page after the item whose sort keys (`width` of them, the last its id) the cursor
/// `list` gave out holds: `per_page` (1 to 100, default 50) and the cursor, checked.
pub fn keyset_page(
    per_page: Option<i64>,
    cursor: Option<&str>,
    list: &str,
    width: usize,
    checks: &mut Checks,
) -> (i64, Option<Vec<i64>>) {
    let per_page = per_page.unwrap_or(50);
    if !(1..=100).contains(&per_page) {
        checks.error("per_page", "must be between 1 and 100");
    }
    let keys = cursor.map(str::trim).filter(|c| !c.is_empty()).and_then(|text| {
        let keys = decode_keyset_cursor(list, text, width);
        if keys.is_none() {
            checks.error("cursor", "is not a cursor this list gave out");
        }
        keys
    });
    (per_page, keys)
}

/// The cursor of the page after the one ending at `id`.
pub fn id_cursor(list: &str, id: i64) -> String {
    keyset_cursor(list, &[id])
}

/// The cursor of the page after the one ending at the item with these sort keys.
pub fn keyset_cursor(list: &str, keys: &[i64]) -> String {
    let keys: Vec<String> = keys.iter().map(i64::to_string).collect();
    URL_SAFE_NO_PAD.encode(format!("{list}:{}", keys.join(":")))
}

fn decode_keyset_cursor(list: &str, text: &str, width: usize) -> Option<Vec<i64>> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let keys: Vec<i64> =
        text.strip_prefix(list)?.strip_prefix(':')?.split(':').map(str::parse).collect::<Result<_, _>>().ok()?;
    Some(keys).filter(|keys| keys.len() == width && keys.iter().all(|key| *key >= 0) && keys[width - 1] > 0)
}

/// The paging parameters of a list with no filters of its own.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

impl PageQuery {
    pub fn paging(&self) -> Result<Paging, ApiError> {
        let mut checks = Checks::new();
        let paging = Paging::check(self.page, self.per_page, &mut checks);
        checks.finish()?;
        Ok(paging)
    }
}

/// Where a list stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListMeta {
    /// The page number; null when paging by cursor.
    pub page: Option<i64>,
    pub per_page: i64,
    /// Items matching the filters, over all pages; null when not counted (`count=false`).
    pub total: Option<i64>,
    pub total_pages: Option<i64>,
    /// Opaque cursor of the next page (pass as `cursor`); null on the last page.
    pub next_cursor: Option<String>,
}

/// A page of items.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    pub data: Vec<T>,
    pub meta: ListMeta,
}

impl<T: Serialize> ListResponse<T> {
    pub fn new(data: Vec<T>, paging: Paging, total: i64) -> Self {
        Self::paged(data, Some(paging.page), paging.per_page, Some(total), None)
    }

    /// A page by number (`page`) or by cursor (`page` is `None`).
    pub fn paged(
        data: Vec<T>,
        page: Option<i64>,
        per_page: i64,
        total: Option<i64>,
        next_cursor: Option<String>,
    ) -> Self {
        let total_pages = total.map(|total| (total + per_page - 1) / per_page);
        Self { data, meta: ListMeta { page, per_page, total, total_pages, next_cursor } }
    }

    /// The JSON body with `X-Total-Count` and an RFC 8288 `Link` header (first, prev, next, last).
    pub fn respond(self, req: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        if let Some(total) = self.meta.total {
            response.insert_header(("X-Total-Count", total.to_string()));
        }
        let link = link_header(req, &self.meta);
        if !link.is_empty() {
            response.insert_header(("Link", link));
        }
        response.json(self)
    }
}

fn link_header(req: &HttpRequest, meta: &ListMeta) -> String {
    let others: Vec<&str> = req
        .query_string()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("page=") && !pair.starts_with("cursor="))
        .collect();
    let url = |param: String| {
        let mut query = others.clone();
        query.push(&param);
        format!("<{}?{}>", req.path(), query.join("&"))
    };
    let mut links = Vec::new();
    match meta.page {
        Some(page) => {
            links.push(format!("{}; rel=\"first\"", url("page=1".into())));
            if let Some(total_pages) = meta.total_pages {
                let last = total_pages.max(1);
                links.push(format!("{}; rel=\"last\"", url(format!("page={last}"))));
                if page > 1 {
                    links.push(format!("{}; rel=\"prev\"", url(format!("page={}", (page - 1).min(last)))));
                }
            }
            let more = meta.total_pages.map_or(meta.next_cursor.is_some(), |total_pages| page < total_pages);
            if more {
                links.push(format!("{}; rel=\"next\"", url(format!("page={}", page + 1))));
            }
        }
        None => {
            if let Some(cursor) = &meta.next_cursor {
                links.push(format!("{}; rel=\"next\"", url(format!("cursor={cursor}"))));
            }
        }
    }
    links.join(", ")
}

/// List totals by filter, remembered for a few seconds: counting every matching row is
/// the costly part of a list page. A write in this process clears it; other processes'
/// writes show after at most the time to live.
pub struct CountCache {
    ttl: std::time::Duration,
    totals: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, i64)>>,
}

impl CountCache {
    /// Above this many remembered filters, the cache starts over.
    const MAX_ENTRIES: usize = 10_000;

    pub fn new(ttl: std::time::Duration) -> Self {
        Self { ttl, totals: Default::default() }
    }

    pub fn get(&self, key: &str) -> Option<i64> {
        let totals = self.totals.lock().unwrap_or_else(|p| p.into_inner());
        totals.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, total)| *total)
    }

    pub fn put(&self, key: String, total: i64) {
        let mut totals = self.totals.lock().unwrap_or_else(|p| p.into_inner());
        if totals.len() >= Self::MAX_ENTRIES {
            totals.clear();
        }
        totals.insert(key, (std::time::Instant::now(), total));
    }

    pub fn clear(&self) {
        self.totals.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
