//! Request extractors whose failures are problem documents with field-level detail.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{self, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// The largest request body the API accepts, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body. Unlike `web::Json` it names the offending field of a type
/// error (`cover_image.url: invalid type ...`), and answers 413 / 415 as problems.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json_body(req, payload, false);
        Box::pin(async move { parse_json(&body.await?).map(ApiJson) })
    }
}

/// A JSON body that may be left out altogether (an empty body); when sent, it is checked
/// as strictly as `ApiJson`.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json_body(req, payload, true);
        Box::pin(async move {
            let body = body.await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            parse_json(&body).map(|value| OptionalJson(Some(value)))
        })
    }
}

/// The request body, within the limit, from a JSON request; an empty body needs no
/// content type when `may_be_empty`.
fn read_json_body(
    req: &HttpRequest,
    payload: &mut Payload,
    may_be_empty: bool,
) -> LocalBoxFuture<'static, Result<BytesMut, ApiError>> {
    let limit = req.app_data::<BodyLimit>().map_or(1024 * 1024, |limit| limit.0);
    let is_json = is_json_content_type(req);
    let declared_length =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let mut payload = payload.take();
    let not_json =
        || ApiError::UnsupportedMediaType("The request body must be JSON (Content-Type: application/json).".into());
    Box::pin(async move {
        if !is_json && !may_be_empty {
            return Err(not_json());
        }
        let too_large = || ApiError::PayloadTooLarge(format!("The request body exceeds {limit} bytes."));
        if declared_length.is_some_and(|length| length > limit as u64) {
            return Err(too_large());
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        if !is_json && !body.iter().all(u8::is_ascii_whitespace) {
            return Err(not_json());
        }
        Ok(body)
    })
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON document, reporting type errors against the path of the field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest("The request body is empty; a JSON object is expected.".into()));
    }
    // Every body is an object; serde would otherwise also read a struct from an array of
    // its fields in order (`[null, null]`), which no client means.
    if body.trim_ascii_start().first() != Some(&b'{') && serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        return Err(ApiError::BadRequest("The request body must be a JSON object.".into()));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        json_error(&path, e.into_inner())
    })?;
    deserializer.end().map_err(|e| ApiError::BadRequest(format!("Malformed JSON: {}", without_position(&e))))?;
    Ok(value)
}

fn json_error(path: &str, error: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let message = without_position(&error);
    match error.classify() {
        Category::Data => {
            let parent = if path == "." { "" } else { path };
            // serde reports missing and unknown fields at the enclosing object; name the field itself.
            let named = ["missing field `", "unknown field `"]
                .iter()
                .find_map(|prefix| message.strip_prefix(prefix))
                .and_then(|rest| rest.split('`').next());
            let field = match (named, parent) {
                // Unknown fields are already part of the path.
                (Some(name), parent) if parent.rsplit('.').next() == Some(name) => parent.to_owned(),
                (Some(name), "") => name.to_owned(),
                (Some(name), parent) => format!("{parent}.{name}"),
                (None, "") => "body".to_owned(),
                (None, parent) => parent.to_owned(),
            };
            ApiError::Validation(vec![FieldError::new(field, message)])
        }
        Category::Syntax | Category::Eof | Category::Io => ApiError::BadRequest(format!("Malformed JSON: {message}")),
    }
}

fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| ApiError::BadRequest(format!("Invalid query string: {err}")).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _req| ApiError::BadRequest(format!("Invalid path parameter: {err}")).into())
}

/// For PATCH bodies: tells a field that is absent (`None`, leave as is) from one set to
/// `null` (`Some(None)`, clear it). Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}
