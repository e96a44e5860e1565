//! What the emulator knows about images: checking that an upload is a JPEG (its headers and that
//! it is whole by default, a full decode on request), which of Graph's standard sizes a photo has, and producing
//! those sizes as real JPEGs, cached per ETag so a size is encoded once per photo version.

use std::collections::{HashMap, VecDeque};
use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use tokio::sync::Semaphore;

pub use super::image_info::{ImageInfo, InvalidImage, MAX_DIMENSION};
use zune_jpeg::errors::DecodeErrors;
use zune_jpeg::zune_core::options::DecoderOptions;

/// The media type of every stored photo and every size served.
pub const MEDIA_TYPE: &str = "image/jpeg";

/// The most memory one decode may use, so a small, highly compressed upload cannot claim gigabytes.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// JPEG quality of the resized copies.
const QUALITY: u8 = 85;

/// How thoroughly an upload is checked before it is stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UploadCheck {
    /// The JPEG's headers and its end, without decoding pixels ([`check`]): well under a
    /// millisecond for a 4 MB photo. What only decoding finds (damaged image data, a table looked
    /// up only then) goes unnoticed until a resized size is first requested, which then answers
    /// `422 ErrorInvalidImage`.
    #[default]
    Structure,
    /// The structure, then a full decode ([`validate`]): every undecodable upload is refused with
    /// `400`, at the price of decoding each upload (about 100 ms and 40 MB for 12 megapixels).
    Decode,
}

/// The dimensions of a JPEG read from its header alone (cheap; no decoding).
pub fn inspect(bytes: &[u8]) -> Result<ImageInfo, InvalidImage> {
    match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Jpeg) => {}
        Ok(_) => return Err(InvalidImage::NotJpeg),
        Err(_) if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => return Err(InvalidImage::NotJpeg),
        Err(err) => return Err(InvalidImage::BadHeader(err.to_string())),
    }
    let size =
        imagesize::blob_size(bytes).map_err(|err| InvalidImage::BadHeader(err.to_string()))?;
    let (width, height) = (size.width as u64, size.height as u64);
    let fits = |side: u64| (1..=u64::from(MAX_DIMENSION)).contains(&side);
    if !fits(width) || !fits(height) {
        return Err(InvalidImage::Dimensions { width, height });
    }
    // Both fit in u32: they are at most MAX_DIMENSION.
    Ok(ImageInfo {
        width: width as u32,
        height: height as u32,
    })
}

/// Checks that `bytes` is a whole JPEG the emulator can decode, without decoding its pixels (see
/// [`UploadCheck::Structure`]), and returns its dimensions. [`inspect`] refuses what is not a
/// JPEG and dimensions out of bounds; zune-jpeg, the decoder that resizes photos, reads every
/// header up to the first scan (tables, frame, scan) and refuses what it cannot decode; and the
/// image data must be followed by the end-of-image marker, so a cut-off upload is refused.
/// About a millisecond for a 4 MB photo: call it on a blocking thread (see
/// [`Imaging::check_upload`]).
pub fn check(bytes: &[u8]) -> Result<ImageInfo, InvalidImage> {
    let info = inspect(bytes)?;
    let options = DecoderOptions::default().set_strict_mode(true);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options);
    decoder.decode_headers().map_err(|error| match error {
        DecodeErrors::Unsupported(scheme) => InvalidImage::Unsupported(format!("{scheme:?}")),
        DecodeErrors::ExhaustedData | DecodeErrors::IoErrors(_) => {
            InvalidImage::Truncated(format!("the headers are cut off: {error}"))
        }
        other => InvalidImage::BadHeader(other.to_string()),
    })?;
    image_data_end(bytes)?;
    Ok(info)
}

