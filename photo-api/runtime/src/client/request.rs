//! One call as the generated code describes it: operation, path, query, headers and body.

use bytes::Bytes;
use serde::Serialize;

use super::error::Error;
use super::upload::{PhotoError, Upload};
use crate::operation::OperationSpec;
use crate::path::PathBuilder;

/// A request waiting to be sent by [`Client::send`](super::Client::send).
///
/// The generated operations build it; the client adds authentication, request ids and retries.
#[derive(Debug)]
pub struct ApiRequest {
    pub(crate) op: &'static OperationSpec,
    pub(crate) path: PathBuilder,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<RequestBody>,
    /// The absolute URL of a list's next page, sent instead of the base URL, path and query.
    pub(crate) next_link: Option<reqwest::Url>,
}

/// The body of a request, kept in a form that can be sent again.
#[derive(Debug)]
pub(crate) enum RequestBody {
    /// Serialized JSON, replayable.
    Json(Bytes),
    /// A binary upload, replayable unless streamed.
    Upload(Upload),
}

impl RequestBody {
    /// The media type sent as `Content-Type`.
    pub(crate) fn media_type(&self) -> &'static str {
        match self {
            RequestBody::Json(_) => "application/json",
            RequestBody::Upload(upload) => upload.media_type(),
        }
    }

    /// The size in bytes, when known before sending.
    pub(crate) fn len(&self) -> Option<u64> {
        match self {
            RequestBody::Json(bytes) => Some(u64::try_from(bytes.len()).unwrap_or(u64::MAX)),
            RequestBody::Upload(upload) => upload.len(),
        }
    }

    /// Checks an upload's declared length before any traffic.
    pub(crate) fn precheck(&self) -> Result<(), PhotoError> {
        match self {
            RequestBody::Json(_) => Ok(()),
            RequestBody::Upload(upload) => upload.precheck(),
        }
    }

    /// Whether the body can be sent again (for retries and redirects).
    pub(crate) fn is_replayable(&self) -> bool {
        match self {
            RequestBody::Json(_) => true,
            RequestBody::Upload(upload) => upload.is_replayable(),
        }
    }
}

impl ApiRequest {
    /// A request for `op` at `path` (relative to the client's base URL), with no query, extra
    /// headers or body yet.
    pub fn new(op: &'static OperationSpec, path: PathBuilder) -> Self {
        Self {
            op,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            next_link: None,
        }
    }

    /// This request's operation and headers alone: what the next pages of the list it asks for
    /// are requested with (a next link carries its own path and query).
    pub(crate) fn next_page_template(&self) -> Self {
        Self {
            op: self.op,
            path: PathBuilder::new(),
            query: Vec::new(),
            headers: self.headers.clone(),
            body: None,
            next_link: None,
        }
    }

    /// A request for the page at `next_link`, made from a [`ApiRequest::next_page_template`].
    pub(crate) fn next_page(&self, next_link: reqwest::Url) -> Self {
        Self {
            next_link: Some(next_link),
            ..self.next_page_template()
        }
    }

    /// Adds a query parameter; the client percent-encodes name and value, keeping `$` and `,`
    /// literal so OData options such as `$select=id,height` read as Graph expects.
    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// Adds a header such as `If-Match`. Headers the client manages itself (`Authorization`,
    /// `Content-Type`, `User-Agent`, `Retry-Attempt`) are overwritten; a `client-request-id`
    /// given here is used instead of a fresh one.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets a JSON body, serialized now so that it can be resent on retries.
    pub fn json(mut self, body: &impl Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(Error::Serialize)?;
        self.body = Some(RequestBody::Json(Bytes::from(bytes)));
        Ok(self)
    }

    /// Sets a binary body.
    pub fn upload(mut self, body: Upload) -> Self {
        self.body = Some(RequestBody::Upload(body));
        self
    }

    /// The operation this request calls.
    pub fn operation(&self) -> &'static OperationSpec {
        self.op
    }

    /// The encoded path, relative to the base URL.
    pub fn path(&self) -> &str {
        self.path.as_str()
    }
}
