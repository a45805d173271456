//! Readers' ratings: one per reader, exact aggregates, moderation.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

/// A reader: their own visitor id and browser.
struct Reader(usize);

impl Reader {
    fn visitor_id(&self) -> String {
        format!("visitor-{:04}", self.0)
    }

    fn user_agent(&self) -> String {
        format!("Mozilla/5.0 (reader {})", self.0)
    }
}

async fn rate(app: &TestApp, article: &Value, reader: &Reader, score: Value) -> Reply {
    let request = app
        .client
        .post(app.url(&format!("/api/v1/articles/{}/ratings", article["id"])))
        .header("X-Visitor-Id", reader.visitor_id())
        .header("User-Agent", reader.user_agent())
        .json(&json!({"score": score}));
    app.send(request).await
}

async fn summary(app: &TestApp, article: &Value) -> Value {
    let reply = app.get(&format!("/api/v1/articles/{}/ratings/summary", article["id"])).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

#[actix_web::test]
async fn a_reader_rates_once_and_may_change_their_mind() {
    let app = TestApp::spawn().await;
    let article = app.publish("Bài được chấm điểm").await;
    assert_eq!(
        summary(&app, &article).await,
        json!({"total_points": 0, "count": 0, "average": null, "histogram": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}})
    );

    let first = rate(&app, &article, &Reader(1), json!(4)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["score"], 4);
    assert_eq!(first.body["summary"]["count"], 1);
    assert_eq!(first.body["summary"]["total_points"], 4);

    let again = rate(&app, &article, &Reader(1), json!(2)).await;
    assert_eq!(again.status, 200, "a repeat replaces the score");
    assert_eq!(again.body["summary"]["count"], 1);
    assert_eq!(again.body["summary"]["total_points"], 2);
    assert_eq!(app.count_rows("ratings"), 1);

    rate(&app, &article, &Reader(2), json!(5)).await;
    rate(&app, &article, &Reader(3), json!(5)).await;
    let totals = summary(&app, &article).await;
    assert_eq!(
        totals,
        json!({"total_points": 12, "count": 3, "average": 4.0, "histogram": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 2}})
    );
    let resource = app.get(&format!("/api/v1/articles/{}", article["id"])).await.body;
    assert_eq!(resource["rating"], json!({"total_points": 12, "count": 3, "average": 4.0}));

    rate(&app, &article, &Reader(4), json!(1)).await;
    assert_eq!(summary(&app, &article).await["average"], 3.3, "rounded to one decimal");
}

/// Chrome on Android sends this reduced user agent on every phone.
const ANDROID_CHROME: &str =
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

/// A rating from `address` (through the trusted local proxy), as `visitor` if given.
async fn rate_from(app: &TestApp, article: &Value, address: &str, visitor: Option<&str>, score: i64) -> Reply {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/articles/{}/ratings", article["id"])))
        .header("X-Forwarded-For", address)
        .header("User-Agent", ANDROID_CHROME)
        .json(&json!({"score": score}));
    if let Some(visitor) = visitor {
        request = request.header("X-Visitor-Id", visitor);
    }
    app.send(request).await
}

