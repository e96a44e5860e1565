//! Development access tokens the emulator accepts: JWTs shaped like the Microsoft identity
//! platform's (`oid`, `tid`, `scp` or `roles`, `aud`, `exp`, optionally `azp`), signed with HS256 and the emulator's
//! secret (or RS256 with a private key, for an emulator configured with the public half).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use crate::operation::TokenKind;
use crate::server::JwtAuthorizer;

/// The tenant dev tokens of work accounts are issued by unless another is given.
pub const DEV_TENANT_ID: &str = "00000000-0000-0000-0000-0000000e0000";
/// The `iss` of dev tokens.
pub const ISSUER: &str = "https://photo-emulator.invalid/";
/// How long a dev token lives by default.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// Which permissions a token carries, and so which kind of token it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A user's delegated token; the scopes go in `scp`.
    Delegated {
        /// The delegated permissions, such as `User.ReadWrite`.
        scopes: Vec<String>,
        /// Whether it is a personal Microsoft account's token (issued by the consumer tenant).
        personal: bool,
    },
    /// An app's own token; the roles go in `roles`.
    Application {
        /// The application permissions, such as `User.ReadWrite.All`.
        roles: Vec<String>,
    },
}

/// What to put in a dev token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSpec {
    /// The user's (or app's) object id, sent as `oid` and `sub`; `/me` resolves to it.
    pub subject: String,
    /// The permissions and the kind of token.
    pub grant: Grant,
    /// The issuing tenant (`tid`) of a work-account or app token; [`DEV_TENANT_ID`] if `None`.
    pub tenant_id: Option<String>,
    /// The audience (`aud`); Graph's by default.
    pub audience: String,
    /// The lifetime from now (`exp`).
    pub ttl: Duration,
    /// The app the token is issued to (`azp`), which the emulator's least-privilege advisor
    /// reports calls by; without one, calls are reported by the subject.
    pub client_id: Option<String>,
}

impl TokenSpec {
    /// A work-account user's delegated token with `scopes`.
    pub fn delegated<I, S>(subject: impl Into<String>, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(
            subject,
            Grant::Delegated {
                scopes: scopes.into_iter().map(Into::into).collect(),
                personal: false,
            },
        )
    }

    /// An app's own token with `roles`.
    pub fn application<I, S>(subject: impl Into<String>, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(
            subject,
            Grant::Application {
                roles: roles.into_iter().map(Into::into).collect(),
            },
        )
    }

    fn new(subject: impl Into<String>, grant: Grant) -> Self {
        TokenSpec {
            subject: subject.into(),
            grant,
            tenant_id: None,
            audience: JwtAuthorizer::GRAPH_AUDIENCES[0].to_owned(),
            ttl: DEFAULT_TTL,
            client_id: None,
        }
    }

    /// Makes a delegated token a personal Microsoft account's (the consumer tenant issues it).
    pub fn personal(mut self) -> Self {
        if let Grant::Delegated { personal, .. } = &mut self.grant {
            *personal = true;
        }
        self
    }

    /// Sets the issuing tenant of a work-account or app token.
    pub fn tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// Sets the audience.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// Sets the lifetime.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets the app the token is issued to (its client id, sent as `azp`).
    pub fn client(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The kind of token the server will see.
    pub fn kind(&self) -> TokenKind {
        match self.grant {
            Grant::Delegated { personal: true, .. } => TokenKind::DelegatedPersonal,
            Grant::Delegated { .. } => TokenKind::DelegatedWork,
            Grant::Application { .. } => TokenKind::Application,
        }
    }
}

/// A token that could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    /// The spec is unusable (say, an empty subject).
    #[error("invalid token spec: {0}")]
    Invalid(String),
    /// The key could not sign (say, a malformed private key).
    #[error("could not sign the token: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: &'static str,
    iat: u64,
    nbf: u64,
    exp: u64,
    oid: &'a str,
    sub: &'a str,
    tid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    roles: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    azp: Option<&'a str>,
    ver: &'static str,
}

/// An HS256 token for `spec`, signed with `secret` (what the emulator verifies by default).
pub fn mint(spec: &TokenSpec, secret: &[u8]) -> Result<String, MintError> {
    if secret.is_empty() {
        return Err(MintError::Invalid("the secret is empty".to_owned()));
    }
    sign(spec, Algorithm::HS256, &EncodingKey::from_secret(secret))
}

/// An RS256 token for `spec`, signed with a PEM-encoded RSA private key, for an emulator started
/// with the matching public key.
pub fn mint_rs256(spec: &TokenSpec, private_key_pem: &[u8]) -> Result<String, MintError> {
    sign(
        spec,
        Algorithm::RS256,
        &EncodingKey::from_rsa_pem(private_key_pem)?,
    )
}

