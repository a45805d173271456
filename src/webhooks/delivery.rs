//! The workers every process runs: one sends webhook deliveries, one sends cache purges.
//! Each claims what is due from the database (so any number of processes share the
//! work), sends it, and records the outcome; a crash mid-send leaves the claim to expire
//! and the delivery to be sent again: at least once, never lost.

use std::cell::OnceCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use reqwest::header::CONTENT_TYPE;
use tokio::sync::{Notify, Semaphore};

use super::model::{
    self, Attempt, Claim, DeliveryRow, DeliveryWithEvent, EventRow, FAILED, PENDING, PurgeRow, SUCCEEDED, WebhookRow,
};
use super::{address_guard, signature};
use crate::audit::{Actor, Change};
use crate::db::now;
use crate::error::ApiError;
use crate::state::AppState;

/// Longest wait for an endpoint's answer (connecting included).
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer that is read; the first `KEPT_ANSWER` bytes are kept.
const MAX_ANSWER: usize = 64 * 1024;
const KEPT_ANSWER: usize = 1024;
/// How long a claim holds: past it, a worker that died mid-send is presumed dead.
const LEASE: TimeDelta = TimeDelta::seconds(30);
/// Endpoints one worker delivers to at once.
const ENDPOINTS_AT_ONCE: usize = 4;
/// The most deliveries of one endpoint sent between two records of their outcome...
const RUN_LENGTH: i64 = 50;
/// ...and the longest such a run goes on starting new sends: with the send timeout, it
/// stays inside the claim's lease.
const RUN_TIME: Duration = Duration::from_secs(10);
/// How long a worker lets new events gather before it claims, and, once it has caught up,
/// before it records what it sent: a burst of edits goes out in runs, with one claim and
/// one record per run rather than per edit.
const GATHER: Duration = Duration::from_millis(20);
/// Purges claimed at once; those for one front end go out as one request.
const PURGES_AT_ONCE: i64 = 200;
/// Delays before the retries, in seconds, at the default `NEWSDESK_WEBHOOK_RETRY_BASE` of
/// 5 s; the setting scales them all. After the last, the delivery has failed.
const RETRY_DELAYS: [f64; 7] = [5.0, 300.0, 1800.0, 7200.0, 18_000.0, 36_000.0, 36_000.0];

/// Starts both workers on the current runtime.
pub fn start(state: AppState) {
    let purging = state.clone();
    actix_web::rt::spawn(async move { deliver_forever(state).await });
    actix_web::rt::spawn(async move { purge_forever(purging).await });
}

/// The delay before retry `attempt` (1 for the first retry), spread by ±10 % so that
/// endpoints failing together are not retried together.
pub fn retry_delay(attempt: i32, base_seconds: f64) -> Option<TimeDelta> {
    let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
    let seconds = RETRY_DELAYS.get(index)? * base_seconds / RETRY_DELAYS[0];
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).expect("the operating system provides randomness");
    let spread = 0.9 + 0.2 * f64::from(u32::from_le_bytes(random)) / f64::from(u32::MAX);
    Some(TimeDelta::microseconds((seconds * spread * 1e6) as i64))
}

/// How often a worker looks for due work when nothing woke it.
fn poll_interval(state: &AppState) -> Duration {
    Duration::from_secs_f64(state.settings.webhook_retry_base.clamp(0.05, 1.0))
}

/// Waits before the next round: after one that did work, just long enough for more to
/// gather; otherwise until a new event rings the bell (and then as long), or the poll.
async fn wait(worked: bool, bell: &Notify, poll: Duration) {
    if worked {
        return actix_web::rt::time::sleep(GATHER).await;
    }
    tokio::select! {
        _ = bell.notified() => actix_web::rt::time::sleep(GATHER).await,
        _ = actix_web::rt::time::sleep(poll) => {}
    }
}

/// Makes ring the process's TLS provider (the HTTP client is built without one, to keep
/// the C-heavy default out of the build). Idempotent.
pub fn install_tls_provider() {
    // An error means a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn delivery_client(allow_private: bool) -> reqwest::Client {
    install_tls_provider();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .no_proxy()
        .user_agent(concat!("newsdesk-webhooks/", env!("CARGO_PKG_VERSION")));
    if !allow_private {
        builder = builder.dns_resolver(Arc::new(address_guard::GuardedResolver));
    }
    builder.build().expect("the webhook HTTP client builds")
}

