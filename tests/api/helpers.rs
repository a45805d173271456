//! `TestApp`: the real server on a free port, over its own fresh database.
//!
//! The backend comes from `NEWSDESK_TEST_DATABASE`: unset or `sqlite` gives each test a
//! temporary SQLite file; a `postgres://` URL (of any database on the server, used only
//! to create and drop databases) gives each test a new PostgreSQL database.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use newsdesk::clock::Clock;
use newsdesk::config::Settings;
use newsdesk::db::{DatabaseTarget, Db};
use newsdesk::stats::collector::Collector;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub database_url: String,
    /// An access token of the first admin, used by `post`, `put`, `patch` and `delete`.
    pub admin_token: String,
    /// The app's clock: tests move it instead of sleeping.
    pub clock: Clock,
    pub stats: Arc<Collector>,
    /// The media store's directory (unless the test chose another store).
    pub media_dir: tempfile::TempDir,
    _database: TestDatabase,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    /// The body as it came.
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and returns its body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problem responses are application/problem+json"
        );
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].is_string() && self.body["type"].is_string());
        assert!(self.body["detail"].is_string());
        &self.body
    }

    /// The fields named by a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| errors.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect())
            .unwrap_or_default()
    }
}

pub enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The flush thread must not outlive its database.
        self.stats.stop();
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

static DATABASE_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A new empty database for one test, and the URL newsdesk should use for it.
pub fn fresh_database() -> (String, TestDatabase) {
    match std::env::var("NEWSDESK_TEST_DATABASE") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let name =
                format!("newsdesk_test_{}_{}", std::process::id(), DATABASE_COUNTER.fetch_add(1, Ordering::SeqCst));
            let mut conn = PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE {name}")).expect("create the test database");
            let mut url = url::Url::parse(&admin_url).expect("NEWSDESK_TEST_DATABASE is a URL");
            url.set_path(&name);
            (url.to_string(), TestDatabase::Postgres { admin_url, name })
        }
        _ => {
            let dir = tempfile::tempdir().expect("temporary directory");
            let path = dir.path().join("newsdesk.db").to_string_lossy().into_owned();
            (path, TestDatabase::Sqlite(dir))
        }
    }
}

/// Starts newsdesk on a free port over the database at `database_url`, migrating and
/// preparing it as `serve` does, and returns its base URL.
pub fn serve(database_url: &str, settings: Settings) -> String {
    serve_with_clock(database_url, settings, Clock::default()).0
}

/// Where servers started without a media directory of their own keep their files: files
/// are named by content hash, so sharing the directory changes nothing they serve.
pub fn shared_media_dir() -> String {
    std::env::temp_dir().join("newsdesk-test-media").to_string_lossy().into_owned()
}