fn sign(spec: &TokenSpec, algorithm: Algorithm, key: &EncodingKey) -> Result<String, MintError> {
    if spec.subject.trim().is_empty() {
        return Err(MintError::Invalid("the subject is empty".to_owned()));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let (scp, roles) = match &spec.grant {
        Grant::Delegated { scopes, .. } => (Some(scopes.join(" ")), None),
        Grant::Application { roles } => (None, Some(roles.as_slice())),
    };
    let tid = match spec.kind() {
        TokenKind::DelegatedPersonal => TokenKind::CONSUMER_TENANT_ID,
        _ => spec.tenant_id.as_deref().unwrap_or(DEV_TENANT_ID),
    };
    let claims = Claims {
        aud: &spec.audience,
        iss: ISSUER,
        iat: now,
        nbf: now,
        exp: now.saturating_add(spec.ttl.as_secs()),
        oid: &spec.subject,
        sub: &spec.subject,
        tid,
        scp,
        roles,
        azp: spec.client_id.as_deref(),
        ver: "2.0",
    };
    Ok(jsonwebtoken::encode(&Header::new(algorithm), &claims, key)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{AuthError, Authorizer, InsecureAuthorizer};

    const SECRET: &[u8] = b"tokens unit test secret";

    #[test]
    fn minted_tokens_verify_and_carry_the_spec() {
        let authorizer = JwtAuthorizer::hs256(SECRET);
        let token = mint(
            &TokenSpec::delegated("User-1", ["User.Read", "User.ReadWrite"]),
            SECRET,
        )
        .expect("minted");
        let principal = authorizer.authenticate(&token).expect("verified");
        assert_eq!(principal.subject, "User-1");
        assert_eq!(principal.kind, TokenKind::DelegatedWork);
        assert_eq!(principal.permissions, ["User.Read", "User.ReadWrite"]);
        assert_eq!(principal.tenant_id.as_deref(), Some(DEV_TENANT_ID));
        assert_eq!(principal.client_id, None);

        let personal =
            mint(&TokenSpec::delegated("p", ["User.Read"]).personal(), SECRET).expect("minted");
        let principal = authorizer.authenticate(&personal).expect("verified");
        assert_eq!(principal.kind, TokenKind::DelegatedPersonal);

        let app = mint(
            &TokenSpec::application("app", ["User.ReadWrite.All"]).tenant("t-9"),
            SECRET,
        )
        .expect("minted");
        let principal = authorizer.authenticate(&app).expect("verified");
        assert_eq!(principal.kind, TokenKind::Application);
        assert_eq!(principal.permissions, ["User.ReadWrite.All"]);
        assert_eq!(principal.tenant_id.as_deref(), Some("t-9"));
        let client = mint(
            &TokenSpec::delegated("u", ["User.Read"]).client("app-1"),
            SECRET,
        )
        .expect("minted");
        let principal = authorizer.authenticate(&client).expect("verified");
        assert_eq!(principal.client_id.as_deref(), Some("app-1"));
        // The insecure authorizer reads the same claims without checking the signature.
        assert_eq!(
            InsecureAuthorizer
                .authenticate(&app)
                .expect("accepted")
                .subject,
            "app"
        );
    }

    #[test]
    fn audience_secret_and_lifetime_matter() {
        let token = mint(
            &TokenSpec::delegated("u", ["User.Read"]).audience("api://other"),
            SECRET,
        )
        .expect("minted");
        assert_eq!(
            JwtAuthorizer::hs256(SECRET).authenticate(&token),
            Err(AuthError::WrongAudience)
        );
        assert!(
            JwtAuthorizer::hs256(SECRET)
                .audiences(["api://other"])
                .authenticate(&token)
                .is_ok()
        );
        let token = mint(&TokenSpec::delegated("u", ["User.Read"]), SECRET).expect("minted");
        assert_eq!(
            JwtAuthorizer::hs256(b"another secret").authenticate(&token),
            Err(AuthError::BadSignature)
        );
        let short = mint(
            &TokenSpec::delegated("u", ["User.Read"]).ttl(Duration::from_secs(90)),
            SECRET,
        )
        .expect("minted");
        let payload = short.split('.').nth(1).expect("three parts");
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                .expect("base64url"),
        )
        .expect("JSON");
        assert_eq!(
            claims["exp"].as_u64(),
            claims["iat"].as_u64().map(|iat| iat + 90)
        );
        assert_eq!(claims["scp"], "User.Read");
        assert!(claims.get("roles").is_none());
    }

    #[test]
    fn unusable_specs_and_keys_are_errors() {
        assert!(matches!(
            mint(&TokenSpec::delegated(" ", ["User.Read"]), SECRET),
            Err(MintError::Invalid(_))
        ));
        assert!(matches!(
            mint(&TokenSpec::delegated("u", ["User.Read"]), b""),
            Err(MintError::Invalid(_))
        ));
        assert!(matches!(
            mint_rs256(&TokenSpec::delegated("u", ["User.Read"]), b"not a key"),
            Err(MintError::Signing(_))
        ));
    }
}
