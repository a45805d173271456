//! What frontends need from lists: taxonomy, filters, sorts, cursors, search, caching, feeds.

use std::collections::HashSet;

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

fn at(offset: Duration) -> String {
    (Utc::now() + offset).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn titles(reply: &Reply) -> Vec<String> {
    reply.body["data"].as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap().to_owned()).collect()
}

fn ids(reply: &Reply) -> Vec<i64> {
    reply.body["data"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect()
}

async fn create_many(app: &TestApp, bodies: Vec<Value>) {
    for chunk in bodies.chunks(16) {
        let posts = chunk.iter().map(|body| app.post("/api/v1/articles", body));
        for reply in futures_util::future::join_all(posts).await {
            assert_eq!(reply.status, 201, "{}", reply.body);
        }
    }
}

#[actix_web::test]
async fn categories_nest_and_are_managed_by_staff() {
    let app = TestApp::spawn().await;
    let news = app.post("/api/v1/categories", &json!({"name": "Thời sự", "position": 1})).await;
    assert_eq!(news.status, 201, "{}", news.body);
    assert_eq!(news.body["slug"], "thoi-su");
    let local = app.post("/api/v1/categories", &json!({"name": "Trong tỉnh", "parent_id": news.body["id"]})).await;
    assert_eq!(local.status, 201);
    let sport = app.post("/api/v1/categories", &json!({"name": "Thể thao", "slug": "the-thao", "position": 0})).await;
    let listed = app.get("/api/v1/categories").await;
    assert_eq!(titles_of(&listed, "name"), ["Thể thao", "Trong tỉnh", "Thời sự"], "by position, then name");

    app.post("/api/v1/categories", &json!({"name": "Thời  sự"})).await.assert_problem(409);
    let cycle =
        app.patch(&format!("/api/v1/categories/{}", news.body["id"]), &json!({"parent_id": local.body["id"]})).await;
    assert_eq!(cycle.error_fields(), ["parent_id"]);
    let renamed =
        app.patch(&format!("/api/v1/categories/{}", sport.body["id"]), &json!({"name": "Thể thao 24h"})).await;
    assert_eq!(
        (renamed.body["name"].as_str(), renamed.body["slug"].as_str()),
        (Some("Thể thao 24h"), Some("the-thao"))
    );

    let in_local = app
        .create_article(json!({"title": "Tin trong tỉnh", "status": "published", "category_id": local.body["id"]}))
        .await;
    app.create_article(json!({"title": "Tin thời sự", "status": "published", "category_id": news.body["id"]})).await;
    app.create_article(json!({"title": "Tin thể thao", "status": "published", "category_id": sport.body["id"]})).await;
    let of_news = app.get("/api/v1/categories/thoi-su/articles").await;
    assert_eq!(of_news.status, 200);
    assert_eq!(titles(&of_news).len(), 2, "a category lists its sub-categories' articles too");
    let by_param = app.get("/api/v1/articles?category=thoi-su").await;
    assert_eq!(by_param.body["meta"]["total"], 2);
    app.get("/api/v1/categories/khong-co/articles").await.assert_problem(404);

    app.delete(&format!("/api/v1/categories/{}", news.body["id"])).await.assert_problem(409);
    app.delete(&format!("/api/v1/articles/{}", in_local["id"])).await;
    app.delete(&format!("/api/v1/categories/{}", local.body["id"])).await.assert_problem(409);
    app.delete(&format!("/api/v1/articles/{}?permanent=true", in_local["id"])).await;
    assert_eq!(app.delete(&format!("/api/v1/categories/{}", local.body["id"])).await.status, 204);
    let author = app.user_token("tac.gia", "author").await;
    let denied = app.call(Method::POST, "/api/v1/categories", Some(&author), Some(&json!({"name": "Mới"}))).await;
    denied.assert_problem(403);
    app.call(Method::POST, "/api/v1/categories", None, Some(&json!({"name": "Mới"}))).await.assert_problem(401);
}

fn titles_of(reply: &Reply, key: &str) -> Vec<String> {
    reply.body["data"].as_array().unwrap().iter().map(|c| c[key].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn tags_are_listed_renamed_and_removed() {
    let app = TestApp::spawn().await;
    app.create_article(json!({"title": "Một", "status": "published", "tags": ["Nông thôn mới", "Đồng Xoài"]})).await;
    app.create_article(json!({"title": "Hai", "status": "published", "tags": ["nông thôn mới"]})).await;
    let created = app.post("/api/v1/tags", &json!({"name": "Giao thông"})).await;
    assert_eq!(created.status, 201);
    app.post("/api/v1/tags", &json!({"name": "giao thông"})).await.assert_problem(409);

    let listed = app.get("/api/v1/tags").await;
    let counts: Vec<(String, i64)> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["slug"].as_str().unwrap().to_owned(), t["article_count"].as_i64().unwrap()))
        .collect();
    assert_eq!(counts, [("dong-xoai".into(), 1), ("giao-thong".into(), 0), ("nong-thon-moi".into(), 2)]);
    let tagged = app.get("/api/v1/tags/nong-thon-moi/articles").await;
    assert_eq!(tagged.body["meta"]["total"], 2);
    app.get("/api/v1/tags/khong-co/articles").await.assert_problem(404);

    let id = counts_id(&listed, "dong-xoai");
    let renamed = app.patch(&format!("/api/v1/tags/{id}"), &json!({"name": "Thành phố Đồng Xoài"})).await;
    assert_eq!(renamed.body["slug"], "thanh-pho-dong-xoai");
    assert_eq!(app.delete(&format!("/api/v1/tags/{id}")).await.status, 204);
    assert_eq!(app.get("/api/v1/articles?tag=thanh-pho-dong-xoai").await.body["meta"]["total"], 0);
    assert_eq!(app.count_rows("article_tags"), 2);
}

fn counts_id(reply: &Reply, slug: &str) -> i64 {
    reply.body["data"].as_array().unwrap().iter().find(|t| t["slug"] == slug).unwrap()["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn every_filter_and_sort_works() {
    let app = TestApp::spawn().await;
    let bodies = vec![
        json!({"title": "Bình minh", "status": "published", "author": "Lan", "published_at": at(Duration::days(-3)),
               "cover_image": {"url": "/a.jpg"}}),
        json!({"title": "An toàn giao thông", "status": "published", "author": "Huệ", "published_at": at(Duration::days(-2))}),
        json!({"title": "Chợ phiên", "status": "published", "author": "Lan", "published_at": at(Duration::days(-1)),
               "cover_image": {"url": "/c.jpg"}}),
        json!({"title": "Đêm hội", "status": "draft"}),
    ];
    create_many(&app, bodies).await;
    let get = |query: &'static str| {
        let app = &app;
        async move {
            let reply = app.get(&format!("/api/v1/articles?{query}")).await;
            assert_eq!(reply.status, 200, "{query}: {}", reply.body);
            titles(&reply)
        }
    };
    assert_eq!(get("author=Lan").await, ["Chợ phiên", "Bình minh"]);
    assert_eq!(get("has_cover=true").await, ["Chợ phiên", "Bình minh"]);
    assert_eq!(get("has_cover=false").await, ["An toàn giao thông"]);
    let window = format!("published_from={}&published_to={}", at(Duration::hours(-60)), at(Duration::hours(-12)));
    let windowed = app.get(&format!("/api/v1/articles?{}", window.replace('+', "%2B"))).await;
    assert_eq!(titles(&windowed), ["Chợ phiên", "An toàn giao thông"]);
    assert_eq!(get("sort=title").await, ["An toàn giao thông", "Bình minh", "Chợ phiên"]);
    assert_eq!(get("sort=-title").await, ["Chợ phiên", "Bình minh", "An toàn giao thông"]);
    assert_eq!(get("sort=published_at").await, ["Bình minh", "An toàn giao thông", "Chợ phiên"]);

    app.db
        .write_blocking(|conn| {
            use diesel::prelude::*;
            for (views, title) in [(10, "An toàn giao thông"), (5, "Bình minh")] {
                diesel::sql_query(format!(
                    "UPDATE article_counters SET view_count = {views} \
                     WHERE article_id = (SELECT id FROM articles WHERE title = '{title}')"
                ))
                .execute(conn)?;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(get("sort=-view_count").await, ["An toàn giao thông", "Bình minh", "Chợ phiên"]);
    assert_eq!(get("sort=view_count").await, ["Chợ phiên", "Bình minh", "An toàn giao thông"]);
    assert_eq!(get("sort=-view_count&author=Lan").await, ["Bình minh", "Chợ phiên"]);
    for (title, score) in [("Chợ phiên", 5), ("Bình minh", 2)] {
        let id =
            app.get(&format!("/api/v1/articles?q={}", title.replace(' ', "+"))).await.body["data"][0]["id"].clone();
        let reply = app
            .send(
                app.client
                    .post(app.url(&format!("/api/v1/articles/{id}/ratings")))
                    .header("X-Visitor-Id", "rating-reader")
                    .json(&json!({"score": score})),
            )
            .await;
        assert_eq!(reply.status, 201);
    }
    assert_eq!(get("sort=-rating").await, ["Chợ phiên", "Bình minh", "An toàn giao thông"]);
    app.patch(
        &format!("/api/v1/articles/{}", app.get("/api/v1/articles?sort=title").await.body["data"][1]["id"]),
        &json!({"summary": "mới sửa"}),
    )
    .await;
    assert_eq!(get("sort=-updated_at").await[0], "Bình minh");

    let drafts = app.get_as_admin("/api/v1/articles?status=draft").await;
    assert_eq!(titles(&drafts), ["Đêm hội"], "staff filter by status");
    let uncounted = app.get("/api/v1/articles?count=false&per_page=1").await;
    assert_eq!(uncounted.body["meta"]["total"], Value::Null);
    assert!(uncounted.header("x-total-count").is_none());
    assert!(uncounted.body["meta"]["next_cursor"].is_string());
    app.get("/api/v1/articles?has_cover=maybe").await.assert_problem(400);
    app.get("/api/v1/articles?published_from=yesterday").await.assert_problem(400);
    app.get("/api/v1/articles?sort=relevance").await.assert_problem(400);
}

#[actix_web::test]
async fn cursors_walk_hundreds_of_articles_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let bodies: Vec<Value> = (0..240)
        .map(|i| {
            json!({"title": format!("Bài {i:03}"), "status": "published",
                        "published_at": at(Duration::minutes(-(i % 60) - 10))})
        })
        .collect();
    create_many(&app, bodies).await;
    app.db
        .write_blocking(|conn| {
            use diesel::prelude::*;
            diesel::sql_query(
                "UPDATE article_counters SET view_count = article_id % 7, rating_score = article_id % 5 * 1000",
            )
            .execute(conn)?;
            Ok(())
        })
        .unwrap();
    for sort in ["-published_at", "title", "-view_count", "view_count", "-rating", "rating", "updated_at"] {
        let mut seen: Vec<i64> = Vec::new();
        let mut cursor = String::new();
        loop {
            let reply =
                app.get(&format!("/api/v1/articles?sort={sort}&per_page=25&fields=id,title&cursor={cursor}")).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            assert_eq!(reply.body["meta"]["page"], Value::Null);
            seen.extend(ids(&reply));
            // Articles published meanwhile land before the cursor and do not shift the walk.
            if sort == "-published_at" && seen.len() == 100 {
                app.publish("Tin mới chen vào").await;
            }
            match reply.body["meta"]["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        let unique: HashSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: no article twice");
        assert!(seen.len() >= 240, "{sort}: every article once ({})", seen.len());
    }
    let walked_titles = {
        let mut all = Vec::new();
        let mut cursor = String::new();
        loop {
            let reply = app.get(&format!("/api/v1/articles?sort=title&per_page=50&cursor={cursor}")).await;
            all.extend(titles(&reply));
            match reply.body["meta"]["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break all,
            }
        }
    };
    let mut sorted = walked_titles.clone();
    sorted.sort();
    assert_eq!(walked_titles, sorted);
    app.get("/api/v1/articles?cursor=not-a-cursor").await.assert_problem(400);
    let other_sort =
        app.get("/api/v1/articles?sort=title&per_page=1&cursor=").await.body["meta"]["next_cursor"].clone();
    let mismatch =
        app.get(&format!("/api/v1/articles?sort=-published_at&cursor={}", other_sort.as_str().unwrap())).await;
    assert_eq!(mismatch.error_fields(), ["cursor"]);
}

#[actix_web::test]
async fn search_ignores_tone_marks_and_ranks_titles_first() {
    let app = TestApp::spawn().await;
    create_many(
        &app,
        vec![
            json!({"title": "Kết quả phong trào thi đua “Dân vận khéo”", "status": "published",
                   "summary": "Chính quyền các cấp thực hiện tốt.", "tags": ["dân vận"]}),
            json!({"title": "Hội nghị tổng kết năm", "status": "published",
                   "body_html": "<p>Trong năm, mô hình <em>dân vận khéo</em> được nhân rộng ở Đồng Xoài.</p>"}),
            json!({"title": "Đoàn thanh niên ra quân", "status": "published", "summary": "Đoàn viên dọn vệ sinh."}),
            json!({"title": "Thời tiết", "status": "published", "summary": "Trời nắng."}),
            json!({"title": "Dân vận khéo trong bản nháp", "status": "draft"}),
        ],
    )
    .await;
    let search = |q: &'static str| {
        let app = &app;
        async move {
            let reply = app.get(&format!("/api/v1/articles?q={q}")).await;
            assert_eq!(reply.status, 200, "{q}: {}", reply.body);
            reply
        }
    };
    let plain = search("dan+van+kheo").await;
    assert_eq!(titles(&plain), ["Kết quả phong trào thi đua “Dân vận khéo”", "Hội nghị tổng kết năm"]);
    let accented = search("D%C3%A2n+v%E1%BA%ADn+kh%C3%A9o").await;
    assert_eq!(titles(&accented), titles(&plain), "with or without tone marks");
    assert!(plain.body["data"][0]["snippet"].as_str().unwrap().contains("<mark>Dân</mark>"), "{}", plain.body);
    assert!(
        plain.body["data"][1]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>dân</mark> <mark>vận</mark> <mark>khéo</mark>")
    );
    assert_eq!(titles(&search("dong+xoai").await), ["Hội nghị tổng kết năm"]);
    let snippets = |q: &'static str| {
        let app = &app;
        async move {
            let reply = app.get(&format!("/api/v1/articles?q={q}&fields=title,snippet")).await;
            assert_eq!(reply.status, 200, "{q}: {}", reply.body);
            let data = reply.body["data"].as_array().unwrap().clone();
            data.iter().map(|a| (a["title"].as_str().unwrap().to_owned(), a["snippet"].clone())).collect::<Vec<_>>()
        }
    };
    let (_, from_body) = &snippets("dong+xoai").await[0];
    assert!(from_body.as_str().unwrap().contains("ở <mark>Đồng</mark> <mark>Xoài</mark>."), "{from_body}");
    let (_, from_summary) = &snippets("ve+sinh").await[0];
    assert_eq!(from_summary, "Đoàn viên dọn <mark>vệ</mark> <mark>sinh</mark>.");
    let (_, from_title) = &snippets("tong+ket").await[0];
    assert_eq!(from_title, "Hội nghị <mark>tổng</mark> <mark>kết</mark> năm", "no summary: the title first");
    let (_, title_at_last) = &snippets("thoi+tiet").await[0];
    assert_eq!(title_at_last, "<mark>Thời</mark> <mark>tiết</mark>", "neither summary nor body holds it");
    assert_eq!(titles(&search("%C4%90%E1%BB%93ng+Xo%C3%A0i").await), ["Hội nghị tổng kết năm"]);
    assert_eq!(titles(&search("doan").await), ["Đoàn thanh niên ra quân"], "đ folds to d");
    assert_eq!(search("khong+co+gi").await.body["meta"]["total"], 0);
    let filtered = app.get("/api/v1/articles?q=dan+van&tag=dan-van").await;
    assert_eq!(titles(&filtered), ["Kết quả phong trào thi đua “Dân vận khéo”"]);
    let by_date = app.get("/api/v1/articles?q=dan+van+kheo&sort=title").await;
    assert_eq!(titles(&by_date), ["Hội nghị tổng kết năm", "Kết quả phong trào thi đua “Dân vận khéo”"]);
    let staff = app.get_as_admin("/api/v1/articles?q=dan+van+kheo").await;
    assert_eq!(staff.body["meta"]["total"], 3, "staff find drafts too");

    let weather = search("thoi+tiet").await.body["data"][0]["id"].clone();
    app.patch(&format!("/api/v1/articles/{weather}"), &json!({"title": "Dự báo mưa lớn"})).await;
    assert_eq!(search("thoi+tiet").await.body["meta"]["total"], 0, "the index follows edits");
    assert_eq!(search("mua+lon").await.body["meta"]["total"], 1);
    app.delete(&format!("/api/v1/articles/{weather}")).await;
    assert_eq!(search("mua+lon").await.body["meta"]["total"], 0, "and deletes");
    let punctuation = app.get("/api/v1/articles?q=%E2%80%9C%E2%80%9D").await;
    assert_eq!(punctuation.status, 200);
    assert_eq!(punctuation.body["meta"]["total"], 0, "a search without a word matches nothing");
    let blank = app.get("/api/v1/articles?q=%20").await;
    assert_eq!(
        blank.body["meta"]["total"],
        app.get("/api/v1/articles").await.body["meta"]["total"],
        "blank is no search"
    );
}

#[actix_web::test]
async fn sparse_fields_and_related_articles() {
    let app = TestApp::spawn().await;
    let category = app.category("Kinh tế", "kinh-te");
    let main = app
        .create_article(
            json!({"title": "Chính", "status": "published", "category_id": category, "body_html": "<p>Thân bài</p>"}),
        )
        .await;
    app.create_article(json!({"title": "Cùng mục", "status": "published", "category_id": category})).await;
    app.create_article(json!({"title": "Cùng thẻ", "status": "published", "tags": ["x"]})).await;
    app.patch(&format!("/api/v1/articles/{}", main["id"]), &json!({"tags": ["x"]})).await;
    app.create_article(json!({"title": "Không liên quan", "status": "published"})).await;

    let sparse = app.get("/api/v1/articles?fields=id,slug,title").await;
    let keys: HashSet<String> = sparse.body["data"][0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, HashSet::from(["id".to_owned(), "slug".to_owned(), "title".to_owned()]));
    let everything = app.get("/api/v1/articles?fields=").await;
    assert!(everything.body["data"][0]["body_html"].is_string(), "an empty fields= means every field");
    let bodies = app.get("/api/v1/articles?fields=id,body_html&sort=title").await;
    let body_of_main = bodies.body["data"].as_array().unwrap().iter().find(|a| a["id"] == main["id"]).unwrap();
    assert_eq!(body_of_main["body_html"], "<p>Thân bài</p>", "asked for, the body is read");
    let embedded = app.get("/api/v1/articles?fields=id,category,tags&sort=title").await;
    let main_embedded = embedded.body["data"].as_array().unwrap().iter().find(|a| a["id"] == main["id"]).unwrap();
    assert_eq!(main_embedded["category"]["id"], category, "{main_embedded}");
    assert_eq!(main_embedded["tags"][0]["slug"], "x");
    let unknown = app.get("/api/v1/articles?fields=id,password").await;
    assert_eq!(unknown.error_fields(), ["fields"]);

    let related = app.get(&format!("/api/v1/articles/{}/related", main["id"])).await;
    assert_eq!(related.status, 200);
    let mut names: Vec<String> =
        related.body.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap().to_owned()).collect();
    names.sort();
    assert_eq!(names, ["Cùng mục", "Cùng thẻ"]);
    app.get("/api/v1/articles/999/related").await.assert_problem(404);
}

#[actix_web::test]
async fn public_reads_are_cacheable_and_compressed() {
    let app = TestApp::spawn().await;
    let article = app.publish("Bài có ETag").await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let first = app.get(&path).await;
    let etag = first.header("etag").unwrap().to_owned();
    assert!(etag.starts_with("W/\""));
    assert_eq!(first.header("cache-control"), Some("public, max-age=30"));
    assert!(first.header("last-modified").unwrap().ends_with("GMT"));

    let again = app.send(app.client.get(app.url(&path)).header("If-None-Match", &etag)).await;
    assert_eq!(again.status, 304);
    assert_eq!(again.body, Value::Null, "no body");
    assert_eq!(again.header("etag"), Some(etag.as_str()));

    app.patch(&path, &json!({"summary": "đã sửa"})).await;
    let changed = app.send(app.client.get(app.url(&path)).header("If-None-Match", &etag)).await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    let list = app.get("/api/v1/articles").await;
    let list_etag = list.header("etag").unwrap().to_owned();
    let list_again = app.send(app.client.get(app.url("/api/v1/articles")).header("If-None-Match", &list_etag)).await;
    assert_eq!(list_again.status, 304);
    assert!(app.get_as_admin(&path).await.header("cache-control").unwrap().starts_with("private"));

    for (accepted, encoding) in [("gzip", Some("gzip")), ("br, gzip;q=0.5", Some("gzip")), ("br", None)] {
        let raw = app.client.get(app.url("/api/v1/articles")).header("Accept-Encoding", accepted).send().await.unwrap();
        assert_eq!(raw.headers().get("content-encoding").map(|v| v.to_str().unwrap()), encoding, "{accepted}");
    }
}

#[actix_web::test]
async fn feeds_are_valid_xml_with_correct_dates() {
    let app = TestApp::spawn_with(|settings| settings.site_url = "https://tin.example.vn".into()).await;
    let category = app.category("Thời sự", "thoi-su");
    app.create_article(json!({"title": "Tin có ảnh & <ký hiệu>", "status": "published", "category_id": category,
                              "summary": "Tóm tắt", "published_at": "2020-09-26T06:54:00+07:00",
                              "cover_image": {"url": "/uploads/anh.jpg"}, "author": "Đoàn Tứ"}))
        .await;
    app.publish("Tin khác mục").await;

    let rss = app.client.get(app.url("/api/v1/feeds/rss")).send().await.unwrap();
    assert_eq!(rss.headers()["content-type"], "application/rss+xml; charset=utf-8");
    assert!(rss.headers().contains_key("etag"));
    let text = rss.text().await.unwrap();
    let doc = roxmltree::Document::parse(&text).expect("RSS is well-formed XML");
    let items: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("item")).collect();
    assert_eq!(items.len(), 2);
    let item = items.iter().find(|i| child(i, "title").starts_with("Tin có ảnh")).unwrap();
    assert_eq!(child(item, "title"), "Tin có ảnh & <ký hiệu>");
    let date = chrono::DateTime::parse_from_rfc2822(&child(item, "pubDate")).expect("RFC 822 date");
    assert_eq!(date.to_rfc3339(), "2020-09-25T23:54:00+00:00", "minutes stay minutes");
    assert!(child(item, "link").starts_with("https://tin.example.vn/articles/"));
    let enclosure = item.children().find(|n| n.has_tag_name("enclosure")).unwrap();
    assert_eq!(enclosure.attribute("url"), Some("https://tin.example.vn/uploads/anh.jpg"));

    let atom =
        app.client.get(app.url("/api/v1/feeds/categories/thoi-su/atom")).send().await.unwrap().text().await.unwrap();
    let doc = roxmltree::Document::parse(&atom).expect("Atom is well-formed XML");
    let entries: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("entry")).collect();
    assert_eq!(entries.len(), 1, "only the category's articles");
    chrono::DateTime::parse_from_rfc3339(&child(&entries[0], "published")).expect("RFC 3339 date");
    chrono::DateTime::parse_from_rfc3339(&child(&doc.root_element(), "updated")).expect("RFC 3339 date");
    assert_eq!(child(&entries[0], "published"), "2020-09-25T23:54:00+00:00");
    app.get("/api/v1/feeds/categories/khong-co/rss").await.assert_problem(404);
    app.get("/api/v1/feeds/json").await.assert_problem(400);
}

