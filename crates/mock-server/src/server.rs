//! [`MockServer`], the running server a test starts (wiremock-style), and its builder.
//!
//! `MockServer::start().await` binds `127.0.0.1:0`, returns once the port accepts connections
//! and stops when dropped. [`MockServerBuilder`] holds every start-up setting; `build_state`
//! gives the [`AppState`] alone, for `router(state).oneshot(request)` tests without a socket.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::{TokenRegistry, TokenSpec};
use crate::clock::{Clock, ClockSetting};
use crate::connections::{self, ConnectionLimits};
use crate::faults;
use crate::fixtures::Fixtures;
use crate::journal::{DEFAULT_JOURNAL_BYTES, HeaderCapture, Journal, ReceivedRequest};
use crate::oauth::{AuthorizationRequest, OAuthApp, OAuthError, OAuthServer, OAuthSettings};
use crate::proxy::{Proxy, ProxyConfig};
use crate::rate_limit::{RateLimitConfig, RateLimiter};
use crate::state::{AppState, Shared};
use crate::store::Store;
use crate::webhooks::{self, WebhookRetryPolicy};

/// The request-body bytes the API buffers at once across all connections when not told
/// otherwise (64 MiB); see [`MockServerBuilder::body_budget_bytes`].
pub const DEFAULT_BODY_BUDGET_BYTES: usize = 64 * 1024 * 1024;

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
    webhook_allow_any: bool,
    admin_token: Option<String>,
    state_file: Option<PathBuf>,
    oauth_apps: Vec<OAuthApp>,
    oauth_settings: OAuthSettings,
    journal_bytes: usize,
    journal_capture: HeaderCapture,
    upstream: Option<ProxyConfig>,
    clock: ClockSetting,
    limits: ConnectionLimits,
    body_budget: usize,
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
            webhook_allow_any: false,
            admin_token: None,
            state_file: None,
            oauth_apps: Vec::new(),
            oauth_settings: OAuthSettings::default(),
            journal_bytes: DEFAULT_JOURNAL_BYTES,
            journal_capture: HeaderCapture::Lean,
            upstream: None,
            clock: ClockSetting::Real,
            limits: ConnectionLimits::default(),
            body_budget: DEFAULT_BODY_BUDGET_BYTES,
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
    /// let open = mock_server::MockServer::builder().dev_token_any_location(true).build_state();
    /// let strict = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert!(open.registered_tokens()[0].any_location);
    /// assert!(!strict.registered_tokens()[0].any_location);
    /// ```
    pub fn dev_token_any_location(mut self, any: bool) -> Self {
        self.any_location = any;
        self
    }

    /// Accepts one more token (e.g. one lacking a scope, or an agency token).
    ///
    /// ```
    /// use mock_server::TokenSpec;
    /// // Arrange / Act
    /// let readonly = TokenSpec::location_pit("pit-readonly", "loc").with_scopes(["conversation-ai.readonly"]);
    /// let state = mock_server::MockServer::builder().token(readonly.clone()).build_state();
    /// // Assert
    /// assert!(state.registered_tokens().contains(&readonly));
    /// ```
    pub fn token(mut self, token: TokenSpec) -> Self {
        self.tokens.push(token);
        self
    }

    /// Records to preload (and to restore on reset).
    ///
    /// ```
    /// use mock_server::Fixtures;
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
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use axum::{body::Body, http::Request};
    /// use tower::ServiceExt;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().voices(false).build_state();
    /// let request = Request::get("/voice-ai/voices")
    ///     .header("Version", "2021-04-15")
    ///     .header("Authorization", format!("Bearer {}", state.dev_token()))
    ///     .body(Body::empty())
    ///     .expect("a valid request");
    /// // Act
    /// let response = mock_server::router(state).oneshot(request).await.expect("infallible");
    /// // Assert: no such route
    /// assert_eq!(response.status(), 404);
    /// # }
    /// ```
    pub fn voices(mut self, enabled: bool) -> Self {
        self.voices = enabled;
        self
    }

    /// Generates `n` call logs per location at start and on every reset, spread over each
    /// location's Voice AI agents (so it needs fixtures with agents; a location without gets
    /// none), over the 90 days before the clock's now. Deterministic per seed and clock instant;
    /// see [`crate::store::Store::generate_call_logs`].
    ///
    /// ```
    /// use mock_server::Fixtures;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().fixtures(Fixtures::demo(1)).call_logs(100).build_state();
    /// // Assert
    /// assert_eq!(state.store().call_log_count(state.location_id()), 100 + 1);
    /// ```
    pub fn call_logs(mut self, n: usize) -> Self {
        self.call_logs = n;
        self
    }

    /// Enforces rate limits like the live API's (default: none; see [`RateLimitConfig`](crate::RateLimitConfig)).
    ///
    /// ```
    /// use mock_server::RateLimitConfig;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder()
    ///     .rate_limit(RateLimitConfig::vendor())
    ///     .build_state();
    /// // Assert
    /// assert_eq!(state.rate_limit(), Some(RateLimitConfig::vendor()));
    /// assert_eq!(mock_server::MockServer::builder().build_state().rate_limit(), None);
    /// ```
    pub fn rate_limit(mut self, config: RateLimitConfig) -> Self {
        self.rate_limit = Some(config);
        self
    }

    /// The request journal's budget in bytes (default 32 MiB; the oldest exchanges are dropped
    /// first; 0 switches the journal off). See [`JournalEntry`](crate::JournalEntry).
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().journal_bytes(0).build_state();
    /// // Assert
    /// assert_eq!(state.journal_settings().0, 0);
    /// ```
    pub fn journal_bytes(mut self, bytes: usize) -> Self {
        self.journal_bytes = bytes;
        self
    }

    /// Which request headers the journal keeps (default [`HeaderCapture::Lean`]: the few the API
    /// reads; [`HeaderCapture::Full`]: every one, at the cost of a header-map copy per request).
    ///
    /// ```
    /// use mock_server::HeaderCapture;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().journal_capture(HeaderCapture::Full).build_state();
    /// // Assert
    /// assert_eq!(state.journal_settings().1, HeaderCapture::Full);
    /// ```
    pub fn journal_capture(mut self, capture: HeaderCapture) -> Self {
        self.journal_capture = capture;
        self
    }

    /// Registers one more OAuth app besides the one derived from the seed (see
    /// [`AppState::oauth_app`]); repeatable.
    ///
    /// ```
    /// use mock_server::OAuthApp;
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
    /// use mock_server::AuthorizationRequest;
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

    /// Where the server's clock starts (default [`ClockSetting::Real`]; `--clock`): frozen at
    /// an instant, every time the mock hands out (timestamps, generated call logs, token
    /// lifetimes, rate-limit windows, the journal) is reproducible. See [`Clock`].
    ///
    /// ```
    /// use mock_server::{ClockSetting, Fixtures};
    /// // Arrange
    /// let at = "2026-03-02T09:00:00Z".parse().expect("an instant");
    /// // Act
    /// let state = mock_server::MockServer::builder()
    ///     .clock(ClockSetting::Frozen(at))
    ///     .fixtures(Fixtures::demo(1))
    ///     .build_state();
    /// // Assert
    /// assert_eq!(state.now(), at);
    /// let (_, logs) = state.store().voice_list_call_logs(state.location_id(), &Default::default(), 1, 1);
    /// assert!(logs[0]["createdAt"].as_str().expect("a time") < "2026-03-02T09:00:00.000Z");
    /// ```
    pub fn clock(mut self, setting: ClockSetting) -> Self {
        self.clock = setting;
        self
    }

    /// The state, for [`router`](crate::router) (tests with `tower::ServiceExt::oneshot`, or a
    /// custom server).
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
        let clock = Clock::new(self.clock);
        let state = AppState {
            shared: Arc::new(Shared {
                store: Store::with_clock(self.seed, clock.clone()),
                tokens: RwLock::new(TokenRegistry::default()),
                token_list: Mutex::new(Vec::new()),
                initial_tokens,
                dev_token,
                location_id: self.location_id,
                fixtures: self.fixtures,
                voices_enabled: self.voices,
                call_logs: self.call_logs,
                journal: Journal::new(self.journal_bytes, self.journal_capture),
                rate_limiter: RateLimiter::new(self.rate_limit),
                initial_rate_limit: self.rate_limit,
                faults: faults::Faults::new(self.seed),
                webhooks: webhooks::Webhooks::new(
                    self.seed,
                    self.webhook_urls,
                    self.webhook_retry,
                    self.webhook_allow_any,
                ),
                admin_token: self.admin_token,
                oauth: OAuthServer::new(
                    self.seed,
                    std::iter::once(OAuthApp::for_seed(self.seed))
                        .chain(self.oauth_apps)
                        .collect(),
                    self.oauth_settings,
                    clock.clone(),
                ),
                render_cache: Default::default(),
                state_file: self.state_file,
                proxy: self.upstream.map(|config| Arc::new(Proxy::new(config))),
                clock,
                body_budget: Arc::new(tokio::sync::Semaphore::new(self.body_budget / 1024)),
                body_budget_bytes: self.body_budget,
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
        let limits = self.limits;
        let state = self.build_state();
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("binding 127.0.0.1:0 for the mock server");
        let address = listener
            .local_addr()
            .expect("a bound listener has a local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_with_limits(
            listener,
            state.clone(),
            limits,
            async move {
                let _ = stopped.await;
            },
        ));
        MockServer {
            address,
            state,
            stop: Some(stop),
            task,
        }
    }
    /// Subscribes `url` (plain `http://`) to the webhooks, at start and after every reset.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().webhook_url("http://127.0.0.1:9/hook").build_state();
    /// // Assert
    /// assert_eq!(state.webhook_subscriptions()[0].url, "http://127.0.0.1:9/hook");
    /// ```
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_urls.push(url.into());
        self
    }

    /// How webhook deliveries are retried (default [`WebhookRetryPolicy::default`]).
    ///
    /// ```
    /// use mock_server::WebhookRetryPolicy;
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder()
    ///     .webhook_retry(WebhookRetryPolicy { max_attempts: 2, ..Default::default() })
    ///     .build_state();
    /// // Assert
    /// assert_eq!(state.webhook_retry_policy().max_attempts, 2);
    /// ```
    pub fn webhook_retry(mut self, policy: WebhookRetryPolicy) -> Self {
        self.webhook_retry = policy;
        self
    }

    /// Makes the server a validating proxy in front of an upstream (see [`ProxyConfig`]):
    /// vendor-route requests are checked against the specs, forwarded, and the answers checked
    /// too; the admin API stays local and lists what broke at `GET /__mock/violations`.
    ///
    /// ```
    /// use mock_server::ProxyConfig;
    /// // Arrange
    /// let config = ProxyConfig::new("http://127.0.0.1:9").expect("a valid URL");
    /// // Act
    /// let state = mock_server::MockServer::builder().upstream(config).build_state();
    /// // Assert
    /// assert!(state.violations().is_empty());
    /// ```
    pub fn upstream(mut self, config: ProxyConfig) -> Self {
        self.upstream = Some(config);
        self
    }

    /// Lets webhook subscriptions name any `http://` target, link-local and cloud-metadata
    /// addresses and URLs with credentials included (default false: those are refused, see
    /// [`check_url`](crate::check_url); `--webhook-allow-any`).
    ///
    /// ```
    /// // Arrange
    /// let strict = mock_server::MockServer::builder().build_state();
    /// let open = mock_server::MockServer::builder().webhook_allow_any(true).build_state();
    /// // Act
    /// let refused = strict.add_webhook_subscription("http://169.254.169.254/latest/meta-data/");
    /// let accepted = open.add_webhook_subscription("http://169.254.169.254/latest/meta-data/");
    /// // Assert
    /// assert!(refused.is_err() && accepted.is_ok());
    /// ```
    pub fn webhook_allow_any(mut self, allow: bool) -> Self {
        self.webhook_allow_any = allow;
        self
    }

    /// Makes every admin route (`/__mock/…`) need `Authorization: Bearer <token>` (default: no
    /// token; `--admin-token`). [`MockServer::admin_token`] and [`AppState::admin_token`] give it
    /// back; the in-process methods of [`AppState`] need none.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().admin_token("adm-1").build_state();
    /// // Assert
    /// assert_eq!(state.admin_token(), Some("adm-1"));
    /// ```
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// How long a connection may take to send a whole request head (default 30 s): a silent,
    /// half-sent or idle kept-alive connection is closed after it. See [`ConnectionLimits`].
    ///
    /// ```
    /// use std::time::Duration;
    /// // Arrange / Act
    /// let builder = mock_server::MockServer::builder().header_read_timeout(Duration::from_secs(5));
    /// // Assert
    /// assert_eq!(builder.connection_limits().header_read_timeout, Duration::from_secs(5));
    /// ```
    pub fn header_read_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// How long a request body may take to arrive whole, counted from its head (default 30 s;
    /// the API answers 408 past it). See [`ConnectionLimits`].
    ///
    /// ```
    /// use std::time::Duration;
    /// // Arrange / Act
    /// let builder = mock_server::MockServer::builder().body_read_timeout(Duration::from_secs(5));
    /// // Assert
    /// assert_eq!(builder.connection_limits().body_read_timeout, Duration::from_secs(5));
    /// ```
    pub fn body_read_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.limits.body_read_timeout = timeout;
        self
    }

    /// The most connections open at once (default 1024; at least 1). At the cap a new
    /// connection closes the oldest one that has not sent a whole request head yet, or is
    /// itself closed when every open one is serving requests. See [`ConnectionLimits`].
    ///
    /// ```
    /// // Arrange / Act
    /// let builder = mock_server::MockServer::builder().max_connections(64);
    /// // Assert
    /// assert_eq!(builder.connection_limits().max_connections, 64);
    /// ```
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max.max(1);
        self
    }

    /// The most request-body bytes the API buffers at once, across all connections (default
    /// [`DEFAULT_BODY_BUDGET_BYTES`]; at least [`crate::BODY_LIMIT`], one whole body). A request
    /// reserves its declared length (1 MiB when undeclared) before its body is read and keeps
    /// it until its response is ready; past the budget, bodies wait their turn (each one's
    /// read timeout still runs). This bounds memory under many concurrent large uploads.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().body_budget_bytes(8 << 20).build_state();
    /// // Assert
    /// assert_eq!(state.body_budget_bytes(), 8 << 20);
    /// ```
    pub fn body_budget_bytes(mut self, bytes: usize) -> Self {
        self.body_budget = bytes.max(crate::BODY_LIMIT);
        self
    }

    /// The read timeouts and connection cap [`MockServerBuilder::start`] serves with.
    ///
    /// ```
    /// // Arrange / Act
    /// let limits = mock_server::MockServer::builder().connection_limits();
    /// // Assert
    /// assert_eq!(limits, mock_server::ConnectionLimits::default());
    /// ```
    pub fn connection_limits(&self) -> ConnectionLimits {
        self.limits
    }

    /// The file `POST /__mock/state/save` (and the binary, on shutdown) writes the state to.
    /// The builder does not load it; see [`AppState::load_state_from`].
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().state_file("/tmp/mock-state.json").build_state();
    /// // Assert
    /// assert_eq!(state.state_file(), Some(std::path::Path::new("/tmp/mock-state.json")));
    /// ```
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
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

    /// The token the admin API needs as `Authorization: Bearer …`, if one was set with
    /// [`MockServerBuilder::admin_token`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange / Act
    /// let server = mock_server::MockServer::builder().admin_token("adm-1").start().await;
    /// // Assert
    /// assert_eq!(server.admin_token(), Some("adm-1"));
    /// assert_eq!(mock_server::MockServer::start().await.admin_token(), None);
    /// # }
    /// ```
    pub fn admin_token(&self) -> Option<&str> {
        self.state.admin_token()
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
    /// assert_eq!(server.oauth_app(), mock_server::OAuthApp::for_seed(mock_server::DEFAULT_SEED));
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
    /// use mock_server::AuthorizationRequest;
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
        // Connections run in their own tasks: end the dashboard streams they would hold open.
        self.state.journal().live().close();
        self.task.abort();
    }
}

