//! Demo content, so a new installation shows the API working at once. Running it again
//! adds only what is missing.

use std::collections::HashMap;

use chrono::{Duration, Utc};

use crate::articles::input::ArticleInput;
use crate::articles::model::revisions::RevisionMeta;
use crate::articles::model::{self as articles, Audience, CoverImage, Status};
use crate::audit::Actor;
use crate::categories::model as categories;
use crate::db::{Db, now};
use crate::error::ApiError;
use crate::media::model::{self as media, NewMedia};
use crate::media::processing::Kind;
use crate::media::store::MediaStore;
use crate::sources::model::{self as sources, SourceFields};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub sources: usize,
    pub articles: usize,
}

struct DemoArticle {
    title: &'static str,
    summary: &'static str,
    body_html: &'static str,
    category: usize,
    source: usize,
    tags: &'static [&'static str],
    status: Status,
    /// Hours from now (negative: in the past).
    published_in_hours: Option<i64>,
    /// The cover: a picture drawn by `demo_photo` with this palette, its alt text and caption.
    cover: Option<(usize, &'static str, &'static str)>,
}

const SOURCES: [(&str, &str, &str); 3] = [
    ("Ban Dân vận Tỉnh ủy", "https://danvan.example.vn", "Cơ quan tham mưu công tác dân vận của tỉnh."),
    ("Trung tâm Truyền thông tỉnh", "https://truyenthong.example.vn", "Tin, ảnh và video thời sự địa phương."),
    ("Phóng viên cơ sở", "https://cosothongtin.example.vn", "Cộng tác viên tại các huyện, thị xã."),
];

const CATEGORIES: [(&str, &str); 4] =
    [("Thời sự", "thoi-su"), ("Kinh tế", "kinh-te"), ("Xã hội", "xa-hoi"), ("Thể thao", "the-thao")];

