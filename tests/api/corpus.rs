//! Every write operation in the OpenAPI document against a corpus of bad input.
//!
//! Input that cannot be valid (malformed or deeply nested JSON, invalid UTF-8, NUL bytes,
//! wrong types, numbers out of range, unknown fields, malformed ids) must be refused with a
//! problem and leave the database as it was. Input that may be valid (SQL injection text,
//! script tags, huge strings) must never cause a 5xx; when stored, injection text comes back
//! verbatim and HTML comes back sanitised. The operations come from the document itself, so
//! a new endpoint is covered the day it is documented.

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::helpers::{Reply, TestApp};

/// The ids and slugs of one of everything, so that `{id}` in any path names a real row.
struct Fixtures {
    article: i64,
    source: i64,
    category: i64,
    category_slug: String,
    tag: i64,
    tag_slug: String,
    user: i64,
    api_token: i64,
    rating: i64,
}

impl Fixtures {
    async fn create(app: &TestApp) -> Self {
        let source = app.create_source("Báo Đồng Nai").await["id"].as_i64().unwrap();
        let category = app.post("/api/v1/categories", &json!({"name": "Thời sự"})).await;
        assert_eq!(category.status, 201, "{}", category.body);
        let tag = app.post("/api/v1/tags", &json!({"name": "Dân vận khéo"})).await;
        assert_eq!(tag.status, 201, "{}", tag.body);
        let article = app
            .create_article(json!({
                "title": "Kết quả thực hiện phong trào thi đua",
                "body_html": "<p>Nội dung</p>",
                "status": "published",
                "source_id": source,
                "category_id": category.body["id"],
                "tags": ["Dân vận khéo"],
            }))
            .await["id"]
            .as_i64()
            .unwrap();
        let user = app
            .post("/api/v1/users", &json!({"username": "bientapvien", "password": "mat-khau-dai-du", "role": "editor"}))
            .await;
        assert_eq!(user.status, 201, "{}", user.body);
        let token = app.post("/api/v1/api-tokens", &json!({"name": "cổng", "scopes": ["content:read"]})).await;
        assert_eq!(token.status, 201, "{}", token.body);
        let rating = app
            .call(
                Method::POST,
                &format!("/api/v1/articles/{article}/ratings"),
                None,
                Some(&json!({"score": 4, "visitor_id": "corpus-visitor-1"})),
            )
            .await;
        assert_eq!(rating.status, 201, "{}", rating.body);
        let ratings = app.get_as_admin(&format!("/api/v1/ratings?article_id={article}")).await;
        Self {
            article,
            source,
            category: category.body["id"].as_i64().unwrap(),
            category_slug: category.body["slug"].as_str().unwrap().to_owned(),
            tag: tag.body["id"].as_i64().unwrap(),
            tag_slug: tag.body["slug"].as_str().unwrap().to_owned(),
            user: user.body["id"].as_i64().unwrap(),
            api_token: token.body["id"].as_i64().unwrap(),
            rating: ratings.body["data"][0]["id"].as_i64().unwrap(),
        }
    }

    /// The path with every parameter filled in with a real value.
    fn fill(&self, template: &str) -> String {
        let resource = template.trim_start_matches("/api/v1/").split('/').next().unwrap_or_default();
        let id = match resource {
            "articles" => self.article,
            "sources" => self.source,
            "categories" => self.category,
            "tags" => self.tag,
            "users" => self.user,
            "api-tokens" => self.api_token,
            "ratings" => self.rating,
            _ => 0,
        };
        let slug = if resource == "tags" { &self.tag_slug } else { &self.category_slug };
        template
            .replace("{id}", &id.to_string())
            .replace("{slug}", slug)
            .replace("{metric}", "page_views")
            .replace("{period}", "total")
            .replace("{format}", "rss")
    }

