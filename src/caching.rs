//! HTTP caching of public reads: a weak `ETag` on every successful GET, `304 Not
//! Modified` for a matching `If-None-Match`, and `Cache-Control`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpResponse};
use sha2::{Digest, Sha256};

/// What the request said that caching depends on.
pub struct CacheRequest {
    cacheable: bool,
    if_none_match: Option<String>,
    authenticated: bool,
}

impl CacheRequest {
    pub fn of(req: &actix_web::dev::ServiceRequest) -> Self {
        let path = req.path();
        Self {
            cacheable: matches!(*req.method(), Method::GET | Method::HEAD)
                && (path.starts_with("/api/") || path == "/openapi.json"),
            if_none_match: req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned),
            authenticated: req.headers().contains_key(header::AUTHORIZATION),
        }
    }
}

/// Adds the validators and cache headers to a response, or turns it into a 304.
pub async fn finish(
    response: ServiceResponse<BoxBody>,
    request: CacheRequest,
    max_age: u32,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !request.cacheable || response.status() != StatusCode::OK {
        return Ok(response);
    }
    let (req, res) = response.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        // A streamed body is left as it is (none of the API's are).
        Err(body) => return Ok(ServiceResponse::new(req, head.set_body(body))),
    };
    let digest = Sha256::digest(&bytes);
    let etag = format!("W/\"{}\"", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let headers = head.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        let policy =
            if request.authenticated { "private, no-cache".to_owned() } else { format!("public, max-age={max_age}") };
        if let Ok(value) = HeaderValue::from_str(&policy) {
            headers.insert(header::CACHE_CONTROL, value);
        }
    }
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding, Authorization"));
    let matches = request
        .if_none_match
        .as_deref()
        .is_some_and(|list| list.trim() == "*" || list.split(',').any(|tag| weak_eq(tag.trim(), &etag)));
    if matches {
        let mut not_modified = HttpResponse::NotModified();
        for (name, value) in head.headers().iter() {
            if [header::ETAG, header::CACHE_CONTROL, header::VARY, header::LAST_MODIFIED].contains(name) {
                not_modified.insert_header((name.clone(), value.clone()));
            }
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(bytes))))
}

/// Weak comparison (RFC 9110): the tags are equal ignoring `W/`.
fn weak_eq(a: &str, b: &str) -> bool {
    a.trim_start_matches("W/") == b.trim_start_matches("W/")
}

/// Public responses kept in memory for a moment, so that a popular article or the
/// statistics block is built once per interval instead of once per reader. Writes in
/// this process clear it; changes made elsewhere show after at most the time to live.
pub struct ResponseCache {
    ttl: std::time::Duration,
    entries: std::sync::Mutex<std::collections::HashMap<String, CachedResponse>>,
}

#[derive(Clone)]
pub struct CachedResponse {
    stored: std::time::Instant,
    pub body: actix_web::web::Bytes,
    pub last_modified: Option<String>,
}

impl ResponseCache {
    /// About 10 MB of article responses: enough for the articles being read right now.
    const MAX_ENTRIES: usize = 2_000;

    pub fn new(ttl: std::time::Duration) -> Self {
        Self { ttl, entries: Default::default() }
    }

    pub fn get(&self, key: &str) -> Option<CachedResponse> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(key).filter(|e| e.stored.elapsed() < self.ttl).cloned()
    }

    pub fn put(&self, key: String, body: actix_web::web::Bytes, last_modified: Option<String>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, e| e.stored.elapsed() < ttl);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, CachedResponse { stored: std::time::Instant::now(), body, last_modified });
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    pub fn forget(&self, keys: &[String]) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            entries.remove(key);
        }
    }

    /// The keys a public article is cached under.
    pub fn article_keys(id: i64, slug: &str) -> [String; 2] {
        [format!("article-id:{id}"), format!("article-slug:{slug}")]
    }

    /// The JSON response for a cached entry.
    pub fn respond(entry: CachedResponse) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        response.content_type("application/json");
        if let Some(modified) = entry.last_modified {
            response.insert_header((header::LAST_MODIFIED, modified));
        }
        response.body(entry.body)
    }
}
