use crate::helpers::TestApp;

#[actix_web::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body["status"], "ready");
    let expected = if app.database_url.starts_with("postgres") { "postgresql" } else { "sqlite" };
    assert_eq!(ready.body["database"], expected);
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
}

#[actix_web::test]
async fn metrics_label_routes_by_template_and_show_pools_and_the_cache() {
    let app = TestApp::spawn().await;
    let article = app.publish("Đo đếm").await;
    for _ in 0..3 {
        assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.status, 200);
    }
    app.get("/api/v1/nothing-here").await;
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let count = text
        .lines()
        .find(|l| {
            l.starts_with("newsdesk_http_request_duration_seconds_count{")
                && l.contains("route=\"/api/v1/articles/{id}\"")
                && l.contains("method=\"GET\"")
        })
        .unwrap_or_else(|| panic!("{text}"));
    assert!(count.ends_with(" 3"), "{count}");
    assert!(!text.contains(&format!("/api/v1/articles/{}\"", article["id"])), "never the raw path");
    assert!(text.contains("route=\"unmatched\""));
    assert!(text.contains("# TYPE newsdesk_http_request_duration_seconds histogram"));
    assert!(text.contains("newsdesk_http_request_duration_seconds_bucket{"));
    assert!(text.contains("newsdesk_db_pool_in_use{pool=\"read\"}"));
    assert!(text.contains("newsdesk_db_pool_max{pool=\"read\"} 4"));
    let hits = text.lines().find(|l| l.starts_with("newsdesk_response_cache_total{result=\"hit\"}")).unwrap();
    assert!(!hits.ends_with(" 0"), "repeated reads are cache hits: {hits}");
}
