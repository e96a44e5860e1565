//! Least-privilege advice over the photo spec's operations (Microsoft's permission tables), and
//! the emulator's advisor recording calls to them.

use photo_api::emulator::{PermissionLog, PermissionReport};
use photo_api::operations::*;
use photo_api::runtime::least_privilege::{PermissionAdvice, least_privileged};
use photo_api::runtime::operation::{OperationSpec, TokenKind};
use photo_api::runtime::server::{CallObserver, Principal};

#[test]
fn reading_and_uploading_a_users_photo_needs_profile_photo_read_write_all() {
    // Microsoft's tables: reading is ProfilePhoto.Read.All at least, updating
    // ProfilePhoto.ReadWrite.All, which also reads.
    let ops = [&GET_USER_PHOTO_CONTENT, &SET_USER_PHOTO_CONTENT];
    for version in [Some("v1.0"), Some("beta"), None] {
        let advice = least_privileged(&ops, TokenKind::DelegatedWork, version);
        assert_eq!(
            advice.least_privileged,
            ["ProfilePhoto.ReadWrite.All"],
            "{version:?}"
        );
        assert!(advice.uncoverable.is_empty(), "{version:?}");
    }
    let reads = least_privileged(&[&GET_USER_PHOTO_CONTENT], TokenKind::Application, None);
    assert_eq!(reads.least_privileged, ["ProfilePhoto.Read.All"]);
}

#[test]
fn unrelated_operations_keep_a_permission_each() {
    let ops = [
        &GET_MY_PHOTO,
        &GET_MY_CONTACT_PHOTO,
        &SET_MY_CONTACT_PHOTO_CONTENT,
    ];
    let advice = least_privileged(&ops, TokenKind::DelegatedWork, Some("v1.0"));
    assert_eq!(
        advice.least_privileged,
        ["Contacts.ReadWrite", "ProfilePhoto.Read.All"]
    );
}

#[test]
fn a_personal_account_needs_user_read_write_on_v1_and_cannot_upload_on_beta() {
    let ops = [&GET_MY_PHOTO_CONTENT, &SET_MY_PHOTO_CONTENT];
    let v1 = least_privileged(&ops, TokenKind::DelegatedPersonal, Some("v1.0"));
    assert_eq!(v1.least_privileged, ["User.ReadWrite"]);
    assert!(v1.uncoverable.is_empty());
    let beta = least_privileged(&ops, TokenKind::DelegatedPersonal, Some("beta"));
    assert_eq!(beta.least_privileged, ["User.Read"]);
    assert_eq!(beta.uncoverable, ["setMyPhotoContent"]);
}

#[test]
fn operations_no_permission_of_the_kind_allows_are_reported_not_guessed() {
    let ops = [&UPDATE_USER_PHOTO, &GET_MY_PHOTO, &GET_USER_PHOTO];
    let advice = least_privileged(&ops, TokenKind::Application, Some("v1.0"));
    assert_eq!(advice.least_privileged, ["ProfilePhoto.Read.All"]);
    assert_eq!(advice.uncoverable, ["getMyPhoto", "updateUserPhoto"]);
    assert_eq!(
        least_privileged(&[], TokenKind::Application, None),
        PermissionAdvice::default()
    );
}

#[test]
fn the_advice_authorizes_every_coverable_operation_and_is_deterministic() {
    let kinds = [
        TokenKind::DelegatedWork,
        TokenKind::DelegatedPersonal,
        TokenKind::Application,
    ];
    for kind in kinds {
        for version in [Some("v1.0"), Some("beta")] {
            let advice = least_privileged(ALL, kind, version);
            for op in ALL {
                let authorized = op
                    .authorizing_alternative(version, kind, &advice.least_privileged)
                    .is_some();
                assert_eq!(
                    authorized,
                    !advice.uncoverable.contains(&op.id),
                    "{} {kind:?} {version:?}",
                    op.id
                );
            }
            let mut reversed: Vec<&OperationSpec> = ALL.to_vec();
            reversed.reverse();
            assert_eq!(least_privileged(&reversed, kind, version), advice);
        }
    }
}

