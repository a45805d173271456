//! The `newsdesk` command itself, run as a process.

use std::process::Command;

use crate::helpers::{TestApp, fresh_database, serve};

fn newsdesk(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk")
}

#[actix_web::test]
async fn seed_demo_fills_an_empty_database_once() {
    let (url, _database) = fresh_database();
    let first = newsdesk(&url, &["seed", "demo"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let again = newsdesk(&url, &["seed", "demo"]);
    assert!(again.status.success());

    let app = TestApp::spawn().await;
    let target = newsdesk::db::DatabaseTarget::parse(&url).unwrap();
    let address = serve(&url, newsdesk::config::Settings::for_database(target));
    let seeded = app.send(app.client.get(format!("{address}/api/v1/articles"))).await;
    assert_eq!(seeded.status, 200);
    assert_eq!(seeded.body["meta"]["total"], 4, "four demo articles are public; a second run added none");
    assert!(seeded.body["data"][0]["source"]["name"].is_string());
}

#[test]
fn openapi_prints_the_document_and_bad_settings_stop_start_up() {
    let printed = newsdesk("newsdesk.db", &["openapi"]);
    assert!(printed.status.success());
    assert_eq!(String::from_utf8(printed.stdout).unwrap(), newsdesk::startup::openapi_json());

    let bad_url = newsdesk("mysql://localhost/x", &["migrate"]);
    assert!(!bad_url.status.success());
    assert!(String::from_utf8_lossy(&bad_url.stderr).contains("DATABASE_URL"));

    let bad_bind = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .env("NEWSDESK_BIND", "not-an-address")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!bad_bind.status.success());
    assert!(String::from_utf8_lossy(&bad_bind.stderr).contains("NEWSDESK_BIND"));
}
