//! Writes the benchmark's photographs: `COUNT` distinct JPEGs of `WIDTH` x `HEIGHT` (a
//! 12-megapixel phone photo is 4000 x 3000), with gradients, edges and sensor-like noise so
//! that they compress as photographs do, each different so that none is deduplicated.
//!
//! `photos DIRECTORY COUNT WIDTH HEIGHT`

use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let directory = args.next().ok_or("a directory")?;
    let count: u32 = args.next().ok_or("a count")?.parse()?;
    let width: u32 = args.next().ok_or("a width")?.parse()?;
    let height: u32 = args.next().ok_or("a height")?.parse()?;
    std::fs::create_dir_all(&directory)?;
    for n in 0..count {
        let mut noise = 0x9E37_79B9_u32 ^ n.wrapping_mul(0x85EB_CA6B);
        let picture = RgbImage::from_fn(width, height, |x, y| {
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            let grain = (noise % 24) as f32 - 12.0;
            let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
            let horizon = 0.5 + 0.1 * (fx * 9.0 + n as f32).sin();
            let base = if fy < horizon {
                [90.0 + 120.0 * fy, 150.0 + 60.0 * fy, 230.0 - 40.0 * fy]
            } else {
                [60.0 + 80.0 * (fx * 31.0).sin().abs(), 110.0 + 50.0 * fy, 50.0 + 30.0 * (fy * 47.0).cos()]
            };
            Rgb(base.map(|c| (c + grain).clamp(0.0, 255.0) as u8))
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90).write_image(
            picture.as_raw(),
            width,
            height,
            ExtendedColorType::Rgb8,
        )?;
        std::fs::write(format!("{directory}/photo-{n:03}.jpg"), out)?;
    }
    Ok(())
}
