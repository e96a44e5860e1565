//! [`Routes`] with operations axum cannot route apart on its own: segments of text and
//! parameters, and paths of one shape with other capture names or the same method. The router
//! builds without panicking, and each request reaches the operation its path spells.

use super::*;
use crate::operation::ANONYMOUS;
use crate::segment::SegmentTemplate;
use crate::server::{FromIncoming, RequestContext, Routes};

/// Anyone may call, so the tests need no token.
static ANYONE: [SecurityAlternative; 1] = [SecurityAlternative {
    scheme: &ANONYMOUS,
    scopes: &[],
}];

/// The operations, as `(method, path)`; the operation id is its index. Capture names are plain
/// words, as the generated routes name them.
const OPERATIONS: &[(HttpMethod, &str)] = &[
    (HttpMethod::Get, "/users/{id}"),
    (HttpMethod::Delete, "/users/{key}"),
    (HttpMethod::Get, "/users/{sid}.json"),
    (HttpMethod::Get, "/users/microsoft.graph.delta()"),
    (
        HttpMethod::Get,
        "/users/microsoft.graph.delta(token='{token}')",
    ),
    (HttpMethod::Get, "/users/{id}/photo"),
    (
        HttpMethod::Get,
        "/users/{user}/microsoft.graph.f(a={a},b='{b}')",
    ),
    (HttpMethod::Get, "/users/{user}/microsoft.graph.f(a={a})"),
    (
        HttpMethod::Get,
        "/reports/microsoft.graph.r(period='{period}')",
    ),
    (HttpMethod::Get, "/reports/microsoft.graph.r(date={date})"),
    (HttpMethod::Get, "/servicePrincipals(appId='{app_id}')"),
    (HttpMethod::Get, "/servicePrincipals"),
    (HttpMethod::Get, "/{name}.{ext}"),
    (HttpMethod::Patch, "/users/{id}"),
    (HttpMethod::Get, "/"),
];

/// The path values a request carried, by the names its operation's path gives them.
struct Echoed(Value);

impl FromIncoming for Echoed {
    async fn from_incoming(incoming: &mut Incoming) -> Result<Self, Rejection> {
        let op = incoming.operation();
        let mut values = Vec::new();
        for segment in op.path.split('/') {
            let names = SegmentTemplate::parse(segment)
                .map(|template| template.params().map(str::to_owned).collect::<Vec<_>>())
                .unwrap_or_default();
            for name in names {
                values.push(incoming.path::<String>(&name)?);
            }
        }
        Ok(Echoed(json!({"operation": op.id, "values": values})))
    }
}

struct Echo;

async fn echo(_: &Echo, _: RequestContext, request: Echoed) -> Response {
    json_response(StatusCode::OK, &request.0, [])
}

/// An operation anyone may call, made at run time (leaked: a test's routes live until it ends).
fn operation(id: &'static str, method: HttpMethod, path: &'static str) -> &'static OperationSpec {
    Box::leak(Box::new(OperationSpec {
        id,
        method,
        path,
        security: &ANYONE,
        security_by_version: &[],
        unsupported_schemes: &[],
        request_body: None,
    }))
}

fn shared_app() -> Router {
    let config = ServerConfig::new(JwtAuthorizer::hs256(SECRET));
    let mut routes = Routes::new(Router::new(), "/v1.0", Arc::new(Echo), config);
    for (index, (method, path)) in OPERATIONS.iter().enumerate() {
        let op = operation(Box::leak(index.to_string().into_boxed_str()), *method, path);
        routes.add(path, op, echo);
    }
    finish(routes.into_router(), SPEC)
}

/// The operation a request reached and the values it read.
async fn reached(method: &str, uri: &str) -> (usize, Vec<String>) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .expect("request");
    let answer = send_to(shared_app(), request).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{method} {uri}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer.json();
    let operation = body["operation"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an operation id");
    let values = body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|value| value.as_str().expect("text").to_owned())
        .collect();
    (operation, values)
}

