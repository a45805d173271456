//! Read replicas: PostgreSQL hot standbys that answer public, anonymous reads. A monitor
//! thread measures each one's lag against the primary; reads go only to replicas that
//! answer and are within `NEWSDESK_REPLICA_MAX_LAG`, and to the primary otherwise, so a
//! replica going away never costs a reader an error.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection};
use diesel::sql_types::{Nullable, Text};

use super::{ConnectionManager, DatabaseTarget, DbPool};
use crate::error::ApiError;

/// How often each replica's lag is measured.
const CHECK_INTERVAL: Duration = Duration::from_millis(500);
/// How long a read waits for a replica's connection, and a check for a replica to answer.
const CONNECT_TIMEOUT_SECONDS: u64 = 1;

/// The replicas, and where the next public read goes.
pub struct Replicas {
    members: Vec<Arc<Replica>>,
    max_lag: Duration,
    next: AtomicUsize,
}

pub struct Replica {
    /// `host:port/database`, without credentials: its name in `/readyz` and `/metrics`.
    pub name: String,
    url: String,
    manager: ConnectionManager,
    pool_size: u32,
    /// Built when the replica is found healthy, dropped when it fails, so that no
    /// connection to a server that went away is handed out again.
    pool: RwLock<Option<DbPool>>,
    /// Answering and within the allowed lag: reads may go here.
    usable: AtomicBool,
    status: Mutex<ReplicaStatus>,
    reads: AtomicU64,
    fallbacks: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaState {
    /// Not checked yet.
    Starting,
    /// Answering, within the allowed lag: serving reads.
    Healthy,
    /// Answering, but further behind the primary than allowed.
    Lagging,
    /// Not answering.
    Down,
}

impl ReplicaState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Healthy => "healthy",
            Self::Lagging => "lagging",
            Self::Down => "down",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReplicaStatus {
    pub state: ReplicaState,
    /// How far behind the primary it was at the last check (an upper bound, to the check interval).
    pub lag: Option<Duration>,
    /// Why it is down.
    pub problem: Option<String>,
}

/// A replica's figures for `/readyz` and `/metrics`.
pub struct ReplicaFigures {
    pub name: String,
    pub status: ReplicaStatus,
    /// Reads it answered.
    pub reads: u64,
    /// Reads it failed, answered by the primary instead.
    pub fallbacks: u64,
}

impl Replicas {
    /// Replicas of a PostgreSQL primary. Each gets its own pool of `pool_size` connections
    /// once the monitor has found it healthy.
    pub fn new(urls: &[String], max_lag: Duration, pool_size: u32, queries: Arc<AtomicU64>) -> Result<Self, String> {
        let members = urls
            .iter()
            .map(|url| {
                let (name, url) = with_connect_timeout(url)?;
                let manager =
                    ConnectionManager { target: DatabaseTarget::Postgres(url.clone()), queries: queries.clone() };
                Ok(Arc::new(Replica {
                    name,
                    url,
                    manager,
                    pool_size,
                    pool: RwLock::new(None),
                    usable: AtomicBool::new(false),
                    status: Mutex::new(ReplicaStatus { state: ReplicaState::Starting, lag: None, problem: None }),
                    reads: AtomicU64::new(0),
                    fallbacks: AtomicU64::new(0),
                }))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Self { members, max_lag, next: AtomicUsize::new(0) })
    }

    /// The next usable replica in turn, if any is.
    pub fn pick(&self) -> Option<Arc<Replica>> {
        let count = self.members.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..count).map(|i| &self.members[(start + i) % count]).find(|m| m.usable.load(Ordering::Relaxed)).cloned()
    }

