use serde_json::json;

use crate::helpers::TestApp;

#[actix_web::test]
async fn a_source_goes_through_its_whole_life() {
    let app = TestApp::spawn().await;

    let created = app
        .post(
            "/api/v1/sources",
            &json!({"name": "Báo Bình Phước", "url": "https://baobinhphuoc.example.vn", "description": "Cơ quan ngôn luận"}),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.header("location"), Some(format!("/api/v1/sources/{id}").as_str()));
    assert_eq!(created.body["name"], "Báo Bình Phước");
    assert_eq!(created.body["article_count"], 0);
    assert_eq!(created.body["logo_url"], serde_json::Value::Null);

    let fetched = app.get(&format!("/api/v1/sources/{id}")).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body["url"], "https://baobinhphuoc.example.vn");

    let patched = app
        .patch(&format!("/api/v1/sources/{id}"), &json!({"url": null, "logo_url": "https://a.example.vn/logo.png"}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["url"], serde_json::Value::Null);
    assert_eq!(patched.body["logo_url"], "https://a.example.vn/logo.png");
    assert_eq!(patched.body["name"], "Báo Bình Phước", "absent fields stay as they are");

    let replaced = app.put(&format!("/api/v1/sources/{id}"), &json!({"name": "Đoàn Tứ"})).await;
    assert_eq!(replaced.status, 200);
    assert_eq!(replaced.body["name"], "Đoàn Tứ");
    assert_eq!(replaced.body["logo_url"], serde_json::Value::Null, "PUT replaces the whole source");
    assert_eq!(replaced.body["description"], serde_json::Value::Null);

    let deleted = app.delete(&format!("/api/v1/sources/{id}")).await;
    assert_eq!(deleted.status, 204);
    app.get(&format!("/api/v1/sources/{id}")).await.assert_problem(404);
    assert_eq!(app.count_rows("sources"), 0);
}

#[actix_web::test]
async fn sources_are_listed_by_name_with_their_article_counts() {
    let app = TestApp::spawn().await;
    let second = app.create_source("Trung tâm Truyền thông").await;
    app.create_source("Ban Dân vận").await;
    for title in ["Tin một", "Tin hai"] {
        app.create_article(json!({"title": title, "source_id": second["id"]})).await;
    }

    let list = app.get("/api/v1/sources?per_page=1").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["meta"]["total"], 2);
    assert_eq!(list.body["meta"]["total_pages"], 2);
    assert_eq!(list.header("x-total-count"), Some("2"));
    assert_eq!(list.body["data"][0]["name"], "Ban Dân vận");
    assert!(list.header("link").unwrap().contains("rel=\"next\""));

    let page_two = app.get("/api/v1/sources?per_page=1&page=2").await;
    assert_eq!(page_two.body["data"][0]["name"], "Trung tâm Truyền thông");
    assert_eq!(page_two.body["data"][0]["article_count"], 2);
}

#[actix_web::test]
async fn a_source_name_is_unique() {
    let app = TestApp::spawn().await;
    app.create_source("Ban Dân vận").await;
    let other = app.create_source("Sở Văn hóa").await;

    let duplicate = app.post("/api/v1/sources", &json!({"name": "Ban Dân vận"})).await;
    duplicate.assert_problem(409);
    assert_eq!(duplicate.error_fields(), ["name"]);

    let rename = app.patch(&format!("/api/v1/sources/{}", other["id"]), &json!({"name": "Ban Dân vận"})).await;
    rename.assert_problem(409);
    assert_eq!(app.count_rows("sources"), 2);
    assert_eq!(app.get(&format!("/api/v1/sources/{}", other["id"])).await.body["name"], "Sở Văn hóa");
}

#[actix_web::test]
async fn a_source_cited_by_articles_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let source = app.create_source("Đoàn Tứ").await;
    let article = app.create_article(json!({"title": "Có nguồn", "source_id": source["id"]})).await;

    let refused = app.delete(&format!("/api/v1/sources/{}", source["id"])).await;
    let problem = refused.assert_problem(409);
    assert!(problem["detail"].as_str().unwrap().contains("1 article"));
    assert_eq!(app.count_rows("sources"), 1, "nothing was deleted");
    assert_eq!(app.count_rows("articles"), 1);

    app.patch(&format!("/api/v1/articles/{}", article["id"]), &json!({"source_id": null})).await;
    assert_eq!(app.delete(&format!("/api/v1/sources/{}", source["id"])).await.status, 204);
}

#[actix_web::test]
async fn invalid_sources_are_rejected_field_by_field() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/sources",
            &json!({"name": "  ", "url": "javascript:alert(1)", "logo_url": "ftp://x.vn/a.png", "description": "x".repeat(2001)}),
        )
        .await;
    reply.assert_problem(400);
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(fields, ["description", "logo_url", "name", "url"]);
    assert_eq!(app.count_rows("sources"), 0);

    app.get("/api/v1/sources/999").await.assert_problem(404);
    app.put("/api/v1/sources/999", &json!({"name": "Không có"})).await.assert_problem(404);
    app.patch("/api/v1/sources/999", &json!({"name": "Không có"})).await.assert_problem(404);
    app.delete("/api/v1/sources/999").await.assert_problem(404);
    app.get("/api/v1/sources/abc").await.assert_problem(400);
}
