//! Small request and response rules applied around every route: HEAD answered as GET
//! without a body, browsers from origins that are not allowed refused as a problem, and
//! one `Vary` header.

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};

use crate::error::ApiError;

/// Routes HEAD as GET (RFC 9110 9.3.2: the same status and headers). The connection
/// still knows the request was HEAD, so it sends the headers, `Content-Length`
/// included, and no body.
pub fn head_as_get(req: &mut ServiceRequest) {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
        req.extensions_mut().insert(HeadRequest);
    }
}

/// Marks a request that came as HEAD and is routed as GET.
#[derive(Debug, Clone, Copy)]
pub struct HeadRequest;

/// The method the client sent.
pub fn sent_method(req: &actix_web::HttpRequest) -> &str {
    if req.extensions().contains::<HeadRequest>() { "HEAD" } else { req.method().as_str() }
}

/// A request from a browser on an origin that is not allowed, refused as 403 before the
/// CORS layer would answer it with a plain-text 400.
pub fn foreign_origin(req: &ServiceRequest, allowed: &[String]) -> Option<ApiError> {
    let origin = req.headers().get(header::ORIGIN)?.to_str().ok()?;
    if allowed.iter().any(|o| o == origin) {
        return None;
    }
    let preflight =
        req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let detail = if preflight {
        format!("The origin {origin} may not call this API from a browser (NEWSDESK_CORS_ORIGINS).")
    } else {
        format!("Browser requests from {origin} are not allowed (NEWSDESK_CORS_ORIGINS).")
    };
    Some(ApiError::Forbidden(detail))
}

/// The route template a request matched, without the patterns of its parameters
/// (`/api/v1/articles/{id:[0-9]+}` -> `/api/v1/articles/{id}`), for metrics, logs and
/// cache keys. Found once per request and kept in its extensions: each look-up matches
/// the path against every route again.
pub fn route_of(req: &actix_web::HttpRequest) -> Option<String> {
    use actix_web::HttpMessage;
    #[derive(Clone)]
    struct RouteTemplate(Option<String>);
    if let Some(RouteTemplate(route)) = req.extensions().get::<RouteTemplate>() {
        return route.clone();
    }
    let route = req.match_pattern().map(|pattern| without_parameter_patterns(&pattern));
    req.extensions_mut().insert(RouteTemplate(route.clone()));
    route
}

fn without_parameter_patterns(pattern: &str) -> String {
    let mut route = String::with_capacity(pattern.len());
    let (mut depth, mut skipping) = (0, false);
    for c in pattern.chars() {
        match c {
            '{' => {
                depth += 1;
                if !skipping {
                    route.push(c);
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    skipping = false;
                    route.push(c);
                }
            }
            ':' if depth == 1 => skipping = true,
            _ if !skipping => route.push(c),
            _ => {}
        }
    }
    route
}

/// Merges every `Vary` value into one header, each name once.
pub fn merge_vary(headers: &mut HeaderMap) {
    let mut names: Vec<String> = Vec::new();
    for value in headers.get_all(header::VARY).filter_map(|v| v.to_str().ok()) {
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if !names.iter().any(|known| known.eq_ignore_ascii_case(name)) {
                names.push(name.to_owned());
            }
        }
    }
    if names.is_empty() {
        return;
    }
    if let Ok(value) = HeaderValue::from_str(&names.join(", ")) {
        headers.insert(header::VARY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_lose_their_parameter_patterns() {
        assert_eq!(without_parameter_patterns("/api/v1/articles/{id:[0-9]+}"), "/api/v1/articles/{id}");
        assert_eq!(without_parameter_patterns("/a/{n:[0-9]{2}}/b/{slug}"), "/a/{n}/b/{slug}");
        assert_eq!(without_parameter_patterns("/healthz"), "/healthz");
    }

    #[test]
    fn vary_names_each_header_once() {
        let mut headers = HeaderMap::new();
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding, Authorization"));
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        merge_vary(&mut headers);
        let values: Vec<_> = headers.get_all(header::VARY).collect();
        assert_eq!(values, [HeaderValue::from_static("Accept-Encoding, Authorization")]);
    }
}
