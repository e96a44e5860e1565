//! A structural check of a JPEG file, without decoding any pixels.
//!
//! Walks the marker segments from SOI to EOI: every segment's length must fit in the file, there
//! must be exactly one frame header (SOF) of a kind the emulator's decoder handles, with sane
//! dimensions and components, the quantization (DQT) and Huffman (DHT) tables each scan needs must
//! be defined before it, and the entropy-coded data after each scan (SOS) must be followed by a
//! marker, the last one EOI. That catches non-JPEG bodies, truncated uploads and broken headers
//! at the cost of one pass over the bytes (a `memchr` for 0xFF through the image data).
//!
//! What it cannot see is damage inside the entropy-coded data itself; only decoding finds that.
//! Bytes after EOI are allowed: phones append secondary images (Multi-Picture Format) and
//! trailers there, and decoders ignore them.

use super::image_info::{ImageInfo, InvalidImage, MAX_DIMENSION};

/// The most components a frame may have (greyscale 1, YCbCr 3, CMYK/YCCK 4).
const MAX_COMPONENTS: usize = 4;

/// One component of the frame header: its id and quantization table.
#[derive(Clone, Copy, Default)]
struct Component {
    id: u8,
    quant_table: u8,
}

/// The frame header (SOF).
#[derive(Clone, Copy)]
struct Frame {
    progressive: bool,
    width: u16,
    height: u16,
    components: [Component; MAX_COMPONENTS],
    count: usize,
}

impl Frame {
    fn components(&self) -> &[Component] {
        &self.components[..self.count]
    }
}

/// Tables defined so far, by destination (0 to 3).
#[derive(Default)]
struct Tables {
    quant: [bool; 4],
    dc: [bool; 4],
    ac: [bool; 4],
}

/// Checks the structure of `bytes` as a JPEG (see the module docs) and returns the frame's
/// dimensions. Linear in the length; no allocation except for error messages.
pub(crate) fn check(bytes: &[u8]) -> Result<ImageInfo, InvalidImage> {
    let mut scanner = Scanner::default();
    scanner.advance(bytes);
    scanner.finish(bytes)
}

/// The structural check run as the bytes arrive: [`advance`](Self::advance) after each chunk
/// with everything received so far, [`finish`](Self::finish) with the whole file. Each byte is
/// looked at about once however the file is split, so the check overlaps an upload's transfer.
#[derive(Default)]
pub(crate) struct Scanner {
    frame: Option<Frame>,
    tables: Tables,
    scans: usize,
    /// Where the next marker (or the rest of the image data) starts.
    at: usize,
    phase: Phase,
}

#[derive(Default)]
enum Phase {
    /// Before the start-of-image marker.
    #[default]
    Start,
    /// At a marker.
    Markers,
    /// Inside the entropy-coded data of a scan.
    ImageData,
    /// Past the end-of-image marker: the check passed.
    Ended,
    /// The check failed; nothing more is read.
    Failed(InvalidImage),
}

/// What one step of the scanner found.
enum Step {
    /// It moved on; step again.
    Moved,
    /// The bytes so far end inside the next item: wait for more.
    NeedMore,
}

impl Scanner {
    /// Checks as much of `so_far` (the first bytes of the file) as can be checked yet.
    pub(crate) fn advance(&mut self, so_far: &[u8]) {
        loop {
            match self.step(so_far) {
                Ok(Step::Moved) => {}
                Ok(Step::NeedMore) => return,
                Err(invalid) => {
                    self.phase = Phase::Failed(invalid);
                    return;
                }
            }
        }
    }

    /// The verdict on the whole file `bytes` (of which earlier calls saw prefixes).
    pub(crate) fn finish(mut self, bytes: &[u8]) -> Result<ImageInfo, InvalidImage> {
        self.advance(bytes);
        match self.phase {
            Phase::Failed(invalid) => return Err(invalid),
            Phase::Ended => {}
            Phase::Start => return Err(InvalidImage::NotJpeg),
            // Stepping again reports where the file ends too early.
            Phase::Markers => {
                self.marker_segment(bytes)?;
                return Err(truncated("the file ends before the end-of-image marker"));
            }
            Phase::ImageData => {
                return Err(truncated(
                    "the image data ends without an end-of-image marker",
                ));
            }
        }
        let frame = self.frame.ok_or_else(|| header("no frame header (SOF)"))?;
        if self.scans == 0 {
            return Err(header("no image data (SOS)"));
        }
        Ok(ImageInfo {
            width: u32::from(frame.width),
            height: u32::from(frame.height),
        })
    }

