//! The OpenAPI document: metadata, and the problem responses every operation refers to.

use utoipa::openapi::OpenApi;
use utoipa::{IntoResponses, OpenApi as _};

use crate::error::Problem;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "newsdesk",
        description = "Headless content API for news portals: articles, news sources, reader ratings and visit statistics. \
                       Every error is an RFC 9457 problem document (`application/problem+json`).",
        license(name = "MIT", identifier = "MIT")
    ),
    tags(
        (name = "articles", description = "News articles and their publication"),
        (name = "sources", description = "News sources (\"Nguồn tin\")"),
        (name = "ops", description = "Health and readiness probes")
    ),
    components(schemas(Problem))
)]
struct ApiDoc;

/// The base document the routes are collected into.
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// The input is malformed JSON, has wrong types or unknown fields, or fails validation.
#[derive(IntoResponses)]
#[response(status = 400, content_type = "application/problem+json")]
pub struct BadRequest(#[allow(dead_code)] Problem);

/// No such resource (or it is not visible to the caller).
#[derive(IntoResponses)]
#[response(status = 404, content_type = "application/problem+json")]
pub struct NotFound(#[allow(dead_code)] Problem);

/// The request conflicts with the current state (a unique value is taken, or the resource is in use).
#[derive(IntoResponses)]
#[response(status = 409, content_type = "application/problem+json")]
pub struct Conflict(#[allow(dead_code)] Problem);

/// The request body is larger than the configured limit.
#[derive(IntoResponses)]
#[response(status = 413, content_type = "application/problem+json")]
pub struct PayloadTooLarge(#[allow(dead_code)] Problem);

/// The request body is not JSON.
#[derive(IntoResponses)]
#[response(status = 415, content_type = "application/problem+json")]
pub struct UnsupportedMediaType(#[allow(dead_code)] Problem);

/// The database is unreachable or saturated; retry later.
#[derive(IntoResponses)]
#[response(status = 503, content_type = "application/problem+json")]
pub struct Unavailable(#[allow(dead_code)] Problem);
