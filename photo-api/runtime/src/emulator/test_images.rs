//! JPEGs for tests of the emulator and of clients served by it.

use bytes::Bytes;
use image::DynamicImage;
use image::codecs::jpeg::JpegEncoder;

/// `jpeg` with its first Huffman table made impossible (three one-bit codes) while every segment
/// keeps its length: structurally sound, but no decoder accepts it.
///
/// # Panics
///
/// If `jpeg` has no Huffman table with at least three codes (every [`test_jpeg`] has).
pub fn undecodable(jpeg: &[u8]) -> Bytes {
    let mut jpeg = jpeg.to_vec();
    let dht = jpeg
        .windows(2)
        .position(|pair| pair == [0xFF, 0xC4])
        .expect("the test JPEG has a Huffman table");
    // Counts of codes of lengths 1 to 16 follow the length field and the class/destination byte.
    let counts = dht + 5..dht + 21;
    let mut moved = 0;
    for count in jpeg[counts.clone()].iter_mut().rev() {
        let take = (*count).min(3 - moved);
        *count -= take;
        moved += take;
    }
    assert_eq!(
        moved, 3,
        "the test JPEG's first Huffman table has fewer than 3 codes"
    );
    jpeg[counts.start] += 3;
    Bytes::from(jpeg)
}

/// A small JPEG for tests: a `width` x `height` gradient.
///
/// # Panics
///
/// If the JPEG encoder refuses the dimensions (JPEG allows 1 to 65535 pixels a side).
pub fn test_jpeg(width: u32, height: u32) -> Bytes {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(image)
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 80))
        .expect("encoding a test JPEG");
    Bytes::from(out)
}
