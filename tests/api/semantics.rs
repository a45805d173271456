//! HTTP as clients and their tools expect it: HEAD, CORS refusals, credentials for
//! non-public lists, one `Vary`, content codings, parameter errors in plain words, and
//! sign-ins that end when their refresh token is replayed.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[actix_web::test]
async fn head_answers_every_get_route_with_its_headers_and_no_body() {
    let app = TestApp::spawn().await;
    let article = app.publish("Chỉ đầu trang").await;
    for path in [
        "/healthz".to_owned(),
        "/api/v1/articles".to_owned(),
        format!("/api/v1/articles/{}", article["id"]),
        "/api/v1/stats/summary".to_owned(),
        "/openapi.json".to_owned(),
    ] {
        let get = app.send(app.client.get(app.url(&path))).await;
        let head = app.send(app.client.head(app.url(&path))).await;
        assert_eq!(head.status, get.status, "{path}");
        assert_eq!(head.body, Value::Null, "{path}: no body");
        for name in ["content-type", "etag", "cache-control", "content-length"] {
            assert_eq!(head.header(name), get.header(name), "{path}: {name}");
        }
    }
    let missing = app.send(app.client.head(app.url("/api/v1/articles/999999"))).await;
    assert_eq!(missing.status, 404);
    let not_get = app.send(app.client.head(app.url("/api/v1/auth/login"))).await;
    assert_eq!(not_get.status, 405);
    assert_eq!(not_get.header("allow"), Some("POST"));
    let options = app.call(Method::PUT, "/api/v1/stats/summary", None, None).await;
    assert_eq!(options.header("allow"), Some("GET, HEAD"), "Allow lists HEAD beside GET");
}

#[actix_web::test]
async fn a_preflight_from_an_origin_not_allowed_is_a_403_problem() {
    let app = TestApp::spawn_with(|settings| settings.cors_origins = vec!["https://tin.example.vn".into()]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, app.url("/api/v1/articles"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, if-match")
    };
    let refused = app.send(preflight("https://evil.example")).await;
    refused.assert_problem(403);
    assert!(refused.body["detail"].as_str().unwrap().contains("https://evil.example"));
    let allowed = app.send(preflight("https://tin.example.vn")).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.header("access-control-allow-origin"), Some("https://tin.example.vn"));
    let simple = app.send(app.client.get(app.url("/api/v1/articles")).header("origin", "https://evil.example")).await;
    simple.assert_problem(403);
}

#[actix_web::test]
async fn lists_by_a_status_other_than_published_need_staff_credentials() {
    let app = TestApp::spawn().await;
    app.create_article(json!({"title": "Nháp"})).await;
    for status in ["draft", "scheduled", "archived", "trashed"] {
        app.get(&format!("/api/v1/articles?status={status}")).await.assert_problem(401);
        app.get(&format!("/api/v1/categories/khong-co/articles?status={status}")).await.assert_problem(401);
    }
    let reader = app.api_token(&["stats:read"]).await;
    app.call(Method::GET, "/api/v1/articles?status=draft", Some(&reader), None).await.assert_problem(403);
    assert_eq!(app.get_as_admin("/api/v1/articles?status=draft").await.body["meta"]["total"], 1);
    assert_eq!(app.get("/api/v1/articles?status=published").await.status, 200);
}

#[actix_web::test]
async fn vary_names_each_header_once() {
    let app = TestApp::spawn().await;
    app.publish("Nén").await;
    let compressed = app.send(app.client.get(app.url("/api/v1/articles")).header("accept-encoding", "gzip")).await;
    let vary: Vec<&str> = compressed.headers.get_all("vary").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(vary.len(), 1, "{vary:?}");
    let names: Vec<String> = vary[0].split(',').map(|n| n.trim().to_ascii_lowercase()).collect();
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(names, unique, "{vary:?}");
    assert!(names.contains(&"accept-encoding".to_owned()) && names.contains(&"authorization".to_owned()));
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut plain).expect("a gzip body");
    plain
}

#[actix_web::test]
async fn kept_responses_go_out_gzipped_to_clients_that_take_gzip_and_plain_to_the_others() {
    let app = TestApp::spawn().await;
    let article = app.publish("Nén một lần, gửi nhiều lần").await;
    let paths = [format!("/api/v1/articles/by-slug/{}", article["slug"].as_str().unwrap()), "/api/v1/articles".into()];
    for path in paths {
        let asking = |accept: &str| app.client.get(app.url(&path)).header("accept-encoding", accept);
        // The first read builds the response and keeps it; the others are answered from the cache.
        let first = app.send(asking("gzip, deflate, br, zstd")).await;
        assert_eq!(first.status, 200, "{path}");
        assert_eq!(first.header("content-encoding"), Some("gzip"), "{path}");
        let plain = app.get(&path).await;
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header("content-encoding"), None, "{path}");
        assert_eq!(plain.header("content-length"), Some(plain.bytes.len().to_string().as_str()));
        assert!(plain.body.is_object(), "{path}: {}", plain.body);
        assert_eq!(gunzip(&first.bytes), plain.bytes, "{path}");
        let tag = plain.header("etag").expect("an ETag").to_owned();

        let kept = app.send(asking("gzip")).await;
        assert_eq!(kept.header("content-encoding"), Some("gzip"));
        assert_eq!(kept.header("etag"), Some(tag.as_str()), "one representation, one tag, whatever the coding");
        assert_eq!(gunzip(&kept.bytes), plain.bytes);
        assert!(kept.bytes.len() < plain.bytes.len());

        let refused = app.send(asking("gzip;q=0, identity")).await;
        assert_eq!(refused.header("content-encoding"), None);
        assert_eq!(refused.bytes, plain.bytes);
        let brotli_only = app.send(asking("br")).await;
        assert_eq!(brotli_only.header("content-encoding"), None);
        assert_eq!(brotli_only.bytes, plain.bytes);
        let unchanged = app.send(asking("gzip").header("if-none-match", &tag)).await;
        assert_eq!(unchanged.status, 304);
        assert!(unchanged.bytes.is_empty());
    }
}

