//! The ids that tie a response to its request: the `request-id` the server assigns and the
//! `client-request-id` the caller may send. The layer in [`finish`](super::finish) keeps them in a
//! task-local for the request's whole handling, so that a [`Rejection`](super::Rejection) rendered
//! anywhere inside the handler repeats the very id the response header carries.

use std::future::Future;
use std::sync::Arc;

use http::{HeaderMap, HeaderValue};

use crate::runtime::guid::Guid;

/// The request header a caller uses to label its request, echoed back on the response.
pub(crate) const CLIENT_REQUEST_ID: &str = "client-request-id";
/// The response header carrying the id the server gave the request.
pub(crate) const REQUEST_ID: &str = "request-id";
/// Longer `client-request-id` values are ignored rather than echoed (Graph expects a GUID).
const MAX_CLIENT_REQUEST_ID_LEN: usize = 128;

tokio::task_local! {
    static CURRENT: RequestIds;
}

/// The request's ids, as assigned once per request. Shared, not copied, by the layer, the
/// task-local and the handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestIds {
    pub(crate) request_id: Arc<str>,
    pub(crate) client_request_id: Option<Arc<str>>,
}

impl RequestIds {
    /// Assigns a fresh `request-id` and picks up the caller's `client-request-id`, if usable.
    pub(crate) fn assign(headers: &HeaderMap) -> Self {
        RequestIds {
            request_id: Arc::from(Guid::new().as_str()),
            client_request_id: client_request_id(headers).map(Arc::from),
        }
    }

    /// The ids as response headers: `request-id`, and `client-request-id` when there is one.
    pub(crate) fn header_values(&self) -> (Option<HeaderValue>, Option<HeaderValue>) {
        let value = |text: &str| HeaderValue::from_str(text).ok();
        (
            value(&self.request_id),
            self.client_request_id.as_deref().and_then(value),
        )
    }

    /// The ids of the request the current task is serving, when run under [`RequestIds::scope`].
    pub(crate) fn current() -> Option<Self> {
        CURRENT.try_with(Clone::clone).ok()
    }

    /// Runs `future` with these ids as the task's current ones.
    pub(crate) async fn scope<F: Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }
}

/// The caller's `client-request-id`, if it is one printable token of reasonable length.
fn client_request_id(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(CLIENT_REQUEST_ID)?.to_str().ok()?.trim();
    let usable = !value.is_empty()
        && value.len() <= MAX_CLIENT_REQUEST_ID_LEN
        && value.bytes().all(|byte| byte.is_ascii_graphic());
    usable.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

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
        assert!(crate::runtime::guid::is_guid(&a.request_id), "{a:?}");
        assert_ne!(a.request_id, b.request_id);
    }

    #[tokio::test]
    async fn the_scope_sets_the_current_ids() {
        let ids = RequestIds::assign(&HeaderMap::new());
        assert_eq!(RequestIds::current(), None);
        let seen = ids.clone().scope(async { RequestIds::current() }).await;
        assert_eq!(seen, Some(ids));
    }
}
