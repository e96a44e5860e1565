//! Constructs of whole real descriptions working end to end: each fixture's generated client
//! calls its generated server over 127.0.0.1.
//!
//! - `recursive_schemas`: types that contain themselves (an error's chain of inner errors, a
//!   tree, a linked list, two types holding each other, recursion through `allOf` and through
//!   a union) travel nested several levels deep and come back equal.
//! - `duplicate_ids`: operations that share an operationId, or whose ids give one Rust name,
//!   are each called and answered by their own handler.
//! - `param_collisions`: parameters and properties whose names give one Rust name each get
//!   their own, and each value travels under its exact name.
//! - `lenient`: what a description says that is typed only in part (a number among a string
//!   enum's values, a scope its scheme does not list, JSON content without a schema, a form
//!   body, an operation without responses, integer bounds beyond 64 bits) still works.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use photo_api::emulator::{TokenSpec, tokens};
use photo_api::runtime::client::Client;
use photo_api::runtime::server::{self as rt, InsecureAuthorizer, JwtAuthorizer, RequestContext};
use photo_tests::duplicate_ids::client::{
    ApiClient as DuplicateClient, GetThing2Response, GetThing3Response, GetThing4Response,
    GetThingResponse,
};
use photo_tests::duplicate_ids::models::Answer;
use photo_tests::duplicate_ids::server::{self as duplicate, PartialApi as DuplicateApi};
use photo_tests::lenient::client::{
    ApiClient as LenientClient, CreateRecordResponse, ExportRecordsResponse, UploadRecordBody,
    UploadRecordResponse,
};
use photo_tests::lenient::models::{Record, RecordKind};
use photo_tests::lenient::server::{self as lenient, PartialApi as LenientApi};
use photo_tests::loopback::{self, Served};
use photo_tests::param_collisions::client::{
    ApiClient as CollisionsClient, CreateNoteResponse, ListEventsResponse,
};
use photo_tests::param_collisions::models::Note;
use photo_tests::param_collisions::server::{self as collisions, PartialApi as CollisionsApi};
use photo_tests::recursive_schemas::client::{
    ApiClient as RecursiveClient, EchoErrorResponse, EchoFolderResponse, EchoListResponse,
    EchoPairResponse, EchoTreeResponse, EvaluateResponse,
};
use photo_tests::recursive_schemas::models::{
    Expression, Folder, LinkedNode, Negation, Ping, Pong, Sum, TreeNode, WorkbookOperationError,
};
use photo_tests::recursive_schemas::server::{self as recursive, PartialApi as RecursiveApi};
use serde_json::json;

/// Serves `router` on a loopback port; returns a client for it (aimed at `prefix`, the path of
/// the description's server URL, under which the router serves) and the running server.
async fn serve(router: axum::Router, prefix: &str) -> (Client, Served) {
    let served = loopback::serve(router).await;
    let client = Client::builder()
        .base_url(format!("{}{prefix}", served.origin))
        .build()
        .expect("the client builds");
    (client, served)
}

fn config() -> rt::ServerConfig {
    rt::ServerConfig::new(InsecureAuthorizer)
}

/// Runs an exchange with a deadline, so a hung server fails the test instead of stalling it.
async fn in_time(run: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the exchange finishes in time");
}

/// Echoes every body, checking first that the server read what the test sends.
struct Echo;

impl RecursiveApi for Echo {
    async fn echo_error(
        &self,
        _context: RequestContext,
        request: recursive::EchoErrorRequest,
    ) -> recursive::EchoErrorResponse {
        assert_eq!(request.body, error_chain());
        recursive::EchoErrorResponse::Ok { body: request.body }
    }

    async fn echo_tree(
        &self,
        _context: RequestContext,
        request: recursive::EchoTreeRequest,
    ) -> recursive::EchoTreeResponse {
        assert_eq!(request.body, tree());
        recursive::EchoTreeResponse::Ok { body: request.body }
    }

    async fn echo_list(
        &self,
        _context: RequestContext,
        request: recursive::EchoListRequest,
    ) -> recursive::EchoListResponse {
        assert_eq!(request.body, list(&[1, 2, 3, 4]));
        recursive::EchoListResponse::Ok { body: request.body }
    }

    async fn echo_pair(
        &self,
        _context: RequestContext,
        request: recursive::EchoPairRequest,
    ) -> recursive::EchoPairResponse {
        assert_eq!(request.body, pair());
        recursive::EchoPairResponse::Ok { body: request.body }
    }

