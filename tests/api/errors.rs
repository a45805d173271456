//! Every kind of bad input gets a problem document and changes nothing.

use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = TestApp::spawn().await;
    for body in ["{\"title\": ", "not json", "{\"title\": \"a\"} trailing", "[1, 2]", ""] {
        let reply = app.post_raw("/api/v1/articles", "application/json", body).await;
        reply.assert_problem(400);
    }
    let invalid_utf8 =
        app.post_raw("/api/v1/articles", "application/json", b"{\"title\": \"\xff\xfe\"}".to_vec()).await;
    invalid_utf8.assert_problem(400);
    assert_eq!(app.count_rows("articles"), 0);
}

#[actix_web::test]
async fn unknown_fields_wrong_types_and_missing_fields_name_the_field() {
    let app = TestApp::spawn().await;
    let unknown = app.post("/api/v1/articles", &json!({"title": "Tin", "titel": "typo"})).await;
    unknown.assert_problem(400);
    assert_eq!(unknown.error_fields(), ["titel"]);

    let nested_unknown =
        app.post("/api/v1/articles", &json!({"title": "Tin", "cover_image": {"url": "/a.jpg", "size": 3}})).await;
    assert_eq!(nested_unknown.error_fields(), ["cover_image.size"]);

    let wrong_type = app.post("/api/v1/articles", &json!({"title": 42})).await;
    wrong_type.assert_problem(400);
    assert_eq!(wrong_type.error_fields(), ["title"]);

    let wrong_nested_type = app.post("/api/v1/articles", &json!({"title": "Tin", "tags": ["a", 7]})).await;
    assert_eq!(wrong_nested_type.error_fields(), ["tags[1]"]);

    let bad_enum = app.post("/api/v1/articles", &json!({"title": "Tin", "status": "live"})).await;
    assert_eq!(bad_enum.error_fields(), ["status"]);

    let bad_date = app.post("/api/v1/articles", &json!({"title": "Tin", "published_at": "26/09/2020 06:54"})).await;
    assert_eq!(bad_date.error_fields(), ["published_at"]);

    let missing = app.post("/api/v1/sources", &json!({"url": "https://a.example.vn"})).await;
    missing.assert_problem(400);
    assert_eq!(missing.error_fields(), ["name"]);

    let huge_number =
        app.post_raw("/api/v1/articles", "application/json", r#"{"title":"Tin","source_id":1e400}"#).await;
    huge_number.assert_problem(400);
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    app.post_raw("/api/v1/articles", "application/json", nested).await.assert_problem(400);
    assert_eq!(app.count_rows("articles"), 0);
    assert_eq!(app.count_rows("sources"), 0);
}

#[actix_web::test]
async fn bodies_over_the_limit_are_413() {
    let app = TestApp::spawn_with(|settings| settings.body_limit = 4096).await;
    let big = json!({"title": "Tin", "body_html": "x".repeat(5000)});
    app.post("/api/v1/articles", &big).await.assert_problem(413);

    // Without a Content-Length the limit still holds while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(b"{\"title\":\"Tin\",\"body_html\":\"".to_vec()), Ok(vec![b'x'; 5000]), Ok(b"\"}".to_vec())];
    let stream = futures_util::stream::iter(chunks);
    let streamed = app.post_raw("/api/v1/articles", "application/json", reqwest::Body::wrap_stream(stream)).await;
    streamed.assert_problem(413);
    assert_eq!(app.count_rows("articles"), 0);

    let small = app.post("/api/v1/articles", &json!({"title": "Tin nhỏ"})).await;
    assert_eq!(small.status, 201);
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    app.post_raw("/api/v1/articles", "text/plain", "{\"title\": \"Tin\"}").await.assert_problem(415);
    app.post_raw("/api/v1/sources", "application/x-www-form-urlencoded", "name=Tin").await.assert_problem(415);
    let json_with_charset =
        app.post_raw("/api/v1/sources", "application/json; charset=utf-8", "{\"name\": \"Tin\"}").await;
    assert_eq!(json_with_charset.status, 201);
}

#[actix_web::test]
async fn bad_query_strings_and_paths_are_400() {
    let app = TestApp::spawn().await;
    for query in ["per_page=abc", "page=-1", "page=99999999999999999999", "source_id=x", "sort=%FF"] {
        app.get(&format!("/api/v1/articles?{query}")).await.assert_problem(400);
    }
    for (query, field) in [("per_page=0", "per_page"), ("per_page=101", "per_page"), ("page=0", "page")] {
        let reply = app.get(&format!("/api/v1/articles?{query}")).await;
        reply.assert_problem(400);
        assert_eq!(reply.error_fields(), [field]);
    }
    let nul_tag = app.get("/api/v1/articles?tag=a%00b").await;
    nul_tag.assert_problem(400);
    assert_eq!(nul_tag.error_fields(), ["tag"]);
    app.get("/api/v1/articles/by-slug/a%00b").await.assert_problem(404);
    app.get("/api/v1/articles/by-slug/..%2F..%2Fetc%2Fpasswd").await.assert_problem(404);
    app.get("/api/v1/articles/12abc").await.assert_problem(400);
    app.get("/api/v1/articles/99999999999999999999").await.assert_problem(400);
    app.delete("/api/v1/sources/-").await.assert_problem(400);
}

#[actix_web::test]
async fn control_characters_are_refused() {
    let app = TestApp::spawn().await;
    let reply = app.post("/api/v1/articles", &json!({"title": "Tin\u{0}độc", "author": "a\u{7}b"})).await;
    reply.assert_problem(400);
    assert_eq!(reply.error_fields(), ["title", "author"]);
    let injection = app.publish("'; DROP TABLE articles; --").await;
    assert_eq!(injection["title"], "'; DROP TABLE articles; --", "stored verbatim");
    assert_eq!(app.count_rows("articles"), 1);
}

#[actix_web::test]
async fn unknown_routes_are_404_problems() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/nothing-here").await.assert_problem(404);
    app.get("/api/v2/articles").await.assert_problem(404);
    let wrong_method = app.post("/api/v1/articles/by-slug/x", &json!({})).await;
    wrong_method.assert_problem(405);
    assert_eq!(wrong_method.header("allow"), Some("GET, HEAD"));
    let collection = app.call(Method::PATCH, "/api/v1/articles", None, None).await;
    collection.assert_problem(405);
    assert_eq!(collection.header("allow"), Some("GET, HEAD, POST"));
}
