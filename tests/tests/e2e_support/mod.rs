//! Shared helpers of the end-to-end tests (`e2e_client.rs`, `e2e_server.rs`, `http_wire.rs`,
//! `server_stub.rs`): an emulator served on 127.0.0.1 behind a recorder that maps every request
//! to the spec operation it addresses, clients holding minted tokens, test JPEGs, and a time
//! bound for every test.
//!
//! Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::future::Future;
use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use bytes::Bytes;
use http::Method;
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, RgbImage};
use photo_api::client::ApiClient;
use photo_api::emulator::{
    Emulator, EmulatorBuilder, MemoryStore, OwnerKey, Photo, PhotoStore, TokenSpec,
};
use photo_api::models::Version;
use photo_api::operations::ALL;
use photo_api::runtime::client::{Client, ClientBuilder, RetryPolicy};
use photo_api::runtime::operation::OperationSpec;
use tokio::task::JoinHandle;

/// The HS256 secret every test emulator verifies tokens with.
pub const SECRET: &str = "photo-gen end-to-end test secret, not for production";

/// The most any single end-to-end test may take; a hung request fails the test instead of CI.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `test` and fails if it takes longer than [`TEST_TIMEOUT`].
pub async fn bounded<F: Future>(test: F) -> F::Output {
    match tokio::time::timeout(TEST_TIMEOUT, test).await {
        Ok(output) => output,
        Err(_) => panic!("the test did not finish within {TEST_TIMEOUT:?}"),
    }
}

/// One request the emulator received, and the operation its method and path address.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub operation: Option<&'static str>,
    pub status: u16,
}

/// Records every request that reaches the server, so tests can prove which operations were
/// called (on the server's side of the wire, not by trusting the client) and that refused calls
/// never left the client.
#[derive(Clone, Default)]
pub struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Recorder {
    /// `router` with every request recorded before anything else (faults included) sees it.
    pub fn wrap(&self, router: Router) -> Router {
        router.layer(from_fn_with_state(self.clone(), record))
    }

    /// Everything seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many requests reached the server.
    pub fn requests(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// How many requests addressed `operation`.
    pub fn calls_of(&self, operation: &str) -> usize {
        self.seen()
            .iter()
            .filter(|seen| seen.operation == Some(operation))
            .count()
    }

    /// The operation ids that received at least one request.
    pub fn operations(&self) -> BTreeSet<&'static str> {
        self.seen()
            .iter()
            .filter_map(|seen| seen.operation)
            .collect()
    }

    /// The spec's operations that no request addressed, in spec order.
    pub fn missing(&self) -> Vec<&'static str> {
        let called = self.operations();
        ALL.iter()
            .map(|op| op.id)
            .filter(|id| !called.contains(id))
            .collect()
    }
}

async fn record(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let operation = operation_of(&method, &path).map(|op| op.id);
    let response = next.run(request).await;
    recorder
        .seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Seen {
            method,
            path,
            operation,
            status: response.status().as_u16(),
        });
    response
}

/// The spec operation a request line addresses: the path without its `/v1.0` or `/beta` prefix,
/// compared segment by segment with each operation's template, a `{param}` matching any one
/// non-empty segment. A key-form segment such as `users('$x@contoso.com')` counts as two
/// segments, `users` and the key, as the server reads it.
pub fn operation_of(method: &Method, raw_path: &str) -> Option<&'static OperationSpec> {
    let rest = Version::ALL.iter().find_map(|version| {
        raw_path
            .strip_prefix('/')?
            .strip_prefix(version.as_str())
            .filter(|rest| rest.starts_with('/'))
    })?;
    let mut segments: Vec<&str> = Vec::new();
    for segment in rest[1..].split('/') {
        match key_form(segment) {
            Some((name, key)) => segments.extend([name, key]),
            None => segments.push(segment),
        }
    }
    ALL.iter().copied().find(|op| {
        op.method.to_http() == *method && {
            let template: Vec<&str> = op.path[1..].split('/').collect();
            template.len() == segments.len()
                && template.iter().zip(&segments).all(|(expected, actual)| {
                    if expected.starts_with('{') && expected.ends_with('}') {
                        !actual.is_empty()
                    } else {
                        expected == actual
                    }
                })
        }
    })
}

/// Splits `name('key')` into its name and (still encoded) key.
fn key_form(segment: &str) -> Option<(&str, &str)> {
    let open = segment.find("('")?;
    let key = segment[open + 2..].strip_suffix("')")?;
    (open > 0 && !key.is_empty()).then_some((&segment[..open], key))
}

/// A [`MemoryStore`] that counts the changes it made, so a test can prove a refused or retried
/// request had no side effect (or exactly one).
pub struct CountingStore {
    inner: MemoryStore,
    mutations: Arc<AtomicU64>,
}

impl PhotoStore for CountingStore {
    fn get(&self, owner: &OwnerKey) -> Option<Arc<Photo>> {
        self.inner.get(owner)
    }

    fn put(
        &self,
        owner: &OwnerKey,
        photo: Photo,
    ) -> Result<Arc<Photo>, photo_api::emulator::store::StoreError> {
        let stored = self.inner.put(owner, photo)?;
        self.mutations.fetch_add(1, Ordering::SeqCst);
        Ok(stored)
    }

