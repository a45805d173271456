//! Readers' comments: the moderation modes, one level of replies, escaping, the abuse
//! checks, the moderation queue and an exact `comment_count`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/// A reader's comment, from `visitor`.
async fn comment(app: &TestApp, article: &Value, visitor: &str, body: Value) -> Reply {
    app.send(
        app.client
            .post(app.url(&format!("/api/v1/articles/{}/comments", article["id"])))
            .header("User-Agent", BROWSER)
            .header("X-Visitor-Id", visitor)
            .json(&body),
    )
    .await
}

async fn approve(app: &TestApp, id: &Value) -> Reply {
    app.patch(&format!("/api/v1/comments/{id}"), &json!({"status": "approved"})).await
}

async fn public_list(app: &TestApp, article: &Value) -> Value {
    let reply = app.get(&format!("/api/v1/articles/{}/comments", article["id"])).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

#[actix_web::test]
async fn readers_wait_for_approval_and_staff_appear_at_once() {
    let app = TestApp::spawn().await;
    let article = app.publish("Dân vận khéo").await;
    let posted = comment(&app, &article, "reader-0001", json!({"author_name": "Minh", "content": "Bài hay!"})).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    assert_eq!(posted.body["status"], "pending");
    assert_eq!(public_list(&app, &article).await["data"], json!([]), "pending comments are not shown");
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["comment_count"], 0);

    let approved = approve(&app, &posted.body["id"]).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["status"], "approved");
    let list = public_list(&app, &article).await;
    assert_eq!(list["data"][0]["content"], "Bài hay!");
    assert_eq!(list["data"][0]["staff"], false);
    assert!(list["data"][0].get("author_email").is_none() && list["data"][0].get("status").is_none());
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["comment_count"], 1);
    let listed = app.get("/api/v1/articles?fields=id,comment_count").await.body;
    assert_eq!(listed["data"][0]["comment_count"], 1);

    let staff =
        app.post(&format!("/api/v1/articles/{}/comments", article["id"]), &json!({"content": "Cảm ơn bạn."})).await;
    assert_eq!(staff.status, 201, "{}", staff.body);
    assert_eq!(staff.body["status"], "approved");
    assert_eq!(staff.body["staff"], true);
    assert_eq!(staff.body["author_name"], "Administrator", "staff write under their display name");
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["comment_count"], 2);

    // Withdrawn, then deleted: the count follows.
    app.patch(&format!("/api/v1/comments/{}", staff.body["id"]), &json!({"status": "trash"})).await;
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["comment_count"], 1);
    assert_eq!(app.delete(&format!("/api/v1/comments/{}", posted.body["id"])).await.status, 204);
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["comment_count"], 0);
    let audit = app.get_as_admin("/api/v1/audit?resource_type=comment").await;
    assert_eq!(audit.body["data"].as_array().unwrap().len(), 3, "{}", audit.body);
}

#[actix_web::test]
async fn each_moderation_mode() {
    for (mode, reader_status, staff_status) in
        [("all", "pending", "pending"), ("guests", "pending", "approved"), ("none", "approved", "approved")]
    {
        let app = TestApp::spawn_with(|settings| {
            settings.comments_moderation = match mode {
                "all" => newsdesk::config::CommentModeration::All,
                "none" => newsdesk::config::CommentModeration::None,
                _ => newsdesk::config::CommentModeration::Guests,
            }
        })
        .await;
        let article = app.publish("Chế độ kiểm duyệt").await;
        let reader = comment(&app, &article, "reader-0002", json!({"author_name": "Lan", "content": "Ý kiến"})).await;
        assert_eq!(reader.body["status"], reader_status, "{mode}");
        let staff =
            app.post(&format!("/api/v1/articles/{}/comments", article["id"]), &json!({"content": "Trả lời"})).await;
        assert_eq!(staff.body["status"], staff_status, "{mode}");
        let shown = public_list(&app, &article).await["data"].as_array().unwrap().len();
        let expected = [reader_status, staff_status].iter().filter(|s| **s == "approved").count();
        assert_eq!(shown, expected, "{mode}");
    }
}

