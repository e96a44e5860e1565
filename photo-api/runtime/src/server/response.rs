//! Building success responses from generated code: a status, a body and the optional headers the
//! spec declares for the response (a `None` value leaves the header out).

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

use super::rejection::Rejection;

/// Binary content with its media type, such as a photo answered by `GET .../photo/$value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinaryContent {
    /// The `Content-Type` to send, such as `image/jpeg`.
    pub media_type: String,
    /// The content itself.
    pub bytes: Bytes,
}

/// The buffer a JSON body is serialized into starts this large.
const JSON_CAPACITY: usize = 512;

/// A JSON response. A body that cannot be serialized is a server fault: `500`.
pub fn json_response(
    status: StatusCode,
    body: &impl Serialize,
    headers: impl IntoIterator<Item = (&'static str, Option<String>)>,
) -> Response {
    // Entities are a few hundred bytes: starting there spares the buffer's doublings from empty.
    let mut json = Vec::with_capacity(JSON_CAPACITY);
    match serde_json::to_writer(&mut json, body) {
        Ok(()) => build(
            status,
            Some(HeaderValue::from_static("application/json")),
            json.into(),
            headers,
        ),
        Err(err) => {
            tracing::error!(error = %err, "could not serialize a response body");
            Rejection::internal("The response could not be serialized.").into_response()
        }
    }
}

/// A binary response; `Content-Type` is the content's media type.
pub fn binary_response(
    status: StatusCode,
    content: BinaryContent,
    headers: impl IntoIterator<Item = (&'static str, Option<String>)>,
) -> Response {
    let media_type = HeaderValue::from_str(&content.media_type).unwrap_or_else(|_| {
        tracing::warn!(media_type = %content.media_type, "invalid media type, sending application/octet-stream");
        HeaderValue::from_static("application/octet-stream")
    });
    build(status, Some(media_type), Body::from(content.bytes), headers)
}

/// A response without a body, such as `204 No Content` or `304 Not Modified`.
pub fn empty_response(
    status: StatusCode,
    headers: impl IntoIterator<Item = (&'static str, Option<String>)>,
) -> Response {
    build(status, None, Body::empty(), headers)
}

fn build(
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: Body,
    headers: impl IntoIterator<Item = (&'static str, Option<String>)>,
) -> Response {
    let mut response = (status, body).into_response();
    let map = response.headers_mut();
    if let Some(content_type) = content_type {
        map.insert(CONTENT_TYPE, content_type);
    }
    apply(map, headers);
    response
}

/// Sets each present header. A name or value HTTP cannot carry (say, an ETag with a newline) is
/// left out with a warning rather than failing the whole response.
///
/// The values are taken, not borrowed: a header value made from a `String` keeps its buffer
/// instead of copying it.
fn apply(map: &mut HeaderMap, headers: impl IntoIterator<Item = (&'static str, Option<String>)>) {
    for (name, value) in headers {
        let Some(value) = value else { continue };
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::try_from(value),
        ) {
            (Ok(name), Ok(value)) => {
                map.insert(name, value);
            }
            _ => tracing::warn!(header = %name, "left out a header HTTP cannot carry"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::ETAG;

    #[test]
    fn headers_are_set_when_present_and_valid() {
        let response = json_response(
            StatusCode::OK,
            &serde_json::json!({"id": "default"}),
            [
                ("ETag", Some("\"v1\"".into())),
                ("Retry-After", None),
                ("X-Bad", Some("a\nb".into())),
            ],
        );
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[ETAG], "\"v1\"");
        assert!(!response.headers().contains_key("retry-after"));
        assert!(!response.headers().contains_key("x-bad"));
    }

    #[test]
    fn binary_and_empty_responses() {
        let content = BinaryContent {
            media_type: "image/jpeg".into(),
            bytes: Bytes::from_static(b"\xFF\xD8\xFF"),
        };
        let response = binary_response(StatusCode::OK, content, []);
        assert_eq!(response.headers()[CONTENT_TYPE], "image/jpeg");
        let response = empty_response(StatusCode::NO_CONTENT, []);
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert!(!response.headers().contains_key(CONTENT_TYPE));
    }
}