    /// One item: the start-of-image marker, a marker and its segment, or a stretch of image
    /// data. Changes nothing unless the whole item is in `bytes`.
    fn step(&mut self, bytes: &[u8]) -> Result<Step, InvalidImage> {
        match self.phase {
            Phase::Ended | Phase::Failed(_) => Ok(Step::NeedMore),
            Phase::Start => {
                if bytes.len() < 2 {
                    return Ok(Step::NeedMore);
                }
                if !bytes.starts_with(&[0xFF, 0xD8]) {
                    return Err(InvalidImage::NotJpeg);
                }
                self.at = 2;
                self.phase = Phase::Markers;
                Ok(Step::Moved)
            }
            Phase::ImageData => match end_of_image_data(bytes, self.at) {
                ImageDataEnd::Marker(at) => {
                    self.at = at;
                    self.phase = Phase::Markers;
                    Ok(Step::Moved)
                }
                ImageDataEnd::NotYet(resume) => {
                    self.at = resume;
                    Ok(Step::NeedMore)
                }
            },
            Phase::Markers => match self.marker_segment(bytes) {
                Err(InvalidImage::Truncated(_)) => Ok(Step::NeedMore),
                other => other.map(|()| Step::Moved),
            },
        }
    }

    /// The marker at `self.at` and its segment. Fails with [`InvalidImage::Truncated`] (and
    /// changes nothing) when `bytes` ends inside them.
    fn marker_segment(&mut self, bytes: &[u8]) -> Result<(), InvalidImage> {
        let (marker, after) = next_marker(bytes, self.at)?;
        match marker {
            0xD9 => {
                self.at = after;
                self.phase = Phase::Ended;
                return Ok(());
            }
            // Standalone markers: TEM, and restart markers (harmless outside image data).
            0x01 | 0xD0..=0xD7 => {
                self.at = after;
                return Ok(());
            }
            0xD8 => {
                return Err(header(format!(
                    "a second start-of-image marker at byte {after}"
                )));
            }
            _ => {}
        }
        let (payload, end) = segment(bytes, after, marker)?;
        match marker {
            0xC0..=0xC2 => {
                if self.frame.is_some() {
                    return Err(header("more than one frame header (SOF)"));
                }
                self.frame = Some(parse_frame(marker, payload)?);
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(InvalidImage::Unsupported(frame_kind(marker).to_owned()));
            }
            0xC4 => parse_huffman_tables(payload, &mut self.tables)?,
            0xDB => parse_quant_tables(payload, &mut self.tables)?,
            0xDA => {
                let frame = self
                    .frame
                    .as_ref()
                    .ok_or_else(|| header("image data (SOS) before the frame header (SOF)"))?;
                check_scan(payload, frame, &self.tables)?;
                self.scans += 1;
                self.phase = Phase::ImageData;
            }
            _ => {}
        }
        self.at = end;
        Ok(())
    }
}

fn header(reason: impl Into<String>) -> InvalidImage {
    InvalidImage::BadHeader(reason.into())
}

fn truncated(reason: impl Into<String>) -> InvalidImage {
    InvalidImage::Truncated(reason.into())
}

/// The marker at `at` (after any 0xFF fill bytes) and the offset just past it.
fn next_marker(bytes: &[u8], mut at: usize) -> Result<(u8, usize), InvalidImage> {
    match bytes.get(at) {
        None => return Err(truncated("the file ends before the end-of-image marker")),
        Some(0xFF) => {}
        Some(_) => return Err(header(format!("expected a marker at byte {at}"))),
    }
    while bytes.get(at) == Some(&0xFF) {
        at += 1;
    }
    match bytes.get(at) {
        None => Err(truncated("the file ends before the end-of-image marker")),
        Some(0x00) => Err(header(format!("an empty marker at byte {at}"))),
        Some(&marker) => Ok((marker, at + 1)),
    }
}

