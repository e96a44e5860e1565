//! Reads a JWT's claims WITHOUT checking its signature, so that local tools can mint tokens by
//! hand (even `alg: none`). Never use it where the server is reachable by anyone else: any
//! caller can claim any permission.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::claims::Claims;
use super::principal::{AuthError, Authorizer, Principal};

/// Accepts any well-formed JWT, signed or not, and trusts its claims. Local development and tests
/// only. It still refuses tokens whose `exp` has passed, so expiry handling can be exercised.
#[derive(Clone, Copy, Debug, Default)]
pub struct InsecureAuthorizer;

#[derive(Deserialize)]
struct Lifetime {
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    nbf: Option<f64>,
}

impl Authorizer for InsecureAuthorizer {
    fn authenticate(&self, bearer_token: &str) -> Result<Principal, AuthError> {
        let parts: Vec<&str> = bearer_token.split('.').collect();
        let payload = match parts.as_slice() {
            [_, payload] | [_, payload, _] => *payload,
            _ => {
                return Err(AuthError::Malformed(
                    "expected header.payload.signature".to_owned(),
                ));
            }
        };
        let json = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|err| AuthError::Malformed(format!("payload is not base64url: {err}")))?;
        let lifetime: Lifetime = serde_json::from_slice(&json)
            .map_err(|err| AuthError::Malformed(format!("payload is not JSON claims: {err}")))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        if lifetime.exp.is_some_and(|exp| exp <= now) {
            return Err(AuthError::Expired);
        }
        if lifetime.nbf.is_some_and(|nbf| nbf > now) {
            return Err(AuthError::NotYetValid);
        }
        let claims: Claims = serde_json::from_slice(&json)
            .map_err(|err| AuthError::Malformed(format!("payload is not JSON claims: {err}")))?;
        claims.into_principal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::TokenKind;

    fn unsigned(claims: &str) -> String {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn unsigned_tokens_are_trusted() {
        let principal = InsecureAuthorizer
            .authenticate(&unsigned(
                r#"{"oid":"u","roles":["User.Read.All"],"exp":4102444800}"#,
            ))
            .expect("accepted");
        assert_eq!(principal.kind, TokenKind::Application);
        assert_eq!(principal.permissions, ["User.Read.All"]);
    }

    #[test]
    fn expired_or_malformed_tokens_are_refused() {
        let expired = InsecureAuthorizer.authenticate(&unsigned(r#"{"oid":"u","exp":1}"#));
        assert_eq!(expired, Err(AuthError::Expired));
        let future = InsecureAuthorizer.authenticate(&unsigned(r#"{"oid":"u","nbf":4102444800}"#));
        assert_eq!(future, Err(AuthError::NotYetValid));
        for bad in ["", "abc", "a.%%%.c", "a.b.c.d", &unsigned(r#"{"oid":1}"#)] {
            assert!(
                matches!(
                    InsecureAuthorizer.authenticate(bad),
                    Err(AuthError::Malformed(_))
                ),
                "{bad:?}"
            );
        }
    }
}
