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

use super::imaging::{ImageInfo, InvalidImage, MAX_DIMENSION};

/// The most components a frame may have (greyscale 1, YCbCr 3, CMYK/YCCK 4).
const MAX_COMPONENTS: usize = 4;

/// One component of the frame header: its id and quantization table.
#[derive(Clone, Copy, Default)]
struct Component {
    id: u8,
    quant_table: u8,
}

/// The frame header (SOF).
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
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(InvalidImage::NotJpeg);
    }
    let mut frame: Option<Frame> = None;
    let mut tables = Tables::default();
    let mut scans = 0usize;
    let mut at = 2;
    loop {
        let (marker, after) = next_marker(bytes, at)?;
        at = after;
        match marker {
            0xD9 => break,
            // Standalone markers: TEM, and restart markers (harmless outside image data).
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 => {
                return Err(header(format!(
                    "a second start-of-image marker at byte {at}"
                )));
            }
            _ => {}
        }
        let (payload, end) = segment(bytes, at, marker)?;
        match marker {
            0xC0..=0xC2 => {
                if frame.is_some() {
                    return Err(header("more than one frame header (SOF)"));
                }
                frame = Some(parse_frame(marker, payload)?);
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(InvalidImage::Unsupported(frame_kind(marker).to_owned()));
            }
            0xC4 => parse_huffman_tables(payload, &mut tables)?,
            0xDB => parse_quant_tables(payload, &mut tables)?,
            0xDA => {
                let frame = frame
                    .as_ref()
                    .ok_or_else(|| header("image data (SOS) before the frame header (SOF)"))?;
                check_scan(payload, frame, &tables)?;
                scans += 1;
                at = end_of_entropy_data(bytes, end)?;
                continue;
            }
            _ => {}
        }
        at = end;
    }
    let frame = frame.ok_or_else(|| header("no frame header (SOF)"))?;
    if scans == 0 {
        return Err(header("no image data (SOS)"));
    }
    Ok(ImageInfo {
        width: u32::from(frame.width),
        height: u32::from(frame.height),
    })
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

/// Skips the entropy-coded data starting at `at`: stuffed bytes (0xFF 0x00), restart markers and
/// fill bytes belong to it; any other marker ends it. Returns the offset of that marker.
fn end_of_entropy_data(bytes: &[u8], mut at: usize) -> Result<usize, InvalidImage> {
    loop {
        let found = bytes
            .get(at..)
            .and_then(|rest| memchr::memchr(0xFF, rest))
            .ok_or_else(|| truncated("the image data ends without an end-of-image marker"))?;
        let marker_at = at + found;
        match bytes.get(marker_at + 1) {
            None => {
                return Err(truncated(
                    "the image data ends without an end-of-image marker",
                ));
            }
            Some(0x00 | 0xD0..=0xD7) => at = marker_at + 2,
            // A fill byte: the marker follows.
            Some(0xFF) => at = marker_at + 1,
            Some(_) => return Ok(marker_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::imaging::test_jpeg;

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
