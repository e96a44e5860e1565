//! The caller a token identifies ([`Principal`]), how a server finds it ([`Authorizer`]) and why
//! a token is refused ([`AuthError`]).

use std::sync::Arc;

use crate::operation::{SecuritySchemeSpec, TokenKind};

/// Turns a bearer token into the caller it identifies. Implementations check the token
/// (signature, lifetime, audience); permission checks are the runtime's job.
pub trait Authorizer: Send + Sync + 'static {
    /// The caller `bearer_token` identifies, or why the token is not acceptable.
    fn authenticate(&self, bearer_token: &str) -> Result<Principal, AuthError>;

    /// [`authenticate`](Self::authenticate), shared: what the server calls for each request.
    /// Authorizers that remember verified callers (as [`JwtAuthorizer`](super::JwtAuthorizer) does) hand out the one
    /// they keep instead of a copy.
    fn authenticate_shared(&self, bearer_token: &str) -> Result<Arc<Principal>, AuthError> {
        self.authenticate(bearer_token).map(Arc::new)
    }

    /// Whether `credential` is valid for `scheme`, a scheme other than OAuth 2.0: an API key,
    /// an HTTP bearer token, or `user:password` for basic. The default accepts any credential
    /// that is present; the API implementation still sees it as the principal's `subject`, so
    /// either may verify it.
    fn verify_credential(
        &self,
        scheme: &'static SecuritySchemeSpec,
        credential: &str,
    ) -> Result<(), AuthError> {
        let _ = (scheme, credential);
        Ok(())
    }
}

impl<A: Authorizer + ?Sized> Authorizer for Arc<A> {
    fn authenticate(&self, bearer_token: &str) -> Result<Principal, AuthError> {
        (**self).authenticate(bearer_token)
    }

    fn authenticate_shared(&self, bearer_token: &str) -> Result<Arc<Principal>, AuthError> {
        (**self).authenticate_shared(bearer_token)
    }

    fn verify_credential(
        &self,
        scheme: &'static SecuritySchemeSpec,
        credential: &str,
    ) -> Result<(), AuthError> {
        (**self).verify_credential(scheme, credential)
    }
}

/// An authenticated caller, as read from its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The user's or app's object id (`oid`, else `sub`); for a scheme other than OAuth 2.0,
    /// the credential as sent (the API key, the bearer token, or `user:password`).
    pub subject: String,
    /// Whether the token is delegated (work or personal) or an app's own.
    pub kind: TokenKind,
    /// The granted permissions: `scp` for delegated tokens, `roles` for application tokens.
    pub permissions: Vec<String>,
    /// The issuing tenant (`tid`).
    pub tenant_id: Option<String>,
    /// The app the token was issued to: `appid` (v1.0 tokens), else `azp` (v2.0 tokens).
    pub client_id: Option<String>,
}

impl Principal {
    /// Whether the token grants `permission` (compared case-insensitively, as Graph does).
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions
            .iter()
            .any(|have| have.eq_ignore_ascii_case(permission))
    }
}

/// Why a token was not accepted; the message is sent to the caller in the `401` body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Not a decodable JWT, or a claim of the wrong type.
    #[error("The access token is malformed: {0}")]
    Malformed(String),
    /// The signature does not match the configured key.
    #[error("The access token's signature is invalid.")]
    BadSignature,
    /// Signed with an algorithm the server does not accept (including `none`).
    #[error("The access token is signed with an algorithm this server does not accept.")]
    Algorithm,
    /// `exp` is in the past.
    #[error("The access token has expired.")]
    Expired,
    /// `nbf` is in the future.
    #[error("The access token is not yet valid.")]
    NotYetValid,
    /// `aud` is not one of the accepted audiences.
    #[error("The access token's audience is invalid.")]
    WrongAudience,
    /// `iss` is not one of the accepted issuers.
    #[error("The access token's issuer is invalid.")]
    WrongIssuer,
    /// A claim the server requires is absent.
    #[error("The access token has no '{0}' claim.")]
    MissingClaim(String),
    /// Any other reason a custom authorizer has.
    #[error("{0}")]
    Other(String),
}
