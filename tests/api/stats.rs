//! Visit statistics, on a clock the tests move.

use chrono::{Duration, NaiveDateTime};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Reply, ServerProcess, TestApp};

const CHROME: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
const BOTS: [&str; 5] = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)",
    "Mozilla/5.0 (Linux; Android 10) ZaloLinkPreview/1.0",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
];

async fn hit(app: &TestApp, user_agent: &str, visitor: Option<&str>, body: Value) -> Reply {
    let mut request = app.client.post(app.url("/api/v1/stats/hits")).header("User-Agent", user_agent).json(&body);
    if let Some(visitor) = visitor {
        request = request.header("X-Visitor-Id", visitor);
    }
    app.send(request).await
}

async fn page_view(app: &TestApp, visitor: &str) {
    let reply = hit(app, CHROME, Some(visitor), json!({"path": "/"})).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
}

async fn summary(app: &TestApp) -> Value {
    let reply = app.get("/api/v1/stats/summary").await;
    assert_eq!(reply.status, 200);
    reply.body
}

fn utc(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

#[actix_web::test]
async fn online_now_is_bots_plus_guests_plus_members_and_expires() {
    let app = TestApp::spawn_in_daytime().await;
    for bot in BOTS {
        assert_eq!(hit(&app, bot, None, json!({"path": "/tin-tuc"})).await.status, 202);
    }
    for guest in 0..9 {
        page_view(&app, &format!("guest-visitor-{guest}")).await;
        page_view(&app, &format!("guest-visitor-{guest}")).await;
    }
    app.flush();
    let block = summary(&app).await;
    assert_eq!(block["online"], json!({"total": 14, "members": 0, "guests": 9, "bots": 5, "window_seconds": 300}));
    assert_eq!(block["visits"]["today"], 9, "crawlers are not visits");
    assert_eq!(block["page_views"]["today"], 18);
    assert_eq!(block["time_zone"], "Asia/Ho_Chi_Minh");

    let member = app
        .send(
            app.client
                .post(app.url("/api/v1/stats/hits"))
                .header("User-Agent", FIREFOX)
                .header("X-Visitor-Id", "member-visitor")
                .bearer_auth(&app.admin_token)
                .json(&json!({"path": "/"})),
        )
        .await;
    assert_eq!(member.status, 202);
    app.flush();
    assert_eq!(summary(&app).await["online"]["members"], 1);
    assert_eq!(summary(&app).await["online"]["total"], 15);

    app.clock.advance(Duration::seconds(301));
    assert_eq!(summary(&app).await["online"]["total"], 0, "nobody seen within 300 s");
    assert_eq!(summary(&app).await["visits"]["today"], 10, "counts stay");
}

#[actix_web::test]
async fn a_visit_lasts_until_a_pause_of_thirty_minutes() {
    let app = TestApp::spawn_in_daytime().await;
    page_view(&app, "reader-one").await;
    app.clock.advance(Duration::minutes(10));
    page_view(&app, "reader-one").await;
    app.flush();
    assert_eq!(summary(&app).await["visits"]["today"], 1);

    app.clock.advance(Duration::minutes(25));
    page_view(&app, "reader-one").await;
    app.flush();
    assert_eq!(summary(&app).await["visits"]["today"], 1, "25 minutes after the last hit: the same visit");

    app.clock.advance(Duration::minutes(31));
    page_view(&app, "reader-one").await;
    app.clock.advance(Duration::minutes(40));
    page_view(&app, "reader-one").await;
    app.flush();
    let block = summary(&app).await;
    assert_eq!(block["visits"]["today"], 3, "two pauses over 30 minutes, even inside one batch");
    assert_eq!(block["page_views"]["today"], 5);
}

#[actix_web::test]
async fn article_views_count_once_per_visitor_and_only_for_public_articles() {
    let app = TestApp::spawn_in_daytime().await;
    let article = app.publish("Tin được xem").await;
    let draft = app.create_article(json!({"title": "Nháp"})).await;
    let other = app.publish("Tin thứ hai").await;
    let view = |visitor: &'static str, id: &Value| {
        let body = json!({"path": "/bai-viet", "article_id": id});
        let app = &app;
        async move { hit(app, CHROME, Some(visitor), body).await }
    };
    view("reader-aaaa", &article["id"]).await;
    view("reader-aaaa", &article["id"]).await;
    view("reader-bbbb", &article["id"]).await;
    view("reader-aaaa", &draft["id"]).await;
    view("reader-cccc", &json!(99_999)).await;
    view("reader-cccc", &other["id"]).await;
    hit(&app, BOTS[0], None, json!({"path": "/bai-viet", "article_id": article["id"]})).await;
    app.flush();
    let shown = app.get(&format!("/api/v1/articles/{}", article["id"])).await.body;
    assert_eq!(shown["view_count"], 2);
    let draft_now = app.get_as_admin(&format!("/api/v1/articles/{}", draft["id"])).await.body;
    assert_eq!(draft_now["view_count"], 0, "drafts get no views");
    assert_eq!(app.get(&format!("/api/v1/articles/{}", other["id"])).await.body["view_count"], 1);
    assert_eq!(summary(&app).await["page_views"]["today"], 6, "the site counts every page view of people");

    app.clock.advance(Duration::minutes(5));
    view("reader-bbbb", &article["id"]).await;
    app.flush();
    let views = || async { app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["view_count"].clone() };
    assert_eq!(views().await, 2, "a view within the window of one an earlier flush wrote is not a new one");

    app.clock.advance(Duration::minutes(26));
    view("reader-aaaa", &article["id"]).await;
    view("reader-bbbb", &article["id"]).await;
    app.flush();
    assert_eq!(views().await, 3, "31 minutes since reader-aaaa's view, 26 since reader-bbbb's");
}

