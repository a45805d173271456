//! The media library: uploads of real images made here (JPEG with EXIF orientation and a
//! GPS position, PNG, WebP, GIF), deduplication, variants and crops, the file headers, and
//! the hostile files that must leave nothing behind.

use std::io::Cursor;

use image::{DynamicImage, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

/// A little-endian TIFF block holding an orientation and a GPS latitude, as a phone writes.
fn exif_with_orientation_and_gps(orientation: u16) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    // IFD0 at 8: two entries, then the offset of the next IFD (none).
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(0x0112u16.to_le_bytes());
    tiff.extend(3u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(u32::from(orientation).to_le_bytes());
    tiff.extend(0x8825u16.to_le_bytes());
    tiff.extend(4u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    let gps_ifd = 8 + 2 + 2 * 12 + 4;
    tiff.extend((gps_ifd as u32).to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    // The GPS IFD: latitude reference "N" and the latitude 11° 32' 0" as three rationals.
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(0x0001u16.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(2u32.to_le_bytes());
    tiff.extend(*b"N\0\0\0");
    tiff.extend(0x0002u16.to_le_bytes());
    tiff.extend(5u16.to_le_bytes());
    tiff.extend(3u32.to_le_bytes());
    let rationals = gps_ifd + 2 + 2 * 12 + 4;
    tiff.extend((rationals as u32).to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    for (numerator, denominator) in [(11u32, 1u32), (32, 1), (0, 1)] {
        tiff.extend(numerator.to_le_bytes());
        tiff.extend(denominator.to_le_bytes());
    }
    tiff
}

/// A photo-like gradient, so that encoders have something to work on.
fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128]))
}

/// A JPEG `width` x `height` as stored, whose EXIF says to turn it a quarter clockwise.
fn phone_jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = gradient(width, height);
    let mut out = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    encoder.set_exif_metadata(exif_with_orientation_and_gps(6)).unwrap();
    encoder.write_image(image.as_raw(), width, height, image::ExtendedColorType::Rgb8).unwrap();
    out
}

fn encoded(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = RgbaImage::from_fn(width, height, |x, _| Rgba([0, 120, (x % 255) as u8, 200]));
    encoded(DynamicImage::ImageRgba8(image), ImageFormat::Png)
}

/// Pixels no encoder can squeeze: the file is about as large as the image.
fn noise_png(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let image = RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        Rgb([r, g, b])
    });
    encoded(DynamicImage::ImageRgb8(image), ImageFormat::Png)
}

async fn upload_form(app: &TestApp, form: Form) -> Reply {
    app.send(app.client.post(app.url("/api/v1/media")).bearer_auth(&app.admin_token).multipart(form)).await
}

fn file_part(bytes: Vec<u8>, name: &str, mime: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).unwrap()
}

async fn upload_raw(app: &TestApp, bytes: Vec<u8>, content_type: &str, filename: &str) -> Reply {
    app.send(
        app.client
            .post(app.url("/api/v1/media"))
            .bearer_auth(&app.admin_token)
            .header("Content-Type", content_type)
            .header("Content-Disposition", format!("attachment; filename=\"{filename}\""))
            .body(bytes),
    )
    .await
}

async fn fetch(app: &TestApp, url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = app.client.get(app.url(url));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request).await
}

fn decoded(reply: &Reply) -> DynamicImage {
    image::load_from_memory(&reply.bytes).unwrap_or_else(|e| panic!("{e}: status {}", reply.status))
}

/// Files in the media store.
fn stored_files(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries.flatten().map(|entry| if entry.path().is_dir() { count(&entry.path()) } else { 1 }).sum()
            })
            .unwrap_or(0)
    }
    count(app.media_dir.path())
}

