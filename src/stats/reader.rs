//! Who sent a public request, as the statistics count them: the hit path, banner clicks
//! and impressions all key and classify their readers here.

use actix_web::HttpRequest;

use super::batch::{VisitorKey, VisitorKind};
use super::classify::{self, Agent};
use super::periods;
use crate::client;
use crate::state::AppState;

/// Who sent a public request, as the statistics count them: a keyed hash, what kind of
/// visitor, and the dimensions the breakdowns count under.
pub struct Reader {
    /// The local day in the site's time zone.
    pub day: String,
    pub visitor_key: VisitorKey,
    pub kind: VisitorKind,
    /// `("bot", name)` for crawlers; browser, OS, referrer host and country for people.
    pub dimensions: Vec<(&'static str, String)>,
}

impl Reader {
    /// `visitor_id` is the frontend's (or a cookie's) anonymous id; without one the client
    /// address and user agent stand for the visitor.
    pub fn of(
        req: &HttpRequest,
        state: &AppState,
        visitor_id: Option<&str>,
        referrer: Option<&str>,
        at: chrono::NaiveDateTime,
    ) -> Self {
        let user_agent = client::user_agent(req);
        let ip = client::client_ip(req, &state.settings.trusted_proxies).map(|ip| ip.to_string()).unwrap_or_default();
        // The key's salt changes every local day, so a key cannot be followed across days.
        let day = periods::day(at, state.stats.config().time_zone);
        let salt = client::keyed_hash(&state.address_secret, &["visitor salt", &day]);
        let visitor_key = VisitorKey(match visitor_id {
            Some(id) => client::keyed_hash_bits(&salt, &["visitor", id]),
            None => client::keyed_hash_bits(&salt, &["client", &ip, user_agent]),
        });
        let (kind, dimensions) = match classify::classify(user_agent) {
            Agent::Bot { name } => (VisitorKind::Bot, vec![("bot", name)]),
            Agent::Browser { browser, os } => {
                let kind = if is_member(req, state) { VisitorKind::Member } else { VisitorKind::Guest };
                let referrer_host = referrer
                    .and_then(|r| url::Url::parse(r).ok())
                    .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_owned()))
                    .unwrap_or_else(|| "(direct)".to_owned());
                let dims = vec![
                    ("browser", browser),
                    ("os", os),
                    ("referrer_host", referrer_host),
                    ("country", country(req, state)),
                ];
                (kind, dims)
            }
        };
        Self { day, visitor_key, kind, dimensions }
    }
}

/// A reader signed in on the portal: the frontend forwards their access token. Only the
/// signature and expiry are checked here, so the hit path stays off the database.
fn is_member(req: &HttpRequest, state: &AppState) -> bool {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| state.keys.verify(token.trim()).is_ok())
}

/// The country a trusted proxy reports, as an ISO 3166 code; `unknown` otherwise.
fn country(req: &HttpRequest, state: &AppState) -> String {
    let from_trusted_proxy =
        req.peer_addr().is_some_and(|peer| state.settings.trusted_proxies.iter().any(|net| net.contains(&peer.ip())));
    state
        .settings
        .country_header
        .as_deref()
        .filter(|_| from_trusted_proxy)
        .and_then(|name| req.headers().get(name))
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_uppercase())
        .filter(|code| code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) && code != "XX")
        .unwrap_or_else(|| classify::UNKNOWN.to_owned())
}
