//! Binary request bodies (photos) that know their media type and are checked before sending.
//!
//! Graph answers a wrong or oversized photo only after the whole body crossed the network, with
//! a terse error. An [`Upload`] checks emptiness, size and the format's magic number first, and
//! checks them again while streaming, since a file or stream can change after it was opened.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;

/// Why a photo cannot be uploaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    /// The body has no bytes.
    #[error("the photo is empty")]
    Empty,
    /// The first bytes are not those of the declared format.
    #[error("the data is not {media_type}: its first bytes do not match the format")]
    WrongMagic {
        /// The declared media type.
        media_type: &'static str,
    },
    /// The body is larger than allowed (`size` may be a lower bound for streams).
    #[error("the photo is {size} bytes; at most {limit} are accepted")]
    TooLarge {
        /// The size in bytes (for a stream, the bytes read when the limit was passed).
        size: u64,
        /// The largest size allowed.
        limit: u64,
    },
    /// A stream or file delivered a different number of bytes than declared.
    #[error("the photo was {actual} bytes, not the {declared} declared")]
    LengthMismatch {
        /// The length given when the upload was made.
        declared: u64,
        /// The bytes actually delivered (so far, when too many).
        actual: u64,
    },
    /// A streamed upload was already sent once and cannot be read again.
    #[error("a streamed upload can be sent only once")]
    AlreadySent,
    /// Reading the file or stream failed.
    #[error("could not read the photo: {0}")]
    Io(#[from] io::Error),
}

/// A boxed byte stream, as accepted by [`Upload::from_stream`].
type ByteStream = BoxStream<'static, Result<Bytes, io::Error>>;

/// Where a streamed body leaves the [`PhotoError`] that stopped it, so the caller gets it back
/// typed instead of buried in the HTTP client's error.
pub(crate) type ErrorSlot = Arc<Mutex<Option<PhotoError>>>;

/// A photo to upload: its bytes (in memory, in a file or as a stream) and its media type.
pub struct Upload {
    media_type: &'static str,
    len: Option<u64>,
    max_bytes: u64,
    source: Source,
}

enum Source {
    Bytes(Bytes),
    /// Reopened for each attempt, so retries and redirects can resend it.
    File(PathBuf),
    /// Sent at most once; the mutex only makes `Upload` shareable between threads.
    Stream(Mutex<Option<ByteStream>>),
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Bytes(_) => "bytes".to_owned(),
            Source::File(path) => format!("file {}", path.display()),
            Source::Stream(_) => "stream".to_owned(),
        };
        f.debug_struct("Upload")
            .field("media_type", &self.media_type)
            .field("len", &self.len)
            .field("source", &source)
            .finish()
    }
}

impl Upload {
    /// A photo held in memory; checked now, and replayable.
    pub fn from_bytes(
        bytes: impl Into<Bytes>,
        media_type: &'static str,
        max_bytes: u64,
    ) -> Result<Upload, PhotoError> {
        let bytes = bytes.into();
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        check_len(len, max_bytes)?;
        check_magic(media_type, &bytes)?;
        Ok(Upload {
            media_type,
            len: Some(len),
            max_bytes,
            source: Source::Bytes(bytes),
        })
    }

