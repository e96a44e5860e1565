//! The emulator over real sockets, with a raw HTTP/1.1 client: what only a real connection can
//! show. Uploads that stall mid-body must get a 4xx with Graph's error JSON, a correct
//! `Content-Length` and the connection closed, and well-formed traffic (slow but steady uploads,
//! graceful shutdown) must work, as served by default (`axum::serve`). With the emulator's
//! `graph_errors_for_malformed_http` option, requests hyper's parser refuses before routing
//! (malformed request lines, invalid bytes in the target, bad `Content-Length`s, targets and
//! headers past its limits) get Graph's error JSON too, and keep-alive is unaffected; without it,
//! they get hyper's own empty answer. The stored photo never changes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::jpeg;
use photo_api::emulator::{Emulator, Faults, OwnerKey, Photo, TokenSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const SECRET: &str = "http wire test secret, long enough";
const USER: &str = "wire-user";
/// Short, so that stalls are detected quickly; steady uploads pause for well under it.
const IDLE_TIMEOUT: Duration = Duration::from_millis(400);
/// The longest any answer may take before the test calls it a hang.
const DEADLINE: Duration = Duration::from_secs(10);
/// How soon after its answer the server must close a connection it gave up on: well under the
/// ten seconds a refused body may be drained for, so a drain where there should be none fails.
const CLOSE_DEADLINE: Duration = Duration::from_secs(3);

/// Who answers the requests hyper refuses before routing.
#[derive(Clone, Copy, Debug)]
enum Refusals {
    /// hyper itself, with an empty body: how `Emulator::serve` serves by default.
    Hyper,
    /// The emulator, with Graph's error JSON: `graph_errors_for_malformed_http(true)`.
    Graph,
}

/// An emulator serving on 127.0.0.1 with one photo seeded for [`USER`].
struct Server {
    emulator: Emulator,
    addr: SocketAddr,
    token: String,
    seeded: Vec<u8>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// One response as read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// Header names lower-cased, in order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Asserts Graph's error shape: JSON, `code` and `message`, and `innerError.request-id`
    /// equal to the `request-id` header. Returns the code.
    fn graph_error(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        let json: serde_json::Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {self:?}"));
        let error = &json["error"];
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{json}"
        );
        assert_eq!(
            error["innerError"]["request-id"].as_str(),
            self.header("request-id"),
            "{json}"
        );
        error["code"].as_str().expect("a code").to_owned()
    }
}

impl Server {
    async fn start(refusals: Refusals) -> Self {
        let emulator = Emulator::builder()
            .secret(SECRET)
            .body_idle_timeout(IDLE_TIMEOUT)
            .graph_errors_for_malformed_http(matches!(refusals, Refusals::Graph))
            .build()
            .expect("emulator");
        let (token, listener, addr) = token_and_listener(&emulator).await;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(emulator.serve_with_shutdown(listener, async {
            let _ = stopped.await;
        }));
        let mut server = Server {
            emulator,
            addr,
            token,
            seeded: jpeg(64, 48, 1).to_vec(),
            stop: Some(stop),
            task,
        };
        let seeded = server.seeded.clone();
        let mut stream = server.connect().await;
        stream
            .write_all(&server.upload_head(seeded.len()))
            .await
            .expect("write");
        stream.write_all(&seeded).await.expect("write");
        let answer = read_answer(&mut stream).await;
        assert_eq!(answer.status, 200, "seeding: {answer:?}");
        server.seeded = seeded;
        server
    }

    async fn connect(&self) -> Wire {
        Wire {
            stream: TcpStream::connect(self.addr).await.expect("connect"),
            read: Vec::new(),
        }
    }

    fn upload_head(&self, len: usize) -> Vec<u8> {
        format!(
            "PUT /v1.0/me/photo/$value HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: image/jpeg\r\nContent-Length: {len}\r\n\r\n",
            self.addr, self.token
        )
        .into_bytes()
    }

    fn photo(&self) -> Option<Arc<Photo>> {
        self.emulator.store().get(&OwnerKey::user(USER))
    }

    /// Sends `request` on a fresh connection and reads one answer, then requires the server to
    /// close the connection.
    async fn refused(&self, request: &[u8]) -> Answer {
        let mut stream = self.connect().await;
        // hyper may refuse before it has read everything; the answer still has to come.
        let _ = stream.write_all(request).await;
        let answer = read_answer(&mut stream).await;
        assert_closed(&mut stream).await;
        answer
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(DEADLINE, &mut self.task)
            .await
            .expect("shut down in time")
            .expect("joined")
            .expect("served");
    }
}

