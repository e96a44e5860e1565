//! 415 for media types, 413 for sizes (declared or streamed), 400 for bodies that do not parse.

use std::sync::atomic::Ordering;

use super::*;

const PHOTO: &str = "/users/u1/photo/$value";

fn writer() -> String {
    work_token("User.ReadWrite.All Group.ReadWrite.All")
}

#[tokio::test]
async fn a_wrong_or_missing_content_type_is_415() {
    let request = authorized("PUT", PHOTO, &writer())
        .header("content-type", "image/png")
        .body(Body::from("x"))
        .expect("request");
    let message = send(request)
        .await
        .graph_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType");
    assert!(message.contains("image/jpeg"), "{message}");
    let request = authorized("PUT", PHOTO, &writer())
        .body(Body::from("x"))
        .expect("request");
    send(request)
        .await
        .graph_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType");
}

#[tokio::test]
async fn media_type_parameters_and_case_are_ignored() {
    let request = authorized("PUT", PHOTO, &writer())
        .header("content-type", "Image/JPEG; charset=binary")
        .body(Body::from("jpeg"))
        .expect("request");
    let answer = send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["mediaType"], "image/jpeg");
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_413_before_reading() {
    let (body, pulled) = counted_chunks(2, 16);
    let request = authorized("PUT", PHOTO, &writer())
        .header("content-type", "image/jpeg")
        .header("content-length", (LIMIT + 1).to_string())
        .body(body)
        .expect("request");
    let message = send(request)
        .await
        .graph_error(StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge");
    assert!(message.contains(&LIMIT.to_string()), "{message}");
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        0,
        "nothing of the body was read"
    );
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_413_without_buffering_past_it() {
    let chunk = 1024;
    let (body, pulled) = counted_chunks(64, chunk);
    let answer = send(upload(PHOTO, &writer(), body)).await;
    answer.graph_error(StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge");
    let within = usize::try_from(LIMIT).expect("small limit") / chunk;
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        within + 1,
        "reading stopped at the first chunk past the limit"
    );
}

#[tokio::test]
async fn a_body_of_exactly_the_limit_is_accepted() {
    let (body, _) = counted_chunks(4, 1024);
    let answer = send(upload(PHOTO, &writer(), body)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["len"], LIMIT);
}

#[tokio::test]
async fn an_empty_upload_is_400() {
    send(upload(PHOTO, &writer(), Body::empty()))
        .await
        .graph_error(StatusCode::BAD_REQUEST, "BadRequest");
}

fn patch_group(body: &'static str) -> Request {
    authorized("PATCH", "/groups/g1/photo", &writer())
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("request")
}

#[tokio::test]
async fn a_json_body_is_parsed() {
    let answer = send(patch_group(
        r#"{"height": 99, "width": 98, "id": "240X240"}"#,
    ))
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({"group": "g1", "height": 99, "width": 98})
    );
}

#[tokio::test]
async fn a_mistyped_json_field_is_400_naming_it() {
    let message = send(patch_group(r#"{"width": 1, "height": "tall"}"#))
        .await
        .graph_error(StatusCode::BAD_REQUEST, "BadRequest");
    assert!(
        message.starts_with("height: invalid type: string \"tall\", expected i32"),
        "{message}"
    );
}

#[tokio::test]
async fn malformed_or_empty_json_is_400() {
    for body in ["{", "", "[1]", r#"{"height": 1} {}"#] {
        send(patch_group(body))
            .await
            .graph_error(StatusCode::BAD_REQUEST, "BadRequest");
    }
}

#[tokio::test]
async fn an_oversized_json_body_is_413() {
    let (body, pulled) = counted_chunks(64, 1024);
    let request = authorized("PATCH", "/groups/g1/photo", &writer())
        .header("content-type", "application/json")
        .body(body)
        .expect("request");
    send(request)
        .await
        .graph_error(StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge");
    assert!(pulled.load(Ordering::SeqCst) <= 5);
}

#[tokio::test]
async fn a_non_numeric_content_length_is_400() {
    let request = authorized("PUT", PHOTO, &writer())
        .header("content-type", "image/jpeg")
        .header("content-length", "lots")
        .body(Body::from("x"))
        .expect("request");
    send(request)
        .await
        .graph_error(StatusCode::BAD_REQUEST, "BadRequest");
}