#[test]
fn unneeded_grants_are_those_outside_the_least_set() {
    let advice = least_privileged(
        &[&SET_MY_PHOTO_CONTENT, &GET_MY_PHOTO],
        TokenKind::DelegatedWork,
        Some("v1.0"),
    );
    assert_eq!(advice.least_privileged, ["ProfilePhoto.ReadWrite.All"]);
    let granted = [
        "User.ReadWrite.All",
        "profilephoto.readwrite.all",
        "User.Read",
        "user.read",
        "openid",
    ];
    assert_eq!(
        advice.unneeded(granted),
        ["openid", "User.Read", "User.ReadWrite.All"]
    );
}

fn principal(client_id: Option<&str>, kind: TokenKind, permissions: &[&str]) -> Principal {
    Principal {
        subject: "user-1".into(),
        kind,
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        tenant_id: None,
        client_id: client_id.map(str::to_owned),
    }
}

#[test]
fn calls_are_grouped_by_client_kind_and_version_and_advised() {
    let log = PermissionLog::default();
    let work = principal(
        Some("app-1"),
        TokenKind::DelegatedWork,
        &["User.ReadWrite.All", "ProfilePhoto.ReadWrite.All"],
    );
    log.observe(&work, &SET_MY_PHOTO_CONTENT, Some("v1.0"));
    log.observe(&work, &GET_MY_PHOTO, Some("v1.0"));
    let more = principal(Some("app-1"), TokenKind::DelegatedWork, &["User.Read"]);
    log.observe(&more, &GET_MY_PHOTO, Some("v1.0"));
    log.observe(&more, &GET_MY_PHOTO, Some("beta"));
    let app = principal(None, TokenKind::Application, &["Group.Read.All"]);
    log.observe(&app, &GET_GROUP_PHOTO, Some("v1.0"));
    log.observe(&app, &GET_MY_PHOTO, Some("v1.0"));

    let report = log.report();
    let ids: Vec<&str> = report
        .clients
        .iter()
        .map(|c| c.client_id.as_str())
        .collect();
    assert_eq!(ids, ["app-1", "user-1"]);
    let app_1 = &report.clients[0].usage;
    let versions: Vec<_> = app_1.iter().map(|u| u.api_version.as_deref()).collect();
    assert_eq!(versions, [Some("beta"), Some("v1.0")]);
    let v1 = &app_1[1];
    assert_eq!(v1.token_kind, "delegatedWork");
    assert_eq!(v1.operations, ["getMyPhoto", "setMyPhotoContent"]);
    assert_eq!(
        v1.granted,
        [
            "ProfilePhoto.ReadWrite.All",
            "User.Read",
            "User.ReadWrite.All"
        ]
    );
    assert_eq!(v1.least_privileged, ["ProfilePhoto.ReadWrite.All"]);
    assert_eq!(v1.unneeded, ["User.Read", "User.ReadWrite.All"]);
    assert!(v1.uncoverable.is_empty());

    let by_subject = &report.clients[1].usage[0];
    assert_eq!(by_subject.token_kind, "application");
    assert_eq!(by_subject.least_privileged, ["ProfilePhoto.Read.All"]);
    assert_eq!(by_subject.unneeded, ["Group.Read.All"]);
    assert_eq!(by_subject.uncoverable, ["getMyPhoto"]);
}

#[test]
fn the_text_form_names_each_finding() {
    assert_eq!(
        PermissionReport::default().to_string(),
        "No client called an operation.\n"
    );
    let log = PermissionLog::default();
    let app = principal(Some("app-2"), TokenKind::Application, &["User.Read.All"]);
    log.observe(&app, &GET_MY_PHOTO, None);
    assert_eq!(
        log.report().to_string(),
        "app-2, application tokens, every version:\n  \
         called:               getMyPhoto\n  \
         granted:              User.Read.All\n  \
         least privileged:     (none)\n  \
         granted, not needed:  User.Read.All\n  \
         no permission allows: getMyPhoto\n"
    );
}
