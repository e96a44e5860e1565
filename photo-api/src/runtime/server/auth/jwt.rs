//! Verifies signed access tokens with `jsonwebtoken`: HS256 with a shared secret by default (what
//! the emulator mints), or RS256 with a public key, as Microsoft's identity platform signs.

use std::fmt;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::claims::Claims;
use super::{AuthError, Authorizer, Principal};

/// Checks a JWT's signature, `exp`, `nbf` and `aud` (and `iss` when configured), then reads its
/// `scp` / `roles` / `tid` / `oid` (or `sub`) claims.
#[derive(Clone)]
pub struct JwtAuthorizer {
    key: DecodingKey,
    validation: Validation,
}

/// A public key that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid RS256 public key: {0}")]
pub struct KeyError(String);

impl JwtAuthorizer {
    /// The audiences Microsoft Graph tokens carry, accepted by default.
    pub const GRAPH_AUDIENCES: [&'static str; 2] = [
        "https://graph.microsoft.com",
        "00000003-0000-0000-c000-000000000000",
    ];

    /// Accepts HS256 tokens signed with `secret`.
    pub fn hs256(secret: impl AsRef<[u8]>) -> Self {
        Self::with_key(DecodingKey::from_secret(secret.as_ref()), Algorithm::HS256)
    }

    /// Accepts RS256 tokens verifiable with the PEM-encoded RSA public key `pem`.
    pub fn rs256_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let key =
            DecodingKey::from_rsa_pem(pem.as_ref()).map_err(|err| KeyError(err.to_string()))?;
        Ok(Self::with_key(key, Algorithm::RS256))
    }

    fn with_key(key: DecodingKey, algorithm: Algorithm) -> Self {
        let mut validation = Validation::new(algorithm);
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "aud"]);
        validation.set_audience(&Self::GRAPH_AUDIENCES);
        JwtAuthorizer { key, validation }
    }

    /// Accepts exactly these audiences (`aud`) instead of [`Self::GRAPH_AUDIENCES`].
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let audiences: Vec<String> = audiences.into_iter().map(Into::into).collect();
        self.validation.set_audience(&audiences);
        self
    }

    /// Requires `iss` to be one of `issuers`.
    pub fn issuers<I, S>(mut self, issuers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let issuers: Vec<String> = issuers.into_iter().map(Into::into).collect();
        self.validation.set_issuer(&issuers);
        self.validation
            .required_spec_claims
            .insert("iss".to_owned());
        self
    }

    /// Tolerates this much clock skew on `exp` and `nbf` (default 60 seconds).
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.validation.leeway = seconds;
        self
    }
}

impl Authorizer for JwtAuthorizer {
    fn authenticate(&self, bearer_token: &str) -> Result<Principal, AuthError> {
        let data = jsonwebtoken::decode::<Claims>(bearer_token, &self.key, &self.validation)
            .map_err(|err| auth_error(&err))?;
        data.claims.into_principal()
    }
}

impl fmt::Debug for JwtAuthorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuthorizer")
            .field("algorithms", &self.validation.algorithms)
            .field("audiences", &self.validation.aud)
            .field("issuers", &self.validation.iss)
            .finish_non_exhaustive()
    }
}

fn auth_error(err: &jsonwebtoken::errors::Error) -> AuthError {
    match err.kind() {
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::InvalidAlgorithmName => AuthError::Algorithm,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
        _ => AuthError::Malformed(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::{Value, json};

    const SECRET: &[u8] = b"unit test secret";
    /// A throwaway RSA public key; only its shape matters here.
    const PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6jBfJ54FK8GShgedQlxm
SJ7wlLxSOvYHAlzhb/s6NRqjtLZyYoK3BUBuVivhQQBszF4nlO2G00TBW4xTeEI6
JMlsiUzFMuihujEvwRB2nfENKaiIhwOPYX0h5bADTdceT6NyXilqNnk9l5Tmawbk
49St15s1RdyN4U3oiSg8UayR8L0Dukh8pBQyoX861AfC+YPRFhW5IMF8gH1tZb2W
Tfo4Givex6SR4p7EpRCvdIlvaIo1ALg4tF4R2C5X+voVExwsPn57kk+DiFsxQNP7
JIB5DUqZjnhUoON/CDtgC9yE7tNDa/iRDbdWWV6iOSMz6P6T6Cdsv7GrFs7DEHJJ
EQIDAQAB
-----END PUBLIC KEY-----
";

    fn hs256(claims: &Value, secret: &[u8]) -> String {
        jsonwebtoken::encode(
            &Header::default(),
            claims,
            &EncodingKey::from_secret(secret),
        )
        .expect("test token")
    }

    fn claims(extra: Value) -> Value {
        let mut claims = json!({"oid": "u", "scp": "User.Read", "aud": "https://graph.microsoft.com",
                                "exp": jsonwebtoken::get_current_timestamp() + 600});
        if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
            claims.extend(extra.clone());
        }
        claims
    }

    #[test]
    fn audiences_and_issuers_can_be_configured() {
        let custom = JwtAuthorizer::hs256(SECRET).audiences(["api://photos"]);
        let token = hs256(&claims(json!({"aud": "api://photos"})), SECRET);
        assert!(custom.authenticate(&token).is_ok());
        let graph = hs256(&claims(json!({})), SECRET);
        assert_eq!(custom.authenticate(&graph), Err(AuthError::WrongAudience));

        let strict = JwtAuthorizer::hs256(SECRET).issuers(["https://sts.example/"]);
        assert_eq!(
            strict.authenticate(&graph),
            Err(AuthError::MissingClaim("iss".into()))
        );
        let other = hs256(&claims(json!({"iss": "https://evil.example/"})), SECRET);
        assert_eq!(strict.authenticate(&other), Err(AuthError::WrongIssuer));
    }

    #[test]
    fn lifetime_claims_are_enforced() {
        let authorizer = JwtAuthorizer::hs256(SECRET).leeway(0);
        let now = jsonwebtoken::get_current_timestamp();
        let early = hs256(&claims(json!({"nbf": now + 600})), SECRET);
        assert_eq!(authorizer.authenticate(&early), Err(AuthError::NotYetValid));
        let mut no_exp = claims(json!({}));
        if let Some(claims) = no_exp.as_object_mut() {
            claims.remove("exp");
        }
        let no_exp = hs256(&no_exp, SECRET);
        assert_eq!(
            authorizer.authenticate(&no_exp),
            Err(AuthError::MissingClaim("exp".into()))
        );
    }

    #[test]
    fn an_rs256_authorizer_refuses_hs256_tokens_signed_with_its_public_key() {
        let authorizer = JwtAuthorizer::rs256_pem(PUBLIC_PEM).expect("valid public key");
        let forged = hs256(&claims(json!({})), PUBLIC_PEM.as_bytes());
        assert_eq!(authorizer.authenticate(&forged), Err(AuthError::Algorithm));
        assert!(JwtAuthorizer::rs256_pem("not a key").is_err());
    }

    #[test]
    fn garbage_is_malformed_and_debug_hides_the_key() {
        let authorizer = JwtAuthorizer::hs256(SECRET);
        assert!(matches!(
            authorizer.authenticate("x.y.z"),
            Err(AuthError::Malformed(_))
        ));
        assert!(!format!("{authorizer:?}").contains("unit test secret"));
    }
}