#[actix_web::test]
async fn bad_parameters_are_named_in_plain_words() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tham số").await;
    let cases = [
        ("/api/v1/articles?per_page=abc", "per_page", "must be an integer"),
        ("/api/v1/articles?page=1.5", "page", "must be an integer"),
        ("/api/v1/articles?count=maybe", "count", "must be true or false"),
        ("/api/v1/articles?sort=sideways", "sort", "must be one of"),
        ("/api/v1/articles?published_from=yesterday", "published_from", "RFC 3339"),
        ("/api/v1/stats/breakdown?dimension=os&from=2026-13-01", "from", "2026-11-27"),
        ("/api/v1/stats/series?granularity=day", "metric", "is required"),
        ("/api/v1/articles/abc/related", "id", "must be an integer"),
    ];
    for (path, field, words) in cases {
        let reply = app.get_as_admin(path).await;
        let problem = reply.assert_problem(400);
        let errors = problem["errors"].as_array().unwrap_or_else(|| panic!("{path}: {problem}"));
        assert_eq!(errors[0]["field"], field, "{path}: {problem}");
        let message = errors[0]["message"].as_str().unwrap();
        assert!(message.contains(words), "{path}: {message}");
        for rust in ["i64", "u32", "bool", "DateTime", "NaiveDate", "variant", "serde"] {
            assert!(!problem.to_string().contains(rust), "{path}: {problem}");
        }
    }
    let visitor = app
        .send(
            app.client
                .post(app.url(&format!("/api/v1/articles/{}/ratings", article["id"])))
                .header("x-visitor-id", "no")
                .json(&json!({"score": 3})),
        )
        .await;
    assert_eq!(visitor.assert_problem(400)["errors"][0]["field"], "X-Visitor-Id");
}

#[actix_web::test]
async fn replaying_a_refresh_token_ends_that_sign_ins_access_tokens_at_once() {
    let app = TestApp::spawn().await;
    let session = app.sign_in("admin", crate::helpers::ADMIN_PASSWORD).await;
    let refresh = session.body["refresh_token"].as_str().unwrap().to_owned();
    let rotated = app.call(Method::POST, "/api/v1/auth/refresh", None, Some(&json!({"refresh_token": refresh}))).await;
    let access = rotated.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", Some(&access), None).await.status, 200);

    app.call(Method::POST, "/api/v1/auth/refresh", None, Some(&json!({"refresh_token": refresh})))
        .await
        .assert_problem(401);
    app.call(Method::GET, "/api/v1/auth/me", Some(&access), None).await.assert_problem(401);
    let first_access = session.body["access_token"].as_str().unwrap();
    app.call(Method::GET, "/api/v1/auth/me", Some(first_access), None).await.assert_problem(401);
    assert_eq!(app.get_as_admin("/api/v1/auth/me").await.status, 200, "another sign-in stands");

    let other = app.sign_in("admin", crate::helpers::ADMIN_PASSWORD).await;
    let other_access = other.body["access_token"].as_str().unwrap().to_owned();
    let logout = json!({"refresh_token": other.body["refresh_token"]});
    assert_eq!(app.call(Method::POST, "/api/v1/auth/logout", None, Some(&logout)).await.status, 204);
    app.call(Method::GET, "/api/v1/auth/me", Some(&other_access), None).await.assert_problem(401);
}

#[actix_web::test]
async fn public_reads_name_the_cache_keys_of_their_content() {
    let app = TestApp::spawn().await;
    let source = app.create_source("Nguồn khóa").await;
    let article = app
        .create_article(json!({"title": "Có khóa", "status": "published", "source_id": source["id"], "tags": ["khóa"]}))
        .await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    for _ in 0..2 {
        let page = app.get(&path).await;
        let keys: Vec<&str> = page.header("surrogate-key").unwrap().split(' ').collect();
        assert!(keys.contains(&format!("article-{}", article["id"]).as_str()), "{keys:?}");
        assert!(keys.contains(&format!("source-{}", source["id"]).as_str()), "{keys:?}");
        assert!(keys.contains(&format!("tag-{}", article["tags"][0]["id"]).as_str()), "{keys:?}");
        assert_eq!(page.header("cache-tag").unwrap(), keys.join(","), "the second read comes from the response cache");
    }
    for (path, key) in [
        ("/api/v1/articles".to_owned(), "articles".to_owned()),
        ("/api/v1/feeds/rss".to_owned(), "articles".to_owned()),
        ("/api/v1/stats/summary".to_owned(), "stats".to_owned()),
        (format!("/api/v1/sources/{}", source["id"]), format!("source-{}", source["id"])),
        ("/api/v1/sources".to_owned(), "sources".to_owned()),
        (format!("/api/v1/articles/{}/ratings/summary", article["id"]), format!("article-{}", article["id"])),
    ] {
        assert_eq!(app.get(&path).await.header("surrogate-key"), Some(key.as_str()), "{path}");
    }
}
