//! Graph's error JSON for the requests hyper refuses before routing: an emulator option, off
//! unless set ([`EmulatorBuilder::graph_errors_for_malformed_http`](super::EmulatorBuilder::graph_errors_for_malformed_http),
//! `photo-emulator serve --graph-errors-for-malformed-http`); the library's
//! [`serve`](crate::server::serve) never uses it.
//!
//! Why it exists: hyper's HTTP/1 parser answers a request it cannot parse (a malformed request
//! line, an invalid byte in the target, a negative or conflicting `Content-Length`, a target or
//! headers past its limits) on its own, `400`, `414` or `431` with an empty body, and the router
//! never sees it. The spec promises Graph's error JSON for every 4xx; a client tested against the
//! emulator can ask for that promise to hold for these few answers too. So the emulator's
//! connections recognise hyper's answer on its way to the socket and send Graph's error JSON
//! with the same status in its place.
//!
//! Recognising it needs no parsing of the traffic. hyper serves one request at a time on a
//! connection and writes an answer of its own only while no request is in flight: after it parsed
//! a head, it calls the router; after the router's response body is done and hyper flushed the
//! socket, the response is on the wire. Bytes written outside that window are hyper's own answer.
//! Those few bytes (a status line and three headers) are held until hyper flushes, then replaced.
//! The router's responses pass straight through, without a copy. Should hyper's answer ever share
//! a flush with the end of the response before it (a malformed request pipelined behind another
//! while the socket is congested), it passes unchanged rather than risk touching that response.
//! This depends on when hyper writes, which is why it is an option of the emulator only.
//!
//! Everything else (accepting, HTTP/1 connections, graceful shutdown) is `axum::serve`'s: the
//! connections come from a [`Listener`] whose sockets do the replacing.

use std::convert::Infallible;
use std::future::{Future, IntoFuture, Ready};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::future::RouteFuture;
use axum::serve::{IncomingStream, Listener};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::Service;

use crate::server::{REQUEST_ID, Rejection, RequestIds};

/// The most bytes written outside a request that can still be hyper's own answer (a status line,
/// `connection`, `content-length` and `date`: under 150 bytes); more means something else was
/// written, which is passed on as is.
const MAX_HELD: usize = 1024;
/// After a refusal the client may still be sending the request hyper gave up on; closing with
/// its bytes unread would reset the connection and could destroy the answer before the client
/// reads it. So the rest is read and dropped, up to this many bytes…
const MAX_LINGER_BYTES: usize = 1024 * 1024;
/// …and for up to this long, before the socket is closed.
const MAX_LINGER_TIME: Duration = Duration::from_secs(2);

/// Serves `router` as [`runtime::server::serve`](crate::server::serve) does, except that
/// a request hyper refuses before routing gets Graph's error JSON (`400 BadRequest`, `414
/// URITooLong` or `431 RequestHeaderFieldsTooLarge`) with `Content-Type: application/json`, a
/// `Content-Length` and a `request-id`, then the connection closes.
pub(crate) fn serve<F>(
    listener: TcpListener,
    router: Router,
    shutdown: F,
) -> impl Future<Output = io::Result<()>> + Send + 'static
where
    F: Future<Output = ()> + Send + 'static,
{
    axum::serve(GraphListener(listener), PerConnection { router })
        .with_graceful_shutdown(shutdown)
        .into_future()
}

/// A TCP listener whose connections replace hyper's own answers (see [`GraphIo`]).
struct GraphListener(TcpListener);

impl Listener for GraphListener {
    type Io = GraphIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (GraphIo, SocketAddr) {
        let (stream, peer) = Listener::accept(&mut self.0).await;
        (GraphIo::new(stream, Arc::default()), peer)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// Makes each connection's service: the router, reporting to that connection's [`Exchange`].
struct PerConnection {
    router: Router,
}

impl Service<IncomingStream<'_, GraphListener>> for PerConnection {
    type Response = TrackedRouter;
    type Error = Infallible;
    type Future = Ready<Result<TrackedRouter, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'_, GraphListener>) -> Self::Future {
        std::future::ready(Ok(TrackedRouter {
            router: self.router.clone(),
            exchange: stream.io().exchange.clone(),
        }))
    }
}

