//! HTTP caching of public reads: a weak `ETag` on every successful GET, `304 Not
//! Modified` for a matching `If-None-Match`, and `Cache-Control`.

use std::fmt::Write;

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
    let headers = head.headers_mut();
    if !headers.contains_key(SURROGATE_KEY)
        && let Some(keys) = crate::middleware::route_of(&req).and_then(|route| route_keys(&route, req.match_info()))
        && let Ok(value) = HeaderValue::from_str(&keys)
    {
        headers.insert(SURROGATE_KEY, value);
    }
    if let Some(keys) = headers.get(SURROGATE_KEY).and_then(|v| v.to_str().ok()).map(|keys| keys.replace(' ', ","))
        && let Ok(value) = HeaderValue::from_str(&keys)
    {
        headers.insert(header::HeaderName::from_static("cache-tag"), value);
    }
    // Responses from the response cache carry the tag computed when they were kept.
    let etag = match headers.get(header::ETAG) {
        Some(kept) => kept.clone(),
        None => {
            let computed = etag_of(&bytes);
            headers.insert(header::ETAG, computed.clone());
            computed
        }
    };
    let etag = etag.to_str().unwrap_or_default().to_owned();
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

/// The cache keys a response depends on, space-separated (Varnish xkey, Fastly); sent
/// again comma-separated as `Cache-Tag` (Cloudflare). A change purges exactly the keys
/// whose content it changed.
pub const SURROGATE_KEY: header::HeaderName = header::HeaderName::from_static("surrogate-key");

/// The keys of a public GET by its route, for the routes whose handlers do not name them:
/// lists and feeds depend on `articles`, one source on `source-{id}`, and so on.
fn route_keys(route: &str, path: &actix_web::dev::Path<actix_web::dev::Url>) -> Option<String> {
    let id = || path.get("id").unwrap_or_default().to_owned();
    let keys = match route.strip_prefix("/api/v1")? {
        "/articles/top" => "articles stats".to_owned(),
        "/articles/{id}/ratings/summary" | "/articles/{id}/comments" => format!("article-{}", id()),
        "/sources" => "sources".to_owned(),
        "/sources/{id}" => format!("source-{}", id()),
        "/categories" => "categories".to_owned(),
        "/categories/{id}" => format!("category-{}", id()),
        "/tags" => "tags".to_owned(),
        "/tags/{id}" => format!("tag-{}", id()),
        "/stats/summary" => "stats".to_owned(),
        other if other.starts_with("/articles") || other.starts_with("/feeds") || other.ends_with("/articles") => {
            "articles".to_owned()
        }
        _ => return None,
    };
    Some(keys)
}

/// The keys of an article page: the article, and what it embeds.
pub fn article_keys(id: i64, source: Option<i64>, category: Option<i64>, tags: &[i64]) -> String {
    let mut keys = format!("article-{id}");
    if let Some(source) = source {
        keys.push_str(&format!(" source-{source}"));
    }
    if let Some(category) = category {
        keys.push_str(&format!(" category-{category}"));
    }
    for tag in tags {
        keys.push_str(&format!(" tag-{tag}"));
    }
    keys
}

/// A weak entity tag of a body: part of its SHA-256, in hex.
fn etag_of(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let mut tag = String::with_capacity(28);
    tag.push_str("W/\"");
    for byte in &digest[..12] {
        let _ = write!(tag, "{byte:02x}");
    }
    tag.push('"');
    HeaderValue::from_str(&tag).expect("hex digits are a valid header value")
}

/// Whether the client asked for a response not taken from a cache (RFC 9111 `no-cache`):
/// the server's response cache is passed over, and refilled with the fresh answer.
pub fn wants_fresh(req: &actix_web::HttpRequest) -> bool {
    req.headers()
        .get_all(header::CACHE_CONTROL)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|directive| directive.trim().eq_ignore_ascii_case("no-cache"))
}

/// Weak comparison (RFC 9110): the tags are equal ignoring `W/`.
fn weak_eq(a: &str, b: &str) -> bool {
    a.trim_start_matches("W/") == b.trim_start_matches("W/")
}

/// Public responses kept in memory for a moment, so that a popular article, a list page
/// or the statistics block is built once per interval instead of once per reader. Writes
/// in this process clear it; changes made elsewhere show after at most the time to live.
///
/// When an entry goes stale, the first reader to ask rebuilds it while the others are
/// still given the stale one, so that the readers of a popular page do not all rebuild it
/// at once the moment it expires.
pub struct ResponseCache {
    ttl: std::time::Duration,
    entries: std::sync::Mutex<Entries>,
    /// Look-ups answered fresh, answered stale (while another reader rebuilds), missed.
    lookups: [std::sync::atomic::AtomicU64; 3],
}

#[derive(Default)]
struct Entries {
    by_key: std::collections::HashMap<String, CachedResponse>,
    bytes: usize,
}