/// A token of [`USER`] that may upload and read, and a listener on a free loopback port.
async fn token_and_listener(emulator: &Emulator) -> (String, tokio::net::TcpListener, SocketAddr) {
    let token = emulator
        .token(&TokenSpec::delegated(USER, ["User.ReadWrite", "User.Read"]))
        .expect("token");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    (token, listener, addr)
}

/// A client connection that keeps what it read past one answer (pipelined answers).
struct Wire {
    stream: TcpStream,
    read: Vec<u8>,
}

impl Wire {
    async fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Reads more into the buffer; false at the end of the stream.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        let read = self.stream.read(&mut chunk).await.expect("read");
        self.read.extend_from_slice(&chunk[..read]);
        read > 0
    }
}

/// Reads one HTTP/1.1 response framed by `Content-Length` (every answer here has one, or none
/// and no body).
async fn read_answer(wire: &mut Wire) -> Answer {
    tokio::time::timeout(DEADLINE, read_answer_now(wire))
        .await
        .expect("an answer in time")
}

async fn read_answer_now(wire: &mut Wire) -> Answer {
    let head_end = loop {
        if let Some(at) = wire.read.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        assert!(
            wire.fill().await,
            "closed before a complete head: {:?}",
            String::from_utf8_lossy(&wire.read)
        );
    };
    let head = String::from_utf8(wire.read[..head_end].to_vec()).expect("an ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("a header line");
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, value)| {
            value.parse().expect("a numeric Content-Length")
        });
    let body_start = head_end + 4;
    while wire.read.len() < body_start + length {
        assert!(
            wire.fill().await,
            "closed mid-body after {} of {length} bytes",
            wire.read.len() - body_start
        );
    }
    let body = wire.read[body_start..body_start + length].to_vec();
    wire.read.drain(..body_start + length);
    Answer {
        status,
        headers,
        body,
    }
}

