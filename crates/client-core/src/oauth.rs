//! OAuth access tokens that renew themselves: a [`TokenSource`] over HighLevel's
//! `POST /oauth/token` (authorization-code and refresh-token grants) or `POST /oauth/locationToken` (a Sub-Account
//! token minted from an Agency token).
//!
//! How it behaves:
//! - **Before expiry.** Each token's `expires_in` sets when it is renewed: a margin before it
//!   expires ([`OAuthTokenSourceBuilder::refresh_margin`], 5 minutes by default, at most half
//!   the lifetime so short-lived tokens are not renewed on every request).
//! - **On a 401.** When HighLevel refuses the token as invalid or expired, the runtime asks the
//!   source for a new one ([`TokenSource::refresh_rejected`]) and retries once.
//! - **Single flight.** Renewals go through one async lock and re-check under it, so any number
//!   of concurrent requests on an expired or refused token cause one token request; the others
//!   wait for it and share its answer.
//! - **Rotation.** HighLevel rotates refresh tokens on use: the old one stops working. Each new
//!   refresh token is kept for the next renewal and handed to
//!   [`OAuthTokenSourceBuilder::on_refresh_token`], so the application can store it.
//! - **Location tokens.** [`OAuthTokenSource::location_from_agency`] mints a Sub-Account token
//!   for one location from an Agency (Company) token source, the way an agency app reaches its
//!   locations. A minted token has no refresh token: it is minted again when it expires or is
//!   refused, and a refused agency token is refreshed once on the way.
//! - **Secrets.** The client secret, refresh tokens and access tokens appear in no `Debug`,
//!   `Display`, error or span.
//!
//! The endpoints live under HighLevel's base URL ([`crate::DEFAULT_BASE_URL`]), or the one given
//! with [`OAuthTokenSourceBuilder::base_url`]; through [`crate::ClientConfig::oauth`] they follow
//! the client's base URL.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::auth::{Token, TokenSource};
use crate::config::{DEFAULT_BASE_URL, DEFAULT_USER_AGENT, tls_config};
use crate::error::ApiError;
use crate::operation::OperationMeta;
use crate::runtime::VERSION_HEADER;

/// The `Version` header the OAuth location-token endpoint requires.
pub const OAUTH_VERSION: &str = "2021-07-28";
/// How long before expiry a token is renewed, by default.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

static GET_ACCESS_TOKEN: OperationMeta = OperationMeta {
    operation_id: "get-access-token",
    name: "getAccessToken",
    method: "POST",
    path: "/oauth/token",
    scope: None,
};

static GET_LOCATION_TOKEN: OperationMeta = OperationMeta {
    operation_id: "get-location-access-token",
    name: "getLocationAccessToken",
    method: "POST",
    path: "/oauth/locationToken",
    scope: Some("oauth.write"),
};

/// A marketplace app's `client_id` and `client_secret`. `Debug` shows the id only.
#[derive(Clone)]
pub struct OAuthCredentials {
    client_id: String,
    client_secret: Token,
}

impl OAuthCredentials {
    /// The app's client id and secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl AsRef<str>) -> Self {
        Self {
            client_id: client_id.into().trim().to_owned(),
            client_secret: Token::new(client_secret),
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

impl fmt::Debug for OAuthCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// The `user_type` asked for when refreshing: which kind of access token comes back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UserType {
    /// A Sub-Account token: what the Voice AI and Conversation AI endpoints need.
    #[default]
    Location,
    /// An Agency token, e.g. to mint location tokens with
    /// [`OAuthTokenSource::location_from_agency`].
    Company,
}

impl UserType {
    /// The form value HighLevel expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Location => "Location",
            Self::Company => "Company",
        }
    }
}

type RefreshTokenCallback = Arc<dyn Fn(&Token) + Send + Sync>;

