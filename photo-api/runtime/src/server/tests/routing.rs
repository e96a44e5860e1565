//! What `finish` adds: ids, fallbacks, the key-form rewrite, single percent-decoding, the spec.

use super::*;

fn reader() -> String {
    work_token("User.Read.All User.ReadWrite.All")
}

async fn uploaded_user(uri: &str) -> Answer {
    send(upload(uri, &reader(), "jpeg")).await
}

#[tokio::test]
async fn an_unknown_path_is_a_graph_404() {
    let answer = send(
        Request::builder()
            .uri("/v1.0/nothing/here")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    let message = answer.graph_error(StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    assert!(message.contains("/v1.0/nothing/here"), "{message}");
}

#[tokio::test]
async fn an_unsupported_method_is_a_graph_405_with_allow() {
    let request = authorized("DELETE", "/users/u1/photo", &reader())
        .body(Body::empty())
        .expect("request");
    let answer = send(request).await;
    answer.graph_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed");
    let allow = answer.headers["allow"].to_str().expect("ASCII");
    assert!(allow.contains("GET") && allow.contains("PATCH"), "{allow}");
}

#[tokio::test]
async fn a_panicking_handler_is_a_graph_500() {
    let answer = send(
        Request::builder()
            .uri("/panic")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    answer.graph_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError");
}

#[tokio::test]
async fn a_subscriber_gets_a_span_per_request_with_its_id() {
    let recorder = crate::span_recorder::SpanRecorder::default();
    let _recording = recorder.start();
    let answer = send(
        Request::builder()
            .uri("/openapi.yaml")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    let request_id = answer.headers["request-id"].to_str().expect("ASCII");
    assert_eq!(
        recorder.field("request", "request_id").as_deref(),
        Some(request_id)
    );
    assert_eq!(recorder.field("request", "method").as_deref(), Some("GET"));
}

#[tokio::test]
async fn the_spec_is_served() {
    let answer = send(
        Request::builder()
            .uri("/openapi.yaml")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["content-type"], "application/yaml");
    assert_eq!(answer.body, SPEC.as_bytes());
    assert!(answer.headers.contains_key("request-id"));
}

#[tokio::test]
async fn the_request_id_reaches_the_handler_and_the_client_request_id_is_echoed() {
    let client_id = "0b5b7e4e-5a4e-4bd4-9a55-7a1c1f4c0f00";
    let request = authorized("PUT", "/users/u1/photo/$value", &reader())
        .header("content-type", "image/jpeg")
        .header("client-request-id", client_id)
        .body(Body::from("jpeg"))
        .expect("request");
    let answer = send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    let body = answer.json();
    assert_eq!(
        body["requestId"],
        answer.headers["request-id"].to_str().expect("ASCII")
    );
    assert_eq!(body["clientRequestId"], client_id);
    assert_eq!(answer.headers["client-request-id"], client_id);
}

#[tokio::test]
async fn errors_echo_the_client_request_id_too() {
    let request = Request::builder()
        .uri("/users/u1/photo")
        .header("client-request-id", "abc-123");
    let answer = send(request.body(Body::empty()).expect("request")).await;
    answer.graph_error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken");
    assert_eq!(answer.headers["client-request-id"], "abc-123");
    assert_eq!(
        answer.json()["error"]["innerError"]["client-request-id"],
        "abc-123"
    );
    let request_ids: Vec<_> = answer.headers.get_all("request-id").iter().collect();
    assert_eq!(request_ids.len(), 1);
}

#[tokio::test]
async fn key_form_segments_are_rewritten_before_routing() {
    for (uri, user) in [
        ("/users('$x@contoso.com')/photo/$value", "$x@contoso.com"),
        (
            "/users('%24x%40contoso.com')/photo/$value",
            "$x@contoso.com",
        ),
        (
            "/users('o''brien@contoso.com')/photo/$value",
            "o'brien@contoso.com",
        ),
        ("/users('a%2Fb')/photo/$value", "a/b"),
        ("/users('a%252Fb')/photo/$value", "a%2Fb"),
    ] {
        let answer = uploaded_user(uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert_eq!(answer.json()["user"], user, "{uri}");
    }
}

#[tokio::test]
async fn path_values_are_percent_decoded_exactly_once() {
    for (uri, user) in [
        ("/users/a%252Fb/photo/$value", "a%2Fb"),
        ("/users/a%2Fb/photo/$value", "a/b"),
        (
            "/users/live.com%23EXT%23guest%40contoso.com/photo/$value",
            "live.com#EXT#guest@contoso.com",
        ),
        ("/users/a%2Bb%26c%27d/photo/$value", "a+b&c'd"),
        ("/users/foo(%27bar%27)/photo/$value", "foo('bar')"),
        ("/users/%C3%A9/photo/$value", "é"),
    ] {
        let answer = uploaded_user(uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert_eq!(answer.json()["user"], user, "{uri}");
    }
}

#[tokio::test]
async fn a_path_value_that_is_not_utf8_is_400() {
    for uri in ["/users/%FF/photo/$value", "/users('%FF')/photo/$value"] {
        let message = uploaded_user(uri)
            .await
            .graph_error(StatusCode::BAD_REQUEST, "BadRequest");
        assert!(message.contains("UTF-8"), "{message}");
    }
}

#[tokio::test]
async fn query_options_and_headers_are_typed() {
    let request = authorized(
        "GET",
        "/users/u1/photo?%24select=id,%20height&top=5",
        &reader(),
    )
    .header("if-none-match", "\"v0\"")
    .body(Body::empty())
    .expect("request");
    let answer = send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["etag"], "\"v1\"");
    assert_eq!(
        answer.json(),
        json!({"user": "u1", "select": ["id", "height"], "top": 5, "ifNoneMatch": "\"v0\""})
    );
}

#[tokio::test]
async fn bad_query_options_are_400() {
    for query in ["top=many", "top=1&top=2", "%24select=%FF"] {
        let request = authorized("GET", &format!("/users/u1/photo?{query}"), &reader())
            .body(Body::empty())
            .expect("request");
        send(request)
            .await
            .graph_error(StatusCode::BAD_REQUEST, "BadRequest");
    }
}

#[tokio::test]
async fn version_prefixes_nested_as_the_generated_router_does_behave_the_same() {
    let config = ServerConfig::new(JwtAuthorizer::hs256(SECRET)).with_max_request_bytes(LIMIT);
    let mut router = Router::new();
    for version in ["v1.0", "beta"] {
        let routes = Router::new()
            .route("/users/{user_id}/photo/$value", put(set_photo))
            .with_state(config.clone());
        router = router.nest(&format!("/{version}"), routes);
    }
    let app = finish(router, SPEC);
    let answer = send_to(
        app.clone(),
        upload(
            "/beta/users('$x@contoso.com')/photo/$value",
            &reader(),
            "jpeg",
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["user"], "$x@contoso.com");
    let request = authorized("GET", "/v1.0/users/u1/photo/$value", &reader())
        .body(Body::empty())
        .expect("request");
    let answer = send_to(app.clone(), request).await;
    answer.graph_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed");
    assert_eq!(answer.headers["allow"], "PUT");
    let request = Request::builder()
        .uri("/v2/users/u1/photo/$value")
        .body(Body::empty());
    send_to(app, request.expect("request"))
        .await
        .graph_error(StatusCode::NOT_FOUND, "Request_ResourceNotFound");
}
