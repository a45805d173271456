use std::time::Duration;

use chrono::{Duration as Span, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn at(offset: Span) -> String {
    (Utc::now() + offset).to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[actix_web::test]
async fn an_article_carries_every_field_and_embeds_its_source() {
    let app = TestApp::spawn().await;
    let source = app.create_source("Đoàn Tứ").await;
    let category = app.category("Thời sự", "thoi-su");
    let published_at = at(Span::hours(-3));

    let created = app
        .post(
            "/api/v1/articles",
            &json!({
                "title": "Kết quả thực hiện phong trào thi đua “Dân vận khéo” của các cấp chính quyền",
                "summary": "Chính quyền các cấp đạt nhiều kết quả nổi bật.",
                "body_html": "<p>Trong những năm qua, <em>phong trào</em> đã lan rộng.</p>",
                "cover_image": {"url": "https://anh.example.vn/dieu-hanh.jpg", "alt": "Lễ vận hành",
                                "caption": "Bấm nút vận hành trung tâm", "credit": "Bình Phước"},
                "author": "Phóng viên",
                "source_id": source["id"],
                "source_url": "https://nguon.example.vn/bai-goc",
                "category_id": category,
                "tags": ["Dân vận khéo", "chính quyền", "dân vận khéo"],
                "status": "published",
                "published_at": published_at,
                "allow_rating": true
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let article = &created.body;
    let id = article["id"].as_i64().unwrap();
    assert_eq!(created.header("location"), Some(format!("/api/v1/articles/{id}").as_str()));
    assert_eq!(article["slug"], "ket-qua-thuc-hien-phong-trao-thi-dua-dan-van-kheo-cua-cac-cap-chinh-quyen");
    assert_eq!(article["cover_image"]["credit"], "Bình Phước");
    assert_eq!(article["source"]["name"], "Đoàn Tứ");
    assert_eq!(article["source"]["url"], "https://nguon.example.vn");
    assert_eq!(article["category"]["slug"], "thoi-su");
    let tags: Vec<&str> = article["tags"].as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect();
    assert_eq!(tags.len(), 2, "tags are deduplicated by slug: {tags:?}");
    assert!(tags.contains(&"dan-van-kheo") && tags.contains(&"chinh-quyen"));
    assert_eq!(article["status"], "published");
    assert_eq!(article["published_at"], published_at.as_str());
    assert_eq!(article["view_count"], 0);
    assert_eq!(article["rating"], json!({"total_points": 0, "count": 0, "average": null}));
    assert!(article["created_at"].as_str().unwrap().ends_with('Z'));

    let by_id = app.get(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(by_id.status, 200);
    assert_eq!(&by_id.body, article);
    let by_slug = app.get(&format!("/api/v1/articles/by-slug/{}", article["slug"].as_str().unwrap())).await;
    assert_eq!(by_slug.status, 200);
    assert_eq!(by_slug.body["id"], id);
    assert_eq!(app.get(&format!("/api/v1/sources/{}", source["id"])).await.body["article_count"], 1);
}

#[actix_web::test]
async fn an_article_read_carries_its_tags_by_name_whatever_their_characters() {
    let app = TestApp::spawn().await;
    let tags = json!(["Zê", "Tin \"nóng\" \\ mới", "An ninh"]);
    let tagged = app.create_article(json!({"title": "Có nhãn", "status": "published", "tags": tags})).await;
    let bare = app.create_article(json!({"title": "Không nhãn", "status": "published"})).await;
    let names = |article: &Value| -> Vec<String> {
        article["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect()
    };
    for path in [
        format!("/api/v1/articles/{}", tagged["id"]),
        format!("/api/v1/articles/by-slug/{}", tagged["slug"].as_str().unwrap()),
    ] {
        let public = app.get(&path).await;
        assert_eq!(public.status, 200, "{}", public.body);
        assert_eq!(names(&public.body), ["An ninh", "Tin \"nóng\" \\ mới", "Zê"], "{path}");
        assert!(public.body["tags"].as_array().unwrap().iter().all(|t| t["id"].is_i64() && t["slug"].is_string()));
        assert_eq!(app.get_as_admin(&path).await.body["tags"], public.body["tags"], "staff read the same tags");
    }
    let listed = app.get("/api/v1/articles?q=nhan").await.body;
    let in_list = listed["data"].as_array().unwrap().iter().find(|a| a["id"] == tagged["id"]).unwrap().clone();
    assert_eq!(in_list["tags"], app.get(&format!("/api/v1/articles/{}", tagged["id"])).await.body["tags"]);
    assert_eq!(app.get(&format!("/api/v1/articles/{}", bare["id"])).await.body["tags"], json!([]));
    assert_eq!(app.get_as_admin(&format!("/api/v1/articles/{}", bare["id"])).await.body["tags"], json!([]));
}

#[actix_web::test]
async fn slugs_are_made_from_titles_and_stay_unique() {
    let app = TestApp::spawn().await;
    let first = app.publish("Đồng Xoài đón Tết").await;
    let second = app.publish("Đồng Xoài đón Tết").await;
    let third = app.publish("ĐỒNG XOÀI ĐÓN TẾT!").await;
    assert_eq!(first["slug"], "dong-xoai-don-tet");
    assert_eq!(second["slug"], "dong-xoai-don-tet-2");
    assert_eq!(third["slug"], "dong-xoai-don-tet-3");

    let decomposed = app.publish("Dân vận khe\u{301}o").await;
    assert_eq!(decomposed["title"], "Dân vận khéo", "text is stored in NFC");
    assert_eq!(decomposed["slug"], "dan-van-kheo");

    let explicit = app.create_article(json!({"title": "Tin khác", "slug": "tin-rieng"})).await;
    assert_eq!(explicit["slug"], "tin-rieng");

    let clash = app.post("/api/v1/articles", &json!({"title": "Tin", "slug": "dong-xoai-don-tet"})).await;
    clash.assert_problem(409);
    assert_eq!(clash.error_fields(), ["slug"]);

    for bad in ["Có Dấu", "a--b", "../etc/passwd", "-x", ""] {
        let reply = app.post("/api/v1/articles", &json!({"title": "Tin", "slug": bad})).await;
        reply.assert_problem(400);
        assert_eq!(reply.error_fields(), ["slug"], "slug {bad:?}");
    }

    let symbols_only = app.publish("“…”").await;
    assert_eq!(symbols_only["slug"], "article");
    assert_eq!(app.count_rows("articles"), 6);
}

#[actix_web::test]
async fn editing_a_title_keeps_the_slug_and_links_working() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tiêu đề cũ").await;
    let path = format!("/api/v1/articles/{}", article["id"]);

    let edited = app.patch(&path, &json!({"title": "Tiêu đề mới"})).await;
    assert_eq!(edited.status, 200);
    assert_eq!(edited.body["slug"], "tieu-de-cu");
    assert_eq!(edited.body["title"], "Tiêu đề mới");

    let renamed = app.patch(&path, &json!({"slug": "tieu-de-moi"})).await;
    assert_eq!(renamed.body["slug"], "tieu-de-moi");
    app.get("/api/v1/articles/by-slug/tieu-de-cu").await.assert_problem(404);
    assert_eq!(app.get("/api/v1/articles/by-slug/tieu-de-moi").await.status, 200);
}

#[actix_web::test]
async fn only_published_articles_inside_their_window_are_public() {
    let app = TestApp::spawn().await;
    let draft = app.create_article(json!({"title": "Bản nháp"})).await;
    assert_eq!(draft["status"], "draft");
    let future = app
        .create_article(json!({"title": "Sắp đăng", "status": "scheduled", "published_at": at(Span::days(1))}))
        .await;
    let expired = app
        .create_article(json!({"title": "Hết hạn", "status": "published",
                               "published_at": at(Span::days(-2)), "expires_at": at(Span::days(-1))}))
        .await;
    let archived = app.create_article(json!({"title": "Lưu trữ", "status": "archived"})).await;
    let published_later = app
        .create_article(json!({"title": "Đăng sau", "status": "published", "published_at": at(Span::hours(5))}))
        .await;
    assert_eq!(published_later["status"], "scheduled", "a future publication reads as scheduled");
    let live = app.publish("Đang hiển thị").await;

    for hidden in [&draft, &future, &expired, &archived, &published_later] {
        app.get(&format!("/api/v1/articles/{}", hidden["id"])).await.assert_problem(404);
        app.get(&format!("/api/v1/articles/by-slug/{}", hidden["slug"].as_str().unwrap())).await.assert_problem(404);
    }
    let list = app.get("/api/v1/articles").await;
    assert_eq!(list.body["meta"]["total"], 1);
    assert_eq!(list.body["data"][0]["id"], live["id"]);
    app.get("/api/v1/articles?status=draft").await.assert_problem(401);
    assert_eq!(app.get("/api/v1/articles?status=published").await.body["meta"]["total"], 1);
}

#[actix_web::test]
async fn a_scheduled_article_appears_by_itself_when_its_time_comes() {
    let app = TestApp::spawn().await;
    let publish_at = Utc::now() + Span::milliseconds(1500);
    let scheduled = app
        .create_article(json!({"title": "Đúng giờ", "status": "scheduled",
                               "published_at": publish_at.to_rfc3339_opts(SecondsFormat::Millis, true)}))
        .await;
    let path = format!("/api/v1/articles/{}", scheduled["id"]);
    app.get(&path).await.assert_problem(404);

    tokio_sleep(Duration::from_millis(1700)).await;
    let visible = app.get(&path).await;
    assert_eq!(visible.status, 200);
    assert_eq!(visible.body["status"], "published");
    assert_eq!(app.get("/api/v1/articles").await.body["meta"]["total"], 1);
}

async fn tokio_sleep(duration: Duration) {
    actix_web::rt::time::sleep(duration).await;
}

#[actix_web::test]
async fn body_html_is_sanitized_on_write() {
    let app = TestApp::spawn().await;
    let article = app
        .create_article(json!({
            "title": "Kiểm tra HTML",
            "status": "published",
            "body_html": "<p onclick=\"steal()\">Đoạn <strong>một</strong> <em>nghiêng</em> \
                          <a href=\"javascript:alert(1)\">xấu</a> <a href=\"https://tot.example.vn\">tốt</a></p>\
                          <script>alert('x')</script><img src=\"https://a.example.vn/1.jpg\" onerror=\"alert(2)\" alt=\"ảnh\">\
                          <figure><figcaption>Chú thích</figcaption></figure><ul><li>ý</li></ul>\
                          <table><tbody><tr><td>ô</td></tr></tbody></table><iframe src=\"https://evil.example\"></iframe>"
        }))
        .await;
    let stored =
        app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["body_html"].as_str().unwrap().to_owned();
    for gone in ["<script", "onclick", "onerror", "javascript:", "alert", "iframe", "steal"] {
        assert!(!stored.contains(gone), "{gone} survived: {stored}");
    }
    for kept in [
        "<p>",
        "<strong>một</strong>",
        "<em>",
        "href=\"https://tot.example.vn\"",
        "<img",
        "alt=\"ảnh\"",
        "<figure>",
        "<figcaption>",
        "<ul>",
        "<li>",
        "<table>",
        "<td>",
    ] {
        assert!(stored.contains(kept), "{kept} was lost: {stored}");
    }
}

#[actix_web::test]
async fn put_replaces_patch_merges_and_delete_removes() {
    let app = TestApp::spawn().await;
    let source = app.create_source("Nguồn A").await;
    let article = app
        .create_article(json!({"title": "Gốc", "author": "Tác giả", "source_id": source["id"], "tags": ["a", "b"],
                               "cover_image": {"url": "/uploads/anh.jpg"}}))
        .await;
    let path = format!("/api/v1/articles/{}", article["id"]);

    let patched = app.patch(&path, &json!({"author": null, "tags": ["c"], "summary": "Tóm tắt"})).await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["author"], Value::Null);
    assert_eq!(patched.body["summary"], "Tóm tắt");
    assert_eq!(patched.body["source"]["name"], "Nguồn A");
    assert_eq!(patched.body["cover_image"]["url"], "/uploads/anh.jpg");
    assert_eq!(patched.body["tags"].as_array().unwrap().len(), 1);

    let replaced = app.put(&path, &json!({"title": "Thay thế", "status": "published"})).await;
    assert_eq!(replaced.status, 200);
    assert_eq!(replaced.body["source"], Value::Null);
    assert_eq!(replaced.body["cover_image"], Value::Null);
    assert_eq!(replaced.body["tags"], json!([]));
    assert_eq!(replaced.body["slug"], "goc", "a replace without a slug keeps the old one");
    assert!(replaced.body["published_at"].is_string());
    assert!(replaced.body["updated_at"].as_str() >= article["updated_at"].as_str());

    assert_eq!(app.delete(&path).await.status, 204, "to the trash");
    app.get(&path).await.assert_problem(404);
    app.delete(&path).await.assert_problem(409);
    app.put(&path, &json!({"title": "x"})).await.assert_problem(409);
    app.patch(&path, &json!({"title": "x"})).await.assert_problem(409);
    assert_eq!(app.delete(&format!("{path}?permanent=true")).await.status, 204);
    app.get_as_admin(&path).await.assert_problem(404);
    app.delete(&path).await.assert_problem(404);
    app.put(&path, &json!({"title": "x"})).await.assert_problem(404);
    app.patch(&path, &json!({"title": "x"})).await.assert_problem(404);
    assert_eq!(app.count_rows("article_tags"), 0, "tag links go with the article");
    assert_eq!(app.count_rows("article_counters"), 0, "so does its view count");
}

#[actix_web::test]
async fn lists_page_filter_and_sort() {
    let app = TestApp::spawn().await;
    let source = app.create_source("Nguồn lọc").await;
    let category = app.category("Kinh tế", "kinh-te");
    for day in 1..=5 {
        app.create_article(json!({
            "title": format!("Tin ngày {day}"),
            "status": "published",
            "published_at": at(Span::days(-10 + day)),
            "source_id": if day % 2 == 0 { source["id"].clone() } else { Value::Null },
            "category_id": if day <= 2 { json!(category) } else { Value::Null },
            "tags": if day == 3 { json!(["Nông nghiệp"]) } else { json!([]) }
        }))
        .await;
    }

    let first = app.get("/api/v1/articles?per_page=2").await;
    assert_eq!(first.status, 200);
    let titles = |reply: &crate::helpers::Reply| -> Vec<String> {
        reply.body["data"].as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(titles(&first), ["Tin ngày 5", "Tin ngày 4"]);
    let meta = &first.body["meta"];
    assert_eq!((&meta["page"], &meta["total"], &meta["total_pages"]), (&json!(1), &json!(5), &json!(3)));
    assert!(meta["next_cursor"].is_string(), "a cursor to go on from here by keyset");
    assert_eq!(first.header("x-total-count"), Some("5"));
    let link = first.header("link").unwrap();
    assert!(link.contains("</api/v1/articles?per_page=2&page=2>; rel=\"next\""), "{link}");
    assert!(link.contains("page=3>; rel=\"last\""), "{link}");

    let last = app.get("/api/v1/articles?per_page=2&page=3").await;
    assert_eq!(titles(&last), ["Tin ngày 1"]);
    let beyond = app.get("/api/v1/articles?per_page=2&page=9").await;
    assert_eq!(beyond.body["data"], json!([]));

    let oldest = app.get("/api/v1/articles?sort=published_at&per_page=1").await;
    assert_eq!(titles(&oldest), ["Tin ngày 1"]);
    let by_source = app.get(&format!("/api/v1/articles?source_id={}", source["id"])).await;
    assert_eq!(titles(&by_source), ["Tin ngày 4", "Tin ngày 2"]);
    let by_category = app.get(&format!("/api/v1/articles?category_id={category}")).await;
    assert_eq!(titles(&by_category), ["Tin ngày 2", "Tin ngày 1"]);
    let by_tag = app.get("/api/v1/articles?tag=nong-nghiep").await;
    assert_eq!(titles(&by_tag), ["Tin ngày 3"]);
    let by_status = app.get("/api/v1/articles?status=published&tag=nong-nghiep").await;
    assert_eq!(titles(&by_status), ["Tin ngày 3"]);
    assert_eq!(app.get("/api/v1/articles?tag=khong-co").await.body["meta"]["total"], 0);

    app.get("/api/v1/articles?sort=popularity").await.assert_problem(400);
    app.get("/api/v1/articles?status=deleted").await.assert_problem(400);
}

#[actix_web::test]
async fn invalid_articles_are_rejected_field_by_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/articles",
            &json!({
                "title": "",
                "summary": "x".repeat(2001),
                "cover_image": {"url": "javascript:alert(1)"},
                "source_url": "not a url",
                "source_id": 999,
                "tags": ["", "x".repeat(61)],
                "status": "scheduled",
                "expires_at": at(Span::days(1))
            }),
        )
        .await;
    reply.assert_problem(400);
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(fields, ["cover_image.url", "published_at", "source_url", "summary", "tags[0]", "tags[1]", "title"]);

    let unknown_refs =
        app.post("/api/v1/articles", &json!({"title": "Tin", "source_id": 999, "category_id": 998})).await;
    unknown_refs.assert_problem(400);
    assert_eq!(unknown_refs.error_fields(), ["source_id", "category_id"]);

    let backwards = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Tin", "status": "published",
                                           "published_at": at(Span::days(-1)), "expires_at": at(Span::days(-2))}),
        )
        .await;
    assert_eq!(backwards.error_fields(), ["expires_at"]);
    assert_eq!(app.count_rows("articles"), 0);
    assert_eq!(app.count_rows("tags"), 0);
}

#[actix_web::test]
async fn concurrent_writes_all_succeed() {
    let app = TestApp::spawn().await;
    let writes = (0..40).map(|i| {
        let app = &app;
        async move {
            app.post("/api/v1/articles", &json!({"title": "Cùng tiêu đề", "tags": [format!("t{}", i % 3)]})).await
        }
    });
    let replies = futures_util::future::join_all(writes).await;
    for reply in &replies {
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let mut slugs: Vec<&str> = replies.iter().map(|r| r.body["slug"].as_str().unwrap()).collect();
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), 40, "every article got its own slug");
    assert_eq!(app.count_rows("articles"), 40);
    assert_eq!(app.count_rows("tags"), 3);
}

