//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::DatabaseErrorKind;
use serde::Serialize;
use utoipa::ToSchema;

pub mod responses;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:newsdesk:problem:validation",
    "title": "Invalid input",
    "status": 400,
    "detail": "The request has 1 invalid field.",
    "errors": [{"field": "title", "message": "must not be empty"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// One entry per invalid field, when the input failed validation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Why one input field was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's path in the input, e.g. `cover_image.url`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or credentials that are not valid (expired, tampered, revoked).
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials without the right to do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The path exists, but not with this method; `allow` lists the methods it has.
    #[error("{detail}")]
    MethodNotAllowed { detail: String, allow: String },
    #[error("{detail}")]
    Conflict { detail: String, errors: Vec<FieldError> },
    /// `If-Match` names a version that is no longer current; `etag` is the current one.
    #[error("{detail}")]
    PreconditionFailed { detail: String, etag: String },
    /// The write must name the version it changes (`If-Match`).
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// It was here and is not any more, for good.
    #[error("{0}")]
    Gone(String),
    /// The one byte range asked for lies outside a file of `length` bytes.
    #[error("The range is outside the file's {length} bytes.")]
    RangeNotSatisfiable { length: u64 },
    /// Understood, but not usable: a corrupt, truncated or oversized image.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after_seconds: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// Saturated for now: try again after `retry_after_seconds`.
    #[error("{detail}")]
    Busy { detail: String, retry_after_seconds: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Conflict { detail: message.clone(), errors: vec![FieldError::new(field, message)] }
    }

    /// The server failed, not the request: the database went away or broke the query.
    pub fn is_server_side(&self) -> bool {
        matches!(self, Self::Internal(_) | Self::Unavailable(_))
    }

    /// The problem in one line, field errors included, for the command line and logs.
    pub fn describe(&self) -> String {
        if let Self::Internal(cause) = self {
            return cause.clone();
        }
        let problem = self.to_problem();
        let fields: Vec<String> = problem.errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        if fields.is_empty() { problem.detail } else { format!("{} {}", problem.detail, fields.join("; ")) }
    }

    fn problem_type(&self) -> &'static str {
        match self {
            Self::Validation(_) => "urn:newsdesk:problem:validation",
            Self::BadRequest(_) => "urn:newsdesk:problem:bad-request",
            Self::Unauthorized(_) => "urn:newsdesk:problem:unauthorized",
            Self::Forbidden(_) => "urn:newsdesk:problem:forbidden",
            Self::NotFound(_) => "urn:newsdesk:problem:not-found",
            Self::MethodNotAllowed { .. } => "urn:newsdesk:problem:method-not-allowed",
            Self::Conflict { .. } => "urn:newsdesk:problem:conflict",
            Self::PreconditionFailed { .. } => "urn:newsdesk:problem:precondition-failed",
            Self::PreconditionRequired(_) => "urn:newsdesk:problem:precondition-required",
            Self::PayloadTooLarge(_) => "urn:newsdesk:problem:payload-too-large",
            Self::UnsupportedMediaType(_) => "urn:newsdesk:problem:unsupported-media-type",
            Self::TooManyRequests { .. } => "urn:newsdesk:problem:too-many-requests",
            Self::Unavailable(_) | Self::Busy { .. } => "urn:newsdesk:problem:unavailable",
            Self::Unprocessable(_) => "urn:newsdesk:problem:unprocessable",
            Self::RangeNotSatisfiable { .. } => "urn:newsdesk:problem:range-not-satisfiable",
            Self::Gone(_) => "urn:newsdesk:problem:gone",
            Self::Internal(_) => "urn:newsdesk:problem:internal",
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            Self::Validation(errors) => (
                match errors.len() {
                    1 => "The request has 1 invalid field.".to_owned(),
                    n => format!("The request has {n} invalid fields."),
                },
                errors.clone(),
            ),
            Self::Conflict { detail, errors } => (detail.clone(), errors.clone()),
            // Internal details go to the log, never to the client.
            Self::Internal(_) => ("The server could not complete the request.".into(), vec![]),
            other => (other.to_string(), vec![]),
        };
        Problem {
            problem_type: self.problem_type().to_owned(),
            title: match self {
                Self::Validation(_) => "Invalid input".to_owned(),
                _ => status.canonical_reason().unwrap_or("Error").to_owned(),
            },
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Gone(_) => StatusCode::GONE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // An internal cause is logged with the request's id by the server's middleware.
        let mut response = problem_response(&self.to_problem());
        let headers = response.headers_mut();
        match self {
            Self::Unauthorized(detail) => {
                let challenge = format!(
                    "Bearer realm=\"newsdesk\", error=\"invalid_token\", error_description=\"{}\"",
                    detail.replace(['"', '\\'], "'")
                );
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    headers.insert(header::WWW_AUTHENTICATE, value);
                }
            }
            Self::TooManyRequests { retry_after_seconds, .. } | Self::Busy { retry_after_seconds, .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_seconds));
            }
            Self::MethodNotAllowed { allow, .. } => {
                if let Ok(value) = HeaderValue::from_str(allow) {
                    headers.insert(header::ALLOW, value);
                }
            }
            Self::RangeNotSatisfiable { length } => {
                if let Ok(value) = HeaderValue::from_str(&format!("bytes */{length}")) {
                    headers.insert(header::CONTENT_RANGE, value);
                }
            }
            Self::PreconditionFailed { etag, .. } => {
                if let Ok(value) = HeaderValue::from_str(etag) {
                    headers.insert(header::ETAG, value);
                }
            }
            _ => {}
        }
        response
    }
}

pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header((header::RETRY_AFTER, "1"));
    }
    response.json(problem)
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::Error;
        match e {
            Error::NotFound => Self::NotFound("not found".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => Self::Conflict {
                detail: format!("a record with the same unique value exists ({})", info.message()),
                errors: vec![],
            },
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => Self::Conflict {
                detail: "the record is referenced by, or refers to, another record".into(),
                errors: vec![],
            },
            // SQLite under write contention beyond the busy timeout: worth a retry, not a 500.
            Error::DatabaseError(_, info) if info.message().contains("database is locked") => {
                log::warn!("database busy: {}", info.message());
                Self::Unavailable("The database is busy; try again.".into())
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        log::warn!("no database connection available: {e}");
        Self::Unavailable("The database is busy or unreachable; try again.".into())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(e.to_string())
    }
}
