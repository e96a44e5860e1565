//! End to end: the emulator's least-privilege advisor. Two apps call the emulator through the
//! generated client with more permissions than they need (one also calls what its token cannot);
//! `GET /_emulator/permissions` must then name, per app, token kind and API version, the least
//! privileged permissions Microsoft's tables give for those calls and the grants never needed.
//! The README's sample of the report is checked against it.

use std::path::Path;

use crate::support::{Served, bounded, jpeg};
use photo_api::client::*;
use photo_api::emulator::{PERMISSIONS_PATH, PermissionReport, TokenSpec, UsageReport};
use photo_api::models::{GroupId, UserKey, Version};
use photo_api::runtime::client::Error;
use serde_json::Value;

const USER: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const GROUP: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";

/// The Graph status of a refused call, or a panic showing what came instead.
fn refused<T: std::fmt::Debug>(result: Result<T, Error>) -> u16 {
    match result {
        Err(Error::Graph(error)) => error.status,
        other => panic!("expected a Graph error, got {other:?}"),
    }
}

/// The README's sample report: the first JSON block under its advisor heading.
fn readme_sample() -> Value {
    const README: &str = include_str!("../../../README.md");
    let block: String = README
        .lines()
        .skip_while(|line| *line != "### Least-privilege advisor")
        .skip_while(|line| *line != "```json")
        .skip(1)
        .take_while(|line| *line != "```")
        .map(|line| format!("{line}\n"))
        .collect();
    serde_json::from_str(&block).expect("the README's advisor section has a JSON sample")
}

/// The usage entry of `client` for `kind` on `version`.
fn usage<'a>(
    report: &'a PermissionReport,
    client: &str,
    kind: &str,
    version: &str,
) -> &'a UsageReport {
    report
        .clients
        .iter()
        .filter(|entry| entry.client_id == client)
        .flat_map(|entry| &entry.usage)
        .find(|usage| usage.token_kind == kind && usage.api_version.as_deref() == Some(version))
        .unwrap_or_else(|| panic!("no {kind} usage of {client} on {version} in {report:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_advisor_names_the_least_privileged_set_and_the_unneeded_grants_per_client() {
    bounded(async {
        let served = Served::start().await;

        // A signed-in user's app, consented to far more than it uses.
        let editor_token = TokenSpec::delegated(
            USER,
            [
                "User.ReadWrite.All",
                "ProfilePhoto.ReadWrite.All",
                "User.Read",
            ],
        )
        .client("photo-editor");
        let editor = served.client(&editor_token);
        let me = editor.me();
        match me
            .photo()
            .content()
            .put(PhotoContent::from_jpeg(jpeg(120, 90, 1)).expect("a JPEG"))
            .await
        {
            Ok(SetMyPhotoContentResponse::Ok) => {}
            other => panic!("upload: {other:?}"),
        }
        assert!(matches!(
            me.photo().get().await,
            Ok(GetMyPhotoResponse::Ok { .. })
        ));
        assert!(matches!(
            me.photos().get().await,
            Ok(ListMyPhotosResponse::Ok { .. })
        ));
        let group = GroupId::new(GROUP).expect("a group id");
        // No photo stored: still a call the token was authorized for.
        assert_eq!(
            refused(editor.groups().by_id(&group).photo().get().await),
            404
        );
        let beta = served.api(served.client_builder(Version::Beta, served.token(&editor_token)));
        assert!(matches!(
            beta.me().photo().content().get().await,
            Ok(GetMyPhotoContentResponse::Ok { .. })
        ));

        // A background app: it reads users' photos, tries to write one and to use /me.
        let daemon = served.client(
            &TokenSpec::application("sync-daemon-sp", ["User.Read.All", "ProfilePhoto.Read.All"])
                .client("sync-daemon"),
        );
        let adele = daemon
            .users()
            .by_key(&UserKey::new(USER).expect("a user key"));
        assert!(matches!(
            adele.photo().content().get().await,
            Ok(GetUserPhotoContentResponse::Ok { .. })
        ));
        let upload = PhotoContent::from_jpeg(jpeg(64, 64, 2)).expect("a JPEG");
        assert_eq!(refused(adele.photo().content().put(upload).await), 403);
        assert_eq!(refused(daemon.me().photo().get().await), 403);

        let response = reqwest::get(format!("{}{PERMISSIONS_PATH}", served.origin()))
            .await
            .expect("the report is served");
        assert_eq!(response.status(), 200);
        let json: Value = response.json().await.expect("the report is JSON");
        let report: PermissionReport =
            serde_json::from_value(json.clone()).expect("the report has its documented shape");
        // Nothing on the wire beyond the documented fields.
        assert_eq!(serde_json::to_value(&report).expect("serializes"), json);
        assert_eq!(report, served.emulator.permission_report());

        let ids: Vec<&str> = report
            .clients
            .iter()
            .map(|c| c.client_id.as_str())
            .collect();
        assert_eq!(ids, ["photo-editor", "sync-daemon"]);

        let editor_v1 = usage(&report, "photo-editor", "delegatedWork", "v1.0");
        assert_eq!(
            editor_v1.operations,
            [
                "getGroupPhoto",
                "getMyPhoto",
                "listMyPhotos",
                "setMyPhotoContent"
            ]
        );
        // ProfilePhoto.ReadWrite.All is the least privileged permission for updating a photo,
        // and it reads photos too.
        assert_eq!(editor_v1.least_privileged, ["ProfilePhoto.ReadWrite.All"]);
        assert_eq!(editor_v1.unneeded, ["User.Read", "User.ReadWrite.All"]);
        assert!(editor_v1.uncoverable.is_empty());
        let editor_beta = usage(&report, "photo-editor", "delegatedWork", "beta");
        assert_eq!(editor_beta.least_privileged, ["ProfilePhoto.Read.All"]);

        let daemon_v1 = usage(&report, "sync-daemon", "application", "v1.0");
        // The refused upload counts: the daemon needs to write, so reading alone is not enough.
        assert_eq!(daemon_v1.least_privileged, ["ProfilePhoto.ReadWrite.All"]);
        assert_eq!(
            daemon_v1.unneeded,
            ["ProfilePhoto.Read.All", "User.Read.All"]
        );
        assert_eq!(daemon_v1.uncoverable, ["getMyPhoto"]);

        // The README shows the daemon's part of this very report.
        let daemon_only = PermissionReport {
            clients: vec![report.clients[1].clone()],
        };
        assert_eq!(
            serde_json::to_value(&daemon_only).expect("serializes"),
            readme_sample()
        );

        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/advisor"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        // The typed report keeps the wire's field order, which a `Value` would sort.
        let pretty = serde_json::to_string_pretty(&report).expect("JSON prints");
        settings.bind(|| insta::assert_snapshot!("permissions", pretty));
    })
    .await;
}