/// The payload of the segment whose length field starts at `at`, and the offset past it.
fn segment(bytes: &[u8], at: usize, marker: u8) -> Result<(&[u8], usize), InvalidImage> {
    let length = bytes
        .get(at..at + 2)
        .map(|field| usize::from(u16::from_be_bytes([field[0], field[1]])))
        .ok_or_else(|| {
            truncated(format!(
                "the file ends in the length of segment 0x{marker:02X}"
            ))
        })?;
    if length < 2 {
        return Err(header(format!(
            "segment 0x{marker:02X} at byte {at} has the impossible length {length}"
        )));
    }
    let end = at + length;
    let payload = bytes.get(at + 2..end).ok_or_else(|| {
        truncated(format!(
            "segment 0x{marker:02X} at byte {at} runs past the end of the file"
        ))
    })?;
    Ok((payload, end))
}

fn frame_kind(marker: u8) -> &'static str {
    match marker {
        0xC3 | 0xC7 | 0xCB | 0xCF => "lossless JPEG is not supported",
        0xC5..=0xC7 | 0xCD..=0xCF => "hierarchical (differential) JPEG is not supported",
        _ => "arithmetic-coded JPEG is not supported",
    }
}

/// A baseline (SOF0), extended (SOF1) or progressive (SOF2) frame header.
fn parse_frame(marker: u8, payload: &[u8]) -> Result<Frame, InvalidImage> {
    let [precision, h1, h0, w1, w0, count, specs @ ..] = payload else {
        return Err(header("the frame header (SOF) is too short"));
    };
    if *precision != 8 {
        return Err(InvalidImage::Unsupported(format!(
            "{precision}-bit samples are not supported (only 8-bit)"
        )));
    }
    let (height, width) = (
        u16::from_be_bytes([*h1, *h0]),
        u16::from_be_bytes([*w1, *w0]),
    );
    let fits = |side: u16| (1..=MAX_DIMENSION).contains(&u32::from(side));
    if !fits(width) || !fits(height) {
        return Err(InvalidImage::Dimensions {
            width: u64::from(width),
            height: u64::from(height),
        });
    }
    let count = usize::from(*count);
    if !(1..=MAX_COMPONENTS).contains(&count) || specs.len() != 3 * count {
        return Err(header(format!(
            "the frame header (SOF) declares {count} components in {} bytes",
            payload.len()
        )));
    }
    let mut frame = Frame {
        progressive: marker == 0xC2,
        width,
        height,
        components: [Component::default(); MAX_COMPONENTS],
        count,
    };
    for (index, spec) in specs.chunks_exact(3).enumerate() {
        let (id, sampling, quant_table) = (spec[0], spec[1], spec[2]);
        let (horizontal, vertical) = (sampling >> 4, sampling & 0x0F);
        if !(1..=4).contains(&horizontal) || !(1..=4).contains(&vertical) || quant_table > 3 {
            return Err(header(format!(
                "component {id} has invalid sampling or table"
            )));
        }
        if frame.components()[..index].iter().any(|c| c.id == id) {
            return Err(header(format!("component {id} appears twice")));
        }
        frame.components[index] = Component { id, quant_table };
    }
    Ok(frame)
}

/// One or more Huffman tables: class and destination, 16 code counts, then the values.
fn parse_huffman_tables(mut payload: &[u8], tables: &mut Tables) -> Result<(), InvalidImage> {
    if payload.is_empty() {
        return Err(header("an empty Huffman table segment (DHT)"));
    }
    while let [spec, rest @ ..] = payload {
        let (class, destination) = (spec >> 4, usize::from(spec & 0x0F));
        let counts = rest
            .get(..16)
            .ok_or_else(|| header("a Huffman table (DHT) is cut short"))?;
        let values: usize = counts.iter().map(|count| usize::from(*count)).sum();
        if class > 1 || destination > 3 || values > 256 {
            return Err(header("an invalid Huffman table (DHT)"));
        }
        payload = rest
            .get(16 + values..)
            .ok_or_else(|| header("a Huffman table (DHT) is cut short"))?;
        let defined = if class == 0 {
            &mut tables.dc
        } else {
            &mut tables.ac
        };
        defined[destination] = true;
    }
    Ok(())
}

