//! Request bodies read with a hard size limit: reading stops at the first chunk that would cross
//! the limit, so no more than the limit is ever buffered whatever the client sends.

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::rejection::Rejection;

/// A binary request body of an accepted media type, not yet read.
#[derive(Debug)]
pub struct BinaryBody {
    media_type: &'static str,
    body: Body,
    limit: u64,
}

impl BinaryBody {
    pub(crate) fn new(media_type: &'static str, body: Body, limit: u64) -> Self {
        BinaryBody {
            media_type,
            body,
            limit,
        }
    }

    /// The media type the request declared, spelled as in the spec (parameters removed).
    pub fn media_type(&self) -> &str {
        self.media_type
    }

    /// The body's length when the request declared it.
    pub fn content_length(&self) -> Option<u64> {
        http_body::Body::size_hint(&self.body).exact()
    }

    /// The whole body: `413` once it passes the limit, `400` when it is empty or breaks off.
    pub async fn bytes(self) -> Result<Bytes, Rejection> {
        self.bytes_observed(|_| {}).await
    }

    /// The whole body, as [`bytes`](Self::bytes), calling `observe` after each chunk with all
    /// bytes received so far (one contiguous slice, growing). Work done there, such as hashing or
    /// parsing the new bytes, overlaps the rest of the transfer instead of following it.
    pub async fn bytes_observed(self, observe: impl FnMut(&[u8])) -> Result<Bytes, Rejection> {
        let bytes = read_limited_observed(self.body, self.limit, observe).await?;
        if bytes.is_empty() {
            return Err(Rejection::bad_request("The request body is empty."));
        }
        Ok(bytes)
    }

    /// The body chunk by chunk, for storing it without holding it in memory. The stream ends
    /// with a `413` item (and nothing after it) once the limit is passed.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, Rejection>> + Send + 'static {
        let limit = self.limit;
        let body = Limited::new(self.body, usize_limit(limit));
        futures_util::stream::unfold(Some(body), move |state| async move {
            let mut body = state?;
            loop {
                match body.frame().await? {
                    Ok(frame) => {
                        if let Ok(data) = frame.into_data() {
                            return Some((Ok(data), Some(body)));
                        }
                    }
                    Err(err) => return Some((Err(read_error(&*err, limit)), None)),
                }
            }
        })
    }
}

/// Reads all of `body`, refusing with `413` at the first chunk that would pass `limit` bytes.
///
/// Each chunk is copied into one buffer as it arrives and then dropped, so the body is held about
/// once. Collecting the chunks and joining them at the end holds it twice, and under many
/// concurrent uploads glibc keeps the freed chunks' memory: 64 concurrent 4 MB uploads peaked
/// some 70 MiB higher that way. The buffer is sized from the declared length, capped at `limit`;
/// a body of one chunk is not copied.
pub(crate) async fn read_limited(body: Body, limit: u64) -> Result<Bytes, Rejection> {
    read_limited_observed(body, limit, |_| {}).await
}

/// [`read_limited`], calling `observe` with the bytes received so far after each chunk.
async fn read_limited_observed(
    body: Body,
    limit: u64,
    mut observe: impl FnMut(&[u8]),
) -> Result<Bytes, Rejection> {
    let cap = usize_limit(limit);
    let declared = http_body::Body::size_hint(&body)
        .exact()
        .map_or(0, |len| usize::try_from(len).unwrap_or(usize::MAX).min(cap));
    let mut body = Limited::new(body, cap);
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| read_error(&*err, limit))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        if let Some(buffer) = joined.as_mut() {
            buffer.extend_from_slice(&data);
            observe(buffer);
        } else if let Some(head) = first.take() {
            let mut buffer = BytesMut::with_capacity(declared.max(head.len() + data.len()));
            buffer.extend_from_slice(&head);
            buffer.extend_from_slice(&data);
            observe(&buffer);
            joined = Some(buffer);
        } else {
            observe(&data);
            first = Some(data);
        }
    }
    Ok(match (joined, first) {
        (Some(buffer), _) => buffer.freeze(),
        (None, Some(only)) => only,
        (None, None) => Bytes::new(),
    })
}

fn read_error(err: &(dyn std::error::Error + 'static), limit: u64) -> Rejection {
    if err.is::<LengthLimitError>() {
        Rejection::too_large(limit)
    } else {
        Rejection::bad_request(format!("The request body could not be read: {err}"))
    }
}

fn usize_limit(limit: u64) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(parts: &[&'static [u8]]) -> Body {
        let parts: Vec<Result<Bytes, std::io::Error>> = parts
            .iter()
            .map(|part| Ok(Bytes::from_static(part)))
            .collect();
        Body::from_stream(futures_util::stream::iter(parts))
    }

    #[tokio::test]
    async fn chunks_are_joined_in_order() {
        let read = read_limited(chunked(&[b"ab", b"", b"cde", b"f"]), 6).await;
        assert_eq!(read.ok().as_deref(), Some(&b"abcdef"[..]));
        let read = read_limited(chunked(&[]), 6).await;
        assert_eq!(read.ok().as_deref(), Some(&b""[..]));
    }

    #[tokio::test]
    async fn a_single_chunk_is_not_copied() {
        static CONTENT: &[u8] = b"one chunk";
        let read = read_limited(Body::from(Bytes::from_static(CONTENT)), 100).await;
        assert_eq!(
            read.ok().map(|bytes| bytes.as_ptr()),
            Some(CONTENT.as_ptr())
        );
    }

    #[tokio::test]
    async fn the_observer_sees_every_prefix_once() {
        let mut seen = Vec::new();
        let read = read_limited_observed(chunked(&[b"ab", b"", b"cde", b"f"]), 6, |so_far| {
            seen.push(so_far.to_vec());
        })
        .await;
        assert_eq!(read.ok().as_deref(), Some(&b"abcdef"[..]));
        assert_eq!(seen, [&b"ab"[..], b"abcde", b"abcdef"]);
    }

    #[tokio::test]
    async fn the_limit_still_applies_to_joined_chunks() {
        let read = read_limited(chunked(&[b"abc", b"def", b"g"]), 6).await;
        assert_eq!(
            read.err().map(|rejection| rejection.status().as_u16()),
            Some(413)
        );
    }
}