/// The server must close the connection (after its answer) soon, with nothing more sent.
async fn assert_closed(wire: &mut Wire) {
    let mut rest = std::mem::take(&mut wire.read);
    let read = tokio::time::timeout(CLOSE_DEADLINE, wire.stream.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection");
    // A reset after the answer is also a close; anything more sent is not.
    let _ = read;
    assert!(
        rest.is_empty(),
        "more after the answer: {:?}",
        String::from_utf8_lossy(&rest)
    );
}

#[tokio::test]
async fn requests_hyper_refuses_get_graph_errors() {
    let server = Server::start(Refusals::Graph).await;
    let before = server.photo().expect("seeded");
    let host = server.addr;
    let many_headers: String = (0..120).map(|i| format!("X-Extra-{i}: v\r\n")).collect();
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "0xFF byte in the target",
            b"GET /v1.0/me/\xFFphoto HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            400,
            "BadRequest",
        ),
        (
            "control byte in the target",
            b"GET /v1.0/me/\x01photo HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            400,
            "BadRequest",
        ),
        (
            "negative Content-Length",
            format!("PUT /v1.0/me/photo/$value HTTP/1.1\r\nHost: {host}\r\nContent-Length: -5\r\n\r\n")
                .into_bytes(),
            400,
            "BadRequest",
        ),
        (
            "conflicting Content-Lengths",
            format!("PUT /v1.0/me/photo/$value HTTP/1.1\r\nHost: {host}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef")
                .into_bytes(),
            400,
            "BadRequest",
        ),
        (
            "non-numeric Content-Length",
            format!("PUT /v1.0/me/photo/$value HTTP/1.1\r\nHost: {host}\r\nContent-Length: 12abc\r\n\r\n")
                .into_bytes(),
            400,
            "BadRequest",
        ),
        (
            "malformed request line",
            b"GARBAGE\r\n\r\n".to_vec(),
            400,
            "BadRequest",
        ),
        (
            "unknown HTTP version",
            b"GET /v1.0/me/photo HTTP/9.9\r\nHost: x\r\n\r\n".to_vec(),
            400,
            "BadRequest",
        ),
        (
            "header line without a colon",
            b"GET /v1.0/me/photo HTTP/1.1\r\nHost x\r\n\r\n".to_vec(),
            400,
            "BadRequest",
        ),
        (
            "more headers than hyper takes",
            format!("GET /v1.0/me/photo HTTP/1.1\r\nHost: {host}\r\n{many_headers}\r\n")
                .into_bytes(),
            431,
            "RequestHeaderFieldsTooLarge",
        ),
        (
            "a 1 MB header value",
            format!(
                "GET /v1.0/me/photo HTTP/1.1\r\nHost: {host}\r\nX-Big: {}\r\n\r\n",
                "a".repeat(1024 * 1024)
            )
            .into_bytes(),
            431,
            "RequestHeaderFieldsTooLarge",
        ),
        (
            "a 70 KB target",
            format!(
                "GET /v1.0/users/{}/photo HTTP/1.1\r\nHost: {host}\r\n\r\n",
                "u".repeat(70_000)
            )
            .into_bytes(),
            414,
            "URITooLong",
        ),
    ];
    for (label, request, status, code) in cases {
        let answer = server.refused(&request).await;
        assert_eq!(answer.status, status, "{label}: {answer:?}");
        assert_eq!(answer.graph_error(), code, "{label}");
        assert_eq!(answer.header("connection"), Some("close"), "{label}");
    }
    let after = server.photo().expect("still there");
    assert!(
        Arc::ptr_eq(&before, &after),
        "a refused request changed the photo"
    );
    assert_eq!(server.emulator.store().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn by_default_hyper_answers_the_requests_it_refuses() {
    let server = Server::start(Refusals::Hyper).await;
    let answer = server
        .refused(b"GET /v1.0/me/\xFFphoto HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.header("content-type"), None, "{answer:?}");
    assert!(answer.body.is_empty(), "{answer:?}");
    // A well-formed request on a new connection is still served.
    let mut stream = server.connect().await;
    let read = format!(
        "GET /v1.0/me/photo/$value HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n",
        server.addr, server.token
    );
    stream.write_all(read.as_bytes()).await.expect("write");
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, server.seeded);
    server.stop().await;
}

#[tokio::test]
async fn a_client_still_sending_after_a_refusal_is_not_reset() {
    let server = Server::start(Refusals::Graph).await;
    let mut wire = server.connect().await;
    // Past hyper's header buffer (about 400 KB), so it refuses while the header is still coming.
    let head = format!(
        "GET /v1.0/me/photo HTTP/1.1\r\nHost: {}\r\nX-Big: {}",
        server.addr,
        "a".repeat(512 * 1024)
    );
    wire.write_all(head.as_bytes()).await.expect("write");
    let answer = read_answer(&mut wire).await;
    assert_eq!(answer.status, 431, "{answer:?}");
    assert_eq!(answer.graph_error(), "RequestHeaderFieldsTooLarge");
    // The server reads and drops the rest instead of resetting the connection under the client.
    for _ in 0..16 {
        wire.write_all(&[b'a'; 16 * 1024])
            .await
            .expect("the connection is not reset while the client finishes sending");
    }
    wire.write_all(b"\r\n\r\n").await.expect("write");
    assert_closed(&mut wire).await;
    server.stop().await;
}

#[tokio::test]
async fn keep_alive_is_kept_and_a_bad_request_after_good_ones_is_still_answered() {
    let server = Server::start(Refusals::Graph).await;
    let mut stream = server.connect().await;
    let read = format!(
        "GET /v1.0/me/photo/$value HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n",
        server.addr, server.token
    );
    for _ in 0..3 {
        stream.write_all(read.as_bytes()).await.expect("write");
        let answer = read_answer(&mut stream).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.body, server.seeded);
        assert_eq!(answer.header("connection"), None);
    }
    // A router refusal keeps the connection too.
    stream
        .write_all(b"GET /v1.0/nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 404, "{answer:?}");
    answer.graph_error();
    // Pipelined: a good request and a bad one in one write.
    let mut pipelined = read.into_bytes();
    pipelined.extend_from_slice(b"GET /\xFF HTTP/1.1\r\nHost: x\r\n\r\n");
    stream.write_all(&pipelined).await.expect("write");
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, server.seeded);
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.graph_error(), "BadRequest");
    assert_closed(&mut stream).await;
    server.stop().await;
}

