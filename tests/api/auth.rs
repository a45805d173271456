//! Sign-in, tokens, roles and scopes.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, TestApp, fresh_database, serve, shared_media_dir};

const SECRET: &str = "a-test-secret-of-at-least-32-characters!";

async fn app_with_known_secret() -> TestApp {
    TestApp::spawn_with(|settings| settings.jwt_secret = Some(SECRET.into())).await
}

fn claims(overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({"sub": "1", "role": "admin", "ver": 0, "iat": now, "exp": now + 600,
                            "iss": "newsdesk", "aud": "newsdesk-api"});
    for (key, value) in overrides.as_object().unwrap() {
        claims[key] = value.clone();
    }
    claims
}

fn sign(algorithm: Algorithm, claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(algorithm), claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

async fn refresh(app: &TestApp, token: String) -> crate::helpers::Reply {
    app.call(Method::POST, "/api/v1/auth/refresh", None, Some(&json!({"refresh_token": token}))).await
}

async fn status(app: &TestApp, token: Option<&str>, method: Method, path: &str, body: Option<Value>) -> u16 {
    app.call(method, path, token, body.as_ref()).await.status
}

async fn me(app: &TestApp, token: &str) -> crate::helpers::Reply {
    app.call(Method::GET, "/api/v1/auth/me", Some(token), None).await
}

#[actix_web::test]
async fn sign_in_succeeds_with_the_password_only() {
    let app = TestApp::spawn().await;
    let session = app.sign_in("admin", ADMIN_PASSWORD).await;
    assert_eq!(session.status, 200);
    assert_eq!(session.body["token_type"], "Bearer");
    assert_eq!(session.body["expires_in"], 900);
    assert!(session.body["refresh_token"].as_str().unwrap().starts_with("ndr_"));
    assert_eq!(session.body["user"]["username"], "admin");
    assert_eq!(session.body["user"]["role"], "admin");
    assert_eq!(session.header("cache-control"), Some("no-store"));

    let wrong = app.sign_in("admin", "not-the-password").await;
    wrong.assert_problem(401);
    assert!(wrong.header("www-authenticate").unwrap().starts_with("Bearer"));
    let unknown = app.sign_in("nobody", "not-the-password").await;
    unknown.assert_problem(401);
    assert_eq!(wrong.body["detail"], unknown.body["detail"], "unknown users are not revealed");

    let token = session.body["access_token"].as_str().unwrap();
    let current = me(&app, token).await;
    assert_eq!(current.status, 200);
    assert_eq!(current.body["username"], "admin");
    assert!(current.body["last_login_at"].is_string());
    assert!(current.body.get("password_hash").is_none());
    let anonymous = app.get("/api/v1/auth/me").await;
    anonymous.assert_problem(401);
    assert!(anonymous.header("www-authenticate").is_some());
    me(&app, "not-a-token").await.assert_problem(401);
    let basic = app.send(app.client.get(app.url("/api/v1/auth/me")).basic_auth("admin", Some(ADMIN_PASSWORD))).await;
    basic.assert_problem(401);
}

#[actix_web::test]
async fn forged_expired_and_foreign_tokens_are_rejected() {
    let app = app_with_known_secret().await;
    let good = sign(Algorithm::HS256, &claims(json!({})));
    assert_eq!(me(&app, &good).await.status, 200, "a token made with the secret works");

    let expired = sign(Algorithm::HS256, &claims(json!({"exp": chrono::Utc::now().timestamp() - 120})));
    let wrong_issuer = sign(Algorithm::HS256, &claims(json!({"iss": "someone-else"})));
    let wrong_audience = sign(Algorithm::HS256, &claims(json!({"aud": "another-api"})));
    let other_algorithm = sign(Algorithm::HS512, &claims(json!({})));
    let old_version = sign(Algorithm::HS256, &claims(json!({"ver": -1})));
    let missing_user = sign(Algorithm::HS256, &claims(json!({"sub": "999"})));
    let parts: Vec<&str> = good.split('.').collect();
    let encode = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let alg_none = format!("{}.{}.", encode(json!({"alg": "none", "typ": "JWT"})), parts[1]);
    // An RS256 header over an HMAC signature: the classic key-confusion forgery.
    let rs_confusion = {
        let header = encode(json!({"alg": "RS256", "typ": "JWT"}));
        let signed = sign(Algorithm::HS256, &claims(json!({})));
        format!("{header}.{}.{}", parts[1], signed.split('.').nth(2).unwrap())
    };
    let tampered = format!("{}.{}.{}", parts[0], encode(claims(json!({"sub": "2"}))), parts[2]);
    let other_secret =
        jsonwebtoken::encode(&Header::default(), &claims(json!({})), &EncodingKey::from_secret(b"another secret"))
            .unwrap();

    for (name, token) in [
        ("expired", expired),
        ("wrong issuer", wrong_issuer),
        ("wrong audience", wrong_audience),
        ("HS512", other_algorithm),
        ("old token version", old_version),
        ("unknown user", missing_user),
        ("alg none", alg_none),
        ("RS256 confusion", rs_confusion),
        ("tampered payload", tampered),
        ("other secret", other_secret),
    ] {
        let reply = me(&app, &token).await;
        assert_eq!(reply.status, 401, "{name} token was accepted: {}", reply.body);
        reply.assert_problem(401);
        let write = app.call(Method::POST, "/api/v1/sources", Some(&token), Some(&json!({"name": name}))).await;
        assert_eq!(write.status, 401, "{name} token could write");
    }
    assert_eq!(app.count_rows("sources"), 0);
}

#[actix_web::test]
async fn refresh_tokens_rotate_and_a_replay_revokes_the_family() {
    let app = TestApp::spawn().await;
    let first = app.sign_in("admin", ADMIN_PASSWORD).await.body;
    let refresh = |token: &Value| refresh(&app, token.as_str().unwrap().to_owned());

    let second = refresh(&first["refresh_token"]).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_ne!(second.body["refresh_token"], first["refresh_token"]);
    assert_eq!(me(&app, second.body["access_token"].as_str().unwrap()).await.status, 200);

    let replay = refresh(&first["refresh_token"]).await;
    replay.assert_problem(401);
    assert!(replay.body["detail"].as_str().unwrap().contains("already used"));
    refresh(&second.body["refresh_token"]).await.assert_problem(401);

    let other_session = app.sign_in("admin", ADMIN_PASSWORD).await.body;
    assert_eq!(refresh(&other_session["refresh_token"]).await.status, 200, "other sign-ins are unaffected");
    refresh(&json!("ndr_unknown")).await.assert_problem(401);
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let session = app.sign_in("admin", ADMIN_PASSWORD).await.body;
    let body = json!({"refresh_token": session["refresh_token"]});
    assert_eq!(app.call(Method::POST, "/api/v1/auth/logout", None, Some(&body)).await.status, 204);
    app.call(Method::POST, "/api/v1/auth/refresh", None, Some(&body)).await.assert_problem(401);
    let unknown = json!({"refresh_token": "ndr_never_issued"});
    assert_eq!(app.call(Method::POST, "/api/v1/auth/logout", None, Some(&unknown)).await.status, 204);
}

/// Every write endpoint, called by every kind of caller.
#[actix_web::test]
async fn the_role_matrix_holds_for_every_write() {
    let app = TestApp::spawn().await;
    let author = app.user_token("tac.gia", "author").await;
    let editor = app.user_token("bien.tap", "editor").await;
    let content_read = app.api_token(&["content:read"]).await;
    let content_write = app.api_token(&["content:write"]).await;
    let stats = app.api_token(&["stats:read", "stats:write", "ratings:moderate"]).await;
    let editor_article = app.create_article(json!({"title": "Bài của biên tập"})).await;
    let source = app.create_source("Nguồn chung").await;

    // (caller, token, may write content, may manage sources, may manage users/tokens)
    let callers: [(&str, Option<&str>, u16, u16, u16); 7] = [
        ("anonymous", None, 401, 401, 401),
        ("author", Some(&author), 403, 403, 403),
        ("editor", Some(&editor), 200, 200, 403),
        ("admin", Some(&app.admin_token), 200, 200, 200),
        ("content:read", Some(&content_read), 403, 403, 403),
        ("content:write", Some(&content_write), 200, 200, 403),
        ("stats and ratings scopes", Some(&stats), 403, 403, 403),
    ];
    for (i, (name, token, content, sources, admin)) in callers.into_iter().enumerate() {
        let ok_or = |expected: u16, success: u16| if expected == 200 { success } else { expected };
        let call = |method: Method, path: String, body: Option<Value>| {
            let app = &app;
            async move { status(app, token, method, &path, body).await }
        };
        let article_id = editor_article["id"].as_i64().unwrap();
        let published = json!({"title": format!("Tin {i}"), "status": "published"});
        assert_eq!(call(Method::POST, "/api/v1/articles".into(), Some(published)).await, ok_or(content, 201), "{name}");
        let path = format!("/api/v1/articles/{article_id}");
        assert_eq!(call(Method::PATCH, path.clone(), Some(json!({"summary": name}))).await, content, "{name} PATCH");
        assert_eq!(
            call(Method::PUT, path.clone(), Some(json!({"title": "Bài của biên tập"}))).await,
            content,
            "{name}"
        );
        let throwaway = app.create_article(json!({"title": format!("Xóa {i}")})).await;
        let throwaway = format!("/api/v1/articles/{}", throwaway["id"]);
        assert_eq!(call(Method::DELETE, throwaway, None).await, ok_or(content, 204), "{name} DELETE article");

        let new_source = json!({"name": format!("Nguồn {i}")});
        assert_eq!(call(Method::POST, "/api/v1/sources".into(), Some(new_source)).await, ok_or(sources, 201), "{name}");
        let source_path = format!("/api/v1/sources/{}", source["id"]);
        let rename = json!({"description": name});
        assert_eq!(call(Method::PATCH, source_path.clone(), Some(rename)).await, sources, "{name} PATCH source");
        let replace = json!({"name": "Nguồn chung"});
        assert_eq!(call(Method::PUT, source_path, Some(replace)).await, sources, "{name} PUT source");
        let spare = app.create_source(&format!("Dự phòng {i}")).await;
        let spare = format!("/api/v1/sources/{}", spare["id"]);
        assert_eq!(call(Method::DELETE, spare, None).await, ok_or(sources, 204), "{name} DELETE source");

        let user = json!({"username": format!("nguoi{i}"), "password": "mat-khau-du-dai", "role": "author"});
        assert_eq!(call(Method::POST, "/api/v1/users".into(), Some(user)).await, ok_or(admin, 201), "{name} users");
        assert_eq!(call(Method::GET, "/api/v1/users".into(), None).await, admin, "{name} list users");
        let token = json!({"name": "x", "scopes": ["content:read"]});
        assert_eq!(call(Method::POST, "/api/v1/api-tokens".into(), Some(token)).await, ok_or(admin, 201), "{name}");
        assert_eq!(call(Method::GET, "/api/v1/api-tokens".into(), None).await, admin, "{name} list tokens");
    }
}

#[actix_web::test]
async fn authors_write_only_their_own_drafts() {
    let app = TestApp::spawn().await;
    let author = app.user_token("tac.gia", "author").await;
    let other = app.user_token("tac.gia.khac", "author").await;
    let as_author = |method: Method, path: String, token: String, body: Option<Value>| {
        let app = &app;
        async move { app.call(method, &path, Some(&token), body.as_ref()).await }
    };

    let draft =
        as_author(Method::POST, "/api/v1/articles".into(), author.clone(), Some(json!({"title": "Nháp"}))).await;
    assert_eq!(draft.status, 201);
    let path = format!("/api/v1/articles/{}", draft.body["id"]);
    assert!(draft.body["created_by"].as_i64().is_some());
    let scheduled = json!({"title": "Hẹn giờ", "status": "scheduled", "published_at": "2099-01-01T00:00:00Z"});
    as_author(Method::POST, "/api/v1/articles".into(), author.clone(), Some(scheduled)).await.assert_problem(403);

    let edit = as_author(Method::PATCH, path.clone(), author.clone(), Some(json!({"summary": "Sửa"}))).await;
    assert_eq!(edit.status, 200);
    as_author(Method::PATCH, path.clone(), author.clone(), Some(json!({"status": "published"})))
        .await
        .assert_problem(403);
    as_author(Method::PATCH, path.clone(), other.clone(), Some(json!({"summary": "Của người khác"})))
        .await
        .assert_problem(403);
    as_author(Method::DELETE, path.clone(), other.clone(), None).await.assert_problem(403);

    let staff_view = as_author(Method::GET, path.clone(), other.clone(), None).await;
    assert_eq!(staff_view.status, 200, "staff see drafts");
    app.get(&path).await.assert_problem(404);

    assert_eq!(app.patch(&path, &json!({"status": "published"})).await.status, 200);
    as_author(Method::PATCH, path.clone(), author.clone(), Some(json!({"summary": "Sau khi đăng"})))
        .await
        .assert_problem(403);
    as_author(Method::DELETE, path.clone(), author.clone(), None).await.assert_problem(403);

    let own = as_author(Method::POST, "/api/v1/articles".into(), author.clone(), Some(json!({"title": "Bỏ"}))).await;
    let own_path = format!("/api/v1/articles/{}", own.body["id"]);
    assert_eq!(as_author(Method::DELETE, own_path, author, None).await.status, 204);
}

#[actix_web::test]
async fn the_last_admin_cannot_be_removed() {
    let app = TestApp::spawn().await;
    let admin = app.get_as_admin("/api/v1/auth/me").await.body;
    let path = format!("/api/v1/users/{}", admin["id"]);
    app.patch(&path, &json!({"role": "editor"})).await.assert_problem(409);
    app.patch(&path, &json!({"disabled": true})).await.assert_problem(409);
    app.delete(&path).await.assert_problem(409);
    assert_eq!(app.get_as_admin(&path).await.body["role"], "admin");

    let second = app
        .post("/api/v1/users", &json!({"username": "quan.tri2", "password": "mat-khau-du-dai", "role": "admin"}))
        .await;
    assert_eq!(second.status, 201);
    let demoted = app.patch(&path, &json!({"role": "editor"})).await;
    assert_eq!(demoted.status, 200);
    assert_eq!(demoted.body["role"], "editor");
    // The demotion applies at once, to the token already issued.
    app.patch(&format!("/api/v1/users/{}", second.body["id"]), &json!({"disabled": true})).await.assert_problem(403);
}

#[actix_web::test]
async fn a_disabled_user_is_locked_out_at_once() {
    let app = TestApp::spawn().await;
    let editor = app.user_token("bien.tap", "editor").await;
    let id = me(&app, &editor).await.body["id"].clone();
    let write = json!({"name": "Nguồn"});
    assert_eq!(app.call(Method::POST, "/api/v1/sources", Some(&editor), Some(&write)).await.status, 201);

    let disabled = app.patch(&format!("/api/v1/users/{id}"), &json!({"disabled": true})).await;
    assert_eq!(disabled.status, 200);
    assert_eq!(disabled.body["disabled"], true);
    me(&app, &editor).await.assert_problem(401);
    let again = json!({"name": "Nguồn 2"});
    app.call(Method::POST, "/api/v1/sources", Some(&editor), Some(&again)).await.assert_problem(401);
    app.sign_in("bien.tap", "bien.tap-password").await.assert_problem(401);
    assert_eq!(app.count_rows("sources"), 1);

    assert_eq!(app.patch(&format!("/api/v1/users/{id}"), &json!({"disabled": false})).await.status, 200);
    assert_eq!(app.sign_in("bien.tap", "bien.tap-password").await.status, 200);
}

#[actix_web::test]
async fn changing_a_password_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let old = app.sign_in("admin", ADMIN_PASSWORD).await.body;
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let path = "/api/v1/auth/me/password";

    let wrong =
        app.call(Method::PATCH, path, Some(&app.admin_token), Some(&change("wrong-password", "a-new-password"))).await;
    wrong.assert_problem(400);
    assert_eq!(wrong.error_fields(), ["current_password"]);
    let short = app.call(Method::PATCH, path, Some(&app.admin_token), Some(&change(ADMIN_PASSWORD, "short"))).await;
    assert_eq!(short.error_fields(), ["new_password"]);

    let changed =
        app.call(Method::PATCH, path, Some(&app.admin_token), Some(&change(ADMIN_PASSWORD, "a-new-password"))).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    me(&app, &app.admin_token).await.assert_problem(401);
    let refresh = json!({"refresh_token": old["refresh_token"]});
    app.call(Method::POST, "/api/v1/auth/refresh", None, Some(&refresh)).await.assert_problem(401);
    assert_eq!(me(&app, changed.body["access_token"].as_str().unwrap()).await.status, 200);
    app.sign_in("admin", ADMIN_PASSWORD).await.assert_problem(401);
    assert_eq!(app.sign_in("admin", "a-new-password").await.status, 200);
}