#[actix_web::test]
async fn replies_nest_one_level_under_their_top_level_comment() {
    let app = TestApp::spawn_with(|s| s.comments_moderation = newsdesk::config::CommentModeration::None).await;
    let article = app.publish("Có trả lời").await;
    let other = app.publish("Bài khác").await;
    let top = comment(&app, &article, "reader-0003", json!({"author_name": "An", "content": "Gốc"})).await.body;
    let reply = comment(
        &app,
        &article,
        "reader-0004",
        json!({"author_name": "Bình", "content": "Trả lời 1", "parent_id": top["id"]}),
    )
    .await
    .body;
    let deeper = comment(
        &app,
        &article,
        "reader-0005",
        json!({"author_name": "Chi", "content": "Trả lời 2", "parent_id": reply["id"]}),
    )
    .await;
    assert_eq!(deeper.status, 201, "{}", deeper.body);
    assert_eq!(deeper.body["parent_id"], top["id"], "a reply to a reply attaches to the top-level comment");
    let list = public_list(&app, &article).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["reply_count"], 2);
    let replies: Vec<&Value> = list["data"][0]["replies"].as_array().unwrap().iter().map(|r| &r["content"]).collect();
    assert_eq!(replies, [&json!("Trả lời 1"), &json!("Trả lời 2")], "oldest first");
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["comment_count"], 3);

    let before = app.count_rows("comments");
    let foreign = comment(
        &app,
        &other,
        "reader-0006",
        json!({"author_name": "Dũng", "content": "Lạc chỗ", "parent_id": top["id"]}),
    )
    .await;
    assert_eq!(foreign.error_fields(), ["parent_id"], "{}", foreign.body);
    assert_eq!(app.count_rows("comments"), before);

    // Deleting the top-level comment takes its replies.
    app.delete(&format!("/api/v1/comments/{}", top["id"])).await;
    assert_eq!(app.count_rows("comments"), 0);
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["comment_count"], 0);
}

#[actix_web::test]
async fn markup_is_text_and_decomposed_input_is_stored_composed() {
    let app = TestApp::spawn_with(|s| s.comments_moderation = newsdesk::config::CommentModeration::None).await;
    let article = app.publish("An toàn").await;
    let hostile = "<img src=x onerror=alert(1)>\nXem https://baobinhphuoc.com.vn/tin";
    let posted =
        comment(&app, &article, "reader-0007", json!({"author_name": "<script>alert(1)</script>", "content": hostile}))
            .await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let shown = &public_list(&app, &article).await["data"][0];
    assert_eq!(shown["author_name"], "<script>alert(1)</script>", "names are text; frontends escape them");
    assert_eq!(shown["content"], hostile);
    assert_eq!(
        shown["content_html"],
        "&lt;img src=x onerror=alert(1)&gt;<br>Xem <a href=\"https://baobinhphuoc.com.vn/tin\" \
         rel=\"nofollow ugc noopener\">https://baobinhphuoc.com.vn/tin</a>"
    );
    let decomposed = comment(
        &app,
        &article,
        "reader-0008",
        json!({"author_name": "Nguye\u{302}\u{303}n", "content": "Đu\u{301}ng"}),
    )
    .await;
    assert_eq!(decomposed.body["author_name"], "Nguy\u{1ec5}n");
    assert_eq!(decomposed.body["content"], "\u{110}\u{fa}ng");
}