/// Where a connection is between requests, shared by its service, its response bodies and its
/// I/O: a request sequence number and a phase, in one word.
#[derive(Debug, Default)]
struct Exchange(AtomicU64);

/// No request in flight: whatever hyper writes now is its own answer.
const IDLE: u64 = 0;
/// The router was called; its response is being produced or written.
const RESPONDING: u64 = 1;
/// The response body is done; its last bytes are in hyper's buffer until the next flush.
const ENDING: u64 = 2;
const PHASE: u64 = 0b11;

impl Exchange {
    /// hyper parsed a request and calls the router: returns the request's sequence number.
    fn start(&self) -> u64 {
        let seq = (self.0.load(Ordering::Relaxed) >> 2) + 1;
        self.0.store(seq << 2 | RESPONDING, Ordering::Relaxed);
        seq
    }

    /// hyper dropped the body of response `seq`: it has taken all of its bytes.
    fn body_done(&self, seq: u64) {
        // Only the response in flight may move the phase on.
        let _ = self.0.compare_exchange(
            seq << 2 | RESPONDING,
            seq << 2 | ENDING,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// hyper flushes only with its buffer empty, so an ending response is now all written.
    fn flushed(&self) {
        let state = self.0.load(Ordering::Relaxed);
        if state & PHASE == ENDING {
            self.0.store(state & !PHASE | IDLE, Ordering::Relaxed);
        }
    }

    fn is_idle(&self) -> bool {
        self.0.load(Ordering::Relaxed) & PHASE == IDLE
    }
}

/// The router as a connection's service: tells the [`Exchange`] when a request starts and when
/// its response body is done.
#[derive(Clone)]
struct TrackedRouter {
    router: Router,
    exchange: Arc<Exchange>,
}

impl Service<Request> for TrackedRouter {
    type Response = Response;
    type Error = Infallible;
    type Future = TrackedResponse;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let seq = self.exchange.start();
        TrackedResponse {
            inner: self.router.call(request),
            exchange: Some((self.exchange.clone(), seq)),
        }
    }
}

/// The router's response future, its body wrapped in a [`TrackedBody`].
struct TrackedResponse {
    inner: RouteFuture<Infallible>,
    exchange: Option<(Arc<Exchange>, u64)>,
}

impl Future for TrackedResponse {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Ok(response) = ready!(Pin::new(&mut this.inner).poll(cx));
        Poll::Ready(Ok(response.map(|inner| {
            Body::new(TrackedBody {
                inner,
                exchange: this.exchange.take(),
            })
        })))
    }
}

/// A response body that reports to the [`Exchange`] when hyper is done with it (drops it).
struct TrackedBody {
    inner: Body,
    exchange: Option<(Arc<Exchange>, u64)>,
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        if let Some((exchange, seq)) = self.exchange.take() {
            exchange.body_done(seq);
        }
    }
}

/// What happens to the bytes hyper writes.
enum Outgoing {
    /// They go straight to the socket.
    Through,
    /// Written with no request in flight: hyper's own answer, held until it flushes.
    Held(Vec<u8>),
    /// Being sent in place of the held bytes: Graph's answer (`replaced`), or the held bytes
    /// themselves when they were not an answer of hyper's.
    Sending {
        bytes: Vec<u8>,
        sent: usize,
        replaced: bool,
    },
    /// Graph's answer is sent; the connection is over, anything more is dropped.
    Answered,
}

/// The connection's socket as hyper sees it: reads pass through; writes pass through while a
/// request is in flight and are held (and replaced) otherwise. See the module docs.
struct GraphIo {
    /// Always `Some` until dropped; taken by the lingering close.
    stream: Option<TcpStream>,
    exchange: Arc<Exchange>,
    out: Outgoing,
    /// Cleared once held bytes proved not to be hyper's answer: from then on everything passes.
    holding: bool,
}

impl GraphIo {
    fn new(stream: TcpStream, exchange: Arc<Exchange>) -> Self {
        GraphIo {
            stream: Some(stream),
            exchange,
            out: Outgoing::Through,
            holding: true,
        }
    }

    fn stream(&mut self) -> io::Result<Pin<&mut TcpStream>> {
        self.stream
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }

