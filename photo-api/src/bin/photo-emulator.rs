//! `photo-emulator`: a local Microsoft Graph profile-photo emulator for integration tests.
//!
//! `photo-emulator serve` runs it (loopback only unless told otherwise) and, when stopped, prints
//! the least-privilege advisor's report on the calls it served; `photo-emulator token` prints a
//! dev token it accepts. See `--help` of each.

#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use photo_api::emulator::{
    Emulator, FaultMode, FaultStatus, Faults, PERMISSIONS_PATH, TokenSpec, UploadCheck,
    random_secret, tokens,
};
use photo_api::runtime::server::ServerConfig;

#[derive(Parser)]
#[command(
    name = "photo-emulator",
    version,
    about = "A local Microsoft Graph profile-photo emulator for integration tests."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the photo API under /v1.0 and /beta; print which permissions each client needed
    /// when stopped.
    Serve(ServeArgs),
    /// Print a signed dev token the emulator accepts.
    Token(TokenArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; loopback by default, so nothing outside this machine can connect.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Keep photos in this directory so they survive restarts (default: in memory only).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Verify HS256 tokens with this secret (default: a random secret, printed at start).
    #[arg(long, value_name = "S", conflicts_with_all = ["rs256_public_key", "insecure_unsigned_tokens"])]
    secret: Option<String>,
    /// Verify RS256 tokens with this PEM RSA public key instead.
    #[arg(long, value_name = "FILE", conflicts_with = "insecure_unsigned_tokens")]
    rs256_public_key: Option<PathBuf>,
    /// Accept tokens for this audience instead of Graph's (repeatable).
    #[arg(long = "audience", value_name = "A")]
    audiences: Vec<String>,
    /// DANGEROUS: accept unsigned tokens and trust their claims. Local debugging only.
    #[arg(long)]
    insecure_unsigned_tokens: bool,
    /// Fail each API request with this probability (0 to 1).
    #[arg(long, value_name = "P", conflicts_with_all = ["fault_first", "fault_every"])]
    fault_rate: Option<f64>,
    /// Fail the first N API requests (reproducible).
    #[arg(long, value_name = "N", conflicts_with = "fault_every")]
    fault_first: Option<u64>,
    /// Fail every Nth API request (reproducible).
    #[arg(long, value_name = "N")]
    fault_every: Option<u64>,
    /// Status of a faulted request: 429, 503 or 504.
    #[arg(long, value_name = "STATUS", default_value = "429", value_parser = parse_fault_status)]
    fault_status: FaultStatus,
    /// Retry-After of a faulted request, in seconds.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 1,
        conflicts_with = "no_retry_after"
    )]
    retry_after: u64,
    /// Send faulted requests without Retry-After (clients must back off on their own).
    #[arg(long)]
    no_retry_after: bool,
    /// Delay every API request by this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,
    /// Decode every upload in full, refusing damaged image data with 400 at upload time (by
    /// default only the JPEG structure is checked, and damage shows when a size is first made).
    #[arg(long)]
    decode_uploads: bool,
    /// Make a user key (say, a principal name) name the same user as an object id (repeatable).
    #[arg(long = "user-alias", value_name = "ALIAS=USER_ID", value_parser = parse_alias)]
    user_aliases: Vec<(String, String)>,
    /// Refuse an upload with 408 and close its connection once it sends nothing for this long.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = ServerConfig::DEFAULT_BODY_IDLE_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    body_idle_timeout: u64,
    /// Answer malformed HTTP (refused by hyper before routing: a bad request line, a target or
    /// headers too long) with Graph's error JSON instead of hyper's empty 400, 414 or 431.
    #[arg(long)]
    graph_errors_for_malformed_http: bool,
}

#[derive(Args)]
struct TokenArgs {
    /// The user's object id (`oid`/`sub`; what /me resolves to), or the app's for --roles.
    #[arg(long, visible_alias = "subject", value_name = "USER_ID")]
    user: String,
    /// Delegated permissions (space or comma separated) [default: "User.Read User.ReadWrite"].
    #[arg(long, value_name = "SCOPES", conflicts_with = "roles")]
    scopes: Option<String>,
    /// Application permissions (space or comma separated): makes an app-only token.
    #[arg(long, value_name = "ROLES")]
    roles: Option<String>,
    /// A personal Microsoft account's token (issued by the consumer tenant).
    #[arg(long, conflicts_with_all = ["roles", "tenant"])]
    personal: bool,
    /// The issuing tenant id (`tid`).
    #[arg(long, value_name = "TENANT_ID")]
    tenant: Option<String>,
    /// The app the token is issued to (`azp`), which the permission report groups calls by.
    #[arg(long, value_name = "CLIENT_ID")]
    client: Option<String>,
    /// The audience (`aud`).
    #[arg(long, value_name = "A", default_value = "https://graph.microsoft.com")]
    audience: String,
    /// The HS256 secret the emulator was started with.
    #[arg(
        long,
        value_name = "S",
        required_unless_present = "rs256_private_key",
        conflicts_with = "rs256_private_key"
    )]
    secret: Option<String>,
    /// Sign with RS256 and this PEM RSA private key instead.
    #[arg(long, value_name = "FILE")]
    rs256_private_key: Option<PathBuf>,
    /// Lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    ttl: u64,
}

