//! Callers of operations whose security is not only OAuth 2.0: API keys, HTTP bearer and basic
//! credentials, and anonymous access ([`credential_principal`]).
//!
//! The runtime checks that a credential of an allowed scheme is present and well formed, and asks
//! the server's [`Authorizer::verify_credential`] whether it is valid (by default any is); the
//! credential is handed to the API implementation as the [`Principal`]'s `subject` too.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::header::{AUTHORIZATION, COOKIE};
use http::request::Parts;

use super::authorize::bearer_token;
use super::principal::{Authorizer, Principal};
use crate::operation::{KeyLocation, SecurityAlternative, TokenKind};
use crate::server::params::query_value;
use crate::server::rejection::Rejection;

/// The caller of an operation whose `security` lists the alternatives `security` (some not
/// OAuth 2.0), tried in order: the first alternative whose credential the request carries
/// decides; an anonymous alternative lets in a request that carries none. An OAuth 2.0
/// alternative goes through `authorizer` and `authorize_oauth` (the permission check); the
/// others through [`Authorizer::verify_credential`], giving a principal whose `kind` is the
/// scheme's and whose `subject` is the credential as sent (`user:password` for basic). `401`
/// when no alternative is met.
pub(crate) fn credential_principal(
    security: &'static [SecurityAlternative],
    parts: &Parts,
    authorizer: &dyn Authorizer,
    authorize_oauth: impl Fn(&Principal) -> Result<(), Rejection>,
) -> Result<Arc<Principal>, Rejection> {
    let mut refusal: Option<Rejection> = None;
    for alternative in security {
        let kind = alternative.scheme.kind;
        let found = match kind {
            // Only once no credential was sent: a caller that sends one is told apart.
            TokenKind::Anonymous => continue,
            TokenKind::ApiKey { location, name } => api_key(parts, location, name),
            TokenKind::HttpBearer => has_authorization(parts)
                .then(|| bearer_token(&parts.headers).map(str::to_owned))
                .transpose(),
            TokenKind::HttpBasic => basic(parts),
            TokenKind::DelegatedWork | TokenKind::DelegatedPersonal | TokenKind::Application => {
                if !has_authorization(parts) {
                    continue;
                }
                let checked = bearer_token(&parts.headers).and_then(|token| {
                    authorizer
                        .authenticate_shared(token)
                        .map_err(|err| Rejection::unauthorized(err.to_string()))
                });
                match checked.and_then(|principal| {
                    authorize_oauth(&principal)?;
                    Ok(principal)
                }) {
                    Ok(principal) => return Ok(principal),
                    Err(rejection) => {
                        refusal.get_or_insert(rejection);
                        continue;
                    }
                }
            }
        };
        let found = found.and_then(|credential| match credential {
            Some(credential) => authorizer
                .verify_credential(alternative.scheme, &credential)
                .map(|()| Some(credential))
                .map_err(|err| Rejection::unauthorized(err.to_string())),
            None => Ok(None),
        });
        match found {
            Ok(Some(credential)) => {
                return Ok(Arc::new(Principal {
                    subject: credential,
                    kind,
                    permissions: Vec::new(),
                    tenant_id: None,
                    client_id: None,
                }));
            }
            Ok(None) => {}
            Err(rejection) => {
                refusal.get_or_insert(rejection);
            }
        }
    }
    if refusal.is_none()
        && security
            .iter()
            .any(|alt| alt.scheme.kind == TokenKind::Anonymous)
    {
        return Ok(Arc::new(Principal {
            subject: String::new(),
            kind: TokenKind::Anonymous,
            permissions: Vec::new(),
            tenant_id: None,
            client_id: None,
        }));
    }
    Err(refusal.unwrap_or_else(|| {
        let wanted: Vec<String> = security
            .iter()
            .map(|alt| describe(alt.scheme.kind))
            .collect();
        Rejection::unauthorized(format!(
            "No credential was sent; this operation needs one of: {}.",
            wanted.join(", ")
        ))
    }))
}

fn has_authorization(parts: &Parts) -> bool {
    parts.headers.contains_key(AUTHORIZATION)
}