/// One or more quantization tables of 8-bit (64 bytes) or 16-bit (128 bytes) entries.
fn parse_quant_tables(mut payload: &[u8], tables: &mut Tables) -> Result<(), InvalidImage> {
    if payload.is_empty() {
        return Err(header("an empty quantization table segment (DQT)"));
    }
    while let [spec, rest @ ..] = payload {
        let (precision, destination) = (spec >> 4, usize::from(spec & 0x0F));
        if precision > 1 || destination > 3 {
            return Err(header("an invalid quantization table (DQT)"));
        }
        let size = if precision == 0 { 64 } else { 128 };
        payload = rest
            .get(size..)
            .ok_or_else(|| header("a quantization table (DQT) is cut short"))?;
        tables.quant[destination] = true;
    }
    Ok(())
}

/// A scan header: its components belong to the frame, and every table the scan's data needs is
/// defined (progressive DC refinement scans need no Huffman table, AC scans no DC table).
fn check_scan(payload: &[u8], frame: &Frame, tables: &Tables) -> Result<(), InvalidImage> {
    let [count, rest @ ..] = payload else {
        return Err(header("an empty scan header (SOS)"));
    };
    let count = usize::from(*count);
    if !(1..=MAX_COMPONENTS).contains(&count) || rest.len() != 2 * count + 3 {
        return Err(header(format!(
            "the scan header (SOS) declares {count} components in {} bytes",
            payload.len()
        )));
    }
    let (specs, progression) = rest.split_at(2 * count);
    let (start, refinement) = (progression[0], progression[2] >> 4);
    let needs_dc = !frame.progressive || (start == 0 && refinement == 0);
    let needs_ac = !frame.progressive || start > 0;
    for spec in specs.chunks_exact(2) {
        let (id, dc, ac) = (
            spec[0],
            usize::from(spec[1] >> 4),
            usize::from(spec[1] & 0x0F),
        );
        let component = frame
            .components()
            .iter()
            .find(|component| component.id == id)
            .ok_or_else(|| header(format!("the scan names component {id}, not in the frame")))?;
        if !tables.quant[usize::from(component.quant_table)] {
            return Err(header(format!(
                "component {id} uses quantization table {} before it is defined (DQT)",
                component.quant_table
            )));
        }
        let defined = |set: &[bool; 4], index: usize| set.get(index).copied().unwrap_or(false);
        if (needs_dc && !defined(&tables.dc, dc)) || (needs_ac && !defined(&tables.ac, ac)) {
            return Err(header(format!(
                "the scan uses a Huffman table of component {id} before it is defined (DHT)"
            )));
        }
    }
    Ok(())
}

/// Where the entropy-coded data starting at `at` ends.
enum ImageDataEnd {
    /// At this offset, a marker ends it.
    Marker(usize),
    /// Not within the bytes so far; resume the search at this offset.
    NotYet(usize),
}

/// Skips entropy-coded data from `at`: stuffed bytes (0xFF 0x00), restart markers and fill
/// bytes belong to it; any other marker ends it.
///
/// This runs on every chunk of an upload as it arrives, so its speed is the upload's: blocks of
/// byte pairs are first checked for a marker without a branch per byte (which the compiler turns
/// into vector compares), and only the block holding one is searched a byte at a time. Searching
/// for each 0xFF instead stops at every stuffed byte (one in 150 in photo data) at an
/// unpredictable place, which took 2.6 times as long on a 12-megapixel photo (0.40 ms against
/// 0.16 ms for its 3.4 MB of image data).
fn end_of_image_data(bytes: &[u8], at: usize) -> ImageDataEnd {
    const BLOCK: usize = 64;
    let data = bytes.get(at..).unwrap_or_default();
    let mut start = 0;
    // Each block's last pair takes its second byte from the next block, so a block is checked
    // only when that byte is in.
    while let Some(window) = data.get(start..start + BLOCK + 1) {
        let (firsts, seconds) = (&window[..BLOCK], &window[1..]);
        let mut ends = false;
        for (&first, &second) in firsts.iter().zip(seconds) {
            ends |= ends_image_data(first, second);
        }
        if ends {
            break;
        }
        start += BLOCK;
    }
    for found in memchr::memchr_iter(0xFF, &data[start..]).map(|found| start + found) {
        match data.get(found + 1) {
            // The byte that decides is still to come.
            None => return ImageDataEnd::NotYet(at + found),
            Some(&next) if ends_image_data(0xFF, next) => return ImageDataEnd::Marker(at + found),
            Some(_) => {}
        }
    }
    ImageDataEnd::NotYet(bytes.len().max(at))
}