#[actix_web::test]
async fn abuse_is_refused_or_held() {
    let app = TestApp::spawn_with(|s| {
        s.comments_moderation = newsdesk::config::CommentModeration::None;
        s.comment_rate_limit = 4;
    })
    .await;
    let article = app.publish("Chống spam").await;
    let body = |content: &str| json!({"author_name": "Khách", "content": content});

    let honeypot =
        comment(&app, &article, "reader-0009", json!({"author_name": "Rô bốt", "content": "Mua ngay", "website": "x"}))
            .await;
    assert_eq!(honeypot.status, 201);
    assert_eq!(honeypot.body["status"], "pending", "a robot is told what anyone is told");
    let links = comment(&app, &article, "reader-0010", body("https://a.vn https://b.vn https://c.vn")).await;
    assert_eq!(links.body["status"], "pending", "three links wait even without moderation");
    let first = comment(&app, &article, "reader-0011", body("Một ý kiến")).await;
    assert_eq!(first.body["status"], "approved");
    let again = comment(&app, &article, "reader-0011", body("Một ý kiến")).await;
    again.assert_problem(409);
    let limited = comment(&app, &article, "reader-0012", body("Ý kiến thứ năm")).await;
    limited.assert_problem(429);
    assert!(limited.header("Retry-After").is_some());

    let crawler = app
        .send(
            app.client
                .post(app.url(&format!("/api/v1/articles/{}/comments", article["id"])))
                .header("User-Agent", GOOGLEBOT)
                .json(&body("Tôi là bot")),
        )
        .await;
    crawler.assert_problem(403);

    let queue = app.get_as_admin("/api/v1/comments?status=spam").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert_eq!(queue.body["data"][0]["content"], "Mua ngay");
    assert_eq!(queue.body["meta"]["counts"], json!({"approved": 1, "pending": 1, "spam": 1, "trash": 0}));
    assert_eq!(public_list(&app, &article).await["data"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn closed_unknown_and_bad_input_change_nothing() {
    let app = TestApp::spawn().await;
    let closed = app.create_article(json!({"title": "Đóng", "status": "published", "allow_comments": false})).await;
    assert_eq!(closed["allow_comments"], false);
    let draft = app.create_article(json!({"title": "Nháp"})).await;
    let open = app.publish("Mở").await;
    assert_eq!(open["allow_comments"], true);
    let body = json!({"author_name": "Khách", "content": "Xin chào"});
    comment(&app, &closed, "reader-0013", body.clone()).await.assert_problem(409);
    comment(&app, &draft, "reader-0013", body.clone()).await.assert_problem(404);
    comment(&app, &json!({"id": 99_999}), "reader-0013", body.clone()).await.assert_problem(404);
    for (bad, field) in [
        (json!({"author_name": "", "content": "x"}), "author_name"),
        (json!({"author_name": "A".repeat(81), "content": "x"}), "author_name"),
        (json!({"author_name": "Khách", "content": "   "}), "content"),
        (json!({"author_name": "Khách", "content": "x".repeat(5001)}), "content"),
        (json!({"author_name": "Khách", "content": "x", "author_email": "không phải email"}), "author_email"),
    ] {
        let refused = comment(&app, &open, "reader-0014", bad).await;
        assert_eq!(refused.error_fields(), [field], "{}", refused.body);
    }
    comment(&app, &open, "reader-0014", json!({"author_name": "Khách", "content": 5})).await.assert_problem(400);
    comment(&app, &open, "reader-0014", json!({"author_name": "Khách", "content": "x", "rating": 5}))
        .await
        .assert_problem(400);
    assert_eq!(app.count_rows("comments"), 0);

    let editor = app.user_token("kiem.duyet", "editor").await;
    let author = app.user_token("phong.vien", "author").await;
    assert_eq!(app.call(Method::GET, "/api/v1/comments", Some(&editor), None).await.status, 200);
    app.call(Method::GET, "/api/v1/comments", Some(&author), None).await.assert_problem(403);
    let moderator = app.api_token(&["comments:moderate"]).await;
    assert_eq!(app.call(Method::GET, "/api/v1/comments?status=pending", Some(&moderator), None).await.status, 200);
    app.get_as_admin("/api/v1/comments?status=hidden").await.assert_problem(400);
    app.patch("/api/v1/comments/99999", &json!({"status": "approved"})).await.assert_problem(404);
}

async fn as_reader(app: &TestApp, method: Method, path: &str, visitor: &str, body: Option<Value>) -> Reply {
    let mut request =
        app.client.request(method, app.url(path)).header("User-Agent", BROWSER).header("X-Visitor-Id", visitor);
    if let Some(body) = body {
        request = request.json(&body);
    }
    app.send(request).await
}

#[actix_web::test]
async fn reactions_switch_and_withdraw_and_reports_hide() {
    let app = TestApp::spawn_with(|s| {
        s.comments_moderation = newsdesk::config::CommentModeration::None;
        s.comments_hide_after_reports = 2;
    })
    .await;
    let article = app.publish("Phản hồi").await;
    let posted = comment(&app, &article, "reader-0020", json!({"author_name": "Hà", "content": "Đồng ý"})).await.body;
    let reactions = format!("/api/v1/comments/{}/reactions", posted["id"]);
    let like = as_reader(&app, Method::POST, &reactions, "reader-0021", Some(json!({"kind": "like"}))).await;
    assert_eq!(like.body, json!({"comment_id": posted["id"], "likes": 1, "dislikes": 0, "mine": "like"}));
    as_reader(&app, Method::POST, &reactions, "reader-0021", Some(json!({"kind": "like"}))).await;
    as_reader(&app, Method::POST, &reactions, "reader-0022", Some(json!({"kind": "like"}))).await;
    let switched = as_reader(&app, Method::POST, &reactions, "reader-0021", Some(json!({"kind": "dislike"}))).await;
    assert_eq!((switched.body["likes"].clone(), switched.body["dislikes"].clone()), (json!(1), json!(1)));
    let withdrawn = as_reader(&app, Method::DELETE, &reactions, "reader-0021", None).await;
    assert_eq!((withdrawn.body["likes"].clone(), withdrawn.body["dislikes"].clone()), (json!(1), json!(0)));
    assert_eq!(public_list(&app, &article).await["data"][0]["likes"], 1);
    as_reader(&app, Method::POST, &reactions, "reader-0021", Some(json!({"kind": "love"}))).await.assert_problem(400);
    as_reader(&app, Method::POST, "/api/v1/comments/99999/reactions", "reader-0021", Some(json!({"kind": "like"})))
        .await
        .assert_problem(404);

    let reports = format!("/api/v1/comments/{}/reports", posted["id"]);
    let reason = Some(json!({"reason": "Xúc phạm"}));
    assert_eq!(as_reader(&app, Method::POST, &reports, "reader-0023", reason.clone()).await.status, 202);
    assert_eq!(as_reader(&app, Method::POST, &reports, "reader-0023", reason.clone()).await.status, 202);
    assert_eq!(public_list(&app, &article).await["data"].as_array().unwrap().len(), 1, "one reporter, twice, is one");
    as_reader(&app, Method::POST, &reports, "reader-0024", reason.clone()).await;
    assert_eq!(public_list(&app, &article).await["data"], json!([]), "two distinct reporters hide it");
    let held = app.get_as_admin(&format!("/api/v1/comments?status=pending&article_id={}", article["id"])).await;
    assert_eq!(held.body["data"][0]["id"], posted["id"]);
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["comment_count"], 0);
    as_reader(&app, Method::POST, &reports, "reader-0025", Some(json!({"reason": " "}))).await.assert_problem(400);
}

#[actix_web::test]
async fn bulk_moderation_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    let article = app.publish("Hàng chờ").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let body = json!({"author_name": "Khách", "content": format!("Ý kiến {n}")});
        ids.push(comment(&app, &article, &format!("reader-003{n}"), body).await.body["id"].clone());
    }
    let refused =
        app.post("/api/v1/comments/moderate", &json!({"ids": [ids[0], ids[1], 99_999], "status": "approved"})).await;
    refused.assert_problem(400);
    assert_eq!(public_list(&app, &article).await["data"], json!([]), "nothing changed");
    let approved = app.post("/api/v1/comments/moderate", &json!({"ids": ids, "status": "approved"})).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["data"].as_array().unwrap().len(), 3);
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["comment_count"], 3);
    app.post("/api/v1/comments/moderate", &json!({"ids": [], "status": "approved"})).await.assert_problem(400);
    app.post("/api/v1/comments/moderate", &json!({"ids": ids, "status": "gone"})).await.assert_problem(400);
    let editor = app.user_token("bien.tap.vien", "author").await;
    app.call(Method::POST, "/api/v1/comments/moderate", Some(&editor), Some(&json!({"ids": ids, "status": "spam"})))
        .await
        .assert_problem(403);
}

