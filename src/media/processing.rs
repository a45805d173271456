//! Untrusted image bytes in, clean images out. The type is read from the bytes, the size
//! from the header before anything is decoded, decoding is bounded, the EXIF orientation
//! is applied, and every metadata block (EXIF with its GPS position, XMP, comments) is
//! left behind: what is served is re-encoded from pixels alone.

use std::io::Cursor;

use fast_image_resize::images::Image as Pixels;
use fast_image_resize::{IntoImageView, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits, RgbImage, RgbaImage};

use crate::error::ApiError;

/// The longest side an image may have, whatever its pixel count.
pub const MAX_SIDE: u32 = 16_384;
const JPEG_QUALITY: u8 = 85;
const WEBP_QUALITY: f32 = 80.0;

/// The image types accepted, told apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl Kind {
    pub const ACCEPTED: &str = "JPEG, PNG, WebP and GIF images are accepted";

    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0xFF, 0xD8, 0xFF, ..] => Some(Self::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Self::Png),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Self::Gif),
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(Self::Webp),
            _ => None,
        }
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        [Self::Jpeg, Self::Png, Self::Webp, Self::Gif].into_iter().find(|kind| kind.mime() == mime)
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            "webp" => Some(Self::Webp),
            "gif" => Some(Self::Gif),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Webp => ImageFormat::WebP,
            Self::Gif => ImageFormat::Gif,
        }
    }

    /// The format of the variants offered beside WebP: JPEG for photographs uploaded as
    /// JPEG, PNG for the others, which may be transparent.
    pub fn fallback(self) -> Self {
        match self {
            Self::Jpeg => Self::Jpeg,
            Self::Png | Self::Webp | Self::Gif => Self::Png,
        }
    }
}

