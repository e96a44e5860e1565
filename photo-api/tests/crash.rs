//! Persistence of the `photo-emulator` binary across crashes: photos stored with `--data-dir`
//! survive `kill -9`, and an upload killed half-way leaves the previous photo exactly as it was,
//! never a mix of old and new bytes.
//!
//! The binary is started as a child process on 127.0.0.1 with an ephemeral port (read from its
//! first line of output); every step is bounded in time, and a guard kills the child whatever
//! happens, printing its log when the test fails.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use photo_api::emulator::test_images::noisy_jpeg;
use photo_api::emulator::{TokenSpec, tokens};

const SECRET: &str = "crash test secret: long enough not to warn";
const SUBJECT: &str = "crash-test-user";
/// How long the binary may take to start listening.
const STARTUP: Duration = Duration::from_secs(20);
/// How long any single request may take.
const REQUEST: Duration = Duration::from_secs(20);
/// The whole test.
const TEST: Duration = Duration::from_secs(90);

/// A running `photo-emulator serve`, killed when dropped; its log is printed if the test fails.
struct Running {
    child: Child,
    addr: SocketAddr,
    /// The `photos:` line of the start-up banner: what loading the data directory found.
    photos_line: String,
    log: PathBuf,
    stdout: Option<JoinHandle<()>>,
}

impl Running {
    /// Starts the emulator on `data_dir`, logging to `log_dir/emulator-<run>.log`, and waits
    /// until it prints its address.
    fn start(data_dir: &Path, log_dir: &Path, run: usize) -> Running {
        let log = log_dir.join(format!("emulator-{run}.log"));
        let log_file = File::create(&log).expect("a log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_photo-emulator"))
            .arg("serve")
            .args(["--bind", "127.0.0.1:0", "--secret", SECRET, "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("the photo-emulator binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut running = Running {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            photos_line: String::new(),
            log,
            stdout: None,
        };
        let (lines, received) = mpsc::channel();
        // Hands over the banner, then keeps draining stdout until the child exits: a closed pipe
        // would make the child's next write fail (and `println!` panic).
        running.stdout = Some(std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // After start-up nobody listens; the line is dropped.
                let _ = lines.send(line);
            }
        }));
        let deadline = Instant::now() + STARTUP;
        while running.photos_line.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = received
                .recv_timeout(left)
                .unwrap_or_else(|err| panic!("no start-up banner within {STARTUP:?}: {err}"));
            if let Some(addr) = line.strip_prefix("photo-emulator listening on ") {
                running.addr = addr.trim().parse().expect("a socket address");
            } else if let Some(photos) = line.trim_start().strip_prefix("photos:") {
                running.photos_line = photos.trim().to_owned();
            }
        }
        assert_ne!(running.addr.port(), 0, "no address before the photos line");
        running
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `kill -9`, and waits until the process is gone.
    fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        // An error means it already exited, which `wait` then reports.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(stdout) = self.stdout.take() {
            let _ = stdout.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- {} ---\n{log}", self.log.display());
        }
    }
}

fn token() -> String {
    tokens::mint(
        &TokenSpec::delegated(SUBJECT, ["User.Read", "User.ReadWrite"]),
        SECRET.as_bytes(),
    )
    .expect("a token")
}

async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(REQUEST, future)
        .await
        .unwrap_or_else(|_| panic!("{what} took more than {REQUEST:?}"))
}

/// Uploads `photo` as the signed-in user's, whole.
async fn upload(http: &reqwest::Client, emulator: &Running, photo: &Bytes) {
    let response = bounded(
        "an upload",
        http.put(emulator.url("/v1.0/me/photo/$value"))
            .bearer_auth(token())
            .header("content-type", "image/jpeg")
            .body(photo.clone())
            .send(),
    )
    .await
    .expect("the upload is answered");
    assert_eq!(response.status().as_u16(), 200, "{response:?}");
}

/// The signed-in user's photo: its ETag and bytes.
async fn download(http: &reqwest::Client, emulator: &Running) -> (String, Bytes) {
    let response = bounded(
        "a download",
        http.get(emulator.url("/v1.0/me/photo/$value"))
            .bearer_auth(token())
            .send(),
    )
    .await
    .expect("the download is answered");
    assert_eq!(response.status().as_u16(), 200, "{response:?}");
    let etag = response
        .headers()
        .get("etag")
        .and_then(|value| value.to_str().ok())
        .expect("an ETag")
        .to_owned();
    let bytes = bounded("a download's body", response.bytes())
        .await
        .expect("the photo's bytes");
    (etag, bytes)
}