/// Whether `first` then `second` is a marker that ends image data: 0xFF followed by anything but
/// a stuffed zero, a restart marker (0xD0 to 0xD7) or a fill byte (another 0xFF, followed in turn
/// by the marker). Written without branches, for [`end_of_image_data`]'s blocks.
fn ends_image_data(first: u8, second: u8) -> bool {
    (first == 0xFF) & (second != 0x00) & (second != 0xFF) & (second & 0xF8 != 0xD0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::test_images::test_jpeg;

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
        let jpeg = test_jpeg(300, 200);
        assert_eq!(
            check(&jpeg),
            Ok(ImageInfo {
                width: 300,
                height: 200
            })
        );
        // Trailing bytes after EOI, as phones append, are allowed.
        let mut trailer = jpeg.to_vec();
        trailer.extend_from_slice(b"\xFF\xD8 a second image or a trailer");
        assert!(check(&trailer).is_ok());
    }

    #[test]
    fn every_truncation_is_refused() {
        let jpeg = test_jpeg(64, 48);
        for len in 0..jpeg.len() {
            let refused = check(&jpeg[..len]);
            assert!(refused.is_err(), "a JPEG cut to {len} bytes passed");
        }
        assert!(matches!(
            check(&jpeg[..jpeg.len() - 2]),
            Err(InvalidImage::Truncated(_))
        ));
        assert_eq!(check(b""), Err(InvalidImage::NotJpeg));
        assert_eq!(check(b"GIF89a"), Err(InvalidImage::NotJpeg));
    }

    #[test]
    fn missing_tables_and_frames_are_refused() {
        let jpeg = test_jpeg(32, 32);
        for (marker, what) in [(0xDB, "DQT"), (0xC4, "DHT"), (0xC0, "SOF")] {
            let broken = without_segment(&jpeg, find_segment(&jpeg, marker));
            assert!(
                matches!(check(&broken), Err(InvalidImage::BadHeader(_))),
                "a JPEG without {what} passed"
            );
        }
        // Image data with no scan header: cut right after the tables, then EOI.
        let sos = find_segment(&jpeg, 0xDA);
        let no_scan = [&jpeg[..sos], &b"\xFF\xD9"[..]].concat();
        assert_eq!(
            check(&no_scan),
            Err(InvalidImage::BadHeader("no image data (SOS)".into()))
        );
    }

    #[test]
    fn broken_segment_lengths_are_refused() {
        let jpeg = test_jpeg(32, 32);
        let dqt = find_segment(&jpeg, 0xDB);
        let mut zero = jpeg.to_vec();
        zero[dqt + 2..dqt + 4].copy_from_slice(&[0, 0]);
        assert!(matches!(check(&zero), Err(InvalidImage::BadHeader(_))));
        let mut long = jpeg.to_vec();
        long[dqt + 2..dqt + 4].copy_from_slice(&[0xFF, 0xF0]);
        assert!(check(&long).is_err());
        // A garbage byte where a marker should be.
        let mut stray = jpeg.to_vec();
        stray.insert(dqt, 0x42);
        assert!(matches!(check(&stray), Err(InvalidImage::BadHeader(_))));
    }

    #[test]
    fn frames_the_decoder_cannot_handle_are_refused() {
        let jpeg = test_jpeg(16, 16);
        let sof = find_segment(&jpeg, 0xC0);
        for marker in [0xC3, 0xC5, 0xC9, 0xCA, 0xCF] {
            let mut other = jpeg.to_vec();
            other[sof + 1] = marker;
            assert!(
                matches!(check(&other), Err(InvalidImage::Unsupported(_))),
                "SOF 0x{marker:02X}"
            );
        }
        let mut twelve_bit = jpeg.to_vec();
        twelve_bit[sof + 4] = 12;
        assert!(matches!(
            check(&twelve_bit),
            Err(InvalidImage::Unsupported(_))
        ));
        let mut extended = jpeg.to_vec();
        extended[sof + 1] = 0xC1;
        assert!(check(&extended).is_ok(), "SOF1 is decoded like SOF0");
    }

    #[test]
    fn dimensions_are_checked_in_the_frame_header() {
        let jpeg = test_jpeg(16, 16);
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
        let jpeg = test_jpeg(16, 16);
        let sos = find_segment(&jpeg, 0xDA);
        let mut other = jpeg.to_vec();
        // The first component selector of the scan.
        other[sos + 5] = 0x77;
        assert!(matches!(check(&other), Err(InvalidImage::BadHeader(_))));
    }

    #[test]
    fn checking_piece_by_piece_agrees_with_checking_at_once() {
        let jpeg = test_jpeg(40, 30);
        let mut cut = jpeg.to_vec();
        cut.truncate(jpeg.len() - 10);
        let mut broken = jpeg.to_vec();
        broken[find_segment(&jpeg, 0xC0) + 9] = 9;
        for file in [&jpeg[..], &cut[..], &broken[..], &[0xFF][..], b"GIF89a"] {
            let whole = check(file);
            for piece in [1, 2, 3, 7, 64, 1000] {
                let mut scanner = Scanner::default();
                let mut end = 0;
                while end < file.len() {
                    end = (end + piece).min(file.len());
                    scanner.advance(&file[..end]);
                }
                assert_eq!(scanner.finish(file), whole, "pieces of {piece}");
            }
        }
        assert!(check(&jpeg).is_ok());
        assert!(check(&cut).is_err() && check(&broken).is_err());
    }

    #[test]
    fn no_single_byte_change_makes_the_check_panic() {
        // Every position of a small JPEG set to values that matter to the parser (markers,
        // lengths, counts), plus a cut after each change.
        let jpeg = test_jpeg(24, 16);
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

    /// [`end_of_image_data`] one 0xFF at a time, as the rule reads.
    fn end_of_image_data_bytewise(bytes: &[u8], at: usize) -> ImageDataEnd {
        let data = bytes.get(at..).unwrap_or_default();
        for found in memchr::memchr_iter(0xFF, data) {
            match data.get(found + 1) {
                None => return ImageDataEnd::NotYet(at + found),
                Some(0x00 | 0xD0..=0xD7 | 0xFF) => {}
                Some(_) => return ImageDataEnd::Marker(at + found),
            }
        }
        ImageDataEnd::NotYet(bytes.len().max(at))
    }

    fn outcome(end: ImageDataEnd) -> (bool, usize) {
        match end {
            ImageDataEnd::Marker(at) => (true, at),
            ImageDataEnd::NotYet(at) => (false, at),
        }
    }

    #[test]
    fn the_end_of_image_data_is_found_wherever_it_falls() {
        // Data with stuffed bytes, restart markers and fill bytes, then a marker at every offset
        // around the block size, searched from several starts and with the bytes cut short.
        let mut state = 0x9E37_79B9_u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for marker_at in 0..200 {
            let mut data: Vec<u8> = (0..260).map(|_| (next() % 0xFF) as u8).collect();
            for _ in 0..12 {
                let at = next() as usize % 259;
                let follower = [0x00, 0xD0, 0xD7, 0xFF][next() as usize % 4];
                data[at] = 0xFF;
                data[at + 1] = follower;
            }
            if marker_at % 7 != 0 {
                data[marker_at] = 0xFF;
                data[marker_at + 1] = [0xD9, 0xC4, 0xDA, 0x01, 0xD8][marker_at % 5];
            }
            for start in [0, 1, 63, 64, 65] {
                for len in [data.len(), marker_at + 1, marker_at + 2, 66, 129, 130] {
                    let bytes = &data[..len.min(data.len())];
                    assert_eq!(
                        outcome(end_of_image_data(bytes, start)),
                        outcome(end_of_image_data_bytewise(bytes, start)),
                        "marker at {marker_at}, from {start}, {len} bytes"
                    );
                }
            }
        }
    }

    #[test]
    fn damaged_image_data_passes_the_structural_check() {
        // What only decoding can find: the entropy-coded bytes replaced, markers kept intact.
        let jpeg = test_jpeg(64, 64);
        let data = find_segment(&jpeg, 0xDA) + 14;
        let mut damaged = jpeg.to_vec();
        let end = damaged.len() - 2;
        for byte in &mut damaged[data..end] {
            *byte = 0x5A;
        }
        assert!(check(&damaged).is_ok());
    }
}