fn child(node: &roxmltree::Node<'_, '_>, name: &str) -> String {
    node.children().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).unwrap_or_default().to_owned()
}

async fn queries_run(app: &TestApp) -> u64 {
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().find_map(|l| l.strip_prefix("newsdesk_db_queries_total ")).unwrap().parse().unwrap()
}

/// Waits until the writes' row in `content_changes` (on SQLite through the counted writer) is
/// written: until no query is counted for two polls, however late a loaded machine runs them.
async fn settle(app: &TestApp) {
    let mut counted = queries_run(app).await;
    for _ in 0..20 {
        actix_web::rt::time::sleep(newsdesk::content_changes::POLL * 2 + std::time::Duration::from_millis(50)).await;
        let now = queries_run(app).await;
        if now == counted {
            return;
        }
        counted = now;
    }
    panic!("queries are still being counted ten seconds on");
}

#[actix_web::test]
async fn a_page_costs_the_same_queries_whatever_its_size() {
    let app = TestApp::spawn().await;
    let source = app.create_source("Nguồn").await;
    let category = app.category("Mục", "muc");
    let body = |i: usize| {
        json!({"title": format!("Tin {i}"), "status": "published", "source_id": source["id"],
                                 "category_id": category, "tags": [format!("the {}", i % 7), "chung"]})
    };
    create_many(&app, (0..5).map(body).collect()).await;
    settle(&app).await;
    let before = queries_run(&app).await;
    assert_eq!(app.get("/api/v1/articles?per_page=5").await.body["data"].as_array().unwrap().len(), 5);
    let small = queries_run(&app).await - before;
    create_many(&app, (5..100).map(body).collect()).await;
    settle(&app).await;
    let before = queries_run(&app).await;
    let page = app.get("/api/v1/articles?per_page=100").await;
    assert_eq!(page.body["data"].as_array().unwrap().len(), 100);
    assert!(
        page.body["data"][99]["tags"].as_array().unwrap().len() == 2 && page.body["data"][99]["source"].is_object()
    );
    let large = queries_run(&app).await - before;
    assert_eq!(small, large, "queries for 5 articles: {small}, for 100: {large}");
    assert!(large <= 6, "{large} queries for a page");
    let before = queries_run(&app).await;
    let titles = app.get("/api/v1/articles?per_page=100&fields=id,title").await;
    assert_eq!(titles.body["data"][99].as_object().unwrap().len(), 2);
    let sparse = queries_run(&app).await - before;
    assert!(sparse <= 2, "{sparse} queries for a page of titles: its rows (and its count), no sources or tags");
}

