//! `TestApp`: the real server on a free port, over its own fresh database.
//!
//! The backend comes from `NEWSDESK_TEST_DATABASE`: unset or `sqlite` gives each test a
//! temporary SQLite file; a `postgres://` URL (of any database on the server, used only
//! to create and drop databases) gives each test a new PostgreSQL database.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use newsdesk::config::Settings;
use newsdesk::db::{DatabaseTarget, Db};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub database_url: String,
    _database: TestDatabase,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and returns its body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
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
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
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
            let name = format!(
                "newsdesk_test_{}_{}",
                std::process::id(),
                DATABASE_COUNTER.fetch_add(1, Ordering::SeqCst)
            );
            let mut conn = PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create the test database");
            let mut url = url::Url::parse(&admin_url).expect("NEWSDESK_TEST_DATABASE is a URL");
            url.set_path(&name);
            (url.to_string(), TestDatabase::Postgres { admin_url, name })
        }
        _ => {
            let dir = tempfile::tempdir().expect("temporary directory");
            let path = dir
                .path()
                .join("newsdesk.db")
                .to_string_lossy()
                .into_owned();
            (path, TestDatabase::Sqlite(dir))
        }
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> Self {
        let (database_url, database) = fresh_database();
        let target = DatabaseTarget::parse(&database_url).expect("a valid database URL");
        let mut settings = Settings::for_database(target.clone());
        settings.workers = Some(2);
        settings.db_pool_size = 4;
        configure(&mut settings);
        let db = Db::connect(&target, settings.db_pool_size).expect("open the database");
        db.run_migrations().expect("migrations");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().unwrap().port();
        let server =
            newsdesk::startup::run(listener, db.clone(), &settings).expect("start the server");
        actix_web::rt::spawn(server);
        Self {
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            db,
            database_url,
            _database: database,
        }
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
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(self.client.post(self.url(path)).json(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(self.client.put(self.url(path)).json(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(self.client.patch(self.url(path)).json(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.client.delete(self.url(path))).await
    }

    /// Sends raw bytes as the body, with the given content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    pub async fn create_source(&self, name: &str) -> Value {
        let reply = self
            .post(
                "/api/v1/sources",
                &json!({"name": name, "url": "https://nguon.example.vn"}),
            )
            .await;
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
        self.create_article(
            json!({"title": title, "body_html": "<p>Nội dung</p>", "status": "published"}),
        )
        .await
    }

    /// A category made directly in the database (categories have no write API yet).
    pub fn category(&self, name: &str, slug: &str) -> i64 {
        self.db
            .write_blocking(|conn| {
                newsdesk::categories::model::find_or_create(conn, name, slug, None, 0)
            })
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
                Ok(
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                        .get_result::<Count>(conn)?
                        .n,
                )
            })
            .expect("count rows")
    }
}
