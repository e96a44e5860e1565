//! Runtime benchmarks: the generated client talking to the emulator (generated server, runtime,
//! in-memory store) over 127.0.0.1, side by side in the same run with a baseline of raw `reqwest`
//! against a hand-written axum handler doing the same store operation.
//!
//! Run with `cargo xtask bench-runtime [--smoke]`, which builds the `photo-emulator` binary the
//! memory measurement runs, then `cargo bench -p photo-tests --bench runtime -- [--smoke]`.
//! Naming sections after `--` (`transfer`, `metadata`, `memory`) runs only those, which helps
//! when profiling one.
//!
//! Measured:
//! 1. 4 MB photo `PUT` and `GET …/photo/$value`, one request at a time: MB/s and latency
//!    percentiles. Baseline and generated requests alternate one by one, so load from other
//!    processes on a shared machine hits both sides alike.
//! 2. `GET …/photo` metadata requests per second at a fixed concurrency: the generated server
//!    (the emulator) against the hand-written axum handler, both behind plain `reqwest`, which is
//!    what the target compares; then the generated client against each server (the whole
//!    generated pair, and the client alone), and the server's cost per request with the network
//!    left out, to place any gap. The sides take turns in many short rounds, and a ratio is the
//!    median of the rounds' ratios. The two servers are measured once more with the clients and
//!    both servers on one thread, which is steadier from run to run.
//! 3. The server's peak RSS during concurrent 4 MB uploads to distinct owners. The server runs in
//!    a child process: `VmHWM` is per process, and in this process it would also count the
//!    client's request bodies and buffers and every earlier phase. Subtracting a separately
//!    measured client would not be sound either: the two peaks need not coincide, and memory one
//!    side frees is reused by the other through the shared allocator. A second emulator run
//!    uploads a JPEG of the same size with almost no pixels: the emulator no longer decodes
//!    uploads, so the two rows should agree, and a gap between them would point at image work.
//!    Peak RSS depends on glibc's malloc policy: compare with `MALLOC_MMAP_THRESHOLD_=131072`,
//!    which pins the mmap threshold glibc otherwise raises.
//!
//! Targets (reported, never failing the run, since a shared 2-core machine is noisy): generated
//! throughput and request rate ≥ 0.9× the baseline; peak server RSS ≤ stored bytes + 64 MiB.

use std::error::Error;
use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::header::{AUTHORIZATION, CONTENT_TYPE, ETAG, HOST};
use http::{HeaderValue, StatusCode};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, RgbImage};
use photo_api::client::{
    ApiClient, GetMyPhotoContentResponse, GetMyPhotoResponse, PhotoContent,
    SetMyPhotoContentResponse, SetUserPhotoContentResponse,
};
use photo_api::emulator::{Emulator, Photo, TokenSpec, imaging, tokens};
use photo_api::models::{ProfilePhoto, UserKey};
use photo_api::runtime::client::{Client, RetryPolicy};
use photo_api::runtime::server::{Authorizer, JwtAuthorizer};
use tokio::net::TcpListener;
use tower::ServiceExt;

#[path = "support/baseline.rs"]
mod baseline;
use baseline::{Baseline, ME};

type BenchResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// The photo's size: "4 MB", decimal, so MB/s below is bytes / 10^6 per second.
const PHOTO_BYTES: usize = 4_000_000;
/// The photo's pixels: a 12-megapixel phone camera's 4:3 frame, what a 4 MB photo usually is.
const PHOTO_WIDTH: u32 = 4032;
const PHOTO_HEIGHT: u32 = 3024;
/// The HS256 secret of the emulators started here; they listen on 127.0.0.1 only.
const SECRET: &str = "photo-api runtime benchmark secret";
/// The memory target: stored bytes plus this much.
const RSS_SLACK_BYTES: u64 = 64 * 1024 * 1024;
/// The throughput and request-rate target, as a fraction of the baseline.
const TARGET_RATIO: f64 = 0.9;
/// No phase may take longer than this; a hang fails the run instead of stalling CI.
const PHASE_TIMEOUT: Duration = Duration::from_secs(120);

/// The sections, in the order they run; naming some on the command line runs only those (handy
/// when profiling one).
const SECTIONS: [&str; 3] = ["transfer", "metadata", "memory"];

/// How much work each phase does.
struct Plan {
    name: &'static str,
    /// Repetitions of the timings of the PUT breakdown (at least 3).
    rounds: usize,
    /// 4 MB uploads and downloads per side.
    puts: usize,
    gets: usize,
    metadata_concurrency: usize,
    metadata_warmup: Duration,
    /// Rounds of the metadata measurement, each side in turn; many short rounds, so that the
    /// machine's speed drifts little between the sides of one round.
    metadata_rounds: usize,
    metadata_per_round: Duration,
    /// Calls of each router in the no-network measurement of server work.
    handler_calls: usize,
    uploads: usize,
}