    /// Decides what the held bytes become, then sends that: `Ready` once nothing is pending.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match &mut self.out {
                Outgoing::Through | Outgoing::Answered => return Poll::Ready(Ok(())),
                Outgoing::Held(held) => {
                    let held = std::mem::take(held);
                    self.out = match graph_answer(&held) {
                        Some(answer) => Outgoing::Sending {
                            bytes: answer,
                            sent: 0,
                            replaced: true,
                        },
                        None => {
                            tracing::warn!(
                                "bytes written between requests were not hyper's answer to an unparsable request; sent as they are"
                            );
                            self.holding = false;
                            Outgoing::Sending {
                                bytes: held,
                                sent: 0,
                                replaced: false,
                            }
                        }
                    };
                }
                Outgoing::Sending {
                    bytes,
                    sent,
                    replaced,
                } => {
                    let replaced = *replaced;
                    while *sent < bytes.len() {
                        let stream = self
                            .stream
                            .as_mut()
                            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
                        let n = ready!(Pin::new(stream).poll_write(cx, &bytes[*sent..]))?;
                        if n == 0 {
                            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                        }
                        *sent += n;
                    }
                    self.out = if replaced {
                        Outgoing::Answered
                    } else {
                        Outgoing::Through
                    };
                }
            }
        }
    }
}

impl AsyncRead for GraphIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().stream()?.poll_read(cx, buf)
    }
}

impl AsyncWrite for GraphIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            match &mut this.out {
                Outgoing::Through if this.holding && this.exchange.is_idle() => {
                    this.out = Outgoing::Held(Vec::new());
                }
                Outgoing::Through => return this.stream()?.poll_write(cx, buf),
                Outgoing::Held(held) if held.len() + buf.len() <= MAX_HELD => {
                    held.extend_from_slice(buf);
                    return Poll::Ready(Ok(buf.len()));
                }
                Outgoing::Held(held) => {
                    // Too long to be hyper's answer: send what was held, then pass everything.
                    tracing::warn!(
                        "more bytes written between requests than hyper's answer has; sent as they are"
                    );
                    this.holding = false;
                    this.out = Outgoing::Sending {
                        bytes: std::mem::take(held),
                        sent: 0,
                        replaced: false,
                    };
                }
                Outgoing::Sending { .. } => ready!(this.poll_pending(cx))?,
                Outgoing::Answered => return Poll::Ready(Ok(buf.len())),
            }
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if matches!(this.out, Outgoing::Through) && !(this.holding && this.exchange.is_idle()) {
            return this.stream()?.poll_write_vectored(cx, bufs);
        }
        // Outside a response: one slice at a time is enough for the few bytes involved.
        let first = bufs
            .iter()
            .find(|buf| !buf.is_empty())
            .map_or(&[][..], |buf| &**buf);
        Pin::new(this).poll_write(cx, first)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream
            .as_ref()
            .is_some_and(AsyncWrite::is_write_vectored)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if matches!(this.out, Outgoing::Through) {
            this.exchange.flushed();
        }
        this.stream()?.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        this.stream()?.poll_shutdown(cx)
    }
}

impl Drop for GraphIo {
    fn drop(&mut self) {
        if !matches!(self.out, Outgoing::Answered) {
            return;
        }
        let Some(stream) = self.stream.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(linger(stream));
        }
    }
}

/// Closes the sending side, then reads and drops what the client still sends (bounded), so the
/// answer just sent is not destroyed by a reset.
async fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let drain = async {
        let mut buffer = vec![0u8; 16 * 1024];
        let mut drained = 0usize;
        while drained <= MAX_LINGER_BYTES {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => drained += read,
            }
        }
    };
    let _ = tokio::time::timeout(MAX_LINGER_TIME, drain).await;
}

/// Graph's answer in place of `held`, when `held` is exactly one bodiless `4xx` response head:
/// what hyper writes for a request it cannot parse.
fn graph_answer(held: &[u8]) -> Option<Vec<u8>> {
    let head_len = held.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let version = held.get(..8)?;
    if head_len != held.len() || !matches!(version, b"HTTP/1.1" | b"HTTP/1.0") {
        return None;
    }
    let status = held
        .get(8..13)
        .filter(|bytes| bytes[0] == b' ' && bytes[4] == b' ')
        .and_then(|bytes| StatusCode::from_bytes(&bytes[1..4]).ok())
        .filter(StatusCode::is_client_error)?;
    Some(render(version, &refusal(status)))
}

