//! The audit log: an entry with the right actor for every kind of staff write and for
//! sign-in events, none for a refused write, and the request id that ties it to the logs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The newest entry of `action`, after checking there is exactly one.
async fn only_entry(app: &TestApp, action: &str) -> Value {
    let page = app.get_as_admin(&format!("/api/v1/audit?action={action}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let entries = page.body["data"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "one {action} entry: {entries:?}");
    entries[0].clone()
}

#[track_caller]
fn assert_admin(entry: &Value) {
    assert_eq!(entry["actor"]["username"], "admin", "{entry}");
    assert!(entry["actor"]["user_id"].is_i64());
    assert_eq!(entry["actor"]["token_id"], Value::Null);
    assert_eq!(entry["client_address"], "127.0.0.1");
}

#[actix_web::test]
async fn every_kind_of_staff_write_is_audited_with_its_actor() {
    let app = TestApp::spawn().await;
    let created = app
        .send(
            app.client
                .post(app.url("/api/v1/articles"))
                .bearer_auth(&app.admin_token)
                .header("user-agent", "newsdesk-tests/1")
                .json(&json!({"title": "Được ghi lại", "status": "published"})),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_i64().unwrap();
    let entry = only_entry(&app, "article.create").await;
    assert_admin(&entry);
    assert_eq!(entry["resource_type"], "article");
    assert_eq!(entry["resource_id"], id.to_string());
    assert_eq!(entry["user_agent"], "newsdesk-tests/1");
    assert_eq!(entry["request_id"], created.header("x-request-id").unwrap(), "the same id as the response");
    assert!(entry["changed_fields"].as_array().unwrap().contains(&json!("title")));

    app.patch(&format!("/api/v1/articles/{id}"), &json!({"summary": "Mới"})).await;
    assert_eq!(only_entry(&app, "article.update").await["changed_fields"], json!(["summary"]));
    app.delete(&format!("/api/v1/articles/{id}")).await;
    app.post(&format!("/api/v1/articles/{id}/restore"), &json!({})).await;
    assert_admin(&only_entry(&app, "article.trash").await);
    assert_admin(&only_entry(&app, "article.restore").await);

    let source = app.create_source("Nguồn ghi lại").await;
    app.patch(&format!("/api/v1/sources/{}", source["id"]), &json!({"description": "Mô tả"})).await;
    assert_admin(&only_entry(&app, "source.create").await);
    assert_eq!(only_entry(&app, "source.update").await["changed_fields"], json!(["description"]));
    app.delete(&format!("/api/v1/sources/{}", source["id"])).await;
    assert_eq!(only_entry(&app, "source.delete").await["resource_id"], source["id"].to_string());

    let category = app.post("/api/v1/categories", &json!({"name": "Ghi lại"})).await;
    app.delete(&format!("/api/v1/categories/{}", category.body["id"])).await;
    assert_admin(&only_entry(&app, "category.create").await);
    assert_admin(&only_entry(&app, "category.delete").await);

    let tag = app.post("/api/v1/tags", &json!({"name": "ghi lại"})).await;
    app.patch(&format!("/api/v1/tags/{}", tag.body["id"]), &json!({"name": "ghi chép"})).await;
    assert_eq!(only_entry(&app, "tag.update").await["changed_fields"], json!(["name", "slug"]));

    let editor = app
        .post("/api/v1/users", &json!({"username": "bien.tap", "password": "mat-khau-dai-du", "role": "editor"}))
        .await;
    let editor_path = format!("/api/v1/users/{}", editor.body["id"]);
    app.patch(&editor_path, &json!({"disabled": true})).await;
    let created =
        app.get_as_admin(&format!("/api/v1/audit?action=user.create&resource_id={}", editor.body["id"])).await;
    assert_admin(&created.body["data"][0]);
    let first = app.get_as_admin("/api/v1/audit?action=user.create&resource_type=user").await;
    let first = first.body["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(first["details"]["via"], "first start", "the first admin's creation is recorded too");
    assert_eq!(only_entry(&app, "user.disable").await["changed_fields"], json!(["disabled"]));

    let token = app.post("/api/v1/api-tokens", &json!({"name": "tich hop", "scopes": ["content:write"]})).await;
    let secret = token.body["token_secret"].as_str().unwrap().to_owned();
    assert_admin(&only_entry(&app, "api_token.create").await);
    let by_token = app.call(Method::POST, "/api/v1/articles", Some(&secret), Some(&json!({"title": "Của máy"}))).await;
    assert_eq!(by_token.status, 201);
    let page =
        app.get_as_admin(&format!("/api/v1/audit?resource_id={}&action=article.create", by_token.body["id"])).await;
    let entry = &page.body["data"][0];
    assert_eq!(entry["actor"]["token_id"], token.body["id"]);
    assert_eq!(entry["actor"]["token_name"], "tich hop");
    assert_eq!(entry["actor"]["user_id"], Value::Null);
    let revision = app.get_as_admin(&format!("/api/v1/articles/{}/revisions/1", by_token.body["id"])).await;
    assert_eq!(revision.body["actor"]["token_id"], token.body["id"], "the revision names the token too");
    app.delete(&format!("/api/v1/api-tokens/{}", token.body["id"])).await;
    assert_admin(&only_entry(&app, "api_token.revoke").await);

    let rated = app
        .send(
            app.client
                .post(app.url(&format!("/api/v1/articles/{id}/ratings")))
                .header("x-visitor-id", "doc-gia-001")
                .json(&json!({"score": 4})),
        )
        .await;
    assert_eq!(rated.status, 201, "{}", rated.body);
    let ratings = app.get_as_admin("/api/v1/ratings").await;
    app.delete(&format!("/api/v1/ratings/{}", ratings.body["data"][0]["id"])).await;
    assert_admin(&only_entry(&app, "rating.delete").await);

    app.put("/api/v1/stats/counters/visits/total", &json!({"value": 1258395})).await;
    let counter = only_entry(&app, "stats.counter_set").await;
    assert_eq!(counter["resource_id"], "visits/total");
    assert_eq!(counter["details"]["after"], 1258395);
    app.delete("/api/v1/stats?before=2020-01-01").await;
    assert_admin(&only_entry(&app, "stats.purge").await);
}

#[actix_web::test]
async fn a_refused_write_leaves_no_entry() {
    let app = TestApp::spawn().await;
    let before = app.count_rows("audit_log");
    app.post("/api/v1/articles", &json!({"title": ""})).await.assert_problem(400);
    app.post("/api/v1/sources", &json!({"name": "x", "url": "not a url"})).await.assert_problem(400);
    app.delete("/api/v1/sources/999").await.assert_problem(404);
    let author = app.user_token("tac.gia", "author").await;
    let count_after_setup = app.count_rows("audit_log");
    app.call(Method::POST, "/api/v1/articles", Some(&author), Some(&json!({"title": "x", "status": "published"})))
        .await
        .assert_problem(403);
    assert_eq!(app.count_rows("audit_log"), count_after_setup);
    assert!(count_after_setup > before, "setting up the author was audited");
}

#[actix_web::test]
async fn sign_ins_lockouts_and_token_reuse_are_audited() {
    let app = TestApp::spawn().await;
    app.sign_in("admin", "wrong password").await.assert_problem(401);
    let failed = only_entry(&app, "auth.login_failed").await;
    assert_eq!(failed["actor"]["user_id"], Value::Null, "a failed sign-in acts for no one");
    assert_eq!(failed["details"]["username"], "admin");
    assert_eq!(failed["client_address"], "127.0.0.1");
    let logins = app.get_as_admin("/api/v1/audit?action=auth.login").await;
    assert_eq!(logins.body["data"][0]["actor"]["username"], "admin", "the test's own sign-in");

    for _ in 0..4 {
        app.sign_in("admin", "wrong again").await;
    }
    let lockout = only_entry(&app, "auth.lockout").await;
    assert_eq!(lockout["details"]["username"], "admin");

    let session = app.sign_in("khong.co", "whatever-password").await;
    session.assert_problem(401);
    let page = app.get_as_admin("/api/v1/audit?action=auth.login_failed").await;
    assert_eq!(page.body["data"][0]["details"]["username"], "khong.co");

    let other = app
        .post("/api/v1/users", &json!({"username": "nguoi.khac", "password": "mat-khau-dai-du", "role": "editor"}))
        .await;
    assert_eq!(other.status, 201);
    let signed_in = app.sign_in("nguoi.khac", "mat-khau-dai-du").await;
    let refresh = signed_in.body["refresh_token"].as_str().unwrap().to_owned();
    let rotated = app.call(Method::POST, "/api/v1/auth/refresh", None, Some(&json!({"refresh_token": refresh}))).await;
    assert_eq!(rotated.status, 200);
    app.call(Method::POST, "/api/v1/auth/refresh", None, Some(&json!({"refresh_token": refresh})))
        .await
        .assert_problem(401);
    only_entry(&app, "auth.refresh_reuse").await;

    let fresh = app.sign_in("nguoi.khac", "mat-khau-dai-du").await;
    let access = fresh.body["access_token"].as_str().unwrap().to_owned();
    let changed = app
        .call(
            Method::PATCH,
            "/api/v1/auth/me/password",
            Some(&access),
            Some(&json!({"current_password": "mat-khau-dai-du", "new_password": "mat-khau-moi-dai-hon"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(only_entry(&app, "auth.password_change").await["actor"]["username"], "nguoi.khac");
}

#[actix_web::test]
async fn the_audit_log_is_for_admins_filtered_and_paged_by_cursor() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        app.create_source(&format!("Nguồn {i}")).await;
    }
    let first = app.get_as_admin("/api/v1/audit?resource_type=source&per_page=2").await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 2);
    let cursor = first.body["meta"]["next_cursor"].as_str().unwrap();
    let second = app.get_as_admin(&format!("/api/v1/audit?resource_type=source&per_page=2&cursor={cursor}")).await;
    let ids = |page: &Value| -> Vec<i64> {
        page["data"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect()
    };
    let (a, b) = (ids(&first.body), ids(&second.body));
    assert!(a[0] > a[1] && a[1] > b[0] && b[0] > b[1], "newest first, no overlap: {a:?} {b:?}");
    let third = app
        .get_as_admin(&format!(
            "/api/v1/audit?resource_type=source&per_page=2&cursor={}",
            second.body["meta"]["next_cursor"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&third.body).len(), 1);
    assert_eq!(third.body["meta"]["next_cursor"], Value::Null);

    let admin_id = app.get_as_admin("/api/v1/auth/me").await.body["id"].clone();
    let by_actor = app.get_as_admin(&format!("/api/v1/audit?actor_user_id={admin_id}&resource_type=source")).await;
    assert_eq!(by_actor.body["data"].as_array().unwrap().len(), 5);
    let future = app.get_as_admin("/api/v1/audit?from=2999-01-01T00:00:00Z").await;
    assert_eq!(future.body["data"], json!([]));

    app.get_as_admin("/api/v1/audit?cursor=bm90LWEtY3Vyc29y").await.assert_problem(400);
    app.get_as_admin("/api/v1/audit?per_page=0").await.assert_problem(400);
    app.get_as_admin("/api/v1/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z").await.assert_problem(400);
    let editor = app.user_token("bien.tap", "editor").await;
    app.call(Method::GET, "/api/v1/audit", Some(&editor), None).await.assert_problem(403);
    app.get("/api/v1/audit").await.assert_problem(401);
    let reader = app.api_token(&["audit:read"]).await;
    assert_eq!(app.call(Method::GET, "/api/v1/audit", Some(&reader), None).await.status, 200);
    let writer = app.api_token(&["content:write"]).await;
    app.call(Method::GET, "/api/v1/audit", Some(&writer), None).await.assert_problem(403);
    for method in [Method::POST, Method::DELETE, Method::PUT] {
        let reply = app.call(method, "/api/v1/audit", Some(&app.admin_token), None).await;
        assert_eq!(reply.status, 405, "no API changes the log");
    }
}

#[actix_web::test]
async fn every_response_carries_a_request_id_kept_only_from_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz").await;
    let generated = health.header("x-request-id").unwrap();
    assert_eq!(generated.len(), 32);
    assert_ne!(app.get("/healthz").await.header("x-request-id"), Some(generated));
    let missing = app.get("/api/v1/articles/999").await;
    assert!(missing.header("x-request-id").is_some(), "errors carry it too");
    let spoofed = app.send(app.client.get(app.url("/healthz")).header("x-request-id", "from-the-client")).await;
    assert_ne!(spoofed.header("x-request-id"), Some("from-the-client"), "not from an untrusted client");

    let proxied =
        TestApp::spawn_with(|settings| settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let kept = proxied.send(proxied.client.get(proxied.url("/healthz")).header("x-request-id", "edge-4711")).await;
    assert_eq!(kept.header("x-request-id"), Some("edge-4711"));
    let bad = proxied.send(proxied.client.get(proxied.url("/healthz")).header("x-request-id", "has space")).await;
    assert_ne!(bad.header("x-request-id"), Some("has space"));
}