const FULL: Plan = Plan {
    name: "full",
    rounds: 3,
    puts: 100,
    gets: 300,
    metadata_concurrency: 16,
    metadata_warmup: Duration::from_millis(500),
    metadata_rounds: 12,
    metadata_per_round: Duration::from_millis(600),
    handler_calls: 20_000,
    uploads: 64,
};

const SMOKE: Plan = Plan {
    name: "smoke",
    rounds: 1,
    puts: 2,
    gets: 4,
    metadata_concurrency: 16,
    metadata_warmup: Duration::from_millis(100),
    metadata_rounds: 2,
    metadata_per_round: Duration::from_millis(200),
    handler_calls: 1_000,
    uploads: 16,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, addr] = args.as_slice()
        && flag == BASELINE_CHILD_FLAG
    {
        return report(serve_baseline_child(addr));
    }
    let mut smoke = false;
    let mut sections = Vec::new();
    for arg in &args {
        match arg.as_str() {
            "--smoke" => smoke = true,
            // `cargo bench` passes `--bench`.
            "--bench" => {}
            name if SECTIONS.contains(&name) => sections.push(name.to_owned()),
            other => {
                eprintln!(
                    "error: unknown argument {other:?}; give --smoke and optionally sections to run: {}",
                    SECTIONS.join(" ")
                );
                return ExitCode::from(2);
            }
        }
    }
    if !args.iter().any(|arg| arg == "--bench") {
        // `cargo test --benches` runs benches without `--bench`, unoptimized: far too slow to
        // encode and decode 12-megapixel photos, and its numbers would mean nothing.
        println!("runtime benchmark skipped: run it with `cargo xtask bench-runtime [--smoke]`");
        return ExitCode::SUCCESS;
    }
    if sections.is_empty() {
        sections = SECTIONS.iter().map(|name| (*name).to_owned()).collect();
    }
    let plan = if smoke { &SMOKE } else { &FULL };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return report(Err(err.into())),
    };
    report(runtime.block_on(run(plan, &sections)))
}

fn report(outcome: BenchResult<()>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(plan: &Plan, sections: &[String]) -> BenchResult<()> {
    let started = Instant::now();
    let wanted = |name: &str| sections.iter().any(|section| section == name);
    println!(
        "runtime benchmark ({} mode, release build, 127.0.0.1)",
        plan.name
    );
    println!("{}", machine());
    let photo = photo(PHOTO_WIDTH, PHOTO_HEIGHT, PHOTO_BYTES)?;
    let info = imaging::inspect(&photo).map_err(|err| format!("the bench photo: {err}"))?;
    println!(
        "photo: {} bytes, {}x{} px JPEG",
        photo.len(),
        info.width,
        info.height
    );

    let emulator = Emulator::builder().secret(SECRET).build()?;
    let token = emulator.token(&TokenSpec::delegated(ME, ["User.ReadWrite", "User.Read"]))?;
    let emulator_addr = spawn_emulator(&emulator).await?;
    let baseline = Baseline::default();
    let baseline_addr = spawn_server(baseline.router()).await?;
    let generated = ApiClient::new(runtime_client(emulator_addr, &token)?);
    let raw = Raw::new(baseline_addr, &token)?;
    // Both servers hold the photo from here on, whichever sections run.
    raw.put(&photo).await?;
    generated_put(&generated, &photo).await?;

    if wanted("transfer") {
        let transfers = within(
            "4 MB transfers",
            transfer_phase(plan, &photo, &generated, &raw),
        )
        .await?;
        println!();
        println!(
            "1. 4 MB photo, one request at a time over one connection per side, baseline and generated alternating"
        );
        println!(
            "   PUT: {} requests per side; GET: {} requests per side",
            plan.puts, plan.gets
        );
        print_transfer_table(&transfers);
        print_put_breakdown(&photo, plan)?;
        let emulator_put = put_cost(emulator.router(), &token, &photo, plan.puts).await?;
        let baseline_put = put_cost(baseline.router(), &token, &photo, plan.puts).await?;
        println!(
            "   server work per 4 MB PUT without the network (router called directly with the whole body, one thread, median): emulator {:.0} us, baseline {:.0} us",
            micros(emulator_put),
            micros(baseline_put)
        );
    }

    if wanted("metadata") {
        let metadata = within(
            "metadata requests",
            metadata_phase(
                plan,
                &generated,
                &raw,
                (emulator_addr, baseline_addr),
                &token,
                &baseline,
            ),
        )
        .await?;
        println!();
        println!(
            "2. GET …/photo metadata, {} concurrent requests ({} rounds of {:.1} s per side, alternating; ratio: median of the rounds' ratios)",
            plan.metadata_concurrency,
            plan.metadata_rounds,
            plan.metadata_per_round.as_secs_f64()
        );
        print_rate_table(&metadata);
        let one_thread = one_thread_rates(plan, &emulator, &baseline, &token)?;
        println!(
            "   the same behind plain reqwest, clients and both servers on one thread (steadier; the ratio is one of CPU work per request; reported, the row above is judged):"
        );
        print_rate_header();
        print_rate_rows(&one_thread, &METADATA_SIDES[..2], None, false);
        let emulator_cost = handler_cost(emulator.router(), &token, plan.handler_calls).await?;
        let baseline_cost = handler_cost(baseline.router(), &token, plan.handler_calls).await?;
        let verifier = JwtAuthorizer::hs256(SECRET);
        let start = Instant::now();
        for _ in 0..plan.handler_calls {
            std::hint::black_box(verifier.authenticate(&token)?);
        }
        let token_cost = start.elapsed() / u32::try_from(plan.handler_calls)?;
        println!(
            "   server work per request without the network (router called directly, one thread): emulator {:.1} us, of which the token check {:.1} us; baseline {:.1} us",
            micros(emulator_cost),
            micros(token_cost),
            micros(baseline_cost)
        );
    }

    if wanted("memory") {
        println!();
        println!(
            "3. server peak RSS, {} concurrent 4 MB uploads to distinct owners (server in a child process)",
            plan.uploads
        );
        let rows = within("peak RSS", memory_phase(plan, &photo)).await?;
        print_memory_table(&rows, plan.uploads, photo.len());
    }

    println!();
    println!("total time {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Runs one phase with a time limit.
async fn within<T>(what: &str, phase: impl Future<Output = BenchResult<T>>) -> BenchResult<T> {
    tokio::time::timeout(PHASE_TIMEOUT, phase)
        .await
        .map_err(|_| format!("{what} took longer than {PHASE_TIMEOUT:?}"))?
}

// ---------------------------------------------------------------------------------------------
// The machine and the photo
// ---------------------------------------------------------------------------------------------

/// CPUs, CPU model, memory and load, read from Linux's /proc.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("unknown", |(_, model)| model.trim());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .map_or("unknown".to_owned(), |kib| {
            format!("{:.1} GiB", kib / 1024.0 / 1024.0)
        });
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "machine: nproc {cpus}, {model}, {memory} memory, load average {}",
        load.join(" ")
    )
}

