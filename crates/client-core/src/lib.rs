#![doc = include_str!("../README.md")]

mod auth;
mod client_macro;
mod config;
mod error;
pub mod nullable;
mod oauth;
mod operation;
mod pagination;
pub mod rate_limit;
mod retry;
mod runtime;
mod wait;
pub mod webhooks;

pub use auth::{StaticToken, Token, TokenKind, TokenSource};
pub use config::{
    ClientConfig, ClientParts, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, ENV_BASE_URL, ENV_TOKEN,
    install_ring_crypto_provider,
};
pub use error::{ApiError, ErrorBody, ErrorKind, ErrorMessage};
pub use oauth::{
    DEFAULT_REFRESH_MARGIN, OAUTH_VERSION, OAuthCredentials, OAuthTokenSource,
    OAuthTokenSourceBuilder, UserType,
};
pub use operation::OperationMeta;
pub use pagination::{Page, cursor_stream, paged_stream};
pub use rate_limit::RateLimit;
pub use retry::{RetryPolicy, Sleeper, TokioSleeper, is_idempotent};
pub use runtime::{DEFAULT_VERSION, Runtime, VERSION_HEADER};

/// Re-exported so client crates and tests name the same `OperationInfo`.
pub use progenitor_client::OperationInfo;

/// Paths [`client_runtime!`] expands to; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use progenitor_client;
    pub use reqwest;
}