/// Requires the end-of-image marker after the first scan's data. No crate checks that short of
/// decoding every pixel (about 200 ms for a 12-megapixel photo), yet it is what tells a whole
/// upload from a cut-off one: entropy-coded data never holds `FF D9`, nor do the table segments
/// between a progressive JPEG's scans, so the marker's presence after the headers means the data
/// ended. Bytes after it are allowed (phones append secondary images).
fn image_data_end(bytes: &[u8]) -> Result<(), InvalidImage> {
    let truncated =
        || InvalidImage::Truncated("the image data ends without an end-of-image marker".into());
    // The segments before the first scan, which zune-jpeg has read (it allows a few stray bytes
    // before a marker, and fill bytes): marker, then length.
    let mut at = 2;
    loop {
        at += bytes
            .get(at..)
            .and_then(|rest| memchr::memchr(0xFF, rest))
            .ok_or_else(truncated)?;
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at + 1).ok_or_else(truncated)?;
        let length = bytes.get(at + 2..at + 4).ok_or_else(truncated)?;
        at += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
        if marker == 0xDA {
            break;
        }
    }
    let data = bytes.get(at..).ok_or_else(truncated)?;
    memchr::memmem::find(data, &[0xFF, 0xD9])
        .map(|_| ())
        .ok_or_else(truncated)
}

/// Checks that `bytes` is a structurally sound JPEG whose image data decodes, and returns its
/// dimensions. CPU-bound: call it on a blocking thread (see [`Imaging::check_upload`]).
pub fn validate(bytes: &[u8]) -> Result<ImageInfo, InvalidImage> {
    let info = check(bytes)?;
    let image = decode(bytes).map_err(|err| InvalidImage::Undecodable(err.to_string()))?;
    if (image.width(), image.height()) != (info.width, info.height) {
        return Err(InvalidImage::Undecodable(format!(
            "the header says {}x{} but the image is {}x{}",
            info.width,
            info.height,
            image.width(),
            image.height()
        )));
    }
    Ok(info)
}

fn decode(bytes: &[u8]) -> image::ImageResult<DynamicImage> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Jpeg);
    reader.limits(limits);
    reader.decode()
}

/// Graph's standard sizes, smallest first: the sizes `GET …/photos` lists.
pub const STANDARD_SIZES: [&str; 9] = [
    "48x48", "64x64", "96x96", "120x120", "240x240", "360x360", "432x432", "504x504", "648x648",
];

/// A size a photo is served at, named as the path's `{size}` segment names it (`48x48`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Size(ImageInfo);

impl Size {
    /// The size `<width>x<height>`, such as `240x240`; `None` for any other name.
    pub fn parse(name: &str) -> Option<Size> {
        let (width, height) = name.split_once('x')?;
        let side = |text: &str| text.parse::<u32>().ok().filter(|side| *side > 0);
        Some(Size(ImageInfo {
            width: side(width)?,
            height: side(height)?,
        }))
    }

    /// Its width and height.
    pub fn dimensions(self) -> ImageInfo {
        self.0
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.0.width, self.0.height)
    }
}

/// A standard size as metadata requests use it, worked out once rather than per request.
struct SizeInfo {
    size: Size,
    /// Graph's id of the size, such as `240X240`.
    id: String,
}

/// Every standard size, smallest first.
static SIZES: LazyLock<Vec<SizeInfo>> = LazyLock::new(|| {
    STANDARD_SIZES
        .into_iter()
        .filter_map(Size::parse)
        .map(|size| SizeInfo {
            size,
            id: size.to_string().to_uppercase(),
        })
        .collect()
});

/// Whether the photo is at least as large as `size` in both dimensions (Graph serves no size
/// larger than the upload).
pub fn has_size(photo: ImageInfo, size: Size) -> bool {
    fits(photo, size.dimensions())
}

fn fits(photo: ImageInfo, want: ImageInfo) -> bool {
    want.width <= photo.width && want.height <= photo.height
}

/// The standard sizes a photo of these dimensions has, smallest first.
pub fn available_sizes(photo: ImageInfo) -> impl Iterator<Item = Size> {
    SIZES
        .iter()
        .filter(move |info| fits(photo, info.size.dimensions()))
        .map(|info| info.size)
}

/// Graph's id of a size: the name with a capital `X`, such as `240X240`.
pub fn size_id(size: Size) -> String {
    SIZES
        .iter()
        .find(|info| info.size == size)
        .map_or_else(|| size.to_string().to_uppercase(), |info| info.id.clone())
}

/// The id Graph gives the photo itself: the largest standard size it has, else `default`.
pub fn photo_id(photo: ImageInfo) -> String {
    SIZES
        .iter()
        .rev()
        .find(|info| fits(photo, info.size.dimensions()))
        .map_or("default", |info| info.id.as_str())
        .to_owned()
}

