#![doc = include_str!("../README.md")]

pub mod admin;
pub mod auth;
pub mod error;
pub mod faults;
pub mod fixtures;
pub mod journal;
pub mod oauth;
pub mod persistence;
pub mod rate_limit;
pub mod spec;
pub mod store;
pub mod validation;
pub mod webhooks;

mod api;
mod pagination;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use api::BODY_LIMIT;
use api::{conversation_ai as ca, voice_ai as va};
use auth::{TokenRegistry, TokenSpec};
use fixtures::Fixtures;
use journal::{Journal, ReceivedRequest};
use oauth::{AuthorizationRequest, OAuthApp, OAuthError, OAuthServer, OAuthSettings, OAuthTokens};
use rate_limit::{RateLimitConfig, RateLimiter};
use store::Store;

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 0x5EED_2026;
/// The location of the dev token when none is given (20 characters, like HighLevel's ids).
pub const DEFAULT_LOCATION_ID: &str = "mockLocation00000001";

/// The dev token derived from a seed: `pit-` and a lowercase UUID-shaped string.
///
/// ```
/// // Arrange / Act
/// let token = mock_server::dev_token_for_seed(1);
/// // Assert
/// assert!(token.starts_with("pit-"));
/// assert_eq!(token.len(), 40);
/// assert_eq!(token, mock_server::dev_token_for_seed(1));
/// ```
pub fn dev_token_for_seed(seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7069_742d);
    let hex = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
    format!(
        "pit-{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

struct Shared {
    store: Store,
    tokens: RwLock<TokenRegistry>,
    /// Every token in `tokens`, in registration order (the dev token first), for export.
    token_list: Mutex<Vec<TokenSpec>>,
    /// The tokens `reset` restores.
    initial_tokens: Vec<TokenSpec>,
    dev_token: String,
    location_id: String,
    fixtures: Fixtures,
    voices_enabled: bool,
    /// Call logs generated per start and reset (see [`MockServerBuilder::call_logs`]).
    call_logs: usize,
    journal: Journal,
    rate_limiter: RateLimiter,
    /// The rate limit `reset` restores.
    initial_rate_limit: Option<RateLimitConfig>,
    faults: faults::Faults,
    webhooks: webhooks::Webhooks,
    oauth: OAuthServer,
    state_file: Option<PathBuf>,
}

/// The shared state behind the router: the store, the tokens, and what `reset` restores.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("location_id", &self.shared.location_id)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// The in-memory store, for arranging data tests cannot create through the API (call logs,
    /// generation details) or for inspecting it.
    ///
    /// ```
    /// # use serde_json::json;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// let id = state.store().add_call_log(state.location_id(), json!({"duration": 3}));
    /// // Assert
    /// assert!(state.store().voice_get_call_log(state.location_id(), &id).is_ok());
    /// ```
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// The token accepted for the default location.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().dev_token("pit-test").build_state();
    /// // Assert
    /// assert_eq!(state.dev_token(), "pit-test");
    /// ```
    pub fn dev_token(&self) -> &str {
        &self.shared.dev_token
    }

    /// The dev token's location.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().location_id("loc1").build_state();
    /// // Assert
    /// assert_eq!(state.location_id(), "loc1");
    /// ```
    pub fn location_id(&self) -> &str {
        &self.shared.location_id
    }

    /// Forgets everything since start: the store is emptied, the id generator restarts from the
    /// seed, the fixtures are loaded again, and the request journal and the rate-limit windows
    /// are emptied.
    ///
    /// ```
    /// # use serde_json::json;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// state.store().add_call_log(state.location_id(), json!({}));
    /// // Act
    /// state.reset();
    /// // Assert
    /// let (total, _) = state.store().voice_list_call_logs(state.location_id(), &Default::default(), 1, 10);
    /// assert_eq!(total, 0);
    /// ```
    pub fn reset(&self) {
        self.shared.journal.clear();
        self.reset_admin();
        self.shared.store.clear();
        self.shared
            .fixtures
            .load(&self.shared.store, &self.shared.location_id);
        if self.shared.call_logs > 0 {
            // Locations without a Voice AI agent (e.g. no fixtures) get none.
            self.shared
                .store
                .generate_call_logs_everywhere(self.shared.call_logs);
        }
    }

    /// The requests received so far (at most the last [`journal::JOURNAL_CAPACITY`]), oldest
    /// first, refused ones included.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use axum::{body::Body, http::Request};
    /// use tower::ServiceExt;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// let request = Request::get("/voice-ai/agents").body(Body::empty()).expect("a valid request");
    /// // Act
    /// let _ = mock_server::router(state.clone()).oneshot(request).await;
    /// // Assert
    /// let received = state.received_requests();
    /// assert_eq!(received.len(), 1);
    /// assert_eq!(received[0].path, "/voice-ai/agents");
    /// # }
    /// ```
    pub fn received_requests(&self) -> Vec<ReceivedRequest> {
        self.shared.journal.snapshot()
    }

    /// The server's first OAuth app (the one derived from the seed unless the builder replaced
    /// it): the `client_id` and `client_secret` to send to `POST /oauth/token`.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().seed(4).build_state();
    /// // Assert
    /// assert_eq!(state.oauth_app(), mock_server::oauth::OAuthApp::for_seed(4));
    /// ```
    pub fn oauth_app(&self) -> OAuthApp {
        self.shared
            .oauth
            .apps()
            .into_iter()
            .next()
            .unwrap_or_else(|| OAuthApp::for_seed(self.store().seed()))
    }

    /// Every registered OAuth app, the default one first.
    ///
    /// ```
    /// use mock_server::oauth::OAuthApp;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().oauth_app(OAuthApp::new("app2-x", "s2")).build_state();
    /// // Assert
    /// let ids: Vec<String> = state.oauth_apps().into_iter().map(|a| a.client_id).collect();
    /// assert_eq!(ids.len(), 2);
    /// assert_eq!(ids[1], "app2-x");
    /// ```
    pub fn oauth_apps(&self) -> Vec<OAuthApp> {
        self.shared.oauth.apps()
    }

    /// Registers one more OAuth app until the next reset (replacing one with the same id).
    ///
    /// ```
    /// use mock_server::oauth::OAuthApp;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// state.add_oauth_app(OAuthApp::new("late-app", "s"));
    /// // Assert
    /// assert!(state.oauth_apps().iter().any(|a| a.client_id == "late-app"));
    /// ```
    pub fn add_oauth_app(&self, app: OAuthApp) {
        self.shared.oauth.add_app(app);
    }

    /// The access-token lifetime and refresh window in force.
    ///
    /// ```
    /// use std::time::Duration;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().oauth_token_lifetime(Duration::from_secs(5)).build_state();
    /// // Assert
    /// assert_eq!(state.oauth_settings().access_token_lifetime, Duration::from_secs(5));
    /// ```
    pub fn oauth_settings(&self) -> OAuthSettings {
        self.shared.oauth.settings()
    }

    /// Mints a single-use authorization code for `request`, to exchange at `POST /oauth/token`
    /// with `grant_type=authorization_code`. Fails for an unknown client id or a Location
    /// install without a location.
    ///
    /// ```
    /// use mock_server::oauth::{AuthorizationRequest, OAuthError};
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// let code = state.authorization_code(&AuthorizationRequest::location(state.location_id()));
    /// let unknown = state.authorization_code(&AuthorizationRequest::location("l").client_id("nobody"));
    /// // Assert
    /// assert_eq!(code.expect("a code").len(), 40);
    /// assert_eq!(unknown, Err(OAuthError::InvalidClient));
    /// ```
    pub fn authorization_code(&self, request: &AuthorizationRequest) -> Result<String, OAuthError> {
        self.shared.oauth.authorization_code(request)
    }

    /// Mints a code for `request` and exchanges it, as `POST /oauth/token` would: the shortest
    /// way to a refresh token for a client's token source.
    ///
    /// ```
    /// use mock_server::oauth::AuthorizationRequest;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// let tokens = state.issue_oauth_tokens(&AuthorizationRequest::location(state.location_id())).expect("issued");
    /// // Assert
    /// assert_eq!(tokens.user_type, "Location");
    /// assert_eq!(tokens.location_id.as_deref(), Some(state.location_id()));
    /// assert_eq!(tokens.access_token.split('.').count(), 3);
    /// ```
    pub fn issue_oauth_tokens(
        &self,
        request: &AuthorizationRequest,
    ) -> Result<OAuthTokens, OAuthError> {
        let code = self.authorization_code(request)?;
        let client_id = match &request.client_id {
            Some(id) => id.clone(),
            None => self.oauth_app().client_id,
        };
        let app = self
            .oauth_apps()
            .into_iter()
            .find(|a| a.client_id == client_id)
            .ok_or(OAuthError::InvalidClient)?;
        self.shared
            .oauth
            .exchange_code(&app.client_id, &app.client_secret, &code, None)
    }

    pub(crate) fn oauth(&self) -> &OAuthServer {
        &self.shared.oauth
    }

    /// The bearer-token checks of [`auth::authenticate`] over the registered tokens and the
    /// OAuth access tokens issued here (an expired one is an invalid token).
    pub(crate) fn authenticate(
        &self,
        headers: &axum::http::HeaderMap,
        scopes: &[String],
    ) -> Result<auth::Principal, error::ApiError> {
        auth::check_version(headers)?;
        let token = auth::bearer_token(headers)?;
        if let Some(spec) = self.tokens().get(token) {
            return auth::authorize(spec, scopes);
        }
        match self.shared.oauth.access_token(token) {
            oauth::AccessLookup::Valid(spec) => auth::authorize(&spec, scopes),
            oauth::AccessLookup::Expired | oauth::AccessLookup::Unknown => {
                Err(auth::invalid_token())
            }
        }
    }

    pub(crate) fn journal(&self) -> &Journal {
        &self.shared.journal
    }

    pub(crate) fn tokens(&self) -> RwLockReadGuard<'_, TokenRegistry> {
        self.shared
            .tokens
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn voices_enabled(&self) -> bool {
        self.shared.voices_enabled
    }
}