    async fn echo_folder(
        &self,
        _context: RequestContext,
        request: recursive::EchoFolderRequest,
    ) -> recursive::EchoFolderResponse {
        assert_eq!(request.body, folders());
        recursive::EchoFolderResponse::Ok { body: request.body }
    }

    async fn evaluate(
        &self,
        _context: RequestContext,
        request: recursive::EvaluateRequest,
    ) -> recursive::EvaluateResponse {
        assert_eq!(request.body, expression());
        recursive::EvaluateResponse::Ok { body: request.body }
    }
}

fn error_chain() -> WorkbookOperationError {
    let level = |code: &str, inner: Option<WorkbookOperationError>| WorkbookOperationError {
        code: Some(code.into()),
        message: None,
        inner_error: inner.map(Box::new),
    };
    level(
        "outer",
        Some(level(
            "middle",
            Some(level("inner", Some(level("innermost", None)))),
        )),
    )
}

fn tree() -> TreeNode {
    let leaf = |name: &str| TreeNode {
        name: name.into(),
        children: None,
        first_child: None,
        by_label: None,
    };
    let branch = TreeNode {
        name: "branch".into(),
        children: Some(vec![leaf("a"), leaf("b")]),
        first_child: Some(Box::new(leaf("a"))),
        by_label: Some([("left".to_owned(), leaf("a"))].into()),
    };
    TreeNode {
        name: "root".into(),
        children: Some(vec![branch.clone()]),
        first_child: Some(Box::new(branch)),
        by_label: None,
    }
}

fn list(values: &[i32]) -> LinkedNode {
    let (first, rest) = values.split_first().expect("a value");
    LinkedNode {
        value: *first,
        next: (!rest.is_empty()).then(|| Box::new(list(rest))),
    }
}

fn pair() -> Ping {
    Ping {
        count: Some(1),
        pong: Some(Box::new(Pong {
            count: Some(2),
            ping: Some(Ping {
                count: Some(3),
                pong: Some(Box::new(Pong {
                    count: Some(4),
                    ping: None,
                })),
            }),
        })),
    }
}

fn folders() -> Folder {
    let folder = |name: &str, first_entry: Option<Folder>| Folder {
        name: Some(name.into()),
        first_entry: first_entry.map(Box::new),
        ..Folder::default()
    };
    folder(
        "root",
        Some(folder(
            "docs",
            Some(folder("drafts", Some(folder("old", None)))),
        )),
    )
}

/// `-(1 + -(2 + 3))`.
fn expression() -> Expression {
    let sum = |left, right| Expression::Sum(Box::new(Sum { left, right }));
    let negate = |inner| {
        Expression::Negation(Negation {
            negate: Box::new(inner),
        })
    };
    negate(sum(
        Expression::Int64(1),
        negate(sum(Expression::Int64(2), Expression::Int64(3))),
    ))
}