    /// What the client can read of every fixture, to compare before and after.
    async fn snapshot(&self, app: &TestApp) -> Vec<Value> {
        app.flush();
        let mut seen = Vec::new();
        for table in [
            "articles",
            "sources",
            "categories",
            "tags",
            "article_tags",
            "users",
            "refresh_tokens",
            "api_tokens",
            "ratings",
            "stats_counters",
        ] {
            seen.push(json!({table: app.count_rows(table)}));
        }
        for path in [
            format!("/api/v1/articles/{}", self.article),
            format!("/api/v1/sources/{}", self.source),
            format!("/api/v1/categories/{}", self.category),
            format!("/api/v1/tags/{}", self.tag),
            format!("/api/v1/users/{}", self.user),
            format!("/api/v1/api-tokens/{}", self.api_token),
            format!("/api/v1/articles/{}/ratings/summary", self.article),
            "/api/v1/stats/counters".to_owned(),
        ] {
            seen.push(app.get_as_admin(&path).await.body);
        }
        seen
    }
}

struct Operation {
    method: Method,
    template: String,
    /// The properties of the JSON body, if the operation takes one.
    body: Option<Map<String, Value>>,
    query: Vec<String>,
}

fn operations(document: &Value) -> Vec<Operation> {
    let schemas = &document["components"]["schemas"];
    let mut found = Vec::new();
    for (template, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .map(|reference| resolve(schemas, reference)["properties"].as_object().cloned().unwrap_or_default());
            let query = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            found.push(Operation {
                method: method.to_uppercase().parse().unwrap(),
                template: template.clone(),
                body,
                query,
            });
        }
    }
    found
}

fn resolve<'a>(schemas: &'a Value, reference: &str) -> &'a Value {
    &schemas[reference.trim_start_matches("#/components/schemas/")]
}

/// A body this operation would accept, to which one bad value at a time is added.
fn valid_body(template: &str, method: &Method) -> Value {
    match (template, method.as_str()) {
        ("/api/v1/articles", _) | ("/api/v1/articles/{id}", "PUT") => json!({"title": "Tin mới", "status": "draft"}),
        ("/api/v1/sources", _) | ("/api/v1/sources/{id}", _) => json!({"name": "Nguồn mới"}),
        ("/api/v1/categories", _) | ("/api/v1/categories/{id}", _) => json!({"name": "Mục mới"}),
        ("/api/v1/tags", _) | ("/api/v1/tags/{id}", _) => json!({"name": "Thẻ mới"}),
        ("/api/v1/users", _) => json!({"username": "phongvien", "password": "mat-khau-dai-du", "role": "author"}),
        ("/api/v1/users/{id}", _) => json!({"display_name": "Biên tập viên"}),
        ("/api/v1/api-tokens", _) => json!({"name": "tích hợp", "scopes": ["content:read"]}),
        ("/api/v1/articles/{id}/ratings", _) => json!({"score": 5, "visitor_id": "corpus-visitor-2"}),
        ("/api/v1/auth/login", _) => json!({"username": "admin", "password": "not-the-password"}),
        ("/api/v1/auth/me/password", _) => json!({"current_password": "wrong", "new_password": "mat-khau-moi-dai"}),
        ("/api/v1/stats/counters/{metric}/{period}", _) => json!({"value": 5}),
        ("/api/v1/stats/hits", _) => json!({"path": "/tin-tuc"}),
        _ => json!({"title": "Tin sửa"}),
    }
}

/// JSON values of the wrong kind for a property of this schema.
fn wrong_values(schemas: &Value, property: &Value) -> Vec<Value> {
    let kind = property_kind(schemas, property);
    let mut values = vec![json!([1, 2]), json!({"nested": {"deeper": true}})];
    match kind.as_str() {
        "string" => values.extend([json!(12), json!(true), json!("nul\u{0}byte")]),
        "enum" => values.extend([json!(12), json!("no-such-value"), json!("")]),
        "integer" => values.extend([json!("12"), json!(1.5), json!(true), json!(u64::MAX), json!(-1e30)]),
        "boolean" => values.extend([json!("true"), json!(1)]),
        "array" => values.retain(Value::is_object),
        _ => values.extend([json!(12), json!("text")]),
    }
    values
}