#[actix_web::test]
async fn a_phone_photo_is_stored_once_upright_and_without_its_metadata() {
    let app = TestApp::spawn().await;
    let photo = phone_jpeg(400, 200);
    assert!(photo.windows(4).any(|w| w == b"Exif"), "the test photo carries EXIF");
    let form = Form::new()
        .part("file", file_part(photo.clone(), "../IMG_0042.JPG", "image/jpeg"))
        .text("alt", "Đua ghe trên sông")
        .text("caption", "Lễ hội đua ghe ngo")
        .text("credit", "Nguồn ảnh: Bình Phước")
        .text("focal_x", "0.3");
    let created = upload_form(&app, form).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let item = &created.body;
    assert_eq!(created.header("Location"), Some(format!("/api/v1/media/{}", item["id"]).as_str()));
    assert_eq!((item["width"].clone(), item["height"].clone()), (json!(200), json!(400)), "orientation applied");
    assert_eq!(item["mime_type"], "image/jpeg");
    assert_eq!(item["filename"], "IMG_0042.jpg");
    assert_eq!(item["bytes"], photo.len());
    assert_eq!(item["credit"], "Nguồn ảnh: Bình Phước");
    assert_eq!(item["focal"], json!({"x": 0.3, "y": 0.5}));
    assert_eq!(item["usage_count"], 0);
    assert_eq!(item["sha256"].as_str().unwrap().len(), 64);

    let again = upload_raw(&app, photo, "image/jpeg", "copy.jpg").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], item["id"], "the same bytes are the same item");
    assert_eq!(app.count_rows("media"), 1);

    let url = item["url"].as_str().unwrap();
    let original = fetch(&app, url, &[]).await;
    assert_eq!(original.status, 200);
    assert_eq!(original.header("Content-Type"), Some("image/jpeg"));
    assert_eq!(original.header("Cache-Control"), Some("public, max-age=31536000, immutable"));
    let served = decoded(&original);
    assert_eq!((served.width(), served.height()), (200, 400));
    assert!(!original.bytes.windows(4).any(|w| w == b"Exif"), "no EXIF is served");
    assert!(!original.bytes.windows(2).any(|w| w == b"N\0"), "nor the GPS position");

    let etag = original.header("ETag").unwrap().to_owned();
    assert_eq!(fetch(&app, url, &[("If-None-Match", &etag)]).await.status, 304);
    let head = app.send(app.client.head(app.url(url))).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("Content-Length"), Some(original.bytes.len().to_string().as_str()));
    assert!(head.bytes.is_empty());
    let part = fetch(&app, url, &[("Range", "bytes=0-9")]).await;
    assert_eq!(part.status, 206);
    assert_eq!(part.bytes, original.bytes[..10]);
    assert_eq!(part.header("Content-Range"), Some(format!("bytes 0-9/{}", original.bytes.len()).as_str()));
    let outside = fetch(&app, url, &[("Range", "bytes=999999-")]).await;
    outside.assert_problem(416);
    assert_eq!(outside.header("Content-Range").map(|v| v.starts_with("bytes */")), Some(true));

    let listed = app.get_as_admin("/api/v1/media?q=dua+ghe").await;
    assert_eq!(listed.body["data"][0]["id"], item["id"], "found without diacritics: {}", listed.body);
    assert!(app.get_as_admin("/api/v1/media?q=khong+co").await.body["data"].as_array().unwrap().is_empty());
    assert_eq!(app.get("/api/v1/media").await.status, 401, "the library is for staff");
    let audit = app.get_as_admin("/api/v1/audit?resource_type=media").await;
    assert_eq!(audit.body["data"].as_array().unwrap().len(), 1, "{}", audit.body);
}

