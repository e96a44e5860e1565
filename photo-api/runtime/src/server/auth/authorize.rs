//! Whether a caller may call an operation ([`authorize`]), and the bearer token of a request.

use http::HeaderMap;
use http::header::AUTHORIZATION;

use super::principal::Principal;
use crate::operation::{OperationSpec, SecurityAlternative};
use crate::server::rejection::Rejection;

/// The alternative of `op`'s permissions on API `version` that `principal` satisfies, or the
/// `403` to answer.
///
/// An operation without any alternative (Graph documents no permission for it) refuses every
/// token. The message names what the caller's kind of token would need, least privileged first.
pub fn authorize(
    op: &OperationSpec,
    version: Option<&str>,
    principal: &Principal,
) -> Result<&'static SecurityAlternative, Rejection> {
    let security = op.security_in(version);
    // As `OperationSpec::authorizing_alternative`, without collecting the permissions first.
    let satisfied = security.iter().find(|alternative| {
        alternative.scheme.kind == principal.kind
            && alternative
                .scopes
                .iter()
                .all(|needed| principal.has_permission(needed))
    });
    if let Some(alternative) = satisfied {
        return Ok(alternative);
    }
    let message = if !op.is_authorizable(version) {
        format!("No permission allows '{}'; every token is refused.", op.id)
    } else if op.least_privileged(version, principal.kind).is_none() {
        format!(
            "'{}' does not support {} tokens.",
            op.id,
            principal.kind.label()
        )
    } else {
        let needed: Vec<String> = security
            .iter()
            .filter(|alternative| alternative.scheme.kind == principal.kind)
            .map(|alternative| alternative.scopes.join(" and "))
            .collect();
        format!(
            "Insufficient privileges to complete the operation. '{}' needs one of: {} ({}).",
            op.id,
            needed.join(", "),
            principal.kind.label()
        )
    };
    Err(Rejection::forbidden(message))
}

/// The token of an `Authorization: Bearer <token>` header, or the `401` to answer.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, Rejection> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let value = match (values.next(), values.next()) {
        (None, _) => return Err(Rejection::unauthorized("Access token is empty.")),
        (Some(value), None) => value,
        (Some(_), Some(_)) => {
            return Err(Rejection::unauthorized(
                "More than one Authorization header was sent.",
            ));
        }
    };
    let malformed =
        || Rejection::unauthorized("The Authorization header must be 'Bearer <token>'.");
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(malformed)?;
    let token = token.trim_start();
    // A reduction without early exit, which the compiler vectorizes: tokens are a kilobyte.
    let has_space = token
        .bytes()
        .fold(false, |found, byte| found | (byte == b' '));
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || has_space {
        return Err(malformed());
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{HttpMethod, SecuritySchemeSpec, TokenKind};
    use http::HeaderValue;

    static WORK: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "delegatedWork",
        kind: TokenKind::DelegatedWork,
    };
    static OP: OperationSpec = OperationSpec {
        id: "deleteUserPhoto",
        method: HttpMethod::Delete,
        path: "/users/{user-id}/photo",
        security: &[
            SecurityAlternative {
                scheme: &WORK,
                scopes: &["ProfilePhoto.ReadWrite.All"],
            },
            SecurityAlternative {
                scheme: &WORK,
                scopes: &["User.ReadWrite.All"],
            },
        ],
        security_by_version: &[],
        unsupported_schemes: &[],
        request_body: None,
    };

    fn principal(kind: TokenKind, permissions: &[&str]) -> Principal {
        Principal {
            subject: "s".into(),
            kind,
            permissions: permissions.iter().map(|p| p.to_string()).collect(),
            tenant_id: None,
            client_id: None,
        }
    }

    fn header(value: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_bytes(value).expect("test header"),
        );
        headers
    }

    #[test]
    fn a_satisfied_alternative_is_returned() {
        let found = authorize(
            &OP,
            None,
            &principal(TokenKind::DelegatedWork, &["user.readwrite.all"]),
        );
        assert_eq!(
            found.map(|a| a.scopes).ok(),
            Some(&["User.ReadWrite.All"][..])
        );
    }

    #[test]
    fn refusals_say_what_would_be_needed() {
        let refused = authorize(
            &OP,
            None,
            &principal(TokenKind::DelegatedWork, &["User.Read.All"]),
        )
        .expect_err("neighbouring scope");
        assert_eq!(refused.status(), http::StatusCode::FORBIDDEN);
        assert!(
            refused
                .message()
                .contains("ProfilePhoto.ReadWrite.All, User.ReadWrite.All")
        );
        let refused = authorize(
            &OP,
            None,
            &principal(TokenKind::Application, &["User.ReadWrite.All"]),
        )
        .expect_err("unsupported kind");
        assert!(
            refused
                .message()
                .contains("does not support Application tokens")
        );
    }

    #[test]
    fn bearer_tokens_are_parsed_strictly() {
        assert_eq!(bearer_token(&header(b"Bearer abc")).ok(), Some("abc"));
        assert_eq!(bearer_token(&header(b"bearer   abc")).ok(), Some("abc"));
        for bad in [
            &b"Basic abc"[..],
            b"Bearer",
            b"Bearer ",
            b"Bearer a b",
            b"abc",
            b"Bearer \xff",
        ] {
            let refused = bearer_token(&header(bad)).expect_err("malformed header");
            assert_eq!(refused.code(), "InvalidAuthenticationToken");
        }
        assert!(bearer_token(&HeaderMap::new()).is_err());
    }
}
