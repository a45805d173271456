//! HTTP caching of public reads: a weak `ETag` on every successful GET, `304 Not
//! Modified` for a matching `If-None-Match`, and `Cache-Control`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse};

use crate::error::ApiError;

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

/// A weak entity tag of a body: its 64-bit rapidhash (v3, whose output is fixed across
/// versions and processes), in hex. A tag only has to change when the body does, with no
/// adversary choosing bodies, and SHA-256 cost 5 % of an article read.
fn etag_of(body: &[u8]) -> HeaderValue {
    let tag = format!("W/\"{:016x}\"", rapidhash::v3::rapidhash_v3(body));
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

/// The content codings the response cache gives bodies out in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Plain,
    Gzip,
}

impl Coding {
    /// The one the client of `req` takes: gzip when it says it does (browsers, CDNs,
    /// Varnish, mobile HTTP clients).
    pub fn of(req: &HttpRequest) -> Self {
        let gzip = header::Encoding::gzip();
        match req.get_header::<header::AcceptEncoding>() {
            Some(accepted) if accepted.negotiate([gzip.clone()].iter()) == Some(gzip) => Self::Gzip,
            _ => Self::Plain,
        }
    }
}

/// A kept body in the codings its readers asked for so far: each is made once, when the
/// first reader who takes it comes, so that a cache whose readers all take gzip holds
/// twice the responses and compresses none per request.
#[derive(Clone)]
enum Bodies {
    Plain(actix_web::web::Bytes),
    Gzipped(actix_web::web::Bytes),
    Both { plain: actix_web::web::Bytes, gzipped: actix_web::web::Bytes },
}

impl Bodies {
    /// `body` in `coding`: gzip when it can be made, plain otherwise.
    fn new(body: &[u8], coding: Coding) -> Self {
        match coding {
            Coding::Gzip => match crate::gzip::compress(body) {
                Some(gzipped) => Self::Gzipped(gzipped.into()),
                None => Self::Plain(actix_web::web::Bytes::copy_from_slice(body)),
            },
            // A body serialized into a growing buffer holds up to twice its length; the copy
            // takes what it measures, so the memory bound is the memory used.
            Coding::Plain => Self::Plain(actix_web::web::Bytes::copy_from_slice(body)),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Plain(body) | Self::Gzipped(body) => body.len(),
            Self::Both { plain, gzipped } => plain.len() + gzipped.len(),
        }
    }

    /// The body in `coding`, if it is here.
    fn get(&self, coding: Coding) -> Option<actix_web::web::Bytes> {
        match (self, coding) {
            (Self::Gzipped(gzipped) | Self::Both { gzipped, .. }, Coding::Gzip) => Some(gzipped.clone()),
            (Self::Plain(plain) | Self::Both { plain, .. }, Coding::Plain) => Some(plain.clone()),
            _ => None,
        }
    }

    /// The body in `coding`, made from the other one; `None` if gzip cannot hold it.
    fn make(&self, coding: Coding) -> Result<Option<Self>, ApiError> {
        Ok(match (self, coding) {
            (Self::Plain(plain), Coding::Gzip) => {
                crate::gzip::compress(plain).map(|gzipped| Self::Both { plain: plain.clone(), gzipped: gzipped.into() })
            }
            (Self::Gzipped(gzipped), Coding::Plain) => {
                let plain = crate::gzip::inflate(gzipped)
                    .ok_or_else(|| ApiError::Internal("a kept response does not inflate".into()))?;
                Some(Self::Both { plain: plain.into(), gzipped: gzipped.clone() })
            }
            _ => None,
        })
    }
}

/// Weak comparison (RFC 9110): the tags are equal ignoring `W/`.
fn weak_eq(a: &str, b: &str) -> bool {
    a.trim_start_matches("W/") == b.trim_start_matches("W/")
}

