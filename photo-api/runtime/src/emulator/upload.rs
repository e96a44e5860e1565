//! An upload examined while it arrives: the JPEG structure check and the hash behind the ETag.

use super::image_info::{ImageInfo, InvalidImage};
use super::jpeg;
use super::store::{ContentHash, ContentHasher};

/// An upload checked ([`check`](super::imaging::check)) and hashed for its ETag while it arrives: call
/// [`observe`](Self::observe) with the bytes received so far after each chunk (see
/// [`BinaryBody::bytes_observed`](crate::server::BinaryBody::bytes_observed)), then
/// [`finish`](Self::finish) with the whole body. Both are done by the time the last byte is in.
#[derive(Default)]
pub(crate) struct UploadScan {
    structure: jpeg::Scanner,
    hasher: ContentHasher,
    hashed: usize,
}

impl UploadScan {
    /// A scan that has seen nothing yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Takes in the bytes received so far: a prefix of the upload, longer than the last one.
    pub(crate) fn observe(&mut self, so_far: &[u8]) {
        if let Some(new) = so_far.get(self.hashed..) {
            self.hasher.update(new);
            self.hashed = so_far.len();
        }
        self.structure.advance(so_far);
    }

    /// The verdict on the whole upload `bytes` and the hash of its content.
    pub(crate) fn finish(mut self, bytes: &[u8]) -> (Result<ImageInfo, InvalidImage>, ContentHash) {
        self.observe(bytes);
        (self.structure.finish(bytes), self.hasher.finish())
    }
}

impl std::fmt::Debug for UploadScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadScan")
            .field("received", &self.hashed)
            .finish_non_exhaustive()
    }
}
