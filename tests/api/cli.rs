//! The `newsdesk` command itself, run as a process.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, ServerProcess, TestApp, fresh_database, serve, shared_media_dir};

fn newsdesk(database_url: &str, args: &[&str]) -> std::process::Output {
    newsdesk_with_media(database_url, &shared_media_dir(), args)
}

fn newsdesk_with_media(database_url: &str, media_store: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("NEWSDESK_MEDIA_STORE", media_store)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk")
}

#[actix_web::test]
async fn seed_demo_fills_an_empty_database_once() {
    let (url, _database) = fresh_database();
    let media = tempfile::tempdir().unwrap();
    let media_store = media.path().to_str().unwrap();
    let first = newsdesk_with_media(&url, media_store, &["seed", "demo"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let again = newsdesk_with_media(&url, media_store, &["seed", "demo"]);
    assert!(again.status.success());

    let app = TestApp::spawn().await;
    let target = newsdesk::db::DatabaseTarget::parse(&url).unwrap();
    let mut settings = newsdesk::config::Settings::for_database(target);
    settings.media_store = media_store.to_owned();
    let address = serve(&url, settings);
    let seeded = app.send(app.client.get(format!("{address}/api/v1/articles"))).await;
    assert_eq!(seeded.status, 200);
    assert_eq!(seeded.body["meta"]["total"], 4, "four demo articles are public; a second run added none");
    assert!(seeded.body["data"][0]["source"]["name"].is_string());

    let covers: Vec<&Value> = seeded.body["data"].as_array().unwrap().iter().map(|a| &a["cover_image"]).collect();
    let from_library: Vec<&&Value> = covers.iter().filter(|c| c["media_id"].is_i64()).collect();
    assert_eq!(from_library.len(), 2, "the demo covers are library images: {covers:?}");
    assert_eq!(media.path().read_dir().unwrap().count(), 2, "one original each, added once");
    let shown = app.client.get(format!("{address}{}", from_library[0]["url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(shown.status(), 200);
    let picture = image::load_from_memory(&shown.bytes().await.unwrap()).expect("a real image");
    assert_eq!((picture.width(), picture.height()), (1280, 853));
}

#[test]
fn openapi_prints_the_document_and_bad_settings_stop_start_up() {
    let printed = newsdesk("newsdesk.db", &["openapi"]);
    assert!(printed.status.success());
    assert_eq!(String::from_utf8(printed.stdout).unwrap(), newsdesk::startup::openapi_json());

    let bad_url = newsdesk("mysql://localhost/x", &["migrate"]);
    assert!(!bad_url.status.success());
    assert!(String::from_utf8_lossy(&bad_url.stderr).contains("DATABASE_URL"));

    let bad_bind = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .env("NEWSDESK_BIND", "not-an-address")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!bad_bind.status.success());
    assert!(String::from_utf8_lossy(&bad_bind.stderr).contains("NEWSDESK_BIND"));
}

/// Every secret a server handles, in a run logging at the most verbose level: none of them
/// may appear in its output.
#[actix_web::test]
async fn secrets_never_reach_the_log() {
    let (url, _database) = fresh_database();
    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("newsdesk.log");
    let jwt_secret = "a-signing-secret-that-is-long-enough-to-be-accepted-0123456789";
    let env = [("RUST_LOG", "trace"), ("NEWSDESK_JWT_SECRET", jwt_secret)];
    let server = ServerProcess::start(&url, &env, Some(std::fs::File::create(&log_path).unwrap())).await;
    let client = crate::helpers::http_client();
    let call = |method: reqwest::Method, path: &str, token: Option<&str>, body: Value| {
        let mut request = client.request(method, format!("{}{path}", server.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let reply = request.send().await.unwrap();
            let status = reply.status().as_u16();
            (status, reply.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let login = json!({"username": "admin", "password": ADMIN_PASSWORD});
    let (status, session) = call(reqwest::Method::POST, "/api/v1/auth/login", None, login).await;
    assert_eq!(status, 200);
    let access = session["access_token"].as_str().unwrap().to_owned();
    let refresh = session["refresh_token"].as_str().unwrap().to_owned();
    let (status, renewed) =
        call(reqwest::Method::POST, "/api/v1/auth/refresh", None, json!({"refresh_token": refresh})).await;
    assert_eq!(status, 200);
    let renewed_access = renewed["access_token"].as_str().unwrap().to_owned();
    let renewed_refresh = renewed["refresh_token"].as_str().unwrap().to_owned();
    let user_password = "new-editor-password-4321";
    let new_user = json!({"username": "editor", "password": user_password, "role": "editor"});
    assert_eq!(call(reqwest::Method::POST, "/api/v1/users", Some(&renewed_access), new_user).await.0, 201);
    let wrong = json!({"username": "editor", "password": "a-wrong-password-9876"});
    assert_eq!(call(reqwest::Method::POST, "/api/v1/auth/login", None, wrong).await.0, 401);
    let new_token = json!({"name": "portal", "scopes": ["content:write"]});
    let (status, token) = call(reqwest::Method::POST, "/api/v1/api-tokens", Some(&renewed_access), new_token).await;
    assert_eq!(status, 201);
    let api_secret = token["token_secret"].as_str().unwrap().to_owned();
    let source = json!({"name": "Báo Đồng Nai"});
    assert_eq!(call(reqwest::Method::POST, "/api/v1/sources", Some(&api_secret), source).await.0, 201);
    let change = json!({"current_password": ADMIN_PASSWORD, "new_password": "changed-admin-password-55"});
    assert_eq!(call(reqwest::Method::PATCH, "/api/v1/auth/me/password", Some(&renewed_access), change).await.0, 200);
    let logout = json!({"refresh_token": renewed_refresh});
    call(reqwest::Method::POST, "/api/v1/auth/logout", None, logout).await;
    server.terminate();

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("/api/v1/auth/login"), "the requests were logged at all");
    let secrets = [
        ADMIN_PASSWORD,
        jwt_secret,
        &access,
        &refresh,
        &renewed_access,
        &renewed_refresh,
        user_password,
        "a-wrong-password-9876",
        &api_secret,
        "changed-admin-password-55",
    ];
    for secret in secrets {
        assert!(!log.contains(secret), "the log holds a secret ({}...)", &secret[..8]);
    }
}

/// `NEWSDESK_LOG_FORMAT=json`: every line one JSON object, the access lines with the request
/// id, route template, status and duration; a preview token is never written.
#[actix_web::test]
async fn the_json_log_has_one_object_per_line_with_the_request_fields() {
    let (url, _database) = fresh_database();
    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("newsdesk.log");
    let env = [("RUST_LOG", "info"), ("NEWSDESK_LOG_FORMAT", "json")];
    let server = ServerProcess::start(&url, &env, Some(std::fs::File::create(&log_path).unwrap())).await;
    let client = crate::helpers::http_client();
    let missing = client.get(format!("{}/api/v1/articles/424242", server.base)).send().await.unwrap();
    let request_id = missing.headers()["x-request-id"].to_str().unwrap().to_owned();
    client.get(format!("{}/api/v1/articles/1?preview=secret-preview-token", server.base)).send().await.unwrap();
    server.terminate();

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains("secret-preview-token"), "preview tokens are hidden");
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    for line in &lines {
        for field in ["time", "level", "target", "message"] {
            assert!(line[field].is_string(), "{field} in {line}");
        }
    }
    let access = lines.iter().find(|l| l["request_id"] == request_id).expect("the request's access line");
    assert_eq!(access["target"], "newsdesk::access");
    assert_eq!(access["route"], "/api/v1/articles/{id}");
    assert_eq!(access["status"], 404);
    assert!(access["duration_ms"].is_number());

    let (url, _database) = fresh_database();
    let bad = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["migrate"])
        .env("DATABASE_URL", &url)
        .env("NEWSDESK_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("NEWSDESK_LOG_FORMAT"));
}

#[actix_web::test]
async fn search_reindex_folds_the_text_again_and_running_servers_find_it() {
    use diesel::prelude::*;
    use newsdesk::db::schema::articles;
    let app = TestApp::spawn().await;
    let article = app.publish("Mưa lớn ở Đồng Xoài").await;
    let id = article["id"].as_i64().unwrap();
    let found = |q: &'static str| {
        let app = &app;
        async move { app.get(&format!("/api/v1/articles?q={q}")).await.body["data"].as_array().unwrap().len() }
    };
    assert_eq!(found("mua+lon").await, 1);
    app.db
        .write_blocking(|conn| {
            newsdesk::on_backend!(conn, |c| diesel::update(articles::table.find(id))
                .set((articles::search_title.eq("chu cu"), articles::search_body.eq("chu cu")))
                .execute(c))?;
            Ok(())
        })
        .unwrap();
    assert_eq!(found("mua+lon").await, 0, "text written around the application is not found");

    let reindex = newsdesk(&app.database_url, &["search", "reindex"]);
    assert!(reindex.status.success(), "{}", String::from_utf8_lossy(&reindex.stderr));
    assert_eq!(found("mua+lon").await, 1, "found by its own words again");
    assert_eq!(found("chu+cu").await, 0);
    let again = newsdesk(&app.database_url, &["search", "reindex"]);
    assert!(again.status.success(), "a second run finds nothing to refold and still succeeds");
}

#[actix_web::test]
async fn seed_synthetic_stores_every_batch_whole() {
    let app = TestApp::spawn().await;
    // More than one batch, the last one short.
    let seeded = newsdesk(
        &app.database_url,
        &["seed", "synthetic", "--articles", "2345", "--body-bytes", "400", "--stats-days", "2"],
    );
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    assert_eq!(app.count_rows("articles"), 2345);
    assert_eq!(app.count_rows("articles WHERE id NOT IN (SELECT article_id FROM article_tags)"), 0, "each has tags");
    let comments = app.count_rows("comments");
    assert!(comments > 2345 / 10, "one article in ten has 5 to 40 comments: {comments}");
    assert_eq!(
        app.count_rows("articles a WHERE comment_count <> (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id)"),
        0,
        "each article counts the comments stored for it"
    );
    assert_eq!(
        app.count_rows("comments c JOIN comments p ON p.id = c.parent_id WHERE p.article_id <> c.article_id OR p.parent_id IS NOT NULL"),
        0,
        "replies answer a top-level comment of the same article"
    );

    let newest = app.get("/api/v1/articles?per_page=1").await;
    assert_eq!(newest.body["meta"]["total"], 2345, "all of them published in the past");
    let title = newest.body["data"][0]["title"].as_str().unwrap().to_owned();
    let found = app.get(&format!("/api/v1/articles?q=\"{title}\"&fields=id,title")).await;
    assert_eq!(found.status, 200);
    let titles: Vec<&str> = found.body["data"].as_array().unwrap().iter().filter_map(|a| a["title"].as_str()).collect();
    assert!(titles.contains(&title.as_str()), "{title} is found by its words: {titles:?}");
}
