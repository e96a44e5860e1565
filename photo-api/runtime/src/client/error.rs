//! Everything a call can fail with, and the lenient reading of Graph's error bodies.
//!
//! Graph documents one error shape, but proxies, gateways and throttling front ends answer with
//! HTML, empty bodies, a UTF-8 BOM or fields missing; [`GraphError`] keeps whatever it can read and
//! always keeps the raw body, so no failure loses information.

use std::fmt;
use std::io;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::HeaderMap;
use serde_json::{Map, Value};

use super::retry::parse_retry_after;
use super::token::TokenError;
use super::upload::PhotoError;
use crate::operation::TokenKind;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client refused the call locally; nothing was sent.
    #[error("refused before sending: {0}")]
    Refused(Refusal),
    /// The token provider failed; nothing was sent.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The upload body could not be read, or broke its own limits while streaming.
    #[error("upload failed: {0}")]
    Upload(#[source] PhotoError),
    /// The request or response did not make it across the network (DNS, TLS, reset, timeout…).
    #[error("transport failed: {0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The service answered with an error status (boxed: it is large, and errors travel in
    /// every `Result`).
    #[error(transparent)]
    Graph(Box<GraphError>),
    /// The service answered something the spec does not describe (an undeclared status, or a
    /// body that does not parse); the raw body is kept for diagnosis.
    #[error("unexpected response {status} ({reason}): {}", body_excerpt(body))]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` the service sent, if any.
        content_type: Option<String>,
        /// The body as received (possibly truncated to a bounded size).
        body: Bytes,
        /// What was unexpected about it.
        reason: String,
    },
    /// The service redirected more often than the client allows.
    #[error("more than {limit} redirects (last to {location})")]
    TooManyRedirects {
        /// The configured limit.
        limit: usize,
        /// Where the last redirect pointed.
        location: String,
    },
    /// The request could not be built: an invalid header value or URL.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A JSON request body could not be serialized.
    #[error("could not serialize the request body: {0}")]
    Serialize(#[source] serde_json::Error),
    /// Writing a download to its destination failed.
    #[error("could not write the download: {0}")]
    Io(#[source] io::Error),
    /// The client was configured wrongly.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status the service answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Graph(graph) => Some(graph.status),
            Error::UnexpectedResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The Graph error, when the service answered with one.
    pub fn graph(&self) -> Option<&GraphError> {
        match self {
            Error::Graph(graph) => Some(graph),
            _ => None,
        }
    }

    /// The local refusal, when the client refused to send.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Error::Refused(refusal) => Some(refusal),
            _ => None,
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(error: reqwest::Error) -> Self {
        Error::Transport(Box::new(error))
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        Error::Refused(refusal)
    }
}

/// Why the client refused to send a request, so callers get the reason without a round trip.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The body is larger than the API version accepts.
    #[error("the request body is {size} bytes; the service accepts at most {limit}")]
    TooLarge {
        /// The body's size in bytes.
        size: u64,
        /// The client's `max_request_bytes`.
        limit: u64,
    },
    /// The body's media type is not one the operation accepts.
    #[error(
        "{operation} does not accept a {given} body (accepted: {})",
        list_or_none(accepted)
    )]
    MediaType {
        /// The operation's `operationId`.
        operation: &'static str,
        /// The body's media type.
        given: String,
        /// The media types the spec accepts (empty when the operation takes no body).
        accepted: &'static [&'static str],
    },
    /// The operation requires a body and none was given.
    #[error("{operation} requires a request body")]
    MissingBody {
        /// The operation's `operationId`.
        operation: &'static str,
    },
    /// The token lacks every permission that would allow the operation (found by preflight).
    #[error("{}", missing_permission(operation, *kind, least_privileged.as_deref(), have))]
    MissingPermission {
        /// The operation's `operationId`.
        operation: &'static str,
        /// The kind of the token presented.
        kind: TokenKind,
        /// The least privileged permission(s) of that kind that would allow the call, joined with
        /// ` and `; `None` when no token of that kind can call the operation.
        least_privileged: Option<String>,
        /// The permissions the token carries.
        have: Vec<String>,
    },
    /// No token of any kind can call the operation.
    #[error(
        "{operation} cannot be called with any token: Microsoft documents no permission for it"
    )]
    NotAuthorizable {
        /// The operation's `operationId`.
        operation: &'static str,
    },
    /// A page of a list names its next page at a URL the client does not follow.
    #[error("the next page's link {link:?} {reason}")]
    NextLink {
        /// The link as the service sent it.
        link: String,
        /// Why it is not followed.
        reason: &'static str,
    },
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn missing_permission(
    operation: &str,
    kind: TokenKind,
    least_privileged: Option<&str>,
    have: &[String],
) -> String {
    let have = if have.is_empty() {
        "no permissions".to_owned()
    } else {
        have.join(" ")
    };
    match least_privileged {
        Some(needed) => format!(
            "{operation} needs at least {needed} for a {} token; the token has {have}",
            kind.label()
        ),
        None => format!("{operation} cannot be called with a {} token", kind.label()),
    }
}