#[actix_web::test]
async fn variants_have_their_sizes_and_types_and_no_others_are_made() {
    let app = TestApp::spawn().await;
    let created = upload_raw(&app, png(1000, 500), "image/png", "ban-do.png").await;
    assert_eq!(created.status, 201, "{}", created.body);
    let item = created.body;
    let variants = item["variants"].as_array().unwrap();
    let sizes: Vec<(u64, u64, &str)> = variants
        .iter()
        .map(|v| (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap(), v["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sizes,
        [
            (320, 160, "image/webp"),
            (320, 160, "image/png"),
            (640, 320, "image/webp"),
            (640, 320, "image/png"),
            (960, 480, "image/webp"),
            (960, 480, "image/png")
        ],
        "never wider than the original"
    );
    for variant in variants {
        let reply = fetch(&app, variant["url"].as_str().unwrap(), &[]).await;
        assert_eq!(reply.status, 200, "{}", variant["url"]);
        assert_eq!(reply.header("Content-Type"), variant["type"].as_str());
        let image = decoded(&reply);
        assert_eq!(
            (u64::from(image.width()), u64::from(image.height())),
            (variant["width"].as_u64().unwrap(), variant["height"].as_u64().unwrap())
        );
        assert!(image.color().has_alpha(), "transparency is kept");
    }
    let base = format!("/media/{}/{}", item["id"], &item["sha256"].as_str().unwrap()[..8]);
    let negotiated = fetch(&app, &format!("{base}/640"), &[("Accept", "image/avif,image/webp,*/*")]).await;
    assert_eq!((negotiated.status, negotiated.header("Content-Type")), (200, Some("image/webp")));
    assert!(negotiated.header("Vary").is_some_and(|vary| vary.split(", ").any(|v| v == "Accept")));
    let plain = fetch(&app, &format!("{base}/640"), &[("Accept", "image/png,*/*")]).await;
    assert_eq!(plain.header("Content-Type"), Some("image/png"));

    let wide = item["crops"].as_array().unwrap().iter().find(|c| c["aspect"] == "16:9").unwrap()["variants"][0].clone();
    assert_eq!((wide["width"].clone(), wide["height"].clone()), (json!(320), json!(180)));
    let cropped = decoded(&fetch(&app, wide["url"].as_str().unwrap(), &[]).await);
    assert_eq!((cropped.width(), cropped.height()), (320, 180));

    for refused in
        ["500.webp", "1280.webp", "640.gif", "640.jpg", "original.png.webp", "640-5x4-50-50.webp", "original.jpg"]
    {
        assert_eq!(fetch(&app, &format!("{base}/{refused}"), &[]).await.status, 404, "{refused}");
    }
    assert_eq!(fetch(&app, &format!("/media/{}/00000000/640.webp", item["id"]), &[]).await.status, 404);

    let moved = app.patch(&format!("/api/v1/media/{}", item["id"]), &json!({"focal_x": 0.9, "alt": "Bản đồ"})).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["alt"], "Bản đồ");
    let moved_crop =
        moved.body["crops"].as_array().unwrap().iter().find(|c| c["aspect"] == "16:9").unwrap()["variants"][0].clone();
    assert_ne!(moved_crop["url"], wide["url"], "a new focal point gives new crop URLs");
    assert_eq!(fetch(&app, wide["url"].as_str().unwrap(), &[]).await.status, 404);
    assert_eq!(fetch(&app, moved_crop["url"].as_str().unwrap(), &[]).await.status, 200);
    app.patch(&format!("/api/v1/media/{}", item["id"]), &json!({"focal_y": 1.5})).await.assert_problem(400);
    app.patch(&format!("/api/v1/media/{}", item["id"]), &json!({"width": 5})).await.assert_problem(400);
}

#[actix_web::test]
async fn webp_and_gif_are_accepted_with_png_beside_webp() {
    let app = TestApp::spawn().await;
    let webp = encoded(DynamicImage::ImageRgb8(gradient(300, 200)), ImageFormat::WebP);
    let gif =
        encoded(DynamicImage::ImageRgba8(RgbaImage::from_pixel(40, 30, Rgba([200, 10, 10, 255]))), ImageFormat::Gif);
    for (bytes, mime, declared) in [(webp, "image/webp", "image/png"), (gif, "image/gif", "image/jpeg")] {
        let created = upload_raw(&app, bytes, declared, "x").await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.body["mime_type"], mime, "the type is read from the bytes, not the header");
        let variant = &created.body["variants"][1];
        assert_eq!(variant["type"], "image/png");
        let reply = fetch(&app, variant["url"].as_str().unwrap(), &[]).await;
        assert_eq!(reply.header("Content-Type"), Some("image/png"));
        let original = fetch(&app, created.body["url"].as_str().unwrap(), &[]).await;
        assert_eq!(original.header("Content-Type"), Some(mime));
        decoded(&original);
    }
}

/// A PNG header claiming `width` x `height`, with no pixels behind it.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut chunk = b"IHDR".to_vec();
    chunk.extend(width.to_be_bytes());
    chunk.extend(height.to_be_bytes());
    chunk.extend([8, 6, 0, 0, 0]);
    let mut crc = 0xFFFF_FFFFu32;
    for byte in &chunk {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(13u32.to_be_bytes());
    png.extend(chunk);
    png.extend((!crc).to_be_bytes());
    png
}