fn property_kind(schemas: &Value, property: &Value) -> String {
    let reference = property["$ref"]
        .as_str()
        .or_else(|| property["oneOf"].as_array().and_then(|v| v.iter().find_map(|s| s["$ref"].as_str())));
    if let Some(reference) = reference {
        let target = resolve(schemas, reference);
        return if target["enum"].is_array() { "enum".into() } else { "object".into() };
    }
    match &property["type"] {
        Value::String(kind) => kind.clone(),
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or("").to_owned(),
        _ => String::new(),
    }
}

/// Raw bodies no operation may accept.
fn malformed_bodies(valid: &Value) -> Vec<(&'static str, Vec<u8>)> {
    let serialized = valid.to_string();
    let first_string = valid.as_object().unwrap().iter().find(|(_, v)| v.is_string()).map(|(k, _)| k.clone());
    let mut invalid_utf8 = Vec::new();
    if let Some(key) = first_string {
        let mut marked = valid.clone();
        marked[&key] = json!("@@here@@");
        let text = marked.to_string();
        let (before, after) = text.split_once("@@here@@").unwrap();
        invalid_utf8 = [before.as_bytes(), b"Tin \xff\xfe t\xc3", after.as_bytes()].concat();
    }
    let mut with_duplicate = serialized.clone();
    with_duplicate.insert_str(1, &format!("{},", &serialized[1..serialized.len() - 1]));
    vec![
        ("empty", Vec::new()),
        ("truncated", serialized.as_bytes()[..serialized.len() / 2].to_vec()),
        ("null", b"null".to_vec()),
        ("array", b"[]".to_vec()),
        ("fields as an array", b"[null, null]".to_vec()),
        ("string", b"\"text\"".to_vec()),
        ("number", b"1e400".to_vec()),
        ("nested arrays", "[".repeat(100_000).into_bytes()),
        ("nested objects", format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)).into_bytes()),
        ("invalid utf-8", invalid_utf8),
        ("duplicate keys", with_duplicate.into_bytes()),
        ("trailing garbage", format!("{serialized} x").into_bytes()),
        ("unknown field", {
            let mut extra = valid.clone();
            extra["no_such_field"] = json!(1);
            extra.to_string().into_bytes()
        }),
        ("nul outside strings", serialized.replacen(':', ":\u{0}", 1).into_bytes()),
    ]
}

/// Text any string property may legitimately receive: it must be stored as sent or refused.
const INJECTION_TEXT: [&str; 4] = [
    "'; DROP TABLE articles; --",
    "1' OR '1'='1",
    "Robert\"); DELETE FROM users WHERE (\"1\"=\"1",
    "%' UNION SELECT 1 --",
];
const SCRIPT_HTML: [&str; 4] = [
    "<script>alert(1)</script><p>ok</p>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<svg><style>@import url(x)</style></svg><iframe src=//evil></iframe>",
];

async fn send_raw(app: &TestApp, method: &Method, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
    app.send(
        app.client
            .request(method.clone(), app.url(path))
            .bearer_auth(&app.admin_token)
            .header("content-type", content_type)
            .header("x-visitor-id", "corpus-visitor-3")
            .body(body),
    )
    .await
}

#[track_caller]
fn assert_refused(reply: &Reply, what: &str) {
    assert!((400..500).contains(&reply.status), "{what}: expected a 4xx, got {} {}", reply.status, reply.body);
    // A HEAD answer has the problem's headers but never its body.
    if what.starts_with("HEAD ") {
        assert_eq!(reply.header("content-type"), Some("application/problem+json"), "{what}");
    } else {
        reply.assert_problem(reply.status);
    }
}

