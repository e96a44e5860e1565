//! The server stub as an implementation uses it: the README's "Implement the server" example
//! (compiled from `readme/implement_server.rs`, which the README shows verbatim) serving real
//! requests, rejections becoming the response variant their status calls for, and a
//! `PartialApi` answering 501 for what it leaves out.

#[path = "readme/implement_server.rs"]
mod implement_server;

use std::collections::HashMap;
use std::sync::Arc;

use crate::support::{SECRET, bounded, jpeg};
use http::StatusCode;
use implement_server::{Photos, serve};
use photo_api::emulator::{TokenSpec, tokens};
use photo_api::runtime::operation::TokenKind;
use photo_api::runtime::server::{Principal, Rejection, RequestContext};
use photo_api::server::DeleteMyPhotoResponse;
use photo_tests::status_ranges::server::{Api, GetJobRequest, GetJobResponse, PartialApi};
use serde_json::Value;

const README: &str = include_str!("../../../README.md");
const EXAMPLE: &str = include_str!("readme/implement_server.rs");

/// The first Rust code block of the README section headed `heading`, if there is one.
fn readme_code(heading: &str) -> Option<String> {
    let mut lines = README.lines().skip_while(|line| *line != heading).skip(1);
    lines
        .by_ref()
        .take_while(|line| !line.starts_with("## "))
        .find(|line| *line == "```rust")?;
    let code: Vec<&str> = lines.take_while(|line| *line != "```").collect();
    Some(code.join("\n") + "\n")
}

#[test]
fn the_readme_shows_the_server_example_verbatim() {
    let shown = readme_code("## Implement the server")
        .expect("the README has a Rust block under `## Implement the server`");
    assert_eq!(
        shown, EXAMPLE,
        "the README's server example and tests/tests/readme/implement_server.rs differ"
    );
}

/// `error.code` of a Graph error body.
fn error_code(body: &[u8]) -> String {
    let error: Value = serde_json::from_slice(body).expect("a JSON error body");
    error["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_example_serves_one_operation_and_refuses_the_rest() {
    bounded(async {
        let photo = jpeg(64, 48, 7);
        let photos = Photos(HashMap::from([("adele".to_owned(), photo.clone())]));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let origin = format!("http://{}", listener.local_addr().expect("an address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, photos, SECRET, async {
            let _ = stopped.await;
        }));
        let token = tokens::mint(
            &TokenSpec::delegated("reader", ["User.Read.All"]),
            SECRET.as_bytes(),
        )
        .expect("a token");
        let http = reqwest::Client::new();
        let get = |path: &str| {
            http.get(format!("{origin}/v1.0{path}"))
                .bearer_auth(&token)
                .send()
        };

        let found = get("/users/adele/photo/$value").await.expect("an answer");
        assert_eq!(found.status(), StatusCode::OK);
        assert_eq!(found.headers()["content-type"], "image/jpeg");
        assert_eq!(found.bytes().await.expect("the body"), photo);

        let missing = get("/users/bob/photo/$value").await.expect("an answer");
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let body = missing.bytes().await.expect("the body");
        assert_eq!(error_code(&body), "ImageNotFound");

        let left_out = get("/users/adele/photo").await.expect("an answer");
        assert_eq!(left_out.status(), StatusCode::NOT_IMPLEMENTED);
        let body = left_out.bytes().await.expect("the body");
        assert_eq!(error_code(&body), "NotImplemented");

        let unauthenticated = http
            .get(format!("{origin}/v1.0/users/adele/photo/$value"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);

        stop.send(()).expect("the server is running");
        server
            .await
            .expect("the server task")
            .expect("the server stops cleanly");
    })
    .await;
}

fn rejection(status: u16) -> Rejection {
    let status = StatusCode::from_u16(status).expect("a valid status");
    Rejection::new(status, "Test", "a test rejection")
}

#[test]
fn a_declared_status_picks_its_variant_and_5xx_is_a_server_error() {
    let variant = |status| match DeleteMyPhotoResponse::from(rejection(status)) {
        DeleteMyPhotoResponse::PreconditionFailed(rejection) => ("412", rejection.status()),
        DeleteMyPhotoResponse::ClientError(rejection) => ("4XX", rejection.status()),
        DeleteMyPhotoResponse::ServerError(rejection) => ("5XX", rejection.status()),
        DeleteMyPhotoResponse::NoContent => ("204", StatusCode::NO_CONTENT),
    };
    for (status, expected) in [
        (412, "412"),
        (400, "4XX"),
        (404, "4XX"),
        (499, "4XX"),
        (500, "5XX"),
        (503, "5XX"),
        (599, "5XX"),
        // Not an error status, yet still carried as one, with its own status.
        (302, "4XX"),
    ] {
        assert_eq!(
            variant(status),
            (expected, rejection(status).status()),
            "{status}"
        );
    }
}

#[test]
fn codes_win_over_classes_and_default_takes_the_rest() {
    // The fixture declares 404, 4XX and default.
    let variant = |status| match GetJobResponse::from(rejection(status)) {
        GetJobResponse::NotFound(_) => "404",
        GetJobResponse::ClientError(_) => "4XX",
        GetJobResponse::Default(_) => "default",
        GetJobResponse::Ok | GetJobResponse::Success { .. } => "success",
    };
    for (status, expected) in [
        (404, "404"),
        (400, "4XX"),
        (418, "4XX"),
        (500, "default"),
        (503, "default"),
        (302, "default"),
    ] {
        assert_eq!(variant(status), expected, "{status}");
    }
}

/// A `PartialApi` of the `status_ranges` fixture that implements nothing.
struct NoJobs;

impl PartialApi for NoJobs {}

#[tokio::test]
async fn a_partial_api_answers_501_naming_each_operation_it_leaves_out() {
    let context = RequestContext {
        principal: Arc::new(Principal {
            subject: "reader".into(),
            kind: TokenKind::DelegatedWork,
            permissions: Vec::new(),
            tenant_id: None,
            client_id: None,
        }),
        request_id: "request".into(),
        client_request_id: None,
    };
    let request = GetJobRequest {
        job_id: "job".into(),
    };
    // Called as the router calls it: through `Api`, which every `PartialApi` is.
    let GetJobResponse::Default(refusal) = Api::get_job(&NoJobs, context, request).await else {
        panic!("501 is not declared, so it is the `default` response");
    };
    assert_eq!(refusal.status(), StatusCode::NOT_IMPLEMENTED);
    assert_eq!(refusal.code(), "NotImplemented");
    assert!(
        refusal.message().contains("getJob"),
        "{}",
        refusal.message()
    );
}
