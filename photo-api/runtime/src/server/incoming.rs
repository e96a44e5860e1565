//! [`Incoming`]: one accepted request, its checks done, handing out typed values.

use std::fmt;

use axum::body::Body;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{FromRequestParts, RawPathParams, Request};
use http::HeaderMap;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::operation::OperationSpec;

use super::auth::{authorize, bearer_token, credential_principal};
use super::body::{BinaryBody, ReadRules, read_limited};
use super::config::{RequestContext, ServerConfig};
use super::dispatch::PathValues;
use super::ids::RequestIds;
use super::linger::AbandonBody;
use super::params::{FromParam, parse, query_value, split_list};
use super::rejection::{Rejection, excerpt};

/// How much of an unaccepted media type a `415` message repeats.
const MEDIA_TYPE_ECHO_LIMIT: usize = 100;

/// A request that passed authentication, authorization and the media-type and size checks of
/// its operation. Each generated request type reads itself from it
/// ([`FromIncoming`](super::FromIncoming)).
pub struct Incoming {
    op: &'static OperationSpec,
    parts: Parts,
    /// The decoded path captures, or why one was not UTF-8 once decoded.
    path: Result<Vec<(String, String)>, String>,
    body: BodyState,
    rules: ReadRules,
    context: RequestContext,
}

enum BodyState {
    Absent,
    Present {
        media_type: &'static str,
        body: Body,
    },
    Taken,
}

impl Incoming {
    /// Checks `request` against `op` in Graph's order: a `Bearer` token (else `401`), a token
    /// `config.authorizer` accepts (`401`; `config.call_observer` is told about an accepted one),
    /// a permission `op` allows on `config.api_version` (`403`); then, for an
    /// operation with a body, an accepted `Content-Type` (`415`) and a declared length within
    /// `config.max_request_bytes` (`413`). The body itself is read later, still bounded, and
    /// refused with `408` should it stall for longer than `config.body_idle_timeout`.
    ///
    /// An operation that also allows API keys, HTTP credentials or anonymous calls takes the
    /// first of its alternatives the request meets instead (`401` if none).
    pub async fn accept(
        config: &ServerConfig,
        op: &'static OperationSpec,
        request: Request,
    ) -> Result<Incoming, Rejection> {
        let (mut parts, body) = request.into_parts();
        let ids = RequestIds::current().unwrap_or_else(|| RequestIds::assign(&parts.headers));
        let security = op.security_in(config.api_version);
        let principal = if security.iter().all(|alt| alt.scheme.kind.is_oauth()) {
            let token = bearer_token(&parts.headers)?;
            let principal = config
                .authorizer
                .authenticate_shared(token)
                .map_err(|err| Rejection::unauthorized(err.to_string()))?;
            if let Some(observer) = &config.call_observer {
                observer.observe(&principal, op, config.api_version);
            }
            authorize(op, config.api_version, &principal)?;
            principal
        } else {
            // API keys, HTTP credentials or anonymous access: OpenAPI's alternatives in order.
            credential_principal(security, &parts, config.authorizer.as_ref(), |principal| {
                if let Some(observer) = &config.call_observer {
                    observer.observe(principal, op, config.api_version);
                }
                authorize(op, config.api_version, principal).map(|_| ())
            })?
        };
        let body = check_body(op, &parts.headers, body, config.max_request_bytes)?;
        let path = path_params(&mut parts).await;
        let rules = ReadRules {
            limit: config.max_request_bytes,
            idle_timeout: config.body_idle_timeout,
            abandon: parts.extensions.get::<AbandonBody>().cloned(),
        };
        Ok(Incoming {
            op,
            parts,
            path,
            rules,
            body,
            context: RequestContext {
                principal,
                request_id: ids.request_id,
                client_request_id: ids.client_request_id,
            },
        })
    }

    /// The path capture `name` (the axum capture name), percent-decoded exactly once.
    pub fn path<T: FromParam>(&self, name: &str) -> Result<T, Rejection> {
        let params = self
            .path
            .as_ref()
            .map_err(|reason| Rejection::bad_request(reason.clone()))?;
        let (_, raw) = params.iter().find(|(key, _)| key == name).ok_or_else(|| {
            Rejection::internal(format!(
                "The route of '{}' has no path parameter '{name}'.",
                self.op.id
            ))
        })?;
        parse(&format!("path parameter '{name}'"), raw)
    }