#[actix_web::test]
async fn every_write_operation_refuses_bad_input_and_changes_nothing() {
    let app = TestApp::spawn_with(|settings| settings.rating_rate_limit = 1_000_000).await;
    let fixtures = Fixtures::create(&app).await;
    let document = app.get("/openapi.json").await.body;
    let schemas = document["components"]["schemas"].clone();
    let before = fixtures.snapshot(&app).await;
    let mut tried = 0;
    let writes: Vec<Operation> =
        operations(&document).into_iter().filter(|op| op.method != Method::GET && op.body.is_some()).collect();
    assert!(writes.len() >= 20, "the document lists the write operations");
    for operation in &writes {
        let path = fixtures.fill(&operation.template);
        let valid = valid_body(&operation.template, &operation.method);
        for (name, body) in malformed_bodies(&valid) {
            let reply = send_raw(&app, &operation.method, &path, "application/json", body).await;
            assert_refused(&reply, &format!("{} {path} with {name}", operation.method));
            tried += 1;
        }
        let wrong_media = send_raw(&app, &operation.method, &path, "text/plain", valid.to_string().into()).await;
        assert_eq!(wrong_media.status, 415, "{} {path} as text/plain", operation.method);
        tried += 1;
        for (property, schema) in operation.body.as_ref().unwrap() {
            for value in wrong_values(&schemas, schema) {
                let mut body = valid.clone();
                body[property] = value.clone();
                let reply = send_raw(&app, &operation.method, &path, "application/json", body.to_string().into()).await;
                assert_refused(&reply, &format!("{} {path} with {property} = {value}", operation.method));
                tried += 1;
            }
        }
        assert_eq!(fixtures.snapshot(&app).await, before, "{} {path} changed something", operation.method);
    }
    println!("bad-input corpus: {tried} requests to {} write operations, all refused", writes.len());
}

#[actix_web::test]
async fn malformed_ids_pagination_and_cursors_are_refused_everywhere() {
    let app = TestApp::spawn().await;
    let fixtures = Fixtures::create(&app).await;
    let document = app.get("/openapi.json").await.body;
    let before = fixtures.snapshot(&app).await;
    let mut tried = 0;
    let bad_ids = ["abc", "1.5", "99999999999999999999", "-", "%00", "..%2F..%2Fetc%2Fpasswd", "1%20OR%201=1"];
    for operation in operations(&document).iter().filter(|op| op.template.contains("{id}")) {
        for bad in bad_ids {
            let path = fixtures.fill(&operation.template.replace("{id}", bad));
            let reply = app.call(operation.method.clone(), &path, Some(&app.admin_token), Some(&json!({}))).await;
            assert_refused(&reply, &format!("{} {path}", operation.method));
            tried += 1;
        }
    }
    let bad_paging = [
        "page=-1",
        "page=0",
        "page=99999999999999999999",
        "per_page=-5",
        "per_page=1000000",
        "per_page=1e3",
        "cursor=%%%",
        "cursor=bm90LWpzb24",
        "cursor=eyJ2IjpbMSwyLDNdfQ",
        "cursor=eyJzb3J0IjoidGl0bGUiLCJ2YWx1ZSI6W119",
    ];
    for operation in operations(&document).iter().filter(|op| op.method == Method::GET) {
        let path = fixtures.fill(&operation.template);
        for bad in bad_paging {
            let parameter = bad.split('=').next().unwrap();
            if operation.query.iter().any(|name| name == parameter) {
                let reply = app.get_as_admin(&format!("{path}?{bad}")).await;
                assert_refused(&reply, &format!("GET {path}?{bad}"));
                tried += 1;
            }
        }
        // Any value in any parameter: refused or answered, never a failure.
        for name in &operation.query {
            for value in ["%00", "%FF%FE", "-1", "99999999999999999999", "'%20OR%201=1--", "%3Cscript%3E"] {
                let reply = app.get_as_admin(&format!("{path}?{name}={value}")).await;
                assert!(reply.status < 500, "GET {path}?{name}={value}: {} {}", reply.status, reply.body);
                if reply.status >= 400 {
                    reply.assert_problem(reply.status);
                }
                tried += 1;
            }
        }
    }
    assert_eq!(fixtures.snapshot(&app).await, before, "a malformed request changed something");
    println!("malformed ids, paging and parameters: {tried} requests, none failed");
}

