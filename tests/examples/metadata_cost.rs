//! The cost of one metadata request (`GET /v1.0/me/photo`) in instructions and allocations, for
//! finding where the generated pair spends more than the baseline (see BENCHMARKS.md). Timing
//! on a shared machine is noisy; instruction counts are not.
//!
//! ```sh
//! cargo build --release -p photo-tests --example metadata_cost
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/examples/metadata_cost gen-emu 1000
//! callgrind_annotate --inclusive=yes callgrind.out.<pid>
//! ```
//!
//! Instructions per request are the total divided by the count; the allocations per request are
//! printed (a counting allocator). Modes: `emu-direct` and `base-direct` call the emulator's or
//! the baseline's router directly (`oneshot`, no sockets); `raw-base`, `gen-base`, `raw-emu`
//! and `gen-emu` pair plain `reqwest` or the generated client with the baseline axum app or the
//! emulator (served as users serve it) over 127.0.0.1, client and server on one current-thread
//! runtime so that one callgrind run counts both. The baseline is the one of
//! `benches/runtime.rs`: a hand-written axum handler answering the emulator's own JSON and ETag.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use http::header::{AUTHORIZATION, CONTENT_TYPE, ETAG, HOST};
use http::{HeaderValue, StatusCode};
use photo_api::client::ApiClient;
use photo_api::client::GetMyPhotoResponse;
use photo_api::emulator::test_images::jpeg;
use photo_api::emulator::{Emulator, TokenSpec};
use photo_api::models::ProfilePhoto;
use photo_api::runtime::client::{Client, RetryPolicy};
use tokio::net::TcpListener;
use tower::ServiceExt;

#[path = "../benches/support/baseline.rs"]
mod baseline;
use baseline::{Baseline, ME};

/// The system allocator, counting allocations (and reallocations).
struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);
// SAFETY: every call is passed on unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

type R = Result<(), Box<dyn std::error::Error>>;

/// What makes the requests.
enum Side {
    Direct(Router),
    Raw(reqwest::Client, String, HeaderValue),
    Gen(ApiClient),
}

/// One metadata request, its body read.
async fn one(side: &Side, token: &str) -> R {
    match side {
        Side::Direct(router) => {
            let request = http::Request::get("/v1.0/me/photo")
                .header(HOST, "127.0.0.1")
                .header(AUTHORIZATION, format!("Bearer {token}"))
                .body(axum::body::Body::empty())?;
            let response = router.clone().oneshot(request).await?;
            expect_ok(response.status())?;
            std::hint::black_box(axum::body::to_bytes(response.into_body(), usize::MAX).await?);
        }
        Side::Raw(http, url, auth) => {
            let response = http
                .get(url)
                .header(AUTHORIZATION, auth.clone())
                .send()
                .await?;
            expect_ok(response.status())?;
            let photo: ProfilePhoto = response.json().await?;
            std::hint::black_box(photo);
        }
        Side::Gen(api) => match api.me().photo().get().await? {
            GetMyPhotoResponse::Ok { body, .. } => {
                std::hint::black_box(body);
            }
            GetMyPhotoResponse::NotModified { .. } => return Err("unexpected 304".into()),
        },
    }
    Ok(())
}

fn expect_ok(status: StatusCode) -> R {
    if status == StatusCode::OK {
        Ok(())
    } else {
        Err(format!("answered {status}").into())
    }
}

/// Opens the connections and fills caches before counting.
#[inline(never)]
fn warm(rt: &tokio::runtime::Runtime, side: &Side, token: &str, n: usize) -> R {
    rt.block_on(async {
        for _ in 0..n {
            one(side, token).await?;
        }
        Ok(())
    })
}

/// The requests counted; callgrind's `--toggle-collect` names this function.
#[inline(never)]
fn measured(rt: &tokio::runtime::Runtime, side: &Side, token: &str, n: usize) -> R {
    rt.block_on(async {
        for _ in 0..n {
            one(side, token).await?;
        }
        Ok(())
    })
}

fn main() -> R {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "emu-direct".into());
    let n: usize = args.next().map_or(Ok(1000), |n| n.parse())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let emulator = Emulator::builder().secret("metadata cost secret").build()?;
    let token = emulator.token(&TokenSpec::delegated(ME, ["User.ReadWrite", "User.Read"]))?;
    let side = rt.block_on(async {
        // The emulator stores a photo; the baseline answers its metadata as the emulator does.
        let put = http::Request::put("/v1.0/me/photo/$value")
            .header(HOST, "127.0.0.1")
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, "image/jpeg")
            .body(axum::body::Body::from(jpeg(64, 48, 0)))?;
        expect_ok(emulator.router().oneshot(put).await?.status())?;
        let request = http::Request::get("/v1.0/me/photo")
            .header(HOST, "127.0.0.1")
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(axum::body::Body::empty())?;
        let response = emulator.router().oneshot(request).await?;
        let etag = response.headers().get(ETAG).cloned().ok_or("no ETag")?;
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        let entity: ProfilePhoto = serde_json::from_slice(&body)?;
        let baseline = Baseline::default();
        baseline.set_metadata(ME, etag, entity);
        let base_router = baseline.router();
        let addr: SocketAddr = match mode.as_str() {
            "raw-emu" | "gen-emu" => {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                tokio::spawn(emulator.serve(listener));
                addr
            }
            _ => {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                let router = base_router.clone();
                tokio::spawn(async move { axum::serve(listener, router).await });
                addr
            }
        };
        let side = match mode.as_str() {
            "emu-direct" => Side::Direct(emulator.router()),
            "base-direct" => Side::Direct(base_router),
            "raw-base" | "raw-emu" => Side::Raw(
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()?,
                format!("http://{addr}/v1.0/me/photo"),
                HeaderValue::from_str(&format!("Bearer {token}"))?,
            ),
            "gen-base" | "gen-emu" => Side::Gen(ApiClient::new(
                Client::builder()
                    .base_url(format!("http://{addr}/v1.0"))
                    .static_token(token.clone())
                    .retry(RetryPolicy::none())
                    .build()?,
            )),
            other => return Err(format!("unknown mode {other}").into()),
        };
        Ok::<_, Box<dyn std::error::Error>>(side)
    })?;
    warm(&rt, &side, &token, 50)?;
    let before = ALLOCS.load(Ordering::Relaxed);
    measured(&rt, &side, &token, n)?;
    let allocs = ALLOCS.load(Ordering::Relaxed) - before;
    println!(
        "{mode}: {:.1} allocations per request",
        allocs as f64 / n as f64
    );
    Ok(())
}
