//! The problem responses operations list in their OpenAPI `responses`: one type per status,
//! each documented as a `Problem` body.

use utoipa::IntoResponses;

use super::Problem;

/// The input is malformed JSON, has wrong types or unknown fields, or fails validation.
#[derive(IntoResponses)]
#[response(status = 400, content_type = "application/problem+json")]
pub struct BadRequest(#[allow(dead_code)] Problem);

/// No valid credentials: send `Authorization: Bearer <token>` (an access token from
/// `/api/v1/auth/login` or an API token).
#[derive(IntoResponses)]
#[response(status = 401, content_type = "application/problem+json",
           headers(("WWW-Authenticate" = String, description = "The Bearer challenge")))]
pub struct Unauthorized(#[allow(dead_code)] Problem);

/// The credentials are valid but do not allow this.
#[derive(IntoResponses)]
#[response(status = 403, content_type = "application/problem+json")]
pub struct Forbidden(#[allow(dead_code)] Problem);

/// Too many attempts; wait as long as `Retry-After` says.
#[derive(IntoResponses)]
#[response(status = 429, content_type = "application/problem+json",
           headers(("Retry-After" = u64, description = "Seconds to wait")))]
pub struct TooManyRequests(#[allow(dead_code)] Problem);

/// No such resource (or it is not visible to the caller).
#[derive(IntoResponses)]
#[response(status = 404, content_type = "application/problem+json")]
pub struct NotFound(#[allow(dead_code)] Problem);

/// The request conflicts with the current state (a unique value is taken, or the resource is in use).
#[derive(IntoResponses)]
#[response(status = 409, content_type = "application/problem+json")]
pub struct Conflict(#[allow(dead_code)] Problem);

/// `If-Match` names a version that is no longer current: someone else changed the
/// resource. Nothing was changed; `ETag` is the current version.
#[derive(IntoResponses)]
#[response(status = 412, content_type = "application/problem+json",
           headers(("ETag" = String, description = "The current version")))]
pub struct PreconditionFailed(#[allow(dead_code)] Problem);

/// This server requires `If-Match` on the write (`NEWSDESK_REQUIRE_IF_MATCH`).
#[derive(IntoResponses)]
#[response(status = 428, content_type = "application/problem+json")]
pub struct PreconditionRequired(#[allow(dead_code)] Problem);

/// The request body is larger than the configured limit.
#[derive(IntoResponses)]
#[response(status = 413, content_type = "application/problem+json")]
pub struct PayloadTooLarge(#[allow(dead_code)] Problem);

/// The request body is not JSON.
#[derive(IntoResponses)]
#[response(status = 415, content_type = "application/problem+json")]
pub struct UnsupportedMediaType(#[allow(dead_code)] Problem);

/// The file is not an image newsdesk accepts.
#[derive(IntoResponses)]
#[response(status = 415, content_type = "application/problem+json")]
pub struct UnsupportedImageType(#[allow(dead_code)] Problem);

/// The body was understood but cannot be used: a corrupt, truncated or oversized image.
#[derive(IntoResponses)]
#[response(status = 422, content_type = "application/problem+json")]
pub struct Unprocessable(#[allow(dead_code)] Problem);

/// It was here and is not any more.
#[derive(IntoResponses)]
#[response(status = 410, content_type = "application/problem+json")]
pub struct Gone(#[allow(dead_code)] Problem);

/// The byte range lies outside the file.
#[derive(IntoResponses)]
#[response(status = 416, content_type = "application/problem+json",
           headers(("Content-Range" = String, description = "`bytes */{length}`")))]
pub struct RangeNotSatisfiable(#[allow(dead_code)] Problem);

/// The image workers are busy (see `Retry-After`), or the database is unreachable.
#[derive(IntoResponses)]
#[response(status = 503, content_type = "application/problem+json",
           headers(("Retry-After" = u64, description = "Seconds to wait before trying again")))]
pub struct Busy(#[allow(dead_code)] Problem);

/// The database is unreachable or saturated; retry later.
#[derive(IntoResponses)]
#[response(status = 503, content_type = "application/problem+json")]
pub struct Unavailable(#[allow(dead_code)] Problem);