/// Builds an [`AppState`] or a running [`MockServer`].
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    seed: u64,
    location_id: String,
    dev_token: Option<String>,
    any_location: bool,
    tokens: Vec<TokenSpec>,
    fixtures: Fixtures,
    voices: bool,
    call_logs: usize,
    rate_limit: Option<RateLimitConfig>,
    webhook_urls: Vec<String>,
    webhook_retry: webhooks::WebhookRetryPolicy,
    state_file: Option<PathBuf>,
    oauth_apps: Vec<OAuthApp>,
    oauth_settings: OAuthSettings,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            location_id: DEFAULT_LOCATION_ID.to_owned(),
            dev_token: None,
            any_location: false,
            tokens: Vec::new(),
            fixtures: Fixtures::empty(),
            voices: true,
            call_logs: 0,
            rate_limit: None,
            webhook_urls: Vec::new(),
            webhook_retry: webhooks::WebhookRetryPolicy::default(),
            state_file: None,
            oauth_apps: Vec::new(),
            oauth_settings: OAuthSettings::default(),
        }
    }
}

impl MockServerBuilder {
    /// The seed of ids, default names and the default dev token.
    ///
    /// ```
    /// // Arrange / Act
    /// let a = mock_server::MockServer::builder().seed(9).build_state();
    /// let b = mock_server::MockServer::builder().seed(9).build_state();
    /// // Assert
    /// assert_eq!(a.dev_token(), b.dev_token());
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The dev token's location (default [`DEFAULT_LOCATION_ID`]).
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().location_id("abc").build_state();
    /// // Assert
    /// assert_eq!(state.location_id(), "abc");
    /// ```
    pub fn location_id(mut self, location_id: impl Into<String>) -> Self {
        self.location_id = location_id.into();
        self
    }