/// The key named `name` at `location`, if sent.
fn api_key(parts: &Parts, location: KeyLocation, name: &str) -> Result<Option<String>, Rejection> {
    let value = match location {
        KeyLocation::Header => match parts.headers.get(name) {
            None => None,
            Some(value) => Some(value.to_str().map(str::to_owned).map_err(|_| {
                Rejection::unauthorized(format!("The header '{name}' is not visible ASCII."))
            })?),
        },
        KeyLocation::Query => query_value(parts.uri.query(), name)?,
        KeyLocation::Cookie => cookie(parts, name),
    };
    Ok(value.filter(|value| !value.is_empty()))
}

/// The cookie `name` of the request's `Cookie` headers (`a=1; b=2`).
pub(crate) fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// `user:password` of an `Authorization: Basic …` header, if one is sent.
fn basic(parts: &Parts) -> Result<Option<String>, Rejection> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed =
        || Rejection::unauthorized("The Authorization header must be 'Basic <credentials>'.");
    let value = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|text| text.contains(':'))
        .ok_or_else(malformed)?;
    Ok(Some(decoded))
}

/// How a caller meets a scheme of `kind`, for a `401` message.
fn describe(kind: TokenKind) -> String {
    match kind {
        TokenKind::ApiKey { location, name } => {
            let place = match location {
                KeyLocation::Header => "header",
                KeyLocation::Query => "query parameter",
                KeyLocation::Cookie => "cookie",
            };
            format!("an API key in the {place} '{name}'")
        }
        TokenKind::HttpBasic => "a Basic Authorization header".to_owned(),
        TokenKind::Anonymous => "nothing".to_owned(),
        TokenKind::HttpBearer
        | TokenKind::DelegatedWork
        | TokenKind::DelegatedPersonal
        | TokenKind::Application => "a Bearer token".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::ANONYMOUS;
    use crate::operation::test_schemes::{BASIC, COOKIE_KEY, HEADER_KEY, alternative};
    use crate::server::auth::InsecureAuthorizer;

    static KEY_OR_BASIC: &[SecurityAlternative] = &[
        alternative(&HEADER_KEY),
        alternative(&COOKIE_KEY),
        alternative(&BASIC),
    ];
    static OPTIONAL: &[SecurityAlternative] = &[alternative(&HEADER_KEY), alternative(&ANONYMOUS)];

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut request = http::Request::builder().uri("/x");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).expect("test request").into_parts().0
    }

    fn caller(
        security: &'static [SecurityAlternative],
        headers: &[(&str, &str)],
    ) -> Result<Arc<Principal>, Rejection> {
        credential_principal(security, &parts(headers), &InsecureAuthorizer, |_| Ok(()))
    }

    #[test]
    fn the_first_credential_sent_decides() {
        let principal = caller(KEY_OR_BASIC, &[("api_key", "k1")]).expect("key");
        assert_eq!(
            (principal.subject.as_str(), principal.kind),
            ("k1", HEADER_KEY.kind)
        );
        let principal = caller(KEY_OR_BASIC, &[("cookie", "a=b; sid=s2")]).expect("cookie");
        assert_eq!(principal.subject, "s2");
        let principal =
            caller(KEY_OR_BASIC, &[("authorization", "Basic dXNlcjpwdw==")]).expect("basic");
        assert_eq!(
            (principal.subject.as_str(), principal.kind),
            ("user:pw", TokenKind::HttpBasic)
        );
    }

    #[test]
    fn a_missing_or_malformed_credential_is_a_401() {
        let refused = caller(KEY_OR_BASIC, &[]).expect_err("nothing sent");
        assert_eq!(refused.status(), http::StatusCode::UNAUTHORIZED);
        assert!(
            refused.message().contains("header 'api_key'"),
            "{}",
            refused.message()
        );
        let refused =
            caller(KEY_OR_BASIC, &[("authorization", "Basic !!")]).expect_err("bad base64");
        assert_eq!(refused.status(), http::StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn optional_security_lets_anyone_in_and_still_reads_a_key() {
        assert_eq!(
            caller(OPTIONAL, &[]).expect("anonymous").kind,
            TokenKind::Anonymous
        );
        assert_eq!(
            caller(OPTIONAL, &[("api_key", "k")]).expect("key").subject,
            "k"
        );
    }
}
