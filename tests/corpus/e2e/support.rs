//! What the end-to-end tests of the corpus share. Each is copied, with this file as
//! `tests/support/mod.rs`, into the crate `cargo xtask corpus --compile` writes for a Microsoft
//! Graph description, whose library is named `corpus` there.

#![allow(dead_code)]

use std::error::Error;

use corpus::client::{ApiClient, client_builder};
use corpus::emulator::Emulator;
use corpus::models::DEFAULT_BASE_URL;
use photo_runtime::__export::axum;
use photo_runtime::client::Error as ClientError;
use photo_runtime::emulator::{TokenSpec, tokens};
use photo_runtime::server::{JwtAuthorizer, ServerConfig};

/// The path of the description's server URL (`/v1.0`, `/beta`), under which its routes serve.
pub fn version_path() -> &'static str {
    let after_scheme = DEFAULT_BASE_URL
        .split_once("://")
        .map_or(DEFAULT_BASE_URL, |(_, rest)| rest);
    after_scheme.find('/').map_or("", |at| &after_scheme[at..])
}

/// Serves `router` on a loopback port; returns the base URL that stands for Graph's.
pub async fn serve(router: axum::Router) -> Result<String, Box<dyn Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}{}", listener.local_addr()?, version_path());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(base)
}

/// Starts the generated emulator; returns it (to mint tokens) and its base URL.
pub async fn emulator() -> Result<(Emulator, String), Box<dyn Error>> {
    let emulator = Emulator::builder().build()?;
    let base = serve(emulator.router()).await?;
    Ok((emulator, base))
}

/// A client of the emulator at `base`, with an app token named `app` holding `permissions`.
/// Without `preflight`, the client sends what its own permission check would refuse.
pub fn client(
    emulator: &Emulator,
    base: &str,
    app: &str,
    permissions: &[&str],
    preflight: bool,
) -> Result<ApiClient, Box<dyn Error>> {
    let token = emulator.token(&TokenSpec::application(app, permissions.iter().copied()))?;
    let http = client_builder()
        .base_url(base)
        .static_token(token)
        .preflight(preflight)
        .build()?;
    Ok(ApiClient::new(http))
}

/// The key the stub servers of these tests check tokens with.
const SECRET: &[u8] = b"the corpus end-to-end tests' signing key";

/// Serves the generated server stub's router over `api`, checking tokens signed with the
/// tests' key; returns a client of it whose app token holds `permissions`.
pub async fn stub<A: corpus::server::Api>(
    api: A,
    permissions: &[&str],
) -> Result<ApiClient, Box<dyn Error>> {
    let config = ServerConfig::new(JwtAuthorizer::hs256(SECRET));
    let base = serve(corpus::server::router(std::sync::Arc::new(api), config)).await?;
    let spec = TokenSpec::application("corpus-test", permissions.iter().copied());
    let http = client_builder()
        .base_url(base)
        .static_token(tokens::mint(&spec, SECRET)?)
        .build()?;
    Ok(ApiClient::new(http))
}

/// Checks that Graph refused a call with `403 Forbidden`.
pub fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, ClientError>) {
    match result {
        Err(ClientError::Graph(refusal)) => assert_eq!(refusal.status, 403, "{refusal:?}"),
        other => panic!("expected 403 Forbidden, got {other:?}"),
    }
}

/// The round trip of each photo module's test, against the generated emulator: an app holding
/// `writer` uploads a JPEG to the photo of `owner` and reads the same bytes back; then an app
/// holding only `reader`, its client's own permission check off, tries to upload, and
/// `refused` says whether Microsoft's tables refuse it (`403`) or let it through. `upload` and
/// `download` are the module's body and response types (they differ from module to module).
macro_rules! photo_round_trip {
    (
        owner: |$graph:ident| $owner:expr,
        upload: $upload:ident,
        download: $download:ident,
        writer: $writer:expr,
        reader: $reader:expr,
        refused: $refused:expr $(,)?
    ) => {{
        let (emulator, base) = crate::support::emulator().await?;
        let jpeg = photo_runtime::emulator::test_images::jpeg(96, 96, 7);

        let $graph = crate::support::client(&emulator, &base, "sync", &[$writer], true)?;
        let photo = $owner.photo();
        photo
            .content()
            .put($upload::from_octet_stream(jpeg.clone())?)
            .await?;
        let $download::Ok { body } = photo.content().get().await?;
        assert_eq!(body.bytes().await?, jpeg);

        let $graph = crate::support::client(&emulator, &base, "dashboard", &[$reader], false)?;
        let answer = $owner
            .photo()
            .content()
            .put($upload::from_octet_stream(jpeg)?)
            .await;
        if $refused {
            crate::support::assert_forbidden(answer);
        } else {
            answer?;
        }
        Ok(())
    }};
}
pub(crate) use photo_round_trip;