#[tokio::test]
async fn a_stalled_upload_is_408_and_changes_nothing() {
    let server = Server::start(Refusals::Hyper).await;
    let before = server.photo().expect("seeded");
    let upload = jpeg(96, 64, 2).to_vec();
    let half = upload.len() / 2;
    let chunked_head = format!(
        "PUT /v1.0/me/photo/$value HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n",
        server.addr, server.token
    );
    let mut chunked = chunked_head.into_bytes();
    chunked.extend_from_slice(format!("{half:x}\r\n").as_bytes());
    chunked.extend_from_slice(&upload[..half]);
    chunked.extend_from_slice(b"\r\n");
    let mut sized = server.upload_head(upload.len());
    sized.extend_from_slice(&upload[..half]);
    for (label, partial) in [("Content-Length", sized), ("chunked", chunked)] {
        let mut stream = server.connect().await;
        let started = Instant::now();
        stream.write_all(&partial).await.expect("write");
        let answer = read_answer(&mut stream).await;
        let waited = started.elapsed();
        assert_eq!(answer.status, 408, "{label}: {answer:?}");
        assert_eq!(answer.graph_error(), "RequestTimeout", "{label}");
        assert_eq!(answer.header("connection"), Some("close"), "{label}");
        assert!(
            waited >= IDLE_TIMEOUT && waited < IDLE_TIMEOUT * 10,
            "{label}: answered after {waited:?}"
        );
        assert_closed(&mut stream).await;
        let after = server.photo().expect("still there");
        assert!(Arc::ptr_eq(&before, &after), "{label}: the photo changed");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_slow_but_steady_upload_succeeds() {
    let server = Server::start(Refusals::Hyper).await;
    let upload = jpeg(120, 90, 3).to_vec();
    let mut stream = server.connect().await;
    stream
        .write_all(&server.upload_head(upload.len()))
        .await
        .expect("write");
    let pieces = 6;
    let started = Instant::now();
    for piece in upload.chunks(upload.len().div_ceil(pieces)) {
        tokio::time::sleep(IDLE_TIMEOUT / 4).await;
        stream.write_all(piece).await.expect("write");
    }
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        started.elapsed() > IDLE_TIMEOUT,
        "the upload took longer than the idle timeout in total"
    );
    let stored = server.photo().expect("stored");
    assert_eq!(stored.content().as_ref(), upload.as_slice());
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish() {
    let mut server = Server::start(Refusals::Hyper).await;
    let upload = jpeg(80, 60, 4).to_vec();
    let mut stream = server.connect().await;
    let (head, tail) = upload.split_at(upload.len() / 2);
    stream
        .write_all(&server.upload_head(upload.len()))
        .await
        .expect("write");
    stream.write_all(head).await.expect("write");
    // Let the server start on the request, then ask it to stop.
    tokio::time::sleep(IDLE_TIMEOUT / 4).await;
    if let Some(stop) = server.stop.take() {
        let _ = stop.send(());
    }
    tokio::time::sleep(IDLE_TIMEOUT / 4).await;
    assert!(
        !server.task.is_finished(),
        "stopped with a request in flight"
    );
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "still accepting after shutdown"
    );
    stream.write_all(tail).await.expect("write");
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_closed(&mut stream).await;
    let stored = server.photo().expect("stored");
    assert_eq!(stored.content().as_ref(), upload.as_slice());
    server.stop().await;
}

#[tokio::test]
async fn a_throttled_upload_keeps_its_connection_for_the_next_request() {
    let emulator = Emulator::builder()
        .secret(SECRET)
        .faults(Faults::first(1))
        .build()
        .expect("emulator");
    let (token, listener, addr) = token_and_listener(&emulator).await;
    let task = tokio::spawn(emulator.serve(listener));
    let mut wire = Wire {
        stream: TcpStream::connect(addr).await.expect("connect"),
        read: Vec::new(),
    };
    let photo = jpeg(64, 48, 2);
    let upload = format!(
        "PUT /v1.0/me/photo/$value HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        photo.len()
    );
    // The head alone: the fault is answered before the body arrives, as it can be when a client
    // writes the head and the body separately.
    wire.write_all(upload.as_bytes()).await.expect("write");
    let answer = read_answer(&mut wire).await;
    assert_eq!(answer.status, 429, "{answer:?}");
    assert_eq!(answer.graph_error(), "TooManyRequests");
    assert_eq!(answer.header("connection"), None, "{answer:?}");
    // The body still arrives, and a client that pools connections (as Microsoft's SDKs do)
    // sends its next request on the same one: the server reads the body off and answers it.
    wire.write_all(&photo)
        .await
        .expect("the connection is not reset while the body is sent");
    let read = format!(
        "GET /v1.0/me/photo HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    wire.write_all(read.as_bytes()).await.expect("write");
    let answer = read_answer(&mut wire).await;
    assert_eq!(answer.status, 404, "{answer:?}");
    assert_eq!(answer.graph_error(), "ImageNotFound");
    task.abort();
}
