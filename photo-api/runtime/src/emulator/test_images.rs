//! JPEGs for tests: the emulator's own, photo-api's and the workspace's test suites all make
//! their test photos here, so there is one way to make one.

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, RgbImage};

/// A `width` x `height` JPEG of smooth gradients whose pixels depend on `seed`, so photos of
/// different seeds differ. It decodes, and has every standard size up to its own.
pub fn jpeg(width: u32, height: u32, seed: u8) -> Bytes {
    let image = RgbImage::from_fn(width, height, |x, y| {
        let (x, y) = (x as u8, y as u8);
        image::Rgb([
            x.wrapping_add(seed),
            y.wrapping_mul(3).wrapping_add(seed),
            x.wrapping_add(y) ^ seed,
        ])
    });
    encode(image)
}

/// A `width` x `height` JPEG of pseudo-random pixels: it compresses badly, so it is large for its
/// size. Different for each `seed`.
pub fn noisy_jpeg(width: u32, height: u32, seed: u32) -> Bytes {
    // xorshift32: deterministic, and no dependency for a test pattern.
    let mut state = seed | 1;
    let image = RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    encode(image)
}

fn encode(image: RgbImage) -> Bytes {
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(image)
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
        .expect("a test JPEG encodes");
    Bytes::from(out)
}

/// `jpeg` without its first quantization table: every header the upload check reads is sound
/// (a decoder looks a component's table up only when it decodes), but no decoder reads the
/// pixels.
pub fn undecodable_jpeg(jpeg: &[u8]) -> Bytes {
    let dqt = jpeg
        .windows(2)
        .position(|pair| pair == [0xFF, 0xDB])
        .expect("the test JPEG has a quantization table");
    let length = usize::from(u16::from_be_bytes([jpeg[dqt + 2], jpeg[dqt + 3]]));
    Bytes::from([&jpeg[..dqt], &jpeg[dqt + 2 + length..]].concat())
}