#[actix_web::test]
async fn failed_sign_ins_are_limited_per_account_and_per_client() {
    let app = TestApp::spawn_with(|settings| {
        settings.login_max_failures = 3;
        settings.login_max_failures_per_client = 6;
    })
    .await;
    for _ in 0..3 {
        app.sign_in("admin", "wrong-password").await.assert_problem(401);
    }
    let locked = app.sign_in("admin", ADMIN_PASSWORD).await;
    locked.assert_problem(429);
    let retry_after: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 900);

    for name in ["ghost1", "ghost2"] {
        app.sign_in(name, "wrong-password").await.assert_problem(401);
    }
    app.sign_in("ghost3", "wrong-password").await.assert_problem(401);
    app.sign_in("someone", "any-password").await.assert_problem(429);
}

#[actix_web::test]
async fn the_rate_limit_is_shared_by_processes_on_one_database() {
    let (url, _database) = fresh_database();
    let target = newsdesk::db::DatabaseTarget::parse(&url).unwrap();
    let settings = || {
        let mut s = newsdesk::config::Settings::for_database(target.clone());
        s.admin_password = Some(ADMIN_PASSWORD.into());
        s.login_max_failures = 2;
        s
    };
    let first = serve(&url, settings());
    let second = serve(&url, settings());
    let client = crate::helpers::http_client();
    let login = |base: &str| {
        client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": "wrong-password"}))
            .send()
    };
    assert_eq!(login(&first).await.unwrap().status(), 401);
    assert_eq!(login(&second).await.unwrap().status(), 401);
    assert_eq!(login(&first).await.unwrap().status(), 429);
    assert_eq!(login(&second).await.unwrap().status(), 429);
}