#[actix_web::test]
async fn hostile_files_are_refused_and_leave_nothing_behind() {
    let app = TestApp::spawn_with(|s| s.media_max_bytes = 256 * 1024).await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let html = b"<!doctype html><script>alert(1)</script>".to_vec();
    let mut truncated = phone_jpeg(300, 300);
    truncated.truncate(truncated.len() / 3);
    let mut truncated_png = noise_png(64, 64);
    truncated_png.truncate(truncated_png.len() / 2);
    let too_large = noise_png(400, 400);
    assert!(too_large.len() > 256 * 1024, "the oversized file is oversized");
    let cases: Vec<(&str, Reply, u16)> = vec![
        ("svg", upload_raw(&app, svg.clone(), "image/svg+xml", "logo.svg").await, 415),
        (
            "svg form",
            upload_form(&app, Form::new().part("file", file_part(svg, "logo.svg", "image/svg+xml"))).await,
            415,
        ),
        ("html as jpeg", upload_raw(&app, html, "image/jpeg", "photo.jpg").await, 415),
        ("truncated", upload_raw(&app, truncated, "image/jpeg", "cut.jpg").await, 422),
        ("truncated png", upload_raw(&app, truncated_png, "image/png", "cut.png").await, 422),
        ("bomb", upload_raw(&app, png_header(100_000, 100_000), "image/png", "bomb.png").await, 422),
        ("empty", upload_raw(&app, Vec::new(), "image/png", "empty.png").await, 400),
        ("too large", upload_raw(&app, too_large, "image/png", "big.png").await, 413),
        (
            "two files",
            upload_form(
                &app,
                Form::new()
                    .part("file", file_part(png(10, 10), "a.png", "image/png"))
                    .part("file", file_part(png(12, 12), "b.png", "image/png")),
            )
            .await,
            400,
        ),
        ("no file", upload_form(&app, Form::new().text("alt", "nothing")).await, 400),
        ("json", app.post("/api/v1/media", &json!({"url": "http://example.com/a.jpg"})).await, 415),
        (
            "bad focal",
            upload_form(
                &app,
                Form::new().part("file", file_part(png(10, 10), "a.png", "image/png")).text("focal_x", "left"),
            )
            .await,
            400,
        ),
    ];
    for (name, reply, status) in &cases {
        reply.assert_problem(*status);
        assert_eq!(app.count_rows("media"), 0, "{name} left a row");
        assert_eq!(stored_files(&app), 0, "{name} left a file");
    }
    let traversal = upload_raw(&app, png(16, 16), "image/png", "../../../etc/cron.d/x.png").await;
    assert_eq!(traversal.status, 201, "{}", traversal.body);
    assert_eq!(traversal.body["filename"], "x.png");
    assert!(
        app.media_dir.path().read_dir().unwrap().all(|e| e.unwrap().file_name().len() == 64),
        "files are named by hash"
    );
}