fn parse_fault_status(text: &str) -> Result<FaultStatus, String> {
    text.parse::<u16>()
        .ok()
        .and_then(FaultStatus::from_code)
        .ok_or_else(|| format!("`{text}` is not 429, 503 or 504"))
}

fn parse_alias(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((alias, user)) if !alias.is_empty() && !user.is_empty() => {
            Ok((alias.to_owned(), user.to_owned()))
        }
        _ => Err(format!("`{text}` is not ALIAS=USER_ID")),
    }
}

/// Permissions given as one string, separated by spaces or commas.
fn permissions(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Token(args) => token(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("photo-emulator: {err}");
            ExitCode::FAILURE
        }
    }
}

fn token(args: TokenArgs) -> Result<(), Failure> {
    let mut spec = match &args.roles {
        Some(roles) => TokenSpec::application(&args.user, permissions(roles)),
        None => TokenSpec::delegated(
            &args.user,
            permissions(args.scopes.as_deref().unwrap_or("User.Read User.ReadWrite")),
        ),
    };
    if args.personal {
        spec = spec.personal();
    }
    if let Some(tenant) = &args.tenant {
        spec = spec.tenant(tenant);
    }
    if let Some(client) = &args.client {
        spec = spec.client(client);
    }
    let spec = spec
        .audience(&args.audience)
        .ttl(Duration::from_secs(args.ttl));
    let token = match (&args.secret, &args.rs256_private_key) {
        (_, Some(key)) => tokens::mint_rs256(&spec, &read(key)?)?,
        (Some(secret), None) => tokens::mint(&spec, secret.as_bytes())?,
        (None, None) => return Err("give --secret or --rs256-private-key".into()),
    };
    println!("{token}");
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|err| format!("cannot read {}: {err}", path.display()).into())
}

async fn serve(args: ServeArgs) -> Result<(), Failure> {
    init_logging();
    let mut builder = Emulator::builder();
    let mut token_hint = String::new();
    let tokens_line;
    if args.insecure_unsigned_tokens {
        eprintln!("{}", INSECURE_WARNING);
        builder = builder.insecure_unsigned_tokens();
        tokens_line =
            "UNSIGNED tokens accepted (--insecure-unsigned-tokens): any JWT works".to_owned();
        token_hint = "photo-emulator token --secret anything".to_owned();
    } else if let Some(key) = &args.rs256_public_key {
        builder = builder.rs256_public_key_pem(read(key)?);
        tokens_line = format!("RS256, verified with {}", key.display());
        token_hint = "photo-emulator token --rs256-private-key PRIVATE_KEY.pem".to_owned();
    } else {
        let secret = match &args.secret {
            Some(secret) => {
                if secret.len() < 16 {
                    eprintln!(
                        "photo-emulator: warning: the --secret is short; tokens are easy to forge"
                    );
                }
                tokens_line = "HS256 with the --secret you gave".to_owned();
                token_hint.push_str("photo-emulator token --secret YOUR_SECRET");
                secret.clone()
            }
            None => {
                let secret = random_secret();
                tokens_line = format!(
                    "HS256, secret generated for this run: {secret}\n           (pass --secret to keep one across restarts)"
                );
                token_hint = format!("photo-emulator token --secret {secret}");
                secret
            }
        };
        builder = builder.secret(secret);
    }
    if !args.audiences.is_empty() {
        builder = builder.audiences(args.audiences.iter().cloned());
    }
    if let Some(dir) = &args.data_dir {
        builder = builder.data_dir(dir);
    }
    for (alias, user) in &args.user_aliases {
        builder = builder.user_alias(alias, user);
    }
    let (upload_check, uploads_line) = if args.decode_uploads {
        (UploadCheck::Decode, "decoded in full (--decode-uploads)")
    } else {
        (
            UploadCheck::Structure,
            "JPEG structure checked, decoded when resized",
        )
    };
    builder = builder.upload_check(upload_check);
    let faults = faults(&args);
    let faults_line = describe_faults(&faults);
    let emulator = builder
        .faults(faults)
        .body_idle_timeout(Duration::from_secs(args.body_idle_timeout))
        .graph_errors_for_malformed_http(args.graph_errors_for_malformed_http)
        .build()?;

    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|err| format!("cannot listen on {}: {err}", args.bind))?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() {
        eprintln!(
            "photo-emulator: warning: listening on {addr}, which other machines may reach; the emulator is for tests only"
        );
    }
    let photos_line = match (&args.data_dir, emulator.load_report()) {
        (Some(dir), Some(report)) => format!(
            "{} ({} loaded, {} stale temporary files removed, {} damaged files skipped)",
            dir.display(),
            report.loaded,
            report.removed_temp_files,
            report.skipped.len()
        ),
        _ => "in memory (lost when the emulator stops)".to_owned(),
    };
    let audience = args
        .audiences
        .first()
        .map(|aud| format!(" --audience {aud}"))
        .unwrap_or_default();
    let mut banner = String::new();
    let _ = writeln!(banner, "photo-emulator listening on {addr}");
    let _ = writeln!(
        banner,
        "  base URLs: http://{addr}/v1.0  http://{addr}/beta"
    );
    let _ = writeln!(banner, "  spec:      http://{addr}/openapi.yaml");
    let _ = writeln!(
        banner,
        "  advisor:   http://{addr}{PERMISSIONS_PATH} (least privileges per client)"
    );
    let _ = writeln!(banner, "  photos:    {photos_line}");
    let _ = writeln!(banner, "  uploads:   {uploads_line}");
    let _ = writeln!(banner, "  tokens:    {tokens_line}");
    let _ = writeln!(banner, "  faults:    {faults_line}");
    let _ = writeln!(banner, "  get a token (delegated, /me = USER_ID):");
    let _ = writeln!(
        banner,
        "    {token_hint}{audience} --user USER_ID --scopes \"User.ReadWrite User.Read\""
    );
    let _ = writeln!(banner, "  or an application token:");
    let _ = writeln!(
        banner,
        "    {token_hint}{audience} --user APP_ID --roles \"User.ReadWrite.All User.Read.All\""
    );
    let _ = writeln!(
        banner,
        "  then: curl -H \"Authorization: Bearer $TOKEN\" http://{addr}/v1.0/me/photo"
    );
    let _ = writeln!(banner, "Press Ctrl+C to stop.");
    print_text(&banner);

    emulator
        .serve_with_shutdown(listener, shutdown_signal())
        .await?;
    print_text(&format!(
        "Permissions each client needed (JSON at {PERMISSIONS_PATH} while serving):\n{}",
        emulator.permission_report()
    ));
    Ok(())
}

