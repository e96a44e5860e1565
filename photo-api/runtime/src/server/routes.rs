//! [`Routes`]: the route table the generated router fills, one line per operation.
//!
//! Each operation is registered with its full path (the server prefix included) on one flat
//! axum router, so a request is matched once; nesting a router per prefix would rewrite the
//! URI and route a second time on every request. Operations axum cannot route apart (segments
//! of text and parameters, paths of one shape) share a route that picks among them (see
//! [`dispatch`](super::dispatch)).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter, on};

use super::config::{RequestContext, ServerConfig};
use super::dispatch::{Alternative, ErasedHandler, RouteTemplate, shared_route};
use super::handle::{FromIncoming, handle};
use crate::operation::{HttpMethod, OperationSpec};

/// The routes of an API implementation `A` under one path prefix, sharing one configuration.
pub struct Routes<A> {
    router: Router,
    prefix: String,
    api: Arc<A>,
    config: Arc<ServerConfig>,
    /// Every operation added, routed by [`into_router`](Self::into_router) once all are known.
    added: Vec<Added>,
}

/// An operation added to [`Routes`], its handler both as axum's and type-erased.
#[derive(Clone)]
struct Added {
    path: String,
    template: RouteTemplate,
    method: HttpMethod,
    direct: MethodRouter,
    erased: ErasedHandler,
}

impl<A: Send + Sync + 'static> Routes<A> {
    /// Adds routes to `router` under `prefix` (empty, or `/` and segments without a trailing
    /// slash), serving `api` with `config`.
    pub fn new(router: Router, prefix: &str, api: Arc<A>, config: ServerConfig) -> Self {
        Routes {
            router,
            prefix: prefix.to_owned(),
            api,
            config: Arc::new(config),
            added: Vec::new(),
        }
    }

    /// Routes `op` at `path` (axum's syntax, captures named as the request type reads them; a
    /// segment may also mix text and captures, as `microsoft.graph.delta(token='{token}')`):
    /// each request is checked and decoded by [`handle`], then given to `method`, the
    /// implementation's method for the operation (such as `A::get_my_photo`). Operations on the
    /// same path share its route, one per method.
    pub fn add<T, R, M>(&mut self, path: &str, op: &'static OperationSpec, method: M)
    where
        T: FromIncoming + 'static,
        R: IntoResponse,
        M: for<'a> ApiMethod<'a, A, T, Output = R> + Copy + Send + Sync + 'static,
    {
        let api = Arc::clone(&self.api);
        let config = Arc::clone(&self.config);
        let handler = move |request: Request| {
            let api = Arc::clone(&api);
            let config = Arc::clone(&config);
            async move {
                handle(&config, op, request, |context, request| {
                    method.call(&api, context, request)
                })
                .await
            }
        };
        // The spec's root path `/` under a prefix is the prefix itself, as clients send it.
        let full_path = match path {
            "/" if !self.prefix.is_empty() => self.prefix.clone(),
            _ => format!("{}{path}", self.prefix),
        };
        let erased_handler = handler.clone();
        let erased: ErasedHandler = Arc::new(move |request| {
            let future = erased_handler.clone()(request);
            Box::pin(async move { future.await.into_response() })
        });
        self.added.push(Added {
            template: RouteTemplate::parse(&full_path),
            path: full_path,
            method: op.method,
            direct: on(method_filter(op.method), handler),
            erased,
        });
    }

    /// The router with every route added. Operations of one shape that axum can route as they
    /// are (whole-segment captures of the same names, different methods) get their own routes;
    /// the others share one route per shape (see `server/dispatch.rs`).
    pub fn into_router(self) -> Router {
        let mut shapes: Vec<(String, Vec<Added>)> = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        for added in self.added {
            let shape = added.template.shape();
            match index_of.get(&shape) {
                Some(&index) => shapes[index].1.push(added),
                None => {
                    index_of.insert(shape.clone(), shapes.len());
                    shapes.push((shape, vec![added]));
                }
            }
        }
        // A shared route catches paths a plain one would not, key-form ones such as
        // `/users('$x')` among them; those it cannot read are routed again, rewritten, by a copy
        // of these routes (whose own shared routes do not retry).
        let retry = shapes
            .iter()
            .any(|(_, group)| !routable_alone(group))
            .then(|| add_shapes(Router::new(), &shapes, None).fallback(super::finish::not_found));
        add_shapes(self.router, &shapes, retry)
    }
}

/// Whether axum can route these operations of one shape as they are: no segment of text and
/// parameters, one path, one operation per method.
fn routable_alone(group: &[Added]) -> bool {
    let methods: HashSet<HttpMethod> = group.iter().map(|added| added.method).collect();
    methods.len() == group.len()
        && group
            .iter()
            .all(|added| !added.template.has_mixed_segment() && added.path == group[0].path)
}

/// `router` with a route per operation, or per shape where operations share one.
fn add_shapes(
    mut router: Router,
    shapes: &[(String, Vec<Added>)],
    retry: Option<Router>,
) -> Router {
    for (shape, group) in shapes {
        if routable_alone(group) {
            for added in group {
                router = router.route(&added.path, added.direct.clone());
            }
        } else {
            let alternatives = group
                .iter()
                .map(|added| Alternative {
                    template: added.template.clone(),
                    method: added.method,
                    handler: Arc::clone(&added.erased),
                })
                .collect();
            router = router.route(shape, shared_route(alternatives, retry.clone()));
        }
    }
    router
}

/// A method of the API trait for one operation, such as `A::get_my_photo`: it borrows the
/// implementation for as long as its future runs, which a plain `Fn` bound cannot say.
pub trait ApiMethod<'a, A: 'a, T>: Sized {
    /// What the operation answers.
    type Output;
    /// The method's future.
    type Future: Future<Output = Self::Output> + Send + 'a;

    /// Calls the method on `api`.
    fn call(self, api: &'a A, context: RequestContext, request: T) -> Self::Future;
}

impl<'a, A: 'a, T, F, Fut> ApiMethod<'a, A, T> for F
where
    F: FnOnce(&'a A, RequestContext, T) -> Fut,
    Fut: Future + Send + 'a,
{
    type Output = Fut::Output;
    type Future = Fut;

    fn call(self, api: &'a A, context: RequestContext, request: T) -> Fut {
        self(api, context, request)
    }
}

pub(super) fn method_filter(method: HttpMethod) -> MethodFilter {
    match method {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Put => MethodFilter::PUT,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Patch => MethodFilter::PATCH,
        HttpMethod::Delete => MethodFilter::DELETE,
    }
}