/// The `newsdesk_response_cache_total` count of one result at `base`.
async fn cache_lookups(client: &reqwest::Client, base: &str, result: &str) -> u64 {
    let text = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    let line = format!("newsdesk_response_cache_total{{result=\"{result}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(line.as_str())).map_or(0, |n| n.trim().parse().unwrap())
}

/// The newest content change the process at `base` has applied (`/metrics`).
async fn newest_change(client: &reqwest::Client, base: &str) -> u64 {
    let text = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("newsdesk_content_changes_applied "))
        .map_or(0, |n| n.trim().parse::<f64>().unwrap() as u64)
}

/// Waits until the process at `base` has applied a change newer than `seen`: a change
/// arriving later would forget what a test reads into the cache before it.
async fn change_applied(client: &reqwest::Client, base: &str, seen: u64) {
    let started = std::time::Instant::now();
    while newest_change(client, base).await <= seen {
        assert!(started.elapsed() < Duration::from_secs(5), "no change after {seen} reached {base}");
        tokio_sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn an_edit_through_one_process_reaches_the_cached_readers_of_another_within_a_second() {
    let app = TestApp::spawn().await;
    let seen = newest_change(&app.client, &app.address).await;
    let article = app.publish("Tin của hai máy chủ").await;
    change_applied(&app.client, &app.address, seen).await;
    let target = newsdesk::db::DatabaseTarget::parse(&app.database_url).unwrap();
    let other = crate::helpers::serve(&app.database_url, newsdesk::config::Settings::for_database(target));
    let url = format!("{other}/api/v1/articles/by-slug/{}", article["slug"].as_str().unwrap());
    let title = || async { app.client.get(&url).send().await.unwrap().json::<Value>().await.unwrap()["title"].clone() };
    // An article is kept from its second read on.
    assert_eq!(title().await, "Tin của hai máy chủ");
    assert_eq!(title().await, "Tin của hai máy chủ");
    let hits = cache_lookups(&app.client, &other, "hit").await;
    assert_eq!(title().await, "Tin của hai máy chủ");
    assert_eq!(cache_lookups(&app.client, &other, "hit").await, hits + 1, "the third read came from the cache");
    tokio_sleep(newsdesk::content_changes::POLL * 3).await;
    assert_eq!(title().await, "Tin của hai máy chủ");
    assert_eq!(
        cache_lookups(&app.client, &other, "hit").await,
        hits + 2,
        "changes recorded before the process started forget nothing"
    );

    let edited = app.patch(&format!("/api/v1/articles/{}", article["id"]), &json!({"title": "Tin đã sửa"})).await;
    assert_eq!(edited.status, 200, "{:?}", edited.body);
    let started = std::time::Instant::now();
    while title().await != "Tin đã sửa" {
        assert!(started.elapsed() < Duration::from_secs(1), "the other process still shows the old title");
        tokio_sleep(Duration::from_millis(20)).await;
    }
    let seen = newest_change(&app.client, &other).await;
    let neighbour = format!("{other}/api/v1/articles/{}", app.publish("Tin bên cạnh").await["id"]);
    change_applied(&app.client, &other, seen).await;
    for _ in 0..2 {
        assert_eq!(app.client.get(&neighbour).send().await.unwrap().status(), 200, "read twice, now cached");
    }
    let rated = app
        .client
        .post(app.url(&format!("/api/v1/articles/{}/ratings", article["id"])))
        .header("X-Visitor-Id", "reader-0001")
        .json(&json!({"score": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), 201);
    let started = std::time::Instant::now();
    let rating =
        || async { app.client.get(&url).send().await.unwrap().json::<Value>().await.unwrap()["rating"].clone() };
    while rating().await["count"] != 1 {
        assert!(started.elapsed() < Duration::from_secs(1), "the other process still shows no rating");
        tokio_sleep(Duration::from_millis(20)).await;
    }
    let neighbour_read = || async { app.client.get(&neighbour).send().await.unwrap().status() };
    let hits = cache_lookups(&app.client, &other, "hit").await;
    assert_eq!(neighbour_read().await, 200);
    assert_eq!(cache_lookups(&app.client, &other, "hit").await, hits + 1, "a rating forgets only its own article");
}

#[actix_web::test]
async fn a_cached_article_is_not_read_past_its_expiry() {
    let app = TestApp::spawn().await;
    let expires = Utc::now() + Span::milliseconds(2500);
    let created = app
        .create_article(json!({"title": "Tin sắp hết hạn", "status": "published",
                               "expires_at": expires.to_rfc3339_opts(SecondsFormat::Millis, true)}))
        .await;
    let path = format!("/api/v1/articles/{}", created["id"]);
    assert_eq!(app.get(&path).await.status, 200);
    assert_eq!(app.get(&path).await.status, 200, "read again, from the cache");
    let left = (expires - Utc::now()).to_std().unwrap_or_default();
    tokio_sleep(left + Duration::from_millis(50)).await;
    assert_eq!(app.get(&path).await.status, 404, "expired, whatever the cache held");
}