#[actix_web::test]
async fn today_follows_the_site_time_zone() {
    let app = TestApp::spawn().await;
    app.clock.set(utc("2026-11-27 16:59"));
    page_view(&app, "before-midnight").await;
    app.clock.set(utc("2026-11-27 17:01"));
    page_view(&app, "after-midnight").await;
    app.flush();
    let block = summary(&app).await;
    assert_eq!(block["visits"]["today"], 1, "00:01 in Ho Chi Minh City is a new day");
    assert_eq!(block["visits"]["this_month"], 2);

    let series =
        app.get_as_admin("/api/v1/stats/series?metric=visits&granularity=day&from=2026-11-26&to=2026-11-28").await;
    assert_eq!(series.status, 200, "{}", series.body);
    assert_eq!(
        series.body["points"],
        json!([{"period": "2026-11-26", "value": 0}, {"period": "2026-11-27", "value": 1}, {"period": "2026-11-28", "value": 1}])
    );
    assert_eq!(series.body["total"], 2);
    let hours = app
        .get_as_admin("/api/v1/stats/series?metric=page_views&granularity=hour&from=2026-11-27T23:00:00%2B07:00&to=2026-11-28T00:30:00%2B07:00")
        .await;
    assert_eq!(
        hours.body["points"],
        json!([{"period": "2026-11-27T23", "value": 1}, {"period": "2026-11-28T00", "value": 1}])
    );
    let months =
        app.get_as_admin("/api/v1/stats/series?metric=visits&granularity=month&from=2026-11-01&to=2026-12-31").await;
    assert_eq!(months.body["points"], json!([{"period": "2026-11", "value": 2}, {"period": "2026-12", "value": 0}]));
}

