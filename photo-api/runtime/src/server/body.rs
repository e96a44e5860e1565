//! Request bodies read with a hard size limit and an idle timeout: reading stops at the first
//! chunk that would cross the limit, so no more than the limit is ever buffered whatever the client
//! sends, and a client that stops sending mid-body is answered `408` instead of holding the
//! request open.

use std::time::Duration;

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use http_body::Frame;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::linger::AbandonBody;
use super::rejection::Rejection;

/// How a request body is read: its size limit, how long it may stall, and the handle that stops
/// the connection from waiting on a body given up for stalling.
#[derive(Clone, Debug)]
pub(crate) struct ReadRules {
    pub(crate) limit: u64,
    pub(crate) idle_timeout: Duration,
    pub(crate) abandon: Option<AbandonBody>,
}

/// A binary request body of an accepted media type, not yet read.
#[derive(Debug)]
pub struct BinaryBody {
    media_type: &'static str,
    body: Body,
    rules: ReadRules,
}

impl BinaryBody {
    pub(crate) fn new(media_type: &'static str, body: Body, rules: ReadRules) -> Self {
        BinaryBody {
            media_type,
            body,
            rules,
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

    /// The whole body: `413` once it passes the limit, `400` when it is empty or breaks off,
    /// `408` when the client stops sending for longer than the idle timeout.
    pub async fn bytes(self) -> Result<Bytes, Rejection> {
        self.bytes_observed(|_| {}).await
    }

    /// The whole body, as [`bytes`](Self::bytes), calling `observe` after each chunk with all
    /// bytes received so far (one contiguous slice, growing). Work done there, such as hashing or
    /// parsing the new bytes, overlaps the rest of the transfer instead of following it.
    pub async fn bytes_observed(self, observe: impl FnMut(&[u8])) -> Result<Bytes, Rejection> {
        let bytes = read_limited_observed(self.body, &self.rules, observe).await?;
        if bytes.is_empty() {
            return Err(Rejection::bad_request("The request body is empty."));
        }
        Ok(bytes)
    }

    /// The body chunk by chunk, for storing it without holding it in memory. The stream ends
    /// with a `413` item (and nothing after it) once the limit is passed, a `408` item when the
    /// client stops sending for longer than the idle timeout, or a `400` item when the body
    /// breaks off.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, Rejection>> + Send + 'static {
        let rules = self.rules;
        let body = Limited::new(self.body, usize_limit(rules.limit));
        futures_util::stream::unfold(Some((body, rules)), |state| async move {
            let (mut body, rules) = state?;
            loop {
                match next_frame(&mut body, &rules).await {
                    Ok(Some(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            return Some((Ok(data), Some((body, rules))));
                        }
                    }
                    Ok(None) => return None,
                    Err(rejection) => return Some((Err(rejection), None)),
                }
            }
        })
    }
}

/// Reads all of `body`, refusing with `413` at the first chunk that would pass the limit and
/// with `408` when no chunk arrives within the idle timeout.
///
/// Each chunk is copied into one buffer as it arrives and then dropped, so the body is held about
/// once. Collecting the chunks and joining them at the end holds it twice, and under many
/// concurrent uploads glibc keeps the freed chunks' memory: 64 concurrent 4 MB uploads peaked
/// some 70 MiB higher that way. The buffer is sized from the declared length, capped at the limit;
/// a body of one chunk is not copied.
pub(crate) async fn read_limited(body: Body, rules: &ReadRules) -> Result<Bytes, Rejection> {
    read_limited_observed(body, rules, |_| {}).await
}

/// [`read_limited`], calling `observe` with the bytes received so far after each chunk.
async fn read_limited_observed(
    body: Body,
    rules: &ReadRules,
    mut observe: impl FnMut(&[u8]),
) -> Result<Bytes, Rejection> {
    let cap = usize_limit(rules.limit);
    let declared = http_body::Body::size_hint(&body)
        .exact()
        .map_or(0, |len| usize::try_from(len).unwrap_or(usize::MAX).min(cap));
    let mut body = Limited::new(body, cap);
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    while let Some(frame) = next_frame(&mut body, rules).await? {
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

/// The next frame of `body`, or `None` at its end. Waiting longer than the idle timeout gives the
/// body up (see [`AbandonBody`]) and refuses the request with `408`.
async fn next_frame(
    body: &mut Limited<Body>,
    rules: &ReadRules,
) -> Result<Option<Frame<Bytes>>, Rejection> {
    match tokio::time::timeout(rules.idle_timeout, body.frame()).await {
        Ok(None) => Ok(None),
        Ok(Some(Ok(frame))) => Ok(Some(frame)),
        Ok(Some(Err(err))) => Err(read_error(&*err, rules.limit)),
        Err(_elapsed) => {
            if let Some(abandon) = &rules.abandon {
                abandon.abandon();
            }
            Err(Rejection::request_timeout(rules.idle_timeout))
        }
    }
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
    use futures_util::StreamExt;

    fn chunked(parts: &[&'static [u8]]) -> Body {
        let parts: Vec<Result<Bytes, std::io::Error>> = parts
            .iter()
            .map(|part| Ok(Bytes::from_static(part)))
            .collect();
        Body::from_stream(futures_util::stream::iter(parts))
    }

    /// `parts`, one every `gap`, then (if `stall`) nothing ever again.
    fn paced(parts: &[&'static [u8]], gap: Duration, stall: bool) -> Body {
        let parts: Vec<&'static [u8]> = parts.to_vec();
        let sent = futures_util::stream::unfold(parts.into_iter(), move |mut parts| async move {
            let part = parts.next()?;
            tokio::time::sleep(gap).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(part)), parts))
        });
        let stalled = futures_util::stream::iter(stall.then_some(()))
            .then(|()| std::future::pending::<Result<Bytes, std::io::Error>>());
        Body::from_stream(sent.chain(stalled))
    }

    fn rules(limit: u64) -> ReadRules {
        ReadRules {
            limit,
            idle_timeout: Duration::from_secs(30),
            abandon: None,
        }
    }

    fn impatient(idle: Duration) -> (ReadRules, AbandonBody) {
        let abandon = AbandonBody::default();
        let rules = ReadRules {
            limit: 100,
            idle_timeout: idle,
            abandon: Some(abandon.clone()),
        };
        (rules, abandon)
    }

    #[tokio::test]
    async fn chunks_are_joined_in_order() {
        let read = read_limited(chunked(&[b"ab", b"", b"cde", b"f"]), &rules(6)).await;
        assert_eq!(read.ok().as_deref(), Some(&b"abcdef"[..]));
        let read = read_limited(chunked(&[]), &rules(6)).await;
        assert_eq!(read.ok().as_deref(), Some(&b""[..]));
    }

    #[tokio::test]
    async fn a_single_chunk_is_not_copied() {
        static CONTENT: &[u8] = b"one chunk";
        let read = read_limited(Body::from(Bytes::from_static(CONTENT)), &rules(100)).await;
        assert_eq!(
            read.ok().map(|bytes| bytes.as_ptr()),
            Some(CONTENT.as_ptr())
        );
    }

    #[tokio::test]
    async fn the_observer_sees_every_prefix_once() {
        let mut seen = Vec::new();
        let read =
            read_limited_observed(chunked(&[b"ab", b"", b"cde", b"f"]), &rules(6), |so_far| {
                seen.push(so_far.to_vec());
            })
            .await;
        assert_eq!(read.ok().as_deref(), Some(&b"abcdef"[..]));
        assert_eq!(seen, [&b"ab"[..], b"abcde", b"abcdef"]);
    }

    #[tokio::test]
    async fn the_limit_still_applies_to_joined_chunks() {
        let read = read_limited(chunked(&[b"abc", b"def", b"g"]), &rules(6)).await;
        assert_eq!(
            read.err().map(|rejection| rejection.status().as_u16()),
            Some(413)
        );
    }

    #[tokio::test]
    async fn a_stalled_body_is_408_and_given_up() {
        let (rules, abandon) = impatient(Duration::from_millis(100));
        let body = paced(&[b"ab", b"cd"], Duration::from_millis(5), true);
        let read = read_limited(body, &rules).await;
        let rejection = read.expect_err("stalled");
        assert_eq!(rejection.status().as_u16(), 408);
        assert_eq!(rejection.code(), "RequestTimeout");
        assert!(abandon.is_abandoned());
    }

    #[tokio::test]
    async fn a_slow_but_steady_body_is_read() {
        let (rules, abandon) = impatient(Duration::from_millis(300));
        let body = paced(
            &[b"ab", b"cd", b"ef", b"gh"],
            Duration::from_millis(100),
            false,
        );
        let read = read_limited(body, &rules).await;
        assert_eq!(read.ok().as_deref(), Some(&b"abcdefgh"[..]));
        assert!(!abandon.is_abandoned());
    }

    #[tokio::test]
    async fn a_stalled_stream_ends_with_408() {
        let (rules, abandon) = impatient(Duration::from_millis(100));
        let body = BinaryBody::new(
            "image/jpeg",
            paced(&[b"ab"], Duration::from_millis(5), true),
            rules,
        );
        let items: Vec<_> = body.into_stream().collect().await;
        let statuses: Vec<_> = items
            .iter()
            .map(|item| item.as_ref().map_or_else(|r| r.status().as_u16(), |_| 200))
            .collect();
        assert_eq!(statuses, [200, 408]);
        assert!(abandon.is_abandoned());
    }
}
