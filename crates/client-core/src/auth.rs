//! Tokens and where they come from.
//!
//! HighLevel's Voice AI and Conversation AI endpoints accept only Sub-Account (Location)
//! credentials: a Sub-Account OAuth access token (a JWT) or a Sub-Account Private Integration
//! Token (`pit-…`, opaque). An Agency (Company) OAuth token is recognisable by its JWT claim
//! `authClass: "Company"` and is refused locally, before any request; an agency PIT is opaque
//! and can only be refused by the server.
//!
//! A [`Token`] never shows its secret in `Debug` or `Display`.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use futures::future::BoxFuture;

use crate::error::ApiError;

/// A bearer token. `Debug` and `Display` print a redacted form; only
/// [`Token::expose_secret`] returns the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(Arc<str>);

impl Token {
    /// Wraps a token, trimming surrounding whitespace (a frequent copy-paste accident).
    pub fn new(secret: impl AsRef<str>) -> Self {
        Self(Arc::from(secret.as_ref().trim()))
    }

    /// The secret, for the `Authorization` header. Do not log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// What kind of token this looks like.
    pub fn kind(&self) -> TokenKind {
        if self.0.starts_with("pit-") {
            return TokenKind::PrivateIntegration;
        }
        match jwt_auth_class(&self.0) {
            Some(class) if class == "Company" => TokenKind::CompanyJwt,
            Some(class) if class == "Location" => TokenKind::LocationJwt,
            Some(_) => TokenKind::OtherJwt,
            None if looks_like_jwt(&self.0) => TokenKind::OtherJwt,
            None => TokenKind::Opaque,
        }
    }

    /// Refuses tokens that cannot call Sub-Account endpoints: an Agency (Company) JWT, an empty
    /// token, or one that cannot be sent in a header.
    pub fn check_usable(&self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            return Err(ApiError::config("the token is empty"));
        }
        if self.0.bytes().any(|byte| !(0x21..=0x7e).contains(&byte)) {
            return Err(ApiError::config(
                "the token contains characters that cannot be sent in an HTTP header",
            ));
        }
        if self.kind() == TokenKind::CompanyJwt {
            return Err(ApiError::company_token_refused());
        }
        Ok(())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({:?}, <redacted>)", self.kind())
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted token>")
    }
}

/// The shape of a token, as far as can be told without the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A Private Integration Token (`pit-…`). Sub-account or agency cannot be told apart locally.
    PrivateIntegration,
    /// An OAuth JWT with `authClass: "Location"`: what these APIs need.
    LocationJwt,
    /// An OAuth JWT with `authClass: "Company"`: refused by these APIs.
    CompanyJwt,
    /// A JWT without a recognised `authClass`.
    OtherJwt,
    /// Anything else.
    Opaque,
}

fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

/// The `authClass` claim of a JWT's payload, if the token is a JWT and has one.
fn jwt_auth_class(token: &str) -> Option<String> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let payload = payload.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("authClass")?.as_str().map(str::to_owned)
}

/// Where the runtime gets its token.
///
/// `token` is called before every request; `refresh_rejected` (by default `refresh`) once when
/// HighLevel answers 401 saying the token is invalid or expired, after which the request is
/// retried once with the new token. Implementations that refresh OAuth tokens should coalesce
/// concurrent refreshes (HighLevel rotates refresh tokens on use), as the built-in
/// [`crate::OAuthTokenSource`] does; [`StaticToken`] never refreshes.
pub trait TokenSource: Send + Sync + 'static {
    /// The current token.
    fn token(&self) -> BoxFuture<'_, Result<Token, ApiError>>;

    /// Obtains a new token after the current one was refused as invalid or expired.
    /// Return an error when the source cannot refresh (the 401 is then returned as is).
    fn refresh(&self) -> BoxFuture<'_, Result<Token, ApiError>>;

    /// Obtains a new token after `rejected` was refused as invalid or expired. The runtime
    /// calls this (not [`TokenSource::refresh`]) on such a 401, so a source serving many
    /// concurrent requests can tell a token it already replaced from the current one and
    /// renew only once. Defaults to [`TokenSource::refresh`].
    fn refresh_rejected<'a>(&'a self, rejected: &Token) -> BoxFuture<'a, Result<Token, ApiError>> {
        let _ = rejected;
        self.refresh()
    }

    /// Whether [`TokenSource::refresh`] can ever succeed. When `false` the runtime returns a
    /// 401 without reading its body or asking for a refresh. Defaults to `true`.
    fn can_refresh(&self) -> bool {
        true
    }
}

/// A fixed token: a Private Integration Token, or an OAuth access token managed elsewhere.
/// It cannot refresh.
#[derive(Clone, Debug)]
pub struct StaticToken(Token);

impl StaticToken {
    /// Wraps a token.
    pub fn new(token: Token) -> Self {
        Self(token)
    }

    /// The wrapped token.
    pub fn token(&self) -> &Token {
        &self.0
    }
}

impl TokenSource for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<Token, ApiError>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }

    fn refresh(&self) -> BoxFuture<'_, Result<Token, ApiError>> {
        Box::pin(async {
            Err(ApiError::config(
                "a static token cannot be refreshed; issue a new token",
            ))
        })
    }
    fn can_refresh(&self) -> bool {
        false
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A JWT-shaped token (unsigned) with the given `authClass`.
    pub(crate) fn jwt_with_auth_class(class: &str) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = engine.encode(
            format!(r#"{{"authClass":"{class}","authClassId":"abc","source":"INTEGRATION"}}"#)
                .as_bytes(),
        );
        format!("{header}.{payload}.c2lnbmF0dXJl")
    }

    #[test]
    fn token_debug_and_display_never_show_the_secret() {
        let token = Token::new("pit-12345678-aaaa-bbbb-cccc-1234567890ab");
        assert!(!format!("{token:?}").contains("12345678"));
        assert!(!format!("{token}").contains("12345678"));
        assert_eq!(token.kind(), TokenKind::PrivateIntegration);
    }

    #[test]
    fn a_company_jwt_is_refused_and_a_location_jwt_accepted() {
        let company = Token::new(jwt_with_auth_class("Company"));
        assert_eq!(company.kind(), TokenKind::CompanyJwt);
        let error = company.check_usable().expect_err("company token refused");
        assert_eq!(error.kind(), crate::ErrorKind::WrongTokenType);
        assert!(
            error
                .to_string()
                .contains("Sub-Account (Location) token is needed")
        );
        let location = Token::new(jwt_with_auth_class("Location"));
        assert_eq!(location.kind(), TokenKind::LocationJwt);
        assert!(location.check_usable().is_ok());
    }

    #[test]
    fn empty_or_multiline_tokens_are_refused() {
        assert!(Token::new("  ").check_usable().is_err());
        assert!(Token::new("pit-a\nb").check_usable().is_err());
    }
}
