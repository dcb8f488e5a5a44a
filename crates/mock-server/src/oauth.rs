//! The mock's OAuth authorization server: apps, authorization codes, rotating refresh tokens and
//! the JWT-shaped access tokens it issues (no HTTP here; `api::oauth` serves it).
//!
//! - An [`OAuthApp`] is a client id and secret. The builder registers one derived from the seed
//!   and any number more ([`crate::MockServerBuilder::oauth_app`]).
//! - A test mints a single-use authorization code for an [`AuthorizationRequest`] (a Location or
//!   a Company install, with scopes), then exchanges it at `POST /oauth/token`.
//! - Every exchange or refresh issues a new pair. Refresh tokens rotate: a used one stops
//!   working, except that the same `client_id` + `client_secret` + `refresh_token` presented
//!   again within the refresh window (30 s, as the vendor's changelog says) gets the very same
//!   new pair, so concurrent refreshes agree.
//! - Access tokens live for the configured lifetime (default 86 399 s, the vendor's
//!   `expires_in`); after that the API routes refuse them as invalid tokens. They are JWT-shaped
//!   (`base64url(header).base64url(payload).base64url(HMAC-SHA256)`) with the claims clients
//!   read: `authClass`, `authClassId`, `primaryAuthClassId`, `source`, `sourceId`, `channel`,
//!   `scope`, `iat`, `exp`.
//! - An agency (Company) token with `oauth.write` can mint a location token
//!   (`POST /oauth/locationToken`); it has no refresh token.
//!
//! Issued tokens, codes and refresh tokens are not part of state documents: a reset forgets
//! them (the apps come back from the builder), and an import leaves them as they are.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::Clock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use ring::hmac;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{ALL_SCOPES, TokenKind, TokenSpec, UserType};

/// The access-token lifetime when none is configured (the vendor's `expires_in`).
pub(crate) const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(86_399);
/// How long a used refresh token still yields the pair it was exchanged for.
pub(crate) const DEFAULT_REFRESH_WINDOW: Duration = Duration::from_secs(30);
/// The company of grants that name none (20 characters, like HighLevel's ids).
pub const DEFAULT_COMPANY_ID: &str = "mockCompany000000001";
/// The scope an agency token needs for `POST /oauth/locationToken`.
pub(crate) const LOCATION_TOKEN_SCOPE: &str = "oauth.write";
/// The scopes a minted location token gains besides its agency token's.
const OAUTH_SCOPES: [&str; 2] = ["oauth.readonly", "oauth.write"];
/// Expired access tokens and dead refresh tokens are swept once this many are kept.
const SWEEP_AT: usize = 4096;

/// A registered OAuth client (a marketplace app).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthApp {
    /// The `client_id`, shaped like HighLevel's: `<appId>-<suffix>`.
    pub client_id: String,
    /// The `client_secret`.
    pub client_secret: String,
}

impl OAuthApp {
    /// An app with this id and secret.
    ///
    /// ```
    /// use mock_server::OAuthApp;
    /// // Arrange / Act
    /// let app = OAuthApp::new("66aa00bb11cc22dd33ee44ff-lz1x2y3z", "s3cret");
    /// // Assert
    /// assert_eq!(app.app_id(), "66aa00bb11cc22dd33ee44ff");
    /// assert_eq!(app.client_secret, "s3cret");
    /// ```
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// The app derived from a seed (the one every server has): a 24-hex app id with an
    /// 8-character suffix, and a UUID-shaped secret.
    ///
    /// ```
    /// use mock_server::OAuthApp;
    /// // Arrange / Act
    /// let app = OAuthApp::for_seed(1);
    /// // Assert
    /// assert_eq!(app, OAuthApp::for_seed(1));
    /// assert_ne!(app, OAuthApp::for_seed(2));
    /// assert_eq!(app.client_id.len(), 24 + 1 + 8);
    /// ```
    pub fn for_seed(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6f61_7574_6831);
        let app_id = hex(&mut rng, 24);
        let suffix = hex(&mut rng, 8);
        let secret = hex(&mut rng, 32);
        Self {
            client_id: format!("{app_id}-{suffix}"),
            client_secret: format!(
                "{}-{}-{}-{}-{}",
                &secret[0..8],
                &secret[8..12],
                &secret[12..16],
                &secret[16..20],
                &secret[20..32]
            ),
        }
    }

    /// The app id: the client id up to its first `-` (the whole id when it has none).
    ///
    /// ```
    /// use mock_server::OAuthApp;
    /// // Arrange
    /// let app = OAuthApp::new("plain", "s");
    /// // Act / Assert
    /// assert_eq!(app.app_id(), "plain");
    /// ```
    pub fn app_id(&self) -> &str {
        self.client_id
            .split_once('-')
            .map_or(self.client_id.as_str(), |(id, _)| id)
    }
}

