//! The `Version` header and bearer-token checks, in the order the live API applies them.
//!
//! 1. `Version` missing → 401 `version header was not found.`; not one of the five known
//!    versions → 400 `Invalid API version segment '<v>' at position 0`.
//! 2. `Authorization` missing, not `Bearer <token>`, an unknown token, or an OAuth access token
//!    past its lifetime ([`crate::oauth`]) → 401 `Invalid token: access token is invalid`.
//! 3. Both APIs are Sub-Account only: a Company OAuth token → 401 (authClass message); a
//!    Company private integration token → 401 `Token's user type mismatch!`.
//! 4. A scope the operation's spec `security` entry names but the token lacks → 401
//!    `The token is not authorized for this scope.`
//!
//! The location check (403) needs the request's `locationId` and so runs later, in the request
//! pipeline, through [`Principal::check_location`]. Tokens live in a [`TokenRegistry`]; each
//! [`TokenSpec`] says what kind of token it is, whom it belongs to and what it may do.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderName, header};

use crate::error::ApiError;

/// The `Version` header values the live API accepts.
pub(crate) const KNOWN_VERSIONS: [&str; 5] =
    ["2021-04-15", "2021-07-28", "2023-02-21", "v3", "legacy"];

/// Every scope either API declares.
pub(crate) const ALL_SCOPES: [&str; 7] = [
    "voice-ai-agents.readonly",
    "voice-ai-agents.write",
    "voice-ai-dashboard.readonly",
    "voice-ai-agent-goals.readonly",
    "voice-ai-agent-goals.write",
    "conversation-ai.readonly",
    "conversation-ai.write",
];

/// How a token was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A private integration token (`pit-…`).
    PrivateIntegration,
    /// An OAuth access token.
    OAuth,
}

/// Whom a token acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    /// A sub-account (location).
    Location,
    /// An agency (company).
    Company,
}

/// One token the mock accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpec {
    /// The bearer token text.
    pub token: String,
    /// How it was issued.
    pub kind: TokenKind,
    /// Whom it acts for.
    pub user_type: UserType,
    /// The location it belongs to (for Company tokens: unused).
    pub location_id: String,
    /// The scopes it carries.
    pub scopes: Vec<String>,
    /// Whether it may name any location in `locationId` (skips the 403 check).
    pub any_location: bool,
}

impl TokenSpec {
    /// A sub-account private integration token with every scope of both APIs.
    ///
    /// ```
    /// use mock_server::{TokenKind, TokenSpec, UserType};
    /// // Arrange / Act
    /// let token = TokenSpec::location_pit("pit-1", "loc1");
    /// // Assert
    /// assert_eq!(token.kind, TokenKind::PrivateIntegration);
    /// assert_eq!(token.user_type, UserType::Location);
    /// assert_eq!(token.scopes.len(), 7);
    /// ```
    pub fn location_pit(token: impl Into<String>, location_id: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            kind: TokenKind::PrivateIntegration,
            user_type: UserType::Location,
            location_id: location_id.into(),
            scopes: ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            any_location: false,
        }
    }

    /// The same token with only these scopes.
    ///
    /// ```
    /// use mock_server::TokenSpec;
    /// // Arrange
    /// let token = TokenSpec::location_pit("pit-1", "loc1");
    /// // Act
    /// let narrowed = token.with_scopes(["conversation-ai.readonly"]);
    /// // Assert
    /// assert_eq!(narrowed.scopes, vec!["conversation-ai.readonly".to_owned()]);
    /// ```
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The same token, issued differently.
    ///
    /// ```
    /// use mock_server::{TokenKind, TokenSpec, UserType};
    /// // Arrange
    /// let token = TokenSpec::location_pit("t", "loc1");
    /// // Act
    /// let agency = token.issued_as(TokenKind::OAuth, UserType::Company);
    /// // Assert
    /// assert_eq!(agency.user_type, UserType::Company);
    /// ```
    pub fn issued_as(mut self, kind: TokenKind, user_type: UserType) -> Self {
        self.kind = kind;
        self.user_type = user_type;
        self
    }
}

/// The accepted tokens, by token text.
#[derive(Debug, Clone, Default)]
pub(crate) struct TokenRegistry {
    tokens: BTreeMap<String, TokenSpec>,
}

impl TokenRegistry {
    /// Adds (or replaces) a token.
    pub(crate) fn insert(&mut self, spec: TokenSpec) {
        self.tokens.insert(spec.token.clone(), spec);
    }

    /// The spec of a token.
    pub(crate) fn get(&self, token: &str) -> Option<&TokenSpec> {
        self.tokens.get(token)
    }
}

/// The caller a request was authenticated as.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    /// The location the token belongs to.
    pub location_id: String,
    /// Whether it may act on any location.
    pub any_location: bool,
}

impl Principal {
    /// 403 unless the token may act on `location_id`.
    pub(crate) fn check_location(&self, location_id: &str) -> Result<(), ApiError> {
        if self.any_location || self.location_id == location_id {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "The token does not have access to this location.",
            ))
        }
    }
}

/// Checks the `Version` header, the token, its class and its scopes against `scopes`.
#[cfg(test)]
pub(crate) fn authenticate(
    registry: &TokenRegistry,
    headers: &HeaderMap,
    scopes: &[String],
) -> Result<Principal, ApiError> {
    check_version(headers)?;
    let token = bearer_token(headers)?;
    let spec = registry.get(token).ok_or_else(invalid_token)?;
    authorize(spec, scopes)
}