const ARTICLES: [DemoArticle; 6] = [
    DemoArticle {
        title: "Đẩy mạnh phong trào “Dân vận khéo” trong cải cách thủ tục hành chính",
        summary: "Các xã, phường rà soát lại quy trình một cửa, rút ngắn thời gian trả hồ sơ cho người dân.",
        body_html: "<p>Sau hai năm triển khai, mô hình <strong>“Dân vận khéo”</strong> gắn với cải cách hành chính \
                    đã giúp nhiều địa phương giảm một nửa thời gian giải quyết hồ sơ.</p>\
                    <ul><li>Niêm yết công khai thủ tục tại bộ phận một cửa.</li>\
                    <li>Tiếp nhận hồ sơ trực tuyến vào cả ngày thứ bảy.</li></ul>\
                    <p>Cán bộ được giao nhiệm vụ lắng nghe, giải thích tận tình để người dân hiểu và làm theo.</p>",
        category: 0,
        source: 0,
        tags: &["dân vận khéo", "cải cách hành chính"],
        status: Status::Published,
        published_in_hours: Some(-50),
        cover: Some((0, "Người dân làm thủ tục tại bộ phận một cửa", "Bộ phận một cửa của xã mở cửa cả sáng thứ bảy.")),
    },
    DemoArticle {
        title: "Nông dân Đồng Xoài chuyển sang trồng sầu riêng theo chuẩn VietGAP",
        summary: "Hơn 40 hộ liên kết thành tổ hợp tác, cùng ghi nhật ký canh tác và bán hàng qua sàn điện tử.",
        body_html: "<p>Tổ hợp tác sầu riêng ở phường Tân Bình có 42 thành viên với tổng diện tích 65 ha.</p>\
                    <figure><img src=\"https://truyenthong.example.vn/anh/sau-rieng.jpg\" alt=\"Vườn sầu riêng\">\
                    <figcaption>Vườn sầu riêng đạt chuẩn VietGAP.</figcaption></figure>\
                    <p>Giá bán cao hơn 15% so với trước khi có chứng nhận.</p>",
        category: 1,
        source: 1,
        tags: &["nông nghiệp", "Đồng Xoài"],
        status: Status::Published,
        published_in_hours: Some(-26),
        cover: Some((1, "Vườn sầu riêng", "Thu hoạch sầu riêng đầu vụ.")),
    },
    DemoArticle {
        title: "Khánh thành nhà văn hóa ấp Sóc Bưng sau ba tháng xây dựng",
        summary: "Công trình do người dân hiến đất, góp công và được ngân sách hỗ trợ một phần.",
        body_html: "<p>Nhà văn hóa rộng 200 m², có sân thể thao và tủ sách cho thiếu nhi.</p>\
                    <p>Bà con trong ấp đã góp hơn 1.500 ngày công để hoàn thành đúng hẹn.</p>",
        category: 2,
        source: 2,
        tags: &["nông thôn mới"],
        status: Status::Published,
        published_in_hours: Some(-5),
        cover: None,
    },
    DemoArticle {
        title: "Giải việt dã mừng Xuân thu hút hơn 800 vận động viên",
        summary: "Các vận động viên tranh tài ở ba cự ly 5 km, 10 km và 21 km quanh hồ Suối Cam.",
        body_html: "<p>Giải năm nay có thêm nội dung dành cho học sinh trung học cơ sở.</p>\
                    <table><tbody><tr><th>Cự ly</th><th>Số người</th></tr>\
                    <tr><td>5 km</td><td>420</td></tr><tr><td>21 km</td><td>130</td></tr></tbody></table>",
        category: 3,
        source: 1,
        tags: &["thể thao", "Đồng Xoài"],
        status: Status::Published,
        published_in_hours: Some(-2),
        cover: None,
    },
    DemoArticle {
        title: "Lịch tiếp công dân định kỳ của lãnh đạo tỉnh",
        summary: "Lịch được công bố trước để người dân chủ động đăng ký nội dung cần phản ánh.",
        body_html: "<p>Buổi tiếp công dân diễn ra vào sáng thứ năm tại Trụ sở Tiếp công dân tỉnh.</p>",
        category: 0,
        source: 0,
        tags: &["tiếp công dân"],
        status: Status::Scheduled,
        published_in_hours: Some(24 * 7),
        cover: None,
    },
    DemoArticle {
        title: "Tổng kết năm học: số liệu đang chờ Sở Giáo dục xác nhận",
        summary: "Bản nháp, chưa đăng.",
        body_html: "<p>Đang cập nhật.</p>",
        category: 2,
        source: 2,
        tags: &[],
        status: Status::Draft,
        published_in_hours: None,
        cover: None,
    },
];

/// Sky, hills and a river, drawn from arithmetic: the demo's covers are real photographs'
/// size JPEG files in the media library, and no binary file is kept in the repository.
fn demo_photo(palette: usize) -> Vec<u8> {
    let (width, height) = (1920u32, 1280u32);
    let [sky, hill, water] =
        [[[122, 178, 230], [42, 110, 64], [54, 120, 160]], [[240, 180, 120], [96, 120, 40], [90, 110, 150]]]
            [palette % 2];
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (f64::from(x) / f64::from(width), f64::from(y) / f64::from(height));
        let ridge = 0.45 + 0.08 * (fx * 7.0 + palette as f64).sin() + 0.03 * (fx * 23.0).sin();
        let shore = 0.72 + 0.02 * (fx * 11.0).cos();
        let (base, shade) = if fy < ridge {
            (sky, 1.0 - 0.35 * fy)
        } else if fy < shore {
            (hill, 0.7 + 0.3 * ((fx * 40.0).sin() * (fy * 60.0).cos()).abs())
        } else {
            (water, 0.8 + 0.2 * (fy * 180.0 + (fx * 30.0).sin() * 3.0).sin())
        };
        image::Rgb(base.map(|c| (f64::from(c) * shade).clamp(0.0, 255.0) as u8))
    });
    crate::media::processing::encode(&image::DynamicImage::ImageRgb8(picture), Kind::Jpeg)
        .expect("a JPEG encodes in memory")
}

