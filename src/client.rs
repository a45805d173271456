//! Who the client is at the network level: its address, read through trusted proxies
//! only, and the keyed hash that stands for it wherever it must be remembered.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header;
use ipnet::IpNet;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The client's address. `X-Forwarded-For` and `Forwarded` are believed only when the
/// connection comes from a trusted proxy, and then only up to the first hop that is not
/// itself trusted; anyone else could write anything there.
pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|addr| addr.ip())?;
    if !is_trusted(peer, trusted_proxies) {
        return Some(peer);
    }
    let mut hops = forwarded_hops(req);
    // The rightmost hops were added by our own proxies; the first untrusted one is the client.
    hops.reverse();
    Some(hops.into_iter().find(|hop| !is_trusted(*hop, trusted_proxies)).unwrap_or(peer))
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// The addresses a request passed through, client first, from `Forwarded` (RFC 7239)
/// or else `X-Forwarded-For`.
fn forwarded_hops(req: &HttpRequest) -> Vec<IpAddr> {
    let headers = req.headers();
    let forwarded: Vec<IpAddr> = headers
        .get_all(header::FORWARDED)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.eq_ignore_ascii_case("for").then(|| parse_node(value))?
            })
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(parse_node)
        .collect()
}

/// `203.0.113.7`, `"[2001:db8::1]:4711"`, `198.51.100.2:80`.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Ok(ip) = value.parse() {
        return Some(ip);
    }
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    value.rsplit_once(':')?.0.parse().ok()
}

/// A keyed hash standing for a client address, so that no raw address is ever stored.
pub fn address_key(ip: Option<IpAddr>, secret: &str) -> String {
    keyed_hash(secret, &[&ip.map(|ip| ip.to_string()).unwrap_or_default()])
}

/// A keyed hash of some identifying parts (an address and a user agent, a visitor id):
/// the same parts give the same key, and nothing can be read back from it.
pub fn keyed_hash(secret: &str, parts: &[&str]) -> String {
    format!("{:032x}", keyed_hash_bits(secret, parts))
}

/// `keyed_hash` as a number, for keys held in memory by the million: the same 128 bits.
pub fn keyed_hash_bits(secret: &str, parts: &[&str]) -> u128 {
    let mut hasher = Sha256::new();
    hasher.update(secret.as_bytes());
    for part in parts {
        hasher.update([0]);
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

/// The header a frontend sends its reader's anonymous visitor id in.
pub const VISITOR_ID_HEADER: &str = "X-Visitor-Id";

/// The reader's anonymous visitor id: the `X-Visitor-Id` header, else the body's
/// `visitor_id`; `None` when neither is given.
pub fn visitor_id<'a>(req: &'a HttpRequest, from_body: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    let header = req
        .headers()
        .get(VISITOR_ID_HEADER)
        .map(|v| v.to_str().map_err(|_| ApiError::field("X-Visitor-Id", "must be printable ASCII")))
        .transpose()?;
    // Both are checked, so a bad value is refused even when the other one would win.
    let header = valid_visitor_id("X-Visitor-Id", header)?;
    let from_body = valid_visitor_id("visitor_id", from_body)?;
    Ok(header.or(from_body))
}

fn valid_visitor_id<'a>(field: &str, value: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    let Some(id) = value else { return Ok(None) };
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    if !(8..=128).contains(&id.len()) || !id.chars().all(allowed) {
        return Err(ApiError::field(field, "must be 8 to 128 letters, digits, `-`, `_`, `.` or `:`"));
    }
    Ok(Some(id))
}

/// Who a public write comes from: the keyed hashes standing for the reader (their
/// visitor id, or without one their address and browser), their client (address and
/// browser) and their address.
#[derive(Debug, Clone)]
pub struct Reader {
    pub reader_key: String,
    pub client_key: String,
    pub address_key: String,
}

impl Reader {
    pub fn of(
        req: &HttpRequest,
        secret: &str,
        trusted_proxies: &[IpNet],
        body_visitor_id: Option<&str>,
    ) -> Result<Self, ApiError> {
        let visitor_id = visitor_id(req, body_visitor_id)?;
        let ip = client_ip(req, trusted_proxies).map(|ip| ip.to_string()).unwrap_or_default();
        let client_key = keyed_hash(secret, &["client", &ip, user_agent(req)]);
        let address_key = keyed_hash(secret, &["address", &ip]);
        let reader_key = match visitor_id {
            Some(id) => keyed_hash(secret, &["visitor", id]),
            None => client_key.clone(),
        };
        Ok(Self { reader_key, client_key, address_key })
    }
}

/// The request's `User-Agent`, or empty.
pub fn user_agent(req: &HttpRequest) -> &str {
    req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn request(peer: &str, forwarded_for: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(peer.parse().unwrap());
        if let Some(value) = forwarded_for {
            req = req.insert_header(("X-Forwarded-For", value));
        }
        req.to_http_request()
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let spoofed = request("203.0.113.9:5000", Some("1.2.3.4"));
        assert_eq!(client_ip(&spoofed, &trusted), Some("203.0.113.9".parse().unwrap()));
        let proxied = request("10.0.0.2:5000", Some("1.2.3.4, 198.51.100.7, 10.0.0.5"));
        assert_eq!(client_ip(&proxied, &trusted), Some("198.51.100.7".parse().unwrap()));
        let direct = request("10.0.0.2:5000", None);
        assert_eq!(client_ip(&direct, &trusted), Some("10.0.0.2".parse().unwrap()));
    }

    #[test]
    fn forwarded_nodes_parse() {
        assert_eq!(parse_node("\"[2001:db8::1]:4711\""), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse_node("198.51.100.2:80"), Some("198.51.100.2".parse().unwrap()));
        assert_eq!(parse_node("unknown"), None);
    }

    #[test]
    fn address_keys_hide_the_address() {
        let ip = Some("203.0.113.9".parse().unwrap());
        let key = address_key(ip, "secret");
        assert!(!key.contains("203"));
        assert_eq!(key, address_key(ip, "secret"));
        assert_ne!(key, address_key(ip, "other"));
    }

    #[test]
    fn a_bad_visitor_id_is_refused_even_when_the_header_wins() {
        let req = TestRequest::default().insert_header((VISITOR_ID_HEADER, "reader-0001")).to_http_request();
        assert_eq!(visitor_id(&req, Some("reader-0002")).unwrap(), Some("reader-0001"));
        assert!(visitor_id(&req, Some("nul\u{0}byte")).is_err());
        let anonymous = TestRequest::default().to_http_request();
        assert_eq!(visitor_id(&anonymous, None).unwrap(), None);
        assert!(visitor_id(&anonymous, Some("")).is_err(), "present but empty is refused, as documented");
    }
}