#[actix_web::test]
async fn breakdowns_count_bots_browsers_systems_referrers_and_time() {
    let app = TestApp::spawn_with(|settings| {
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        settings.country_header = Some("CF-IPCountry".into());
    })
    .await;
    app.clock.set(utc("2026-11-25 03:00"));
    hit(&app, BOTS[0], None, json!({"path": "/"})).await;
    hit(&app, BOTS[0], None, json!({"path": "/a"})).await;
    hit(&app, BOTS[2], None, json!({"path": "/"})).await;
    hit(&app, CHROME, Some("chrome-reader"), json!({"path": "/", "referrer": "https://www.google.com/search?q=tin"}))
        .await;
    hit(&app, CHROME, Some("chrome-reader"), json!({"path": "/b"})).await;
    let with_country = app
        .client
        .post(app.url("/api/v1/stats/hits"))
        .header("User-Agent", FIREFOX)
        .header("X-Visitor-Id", "firefox-reader")
        .header("CF-IPCountry", "vn")
        .json(&json!({"path": "/"}));
    app.send(with_country).await;
    app.flush();

    let breakdown = |dimension: &'static str| {
        let path = format!("/api/v1/stats/breakdown?dimension={dimension}&from=2026-11-25&to=2026-11-25");
        let app = &app;
        async move {
            let reply = app.get_as_admin(&path).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.body["items"].clone()
        }
    };
    assert_eq!(
        breakdown("bot").await,
        json!([{"key": "Googlebot", "visits": 1, "page_views": 2}, {"key": "coccocbot", "visits": 1, "page_views": 1}])
    );
    assert_eq!(
        breakdown("browser").await,
        json!([{"key": "Chrome", "visits": 1, "page_views": 2}, {"key": "Firefox", "visits": 1, "page_views": 1}])
    );
    let systems = breakdown("os").await;
    assert_eq!(systems.as_array().unwrap().len(), 2);
    let referrers = breakdown("referrer_host").await;
    assert!(
        referrers.as_array().unwrap().contains(&json!({"key": "google.com", "visits": 1, "page_views": 1})),
        "{referrers}"
    );
    let countries = breakdown("country").await;
    assert!(countries.as_array().unwrap().contains(&json!({"key": "VN", "visits": 1, "page_views": 1})), "{countries}");
    let hours = breakdown("hour").await;
    assert_eq!(hours[10], json!({"key": "10", "visits": 2, "page_views": 3}), "03:00 UTC is 10:00 local");
    let weekdays = breakdown("weekday").await;
    assert_eq!(weekdays[2], json!({"key": "wednesday", "visits": 2, "page_views": 3}));

    app.get("/api/v1/stats/breakdown?dimension=bot").await.assert_problem(401);
    let author = app.user_token("tac.gia", "author").await;
    app.call(Method::GET, "/api/v1/stats/breakdown?dimension=bot", Some(&author), None).await.assert_problem(403);
    let reader = app.api_token(&["stats:read"]).await;
    assert_eq!(
        app.call(Method::GET, "/api/v1/stats/series?metric=visits&granularity=day", Some(&reader), None).await.status,
        200
    );
    app.get_as_admin("/api/v1/stats/breakdown?dimension=city").await.assert_problem(400);
    app.get_as_admin("/api/v1/stats/series?metric=visits&granularity=hour&from=2020-01-01&to=2026-01-01")
        .await
        .assert_problem(400);
    app.get_as_admin("/api/v1/stats/series?metric=visits&granularity=day&from=yesterday").await.assert_problem(400);
}

#[actix_web::test]
async fn imported_counters_go_on_counting() {
    let app = TestApp::spawn().await;
    let set = app.put("/api/v1/stats/counters/visits/total", &json!({"value": 1_258_395})).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(summary(&app).await["visits"]["total"], 1_258_395);
    page_view(&app, "first-after-import").await;
    app.flush();
    assert_eq!(summary(&app).await["visits"]["total"], 1_258_396);
    let read = app.get_as_admin("/api/v1/stats/counters/visits/total").await;
    assert_eq!(read.body, json!({"metric": "visits", "period": "total", "value": 1_258_396}));
    let listed = app.get_as_admin("/api/v1/stats/counters?metric=visits").await;
    assert!(listed.body.as_array().unwrap().iter().any(|c| c["period"] == "total" && c["value"] == 1_258_396));

    let writer = app.api_token(&["stats:write"]).await;
    let month = app
        .call(Method::PUT, "/api/v1/stats/counters/visits/2020-09", Some(&writer), Some(&json!({"value": 80_406})))
        .await;
    assert_eq!(month.status, 200);
    let editor = app.user_token("bien.tap", "editor").await;
    app.call(Method::PUT, "/api/v1/stats/counters/visits/total", Some(&editor), Some(&json!({"value": 1})))
        .await
        .assert_problem(403);
    app.put("/api/v1/stats/counters/visits/2026-13", &json!({"value": 1})).await.assert_problem(400);
    app.put("/api/v1/stats/counters/clicks/total", &json!({"value": 1})).await.assert_problem(400);
    let negative = app.put("/api/v1/stats/counters/visits/total", &json!({"value": -5})).await;
    assert_eq!(negative.error_fields(), ["value"]);
    assert_eq!(summary(&app).await["visits"]["total"], 1_258_396, "refused corrections changed nothing");
}