#[actix_web::test]
async fn an_article_page_costs_one_query() {
    let app = TestApp::spawn().await;
    let source = app.create_source("Nguồn").await;
    let category = app.category("Mục", "muc");
    let article = app
        .create_article(json!({"title": "Tin", "status": "published", "source_id": source["id"],
                               "category_id": category, "tags": ["một", "hai"]}))
        .await;
    settle(&app).await;
    let before = queries_run(&app).await;
    let read = app.get(&format!("/api/v1/articles/by-slug/{}", article["slug"].as_str().unwrap())).await;
    let cost = queries_run(&app).await - before;
    assert_eq!(read.body["source"]["name"], "Nguồn");
    assert_eq!(read.body["category"]["slug"], "muc");
    assert_eq!(read.body["tags"].as_array().unwrap().len(), 2);
    assert_eq!(cost, 1, "the article with its source, category and tags");
}

#[actix_web::test]
async fn a_readers_list_page_is_built_once_and_again_after_a_write() {
    let app = TestApp::spawn().await;
    app.publish("Tin đầu").await;
    settle(&app).await;
    let path = "/api/v1/articles?per_page=5&fields=id,title";
    let first = app.get(path).await;
    assert_eq!(first.status, 200);
    let before = queries_run(&app).await;
    let again = app.get(path).await;
    assert_eq!(queries_run(&app).await - before, 0, "the same page again comes from memory");
    assert_eq!(again.body, first.body);
    for header in ["x-total-count", "link", "last-modified", "etag", "cache-control"] {
        assert!(first.header(header).is_some(), "{header}");
        assert_eq!(again.header(header), first.header(header), "{header}");
    }

    let before = queries_run(&app).await;
    let fresh = app.send(app.client.get(app.url(path)).header("Cache-Control", "no-cache")).await;
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.body, first.body);
    assert!(queries_run(&app).await - before > 0, "Cache-Control: no-cache passes over the server's cache");

    app.publish("Tin sau").await;
    let after_write = app.get(path).await;
    assert_eq!(titles(&after_write), ["Tin sau", "Tin đầu"]);
    assert_eq!(after_write.header("x-total-count"), Some("2"));

    let before = queries_run(&app).await;
    app.get_as_admin(path).await;
    app.get_as_admin(path).await;
    assert!(queries_run(&app).await - before >= 2, "staff lists are never taken from the readers' cache");
    let before = queries_run(&app).await;
    app.get("/api/v1/articles?per_page=5&q=tin").await;
    app.get("/api/v1/articles?per_page=5&q=tin").await;
    assert!(queries_run(&app).await - before >= 2, "searches are not cached");
}

