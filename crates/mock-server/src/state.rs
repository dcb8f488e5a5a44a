//! [`AppState`]: the state behind the router (store, tokens, journal, faults, rate limiter,
//! webhooks, OAuth server), and every operation tests and the admin API perform on it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};

use serde_json::{Value, json};

use crate::admin::TokenDocument;
use crate::auth::{self, TokenRegistry, TokenSpec};
use crate::error::{self, ApiError};
use crate::faults::{self, FaultRule, Faults};
use crate::fixtures::Fixtures;
use crate::journal::{HeaderCapture, Journal, JournalEntry, ReceivedRequest, WebhookDelivery};
use crate::oauth::{
    self, AuthorizationRequest, OAuthApp, OAuthError, OAuthServer, OAuthSettings, OAuthTokens,
};
use crate::persistence::{self, STATE_VERSION};
use crate::rate_limit::{RateLimitConfig, RateLimiter};
use crate::store::{Store, StoreError};
use crate::webhooks::{self, Subscription, WebhookPublicKey, WebhookRetryPolicy, Webhooks};

/// The outcome of [`AppState::simulate_call`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedCall {
    /// The new call log, as `GET /voice-ai/dashboard/call-logs/{callId}` shows it.
    pub call_log: Value,
    /// The `webhookId` of the `VoiceAiCallEnd` event sent to the subscribers.
    pub webhook_id: String,
    /// How many subscribers the event was sent to.
    pub subscribers: usize,
}

fn store_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Invalid(messages) => ApiError::unprocessable(messages),
        StoreError::AgentNotFound(_) => ApiError::not_found("Agent not found"),
        other => ApiError::not_found(other.to_string()),
    }
}

pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) tokens: RwLock<TokenRegistry>,
    /// Every token in `tokens`, in registration order (the dev token first), for export.
    pub(crate) token_list: Mutex<Vec<TokenSpec>>,
    /// The tokens `reset` restores.
    pub(crate) initial_tokens: Vec<TokenSpec>,
    pub(crate) dev_token: String,
    pub(crate) location_id: String,
    pub(crate) fixtures: Fixtures,
    pub(crate) voices_enabled: bool,
    /// Call logs generated per start and reset (see [`MockServerBuilder::call_logs`]).
    pub(crate) call_logs: usize,
    pub(crate) journal: Journal,
    pub(crate) rate_limiter: RateLimiter,
    /// The rate limit `reset` restores.
    pub(crate) initial_rate_limit: Option<RateLimitConfig>,
    pub(crate) faults: faults::Faults,
    pub(crate) webhooks: webhooks::Webhooks,
    /// The bearer token every admin route needs, if any.
    pub(crate) admin_token: Option<String>,
    pub(crate) oauth: OAuthServer,
    pub(crate) render_cache: crate::api::render_cache::RenderCache,
    pub(crate) state_file: Option<PathBuf>,
    /// The validating proxy, when the server forwards to an upstream (see `crate::proxy`).
    pub(crate) proxy: Option<Arc<crate::proxy::Proxy>>,
    /// Request-body bytes the API may buffer at once, in KiB permits (see
    /// [`crate::MockServerBuilder::body_budget_bytes`]).
    pub(crate) body_budget: Arc<tokio::sync::Semaphore>,
    pub(crate) body_budget_bytes: usize,
    /// The one clock every time comes from (the store and the OAuth server hold clones).
    pub(crate) clock: crate::clock::Clock,
}

/// The shared state behind the router: the store, the tokens, and what `reset` restores.
#[derive(Clone)]
pub struct AppState {
    pub(crate) shared: Arc<Shared>,
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