    /// The dev token text (default: derived from the seed, see [`dev_token_for_seed`]).
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().dev_token("pit-mine").build_state();
    /// // Assert
    /// assert_eq!(state.dev_token(), "pit-mine");
    /// ```
    pub fn dev_token(mut self, token: impl Into<String>) -> Self {
        self.dev_token = Some(token.into());
        self
    }

    /// Whether the dev token may name any `locationId` (default false: another location → 403).
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().dev_token_any_location(true).build_state();
    /// // Assert
    /// assert!(!state.dev_token().is_empty());
    /// ```
    pub fn dev_token_any_location(mut self, any: bool) -> Self {
        self.any_location = any;
        self
    }

    /// Accepts one more token (e.g. one lacking a scope, or an agency token).
    ///
    /// ```
    /// use mock_server::auth::TokenSpec;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder()
    ///     .token(TokenSpec::location_pit("pit-readonly", "loc").with_scopes(["conversation-ai.readonly"]))
    ///     .build_state();
    /// // Assert
    /// assert_ne!(state.dev_token(), "pit-readonly");
    /// ```
    pub fn token(mut self, token: TokenSpec) -> Self {
        self.tokens.push(token);
        self
    }

    /// Records to preload (and to restore on reset).
    ///
    /// ```
    /// use mock_server::fixtures::Fixtures;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().fixtures(Fixtures::demo(1)).build_state();
    /// // Assert
    /// let (total, _) = state.store().voice_list_agents(state.location_id(), None, 1, 10);
    /// assert_eq!(total, 3);
    /// ```
    pub fn fixtures(mut self, fixtures: Fixtures) -> Self {
        self.fixtures = fixtures;
        self
    }