/// `bytes` (a JPEG) resized to exactly `target`: the largest centred region with the target's
/// aspect ratio is cut out, so nothing is stretched, and scaled down. CPU-bound. A decoder that
/// fails, or panics on hostile data, makes the photo [`ResizeError::Undecodable`].
pub fn resize(bytes: &[u8], target: ImageInfo) -> Result<Vec<u8>, ResizeError> {
    let decoded = std::panic::catch_unwind(|| decode(bytes)).map_err(|_| {
        ResizeError::Undecodable(InvalidImage::Undecodable(
            "the decoder failed on this image".to_owned(),
        ))
    })?;
    let image = decoded
        .map_err(|err| ResizeError::Undecodable(InvalidImage::Undecodable(err.to_string())))?;
    let (width, height) = (u64::from(image.width()), u64::from(image.height()));
    let (want_w, want_h) = (
        u64::from(target.width.max(1)),
        u64::from(target.height.max(1)),
    );
    // The largest crop with the target's aspect ratio: compare width/height with want_w/want_h.
    let (crop_w, crop_h) = if width * want_h > height * want_w {
        (height * want_w / want_h, height)
    } else {
        (width, width * want_h / want_w)
    };
    let (crop_w, crop_h) = (crop_w.max(1), crop_h.max(1));
    let (x, y) = ((width - crop_w) / 2, (height - crop_h) / 2);
    // Every value is at most the image's own u32 dimensions.
    let cropped = image.crop_imm(x as u32, y as u32, crop_w as u32, crop_h as u32);
    drop(image);
    let resized = cropped.resize_exact(target.width, target.height, FilterType::Triangle);
    let resized = match resized {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => resized,
        other => DynamicImage::ImageRgb8(other.into_rgb8()),
    };
    let mut out = Vec::with_capacity(16 * 1024);
    resized
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, QUALITY))
        .map_err(|err| ResizeError::Failed(err.to_string()))?;
    Ok(out)
}

/// Image work for the service: upload checks and resizing off the async threads, at most one
/// decode per CPU at a time (decoding can take hundreds of megabytes), and a bounded cache of
/// resized copies keyed by ETag and size, so repeated reads of a size return the same `Bytes`
/// without encoding. Photos found undecodable are remembered the same way, so a damaged photo
/// is decoded once, not on every request for one of its sizes.
pub struct Imaging {
    permits: Semaphore,
    upload_check: UploadCheck,
    cache: Mutex<Cache>,
    capacity: usize,
    encodes: AtomicU64,
    decode_failures: AtomicU64,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<(String, Size), Bytes>,
    order: VecDeque<(String, Size)>,
    undecodable: HashMap<String, InvalidImage>,
    undecodable_order: VecDeque<String>,
}

/// Why no resized copy of a stored photo could be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResizeError {
    /// The stored photo's image data does not decode: the upload passed the structural check
    /// ([`UploadCheck::Structure`]) but its compressed data is damaged. The client's fault.
    #[error("The stored photo cannot be resized: {0}")]
    Undecodable(InvalidImage),
    /// The server failed (shutting down, or encoding the copy failed).
    #[error("resizing the photo failed: {0}")]
    Failed(String),
}

impl Imaging {
    /// How many resized copies are kept by default (a 648x648 copy is some tens of kilobytes).
    pub const DEFAULT_CACHE_ENTRIES: usize = 512;

