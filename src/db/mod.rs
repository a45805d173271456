//! The database: one connection type over SQLite and PostgreSQL, pools, migrations.

pub mod replicas;
pub mod schema;
pub mod text;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use self::replicas::Replicas;
use crate::error::ApiError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Key of the PostgreSQL advisory lock that serialises migrations when several
/// processes start at once against one database.
const MIGRATION_LOCK_KEY: i64 = 0x6e65_7773_6465_736b;

#[diesel::declare_sql_function]
extern "SQL" {
    /// `crate::search::word_pairs`, for the triggers that keep SQLite's index of titles
    /// (migration 21).
    fn title_word_pairs(title: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs the same Diesel expression on whichever backend a connection holds. Used in
/// the models for the statements the multi-backend connection cannot express
/// (`RETURNING`, `ON CONFLICT`, backend-specific SQL).
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Where the data lives, decided from `DATABASE_URL` by its scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Postgres(String),
    Sqlite(String),
}

impl DatabaseTarget {
    /// `postgres://` and `postgresql://` select PostgreSQL; `sqlite://PATH`, `sqlite:PATH`
    /// or a plain path select SQLite. Any other scheme is an error rather than a guess.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err("DATABASE_URL names no SQLite file".into());
            }
            return Ok(Self::Sqlite(path.to_owned()));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(format!(
                "DATABASE_URL scheme `{scheme}` is not supported (use postgres://, postgresql://, sqlite:// or a file path)"
            ));
        }
        Ok(Self::Sqlite(url.to_owned()))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgresql",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

/// Opens connections for the pool and prepares every SQLite connection the same way.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    queries: Arc<AtomicU64>,
}

/// Counts the statements a pool's connections run, for `/metrics` (and to show that a
/// page of articles costs the same few queries whatever its size).
struct QueryCounter(Arc<AtomicU64>);

impl Instrumentation for QueryCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        let mut conn = self.open()?;
        conn.set_instrumentation(QueryCounter(self.queries.clone()));
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

impl ConnectionManager {
    fn open(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.target {
            DatabaseTarget::Postgres(url) => {
                PgConnection::establish(url).map(DbConnection::Postgres).map_err(r2d2::Error::ConnectionError)
            }
            DatabaseTarget::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the writer; NORMAL sync keeps every commit
                // across a process crash (only a power cut can lose the last ones);
                // the busy timeout makes a second process wait instead of failing.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                // Each connection keeps its own page cache, and the file's pages are in the
                // system's cache anyway: past the hot index pages a bigger one bought no
                // speed (by key, lists, search) and cost 1.5 MB a connection.
                conn.batch_execute("PRAGMA cache_size = -512").map_err(r2d2::Error::QueryError)?;
                title_word_pairs_utils::register_impl(&mut conn, |title: String| crate::search::word_pairs(&title))
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

pub type DbPool = Pool<ConnectionManager>;

/// The one SQLite connection that writes. A statistics flush touches many pages in one
/// transaction; with the default 2 MB cache they spill to the WAL before the commit and
/// are written twice, and each multi-row statement keeps its undo journal in a file.
#[derive(Debug)]
struct SqliteWriter;

impl r2d2::CustomizeConnection<DbConnection, r2d2::Error> for SqliteWriter {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;").map_err(r2d2::Error::QueryError)
    }
}

/// The pools the app uses. SQLite allows one writer at a time, so writes go through a
/// pool of one connection (they queue in the process instead of failing with "database
/// is locked") while reads share a larger pool; PostgreSQL uses one pool for both, and
/// its read replicas, when there are any, answer public reads.
#[derive(Clone)]
pub struct Db {
    read: DbPool,
    write: DbPool,
    target: DatabaseTarget,
    queries: Arc<AtomicU64>,
    /// How long connections were waited for: the read pool, then the write pool.
    waits: Arc<[PoolWaits; 2]>,
    replicas: Option<Arc<Replicas>>,
}

/// Which server may answer a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// Staff reads, previews, and anything that must see the latest write.
    Primary,
    /// Published content for an anonymous reader: a replica within the allowed lag will do.
    AnyReplica,
}

/// Connections taken from a pool, and the time spent waiting for them.
#[derive(Debug, Default)]
struct PoolWaits {
    count: AtomicU64,
    micros: AtomicU64,
}

impl PoolWaits {
    fn take(&self, pool: &DbPool) -> Result<r2d2::PooledConnection<ConnectionManager>, ApiError> {
        let started = std::time::Instant::now();
        let conn = pool.get();
        self.count.fetch_add(1, Ordering::Relaxed);
        self.micros.fetch_add(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
        Ok(conn?)
    }
}

/// A pool's figures for `/metrics`.
pub struct PoolFigures {
    pub name: &'static str,
    pub state: r2d2::State,
    pub max: u32,
    pub waits: u64,
    pub waited: Duration,
}

impl Db {
    pub fn connect(target: &DatabaseTarget, pool_size: u32) -> Result<Self, String> {
        let queries = Arc::new(AtomicU64::new(0));
        let manager = ConnectionManager { target: target.clone(), queries: queries.clone() };
        let build = |size: u32| {
            Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(10))
                .test_on_check_out(false)
                .build(manager.clone())
                .map_err(|e| format!("cannot open the {} database: {e}", target.backend_name()))
        };
        let read = build(pool_size.max(1))?;
        let write = match target {
            DatabaseTarget::Sqlite(_) => Pool::builder()
                .max_size(1)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(10))
                .test_on_check_out(false)
                .connection_customizer(Box::new(SqliteWriter))
                .build(manager.clone())
                .map_err(|e| format!("cannot open the {} database: {e}", target.backend_name()))?,
            DatabaseTarget::Postgres(_) => read.clone(),
        };
        Ok(Self { read, write, target: target.clone(), queries, waits: Arc::default(), replicas: None })
    }