/// A deterministic photo-like JPEG of `width` x `height` pixels (smooth shading plus sensor-like
/// noise), encoded at the highest quality that fits in `size` bytes and padded to exactly `size`
/// with comment segments, which decoders skip.
fn photo(width: u32, height: u32, size: usize) -> BenchResult<Bytes> {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let image = RgbImage::from_fn(width, height, |x, y| {
        // xorshift64: cheap, deterministic noise.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed % 41) as i32 - 20;
        let shade = |scale: u32, offset: u32| {
            let value = ((x / 4 + y / scale + offset) % 512) as i32;
            let value = if value > 255 { 511 - value } else { value };
            (value + noise).clamp(0, 255) as u8
        };
        image::Rgb([shade(3, 0), shade(5, 170), shade(7, 340)])
    });
    let image = DynamicImage::ImageRgb8(image);
    for quality in (50..=95).rev().step_by(5) {
        let mut jpeg = Vec::with_capacity(size);
        image.write_with_encoder(JpegEncoder::new_with_quality(&mut jpeg, quality))?;
        if let Some(padded) = pad_jpeg(jpeg, size) {
            return Ok(Bytes::from(padded));
        }
    }
    Err(format!("no JPEG quality fits {width}x{height} pixels in {size} bytes").into())
}

/// `jpeg` grown to exactly `size` bytes with COM segments after SOI; `None` if it is larger, or
/// short by 1 to 3 bytes (a segment takes at least 4).
fn pad_jpeg(jpeg: Vec<u8>, size: usize) -> Option<Vec<u8>> {
    const MAX_SEGMENT: usize = 4 + 65_533;
    let mut missing = size.checked_sub(jpeg.len())?;
    if (1..4).contains(&missing) || jpeg.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return None;
    }
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&jpeg[..2]);
    while missing > 0 {
        let mut segment = missing.min(MAX_SEGMENT);
        if (1..4).contains(&(missing - segment)) {
            segment -= 4;
        }
        let length = u16::try_from(segment - 2).ok()?;
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&length.to_be_bytes());
        out.resize(out.len() + segment - 4, b' ');
        missing -= segment;
    }
    out.extend_from_slice(&jpeg[2..]);
    (out.len() == size).then_some(out)
}

// ---------------------------------------------------------------------------------------------
// Servers and clients
// ---------------------------------------------------------------------------------------------

/// Serves `router` on an ephemeral 127.0.0.1 port for the rest of the run.
async fn spawn_server(router: Router) -> BenchResult<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            eprintln!("error: a benchmark server stopped: {err}");
        }
    });
    Ok(addr)
}

/// Serves `emulator` the way its users do ([`Emulator::serve`], the runtime's own serve loop) on
/// an ephemeral 127.0.0.1 port for the rest of the run.
async fn spawn_emulator(emulator: &Emulator) -> BenchResult<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let serving = emulator.serve(listener);
    tokio::spawn(async move {
        if let Err(err) = serving.await {
            eprintln!("error: the emulator stopped: {err}");
        }
    });
    Ok(addr)
}

