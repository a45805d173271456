//! Page-numbered lists: limits, the `meta` block, and `X-Total-Count` / `Link` headers.

use actix_web::HttpRequest;
use actix_web::HttpResponse;
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
    pub page: i64,
    pub per_page: i64,
    /// Items matching the filters, over all pages.
    pub total: i64,
    pub total_pages: i64,
    /// Opaque cursor of the next page in keyset paging; null when there is none.
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
        Self {
            data,
            meta: ListMeta {
                page: paging.page,
                per_page: paging.per_page,
                total,
                total_pages: (total + paging.per_page - 1) / paging.per_page,
                next_cursor: None,
            },
        }
    }

    /// The JSON body with `X-Total-Count` and an RFC 8288 `Link` header (first, prev, next, last).
    pub fn respond(self, req: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        response.insert_header(("X-Total-Count", self.meta.total.to_string()));
        let link = link_header(req, &self.meta);
        if !link.is_empty() {
            response.insert_header(("Link", link));
        }
        response.json(self)
    }
}

fn link_header(req: &HttpRequest, meta: &ListMeta) -> String {
    let others: Vec<&str> =
        req.query_string().split('&').filter(|pair| !pair.is_empty() && !pair.starts_with("page=")).collect();
    let url = |page: i64| {
        let mut query = others.clone();
        let page = format!("page={page}");
        query.push(&page);
        format!("<{}?{}>", req.path(), query.join("&"))
    };
    let last = meta.total_pages.max(1);
    let mut links = vec![format!("{}; rel=\"first\"", url(1)), format!("{}; rel=\"last\"", url(last))];
    if meta.page > 1 {
        links.push(format!("{}; rel=\"prev\"", url((meta.page - 1).min(last))));
    }
    if meta.page < meta.total_pages {
        links.push(format!("{}; rel=\"next\"", url(meta.page + 1)));
    }
    links.join(", ")
}