    /// Whether the (not publicly documented) voices endpoints exist (default true).
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().voices(false).build_state();
    /// // Assert
    /// assert!(!state.location_id().is_empty());
    /// ```
    pub fn voices(mut self, enabled: bool) -> Self {
        self.voices = enabled;
        self
    }

    /// Generates `n` call logs per location at start and on every reset, spread over each
    /// location's Voice AI agents (so it needs fixtures with agents; a location without gets
    /// none). Deterministic per seed; see [`store::Store::generate_call_logs`].
    ///
    /// ```
    /// use mock_server::fixtures::Fixtures;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().fixtures(Fixtures::demo(1)).call_logs(100).build_state();
    /// // Assert
    /// assert_eq!(state.store().call_log_count(state.location_id()), 100 + 1);
    /// ```
    pub fn call_logs(mut self, n: usize) -> Self {
        self.call_logs = n;
        self
    }

    /// Enforces rate limits like the live API's (default: none; see [`rate_limit`]).
    ///
    /// ```
    /// use mock_server::rate_limit::RateLimitConfig;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder()
    ///     .rate_limit(RateLimitConfig::vendor())
    ///     .build_state();
    /// // Assert
    /// assert!(!state.dev_token().is_empty());
    /// ```
    pub fn rate_limit(mut self, config: RateLimitConfig) -> Self {
        self.rate_limit = Some(config);
        self
    }

    /// Registers one more OAuth app besides the one derived from the seed (see
    /// [`AppState::oauth_app`]); repeatable.
    ///
    /// ```
    /// use mock_server::oauth::OAuthApp;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().oauth_app(OAuthApp::new("second-app", "s")).build_state();
    /// // Assert
    /// assert_eq!(state.oauth_apps()[1], OAuthApp::new("second-app", "s"));
    /// ```
    pub fn oauth_app(mut self, app: OAuthApp) -> Self {
        self.oauth_apps.push(app);
        self
    }

    /// How long the OAuth access tokens the server issues are accepted (default 86 399 s);
    /// `expires_in` reports it in whole seconds. A short one lets tests see tokens expire.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mock_server::oauth::AuthorizationRequest;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().oauth_token_lifetime(Duration::from_secs(2)).build_state();
    /// // Act
    /// let tokens = state.issue_oauth_tokens(&AuthorizationRequest::location("loc")).expect("issued");
    /// // Assert
    /// assert_eq!(tokens.expires_in, 2);
    /// ```
    pub fn oauth_token_lifetime(mut self, lifetime: std::time::Duration) -> Self {
        self.oauth_settings.access_token_lifetime = lifetime;
        self
    }

    /// How long a used refresh token still yields the pair it was exchanged for (default 30 s,
    /// as the vendor documents); after that it is refused.
    ///
    /// ```
    /// use std::time::Duration;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().oauth_refresh_window(Duration::from_millis(50)).build_state();
    /// // Assert
    /// assert_eq!(state.oauth_settings().refresh_window, Duration::from_millis(50));
    /// ```
    pub fn oauth_refresh_window(mut self, window: std::time::Duration) -> Self {
        self.oauth_settings.refresh_window = window;
        self
    }