/// Public responses kept in memory, so that a popular article, a list page or the
/// statistics block is built once per interval instead of once per reader. Lists and
/// blocks live a second; single articles live longer (`NEWSDESK_ARTICLE_CACHE_SECONDS`),
/// because every content change forgets them: at once in this process, and in the
/// others at their next poll of `content_changes` (`crate::content_changes`).
///
/// When an entry goes stale, the first reader to ask rebuilds it while the others are
/// still given the stale one, so that the readers of a popular page do not all rebuild it
/// at once the moment it expires. Past its memory bound the least recently read entries
/// go first.
///
/// Once the cache has been full, an article is kept from its second read on
/// (`Entries::admits`): most articles of an archive are read once in a while, and keeping
/// each of them would push out the popular ones (with Zipf-distributed reads of 100,000
/// articles and room for 6,700, 68.5 % of the look-ups hit when every read article is
/// kept, 74.5 % when only those read twice are). Until then every one is kept, so that a
/// server just started fills its cache at once.
pub struct ResponseCache {
    ttl: std::time::Duration,
    max_bytes: usize,
    entries: std::sync::Mutex<Entries>,
    /// Look-ups answered fresh, answered stale (while another reader rebuilds), missed.
    lookups: [std::sync::atomic::AtomicU64; 3],
    evictions: std::sync::atomic::AtomicU64,
    /// Articles not kept because it was their first read within the window.
    declined: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct Entries {
    by_key: std::collections::HashMap<String, CachedResponse>,
    bytes: usize,
    /// Counts look-ups; an entry's `last_read` is this count when it was last read.
    reads: u64,
    /// Counts clears and forgets: a response built from data read before one is not kept.
    epoch: u64,
    /// When the last clear or forget was.
    changed: Option<std::time::Instant>,
    /// Whether entries were ever dropped to stay within the bound (since the last clear).
    filled: bool,
    /// The hashes of articles' keys read once, not kept yet.
    read_once: std::collections::HashSet<u64>,
    hasher: std::hash::RandomState,
}

impl Entries {
    /// The fewest first reads remembered before the window starts again.
    const MIN_WINDOW: usize = 1024;

    /// Whether an article's response read under `key`, which is not kept, is kept now:
    /// when it was read once already since the window started. The window holds as many
    /// first reads as there are entries, which is what keeps the hit rate highest for
    /// Zipf-distributed reads; then it starts again, so that its memory stays bounded and
    /// a read long ago counts for nothing.
    fn admits(&mut self, key: &str) -> bool {
        use std::hash::BuildHasher;
        let hash = self.hasher.hash_one(key);
        if self.read_once.remove(&hash) {
            return true;
        }
        if self.read_once.len() >= self.by_key.len().max(Self::MIN_WINDOW) {
            self.read_once.clear();
        }
        self.read_once.insert(hash);
        false
    }

    /// A change was applied: responses built from older reads are not kept.
    fn changed(&mut self) {
        self.epoch += 1;
        self.changed = Some(std::time::Instant::now());
    }
}

#[derive(Clone)]
pub struct CachedResponse {
    stored: std::time::Instant,
    /// How long the entry is fresh.
    lifetime: std::time::Duration,
    /// When it must not be given out any more, even stale (the article's expiry).
    deadline: Option<std::time::Instant>,
    /// The article it shows: the statistics flush expires the articles whose views changed.
    article: Option<i64>,
    /// What the response was built for besides its key (the statistics clock's second);
    /// an entry asked for with another version is stale.
    version: i64,
    /// Older than it looks: the data under it changed (a statistics flush).
    expired: bool,
    /// When a reader set out to rebuild it.
    rebuilding_since: Option<std::time::Instant>,
    last_read: u64,
    bodies: Bodies,
    /// The headers that belong to the content (`Last-Modified`, `X-Total-Count`, `Link`).
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl CachedResponse {
    fn size(&self, key: &str) -> usize {
        // The key, the body, and what the map and the headers take besides.
        key.len() + self.bodies.len() + 256
    }
}

/// How long a kept article response may be given out, and which article it is.
pub struct ArticleEntry {
    pub id: i64,
    /// `ResponseCache::epoch` before the article was read: when a change cleared the cache
    /// since, the response may show the old article and is not kept.
    pub epoch: u64,
    pub lifetime: std::time::Duration,
    /// The article's expiry, when it has one.
    pub deadline: Option<std::time::Instant>,
}

impl ResponseCache {
    /// The oldest entry given out while it is being rebuilt, in lifetimes.
    const STALE_LIMIT: u32 = 5;

