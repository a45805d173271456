//! Optimistic concurrency: writes name the version they change with `If-Match`, and a
//! stale version gets 412 instead of silently overwriting someone else's work.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use crate::error::ApiError;

/// The request's `If-Match` header, if it sent one.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<String>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let values: Vec<&str> = req.headers().get_all(header::IF_MATCH).filter_map(|v| v.to_str().ok()).collect();
        ready(Ok(Self((!values.is_empty()).then(|| values.join(",")))))
    }
}

impl IfMatch {
    pub fn is_present(&self) -> bool {
        self.0.is_some()
    }

    /// Checks the header against the resource's current strong `etag`. Without the header
    /// the write goes ahead unless `required`; `stale` says who changed what, for the 412.
    pub fn check(&self, etag: &str, required: bool, stale: impl FnOnce() -> String) -> Result<(), ApiError> {
        let Some(list) = &self.0 else {
            return if required {
                Err(ApiError::PreconditionRequired(
                    "Send If-Match with the ETag of the version you are changing.".into(),
                ))
            } else {
                Ok(())
            };
        };
        // Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
        let matches = list.split(',').map(str::trim).any(|tag| tag == "*" || (!tag.starts_with("W/") && tag == etag));
        if matches { Ok(()) } else { Err(ApiError::PreconditionFailed { detail: stale(), etag: etag.to_owned() }) }
    }
}

/// The strong entity tag of a version number.
pub fn version_tag(prefix: &str, version: impl std::fmt::Display) -> String {
    format!("\"{prefix}{version}\"")
}