/// Serves `router(state)` on `listener` with the default [`ConnectionLimits`] until `shutdown`
/// completes (graceful).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // Arrange: a shutdown signal that has already fired (the binary passes Ctrl-C/SIGTERM)
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let state = mock_server::MockServer::builder().build_state();
/// // Act
/// let outcome = mock_server::serve(listener, state, async {}).await;
/// // Assert: it shut down cleanly
/// assert!(outcome.is_ok());
/// # Ok(())
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_limits(listener, state, ConnectionLimits::default(), shutdown).await
}

/// Serves `router(state)` on `listener` within `limits` (read timeouts, connection cap) until
/// `shutdown` completes; requests in progress then get up to 5 s to finish.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use std::time::Duration;
/// use mock_server::ConnectionLimits;
/// // Arrange
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let state = mock_server::MockServer::builder().build_state();
/// let limits = ConnectionLimits { max_connections: 16, ..ConnectionLimits::default() };
/// // Act
/// let outcome = mock_server::serve_with_limits(listener, state, limits, async {}).await;
/// // Assert
/// assert!(outcome.is_ok());
/// # Ok(())
/// # }
/// ```
pub async fn serve_with_limits(
    listener: TcpListener,
    state: AppState,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Open dashboard streams never end by themselves: end them so shutdown need not wait.
    let live = state.clone();
    let shutdown = async move {
        shutdown.await;
        live.journal().live().close();
    };
    connections::serve(listener, crate::routes::App::new(state), limits, shutdown).await
}