/// An old article is found by the words of its title however many newer articles hold
/// them in their bodies, and a quoted phrase matches only the words side by side.
#[actix_web::test]
async fn titles_are_found_at_any_age_and_quoted_phrases_match_as_phrases() {
    let app = TestApp::spawn().await;
    let old = app.publish("Lễ hội Dân vận khéo ở Đồng Xoài").await;
    let body = "<p>Mô hình dân vận khéo được nhân rộng ở Đồng Xoài.</p>";
    for n in 0..510 {
        let reply = app
            .post(
                "/api/v1/articles",
                &json!({"title": format!("Tin số {n}"), "body_html": body, "status": "published"}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let apart = app
        .create_article(json!({"title": "Khéo tay", "status": "published",
                               "body_html": "<p>Công tác dân vận cần người thật khéo.</p>"}))
        .await;
    let found = app.get("/api/v1/articles?q=dan+van+kheo&per_page=3").await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["data"][0]["id"], old["id"], "the title match comes first: {}", found.body);
    assert_eq!(app.get("/api/v1/articles?q=dong+xoai&per_page=1").await.body["data"][0]["id"], old["id"]);

    let words = app.get("/api/v1/articles?q=kheo+tay+dan+van&per_page=50").await;
    assert_eq!(words.body["data"][0]["id"], apart["id"], "all words, apart: {}", words.body);
    let phrase = app.get("/api/v1/articles?q=%22d%C3%A2n+v%E1%BA%ADn+kh%C3%A9o%22+%22kh%C3%A9o+tay%22").await;
    assert_eq!(phrase.status, 200);
    assert_eq!(phrase.body["meta"]["total"], 0, "no article holds both phrases: {}", phrase.body);
    let curly = app.get("/api/v1/articles?q=%E2%80%9Cth%E1%BA%ADt+kh%C3%A9o%E2%80%9D").await;
    assert_eq!(titles(&curly), ["Khéo tay"], "curly quotes make a phrase too");
    let reversed = app.get("/api/v1/articles?q=%22kheo+that%22").await;
    assert_eq!(reversed.body["meta"]["total"], 0, "a phrase is in order");
}

#[actix_web::test]
async fn search_pages_fill_from_titles_holding_the_phrase_and_count_every_kind_of_match() {
    let app = TestApp::spawn().await;
    let phrase = app.publish("Lúa mới chín vàng đồng").await;
    // Its pairs of words (`lua moi`, `moi chin`) are all there, not side by side.
    let pairs_apart = app.publish("Lúa mới gặt, mới chín").await;
    let in_text = app
        .create_article(json!({"title": "Tin nhà nông", "status": "published",
                               "body_html": "<p>Lúa mới chín, lúa mới chín, lúa mới chín.</p>"}))
        .await;
    let quoted = app.get("/api/v1/articles?q=%22l%C3%BAa+m%E1%BB%9Bi+ch%C3%ADn%22&fields=id").await;
    assert_eq!(quoted.status, 200, "{}", quoted.body);
    let ids: Vec<&Value> = quoted.body["data"].as_array().unwrap().iter().map(|a| &a["id"]).collect();
    assert_eq!(ids, [&phrase["id"], &in_text["id"]], "a phrase is whole, not its pairs: {}", quoted.body);

    let expected = [&phrase["id"], &pairs_apart["id"], &in_text["id"]];
    // Twice: the first answer counts the total, the second takes it from the cache and reads
    // only as many kinds of match as its page needs.
    for _ in 0..2 {
        for (page, id) in expected.iter().enumerate() {
            let found = app.get(&format!("/api/v1/articles?q=lua+moi+chin&per_page=1&page={}", page + 1)).await;
            assert_eq!(found.status, 200, "{}", found.body);
            assert_eq!(&found.body["data"][0]["id"], *id, "page {}: {}", page + 1, found.body);
            assert_eq!(found.body["meta"]["total"], 3, "{}", found.body);
        }
    }
}

#[actix_web::test]
async fn search_ranks_by_the_rarity_of_words_their_order_and_the_length_of_titles() {
    let app = TestApp::spawn().await;
    let mut many: Vec<Value> = (0..30)
        .map(|n| json!({"title": format!("Tin tỉnh nhà số {n}"), "status": "published", "summary": "Tin tỉnh nhà."}))
        .collect();
    many.push(json!({"title": "Lễ hội trăng rằm", "status": "published", "summary": "Tin tỉnh nhà về lễ hội."}));
    many.push(json!({"title": "Tỉnh nhà tổ chức", "status": "published", "summary": "Có lễ hội trăng rằm."}));
    create_many(&app, many).await;
    let rare_in_title = app.get("/api/v1/articles?q=tinh+nha+trang+ram").await;
    assert_eq!(
        titles(&rare_in_title),
        ["Lễ hội trăng rằm", "Tỉnh nhà tổ chức"],
        "the title holding the rare words comes first: {}",
        rare_in_title.body
    );

    let long = app.publish("Mưa lớn kéo dài nhiều ngày ở các huyện phía bắc của tỉnh nhà").await;
    let apart = app.publish("Lớn lên trong mưa").await;
    let short = app.publish("Mưa lớn ở Đồng Xoài").await;
    let found = app.get("/api/v1/articles?q=m%C6%B0a+l%E1%BB%9Bn").await;
    let ids: Vec<&Value> = found.body["data"].as_array().unwrap().iter().map(|a| &a["id"]).collect();
    assert_eq!(ids, [&short["id"], &long["id"], &apart["id"]], "in order, shorter first, then apart: {}", found.body);

    let same = app.publish("Mưa lớn ở Đồng Xoài").await;
    let found = app.get("/api/v1/articles?q=m%C6%B0a+l%E1%BB%9Bn&per_page=2").await;
    assert_eq!(found.body["data"][0]["id"], same["id"], "the newest among equals");
    assert_eq!(found.body["data"][1]["id"], short["id"]);
}
