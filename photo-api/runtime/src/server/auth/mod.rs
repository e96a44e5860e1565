//! Who is calling ([`Authorizer`] → [`Principal`]) and whether they may call an operation
//! ([`authorize`]). Tokens are checked before anything else about the request, as Graph does.

mod authorize;
mod claims;
mod credential;
mod insecure;
mod jwt;
mod principal;

pub use authorize::authorize;
pub(crate) use authorize::bearer_token;
pub(crate) use credential::credential_principal;
pub use insecure::InsecureAuthorizer;
pub use jwt::{JwtAuthorizer, KeyError};
pub use principal::{AuthError, Authorizer, Principal};
