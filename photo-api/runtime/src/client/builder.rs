//! The client and its configuration.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::HeaderValue;
use reqwest::Url;

use super::credential::Credential;
use super::error::Error;
use super::retry::RetryPolicy;
use super::token::{StaticToken, TokenProvider};

/// Graph's global v1.0 endpoint, used when no base URL is configured.
pub const DEFAULT_BASE_URL: &str = "https://graph.microsoft.com/v1.0";
/// v1.0's request size limit (4 MiB), used when none is configured.
pub const DEFAULT_MAX_REQUEST_BYTES: u64 = 4 * 1024 * 1024;
/// Microsoft's SDKs' per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);
/// Redirects followed per attempt unless configured otherwise.
pub const DEFAULT_MAX_REDIRECTS: usize = 5;

/// A Graph profile-photo client. Cheap to clone: clones share one connection pool and settings.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// The settings every clone of a [`Client`] shares.
pub(crate) struct Inner {
    pub http: reqwest::Client,
    /// The base URL without a trailing slash.
    pub base_url: String,
    /// The base URL parsed once; each request sets only its path and query on a copy, which
    /// spares parsing (and IDNA-checking) the host again for every request.
    pub base: Url,
    /// The path of the base URL without a trailing slash (`/v1.0`, or empty).
    pub base_path: String,
    pub max_request_bytes: u64,
    /// Where OAuth 2.0 tokens come from, if the application gave a source.
    pub tokens: Option<Arc<dyn TokenProvider>>,
    /// Credentials of other security schemes, by scheme name.
    pub credentials: Vec<(String, Credential)>,
    pub retry: RetryPolicy,
    pub max_redirects: usize,
    pub preflight: bool,
    pub timeout: Duration,
    /// Whether `timeout` must be set on each request: only when the caller supplied the
    /// `reqwest::Client`; one the builder makes has it built in.
    pub timeout_per_request: bool,
    /// The last token and its `Authorization` value, reused while the provider returns the
    /// same token.
    pub authorization: Mutex<Option<(String, HeaderValue)>>,
    /// The last path sent without a query and its URL, reused while calls go to the same path
    /// (setting a path on the base URL re-parses it, the largest part of building a URL).
    pub last_url: Mutex<Option<(String, Url)>>,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests are sent to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The largest request body the client will send.
    pub fn max_request_bytes(&self) -> u64 {
        self.inner.max_request_bytes
    }
}

impl fmt::Debug for Client {
    /// Shows the settings, never the token provider (it may hold a secret).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("max_request_bytes", &self.inner.max_request_bytes)
            .field("retry", &self.inner.retry)
            .field("max_redirects", &self.inner.max_redirects)
            .field("preflight", &self.inner.preflight)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]; calls need a token source or a [`Credential`] unless the spec lets