/// The runtime client as the generated code uses it, without retries so that every number is
/// one attempt.
fn runtime_client(addr: SocketAddr, token: &str) -> BenchResult<Client> {
    Ok(Client::builder()
        .base_url(format!("http://{addr}/v1.0"))
        .static_token(token)
        .retry(RetryPolicy::none())
        .build()?)
}

/// The baseline client: plain `reqwest`, configured as the runtime configures its own, sending
/// the same bearer token.
struct Raw {
    http: reqwest::Client,
    base: String,
    authorization: HeaderValue,
}

impl Raw {
    fn new(addr: SocketAddr, token: &str) -> BenchResult<Raw> {
        Ok(Raw {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: format!("http://{addr}/v1.0"),
            authorization: HeaderValue::from_str(&format!("Bearer {token}"))?,
        })
    }

    async fn put(&self, photo: &Bytes) -> BenchResult<()> {
        let response = self
            .http
            .put(format!("{}/me/photo/$value", self.base))
            .header(AUTHORIZATION, self.authorization.clone())
            .header(CONTENT_TYPE, "image/jpeg")
            .body(photo.clone())
            .send()
            .await?;
        expect_status(response.status(), "baseline PUT")
    }

    async fn get(&self) -> BenchResult<usize> {
        let response = self
            .http
            .get(format!("{}/me/photo/$value", self.base))
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await?;
        expect_status(response.status(), "baseline GET")?;
        Ok(response.bytes().await?.len())
    }

    async fn metadata(&self) -> BenchResult<ProfilePhoto> {
        let response = self
            .http
            .get(format!("{}/me/photo", self.base))
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await?;
        expect_status(response.status(), "baseline metadata GET")?;
        Ok(response.json().await?)
    }
}

fn expect_status(status: reqwest::StatusCode, what: &str) -> BenchResult<()> {
    if status == reqwest::StatusCode::OK {
        Ok(())
    } else {
        Err(format!("{what} answered {status}").into())
    }
}

async fn generated_put(api: &ApiClient, photo: &Bytes) -> BenchResult<()> {
    match api
        .me()
        .photo()
        .content()
        .put(PhotoContent::from_jpeg(photo.clone())?)
        .await?
    {
        SetMyPhotoContentResponse::Ok => Ok(()),
    }
}

async fn generated_get(api: &ApiClient) -> BenchResult<usize> {
    match api.me().photo().content().get().await? {
        GetMyPhotoContentResponse::Ok { body, .. } => Ok(body.bytes().await?.len()),
        GetMyPhotoContentResponse::NotModified { .. } => {
            Err("the generated GET answered 304 without If-None-Match".into())
        }
    }
}

