//! The OpenAPI document: committed, current, complete.

use serde_json::Value;

use crate::helpers::TestApp;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[actix_web::test]
async fn the_committed_document_is_current() {
    let app = TestApp::spawn().await;
    let served = app.get("/openapi.json").await;
    assert_eq!(served.status, 200);
    let committed: Value = serde_json::from_str(COMMITTED).expect("openapi/openapi.json is JSON");
    assert!(
        served.body == committed,
        "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json` and commit it"
    );
    assert_eq!(newsdesk::startup::openapi_json(), COMMITTED, "the file is exactly what `newsdesk openapi` prints");
}

#[actix_web::test]
async fn every_operation_documents_its_errors() {
    let spec: Value = serde_json::from_str(COMMITTED).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/articles",
        "/api/v1/articles/{id}",
        "/api/v1/articles/by-slug/{slug}",
        "/api/v1/sources",
        "/api/v1/sources/{id}",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(expected), "{expected} is missing from the document");
    }
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{method} {path} documents no response");
            if path.contains('{') || method != "get" {
                assert!(responses.contains_key("400"), "{method} {path} documents no 400");
            }
            if path.contains("{id}") || path.contains("{slug}") {
                assert!(responses.contains_key("404"), "{method} {path} documents no 404");
            }
            if operation.get("requestBody").is_some() {
                for status in ["413", "415"] {
                    assert!(responses.contains_key(status), "{method} {path} documents no {status}");
                }
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"].get("application/problem+json").is_some(),
                        "{method} {path} {status} is not a problem document"
                    );
                }
            }
        }
    }
}

#[actix_web::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let page = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("cdn"), "no CDN");
    let script = app.client.get(app.url("/docs/swagger-ui-bundle.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    let initializer = app.client.get(app.url("/docs/swagger-initializer.js")).send().await.unwrap();
    assert!(initializer.text().await.unwrap().contains("/openapi.json"));
    newsdesk::webhooks::delivery::install_tls_provider();
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status().as_u16() / 100, 3);
}

#[test]
fn every_schema_reference_resolves() {
    let spec: Value = serde_json::from_str(COMMITTED).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let text = spec.to_string();
    for reference in text.split("#/components/schemas/").skip(1) {
        let name: String = reference.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        assert!(schemas.contains_key(&name), "#/components/schemas/{name} is referenced but not defined");
    }
}

#[actix_web::test]
async fn what_the_server_sends_is_documented() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tài liệu").await;
    let spec: Value = serde_json::from_str(COMMITTED).unwrap();
    assert_eq!(spec["servers"][0]["url"], "/", "a servers entry");
    let paths = spec["paths"].as_object().unwrap();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            assert!(operation["security"].is_array(), "{method} {path} declares its security");
        }
        let Some(get) = item.get("get").filter(|_| path.starts_with("/api/")) else { continue };
        // A GET that only redirects (a banner's click URL) has no content to validate.
        let Some(ok) = get["responses"].get("200") else {
            assert!(get["responses"]["302"].is_object(), "GET {path} documents no 200 and no redirect");
            continue;
        };
        assert!(ok["headers"]["ETag"].is_object(), "GET {path} documents its ETag");
        assert!(get["responses"]["304"].is_object(), "GET {path} documents its 304");
        if ok
            .pointer("/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
            .is_some_and(|r| r.contains("ListResponse_"))
        {
            assert!(ok["headers"]["Link"].is_object() && ok["headers"]["X-Total-Count"].is_object(), "GET {path}");
        }
    }
    let ratings = &spec["components"]["schemas"]["ListResponse_RatingResponse"]["properties"]["data"]["items"];
    assert_eq!(ratings["$ref"], "#/components/schemas/RatingResponse", "shared schemas are referenced");

    // And the headers named are the ones sent, 304 included.
    let served = [
        format!("/api/v1/articles/{}", article["id"]),
        "/api/v1/sources".to_owned(),
        "/api/v1/tags".to_owned(),
        "/api/v1/stats/summary".to_owned(),
        format!("/api/v1/articles/{}/ratings/summary", article["id"]),
    ];
    for path in served {
        let first = app.get(&path).await;
        let etag = first.header("etag").unwrap_or_else(|| panic!("{path} sends an ETag")).to_owned();
        let again = app.send(app.client.get(app.url(&path)).header("if-none-match", &etag)).await;
        assert_eq!(again.status, 304, "{path}");
    }
}

/// Two response types of one name would be one schema in the document, and one of the
/// operations would describe the other's body.
#[test]
fn schema_names_are_unique_in_the_source() {
    let mut names = std::collections::HashMap::new();
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (n, line) in lines.iter().enumerate() {
                let Some(rest) = line.strip_prefix("pub struct ").or_else(|| line.strip_prefix("pub enum ")) else {
                    continue;
                };
                let derives = lines[n.saturating_sub(4)..n].iter().any(|l| l.contains("ToSchema"));
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if derives && let Some(other) = names.insert(name.clone(), path.display().to_string()) {
                    panic!("{name} is a schema in {other} and in {}", path.display());
                }
            }
        }
    }
}
