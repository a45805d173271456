//! `X-Request-Id`: every request has one, kept from a trusted proxy or made here, echoed
//! in the response, and written to the access log, to 5xx logs and to audit entries.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;
use actix_web::http::header::HeaderValue;
use ipnet::IpNet;

pub const HEADER: &str = "x-request-id";

/// The id of the request being served, in its extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Takes the request's id from a trusted proxy's `X-Request-Id`, or makes one, and keeps
/// it in the request's extensions.
pub fn assign(req: &ServiceRequest, trusted_proxies: &[IpNet]) -> HeaderValue {
    let from_trusted_proxy = req.peer_addr().is_some_and(|peer| trusted_proxies.iter().any(|n| n.contains(&peer.ip())));
    let kept = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| from_trusted_proxy && is_valid(id))
        .map(str::to_owned);
    let id = kept.unwrap_or_else(generate);
    req.extensions_mut().insert(RequestId(id.clone()));
    HeaderValue::from_str(&id).expect("a request id is printable ASCII")
}

/// What a proxy's id may look like: 1 to 200 printable characters without spaces, so it
/// is safe in logs and headers.
fn is_valid(id: &str) -> bool {
    (1..=200).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// This process's random half of every id it makes, drawn once.
static PROCESS_PART: LazyLock<u64> = LazyLock::new(|| {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the system's random source works");
    u64::from_le_bytes(bytes)
});

static NEXT: AtomicU64 = AtomicU64::new(0);

/// 32 hex digits: this process's random part, then the request's number. Unique across
/// processes and restarts, without a system call per request.
fn generate() -> String {
    format!("{:016x}{:016x}", *PROCESS_PART, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The id given to a request (empty outside a request).
pub fn of(req: &actix_web::HttpRequest) -> String {
    req.extensions().get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default()
}
