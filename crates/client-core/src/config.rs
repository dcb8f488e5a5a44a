//! Building the parts a generated client needs: base URL, `reqwest::Client`, [`Runtime`].
//!
//! TLS is rustls with the **ring** provider and the platform certificate verifier, handed to
//! reqwest as a preconfigured `rustls::ClientConfig`. Nothing is installed process-wide, so
//! this works next to other code that picks a different rustls provider.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::{StaticToken, Token, TokenSource};
use crate::error::ApiError;
use crate::oauth::OAuthTokenSourceBuilder;
use crate::operation::OperationMeta;
use crate::retry::RetryPolicy;
use crate::runtime::{DEFAULT_VERSION, Runtime};

/// HighLevel's API base URL.
pub const DEFAULT_BASE_URL: &str = "https://services.leadconnectorhq.com";
/// Environment variable [`ClientConfig::from_env`] reads the token from.
pub const ENV_TOKEN: &str = "HIGHLEVEL_TOKEN";
/// Optional environment variable [`ClientConfig::from_env`] reads the base URL from.
pub const ENV_BASE_URL: &str = "HIGHLEVEL_BASE_URL";
/// The user agent sent by default.
pub const DEFAULT_USER_AGENT: &str = concat!("highlevel-rust-sdk/", env!("CARGO_PKG_VERSION"));

#[derive(Clone)]
enum Credentials {
    Static(Token),
    Source(Arc<dyn TokenSource>),
    OAuth(Box<OAuthTokenSourceBuilder>),
}

/// Client settings. Start from [`ClientConfig::new`], [`ClientConfig::with_token_source`] or
/// [`ClientConfig::from_env`], adjust with the chained setters, then [`ClientConfig::build`].
///
/// ```
/// use std::time::Duration;
/// use highlevel_client_core::{ClientConfig, Token};
///
/// let parts = ClientConfig::new(Token::new("pit-00000000-0000-0000-0000-000000000000"))
///     .request_timeout(Duration::from_secs(30))
///     .build()
///     .expect("valid configuration");
/// assert_eq!(parts.base_url, "https://services.leadconnectorhq.com");
/// ```
///
/// `Debug` never shows the token.
#[derive(Clone)]
pub struct ClientConfig {
    credentials: Credentials,
    base_url: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    user_agent: String,
    version: String,
    retry: RetryPolicy,
    operations: &'static [OperationMeta],
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = match &self.credentials {
            Credentials::Static(token) => format!("{token:?}"),
            Credentials::Source(_) => "TokenSource(<redacted>)".to_owned(),
            Credentials::OAuth(builder) => format!("{builder:?}"),
        };
        f.debug_struct("ClientConfig")
            .field("credentials", &credentials)
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("user_agent", &self.user_agent)
            .field("version", &self.version)
            .field("retry", &self.retry)
            .field("operations", &self.operations.len())
            .finish()
    }
}

/// What [`ClientConfig::build`] produces: the arguments of a generated
/// `Client::new_with_client(&base_url, client, runtime)`.
#[derive(Clone, Debug)]
pub struct ClientParts {
    /// The base URL, without a trailing slash.
    pub base_url: String,
    /// The HTTP client (rustls with ring, timeouts, user agent).
    pub client: reqwest::Client,
    /// The runtime for the generated client's `inner`.
    pub runtime: Runtime,
}

impl ClientConfig {
    /// Settings for a fixed token (a Sub-Account Private Integration Token or a Sub-Account
    /// OAuth access token), with every default.
    pub fn new(token: Token) -> Self {
        Self::with_credentials(Credentials::Static(token))
    }

    /// Settings for tokens from `source` (e.g. an OAuth refresher).
    pub fn with_token_source(source: Arc<dyn TokenSource>) -> Self {
        Self::with_credentials(Credentials::Source(source))
    }

    /// Settings for OAuth tokens renewed by the [`crate::OAuthTokenSource`] `builder` makes.
    /// Unless the builder says otherwise, its token requests go to this configuration's base
    /// URL with this configuration's HTTP client.
    ///
    /// Build the source yourself and use [`ClientConfig::with_token_source`] instead when the
    /// application needs the source's handle (e.g. to share it between clients).
    pub fn oauth(builder: OAuthTokenSourceBuilder) -> Self {
        Self::with_credentials(Credentials::OAuth(Box::new(builder)))
    }

    fn with_credentials(credentials: Credentials) -> Self {
        Self {
            credentials,
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            version: DEFAULT_VERSION.to_owned(),
            retry: RetryPolicy::default(),
            operations: &[],
        }
    }

