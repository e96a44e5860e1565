//! Local permission check: reads the token's claims and refuses a call it cannot authorize.
//!
//! The signature is not verified: the client is not the token's audience and has no reason to
//! trust or distrust it; it only wants to name the missing permission before a pointless round
//! trip. Tokens that are not readable JWTs (Microsoft issues opaque tokens for some personal
//! accounts) are let through unchecked, leaving the decision to the service.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::error::Refusal;
use crate::claims::{Grant, classify};
use crate::operation::OperationSpec;

/// Reads the kind and permissions from a JWT payload (see [`classify`]). `None` when the token
/// is not a JWT or carries neither `scp` nor `roles`: such a token is let through unchecked.
pub(crate) fn decode_claims(token: &str) -> Option<Grant> {
    let mut parts = token.trim().split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    let json = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let Value::Object(claims) = serde_json::from_slice::<Value>(&json).ok()? else {
        return None;
    };
    let roles = claims
        .get("roles")
        .and_then(Value::as_array)
        .map(|roles| roles.iter().filter_map(Value::as_str));
    classify(
        claims.get("scp").and_then(Value::as_str),
        roles,
        claims.get("tid").and_then(Value::as_str),
    )
}

/// The API version a client's requests go to: the last segment of its base URL's path (`v1.0`
/// of `https://graph.microsoft.com/v1.0`), if it has one.
pub(crate) fn api_version(base_path: &str) -> Option<&str> {
    base_path
        .rsplit('/')
        .next()
        .filter(|segment| !segment.is_empty())
}

/// Refuses `op` when no token can call it on API `version`, or when `token` is readable and
/// lacks every alternative there; the refusal names the least privileged permission of the
/// token's kind.
pub(crate) fn check(
    op: &'static OperationSpec,
    version: Option<&str>,
    token: &str,
) -> Result<(), Refusal> {
    if !op.is_authorizable(version) {
        return Err(Refusal::NotAuthorizable { operation: op.id });
    }
    let Some(claims) = decode_claims(token) else {
        tracing::debug!(
            operation = op.id,
            "preflight skipped: the token is not a readable JWT"
        );
        return Ok(());
    };
    let granted: Vec<&str> = claims.permissions.iter().map(String::as_str).collect();
    if op
        .authorizing_alternative(version, claims.kind, &granted)
        .is_some()
    {
        return Ok(());
    }
    Err(Refusal::MissingPermission {
        operation: op.id,
        kind: claims.kind,
        least_privileged: op
            .least_privileged(version, claims.kind)
            .map(|alt| alt.scopes.join(" and ")),
        have: claims.permissions,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::operation::{HttpMethod, SecurityAlternative, SecuritySchemeSpec, TokenKind};

    /// An unsigned JWT with `payload` as its claims.
    pub(crate) fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    static WORK: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "delegatedWork",
        kind: TokenKind::DelegatedWork,
    };
    static PERSONAL: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "delegatedPersonal",
        kind: TokenKind::DelegatedPersonal,
    };
    static APP: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "application",
        kind: TokenKind::Application,
    };
    static SET_USER_PHOTO: OperationSpec = OperationSpec {
        id: "setUserPhotoContent",
        method: HttpMethod::Put,
        path: "/users/{user-id}/photo/$value",
        security: &[
            SecurityAlternative {
                scheme: &WORK,
                scopes: &["User.ReadWrite.All"],
            },
            SecurityAlternative {
                scheme: &APP,
                scopes: &["User.ReadWrite.All"],
            },
        ],
        security_by_version: &[],
        unsupported_schemes: &[&PERSONAL],
        request_body: None,
    };
    static UPDATE_PHOTO: OperationSpec = OperationSpec {
        id: "updateUserPhoto",
        method: HttpMethod::Patch,
        path: "/users/{user-id}/photo",
        security: &[],
        security_by_version: &[],
        unsupported_schemes: &[&WORK, &PERSONAL, &APP],
        request_body: None,
    };

    #[test]
    fn delegated_application_and_personal_tokens_are_told_apart() {
        let work = decode_claims(&jwt(r#"{"scp":"User.Read  openid","tid":"t"}"#));
        assert_eq!(
            work,
            Some(Grant {
                kind: TokenKind::DelegatedWork,
                permissions: vec!["User.Read".into(), "openid".into()]
            })
        );
        // The consumer tenant's id is a GUID: upper case is the same tenant, as on the server.
        let upper = TokenKind::CONSUMER_TENANT_ID.to_ascii_uppercase();
        for tid in [TokenKind::CONSUMER_TENANT_ID, upper.as_str()] {
            let personal = decode_claims(&jwt(&format!(r#"{{"scp":"User.Read","tid":"{tid}"}}"#)));
            assert_eq!(personal.map(|c| c.kind), Some(TokenKind::DelegatedPersonal));
        }
        let app = decode_claims(&jwt(r#"{"roles":["User.ReadWrite.All",3]}"#));
        assert_eq!(
            app,
            Some(Grant {
                kind: TokenKind::Application,
                permissions: vec!["User.ReadWrite.All".into()]
            })
        );
    }

    #[test]
    fn the_api_version_is_the_last_segment_of_the_base_path() {
        assert_eq!(api_version("/v1.0"), Some("v1.0"));
        assert_eq!(api_version("/proxy/beta"), Some("beta"));
        assert_eq!(api_version(""), None);
    }

    #[test]
    fn unreadable_tokens_yield_no_claims() {
        for token in [
            "opaque",
            "a.!!!.c",
            &jwt("[1,2]"),
            &jwt(r#"{"sub":"x"}"#),
            "",
        ] {
            assert_eq!(decode_claims(token), None, "{token}");
        }
        // Padded base64 is tolerated.
        let padded = format!("h.{}==.s", URL_SAFE_NO_PAD.encode(r#"{"roles":[]}"#));
        assert!(decode_claims(&padded).is_some());
    }

    #[test]
    fn a_granted_permission_passes_and_a_missing_one_is_named() {
        assert_eq!(
            check(
                &SET_USER_PHOTO,
                None,
                &jwt(r#"{"roles":["user.readwrite.all"]}"#)
            ),
            Ok(())
        );
        assert_eq!(
            check(&SET_USER_PHOTO, None, &jwt(r#"{"scp":"User.Read"}"#)),
            Err(Refusal::MissingPermission {
                operation: "setUserPhotoContent",
                kind: TokenKind::DelegatedWork,
                least_privileged: Some("User.ReadWrite.All".into()),
                have: vec!["User.Read".into()],
            })
        );
    }

    #[test]
    fn an_unsupported_kind_has_no_least_privileged_permission() {
        let token = jwt(&format!(
            r#"{{"scp":"User.ReadWrite","tid":"{}"}}"#,
            TokenKind::CONSUMER_TENANT_ID
        ));
        let refusal = check(&SET_USER_PHOTO, None, &token);
        assert!(
            matches!(
                &refusal,
                Err(Refusal::MissingPermission {
                    least_privileged: None,
                    kind: TokenKind::DelegatedPersonal,
                    ..
                })
            ),
            "{refusal:?}"
        );
    }

    #[test]
    fn unauthorizable_operations_are_refused_for_any_token() {
        assert_eq!(
            check(&UPDATE_PHOTO, None, "opaque"),
            Err(Refusal::NotAuthorizable {
                operation: "updateUserPhoto"
            })
        );
    }

    #[test]
    fn opaque_tokens_pass_unchecked() {
        assert_eq!(check(&SET_USER_PHOTO, None, "EwBwA8l6BAAU-opaque"), Ok(()));
    }
}