fn hex(rng: &mut ChaCha8Rng, len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    while out.len() < len {
        out.push_str(&format!("{:016x}", rng.next_u64()));
    }
    out.truncate(len);
    out
}

/// What an authorization code grants: who installed the app, where, with which scopes.
///
/// ```
/// use mock_server::UserType;
/// use mock_server::AuthorizationRequest;
/// // Arrange / Act
/// let request = AuthorizationRequest::company("comp1").approved_locations(["loc1", "loc2"]);
/// // Assert
/// assert_eq!(request.user_type, UserType::Company);
/// assert_eq!(request.approved_locations.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// The app (default: the server's first app).
    pub client_id: Option<String>,
    /// A Location (sub-account) or Company (agency) install.
    pub user_type: UserType,
    /// The location of a Location install.
    pub location_id: Option<String>,
    /// The company (default [`DEFAULT_COMPANY_ID`]).
    pub company_id: Option<String>,
    /// The scopes granted (default: every scope of both APIs plus `oauth.readonly` and
    /// `oauth.write`).
    pub scopes: Option<Vec<String>>,
    /// The locations a Company install covers (default: none listed).
    pub approved_locations: Vec<String>,
    /// The installing user (default: derived from the code).
    pub user_id: Option<String>,
}

impl AuthorizationRequest {
    /// A sub-account install in `location_id`.
    ///
    /// ```
    /// use mock_server::AuthorizationRequest;
    /// // Arrange / Act
    /// let request = AuthorizationRequest::location("loc1");
    /// // Assert
    /// assert_eq!(request.location_id.as_deref(), Some("loc1"));
    /// ```
    pub fn location(location_id: impl Into<String>) -> Self {
        Self {
            client_id: None,
            user_type: UserType::Location,
            location_id: Some(location_id.into()),
            company_id: None,
            scopes: None,
            approved_locations: Vec::new(),
            user_id: None,
        }
    }

    /// An agency install in `company_id`.
    ///
    /// ```
    /// use mock_server::AuthorizationRequest;
    /// // Arrange / Act
    /// let request = AuthorizationRequest::company("comp1");
    /// // Assert
    /// assert_eq!(request.company_id.as_deref(), Some("comp1"));
    /// assert_eq!(request.location_id, None);
    /// ```
    pub fn company(company_id: impl Into<String>) -> Self {
        Self {
            company_id: Some(company_id.into()),
            user_type: UserType::Company,
            location_id: None,
            ..Self::location("")
        }
    }

    /// Only these scopes.
    ///
    /// ```
    /// use mock_server::AuthorizationRequest;
    /// // Arrange / Act
    /// let request = AuthorizationRequest::location("loc1").scopes(["voice-ai-agents.readonly"]);
    /// // Assert
    /// assert_eq!(request.scopes, Some(vec!["voice-ai-agents.readonly".to_owned()]));
    /// ```
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// For another registered app.
    ///
    /// ```
    /// use mock_server::AuthorizationRequest;
    /// // Arrange / Act
    /// let request = AuthorizationRequest::location("loc1").client_id("app-2");
    /// // Assert
    /// assert_eq!(request.client_id.as_deref(), Some("app-2"));
    /// ```
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The locations a Company install covers (the locations it may mint tokens for).
    ///
    /// ```
    /// use mock_server::AuthorizationRequest;
    /// // Arrange / Act
    /// let request = AuthorizationRequest::company("c").approved_locations(["l1"]);
    /// // Assert
    /// assert_eq!(request.approved_locations, vec!["l1".to_owned()]);
    /// ```
    pub fn approved_locations<I, S>(mut self, locations: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.approved_locations = locations.into_iter().map(Into::into).collect();
        self
    }
}