    /// Reads `HIGHLEVEL_TOKEN` (required: a Sub-Account PIT or OAuth access token) and
    /// `HIGHLEVEL_BASE_URL` (optional, default [`DEFAULT_BASE_URL`]).
    pub fn from_env() -> Result<Self, ApiError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`ClientConfig::from_env`] with a custom variable lookup (for tests and for
    /// configuration systems that are not the process environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let token = lookup(ENV_TOKEN)
            .filter(|value| !value.trim().is_empty())
            .ok_or_else(|| {
                ApiError::config(format!(
                    "{ENV_TOKEN} is not set; set it to a Sub-Account Private Integration Token \
                     (pit-…) or a Sub-Account OAuth access token"
                ))
            })?;
        let mut config = Self::new(Token::new(token));
        if let Some(base_url) = lookup(ENV_BASE_URL).filter(|value| !value.trim().is_empty()) {
            config = config.base_url(base_url);
        }
        Ok(config)
    }

    /// The API base URL (default [`DEFAULT_BASE_URL`]); a trailing slash is removed.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim().trim_end_matches('/').to_owned();
        self
    }

    /// Time allowed to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for each attempt of a request, from sending to the end of the body
    /// (default 60 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default [`DEFAULT_USER_AGENT`]).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The `Version` header (default [`DEFAULT_VERSION`], `2021-04-15`). HighLevel also accepts
    /// `2021-07-28`, `2023-02-21` and `v3`.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The generated client's operation table (path templates and scopes).
    pub fn operations(mut self, table: &'static [OperationMeta]) -> Self {
        self.operations = table;
        self
    }

    /// Checks the settings and builds the parts. A static Agency (Company) JWT is refused here.
    pub fn build(self) -> Result<ClientParts, ApiError> {
        let parsed = reqwest::Url::parse(&self.base_url).map_err(|error| {
            ApiError::config(format!(
                "base URL `{}` is not a URL: {error}",
                self.base_url
            ))
        })?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.cannot_be_a_base() {
            return Err(ApiError::config(format!(
                "base URL `{}` must be an http(s) URL",
                self.base_url
            )));
        }
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .user_agent(self.user_agent)
            .build()
            .map_err(|error| {
                ApiError::config(format!("could not build the HTTP client: {error}"))
            })?;
        let tokens: Arc<dyn TokenSource> = match self.credentials {
            Credentials::Static(token) => {
                token.check_usable()?;
                Arc::new(StaticToken::new(token))
            }
            Credentials::Source(source) => source,
            Credentials::OAuth(builder) => Arc::new(
                builder
                    .default_base_url(&self.base_url)
                    .default_http_client(&client)
                    .build()?,
            ),
        };
        let runtime = Runtime::new(tokens)
            .with_version(&self.version)?
            .with_retry_policy(self.retry)
            .with_operations(self.operations);
        Ok(ClientParts {
            base_url: self.base_url,
            client,
            runtime,
        })
    }
}

/// Installs rustls' **ring** provider as the process-wide default, if no default is installed
/// yet; returns `true` when this call installed it. Idempotent and safe to call from many threads.
///
/// [`ClientConfig::build`] does not need this: it hands reqwest a ready TLS config. Call it
/// (once, early in `main`) only if you build `reqwest::Client`s yourself, including through a
/// generated client's `Client::new`, which would otherwise panic because the workspace's
/// reqwest has no built-in provider. A library should not call it for its users: an
/// application that later installs another provider and unwraps the result would panic.
pub fn install_ring_crypto_provider() -> bool {
    rustls::crypto::ring::default_provider()
        .install_default()
        .is_ok()
}

/// rustls with the ring provider and the platform's certificate verifier.
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, ApiError> {
    use rustls_platform_verifier::BuilderVerifierExt as _;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| ApiError::config(format!("TLS setup failed: {error}")))?
        .with_platform_verifier()
        .map_err(|error| {
            ApiError::config(format!("TLS certificate verifier setup failed: {error}"))
        })?
        .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIT: &str = "pit-0badc0de-1111-2222-3333-444455556666";

    #[test]
    fn building_with_defaults_gives_the_vendor_base_url_and_version() {
        let parts = ClientConfig::new(Token::new(PIT))
            .build()
            .expect("default configuration builds");
        assert_eq!(parts.base_url, DEFAULT_BASE_URL);
        assert_eq!(parts.runtime.version(), "2021-04-15");
        assert!(DEFAULT_USER_AGENT.starts_with("highlevel-rust-sdk/"));
    }

    #[test]
    fn from_env_reads_the_token_and_optional_base_url() {
        let config = ClientConfig::from_lookup(|name| match name {
            ENV_TOKEN => Some(PIT.to_owned()),
            ENV_BASE_URL => Some("http://127.0.0.1:9000/".to_owned()),
            _ => None,
        })
        .expect("token present");
        let parts = config.build().expect("builds");
        assert_eq!(parts.base_url, "http://127.0.0.1:9000");
        let missing = ClientConfig::from_lookup(|_| None).expect_err("no token");
        assert!(missing.to_string().contains(ENV_TOKEN));
    }

    #[test]
    fn a_bad_base_url_or_version_is_a_config_error() {
        let bad_url = ClientConfig::new(Token::new(PIT))
            .base_url("not a url")
            .build();
        assert_eq!(
            bad_url.expect_err("bad url").kind(),
            crate::ErrorKind::Config
        );
        let bad_version = ClientConfig::new(Token::new(PIT)).version("a\nb").build();
        assert_eq!(
            bad_version.expect_err("bad version").kind(),
            crate::ErrorKind::Config
        );
    }

    #[test]
    fn a_static_company_token_is_refused_at_build_time() {
        let token = Token::new(crate::auth::tests::jwt_with_auth_class("Company"));
        let error = ClientConfig::new(token).build().expect_err("refused");
        assert_eq!(error.kind(), crate::ErrorKind::WrongTokenType);
    }

    #[test]
    fn installing_ring_as_the_default_provider_is_idempotent_and_enables_plain_reqwest() {
        let first = install_ring_crypto_provider();
        assert!(
            !install_ring_crypto_provider(),
            "a second install is a no-op"
        );
        assert!(first || rustls::crypto::CryptoProvider::get_default().is_some());
        drop(reqwest::Client::new());
    }

    #[test]
    fn config_debug_hides_the_token() {
        let config = ClientConfig::new(Token::new(PIT));
        assert!(!format!("{config:?}").contains("0badc0de"));
    }
}
