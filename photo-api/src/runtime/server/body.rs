//! Request bodies read with a hard size limit: reading stops at the first chunk that would cross
//! the limit, so no more than the limit is ever buffered whatever the client sends.

use axum::body::Body;
use bytes::Bytes;
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
        let bytes = read_limited(self.body, self.limit).await?;
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
pub(crate) async fn read_limited(body: Body, limit: u64) -> Result<Bytes, Rejection> {
    Limited::new(body, usize_limit(limit))
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|err| read_error(&*err, limit))
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