/// How much of a body an error message quotes.
const EXCERPT_CHARS: usize = 200;

fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(strip_bom(body));
    let text = text.trim();
    if text.is_empty() {
        return "<empty body>".to_owned();
    }
    let mut excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        excerpt.push('…');
    }
    excerpt
}

/// Removes a leading UTF-8 byte order mark, which some front ends prepend to JSON.
pub(crate) fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// An error answer from Graph, read leniently: every field is optional except the status, and
/// the raw body is always kept.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GraphError {
    /// The HTTP status.
    pub status: u16,
    /// `error.code`, such as `ImageNotFound`.
    pub code: Option<String>,
    /// `error.message`, or the start of a body that is not Graph JSON.
    pub message: Option<String>,
    /// The `request-id` header, else `error.innerError.request-id`: quote it to Microsoft support.
    pub request_id: Option<String>,
    /// The `client-request-id` header, else the inner error's, else the id the client sent.
    pub client_request_id: Option<String>,
    /// `error.innerError.date`, else the `Date` header.
    pub date: Option<String>,
    /// How long the service asked the client to wait (`Retry-After`), if it said.
    pub retry_after: Option<Duration>,
    /// The body exactly as received (possibly truncated to a bounded size).
    pub body: Bytes,
}

impl GraphError {
    /// Reads an error answer from its status, headers and body; never fails.
    pub fn from_parts(status: u16, headers: &HeaderMap, body: Bytes) -> Self {
        Self::parse_at(status, headers, body, SystemTime::now())
    }

