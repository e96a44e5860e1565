//! Routes axum cannot express alone: segments of text and parameters
//! (`microsoft.graph.delta(token='{token}')`, `{Sid}.json`), and operations whose paths differ
//! only in such segments or in their parameters' names (`/reports/f(period='{period}')` beside
//! `/reports/g(date={date})`, `/users/{user_id}` beside `/users/{Sid}.json`).
//!
//! axum matches a capture only as a whole segment and refuses two routes of the same shape, so
//! such operations share one route per shape, with one capture per parameter segment. A request
//! on it is read against each operation's [`RouteTemplate`], the most specific first (the one
//! with the most text); the first that fits is served, with its decoded path values handed to
//! [`Incoming`](super::Incoming) as [`PathValues`]. A request none fits is Graph's `404`, as on
//! any unknown path.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::extract::{OriginalUri, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use percent_encoding::percent_decode_str;
use tower::ServiceExt;

use super::keyform::rewrite_uri;
use super::rejection::Rejection;
use crate::operation::HttpMethod;
use crate::segment::SegmentTemplate;

/// A route's handler with its types erased, so that operations of different request and
/// response types can share a route.
pub(crate) type ErasedHandler =
    Arc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync>;

/// The decoded path values of the operation a shared route chose, by capture name; `Err` says
/// which value is not UTF-8. [`Incoming`](super::Incoming) reads them instead of axum's
/// captures.
#[derive(Clone, Debug)]
pub(crate) struct PathValues(pub(crate) Result<Vec<(String, String)>, String>);

/// A full route path (`/v1.0/users/{user_id}/microsoft.graph.delta(token='{token}')`), segment
/// by segment.
#[derive(Clone, Debug)]
pub(crate) struct RouteTemplate {
    segments: Vec<RouteSegment>,
}

#[derive(Clone, Debug)]
enum RouteSegment {
    Literal(String),
    /// A whole-segment capture, by name.
    Capture(String),
    Template(SegmentTemplate),
}

impl RouteTemplate {
    /// Reads an axum-style path whose segments may also mix text and `{captures}`. A segment
    /// that is no valid template is kept as literal text.
    pub(crate) fn parse(path: &str) -> RouteTemplate {
        let segments = path
            .split('/')
            .skip(1)
            .filter(|segment| !segment.is_empty())
            .map(|segment| match SegmentTemplate::parse(segment) {
                Some(template) if template.is_mixed() => RouteSegment::Template(template),
                Some(template) => match template.params().next() {
                    Some(name) => RouteSegment::Capture(name.to_owned()),
                    None => RouteSegment::Literal(segment.to_owned()),
                },
                None => RouteSegment::Literal(segment.to_owned()),
            })
            .collect();
        RouteTemplate { segments }
    }

    /// Whether some segment mixes text and parameters.
    pub(crate) fn has_mixed_segment(&self) -> bool {
        self.segments
            .iter()
            .any(|segment| matches!(segment, RouteSegment::Template(_)))
    }

    /// The axum path of the route this template shares with others of its shape: its literals,
    /// and a capture named by position for every other segment. Two templates share a route
    /// exactly when their shapes are equal.
    pub(crate) fn shape(&self) -> String {
        if self.segments.is_empty() {
            return "/".into();
        }
        let mut shape = String::new();
        for (index, segment) in self.segments.iter().enumerate() {
            shape.push('/');
            match segment {
                // Literal braces are written doubled in axum's syntax.
                RouteSegment::Literal(text) => {
                    shape.push_str(&text.replace('{', "{{").replace('}', "}}"));
                }
                RouteSegment::Capture(_) | RouteSegment::Template(_) => {
                    shape.push_str(&format!("{{segment{index}}}"));
                }
            }
        }
        shape
    }

    /// How many characters of text its mixed segments have: the more, the more specific.
    fn specificity(&self) -> usize {
        self.segments
            .iter()
            .map(|segment| match segment {
                RouteSegment::Template(template) => template.text_len(),
                _ => 0,
            })
            .sum()
    }

    /// The decoded values of `path` (as sent, percent-encoded), or `None` when `path` does
    /// not fit this template.
    pub(crate) fn read(&self, path: &str) -> Option<PathValues> {
        let mut raw_segments = path
            .split('/')
            .skip(1)
            .filter(|segment| !segment.is_empty());
        let mut values = Vec::new();
        let mut first_error = None;
        let mut keep = |name: &str, value: Result<String, String>| match value {
            Ok(value) => values.push((name.to_owned(), value)),
            Err(err) => {
                first_error.get_or_insert(err);
            }
        };
        for segment in &self.segments {
            let raw = raw_segments.next()?;
            match segment {
                RouteSegment::Literal(text) => {
                    if raw != text {
                        return None;
                    }
                }
                RouteSegment::Capture(name) => {
                    let decoded = percent_decode_str(raw).decode_utf8().map_err(|_| {
                        format!("The path parameter '{name}' is not UTF-8 once percent-decoded.")
                    });
                    keep(name, decoded.map(|value| value.into_owned()));
                }
                RouteSegment::Template(template) => {
                    for (name, value) in template.read(raw)? {
                        keep(name, value);
                    }
                }
            }
        }
        if raw_segments.next().is_some() {
            return None;
        }
        Some(PathValues(match first_error {
            Some(err) => Err(err),
            None => Ok(values),
        }))
    }
}