/// The HTTP clients are made at the first piece of work, not at start-up: making one reads
/// the system's certificates, a few milliseconds a server just started has better uses for.
async fn deliver_forever(state: AppState) {
    let client = OnceCell::new();
    let slots = Arc::new(Semaphore::new(ENDPOINTS_AT_ONCE));
    loop {
        let worked = deliver_round(&state, &client, &slots).await.unwrap_or_else(|e| {
            log::error!("webhook deliveries failed, will retry: {}", e.describe());
            false
        });
        wait(worked, &state.outbox.deliveries_due, poll_interval(&state)).await;
    }
}

/// Claims endpoints with a due delivery, as many as there are free slots, and starts
/// delivering to each on its own: a slow endpoint holds its slot, never the others'
/// deliveries. True when it claimed any.
async fn deliver_round(
    state: &AppState,
    client: &OnceCell<reqwest::Client>,
    slots: &Arc<Semaphore>,
) -> Result<bool, ApiError> {
    let free = slots.available_permits();
    let at = now();
    if free == 0 || !state.db.read(move |conn| model::any_due(conn, at)).await? {
        return Ok(false);
    }
    let limit = i64::try_from(free).unwrap_or(1);
    let claims = state.db.write(move |conn| model::claim_endpoints(conn, at, at + LEASE, limit, RUN_LENGTH)).await?;
    let worked = !claims.is_empty();
    for (endpoint, due) in claims {
        let Ok(slot) = slots.clone().acquire_owned().await else { break };
        let client = client.get_or_init(|| delivery_client(state.settings.webhook_allow_private)).clone();
        let state = state.clone();
        actix_web::rt::spawn(async move {
            if let Err(e) = deliver_to(&state, &client, endpoint, due).await {
                log::error!("webhook delivery failed, will retry: {}", e.describe());
            }
            drop(slot);
            // The slot is free: what waited for one may be claimed now.
            state.outbox.deliveries_due.notify_one();
        });
    }
    Ok(worked)
}

/// Sends the endpoint's due deliveries one after another, oldest first, recording each run
/// of them in one transaction that also finds the next run, until none is due.
async fn deliver_to(
    state: &AppState,
    client: &reqwest::Client,
    mut endpoint: WebhookRow,
    mut due: Vec<DeliveryWithEvent>,
) -> Result<(), ApiError> {
    while !due.is_empty() {
        let started = Instant::now();
        let mut sent = Vec::with_capacity(due.len());
        for (delivery, event) in due {
            let (attempt, verdict) = send(client, state.settings.webhook_allow_private, &endpoint, &event).await;
            log::debug!(
                "webhook {}: {} {} -> {:?} in {} ms",
                endpoint.id,
                event.event_type,
                event.message_id,
                attempt.status_code,
                attempt.duration_ms
            );
            sent.push((delivery, attempt, verdict));
            // A failure keeps the later events waiting behind it; a slow receiver must not
            // outlast the claim.
            if verdict != Verdict::Delivered || started.elapsed() > RUN_TIME {
                break;
            }
        }
        // Caught up with the events: let the next ones gather before recording this run,
        // so that each record (a commit on the one writer) covers a run, not a delivery or two.
        let caught_up = sent.len() < usize::try_from(RUN_LENGTH).unwrap_or(usize::MAX)
            && sent.iter().all(|(_, _, verdict)| *verdict == Verdict::Delivered);
        if caught_up {
            actix_web::rt::time::sleep(GATHER).await;
        }
        match settle(state, &endpoint, sent).await? {
            Some((current, next)) if current.active => (endpoint, due) = (current, next),
            _ => return Ok(()),
        }
    }
    let id = endpoint.id;
    state.db.write(move |conn| model::lease(conn, id, None)).await
}

/// What an answer means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Delivered,
    /// 410 Gone: the receiver asks never to be called again.
    Gone,
    Failed,
}