    /// Sends public reads to these PostgreSQL replicas (`NEWSDESK_REPLICA_URLS`), each
    /// with a pool the size of the primary's, once `watch_replicas` has found them healthy.
    pub fn with_replicas(mut self, urls: &[String], max_lag: Duration) -> Result<Self, String> {
        if urls.is_empty() {
            return Ok(self);
        }
        if !matches!(self.target, DatabaseTarget::Postgres(_)) {
            return Err("NEWSDESK_REPLICA_URLS needs a PostgreSQL DATABASE_URL".into());
        }
        let replicas = Replicas::new(urls, max_lag, self.read.max_size(), self.queries.clone())?;
        self.replicas = Some(Arc::new(replicas));
        Ok(self)
    }

    /// Starts measuring the replicas' lag in the background (nothing without replicas).
    pub fn watch_replicas(&self) {
        if let Some(replicas) = &self.replicas {
            replicas.start_monitor(self.read.clone());
        }
    }

    pub fn replicas(&self) -> Option<&Replicas> {
        self.replicas.as_deref()
    }

    /// A read pool of its own for the background workers (deliveries, the scheduler, the
    /// content changes' poll), so
    /// that their polling never waits behind requests, nor shows in the requests' query
    /// count. On SQLite they write through the app's one writer: a second writer would
    /// meet the first's lock and sleep in SQLite's busy handler, slowing both.
    pub fn for_background(&self) -> Result<Self, String> {
        let mut background = Self::connect(&self.target, 2)?;
        if let DatabaseTarget::Sqlite(_) = self.target {
            background.write = self.write.clone();
        }
        Ok(background)
    }

    pub fn target(&self) -> &DatabaseTarget {
        &self.target
    }

    /// Statements run so far through this database's pools.
    pub fn queries_run(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Each pool's connections and waits (one pool on PostgreSQL, where reads and writes share it).
    pub fn pools(&self) -> Vec<PoolFigures> {
        let figures = |name, pool: &DbPool, waits: &PoolWaits| PoolFigures {
            name,
            state: pool.state(),
            max: pool.max_size(),
            waits: waits.count.load(Ordering::Relaxed),
            waited: Duration::from_micros(waits.micros.load(Ordering::Relaxed)),
        };
        let mut pools = vec![figures("read", &self.read, &self.waits[0])];
        if let DatabaseTarget::Sqlite(_) = self.target {
            pools.push(figures("write", &self.write, &self.waits[1]));
        }
        pools
    }

    /// Runs `f` with a read connection on the blocking thread pool, never on an actix worker.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, waits) = (self.read.clone(), self.waits.clone());
        actix_web::web::block(move || f(&mut *waits[0].take(&pool)?)).await?
    }