/// The answer of `POST /oauth/token`, field for field as the vendor names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthTokens {
    /// The JWT-shaped access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// The refresh token (single use; see the module notes).
    pub refresh_token: String,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// `Location` or `Company`.
    #[serde(rename = "userType")]
    pub user_type: String,
    /// The location of a Location token.
    #[serde(
        rename = "locationId",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub location_id: Option<String>,
    /// The company.
    #[serde(rename = "companyId")]
    pub company_id: String,
    /// The locations a Company install covers.
    #[serde(rename = "approvedLocations", default)]
    pub approved_locations: Vec<String>,
    /// The installing user.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// The plan the app was installed on.
    #[serde(rename = "planId")]
    pub plan_id: String,
    /// Whether this was a bulk (agency-wide) install.
    #[serde(rename = "isBulkInstallation")]
    pub is_bulk_installation: bool,
}

/// The answer of `POST /oauth/locationToken` (status 201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LocationToken {
    /// The JWT-shaped Location access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// The location.
    #[serde(rename = "locationId")]
    pub location_id: String,
    /// The plan the app was installed on.
    #[serde(rename = "planId")]
    pub plan_id: String,
    /// The installing user.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// The app id (the client id's first part).
    #[serde(rename = "appId")]
    pub app_id: String,
    /// The app version id.
    #[serde(rename = "versionId")]
    pub version_id: String,
}

/// Why the authorization server refused (see `api::oauth` for each one's wire form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthError {
    /// A required form field is missing or malformed.
    InvalidRequest(String),
    /// `grant_type` is not `authorization_code` or `refresh_token`.
    UnsupportedGrantType(String),
    /// Unknown `client_id` or wrong `client_secret`.
    InvalidClient,
    /// The code is unknown, used, or was issued to another app.
    CodeNotFound,
    /// The refresh token is unknown or was issued to another app.
    RefreshTokenNotFound,
    /// The refresh token was used more than the refresh window ago.
    RefreshTokenUsed,
    /// `user_type` names the other class than the grant's.
    UserTypeMismatch,
    /// The bearer token may not mint location tokens (not an agency OAuth token with
    /// `oauth.write`).
    NotAuthorizedForScope,
    /// The agency token may not act for this company or location.
    NoAccess(&'static str),
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidRequest(m) => f.write_str(m),
            Self::UnsupportedGrantType(g) => write!(f, "Unsupported grant_type: {g}"),
            Self::InvalidClient => f.write_str("Invalid client credentials"),
            Self::CodeNotFound => f.write_str("Authorization code not found"),
            Self::RefreshTokenNotFound => f.write_str("Invalid refresh token"),
            Self::RefreshTokenUsed => f.write_str("Refresh token has already been used"),
            Self::UserTypeMismatch => f.write_str("user_type does not match the authorization"),
            Self::NotAuthorizedForScope => {
                f.write_str("The token is not authorized for this scope.")
            }
            Self::NoAccess(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for OAuthError {}

/// Lifetimes the authorization server applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuthSettings {
    /// How long issued access tokens are accepted (and their `expires_in`, in whole seconds).
    pub access_token_lifetime: Duration,
    /// How long a used refresh token still yields the pair it was exchanged for.
    pub refresh_window: Duration,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            refresh_window: DEFAULT_REFRESH_WINDOW,
        }
    }
}

/// What a code or refresh token stands for.
#[derive(Debug, Clone)]
struct Grant {
    client_id: String,
    user_type: UserType,
    company_id: String,
    location_id: Option<String>,
    scopes: Vec<String>,
    approved_locations: Vec<String>,
    user_id: String,
}