#[actix_web::test]
async fn a_thousand_approvals_through_two_processes_count_exactly() {
    let app = TestApp::spawn_with(|s| s.comment_rate_limit = 1_000_000).await;
    let article = app.publish("Nhiều ý kiến").await;
    let target = newsdesk::db::DatabaseTarget::parse(&app.database_url).unwrap();
    let mut settings = newsdesk::config::Settings::for_database(target);
    settings.comment_rate_limit = 1_000_000;
    let other = crate::helpers::serve(&app.database_url, settings);
    let bases = [app.address.clone(), other];
    let send_all = |requests: Vec<reqwest::RequestBuilder>| async move {
        let mut statuses = Vec::new();
        let mut requests = requests;
        while !requests.is_empty() {
            let chunk: Vec<_> = requests.drain(..requests.len().min(32)).map(|r| r.send()).collect();
            for reply in futures_util::future::join_all(chunk).await {
                statuses.push(reply.map(|r| r.status().as_u16()).unwrap_or(0));
            }
        }
        statuses
    };
    let posts = (0..1000)
        .map(|n| {
            app.client
                .post(format!("{}/api/v1/articles/{}/comments", bases[n % 2], article["id"]))
                .header("User-Agent", BROWSER)
                .header("X-Visitor-Id", format!("reader-{n:05}"))
                .json(&json!({"author_name": "Khách", "content": format!("Ý kiến số {n}")}))
        })
        .collect();
    assert!(send_all(posts).await.iter().all(|s| *s == 201));
    let ids: Vec<i64> = app
        .db
        .write_blocking(|conn| {
            use diesel::prelude::*;
            use newsdesk::db::schema::comments;
            Ok(comments::table.select(comments::id).load::<i64>(conn)?)
        })
        .unwrap();
    assert_eq!(ids.len(), 1000);
    let approvals = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            app.client
                .patch(format!("{}/api/v1/comments/{id}", bases[n % 2]))
                .bearer_auth(&app.admin_token)
                .json(&json!({"status": "approved"}))
        })
        .collect();
    assert!(send_all(approvals).await.iter().all(|s| *s == 200));
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["comment_count"], 1000);
}

