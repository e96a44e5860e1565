//! Lingering reads: a request body that the server leaves unread (because it answered early with
//! 401, 403, 413, 415…) is read to its end in the background, so a client still uploading gets
//! that answer instead of a reset connection.
//!
//! An HTTP/1 server that answers before reading the body and then closes the connection with
//! unread bytes in its socket makes the kernel send a TCP reset; a client still writing the body
//! sees "broken pipe" or "connection reset" and never reads the answer. Web servers avoid this
//! with a "lingering close"; this is the same, bounded in bytes and time so that a client sending
//! forever cannot hold a task. hyper (under `axum::serve`) does not: it reads only what is already
//! buffered, then closes.
//!
//! A body whose reader gave up because the client stopped sending (`408`) is not drained: there
//! is nothing in flight to save, and waiting on a stalled client is what the timeout ended.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;

/// The most of an abandoned body read before the connection is given up.
const MAX_DRAIN_BYTES: u64 = 64 * 1024 * 1024;
/// The longest an abandoned body is read before the connection is given up.
const MAX_DRAIN_TIME: Duration = Duration::from_secs(10);

/// A request body that drains itself in the background if dropped before its end.
pub(crate) struct LingeringBody {
    inner: Option<Body>,
    /// Whether the body ended (or failed), so nothing is left to drain.
    finished: bool,
    abandoned: AbandonBody,
}

impl LingeringBody {
    pub(crate) fn new(inner: Body) -> Self {
        LingeringBody {
            inner: Some(inner),
            finished: false,
            abandoned: AbandonBody::default(),
        }
    }

    /// A handle for whoever ends up reading the body (it travels in the request's extensions).
    pub(crate) fn abandon_handle(&self) -> AbandonBody {
        self.abandoned.clone()
    }
}

/// Marks a [`LingeringBody`] as given up on: once dropped it is not drained, so the server closes
/// the connection after its answer instead of waiting on the client.
#[derive(Clone, Debug, Default)]
pub(crate) struct AbandonBody(Arc<AtomicBool>);

impl AbandonBody {
    /// Gives the body up; call it before dropping the body.
    pub(crate) fn abandon(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub(crate) fn is_abandoned(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl http_body::Body for LingeringBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            this.finished = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.finished
            || self
                .inner
                .as_ref()
                .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), http_body::Body::size_hint)
    }
}

impl Drop for LingeringBody {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        if self.finished || self.abandoned.is_abandoned() || http_body::Body::is_end_stream(&inner)
        {
            return;
        }
        // Outside a runtime (say, a unit test dropping a request) there is no connection to save.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(drain(inner));
        }
    }
}

/// Reads and discards `body` until it ends, fails, passes [`MAX_DRAIN_BYTES`] or
/// [`MAX_DRAIN_TIME`].
async fn drain(mut body: Body) {
    let read = async {
        let mut drained: u64 = 0;
        while let Some(Ok(frame)) = body.frame().await {
            if let Some(data) = frame.data_ref() {
                drained = drained.saturating_add(data.len() as u64);
                if drained > MAX_DRAIN_BYTES {
                    tracing::debug!(drained, "stopped draining an unread request body");
                    return;
                }
            }
        }
    };
    if tokio::time::timeout(MAX_DRAIN_TIME, read).await.is_err() {
        tracing::debug!("stopped draining a slow unread request body");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A body of `chunks` one-byte frames that counts how many were read.
    fn counted(chunks: usize, read: Arc<AtomicUsize>) -> Body {
        let stream = futures_util::stream::iter((0..chunks).map(move |_| {
            read.fetch_add(1, Ordering::SeqCst);
            Ok::<_, std::io::Error>(Bytes::from_static(b"x"))
        }));
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn an_abandoned_body_is_read_to_its_end() {
        let read = Arc::new(AtomicUsize::new(0));
        let mut body = LingeringBody::new(counted(100, read.clone()));
        let first = body.frame().await;
        assert!(matches!(first, Some(Ok(_))));
        drop(body);
        for _ in 0..100 {
            if read.load(Ordering::SeqCst) == 100 {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("drained {} of 100 chunks", read.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn an_abandoned_body_is_not_drained() {
        let read = Arc::new(AtomicUsize::new(0));
        let mut body = LingeringBody::new(counted(100, read.clone()));
        assert!(matches!(body.frame().await, Some(Ok(_))));
        body.abandon_handle().abandon();
        drop(body);
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert_eq!(read.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_finished_body_keeps_its_hints() {
        let mut body = LingeringBody::new(Body::from("abc"));
        assert_eq!(http_body::Body::size_hint(&body).exact(), Some(3));
        let bytes = (&mut body).collect().await.map(|c| c.to_bytes());
        assert_eq!(bytes.ok().as_deref(), Some(&b"abc"[..]));
        assert!(http_body::Body::is_end_stream(&body));
    }
}
