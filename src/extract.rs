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

/// A query string. Unlike `web::Query`, a value that does not parse names its parameter
/// in `errors[]`, in words a client understands ("must be an integer").
pub struct ApiQuery<T>(pub T);

impl<T> ApiQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for ApiQuery<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

/// Parses a query string into `T`, naming the parameter of any error.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let named = ["missing field `", "duplicate field `"]
            .iter()
            .find_map(|prefix| message.strip_prefix(prefix))
            .and_then(|rest| rest.split('`').next());
        let field = match named {
            Some(name) => name.to_owned(),
            None if path == "." => "query".to_owned(),
            None => path,
        };
        ApiError::Validation(vec![FieldError::new(field, plain_words(&message))])
    })
}

/// A parse error of one value, in words that name no Rust type.
fn plain_words(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.starts_with("missing field") {
        return "is required".into();
    }
    if lower.starts_with("duplicate field") {
        return "is given more than once".into();
    }
    if let Some(rest) = message.strip_prefix("unknown variant ")
        && let Some((_, expected)) = rest.split_once("expected ")
    {
        let choices = expected.trim_start_matches("one of ").replace('`', "");
        return format!("must be one of: {choices}");
    }
    let integer =
        ["invalid digit", "cannot parse integer", "number too large", "number too small", "expected i", "expected u"];
    if integer.iter().any(|marker| lower.contains(marker)) {
        return "must be an integer".into();
    }
    if lower.contains("float") || lower.contains("expected f") {
        return "must be a number".into();
    }
    if lower.contains("`true` or `false`") || lower.contains("expected a boolean") {
        return "must be true or false".into();
    }
    let time = [
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "out of range",
        "not enough",
        "impossible",
        "invalid date",
    ];
    if time.iter().any(|marker| lower.contains(marker)) {
        return "must be a date (2026-11-27) or an RFC 3339 time (2026-11-27T08:00:00Z) as the parameter says".into();
    }
    "is not a valid value".into()
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, req| {
        // Only numeric path parameters can fail to parse: name the ones that are not numbers.
        let errors: Vec<FieldError> = req
            .match_info()
            .iter()
            .filter(|(_, value)| value.parse::<i64>().is_err())
            .map(|(name, _)| FieldError::new(name, "must be an integer"))
            .collect();
        if errors.is_empty() {
            ApiError::BadRequest("A path parameter is not valid.".into()).into()
        } else {
            ApiError::Validation(errors).into()
        }
    })
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