#[actix_web::test]
async fn blocklisted_words_make_spam_with_or_without_diacritics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blocklist.txt");
    std::fs::write(&path, "# words the newsroom never shows\ncờ bạc\nlừa đảo\n").unwrap();
    let app = TestApp::spawn_with(|s| {
        s.comments_moderation = newsdesk::config::CommentModeration::None;
        s.comments_blocklist = Some(path.clone());
    })
    .await;
    let article = app.publish("Danh sách chặn").await;
    for (n, text) in ["Chơi CỜ BẠC ở đây", "trang co bac uy tin", "Đừng tin bọn lua dao"].iter().enumerate()
    {
        let posted =
            comment(&app, &article, &format!("reader-004{n}"), json!({"author_name": "Khách", "content": text})).await;
        assert_eq!(posted.body["status"], "pending", "{text}");
    }
    let clean =
        comment(&app, &article, "reader-0049", json!({"author_name": "Khách", "content": "Cờ vua và bạc hà"})).await;
    assert_eq!(clean.body["status"], "approved");
    let spam = app.get_as_admin("/api/v1/comments?status=spam").await;
    assert_eq!(spam.body["data"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn top_puts_the_most_liked_first_and_pages_by_likes_then_id() {
    let app = TestApp::spawn_with(|s| s.comments_moderation = newsdesk::config::CommentModeration::None).await;
    let article = app.publish("Bình chọn").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let body = json!({"author_name": "Độc giả", "content": format!("Ý kiến số {n}")});
        ids.push(comment(&app, &article, &format!("reader-006{n}"), body).await.body["id"].clone());
    }
    let top = format!("/api/v1/articles/{}/comments?sort=top&per_page=2", article["id"]);
    let first = app.get(&top).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let likes = [(1, 2), (2, 1), (3, 2)];
    for (index, count) in likes {
        for voter in 0..count {
            let path = format!("/api/v1/comments/{}/reactions", ids[index]);
            let liked =
                as_reader(&app, Method::POST, &path, &format!("voter-{index}-{voter}"), Some(json!({"kind": "like"})))
                    .await;
            assert_eq!(liked.status, 200, "{}", liked.body);
        }
    }
    let mut order = Vec::new();
    let mut path = top.clone();
    loop {
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        order.extend(page.body["data"].as_array().unwrap().iter().map(|c| (c["id"].clone(), c["likes"].clone())));
        match page.body["meta"]["next_cursor"].as_str() {
            Some(cursor) => path = format!("{top}&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<(Value, Value)> =
        [(3, 2), (1, 2), (2, 1), (4, 0), (0, 0)].iter().map(|(i, n)| (ids[*i].clone(), json!(n))).collect();
    assert_eq!(order, expected, "a like shows at once: the cached first page was forgotten");

    let newest = app.get(&format!("/api/v1/articles/{}/comments?per_page=2", article["id"])).await;
    let newest_cursor = newest.body["meta"]["next_cursor"].as_str().unwrap().to_owned();
    app.get(&format!("{top}&cursor={newest_cursor}")).await.assert_problem(400);
    app.get(&format!("/api/v1/articles/{}/comments?sort=best", article["id"])).await.assert_problem(400);
}

#[actix_web::test]
async fn the_queue_finds_comments_by_words_without_diacritics() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tìm bình luận").await;
    let lan =
        json!({"author_name": "Trần Thị Lan", "author_email": "lan.tran@example.vn", "content": "Đường sá lầy lội"});
    let lan = comment(&app, &article, "reader-0070", lan).await.body["id"].clone();
    let hung = json!({"author_name": "Hùng", "content": "Đường mới đẹp quá"});
    let hung = comment(&app, &article, "reader-0071", hung).await.body["id"].clone();
    let found = |q: &str| {
        let url = reqwest::Url::parse_with_params("http://localhost/api/v1/comments", [("q", q)]).unwrap();
        let path = format!("/api/v1/comments?{}", url.query().unwrap());
        let app = &app;
        async move {
            let reply = app.get_as_admin(&path).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.body["data"].as_array().unwrap().iter().map(|c| c["id"].clone()).collect::<Vec<_>>()
        }
    };
    assert_eq!(found("duong").await, vec![hung.clone(), lan.clone()]);
    assert_eq!(found("ĐƯỜNG lầy").await, vec![lan.clone()], "every word must be found");
    assert_eq!(found("lan.tran@example").await, vec![lan.clone()], "by email");
    assert_eq!(found("tran thi").await, vec![lan.clone()], "by name");
    assert!(found("khong co").await.is_empty());
    let edited = app.patch(&format!("/api/v1/comments/{hung}"), &json!({"content": "Cầu mới đẹp quá"})).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(found("duong").await, vec![lan.clone()], "a moderator's correction is searched as corrected");
    app.get_as_admin(&format!("/api/v1/comments?q={}", "a".repeat(201))).await.assert_problem(400);
}

#[actix_web::test]
async fn reactions_and_reports_from_one_address_are_limited() {
    let app = TestApp::spawn_with(|s| {
        s.comments_moderation = newsdesk::config::CommentModeration::None;
        s.reaction_rate_limit = 3;
    })
    .await;
    let article = app.publish("Giới hạn").await;
    let posted = comment(&app, &article, "reader-0080", json!({"author_name": "An", "content": "Xin chào"})).await.body;
    let reactions = format!("/api/v1/comments/{}/reactions", posted["id"]);
    for visitor in ["reader-0081", "reader-0082"] {
        let liked = as_reader(&app, Method::POST, &reactions, visitor, Some(json!({"kind": "like"}))).await;
        assert_eq!(liked.status, 200, "{}", liked.body);
    }
    let reports = format!("/api/v1/comments/{}/reports", posted["id"]);
    let reason = Some(json!({"reason": "Quảng cáo"}));
    assert_eq!(as_reader(&app, Method::POST, &reports, "reader-0083", reason.clone()).await.status, 202);
    let refused = as_reader(&app, Method::POST, &reactions, "reader-0084", Some(json!({"kind": "like"}))).await;
    refused.assert_problem(429);
    assert!(refused.header("Retry-After").is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s >= 1)));
    as_reader(&app, Method::POST, &reports, "reader-0085", reason).await.assert_problem(429);
    assert_eq!(public_list(&app, &article).await["data"][0]["likes"], 2, "the refused like changed nothing");
}

#[actix_web::test]
async fn a_long_thread_shows_its_first_fifty_replies_beside_short_ones() {
    let app = TestApp::spawn_with(|s| {
        s.comments_moderation = newsdesk::config::CommentModeration::None;
        s.comment_rate_limit = 1_000;
    })
    .await;
    let article = app.publish("Sôi nổi").await;
    let long = comment(&app, &article, "reader-0090", json!({"author_name": "An", "content": "Dài"})).await.body;
    let short = comment(&app, &article, "reader-0091", json!({"author_name": "Bảo", "content": "Ngắn"})).await.body;
    for n in 0..52 {
        let body = json!({"author_name": "Khách", "content": format!("Trả lời {n}"), "parent_id": long["id"]});
        assert_eq!(comment(&app, &article, &format!("replier-{n:04}"), body).await.status, 201);
    }
    let body = json!({"author_name": "Khách", "content": "Một câu", "parent_id": short["id"]});
    comment(&app, &article, "replier-short", body).await;
    let list = public_list(&app, &article).await;
    let threads = list["data"].as_array().unwrap();
    let (newest, oldest) = (&threads[0], &threads[1]);
    assert_eq!((newest["id"].clone(), newest["reply_count"].clone()), (short["id"].clone(), json!(1)));
    assert_eq!(newest["replies"][0]["content"], "Một câu");
    assert_eq!((oldest["id"].clone(), oldest["reply_count"].clone()), (long["id"].clone(), json!(52)));
    let shown: Vec<&Value> = oldest["replies"].as_array().unwrap().iter().map(|r| &r["content"]).collect();
    assert_eq!(shown.len(), 50);
    assert_eq!((shown[0], shown[49]), (&json!("Trả lời 0"), &json!("Trả lời 49")), "the first fifty, oldest first");
}