    /// The token the admin API needs (see [`crate::MockServerBuilder::admin_token`]), if any.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert_eq!(state.admin_token(), None);
    /// ```
    pub fn admin_token(&self) -> Option<&str> {
        self.shared.admin_token.as_deref()
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
        self.shared.render_cache.clear();
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

    /// The requests received so far (as many as the journal's byte budget holds), oldest
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
    /// assert_eq!(state.oauth_app(), mock_server::OAuthApp::for_seed(4));
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
    /// use mock_server::OAuthApp;
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
    /// use mock_server::OAuthApp;
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
    /// use mock_server::{AuthorizationRequest, OAuthError};
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
    /// use mock_server::AuthorizationRequest;
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

    /// The request-body budget, in KiB permits (see [`MockServerBuilder::body_budget_bytes`]).
    pub(crate) fn body_budget(&self) -> &Arc<tokio::sync::Semaphore> {
        &self.shared.body_budget
    }

    /// The most request-body bytes the API buffers at once (see
    /// [`crate::MockServerBuilder::body_budget_bytes`]).
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert_eq!(state.body_budget_bytes(), mock_server::DEFAULT_BODY_BUDGET_BYTES);
    /// ```
    pub fn body_budget_bytes(&self) -> usize {
        self.shared.body_budget_bytes
    }

    pub(crate) fn render_cache(&self) -> &crate::api::render_cache::RenderCache {
        &self.shared.render_cache
    }

    pub(crate) fn oauth(&self) -> &OAuthServer {
        &self.shared.oauth
    }

    /// The bearer-token checks (`Version` header, token, class, scopes) over the registered tokens and the
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

    /// The journal's byte budget and header capture (see [`crate::MockServerBuilder::journal_bytes`]).
    ///
    /// ```
    /// use mock_server::{DEFAULT_JOURNAL_BYTES, HeaderCapture};
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert_eq!(state.journal_settings(), (DEFAULT_JOURNAL_BYTES, HeaderCapture::Lean));
    /// ```
    pub fn journal_settings(&self) -> (usize, HeaderCapture) {
        self.shared.journal.settings()
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
    pub(crate) fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    pub(crate) fn webhooks(&self) -> &Webhooks {
        &self.shared.webhooks
    }

    pub(crate) fn rate_limiter(&self) -> &RateLimiter {
        &self.shared.rate_limiter
    }

    /// The location of a known token.
    pub(crate) fn token_location(&self, token: &str) -> Option<String> {
        if let Some(spec) = self.tokens().get(token) {
            return Some(spec.location_id.clone());
        }
        match self.oauth().access_token(token) {
            crate::oauth::AccessLookup::Valid(spec) => Some(spec.location_id),
            _ => None,
        }
    }

    fn rebuild_tokens(&self, list: Vec<TokenSpec>) {
        let mut registry = TokenRegistry::default();
        for spec in &list {
            registry.insert(spec.clone());
        }
        *self
            .shared
            .tokens
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = registry;
        *self
            .shared
            .token_list
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = list;
    }

    /// Back to the tokens, limits, subscriptions and fault rules of the builder (part of
    /// [`AppState::reset`]).
    pub(crate) fn reset_admin(&self) {
        self.rebuild_tokens(self.shared.initial_tokens.clone());
        self.shared.faults.clear();
        self.shared.webhooks.reset();
        self.shared.oauth.reset();
        self.shared
            .rate_limiter
            .set_config(self.shared.initial_rate_limit);
    }

    /// Accepts one more token from now on (replacing one with the same text).
    ///
    /// ```
    /// use mock_server::TokenSpec;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// state.register_token(TokenSpec::location_pit("pit-extra", "loc2"));
    /// // Assert
    /// assert!(state.registered_tokens().iter().any(|t| t.token == "pit-extra"));
    /// ```
    pub fn register_token(&self, spec: TokenSpec) {
        let mut list = self.registered_tokens();
        list.retain(|t| t.token != spec.token);
        list.push(spec);
        self.rebuild_tokens(list);
    }

    /// Every token accepted now (the dev token first).
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// let tokens = state.registered_tokens();
    /// // Assert
    /// assert_eq!(tokens[0].token, state.dev_token());
    /// ```
    pub fn registered_tokens(&self) -> Vec<TokenSpec> {
        self.shared
            .token_list
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The whole state as a versioned JSON document (written atomically; see [`MockServerBuilder::state_file`](crate::MockServerBuilder::state_file)).
    ///
    /// ```
    /// use mock_server::Fixtures;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().fixtures(Fixtures::demo(1)).build_state();
    /// // Act
    /// let doc = state.export_state();
    /// // Assert
    /// assert_eq!(doc["version"], 1);
    /// assert_eq!(doc["locations"][state.location_id()]["voiceAgents"].as_array().map(Vec::len), Some(3));
    /// ```
    pub fn export_state(&self) -> Value {
        let tokens: Vec<TokenDocument> = self
            .registered_tokens()
            .iter()
            .map(TokenDocument::from)
            .collect();
        let subscriptions: Vec<Value> = self
            .webhook_subscriptions()
            .iter()
            .map(|s| json!({"id": s.id, "url": s.url}))
            .collect();
        json!({
            "version": STATE_VERSION,
            "seed": self.store().seed(),
            "locations": self.store().export_snapshot(),
            "tokens": tokens,
            "webhookSubscriptions": subscriptions,
        })
    }

    /// Replaces the state with a document from [`AppState::export_state`]: the store, the
    /// accepted tokens (the dev token stays accepted) and the webhook subscriptions. A bad
    /// document (400) changes nothing: an unknown `version` is one message; otherwise every
    /// problem is listed, each with its JSON path, judged with the rules the API holds requests
    /// to (the create operations' schemas and rules for agents and actions, an action's agent
    /// in its location, ids used once per list, the subscription route's URL check, `CallLog`
    /// for call logs kept as data).
    ///
    /// ```
    /// use mock_server::Fixtures;
    /// // Arrange
    /// let source = mock_server::MockServer::builder().fixtures(Fixtures::demo(1)).build_state();
    /// let target = mock_server::MockServer::builder().build_state();
    /// // Act
    /// target.import_state(&source.export_state()).expect("a valid document");
    /// // Assert
    /// assert_eq!(target.store().voice_list_agents(target.location_id(), None, 1, 10).0, 3);
    /// ```
    pub fn import_state(&self, document: &Value) -> Result<(), ApiError> {
        let bad = |m: String| ApiError::bad_request(format!("Invalid state document: {m}"));
        match document.get("version").and_then(Value::as_u64) {
            Some(STATE_VERSION) => {}
            Some(other) => {
                return Err(bad(format!(
                    "version {other} is not supported (expected {STATE_VERSION})"
                )));
            }
            None => return Err(bad("version must be a whole number".to_owned())),
        }
        // Every problem, judged with the API's own rules, before anything is replaced.
        let problems = crate::import_check::problems(
            document,
            self.location_id(),
            self.webhooks().allow_any(),
        );
        if !problems.is_empty() {
            return Err(ApiError::bad_request_listing(problems));
        }
        let mut tokens = Vec::new();
        for (i, t) in document
            .get("tokens")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let document: TokenDocument =
                serde_json::from_value(t.clone()).map_err(|e| bad(format!("tokens.{i}: {e}")))?;
            tokens.push(
                document
                    .into_spec(self.location_id())
                    .map_err(|p| bad(format!("tokens.{i}: {}", p.join("; "))))?,
            );
        }
        let mut subscriptions = Vec::new();
        for (i, s) in document
            .get("webhookSubscriptions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (Some(id), Some(url)) = (s["id"].as_str(), s["url"].as_str()) else {
                return Err(bad(format!(
                    "webhookSubscriptions.{i} needs string id and url"
                )));
            };
            subscriptions.push(Subscription {
                id: id.to_owned(),
                url: url.to_owned(),
            });
        }
        let locations = document.get("locations").cloned().unwrap_or(json!({}));
        self.store().import_snapshot(&locations).map_err(bad)?;
        let mut list = self.shared.initial_tokens.clone();
        for token in tokens {
            list.retain(|t| t.token != token.token);
            list.push(token);
        }
        self.rebuild_tokens(list);
        // A subscription the document drops or points elsewhere stops its deliveries in flight,
        // as an unsubscribe does.
        for old in self.webhooks().subscriptions() {
            if !subscriptions
                .iter()
                .any(|s| s.id == old.id && s.url == old.url)
            {
                self.webhooks().cancel(Some(&old.id));
                self.journal().cancel_deliveries(&old.id);
            }
        }
        self.webhooks().replace(subscriptions);
        Ok(())
    }

    /// The file set with [`crate::MockServerBuilder::state_file`] (`--state-file`), if any.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert_eq!(state.state_file(), None);
    /// ```
    pub fn state_file(&self) -> Option<&Path> {
        self.shared.state_file.as_deref()
    }

    /// Writes [`AppState::export_state`] to `path` atomically (blocking; see
    /// [`crate::persistence::write_atomically`]).
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// let path = std::env::temp_dir().join(format!("mock-save-doc-{}.json", std::process::id()));
    /// // Act
    /// state.save_state_to(&path).expect("written");
    /// // Assert
    /// assert!(std::fs::read_to_string(&path).expect("readable").contains("\"version\": 1"));
    /// # std::fs::remove_file(&path).expect("removed");
    /// ```
    pub fn save_state_to(&self, path: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(&self.export_state()).unwrap_or_default();
        persistence::write_atomically(path, &bytes)
    }

    /// Imports the state document at `path` if the file exists; `Ok(false)` when it does not.
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// let loaded = state.load_state_from(std::path::Path::new("/nonexistent/mock-state.json"));
    /// // Assert
    /// assert_eq!(loaded, Ok(false));
    /// ```
    pub fn load_state_from(&self, path: &Path) -> Result<bool, String> {
        match persistence::read_document(path)? {
            None => Ok(false),
            Some(document) => {
                self.import_state(&document)
                    .map(|()| true)
                    .map_err(|e| match e.message() {
                        error::ErrorMessage::One(m) => format!("{}: {m}", path.display()),
                        error::ErrorMessage::Many(ms) => format!(
                            "{}: not imported, {} problem(s):\n  {}",
                            path.display(),
                            ms.len(),
                            ms.join("\n  ")
                        ),
                    })
            }
        }
    }

    /// Creates a call log for the agent now (see [`crate::store::Store::simulate_call`]) and
    /// sends a `VoiceAiCallEnd` webhook to every subscriber (in the background: see
    /// [`AppState::wait_for_webhook_deliveries`]). An unknown agent → 404.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use mock_server::Fixtures;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().fixtures(Fixtures::demo(1)).build_state();
    /// let (_, agents) = state.store().voice_list_agents(state.location_id(), None, 1, 1);
    /// let agent_id = agents[0]["id"].as_str().expect("an id");
    /// // Act
    /// let call = state.simulate_call(state.location_id(), agent_id).expect("a known agent");
    /// // Assert
    /// assert_eq!(call.call_log["agentId"], agent_id);
    /// assert_eq!(call.subscribers, 0);
    /// # }
    /// ```
    pub fn simulate_call(
        &self,
        location_id: &str,
        agent_id: &str,
    ) -> Result<SimulatedCall, ApiError> {
        let call_log = self
            .store()
            .simulate_call(location_id, agent_id)
            .map_err(store_error)?;
        let subscribers = self.webhooks().subscriptions().len();
        let webhook_id = webhooks::send_call_end(self, location_id, &call_log);
        Ok(SimulatedCall {
            call_log,
            webhook_id,
            subscribers,
        })
    }

    /// Generates `count` call logs over the location's Voice AI agents (see
    /// [`crate::store::Store::generate_call_logs`]); 422 when the location has no agent.
    ///
    /// ```
    /// use mock_server::Fixtures;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().fixtures(Fixtures::demo(1)).build_state();
    /// // Act
    /// let added = state.generate_call_logs(state.location_id(), 50).expect("agents exist");
    /// // Assert
    /// assert_eq!(added, 50);
    /// ```
    pub fn generate_call_logs(&self, location_id: &str, count: usize) -> Result<usize, ApiError> {
        self.store()
            .generate_call_logs(location_id, count)
            .map_err(store_error)
    }

    /// Registers generation details for `GET /conversation-ai/generations` (see
    /// [`crate::store::Store::add_generation`]).
    ///
    /// ```
    /// use serde_json::json;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// state.add_generation(state.location_id(), "msg1", "conversation", json!({"prompt": "p"}));
    /// // Assert
    /// assert!(state.store().conversation_get_generation(state.location_id(), "msg1", "conversation").is_ok());
    /// ```
    pub fn add_generation(
        &self,
        location_id: &str,
        message_id: &str,
        source: &str,
        details: Value,
    ) {
        self.store()
            .add_generation(location_id, message_id, source, details);
    }

    /// The exchanges journaled so far (vendor routes only), oldest first.
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// let entries = state.journal_entries();
    /// // Assert
    /// assert!(entries.is_empty());
    /// ```
    pub fn journal_entries(&self) -> Vec<JournalEntry> {
        self.journal().exchanges()
    }

    /// Empties the journal: exchanges, received requests and webhook deliveries; the deliveries
    /// in flight are cancelled with their records.
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// state.clear_journal();
    /// // Assert
    /// assert!(state.received_requests().is_empty());
    /// ```
    pub fn clear_journal(&self) {
        self.webhooks().cancel(None);
        self.journal().clear();
    }

    /// Adds a fault rule; returns it with its id.
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::FaultRule;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// let rule = state.add_fault(FaultRule::status(None, "/voice-ai/*", StatusCode::SERVICE_UNAVAILABLE).times(1));
    /// // Assert
    /// assert_eq!(rule.id, "fault-1");
    /// assert_eq!(state.fault_rules().len(), 1);
    /// ```
    pub fn add_fault(&self, rule: FaultRule) -> FaultRule {
        self.faults().add(rule)
    }

    /// The fault rules in force, in the order they are checked.
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act / Assert
    /// assert!(state.fault_rules().is_empty());
    /// ```
    pub fn fault_rules(&self) -> Vec<FaultRule> {
        self.faults().list()
    }

    /// Removes one fault rule; false when there is none with this id.
    ///
    /// ```
    /// use mock_server::FaultRule;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// let rule = state.add_fault(FaultRule { latency: Some(mock_server::Latency::Fixed(std::time::Duration::from_millis(1))), ..FaultRule::new() });
    /// // Act
    /// let removed = state.remove_fault(&rule.id);
    /// // Assert
    /// assert!(removed);
    /// ```
    pub fn remove_fault(&self, id: &str) -> bool {
        self.faults().remove(id)
    }

    /// Removes every fault rule and re-seeds the fault generator.
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::FaultRule;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// state.add_fault(FaultRule::status(None, "*", StatusCode::BAD_GATEWAY));
    /// // Act
    /// state.clear_faults();
    /// // Assert
    /// assert!(state.fault_rules().is_empty());
    /// ```
    pub fn clear_faults(&self) {
        self.faults().clear();
    }

    /// The rate limit in force, if any.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert_eq!(state.rate_limit(), None);
    /// ```
    pub fn rate_limit(&self) -> Option<RateLimitConfig> {
        self.rate_limiter().config()
    }

    /// Switches rate limiting on (with these limits) or off; every window starts afresh.
    ///
    /// ```
    /// use mock_server::RateLimitConfig;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// state.set_rate_limit(Some(RateLimitConfig::vendor()));
    /// // Assert
    /// assert_eq!(state.rate_limit(), Some(RateLimitConfig::vendor()));
    /// ```
    pub fn set_rate_limit(&self, config: Option<RateLimitConfig>) {
        self.rate_limiter().set_config(config);
    }

    /// Subscribes a plain `http://` URL to the webhooks; 422 for a URL
    /// [`AppState::check_webhook_url`] refuses.
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// let sub = state.add_webhook_subscription("http://127.0.0.1:9/hook").expect("an http URL");
    /// // Assert
    /// assert_eq!(sub.id, "sub-1");
    /// ```
    pub fn add_webhook_subscription(&self, url: &str) -> Result<Subscription, ApiError> {
        self.check_webhook_url(url)
            .map_err(|m| ApiError::unprocessable(vec![m]))?;
        Ok(self.webhooks().subscribe(url.to_owned()))
    }

    /// Whether `url` may be a webhook target on this server: [`crate::check_url`]'s rule, or
    /// with [`crate::MockServerBuilder::webhook_allow_any`] any `http://` URL.
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// let metadata = state.check_webhook_url("http://metadata.google.internal/");
    /// // Assert
    /// assert!(metadata.is_err_and(|m| m.contains("--webhook-allow-any")));
    /// assert!(state.check_webhook_url("http://10.0.0.5:8080/hook").is_ok());
    /// ```
    pub fn check_webhook_url(&self, url: &str) -> Result<(), String> {
        webhooks::check_target(url, self.webhooks().allow_any())
    }

    /// The webhook subscriptions.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert!(state.webhook_subscriptions().is_empty());
    /// ```
    pub fn webhook_subscriptions(&self) -> Vec<Subscription> {
        self.webhooks().subscriptions()
    }

    /// Removes a webhook subscription and cancels its deliveries in flight (their records say
    /// `cancelled`); false when there is none with this id.
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().webhook_url("http://127.0.0.1:9/h").build_state();
    /// // Act
    /// let removed = state.remove_webhook_subscription("sub-1");
    /// // Assert
    /// assert!(removed && state.webhook_subscriptions().is_empty());
    /// ```
    pub fn remove_webhook_subscription(&self, id: &str) -> bool {
        if !self.webhooks().unsubscribe(id) {
            return false;
        }
        self.webhooks().cancel(Some(id));
        self.journal().cancel_deliveries(id);
        true
    }

    /// The public half of the webhook signing key (derived from the seed).
    ///
    /// ```
    /// // Arrange
    /// let a = mock_server::MockServer::builder().seed(1).build_state();
    /// let b = mock_server::MockServer::builder().seed(1).build_state();
    /// // Act / Assert
    /// assert_eq!(a.webhook_public_key(), b.webhook_public_key());
    /// ```
    pub fn webhook_public_key(&self) -> WebhookPublicKey {
        self.webhooks().public_key()
    }

    /// The webhook deliveries so far (one per event and subscriber, with every attempt).
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert!(state.webhook_deliveries().is_empty());
    /// ```
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.journal().deliveries_list()
    }

