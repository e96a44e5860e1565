//! Sending one logical call: local checks first, then attempts, each following redirects, with
//! throttled attempts retried.
//!
//! Redirects are followed here rather than by `reqwest` so that the limit, the `Authorization`
//! rule and body replay are the client's own, and identical whatever HTTP client is plugged in.

use std::future::Future;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, SystemTime};

use http::header::{
    AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION, RETRY_AFTER,
    TRANSFER_ENCODING, USER_AGENT,
};
use http::{HeaderName, HeaderValue, Method, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;
use tracing::Instrument;
use uuid::Uuid;

use super::builder::{Client, Inner};
use super::credential::Authentication;
use super::error::{Error, Refusal};
use super::preflight;
use super::request::{ApiRequest, RequestBody};
use super::response::ApiResponse;
use super::retry::{RetryPolicy, parse_retry_after};
use super::token::TokenError;
use super::upload::ErrorSlot;

/// Sent on every request so the service can tell this client apart in its logs.
const USER_AGENT_VALUE: &str = concat!("photo-api/", env!("CARGO_PKG_VERSION"));
/// The id that ties every attempt of one call together in Graph's logs.
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
/// Tells the service which retry this is, as Microsoft's SDKs do.
const RETRY_ATTEMPT: HeaderName = HeaderName::from_static("retry-attempt");

/// Query bytes kept literally: unreserved characters and the delimiters OData options use
/// (`$select=id,height`); `&`, `=`, `+`, `#`, `'`, `%` and space are encoded.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'$')
    .remove(b',')
    .remove(b':')
    .remove(b'@')
    .remove(b'!')
    .remove(b'*')
    .remove(b'(')
    .remove(b')')
    .remove(b'/');

impl Client {
    /// Sends `request`: checks it locally, then sends it with a bearer token, following
    /// redirects and retrying throttled or unavailable answers. Any status the service answers
    /// is returned as an [`ApiResponse`]; the generated code decides what it means.
    pub fn send(
        &self,
        request: ApiRequest,
    ) -> impl Future<Output = Result<ApiResponse, Error>> + Send + use<> {
        let inner = Arc::clone(&self.inner);
        let client_request_id = request
            .headers
            .iter()
            .rev()
            .find(|(name, _)| name.eq_ignore_ascii_case(CLIENT_REQUEST_ID.as_str()))
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| Uuid::new_v4().to_string());
        // Only when a subscriber wants it: a disabled span still records its fields.
        let span = if tracing::enabled!(tracing::Level::INFO) {
            tracing::info_span!(
                "photo_api.send",
                operation = request.op.id,
                method = request.op.method.as_str(),
                client_request_id = %client_request_id,
                attempt = tracing::field::Empty,
                status = tracing::field::Empty,
            )
        } else {
            tracing::Span::none()
        };
        inner.execute(request, client_request_id).instrument(span)
    }
}

