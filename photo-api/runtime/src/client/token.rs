//! Where the client gets its bearer tokens.
//!
//! Token acquisition (MSAL, managed identity, a device-code flow…) is the application's business;
//! the client only asks for a token before each attempt, so a provider that caches and refreshes
//! tokens keeps long retries working.

use std::fmt;

use futures_util::future::BoxFuture;

/// Supplies the access token sent as `Authorization: Bearer <token>`.
///
/// Object safe so a [`Client`](super::Client) can hold any provider behind one pointer. It is
/// called once per attempt, so implementations should cache tokens rather than fetch new ones.
pub trait TokenProvider: Send + Sync + 'static {
    /// The current access token, without the `Bearer ` prefix.
    fn token(&self) -> BoxFuture<'_, Result<String, TokenError>>;
}

/// A fixed token, for scripts, tests and the emulator.
#[derive(Clone)]
pub struct StaticToken {
    token: String,
}

impl StaticToken {
    /// A provider that always answers `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
        }
    }
}

impl fmt::Debug for StaticToken {
    /// Never prints the token itself: debug output ends up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticToken")
            .field("token", &"<redacted>")
            .finish()
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<String, TokenError>> {
        let token = self.token.clone();
        Box::pin(async move { Ok(token) })
    }
}

/// Why no token could be had; the request was not sent.
#[derive(Debug, thiserror::Error)]
#[error("no access token: {message}")]
pub struct TokenError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TokenError {
    /// An error described by `message` alone.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source`, such as the identity library's own error.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// What went wrong, without the cause.
    pub fn message(&self) -> &str {
        &self.message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn static_token_answers_its_token() {
        let provider: Box<dyn TokenProvider> = Box::new(StaticToken::new("abc"));
        assert_eq!(provider.token().await.ok().as_deref(), Some("abc"));
    }

    #[test]
    fn debug_output_hides_the_token() {
        let shown = format!("{:?}", StaticToken::new("secret-token"));
        assert!(!shown.contains("secret-token"), "{shown}");
    }
}
