//! A refused request, answered the way Graph answers: a status and an `odataError` body
//! `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::response::{IntoResponse, Response};
use http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;

use super::ids::{REQUEST_ID, RequestIds};

/// How much of an unknown path a 404 message repeats.
const PATH_ECHO_LIMIT: usize = 200;

/// A Graph error response. Handlers return it with `?`; it renders itself as Graph's error JSON
/// carrying the same `request-id` as the response header. Boxed, so `Result<T, Rejection>` stays
/// as small as `T`'s happy path needs.
#[derive(Clone, Debug)]
pub struct Rejection(Box<Parts>);

#[derive(Clone, Debug)]
struct Parts {
    status: StatusCode,
    code: String,
    message: String,
    headers: HeaderMap,
}

impl Rejection {
    /// A rejection with any status and Graph error `code`.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Rejection(Box::new(Parts {
            status,
            code: code.to_owned(),
            message: message.into(),
            headers: HeaderMap::new(),
        }))
    }

    /// `404 Not Found` with a resource-specific code such as `ImageNotFound`.
    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// `404 Not Found` (code `Request_ResourceNotFound`) for a path no route matches, echoing
    /// (the start of) `path` when known.
    pub(crate) fn resource_not_found(path: Option<&str>) -> Self {
        let message = match path {
            Some(path) => format!(
                "Resource not found for the path '{}'.",
                excerpt(path, PATH_ECHO_LIMIT)
            ),
            None => "Resource not found for the request URI.".to_owned(),
        };
        Self::new(StatusCode::NOT_FOUND, "Request_ResourceNotFound", message)
    }

    /// `405 Method Not Allowed` (code `MethodNotAllowed`) for a method the matched path does not
    /// support, naming `method` when known.
    pub(crate) fn method_not_allowed(method: Option<&Method>) -> Self {
        let message = match method {
            Some(method) => {
                format!("The HTTP method '{method}' is not allowed for the request URI.")
            }
            None => "The HTTP method is not allowed for the request URI.".to_owned(),
        };
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", message)
    }

    /// `400 Bad Request` (code `BadRequest`): the request itself is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// `401 Unauthorized` (code `InvalidAuthenticationToken`) with a `WWW-Authenticate: Bearer`
    /// challenge, as Graph sends when the token is missing or invalid.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
        .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// `403 Forbidden` (code `Authorization_RequestDenied`): a valid token lacking permission.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            message,
        )
    }

    /// `408 Request Timeout` (code `RequestTimeout`) for a request body that sent nothing for
    /// `idle`. It carries `Connection: close`: the rest of such a body is never read, so the
    /// connection cannot serve another request.
    pub fn request_timeout(idle: Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "RequestTimeout",
            format!(
                "The request body sent nothing for {} ms; the request was abandoned.",
                idle.as_millis()
            ),
        )
        .with_header(CONNECTION, HeaderValue::from_static("close"))
    }

    /// `413 Payload Too Large` (code `RequestEntityTooLarge`) for a body over `limit` bytes.
    pub fn too_large(limit: u64) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    }

    /// `415 Unsupported Media Type` (code `UnsupportedMediaType`).
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            message,
        )
    }

    /// `500 Internal Server Error` (code `InternalServerError`): a fault of the server, never of
    /// the request.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            message,
        )
    }

    /// `501 Not Implemented` (code `NotImplemented`): the server does not implement the operation
    /// `operation_id`, as the generated `PartialApi` trait answers for every method left out.
    pub fn not_implemented(operation_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            format!("This server does not implement the operation {operation_id}."),
        )
    }

    /// Adds a response header, such as `Retry-After` on a 429.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.insert(name, value);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The Graph error code, such as `ImageNotFound`.
    pub fn code(&self) -> &str {
        &self.0.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Renders the response for a request with known `ids`.
    pub(crate) fn into_response_for(self, ids: &RequestIds) -> Response {
        let json = self.json_for(ids);
        let Parts {
            status,
            headers: extra,
            ..
        } = *self.0;
        let mut response = (status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.remove(CONTENT_LENGTH);
        headers.extend(extra);
        response
    }

    /// The error JSON for a request with known `ids`.
    pub(crate) fn json_for(&self, ids: &RequestIds) -> Vec<u8> {
        let body = ErrorBody {
            error: MainError {
                code: &self.0.code,
                message: &self.0.message,
                inner_error: InnerError {
                    date: iso8601(SystemTime::now()),
                    request_id: &ids.request_id,
                    client_request_id: ids.client_request_id.as_deref(),
                },
            },
        };
        // Serializing plain strings cannot fail; the fallback keeps this path panic-free anyway.
        serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"error\":{}}".to_vec())
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.0.status.as_u16(),
            self.0.code,
            self.0.message
        )
    }
}

impl std::error::Error for Rejection {}

impl IntoResponse for Rejection {
    /// Uses the ids of the request being served; outside [`finish`](super::finish) it assigns a
    /// fresh `request-id` and sets the header itself so the two still agree.
    fn into_response(self) -> Response {
        match RequestIds::current() {
            Some(ids) => self.into_response_for(&ids),
            None => {
                let ids = RequestIds::assign(&HeaderMap::new());
                let mut response = self.into_response_for(&ids);
                if let (Some(value), _) = ids.header_values() {
                    response.headers_mut().insert(REQUEST_ID, value);
                }
                response
            }
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: MainError<'a>,
}

#[derive(Serialize)]
struct MainError<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(rename = "innerError")]
    inner_error: InnerError<'a>,
}

#[derive(Serialize)]
struct InnerError<'a> {
    date: String,
    #[serde(rename = "request-id")]
    request_id: &'a str,
    #[serde(rename = "client-request-id", skip_serializing_if = "Option::is_none")]
    client_request_id: Option<&'a str>,
}

/// At most `max` bytes of `text`, cut on a character boundary, for echoing input in messages.
pub(crate) fn excerpt(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `time` in UTC as Graph writes `innerError.date`: `2024-05-01T12:34:56`.
fn iso8601(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|elapsed| i64::try_from(elapsed.as_secs()).ok())
        .unwrap_or(0);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> String {
        iso8601(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn dates_are_iso8601_utc() {
        assert_eq!(at(0), "1970-01-01T00:00:00");
        assert_eq!(at(951_825_600), "2000-02-29T12:00:00");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59");
    }

    #[test]
    fn excerpts_cut_on_character_boundaries() {
        assert_eq!(excerpt("abc", 10), "abc");
        assert_eq!(excerpt("aéb", 2), "a");
        assert_eq!(excerpt("aéb", 3), "aé");
    }

    #[test]
    fn the_body_is_graph_error_json_with_the_given_ids() {
        let ids = RequestIds::new("r-1", Some("c-1"));
        let response = Rejection::not_found("ImageNotFound", "No photo.").into_response_for(&ids);
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        let display = Rejection::bad_request("x").to_string();
        assert_eq!(display, "400 BadRequest: x");
    }

    #[tokio::test]
    async fn outside_a_request_scope_the_header_and_body_still_agree() {
        use http_body_util::BodyExt;
        let response = Rejection::bad_request("x").into_response();
        let header = response.headers()[REQUEST_ID]
            .to_str()
            .expect("ASCII")
            .to_owned();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(json["error"]["innerError"]["request-id"], header.as_str());
        assert_eq!(json["error"]["code"], "BadRequest");
        assert!(
            json["error"]["innerError"]
                .get("client-request-id")
                .is_none()
        );
    }
}