impl Inner {
    async fn execute(
        self: Arc<Self>,
        request: ApiRequest,
        client_request_id: String,
    ) -> Result<ApiResponse, Error> {
        let op = request.op;
        let mut request = request;
        self.check_body(&request)?;
        if let Some(body) = &request.body {
            body.precheck().map_err(Error::Upload)?;
        }
        let version = preflight::api_version(&self.base_path);
        let authentication = Authentication::for_operation(
            op.id,
            op.security_in(version),
            self.tokens.is_some(),
            &self.credentials,
        )?;
        if let Authentication::Query(name, key) = &authentication {
            request.query.push((name, key.clone()));
        }
        let url = self.url(&request)?;
        let headers = base_headers(&request, &client_request_id)?;
        let replayable = request.body.as_ref().is_none_or(RequestBody::is_replayable);
        let span = tracing::Span::current();
        let mut waited = Duration::ZERO;
        let mut attempt: u32 = 0;
        loop {
            span.record("attempt", attempt);
            let authorization = match (&authentication, &self.tokens) {
                (Authentication::OAuth, Some(tokens)) => {
                    let token = tokens.token().await?;
                    if self.preflight {
                        preflight::check(op, version, &token)?;
                    }
                    Some((AUTHORIZATION, self.authorization(&token)?))
                }
                (Authentication::Header(name, value), _) => Some((name.clone(), value.clone())),
                _ => None,
            };
            // Boxed, so that the future of a whole call stays small enough for the allocator's
            // fast path (a future of several kilobytes costs more to allocate than two small ones).
            let response =
                Box::pin(self.attempt(&request, &url, &headers, authorization, attempt)).await?;
            let status = response.status().as_u16();
            span.record("status", status);
            if RetryPolicy::is_retryable_status(status) && replayable {
                let retry_after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| parse_retry_after(value, SystemTime::now()));
                if let Some(delay) = self.retry.delay_before(attempt + 1, retry_after, waited) {
                    tracing::info!(
                        status,
                        retry = attempt + 1,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "service busy; retrying"
                    );
                    drop(response);
                    // Boxed: a timer is large, and only a retry needs one.
                    Box::pin(tokio::time::sleep(delay)).await;
                    waited = waited.saturating_add(delay);
                    attempt += 1;
                    continue;
                }
            }
            tracing::debug!(status, "answered");
            return Ok(ApiResponse::new(response, op.id, client_request_id));
        }
    }

    /// Refuses a body the operation does not take, a missing required body, or one larger than
    /// the service accepts, before any network traffic.
    fn check_body(&self, request: &ApiRequest) -> Result<(), Refusal> {
        let op = request.op;
        match (&request.body, &op.request_body) {
            (Some(body), spec) if !op.accepts_media_type(body.media_type()) => {
                return Err(Refusal::MediaType {
                    operation: op.id,
                    given: body.media_type().to_owned(),
                    accepted: spec.as_ref().map_or(&[], |spec| spec.media_types),
                });
            }
            (None, Some(spec)) if spec.required => {
                return Err(Refusal::MissingBody { operation: op.id });
            }
            _ => {}
        }
        match request.body.as_ref().and_then(RequestBody::len) {
            Some(size) if size > self.max_request_bytes => Err(Refusal::TooLarge {
                size,
                limit: self.max_request_bytes,
            }),
            _ => Ok(()),
        }
    }

    /// The absolute URL: base URL, encoded path, encoded query. A call without a query to the
    /// same path as the last such call reuses its URL.
    fn url(&self, request: &ApiRequest) -> Result<Url, Error> {
        if let Some(next_link) = &request.next_link {
            return Ok(next_link.clone());
        }
        let path = request.path.as_str();
        if request.query.is_empty() {
            let mut last = self.last_url.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((last_path, url)) = last.as_ref()
                && last_path == path
            {
                return Ok(url.clone());
            }
            let url = self.build_url(request);
            *last = Some((path.to_owned(), url.clone()));
            return Ok(url);
        }
        Ok(self.build_url(request))
    }

    /// The parsed base URL with the request's path and query set: the same URL that parsing the
    /// whole text would give.
    fn build_url(&self, request: &ApiRequest) -> Url {
        let mut url = self.base.clone();
        let path = request.path.as_str();
        let mut full = String::with_capacity(self.base_path.len() + path.len());
        full.push_str(&self.base_path);
        full.push_str(path);
        url.set_path(&full);
        if request.query.is_empty() {
            url.set_query(None);
        } else {
            let mut query = String::new();
            for (index, (name, value)) in request.query.iter().enumerate() {
                if index > 0 {
                    query.push('&');
                }
                query.extend(utf8_percent_encode(name, QUERY));
                query.push('=');
                query.extend(utf8_percent_encode(value, QUERY));
            }
            url.set_query(Some(&query));
        }
        url
    }

    /// The `Authorization` value for `token`, reused while the provider keeps returning the same
    /// token (building it means formatting and validating a kilobyte of text).
    fn authorization(&self, token: &str) -> Result<HeaderValue, Error> {
        let mut last = self
            .authorization
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((text, value)) = last.as_ref()
            && text == token
        {
            return Ok(value.clone());
        }
        let value = bearer(token)?;
        *last = Some((token.to_owned(), value.clone()));
        Ok(value)
    }

    /// One attempt: sends the request and follows redirects, dropping `Authorization` once the
    /// scheme, host or port changes, and switching to `GET` where HTTP says so.
    async fn attempt(
        &self,
        request: &ApiRequest,
        url: &Url,
        headers: &[(HeaderName, HeaderValue)],
        authorization: Option<(HeaderName, HeaderValue)>,
        attempt: u32,
    ) -> Result<reqwest::Response, Error> {
        let mut method = request.op.method.to_http();
        let mut body = request.body.as_ref();
        let mut send_authorization = true;
        let mut redirects = 0;
        // Where an upload leaves its own error; only a call with a body needs one.
        let slot = body.map(|_| ErrorSlot::default());
        let mut redirected: Option<Url> = None;
        loop {
            // The URL moves into the request; the response gives it back for a redirect.
            let sent_to = redirected.take().unwrap_or_else(|| url.clone());
            let mut builder = self.http.request(method.clone(), sent_to);
            for (name, value) in headers {
                builder = builder.header(name.clone(), value.clone());
            }
            if send_authorization && let Some((name, value)) = &authorization {
                builder = builder.header(name.clone(), value.clone());
            }
            if attempt > 0 {
                builder = builder.header(RETRY_ATTEMPT, HeaderValue::from(attempt));
            }
            if self.timeout_per_request {
                builder = builder.timeout(self.timeout);
            }
            if let (Some(body), Some(slot)) = (body, &slot) {
                let content_type = HeaderValue::from_str(body.media_type()).map_err(|_| {
                    Error::InvalidRequest(format!(
                        "media type {:?} is not a valid header",
                        body.media_type()
                    ))
                })?;
                builder = builder.header(CONTENT_TYPE, content_type);
                // Boxed: preparing an upload is a large future that a call without a body
                // should not carry.
                let http_body = Box::pin(self.http_body(body, slot)).await?;
                if http_body.as_bytes().is_none()
                    && let Some(len) = body.len()
                {
                    builder = builder.header(CONTENT_LENGTH, HeaderValue::from(len));
                }
                builder = builder.body(http_body);
            }
            let response = builder.send().await.map_err(|error| {
                let left = slot
                    .as_ref()
                    .and_then(|slot| slot.lock().unwrap_or_else(PoisonError::into_inner).take());
                match left {
                    Some(photo_error) => Error::Upload(photo_error),
                    None => Error::from(error),
                }
            })?;
            let Some(next) = redirect_target(&response, response.url()) else {
                return Ok(response);
            };
            if self.max_redirects == 0 {
                // Following is switched off: the caller gets the redirect itself.
                return Ok(response);
            }
            let next_method = redirected_method(response.status(), &method);
            let keeps_body = next_method == method && body.is_some();
            if keeps_body && body.is_some_and(|body| !body.is_replayable()) {
                // The stream is spent; the caller gets the redirect itself.
                return Ok(response);
            }
            redirects += 1;
            if redirects > self.max_redirects {
                return Err(Error::TooManyRedirects {
                    limit: self.max_redirects,
                    location: next.to_string(),
                });
            }
            if !same_origin(response.url(), &next) {
                send_authorization = false;
            }
            if !keeps_body {
                body = None;
            }
            tracing::debug!(
                status = response.status().as_u16(),
                redirect = redirects,
                authorization = send_authorization,
                "following redirect"
            );
            method = next_method;
            redirected = Some(next);
        }
    }

    /// A fresh HTTP body for one hop of one attempt.
    async fn http_body(
        &self,
        body: &RequestBody,
        slot: &ErrorSlot,
    ) -> Result<reqwest::Body, Error> {
        match body {
            RequestBody::Json(bytes) => Ok(reqwest::Body::from(bytes.clone())),
            RequestBody::Upload(upload) => upload
                .body(self.max_request_bytes, slot)
                .await
                .map_err(Error::Upload),
        }
    }
}

