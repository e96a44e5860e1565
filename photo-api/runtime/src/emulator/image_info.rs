//! What the image modules and the store share: an image's dimensions, their limit, and why an
//! upload is not an acceptable photo.

/// The largest width or height accepted. Graph states none; this bounds decoding memory.
pub const MAX_DIMENSION: u32 = 16_384;

/// An image's pixel dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImageInfo {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Why an upload is not an acceptable photo; answered with `400 ErrorInvalidImage` (or, for a
/// stored photo found undecodable only when a size of it is made, `422 ErrorInvalidImage`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidImage {
    /// The body is not a JPEG (no JPEG header, or another format).
    #[error("The image is not a JPEG.")]
    NotJpeg,
    /// The JPEG's header segments are broken or incomplete.
    #[error("The JPEG header could not be read: {0}")]
    BadHeader(String),
    /// The JPEG ends early: a segment or the image data is cut off, or there is no end marker.
    #[error("The JPEG is truncated: {0}")]
    Truncated(String),
    /// A kind of JPEG the emulator cannot decode (arithmetic coding, lossless, 12-bit samples).
    #[error("The JPEG cannot be used: {0}")]
    Unsupported(String),
    /// A dimension is zero or above [`MAX_DIMENSION`].
    #[error("The image is {width}x{height} pixels; each side must be 1 to {MAX_DIMENSION} pixels.")]
    Dimensions {
        /// The declared width.
        width: u64,
        /// The declared height.
        height: u64,
    },
    /// The header is fine but the image data does not decode.
    #[error("The JPEG image could not be decoded: {0}")]
    Undecodable(String),
}