/// Step 1: the `Version` header is present and one of [`KNOWN_VERSIONS`].
pub(crate) fn check_version(headers: &HeaderMap) -> Result<(), ApiError> {
    static VERSION: HeaderName = HeaderName::from_static("version");
    let Some(version) = headers.get(&VERSION) else {
        return Err(ApiError::unauthorized("version header was not found."));
    };
    if KNOWN_VERSIONS
        .iter()
        .any(|known| known.as_bytes() == version.as_bytes())
    {
        return Ok(());
    }
    let version = String::from_utf8_lossy(version.as_bytes());
    Err(ApiError::bad_request(format!(
        "Invalid API version segment '{version}' at position 0"
    )))
}

/// The 401 for a missing, malformed, unknown or expired token.
pub(crate) fn invalid_token() -> ApiError {
    ApiError::unauthorized("Invalid token: access token is invalid")
}

/// Step 2: the token text of `Authorization: Bearer <token>`.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(invalid_token)?;
    // A value `to_str` accepts is visible ASCII, spaces and tabs, so the ASCII trims and the
    // byte search read it as `trim` and `split_once(' ')` would, without decoding characters.
    let (scheme, token) = header
        .trim_ascii()
        .split_once(' ')
        .ok_or_else(invalid_token)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(invalid_token());
    }
    Ok(token.trim_ascii())
}

/// Steps 3 and 4: a known token's class and scopes.
pub(crate) fn authorize(spec: &TokenSpec, scopes: &[String]) -> Result<Principal, ApiError> {
    match (spec.user_type, spec.kind) {
        (UserType::Location, _) => {}
        (UserType::Company, TokenKind::OAuth) => {
            return Err(ApiError::unauthorized(
                "This authClass type is not allowed to access this scope. Please verify your IAM configuration if this is not the case.",
            ));
        }
        (UserType::Company, TokenKind::PrivateIntegration) => {
            return Err(ApiError::unauthorized("Token's user type mismatch!"));
        }
    }
    if !scopes.iter().all(|s| spec.scopes.contains(s)) {
        return Err(ApiError::unauthorized(
            "The token is not authorized for this scope.",
        ));
    }
    Ok(Principal {
        location_id: spec.location_id.clone(),
        any_location: spec.any_location,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn an_inserted_token_can_be_found_again() {
        // Arrange
        let mut registry = TokenRegistry::default();
        // Act
        registry.insert(TokenSpec::location_pit("pit-1", "loc"));
        // Assert
        assert!(registry.get("pit-1").is_some());
    }

    #[test]
    fn a_token_never_inserted_is_not_found() {
        // Arrange
        let mut registry = TokenRegistry::default();
        registry.insert(TokenSpec::location_pit("pit-1", "loc"));
        // Act
        let found = registry.get("pit-2");
        // Assert
        assert!(found.is_none());
    }

    #[test]
    fn a_principal_may_act_only_on_its_own_location() {
        // Arrange
        let principal = Principal {
            location_id: "loc".into(),
            any_location: false,
        };
        // Act
        let other = principal.check_location("elsewhere");
        // Assert
        assert!(principal.check_location("loc").is_ok());
        assert_eq!(other.expect_err("another location").status(), 403);
    }

    #[test]
    fn a_known_token_with_the_scope_authenticates_as_its_location() {
        // Arrange
        let mut registry = TokenRegistry::default();
        registry.insert(TokenSpec::location_pit("pit-1", "loc"));
        let mut headers = HeaderMap::new();
        headers.insert("version", HeaderValue::from_static("v3"));
        headers.insert("authorization", HeaderValue::from_static("Bearer pit-1"));
        // Act
        let principal = authenticate(&registry, &headers, &["conversation-ai.write".to_owned()]);
        // Assert
        assert_eq!(principal.expect("accepted").location_id, "loc");
    }

    fn registry() -> TokenRegistry {
        let mut r = TokenRegistry::default();
        r.insert(TokenSpec::location_pit("good", "loc"));
        r.insert(
            TokenSpec::location_pit("narrow", "loc").with_scopes(["conversation-ai.readonly"]),
        );
        r
    }

    fn headers(version: Option<&str>, auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = version {
            h.insert("version", HeaderValue::from_str(v).expect("valid header"));
        }
        if let Some(a) = auth {
            h.insert(
                "authorization",
                HeaderValue::from_str(a).expect("valid header"),
            );
        }
        h
    }

    fn message(r: Result<Principal, ApiError>) -> String {
        r.err()
            .map(|e| e.body()["message"].to_string())
            .unwrap_or_default()
    }

    #[test]
    fn the_version_is_checked_before_the_token() {
        let r = registry();
        assert_eq!(
            message(authenticate(&r, &headers(None, None), &[])),
            "\"version header was not found.\""
        );
        assert_eq!(
            message(authenticate(&r, &headers(Some("bogus"), None), &[])),
            "\"Invalid API version segment 'bogus' at position 0\""
        );
    }

    #[test]
    fn a_scope_the_token_lacks_is_refused() {
        let r = registry();
        let scopes = vec!["conversation-ai.write".to_owned()];
        assert_eq!(
            message(authenticate(
                &r,
                &headers(Some("v3"), Some("Bearer narrow")),
                &scopes
            )),
            "\"The token is not authorized for this scope.\""
        );
        assert!(authenticate(&r, &headers(Some("v3"), Some("Bearer good")), &scopes).is_ok());
    }
}