#[test]
fn recursive_values_are_plain_nested_json() {
    assert_eq!(
        serde_json::to_value(list(&[1, 2, 3])).expect("serializes"),
        json!({"value": 1, "next": {"value": 2, "next": {"value": 3}}})
    );
    assert_eq!(
        serde_json::to_value(expression()).expect("serializes"),
        json!({"negate": {"left": 1, "right": {"negate": {"left": 2, "right": 3}}}})
    );
    let chain: WorkbookOperationError = serde_json::from_value(json!({
        "code": "a", "innerError": {"code": "b", "innerError": {"code": "c", "innerError": null}}
    }))
    .expect("deserializes");
    assert_eq!(
        chain
            .inner_error
            .and_then(|inner| inner.inner_error)
            .and_then(|inner| inner.code),
        Some("c".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recursive_schemas_travel_nested_both_ways() {
    in_time(async {
        let (http, served) = serve(recursive::router(Arc::new(Echo), config()), "/v1").await;
        let client = RecursiveClient::new(http);

        let EchoErrorResponse::Ok { body } = client
            .errors()
            .echo()
            .post(error_chain())
            .await
            .expect("the error chain");
        assert_eq!(body, error_chain());

        let EchoTreeResponse::Ok { body } =
            client.trees().echo().post(tree()).await.expect("the tree");
        assert_eq!(body, tree());

        let EchoListResponse::Ok { body } = client
            .lists()
            .echo()
            .post(list(&[1, 2, 3, 4]))
            .await
            .expect("the list");
        assert_eq!(body, list(&[1, 2, 3, 4]));

        let EchoPairResponse::Ok { body } =
            client.pairs().echo().post(pair()).await.expect("the pair");
        assert_eq!(body, pair());

        let EchoFolderResponse::Ok { body } = client
            .folders()
            .echo()
            .post(folders())
            .await
            .expect("the folders");
        assert_eq!(body, folders());

        let EvaluateResponse::Ok { body } = client
            .expressions()
            .echo()
            .post(expression())
            .await
            .expect("the expression");
        assert_eq!(body, expression());

        served.stop().await;
    })
    .await;
}

/// Answers each operation with its own path.
struct Paths;

impl DuplicateApi for Paths {
    async fn get_thing(
        &self,
        _context: RequestContext,
        _request: duplicate::GetThingRequest,
    ) -> duplicate::GetThingResponse {
        duplicate::GetThingResponse::Ok { body: answer("/a") }
    }

    async fn get_thing3(
        &self,
        _context: RequestContext,
        _request: duplicate::GetThing3Request,
    ) -> duplicate::GetThing3Response {
        duplicate::GetThing3Response::Ok { body: answer("/b") }
    }

    async fn get_thing4(
        &self,
        _context: RequestContext,
        _request: duplicate::GetThing4Request,
    ) -> duplicate::GetThing4Response {
        duplicate::GetThing4Response::Ok { body: answer("/c") }
    }

    async fn get_thing2(
        &self,
        _context: RequestContext,
        _request: duplicate::GetThing2Request,
    ) -> duplicate::GetThing2Response {
        duplicate::GetThing2Response::Ok { body: answer("/d") }
    }
}

fn answer(path: &str) -> Answer {
    Answer { path: path.into() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_with_duplicate_ids_are_each_called_and_answered() {
    in_time(async {
        let (http, served) = serve(duplicate::router(Arc::new(Paths), config()), "").await;
        let client = DuplicateClient::new(http);
        let GetThingResponse::Ok { body } = client.a().get().await.expect("GET /a");
        assert_eq!(body, answer("/a"));
        let GetThing3Response::Ok { body } = client.b().get().await.expect("GET /b");
        assert_eq!(body, answer("/b"));
        let GetThing4Response::Ok { body } = client.c().get().await.expect("GET /c");
        assert_eq!(body, answer("/c"));
        let GetThing2Response::Ok { body } = client.d().get().await.expect("GET /d");
        assert_eq!(body, answer("/d"));
        served.stop().await;
    })
    .await;
}

/// Answers with what it read, by each parameter's name on the wire.
struct Collisions;

impl CollisionsApi for Collisions {
    async fn list_events(
        &self,
        _context: RequestContext,
        request: collisions::ListEventsRequest,
    ) -> collisions::ListEventsResponse {
        let read = [
            ("StartTime<", request.start_time),
            ("StartTime>", request.start_time2),
            ("StartTime", Some(request.start_time3)),
            ("$top", request.top.map(|top| top.to_string())),
            ("top", request.top2.map(|top| top.to_string())),
            ("x-top", request.x_top),
            ("X-Top", request.x_top2),
        ];
        let body = read
            .into_iter()
            .filter_map(|(wire, value)| Some((wire.to_owned(), value?)))
            .collect();
        collisions::ListEventsResponse::Ok { body }
    }

    async fn create_note(
        &self,
        _context: RequestContext,
        request: collisions::CreateNoteRequest,
    ) -> collisions::CreateNoteResponse {
        let body = Note {
            text: Some(request.body2),
            ..request.body
        };
        collisions::CreateNoteResponse::Ok { body }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colliding_parameters_and_properties_each_travel_under_their_own_name() {
    in_time(async {
        let (http, served) = serve(collisions::router(Arc::new(Collisions), config()), "").await;
        let client = CollisionsClient::new(http);

        let ListEventsResponse::Ok { body } = client
            .events()
            .get("2024-06-01".into())
            .start_time("2024-01-01")
            .start_time2("2023-01-01")
            .top(5)
            .top2(7)
            .x_top("in the query")
            .x_top2("in a header")
            .await
            .expect("the events");
        let expected = [
            ("StartTime<", "2024-01-01"),
            ("StartTime>", "2023-01-01"),
            ("StartTime", "2024-06-01"),
            ("$top", "5"),
            ("top", "7"),
            ("x-top", "in the query"),
            ("X-Top", "in a header"),
        ]
        .map(|(wire, value)| (wire.to_owned(), value.to_owned()));
        assert_eq!(body, expected.into());

        let note = Note {
            display_name: Some("camel".into()),
            display_name2: Some("snake".into()),
            display_name3: Some("pascal".into()),
            text: None,
        };
        assert_eq!(
            serde_json::to_value(&note).expect("serializes"),
            json!({"displayName": "camel", "display_name": "snake", "DisplayName": "pascal"})
        );
        let CreateNoteResponse::Ok { body } = client
            .notes()
            .post("from the query".into(), note.clone())
            .await
            .expect("the note");
        assert_eq!(
            body,
            Note {
                text: Some("from the query".into()),
                ..note
            }
        );
        served.stop().await;
    })
    .await;
}

const SECRET: &str = "lenient test secret, not for production";

/// Records: stores nothing, answers with what it was sent.
struct Records;

impl LenientApi for Records {
    async fn create_record(
        &self,
        _context: RequestContext,
        request: lenient::CreateRecordRequest,
    ) -> lenient::CreateRecordResponse {
        lenient::CreateRecordResponse::Ok { body: request.body }
    }

    async fn export_records(
        &self,
        _context: RequestContext,
        _request: lenient::ExportRecordsRequest,
    ) -> lenient::ExportRecordsResponse {
        let body = rt::BinaryContent {
            media_type: "application/json".into(),
            bytes: Bytes::from_static(br#"[{"id": "r1"}]"#),
        };
        lenient::ExportRecordsResponse::Ok { body }
    }

    async fn upload_record(
        &self,
        _context: RequestContext,
        request: lenient::UploadRecordRequest,
    ) -> lenient::UploadRecordResponse {
        assert!(request.body.media_type().starts_with("multipart/form-data"));
        match request.body.bytes().await {
            Ok(bytes) if bytes.starts_with(b"--boundary") => {
                lenient::UploadRecordResponse::Success { status: 201 }
            }
            Ok(_) => rt::Rejection::bad_request("not a form").into(),
            Err(rejection) => rejection.into(),
        }
    }
}

/// A client holding an application token with `roles`.
fn lenient_client(origin: &str, roles: &[&str]) -> LenientClient {
    let token = tokens::mint(
        &TokenSpec::application("app-1", roles.iter().copied()),
        SECRET.as_bytes(),
    )
    .expect("a token");
    LenientClient::new(
        Client::builder()
            .base_url(origin.to_owned())
            .static_token(token)
            .build()
            .expect("the client builds"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_typed_in_part_still_works_end_to_end() {
    in_time(async {
        let config = rt::ServerConfig::new(JwtAuthorizer::hs256(SECRET));
        let served = loopback::serve(lenient::router(Arc::new(Records), config)).await;
        let client = lenient_client(&served.origin, &["Records.ReadWrite", "Records.Admin"]);

        // `1.0` among the values of a string enum is the text "1.0"; the size's bounds beyond
        // 64 bits did not stop the description from being read.
        let record: Record = serde_json::from_value(json!({
            "id": "r1", "kind": "1.0", "size": 9_007_199_254_740_993_i64, "-": "dash"
        }))
        .expect("a record");
        assert_eq!(record.kind, Some(RecordKind::K10));
        assert_eq!(record.field.as_deref(), Some("dash"));
        let CreateRecordResponse::Ok { body } = client
            .records()
            .post()
            .body(record.clone())
            .await
            .expect("the record, with both scopes");
        assert_eq!(body, record);
        // The scope the scheme does not list is still asked for.
        let refused = lenient_client(&served.origin, &["Records.ReadWrite"])
            .records()
            .post()
            .body(record)
            .await;
        assert!(refused.is_err(), "one scope of two is not enough");

        let ExportRecordsResponse::Ok { body } =
            client.records().export().get().await.expect("the export");
        assert_eq!(&body.bytes().await.expect("the bytes")[..], br#"[{"id": "r1"}]"#);

        let form = UploadRecordBody::from_form_data(Bytes::from_static(
            b"--boundary\r\nContent-Disposition: form-data; name=note\r\n\r\nhi\r\n--boundary--\r\n",
        ))
        .expect("form content");
        let UploadRecordResponse::Success { status } = client
            .records()
            .upload()
            .post()
            .body(form)
            .await
            .expect("the upload");
        assert_eq!(status, 201);
        served.stop().await;
    })
    .await;
}
