//! Credentials of security schemes other than OAuth 2.0 (API keys, HTTP bearer and basic), and
//! how the client picks what to send for an operation ([`Authentication::for_operation`]).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::header::{AUTHORIZATION, COOKIE};
use http::{HeaderName, HeaderValue};

use super::token::TokenError;
use crate::operation::{KeyLocation, SecurityAlternative, TokenKind};

/// A credential for one security scheme, given to
/// [`ClientBuilder::credential`](super::ClientBuilder::credential) with the scheme's name.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// The key of an `apiKey` scheme; the scheme says where it travels.
    ApiKey(String),
    /// The token of an `http` `bearer` scheme, sent as `Authorization: Bearer <token>`.
    Bearer(String),
    /// The user and password of an `http` `basic` scheme.
    Basic { user: String, password: String },
}

impl fmt::Debug for Credential {
    /// Never prints the secret: debug output ends up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::ApiKey(_) => f.write_str("ApiKey(<redacted>)"),
            Credential::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credential::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

/// What one call sends to prove who is calling.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Authentication {
    /// An OAuth 2.0 token from the token provider (Graph's schemes).
    OAuth,
    /// A header such as `Authorization` or an API key's, dropped when a redirect leaves the
    /// origin.
    Header(HeaderName, HeaderValue),
    /// An API key added to the query.
    Query(&'static str, String),
    /// Nothing: the operation allows anonymous calls.
    Anonymous,
}

impl Authentication {
    /// How to call an operation with the alternatives `security`: with OAuth tokens when the
    /// client has a token provider and the operation takes OAuth tokens (or names no
    /// alternative, which the service then explains); else with the first alternative whose
    /// scheme the client has a credential for; else anonymously if allowed.
    pub(crate) fn for_operation(
        operation: &str,
        security: &[SecurityAlternative],
        has_tokens: bool,
        credentials: &[(String, Credential)],
    ) -> Result<Authentication, TokenError> {
        let takes_oauth =
            security.is_empty() || security.iter().any(|alt| alt.scheme.kind.is_oauth());
        if has_tokens && takes_oauth {
            return Ok(Authentication::OAuth);
        }
        for alternative in security {
            let scheme = alternative.scheme;
            let Some((_, credential)) = credentials.iter().find(|(name, _)| name == scheme.name)
            else {
                continue;
            };
            if let Some(found) = Self::with(scheme.kind, credential)? {
                return Ok(found);
            }
        }
        if security
            .iter()
            .any(|alt| alt.scheme.kind == TokenKind::Anonymous)
        {
            return Ok(Authentication::Anonymous);
        }
        let names: Vec<&str> = security.iter().map(|alt| alt.scheme.name).collect();
        Err(TokenError::new(format!(
            "'{operation}' needs a credential of one of the schemes {}; give one with \
             `ClientBuilder::credential` or `token_provider`",
            names.join(", ")
        )))
    }

    /// `credential` applied as a scheme of `kind` says, or `None` if it is not that scheme's
    /// kind of credential.
    fn with(
        kind: TokenKind,
        credential: &Credential,
    ) -> Result<Option<Authentication>, TokenError> {
        let header = |name: HeaderName, text: String| {
            let mut value = HeaderValue::from_str(&text).map_err(|_| {
                TokenError::new("the credential contains characters a header cannot carry")
            })?;
            value.set_sensitive(true);
            Ok(Some(Authentication::Header(name, value)))
        };
        match (kind, credential) {
            (TokenKind::ApiKey { location, name }, Credential::ApiKey(key)) => match location {
                KeyLocation::Header => {
                    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                        TokenError::new(format!("`{name}` is not a valid header name"))
                    })?;
                    header(name, key.clone())
                }
                KeyLocation::Query => Ok(Some(Authentication::Query(name, key.clone()))),
                KeyLocation::Cookie => header(COOKIE, format!("{name}={key}")),
            },
            (TokenKind::HttpBearer, Credential::Bearer(token)) => {
                header(AUTHORIZATION, format!("Bearer {}", token.trim()))
            }
            (TokenKind::HttpBasic, Credential::Basic { user, password }) => {
                let encoded = STANDARD.encode(format!("{user}:{password}"));
                header(AUTHORIZATION, format!("Basic {encoded}"))
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::ANONYMOUS;
    use crate::operation::test_schemes::{BASIC, QUERY_KEY, alternative};

    static KEY_OR_BASIC: &[SecurityAlternative] = &[alternative(&QUERY_KEY), alternative(&BASIC)];
    static OPTIONAL: &[SecurityAlternative] = &[alternative(&BASIC), alternative(&ANONYMOUS)];

    fn basic() -> (String, Credential) {
        (
            "basic".into(),
            Credential::Basic {
                user: "user".into(),
                password: "pw".into(),
            },
        )
    }

    #[test]
    fn the_first_alternative_with_a_credential_is_used() {
        let chosen = Authentication::for_operation("op", KEY_OR_BASIC, false, &[basic()]);
        assert!(
            matches!(&chosen, Ok(Authentication::Header(name, value)) if name == AUTHORIZATION && value == "Basic dXNlcjpwdw=="),
            "{chosen:?}"
        );
        let key = ("query_key".to_owned(), Credential::ApiKey("k".into()));
        let chosen = Authentication::for_operation("op", KEY_OR_BASIC, false, &[basic(), key]);
        assert_eq!(chosen.ok(), Some(Authentication::Query("key", "k".into())));
    }

    #[test]
    fn anonymous_only_when_no_credential_fits_and_an_error_names_the_schemes() {
        let chosen = Authentication::for_operation("op", OPTIONAL, false, &[]);
        assert_eq!(chosen.ok(), Some(Authentication::Anonymous));
        let refused = Authentication::for_operation("op", KEY_OR_BASIC, false, &[])
            .expect_err("no credential");
        assert!(
            refused.message().contains("query_key, basic"),
            "{}",
            refused.message()
        );
    }

    #[test]
    fn debug_output_hides_secrets() {
        let shown = format!("{:?}", basic().1);
        assert!(!shown.contains("pw"), "{shown}");
    }
}
