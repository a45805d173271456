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

/// The replica's reads as `/metrics` counts them.
async fn replica_reads(app: &TestApp, name: &str) -> u64 {
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let prefix = format!("newsdesk_db_replica_reads_total{{replica=\"{name}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&prefix)).map_or(0, |n| n.parse().unwrap())
}

/// Public reads go to a healthy replica and skip one that does not answer; staff reads
/// stay on the primary. A second URL of the test database stands in for the replica (a
/// server that is not a standby is as current as its own WAL); `deploy/replica/check.sh`
/// runs the same against a real streaming replica. SQLite has no replicas: it refuses them.
#[actix_web::test]
async fn public_reads_go_to_healthy_replicas_and_staff_reads_to_the_primary() {
    const DEAD: &str = "postgres://postgres@127.0.0.1:1/nowhere?sslmode=disable";
    let (database_url, _database) = crate::helpers::fresh_database();
    if !database_url.starts_with("postgres") {
        let target = newsdesk::db::DatabaseTarget::parse(&database_url).unwrap();
        let db = newsdesk::db::Db::connect(&target, 1).unwrap();
        let refused = db.with_replicas(&[DEAD.to_owned()], std::time::Duration::from_secs(5)).err();
        assert!(refused.is_some_and(|e| e.contains("PostgreSQL")), "SQLite must refuse replicas");
        return;
    }
    let app = TestApp::spawn_with(|settings| {
        if let newsdesk::db::DatabaseTarget::Postgres(url) = &settings.database_url {
            settings.replica_urls = vec![url.clone(), DEAD.to_owned()];
        }
    })
    .await;
    let live = {
        let url = url::Url::parse(&app.database_url).unwrap();
        format!("{}:{}{}", url.host_str().unwrap(), url.port().unwrap_or(5432), url.path())
    };
    let mut states = serde_json::Value::Null;
    for _ in 0..100 {
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status, 200, "a dead replica leaves the process ready: {}", ready.body);
        states = ready.body["replicas"].clone();
        if states[0]["state"] == "healthy" && states[1]["state"] == "down" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(states[0]["name"], live.as_str(), "{states}");
    assert_eq!(states[0]["state"], "healthy", "{states}");
    assert!(states[0]["lag_seconds"].as_f64().is_some_and(|lag| lag < 5.0), "{states}");
    assert_eq!(states[1]["name"], "127.0.0.1:1/nowhere", "{states}");
    assert_eq!(states[1]["state"], "down", "{states}");
    assert!(states[1]["problem"].as_str().is_some_and(|p| !p.is_empty()), "{states}");

    let article = app.publish("Đọc từ bản sao").await;
    let slug = article["slug"].as_str().unwrap();
    let before = replica_reads(&app, &live).await;
    for path in [format!("/api/v1/articles/by-slug/{slug}"), "/api/v1/articles".into(), "/api/v1/categories".into()] {
        for _ in 0..5 {
            let reply = app.send(app.client.get(app.url(&path)).header("cache-control", "no-cache")).await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        }
    }
    let after = replica_reads(&app, &live).await;
    assert_eq!(after - before, 15, "every anonymous read went to the live replica");
    assert_eq!(replica_reads(&app, "127.0.0.1:1/nowhere").await, 0);
    for path in [format!("/api/v1/articles/{}", article["id"]), "/api/v1/articles?status=draft".into()] {
        assert_eq!(app.get_as_admin(&path).await.status, 200);
    }
    assert_eq!(replica_reads(&app, &live).await, after, "staff reads stay on the primary");
}
