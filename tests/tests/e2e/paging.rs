//! Paged lists (`x-ms-pageable`, `tests/fixtures/pageable`): the generated `items` stream follows
//! `@odata.nextLink` across pages served over 127.0.0.1, with the first call's token and
//! headers, and ends with an error a page answers, a next link to another host or a page that
//! links to itself.

use std::sync::{Arc, Mutex};

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use futures_util::StreamExt;
use photo_api::runtime::client::{Client, Error, Refusal};
use photo_tests::pageable::client::ApiClient;
use serde_json::json;

/// What the test server does on the page after the first.
#[derive(Clone, Copy)]
enum Second {
    /// Serves it, and a third and last page.
    Serve,
    /// Answers with Graph's error body.
    Fail,
    /// Never asked: the first page links to another host.
    Foreign,
    /// Serves it with a next link to itself.
    Loop,
}

/// One request the server received: its query, `Authorization` and `ConsistencyLevel`.
type Seen = (String, Option<String>, Option<String>);

#[derive(Clone)]
struct Pages {
    origin: String,
    second: Second,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn list(
    State(pages): State<Pages>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> axum::response::Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let query = query.unwrap_or_default();
    pages.seen.lock().expect("the log").push((
        query.clone(),
        header("authorization"),
        header("consistencylevel"),
    ));
    let origin = &pages.origin;
    let photo = |id: &str| json!({"id": id, "width": 48});
    let body = match (query.as_str(), pages.second) {
        ("$top=2", Second::Foreign) => json!({
            "value": [photo("p1"), photo("p2")],
            "@odata.nextLink": "https://elsewhere.example/photos?$skiptoken=2",
        }),
        ("$top=2", _) => json!({
            "value": [photo("p1"), photo("p2")],
            "@odata.nextLink": format!("{origin}/photos?$skiptoken=2"),
        }),
        ("$skiptoken=2", Second::Fail) => {
            let error =
                json!({"error": {"code": "badRequest", "message": "The skip token expired."}});
            return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
        }
        ("$skiptoken=2", Second::Loop) => json!({
            "value": [photo("p3")],
            "@odata.nextLink": format!("{origin}/photos?$skiptoken=2"),
        }),
        ("$skiptoken=2", _) => json!({
            "value": [photo("p3")],
            "@odata.nextLink": format!("{origin}/photos?$skiptoken=3"),
        }),
        ("$skiptoken=3", _) => json!({"value": [photo("p4")], "@odata.nextLink": null}),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    axum::Json(body).into_response()
}

/// Serves the pages on a loopback port; returns the generated client for them and the log of
/// requests.
async fn serve(second: Second) -> (ApiClient, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let origin = format!("http://{}", listener.local_addr().expect("an address"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let router = axum::Router::new()
        .route("/photos", axum::routing::get(list))
        .with_state(Pages {
            origin: origin.clone(),
            second,
            seen: Arc::clone(&seen),
        });
    tokio::spawn(async move { axum::serve(listener, router).await });
    let http = Client::builder()
        .base_url(origin)
        .static_token("page-token")
        .build()
        .expect("the client builds");
    (ApiClient::new(http), seen)
}

#[tokio::test]
async fn items_follow_the_next_link_across_three_pages() {
    let (api, seen) = serve(Second::Serve).await;
    let photos: Vec<_> = api
        .photos()
        .get()
        .top(2)
        .consistencylevel("eventual")
        .items()
        .collect()
        .await;
    let ids: Vec<String> = photos
        .into_iter()
        .map(|photo| photo.expect("a photo").id)
        .collect();
    assert_eq!(ids, ["p1", "p2", "p3", "p4"]);
    let seen = seen.lock().expect("the log").clone();
    let queries: Vec<&str> = seen.iter().map(|(query, _, _)| query.as_str()).collect();
    assert_eq!(queries, ["$top=2", "$skiptoken=2", "$skiptoken=3"]);
    for (query, authorization, consistency) in &seen {
        assert_eq!(
            authorization.as_deref(),
            Some("Bearer page-token"),
            "{query}"
        );
        assert_eq!(consistency.as_deref(), Some("eventual"), "{query}");
    }
}

#[tokio::test]
async fn an_error_on_the_second_page_ends_the_stream_with_it() {
    let (api, seen) = serve(Second::Fail).await;
    let results: Vec<_> = api.photos().get().top(2).items().collect().await;
    assert_eq!(results.len(), 3, "two photos, then the error");
    assert!(results[..2].iter().all(Result::is_ok));
    let error = results[2].as_ref().expect_err("the second page fails");
    assert_eq!(error.status(), Some(400));
    assert_eq!(
        error.graph().and_then(|graph| graph.code.as_deref()),
        Some("badRequest")
    );
    assert_eq!(seen.lock().expect("the log").len(), 2);
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused_without_a_request() {
    let (api, seen) = serve(Second::Foreign).await;
    let results: Vec<_> = api.photos().get().top(2).items().collect().await;
    assert_eq!(results.len(), 3, "two photos, then the refusal");
    let refusal = results[2]
        .as_ref()
        .err()
        .and_then(Error::refusal)
        .expect("refused");
    assert!(
        matches!(refusal, Refusal::NextLink { link, .. } if link.starts_with("https://elsewhere.example/")),
        "{refusal}"
    );
    assert_eq!(seen.lock().expect("the log").len(), 1);
}

#[tokio::test]
async fn a_page_linking_to_itself_ends_the_stream_instead_of_looping() {
    let (api, seen) = serve(Second::Loop).await;
    let results: Vec<_> = api.photos().get().top(2).items().collect().await;
    assert_eq!(results.len(), 4, "three photos, then the refusal");
    assert!(results[..3].iter().all(Result::is_ok));
    let refusal = results[3]
        .as_ref()
        .err()
        .and_then(Error::refusal)
        .expect("refused");
    assert!(
        matches!(refusal, Refusal::NextLink { link, .. } if link.ends_with("$skiptoken=2")),
        "{refusal}"
    );
    assert_eq!(seen.lock().expect("the log").len(), 2);
}
