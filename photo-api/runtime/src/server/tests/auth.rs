//! 401 for every way a token can be missing or bad, 403 for every way it can fall short.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;

const PHOTO: &str = "/users/u1/photo/$value";

fn expect_401(answer: &Answer) -> String {
    let message = answer.graph_error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken");
    assert_eq!(answer.headers["www-authenticate"], "Bearer");
    message
}

#[tokio::test]
async fn a_missing_authorization_header_is_401() {
    let request = Request::builder()
        .method("PUT")
        .uri(PHOTO)
        .header("content-type", "image/jpeg");
    let answer = send(request.body(Body::from("x")).expect("request")).await;
    assert_eq!(expect_401(&answer), "Access token is empty.");
}

#[tokio::test]
async fn a_malformed_authorization_header_is_401() {
    for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "token"] {
        let request = Request::builder()
            .uri("/users/u1/photo")
            .header("authorization", value);
        let answer = send(request.body(Body::empty()).expect("request")).await;
        expect_401(&answer);
    }
}

#[tokio::test]
async fn a_bad_signature_is_401() {
    let token = signed(
        &json!({"oid": "u", "scp": "User.Read.All", "aud": "https://graph.microsoft.com", "exp": now() + 3600}),
        b"another secret entirely",
    );
    let answer = send(
        authorized("GET", "/users/u1/photo", &token)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert!(expect_401(&answer).contains("signature"));
}

#[tokio::test]
async fn an_expired_token_is_401() {
    let token = signed(
        &json!({"oid": "u", "scp": "User.Read.All", "aud": "https://graph.microsoft.com", "exp": now() - 3600}),
        SECRET,
    );
    let answer = send(
        authorized("GET", "/users/u1/photo", &token)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert!(expect_401(&answer).contains("expired"));
}

#[tokio::test]
async fn a_token_for_another_audience_is_401() {
    let token = signed(
        &json!({"oid": "u", "scp": "User.Read.All", "aud": "api://someone-else", "exp": now() + 3600}),
        SECRET,
    );
    let answer = send(
        authorized("GET", "/users/u1/photo", &token)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert!(expect_401(&answer).contains("audience"));
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_401() {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        json!({"oid": "u", "roles": ["User.Read.All"], "aud": "https://graph.microsoft.com", "exp": now() + 3600})
            .to_string(),
    );
    for token in [format!("{header}.{claims}."), format!("{header}.{claims}")] {
        let answer = send(
            authorized("GET", "/users/u1/photo", &token)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        expect_401(&answer);
    }
}

#[tokio::test]
async fn authentication_comes_before_the_media_type() {
    let request = Request::builder()
        .method("PUT")
        .uri(PHOTO)
        .header("content-type", "text/plain");
    let answer = send(request.body(Body::from("x")).expect("request")).await;
    expect_401(&answer);
}

#[tokio::test]
async fn a_neighbouring_scope_is_403() {
    let answer = send(upload(
        PHOTO,
        &work_token("User.Read.All User.ReadWrite"),
        "x",
    ))
    .await;
    let message = answer.graph_error(StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    assert!(message.contains("User.ReadWrite.All"), "{message}");
}

#[tokio::test]
async fn the_right_permission_of_an_unsupported_kind_is_403() {
    let personal = signed(
        &json!({"oid": "u", "tid": TokenKind::CONSUMER_TENANT_ID, "scp": "User.ReadWrite.All",
                "aud": "https://graph.microsoft.com", "exp": now() + 3600}),
        SECRET,
    );
    let answer = send(upload(PHOTO, &personal, "x")).await;
    let message = answer.graph_error(StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    assert!(message.contains("personal"), "{message}");
}

#[tokio::test]
async fn an_operation_without_security_is_always_403() {
    for token in [
        work_token("User.ReadWrite.All Group.ReadWrite.All"),
        app_token(&["User.ReadWrite.All"]),
    ] {
        let request = authorized("PATCH", "/users/u1/photo", &token)
            .header("content-type", "application/json")
            .body(Body::from(r#"{"height":1}"#))
            .expect("request");
        let answer = send(request).await;
        answer.graph_error(StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    }
}

#[tokio::test]
async fn permission_comes_before_the_media_type() {
    let request = authorized("PUT", PHOTO, &work_token("User.Read.All"))
        .header("content-type", "text/plain")
        .body(Body::from("x"))
        .expect("request");
    send(request)
        .await
        .graph_error(StatusCode::FORBIDDEN, "Authorization_RequestDenied");
}

#[tokio::test]
async fn delegated_and_application_tokens_with_the_permission_pass() {
    for (token, subject) in [
        (work_token("openid user.readwrite.all"), "user-1"),
        (app_token(&["User.ReadWrite.All"]), "app-1"),
    ] {
        let answer = send(upload(PHOTO, &token, "\u{FF}jpeg")).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.json()["subject"], subject);
    }
}