/// Headers common to every attempt: the caller's, less those the client manages, plus
/// `User-Agent` and `client-request-id`. A list rather than a map: each hop appends them to its
/// request as they are, with nothing to merge.
fn base_headers(
    request: &ApiRequest,
    client_request_id: &str,
) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
    let managed = [
        AUTHORIZATION,
        CONTENT_TYPE,
        CONTENT_LENGTH,
        USER_AGENT,
        HOST,
        CONNECTION,
        TRANSFER_ENCODING,
        RETRY_ATTEMPT,
        CLIENT_REQUEST_ID,
    ];
    let mut headers = Vec::with_capacity(request.headers.len() + 2);
    for (name, value) in &request.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::InvalidRequest(format!("{name:?} is not a valid header name")))?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::InvalidRequest(format!(
                "the value of header {name} is not valid in a header"
            ))
        })?;
        if !managed.contains(&name) {
            headers.push((name, value));
        }
    }
    headers.push((USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE)));
    let id = HeaderValue::from_str(client_request_id).map_err(|_| {
        Error::InvalidRequest("client-request-id is not valid in a header".to_owned())
    })?;
    headers.push((CLIENT_REQUEST_ID, id));
    Ok(headers)
}

/// `Authorization: Bearer <token>`, marked sensitive so it is never printed.
fn bearer(token: &str) -> Result<HeaderValue, Error> {
    let token = token.trim();
    let token = match token.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => token[7..].trim_start(),
        _ => token,
    };
    if token.is_empty() {
        return Err(TokenError::new("the token provider returned an empty token").into());
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| TokenError::new("the token contains characters a header cannot carry"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Where a redirect answer points, if it is one the client follows.
fn redirect_target(response: &reqwest::Response, current: &Url) -> Option<Url> {
    if !matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    let next = current.join(location.trim()).ok()?;
    matches!(next.scheme(), "http" | "https").then_some(next)
}

/// The method after a redirect: `303` turns everything but `HEAD` into `GET`, and `301`/`302`
/// turn `POST` into `GET`, as browsers and `reqwest` do; `307`/`308` keep it.
fn redirected_method(status: StatusCode, method: &Method) -> Method {
    match status {
        StatusCode::SEE_OTHER if method != Method::HEAD => Method::GET,
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND if method == Method::POST => Method::GET,
        _ => method.clone(),
    }
}

/// Whether two URLs share scheme, host and port: only then may the token follow.
pub(super) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn urls_match_parsing_the_whole_text() {
        use crate::operation::{HttpMethod, OperationSpec};
        use crate::path::PathBuilder;
        static OP: OperationSpec = OperationSpec {
            id: "getUserPhoto",
            method: HttpMethod::Get,
            path: "/users/{user-id}/photo",
            security: &[],
            security_by_version: &[],
            unsupported_schemes: &[],
            request_body: None,
        };
        let keys = [
            "u1",
            "AdeleV@contoso.onmicrosoft.com",
            "guest_contoso.com#EXT#@fabrikam.com",
            "$weird@contoso.com",
            "o'brien & sons+1/2?x=y",
            "ünïcödé 名前",
            "..",
            "%41%2F",
            "",
        ];
        let queries: [&[(&'static str, &str)]; 3] = [
            &[],
            &[("$select", "id,height")],
            &[("$select", "a b&c=d#e%f'g"), ("x", "ü")],
        ];
        for base in [
            "http://127.0.0.1:8080/v1.0",
            "https://graph.microsoft.com/beta",
            "http://localhost:9",
            "https://example.com/some%20prefix/v1.0",
        ] {
            let client = Client::builder()
                .static_token("t")
                .base_url(base)
                .build()
                .expect("client");
            for key in keys {
                for query in queries {
                    let mut request = ApiRequest::new(
                        &OP,
                        PathBuilder::new()
                            .literal("users")
                            .key(key)
                            .literal("photo"),
                    );
                    for (name, value) in query {
                        request = request.query(name, *value);
                    }
                    let mut text = format!("{}{}", client.inner.base_url, request.path());
                    for (index, (name, value)) in request.query.iter().enumerate() {
                        text.push(if index == 0 { '?' } else { '&' });
                        text.extend(utf8_percent_encode(name, QUERY));
                        text.push('=');
                        text.extend(utf8_percent_encode(value, QUERY));
                    }
                    let built = client.inner.url(&request).expect("url");
                    assert_eq!(Some(built.clone()), Url::parse(&text).ok(), "{text}");
                    // Built again: from the last URL kept when there is no query.
                    assert_eq!(client.inner.url(&request).expect("url"), built, "{text}");
                    assert_eq!(built.as_str(), text, "{base} {key:?} {query:?}");
                }
            }
        }
    }

    #[test]
    fn origin_changes_are_detected() {
        let graph = url("https://graph.microsoft.com/v1.0/me");
        assert!(same_origin(
            &graph,
            &url("https://GRAPH.microsoft.com:443/other")
        ));
        assert!(!same_origin(
            &graph,
            &url("http://graph.microsoft.com/v1.0/me")
        ));
        assert!(!same_origin(
            &graph,
            &url("https://graph.microsoft.com:8443/v1.0/me")
        ));
        assert!(!same_origin(
            &graph,
            &url("https://graph.microsoft.us/v1.0/me")
        ));
    }

    #[test]
    fn redirects_change_the_method_as_http_says() {
        assert_eq!(
            redirected_method(StatusCode::SEE_OTHER, &Method::PUT),
            Method::GET
        );
        assert_eq!(
            redirected_method(StatusCode::SEE_OTHER, &Method::HEAD),
            Method::HEAD
        );
        assert_eq!(
            redirected_method(StatusCode::FOUND, &Method::POST),
            Method::GET
        );
        assert_eq!(
            redirected_method(StatusCode::FOUND, &Method::PUT),
            Method::PUT
        );
        assert_eq!(
            redirected_method(StatusCode::TEMPORARY_REDIRECT, &Method::PATCH),
            Method::PATCH
        );
    }

    #[test]
    fn bearer_values_are_sensitive_and_validated() {
        let value = bearer("abc").ok();
        assert_eq!(
            value.as_ref().map(|v| v.as_bytes()),
            Some(&b"Bearer abc"[..])
        );
        assert!(value.is_some_and(|v| v.is_sensitive()));
        assert_eq!(
            bearer("Bearer abc").ok().map(|v| v.as_bytes().to_vec()),
            Some(b"Bearer abc".to_vec())
        );
        assert!(matches!(bearer("  "), Err(Error::Token(_))));
        assert!(matches!(bearer("a\nb"), Err(Error::Token(_))));
    }
}