/// `serve`, on the given clock; also returns the app's statistics collector.
pub fn serve_with_clock(database_url: &str, mut settings: Settings, clock: Clock) -> (String, Arc<Collector>) {
    if settings.media_store == Settings::for_database(DatabaseTarget::parse(database_url).unwrap()).media_store {
        settings.media_store = shared_media_dir();
    }
    let target = DatabaseTarget::parse(database_url).expect("a valid database URL");
    let db = Db::connect(&target, settings.db_pool_size).expect("open the database");
    db.run_migrations().expect("migrations");
    let state = newsdesk::startup::prepare(db, settings, clock).expect("prepare the database");
    let stats = state.stats.clone();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().unwrap().port();
    actix_web::rt::spawn(newsdesk::startup::run(listener, state).expect("start the server"));
    (format!("http://127.0.0.1:{port}"), stats)
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// `spawn`, with the app's clock moved on to the site's morning when the site's evening
    /// is near: for tests that count "today" over an hour or two of clock time and must not
    /// cross the site's midnight whenever they happen to run. The clock only moves forward,
    /// so what was written on the system clock stays in the past.
    pub async fn spawn_in_daytime() -> Self {
        let clock = Clock::default();
        use chrono::Timelike;
        let time_zone = Settings::for_database(DatabaseTarget::parse("newsdesk.db").unwrap()).time_zone;
        let local_hour = chrono::Utc::now().with_timezone(&time_zone).hour();
        if local_hour >= 20 {
            clock.advance(chrono::Duration::hours(10));
        }
        Self::start(|_| {}, clock).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> Self {
        Self::start(configure, Clock::default()).await
    }

    async fn start(configure: impl FnOnce(&mut Settings), clock: Clock) -> Self {
        let (database_url, database) = fresh_database();
        let target = DatabaseTarget::parse(&database_url).expect("a valid database URL");
        let mut settings = Settings::for_database(target.clone());
        settings.workers = Some(2);
        settings.db_pool_size = 4;
        settings.admin_password = Some(ADMIN_PASSWORD.into());
        // Tests flush statistics themselves, when they choose.
        settings.stats_flush_interval = 3_600_000;
        let media_dir = tempfile::tempdir().expect("a media directory");
        settings.media_store = media_dir.path().to_string_lossy().into_owned();
        configure(&mut settings);
        let (address, stats) = serve_with_clock(&database_url, settings, clock.clone());
        let db = Db::connect(&target, 2).expect("open the database");
        let mut app = Self {
            address,
            client: http_client(),
            db,
            database_url,
            admin_token: String::new(),
            clock,
            stats,
            media_dir,
            _database: database,
        };
        app.admin_token = app.login("admin", ADMIN_PASSWORD).await;
        app
    }

    /// Writes the buffered hits now, as the flush thread would.
    pub fn flush(&self) {
        self.stats.flush().expect("flush statistics");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("read the body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply { status, headers, body, bytes: bytes.to_vec() }
    }

    /// Any request, with an optional bearer token and JSON body.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(request).await
    }

    /// An anonymous GET, as a reader's browser would send it.
    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None, None).await
    }

    pub async fn get_as_admin(&self, path: &str) -> Reply {
        self.call(Method::GET, path, Some(&self.admin_token), None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(&self.admin_token), Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PUT, path, Some(&self.admin_token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PATCH, path, Some(&self.admin_token), Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, Some(&self.admin_token), None).await
    }

    /// Sends raw bytes as the body, with the given content type, as the admin.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(&self.admin_token)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    /// Signs in and returns the whole session (access and refresh token).
    pub async fn sign_in(&self, username: &str, password: &str) -> Reply {
        self.call(Method::POST, "/api/v1/auth/login", None, Some(&json!({"username": username, "password": password})))
            .await
    }

    /// Signs in and returns the access token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let reply = self.sign_in(username, password).await;
        assert_eq!(reply.status, 200, "login as {username}: {}", reply.body);
        reply.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates a user with this role (as the admin) and returns their access token.
    pub async fn user_token(&self, username: &str, role: &str) -> String {
        let password = format!("{username}-password");
        let created =
            self.post("/api/v1/users", &json!({"username": username, "password": password, "role": role})).await;
        assert_eq!(created.status, 201, "create user: {}", created.body);
        self.login(username, &password).await
    }

    /// Creates an API token with these scopes (as the admin) and returns its secret.
    pub async fn api_token(&self, scopes: &[&str]) -> String {
        let created = self.post("/api/v1/api-tokens", &json!({"name": "test", "scopes": scopes})).await;
        assert_eq!(created.status, 201, "create API token: {}", created.body);
        created.body["token_secret"].as_str().unwrap().to_owned()
    }

    pub async fn create_source(&self, name: &str) -> Value {
        let reply = self.post("/api/v1/sources", &json!({"name": name, "url": "https://nguon.example.vn"})).await;
        assert_eq!(reply.status, 201, "create source: {}", reply.body);
        reply.body
    }

    /// Creates an article from `body` (which must be valid) and returns it.
    pub async fn create_article(&self, body: Value) -> Value {
        let reply = self.post("/api/v1/articles", &body).await;
        assert_eq!(reply.status, 201, "create article: {}", reply.body);
        reply.body
    }

    /// A published article with this title, public now.
    pub async fn publish(&self, title: &str) -> Value {
        self.create_article(json!({"title": title, "body_html": "<p>Nội dung</p>", "status": "published"})).await
    }

    /// A category made directly in the database (categories have no write API yet).
    pub fn category(&self, name: &str, slug: &str) -> i64 {
        self.db
            .write_blocking(|conn| newsdesk::categories::model::find_or_create(conn, name, slug, None, 0))
            .expect("create category")
    }

    /// How many rows `table` holds, read straight from the database.
    pub fn count_rows(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.db
            .write_blocking(|conn| {
                Ok(diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<Count>(conn)?.n)
            })
            .expect("count rows")
    }
}

/// An HTTP client for talking to the servers under test. It lets idle connections go
/// before the server does (after 5 s): a request sent on a connection the server is
/// closing that moment fails before the server sees it.
pub fn http_client() -> reqwest::Client {
    newsdesk::webhooks::delivery::install_tls_provider();
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("build the test client")
}

/// Signs in as the admin of the server at `base`; returns the access token.
pub async fn login_at(client: &reqwest::Client, base: &str) -> String {
    let reply = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.expect("a JSON body");
    body["access_token"].as_str().expect("an access token").to_owned()
}

/// newsdesk as a separate process (`newsdesk serve`), for what only a process shows:
/// signals, exit codes and its log.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for ServerProcess {
    /// A test that fails midway leaves no server behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts `newsdesk serve` on a free port with these extra environment variables and
    /// waits until it answers; its log goes to `log` when given.
    pub async fn start(database_url: &str, env: &[(&str, &str)], log: Option<std::fs::File>) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"));
        command
            .env("DATABASE_URL", database_url)
            .env("NEWSDESK_BIND", format!("127.0.0.1:{port}"))
            .env("NEWSDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("NEWSDESK_MEDIA_STORE", shared_media_dir())
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied());
        if let Some(log) = log {
            command.stdout(log.try_clone().unwrap()).stderr(log);
        }
        let server = Self { child: command.spawn().expect("start newsdesk"), base: format!("http://127.0.0.1:{port}") };
        let client = http_client();
        for _ in 0..100 {
            if client.get(format!("{}/healthz", server.base)).send().await.is_ok() {
                return server;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("newsdesk never answered on {}", server.base);
    }

    /// Sends SIGTERM and asserts a clean exit.
    pub fn terminate(mut self) {
        let terminated = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        assert!(terminated.unwrap().success());
        assert!(self.child.wait().unwrap().success(), "newsdesk exits cleanly on SIGTERM");
    }
}