#[actix_web::test]
async fn injection_text_is_stored_verbatim_and_html_is_sanitised() {
    let app = TestApp::spawn_with(|settings| settings.rating_rate_limit = 1_000_000).await;
    let fixtures = Fixtures::create(&app).await;
    let document = app.get("/openapi.json").await.body;
    let schemas = document["components"]["schemas"].clone();
    let mut tried = 0;
    let huge = "Dân vận khéo ".repeat(20_000);
    for operation in operations(&document).iter().filter(|op| op.method != Method::GET && op.body.is_some()) {
        let path = fixtures.fill(&operation.template);
        let valid = valid_body(&operation.template, &operation.method);
        for (property, schema) in operation.body.as_ref().unwrap() {
            if property_kind(&schemas, schema) != "string" {
                continue;
            }
            let texts = INJECTION_TEXT.iter().chain(&SCRIPT_HTML).copied().chain([huge.as_str()]);
            for (n, text) in texts.enumerate() {
                let mut body = valid.clone();
                // Distinct names, so that a stored row does not turn the next try into a conflict.
                for key in ["name", "title"] {
                    if let Some(name) = body.get(key).and_then(Value::as_str) {
                        body[key] = json!(format!("{name} {n} {property}"));
                    }
                }
                body[property] = json!(text);
                let reply = app.call(operation.method.clone(), &path, Some(&app.admin_token), Some(&body)).await;
                let what = format!("{} {path} with {property} = {:.40}", operation.method, text);
                assert!(reply.status < 500, "{what}: {} {}", reply.status, reply.body);
                if reply.status >= 400 {
                    reply.assert_problem(reply.status);
                } else if property == "body_html" {
                    let html = reply.body["body_html"].as_str().unwrap_or_default();
                    for forbidden in ["<script", "onerror", "javascript:", "<iframe", "<style"] {
                        assert!(!html.contains(forbidden), "{what}: stored {html}");
                    }
                } else if INJECTION_TEXT.contains(&text) && reply.body[property].is_string() {
                    assert_eq!(reply.body[property], json!(text), "{what}: stored verbatim");
                }
                tried += 1;
            }
        }
    }
    for table in ["articles", "sources", "categories", "tags", "users", "ratings", "api_tokens"] {
        assert!(app.count_rows(table) >= 1, "{table} is still there");
    }
    let admin = app.get_as_admin("/api/v1/auth/me").await;
    assert_eq!(admin.status, 200, "injection text did not touch the admin");
    assert_eq!(admin.body["role"], "admin");
    println!("injection and markup corpus: {tried} requests, none failed");
}

#[actix_web::test]
async fn decomposed_vietnamese_is_the_same_word_for_slugs_uniqueness_and_search() {
    let app = TestApp::spawn().await;
    let composed = app.publish("Dân vận khéo ở Đồng Nai").await;
    let decomposed = app.publish("Da\u{302}n va\u{323}\u{302}n khe\u{301}o o\u{31b}\u{309} Đồng Nai").await;
    assert_eq!(decomposed["title"], composed["title"], "stored composed");
    assert_eq!(composed["slug"], "dan-van-kheo-o-dong-nai");
    assert_eq!(decomposed["slug"], "dan-van-kheo-o-dong-nai-2", "the same slug, so the second is numbered");

    app.create_source("Báo Đồng Nai").await;
    let same_source = app.post("/api/v1/sources", &json!({"name": "Ba\u{301}o Đồng Nai"})).await;
    same_source.assert_problem(409);

    for query in ["khéo", "khe\u{301}o", "kheo"] {
        let found = app.get(&format!("/api/v1/articles?q={query}")).await;
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(found.body["data"].as_array().unwrap().len(), 2, "search for {query:?}");
    }
}