#[actix_web::test]
async fn purge_deletes_old_detail_and_keeps_history() {
    let app = TestApp::spawn().await;
    app.clock.set(utc("2026-01-10 05:00"));
    page_view(&app, "old-reader").await;
    app.flush();
    app.clock.set(utc("2026-11-27 05:00"));
    page_view(&app, "new-reader").await;
    app.flush();

    let purged = app.delete("/api/v1/stats?before=2026-06-01").await;
    assert_eq!(purged.status, 200, "{}", purged.body);
    assert_eq!(purged.body["hour_counters"], 2, "visits and page views of one hour");
    assert_eq!(purged.body["breakdown_rows"], 4);
    let days =
        app.get_as_admin("/api/v1/stats/series?metric=visits&granularity=day&from=2026-01-10&to=2026-01-10").await;
    assert_eq!(days.body["total"], 1, "day counters are history and stay");
    let hours =
        app.get_as_admin("/api/v1/stats/series?metric=visits&granularity=hour&from=2026-01-10&to=2026-01-10").await;
    assert_eq!(hours.body["total"], 0);
    assert_eq!(summary(&app).await["visits"]["total"], 2);
    app.delete("/api/v1/stats?before=soon").await.assert_problem(400);
    let editor = app.user_token("bien.tap", "editor").await;
    app.call(Method::DELETE, "/api/v1/stats?before=2026-06-01", Some(&editor), None).await.assert_problem(403);
}

#[actix_web::test]
async fn top_articles_rank_by_views_in_the_period() {
    let app = TestApp::spawn().await;
    let popular = app.publish("Nhiều người xem").await;
    let quiet = app.publish("Ít người xem").await;
    let hidden = app.publish("Sẽ bị gỡ").await;
    for (article, readers) in [(&popular, 3), (&quiet, 1), (&hidden, 5)] {
        for reader in 0..readers {
            let body = json!({"path": "/", "article_id": article["id"]});
            hit(&app, CHROME, Some(&format!("top-reader-{reader}")), body).await;
        }
    }
    app.flush();
    app.patch(&format!("/api/v1/articles/{}", hidden["id"]), &json!({"status": "archived"})).await;

    let top = app.get("/api/v1/articles/top?period=day&limit=5").await;
    assert_eq!(top.status, 200, "{}", top.body);
    let ranked: Vec<(String, i64)> = top
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["article"]["title"].as_str().unwrap().to_owned(), t["views"].as_i64().unwrap()))
        .collect();
    assert_eq!(ranked, [("Nhiều người xem".to_owned(), 3), ("Ít người xem".to_owned(), 1)]);
    let all_time = app.get("/api/v1/articles/top?period=all&limit=1").await;
    assert_eq!(all_time.body[0]["article"]["id"], popular["id"]);
    app.clock.advance(Duration::days(8));
    assert_eq!(app.get("/api/v1/articles/top?period=week").await.body, json!([]));
    app.get("/api/v1/articles/top?limit=0").await.assert_problem(400);
    app.get("/api/v1/articles/top?period=year").await.assert_problem(400);
}

#[actix_web::test]
async fn bad_hits_are_refused_and_not_counted() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (json!({}), "path"),
        (json!({"path": "no-slash"}), "path"),
        (json!({"path": "/a b"}), "path"),
        (json!({"path": "/", "referrer": "not a url"}), "referrer"),
        (json!({"path": "/", "article_id": 0}), "article_id"),
        (json!({"path": "/", "visitor_id": "x"}), "visitor_id"),
        (json!({"path": "/", "extra": 1}), "extra"),
    ] {
        let reply = hit(&app, CHROME, None, body.clone()).await;
        reply.assert_problem(400);
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
    assert_eq!(app.stats.pending(), 0);
}