async fn generated_metadata(api: &ApiClient) -> BenchResult<ProfilePhoto> {
    match api.me().photo().get().await? {
        GetMyPhotoResponse::Ok { body, .. } => Ok(body),
        GetMyPhotoResponse::NotModified { .. } => {
            Err("the generated metadata GET answered 304 without If-None-Match".into())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Phase 1: 4 MB transfers
// ---------------------------------------------------------------------------------------------

/// Latencies of one side of one case.
#[derive(Default)]
struct Samples {
    latencies: Vec<Duration>,
    bytes: u64,
}

impl Samples {
    fn record(&mut self, elapsed: Duration, bytes: usize) {
        self.latencies.push(elapsed);
        self.bytes += bytes as u64;
    }

    fn total(&self) -> Duration {
        self.latencies.iter().sum()
    }

    /// Decimal megabytes per second of request time.
    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.total().as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// The nearest-rank percentile, in milliseconds.
    fn percentile_ms(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
    }
}

struct Transfers {
    put: [Samples; 2],
    get: [Samples; 2],
}

async fn transfer_phase(
    plan: &Plan,
    photo: &Bytes,
    generated: &ApiClient,
    raw: &Raw,
) -> BenchResult<Transfers> {
    // Warm-up: connections are open and allocations settled before anything is timed.
    for _ in 0..2 {
        raw.put(photo).await?;
        generated_put(generated, photo).await?;
        raw.get().await?;
        generated_get(generated).await?;
    }
    let mut transfers = Transfers {
        put: Default::default(),
        get: Default::default(),
    };
    // Baseline and generated requests alternate one by one, so that load from other processes
    // hits both sides alike.
    for _ in 0..plan.puts {
        let start = Instant::now();
        raw.put(photo).await?;
        transfers.put[0].record(start.elapsed(), photo.len());
        let start = Instant::now();
        generated_put(generated, photo).await?;
        transfers.put[1].record(start.elapsed(), photo.len());
    }
    for _ in 0..plan.gets {
        let start = Instant::now();
        let len = raw.get().await?;
        transfers.get[0].record(start.elapsed(), check_len(len, photo.len())?);
        let start = Instant::now();
        let len = generated_get(generated).await?;
        transfers.get[1].record(start.elapsed(), check_len(len, photo.len())?);
    }
    Ok(transfers)
}

fn check_len(got: usize, want: usize) -> BenchResult<usize> {
    if got == want {
        Ok(got)
    } else {
        Err(format!("a GET returned {got} bytes, not {want}").into())
    }
}

const SIDES: [&str; 2] = ["baseline: reqwest + axum", "generated client + emulator"];

fn print_transfer_table(transfers: &Transfers) {
    println!(
        "   {:<4} {:<28} {:>9} {:>8} {:>8} {:>8} {:>7}  target",
        "op", "side", "MB/s", "p50 ms", "p90 ms", "p99 ms", "ratio"
    );
    for (op, samples) in [("PUT", &transfers.put), ("GET", &transfers.get)] {
        let base = samples[0].mb_per_s();
        for (side, sample) in SIDES.iter().zip(samples.iter()) {
            let ratio = sample.mb_per_s() / base;
            println!(
                "   {op:<4} {side:<28} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>6.2}x  {}",
                sample.mb_per_s(),
                sample.percentile_ms(50.0),
                sample.percentile_ms(90.0),
                sample.percentile_ms(99.0),
                ratio,
                verdict_ratio(ratio, side == &SIDES[0]),
            );
        }
    }
}

fn verdict_ratio(ratio: f64, is_baseline: bool) -> String {
    if is_baseline {
        String::new()
    } else if ratio >= TARGET_RATIO {
        format!(">= {TARGET_RATIO:.2}x met")
    } else {
        format!(">= {TARGET_RATIO:.2}x MISSED")
    }
}

/// What the emulator does per upload besides moving bytes, timed alone on one thread, so the PUT
/// gap can be read against it: the JPEG check every upload gets (headers and end, after the last
/// byte is in), the full decode an emulator set to decode uploads adds, and the hash behind the
/// ETag (made while the bytes arrive).
fn print_put_breakdown(photo: &Bytes, plan: &Plan) -> BenchResult<()> {
    let runs = plan.rounds.max(3);
    let mut structure = Vec::with_capacity(runs);
    let mut decode = Vec::with_capacity(runs);
    let mut digest = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let info = imaging::check(photo).map_err(|err| format!("the bench photo: {err}"))?;
        structure.push(start.elapsed());
        let start = Instant::now();
        imaging::validate(photo).map_err(|err| format!("the bench photo: {err}"))?;
        decode.push(start.elapsed());
        let start = Instant::now();
        let stored = Photo::new(photo.clone(), info);
        digest.push(start.elapsed());
        std::hint::black_box(stored);
    }
    for samples in [&mut structure, &mut decode, &mut digest] {
        samples.sort_unstable();
    }
    let median = |samples: &[Duration]| samples[samples.len() / 2].as_secs_f64() * 1000.0;
    println!(
        "   emulator work per PUT outside the transport (median of {runs}, one thread): JPEG check {:.2} ms (after the transfer), ETag hash {:.2} ms (overlaps the transfer); a full decode (--decode-uploads) would add {:.1} ms",
        median(&structure),
        median(&digest),
        median(&decode)
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Phase 2: metadata request rate
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Rate {
    samples: Samples,
    elapsed: Duration,
    /// Requests per second in each round, in order.
    rounds: Vec<f64>,
}

/// Requests per second: `count` requests in `elapsed`.
fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
}

impl Rate {
    fn per_second(&self) -> f64 {
        per_second(self.samples.latencies.len(), self.elapsed)
    }

    /// Adds one round's requests to this side's totals.
    fn add_round(&mut self, samples: Samples, elapsed: Duration) {
        self.rounds
            .push(per_second(samples.latencies.len(), elapsed));
        self.samples.latencies.extend(samples.latencies);
        self.elapsed += elapsed;
    }

    /// This side's rate over `base`'s, round by round: each pair was measured within a second
    /// or so of each other, so a machine that speeds up or slows down over the run (a shared
    /// VM does, by a fifth) moves both alike. Sorted.
    fn round_ratios(&self, base: &Rate) -> Vec<f64> {
        let mut ratios: Vec<f64> = self
            .rounds
            .iter()
            .zip(&base.rounds)
            .map(|(side, base)| side / base.max(f64::MIN_POSITIVE))
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    }
}

/// The middle value of sorted `values` (the mean of the two middle ones for an even count).
fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// One way of making a metadata request, as a cloneable factory of futures.
type Requester = Arc<dyn Fn() -> BoxFuture<'static, BenchResult<()>> + Send + Sync>;

fn raw_requester(raw: Raw) -> Requester {
    let raw = Arc::new(raw);
    Arc::new(move || {
        let raw = raw.clone();
        Box::pin(async move { raw.metadata().await.map(drop) })
    })
}

fn generated_requester(api: ApiClient) -> Requester {
    Arc::new(move || {
        let api = api.clone();
        Box::pin(async move { generated_metadata(&api).await.map(drop) })
    })
}

/// The rows of the metadata table. The target compares the servers, the generated one against
/// the hand-written handler, with the same client (plain `reqwest`) in front of both; then the
/// whole generated pair, and the generated client in front of the baseline, which together tell
/// how much of a gap is the client's and how much the server's.
const METADATA_SIDES: [&str; 4] = [
    SIDES[0],
    "reqwest + emulator",
    "generated client + emulator",
    "generated client + axum",
];

async fn metadata_phase(
    plan: &Plan,
    generated: &ApiClient,
    raw: &Raw,
    addrs: (SocketAddr, SocketAddr),
    token: &str,
    baseline: &Baseline,
) -> BenchResult<Vec<Rate>> {
    let (emulator_addr, baseline_addr) = addrs;
    // The baseline answers the very JSON and ETag the emulator answers.
    let response = reqwest::Client::new()
        .get(format!("http://{emulator_addr}/v1.0/me/photo"))
        .bearer_auth(token)
        .send()
        .await?;
    expect_status(response.status(), "emulator metadata GET")?;
    let etag = response
        .headers()
        .get(ETAG)
        .cloned()
        .ok_or("the emulator sent no ETag")?;
    let entity: ProfilePhoto = response.json().await?;
    baseline.set_metadata(ME, etag, entity.clone());
    if raw.metadata().await? != entity || generated_metadata(generated).await? != entity {
        return Err("the baseline and the emulator answer different metadata".into());
    }

    // In the order of `METADATA_SIDES`.
    let requesters = [
        raw_requester(Raw::new(baseline_addr, token)?),
        raw_requester(Raw::new(emulator_addr, token)?),
        generated_requester(generated.clone()),
        generated_requester(ApiClient::new(runtime_client(baseline_addr, token)?)),
    ];
    alternate_rounds(plan, &requesters).await
}

/// Warms each requester up, then measures them in turn for `plan.metadata_rounds` rounds; the
/// rates come back in the requesters' order.
async fn alternate_rounds(plan: &Plan, requesters: &[Requester]) -> BenchResult<Vec<Rate>> {
    let concurrency = plan.metadata_concurrency;
    for requester in requesters {
        saturate(concurrency, plan.metadata_warmup, requester.clone()).await?;
    }
    let mut rates: Vec<Rate> = requesters.iter().map(|_| Rate::default()).collect();
    for round in 0..plan.metadata_rounds {
        // Every other round runs the sides in reverse, so a steady drift in the machine's speed
        // favours no side.
        let mut order: Vec<usize> = (0..requesters.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for side in order {
            let (samples, elapsed) = saturate(
                concurrency,
                plan.metadata_per_round,
                requesters[side].clone(),
            )
            .await?;
            rates[side].add_round(samples, elapsed);
        }
    }
    Ok(rates)
}

/// The baseline's and the emulator's metadata rates behind plain `reqwest` with the clients and
/// both servers on one thread of their own (a current-thread runtime). On the two-thread
/// runtime, where tasks land from round to round moves a round's rate by up to a third; on one
/// thread the rate is the inverse of the CPU work per request, client's and server's together,
/// which is steadier from run to run.
fn one_thread_rates(
    plan: &Plan,
    emulator: &Emulator,
    baseline: &Baseline,
    token: &str,
) -> BenchResult<Vec<Rate>> {
    let measure = || -> BenchResult<Vec<Rate>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // The limit is kept inside this runtime: the thread waiting for it cannot time out.
        runtime.block_on(within("one-thread metadata requests", async {
            let requesters = [
                raw_requester(Raw::new(spawn_server(baseline.router()).await?, token)?),
                raw_requester(Raw::new(spawn_emulator(emulator).await?, token)?),
            ];
            alternate_rounds(plan, &requesters).await
        }))
    };
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            scope
                .spawn(measure)
                .join()
                .map_err(|_| "the one-thread measurement panicked")?
        })
    })
}