    /// As [`from_parts`](Self::from_parts), with `now` fixed so `Retry-After` dates are testable.
    pub(crate) fn parse_at(status: u16, headers: &HeaderMap, body: Bytes, now: SystemTime) -> Self {
        let parsed = parse_body(&body);
        let header = |name: &str| {
            headers
                .get(name)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        GraphError {
            status,
            code: parsed.code,
            message: parsed.message,
            request_id: header("request-id").or(parsed.request_id),
            client_request_id: header("client-request-id").or(parsed.client_request_id),
            date: parsed.date.or_else(|| header("date")),
            retry_after: header("retry-after").and_then(|value| parse_retry_after(&value, now)),
            body,
        }
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graph answered {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " (request-id {request_id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}

/// The fields found in an error body.
#[derive(Default)]
struct ParsedBody {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    client_request_id: Option<String>,
    date: Option<String>,
}

fn parse_body(body: &[u8]) -> ParsedBody {
    let json = strip_bom(body);
    match serde_json::from_slice::<Value>(json) {
        Ok(Value::Object(root)) => parse_object(&root),
        Ok(_) | Err(_) => {
            let excerpt = body_excerpt(body);
            ParsedBody {
                message: (excerpt != "<empty body>").then_some(excerpt),
                ..ParsedBody::default()
            }
        }
    }
}

fn parse_object(root: &Map<String, Value>) -> ParsedBody {
    match field(root, "error") {
        Some(Value::Object(error)) => {
            let inner = match field(error, "innererror") {
                Some(Value::Object(inner)) => Some(inner),
                _ => None,
            };
            let inner_text = |key: &str| inner.and_then(|inner| text(field(inner, key)));
            ParsedBody {
                code: text(field(error, "code")),
                message: text(field(error, "message")),
                request_id: inner_text("requestid"),
                client_request_id: inner_text("clientrequestid"),
                date: inner_text("date"),
            }
        }
        // OAuth-style answers from token validation: {"error":"invalid_token","error_description":…}.
        Some(code @ Value::String(_)) => ParsedBody {
            code: text(Some(code)),
            message: text(field(root, "errordescription")),
            ..ParsedBody::default()
        },
        _ => ParsedBody::default(),
    }
}

/// The value of `key` in `object`, matching names case-insensitively and ignoring `-` and `_`,
/// so `innerError`, `inner_error` and `request-id`/`requestId` are all found.
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find_map(|(name, value)| (normalise(name) == key).then_some(value))
    })
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A field as text: strings as they are, numbers and booleans spelled out, anything else absent.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn parse(body: &'static [u8], headers: &[(&'static str, &'static str)]) -> GraphError {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_static(value));
        }
        GraphError::parse_at(404, &map, Bytes::from_static(body), SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn a_full_graph_body_is_read() {
        let error = parse(
            br#"{"error":{"code":"ImageNotFound","message":"Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.","innerError":{"date":"2024-05-01T10:00:00","request-id":"r-1","client-request-id":"c-1"}}}"#,
            &[],
        );
        assert_eq!(error.status, 404);
        assert_eq!(error.code.as_deref(), Some("ImageNotFound"));
        assert!(
            error
                .message
                .as_deref()
                .is_some_and(|m| m.starts_with("Exception of type"))
        );
        assert_eq!(error.request_id.as_deref(), Some("r-1"));
        assert_eq!(error.client_request_id.as_deref(), Some("c-1"));
        assert_eq!(error.date.as_deref(), Some("2024-05-01T10:00:00"));
        assert!(
            error
                .to_string()
                .starts_with("Graph answered 404 ImageNotFound: Exception")
        );
    }

    #[test]
    fn headers_win_over_the_inner_error_and_fill_its_gaps() {
        let error = parse(
            br#"{"error":{"code":"TooManyRequests","innerError":{"request-id":"body-id"}}}"#,
            &[
                ("request-id", "header-id"),
                ("retry-after", "7"),
                ("date", "Wed, 01 May 2024 10:00:00 GMT"),
            ],
        );
        assert_eq!(error.request_id.as_deref(), Some("header-id"));
        assert_eq!(error.message, None);
        assert_eq!(error.retry_after, Some(Duration::from_secs(7)));
        assert_eq!(error.date.as_deref(), Some("Wed, 01 May 2024 10:00:00 GMT"));
    }

    #[test]
    fn missing_fields_leave_options_empty() {
        let error = parse(br#"{"error":{}}"#, &[]);
        assert_eq!(
            (error.code, error.message, error.request_id),
            (None, None, None)
        );
        let error = parse(br#"{"something":"else"}"#, &[]);
        assert_eq!(error.code, None);
        assert_eq!(error.body.as_ref(), br#"{"something":"else"}"#);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let error = parse(
            b"\xEF\xBB\xBF{\"error\":{\"code\":\"ErrorItemNotFound\",\"message\":\"gone\"}}",
            &[],
        );
        assert_eq!(error.code.as_deref(), Some("ErrorItemNotFound"));
        assert_eq!(error.message.as_deref(), Some("gone"));
        assert!(
            error.body.starts_with(b"\xEF\xBB\xBF"),
            "the raw body is kept as received"
        );
    }

    #[test]
    fn a_non_json_body_becomes_the_message() {
        let error = parse(b"<html><body>Bad Gateway</body></html>", &[]);
        assert_eq!(error.code, None);
        assert_eq!(
            error.message.as_deref(),
            Some("<html><body>Bad Gateway</body></html>")
        );
        assert_eq!(parse(b"", &[]).message, None);
        assert_eq!(parse(b"  \n", &[]).message, None);
    }

    #[test]
    fn oddly_spelled_or_typed_fields_are_still_read() {
        let error = parse(
            br#"{"error":{"code":42,"message":"m","inner_error":{"requestId":"r","Client-Request-Id":"c"}}}"#,
            &[],
        );
        assert_eq!(error.code.as_deref(), Some("42"));
        assert_eq!(error.request_id.as_deref(), Some("r"));
        assert_eq!(error.client_request_id.as_deref(), Some("c"));
    }

    #[test]
    fn oauth_style_errors_are_read() {
        let error = parse(
            br#"{"error":"invalid_token","error_description":"The token is expired"}"#,
            &[],
        );
        assert_eq!(error.code.as_deref(), Some("invalid_token"));
        assert_eq!(error.message.as_deref(), Some("The token is expired"));
    }

    #[test]
    fn long_bodies_are_quoted_briefly() {
        let long = "x".repeat(1000);
        let excerpt = body_excerpt(long.as_bytes());
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn missing_permission_names_the_least_privileged_permission() {
        let refusal = Refusal::MissingPermission {
            operation: "setMyPhotoContent",
            kind: TokenKind::DelegatedWork,
            least_privileged: Some("User.ReadWrite".to_owned()),
            have: vec!["User.Read".to_owned()],
        };
        let text = refusal.to_string();
        assert!(text.contains("needs at least User.ReadWrite"), "{text}");
        assert!(text.contains("the token has User.Read"), "{text}");
    }
}