    /// A photo in a file: size and magic number are checked now, the content is streamed when
    /// sent, and the file is reopened for each retry, so large photos never sit in memory.
    pub async fn from_file(
        path: impl AsRef<Path>,
        media_type: &'static str,
        max_bytes: u64,
    ) -> Result<Upload, PhotoError> {
        let path = path.as_ref().to_path_buf();
        let mut file = tokio::fs::File::open(&path).await?;
        let metadata = file.metadata().await?;
        if !metadata.is_file() {
            return Err(PhotoError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a regular file", path.display()),
            )));
        }
        let len = metadata.len();
        check_len(len, max_bytes)?;
        let mut prefix = vec![0; magic_len(media_type)];
        let mut filled = 0;
        while filled < prefix.len() {
            match file.read(&mut prefix[filled..]).await? {
                0 => break,
                read => filled += read,
            }
        }
        check_magic(media_type, &prefix[..filled])?;
        Ok(Upload {
            media_type,
            len: Some(len),
            max_bytes,
            source: Source::File(path),
        })
    }

    /// A photo from a stream, of `len` bytes when known. Nothing can be read yet, so a declared
    /// `len` is checked when the upload is sent (before any traffic) and everything else while it
    /// flows (size, magic number, declared length). It can be sent only once, so it is never
    /// retried.
    pub fn from_stream(
        stream: impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static,
        len: Option<u64>,
        media_type: &'static str,
        max_bytes: u64,
    ) -> Upload {
        Upload {
            media_type,
            len,
            max_bytes,
            source: Source::Stream(Mutex::new(Some(stream.boxed()))),
        }
    }

    /// The media type sent as `Content-Type`.
    pub fn media_type(&self) -> &'static str {
        self.media_type
    }

    /// The size in bytes, when known before sending.
    pub fn len(&self) -> Option<u64> {
        self.len
    }

    /// Whether the body is known to be empty (never true for a checked upload).
    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }

    /// Whether the body can be sent again, which retries and redirects need.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.source, Source::Stream(_))
    }

    /// The checks that need no reading: a declared length that is zero or over the limit.
    /// Constructors that could read already ran them; for streams they run before sending.
    pub(crate) fn precheck(&self) -> Result<(), PhotoError> {
        match self.len {
            Some(len) => check_len(len, self.max_bytes),
            None => Ok(()),
        }
    }

    /// A fresh HTTP body for one attempt, checked while it streams against `limit` (the lower of
    /// the upload's and the client's); a failure is left in `slot`.
    pub(crate) async fn body(
        &self,
        limit: u64,
        slot: &ErrorSlot,
    ) -> Result<reqwest::Body, PhotoError> {
        let limit = limit.min(self.max_bytes);
        let stream: ByteStream = match &self.source {
            Source::Bytes(bytes) => return Ok(reqwest::Body::from(bytes.clone())),
            Source::File(path) => ReaderStream::new(tokio::fs::File::open(path).await?).boxed(),
            Source::Stream(cell) => cell
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
                .ok_or(PhotoError::AlreadySent)?,
        };
        let guard = Guard {
            media_type: self.media_type,
            declared: self.len,
            limit,
            seen: 0,
            prefix: Vec::with_capacity(magic_len(self.media_type)),
            slot: Arc::clone(slot),
        };
        Ok(reqwest::Body::wrap_stream(guarded(stream, guard)))
    }
}

fn check_len(len: u64, limit: u64) -> Result<(), PhotoError> {
    if len == 0 {
        return Err(PhotoError::Empty);
    }
    if len > limit {
        return Err(PhotoError::TooLarge { size: len, limit });
    }
    Ok(())
}

/// The magic numbers of the image formats Graph accepts; other media types are not checked.
fn magics(media_type: &str) -> &'static [&'static [u8]] {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("image/jpeg") {
        &[b"\xFF\xD8\xFF"]
    } else if essence.eq_ignore_ascii_case("image/png") {
        &[b"\x89PNG\r\n\x1A\n"]
    } else if essence.eq_ignore_ascii_case("image/gif") {
        &[b"GIF87a", b"GIF89a"]
    } else {
        &[]
    }
}

fn magic_len(media_type: &str) -> usize {
    magics(media_type)
        .iter()
        .map(|magic| magic.len())
        .max()
        .unwrap_or(0)
}

/// Checks the first bytes of a body; `data` may be shorter than the magic only if it is all
/// there is, which then fails.
fn check_magic(media_type: &'static str, data: &[u8]) -> Result<(), PhotoError> {
    if data.is_empty() {
        return Err(PhotoError::Empty);
    }
    let candidates = magics(media_type);
    if candidates.is_empty() || candidates.iter().any(|magic| data.starts_with(magic)) {
        Ok(())
    } else {
        Err(PhotoError::WrongMagic { media_type })
    }
}

/// The checks applied to a body as it streams.
struct Guard {
    media_type: &'static str,
    declared: Option<u64>,
    limit: u64,
    seen: u64,
    prefix: Vec<u8>,
    slot: ErrorSlot,
}

impl Guard {
    /// Accounts for one chunk.
    fn chunk(&mut self, chunk: &[u8]) -> Result<(), PhotoError> {
        let wanted = self.prefix.capacity().saturating_sub(self.prefix.len());
        if wanted > 0 {
            self.prefix
                .extend_from_slice(&chunk[..wanted.min(chunk.len())]);
            if self.prefix.len() == self.prefix.capacity() {
                check_magic(self.media_type, &self.prefix)?;
            }
        }
        self.seen = self
            .seen
            .saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        if self.seen > self.limit {
            return Err(PhotoError::TooLarge {
                size: self.seen,
                limit: self.limit,
            });
        }
        match self.declared {
            Some(declared) if self.seen > declared => Err(PhotoError::LengthMismatch {
                declared,
                actual: self.seen,
            }),
            _ => Ok(()),
        }
    }