#[actix_web::test]
async fn distinct_readers_behind_one_address_count_and_a_cap_bounds_cookie_clearers() {
    let app = TestApp::spawn_with(|settings| settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let article = app.publish("Sau cùng một địa chỉ").await;
    let carrier = "203.0.113.7";
    for (visitor, status) in [("reader-one-0001", 201), ("reader-two-0002", 201), ("reader-three-0003", 201)] {
        assert_eq!(rate_from(&app, &article, carrier, Some(visitor), 5).await.status, status);
    }
    assert_eq!(summary(&app, &article).await["count"], 3, "three visitor ids are three readers");

    for i in 4..=20 {
        let reply = rate_from(&app, &article, carrier, Some(&format!("reader-{i:04}")), 4).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let twenty_first = rate_from(&app, &article, carrier, Some("reader-0021"), 1).await;
    let problem = twenty_first.assert_problem(429);
    assert!(problem["detail"].as_str().unwrap().contains("NEWSDESK_RATINGS_PER_ADDRESS_PER_DAY"));
    assert_eq!(summary(&app, &article).await["count"], 20, "nothing changed");
    let changed = rate_from(&app, &article, carrier, Some("reader-one-0001"), 2).await;
    assert_eq!(changed.status, 200, "a known reader may always change their score");
    assert_eq!(rate_from(&app, &article, "198.51.100.9", Some("reader-0021"), 3).await.status, 201);
    assert_eq!(summary(&app, &article).await["count"], 21, "another address still rates");

    // Without a visitor id the client (address and browser) is the reader.
    let other = app.publish("Không có cookie").await;
    assert_eq!(rate_from(&app, &other, carrier, None, 3).await.status, 201);
    let again = rate_from(&app, &other, carrier, None, 4).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["summary"]["count"], 1);

    let unlimited = TestApp::spawn_with(|settings| {
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        settings.ratings_per_address_per_day = 0;
    })
    .await;
    let open = unlimited.publish("Không giới hạn").await;
    for i in 0..22 {
        assert_eq!(rate_from(&unlimited, &open, carrier, Some(&format!("reader-{i:04}")), 5).await.status, 201);
    }
}

#[actix_web::test]
async fn invalid_scores_and_visitor_ids_are_400() {
    let app = TestApp::spawn().await;
    let article = app.publish("Điểm không hợp lệ").await;
    for score in [json!(0), json!(6), json!(-1), json!(4.5), json!("5"), json!(null), json!(1e20)] {
        let reply = rate(&app, &article, &Reader(1), score.clone()).await;
        reply.assert_problem(400);
        assert_eq!(reply.error_fields(), ["score"], "score {score}");
    }
    let missing = app
        .send(app.client.post(app.url(&format!("/api/v1/articles/{}/ratings", article["id"]))).json(&json!({})))
        .await;
    assert_eq!(missing.error_fields(), ["score"]);
    for visitor in ["short", "has spaces in it", &"x".repeat(129)] {
        let reply = app
            .send(
                app.client
                    .post(app.url(&format!("/api/v1/articles/{}/ratings", article["id"])))
                    .header("X-Visitor-Id", visitor)
                    .json(&json!({"score": 3})),
            )
            .await;
        reply.assert_problem(400);
    }
    assert_eq!(app.count_rows("ratings"), 0);
}

#[actix_web::test]
async fn only_public_articles_open_to_rating_can_be_rated() {
    let app = TestApp::spawn().await;
    let draft = app.create_article(json!({"title": "Nháp"})).await;
    rate(&app, &draft, &Reader(1), json!(5)).await.assert_problem(404);
    app.get(&format!("/api/v1/articles/{}/ratings/summary", draft["id"])).await.assert_problem(404);
    let closed =
        app.create_article(json!({"title": "Không cho chấm", "status": "published", "allow_rating": false})).await;
    rate(&app, &closed, &Reader(1), json!(5)).await.assert_problem(409);
    rate(&app, &json!({"id": 999}), &Reader(1), json!(5)).await.assert_problem(404);
    assert_eq!(app.count_rows("ratings"), 0);
}

#[actix_web::test]
async fn moderators_list_and_delete_and_the_aggregates_follow() {
    let app = TestApp::spawn().await;
    let first = app.publish("Bài một").await;
    let second = app.publish("Bài hai").await;
    for (i, score) in [5, 4, 1].into_iter().enumerate() {
        rate(&app, &first, &Reader(i), json!(score)).await;
    }
    rate(&app, &second, &Reader(9), json!(3)).await;

    let moderator = app.api_token(&["ratings:moderate"]).await;
    let editor = app.user_token("bien.tap", "editor").await;
    let author = app.user_token("tac.gia", "author").await;
    let list = |token: Option<String>, query: &str| {
        let path = format!("/api/v1/ratings{query}");
        let app = &app;
        async move { app.call(Method::GET, &path, token.as_deref(), None).await }
    };
    list(None, "").await.assert_problem(401);
    list(Some(author), "").await.assert_problem(403);
    let all = list(Some(editor.clone()), "").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["meta"]["total"], 4);
    assert!(all.body["data"][0].get("reader_key").is_none(), "nothing identifies the reader");
    let of_first = list(Some(moderator.clone()), &format!("?article_id={}", first["id"])).await;
    assert_eq!(of_first.body["meta"]["total"], 3);
    let ones = list(Some(moderator.clone()), &format!("?article_id={}&score=1", first["id"])).await;
    assert_eq!(ones.body["meta"]["total"], 1);
    let future = list(Some(moderator.clone()), "?from=2099-01-01T00:00:00Z").await;
    assert_eq!(future.body["meta"]["total"], 0);
    list(Some(moderator.clone()), "?score=9").await.assert_problem(400);

    let spam = ones.body["data"][0]["id"].as_i64().unwrap();
    let deleted = app.call(Method::DELETE, &format!("/api/v1/ratings/{spam}"), Some(&moderator), None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        summary(&app, &first).await,
        json!({"total_points": 9, "count": 2, "average": 4.5, "histogram": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}})
    );
    let resource = app.get(&format!("/api/v1/articles/{}", first["id"])).await.body;
    assert_eq!(resource["rating"], json!({"total_points": 9, "count": 2, "average": 4.5}));
    app.call(Method::DELETE, &format!("/api/v1/ratings/{spam}"), Some(&moderator), None).await.assert_problem(404);
    let other_scope = app.api_token(&["content:write"]).await;
    app.call(Method::DELETE, "/api/v1/ratings/1", Some(&other_scope), None).await.assert_problem(403);
}