/// How the source obtains a token.
#[derive(Clone)]
enum Grant {
    /// `grant_type=refresh_token` at `/oauth/token`, rotating the refresh token.
    Refresh {
        credentials: OAuthCredentials,
        user_type: UserType,
        refresh_token: Arc<Mutex<Token>>,
        /// An authorization code (and its `redirect_uri`) to exchange first, until it is.
        code: Arc<Mutex<Option<PendingCode>>>,
    },
    /// `/oauth/locationToken` with an agency token.
    LocationFromAgency {
        agency: Arc<dyn TokenSource>,
        company_id: String,
        location_id: String,
    },
}

/// An authorization code not exchanged yet, and the `redirect_uri` it was issued for.
#[derive(Clone)]
struct PendingCode {
    code: Token,
    redirect_uri: Option<String>,
}

/// The access token in use and when to renew it.
#[derive(Clone)]
struct Current {
    token: Token,
    renew_at: Option<Instant>,
}

impl Current {
    fn is_fresh(&self, now: Instant) -> bool {
        self.renew_at.is_none_or(|at| now < at)
    }
}

struct Inner {
    grant: Grant,
    base_url: String,
    http: reqwest::Client,
    margin: Duration,
    on_refresh_token: Option<RefreshTokenCallback>,
    current: RwLock<Option<Current>>,
    /// Held while a token is requested: the single flight.
    renewing: tokio::sync::Mutex<()>,
}

/// A [`TokenSource`] that renews OAuth access tokens before they expire and when refused; see
/// the module notes for the rules. Cloning shares the same tokens.
///
/// ```
/// use highlevel_client_core::{OAuthCredentials, OAuthTokenSource, Token, UserType};
///
/// # fn main() -> Result<(), highlevel_client_core::ApiError> {
/// let source = OAuthTokenSource::builder(
///     OAuthCredentials::new("66aa00bb11cc22dd33ee44ff-lz1x2y3z", "client-secret"),
///     Token::new("stored-refresh-token"),
/// )
/// .user_type(UserType::Location)
/// .on_refresh_token(|rotated| {
///     // Store `rotated.expose_secret()`: the stored one no longer works.
///     let _ = rotated;
/// })
/// .build()?;
/// let shown = format!("{source:?}");
/// assert!(shown.contains("66aa00bb11cc22dd33ee44ff-lz1x2y3z"));
/// assert!(!shown.contains("client-secret") && !shown.contains("stored-refresh-token"));
/// # Ok(())
/// # }
/// ```
///
/// The end-to-end use, against the mock server, is in the crate's README.
#[derive(Clone)]
pub struct OAuthTokenSource {
    inner: Arc<Inner>,
}