    fn update(
        &self,
        owner: &OwnerKey,
        change: &dyn Fn(&Photo) -> Photo,
    ) -> Result<Arc<Photo>, photo_api::emulator::store::StoreError> {
        let updated = self.inner.update(owner, change)?;
        self.mutations.fetch_add(1, Ordering::SeqCst);
        Ok(updated)
    }

    fn delete(
        &self,
        owner: &OwnerKey,
        condition: &dyn Fn(&Photo) -> bool,
    ) -> Result<(), photo_api::emulator::store::StoreError> {
        self.inner.delete(owner, condition)?;
        self.mutations.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn len(&self) -> usize {
        self.inner.len()
    }
}

/// An emulator listening on 127.0.0.1 behind a [`Recorder`]; stopped when dropped.
pub struct Served {
    pub emulator: Emulator,
    pub addr: SocketAddr,
    pub recorder: Recorder,
    mutations: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Served {
    /// An emulator with the default settings and [`SECRET`].
    pub async fn start() -> Served {
        Self::start_with(Emulator::builder()).await
    }

    /// An emulator configured by `builder` (faults, aliases…), with [`SECRET`] and a counting
    /// in-memory store.
    pub async fn start_with(builder: EmulatorBuilder) -> Served {
        let mutations = Arc::new(AtomicU64::new(0));
        let store = CountingStore {
            inner: MemoryStore::new(),
            mutations: mutations.clone(),
        };
        let emulator = builder
            .secret(SECRET)
            .store(store)
            .build()
            .expect("the emulator builds");
        let recorder = Recorder::default();
        let router = recorder.wrap(emulator.router());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, router).await {
                panic!("the emulator stopped: {err}");
            }
        });
        Served {
            emulator,
            addr,
            recorder,
            mutations,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The service root of an API version, such as `http://127.0.0.1:<port>/v1.0`.
    pub fn base_url(&self, version: Version) -> String {
        format!("{}/{}", self.origin(), version.as_str())
    }

    /// A token the emulator accepts.
    pub fn token(&self, spec: &TokenSpec) -> String {
        self.emulator.token(spec).expect("a token is minted")
    }

    /// How many changes the store made so far.
    pub fn mutations(&self) -> u64 {
        self.mutations.load(Ordering::SeqCst)
    }

    /// The stored photo of `owner`, read directly from the store.
    pub fn stored(&self, owner: &OwnerKey) -> Option<Arc<Photo>> {
        self.emulator.store().get(owner)
    }

    /// A runtime client builder for `version` with `token` and quick retries, so throttling
    /// tests take milliseconds; tests override what they examine.
    pub fn client_builder(&self, version: Version, token: String) -> ClientBuilder {
        Client::builder()
            .base_url(self.base_url(version))
            .max_request_bytes(version.max_request_bytes())
            .static_token(token)
            .timeout(Duration::from_secs(20))
            .retry(RetryPolicy {
                max_retries: 3,
                base_delay: Duration::from_millis(5),
                max_total_delay: Duration::from_secs(5),
            })
    }

    /// A generated client on v1.0 holding a token minted for `spec`.
    pub fn client(&self, spec: &TokenSpec) -> ApiClient {
        self.api(self.client_builder(Version::V1, self.token(spec)))
    }

    /// The generated client over a configured runtime client.
    pub fn api(&self, builder: ClientBuilder) -> ApiClient {
        ApiClient::new(builder.build().expect("the client builds"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A `width` x `height` JPEG whose pixels depend on `seed`, so photos of different seeds differ.
pub fn jpeg(width: u32, height: u32, seed: u8) -> Bytes {
    let image = RgbImage::from_fn(width, height, |x, y| {
        let (x, y, seed) = (x as u8, y as u8, seed);
        image::Rgb([
            x.wrapping_add(seed),
            y.wrapping_mul(3).wrapping_add(seed),
            x.wrapping_add(y) ^ seed,
        ])
    });
    encode(image)
}

/// A `width` x `height` JPEG of pseudo-random pixels: compresses badly, so it is large.
pub fn noisy_jpeg(width: u32, height: u32, seed: u32) -> Bytes {
    // xorshift32: deterministic, and no dependency for a test pattern.
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state.to_le_bytes()
    };
    let image = RgbImage::from_fn(width, height, |_, _| {
        let [r, g, b, _] = next();
        image::Rgb([r, g, b])
    });
    encode(image)
}

fn encode(image: RgbImage) -> Bytes {
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(image)
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
        .expect("a test JPEG encodes");
    Bytes::from(out)
}

/// The pixel dimensions of a JPEG, decoding it completely (so a broken image fails the test).
pub fn decoded_dimensions(bytes: &[u8]) -> (u32, u32) {
    let image = image::ImageReader::with_format(Cursor::new(bytes), ImageFormat::Jpeg)
        .decode()
        .expect("a decodable JPEG");
    (image.width(), image.height())
}

/// `jpeg` with its first Huffman table made impossible: structurally a sound JPEG, but no decoder
/// accepts its image data.
#[allow(unused_imports)] // Not every test that includes this module uses it.
pub use photo_runtime::emulator::test_images::undecodable as undecodable_jpeg;

/// `len` bytes that start like a JPEG: enough for the client's signature check, not a photo.
pub fn jpeg_prefixed(len: usize) -> Bytes {
    let mut bytes = vec![0u8; len];
    bytes[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    Bytes::from(bytes)
}

/// The store key of a user's photo, as the emulator normalizes it.
pub fn user_owner(key: &str) -> OwnerKey {
    OwnerKey::user(key.to_lowercase())
}
