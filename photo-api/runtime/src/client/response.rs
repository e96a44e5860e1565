//! The service's answer, read the way the spec says: JSON, a binary download, or an error.
//!
//! Bodies read into memory are capped, so a misbehaving server cannot exhaust memory through a
//! metadata call or an error page; downloads stream.

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, TryStreamExt};
use http::HeaderMap;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::error::{Error, GraphError, strip_bom};

/// The largest JSON body [`ApiResponse::json`] reads; Graph's metadata answers are tiny.
const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;
/// How much of an error or unexpected body is kept.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// An answer from the service, before its body is read.
#[derive(Debug)]
pub struct ApiResponse {
    response: reqwest::Response,
    operation: &'static str,
    client_request_id: String,
}

impl ApiResponse {
    pub(crate) fn new(
        response: reqwest::Response,
        operation: &'static str,
        client_request_id: String,
    ) -> Self {
        Self {
            response,
            operation,
            client_request_id,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.response.status().as_u16()
    }

    /// A response header as text (invalid UTF-8 replaced), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.response
            .headers()
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    }

    /// All response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    /// The `client-request-id` the client sent, to correlate with the service's logs.
    pub fn client_request_id(&self) -> &str {
        &self.client_request_id
    }

    /// Reads the body as JSON of type `T`; a body that does not parse is an
    /// [`Error::UnexpectedResponse`] keeping the body.
    pub async fn json<T: DeserializeOwned>(mut self) -> Result<T, Error> {
        let status = self.status();
        let (body, complete) = read_capped(&mut self.response, MAX_JSON_BYTES).await?;
        if !complete {
            return Err(Error::UnexpectedResponse {
                status,
                content_type: self.header("content-type"),
                body,
                reason: format!(
                    "{}: JSON body larger than {MAX_JSON_BYTES} bytes",
                    self.operation
                ),
            });
        }
        serde_json::from_slice(strip_bom(&body)).map_err(|error| Error::UnexpectedResponse {
            status,
            content_type: self.header("content-type"),
            body,
            reason: format!("{}: invalid JSON: {error}", self.operation),
        })
    }

    /// Hands the body over as a streamable download.
    pub fn download(self) -> Download {
        let header = |name: &str| {
            self.response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let etag = header("etag");
        let content_length = header("content-length")
            .and_then(|len| len.trim().parse().ok())
            .or_else(|| self.response.content_length());
        Download {
            response: self.response,
            content_type,
            etag,
            content_length,
        }
    }

    /// Reads an error answer (4xx/5xx) leniently into [`Error::Graph`].
    pub async fn into_error(mut self) -> Error {
        let status = self.status();
        let (body, _) = match read_capped(&mut self.response, MAX_ERROR_BYTES).await {
            Ok(read) => read,
            Err(error) => return error,
        };
        let mut graph = GraphError::from_parts(status, self.response.headers(), body);
        if graph.client_request_id.is_none() {
            graph.client_request_id = Some(self.client_request_id);
        }
        Error::Graph(Box::new(graph))
    }

    /// Reads an answer whose status the spec does not declare for the operation.
    pub async fn unexpected(mut self) -> Error {
        let status = self.status();
        let content_type = self.header("content-type");
        match read_capped(&mut self.response, MAX_ERROR_BYTES).await {
            Ok((body, _)) => Error::UnexpectedResponse {
                status,
                content_type,
                body,
                reason: format!("status {status} is not declared for {}", self.operation),
            },
            Err(error) => error,
        }
    }
}

/// Reads at most `cap` bytes of the body; the flag says whether that was all of it.
async fn read_capped(response: &mut reqwest::Response, cap: usize) -> Result<(Bytes, bool), Error> {
    // Sized from the declared length when there is one, so the buffer is not regrown.
    let declared = response
        .content_length()
        .map_or(0, |len| usize::try_from(len).unwrap_or(cap).min(cap));
    let mut body = BytesMut::with_capacity(declared);
    while let Some(chunk) = response.chunk().await? {
        let room = cap - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body.freeze(), false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body.freeze(), true))
}

/// A binary answer (a photo), read in memory, chunk by chunk, as a stream or into a writer.
#[derive(Debug)]
pub struct Download {
    response: reqwest::Response,
    content_type: Option<String>,
    etag: Option<String>,
    content_length: Option<u64>,
}

impl Download {
    /// The `Content-Type` the service sent, such as `image/jpeg`.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The photo's `ETag`, for conditional requests (`If-None-Match`, `If-Match`).
    pub fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// The size in bytes, when the service said.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The whole body in memory.
    pub async fn bytes(self) -> Result<Bytes, Error> {
        Ok(self.response.bytes().await?)
    }

    /// The next chunk of the body, or `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        Ok(self.response.chunk().await?)
    }

    /// The body as a stream of chunks.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, Error>> + Send + 'static {
        self.response.bytes_stream().map_err(Error::from)
    }

    /// Copies the body into `writer` without holding it in memory; returns the bytes written.
    pub async fn write_to(mut self, mut writer: impl AsyncWrite + Unpin) -> Result<u64, Error> {
        let mut written = 0u64;
        while let Some(chunk) = self.response.chunk().await? {
            writer.write_all(&chunk).await.map_err(Error::Io)?;
            written = written.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        }
        writer.flush().await.map_err(Error::Io)?;
        Ok(written)
    }
}
