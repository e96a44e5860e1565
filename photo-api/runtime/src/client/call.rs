//! What every generated navigation step and call shares, so the generated client only declares
//! types: where a node is in the path tree, and a call that collects its parameters and is
//! sent when awaited.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use serde::Serialize;

use super::builder::Client;
use super::error::Error;
use super::request::{ApiRequest, RequestBody};
use super::response::ApiResponse;
use super::upload::Upload;
use crate::operation::OperationSpec;
use crate::param::ToParam;
use crate::path::PathBuilder;

/// A position in the path tree (`/users/{user-id}/photo`) with the client that will call it.
#[derive(Clone, Debug)]
pub struct Node {
    client: Client,
    path: PathBuilder,
}

impl Node {
    /// The root of the tree: the client's base URL.
    pub fn root(client: Client) -> Self {
        Node {
            client,
            path: PathBuilder::new(),
        }
    }

    /// The client this node calls with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The child at a literal segment such as `photo` or `$value`.
    pub fn literal(&self, segment: &'static str) -> Node {
        Node {
            client: self.client.clone(),
            path: self.path.clone().literal(segment),
        }
    }

    /// The child at a path parameter's value, percent-encoded (see [`PathBuilder::key`]).
    pub fn key(&self, value: &(impl ToParam + ?Sized)) -> Node {
        Node {
            client: self.client.clone(),
            path: self.path.clone().key(&value.to_param()),
        }
    }

    /// The child at a segment of text and parameters, such as
    /// `microsoft.graph.delta(token='{token}')`, with `values` in the template's order (see
    /// [`PathBuilder::template`]).
    pub fn template(&self, template: &str, values: &[&dyn ToParam]) -> Node {
        Node {
            client: self.client.clone(),
            path: self.path.clone().template(template, values),
        }
    }

    /// A call of `op` at this node, answered as `R`.
    pub fn call<R>(&self, op: &'static OperationSpec) -> Call<R> {
        Call {
            client: self.client.clone(),
            request: ApiRequest::new(op, self.path.clone()),
            failure: None,
            response: PhantomData,
        }
    }
}

/// How a generated response type reads the service's answer: its declared statuses become
/// variants, error statuses [`Error`]s.
pub trait ReadResponse: Sized + Send + 'static {
    /// Reads `response` as this operation's answer.
    fn read(response: ApiResponse) -> impl Future<Output = Result<Self, Error>> + Send;
}

/// The future of an awaited call.
pub type CallFuture<R> = Pin<Box<dyn Future<Output = Result<R, Error>> + Send>>;

/// One prepared call whose answer is read as `R`. The generated client wraps it in a type per
/// operation whose setters add that operation's optional parameters.
#[derive(Debug)]
pub struct Call<R> {
    client: Client,
    request: ApiRequest,
    /// A body that could not be serialized, reported when the call is sent.
    failure: Option<Error>,
    response: PhantomData<fn() -> R>,
}

impl<R> Call<R> {
    /// Sets query parameter `name`, replacing an earlier value.
    pub fn query(mut self, name: &'static str, value: &(impl ToParam + ?Sized)) -> Self {
        self.request.query.retain(|(existing, _)| *existing != name);
        self.request.query.push((name, value.to_param()));
        self
    }

    /// Sets header `name`, replacing an earlier value.
    pub fn header(mut self, name: &'static str, value: &(impl ToParam + ?Sized)) -> Self {
        self.request
            .headers
            .retain(|(existing, _)| *existing != name);
        self.request.headers.push((name, value.to_param()));
        self
    }

    /// Sets a binary body.
    pub fn upload(mut self, body: impl Into<Upload>) -> Self {
        self.request.body = Some(RequestBody::Upload(body.into()));
        self
    }

    /// Sets a JSON body, serialized now so that retries resend the same bytes. A body that
    /// cannot be serialized fails the call when it is sent.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.request.body = Some(RequestBody::Json(bytes.into())),
            Err(error) => self.failure = Some(Error::Serialize(error)),
        }
        self
    }

    /// The request as it would be sent now.
    pub fn request(&self) -> &ApiRequest {
        &self.request
    }

    /// The client, the request, and the error that fails the call when it is sent, if any.
    pub(super) fn into_parts(self) -> (Client, ApiRequest, Option<Error>) {
        (self.client, self.request, self.failure)
    }
}

impl<R: ReadResponse> Call<R> {
    /// Sends the request and reads the answer.
    pub fn send(self) -> impl Future<Output = Result<R, Error>> + Send + 'static {
        // The sending is boxed and started here, outside the returned future: a future keeps
        // room for whatever it captures for its whole life, and the sending (a few hundred bytes)
        // and the reading (as many) would otherwise add up to more than the allocator hands out
        // on its fast path when an awaited call is boxed (see `IntoFuture` below).
        let sending = match self.failure {
            Some(error) => Err(error),
            None => Ok(Box::pin(self.client.send(self.request))),
        };
        async move {
            let response = sending?.await?;
            R::read(response).await
        }
    }
}

impl<R: ReadResponse> IntoFuture for Call<R> {
    type Output = Result<R, Error>;
    type IntoFuture = CallFuture<R>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