#[derive(Clone)]
pub struct CachedResponse {
    stored: std::time::Instant,
    /// What the response was built for besides its key (the statistics clock's second);
    /// an entry asked for with another version is stale.
    version: i64,
    /// Older than it looks: the data under it changed (a statistics flush).
    expired: bool,
    /// When a reader set out to rebuild it.
    rebuilding_since: Option<std::time::Instant>,
    pub body: actix_web::web::Bytes,
    /// The headers that belong to the content (`Last-Modified`, `X-Total-Count`, `Link`).
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl ResponseCache {
    /// Enough for the articles and pages being read right now, and a bound on memory.
    const MAX_BYTES: usize = 8 * 1024 * 1024;
    /// The oldest entry given out while it is being rebuilt, in time-to-live units.
    const STALE_LIMIT: u32 = 5;

    pub fn new(ttl: std::time::Duration) -> Self {
        Self { ttl, entries: Default::default(), lookups: Default::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry to answer with, fresh, or stale while another reader rebuilds it. `None`
    /// tells the caller to build the response and `put` (or `keep`) it.
    pub fn get(&self, key: &str, version: i64) -> Option<CachedResponse> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut entries = self.lock();
        let Some(entry) = entries.by_key.get_mut(key) else {
            self.lookups[2].fetch_add(1, Relaxed);
            return None;
        };
        let age = entry.stored.elapsed();
        if !entry.expired && entry.version == version && age < self.ttl {
            self.lookups[0].fetch_add(1, Relaxed);
            return Some(entry.clone());
        }
        let rebuilding = entry.rebuilding_since.is_some_and(|since| since.elapsed() < self.ttl);
        if rebuilding && age < self.ttl * Self::STALE_LIMIT {
            self.lookups[1].fetch_add(1, Relaxed);
            return Some(entry.clone());
        }
        entry.rebuilding_since = Some(std::time::Instant::now());
        self.lookups[2].fetch_add(1, Relaxed);
        None
    }

    /// Look-ups so far, by result.
    pub fn lookups(&self) -> [(&'static str, u64); 3] {
        let n = |i: usize| self.lookups[i].load(std::sync::atomic::Ordering::Relaxed);
        [("hit", n(0)), ("stale", n(1)), ("miss", n(2))]
    }

    /// Marks every entry stale: it is rebuilt by the next reader, and given to the others
    /// meanwhile.
    pub fn expire_all(&self) {
        for entry in self.lock().by_key.values_mut() {
            entry.expired = true;
        }
    }

    pub fn put(
        &self,
        key: String,
        version: i64,
        body: actix_web::web::Bytes,
        mut headers: Vec<(header::HeaderName, HeaderValue)>,
    ) {
        headers.push((header::ETAG, etag_of(&body)));
        let size = key.len() + body.len();
        let mut entries = self.lock();
        if entries.bytes + size > Self::MAX_BYTES {
            let ttl = self.ttl;
            entries.by_key.retain(|_, e| !e.expired && e.stored.elapsed() < ttl);
            entries.bytes = entries.by_key.iter().map(|(k, e)| k.len() + e.body.len()).sum();
            if entries.bytes + size > Self::MAX_BYTES {
                entries.by_key.clear();
                entries.bytes = 0;
            }
        }
        let entry = CachedResponse {
            stored: std::time::Instant::now(),
            version,
            expired: false,
            rebuilding_since: None,
            body,
            headers,
        };
        if let Some(replaced) = entries.by_key.insert(key.clone(), entry) {
            entries.bytes -= key.len() + replaced.body.len();
        }
        entries.bytes += size;
    }

    pub fn clear(&self) {
        let mut entries = self.lock();
        entries.by_key.clear();
        entries.bytes = 0;
    }

    pub fn forget(&self, keys: &[String]) {
        let mut entries = self.lock();
        for key in keys {
            if let Some(removed) = entries.by_key.remove(key) {
                entries.bytes -= key.len() + removed.body.len();
            }
        }
    }

    /// Forgets every entry whose key starts with `prefix`.
    pub fn forget_prefix(&self, prefix: &str) {
        let mut entries = self.lock();
        let before = entries.by_key.len();
        entries.by_key.retain(|key, _| !key.starts_with(prefix));
        if entries.by_key.len() != before {
            entries.bytes = entries.by_key.iter().map(|(k, e)| k.len() + e.body.len()).sum();
        }
    }

    /// Keeps a finished JSON response under `key` (version 0) with the given headers of
    /// it, and returns it as it was.
    pub fn keep(&self, key: String, response: HttpResponse, kept: &[header::HeaderName]) -> HttpResponse {
        let headers: Vec<_> = kept
            .iter()
            .filter_map(|name| response.headers().get(name).map(|value| (name.clone(), value.clone())))
            .collect();
        let (head, body) = response.into_parts();
        match body.try_into_bytes() {
            Ok(bytes) => {
                self.put(key, 0, bytes.clone(), headers);
                head.set_body(BoxBody::new(bytes))
            }
            Err(body) => head.set_body(body),
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
        for header in entry.headers {
            response.insert_header(header);
        }
        response.body(entry.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> ResponseCache {
        ResponseCache::new(std::time::Duration::from_secs(60))
    }

    #[test]
    fn a_stale_entry_is_rebuilt_by_one_reader_and_given_to_the_others_meanwhile() {
        let responses = cache();
        responses.put("page".into(), 0, "old".into(), Vec::new());
        assert_eq!(responses.get("page", 0).unwrap().body, "old");

        responses.expire_all();
        assert!(responses.get("page", 0).is_none(), "the first reader rebuilds");
        assert_eq!(responses.get("page", 0).unwrap().body, "old", "the others get the stale entry meanwhile");
        responses.put("page".into(), 0, "new".into(), Vec::new());
        assert_eq!(responses.get("page", 0).unwrap().body, "new");

        assert!(responses.get("page", 1).is_none(), "another version is stale");
        assert_eq!(responses.get("page", 1).unwrap().body, "new");
        assert!(responses.get("other", 0).is_none());
    }

    #[test]
    fn entries_carry_their_tag_and_cleared_entries_are_gone() {
        let responses = cache();
        responses.put("page".into(), 0, "body".into(), Vec::new());
        let entry = responses.get("page", 0).unwrap();
        assert!(entry.headers.iter().any(|(name, value)| name == header::ETAG && value == etag_of(b"body")));
        responses.clear();
        assert!(responses.get("page", 0).is_none());
        assert!(responses.get("page", 0).is_none(), "nothing stale to give out");
    }
}