/// anyone call them.
#[derive(Clone, Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    max_request_bytes: Option<u64>,
    tokens: Option<Arc<dyn TokenProvider>>,
    credentials: Vec<(String, Credential)>,
    retry: Option<RetryPolicy>,
    max_redirects: Option<usize>,
    preflight: bool,
    timeout: Option<Duration>,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("max_request_bytes", &self.max_request_bytes)
            .field("has_token_provider", &self.tokens.is_some())
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("max_redirects", &self.max_redirects)
            .field("preflight", &self.preflight)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The service root including the API version, such as `https://graph.microsoft.com/beta`
    /// or an emulator's address; a trailing slash is ignored. Defaults to [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The largest body to send; larger ones are refused locally. Set it to the API version's
    /// limit (the spec's `x-request-size-limits`). Defaults to [`DEFAULT_MAX_REQUEST_BYTES`].
    pub fn max_request_bytes(mut self, limit: u64) -> Self {
        self.max_request_bytes = Some(limit);
        self
    }

    /// Where bearer tokens come from; asked before each attempt.
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.tokens = Some(Arc::new(provider));
        self
    }

    /// The credential to send for the security scheme named `scheme` in the spec (an API key,
    /// HTTP bearer or basic scheme), on every operation that accepts that scheme.
    pub fn credential(mut self, scheme: impl Into<String>, credential: Credential) -> Self {
        let scheme = scheme.into();
        self.credentials.retain(|(name, _)| *name != scheme);
        self.credentials.push((scheme, credential));
        self
    }

    /// Uses one fixed token for every request.
    pub fn static_token(self, token: impl Into<String>) -> Self {
        self.token_provider(StaticToken::new(token))
    }

    /// How throttled and unavailable answers are retried; defaults to [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// How many redirects to follow per attempt (default 5); more is an error. `0` switches
    /// following off: a redirect answer is returned as it is.
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.max_redirects = Some(max);
        self
    }

    /// Whether to read the token's claims and refuse locally a call it cannot authorize
    /// (default false). The check follows the spec's permission tables, which may lag behind the
    /// service, so it is opt-in.
    pub fn preflight(mut self, enabled: bool) -> Self {
        self.preflight = enabled;
        self
    }

    /// The time allowed for each attempt, from connecting until the body is read (default
    /// [`DEFAULT_TIMEOUT`]). Large downloads on slow links may need more.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends through this `reqwest` client (for proxies, custom TLS…). Build it with
    /// `redirect(reqwest::redirect::Policy::none())`, or it follows redirects itself and the
    /// client's own redirect handling (limit, dropping `Authorization` off-host) is bypassed.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let parsed = Url::parse(&base_url)
            .map_err(|error| Error::Config(format!("base URL {base_url:?}: {error}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::Config(format!(
                "base URL {base_url:?} is not an http(s) URL"
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(Error::Config(format!(
                "base URL {base_url:?} must not have a query or fragment"
            )));
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let timeout_per_request = self.http.is_some();
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(30))
                .timeout(timeout)
                .build()
                .map_err(|error| Error::Config(format!("HTTP client: {error}")))?,
        };
        let base_path = parsed.path().trim_end_matches('/').to_owned();
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                base: parsed,
                base_path,
                max_request_bytes: self.max_request_bytes.unwrap_or(DEFAULT_MAX_REQUEST_BYTES),
                tokens: self.tokens,
                credentials: self.credentials,
                retry: self.retry.unwrap_or_default(),
                max_redirects: self.max_redirects.unwrap_or(DEFAULT_MAX_REDIRECTS),
                preflight: self.preflight,
                timeout,
                timeout_per_request,
                authorization: Mutex::new(None),
                last_url: Mutex::new(None),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_trailing_slashes_go() {
        let client = Client::builder()
            .static_token("t")
            .base_url("http://127.0.0.1:9/beta/")
            .build();
        assert_eq!(
            client.as_ref().map(Client::base_url).ok(),
            Some("http://127.0.0.1:9/beta")
        );
        let client = Client::builder().static_token("t").build();
        assert_eq!(
            client.as_ref().map(Client::base_url).ok(),
            Some(DEFAULT_BASE_URL)
        );
        assert_eq!(
            client.map(|c| c.max_request_bytes()).ok(),
            Some(DEFAULT_MAX_REQUEST_BYTES)
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        for base in [
            "not a url",
            "ftp://example.com",
            "https://graph.microsoft.com/v1.0?x=1",
        ] {
            let result = Client::builder().static_token("t").base_url(base).build();
            assert!(matches!(result, Err(Error::Config(_))), "{base}");
        }
        // Without any credential the client still calls operations that anyone may call.
        assert!(Client::builder().build().is_ok());
    }

    #[test]
    fn debug_output_hides_the_token() {
        let shown = format!(
            "{:?}",
            Client::builder().static_token("secret-token").build().ok()
        );
        assert!(!shown.contains("secret-token"), "{shown}");
    }
}