/// The mean time `router` takes to answer `GET /v1.0/me/photo`, called directly (no sockets, no
/// HTTP parsing): what the server side costs per request on its own.
async fn handler_cost(router: Router, token: &str, calls: usize) -> BenchResult<Duration> {
    let start = Instant::now();
    for _ in 0..calls {
        let request = http::Request::get("/v1.0/me/photo")
            .header(HOST, "127.0.0.1")
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(axum::body::Body::empty())?;
        let response = router.clone().oneshot(request).await?;
        if response.status() != StatusCode::OK {
            return Err(format!("a direct metadata call answered {}", response.status()).into());
        }
        std::hint::black_box(axum::body::to_bytes(response.into_body(), usize::MAX).await?);
    }
    Ok(start.elapsed() / u32::try_from(calls.max(1))?)
}

/// The median time `router` takes to store `photo` by `PUT /v1.0/me/photo/$value`, called
/// directly with the body in one piece: the server's own work per upload (checks, hashing,
/// storing), which over a socket mostly overlaps the transfer.
async fn put_cost(
    router: Router,
    token: &str,
    photo: &Bytes,
    calls: usize,
) -> BenchResult<Duration> {
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls.max(1) {
        let request = http::Request::put("/v1.0/me/photo/$value")
            .header(HOST, "127.0.0.1")
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, "image/jpeg")
            .body(axum::body::Body::from(photo.clone()))?;
        let start = Instant::now();
        let response = router.clone().oneshot(request).await?;
        times.push(start.elapsed());
        if response.status() != StatusCode::OK {
            return Err(format!("a direct upload answered {}", response.status()).into());
        }
    }
    times.sort_unstable();
    Ok(times[times.len() / 2])
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// Keeps `concurrency` requests in flight for `period`; returns their latencies and the time
/// until the last one finished.
async fn saturate(
    concurrency: usize,
    period: Duration,
    request: Requester,
) -> BenchResult<(Samples, Duration)> {
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let request = request.clone();
        let stop = stop.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let begun = Instant::now();
                request().await?;
                latencies.push(begun.elapsed());
            }
            BenchResult::Ok(latencies)
        }));
    }
    tokio::time::sleep(period).await;
    stop.store(true, Ordering::Relaxed);
    let mut samples = Samples::default();
    for worker in workers {
        samples.latencies.extend(worker.await??);
    }
    Ok((samples, start.elapsed()))
}