    pub fn figures(&self) -> Vec<ReplicaFigures> {
        self.members
            .iter()
            .map(|m| ReplicaFigures {
                name: m.name.clone(),
                status: m.status().clone(),
                reads: m.reads.load(Ordering::Relaxed),
                fallbacks: m.fallbacks.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Checks every replica every half second on a thread of its own, for as long as the
    /// replicas are in use. `primary` gives the positions their replay is measured against.
    pub fn start_monitor(self: &Arc<Self>, primary: DbPool) {
        let replicas = Arc::downgrade(self);
        let started = std::thread::Builder::new().name("replica-monitor".into()).spawn(move || {
            let mut positions = PrimaryPositions::default();
            let mut probes: Vec<Option<PgConnection>> = Vec::new();
            while let Some(replicas) = replicas.upgrade() {
                let primary_answered = match primary_position(&primary) {
                    Ok(position) => {
                        positions.record(Instant::now(), position, replicas.max_lag + 4 * CHECK_INTERVAL);
                        true
                    }
                    Err(e) => {
                        log::warn!("replica monitor: the primary's WAL position is unknown: {e}");
                        false
                    }
                };
                probes.resize_with(replicas.members.len(), || None);
                for (replica, probe) in replicas.members.iter().zip(probes.iter_mut()) {
                    let lag_known = primary_answered.then_some(&positions);
                    replica.check(probe, lag_known, replicas.max_lag);
                }
                drop(replicas);
                std::thread::sleep(CHECK_INTERVAL);
            }
        });
        if let Err(e) = started {
            log::error!("cannot start the replica monitor; public reads stay on the primary: {e}");
        }
    }
}

impl Replica {
    fn status(&self) -> std::sync::MutexGuard<'_, ReplicaStatus> {
        self.status.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A connection for one read.
    pub fn connection(&self) -> Result<PooledConnection<ConnectionManager>, ApiError> {
        let pool = self.pool.read().unwrap_or_else(|p| p.into_inner()).clone();
        let pool = pool.ok_or_else(|| ApiError::Unavailable(format!("replica {} is not in use", self.name)))?;
        Ok(pool.get()?)
    }

    pub fn served(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    /// A read failed here and goes to the primary: stop sending reads until the monitor
    /// finds the replica healthy again.
    pub fn failed(&self, error: &ApiError) {
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        if self.usable.swap(false, Ordering::Relaxed) {
            log::warn!("replica {} failed a read, which went to the primary: {}", self.name, error.describe());
            self.pool.write().unwrap_or_else(|p| p.into_inner()).take();
            let mut status = self.status();
            status.state = ReplicaState::Down;
            status.problem = Some(error.describe());
        }
    }

    /// One look: does it answer, and how far behind is it? `positions` is `None` when the
    /// primary did not answer: nothing is being written then, so the lag stays as it was.
    fn check(&self, probe: &mut Option<PgConnection>, positions: Option<&PrimaryPositions>, max_lag: Duration) {
        let replayed = replay_position(probe, &self.url);
        let mut status = self.status();
        let was = status.state;
        match replayed {
            Err(problem) => {
                *probe = None;
                self.usable.store(false, Ordering::Relaxed);
                self.pool.write().unwrap_or_else(|p| p.into_inner()).take();
                status.state = ReplicaState::Down;
                status.problem = Some(problem);
            }
            Ok(replayed) => {
                if let Some(positions) = positions {
                    status.lag = replayed.and_then(|lsn| positions.lag_of(lsn, Instant::now()));
                }
                status.problem = None;
                status.state = match status.lag {
                    Some(lag) if lag <= max_lag => ReplicaState::Healthy,
                    Some(_) => ReplicaState::Lagging,
                    None => ReplicaState::Starting,
                };
                if status.state == ReplicaState::Healthy {
                    let mut pool = self.pool.write().unwrap_or_else(|p| p.into_inner());
                    if pool.is_none() {
                        *pool = Some(self.new_pool());
                    }
                }
                self.usable.store(status.state == ReplicaState::Healthy, Ordering::Relaxed);
            }
        }
        if status.state != was {
            match &status.problem {
                Some(problem) => log::warn!("replica {} is {}: {problem}", self.name, status.state.as_str()),
                None => log::info!("replica {} is {} (lag {:?})", self.name, status.state.as_str(), status.lag),
            }
        }
    }

    fn new_pool(&self) -> DbPool {
        Pool::builder()
            .max_size(self.pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(CONNECT_TIMEOUT_SECONDS))
            .test_on_check_out(false)
            .build_unchecked(self.manager.clone())
    }
}

/// The primary's WAL positions of the last few seconds, with when each was seen. A
/// replica that has replayed a position is no further behind than the time since the
/// position was seen: a measure that stays right when the primary is idle (where the
/// time of the last replayed transaction would grow without bound).
#[derive(Default)]
struct PrimaryPositions(VecDeque<(Instant, u64)>);

impl PrimaryPositions {
    fn record(&mut self, at: Instant, position: u64, keep: Duration) {
        self.0.push_back((at, position));
        while self.0.len() > 1 && self.0.front().is_some_and(|(seen, _)| at.duration_since(*seen) > keep) {
            self.0.pop_front();
        }
    }

    /// How far behind a replica that has replayed up to `replayed` is, at most. Behind
    /// every position kept, it is at least as old as the oldest.
    fn lag_of(&self, replayed: u64, now: Instant) -> Option<Duration> {
        let newest_reached = self.0.iter().rev().find(|(_, position)| *position <= replayed);
        match newest_reached {
            Some((seen, _)) => Some(now.saturating_duration_since(*seen)),
            None => self.0.front().map(|(seen, _)| now.saturating_duration_since(*seen) + CHECK_INTERVAL),
        }
    }
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = Nullable<Text>)]
    lsn: Option<String>,
}

fn primary_position(primary: &DbPool) -> Result<u64, String> {
    let mut conn = primary.get().map_err(|e| e.to_string())?;
    let position: Position =
        crate::on_backend!(&mut *conn, |c| diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn").get_result(c))
            .map_err(|e| e.to_string())?;
    position.lsn.as_deref().and_then(parse_lsn).ok_or_else(|| "no WAL position".to_owned())
}

/// The position the replica has replayed up to (`None` before it has replayed anything).
/// A server that is not a standby is as current as its own WAL.
fn replay_position(probe: &mut Option<PgConnection>, url: &str) -> Result<Option<u64>, String> {
    if probe.is_none() {
        *probe = Some(PgConnection::establish(url).map_err(|e| e.to_string())?);
    }
    let conn = probe.as_mut().expect("connected above");
    let position: Position = diesel::sql_query(
        "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn",
    )
    .get_result(conn)
    .map_err(|e| e.to_string())?;
    Ok(position.lsn.as_deref().and_then(parse_lsn))
}

/// `16/B374D848` as a number.
fn parse_lsn(text: &str) -> Option<u64> {
    let (high, low) = text.split_once('/')?;
    Some((u64::from_str_radix(high, 16).ok()? << 32) | u64::from_str_radix(low, 16).ok()?)
}

/// The replica's name for humans, and its URL with a connect timeout, so that a check or a
/// read never hangs on a server that dropped off the network.
fn with_connect_timeout(url: &str) -> Result<(String, String), String> {
    let mut parsed = url::Url::parse(url).map_err(|e| format!("NEWSDESK_REPLICA_URLS: `{url}` is not a URL: {e}"))?;
    let name =
        format!("{}:{}{}", parsed.host_str().unwrap_or("localhost"), parsed.port().unwrap_or(5432), parsed.path());
    if !parsed.query_pairs().any(|(key, _)| key == "connect_timeout") {
        parsed.query_pairs_mut().append_pair("connect_timeout", &CONNECT_TIMEOUT_SECONDS.to_string());
    }
    Ok((name, parsed.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsns_are_read_as_numbers() {
        assert_eq!(parse_lsn("0/3000060"), Some(0x0300_0060));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert_eq!(parse_lsn("16"), None);
        assert_eq!(parse_lsn("x/1"), None);
    }

    #[test]
    fn lag_is_the_age_of_the_newest_position_replayed() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut positions = PrimaryPositions::default();
        let keep = Duration::from_secs(3);
        positions.record(at(0), 100, keep);
        positions.record(at(500), 200, keep);
        positions.record(at(1000), 200, keep);
        positions.record(at(1500), 300, keep);
        // Caught up with the last position: no further behind than its age.
        assert_eq!(positions.lag_of(300, at(1600)), Some(Duration::from_millis(100)));
        // An idle primary: the newest position equal to the replica's counts.
        assert_eq!(positions.lag_of(250, at(1600)), Some(Duration::from_millis(600)));
        // Behind every position kept: older than the oldest.
        assert_eq!(positions.lag_of(50, at(1600)), Some(Duration::from_millis(1600) + CHECK_INTERVAL));
        // Old positions are forgotten, the newest always kept.
        positions.record(at(9000), 300, keep);
        assert_eq!(positions.0.len(), 1);
        assert_eq!(PrimaryPositions::default().lag_of(1, at(0)), None);
    }

    #[test]
    fn replica_names_carry_no_credentials_and_urls_get_a_connect_timeout() {
        let (name, url) =
            with_connect_timeout("postgres://reader:secret@db-2.internal:5433/portal?sslmode=disable").unwrap();
        assert_eq!(name, "db-2.internal:5433/portal");
        assert!(url.ends_with("sslmode=disable&connect_timeout=1"), "{url}");
        let (_, kept) = with_connect_timeout("postgres://db/portal?connect_timeout=5").unwrap();
        assert!(kept.ends_with("?connect_timeout=5"), "{kept}");
    }
}