#[actix_web::test]
async fn parallel_distinct_readers_add_up_exactly() {
    // Every reader comes from this one address here: the per-address cap is off.
    let app = TestApp::spawn_with(|settings| {
        settings.rating_rate_limit = 1000;
        settings.ratings_per_address_per_day = 0;
    })
    .await;
    let article = app.publish("Bình chọn đồng thời").await;
    let readers: Vec<Reader> = (0..200).map(Reader).collect();
    let votes = readers.iter().map(|reader| {
        let score = (reader.0 % 5 + 1) as i64;
        let (app, article) = (&app, &article);
        async move { rate(app, article, reader, json!(score)).await.status }
    });
    let statuses = futures_util::future::join_all(votes).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let totals = summary(&app, &article).await;
    assert_eq!(totals["count"], 200);
    assert_eq!(totals["total_points"], 600);
    assert_eq!(totals["histogram"], json!({"1": 40, "2": 40, "3": 40, "4": 40, "5": 40}));
    let resource = app.get(&format!("/api/v1/articles/{}", article["id"])).await.body;
    assert_eq!(resource["rating"]["count"], 200);
    assert_eq!(resource["rating"]["total_points"], 600);
}

#[actix_web::test]
async fn rating_writes_are_rate_limited_per_client() {
    let app = TestApp::spawn_with(|settings| settings.rating_rate_limit = 3).await;
    let articles = [app.publish("Một").await, app.publish("Hai").await];
    for i in 0..3 {
        assert_eq!(rate(&app, &articles[i % 2], &Reader(1), json!(5)).await.status / 100, 2);
    }
    let limited = rate(&app, &articles[0], &Reader(1), json!(4)).await;
    limited.assert_problem(429);
    assert!(limited.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(rate(&app, &articles[0], &Reader(2), json!(4)).await.status, 201, "other clients are not limited");
}

#[actix_web::test]
async fn raw_addresses_and_visitor_ids_are_never_stored() {
    let app = TestApp::spawn_with(|settings| settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let article = app.publish("Quyền riêng tư").await;
    let reply = app
        .send(
            app.client
                .post(app.url(&format!("/api/v1/articles/{}/ratings", article["id"])))
                .header("X-Forwarded-For", "203.0.113.77")
                .header("X-Visitor-Id", "visitor-secret-cookie")
                .json(&json!({"score": 5})),
        )
        .await;
    assert_eq!(reply.status, 201);
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Keys {
        #[diesel(sql_type = diesel::sql_types::Text)]
        reader_key: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        client_key: String,
    }
    let keys = app
        .db
        .write_blocking(|conn| Ok(diesel::sql_query("SELECT reader_key, client_key FROM ratings").load::<Keys>(conn)?))
        .unwrap();
    assert_eq!(keys.len(), 1);
    for stored in [&keys[0].reader_key, &keys[0].client_key] {
        assert!(!stored.contains("203.0.113") && !stored.contains("visitor-secret"), "{stored}");
    }
}

#[actix_web::test]
async fn two_processes_on_one_database_count_exactly() {
    let app = TestApp::spawn_with(|settings| {
        settings.rating_rate_limit = 1000;
        settings.ratings_per_address_per_day = 0;
    })
    .await;
    let article = app.publish("Hai máy chủ").await;
    let target = newsdesk::db::DatabaseTarget::parse(&app.database_url).unwrap();
    let mut settings = newsdesk::config::Settings::for_database(target);
    settings.rating_rate_limit = 1000;
    settings.ratings_per_address_per_day = 0;
    let other = crate::helpers::serve(&app.database_url, settings);
    let votes = (0..160).map(|i| {
        let reader = Reader(i);
        let base = if i % 2 == 0 { app.address.clone() } else { other.clone() };
        let client = app.client.clone();
        let url = format!("{base}/api/v1/articles/{}/ratings", article["id"]);
        async move {
            client
                .post(url)
                .header("X-Visitor-Id", reader.visitor_id())
                .header("User-Agent", reader.user_agent())
                .json(&json!({"score": i % 5 + 1}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(votes).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let totals = summary(&app, &article).await;
    assert_eq!((totals["count"].as_i64(), totals["total_points"].as_i64()), (Some(160), Some(480)));
    let resource = app.get(&format!("/api/v1/articles/{}", article["id"])).await.body;
    assert_eq!(resource["rating"]["count"], 160);
}
