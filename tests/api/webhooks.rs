//! Webhooks: real deliveries to a receiver on 127.0.0.1, their signatures checked with the
//! `standardwebhooks` crate (an implementation independent of newsdesk's), retries with
//! one `webhook-id`, 410 disabling, the SSRF guard, secret rotation, the scheduler, and
//! nothing lost across a SIGKILL or between two processes.

use std::collections::{HashSet, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::helpers::{ServerProcess, TestApp, fresh_database};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub fn id(&self) -> &str {
        self.headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// A webhook receiver: records every request and answers the scripted statuses in turn
/// (then 200).
#[derive(Clone, Default)]
pub struct Receiver {
    pub received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
    pub url: String,
}

async fn receive(req: HttpRequest, body: web::Bytes, receiver: web::Data<Receiver>) -> HttpResponse {
    let mut headers = http::HeaderMap::new();
    for (name, value) in req.headers() {
        headers.insert(
            http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
            http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    receiver.received.lock().unwrap().push(Received { headers, body: String::from_utf8_lossy(&body).into() });
    let status = receiver.script.lock().unwrap().pop_front().unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).body("received")
}

impl Receiver {
    pub fn start(script: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver = Self {
            url: format!("http://127.0.0.1:{port}/hooks"),
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            ..Self::default()
        };
        let shared = receiver.clone();
        let server = HttpServer::new(move || {
            App::new().app_data(web::Data::new(shared.clone())).default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        receiver
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The requests of one event type.
    pub fn of(&self, kind: &str) -> Vec<Received> {
        self.all().into_iter().filter(|r| r.json()["type"] == kind).collect()
    }

    /// Waits up to `seconds` for `count` requests of `kind`.
    pub async fn wait_for(&self, kind: &str, count: usize, seconds: u64) -> Vec<Received> {
        for _ in 0..seconds * 20 {
            let got = self.of(kind);
            if got.len() >= count {
                return got;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{count} × {kind} did not arrive in {seconds} s; got {:?}",
            self.all().iter().map(Received::json).collect::<Vec<_>>()
        );
    }
}

async fn webhook_app() -> TestApp {
    TestApp::spawn_with(|settings| {
        settings.webhook_allow_private = true;
        settings.webhook_retry_base = 0.05;
        settings.scheduler_interval = 0.2;
    })
    .await
}

/// Subscribes `url` to `events`; returns the created endpoint with its secret.
async fn subscribe(app: &TestApp, url: &str, events: Value) -> Value {
    let created = app.post("/api/v1/webhooks", &json!({"url": url, "events": events, "description": "test"})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.body
}

/// The endpoint once newsdesk has turned it off (or as it is after 5 s).
async fn turned_off(app: &TestApp, hook: &Value) -> Value {
    let mut shown = Value::Null;
    for _ in 0..100 {
        shown = app.get_as_admin(&format!("/api/v1/webhooks/{}", hook["id"])).await.body;
        if shown["active"] == false {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    shown
}

/// The endpoint's deliveries, newest first, once none is waiting to be recorded (a
/// receiver has the request before the worker records its answer), or as they are after 5 s.
async fn settled_deliveries(app: &TestApp, hook: &Value) -> Vec<Value> {
    let mut list = Vec::new();
    for _ in 0..100 {
        let deliveries = app.get_as_admin(&format!("/api/v1/webhooks/{}/deliveries", hook["id"])).await;
        assert_eq!(deliveries.status, 200);
        list = deliveries.body["data"].as_array().cloned().unwrap_or_default();
        if list.iter().all(|delivery| delivery["status"] != "pending") {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    list
}

#[track_caller]
fn assert_signed(received: &Received, secret: &str) {
    let verifier = standardwebhooks::Webhook::new(secret).expect("a Standard Webhooks secret");
    verifier.verify(received.body.as_bytes(), &received.headers).expect("the signature verifies independently");
}

#[actix_web::test]
async fn deliveries_are_signed_by_the_standard_and_carry_the_change() {
    let app = webhook_app().await;
    let receiver = Receiver::start(&[]);
    let hook = subscribe(&app, &receiver.url, json!(["article.*"])).await;
    let secret = hook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let shown = app.get_as_admin(&format!("/api/v1/webhooks/{}", hook["id"])).await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.get("secret").is_none(), "the secret is shown once: {}", shown.body);
    assert_eq!(shown.body["events"], json!(["article.*"]));

    let article = app.publish("Tin có webhook").await;
    let id = article["id"].as_i64().unwrap();
    let created = receiver.wait_for("article.created", 1, 10).await;
    let published = receiver.wait_for("article.published", 1, 10).await;
    for received in [&created[0], &published[0]] {
        assert_signed(received, secret);
        let body = received.json();
        assert_eq!(body["data"]["object"]["id"], id);
        assert_eq!(body["data"]["object"]["revision"], 1);
        assert_eq!(body["data"]["actor"]["name"], "admin");
        assert_eq!(body["data"]["actor"]["type"], "user");
        let keys = body["data"]["cache_keys"].as_array().unwrap();
        assert!(keys.contains(&json!(format!("article-{id}"))) && keys.contains(&json!("articles")), "{keys:?}");
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    }
    let order: Vec<Value> = receiver.all().iter().map(|r| r.json()["type"].clone()).collect();
    assert_eq!(order, ["article.created", "article.published"], "in event order");

    app.patch(&format!("/api/v1/articles/{id}"), &json!({"summary": "Tóm tắt mới"})).await;
    let updated = receiver.wait_for("article.updated", 1, 10).await;
    assert_signed(&updated[0], secret);
    let body = updated[0].json();
    assert_eq!(body["data"]["changed_fields"], json!(["summary"]));
    assert_eq!(body["data"]["object"]["summary"], "Tóm tắt mới");
    assert_eq!(body["data"]["object"]["revision"], 2);
    assert_eq!(body["data"]["cache_keys"], json!([format!("article-{id}"), "articles"]), "an edit purges its own keys");

    // The verification is real: a changed body or another secret fails it.
    let mut tampered = updated[0].clone();
    tampered.body = tampered.body.replace("Tóm tắt mới", "Tóm tắt khác");
    let verifier = standardwebhooks::Webhook::new(secret).unwrap();
    assert!(verifier.verify(tampered.body.as_bytes(), &tampered.headers).is_err());
    let other = standardwebhooks::Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert!(other.verify(updated[0].body.as_bytes(), &updated[0].headers).is_err());

    // Not subscribed: sources.
    app.create_source("Không gửi").await;
    app.delete(&format!("/api/v1/articles/{id}")).await;
    receiver.wait_for("article.trashed", 1, 10).await;
    receiver.wait_for("article.unpublished", 1, 10).await;
    assert!(receiver.of("source.created").is_empty());

    let list = settled_deliveries(&app, &hook).await;
    assert_eq!(list.len(), 5);
    assert!(list.iter().all(|d| d["status"] == "succeeded" && d["attempts"] == 1 && d["last_status_code"] == 200));
    assert_eq!(list[0]["event_type"], "article.unpublished", "newest first");
    assert_eq!(list[0]["last_response"], "received");
    assert_eq!(list[0]["next_attempt_at"], Value::Null);
    let attempted: Vec<&str> = list.iter().map(|d| d["last_attempt_at"].as_str().expect("when it was sent")).collect();
    assert!(attempted.iter().all(|at| chrono::DateTime::parse_from_rfc3339(at).is_ok()), "{attempted:?}");
    assert!(list.iter().all(|d| d["last_duration_ms"].is_u64()));
}

#[actix_web::test]
async fn a_failing_receiver_gets_the_event_again_with_one_webhook_id() {
    let app = webhook_app().await;
    let receiver = Receiver::start(&[500, 503]);
    let hook = subscribe(&app, &receiver.url, json!(["source.created"])).await;
    app.create_source("Gửi lại").await;
    let attempts = receiver.wait_for("source.created", 3, 20).await;
    assert_eq!(attempts.len(), 3);
    let ids: HashSet<&str> = attempts.iter().map(Received::id).collect();
    assert_eq!(ids.len(), 1, "every attempt has the same webhook-id");
    for received in &attempts {
        assert_signed(received, hook["secret"].as_str().unwrap());
    }
    let deliveries = settled_deliveries(&app, &hook).await;
    let delivery = &deliveries[0];
    assert_eq!(delivery["status"], "succeeded");
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(app.get_as_admin(&format!("/api/v1/webhooks/{}", hook["id"])).await.body["failures_in_a_row"], 0);
}

#[actix_web::test]
async fn gone_disables_the_endpoint_and_says_why() {
    let app = webhook_app().await;
    let receiver = Receiver::start(&[410]);
    let hook = subscribe(&app, &receiver.url, json!(["*"])).await;
    app.post("/api/v1/tags", &json!({"name": "Biển đảo"})).await;
    receiver.wait_for("tag.created", 1, 10).await;
    let shown = turned_off(&app, &hook).await;
    assert_eq!(shown["active"], false, "{shown}");
    assert!(shown["disabled_reason"].as_str().unwrap().contains("410"));
    let audit = app.get_as_admin("/api/v1/audit?action=webhook.disable").await;
    assert_eq!(audit.body["data"].as_array().unwrap().len(), 1);
    // Off: no new events, and a ping is refused.
    app.post("/api/v1/tags", &json!({"name": "Không gửi nữa"})).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.all().len(), 1);
    app.call(reqwest::Method::POST, &format!("/api/v1/webhooks/{}/ping", hook["id"]), Some(&app.admin_token), None)
        .await
        .assert_problem(409);
    let deliveries = app.get_as_admin(&format!("/api/v1/webhooks/{}/deliveries?status=failed", hook["id"])).await;
    assert_eq!(deliveries.body["data"][0]["last_status_code"], 410);
}

#[actix_web::test]
async fn the_ssrf_guard_refuses_private_and_metadata_targets() {
    let app = TestApp::spawn().await;
    for url in ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://127.0.0.1:9/", "http://[::1]/"]
    {
        let refused = app.post("/api/v1/webhooks", &json!({"url": url, "events": ["*"]})).await;
        refused.assert_problem(400);
        assert_eq!(refused.error_fields(), ["url"], "{url}: {}", refused.body);
    }
    for (body, field) in [
        (json!({"url": "https://hooks.example.vn/", "events": ["article.viewed"]}), "events"),
        (json!({"url": "https://hooks.example.vn/", "events": []}), "events"),
        (json!({"url": "ftp://hooks.example.vn/", "events": ["*"]}), "url"),
        (json!({"url": "https://user:pass@hooks.example.vn/", "events": ["*"]}), "url"),
    ] {
        let refused = app.post("/api/v1/webhooks", &body).await;
        refused.assert_problem(400);
        assert_eq!(refused.error_fields(), [field], "{}", refused.body);
    }
    assert_eq!(app.count_rows("webhooks"), 0);
}

#[actix_web::test]
async fn only_admins_and_scoped_tokens_manage_webhooks() {
    let app = webhook_app().await;
    let editor = app.user_token("bientap", "editor").await;
    let listed = app.call(reqwest::Method::GET, "/api/v1/webhooks", Some(&editor), None).await;
    listed.assert_problem(403);
    let anonymous = app.get("/api/v1/webhooks").await;
    anonymous.assert_problem(401);
    let token = app.api_token(&["webhooks:manage"]).await;
    let body = json!({"url": "http://127.0.0.1:9/", "events": ["ping"]});
    let created = app.call(reqwest::Method::POST, "/api/v1/webhooks", Some(&token), Some(&body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    let listed = app.call(reqwest::Method::GET, "/api/v1/webhooks", Some(&token), None).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    let patched = app.patch(&format!("/api/v1/webhooks/{id}"), &json!({"events": ["rating.*"], "active": false})).await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["events"], json!(["rating.*"]));
    assert_eq!(app.delete(&format!("/api/v1/webhooks/{id}")).await.status, 204);
    assert_eq!(app.get_as_admin(&format!("/api/v1/webhooks/{id}")).await.status, 404);
}

#[actix_web::test]
async fn pings_redeliveries_and_rotated_secrets() {
    let app = webhook_app().await;
    let receiver = Receiver::start(&[]);
    let hook = subscribe(&app, &receiver.url, json!(["category.*"])).await;
    let id = hook["id"].as_i64().unwrap();
    let ping = app.post(&format!("/api/v1/webhooks/{id}/ping"), &json!({})).await;
    assert_eq!(ping.status, 202, "{}", ping.body);
    let pinged = receiver.wait_for("ping", 1, 10).await;
    assert_eq!(pinged[0].id(), ping.body["message_id"]);

    let again = app.post(&format!("/api/v1/webhooks/{id}/deliveries/{}/redeliver", ping.body["id"]), &json!({})).await;
    assert_eq!(again.status, 202, "{}", again.body);
    let pinged = receiver.wait_for("ping", 2, 10).await;
    assert_eq!(pinged[0].id(), pinged[1].id(), "a redelivery keeps the webhook-id");

    let old_secret = hook["secret"].as_str().unwrap();
    let rotated = app.post(&format!("/api/v1/webhooks/{id}/rotate-secret"), &json!({})).await;
    assert_eq!(rotated.status, 200);
    let new_secret = rotated.body["secret"].as_str().unwrap();
    assert_ne!(new_secret, old_secret);
    assert!(rotated.body["previous_secret_expires_at"].is_string());
    app.post("/api/v1/categories", &json!({"name": "Thời sự", "slug": "thoi-su"})).await;
    let created = receiver.wait_for("category.created", 1, 10).await;
    assert_signed(&created[0], new_secret);
    assert_signed(&created[0], old_secret);
    assert_eq!(created[0].json()["data"]["cache_keys"], json!(["categories"]));
    let audit = app.get_as_admin("/api/v1/audit?resource_type=webhook").await;
    let actions: Vec<&str> =
        audit.body["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["webhook.rotate_secret", "webhook.redeliver", "webhook.create"]);
    assert!(!audit.body.to_string().contains(new_secret), "no secret in the audit log");
}

#[actix_web::test]
async fn a_scheduled_article_is_announced_once_its_time_comes() {
    let app = webhook_app().await;
    let receiver = Receiver::start(&[]);
    subscribe(&app, &receiver.url, json!(["article.published", "article.unpublished", "article.created"])).await;
    let soon = (chrono::Utc::now() + chrono::TimeDelta::milliseconds(1500)).to_rfc3339();
    let later = (chrono::Utc::now() + chrono::TimeDelta::milliseconds(3000)).to_rfc3339();
    let article = app
        .create_article(json!({"title": "Hẹn giờ", "status": "published", "published_at": soon, "expires_at": later}))
        .await;
    receiver.wait_for("article.created", 1, 10).await;
    assert!(receiver.of("article.published").is_empty(), "not before its time");
    let published = receiver.wait_for("article.published", 1, 10).await;
    assert_eq!(published[0].json()["data"]["object"]["id"], article["id"]);
    assert_eq!(published[0].json()["data"]["actor"], json!({"type": "system", "name": "scheduler"}));
    receiver.wait_for("article.unpublished", 1, 10).await;
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.of("article.published").len(), 1, "announced once");
    assert_eq!(receiver.of("article.unpublished").len(), 1);
}

/// A write acknowledged just before a SIGKILL is delivered after the restart: its event
/// was stored with it.
#[actix_web::test]
async fn an_event_acknowledged_before_a_kill_is_delivered_after_the_restart() {
    let (database_url, _database) = fresh_database();
    let receiver = Receiver::start(&[503]);
    let env = [("NEWSDESK_WEBHOOK_ALLOW_PRIVATE", "true"), ("NEWSDESK_WEBHOOK_RETRY_BASE", "0.2")];
    let mut server = ServerProcess::start(&database_url, &env, None).await;
    let client = crate::helpers::http_client();
    let token = crate::helpers::login_at(&client, &server.base).await;
    let created = client
        .post(format!("{}/api/v1/webhooks", server.base))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url, "events": ["source.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let source = client
        .post(format!("{}/api/v1/sources", server.base))
        .bearer_auth(&token)
        .json(&json!({"name": "Trước khi tắt"}))
        .send()
        .await
        .unwrap();
    assert_eq!(source.status(), 201);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let seen_before = receiver.of("source.created").len();
    let _restarted = ServerProcess::start(&database_url, &env, None).await;
    let delivered = receiver.wait_for("source.created", seen_before + 1, 45).await;
    assert!(delivered.last().unwrap().json()["data"]["object"]["name"] == "Trước khi tắt");
}

/// Two processes on one database, 1,000 changes through both: the receiver, deduping by
/// `webhook-id`, counts exactly 1,000.
#[actix_web::test]
async fn two_processes_deliver_a_thousand_changes_exactly_once_each_after_dedup() {
    let (database_url, _database) = fresh_database();
    let receiver = Receiver::start(&[]);
    let env = [
        ("NEWSDESK_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("NEWSDESK_WEBHOOK_RETRY_BASE", "0.2"),
        ("NEWSDESK_SCHEDULER_INTERVAL", "0.2"),
    ];
    let first = ServerProcess::start(&database_url, &env, None).await;
    let second = ServerProcess::start(&database_url, &env, None).await;
    let client = crate::helpers::http_client();
    let token = crate::helpers::login_at(&client, &first.base).await;
    let created = client
        .post(format!("{}/api/v1/webhooks", first.base))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url, "events": ["tag.created", "article.published"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let soon = (chrono::Utc::now() + chrono::TimeDelta::milliseconds(1500)).to_rfc3339();
    let scheduled = client
        .post(format!("{}/api/v1/articles", second.base))
        .bearer_auth(&token)
        .json(&json!({"title": "Hẹn giờ hai tiến trình", "status": "published", "published_at": soon}))
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.status(), 201);
    let bases = [first.base.clone(), second.base.clone()];
    let writers = (0..8).map(|writer| {
        let (client, token, base) = (client.clone(), token.clone(), bases[writer % 2].clone());
        async move {
            for n in 0..125 {
                let reply = client
                    .post(format!("{base}/api/v1/tags"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("Thẻ {writer}-{n}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(reply.status(), 201);
            }
        }
    });
    futures_util::future::join_all(writers).await;
    let received = receiver.wait_for("tag.created", 1000, 120).await;
    let distinct: HashSet<&str> = received.iter().map(Received::id).collect();
    assert_eq!(distinct.len(), 1000, "every change once, after dedup by webhook-id");
    let names: HashSet<String> =
        received.iter().map(|r| r.json()["data"]["object"]["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names.len(), 1000);
    receiver.wait_for("article.published", 1, 20).await;
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receiver.of("article.published").len(), 1, "one process announced the scheduled article");
}

#[actix_web::test]
async fn failures_in_a_row_disable_the_endpoint_at_the_limit() {
    let app = TestApp::spawn_with(|settings| {
        settings.webhook_allow_private = true;
        settings.webhook_retry_base = 0.02;
        settings.webhook_disable_after = 2;
    })
    .await;
    let receiver = Receiver::start(&[500, 502]);
    let hook = subscribe(&app, &receiver.url, json!(["source.*"])).await;
    app.create_source("Hai lần lỗi").await;
    receiver.wait_for("source.created", 2, 10).await;
    let shown = turned_off(&app, &hook).await;
    assert_eq!(shown["active"], false, "{shown}");
    assert_eq!(shown["disabled_reason"], "2 failed delivery attempts in a row");
    let pending = app.get_as_admin(&format!("/api/v1/webhooks/{}/deliveries?status=pending", hook["id"])).await;
    assert_eq!(pending.body["data"][0]["attempts"], 2, "the delivery waits for the endpoint to be on again");
    assert!(pending.body["data"][0]["last_error"].as_str().unwrap().contains("502"));
    let time = |field: &str| {
        chrono::DateTime::parse_from_rfc3339(pending.body["data"][0][field].as_str().unwrap()).expect("a timestamp")
    };
    assert!(time("next_attempt_at") > time("last_attempt_at"), "the retry waits after the last attempt");
    // On again: the failures are forgotten and what waited is sent.
    let on = app.patch(&format!("/api/v1/webhooks/{}", hook["id"]), &json!({"active": true})).await;
    assert_eq!(on.body["failures_in_a_row"], 0);
    assert_eq!(on.body["disabled_reason"], Value::Null);
    receiver.wait_for("source.created", 3, 10).await;
}

#[actix_web::test]
async fn an_endpoint_that_never_answers_does_not_hold_up_the_others() {
    let app = webhook_app().await;
    // Accepts connections and never answers: each send waits out the 10 s timeout.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://127.0.0.1:{}/hooks", silent.local_addr().unwrap().port());
    let receiver = Receiver::start(&[]);
    subscribe(&app, &silent_url, json!(["source.*"])).await;
    subscribe(&app, &receiver.url, json!(["source.*"])).await;
    for name in ["Nguồn một", "Nguồn hai", "Nguồn ba"] {
        app.create_source(name).await;
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let arrived = receiver.wait_for("source.created", 3, 5).await;
    let names: Vec<Value> = arrived.iter().map(|r| r.json()["data"]["object"]["name"].clone()).collect();
    assert_eq!(names, [json!("Nguồn một"), json!("Nguồn hai"), json!("Nguồn ba")], "in order, within 5 s");
    drop(silent);
}
