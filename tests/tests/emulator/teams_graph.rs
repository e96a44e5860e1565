//! Team photos from a description in Microsoft's dialect (`fixtures/teams_photo_graph`: the
//! version in the server URL, the authorization-code flow only, no permission on any
//! operation). The generated router serves Graph's URLs (`/v1.0/teams/{team-id}/photo/$value`),
//! and the generated code judges tokens by Microsoft's permission tables
//! (`spec/permissions.csv`): an application token holding `TeamSettings.ReadWrite.All` uploads
//! and reads back, others are refused as Graph refuses them.

use photo_runtime::client::Error;
use photo_runtime::emulator::TokenSpec;
use photo_runtime::emulator::test_images::jpeg;
use photo_runtime::operation::TokenKind;
use photo_tests::loopback::{self, Served};
use photo_tests::permission_facts;
use photo_tests::teams_photo_graph::client::*;
use photo_tests::teams_photo_graph::emulator::Emulator;
use photo_tests::teams_photo_graph::models::DEFAULT_BASE_URL;
use photo_tests::teams_photo_graph::operations::ALL;

const SECRET: &str = "team photos in Graph's dialect";

/// The emulator serving the fixture's generated router on a loopback port.
struct Emulated {
    emulator: Emulator,
    /// Where a client aimed at Graph would go, with the emulator's address for Graph's host:
    /// `http://127.0.0.1:<port>/v1.0`.
    base_url: String,
    _served: Served,
}

impl Emulated {
    async fn start() -> Emulated {
        let emulator = Emulator::builder()
            .secret(SECRET)
            .build()
            .expect("the emulator builds");
        let served = loopback::serve(emulator.router()).await;
        Emulated {
            base_url: format!("{}/v1.0", served.origin),
            emulator,
            _served: served,
        }
    }

    /// The generated client with `token`; with `preflight`, the client judges the token by the
    /// same tables before sending.
    fn client(&self, token: &TokenSpec, preflight: bool) -> ApiClient {
        let token = self.emulator.token(token).expect("a token");
        let http = client_builder()
            .base_url(&self.base_url)
            .static_token(token)
            .preflight(preflight)
            .build()
            .expect("the client builds");
        ApiClient::new(http)
    }
}

/// The status of a call the service refused.
fn refused<T: std::fmt::Debug>(result: Result<T, Error>) -> u16 {
    match result {
        Err(Error::Graph(error)) => error.status,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_client_aims_at_the_descriptions_server() {
    assert_eq!(DEFAULT_BASE_URL, "https://graph.microsoft.com/v1.0");
    let http = client_builder().static_token("t").build().expect("builds");
    assert_eq!(http.base_url(), "https://graph.microsoft.com/v1.0");
}

#[tokio::test]
async fn an_application_token_with_team_settings_uploads_and_reads_back_at_graphs_urls() {
    let served = Emulated::start().await;
    let app = served.client(
        &TokenSpec::application("team-sync", ["TeamSettings.ReadWrite.All"]),
        true,
    );
    let photo = app.teams().by_id("team-1").photo();
    let upload = jpeg(120, 80, 90);
    let body = TeamsSetPhotoContentBody::from_octet_stream(upload.clone()).expect("a body");
    let answer = photo.content().put(body).await.expect("uploaded");
    assert!(matches!(
        answer,
        TeamsSetPhotoContentResponse::Success { .. }
    ));
    let TeamsGetPhotoContentResponse::Success { body, .. } =
        photo.content().get().await.expect("read back");
    assert_eq!(body.bytes().await.expect("the bytes"), upload);
    let TeamsGetPhotoResponse::Success { body, .. } = photo.get().await.expect("metadata");
    assert_eq!((body.width, body.height), (Some(120), Some(80)));

    // The least privileged read permission reads, as a user's or an application's token.
    for token in [
        TokenSpec::application("reader", ["Team.ReadBasic.All"]),
        TokenSpec::delegated("member", ["Team.ReadBasic.All"]),
    ] {
        let reader = served.client(&token, true);
        let content = reader.teams().by_id("team-1").photo().content();
        assert!(content.get().await.is_ok(), "{token:?} reads");
    }
}

#[tokio::test]
async fn tokens_without_the_tables_permission_are_refused_with_403() {
    let served = Emulated::start().await;
    let body = || TeamsSetPhotoContentBody::from_octet_stream(jpeg(120, 80, 90)).expect("a body");
    for token in [
        // A read permission does not upload.
        TokenSpec::application("reader", ["Team.ReadBasic.All"]),
        // Permissions of the photo spec's owners do not reach teams.
        TokenSpec::application(
            "users",
            ["User.ReadWrite.All", "ProfilePhoto.ReadWrite.All"],
        ),
        // Personal accounts are not supported for team photos.
        TokenSpec::delegated("someone", ["TeamSettings.ReadWrite.All"]).personal(),
    ] {
        let client = served.client(&token, false);
        let content = client.teams().by_id("team-1").photo().content();
        assert_eq!(refused(content.put(body()).await), 403, "{token:?}");
    }
    assert!(served.emulator.store().is_empty());
}

/// Every team row of the tables is what the generated code allows, scheme by scheme, least
/// privileged first; and the operation the tables do not cover takes any token.
#[test]
fn the_generated_tables_are_microsofts_rows() {
    let facts = permission_facts::load().unwrap_or_else(|err| panic!("{err}"));
    let scheme_of = |kind: TokenKind| match kind {
        TokenKind::DelegatedWork => "delegatedWork",
        TokenKind::DelegatedPersonal => "delegatedPersonal",
        _ => "application",
    };
    for op in ALL {
        let covered = photo_gen::permissions::classify(op.method.as_str(), op.path)
            .is_some_and(|photo| photo_gen::permissions::covers(&facts, &photo, "v1.0"));
        for kind in [
            TokenKind::DelegatedWork,
            TokenKind::DelegatedPersonal,
            TokenKind::Application,
        ] {
            let generated: Vec<Vec<&str>> = op
                .security
                .iter()
                .filter(|alternative| alternative.scheme.kind == kind)
                .map(|alternative| alternative.scopes.to_vec())
                .collect();
            let table: Vec<Vec<&str>> = if covered {
                permission_facts::applying(
                    &facts,
                    op.method.as_str(),
                    op.path,
                    "v1.0",
                    scheme_of(kind),
                )
                .into_iter()
                .map(|fact| vec![fact.permission.as_str()])
                .collect()
            } else {
                vec![Vec::new()]
            };
            assert_eq!(generated, table, "{} as {kind:?}", op.id);
        }
    }
}