impl fmt::Debug for OAuthTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("OAuthTokenSource");
        match &self.inner.grant {
            Grant::Refresh {
                credentials,
                user_type,
                ..
            } => out
                .field("grant", &"refresh_token")
                .field("client_id", &credentials.client_id)
                .field("user_type", user_type),
            Grant::LocationFromAgency {
                company_id,
                location_id,
                ..
            } => out
                .field("grant", &"location_from_agency")
                .field("company_id", company_id)
                .field("location_id", location_id),
        };
        out.field("base_url", &self.inner.base_url)
            .field("refresh_margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

/// Settings of an [`OAuthTokenSource`]; finish with [`OAuthTokenSourceBuilder::build`].
///
/// A clone shares the refresh token it was given, so two sources built from clones of one
/// builder agree on its rotations.
#[must_use]
#[derive(Clone)]
pub struct OAuthTokenSourceBuilder {
    grant: Grant,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    margin: Duration,
    on_refresh_token: Option<RefreshTokenCallback>,
    initial: Option<Current>,
}

impl fmt::Debug for OAuthTokenSourceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthTokenSourceBuilder")
            .field("base_url", &self.base_url)
            .field("refresh_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl OAuthTokenSource {
    /// A source that exchanges `refresh_token` for access tokens of the app `credentials`
    /// (Sub-Account tokens unless [`OAuthTokenSourceBuilder::user_type`] says otherwise).
    pub fn builder(credentials: OAuthCredentials, refresh_token: Token) -> OAuthTokenSourceBuilder {
        OAuthTokenSourceBuilder::new(Grant::Refresh {
            credentials,
            user_type: UserType::Location,
            refresh_token: Arc::new(Mutex::new(refresh_token)),
            code: Arc::new(Mutex::new(None)),
        })
    }

    /// A source that first exchanges the authorization `code` an install redirected with
    /// (`grant_type=authorization_code`; `redirect_uri` when the app registered one), then
    /// renews with the refresh token that exchange returns, which also reaches
    /// [`OAuthTokenSourceBuilder::on_refresh_token`]: store it, the code works only once.
    pub fn from_authorization_code(
        credentials: OAuthCredentials,
        code: impl AsRef<str>,
        redirect_uri: Option<String>,
    ) -> OAuthTokenSourceBuilder {
        OAuthTokenSourceBuilder::new(Grant::Refresh {
            credentials,
            user_type: UserType::Location,
            refresh_token: Arc::new(Mutex::new(Token::new(""))),
            code: Arc::new(Mutex::new(Some(PendingCode {
                code: Token::new(code),
                redirect_uri,
            }))),
        })
    }

    /// A source of Sub-Account tokens for `location_id`, minted with `POST /oauth/locationToken`
    /// from the Agency tokens of `agency` (e.g. an [`OAuthTokenSource`] with
    /// [`UserType::Company`], or a [`crate::StaticToken`]); the agency token needs the
    /// `oauth.write` scope.
    pub fn location_from_agency(
        agency: Arc<dyn TokenSource>,
        company_id: impl Into<String>,
        location_id: impl Into<String>,
    ) -> OAuthTokenSourceBuilder {
        OAuthTokenSourceBuilder::new(Grant::LocationFromAgency {
            agency,
            company_id: company_id.into(),
            location_id: location_id.into(),
        })
    }

    /// The refresh token the next renewal will use (`None` for minted location tokens).
    /// Prefer [`OAuthTokenSourceBuilder::on_refresh_token`] to polling this.
    pub fn refresh_token(&self) -> Option<Token> {
        match &self.inner.grant {
            Grant::Refresh { refresh_token, .. } => Some(
                refresh_token
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone(),
            ),
            Grant::LocationFromAgency { .. } => None,
        }
    }

    fn fresh(&self) -> Option<Token> {
        let current = self
            .inner
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|current| current.is_fresh(Instant::now()))
            .map(|current| current.token.clone())
    }

    /// Renews the token unless, once the single flight is ours, a fresh token other than
    /// `rejected` is already there (another caller renewed it meanwhile).
    async fn renew(&self, rejected: Option<Token>) -> Result<Token, ApiError> {
        let _flight = self.inner.renewing.lock().await;
        if let Some(token) = self.fresh()
            && rejected.as_ref() != Some(&token)
        {
            return Ok(token);
        }
        let issued = self.request_token().await?;
        let token = Token::new(&issued.access_token);
        let renew_at = issued
            .expires_in
            .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
            .and_then(|lifetime| renewal_time(lifetime, self.inner.margin));
        *self
            .inner
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Current {
            token: token.clone(),
            renew_at,
        });
        if let (Grant::Refresh { refresh_token, .. }, Some(rotated)) =
            (&self.inner.grant, issued.refresh_token.as_deref())
        {
            let rotated = Token::new(rotated);
            let changed = {
                let mut kept = refresh_token.lock().unwrap_or_else(PoisonError::into_inner);
                let changed = *kept != rotated;
                *kept = rotated.clone();
                changed
            };
            if changed && let Some(callback) = &self.inner.on_refresh_token {
                callback(&rotated);
            }
        }
        Ok(token)
    }

    async fn request_token(&self) -> Result<TokenAnswer, ApiError> {
        match &self.inner.grant {
            Grant::Refresh {
                credentials,
                user_type,
                refresh_token,
                code,
            } => {
                let refresh_token = refresh_token
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let pending = code.lock().unwrap_or_else(PoisonError::into_inner).clone();
                let mut form = vec![
                    ("client_id", credentials.client_id.as_str()),
                    ("client_secret", credentials.client_secret.expose_secret()),
                    ("user_type", user_type.as_str()),
                ];
                match &pending {
                    Some(PendingCode { code, redirect_uri }) => {
                        form.push(("grant_type", "authorization_code"));
                        form.push(("code", code.expose_secret()));
                        if let Some(redirect_uri) = redirect_uri {
                            form.push(("redirect_uri", redirect_uri));
                        }
                    }
                    None => {
                        form.push(("grant_type", "refresh_token"));
                        form.push(("refresh_token", refresh_token.expose_secret()));
                    }
                }
                let request = self
                    .inner
                    .http
                    .post(self.url(GET_ACCESS_TOKEN.path))
                    .form(&form);
                let answer = self.send(request, &GET_ACCESS_TOKEN).await?;
                if pending.is_some() {
                    *code.lock().unwrap_or_else(PoisonError::into_inner) = None;
                }
                Ok(answer)
            }
            Grant::LocationFromAgency {
                agency,
                company_id,
                location_id,
            } => {
                let form = [
                    ("companyId", company_id.as_str()),
                    ("locationId", location_id.as_str()),
                ];
                let agency_token = agency.token().await?;
                let first = self.mint(&agency_token, &form).await;
                match first {
                    Err(error)
                        if error.status() == Some(StatusCode::UNAUTHORIZED)
                            && error.kind() == crate::ErrorKind::InvalidToken
                            && agency.can_refresh() =>
                    {
                        let renewed = agency.refresh_rejected(&agency_token).await?;
                        self.mint(&renewed, &form).await
                    }
                    other => other,
                }
            }
        }
    }

    async fn mint(
        &self,
        agency_token: &Token,
        form: &[(&str, &str)],
    ) -> Result<TokenAnswer, ApiError> {
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", agency_token.expose_secret()))
            .map_err(|_| {
                ApiError::config(
                    "the agency token contains characters that cannot be sent in an HTTP header",
                )
            })?;
        bearer.set_sensitive(true);
        let request = self
            .inner
            .http
            .post(self.url(GET_LOCATION_TOKEN.path))
            .header(AUTHORIZATION, bearer)
            .header(VERSION_HEADER, OAUTH_VERSION)
            .form(form);
        self.send(request, &GET_LOCATION_TOKEN).await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        operation: &'static OperationMeta,
    ) -> Result<TokenAnswer, ApiError> {
        let span = tracing::info_span!(
            "highlevel.oauth",
            method = operation.method,
            path = operation.path,
            operation_id = operation.operation_id,
            status = Empty,
        );
        async {
            let response = request
                .send()
                .await
                .map_err(|error| ApiError::transport(error).for_operation(operation))?;
            tracing::Span::current().record("status", response.status().as_u16());
            if !response.status().is_success() {
                return Err(ApiError::from_response(response)
                    .await
                    .for_operation(operation));
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|error| ApiError::transport(error).for_operation(operation))?;
            serde_json::from_slice::<TokenAnswer>(&bytes).map_err(|error| {
                // serde_json's message names the field, never its value.
                ApiError::decode(format!(
                    "the token answer is not what HighLevel sends: {error}"
                ))
                .for_operation(operation)
            })
        }
        .instrument(span)
        .await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base_url)
    }
}

