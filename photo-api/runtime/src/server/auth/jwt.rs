//! Verifies signed access tokens with `jsonwebtoken`: HS256 with a shared secret by default (what
//! the emulator mints), or RS256 with a public key, as Microsoft's identity platform signs.
//!
//! Verified tokens are remembered (see [`JwtAuthorizer`]), because clients send the same token
//! with every request and checking it again costs more than the rest of a small request.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rustc_hash::{FxBuildHasher, FxHasher};

use super::claims::Claims;
use super::principal::{AuthError, Authorizer, Principal};

/// Checks a JWT's signature, `exp`, `nbf` and `aud` (and `iss` when configured), then reads its
/// `scp` / `roles` / `tid` / `oid` (or `sub`) claims.
///
/// Tokens that pass are cached, keyed by the exact token text, for as long as they are valid:
/// a later request with the same token skips the signature check and the claim parsing, but
/// its `exp` and `nbf` are checked again (with the same leeway), so a cached token stops working
/// the moment it expires. Only verified tokens enter the cache, and it holds at most
/// [`Self::CACHE_ENTRIES`] of them. Changing the configuration ([`audiences`](Self::audiences),
/// [`issuers`](Self::issuers), [`leeway`](Self::leeway)) starts with an empty cache.
#[derive(Clone)]
pub struct JwtAuthorizer {
    key: DecodingKey,
    validation: Validation,
    cache: Arc<TokenCache>,
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

    /// How many verified tokens are remembered at most.
    pub const CACHE_ENTRIES: usize = 1024;

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
        JwtAuthorizer {
            key,
            validation,
            cache: Arc::default(),
        }
    }

    /// Accepts exactly these audiences (`aud`) instead of [`Self::GRAPH_AUDIENCES`].
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let audiences: Vec<String> = audiences.into_iter().map(Into::into).collect();
        self.validation.set_audience(&audiences);
        self.reconfigured()
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
        self.reconfigured()
    }

    /// Tolerates this much clock skew on `exp` and `nbf` (default 60 seconds).
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.validation.leeway = seconds;
        self.reconfigured()
    }

    /// Tokens verified under the old settings may not pass the new ones.
    fn reconfigured(mut self) -> Self {
        self.cache = Arc::default();
        self
    }

    /// Whether a token with these lifetime claims is valid at `now`, as `jsonwebtoken` decides:
    /// expired once `exp` is before `now - leeway`, not yet valid while `nbf` is after
    /// `now + leeway`.
    fn lifetime_check(&self, lifetime: Lifetime, now: u64) -> Result<(), AuthError> {
        let leeway = self.validation.leeway;
        if lifetime.expires < now.saturating_sub(leeway) {
            return Err(AuthError::Expired);
        }
        if lifetime
            .not_before
            .is_some_and(|nbf| nbf > now.saturating_add(leeway))
        {
            return Err(AuthError::NotYetValid);
        }
        Ok(())
    }

    fn authenticate_at(&self, bearer_token: &str, now: u64) -> Result<Arc<Principal>, AuthError> {
        if let Some((principal, lifetime)) = self.cache.get(bearer_token) {
            // The signature was good; only the time can have changed the verdict.
            return match self.lifetime_check(lifetime, now) {
                Ok(()) => Ok(principal),
                Err(refused) => {
                    self.cache.remove(bearer_token);
                    Err(refused)
                }
            };
        }
        let claims = jsonwebtoken::decode::<Claims>(bearer_token, &self.key, &self.validation)
            .map_err(|err| auth_error(&err))?
            .claims;
        // `exp` is required and `nbf` optional; both passed the checks, so they are numbers.
        let lifetime = claims.expires().map(|expires| Lifetime {
            expires,
            not_before: claims.not_before(),
        });
        let principal = Arc::new(claims.into_principal()?);
        if let Some(lifetime) = lifetime {
            self.cache.insert(bearer_token, principal.clone(), lifetime);
        }
        Ok(principal)
    }
}

impl Authorizer for JwtAuthorizer {
    fn authenticate(&self, bearer_token: &str) -> Result<Principal, AuthError> {
        self.authenticate_shared(bearer_token)
            .map(Arc::unwrap_or_clone)
    }