/// The demo covers in the media library (each added once: its bytes are always the same),
/// by palette.
async fn demo_covers(db: &Db, store: &MediaStore) -> Result<HashMap<usize, i64>, ApiError> {
    let mut ids = HashMap::new();
    for demo in &ARTICLES {
        let Some((palette, alt, caption)) = demo.cover else { continue };
        let bytes = demo_photo(palette);
        let sha256 = MediaStore::content_hash(&bytes);
        let lookup = sha256.clone();
        if let Some(existing) = db.read(move |conn| media::find_by_hash(conn, &lookup)).await? {
            ids.insert(palette, existing.id);
            continue;
        }
        let at = now();
        let item = NewMedia {
            filename: format!("{}.jpg", crate::slug::slugify(alt)),
            mime_type: Kind::Jpeg.mime().to_owned(),
            bytes: bytes.len() as i64,
            width: 1920,
            height: 1280,
            sha256: sha256.clone(),
            alt: Some(alt.into()),
            caption: Some(caption.into()),
            credit: Some("Nguồn ảnh: Trung tâm Truyền thông tỉnh".into()),
            focal_x: 0.5,
            focal_y: 0.5,
            created_by: None,
            created_at: at,
            updated_at: at,
        };
        store.put(&MediaStore::key(&sha256, "original.jpg"), bytes.into()).await?;
        let (row, _) = db.write(move |conn| media::insert(conn, &item)).await?;
        ids.insert(palette, row.id);
    }
    Ok(ids)
}

/// Adds the demo sources, categories, cover images and articles that are not there yet.
pub async fn demo(db: &Db, store: &MediaStore) -> Result<SeedReport, ApiError> {
    let covers = demo_covers(db, store).await?;
    db.write_blocking(|conn| {
        let mut report = SeedReport::default();
        let (list, _) = sources::list(conn, crate::pagination::Paging { page: 1, per_page: 100 })?;
        let mut source_ids = Vec::new();
        for (name, url, description) in SOURCES {
            let id = match list.iter().find(|s| s.source.name == name) {
                Some(existing) => existing.source.id,
                None => {
                    report.sources += 1;
                    let fields = SourceFields {
                        name: name.into(),
                        url: Some(url.into()),
                        logo_url: None,
                        description: Some(description.into()),
                    };
                    sources::create(conn, &fields)?.source.id
                }
            };
            source_ids.push(id);
        }
        let category_ids = CATEGORIES
            .iter()
            .zip(0..)
            .map(|((name, slug), position)| categories::find_or_create(conn, name, slug, None, position))
            .collect::<Result<Vec<_>, _>>()?;
        let at = now();
        for demo in &ARTICLES {
            let slug = crate::slug::slugify(demo.title);
            if articles::find_by_slug(conn, &slug, Audience::Staff, at).is_ok() {
                continue;
            }
            let input = ArticleInput {
                title: demo.title.into(),
                slug: Some(slug),
                summary: demo.summary.into(),
                body_html: demo.body_html.into(),
                cover_image: demo.cover.map(|(palette, _, _)| CoverImage {
                    url: None,
                    media_id: covers.get(&palette).copied(),
                    alt: None,
                    caption: None,
                    credit: None,
                }),
                author: Some("Ban biên tập".into()),
                source_id: Some(source_ids[demo.source]),
                source_url: None,
                category_id: Some(category_ids[demo.category]),
                tags: demo.tags.iter().map(|t| (*t).to_owned()).collect(),
                status: demo.status,
                published_at: demo.published_in_hours.map(|h| Utc::now() + Duration::hours(h)),
                expires_at: None,
                allow_rating: true,
                allow_comments: None,
                note: None,
            };
            let write = input.validate(None, at)?;
            let meta = RevisionMeta { actor: Actor::default(), note: None, restored_from: None, keep: i64::MAX };
            articles::create(conn, &write, None, &meta, at)?;
            report.articles += 1;
        }
        Ok(report)
    })
}