/// Writes `text` to stdout in one go and without panicking: whoever started the emulator may stop
/// reading its output (a closed pipe must not take the server down or fail a clean stop).
fn print_text(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

fn faults(args: &ServeArgs) -> Faults {
    let mode = match (args.fault_rate, args.fault_first, args.fault_every) {
        (Some(rate), _, _) => FaultMode::Rate(rate),
        (_, Some(first), _) => FaultMode::First(first),
        (_, _, Some(nth)) => FaultMode::Every(nth),
        _ => FaultMode::Never,
    };
    let retry_after = (!args.no_retry_after).then(|| Duration::from_secs(args.retry_after));
    Faults::none()
        .mode(mode)
        .status(args.fault_status)
        .retry_after(retry_after)
        .latency(Duration::from_millis(args.latency_ms))
}

fn describe_faults(faults: &Faults) -> String {
    let which = match faults.mode {
        FaultMode::Never => "none".to_owned(),
        FaultMode::Rate(rate) => format!("{:.0}% of requests", rate * 100.0),
        FaultMode::First(n) => format!("the first {n} requests"),
        FaultMode::Every(n) => format!(
            "requests {n}, {}, {}, …",
            n.saturating_mul(2),
            n.saturating_mul(3)
        ),
    };
    let how = match (faults.mode, faults.retry_after) {
        (FaultMode::Never, _) => String::new(),
        (_, Some(after)) => format!(
            " get {} with Retry-After: {}",
            faults.status.status().as_u16(),
            after.as_secs()
        ),
        (_, None) => format!(
            " get {} without Retry-After",
            faults.status.status().as_u16()
        ),
    };
    let latency = if faults.latency.is_zero() {
        String::new()
    } else {
        format!("; {} ms latency", faults.latency.as_millis())
    };
    format!("{which}{how}{latency}")
}

const INSECURE_WARNING: &str = "\
photo-emulator: ************************************************************************
photo-emulator: WARNING: --insecure-unsigned-tokens is on. Token signatures are NOT checked:
photo-emulator: anyone who can reach this emulator can act as any user with any permission.
photo-emulator: Use it only on a trusted machine, for local debugging.
photo-emulator: ************************************************************************";

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Fails only if a subscriber is already set, which then keeps logging.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn shutdown_signal() {
    if let Err(err) = tokio::signal::ctrl_c().await {
        tracing::warn!(error = %err, "cannot listen for Ctrl+C; stop the process another way");
        std::future::pending::<()>().await;
    }
    tracing::info!("shutting down");
}