    /// The retry policy of webhook deliveries.
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert_eq!(state.webhook_retry_policy().max_attempts, 6);
    /// ```
    pub fn webhook_retry_policy(&self) -> WebhookRetryPolicy {
        self.webhooks().policy()
    }

    /// Changes the retry policy of deliveries started from now on, clamped into its bounds
    /// ([`WebhookRetryPolicy::bounded`]).
    ///
    /// ```
    /// use mock_server::WebhookRetryPolicy;
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// state.set_webhook_retry_policy(WebhookRetryPolicy { max_attempts: 1, ..Default::default() });
    /// // Assert
    /// assert_eq!(state.webhook_retry_policy().max_attempts, 1);
    /// ```
    pub fn set_webhook_retry_policy(&self, policy: WebhookRetryPolicy) {
        self.webhooks().set_policy(policy);
    }

    /// Waits until every webhook delivery started so far has finished (delivered or out of
    /// attempts).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// state.wait_for_webhook_deliveries().await;
    /// // Assert
    /// assert!(state.webhook_deliveries().is_empty());
    /// # }
    /// ```
    pub async fn wait_for_webhook_deliveries(&self) {
        loop {
            let handles = self.webhooks().take_in_flight();
            if handles.is_empty() {
                return;
            }
            for handle in handles {
                let _ = handle.await;
            }
        }
    }
}