    /// Image work with a cache of at most `cache_entries` resized copies (and as many
    /// remembered decode failures), checking uploads' structure only.
    pub fn new(cache_entries: usize) -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        Imaging {
            permits: Semaphore::new(cpus),
            upload_check: UploadCheck::default(),
            cache: Mutex::new(Cache::default()),
            capacity: cache_entries,
            encodes: AtomicU64::new(0),
            decode_failures: AtomicU64::new(0),
        }
    }

    /// The same, checking uploads as `check` says.
    pub fn with_upload_check(mut self, check: UploadCheck) -> Self {
        self.upload_check = check;
        self
    }

    /// How uploads are checked.
    pub fn upload_check(&self) -> UploadCheck {
        self.upload_check
    }

    /// Checks an upload as configured ([`UploadCheck`]) on a blocking thread and returns its
    /// dimensions. A checker or decoder that panics on hostile input counts as an invalid image,
    /// not as a server fault.
    pub async fn check_upload(&self, bytes: Bytes) -> Result<ImageInfo, InvalidImage> {
        let failed = |_| {
            Err(InvalidImage::Undecodable(
                "the decoder failed on this image".to_owned(),
            ))
        };
        match self.upload_check {
            UploadCheck::Structure => tokio::task::spawn_blocking(move || check(&bytes))
                .await
                .unwrap_or_else(failed),
            UploadCheck::Decode => {
                // Reject the obviously wrong cheaply, before queueing for a decode permit.
                inspect(&bytes)?;
                let _permit = self.permits.acquire().await.map_err(|_| {
                    InvalidImage::Undecodable("the image decoder is shutting down".to_owned())
                })?;
                tokio::task::spawn_blocking(move || validate(&bytes))
                    .await
                    .unwrap_or_else(failed)
            }
        }
    }

    /// The photo with ETag `etag` and content `bytes` at `size`, from the cache or resized now.
    pub async fn resized(
        &self,
        etag: &str,
        bytes: Bytes,
        size: Size,
    ) -> Result<Bytes, ResizeError> {
        let key = (etag.to_owned(), size);
        {
            let cache = self.lock();
            if let Some(hit) = cache.entries.get(&key) {
                return Ok(hit.clone());
            }
            if let Some(known) = cache.undecodable.get(etag) {
                return Err(ResizeError::Undecodable(known.clone()));
            }
        }
        let target = size.dimensions();
        let _permit =
            self.permits.acquire().await.map_err(|_| {
                ResizeError::Failed("the image encoder is shutting down".to_owned())
            })?;
        let resized = tokio::task::spawn_blocking(move || resize(&bytes, target))
            .await
            .map_err(|err| ResizeError::Failed(err.to_string()))?;
        let resized = match resized {
            Ok(resized) => Bytes::from(resized),
            Err(ResizeError::Undecodable(reason)) => {
                self.decode_failures.fetch_add(1, Ordering::Relaxed);
                self.remember_undecodable(key.0, reason.clone());
                return Err(ResizeError::Undecodable(reason));
            }
            Err(failed) => return Err(failed),
        };
        self.encodes.fetch_add(1, Ordering::Relaxed);
        self.insert(key, resized.clone());
        Ok(resized)
    }

    /// How many resized copies were encoded so far (cache misses).
    pub fn encodes(&self) -> u64 {
        self.encodes.load(Ordering::Relaxed)
    }

    /// How many times a stored photo was found undecodable (each photo version once, unless the
    /// failure was evicted from the cache).
    pub fn decode_failures(&self) -> u64 {
        self.decode_failures.load(Ordering::Relaxed)
    }

    fn insert(&self, key: (String, Size), bytes: Bytes) {
        if self.capacity == 0 {
            return;
        }
        let mut cache = self.lock();
        if cache.entries.insert(key.clone(), bytes).is_none() {
            cache.order.push_back(key);
        }
        while cache.entries.len() > self.capacity {
            match cache.order.pop_front() {
                Some(oldest) => {
                    cache.entries.remove(&oldest);
                }
                None => break,
            }
        }
    }

    fn remember_undecodable(&self, etag: String, reason: InvalidImage) {
        if self.capacity == 0 {
            return;
        }
        let mut cache = self.lock();
        if cache.undecodable.insert(etag.clone(), reason).is_none() {
            cache.undecodable_order.push_back(etag);
        }
        while cache.undecodable.len() > self.capacity {
            match cache.undecodable_order.pop_front() {
                Some(oldest) => {
                    cache.undecodable.remove(&oldest);
                }
                None => break,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Imaging {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CACHE_ENTRIES)
    }
}

impl std::fmt::Debug for Imaging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Imaging")
            .field("upload_check", &self.upload_check)
            .field("capacity", &self.capacity)
            .field("encodes", &self.encodes())
            .field("decode_failures", &self.decode_failures())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::test_images::{self, undecodable_jpeg};

    /// A size by name, independent of how the generator names the variants.
    fn size(name: &str) -> Size {
        Size::parse(name).expect("a size")
    }

    #[test]
    fn uploads_must_be_decodable_jpegs() {
        let jpeg = test_images::jpeg(300, 200, 0);
        let info = ImageInfo {
            width: 300,
            height: 200,
        };
        assert_eq!(check(&jpeg), Ok(info));
        assert_eq!(validate(&jpeg), Ok(info));
        assert_eq!(inspect(b""), Err(InvalidImage::NotJpeg));
        assert_eq!(inspect(b"hello, not an image"), Err(InvalidImage::NotJpeg));
        let png_magic = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0";
        assert_eq!(inspect(png_magic), Err(InvalidImage::NotJpeg));
        assert_eq!(check(png_magic), Err(InvalidImage::NotJpeg));
        assert!(matches!(
            inspect(&jpeg[..8]),
            Err(InvalidImage::BadHeader(_))
        ));
        assert!(matches!(
            inspect(b"\xFF\xD8\xFF\xE0garbage-garbage-garbage"),
            Err(InvalidImage::BadHeader(_))
        ));
        assert!(check(b"\xFF\xD8\xFF\xE0garbage-garbage-garbage").is_err());
    }

    /// The offset of the first segment with `marker`.
    fn find_segment(jpeg: &[u8], marker: u8) -> usize {
        let mut at = 2;
        loop {
            assert_eq!(jpeg[at], 0xFF, "walked off the segments");
            if jpeg[at + 1] == marker {
                return at;
            }
            let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
            at += 2 + length;
        }
    }

    /// `jpeg` without the segment at `at`.
    fn without_segment(jpeg: &[u8], at: usize) -> Vec<u8> {
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        [&jpeg[..at], &jpeg[at + 2 + length..]].concat()
    }

    #[test]
    fn a_whole_jpeg_passes_with_its_dimensions() {
        let jpeg = test_images::jpeg(300, 200, 0);
        let info = ImageInfo {
            width: 300,
            height: 200,
        };
        assert_eq!(check(&jpeg), Ok(info));
        // Trailing bytes after EOI, as phones append, are allowed.
        let mut trailer = jpeg.to_vec();
        trailer.extend_from_slice(b"\xFF\xD8 a second image or a trailer");
        assert_eq!(check(&trailer), Ok(info));
    }

    #[test]
    fn every_truncation_is_refused() {
        let jpeg = test_images::jpeg(64, 48, 0);
        for len in 0..jpeg.len() {
            let refused = check(&jpeg[..len]);
            assert!(refused.is_err(), "a JPEG cut to {len} bytes passed");
        }
        assert!(matches!(
            check(&jpeg[..jpeg.len() - 2]),
            Err(InvalidImage::Truncated(_))
        ));
        let sos = find_segment(&jpeg, 0xDA);
        assert!(matches!(
            check(&jpeg[..sos + 40]),
            Err(InvalidImage::Truncated(_))
        ));
        assert_eq!(check(b""), Err(InvalidImage::NotJpeg));
        assert_eq!(check(b"GIF89a"), Err(InvalidImage::NotJpeg));
    }

    #[test]
    fn missing_frames_and_scans_are_refused() {
        let jpeg = test_images::jpeg(32, 32, 0);
        for (marker, what) in [(0xC0, "SOF"), (0xDA, "SOS")] {
            let broken = without_segment(&jpeg, find_segment(&jpeg, marker));
            assert!(check(&broken).is_err(), "a JPEG without {what} passed");
        }
    }

    #[test]
    fn broken_segment_lengths_are_refused() {
        let jpeg = test_images::jpeg(32, 32, 0);
        let dqt = find_segment(&jpeg, 0xDB);
        let mut zero = jpeg.to_vec();
        zero[dqt + 2..dqt + 4].copy_from_slice(&[0, 0]);
        assert!(check(&zero).is_err());
        let mut long = jpeg.to_vec();
        long[dqt + 2..dqt + 4].copy_from_slice(&[0xFF, 0xF0]);
        assert!(check(&long).is_err());
        // Garbage where a marker should be (the decoder skips a byte or three).
        let stray = [&jpeg[..dqt], b"garbage!", &jpeg[dqt..]].concat();
        assert!(check(&stray).is_err());
    }

    #[test]
    fn frames_the_decoder_cannot_handle_are_refused() {
        let jpeg = test_images::jpeg(16, 16, 0);
        let sof = find_segment(&jpeg, 0xC0);
        for marker in [0xC3, 0xC5, 0xC9, 0xCA, 0xCF] {
            let mut other = jpeg.to_vec();
            other[sof + 1] = marker;
            assert!(check(&other).is_err(), "SOF 0x{marker:02X} passed");
        }
        let mut twelve_bit = jpeg.to_vec();
        twelve_bit[sof + 4] = 12;
        assert!(check(&twelve_bit).is_err());
        let mut extended = jpeg.to_vec();
        extended[sof + 1] = 0xC1;
        assert!(check(&extended).is_ok(), "SOF1 is decoded like SOF0");
    }

    #[test]
    fn dimensions_are_checked_in_the_frame_header() {
        let jpeg = test_images::jpeg(16, 16, 0);
        let sof = find_segment(&jpeg, 0xC0);
        let mut zero = jpeg.to_vec();
        zero[sof + 5..sof + 7].copy_from_slice(&[0, 0]);
        assert_eq!(
            check(&zero),
            Err(InvalidImage::Dimensions {
                width: 16,
                height: 0
            })
        );
        let mut huge = jpeg.to_vec();
        huge[sof + 7..sof + 9].copy_from_slice(&[0xFF, 0xFF]);
        assert_eq!(
            check(&huge),
            Err(InvalidImage::Dimensions {
                width: 65_535,
                height: 16
            })
        );
    }

    #[test]
    fn a_scan_naming_an_unknown_component_is_refused() {
        let jpeg = test_images::jpeg(16, 16, 0);
        let sos = find_segment(&jpeg, 0xDA);
        let mut other = jpeg.to_vec();
        // The first component selector of the scan.
        other[sos + 5] = 0x77;
        assert!(check(&other).is_err());
    }

    #[test]
    fn no_single_byte_change_makes_the_check_panic() {
        // Every position of a small JPEG set to values that matter to a parser (markers,
        // lengths, counts), plus a cut after each change.
        let jpeg = test_images::jpeg(24, 16, 0);
        let values = [
            0x00, 0x01, 0x02, 0x10, 0x41, 0xC0, 0xC2, 0xC4, 0xD0, 0xD9, 0xDA, 0xFF,
        ];
        for at in 0..jpeg.len() {
            for value in values {
                let mut changed = jpeg.to_vec();
                changed[at] = value;
                let _ = check(&changed);
                let _ = check(&changed[..at.max(changed.len() / 2)]);
            }
        }
    }

    #[test]
    fn only_decoding_finds_damaged_image_data() {
        let damaged = undecodable_jpeg(&test_images::jpeg(120, 90, 0));
        assert_eq!(
            check(&damaged),
            Ok(ImageInfo {
                width: 120,
                height: 90
            })
        );
        assert!(matches!(
            validate(&damaged),
            Err(InvalidImage::Undecodable(_))
        ));
        assert!(matches!(
            resize(
                &damaged,
                ImageInfo {
                    width: 48,
                    height: 48
                }
            ),
            Err(ResizeError::Undecodable(InvalidImage::Undecodable(_)))
        ));
    }

    #[test]
    fn a_header_claiming_huge_dimensions_is_refused_before_decoding() {
        let mut jpeg = test_images::jpeg(16, 16, 0).to_vec();
        // Patch the SOF0 frame's height and width to 0xFFFF.
        let sof = jpeg
            .windows(2)
            .position(|pair| pair == [0xFF, 0xC0])
            .expect("baseline JPEG has SOF0");
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(
            inspect(&jpeg),
            Err(InvalidImage::Dimensions {
                width: 65_535,
                height: 65_535
            })
        );
    }

    #[test]
    fn sizes_never_exceed_the_upload() {
        let photo = ImageInfo {
            width: 300,
            height: 200,
        };
        let sizes: Vec<_> = available_sizes(photo).map(size_id).collect();
        assert_eq!(sizes, ["48X48", "64X64", "96X96", "120X120"]);
        assert_eq!(photo_id(photo), "120X120");
        assert!(!has_size(photo, size("240x240")));
        let tiny = ImageInfo {
            width: 40,
            height: 400,
        };
        assert_eq!(photo_id(tiny), "default");
        assert_eq!(available_sizes(tiny).count(), 0);
        assert_eq!(SIZES.len(), STANDARD_SIZES.len());
        assert_eq!(size("120x90").dimensions().height, 90);
        for name in ["", "48", "0x48", "x48", "48X48", "48x-1"] {
            assert_eq!(Size::parse(name), None, "{name}");
        }
    }

    #[test]
    fn resizing_gives_a_jpeg_of_exactly_the_size() {
        let jpeg = test_images::jpeg(300, 200, 0);
        let out = resize(
            &jpeg,
            ImageInfo {
                width: 96,
                height: 96,
            },
        )
        .expect("resized");
        assert_eq!(
            inspect(&out),
            Ok(ImageInfo {
                width: 96,
                height: 96
            })
        );
    }

    #[tokio::test]
    async fn resized_copies_are_cached_per_etag() {
        let imaging = Imaging::new(2);
        let jpeg = test_images::jpeg(130, 130, 0);
        let first = imaging
            .resized("\"a\"", jpeg.clone(), size("48x48"))
            .await
            .expect("resized");
        let again = imaging
            .resized("\"a\"", jpeg.clone(), size("48x48"))
            .await
            .expect("cached");
        assert_eq!(imaging.encodes(), 1);
        assert_eq!(
            first.as_ptr(),
            again.as_ptr(),
            "the cached bytes are shared"
        );
        imaging
            .resized("\"b\"", jpeg.clone(), size("48x48"))
            .await
            .expect("other etag");
        imaging
            .resized("\"a\"", jpeg.clone(), size("64x64"))
            .await
            .expect("other size");
        assert_eq!(imaging.encodes(), 3);
        // Capacity 2: the oldest entry ("a", 48x48) was evicted.
        imaging
            .resized("\"a\"", jpeg, size("48x48"))
            .await
            .expect("re-encoded");
        assert_eq!(imaging.encodes(), 4);
    }

    #[tokio::test]
    async fn uploads_are_checked_as_configured() {
        let jpeg = test_images::jpeg(64, 48, 0);
        let info = ImageInfo {
            width: 64,
            height: 48,
        };
        let damaged = undecodable_jpeg(&jpeg);
        let structure = Imaging::default();
        assert_eq!(structure.upload_check(), UploadCheck::Structure);
        assert_eq!(structure.check_upload(jpeg.clone()).await, Ok(info));
        assert_eq!(structure.check_upload(damaged.clone()).await, Ok(info));
        assert_eq!(
            structure
                .check_upload(Bytes::from_static(b"GIF89a......"))
                .await,
            Err(InvalidImage::NotJpeg)
        );
        assert!(matches!(
            structure.check_upload(jpeg.slice(..jpeg.len() - 1)).await,
            Err(InvalidImage::Truncated(_))
        ));

        let decode = Imaging::default().with_upload_check(UploadCheck::Decode);
        assert_eq!(decode.check_upload(jpeg.clone()).await, Ok(info));
        assert!(matches!(
            decode.check_upload(damaged).await,
            Err(InvalidImage::Undecodable(_))
        ));
        assert_eq!(
            decode
                .check_upload(Bytes::from_static(b"GIF89a......"))
                .await,
            Err(InvalidImage::NotJpeg)
        );
    }

    #[tokio::test]
    async fn a_photo_found_undecodable_is_decoded_once() {
        let imaging = Imaging::default();
        let damaged = undecodable_jpeg(&test_images::jpeg(130, 130, 0));
        for size in [size("48x48"), size("48x48"), size("96x96")] {
            let refused = imaging.resized("\"bad\"", damaged.clone(), size).await;
            assert!(
                matches!(refused, Err(ResizeError::Undecodable(_))),
                "{refused:?}"
            );
        }
        assert_eq!(imaging.decode_failures(), 1);
        assert_eq!(imaging.encodes(), 0);
        // Another version of the photo is decoded on its own.
        let fine = imaging
            .resized("\"good\"", test_images::jpeg(130, 130, 0), size("48x48"))
            .await;
        assert!(fine.is_ok());
    }
}