    /// Entries of lists and blocks live `ttl`; all of them together take at most `max_bytes`.
    pub fn new(ttl: std::time::Duration, max_bytes: usize) -> Self {
        Self {
            ttl,
            max_bytes,
            entries: Default::default(),
            lookups: Default::default(),
            evictions: Default::default(),
            declined: Default::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry to answer with, fresh, or stale while another reader rebuilds it. `None`
    /// tells the caller to build the response and `put` (or `keep`) it.
    pub fn get(&self, key: &str, version: i64) -> Option<CachedResponse> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut entries = self.lock();
        entries.reads += 1;
        let reads = entries.reads;
        let now = std::time::Instant::now();
        let Some(entry) = entries.by_key.get_mut(key) else {
            self.lookups[2].fetch_add(1, Relaxed);
            return None;
        };
        if entry.deadline.is_some_and(|deadline| deadline <= now) {
            if let Some(gone) = entries.by_key.remove(key) {
                entries.bytes -= gone.size(key);
            }
            self.lookups[2].fetch_add(1, Relaxed);
            return None;
        }
        entry.last_read = reads;
        let age = now.saturating_duration_since(entry.stored);
        if !entry.expired && entry.version == version && age < entry.lifetime {
            self.lookups[0].fetch_add(1, Relaxed);
            return Some(entry.clone());
        }
        let rebuilding = entry.rebuilding_since.is_some_and(|since| now.saturating_duration_since(since) < self.ttl);
        if rebuilding && age < entry.lifetime * Self::STALE_LIMIT {
            self.lookups[1].fetch_add(1, Relaxed);
            return Some(entry.clone());
        }
        entry.rebuilding_since = Some(now);
        self.lookups[2].fetch_add(1, Relaxed);
        None
    }

    /// Look-ups so far, by result.
    pub fn lookups(&self) -> [(&'static str, u64); 3] {
        let n = |i: usize| self.lookups[i].load(std::sync::atomic::Ordering::Relaxed);
        [("hit", n(0)), ("stale", n(1)), ("miss", n(2))]
    }

    /// Entries dropped to stay within the memory bound, so far.
    pub fn evictions(&self) -> u64 {
        self.evictions.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Articles' responses not kept because it was their first read, so far.
    pub fn declined(&self) -> u64 {
        self.declined.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Goes on at every clear and forget; see `ArticleEntry::epoch`.
    pub fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// Whether a change was applied less than `span` ago (a replica may not have it yet).
    pub fn changed_within(&self, span: std::time::Duration) -> bool {
        self.lock().changed.is_some_and(|at| at.elapsed() < span)
    }

    /// Entries and the bytes they take now.
    pub fn size(&self) -> (usize, usize) {
        let entries = self.lock();
        (entries.by_key.len(), entries.bytes)
    }

    /// After a statistics flush: marks stale every entry but the articles whose views did
    /// not change (lists sort by views, the statistics block counts them). A stale entry
    /// is rebuilt by the next reader and given to the others meanwhile.
    pub fn expire_after_views(&self, viewed: &std::collections::HashSet<i64>) {
        for entry in self.lock().by_key.values_mut() {
            if entry.article.is_none_or(|id| viewed.contains(&id)) {
                entry.expired = true;
            }
        }
    }

    /// Keeps `body` under `key` in the coding `req`'s client takes.
    pub fn put(
        &self,
        key: String,
        version: i64,
        body: &[u8],
        headers: Vec<(header::HeaderName, HeaderValue)>,
        coding: Coding,
    ) {
        self.insert(key, version, Bodies::new(body, coding), etag_of(body), headers, None);
    }

    /// Keeps a response (unless it is too large, or read before a change) and returns the
    /// entry made of it.
    fn insert(
        &self,
        key: String,
        version: i64,
        bodies: Bodies,
        etag: HeaderValue,
        mut headers: Vec<(header::HeaderName, HeaderValue)>,
        article: Option<ArticleEntry>,
    ) -> CachedResponse {
        headers.push((header::ETAG, etag));
        let read_at = article.as_ref().map(|a| a.epoch);
        let entry = CachedResponse {
            stored: std::time::Instant::now(),
            lifetime: article.as_ref().map_or(self.ttl, |a| a.lifetime),
            deadline: article.as_ref().and_then(|a| a.deadline),
            article: article.map(|a| a.id),
            version,
            expired: false,
            rebuilding_since: None,
            last_read: 0,
            bodies,
            headers,
        };
        let size = entry.size(&key);
        if size > self.max_bytes / 4 {
            return entry;
        }
        let mut entries = self.lock();
        if read_at.is_some_and(|epoch| epoch != entries.epoch) {
            return entry;
        }
        if entry.article.is_some() && entries.filled && !entries.by_key.contains_key(&key) && !entries.admits(&key) {
            self.declined.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return entry;
        }
        let kept = CachedResponse { last_read: entries.reads, ..entry.clone() };
        if let Some(replaced) = entries.by_key.insert(key.clone(), kept) {
            entries.bytes -= replaced.size(&key);
        }
        entries.bytes += size;
        self.bound(&mut entries);
        entry
    }

    /// Drops entries until they fit the memory bound again, when they outgrew it.
    fn bound(&self, entries: &mut Entries) {
        if entries.bytes > self.max_bytes {
            entries.filled = true;
            let evicted = evict(entries, self.max_bytes / 4 * 3);
            self.evictions.fetch_add(evicted as u64, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Adds to the entry kept under `key` at `stored` the body in a coding it lacked.
    fn add_coding(&self, key: &str, stored: std::time::Instant, bodies: Bodies) {
        let mut entries = self.lock();
        let Some(entry) = entries.by_key.get_mut(key).filter(|entry| entry.stored == stored) else {
            return;
        };
        let grown = bodies.len() - entry.bodies.len();
        entry.bodies = bodies;
        entries.bytes += grown;
        self.bound(&mut entries);
    }

    pub fn clear(&self) {
        let mut entries = self.lock();
        entries.by_key.clear();
        entries.bytes = 0;
        entries.filled = false;
        entries.changed();
    }

    pub fn forget(&self, keys: &[String]) {
        let mut entries = self.lock();
        entries.changed();
        for key in keys {
            if let Some(removed) = entries.by_key.remove(key) {
                entries.bytes -= removed.size(key);
            }
        }
    }

    /// Forgets the entries of these articles.
    pub fn forget_articles(&self, articles: &std::collections::HashSet<i64>) {
        let mut entries = self.lock();
        entries.changed();
        let before = entries.by_key.len();
        entries.by_key.retain(|_, e| e.article.is_none_or(|id| !articles.contains(&id)));
        if entries.by_key.len() != before {
            entries.bytes = entries.by_key.iter().map(|(k, e)| e.size(k)).sum();
        }
    }

    /// Forgets every entry whose key starts with `prefix`.
    pub fn forget_prefix(&self, prefix: &str) {
        let mut entries = self.lock();
        entries.changed();
        let before = entries.by_key.len();
        entries.by_key.retain(|key, _| !key.starts_with(prefix));
        if entries.by_key.len() != before {
            entries.bytes = entries.by_key.iter().map(|(k, e)| e.size(k)).sum();
        }
    }

    /// Keeps a finished JSON response under `key` (version 0) with the given headers of
    /// it, and returns it in the coding `req`'s client takes.
    pub fn keep(
        &self,
        key: String,
        response: HttpResponse,
        kept: &[header::HeaderName],
        req: &HttpRequest,
    ) -> HttpResponse {
        self.keep_entry(key, response, kept, None, Coding::of(req))
    }

    /// `keep` for a single article's response, which lives as long as `article` says.
    pub fn keep_article(
        &self,
        key: String,
        response: HttpResponse,
        kept: &[header::HeaderName],
        article: ArticleEntry,
        req: &HttpRequest,
    ) -> HttpResponse {
        self.keep_entry(key, response, kept, Some(article), Coding::of(req))
    }

    fn keep_entry(
        &self,
        key: String,
        response: HttpResponse,
        kept: &[header::HeaderName],
        article: Option<ArticleEntry>,
        coding: Coding,
    ) -> HttpResponse {
        let headers: Vec<_> = kept
            .iter()
            .filter_map(|name| response.headers().get(name).map(|value| (name.clone(), value.clone())))
            .collect();
        let (mut head, body) = response.into_parts();
        let bytes = match body.try_into_bytes() {
            Ok(bytes) => bytes,
            Err(body) => return head.set_body(body),
        };
        let entry = self.insert(key, 0, Bodies::new(&bytes, coding), etag_of(&bytes), headers, article);
        match entry.bodies.get(Coding::Gzip) {
            Some(gzipped) => {
                for (name, value) in entry.headers {
                    head.headers_mut().insert(name, value);
                }
                head.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                head.set_body(BoxBody::new(gzipped))
            }
            None => head.set_body(BoxBody::new(bytes)),
        }
    }

    /// The keys a public article is cached under.
    pub fn article_keys(id: i64, slug: &str) -> [String; 2] {
        [format!("article-id:{id}"), format!("article-slug:{slug}")]
    }

    /// The JSON response for the entry kept under `key`, in the coding `req`'s client
    /// takes: made now and added to the entry if it is the first reader to take it.
    pub fn respond(&self, key: &str, entry: CachedResponse, req: &HttpRequest) -> Result<HttpResponse, ApiError> {
        let wanted = Coding::of(req);
        let missing = || ApiError::Internal("a kept response lacks its body".into());
        let (body, coding) = match entry.bodies.get(wanted) {
            Some(body) => (body, wanted),
            None => match entry.bodies.make(wanted)? {
                Some(bodies) => {
                    let body = bodies.get(wanted).ok_or_else(missing)?;
                    self.add_coding(key, entry.stored, bodies);
                    (body, wanted)
                }
                None => (entry.bodies.get(Coding::Plain).ok_or_else(missing)?, Coding::Plain),
            },
        };
        let mut response = HttpResponse::Ok();
        response.content_type("application/json");
        for header in entry.headers {
            response.insert_header(header);
        }
        if coding == Coding::Gzip {
            response.insert_header((header::CONTENT_ENCODING, "gzip"));
        }
        Ok(response.body(body))
    }
}

/// Drops what can no longer be given out, then the least recently read entries, until
/// the entries take at most `target` bytes. Returns how many went.
fn evict(entries: &mut Entries, target: usize) -> usize {
    let now = std::time::Instant::now();
    let before = entries.by_key.len();
    entries.by_key.retain(|_, e| {
        let age = now.saturating_duration_since(e.stored);
        e.deadline.is_none_or(|deadline| deadline > now) && age < e.lifetime * ResponseCache::STALE_LIMIT
    });
    entries.bytes = entries.by_key.iter().map(|(k, e)| e.size(k)).sum();
    if entries.bytes > target {
        let mut by_age: Vec<(u64, String)> = entries.by_key.iter().map(|(k, e)| (e.last_read, k.clone())).collect();
        by_age.sort_unstable();
        for (_, key) in by_age {
            if entries.bytes <= target {
                break;
            }
            if let Some(gone) = entries.by_key.remove(&key) {
                entries.bytes -= gone.size(&key);
            }
        }
    }
    before - entries.by_key.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    impl CachedResponse {
        /// The body as a reader who takes no gzip gets it.
        fn body(&self) -> String {
            let plain = match self.bodies.make(Coding::Plain).unwrap() {
                Some(made) => made.get(Coding::Plain),
                None => self.bodies.get(Coding::Plain),
            };
            String::from_utf8(plain.unwrap().to_vec()).unwrap()
        }
    }

    fn reader(accept_encoding: Option<&str>) -> HttpRequest {
        let request = actix_web::test::TestRequest::default();
        match accept_encoding {
            Some(codings) => request.insert_header((header::ACCEPT_ENCODING, codings)).to_http_request(),
            None => request.to_http_request(),
        }
    }

    fn cache() -> ResponseCache {
        ResponseCache::new(std::time::Duration::from_secs(60), 1 << 20)
    }

    #[test]
    fn a_stale_entry_is_rebuilt_by_one_reader_and_given_to_the_others_meanwhile() {
        let responses = cache();
        responses.put("page".into(), 0, b"old", Vec::new(), Coding::Plain);
        assert_eq!(responses.get("page", 0).unwrap().body(), "old");

        responses.expire_after_views(&Default::default());
        assert!(responses.get("page", 0).is_none(), "the first reader rebuilds");
        assert_eq!(responses.get("page", 0).unwrap().body(), "old", "the others get the stale entry meanwhile");
        responses.put("page".into(), 0, b"new", Vec::new(), Coding::Plain);
        assert_eq!(responses.get("page", 0).unwrap().body(), "new");

        assert!(responses.get("page", 1).is_none(), "another version is stale");
        assert_eq!(responses.get("page", 1).unwrap().body(), "new");
        assert!(responses.get("other", 0).is_none());
    }

    #[test]
    fn entries_carry_their_tag_and_cleared_entries_are_gone() {
        let responses = cache();
        responses.put("page".into(), 0, b"body", Vec::new(), Coding::Plain);
        let entry = responses.get("page", 0).unwrap();
        assert!(entry.headers.iter().any(|(name, value)| name == header::ETAG && value == etag_of(b"body")));
        responses.clear();
        assert!(responses.get("page", 0).is_none());
        assert!(responses.get("page", 0).is_none(), "nothing stale to give out");
    }

    fn article(id: i64, seconds: u64, deadline: Option<std::time::Instant>) -> ArticleEntry {
        ArticleEntry { id, epoch: 0, lifetime: std::time::Duration::from_secs(seconds), deadline }
    }

    /// Reads an article twice, as a popular one is: it is kept from its second read.
    fn keep_article(responses: &ResponseCache, key: &str, body: &'static str, entry: ArticleEntry) {
        for _ in 0..2 {
            let entry = ArticleEntry { ..entry };
            responses.keep_article(key.into(), HttpResponse::Ok().body(body), &[], entry, &reader(None));
        }
    }

    #[test]
    fn once_full_an_article_is_kept_from_its_second_read_within_the_window() {
        let responses = ResponseCache::new(std::time::Duration::from_secs(60), 64 * 1024);
        let read = |key: &str| {
            let response = HttpResponse::Ok().body("article");
            let entry = ArticleEntry { epoch: responses.epoch(), ..article(1, 60, None) };
            responses.keep_article(key.into(), response, &[], entry, &reader(Some("gzip")))
        };
        read("article-id:0");
        assert!(responses.get("article-id:0", 0).is_some(), "kept at once while there is room");
        let page = vec![b'x'; 4000];
        for n in 0..20 {
            responses.put(format!("page-{n}"), 0, &page, Vec::new(), Coding::Plain);
        }
        assert!(responses.evictions() > 0, "full");
        let first = read("article-id:1");
        assert_eq!(first.headers().get(header::CONTENT_ENCODING).unwrap(), "gzip", "answered all the same");
        assert!(responses.get("article-id:1", 0).is_none(), "not kept on its first read");
        assert_eq!(responses.declined(), 1);
        read("article-id:1");
        assert_eq!(responses.get("article-id:1", 0).unwrap().body(), "article", "kept on the second");

        read("article-id:2");
        for n in 0..Entries::MIN_WINDOW {
            read(&format!("article-id:{}", 1000 + n));
        }
        read("article-id:2");
        assert!(responses.get("article-id:2", 0).is_none(), "a first read before the window counts for nothing");
        assert_eq!(responses.declined(), 3 + Entries::MIN_WINDOW as u64);
        responses.put("list".into(), 0, b"list", Vec::new(), Coding::Plain);
        assert!(responses.get("list", 0).is_some(), "lists and blocks are kept at once");
        responses.clear();
        read("article-id:3");
        assert!(responses.get("article-id:3", 0).is_some(), "emptied, it keeps every article again");
    }

    #[test]
    fn articles_outlive_lists_and_a_flush_expires_only_the_viewed_ones() {
        let responses = ResponseCache::new(std::time::Duration::from_millis(1), 1 << 20);
        keep_article(&responses, "article-id:1", "one", article(1, 60, None));
        keep_article(&responses, "article-id:2", "two", article(2, 60, None));
        responses.put("list".into(), 0, b"list", Vec::new(), Coding::Plain);
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(responses.get("list", 0).is_none(), "a list lives the short time");
        assert_eq!(responses.get("article-id:1", 0).unwrap().body(), "one", "an article lives its own time");

        responses.expire_after_views(&[2].into());
        assert_eq!(responses.get("article-id:1", 0).unwrap().body(), "one", "no new views, still fresh");
        assert!(responses.get("article-id:2", 0).is_none(), "new views: the first reader rebuilds");
    }

    #[test]
    fn a_body_is_kept_in_each_coding_its_readers_take_once_one_asked_for_it() {
        let responses = cache();
        let body = "Tổng số điểm: 12 trong 3 đánh giá. ".repeat(100);
        let kept = responses.keep("page".into(), HttpResponse::Ok().body(body.clone()), &[], &reader(Some("gzip, br")));
        assert_eq!(kept.headers().get(header::CONTENT_ENCODING).unwrap(), "gzip");
        let (_, gzipped_only) = responses.size();
        assert!(gzipped_only < body.len() / 4 + 400, "{gzipped_only} bytes kept");

        let plain = responses.respond("page", responses.get("page", 0).unwrap(), &reader(None)).unwrap();
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.into_body().try_into_bytes().unwrap(), body.as_bytes());
        let (_, both) = responses.size();
        assert_eq!(both, gzipped_only + body.len(), "the plain body is kept beside the gzipped one");

        let refused = reader(Some("gzip;q=0, br"));
        let again = responses.respond("page", responses.get("page", 0).unwrap(), &refused).unwrap();
        assert!(again.headers().get(header::CONTENT_ENCODING).is_none());
        let gzipped = responses.respond("page", responses.get("page", 0).unwrap(), &reader(Some("gzip"))).unwrap();
        let gzipped = gzipped.into_body().try_into_bytes().unwrap();
        assert_eq!(crate::gzip::inflate(&gzipped).unwrap(), body.as_bytes());
        assert_eq!(responses.size().1, both);
    }

    #[test]
    fn an_article_read_before_a_change_is_not_kept_after_it() {
        let responses = cache();
        let epoch = responses.epoch();
        responses.clear();
        let entry = ArticleEntry { epoch, ..article(1, 60, None) };
        keep_article(&responses, "article-id:1", "read before the change", entry);
        assert!(responses.get("article-id:1", 0).is_none());
        let entry = ArticleEntry { epoch: responses.epoch(), ..article(1, 60, None) };
        keep_article(&responses, "article-id:1", "read after", entry);
        assert_eq!(responses.get("article-id:1", 0).unwrap().body(), "read after");
        assert!(responses.changed_within(std::time::Duration::from_secs(5)));
        assert!(!cache().changed_within(std::time::Duration::from_secs(5)), "nothing changed yet");
    }

    #[test]
    fn an_article_is_not_given_out_past_its_expiry_even_stale() {
        let responses = cache();
        let soon = std::time::Instant::now() + std::time::Duration::from_millis(20);
        keep_article(&responses, "article-id:1", "one", article(1, 60, Some(soon)));
        assert_eq!(responses.get("article-id:1", 0).unwrap().body(), "one");
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert!(responses.get("article-id:1", 0).is_none());
        assert!(responses.get("article-id:1", 0).is_none(), "gone, not stale");
        assert_eq!(responses.size(), (0, 0));
    }

    #[test]
    fn past_its_bound_the_least_recently_read_entries_go_first() {
        let responses = ResponseCache::new(std::time::Duration::from_secs(60), 64 * 1024);
        let body = actix_web::web::Bytes::from(vec![b'x'; 4000]);
        for n in 0..12 {
            responses.put(format!("page-{n}"), 0, &body, Vec::new(), Coding::Plain);
        }
        // Page 0 is read again, so page 1 is now the least recently read.
        assert!(responses.get("page-0", 0).is_some());
        for n in 12..20 {
            responses.put(format!("page-{n}"), 0, &body, Vec::new(), Coding::Plain);
        }
        let (entries, bytes) = responses.size();
        assert!(bytes <= 64 * 1024, "{bytes} bytes");
        assert!(entries < 20 && responses.evictions() > 0);
        assert!(responses.get("page-0", 0).is_some(), "read lately, kept");
        assert!(responses.get("page-1", 0).is_none(), "the least recently read went");
        assert!(responses.get("page-19", 0).is_some(), "the newest is kept");
    }
}