    /// A read of published content for anonymous readers: on a replica when one is usable
    /// (in turn), else on the primary. A read a replica fails (it went away, or cancelled
    /// the query to replay) is run again on the primary, so the reader never sees the failure.
    pub async fn read_public<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Clone + Send + 'static,
        T: Send + 'static,
    {
        let Some(replica) = self.replicas.as_ref().and_then(|r| r.pick()) else {
            return self.read(f).await;
        };
        let (on_replica, retry) = (f.clone(), f);
        let reading = replica.clone();
        match actix_web::web::block(move || on_replica(&mut *reading.connection()?)).await? {
            Err(e) if e.is_server_side() => {
                replica.failed(&e);
                self.read(retry).await
            }
            done => {
                replica.served();
                done
            }
        }
    }

    /// `read` or `read_public`, as `from` says.
    pub async fn read_from<T, F>(&self, from: ReadFrom, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Clone + Send + 'static,
        T: Send + 'static,
    {
        match from {
            ReadFrom::Primary => self.read(f).await,
            ReadFrom::AnyReplica => self.read_public(f).await,
        }
    }

    /// A read by key, answered in microseconds. On SQLite it runs right here on the actix
    /// worker when a connection is free: the pages are in memory, and handing the query to
    /// the blocking pool costs more (two thread switches) than the query itself. PostgreSQL
    /// waits on a socket, so there it goes to the pool like any read.
    pub async fn read_by_key<T, F>(&self, from: ReadFrom, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Clone + Send + 'static,
        T: Send + 'static,
    {
        if matches!(self.target, DatabaseTarget::Sqlite(_))
            && let Some(mut conn) = self.read.try_get()
        {
            return f(&mut conn);
        }
        self.read_from(from, f).await
    }

    /// Runs `f` inside one transaction on the write connection, off the actix workers.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, waits) = (self.write.clone(), self.waits.clone());
        let slot = if matches!(self.target, DatabaseTarget::Sqlite(_)) { 1 } else { 0 };
        actix_web::web::block(move || in_write_transaction(&mut *waits[slot].take(&pool)?, f)).await?
    }

    /// Refreshes the query planner's statistics where they are missing or stale. Without
    /// them SQLite may sort a whole table for a page that an index would give in order.
    /// Quick: SQLite samples at most a few hundred rows per index.
    pub fn refresh_planner_statistics(&self) -> Result<(), ApiError> {
        let mut conn = self.write.get()?;
        match &mut *conn {
            DbConnection::Sqlite(c) => c.batch_execute("PRAGMA analysis_limit = 400; PRAGMA optimize = 0x10002;")?,
            DbConnection::Postgres(c) => c.batch_execute("ANALYZE articles, article_tags, stats_counters")?,
        }
        Ok(())
    }

    /// Planner statistics from every row, after a bulk load. The quick sample above reads
    /// the first few hundred entries of each index, which all share the leading status,
    /// and then takes `status = 'published'` for a few hundred rows: a search then scans
    /// the whole status index instead of looking up its few hundred matches by id.
    pub fn analyze_fully(&self) -> Result<(), ApiError> {
        let mut conn = self.write.get()?;
        match &mut *conn {
            DbConnection::Sqlite(c) => c.batch_execute("PRAGMA analysis_limit = 0; ANALYZE;")?,
            // VACUUM too: it moves the GIN indexes' pending entries (every article the load
            // added) into the index proper, which each search would otherwise scan.
            DbConnection::Postgres(c) => c.batch_execute("VACUUM ANALYZE")?,
        }
        Ok(())
    }

    /// For bulk loads only: SQLite stops syncing to disk on this process's write
    /// connection, so a crash may lose what was written since the last checkpoint.
    pub fn relax_durability_for_bulk_load(&self) -> Result<(), ApiError> {
        if let DatabaseTarget::Sqlite(_) = self.target {
            self.write.get()?.batch_execute("PRAGMA synchronous = OFF")?;
        }
        Ok(())
    }

    /// Blocking access for the command line and start-up, outside any request.
    pub fn write_blocking<T>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>) -> Result<T, ApiError> {
        in_write_transaction(&mut *self.write.get()?, f)
    }