    /// Checks what only the end of the stream can tell.
    fn finish(&self) -> Result<(), PhotoError> {
        if self.seen == 0 {
            return Err(PhotoError::Empty);
        }
        if self.prefix.len() < self.prefix.capacity() {
            check_magic(self.media_type, &self.prefix)?;
        }
        match self.declared {
            Some(declared) if self.seen != declared => Err(PhotoError::LengthMismatch {
                declared,
                actual: self.seen,
            }),
            _ => Ok(()),
        }
    }

    /// Leaves `error` for the caller and turns it into the stream's I/O error.
    fn fail(&self, error: PhotoError) -> io::Error {
        let message = error.to_string();
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
        io::Error::new(io::ErrorKind::InvalidData, message)
    }
}

/// `inner` with `guard` applied: ends with an error at the first broken check.
fn guarded(inner: ByteStream, guard: Guard) -> impl Stream<Item = Result<Bytes, io::Error>> + Send {
    stream::unfold(Some((inner, guard)), |state| async move {
        let (mut inner, mut guard) = state?;
        match inner.next().await {
            Some(Ok(chunk)) => match guard.chunk(&chunk) {
                Ok(()) => Some((Ok(chunk), Some((inner, guard)))),
                Err(error) => Some((Err(guard.fail(error)), None)),
            },
            Some(Err(error)) => Some((Err(guard.fail(PhotoError::Io(error))), None)),
            None => match guard.finish() {
                Ok(()) => None,
                Err(error) => Some((Err(guard.fail(error)), None)),
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01"; // 12 bytes
    const PNG: &[u8] = b"\x89PNG\r\n\x1A\n\x00\x00";

    fn chunks(parts: &[&'static [u8]]) -> ByteStream {
        stream::iter(
            parts
                .iter()
                .map(|part| Ok(Bytes::from_static(part)))
                .collect::<Vec<_>>(),
        )
        .boxed()
    }

    /// Runs `parts` through a guard and returns what came out, plus the error left in the slot.
    async fn run(
        parts: &[&'static [u8]],
        media_type: &'static str,
        declared: Option<u64>,
        limit: u64,
    ) -> (Result<Vec<Bytes>, io::Error>, Option<PhotoError>) {
        let slot = ErrorSlot::default();
        let guard = Guard {
            media_type,
            declared,
            limit,
            seen: 0,
            prefix: Vec::with_capacity(magic_len(media_type)),
            slot: Arc::clone(&slot),
        };
        let out = guarded(chunks(parts), guard).try_collect().await;
        let left = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        (out, left)
    }

    #[test]
    fn bytes_are_checked_up_front() {
        assert!(Upload::from_bytes(JPEG, "image/jpeg", 100).is_ok());
        assert!(Upload::from_bytes(PNG, "image/png", 100).is_ok());
        assert!(Upload::from_bytes(&b"GIF89a..."[..], "image/gif", 100).is_ok());
        assert!(matches!(
            Upload::from_bytes(Bytes::new(), "image/jpeg", 100),
            Err(PhotoError::Empty)
        ));
        assert!(matches!(
            Upload::from_bytes(PNG, "image/jpeg", 100),
            Err(PhotoError::WrongMagic {
                media_type: "image/jpeg"
            })
        ));
        assert!(matches!(
            Upload::from_bytes(JPEG, "image/jpeg", 4),
            Err(PhotoError::TooLarge { size: 12, limit: 4 })
        ));
        assert!(matches!(
            Upload::from_bytes(&b"\xFF\xD8"[..], "image/jpeg", 100),
            Err(PhotoError::WrongMagic { .. })
        ));
        // Media types without a known magic number are only checked for size.
        assert!(Upload::from_bytes(&b"anything"[..], "application/octet-stream", 100).is_ok());
        let upload = Upload::from_bytes(JPEG, "image/jpeg", 100).ok();
        assert_eq!(
            upload.as_ref().map(|u| (u.len(), u.is_replayable())),
            Some((Some(12), true))
        );
    }

    #[tokio::test]
    async fn files_are_checked_then_streamed_again_for_each_attempt() {
        let path =
            std::env::temp_dir().join(format!("photo-api-upload-{}.jpg", uuid::Uuid::new_v4()));
        assert!(tokio::fs::write(&path, JPEG).await.is_ok());
        let upload = Upload::from_file(&path, "image/jpeg", 100).await;
        let wrong = Upload::from_file(&path, "image/png", 100).await;
        let small = Upload::from_file(&path, "image/jpeg", 5).await;
        let missing = Upload::from_file(path.with_extension("missing"), "image/jpeg", 100).await;
        let upload = upload.ok();
        assert_eq!(
            upload.as_ref().map(|u| (u.len(), u.is_replayable())),
            Some((Some(12), true))
        );
        assert!(matches!(wrong, Err(PhotoError::WrongMagic { .. })));
        assert!(matches!(
            small,
            Err(PhotoError::TooLarge { size: 12, limit: 5 })
        ));
        assert!(matches!(missing, Err(PhotoError::Io(_))));
        let slot = ErrorSlot::default();
        if let Some(upload) = &upload {
            for _ in 0..2 {
                assert!(
                    upload.body(100, &slot).await.is_ok(),
                    "reopened for each attempt"
                );
            }
        }
        let _ = tokio::fs::remove_file(&path).await;
    }

    #[test]
    fn declared_stream_lengths_are_prechecked() {
        let upload = Upload::from_stream(chunks(&[JPEG]), None, "image/jpeg", 100);
        assert!(!upload.is_replayable() && upload.len().is_none());
        assert!(upload.precheck().is_ok());
        let upload = Upload::from_stream(chunks(&[JPEG]), Some(101), "image/jpeg", 100);
        assert!(matches!(
            upload.precheck(),
            Err(PhotoError::TooLarge {
                size: 101,
                limit: 100
            })
        ));
        let upload = Upload::from_stream(chunks(&[]), Some(0), "image/jpeg", 100);
        assert!(matches!(upload.precheck(), Err(PhotoError::Empty)));
    }

    #[tokio::test]
    async fn a_second_send_of_a_stream_is_refused() {
        let slot = ErrorSlot::default();
        let upload = Upload::from_stream(chunks(&[JPEG]), None, "image/jpeg", 100);
        assert!(upload.body(100, &slot).await.is_ok());
        assert!(matches!(
            upload.body(100, &slot).await,
            Err(PhotoError::AlreadySent)
        ));
    }

    #[tokio::test]
    async fn a_good_stream_flows_unchanged_even_in_tiny_chunks() {
        let (out, left) = run(
            &[b"\xFF", b"\xD8", b"\xFF\xE0", b"rest"],
            "image/jpeg",
            Some(8),
            100,
        )
        .await;
        assert_eq!(
            out.ok().map(|parts| parts.concat()),
            Some(b"\xFF\xD8\xFF\xE0rest".to_vec())
        );
        assert!(left.is_none());
    }

    #[tokio::test]
    async fn streaming_checks_stop_bad_bodies() {
        let (out, left) = run(&[b"\x89PNG", b"\r\n\x1A\n"], "image/jpeg", None, 100).await;
        assert!(out.is_err());
        assert!(matches!(left, Some(PhotoError::WrongMagic { .. })));

        let (out, left) = run(&[JPEG, JPEG], "image/jpeg", None, 20).await;
        assert!(out.is_err());
        assert!(matches!(
            left,
            Some(PhotoError::TooLarge {
                size: 24,
                limit: 20
            })
        ));

        let (_, left) = run(&[JPEG], "image/jpeg", Some(20), 100).await;
        assert!(matches!(
            left,
            Some(PhotoError::LengthMismatch {
                declared: 20,
                actual: 12
            })
        ));

        let (_, left) = run(&[JPEG, JPEG], "image/jpeg", Some(12), 100).await;
        assert!(matches!(
            left,
            Some(PhotoError::LengthMismatch {
                declared: 12,
                actual: 24
            })
        ));

        let (_, left) = run(&[], "image/jpeg", None, 100).await;
        assert!(matches!(left, Some(PhotoError::Empty)));

        let (_, left) = run(&[b"\xFF\xD8"], "image/jpeg", None, 100).await;
        assert!(matches!(left, Some(PhotoError::WrongMagic { .. })));
    }

    #[tokio::test]
    async fn stream_read_errors_are_kept() {
        let slot = ErrorSlot::default();
        let failing: ByteStream = stream::iter(vec![
            Ok(Bytes::from_static(JPEG)),
            Err(io::Error::other("disk gone")),
        ])
        .boxed();
        let guard = Guard {
            media_type: "image/jpeg",
            declared: None,
            limit: 100,
            seen: 0,
            prefix: Vec::with_capacity(3),
            slot: Arc::clone(&slot),
        };
        let out: Result<Vec<Bytes>, io::Error> = guarded(failing, guard).try_collect().await;
        assert!(out.is_err());
        let left = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        assert!(matches!(left, Some(PhotoError::Io(error)) if error.to_string() == "disk gone"));
    }
}