    /// The state, for [`router`] (tests with `tower::ServiceExt::oneshot`, or a custom server).
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert_eq!(state.location_id(), mock_server::DEFAULT_LOCATION_ID);
    /// ```
    pub fn build_state(self) -> AppState {
        let dev_token = self
            .dev_token
            .unwrap_or_else(|| dev_token_for_seed(self.seed));
        let mut dev = TokenSpec::location_pit(dev_token.clone(), self.location_id.clone());
        dev.any_location = self.any_location;
        let mut initial_tokens = vec![dev];
        for token in self.tokens {
            initial_tokens.retain(|t| t.token != token.token);
            initial_tokens.push(token);
        }
        let state = AppState {
            shared: Arc::new(Shared {
                store: Store::new(self.seed),
                tokens: RwLock::new(TokenRegistry::default()),
                token_list: Mutex::new(Vec::new()),
                initial_tokens,
                dev_token,
                location_id: self.location_id,
                fixtures: self.fixtures,
                voices_enabled: self.voices,
                call_logs: self.call_logs,
                journal: Journal::default(),
                rate_limiter: RateLimiter::new(self.rate_limit),
                initial_rate_limit: self.rate_limit,
                faults: faults::Faults::new(self.seed),
                webhooks: webhooks::Webhooks::new(self.seed, self.webhook_urls, self.webhook_retry),
                oauth: OAuthServer::new(
                    self.seed,
                    std::iter::once(OAuthApp::for_seed(self.seed))
                        .chain(self.oauth_apps)
                        .collect(),
                    self.oauth_settings,
                ),
                state_file: self.state_file,
            }),
        };
        state.reset();
        state
    }

    /// Starts a server on `127.0.0.1` at a random port; returns once it accepts connections.
    /// Must be called inside a tokio runtime.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound (the machine is out of ports or forbids binding).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange / Act
    /// let server = mock_server::MockServer::builder().seed(3).start().await;
    /// // Assert
    /// assert!(server.uri().starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    pub async fn start(self) -> MockServer {
        let state = self.build_state();
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("binding 127.0.0.1:0 for the mock server");
        let address = listener
            .local_addr()
            .expect("a bound listener has a local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        MockServer {
            address,
            state,
            stop: Some(stop),
            task,
        }
    }
}