    /// Blocking access outside any transaction, for the command line's statements that
    /// cannot run in one (PostgreSQL's `REINDEX CONCURRENTLY`).
    pub fn outside_transaction_blocking<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        f(&mut *self.write.get()?)
    }

    pub fn run_migrations(&self) -> Result<Vec<String>, String> {
        let mut conn = self.write.get().map_err(|e| format!("cannot connect to the database: {e}"))?;
        run_migrations(&mut conn)
    }

    /// True when the database answers and every embedded migration has been applied.
    pub fn is_ready(&self) -> Result<(), String> {
        let mut conn = self.read.get().map_err(|e| e.to_string())?;
        let pending = on_backend!(&mut *conn, |c| pending_migrations(c));
        match pending {
            Ok(0) => Ok(()),
            Ok(n) => Err(format!("{n} migrations are not applied")),
            Err(e) => Err(e),
        }
    }
}

/// Runs `f` in a transaction that commits when it returns `Ok`. On SQLite the write lock
/// is taken first (`BEGIN IMMEDIATE`, waiting up to the busy timeout): a transaction that
/// reads first and writes later cannot wait for the lock when another process holds it,
/// and would fail with "database is locked".
/// On PostgreSQL, makes the transactions that name the same `name` take turns until each
/// ends (a transaction-scoped advisory lock). SQLite writes are serialized already.
pub fn take_turns(conn: &mut DbConnection, name: &str) -> Result<(), ApiError> {
    if let DbConnection::Postgres(pg) = conn {
        // FNV-1a: a hash that is the same in every process.
        let key = name
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3));
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(key as i64)
            .execute(pg)?;
    }
    Ok(())
}

fn in_write_transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConnection as Connection>::TransactionManager;
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConnection::Postgres(_) => Manager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                log::error!("rollback failed: {rollback}");
            }
            Err(e)
        }
    }
}

fn pending_migrations<C>(conn: &mut C) -> Result<usize, String>
where
    C: MigrationHarness<<C as Connection>::Backend> + Connection + PendingSource,
{
    conn.pending_migrations(C::migrations()).map(|p| p.len()).map_err(|e| e.to_string())
}

/// Each backend's own embedded migrations.
trait PendingSource {
    fn migrations() -> EmbeddedMigrations;
}

impl PendingSource for SqliteConnection {
    fn migrations() -> EmbeddedMigrations {
        SQLITE_MIGRATIONS
    }
}

impl PendingSource for PgConnection {
    fn migrations() -> EmbeddedMigrations {
        POSTGRES_MIGRATIONS
    }
}

fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConnection::Sqlite(c) => {
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.iter().map(ToString::to_string).collect())
        }
        DbConnection::Postgres(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).map_err(|e| e.to_string())?;
            let result =
                c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.iter().map(ToString::to_string).collect());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).map_err(|e| e.to_string())?;
            result
        }
    };
    applied.map_err(|e| format!("migration failed: {e}"))
}

/// The current time as stored: UTC, microsecond precision (what PostgreSQL keeps), so a
/// value read back equals the value written on both backends.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;

    use super::*;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds SQLite with these; without them every `LIMIT ?` query
    /// is compiled again on each run and every allocation takes a global lock.
    #[test]
    fn sqlite_is_built_with_the_flags_reads_depend_on() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        for wanted in ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"] {
            assert!(options.iter().any(|o| o == wanted), "SQLite lacks {wanted}: {options:?}");
        }
    }
}