/// The Graph error for a request hyper refused with `status`.
fn refusal(status: StatusCode) -> Rejection {
    let reason = status.canonical_reason().unwrap_or("Client Error");
    let code: String = reason.split(' ').collect();
    let message = match status {
        StatusCode::BAD_REQUEST => {
            "The request is not valid HTTP/1.1: its request line, a header or a Content-Length is malformed."
        }
        StatusCode::URI_TOO_LONG => "The request URI is longer than the server accepts.",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            "The request has more headers, or larger ones, than the server accepts."
        }
        _ => reason,
    };
    Rejection::new(status, &code, message)
}

/// `rejection` as a complete HTTP/1 response that closes the connection.
fn render(version: &[u8], rejection: &Rejection) -> Vec<u8> {
    let ids = RequestIds::assign(&HeaderMap::new());
    let body = rejection.json_for(&ids);
    let status = rejection.status();
    let head = format!(
        " {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{REQUEST_ID}: {}\r\ndate: {}\r\nconnection: close\r\n\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or(""),
        body.len(),
        ids.request_id,
        httpdate::fmt_http_date(SystemTime::now()),
    );
    let mut response = Vec::with_capacity(version.len() + head.len() + body.len());
    response.extend_from_slice(version);
    response.extend_from_slice(head.as_bytes());
    response.extend_from_slice(&body);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(answer: &[u8]) -> (String, serde_json::Value) {
        let text = std::str::from_utf8(answer).expect("UTF-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head");
        // Each header line with its line end, so that any header can be found by `\r\n…\r\n`.
        (
            format!("{head}\r\n"),
            serde_json::from_str(body).expect("JSON"),
        )
    }

    #[test]
    fn hypers_bodiless_refusals_become_graph_errors() {
        for (held, status, code) in [
            (
                &b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n"[..],
                "HTTP/1.1 400 Bad Request",
                "BadRequest",
            ),
            (
                b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n",
                "HTTP/1.1 431 Request Header Fields Too Large",
                "RequestHeaderFieldsTooLarge",
            ),
            (
                b"HTTP/1.0 414 URI Too Long\r\ncontent-length: 0\r\n\r\n",
                "HTTP/1.0 414 URI Too Long",
                "URITooLong",
            ),
        ] {
            let answer = graph_answer(held).expect("recognised");
            let (head, json) = parse(&answer);
            assert!(head.starts_with(status), "{head}");
            assert!(head.contains("\r\ncontent-type: application/json\r\n"));
            assert!(head.contains("\r\nconnection: close\r\n"));
            let body_len = answer.len() - head.len() - 2;
            assert!(head.contains(&format!("\r\ncontent-length: {body_len}\r\n")));
            assert_eq!(json["error"]["code"], code);
            let request_id = json["error"]["innerError"]["request-id"]
                .as_str()
                .expect("an id");
            assert!(head.contains(&format!("\r\nrequest-id: {request_id}\r\n")));
        }
    }

    #[test]
    fn anything_else_is_not_taken_for_a_refusal() {
        for held in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
            b"HTTP/2.0 400 Bad Request\r\n\r\n",
            b"HTTP/1.1 40 Bad Request\r\n\r\n",
            b"",
        ] {
            assert!(
                graph_answer(held).is_none(),
                "{}",
                String::from_utf8_lossy(held)
            );
        }
    }

    #[test]
    fn the_exchange_is_idle_only_once_a_response_is_flushed() {
        let exchange = Exchange::default();
        assert!(exchange.is_idle());
        let first = exchange.start();
        assert!(!exchange.is_idle());
        exchange.flushed();
        assert!(!exchange.is_idle(), "a flush mid-response");
        exchange.body_done(first);
        assert!(
            !exchange.is_idle(),
            "the body's last bytes are not flushed yet"
        );
        exchange.flushed();
        assert!(exchange.is_idle());
        let second = exchange.start();
        exchange.body_done(first);
        exchange.flushed();
        assert!(
            !exchange.is_idle(),
            "a stale body cannot end the next response"
        );
        exchange.body_done(second);
        exchange.flushed();
        assert!(exchange.is_idle());
    }
}