#[actix_web::test]
async fn deleting_an_item_takes_its_files_and_only_staff_change_the_library() {
    let app = TestApp::spawn().await;
    let created = upload_raw(&app, png(700, 400), "image/png", "a.png").await;
    let item = created.body;
    let variant = item["variants"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(fetch(&app, &variant, &[]).await.status, 200);
    assert_eq!(stored_files(&app), 2, "the original and the variant asked for");

    let author = app.user_token("phong.vien", "author").await;
    let other = app.call(Method::DELETE, &format!("/api/v1/media/{}", item["id"]), Some(&author), None).await;
    other.assert_problem(403);
    let anonymous =
        app.send(app.client.post(app.url("/api/v1/media")).header("Content-Type", "image/png").body(png(8, 8))).await;
    anonymous.assert_problem(401);

    assert_eq!(app.delete(&format!("/api/v1/media/{}", item["id"])).await.status, 204);
    assert_eq!(app.count_rows("media"), 0);
    assert_eq!(stored_files(&app), 0);
    assert_eq!(fetch(&app, &variant, &[]).await.status, 404);
    assert_eq!(app.delete(&format!("/api/v1/media/{}", item["id"])).await.status, 404);

    let own = app
        .send(
            app.client
                .post(app.url("/api/v1/media"))
                .bearer_auth(&author)
                .header("Content-Type", "image/png")
                .body(png(9, 9)),
        )
        .await;
    assert_eq!(own.status, 201, "{}", own.body);
    let mine = app
        .call(
            Method::PATCH,
            &format!("/api/v1/media/{}", own.body["id"]),
            Some(&author),
            Some(&json!({"caption": "Của tôi"})),
        )
        .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let value: Value = mine.body;
    assert_eq!(value["caption"], "Của tôi");
}

#[actix_web::test]
async fn an_article_cover_from_the_library_gives_srcset_and_holds_its_item() {
    let app = TestApp::spawn().await;
    let photo = encoded(DynamicImage::ImageRgb8(gradient(1600, 1000)), ImageFormat::Jpeg);
    let item = upload_form(
        &app,
        Form::new()
            .part("file", file_part(photo, "trung-tam.jpg", "image/jpeg"))
            .text("alt", "Trung tâm điều hành")
            .text("credit", "Nguồn ảnh: Bình Phước")
            .text("focal_y", "0.3"),
    )
    .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let media_id = item.body["id"].as_i64().unwrap();
    let media_path = format!("/api/v1/media/{media_id}");

    let before = app.count_rows("articles");
    for (cover, field) in [
        (json!({"media_id": media_id, "url": "https://example.vn/a.jpg"}), "cover_image"),
        (json!({"media_id": 999_999}), "cover_image.media_id"),
        (json!({"media_id": -3}), "cover_image.media_id"),
        (json!({"caption": "no image"}), "cover_image"),
    ] {
        let reply = app
            .post("/api/v1/articles", &json!({"title": "Bìa sai", "body_html": "<p>x</p>", "cover_image": cover}))
            .await;
        reply.assert_problem(400);
        assert!(reply.error_fields().contains(&field.to_owned()), "{cover}: {}", reply.body);
    }
    assert_eq!(app.count_rows("articles"), before, "refused writes change nothing");

    let article = app
        .create_article(json!({
            "title": "Khánh thành trung tâm điều hành thông minh",
            "body_html": "<p>Nội dung</p>",
            "status": "published",
            "cover_image": {"media_id": media_id, "caption": "Lễ khánh thành"},
        }))
        .await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let cover = app.get(&path).await.body["cover_image"].clone();
    assert_eq!(cover["media_id"], media_id);
    assert_eq!((cover["width"].clone(), cover["height"].clone()), (json!(1600), json!(1000)));
    assert_eq!(cover["focal"], json!({"x": 0.5, "y": 0.3}));
    assert_eq!(cover["alt"], "Trung tâm điều hành", "the item's alt text by default");
    assert_eq!(cover["caption"], "Lễ khánh thành", "the article's own caption wins");
    assert_eq!(cover["credit"], "Nguồn ảnh: Bình Phước");
    let variants = cover["variants"].as_array().unwrap();
    let widths: Vec<u64> = variants.iter().map(|v| v["width"].as_u64().unwrap()).collect();
    assert_eq!(widths, [320, 320, 640, 640, 960, 960, 1280, 1280], "never wider than the original");
    assert!(variants.iter().any(|v| v["type"] == "image/webp"));
    assert!(cover["url"].as_str().unwrap().ends_with("/1280.jpg"), "{cover}");
    let shown = fetch(&app, cover["url"].as_str().unwrap(), &[]).await;
    assert_eq!((shown.status, shown.header("Content-Type")), (200, Some("image/jpeg")));
    assert_eq!(decoded(&shown).width(), 1280);

    let listed = app.get("/api/v1/articles?fields=id,cover_image&has_cover=true").await;
    assert_eq!(listed.body["data"][0]["cover_image"]["media_id"], media_id, "{}", listed.body);
    assert_eq!(app.get_as_admin(&media_path).await.body["usage_count"], 1);

    let refused = app.delete(&media_path).await;
    refused.assert_problem(409);
    assert_eq!(app.count_rows("media"), 1);
    assert_eq!(fetch(&app, cover["url"].as_str().unwrap(), &[]).await.status, 200, "its files stay");

    assert_eq!(app.patch(&media_path, &json!({"alt": "Toàn cảnh trung tâm"})).await.status, 200);
    assert_eq!(app.get(&path).await.body["cover_image"]["alt"], "Toàn cảnh trung tâm", "the item's new alt text");

    let revised = app.patch(&path, &json!({"cover_image": {"url": "https://example.vn/anh.jpg"}})).await;
    assert_eq!(revised.status, 200, "{}", revised.body);
    assert!(revised.body["cover_image"].get("media_id").is_none(), "a URL cover as before: {}", revised.body);
    assert_eq!(app.get_as_admin(&media_path).await.body["usage_count"], 0);
    assert_eq!(app.delete(&media_path).await.status, 204);
}