/// A running mock server, shut down when dropped. One per test; never shared.
#[derive(Debug)]
pub struct MockServer {
    address: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl MockServer {
    /// Starts a server with the defaults: no preloaded data, the seed [`DEFAULT_SEED`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange / Act
    /// let server = mock_server::MockServer::start().await;
    /// // Assert
    /// assert!(tokio::net::TcpStream::connect(server.address()).await.is_ok());
    /// # }
    /// ```
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// A builder for a customised server.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange / Act
    /// let server = mock_server::MockServer::builder().location_id("loc1").start().await;
    /// // Assert
    /// assert_eq!(server.location_id(), "loc1");
    /// # }
    /// ```
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The base URL, e.g. `http://127.0.0.1:53124` (no trailing slash).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = mock_server::MockServer::start().await;
    /// // Act
    /// let uri = server.uri();
    /// // Assert
    /// assert_eq!(uri, format!("http://{}", server.address()));
    /// # }
    /// ```
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The socket address the server listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange / Act
    /// let server = mock_server::MockServer::start().await;
    /// // Assert
    /// assert!(server.address().ip().is_loopback());
    /// # }
    /// ```
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The token accepted for [`MockServer::location_id`], with every scope of both APIs.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange / Act
    /// let server = mock_server::MockServer::start().await;
    /// // Assert
    /// assert!(server.dev_token().starts_with("pit-"));
    /// # }
    /// ```
    pub fn dev_token(&self) -> &str {
        self.state.dev_token()
    }

    /// The dev token's location.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange / Act
    /// let server = mock_server::MockServer::start().await;
    /// // Assert
    /// assert_eq!(server.location_id(), mock_server::DEFAULT_LOCATION_ID);
    /// # }
    /// ```
    pub fn location_id(&self) -> &str {
        self.state.location_id()
    }

    /// The server's default OAuth app (see [`AppState::oauth_app`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange / Act
    /// let server = mock_server::MockServer::start().await;
    /// // Assert
    /// assert_eq!(server.oauth_app(), mock_server::oauth::OAuthApp::for_seed(mock_server::DEFAULT_SEED));
    /// # }
    /// ```
    pub fn oauth_app(&self) -> OAuthApp {
        self.state.oauth_app()
    }

    /// Mints a single-use authorization code (see [`AppState::authorization_code`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use mock_server::oauth::AuthorizationRequest;
    /// // Arrange
    /// let server = mock_server::MockServer::start().await;
    /// // Act
    /// let first = server.authorization_code(&AuthorizationRequest::location(server.location_id()));
    /// let second = server.authorization_code(&AuthorizationRequest::company("comp1"));
    /// // Assert
    /// assert_ne!(first.expect("a code"), second.expect("a code"));
    /// # }
    /// ```
    pub fn authorization_code(&self, request: &AuthorizationRequest) -> Result<String, OAuthError> {
        self.state.authorization_code(request)
    }

    /// The server's state (its store, for arranging call logs or generation details).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # use serde_json::json;
    /// // Arrange
    /// let server = mock_server::MockServer::start().await;
    /// // Act
    /// server.state().store().add_generation(server.location_id(), "m1", "workflow", json!({}));
    /// // Assert
    /// assert!(server.state().store().conversation_get_generation(server.location_id(), "m1", "workflow").is_ok());
    /// # }
    /// ```
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The requests received so far, oldest first (see [`AppState::received_requests`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = mock_server::MockServer::start().await;
    /// // Act
    /// let received = server.received_requests();
    /// // Assert
    /// assert!(received.is_empty());
    /// # }
    /// ```
    pub fn received_requests(&self) -> Vec<ReceivedRequest> {
        self.state.received_requests()
    }

    /// Forgets everything since start (see [`AppState::reset`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # use serde_json::json;
    /// // Arrange
    /// let server = mock_server::MockServer::start().await;
    /// server.state().store().add_generation(server.location_id(), "m1", "workflow", json!({}));
    /// // Act
    /// server.reset();
    /// // Assert
    /// assert!(server.state().store().conversation_get_generation(server.location_id(), "m1", "workflow").is_err());
    /// # }
    /// ```
    pub fn reset(&self) {
        self.state.reset();
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

/// Serves `router(state)` on `listener` until `shutdown` completes (graceful).
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// // Arrange
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// let state = mock_server::MockServer::builder().build_state();
/// // Act / Assert: runs until Ctrl-C
/// mock_server::serve(listener, state, async { let _ = tokio::signal::ctrl_c().await; }).await
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// The whole API as an axum router over `state`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use axum::body::Body;
/// use axum::http::{Request, StatusCode};
/// use tower::ServiceExt;
/// // Arrange
/// let state = mock_server::MockServer::builder().build_state();
/// let request = Request::get(format!("/voice-ai/agents?locationId={}", state.location_id()))
///     .header("Version", "2021-04-15")
///     .header("Authorization", format!("Bearer {}", state.dev_token()))
///     .body(Body::empty())
///     .expect("a valid request");
/// // Act
/// let response = mock_server::router(state).oneshot(request).await.expect("infallible");
/// // Assert
/// assert_eq!(response.status(), StatusCode::OK);
/// # }
/// ```
pub fn router(state: AppState) -> Router {
    let mut voice = Router::new()
        .route(
            "/voice-ai/agents",
            post(va::agents::create_agent).get(va::agents::list_agents),
        )
        .route(
            "/voice-ai/agents/{agentId}",
            get(va::agents::get_agent)
                .patch(va::agents::patch_agent)
                .delete(va::agents::delete_agent),
        )
        .route("/voice-ai/actions", post(va::actions::create_action))
        .route(
            "/voice-ai/actions/{actionId}",
            put(va::actions::update_action)
                .get(va::actions::get_action)
                .delete(va::actions::delete_action),
        )
        .route(
            "/voice-ai/dashboard/call-logs",
            get(va::call_logs::list_call_logs),
        )
        .route(
            "/voice-ai/dashboard/call-logs/{callId}",
            get(va::call_logs::get_call_log),
        );
    if state.voices_enabled() {
        voice = voice
            .route("/voice-ai/voices", get(va::voices::list_voices))
            .route("/voice-ai/voices/{voiceId}", get(va::voices::get_voice));
    }
    let conversation = Router::new()
        .route("/conversation-ai/agents", post(ca::agents::create_agent))
        .route(
            "/conversation-ai/agents/search",
            get(ca::agents::search_agents),
        )
        .route(
            "/conversation-ai/agents/{agentId}",
            get(ca::agents::get_agent)
                .put(ca::agents::update_agent)
                .delete(ca::agents::delete_agent),
        )
        .route(
            "/conversation-ai/agents/{agentId}/actions",
            post(ca::actions::create_action),
        )
        .route(
            "/conversation-ai/agents/{agentId}/actions/list",
            get(ca::actions::list_actions),
        )
        .route(
            "/conversation-ai/agents/{agentId}/actions/{actionId}",
            get(ca::actions::get_action)
                .put(ca::actions::update_action)
                .delete(ca::actions::delete_action),
        )
        .route(
            "/conversation-ai/agents/{agentId}/followup-settings",
            axum::routing::patch(ca::followup::update_followup_settings),
        )
        .route(
            "/conversation-ai/generations",
            get(ca::generations::get_generation_details),
        );
    let oauth = Router::new()
        .route("/oauth/token", post(api::oauth::get_access_token))
        .route(
            "/oauth/locationToken",
            post(api::oauth::get_location_access_token),
        );
    voice
        .merge(conversation)
        .merge(oauth)
        .fallback(api::route_not_found)
        .method_not_allowed_fallback(api::route_not_found)
        .layer(middleware::from_fn_with_state(state.clone(), pipeline))
        .merge(admin::routes().layer(middleware::from_fn(log_request)))
        .with_state(state)
}

/// The API's middleware as one layer (one boxed future and one service clone per request
/// instead of five), outermost first: the request log line, the exchange journal
/// ([`journal`]), injected faults ([`faults`]), rate limiting ([`rate_limit`]: 429 over budget,
/// the `X-RateLimit-*` headers on every response while it is on) and the panic guard.
async fn pipeline(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    logged(request, |request| {
        journal::record_exchanges(&state, request, |request| {
            faults::inject(&state, request, |request| {
                rate_limit::enforce(&state, request, |request| catch_panic(request, next))
            })
        })
    })
    .await
}

/// The last resort: a handler that panics (a bug; no client input should reach one) yields a
/// 500 in the vendor shape instead of a dropped connection.
async fn catch_panic(request: Request, next: Next) -> Response {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(_) => error::ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
        )
        .into_response(),
    }
}

/// One `tracing` line per request: method, path, status, latency (the admin routes' layer).
async fn log_request(request: Request, next: Next) -> Response {
    logged(request, |request| next.run(request)).await
}

/// Runs `next`, then logs one `tracing` line: method, path, status, latency. Skipped (no path
/// copy, no clock read) when no subscriber wants `info`.
async fn logged<N, F>(request: Request, next: N) -> Response
where
    N: FnOnce(Request) -> F,
    F: Future<Output = Response>,
{
    if !tracing::enabled!(tracing::Level::INFO) {
        return next(request).await;
    }
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_the_router_names_is_in_the_embedded_specs() {
        let voice = [
            "createAgent",
            "listAgents",
            "getAgent",
            "patchAgent",
            "deleteAgent",
            "createAction",
            "updateAction",
            "getAction",
            "deleteAction",
            "listCallLogs",
            "getCallLog",
            "listVoices",
            "getVoice",
        ];
        let conversation = [
            "createAgent",
            "searchAgents",
            "getAgent",
            "updateAgent",
            "deleteAgent",
            "createAction",
            "listActions",
            "getAction",
            "updateAction",
            "deleteAction",
            "updateFollowupSettings",
            "getGenerationDetails",
        ];
        for id in voice {
            assert!(spec::voice_ai().operation(id).is_some(), "Voice AI {id}");
        }
        for id in conversation {
            assert!(
                spec::conversation_ai().operation(id).is_some(),
                "Conversation AI {id}"
            );
        }
    }
}