#[derive(Debug)]
struct RefreshRecord {
    grant: Grant,
    /// When it was used and the pair it was exchanged for.
    used: Option<(DateTime<Utc>, OAuthTokens)>,
}

#[derive(Debug)]
struct IssuedAccess {
    spec: TokenSpec,
    expires_at: DateTime<Utc>,
    /// For Company tokens: the grant (locations it may mint tokens for).
    grant: Grant,
}

#[derive(Debug)]
struct Inner {
    apps: Vec<OAuthApp>,
    codes: HashMap<String, Grant>,
    refresh: HashMap<String, RefreshRecord>,
    access: HashMap<String, IssuedAccess>,
    rng: ChaCha8Rng,
}

/// The authorization server's state (apps, codes, tokens), behind one lock.
#[derive(Debug)]
pub(crate) struct OAuthServer {
    seed: u64,
    initial_apps: Vec<OAuthApp>,
    settings: OAuthSettings,
    key: hmac::Key,
    inner: Mutex<Inner>,
    clock: Clock,
}

/// An access token the API routes accept, as the request pipeline sees it.
pub(crate) enum AccessLookup {
    /// Issued here and still alive.
    Valid(TokenSpec),
    /// Issued here, but its lifetime is over.
    Expired,
    /// Not issued here.
    Unknown,
}

