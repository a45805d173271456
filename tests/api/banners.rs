//! Banner slots and banners: each order kind, the window and pausing, click URLs that
//! redirect only to the stored target and count once per visitor and day (exactly, across
//! two processes), the grace after pausing, impressions and click-through rates.

use chrono::Duration;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

async fn slot(app: &TestApp, key: &str, order: &str) -> i64 {
    let reply = app.post("/api/v1/banner-slots", &json!({"key": key, "name": key, "order": order})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["id"].as_i64().unwrap()
}

async fn banner(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/api/v1/banners", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

fn link(slot_id: i64, title: &str, weight: i64) -> Value {
    json!({"slot_id": slot_id, "title": title, "kind": "text", "target_url": format!("https://{title}.example.vn/"),
           "weight": weight})
}

async fn titles(app: &TestApp, key: &str) -> (Reply, Vec<String>) {
    let reply = app.get(&format!("/api/v1/banner-slots/by-key/{key}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let titles =
        reply.body["banners"].as_array().unwrap().iter().map(|b| b["title"].as_str().unwrap().to_owned()).collect();
    (reply, titles)
}

async fn click(
    client: &reqwest::Client,
    base: &str,
    id: i64,
    user_agent: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = client
        .get(format!("{base}/api/v1/banners/{id}/click?url=https://evil.example/"))
        .header("User-Agent", user_agent);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    request.send().await.unwrap()
}

async fn stats(app: &TestApp, id: i64) -> Value {
    app.flush();
    let reply = app.get_as_admin(&format!("/api/v1/banners/{id}/stats")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

#[actix_web::test]
async fn each_order_shows_the_live_banners_and_hides_the_others() {
    let app = TestApp::spawn_in_daytime().await;
    let links = slot(&app, "sidebar-links", "weight").await;
    banner(&app, link(links, "nhe", 1)).await;
    banner(&app, link(links, "nang", 10)).await;
    banner(&app, link(links, "vua", 5)).await;
    let now = app.clock.now().and_utc();
    let mut expired = link(links, "het-han", 50);
    expired["publish_at"] = json!((now - Duration::days(3)).to_rfc3339());
    expired["expires_at"] = json!((now - Duration::hours(1)).to_rfc3339());
    banner(&app, expired).await;
    let mut future = link(links, "sap-toi", 50);
    future["publish_at"] = json!((now + Duration::hours(2)).to_rfc3339());
    banner(&app, future).await;
    let paused = banner(&app, link(links, "tam-dung", 50)).await;
    let reply = app.patch(&format!("/api/v1/banners/{}", paused["id"]), &json!({"active": false})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let (reply, shown) = titles(&app, "sidebar-links").await;
    assert_eq!(shown, ["nang", "vua", "nhe"], "heaviest first; expired, future and paused hidden");
    assert_eq!(reply.header("Surrogate-Key"), Some(format!("slot-{links}").as_str()));
    assert!(reply.header("Cache-Control").is_some_and(|c| c.starts_with("public")));
    let etag = reply.header("ETag").unwrap().to_owned();
    let again = app
        .send(app.client.get(app.url("/api/v1/banner-slots/by-key/sidebar-links")).header("If-None-Match", etag))
        .await;
    assert_eq!(again.status, 304);
    let first = &reply.body["banners"][0];
    assert_eq!(first["click_url"], format!("/api/v1/banners/{}/click", first["id"]));
    assert!(first.get("target_url").is_none(), "readers get the click URL, not the target");

    let shuffled = slot(&app, "bien-dao", "random").await;
    for n in 0..6 {
        banner(&app, link(shuffled, &format!("dao-{n}"), 0)).await;
    }
    let mut orders = std::collections::HashSet::new();
    for _ in 0..12 {
        let (reply, mut shown) = titles(&app, "bien-dao").await;
        assert_eq!(reply.header("Cache-Control"), Some("no-cache"));
        orders.insert(shown.clone());
        shown.sort();
        assert_eq!(shown, (0..6).map(|n| format!("dao-{n}")).collect::<Vec<_>>(), "all of them, every time");
    }
    assert!(orders.len() > 1, "shuffled per request");

    let one = slot(&app, "hcm-bdv", "one_random").await;
    banner(&app, link(one, "hiem", 1)).await;
    banner(&app, link(one, "thuong", 99)).await;
    let mut drawn = std::collections::HashMap::<String, usize>::new();
    for _ in 0..60 {
        let (_, shown) = titles(&app, "hcm-bdv").await;
        assert_eq!(shown.len(), 1);
        *drawn.entry(shown[0].clone()).or_default() += 1;
    }
    assert!(drawn.get("thuong").copied().unwrap_or(0) > 40, "drawn by weight: {drawn:?}");

    assert_eq!(app.get("/api/v1/banner-slots/by-key/khong-co").await.status, 404);
    let used = app.delete(&format!("/api/v1/banner-slots/{links}")).await;
    used.assert_problem(409);
    assert_eq!(app.count_rows("banner_slots"), 3);
}

#[actix_web::test]
async fn a_click_goes_only_to_the_stored_target_and_counts_once_a_day() {
    let app = TestApp::spawn_in_daytime().await;
    let links = slot(&app, "lien-ket", "weight").await;
    let item = banner(&app, link(links, "cong-thong-tin", 0)).await;
    let id = item["id"].as_i64().unwrap();
    let client = no_redirects();

    let first = click(&client, &app.address, id, BROWSER, None).await;
    assert_eq!(first.status(), 302);
    assert_eq!(first.headers()["location"], "https://cong-thong-tin.example.vn/", "never the ?url= given");
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let again = click(&client, &app.address, id, BROWSER, Some(&cookie)).await;
    assert_eq!(again.status(), 302);
    assert!(again.headers().get("set-cookie").is_none(), "the reader keeps their cookie");
    let other =
        click(&client, &app.address, id, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36", None)
            .await;
    assert_eq!(other.status(), 302);
    let crawler = click(&client, &app.address, id, GOOGLEBOT, None).await;
    assert_eq!(crawler.status(), 302, "crawlers are redirected");

    let figures = stats(&app, id).await;
    assert_eq!(figures["totals"]["clicks"], 2, "one reader twice, another once, a crawler: {figures}");
    let browsers: Vec<&str> =
        figures["breakdowns"]["browser"].as_array().unwrap().iter().map(|b| b["item"].as_str().unwrap()).collect();
    assert_eq!(browsers.len(), 2, "{figures}");

    let reply = app
        .send(
            app.client
                .post(app.url("/api/v1/banners/impressions"))
                .header("User-Agent", BROWSER)
                .json(&json!({"banner_ids": [id, id, id, id]})),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let bot = app
        .send(
            app.client
                .post(app.url("/api/v1/banners/impressions"))
                .header("User-Agent", GOOGLEBOT)
                .json(&json!({"banner_ids": [id]})),
        )
        .await;
    assert_eq!(bot.status, 202);
    let figures = stats(&app, id).await;
    assert_eq!(figures["totals"], json!({"clicks": 2, "impressions": 4, "ctr": 0.5}), "{figures}");
    let today = figures["series"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((today["clicks"].clone(), today["impressions"].clone()), (json!(2), json!(4)));
    let monthly = app.get_as_admin(&format!("/api/v1/banners/{id}/stats?granularity=month")).await;
    assert_eq!(monthly.body["totals"]["clicks"], 2);

    app.clock.advance(Duration::days(1));
    click(&client, &app.address, id, BROWSER, Some(&cookie)).await;
    assert_eq!(stats(&app, id).await["totals"]["clicks"], 3, "a new local day counts again");

    for bad in [json!({"banner_ids": []}), json!({"banner_ids": [0]}), json!({"banner_ids": "1"}), json!({"ids": [1]})]
    {
        app.post("/api/v1/banners/impressions", &bad).await.assert_problem(400);
    }
    assert_eq!(client.get(format!("{}/api/v1/banners/999999/click", app.address)).send().await.unwrap().status(), 404);
}

#[actix_web::test]
async fn a_paused_banner_redirects_a_day_without_counting_then_is_gone() {
    let app = TestApp::spawn_in_daytime().await;
    let links = slot(&app, "quang-cao", "weight").await;
    let item = banner(&app, link(links, "nha-tai-tro", 0)).await;
    let id = item["id"].as_i64().unwrap();
    assert_eq!(app.patch(&format!("/api/v1/banners/{id}"), &json!({"active": false})).await.status, 200);
    let client = no_redirects();
    let paused = click(&client, &app.address, id, BROWSER, None).await;
    assert_eq!(paused.status(), 302);
    assert_eq!(stats(&app, id).await["totals"]["clicks"], 0, "a paused banner's clicks do not count");
    app.clock.advance(Duration::hours(25));
    let gone = click(&client, &app.address, id, BROWSER, None).await;
    assert_eq!(gone.status(), 410);
    assert_eq!(gone.headers()["content-type"], "application/problem+json");
}

#[actix_web::test]
async fn bad_banners_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let links = slot(&app, "doi-tac", "weight").await;
    let before = app.count_rows("banners");
    for (body, field) in [
        (json!({"slot_id": links, "title": "x", "kind": "text", "target_url": "javascript:alert(1)"}), "target_url"),
        (json!({"slot_id": links, "title": "x", "kind": "text", "target_url": "/relative"}), "target_url"),
        (json!({"slot_id": 99999, "title": "x", "kind": "text", "target_url": "https://a.vn/"}), "slot_id"),
        (json!({"slot_id": links, "title": "x", "kind": "image", "target_url": "https://a.vn/"}), "media_id"),
        (
            json!({"slot_id": links, "title": "x", "kind": "image", "media_id": 4242, "target_url": "https://a.vn/"}),
            "media_id",
        ),
        (json!({"slot_id": links, "title": "x", "kind": "flash", "target_url": "https://a.vn/"}), "kind"),
        (json!({"slot_id": links, "title": " ", "kind": "text", "target_url": "https://a.vn/"}), "title"),
        (
            json!({"slot_id": links, "title": "x", "kind": "text", "target_url": "https://a.vn/", "weight": -1}),
            "weight",
        ),
        (
            json!({"slot_id": links, "title": "x", "kind": "text", "target_url": "https://a.vn/",
                   "publish_at": "2026-12-02T00:00:00Z", "expires_at": "2026-12-01T00:00:00Z"}),
            "expires_at",
        ),
    ] {
        let reply = app.post("/api/v1/banners", &body).await;
        reply.assert_problem(400);
        assert!(reply.error_fields().contains(&field.to_owned()), "{body}: {}", reply.body);
    }
    let ancient = json!({"slot_id": links, "title": "x", "kind": "text", "target_url": "https://a.vn/",
                         "publish_at": "1900-01-01T00:00:00Z"});
    app.post("/api/v1/banners", &ancient).await.assert_problem(400);
    app.post(
        "/api/v1/banners",
        &json!({"slot_id": links, "title": "x", "kind": "text", "target_url": "https://a.vn/", "extra": 1}),
    )
    .await
    .assert_problem(400);
    assert_eq!(app.count_rows("banners"), before);
    app.post("/api/v1/banner-slots", &json!({"key": "doi-tac", "name": "again"})).await.assert_problem(409);
    app.post("/api/v1/banner-slots", &json!({"key": "Không hợp lệ", "name": "x"})).await.assert_problem(400);
    app.post("/api/v1/banner-slots", &json!({"key": "thu", "name": "x", "order": "alphabetical"}))
        .await
        .assert_problem(400);
    assert_eq!(app.count_rows("banner_slots"), 1);
    let kept = banner(&app, link(links, "giu-lai", 0)).await;
    for query in
        ["from=0001-01-01", "to=9999-12-31&from=1970-01-01", "granularity=week", "from=2026-12-05&to=2026-12-01"]
    {
        app.get_as_admin(&format!("/api/v1/banners/{}/stats?{query}", kept["id"])).await.assert_problem(400);
    }
    let listed =
        app.get_as_admin(&format!("/api/v1/banners?slot_id={links}&active=true&expired=false&per_page=1")).await;
    assert_eq!(listed.body["data"][0]["id"], kept["id"], "{}", listed.body);

    let author = app.user_token("phong.vien", "author").await;
    let refused = app
        .call(reqwest::Method::POST, "/api/v1/banner-slots", Some(&author), Some(&json!({"key": "x", "name": "x"})))
        .await;
    refused.assert_problem(403);
    let token = app.api_token(&["banners:write"]).await;
    let allowed = app
        .call(
            reqwest::Method::POST,
            "/api/v1/banner-slots",
            Some(&token),
            Some(&json!({"key": "token-slot", "name": "x"})),
        )
        .await;
    assert_eq!(allowed.status, 201, "{}", allowed.body);
    let audit = app.get_as_admin("/api/v1/audit?entity_type=banner_slot").await;
    assert!(audit.body.to_string().contains("banner_slot.create"), "{}", audit.body);
}

#[actix_web::test]
async fn an_image_banner_from_the_library_holds_its_item() {
    let app = TestApp::spawn().await;
    let png = {
        let image = image::RgbImage::from_fn(400, 120, |x, y| image::Rgb([(x % 255) as u8, (y * 2) as u8, 90]));
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(image).write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let uploaded = app.post_raw("/api/v1/media", "image/png", png).await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let media_id = uploaded.body["id"].as_i64().unwrap();
    let slot_id = slot(&app, "bien-dao-anh", "weight").await;
    let item = banner(
        &app,
        json!({"slot_id": slot_id, "title": "Biển đảo", "kind": "image", "media_id": media_id, "alt": "Biển đảo quê hương",
               "target_url": "https://biendao.example.vn/", "open_in_new_tab": true}),
    )
    .await;
    let (reply, _) = titles(&app, "bien-dao-anh").await;
    let image = &reply.body["banners"][0]["image"];
    assert_eq!(
        (image["width"].clone(), image["height"].clone(), image["alt"].clone()),
        (json!(400), json!(120), json!("Biển đảo quê hương"))
    );
    assert!(image["variants"].as_array().unwrap().iter().any(|v| v["type"] == "image/webp"));
    assert_eq!(reply.body["banners"][0]["open_in_new_tab"], true);
    assert_eq!(app.get_as_admin(&format!("/api/v1/media/{media_id}")).await.body["usage_count"], 1);
    app.delete(&format!("/api/v1/media/{media_id}")).await.assert_problem(409);
    assert_eq!(app.delete(&format!("/api/v1/banners/{}", item["id"])).await.status, 204);
    assert_eq!(app.delete(&format!("/api/v1/media/{media_id}")).await.status, 204);
}

#[actix_web::test]
async fn clicks_through_two_processes_count_every_visitor_once() {
    let app = TestApp::spawn_in_daytime().await;
    let links = slot(&app, "hai-tien-trinh", "weight").await;
    let id = banner(&app, link(links, "dem-chinh-xac", 0)).await["id"].as_i64().unwrap();
    let target = newsdesk::db::DatabaseTarget::parse(&app.database_url).unwrap();
    let settings = newsdesk::config::Settings::for_database(target);
    let (other, other_stats) = crate::helpers::serve_with_clock(&app.database_url, settings, app.clock.clone());
    let bases = [app.address.clone(), other];
    let client = no_redirects();
    // Each of 1,000 readers clicks once through each process: the second click is a repeat.
    let requests: Vec<_> = (0..2000)
        .map(|n| {
            let reader = n % 1000;
            let request = client
                .get(format!("{}/api/v1/banners/{id}/click", bases[n % 2]))
                .header("User-Agent", format!("Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0 reader-{reader}"));
            if reader % 2 == 0 {
                request.header("Cookie", format!("nd_banner_visitor={:032x}", reader))
            } else {
                request
            }
        })
        .collect();
    let mut requests = requests;
    while !requests.is_empty() {
        let chunk: Vec<_> = requests.drain(..requests.len().min(32)).map(|r| r.send()).collect();
        for reply in futures_util::future::join_all(chunk).await {
            assert_eq!(reply.unwrap().status(), 302);
        }
    }
    other_stats.flush().unwrap();
    assert_eq!(stats(&app, id).await["totals"]["clicks"], 1000);
}