/// One operation of a shared route.
pub(crate) struct Alternative {
    pub(crate) template: RouteTemplate,
    pub(crate) method: HttpMethod,
    pub(crate) handler: ErasedHandler,
}

/// The method router of one shared route: per method, its alternatives tried most specific
/// first (in the order they were added among equals). A path none fits is routed again by
/// `retry` if rewriting its key-form segments changes it, else answered with Graph's `404`.
pub(crate) fn shared_route(
    mut alternatives: Vec<Alternative>,
    retry: Option<Router>,
) -> MethodRouter {
    alternatives.sort_by_key(|alternative| std::cmp::Reverse(alternative.template.specificity()));
    let mut methods: Vec<HttpMethod> = Vec::new();
    for alternative in &alternatives {
        if !methods.contains(&alternative.method) {
            methods.push(alternative.method);
        }
    }
    let mut by_method: Vec<(HttpMethod, Arc<[Alternative]>)> = Vec::new();
    for method in methods {
        let (same, rest): (Vec<_>, Vec<_>) = alternatives
            .into_iter()
            .partition(|alternative| alternative.method == method);
        alternatives = rest;
        by_method.push((method, same.into()));
    }
    let mut router = MethodRouter::new();
    for (method, alternatives) in by_method {
        let retry = retry.clone();
        let dispatch = move |mut request: Request| {
            let alternatives = Arc::clone(&alternatives);
            let retry = retry.clone();
            async move {
                let path = request.uri().path();
                let chosen = alternatives.iter().find_map(|alternative| {
                    alternative
                        .template
                        .read(path)
                        .map(|values| (alternative, values))
                });
                if let Some((alternative, values)) = chosen {
                    let handler = Arc::clone(&alternative.handler);
                    request.extensions_mut().insert(values);
                    return handler(request).await;
                }
                match retried(retry, request).await {
                    Ok(response) => response,
                    // The path as sent, before any key-form rewriting.
                    Err(request) => {
                        let sent = request.extensions().get::<OriginalUri>();
                        let path = sent.map_or(request.uri().path(), |OriginalUri(uri)| uri.path());
                        Rejection::resource_not_found(Some(path)).into_response()
                    }
                }
            }
        };
        router = router.on(super::routes::method_filter(method), dispatch);
    }
    // Another method on a key-form path is retried too; the router's `405` otherwise.
    if let Some(retry) = retry {
        router = router.fallback(move |request: Request| {
            let retry = retry.clone();
            async move {
                match retried(Some(retry), request).await {
                    Ok(response) => response,
                    Err(request) => {
                        Rejection::method_not_allowed(Some(request.method())).into_response()
                    }
                }
            }
        });
    }
    router
}

/// `request` routed again by `retry` with its key-form segments rewritten, or given back when
/// there is no `retry` or nothing to rewrite.
async fn retried(retry: Option<Router>, mut request: Request) -> Result<Response, Request> {
    match retry.zip(rewrite_uri(request.uri())) {
        Some((router, uri)) => {
            *request.uri_mut() = uri;
            let Ok(response) = router.oneshot(request).await;
            Ok(response)
        }
        None => Err(request),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(template: &str, path: &str) -> Option<Vec<(String, String)>> {
        RouteTemplate::parse(template)
            .read(path)
            .map(|values| values.0.expect("UTF-8 values"))
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn shapes_name_captures_by_position() {
        let template =
            RouteTemplate::parse("/v1.0/users/{user_id}/microsoft.graph.delta(token='{token}')");
        assert!(template.has_mixed_segment());
        assert_eq!(template.shape(), "/v1.0/users/{segment2}/{segment3}");
        let plain = RouteTemplate::parse("/users/{id}/photo");
        assert!(!plain.has_mixed_segment());
        assert_eq!(plain.shape(), "/users/{segment1}/photo");
        assert_eq!(RouteTemplate::parse("/").shape(), "/");
        assert_eq!(RouteTemplate::parse("/f({a)").shape(), "/f({{a)");
    }

    #[test]
    fn paths_are_read_segment_by_segment() {
        let template = "/users/{user_id}/microsoft.graph.delta(token='{token}')";
        assert_eq!(
            values(
                template,
                "/users/a%2Fb/microsoft.graph.delta(token='O%27%27Neil')"
            ),
            Some(pairs(&[("user_id", "a/b"), ("token", "O'Neil")]))
        );
        assert_eq!(values(template, "/users/a/microsoft.graph.delta()"), None);
        assert_eq!(
            values(template, "/users/a/microsoft.graph.delta(token='x')/more"),
            None
        );
        assert_eq!(
            values(template, "/groups/a/microsoft.graph.delta(token='x')"),
            None
        );
        assert_eq!(values("/", "/"), Some(Vec::new()));
    }

    #[test]
    fn values_that_are_not_utf8_are_named() {
        let read = RouteTemplate::parse("/users/{user_id}/{Sid}.json")
            .read("/users/%FF/%FE.json")
            .expect("the shape fits");
        assert_eq!(
            read.0,
            Err("The path parameter 'user_id' is not UTF-8 once percent-decoded.".into())
        );
    }

    #[test]
    fn the_more_text_the_more_specific() {
        let plain = RouteTemplate::parse("/users/{user_id}");
        let json = RouteTemplate::parse("/users/{Sid}.json");
        let function = RouteTemplate::parse("/users/microsoft.graph.f(x='{x}')");
        assert!(plain.specificity() < json.specificity());
        assert!(json.specificity() < function.specificity());
    }
}
