//! `POST /api/v1/stats/hits`: a frontend reports a page view; it is classified, keyed and
//! handed to the collector, never waiting on the database.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::batch::Hit;
use super::reader::Reader;
use crate::client;
use crate::error::ApiError;
use crate::error::responses::{BadRequest, PayloadTooLarge, UnsupportedMediaType};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::validation::{Checks, Lines, MAX_URL_LENGTH};

/// One page view reported by a frontend.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HitInput {
    /// The page's path, starting with `/`.
    #[schema(
        example = "/tin-tuc/ket-qua-thuc-hien-phong-trao-thi-dua-dan-van-kheo",
        pattern = "^/\\S*$",
        max_length = 2048
    )]
    pub path: String,
    /// The article shown, for article pages.
    #[schema(minimum = 1)]
    pub article_id: Option<i64>,
    /// The page the reader came from (absolute http or https URL).
    #[schema(max_length = 2048, pattern = "^\\s*([Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#].*)?$")]
    pub referrer: Option<String>,
    /// The frontend's anonymous visitor id (or send `X-Visitor-Id`).
    #[schema(min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")]
    pub visitor_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HitAccepted {
    #[schema(example = "accepted")]
    pub status: &'static str,
}

/// Record a page view (public). It is counted in memory and written within a second;
/// the answer never waits for the database.
#[utoipa::path(
    tag = "stats",
    params(("X-Visitor-Id" = Option<String>, Header, description = "The reader's anonymous visitor id", min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")),
    request_body = HitInput,
    responses((status = 202, description = "Recorded", body = HitAccepted),
              BadRequest, PayloadTooLarge, UnsupportedMediaType)
)]
#[post("/stats/hits")]
pub async fn record_hit(
    state: Data<AppState>,
    req: HttpRequest,
    body: ApiJson<HitInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let mut checks = Checks::new();
    let path = checks.text("path", &input.path, MAX_URL_LENGTH, Lines::Single);
    if !path.starts_with('/') || path.contains(char::is_whitespace) {
        checks.error("path", "must be a path starting with / and without spaces");
    }
    let referrer = checks.optional_url("referrer", input.referrer.as_deref());
    if input.article_id.is_some_and(|id| id <= 0) {
        checks.error("article_id", "must be a positive id");
    }
    checks.finish()?;
    let visitor_id = client::visitor_id(&req, input.visitor_id.as_deref())?;
    let at = state.stats.clock().now();
    let reader = Reader::of(&req, &state, visitor_id, referrer.as_deref(), at);
    state.stats.record(Hit {
        at,
        visitor_key: reader.visitor_key,
        kind: reader.kind,
        dimensions: reader.dimensions,
        article_id: input.article_id,
    });
    Ok(HttpResponse::Accepted().json(HitAccepted { status: "accepted" }))
}