/// Restarts on `data_dir` and checks the photo there is exactly `expected`, loaded from a
/// directory without damaged files.
async fn restart_expecting(
    http: &reqwest::Client,
    data_dir: &Path,
    log_dir: &Path,
    run: usize,
    expected: &Bytes,
    expected_etag: &str,
) -> Running {
    let emulator = tokio::task::block_in_place(|| Running::start(data_dir, log_dir, run));
    assert!(
        emulator.photos_line.contains("(1 loaded,")
            && emulator.photos_line.contains(" 0 damaged files skipped)"),
        "run {run}: {}",
        emulator.photos_line
    );
    let (etag, bytes) = download(http, &emulator).await;
    assert!(
        bytes == *expected,
        "run {run}: the photo served is not the one expected ({} bytes, expected {})",
        bytes.len(),
        expected.len()
    );
    assert_eq!(etag, expected_etag, "run {run}");
    let strays: Vec<_> = std::fs::read_dir(data_dir)
        .expect("the data directory")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".tmp-"))
        .collect();
    assert!(
        strays.is_empty(),
        "run {run}: temporary files left: {strays:?}"
    );
    emulator
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_survive_kill_and_interrupted_uploads_leave_the_old_photo() {
    tokio::time::timeout(TEST, scenario())
        .await
        .unwrap_or_else(|_| panic!("the crash test took more than {TEST:?}"));
}

async fn scenario() {
    let data = tempfile::tempdir().expect("a data directory");
    let logs = tempfile::tempdir().expect("a log directory");
    let http = reqwest::Client::builder()
        .timeout(REQUEST)
        .build()
        .expect("an HTTP client");
    let photo_a = noisy_jpeg(160, 120, 1);
    let photo_b = noisy_jpeg(400, 300, 2);
    assert!(
        photo_b.len() > 64 * 1024,
        "B is large enough to stream slowly"
    );
    image::load_from_memory(&photo_b).expect("B is a valid JPEG");

    // A is stored, and survives kill -9.
    let emulator = tokio::task::block_in_place(|| Running::start(data.path(), logs.path(), 1));
    assert!(
        emulator.photos_line.contains("(0 loaded,"),
        "{}",
        emulator.photos_line
    );
    upload(&http, &emulator, &photo_a).await;
    let (etag_a, served) = download(&http, &emulator).await;
    assert_eq!(served, photo_a);
    emulator.kill();
    let emulator = restart_expecting(&http, data.path(), logs.path(), 2, &photo_a, &etag_a).await;

    // B is streamed slowly; the process is killed with about half of it sent.
    let (chunks, pending) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let stream = futures_util::stream::unfold(pending, |mut pending| async move {
        pending.recv().await.map(|chunk| (chunk, pending))
    });
    let interrupted = tokio::spawn(
        http.put(emulator.url("/v1.0/me/photo/$value"))
            .bearer_auth(token())
            .header("content-type", "image/jpeg")
            .body(reqwest::Body::wrap_stream(stream))
            .send(),
    );
    let halves = photo_b.len() / 2;
    for chunk in photo_b[..halves].chunks(4096) {
        bounded(
            "sending a chunk",
            chunks.send(Ok(Bytes::copy_from_slice(chunk))),
        )
        .await
        .expect("the upload takes the chunk");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Let the server read what was sent, then crash it mid-body.
    tokio::time::sleep(Duration::from_millis(200)).await;
    emulator.kill();
    drop(chunks);
    let outcome = bounded("the interrupted upload", interrupted)
        .await
        .expect("the upload task ends");
    assert!(
        outcome.is_err(),
        "an upload cut off half-way was answered: {outcome:?}"
    );
    let emulator = restart_expecting(&http, data.path(), logs.path(), 3, &photo_a, &etag_a).await;

    // B uploaded whole replaces A, also across kill -9.
    upload(&http, &emulator, &photo_b).await;
    let (etag_b, served) = download(&http, &emulator).await;
    assert_eq!(served, photo_b);
    assert_ne!(etag_b, etag_a);
    emulator.kill();
    let emulator = restart_expecting(&http, data.path(), logs.path(), 4, &photo_b, &etag_b).await;
    let (width, height) = {
        let (_, bytes) = download(&http, &emulator).await;
        let image = image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .expect("a readable image")
            .decode()
            .expect("a decodable JPEG");
        (image.width(), image.height())
    };
    assert_eq!((width, height), (400, 300));
    emulator.kill();
}
