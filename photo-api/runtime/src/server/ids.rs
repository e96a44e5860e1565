//! The ids that tie a response to its request: the `request-id` the server assigns and the
//! `client-request-id` the caller may send. The layer in [`finish`](super::finish) keeps them in a
//! task-local for the request's whole handling, so that a [`Rejection`](super::Rejection) rendered
//! anywhere inside the handler repeats the very id the response header carries.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use http::{HeaderMap, HeaderName, HeaderValue, Uri};
use tokio::task::futures::TaskLocalFuture;

use uuid::Uuid;

/// The request header a caller uses to label its request, echoed back on the response.
pub(crate) const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
/// The response header carrying the id the server gave the request.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
/// Longer `client-request-id` values are ignored rather than echoed (Graph expects a GUID).
const MAX_CLIENT_REQUEST_ID_LEN: usize = 128;

tokio::task_local! {
    static CURRENT: Arc<RequestScope>;
}

/// The request's ids, as assigned once per request. Shared, not copied, by the layer, the
/// task-local and the handler's [`RequestContext`](super::RequestContext); the response's
/// headers are made from them when it is stamped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestIds {
    pub(crate) request_id: Arc<str>,
    pub(crate) client_request_id: Option<Arc<str>>,
    /// The caller's `client-request-id` header as it came, when it is echoed unchanged: a
    /// clone of it shares its bytes.
    client_header: Option<HeaderValue>,
}

impl RequestIds {
    /// Ids with the given values (header values are made from them when a response is stamped).
    #[cfg(test)]
    pub(crate) fn new(request_id: &str, client_request_id: Option<&str>) -> Self {
        RequestIds {
            request_id: Arc::from(request_id),
            client_request_id: client_request_id.map(Arc::from),
            client_header: None,
        }
    }

    /// Assigns a fresh `request-id` and picks up the caller's `client-request-id`, if usable.
    pub(crate) fn assign(headers: &HeaderMap) -> Self {
        let mut text = Uuid::encode_buffer();
        let request_id = Uuid::new_v4().hyphenated().encode_lower(&mut text);
        let client = headers.get(CLIENT_REQUEST_ID);
        let client_request_id = client.and_then(usable_client_request_id);
        // The caller's header value is echoed as it came (no copy) unless trimming changed it.
        let client_header = match (client, client_request_id) {
            (Some(value), Some(text)) if value.as_bytes() == text.as_bytes() => Some(value.clone()),
            _ => None,
        };
        RequestIds {
            request_id: Arc::from(&*request_id),
            client_request_id: client_request_id.map(Arc::from),
            client_header,
        }
    }

    /// The ids as response headers: `request-id`, and `client-request-id` when there is one.
    ///
    /// Made when a response is stamped rather than kept: a kept value would be cloned into
    /// each response, and the first clone of a value built from text allocates again.
    pub(crate) fn header_values(&self) -> (Option<HeaderValue>, Option<HeaderValue>) {
        let client = match (&self.client_header, &self.client_request_id) {
            (Some(value), _) => Some(value.clone()),
            (None, text) => text
                .as_deref()
                .and_then(|text| HeaderValue::from_str(text).ok()),
        };
        (HeaderValue::from_str(&self.request_id).ok(), client)
    }

    /// The ids of the request the current task is serving, when run under [`RequestScope::run`].
    pub(crate) fn current() -> Option<Self> {
        CURRENT.try_with(|scope| scope.ids.clone()).ok()
    }
}

/// What the layer keeps in the task-local while a request is served: its ids and where it was
/// addressed, for answers that repeat the service's own URL (the emulator's `@odata.context`).
/// Kept behind an `Arc`, so that the request's future carries a pointer rather than the whole.
#[derive(Clone, Debug)]
pub(crate) struct RequestScope {
    pub(crate) ids: RequestIds,
    /// The `Host` header, if any.
    #[cfg_attr(not(feature = "emulator"), allow(dead_code))]
    pub(crate) host: Option<HeaderValue>,
    /// The request URI (after the key-form rewrite, whose first segment is the same).
    #[cfg_attr(not(feature = "emulator"), allow(dead_code))]
    pub(crate) uri: Uri,
    /// The API version of the routes that took the request (their [`ServerConfig::api_version`],
    /// the prefix the generated router mounted them under), set once routed.
    ///
    /// [`ServerConfig::api_version`]: super::ServerConfig::api_version
    #[cfg_attr(not(feature = "emulator"), allow(dead_code))]
    pub(crate) api_version: OnceLock<&'static str>,
}

impl RequestScope {
    /// Runs `future` with this scope as the task's current one.
    pub(crate) fn run<F: Future>(self: Arc<Self>, future: F) -> TaskLocalFuture<Arc<Self>, F> {
        CURRENT.scope(self, future)
    }

    /// Calls `read` with the current scope, or returns `None` outside one.
    pub(crate) fn with_current<T>(read: impl FnOnce(&RequestScope) -> T) -> Option<T> {
        CURRENT.try_with(|scope| read(scope)).ok()
    }
}

/// The caller's `client-request-id`, if it is one printable token of reasonable length.
fn usable_client_request_id(value: &HeaderValue) -> Option<&str> {
    let value = value.to_str().ok()?.trim();
    let usable = !value.is_empty()
        && value.len() <= MAX_CLIENT_REQUEST_ID_LEN
        && value.bytes().all(|byte| byte.is_ascii_graphic());
    usable.then_some(value)
}

/// Whether `text` is a random (version 4) GUID in its lower-case hyphenated form, as request
/// ids are.
#[cfg(test)]
pub(crate) fn is_guid(text: &str) -> bool {
    Uuid::parse_str(text).is_ok_and(|uuid| uuid.get_version_num() == 4)
        && text.len() == uuid::fmt::Hyphenated::LENGTH
        && !text.bytes().any(|byte| byte.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            CLIENT_REQUEST_ID,
            HeaderValue::from_str(value).expect("test header"),
        );
        headers
    }

    #[test]
    fn a_guid_is_kept_and_oddities_are_dropped() {
        let guid = "8f6b2b3e-2f3c-4a53-9c0e-0d1b9f0c8a11";
        assert_eq!(
            RequestIds::assign(&headers_with(guid))
                .client_request_id
                .as_deref(),
            Some(guid)
        );
        assert_eq!(
            RequestIds::assign(&headers_with("a b")).client_request_id,
            None
        );
        assert_eq!(
            RequestIds::assign(&headers_with(&"x".repeat(129))).client_request_id,
            None
        );
        assert_eq!(
            RequestIds::assign(&HeaderMap::new()).client_request_id,
            None
        );
    }

    #[test]
    fn request_ids_are_fresh_guids() {
        let (a, b) = (
            RequestIds::assign(&HeaderMap::new()),
            RequestIds::assign(&HeaderMap::new()),
        );
        assert!(is_guid(&a.request_id), "{a:?}");
        assert_ne!(a.request_id, b.request_id);
        let ids: std::collections::HashSet<_> = (0..10_000)
            .map(|_| RequestIds::assign(&HeaderMap::new()).request_id)
            .collect();
        assert_eq!(ids.len(), 10_000);
    }

    #[tokio::test]
    async fn the_scope_sets_the_current_ids() {
        let ids = RequestIds::assign(&HeaderMap::new());
        assert_eq!(RequestIds::current(), None);
        let scope = RequestScope {
            ids: ids.clone(),
            host: None,
            uri: Uri::default(),
            api_version: OnceLock::new(),
        };
        let seen = Arc::new(scope).run(async { RequestIds::current() }).await;
        assert_eq!(seen, Some(ids));
    }
}
