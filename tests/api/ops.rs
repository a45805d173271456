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