impl OAuthServer {
    /// The server for `seed`, whose lifetimes and refresh windows run on `clock`.
    pub(crate) fn new(
        seed: u64,
        apps: Vec<OAuthApp>,
        settings: OAuthSettings,
        clock: Clock,
    ) -> Self {
        let mut key_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x006a_7774_2d6b_6579);
        let mut key = [0u8; 32];
        key_rng.fill_bytes(&mut key);
        Self {
            seed,
            inner: Mutex::new(Inner::new(seed, apps.clone())),
            initial_apps: apps,
            settings,
            key: hmac::Key::new(hmac::HMAC_SHA256, &key),
            clock,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Back to the builder's apps; every code and token is forgotten.
    pub(crate) fn reset(&self) {
        *self.lock() = Inner::new(self.seed, self.initial_apps.clone());
    }

    pub(crate) fn settings(&self) -> OAuthSettings {
        self.settings
    }

    pub(crate) fn apps(&self) -> Vec<OAuthApp> {
        self.lock().apps.clone()
    }

    /// Registers an app (replacing one with the same client id).
    pub(crate) fn add_app(&self, app: OAuthApp) {
        let mut inner = self.lock();
        inner.apps.retain(|a| a.client_id != app.client_id);
        inner.apps.push(app);
    }

    /// Mints a single-use authorization code.
    pub(crate) fn authorization_code(
        &self,
        request: &AuthorizationRequest,
    ) -> Result<String, OAuthError> {
        let mut inner = self.lock();
        let client_id = match &request.client_id {
            Some(id) if inner.apps.iter().any(|a| &a.client_id == id) => id.clone(),
            Some(_) => return Err(OAuthError::InvalidClient),
            None => inner
                .apps
                .first()
                .map(|a| a.client_id.clone())
                .ok_or(OAuthError::InvalidClient)?,
        };
        fn non_empty(v: &Option<String>) -> Option<&str> {
            v.as_deref().filter(|s| !s.is_empty())
        }
        let location_id = match request.user_type {
            UserType::Location => Some(
                non_empty(&request.location_id)
                    .ok_or_else(|| {
                        OAuthError::InvalidRequest(
                            "locationId is required for a Location install".to_owned(),
                        )
                    })?
                    .to_owned(),
            ),
            UserType::Company => None,
        };
        let scopes = request.scopes.clone().unwrap_or_else(|| {
            ALL_SCOPES
                .iter()
                .chain(OAUTH_SCOPES.iter())
                .map(|s| (*s).to_owned())
                .collect()
        });
        if let Some(bad) = scopes.iter().find(|s| s.is_empty() || s.contains(' ')) {
            return Err(OAuthError::InvalidRequest(format!(
                "scope {bad:?} must be one non-empty word"
            )));
        }
        let code = hex(&mut inner.rng, 40);
        let user_id = request
            .user_id
            .clone()
            .unwrap_or_else(|| format!("mockUser{}", &code[..12]));
        let grant = Grant {
            client_id,
            user_type: request.user_type,
            company_id: non_empty(&request.company_id)
                .unwrap_or(DEFAULT_COMPANY_ID)
                .to_owned(),
            location_id,
            scopes,
            approved_locations: request.approved_locations.clone(),
            user_id,
        };
        inner.codes.insert(code.clone(), grant);
        Ok(code)
    }

    fn check_client(inner: &Inner, client_id: &str, secret: &str) -> Result<(), OAuthError> {
        // Compared in full whatever matches first: no early exit on the secret's bytes.
        let found = inner.apps.iter().find(|a| a.client_id == client_id);
        match found {
            Some(app) if same_bytes(app.client_secret.as_bytes(), secret.as_bytes()) => Ok(()),
            _ => Err(OAuthError::InvalidClient),
        }
    }

    /// `grant_type=authorization_code`: the code is consumed whatever the outcome after the
    /// client check (a code is single use).
    pub(crate) fn exchange_code(
        &self,
        client_id: &str,
        secret: &str,
        code: &str,
        user_type: Option<UserType>,
    ) -> Result<OAuthTokens, OAuthError> {
        let mut inner = self.lock();
        Self::check_client(&inner, client_id, secret)?;
        let grant = match inner.codes.get(code) {
            Some(grant) if grant.client_id == client_id => grant.clone(),
            _ => return Err(OAuthError::CodeNotFound),
        };
        if user_type.is_some_and(|t| t != grant.user_type) {
            return Err(OAuthError::UserTypeMismatch);
        }
        inner.codes.remove(code);
        Ok(self.issue_pair(&mut inner, grant))
    }

    /// `grant_type=refresh_token`, with rotation and the same-answer window.
    pub(crate) fn refresh(
        &self,
        client_id: &str,
        secret: &str,
        refresh_token: &str,
        user_type: Option<UserType>,
    ) -> Result<OAuthTokens, OAuthError> {
        let mut inner = self.lock();
        Self::check_client(&inner, client_id, secret)?;
        let now = self.clock.now();
        let window = self.settings.refresh_window;
        let grant = match inner.refresh.get(refresh_token) {
            Some(record) if record.grant.client_id == client_id => {
                if user_type.is_some_and(|t| t != record.grant.user_type) {
                    return Err(OAuthError::UserTypeMismatch);
                }
                match &record.used {
                    Some((at, pair)) if within(*at, now, window) => {
                        return Ok(pair.clone());
                    }
                    Some(_) => return Err(OAuthError::RefreshTokenUsed),
                    None => record.grant.clone(),
                }
            }
            _ => return Err(OAuthError::RefreshTokenNotFound),
        };
        let pair = self.issue_pair(&mut inner, grant);
        if let Some(record) = inner.refresh.get_mut(refresh_token) {
            record.used = Some((now, pair.clone()));
        }
        Ok(pair)
    }

    /// Mints a Location token from an agency token (`POST /oauth/locationToken`).
    pub(crate) fn location_token(
        &self,
        agency_token: &str,
        company_id: &str,
        location_id: &str,
    ) -> Result<LocationToken, OAuthError> {
        let mut inner = self.lock();
        let grant = match inner.access.get(agency_token) {
            Some(issued)
                if issued.expires_at > self.clock.now()
                    && issued.spec.user_type == UserType::Company
                    && issued.spec.scopes.iter().any(|s| s == LOCATION_TOKEN_SCOPE) =>
            {
                issued.grant.clone()
            }
            _ => return Err(OAuthError::NotAuthorizedForScope),
        };
        if grant.company_id != company_id {
            return Err(OAuthError::NoAccess(
                "The token does not have access to this company.",
            ));
        }
        if !grant.approved_locations.is_empty()
            && !grant.approved_locations.iter().any(|l| l == location_id)
        {
            return Err(OAuthError::NoAccess(
                "The token does not have access to this location.",
            ));
        }
        let mut scopes = grant.scopes.clone();
        for scope in OAUTH_SCOPES {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
        let app_id = OAuthApp::new(grant.client_id.clone(), "")
            .app_id()
            .to_owned();
        let location_grant = Grant {
            user_type: UserType::Location,
            location_id: Some(location_id.to_owned()),
            scopes,
            approved_locations: Vec::new(),
            ..grant
        };
        let (access_token, scope) = self.issue_access(&mut inner, &location_grant);
        Ok(LocationToken {
            access_token,
            token_type: "Bearer".to_owned(),
            expires_in: self.settings.access_token_lifetime.as_secs(),
            scope,
            location_id: location_id.to_owned(),
            plan_id: plan_id(&location_grant.client_id),
            user_id: location_grant.user_id,
            version_id: app_id.clone(),
            app_id,
        })
    }

    /// The spec of an access token issued here.
    pub(crate) fn access_token(&self, token: &str) -> AccessLookup {
        let inner = self.lock();
        match inner.access.get(token) {
            Some(issued) if issued.expires_at > self.clock.now() => {
                AccessLookup::Valid(issued.spec.clone())
            }
            Some(_) => AccessLookup::Expired,
            None => AccessLookup::Unknown,
        }
    }

    fn issue_pair(&self, inner: &mut Inner, grant: Grant) -> OAuthTokens {
        let (access_token, scope) = self.issue_access(inner, &grant);
        let refresh_token = hex(&mut inner.rng, 48);
        let tokens = OAuthTokens {
            access_token,
            token_type: "Bearer".to_owned(),
            expires_in: self.settings.access_token_lifetime.as_secs(),
            refresh_token: refresh_token.clone(),
            scope,
            user_type: user_type_name(grant.user_type).to_owned(),
            location_id: grant.location_id.clone(),
            company_id: grant.company_id.clone(),
            approved_locations: grant.approved_locations.clone(),
            user_id: grant.user_id.clone(),
            plan_id: plan_id(&grant.client_id),
            is_bulk_installation: grant.user_type == UserType::Company,
        };
        if inner.refresh.len() >= SWEEP_AT {
            let window = self.settings.refresh_window;
            let now = self.clock.now();
            inner.refresh.retain(|_, r| {
                r.used
                    .as_ref()
                    .is_none_or(|(at, _)| within(*at, now, window))
            });
        }
        inner.refresh.insert(
            refresh_token,
            RefreshRecord {
                grant: grant.clone(),
                used: None,
            },
        );
        tokens
    }

    /// A JWT-shaped access token for `grant`, remembered until it expires; returns it and its
    /// space-separated scopes.
    fn issue_access(&self, inner: &mut Inner, grant: &Grant) -> (String, String) {
        let lifetime = self.settings.access_token_lifetime;
        let now = self.clock.now();
        let issued_at = u64::try_from(now.timestamp()).unwrap_or(0);
        let (class, class_id) = match grant.user_type {
            UserType::Location => ("Location", grant.location_id.clone().unwrap_or_default()),
            UserType::Company => ("Company", grant.company_id.clone()),
        };
        let scope = grant.scopes.join(" ");
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let payload = json!({
            "authClass": class,
            "authClassId": class_id,
            "primaryAuthClassId": class_id,
            "source": "INTEGRATION",
            "sourceId": grant.client_id,
            "channel": "OAUTH",
            "scope": scope,
            "iat": issued_at,
            "exp": issued_at.saturating_add(lifetime.as_secs()),
            "jti": hex(&mut inner.rng, 24),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload.to_string())
        );
        let signature = hmac::sign(&self.key, signing_input.as_bytes());
        let token = format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        );
        let spec = TokenSpec::location_pit(token.clone(), class_id)
            .with_scopes(grant.scopes.iter().cloned())
            .issued_as(TokenKind::OAuth, grant.user_type);
        if inner.access.len() >= SWEEP_AT {
            inner.access.retain(|_, a| a.expires_at > now);
        }
        inner.access.insert(
            token.clone(),
            IssuedAccess {
                spec,
                expires_at: now
                    .checked_add_signed(TimeDelta::from_std(lifetime).unwrap_or(TimeDelta::MAX))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC),
                grant: grant.clone(),
            },
        );
        (token, scope)
    }
}