/// When a token that lives `lifetime` from now is renewed: `margin` before it expires, but no
/// more than half its life early. `None` (renew only when refused) for a lifetime beyond what
/// the clock can represent.
fn renewal_time(lifetime: Duration, margin: Duration) -> Option<Instant> {
    Instant::now()
        .checked_add(lifetime)
        .map(|expiry| expiry - margin.min(lifetime / 2))
}

/// The fields of a token answer the source uses (both endpoints).
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<f64>,
    #[serde(default)]
    refresh_token: Option<String>,
}

impl TokenSource for OAuthTokenSource {
    fn token(&self) -> BoxFuture<'_, Result<Token, ApiError>> {
        match self.fresh() {
            Some(token) => Box::pin(std::future::ready(Ok(token))),
            None => Box::pin(self.renew(None)),
        }
    }

    fn refresh(&self) -> BoxFuture<'_, Result<Token, ApiError>> {
        let current = self
            .inner
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|current| current.token.clone());
        Box::pin(self.renew(current))
    }

    fn refresh_rejected<'a>(&'a self, rejected: &Token) -> BoxFuture<'a, Result<Token, ApiError>> {
        Box::pin(self.renew(Some(rejected.clone())))
    }
}

impl OAuthTokenSourceBuilder {
    fn new(grant: Grant) -> Self {
        Self {
            grant,
            base_url: None,
            http: None,
            margin: DEFAULT_REFRESH_MARGIN,
            on_refresh_token: None,
            initial: None,
        }
    }