/// An upload, checked, decoded and re-encoded without its metadata.
pub struct Cleaned {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// Checks and cleans an uploaded file: 415 for what is not an accepted image, 422 for
/// one too large to decode or that does not decode.
pub fn clean(bytes: &[u8], max_pixels: u64) -> Result<Cleaned, ApiError> {
    let kind = Kind::sniff(bytes).ok_or_else(|| ApiError::UnsupportedMediaType(format!("{}.", Kind::ACCEPTED)))?;
    let image = decode(bytes, kind, max_pixels)?;
    let encoded = encode(&image, kind)?;
    Ok(Cleaned { kind, width: image.width(), height: image.height(), bytes: encoded })
}

/// Decodes an image of a known type into 8-bit RGB or RGBA, upright.
/// Whether a JPEG's scans end with the end-of-image marker. The decoder fills a cut-off
/// scan with grey rather than failing, so a truncated upload would pass for a photo.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    // Walk the segments before the first scan by their lengths (an EXIF thumbnail inside
    // APP1 has markers of its own), then look for the end marker among the scans.
    let mut at = 2;
    while at + 4 <= bytes.len() && bytes[at] == 0xFF {
        let marker = bytes[at + 1];
        if marker == 0xDA {
            return bytes[at..].windows(2).any(|pair| pair == [0xFF, 0xD9]);
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        at += 2 + length;
    }
    false
}

pub fn decode(bytes: &[u8], kind: Kind, max_pixels: u64) -> Result<DynamicImage, ApiError> {
    let corrupt = |e: image::ImageError| ApiError::Unprocessable(format!("The image does not decode: {e}."));
    let reader = || ImageReader::with_format(Cursor::new(bytes), kind.format());
    let (width, height) = reader().into_dimensions().map_err(corrupt)?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ApiError::Unprocessable(format!(
            "The image is {width} x {height} pixels; at most {MAX_SIDE} a side are accepted."
        )));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(ApiError::Unprocessable(format!(
            "The image has {pixels} pixels; at most {max_pixels} are accepted."
        )));
    }
    if kind == Kind::Jpeg && !jpeg_is_complete(bytes) {
        return Err(ApiError::Unprocessable(
            "The image does not decode: the JPEG ends before its last scan does.".into(),
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // The decoded pixels (up to 16 bits and four channels) and the decoder's own buffers.
    limits.max_alloc = Some(pixels * 8 + 64 * 1024 * 1024);
    let mut reader = reader();
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    Ok(if image.color().has_alpha() {
        DynamicImage::ImageRgba8(image.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.into_rgb8())
    })
}

/// Encodes 8-bit RGB or RGBA pixels; nothing but the pixels goes in.
pub fn encode(image: &DynamicImage, kind: Kind) -> Result<Vec<u8>, ApiError> {
    let failed = |e: image::ImageError| ApiError::Internal(format!("encoding an image failed: {e}"));
    let mut out = Vec::new();
    let (width, height) = (image.width(), image.height());
    match kind {
        Kind::Jpeg => {
            let rgb = image.to_rgb8();
            JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
                .write_image(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8)
                .map_err(failed)?;
        }
        Kind::Png => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
                .write_image(image.as_bytes(), width, height, image.color().into())
                .map_err(failed)?;
        }
        Kind::Webp => {
            let encoder = match image {
                DynamicImage::ImageRgba8(rgba) => webp::Encoder::from_rgba(rgba.as_raw(), width, height),
                other => webp::Encoder::from_rgb(other.as_bytes(), width, height),
            };
            out = encoder.encode(WEBP_QUALITY).to_vec();
        }
        Kind::Gif => {
            let rgba = image.to_rgba8();
            image::codecs::gif::GifEncoder::new(&mut out)
                .encode(rgba.as_raw(), width, height, image::ExtendedColorType::Rgba8)
                .map_err(failed)?;
        }
    }
    Ok(out)
}

/// The crop aspect ratios offered, as `width x height`.
pub const ASPECTS: [(u32, u32); 4] = [(1, 1), (4, 3), (3, 2), (16, 9)];

/// The part of a `width` x `height` image a crop to `aspect` keeps, centred on the
/// focal point as far as the edges allow: `(left, top, width, height)`.
pub fn crop_box(width: u32, height: u32, aspect: (u32, u32), focal: (f64, f64)) -> (f64, f64, f64, f64) {
    let (w, h) = (f64::from(width), f64::from(height));
    let ratio = f64::from(aspect.0) / f64::from(aspect.1);
    let (crop_w, crop_h) = if w / h > ratio { (h * ratio, h) } else { (w, w / ratio) };
    let left = (focal.0 * w - crop_w / 2.0).clamp(0.0, w - crop_w);
    let top = (focal.1 * h - crop_h / 2.0).clamp(0.0, h - crop_h);
    (left, top, crop_w, crop_h)
}

/// The size of a variant `width` wide of a `source_w` x `source_h` image, cropped to
/// `aspect` when given.
pub fn variant_size(source_w: u32, source_h: u32, width: u32, aspect: Option<(u32, u32)>) -> (u32, u32) {
    let height = match aspect {
        Some((a, b)) => f64::from(width) * f64::from(b) / f64::from(a),
        None => f64::from(width) * f64::from(source_h) / f64::from(source_w),
    };
    (width, (height.round() as u32).max(1))
}

/// A variant of an upright image: `width` wide, cropped to `aspect` around `focal` when
/// given, encoded as `kind`.
pub fn variant(
    image: &DynamicImage,
    width: u32,
    aspect: Option<(u32, u32)>,
    focal: (f64, f64),
    kind: Kind,
) -> Result<Vec<u8>, ApiError> {
    let (source_w, source_h) = (image.width(), image.height());
    let (out_w, out_h) = variant_size(source_w, source_h, width, aspect);
    let failed = |e: String| ApiError::Internal(format!("resizing an image failed: {e}"));
    let pixel_type = image.pixel_type().ok_or_else(|| failed("unsupported pixel type".into()))?;
    let mut resized = Pixels::new(out_w, out_h, pixel_type);
    let mut options = ResizeOptions::new();
    if let Some(aspect) = aspect {
        let (left, top, crop_w, crop_h) = crop_box(source_w, source_h, aspect, focal);
        options = options.crop(left, top, crop_w, crop_h);
    }
    Resizer::new().resize(image, &mut resized, &options).map_err(|e| failed(e.to_string()))?;
    let buffer = resized.into_vec();
    let resized = if image.color().has_alpha() {
        RgbaImage::from_raw(out_w, out_h, buffer).map(DynamicImage::ImageRgba8)
    } else {
        RgbImage::from_raw(out_w, out_h, buffer).map(DynamicImage::ImageRgb8)
    }
    .ok_or_else(|| failed("the resized buffer has the wrong size".into()))?;
    encode(&resized, kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crops_centre_on_the_focal_point_within_the_edges() {
        assert_eq!(crop_box(4000, 3000, (1, 1), (0.5, 0.5)), (500.0, 0.0, 3000.0, 3000.0));
        assert_eq!(crop_box(4000, 3000, (1, 1), (0.0, 0.5)), (0.0, 0.0, 3000.0, 3000.0));
        assert_eq!(crop_box(4000, 3000, (1, 1), (0.9, 0.5)), (1000.0, 0.0, 3000.0, 3000.0));
        assert_eq!(crop_box(3000, 4000, (16, 9), (0.5, 0.1)), (0.0, 0.0, 3000.0, 1687.5));
        assert_eq!(variant_size(4000, 3000, 640, None), (640, 480));
        assert_eq!(variant_size(4000, 3000, 640, Some((16, 9))), (640, 360));
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(Kind::sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Kind::Jpeg));
        assert_eq!(Kind::sniff(b"GIF89a..."), Some(Kind::Gif));
        assert_eq!(Kind::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(Kind::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\">"), None);
        assert_eq!(Kind::sniff(b""), None);
    }
}