/// Whether `now` is at most `window` after `at` (and not before it).
fn within(at: DateTime<Utc>, now: DateTime<Utc>, window: Duration) -> bool {
    let elapsed = now - at;
    elapsed >= TimeDelta::zero() && elapsed <= TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX)
}

impl Inner {
    fn new(seed: u64, apps: Vec<OAuthApp>) -> Self {
        Self {
            apps,
            codes: HashMap::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x636f_6465),
        }
    }
}

/// The wire name of a user type in OAuth answers and forms.
pub(crate) fn user_type_name(user_type: UserType) -> &'static str {
    match user_type {
        UserType::Location => "Location",
        UserType::Company => "Company",
    }
}

/// Reads `Location` / `Company` (as `user_type` and admin bodies spell them).
pub(crate) fn parse_user_type(text: &str) -> Option<UserType> {
    match text {
        "Location" => Some(UserType::Location),
        "Company" => Some(UserType::Company),
        _ => None,
    }
}

/// The plan id of an app's installs (fixed per app).
fn plan_id(client_id: &str) -> String {
    let app = OAuthApp::new(client_id, "");
    format!("plan-{}", app.app_id())
}

/// Equality of two secrets without an early exit on the first differing byte.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(settings: OAuthSettings) -> (OAuthServer, OAuthApp) {
        let app = OAuthApp::for_seed(1);
        (
            OAuthServer::new(1, vec![app.clone()], settings, Clock::default()),
            app,
        )
    }

    #[test]
    fn a_code_is_single_use() {
        let (server, app) = server(OAuthSettings::default());
        let code = server
            .authorization_code(&AuthorizationRequest::location("loc"))
            .expect("a code");
        assert!(
            server
                .exchange_code(&app.client_id, &app.client_secret, &code, None)
                .is_ok()
        );
        assert_eq!(
            server.exchange_code(&app.client_id, &app.client_secret, &code, None),
            Err(OAuthError::CodeNotFound)
        );
    }

    #[test]
    fn issued_access_tokens_carry_the_claims_clients_read() {
        let (server, app) = server(OAuthSettings::default());
        let code = server
            .authorization_code(&AuthorizationRequest::company("comp"))
            .expect("a code");
        let pair = server
            .exchange_code(&app.client_id, &app.client_secret, &code, None)
            .expect("exchanged");
        let parts: Vec<&str> = pair.access_token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64url"))
                .expect("JSON claims");
        assert_eq!(payload["authClass"], "Company");
        assert_eq!(payload["authClassId"], "comp");
        assert_eq!(payload["channel"], "OAUTH");
        assert_eq!(payload["sourceId"], app.client_id.as_str());
        assert!(payload["exp"].as_u64() > payload["iat"].as_u64());
    }

    #[test]
    fn a_used_refresh_token_is_refused_after_the_window() {
        let (server, app) = server(OAuthSettings {
            refresh_window: Duration::ZERO,
            ..OAuthSettings::default()
        });
        let code = server
            .authorization_code(&AuthorizationRequest::location("loc"))
            .expect("a code");
        let pair = server
            .exchange_code(&app.client_id, &app.client_secret, &code, None)
            .expect("exchanged");
        server
            .refresh(
                &app.client_id,
                &app.client_secret,
                &pair.refresh_token,
                None,
            )
            .expect("first use");
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(
            server.refresh(
                &app.client_id,
                &app.client_secret,
                &pair.refresh_token,
                None
            ),
            Err(OAuthError::RefreshTokenUsed)
        );
    }

    #[test]
    fn secrets_compare_by_content_and_length() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"abcd"));
    }
}
