//! The JSON bodies of the admin API and of the state document, as serde types.
//!
//! Each type reads (and where it is shown, writes) exactly one JSON shape; the admin handlers and
//! [`crate::AppState::export_state`] / [`crate::AppState::import_state`] convert them to and from
//! the crate's own types.

use serde::{Deserialize, Serialize};

use crate::auth::{TokenKind, TokenSpec, UserType};
use crate::rate_limit::RateLimitConfig;

/// How a token was issued, as JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum KindName {
    #[serde(rename = "privateIntegration", alias = "pit")]
    PrivateIntegration,
    #[serde(rename = "oauth")]
    OAuth,
}

/// Whom a token acts for, as JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum UserTypeName {
    #[serde(rename = "location")]
    Location,
    #[serde(rename = "company")]
    Company,
}

/// A token as `POST /__mock/tokens` takes it and `GET /__mock/tokens` and the state document
/// show it: `token` is required; `locationId` defaults to the dev token's location, `kind` to
/// `privateIntegration` (alias `pit`), `userType` to `location`, `scopes` to every scope,
/// `anyLocation` to false.
///
/// ```
/// use mock_server::TokenDocument;
/// use mock_server::{TokenSpec, UserType};
/// // Arrange
/// let body = serde_json::json!({"token": "t1", "userType": "company", "scopes": ["conversation-ai.readonly"]});
/// // Act
/// let document: TokenDocument = serde_json::from_value(body).expect("a token document");
/// let token = document.into_spec("loc").expect("valid");
/// // Assert
/// assert_eq!(token.user_type, UserType::Company);
/// assert_eq!(token.location_id, "loc");
/// let shown = serde_json::to_value(TokenDocument::from(&TokenSpec::location_pit("p", "l"))).expect("JSON");
/// assert_eq!(shown["kind"], "privateIntegration");
/// assert_eq!(shown["userType"], "location");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenDocument {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    kind: Option<KindName>,
    #[serde(default)]
    user_type: Option<UserTypeName>,
    #[serde(default)]
    location_id: Option<String>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    any_location: Option<bool>,
}

impl TokenDocument {
    /// The token it describes, defaults filled in; the problems when `token` is missing or empty.
    pub fn into_spec(self, default_location: &str) -> Result<TokenSpec, Vec<String>> {
        let Some(token) = self
            .token
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
        else {
            return Err(vec!["token must be a non-empty string".to_owned()]);
        };
        let location = self
            .location_id
            .unwrap_or_else(|| default_location.to_owned());
        let mut spec = TokenSpec::location_pit(token, location);
        if let Some(kind) = self.kind {
            spec.kind = match kind {
                KindName::PrivateIntegration => TokenKind::PrivateIntegration,
                KindName::OAuth => TokenKind::OAuth,
            };
        }
        if let Some(user_type) = self.user_type {
            spec.user_type = match user_type {
                UserTypeName::Location => UserType::Location,
                UserTypeName::Company => UserType::Company,
            };
        }
        if let Some(scopes) = self.scopes {
            spec.scopes = scopes;
        }
        spec.any_location = self.any_location.unwrap_or(false);
        Ok(spec)
    }
}

impl From<&TokenSpec> for TokenDocument {
    fn from(spec: &TokenSpec) -> Self {
        Self {
            token: Some(spec.token.clone()),
            kind: Some(match spec.kind {
                TokenKind::PrivateIntegration => KindName::PrivateIntegration,
                TokenKind::OAuth => KindName::OAuth,
            }),
            user_type: Some(match spec.user_type {
                UserType::Location => UserTypeName::Location,
                UserType::Company => UserTypeName::Company,
            }),
            location_id: Some(spec.location_id.clone()),
            scopes: Some(spec.scopes.clone()),
            any_location: Some(spec.any_location),
        }
    }
}

/// The answer of `GET` / `PUT /__mock/rate-limit`: `{enabled, max, intervalMs, daily}` (only
/// `enabled` when off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RateLimitDocument {
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    daily: Option<u64>,
}

impl From<Option<RateLimitConfig>> for RateLimitDocument {
    fn from(config: Option<RateLimitConfig>) -> Self {
        match config {
            None => Self::default(),
            Some(c) => Self {
                enabled: true,
                max: Some(u64::from(c.max)),
                interval_ms: Some(c.interval.as_millis() as u64),
                daily: Some(u64::from(c.daily)),
            },
        }
    }
}

/// The body of `POST /__mock/oauth/codes`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CodeBody {
    pub(crate) client_id: Option<String>,
    pub(crate) user_type: Option<String>,
    pub(crate) location_id: Option<String>,
    pub(crate) company_id: Option<String>,
    pub(crate) scopes: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) approved_locations: Vec<String>,
    pub(crate) user_id: Option<String>,
}