fn print_rate_table(rates: &[Rate]) {
    print_rate_header();
    print_rate_rows(rates, &METADATA_SIDES, Some(2), true);
    println!(
        "   (ratio: the median over rounds of the side's rate over the baseline's in the same round; rounds: the lowest and highest of those)"
    );
}

fn print_rate_header() {
    println!(
        "   {:<28} {:>9} {:>8} {:>8} {:>8} {:>7} {:>13}  target",
        "side", "req/s", "p50 ms", "p90 ms", "p99 ms", "ratio", "rounds"
    );
}

/// One row per side; the first is the baseline the others are compared with, the second is
/// judged against the target when `judged`. A note on the generated client goes before the row
/// `client_rows`.
fn print_rate_rows(rates: &[Rate], sides: &[&str], client_rows: Option<usize>, judged: bool) {
    let Some(base) = rates.first() else { return };
    for (index, (side, rate)) in sides.iter().zip(rates).enumerate() {
        if Some(index) == client_rows {
            println!(
                "   with the generated client (the whole pair, and the client alone against axum):"
            );
        }
        let ratios = rate.round_ratios(base);
        let ratio = median(&ratios);
        let spread = match (ratios.first(), ratios.last()) {
            (Some(low), Some(high)) if index > 0 => format!("{low:.2}-{high:.2}x"),
            _ => String::new(),
        };
        println!(
            "   {side:<28} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>6.2}x {spread:>13}  {}",
            rate.per_second(),
            rate.samples.percentile_ms(50.0),
            rate.samples.percentile_ms(90.0),
            rate.samples.percentile_ms(99.0),
            ratio,
            if index == 1 && judged {
                verdict_ratio(ratio, false)
            } else {
                String::new()
            },
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Phase 3: server memory
// ---------------------------------------------------------------------------------------------

/// The argument that makes this binary serve the baseline app, for its memory comparison.
const BASELINE_CHILD_FLAG: &str = "--serve-baseline-on";

struct MemoryRow {
    server: String,
    idle_kib: u64,
    peak_kib: u64,
}

/// The pixels of the diagnostic photo: as many bytes as the real one, almost nothing to decode.
const TINY_WIDTH: u32 = 64;
const TINY_HEIGHT: u32 = 48;

async fn memory_phase(plan: &Plan, photo: &Bytes) -> BenchResult<Vec<MemoryRow>> {
    let mut rows = Vec::new();
    match emulator_binary() {
        Some(binary) => {
            // The same number of bytes with almost no pixels: uploads are not decoded, so any
            // difference between the two rows would be image work showing up again.
            let tiny = self::photo(TINY_WIDTH, TINY_HEIGHT, photo.len())?;
            let info = imaging::inspect(photo).map_err(|err| format!("the bench photo: {err}"))?;
            for (content, label) in [
                (
                    photo,
                    format!("photo-emulator, {}x{} px", info.width, info.height),
                ),
                (&tiny, format!("  same, {TINY_WIDTH}x{TINY_HEIGHT} px")),
            ] {
                let peak_kib = emulator_peak(&binary, plan.uploads, content).await?;
                rows.push(MemoryRow {
                    server: label,
                    idle_kib: peak_kib.0,
                    peak_kib: peak_kib.1,
                });
            }
        }
        None => println!(
            "   photo-emulator skipped: no binary; run `cargo xtask bench-runtime`, or build it with `cargo build --release -p photo-api --features emulator --bin photo-emulator`"
        ),
    }

    let me = std::env::current_exe()?;
    let server = ChildServer::start(&me, &[BASELINE_CHILD_FLAG, "127.0.0.1:0"], "listening on ")?;
    let raw = reqwest::Client::new();
    let base = format!("http://{}/v1.0", server.addr);
    let idle_kib = server.status_kib("VmRSS")?;
    upload_all(plan.uploads, |owner| {
        let request = raw
            .put(format!("{base}/users/{owner}/photo/$value"))
            .header(CONTENT_TYPE, "image/jpeg")
            .body(photo.clone());
        async move {
            let response = request.send().await?;
            expect_status(response.status(), "baseline upload")
        }
    })
    .await?;
    rows.push(MemoryRow {
        server: "baseline axum app".to_owned(),
        idle_kib,
        peak_kib: server.status_kib("VmHWM")?,
    });
    Ok(rows)
}

/// Idle RSS and peak RSS (KiB) of a fresh `photo-emulator` taking `uploads` concurrent uploads
/// of `photo`, each to its own user, through the generated client.
async fn emulator_peak(binary: &Path, uploads: usize, photo: &Bytes) -> BenchResult<(u64, u64)> {
    let args = ["serve", "--bind", "127.0.0.1:0", "--secret", SECRET];
    let server = ChildServer::start(binary, &args, "photo-emulator listening on ")?;
    let token = tokens::mint(
        &TokenSpec::application("bench-app", ["User.ReadWrite.All"]),
        SECRET.as_bytes(),
    )?;
    let api = ApiClient::new(runtime_client(server.addr, &token)?);
    let idle_kib = server.status_kib("VmRSS")?;
    upload_all(uploads, |owner| {
        let api = api.clone();
        let photo = photo.clone();
        async move {
            let user = UserKey::new(owner)?;
            match api
                .users()
                .by_key(&user)
                .photo()
                .content()
                .put(PhotoContent::from_jpeg(photo)?)
                .await?
            {
                SetUserPhotoContentResponse::Ok => Ok(()),
            }
        }
    })
    .await?;
    Ok((idle_kib, server.status_kib("VmHWM")?))
}

/// Sends `count` uploads at once, one per owner, and waits for all of them.
async fn upload_all<F, Fut>(count: usize, upload: F) -> BenchResult<()>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = BenchResult<()>> + Send + 'static,
{
    let tasks: Vec<_> = (0..count)
        .map(|index| tokio::spawn(upload(format!("bench-owner-{index}"))))
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// The `photo-emulator` binary: `PHOTO_EMULATOR_BIN` (set by `cargo xtask bench-runtime`, which
/// builds it first), else the one next to this benchmark in the release target directory.
fn emulator_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PHOTO_EMULATOR_BIN") {
        return Some(PathBuf::from(path));
    }
    // This benchmark runs from <target>/release/deps/.
    let exe = std::env::current_exe().ok()?;
    let release = exe.parent()?.parent()?;
    let binary = release.join(format!("photo-emulator{}", std::env::consts::EXE_SUFFIX));
    binary.is_file().then_some(binary)
}

/// A server in a child process, killed when dropped.
struct ChildServer {
    child: Child,
    addr: SocketAddr,
}

impl ChildServer {
    /// Starts `program` and waits for the stdout line `<ready_prefix><address>`.
    fn start(program: &Path, args: &[&str], ready_prefix: &str) -> BenchResult<ChildServer> {
        let mut child = std::process::Command::new(program)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", program.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        // Drained on threads so the child never blocks on a full pipe.
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stderr).read_to_string(&mut text);
            text
        });
        let mut lines = BufReader::new(stdout).lines();
        let addr = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix(ready_prefix)?.trim().parse().ok());
        std::thread::spawn(move || lines.for_each(drop));
        let mut server = ChildServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        match addr {
            Some(addr) => {
                server.addr = addr;
                Ok(server)
            }
            None => {
                let _ = server.child.kill();
                let _ = server.child.wait();
                let stderr = errors.join().unwrap_or_default();
                Err(format!("{} did not start:\n{stderr}", program.display()).into())
            }
        }
    }

    /// A memory figure (`VmRSS`, `VmHWM`) of the child, in KiB, from /proc.
    fn status_kib(&self, key: &str) -> BenchResult<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .ok_or_else(|| format!("no {key} in /proc/{}/status", self.child.id()).into())
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child side of the baseline memory measurement: serve the baseline app until killed.
fn serve_baseline_child(addr: &str) -> BenchResult<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = TcpListener::bind(addr).await?;
        println!("listening on {}", listener.local_addr()?);
        axum::serve(listener, Baseline::default().router()).await?;
        Ok(())
    })
}

fn print_memory_table(rows: &[MemoryRow], uploads: usize, photo_len: usize) {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let stored = (uploads * photo_len) as u64;
    let budget = stored + RSS_SLACK_BYTES;
    let as_mib = |bytes: u64| bytes as f64 / 1024.0 / 1024.0;
    println!(
        "   stored: {uploads} x {photo_len} bytes = {:.1} MiB; target: peak <= stored + 64 MiB = {:.1} MiB",
        as_mib(stored),
        as_mib(budget)
    );
    println!(
        "   {:<28} {:>9} {:>9} {:>15}  target",
        "server", "idle MiB", "peak MiB", "peak - stored"
    );
    for row in rows {
        let peak = row.peak_kib * 1024;
        let verdict = if row.server.starts_with(' ') {
            ""
        } else if peak <= budget {
            "met"
        } else {
            "MISSED"
        };
        println!(
            "   {:<28} {:>9.1} {:>9.1} {:>11.1} MiB  {verdict}",
            row.server,
            mib(row.idle_kib),
            mib(row.peak_kib),
            as_mib(peak) - as_mib(stored),
        );
    }
}