    /// The query option `name`, if given.
    pub fn query<T: FromParam>(&self, name: &str) -> Result<Option<T>, Rejection> {
        query_value(self.parts.uri.query(), name)?
            .map(|raw| parse(&format!("query option '{name}'"), &raw))
            .transpose()
    }

    /// The comma-separated query option `name` (`style: form`, `explode: false`), if given.
    pub fn query_list<T: FromParam>(&self, name: &str) -> Result<Option<Vec<T>>, Rejection> {
        let Some(raw) = query_value(self.parts.uri.query(), name)? else {
            return Ok(None);
        };
        let what = format!("item of the query option '{name}'");
        split_list(&raw)
            .map(|item| parse(&what, item))
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// The header `name`, if sent, as `T` (text, a number, an enum of the spec); repeated
    /// headers are joined with `, ` as HTTP allows.
    pub fn header<T: FromParam>(&self, name: &str) -> Result<Option<T>, Rejection> {
        self.header_text(name)?
            .map(|raw| parse(&format!("header '{name}'"), &raw))
            .transpose()
    }

    /// The header `name` as sent, if sent; repeated headers are joined with `, `.
    fn header_text(&self, name: &str) -> Result<Option<String>, Rejection> {
        let mut joined: Option<String> = None;
        for value in self.parts.headers.get_all(name) {
            let value = value.to_str().map_err(|_| {
                Rejection::bad_request(format!("The header '{name}' is not visible ASCII."))
            })?;
            match joined.as_mut() {
                Some(text) => {
                    text.push_str(", ");
                    text.push_str(value);
                }
                None => joined = Some(value.to_owned()),
            }
        }
        Ok(joined)
    }

    /// The JSON body as `T`: `413` past the size limit, `408` when it stalls, `400` naming the
    /// offending field (such as `height: invalid type: string "x", expected i32`) when it does
    /// not fit `T`.
    pub async fn json<T: DeserializeOwned>(&mut self) -> Result<T, Rejection> {
        let (_, body) = self.take_body()?;
        let bytes = read_limited(body, &self.rules).await?;
        if bytes.is_empty() {
            return Err(Rejection::bad_request(
                "The request body is empty; a JSON document is required.",
            ));
        }
        parse_json(&bytes)
    }

    /// The binary body, to be read with a bound by [`BinaryBody::bytes`] or streamed.
    pub fn binary(&mut self) -> Result<BinaryBody, Rejection> {
        let (media_type, body) = self.take_body()?;
        Ok(BinaryBody::new(media_type, body, self.rules.clone()))
    }

    /// Who is calling and the request's ids, for the API implementation.
    pub fn context(&self) -> RequestContext {
        self.context.clone()
    }

    /// The operation this request was accepted for.
    pub fn operation(&self) -> &'static OperationSpec {
        self.op
    }

    fn take_body(&mut self) -> Result<(&'static str, Body), Rejection> {
        match std::mem::replace(&mut self.body, BodyState::Taken) {
            BodyState::Present { media_type, body } => Ok((media_type, body)),
            BodyState::Absent => Err(Rejection::bad_request("A request body is required.")),
            BodyState::Taken => Err(Rejection::internal(format!(
                "The request body of '{}' was read twice.",
                self.op.id
            ))),
        }
    }
}