fn texts(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

#[tokio::test]
async fn each_request_reaches_the_operation_its_path_spells() {
    let cases: &[(&str, &str, usize, &[&str])] = &[
        ("GET", "/v1.0/users/u%2F1", 0, &["u/1"]),
        ("DELETE", "/v1.0/users/u1", 1, &["u1"]),
        ("PATCH", "/v1.0/users/u1", 13, &["u1"]),
        ("GET", "/v1.0/users/u1.json", 2, &["u1"]),
        ("GET", "/v1.0/users/u1.xml", 0, &["u1.xml"]),
        ("GET", "/v1.0/users/microsoft.graph.delta()", 3, &[]),
        (
            "GET",
            "/v1.0/users/microsoft.graph.delta(token='a%27%27b')",
            4,
            &["a'b"],
        ),
        ("GET", "/v1.0/users/u1/photo", 5, &["u1"]),
        (
            "GET",
            "/v1.0/users/u1/microsoft.graph.f(a=1,b='x')",
            6,
            &["u1", "1", "x"],
        ),
        (
            "GET",
            "/v1.0/users/u1/microsoft.graph.f(a=1)",
            7,
            &["u1", "1"],
        ),
        (
            "GET",
            "/v1.0/reports/microsoft.graph.r(period='D7')",
            8,
            &["D7"],
        ),
        (
            "GET",
            "/v1.0/reports/microsoft.graph.r(date=2024-01-01)",
            9,
            &["2024-01-01"],
        ),
        ("GET", "/v1.0/servicePrincipals(appId='a1')", 10, &["a1"]),
        ("GET", "/v1.0/servicePrincipals", 11, &[]),
        ("GET", "/v1.0/notes.txt", 12, &["notes", "txt"]),
        ("GET", "/v1.0", 14, &[]),
        // Key-form segments that a shared route catches but cannot read are routed again,
        // rewritten, as on any route.
        ("GET", "/v1.0/users('$x')", 0, &["$x"]),
        ("GET", "/v1.0/users('o''brien')", 0, &["o'brien"]),
        ("DELETE", "/v1.0/users('$x')", 1, &["$x"]),
        ("PATCH", "/v1.0/users('$x')", 13, &["$x"]),
        ("GET", "/v1.0/users('$x')/photo", 5, &["$x"]),
    ];
    for (method, uri, operation, values) in cases {
        assert_eq!(
            reached(method, uri).await,
            (*operation, texts(values)),
            "{method} {uri}"
        );
    }
}

#[tokio::test]
async fn a_segment_no_template_fits_is_a_graph_404() {
    for uri in [
        "/v1.0/reports/microsoft.graph.r(week='1')",
        "/v1.0/users/u1/microsoft.graph.g(a=1)",
        "/v1.0/noextension",
        "/v1.0/groups('g1')",
        "/v1.0/users('$x')/microsoft.graph.g(a=1)",
    ] {
        let request = Request::builder()
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        let answer = send_to(shared_app(), request).await;
        let message = answer.graph_error(StatusCode::NOT_FOUND, "Request_ResourceNotFound");
        assert!(message.contains(uri), "{message}");
    }
}

#[tokio::test]
async fn a_method_no_operation_of_the_shape_has_is_a_graph_405() {
    let request = Request::builder()
        .method("PUT")
        .uri("/v1.0/users/u1")
        .body(Body::empty())
        .expect("request");
    let answer = send_to(shared_app(), request).await;
    answer.graph_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed");
    let allow = answer.headers["allow"].to_str().expect("ASCII");
    for method in ["GET", "DELETE", "PATCH"] {
        assert!(allow.contains(method), "{allow}");
    }
}

#[test]
fn many_siblings_of_one_shape_build_a_router() {
    let config = ServerConfig::new(JwtAuthorizer::hs256(SECRET));
    let mut routes = Routes::new(Router::new(), "", Arc::new(Echo), config);
    let methods = [
        HttpMethod::Get,
        HttpMethod::Put,
        HttpMethod::Post,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ];
    for index in 0..200 {
        let path: &'static str = Box::leak(
            match index % 4 {
                0 => format!("/items/{{id{index}}}"),
                1 => format!("/items/microsoft.graph.f{index}(x='{{x{index}}}')"),
                2 => format!("/items/{{id{index}}}/children/{{child{index}}}.json"),
                _ => format!("/items/f(x={{x{index}}})"),
            }
            .into_boxed_str(),
        );
        let op = operation("sibling", methods[index % methods.len()], path);
        routes.add(path, op, echo);
    }
    let _router = finish(routes.into_router(), SPEC);
}