/// One attempt: the signed POST, and the first part of the answer.
async fn send(
    client: &reqwest::Client,
    allow_private: bool,
    endpoint: &WebhookRow,
    event: &EventRow,
) -> (Attempt, Verdict) {
    let at = now();
    let started = Instant::now();
    let finish = |status_code: Option<i32>, response: Option<String>, error: Option<String>| Attempt {
        at,
        status_code,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        response,
        error,
    };
    if let Err(refused) = literal_address_allowed(&endpoint.url, allow_private) {
        return (finish(None, None, Some(refused)), Verdict::Failed);
    }
    let timestamp = Utc::now().timestamp();
    let signatures: Vec<String> = endpoint
        .signing_secrets(at)
        .into_iter()
        .filter_map(|secret| signature::sign(secret, &event.message_id, timestamp, &event.payload))
        .collect();
    let request = client
        .post(&endpoint.url)
        .header(CONTENT_TYPE, "application/json")
        .header("webhook-id", &event.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signatures.join(" "))
        .body(event.payload.clone());
    let mut response = match request.send().await {
        Ok(response) => response,
        Err(e) => return (finish(None, None, Some(describe(&e))), Verdict::Failed),
    };
    let status = response.status();
    let mut answer = Vec::new();
    while answer.len() < MAX_ANSWER {
        match response.chunk().await {
            Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    answer.truncate(KEPT_ANSWER);
    // Without NUL characters, which PostgreSQL's text refuses.
    let text = String::from_utf8_lossy(&answer).trim_end_matches('\u{fffd}').replace('\0', "");
    let verdict = match status.as_u16() {
        200..=299 => Verdict::Delivered,
        410 => Verdict::Gone,
        _ => Verdict::Failed,
    };
    let error = (verdict != Verdict::Delivered).then(|| format!("the endpoint answered {status}"));
    (finish(Some(i32::from(status.as_u16())), Some(text), error), verdict)
}

/// A target written as an address never reaches the resolver's guard; it is checked here.
fn literal_address_allowed(url: &str, allow_private: bool) -> Result<(), String> {
    let Ok(url) = url::Url::parse(url) else {
        return Err("the endpoint's URL does not parse".into());
    };
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
        _ => return Ok(()),
    };
    if !allow_private && address_guard::is_forbidden(ip) {
        return Err(format!("refused: {ip} is not a public address"));
    }
    Ok(())
}

/// A send error and its causes, without the URL (which may carry a receiver's token).
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() { "timed out".to_owned() } else { "could not send".to_owned() };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Records a run of attempts, retries or gives up, disables the endpoint when it must,
/// and renews the claim while more is due; returns the endpoint as it is now with its
/// next run (`None`: deleted meanwhile).
async fn settle(
    state: &AppState,
    endpoint: &WebhookRow,
    sent: Vec<(DeliveryRow, Attempt, Verdict)>,
) -> Result<Option<Claim>, ApiError> {
    let (id, base, disable_after) =
        (endpoint.id, state.settings.webhook_retry_base, state.settings.webhook_disable_after);
    let settled =
        state
            .db
            .write(move |conn| {
                if sent.iter().any(|(_, _, verdict)| *verdict == Verdict::Delivered) {
                    model::forget_failures(conn, id)?;
                }
                let mut disable_because = None;
                let mut outcomes = Vec::with_capacity(sent.len());
                for (delivery, attempt, verdict) in &sent {
                    let at = attempt.at;
                    let (status, next_attempt_at) = match verdict {
                        Verdict::Delivered => (SUCCEEDED, at),
                        Verdict::Gone => {
                            model::count_failure(conn, id)?;
                            disable_because = Some("the endpoint answered 410 Gone".to_owned());
                            (FAILED, at)
                        }
                        Verdict::Failed => {
                            let failures = model::count_failure(conn, id)?;
                            if i64::from(failures) >= i64::from(disable_after) {
                                disable_because = Some(format!("{failures} failed delivery attempts in a row"));
                            }
                            match retry_delay(delivery.attempts + 1, base) {
                                Some(delay) => (PENDING, at + delay),
                                None => (FAILED, at),
                            }
                        }
                    };
                    outcomes.push(model::Outcome { delivery_id: delivery.id, attempt, status, next_attempt_at });
                }
                model::record_attempts(conn, &outcomes)?;
                let at = now();
                if let Some(reason) = disable_because {
                    model::disable(conn, id, &reason, at)?;
                    Change::new("webhook.disable", "webhook", id)
                        .details(serde_json::json!({ "reason": reason }))
                        .record(conn, &Actor::system("webhook delivery"), at)?;
                    log::warn!("webhook {id} disabled: {reason}");
                }
                let current = model::find(conn, id)?;
                let next = if current.active { model::due_run(conn, id, at, RUN_LENGTH)? } else { Vec::new() };
                model::lease(conn, id, (!next.is_empty()).then(|| at + LEASE))?;
                Ok((current, next))
            })
            .await;
    match settled {
        Ok(claim) => Ok(Some(claim)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn purge_client() -> reqwest::Client {
    install_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .no_proxy()
        .build()
        .expect("the purge HTTP client builds")
}

async fn purge_forever(state: AppState) {
    let client = OnceCell::new();
    loop {
        let worked = purge_round(&state, &client).await.unwrap_or_else(|e| {
            log::error!("cache purges failed, will retry: {}", e.describe());
            false
        });
        wait(worked, &state.outbox.purges_due, poll_interval(&state)).await;
    }
}

/// Sends the due purges, one `PURGE` per front end with all their keys; true when it did work.
async fn purge_round(state: &AppState, client: &OnceCell<reqwest::Client>) -> Result<bool, ApiError> {
    let at = now();
    if !state.db.read(move |conn| model::any_purge_due(conn, at)).await? {
        return Ok(false);
    }
    let purges = state.db.write(move |conn| model::claim_purges(conn, at, at + LEASE, PURGES_AT_ONCE)).await?;
    if purges.is_empty() {
        return Ok(false);
    }
    let mut fronts: Vec<(String, Vec<PurgeRow>)> = Vec::new();
    for purge in purges {
        match fronts.iter_mut().find(|(front, _)| *front == purge.front_end) {
            Some((_, rows)) => rows.push(purge),
            None => fronts.push((purge.front_end.clone(), vec![purge])),
        }
    }
    let client = client.get_or_init(purge_client);
    for (front, rows) in fronts {
        let mut keys: Vec<&str> = rows.iter().flat_map(|row| row.cache_keys.split(' ')).collect();
        keys.sort_unstable();
        keys.dedup();
        let sent = client
            .request(reqwest::Method::from_bytes(b"PURGE").expect("PURGE is a method"), &front)
            .header("xkey", keys.join(" "))
            .send()
            .await;
        let failure = match sent {
            Ok(response) if response.status().is_success() => None,
            Ok(response) => Some(format!("{front} answered {}", response.status())),
            Err(e) => Some(format!("{front}: {}", describe(&e))),
        };
        let base = state.settings.webhook_retry_base;
        state
            .db
            .write(move |conn| match failure {
                None => model::purges_sent(conn, &rows.iter().map(|row| row.id).collect::<Vec<_>>()),
                Some(error) => {
                    for row in &rows {
                        match retry_delay(row.attempts + 1, base) {
                            Some(delay) => model::purge_failed(conn, row.id, &error, now() + delay)?,
                            None => {
                                log::error!("gave up purging {} on {}: {error}", row.cache_keys, row.front_end);
                                model::purges_sent(conn, &[row.id])?;
                            }
                        }
                    }
                    log::warn!("cache purge failed, will retry: {error}");
                    Ok(())
                }
            })
            .await?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_the_base_and_stop_after_seven() {
        let first = retry_delay(1, 5.0).unwrap().num_milliseconds();
        assert!((4_500..=5_500).contains(&first), "{first}");
        let second = retry_delay(2, 5.0).unwrap().num_seconds();
        assert!((270..=330).contains(&second), "{second}");
        let scaled = retry_delay(2, 0.05).unwrap().num_milliseconds();
        assert!((2_700..=3_300).contains(&scaled), "{scaled}");
        assert!(retry_delay(7, 5.0).is_some());
        assert!(retry_delay(8, 5.0).is_none());
        assert!(retry_delay(0, 5.0).is_none());
    }

    #[test]
    fn literal_private_targets_are_refused_at_delivery() {
        assert!(literal_address_allowed("http://10.0.0.1/hook", false).is_err());
        assert!(literal_address_allowed("http://[::1]/hook", false).is_err());
        assert!(literal_address_allowed("http://10.0.0.1/hook", true).is_ok());
        assert!(literal_address_allowed("https://hooks.example.vn/hook", false).is_ok());
    }
}