#[actix_web::test]
async fn metrics_show_the_hit_buffer_and_flushes() {
    let app = TestApp::spawn().await;
    for visitor in ["metrics-one", "metrics-two", "metrics-one"] {
        page_view(&app, visitor).await;
    }
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("newsdesk_stats_hit_buffer_depth 3"), "{text}");
    assert!(
        text.lines().any(|line| line.starts_with("newsdesk_http_request_duration_seconds_count{")
            && line.contains("route=\"/api/v1/stats/hits\"")
            && line.contains("status=\"2xx\"")),
        "{text}"
    );
    app.flush();
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("newsdesk_stats_hit_buffer_depth 0"), "{text}");
    assert!(text.contains("newsdesk_stats_flushes_total 1") && text.contains("newsdesk_stats_last_flush_hits 3"));
}

#[actix_web::test]
async fn two_processes_count_ten_thousand_hits_exactly() {
    let app = TestApp::spawn().await;
    let target = newsdesk::db::DatabaseTarget::parse(&app.database_url).unwrap();
    let mut settings = newsdesk::config::Settings::for_database(target);
    settings.stats_flush_interval = 200;
    let (other, other_stats) = crate::helpers::serve_with_clock(&app.database_url, settings, app.clock.clone());
    let client = app.client.clone();
    let bases = [app.address.clone(), other];
    let requests = (0..10_000).map(|i| {
        let url = format!("{}/api/v1/stats/hits", bases[i % 2]);
        let client = client.clone();
        // 1,000 readers, ten page views each, spread over both processes.
        let visitor = format!("reader-{:05}", i % 1000);
        async move {
            client
                .post(url)
                .header("X-Visitor-Id", visitor)
                .header("User-Agent", CHROME)
                .json(&json!({"path": "/"}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let mut statuses = Vec::new();
    let mut requests = requests.collect::<Vec<_>>();
    while !requests.is_empty() {
        let chunk: Vec<_> = requests.drain(..requests.len().min(64)).collect();
        statuses.extend(futures_util::future::join_all(chunk).await);
    }
    assert!(statuses.iter().all(|s| *s == 202));
    app.flush();
    other_stats.flush().unwrap();
    other_stats.stop();
    let block = summary(&app).await;
    assert_eq!(block["page_views"]["total"], 10_000);
    assert_eq!(block["visits"]["total"], 1_000, "one visit per reader, whichever process saw them");
    assert_eq!(block["online"]["guests"], 1_000);
}

#[test]
fn sigterm_writes_every_buffered_hit_before_exiting() {
    let (url, _database) = crate::helpers::fresh_database();
    actix_web::rt::System::new().block_on(async {
        let server = ServerProcess::start(&url, &[("NEWSDESK_STATS_FLUSH_INTERVAL", "3600000")], None).await;
        let client = crate::helpers::http_client();
        for i in 0..50 {
            let reply = client
                .post(format!("{}/api/v1/stats/hits", server.base))
                .header("User-Agent", CHROME)
                .header("X-Visitor-Id", format!("shutdown-reader-{}", i % 5))
                .json(&json!({"path": "/"}))
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 202);
        }
        server.terminate();
    });

    let db = newsdesk::db::Db::connect(&newsdesk::db::DatabaseTarget::parse(&url).unwrap(), 1).unwrap();
    let (page_views, visits) = db
        .write_blocking(|conn| {
            Ok((
                newsdesk::stats::model::counter(conn, "page_views", "total")?,
                newsdesk::stats::model::counter(conn, "visits", "total")?,
            ))
        })
        .unwrap();
    assert_eq!((page_views, visits), (50, 5), "nothing buffered was lost");
}

#[actix_web::test]
async fn a_half_full_hit_buffer_is_written_before_its_interval_ends() {
    // The flush interval stays the tests' hour: only the buffer's bound can start this flush.
    let app = TestApp::spawn_with(|settings| settings.stats_buffer_limit = 100).await;
    for visitor in 0..49 {
        page_view(&app, &format!("early-visitor-{visitor:03}")).await;
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.count_rows("stats_presence"), 0, "49 of 100: still in memory");
    page_view(&app, "early-visitor-049").await;
    let started = std::time::Instant::now();
    while app.count_rows("stats_presence") < 50 {
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "half full and not written");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("newsdesk_stats_hit_buffer_limit 100"), "{text}");
    assert!(text.contains("newsdesk_stats_hits_overflowed_total 0"), "{text}");
}