#[actix_web::test]
async fn api_tokens_are_shown_once_scoped_and_revocable() {
    let app = TestApp::spawn().await;
    let created = app.post("/api/v1/api-tokens", &json!({"name": "Đồng bộ app", "scopes": ["content:write"]})).await;
    assert_eq!(created.status, 201);
    let secret = created.body["token_secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("nd_"));
    assert!(secret.starts_with(created.body["prefix"].as_str().unwrap()));
    let path = format!("/api/v1/api-tokens/{}", created.body["id"]);

    let shown = app.get_as_admin(&path).await;
    assert_eq!(shown.status, 200);
    assert!(!shown.body.to_string().contains(&secret), "the secret is never shown again");
    assert!(!app.get_as_admin("/api/v1/api-tokens").await.body.to_string().contains(&secret));
    assert_eq!(shown.body["last_used_at"], Value::Null);

    let write = app.call(Method::POST, "/api/v1/sources", Some(&secret), Some(&json!({"name": "Từ token"}))).await;
    assert_eq!(write.status, 201);
    assert!(app.get_as_admin(&path).await.body["last_used_at"].is_string());
    app.call(Method::GET, "/api/v1/auth/me", Some(&secret), None).await.assert_problem(403);

    let revoked = app.delete(&path).await;
    assert_eq!(revoked.status, 200);
    assert!(revoked.body["revoked_at"].is_string());
    let after = app.call(Method::POST, "/api/v1/sources", Some(&secret), Some(&json!({"name": "Sau thu hồi"}))).await;
    after.assert_problem(401);

    let expired = app
        .post(
            "/api/v1/api-tokens",
            &json!({"name": "cũ", "scopes": ["content:read"], "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(expired.error_fields(), ["expires_at"]);
    let no_scope = app.post("/api/v1/api-tokens", &json!({"name": "trống", "scopes": []})).await;
    assert_eq!(no_scope.error_fields(), ["scopes"]);
    let bad_scope = app.post("/api/v1/api-tokens", &json!({"name": "sai", "scopes": ["everything"]})).await;
    assert_eq!(bad_scope.error_fields(), ["scopes[0]"]);
}

#[actix_web::test]
async fn tokens_survive_a_restart() {
    let (url, _database) = fresh_database();
    let target = newsdesk::db::DatabaseTarget::parse(&url).unwrap();
    let settings = || {
        let mut s = newsdesk::config::Settings::for_database(target.clone());
        s.admin_password = Some(ADMIN_PASSWORD.into());
        s
    };
    let client = crate::helpers::http_client();
    let before = serve(&url, settings());
    let session: Value = client
        .post(format!("{before}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let after = serve(&url, settings());
    let me = client
        .get(format!("{after}/api/v1/auth/me"))
        .bearer_auth(session["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the signing secret was kept in the database");
}

#[test]
fn the_first_start_creates_an_admin_with_a_password_shown_once() {
    let (url, _database) = fresh_database();
    let mut server = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .env("NEWSDESK_MEDIA_STORE", shared_media_dir())
        .env("DATABASE_URL", &url)
        .env("NEWSDESK_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .env_remove("NEWSDESK_ADMIN_PASSWORD")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut password = None;
    for line in BufReader::new(server.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some((_, rest)) = line.split_once("with password ") {
            password = rest.split_whitespace().next().map(str::to_owned);
        }
        if line.contains("serving on") {
            break;
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let password = password.expect("the generated password is logged");
    assert!(password.len() >= 32);

    actix_web::rt::System::new().block_on(async {
        let target = newsdesk::db::DatabaseTarget::parse(&url).unwrap();
        let address = serve(&url, newsdesk::config::Settings::for_database(target));
        let reply = crate::helpers::http_client()
            .post(format!("{address}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
    });
}

#[actix_web::test]
async fn the_command_line_creates_users_and_tokens() {
    let app = TestApp::spawn().await;
    let mut create = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .env("NEWSDESK_MEDIA_STORE", shared_media_dir())
        .args(["user", "create", "--username", "phong.vien", "--role", "author"])
        .env("DATABASE_URL", &app.database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    create.stdin.take().unwrap().write_all(b"mat-khau-phong-vien\n").unwrap();
    let output = create.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = app.login("phong.vien", "mat-khau-phong-vien").await;
    assert_eq!(me(&app, &token).await.body["role"], "author");

    let token = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .env("NEWSDESK_MEDIA_STORE", shared_media_dir())
        .args(["token", "create", "--name", "đối tác", "--scope", "content:read", "stats:read"])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let secret = String::from_utf8(token.stdout).unwrap().trim().to_owned();
    let draft = app.create_article(json!({"title": "Nháp riêng"})).await;
    let seen = app.call(Method::GET, &format!("/api/v1/articles/{}", draft["id"]), Some(&secret), None).await;
    assert_eq!(seen.status, 200, "a content:read token sees drafts");

    let bad = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .env("NEWSDESK_MEDIA_STORE", shared_media_dir())
        .args(["token", "create", "--name", "x", "--scope", "root"])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    assert!(!bad.status.success());
}