impl fmt::Debug for Incoming {
    /// Leaves the headers out: they carry the bearer token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("operation", &self.op.id)
            .field("path", &self.parts.uri.path())
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

/// The `415`/`413` checks that need only the headers; the body is kept for bounded reading.
fn check_body(
    op: &OperationSpec,
    headers: &HeaderMap,
    body: Body,
    limit: u64,
) -> Result<BodyState, Rejection> {
    let Some(spec) = &op.request_body else {
        return Ok(BodyState::Absent);
    };
    let declared = declared_length(headers)?;
    let has_content = declared.map_or(!http_body::Body::is_end_stream(&body), |length| length > 0);
    let accepted = || spec.media_types.join(", ");
    let Some(content_type) = headers.get(CONTENT_TYPE) else {
        if !spec.required && !has_content {
            return Ok(BodyState::Absent);
        }
        return Err(Rejection::unsupported_media_type(format!(
            "A Content-Type header is required; '{}' accepts {}.",
            op.id,
            accepted()
        )));
    };
    let essence = content_type
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    let Some(media_type) = spec
        .media_types
        .iter()
        .copied()
        .find(|accepted| accepted.eq_ignore_ascii_case(essence))
    else {
        return Err(Rejection::unsupported_media_type(format!(
            "'{}' does not accept the Content-Type '{}'; send {}.",
            op.id,
            excerpt(essence, MEDIA_TYPE_ECHO_LIMIT),
            accepted()
        )));
    };
    let at_least = declared
        .unwrap_or(0)
        .max(http_body::Body::size_hint(&body).lower());
    if at_least > limit {
        return Err(Rejection::too_large(limit));
    }
    Ok(BodyState::Present { media_type, body })
}

/// The `Content-Length` the request declares, if any.
fn declared_length(headers: &HeaderMap) -> Result<Option<u64>, Rejection> {
    headers
        .get(CONTENT_LENGTH)
        .map(|value| {
            value
                .to_str()
                .ok()
                .and_then(|text| text.trim().parse().ok())
                .ok_or_else(|| Rejection::bad_request("The Content-Length header is not a number."))
        })
        .transpose()
}

/// The route's path values: those a shared route read (see `dispatch`), else the captures
/// decoded once by axum. `Err` says which one is not UTF-8.
async fn path_params(parts: &mut Parts) -> Result<Vec<(String, String)>, String> {
    if let Some(PathValues(values)) = parts.extensions.remove::<PathValues>() {
        return values;
    }
    match RawPathParams::from_request_parts(parts, &()).await {
        Ok(params) => Ok(params
            .iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect()),
        Err(RawPathParamsRejection::InvalidUtf8InPathParam(err)) => {
            Err(format!("{err} once percent-decoded."))
        }
        // No captures at all (a route without parameters): `path` reports the wiring error.
        Err(_) => Ok(Vec::new()),
    }
}

/// Parses JSON, naming the path of the field that does not fit `T` in the `400` message.
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Rejection> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if path == "." {
            Rejection::bad_request(format!("Invalid JSON body: {inner}"))
        } else {
            Rejection::bad_request(format!("{path}: {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|err| Rejection::bad_request(format!("Invalid JSON body: {err}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Photo {
        height: Option<i32>,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        sizes: Vec<i32>,
    }

    static OPTIONAL: OperationSpec = OperationSpec {
        id: "optionalBody",
        method: crate::operation::HttpMethod::Post,
        path: "/x",
        security: &[],
        security_by_version: &[],
        unsupported_schemes: &[],
        request_body: Some(crate::operation::RequestBodySpec {
            kind: crate::operation::BodyKind::Json,
            media_types: &["application/json"],
            required: false,
        }),
    };

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    http::HeaderName::from_static(name),
                    http::HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn an_optional_body_may_be_left_out() {
        let absent = check_body(
            &OPTIONAL,
            &headers(&[("content-length", "0")]),
            Body::empty(),
            10,
        );
        assert!(matches!(absent, Ok(BodyState::Absent)));
        let absent = check_body(&OPTIONAL, &HeaderMap::new(), Body::empty(), 10);
        assert!(matches!(absent, Ok(BodyState::Absent)));
        let untyped = check_body(&OPTIONAL, &HeaderMap::new(), Body::from("{}"), 10);
        assert_eq!(untyped.err().map(|err| err.status().as_u16()), Some(415));
        let typed = check_body(
            &OPTIONAL,
            &headers(&[("content-type", "application/json")]),
            Body::from("{}"),
            10,
        );
        assert!(matches!(
            typed,
            Ok(BodyState::Present {
                media_type: "application/json",
                ..
            })
        ));
        let too_large = check_body(
            &OPTIONAL,
            &headers(&[("content-type", "application/json")]),
            Body::from("{\"a\": 12345}"),
            10,
        );
        assert_eq!(too_large.err().map(|err| err.status().as_u16()), Some(413));
    }

    #[test]
    fn json_errors_name_the_field() {
        let err = parse_json::<Photo>(br#"{"height":"tall"}"#).expect_err("mistyped");
        assert!(
            err.message()
                .starts_with("height: invalid type: string \"tall\", expected i32"),
            "{err}"
        );
        let err = parse_json::<Photo>(br#"{"inner":{"sizes":[1,"x"]}}"#).expect_err("nested");
        assert!(
            err.message().starts_with("inner.sizes[1]: invalid type"),
            "{err}"
        );
        let err = parse_json::<Photo>(br#"{"height":1} x"#).expect_err("trailing");
        assert!(
            err.message()
                .starts_with("Invalid JSON body: trailing characters"),
            "{err}"
        );
        assert!(parse_json::<Photo>(b"\xEF\xBB\xBF{\"height\":1}").is_ok());
    }
}
