//! An upload hashed while it arrives, for its ETag.

use super::store::{ContentHash, ContentHasher};

/// An upload hashed for its ETag while it arrives: call [`observe`](Self::observe) with the bytes
/// received so far after each chunk (see
/// [`BinaryBody::bytes_observed`](crate::server::BinaryBody::bytes_observed)), then
/// [`finish`](Self::finish) with the whole body. The hash is done by the time the last byte is in.
#[derive(Default)]
pub(crate) struct UploadHash {
    hasher: ContentHasher,
    hashed: usize,
}

impl UploadHash {
    /// A hash that has seen nothing yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Takes in the bytes received so far: a prefix of the upload, longer than the last one.
    pub(crate) fn observe(&mut self, so_far: &[u8]) {
        if let Some(new) = so_far.get(self.hashed..) {
            self.hasher.update(new);
            self.hashed = so_far.len();
        }
    }

    /// The hash of the whole upload `bytes`.
    pub(crate) fn finish(mut self, bytes: &[u8]) -> ContentHash {
        self.observe(bytes);
        self.hasher.finish()
    }
}

impl std::fmt::Debug for UploadHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadHash")
            .field("received", &self.hashed)
            .finish_non_exhaustive()
    }
}
