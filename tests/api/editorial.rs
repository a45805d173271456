//! The newsroom's safety nets: revisions and restore, `If-Match`, the trash, draft
//! previews, and the audit log of who did what.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

const ORIGINAL_BODY: &str = "<p>Phong trào thi đua dân vận khéo được triển khai rộng khắp.</p>";

async fn with_if_match(app: &TestApp, method: Method, path: &str, token: &str, tag: &str, body: &Value) -> Reply {
    app.send(app.client.request(method, app.url(path)).bearer_auth(token).header("if-match", tag).json(body)).await
}

async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let page = app.get_as_admin(&format!("/api/v1/audit?{query}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body["data"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn three_edits_then_restoring_revision_1_brings_back_the_exact_original() {
    let app = TestApp::spawn().await;
    let article = app
        .create_article(json!({"title": "Dân vận khéo", "body_html": ORIGINAL_BODY, "summary": "Tóm tắt đầu tiên"}))
        .await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    assert_eq!(article["revision"], 1);
    for (i, body) in ["<p>Bản sửa một.</p>", "<p>Bản sửa hai.</p>", "<p>Bản sửa ba.</p>"].iter().enumerate()
    {
        let edited = app.patch(&path, &json!({"body_html": body, "note": format!("sửa lần {}", i + 1)})).await;
        assert_eq!(edited.status, 200, "{}", edited.body);
        assert_eq!(edited.body["revision"], i as i64 + 2);
    }
    let unchanged = app.patch(&path, &json!({"body_html": "<p>Bản sửa ba.</p>"})).await;
    assert_eq!(unchanged.body["revision"], 4, "a write that changes nothing stores no revision");

    let history = app.get_as_admin(&format!("{path}/revisions")).await;
    assert_eq!(history.status, 200);
    assert_eq!(history.body["meta"]["total"], 4);
    let numbers: Vec<i64> =
        history.body["data"].as_array().unwrap().iter().map(|r| r["number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [4, 3, 2, 1], "newest first");
    let newest = &history.body["data"][0];
    assert_eq!(newest["note"], "sửa lần 3");
    assert_eq!(newest["changed_fields"], json!(["body_html"]));
    assert_eq!(newest["actor"]["name"], "admin");

    let first = app.get_as_admin(&format!("{path}/revisions/1")).await;
    assert_eq!(first.body["snapshot"]["body_html"], ORIGINAL_BODY);
    assert_eq!(first.body["snapshot"]["title"], "Dân vận khéo");

    let restored = app.post(&format!("{path}/revisions/1/restore"), &json!({"note": "về bản đầu"})).await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(restored.body["body_html"], ORIGINAL_BODY);
    assert_eq!(restored.body["revision"], 5);
    assert_eq!(restored.body["status"], "draft", "the status stays as it was");
    let fifth = app.get_as_admin(&format!("{path}/revisions/5")).await;
    assert_eq!(fifth.body["restored_from"], 1);
    assert_eq!(fifth.body["note"], "về bản đầu");
    assert_eq!(app.get_as_admin(&path).await.body["body_html"], ORIGINAL_BODY);

    app.get_as_admin(&format!("{path}/revisions/99")).await.assert_problem(404);
    app.get(&format!("{path}/revisions")).await.assert_problem(401);
    app.post(&format!("{path}/revisions/99/restore"), &json!({})).await.assert_problem(404);
    app.post(&format!("{path}/revisions/1/restore"), &json!({"note": 5})).await.assert_problem(400);
}

#[actix_web::test]
async fn only_the_newest_revisions_are_kept() {
    let app = TestApp::spawn_with(|settings| settings.revisions_keep = 3).await;
    let article = app.create_article(json!({"title": "Bản 1"})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    for n in 2..=6 {
        assert_eq!(app.patch(&path, &json!({"title": format!("Bản {n}")})).await.body["revision"], n);
    }
    let history = app.get_as_admin(&format!("{path}/revisions")).await;
    let numbers: Vec<i64> =
        history.body["data"].as_array().unwrap().iter().map(|r| r["number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [6, 5, 4], "the write past the limit pruned the oldest");
    app.get_as_admin(&format!("{path}/revisions/3")).await.assert_problem(404);
    let diff = app.get_as_admin(&format!("{path}/revisions/4/diff")).await;
    assert_eq!(diff.body["against"], Value::Null, "the oldest kept revision has nothing before it");
}

#[actix_web::test]
async fn a_diff_shows_the_changed_fields_and_words() {
    let app = TestApp::spawn().await;
    let article = app.create_article(json!({"title": "Tin cũ", "body_html": ORIGINAL_BODY})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let new_body = "<p>Phong trào thi đua dân vận rất khéo được triển khai.</p>";
    app.patch(&path, &json!({"title": "Tin mới", "body_html": new_body})).await;

    let diff = app.get_as_admin(&format!("{path}/revisions/2/diff")).await;
    assert_eq!(diff.status, 200, "{}", diff.body);
    assert_eq!(diff.body["against"], 1);
    let fields: Vec<&str> =
        diff.body["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["body_html", "title"], "by name");
    assert_eq!(diff.body["changes"][1]["before"], "Tin cũ");
    assert_eq!(diff.body["changes"][1]["after"], "Tin mới");
    let words = diff.body["words"]["body_html"].as_array().unwrap();
    let text = |op: &str| -> String {
        words.iter().filter(|w| w["op"] == op).map(|w| w["text"].as_str().unwrap()).collect::<String>()
    };
    assert!(text("insert").contains("rất") && !text("insert").contains("Phong"), "{words:?}");
    assert!(text("delete").contains("rộng") && text("delete").contains("khắp"), "{words:?}");
    assert!(text("equal").contains("Phong trào thi đua dân vận"));
    assert!(diff.body["words"].get("summary").is_none(), "the summary did not change");

    let against_itself = app.get_as_admin(&format!("{path}/revisions/2/diff?against=2")).await;
    assert_eq!(against_itself.body["changes"], json!([]));
    let first = app.get_as_admin(&format!("{path}/revisions/1/diff")).await;
    assert_eq!(first.body["against"], Value::Null, "the first revision is compared with nothing");
    app.get_as_admin(&format!("{path}/revisions/2/diff?against=9")).await.assert_problem(404);
    app.get_as_admin(&format!("{path}/revisions/2/diff?against=x")).await.assert_problem(400);
}

#[actix_web::test]
async fn two_editors_with_one_etag_the_second_gets_412_and_the_first_text_survives() {
    let app = TestApp::spawn().await;
    let article = app.create_article(json!({"title": "Bài chung", "body_html": "<p>Gốc.</p>"})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let first = app.user_token("bien.tap.mot", "editor").await;
    let second = app.user_token("bien.tap.hai", "editor").await;

    let read = app.call(Method::GET, &path, Some(&first), None).await;
    let tag = read.header("etag").unwrap().to_owned();
    assert_eq!(tag, "\"rev-1\"", "staff get the revision as a strong tag");

    let saved =
        with_if_match(&app, Method::PATCH, &path, &first, &tag, &json!({"body_html": "<p>Của người một.</p>"})).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.header("etag"), Some("\"rev-2\""));
    let stale = with_if_match(
        &app,
        Method::PUT,
        &path,
        &second,
        &tag,
        &json!({"title": "Ghi đè", "body_html": "<p>Của người hai.</p>"}),
    )
    .await;
    let problem = stale.assert_problem(412);
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("revision 2") && detail.contains("bien.tap.mot"), "{detail}");
    assert_eq!(stale.header("etag"), Some("\"rev-2\""), "the 412 names the current version");
    assert_eq!(app.get_as_admin(&path).await.body["body_html"], "<p>Của người một.</p>");

    let weak = with_if_match(&app, Method::PATCH, &path, &second, "W/\"rev-2\"", &json!({"title": "Yếu"})).await;
    weak.assert_problem(412);
    let any = with_if_match(&app, Method::PATCH, &path, &second, "*", &json!({"title": "Bất kỳ"})).await;
    assert_eq!(any.status, 200);
    let deleted = with_if_match(&app, Method::DELETE, &path, &second, "\"rev-1\"", &json!({})).await;
    deleted.assert_problem(412);
    assert_eq!(app.count_rows("audit_log WHERE action = 'article.trash'"), 0, "a refused write leaves no entry");

    // Sources and categories honour If-Match too.
    let source = app.create_source("Nguồn chung").await;
    let source_path = format!("/api/v1/sources/{}", source["id"]);
    let source_tag = app.get(&source_path).await.header("etag").unwrap().to_owned();
    let renamed =
        with_if_match(&app, Method::PATCH, &source_path, &first, &source_tag, &json!({"name": "Nguồn A"})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    with_if_match(&app, Method::PATCH, &source_path, &second, &source_tag, &json!({"name": "Nguồn B"}))
        .await
        .assert_problem(412);
    let category = app.post("/api/v1/categories", &json!({"name": "Chuyên mục"})).await;
    let category_path = format!("/api/v1/categories/{}", category.body["id"]);
    let category_tag = category.header("etag").unwrap().to_owned();
    assert_eq!(
        with_if_match(&app, Method::PATCH, &category_path, &first, &category_tag, &json!({"position": 2})).await.status,
        200
    );
    with_if_match(&app, Method::DELETE, &category_path, &second, &category_tag, &json!({})).await.assert_problem(412);
}

#[actix_web::test]
async fn if_match_is_required_when_configured() {
    let app = TestApp::spawn_with(|settings| settings.require_if_match = true).await;
    let article = app.create_article(json!({"title": "Bắt buộc"})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    app.patch(&path, &json!({"title": "Không có"})).await.assert_problem(428);
    app.delete(&path).await.assert_problem(428);
    let tag = app.get_as_admin(&path).await.header("etag").unwrap().to_owned();
    let token = app.admin_token.clone();
    assert_eq!(with_if_match(&app, Method::PATCH, &path, &token, &tag, &json!({"title": "Có"})).await.status, 200);
    let source = app.create_source("Nguồn").await;
    app.patch(&format!("/api/v1/sources/{}", source["id"]), &json!({"name": "Khác"})).await.assert_problem(428);
}

#[actix_web::test]
async fn the_trash_hides_restores_and_deletes_for_good() {
    let app = TestApp::spawn().await;
    let article = app.publish("Vào thùng rác").await;
    let id = article["id"].as_i64().unwrap();
    let path = format!("/api/v1/articles/{id}");
    assert_eq!(app.delete(&path).await.status, 204);
    app.get(&path).await.assert_problem(404);
    app.get(&format!("/api/v1/articles/by-slug/{}", article["slug"].as_str().unwrap())).await.assert_problem(404);
    assert_eq!(app.get("/api/v1/articles").await.body["meta"]["total"], 0);
    assert_eq!(app.get_as_admin("/api/v1/articles").await.body["meta"]["total"], 0, "staff lists leave the trash out");
    let trash = app.get_as_admin("/api/v1/articles?status=trashed").await;
    assert_eq!(trash.body["meta"]["total"], 1);
    assert_eq!(trash.body["data"][0]["status"], "trashed");
    assert!(trash.body["data"][0]["trashed_at"].is_string());
    let staff_view = app.get_as_admin(&path).await;
    assert_eq!(staff_view.body["status"], "trashed");
    let same_slug = app.post("/api/v1/articles", &json!({"title": "Khác", "slug": article["slug"]})).await;
    same_slug.assert_problem(409);

    let restored = app.post(&format!("{path}/restore"), &json!({})).await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(restored.body["status"], "published", "back as it was");
    assert_eq!(app.get(&path).await.status, 200);
    app.post(&format!("{path}/restore"), &json!({})).await.assert_problem(409);

    app.delete(&path).await;
    assert!(app.count_rows(&format!("article_revisions WHERE article_id = {id}")) >= 1);
    assert_eq!(app.delete(&format!("{path}?permanent=true")).await.status, 204);
    app.get_as_admin(&path).await.assert_problem(404);
    assert_eq!(app.count_rows(&format!("article_revisions WHERE article_id = {id}")), 0, "revisions go too");

    let author = app.user_token("tac.gia", "author").await;
    let draft = app.call(Method::POST, "/api/v1/articles", Some(&author), Some(&json!({"title": "Nháp"}))).await;
    let draft_path = format!("/api/v1/articles/{}?permanent=true", draft.body["id"]);
    app.call(Method::DELETE, &draft_path, Some(&author), None).await.assert_problem(403);
}

#[actix_web::test]
async fn the_sweep_removes_what_stayed_in_the_trash_too_long() {
    let app = TestApp::spawn_with(|settings| {
        settings.maintenance_interval = 50;
        settings.audit_days = 30;
    })
    .await;
    let old = app.publish("Để lâu").await;
    let fresh = app.publish("Mới bỏ").await;
    app.delete(&format!("/api/v1/articles/{}", old["id"])).await;
    app.clock.advance(chrono::Duration::days(20));
    app.delete(&format!("/api/v1/articles/{}", fresh["id"])).await;
    app.clock.advance(chrono::Duration::days(11));
    let started = Instant::now();
    while app.count_rows(&format!("articles WHERE id = {}", old["id"])) == 1 {
        assert!(started.elapsed() < Duration::from_secs(10), "the sweep ran");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.count_rows(&format!("articles WHERE id = {}", fresh["id"])), 1, "20 days is not yet 30");
    let entries = audit(&app, &format!("action=article.delete&resource_id={}", old["id"])).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"]["user_id"], Value::Null, "the sweep acts for no one");
    assert_eq!(audit(&app, "action=article.create").await, Vec::<Value>::new(), "entries past NEWSDESK_AUDIT_DAYS go");
}

#[actix_web::test]
async fn a_preview_link_reads_its_draft_only_until_it_expires() {
    let app = TestApp::spawn_with(|settings| {
        settings.preview_url = Some("https://portal.example/api/draft?slug={slug}&token={token}".into())
    })
    .await;
    let draft = app.create_article(json!({"title": "Bản nháp bí mật", "body_html": "<p>Nháp.</p>"})).await;
    let other = app.create_article(json!({"title": "Nháp khác"})).await;
    let path = format!("/api/v1/articles/{}", draft["id"]);
    let slug = draft["slug"].as_str().unwrap().to_owned();
    app.get(&path).await.assert_problem(404);

    let link = app.post(&format!("{path}/preview-links"), &json!({"expires_in": 3600})).await;
    assert_eq!(link.status, 201, "{}", link.body);
    let token = link.body["token"].as_str().unwrap().to_owned();
    assert_eq!(
        link.body["url"],
        format!("https://portal.example/api/draft?slug={slug}&token={token}"),
        "the frontend's preview route, filled in"
    );
    let by_id = app.get(&format!("{path}?preview={token}")).await;
    assert_eq!(by_id.status, 200, "{}", by_id.body);
    assert_eq!(by_id.body["title"], "Bản nháp bí mật");
    assert_eq!(by_id.header("cache-control"), Some("private, no-store"));
    let by_slug = app.get(&format!("/api/v1/articles/by-slug/{slug}?preview={token}")).await;
    assert_eq!(by_slug.body["status"], "draft");

    app.get(&format!("/api/v1/articles/{}?preview={token}", other["id"])).await.assert_problem(401);
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    app.get(&format!("{path}?preview={tampered}")).await.assert_problem(401);
    app.get(&format!("{path}?preview={}", app.admin_token)).await.assert_problem(401);
    app.get(&path).await.assert_problem(404);
    app.get(&format!("/api/v1/articles/by-slug/{slug}")).await.assert_problem(404);

    // A pinned revision shows the article as it was then.
    app.patch(&path, &json!({"title": "Tiêu đề mới"})).await;
    let pinned = app.post(&format!("{path}/preview-links"), &json!({"revision": 1})).await;
    let pinned_token = pinned.body["token"].as_str().unwrap();
    assert_eq!(app.get(&format!("{path}?preview={pinned_token}")).await.body["title"], "Bản nháp bí mật");
    app.post(&format!("{path}/preview-links"), &json!({"revision": 9})).await.assert_problem(404);
    app.post(&format!("{path}/preview-links"), &json!({"expires_in": 8 * 86400})).await.assert_problem(400);

    app.clock.advance(chrono::Duration::hours(2));
    let expired = app.get(&format!("{path}?preview={token}")).await;
    assert!(expired.assert_problem(401)["detail"].as_str().unwrap().contains("expired"));
    assert_eq!(app.get(&format!("{path}?preview={pinned_token}")).await.status, 200, "a day by default");
}
