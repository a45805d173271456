//! What the API says about media items and where their files are: the response, the
//! variants offered for `srcset`, and their URLs, which name the content hash.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::MediaRow;
use super::processing::{self, ASPECTS, Kind};
use crate::config::MediaUrls;

/// The focal point: where crops centre, as fractions of the width and height.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Focal {
    #[schema(minimum = 0, maximum = 1, example = 0.5)]
    pub x: f64,
    #[schema(minimum = 0, maximum = 1, example = 0.35)]
    pub y: f64,
}

/// One file of a media item, for `srcset`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    /// `image/webp`, `image/jpeg` or `image/png`.
    #[serde(rename = "type")]
    pub mime_type: &'static str,
    #[schema(example = "/media/12/3f2a9c1b/640.webp")]
    pub url: String,
}

/// The variants of one crop.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Crop {
    /// `1:1`, `4:3`, `3:2` or `16:9`.
    #[schema(example = "16:9")]
    pub aspect: String,
    pub variants: Vec<Variant>,
}

/// A media item: an image and what the newsroom says about it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaResponse {
    pub id: i64,
    #[schema(example = "le-hoi-dua-ghe.jpg")]
    pub filename: String,
    /// Read from the bytes: `image/jpeg`, `image/png`, `image/webp` or `image/gif`.
    pub mime_type: String,
    /// The size of the file as uploaded.
    pub bytes: i64,
    /// After the EXIF orientation is applied.
    pub width: i64,
    pub height: i64,
    pub sha256: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    #[schema(example = "Nguồn ảnh: Bình Phước")]
    pub credit: Option<String>,
    pub focal: Focal,
    /// The user who uploaded it; null for an API token.
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Articles whose cover it is, and banners that show it.
    pub usage_count: i64,
    /// The original, re-encoded without its metadata.
    pub url: String,
    /// Every width, in WebP and in the original's format, narrowest first.
    pub variants: Vec<Variant>,
    /// The same, cropped around the focal point to each aspect ratio.
    pub crops: Vec<Crop>,
}

/// The width an image's single `url` shows (an article cover, a banner), when the image
/// is at least that wide.
const PAGE_WIDTH: u32 = 1280;

/// Of an item's `variants`, the one a plain `<img src>` gets: the 1280 px (or the widest)
/// in the original's format, which every browser shows.
pub fn page_url(variants: &[Variant]) -> String {
    let mut fallback = variants.iter().filter(|v| !v.mime_type.ends_with("webp"));
    let chosen = fallback.clone().find(|v| v.width == PAGE_WIDTH).or_else(|| fallback.next_back());
    chosen.map(|v| v.url.clone()).unwrap_or_default()
}

/// The file URLs of an item: `{base}/{id}/{hash8}/{name}.{ext}`.
pub struct FileUrls<'a> {
    pub base: &'a str,
    pub widths: &'a [u32],
}

impl<'a> FileUrls<'a> {
    pub fn new(media: &'a MediaUrls) -> Self {
        Self { base: &media.base, widths: &media.widths }
    }

    /// The widths offered for an image (or a crop) `width` wide: the configured ones it
    /// is not narrower than, or its own width when it is narrower than all of them.
    pub fn widths_for(&self, width: u32) -> Vec<u32> {
        let mut widths: Vec<u32> = self.widths.iter().copied().filter(|w| *w <= width).collect();
        widths.sort_unstable();
        widths.dedup();
        if widths.is_empty() {
            widths.push(width);
        }
        widths
    }

    pub(super) fn url(&self, item: &MediaRow, file: &str) -> String {
        format!("{}/{}/{}/{file}", self.base, item.id, &item.sha256[..8])
    }

    pub fn variants(&self, item: &MediaRow, aspect: Option<(u32, u32)>) -> Vec<Variant> {
        let (width, height) = (item.width as u32, item.height as u32);
        let kind = Kind::from_mime(&item.mime_type).unwrap_or(Kind::Jpeg);
        let widest = match aspect {
            Some(aspect) => processing::crop_box(width, height, aspect, (item.focal_x, item.focal_y)).2 as u32,
            None => width,
        };
        let mut variants = Vec::new();
        for w in self.widths_for(widest) {
            let (w, h) = processing::variant_size(width, height, w, aspect);
            let name = variant_name(w, aspect, (item.focal_x, item.focal_y));
            for kind in [Kind::Webp, kind.fallback()] {
                let url = self.url(item, &format!("{name}.{}", kind.extension()));
                variants.push(Variant { width: w, height: h, mime_type: kind.mime(), url });
            }
        }
        variants
    }

    pub fn response(&self, item: MediaRow, usage_count: i64) -> MediaResponse {
        let kind = Kind::from_mime(&item.mime_type).unwrap_or(Kind::Jpeg);
        let crops = ASPECTS
            .iter()
            .map(|aspect| Crop {
                aspect: format!("{}:{}", aspect.0, aspect.1),
                variants: self.variants(&item, Some(*aspect)),
            })
            .collect();
        MediaResponse {
            url: self.url(&item, &format!("original.{}", kind.extension())),
            variants: self.variants(&item, None),
            crops,
            id: item.id,
            filename: item.filename,
            mime_type: item.mime_type,
            bytes: item.bytes,
            width: item.width,
            height: item.height,
            sha256: item.sha256,
            alt: item.alt,
            caption: item.caption,
            credit: item.credit,
            focal: Focal { x: item.focal_x, y: item.focal_y },
            created_by: item.created_by,
            created_at: item.created_at.and_utc(),
            updated_at: item.updated_at.and_utc(),
            usage_count,
        }
    }
}

/// `640` or, cropped, `640-16x9-50-35` (the focal point in hundredths, so that moving it
/// gives new URLs rather than changing what an old one shows).
pub(super) fn variant_name(width: u32, aspect: Option<(u32, u32)>, focal: (f64, f64)) -> String {
    match aspect {
        None => width.to_string(),
        Some((a, b)) => format!("{width}-{a}x{b}-{}-{}", percent(focal.0), percent(focal.1)),
    }
}

pub(super) fn percent(fraction: f64) -> u32 {
    (fraction * 100.0).round().clamp(0.0, 100.0) as u32
}