    /// For the refresh-token grant: the kind of token to ask for (default
    /// [`UserType::Location`]). No effect on a location source, whose tokens are always
    /// Sub-Account tokens.
    pub fn user_type(mut self, user_type: UserType) -> Self {
        if let Grant::Refresh {
            user_type: kept, ..
        } = &mut self.grant
        {
            *kept = user_type;
        }
        self
    }

    /// The base URL the OAuth endpoints live under (default [`crate::DEFAULT_BASE_URL`]; a
    /// trailing slash is removed). Through [`crate::ClientConfig::oauth`], the client's base
    /// URL unless set here.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into().trim().trim_end_matches('/').to_owned());
        self
    }

    /// The HTTP client for token requests (default: one built like [`crate::ClientConfig`]'s,
    /// or the client's own through [`crate::ClientConfig::oauth`]).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How long before expiry a token is renewed (default [`DEFAULT_REFRESH_MARGIN`]); at
    /// most half of each token's lifetime is used.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Called with each new refresh token after a rotation, so the application can store it;
    /// the previous one no longer works. Called inside the renewal, so keep it quick (hand the
    /// token to a channel or task for slow storage).
    pub fn on_refresh_token(mut self, callback: impl Fn(&Token) + Send + Sync + 'static) -> Self {
        self.on_refresh_token = Some(Arc::new(callback));
        self
    }

    /// Starts from an access token obtained earlier (e.g. stored with the refresh token), used
    /// until `valid_for` from now, less the margin, or until refused.
    pub fn access_token(mut self, token: Token, valid_for: Duration) -> Self {
        self.initial = Some(Current {
            token,
            renew_at: renewal_time(valid_for, self.margin),
        });
        self
    }

    pub(crate) fn default_base_url(mut self, base_url: &str) -> Self {
        if self.base_url.is_none() {
            self = self.base_url(base_url);
        }
        self
    }

    pub(crate) fn default_http_client(mut self, client: &reqwest::Client) -> Self {
        if self.http.is_none() {
            self.http = Some(client.clone());
        }
        self
    }

    /// Checks the settings and builds the source. No request is sent until a token is needed.
    pub fn build(self) -> Result<OAuthTokenSource, ApiError> {
        let base_url = self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let parsed = reqwest::Url::parse(&base_url).map_err(|error| {
            ApiError::config(format!("OAuth base URL `{base_url}` is not a URL: {error}"))
        })?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.cannot_be_a_base() {
            return Err(ApiError::config(format!(
                "OAuth base URL `{base_url}` must be an http(s) URL"
            )));
        }
        match &self.grant {
            Grant::Refresh {
                credentials,
                refresh_token,
                code,
                ..
            } => {
                if credentials.client_id.is_empty() {
                    return Err(ApiError::config("the OAuth client id is empty"));
                }
                if credentials.client_secret.expose_secret().is_empty() {
                    return Err(ApiError::config("the OAuth client secret is empty"));
                }
                let code = code.lock().unwrap_or_else(PoisonError::into_inner);
                let refresh_token = refresh_token.lock().unwrap_or_else(PoisonError::into_inner);
                match code.as_ref() {
                    Some(pending) if pending.code.expose_secret().is_empty() => {
                        return Err(ApiError::config("the OAuth authorization code is empty"));
                    }
                    None if refresh_token.expose_secret().is_empty() => {
                        return Err(ApiError::config("the OAuth refresh token is empty"));
                    }
                    _ => {}
                }
            }
            Grant::LocationFromAgency {
                company_id,
                location_id,
                ..
            } => {
                if company_id.trim().is_empty() || location_id.trim().is_empty() {
                    return Err(ApiError::config(
                        "a location token needs both a company id and a location id",
                    ));
                }
            }
        }
        let http = match self.http {
            Some(client) => client,
            None => reqwest::Client::builder()
                .tls_backend_preconfigured(tls_config()?)
                .connect_timeout(Duration::from_secs(10))
                .timeout(Duration::from_secs(30))
                .user_agent(DEFAULT_USER_AGENT)
                .build()
                .map_err(|error| {
                    ApiError::config(format!("could not build the OAuth HTTP client: {error}"))
                })?,
        };
        Ok(OAuthTokenSource {
            inner: Arc::new(Inner {
                grant: self.grant,
                base_url,
                http,
                margin: self.margin,
                on_refresh_token: self.on_refresh_token,
                current: RwLock::new(self.initial),
                renewing: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_builders_never_show_the_secret() {
        let credentials = OAuthCredentials::new("app-1", "very-secret-value");
        assert!(!format!("{credentials:?}").contains("very-secret-value"));
        let builder = OAuthTokenSource::builder(credentials, Token::new("refresh-value"));
        assert!(!format!("{builder:?}").contains("refresh-value"));
    }

    #[test]
    fn empty_credentials_or_ids_are_refused_when_building() {
        let no_secret =
            OAuthTokenSource::builder(OAuthCredentials::new("app", " "), Token::new("r"))
                .build()
                .expect_err("empty secret");
        assert!(
            no_secret.to_string().contains("client secret is empty"),
            "{no_secret}"
        );
        let agency: Arc<dyn TokenSource> = Arc::new(crate::StaticToken::new(Token::new("agency")));
        let no_location = OAuthTokenSource::location_from_agency(agency, "company", "")
            .build()
            .expect_err("empty location");
        assert_eq!(no_location.kind(), crate::ErrorKind::Config);
        let bad_url = OAuthTokenSource::builder(OAuthCredentials::new("app", "s"), Token::new("r"))
            .base_url("ftp://example.com")
            .build()
            .expect_err("not http");
        assert!(bad_url.to_string().contains("http(s)"), "{bad_url}");
    }

    #[test]
    fn lifetimes_the_clock_cannot_hold_mean_renewing_only_when_refused() {
        assert!(renewal_time(Duration::MAX, DEFAULT_REFRESH_MARGIN).is_none());
        assert!(Duration::try_from_secs_f64(f64::MAX).is_err());
        let source = OAuthTokenSource::builder(OAuthCredentials::new("app", "s"), Token::new("r"))
            .access_token(Token::new("forever"), Duration::MAX)
            .build()
            .expect("builds");
        assert!(source.fresh().is_some());
        let soon = renewal_time(Duration::from_secs(600), Duration::from_secs(300))
            .expect("representable");
        let wait = soon.saturating_duration_since(Instant::now());
        assert!(wait > Duration::from_secs(290) && wait <= Duration::from_secs(300));
    }

    #[test]
    fn a_stored_access_token_is_used_until_its_margin_and_a_short_one_keeps_half_its_life() {
        let source = OAuthTokenSource::builder(OAuthCredentials::new("app", "s"), Token::new("r"))
            .refresh_margin(Duration::from_secs(300))
            .access_token(Token::new("stored-access"), Duration::from_secs(3600))
            .build()
            .expect("builds");
        assert_eq!(
            source.fresh().map(|token| token.expose_secret().to_owned()),
            Some("stored-access".to_owned())
        );
        let short = OAuthTokenSource::builder(OAuthCredentials::new("app", "s"), Token::new("r"))
            .access_token(Token::new("short"), Duration::from_secs(2))
            .build()
            .expect("builds");
        // A 300 s margin on a 2 s token would renew at once; half its life is kept instead.
        assert!(short.fresh().is_some());
    }
}