    fn authenticate_shared(&self, bearer_token: &str) -> Result<Arc<Principal>, AuthError> {
        self.authenticate_at(bearer_token, jsonwebtoken::get_current_timestamp())
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Lifetime {
    expires: u64,
    not_before: Option<u64>,
}

/// Verified tokens, in a bounded concurrent cache (`quick_cache`, which keeps the tokens in use
/// and forgets the others first). Keyed by a hash of the token's last bytes (its signature,
/// which differs between any two tokens), so a lookup does not hash a kilobyte of text; each
/// entry keeps the whole token, and only an exact match counts.
struct TokenCache {
    entries:
        quick_cache::sync::Cache<u64, Arc<CacheEntry>, quick_cache::UnitWeighter, FxBuildHasher>,
}

impl Default for TokenCache {
    fn default() -> Self {
        let entries = quick_cache::sync::Cache::with(
            JwtAuthorizer::CACHE_ENTRIES,
            JwtAuthorizer::CACHE_ENTRIES as u64,
            quick_cache::UnitWeighter,
            FxBuildHasher,
            quick_cache::sync::DefaultLifecycle::default(),
        );
        TokenCache { entries }
    }
}

struct CacheEntry {
    token: Box<str>,
    principal: Arc<Principal>,
    lifetime: Lifetime,
}

/// How much of the token's end is hashed for the cache key.
const KEY_TAIL: usize = 32;

fn cache_key(token: &str) -> u64 {
    let tail = &token.as_bytes()[token.len().saturating_sub(KEY_TAIL)..];
    // FxHash: the key only spreads entries; an exact comparison of the token decides a hit.
    let mut hasher = FxHasher::default();
    tail.hash(&mut hasher);
    token.len().hash(&mut hasher);
    hasher.finish()
}

impl TokenCache {
    fn get(&self, token: &str) -> Option<(Arc<Principal>, Lifetime)> {
        let entry = self.entries.get(&cache_key(token))?;
        (*entry.token == *token).then(|| (entry.principal.clone(), entry.lifetime))
    }

    fn insert(&self, token: &str, principal: Arc<Principal>, lifetime: Lifetime) {
        let entry = CacheEntry {
            token: token.into(),
            principal,
            lifetime,
        };
        self.entries.insert(cache_key(token), Arc::new(entry));
    }

    fn remove(&self, token: &str) {
        self.entries
            .remove_if(&cache_key(token), |entry| *entry.token == *token);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
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
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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
    fn verified_tokens_are_cached_until_they_expire() {
        let authorizer = JwtAuthorizer::hs256(SECRET).leeway(5);
        let now = jsonwebtoken::get_current_timestamp();
        let token = hs256(&claims(json!({"exp": now + 100, "nbf": now - 10})), SECRET);
        let first = authorizer.authenticate_at(&token, now).expect("valid");
        assert_eq!(authorizer.cache.len(), 1);
        assert_eq!(
            authorizer.authenticate_at(&token, now + 50),
            Ok(first.clone())
        );
        // Within the leeway after `exp`, then past it: refused, and forgotten.
        assert_eq!(authorizer.authenticate_at(&token, now + 105), Ok(first));
        assert_eq!(
            authorizer.authenticate_at(&token, now + 106),
            Err(AuthError::Expired)
        );
        assert_eq!(authorizer.cache.len(), 0);
        // A clock that went back before `nbf` (less the leeway) refuses a cached token too.
        authorizer
            .authenticate_at(&token, now)
            .expect("cached again");
        assert_eq!(
            authorizer.authenticate_at(&token, now - 16),
            Err(AuthError::NotYetValid)
        );
    }

    #[test]
    fn a_cached_token_stops_working_when_it_expires() {
        let authorizer = JwtAuthorizer::hs256(SECRET).leeway(0);
        let exp = jsonwebtoken::get_current_timestamp() + 1;
        let token = hs256(&claims(json!({"exp": exp})), SECRET);
        assert!(authorizer.authenticate(&token).is_ok());
        assert!(
            authorizer.authenticate(&token).is_ok(),
            "served from the cache"
        );
        while jsonwebtoken::get_current_timestamp() <= exp {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(authorizer.authenticate(&token), Err(AuthError::Expired));
    }

    #[test]
    fn only_the_exact_token_is_served_from_the_cache() {
        let authorizer = JwtAuthorizer::hs256(SECRET);
        let token = hs256(&claims(json!({})), SECRET);
        assert!(authorizer.authenticate(&token).is_ok());
        // Same signature (and so the same cache key), other claims: a forgery.
        let [header, _, signature] = token.split('.').collect::<Vec<_>>()[..] else {
            panic!("three parts");
        };
        let payload =
            URL_SAFE_NO_PAD.encode(claims(json!({"scp": "User.ReadWrite.All"})).to_string());
        let forged = format!("{header}.{payload}.{signature}");
        assert_eq!(
            authorizer.authenticate(&forged),
            Err(AuthError::BadSignature)
        );
        assert!(authorizer.authenticate(&format!("{token} ")).is_err());
        assert!(authorizer.authenticate(&token).is_ok());
    }

    #[test]
    fn the_cache_is_bounded_and_reset_by_reconfiguring() {
        let authorizer = JwtAuthorizer::hs256(SECRET);
        for index in 0..JwtAuthorizer::CACHE_ENTRIES + 10 {
            let token = hs256(&claims(json!({"oid": format!("user-{index}")})), SECRET);
            assert!(authorizer.authenticate(&token).is_ok());
        }
        let kept = authorizer.cache.len();
        assert!(
            kept > JwtAuthorizer::CACHE_ENTRIES / 2 && kept <= JwtAuthorizer::CACHE_ENTRIES,
            "{kept} tokens cached"
        );
        let token = hs256(&claims(json!({"aud": "api://photos"})), SECRET);
        let custom = authorizer.clone().audiences(["api://photos"]);
        assert_eq!(custom.cache.len(), 0);
        assert!(custom.authenticate(&token).is_ok());
        assert_eq!(
            authorizer.authenticate(&token),
            Err(AuthError::WrongAudience)
        );
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
