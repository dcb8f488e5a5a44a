#![doc = include_str!("../README.md")]

mod admin;
mod auth;
mod clock;
mod error;
mod faults;
mod fixtures;
mod import_check;
mod journal;
mod oauth;
mod persistence;
mod proxy;
mod rate_limit;
mod spec;
mod store;
mod validation;
mod webhooks;

mod api;
mod connections;
mod middleware;
mod pagination;
mod routes;
mod server;
mod state;

pub use api::BODY_LIMIT;
pub use connections::{ConnectionLimits, READ_BUFFER_BYTES};
pub use middleware::REQUEST_LOG_TARGET;
pub use routes::router;
pub use server::{
    DEFAULT_BODY_BUDGET_BYTES, DEFAULT_LOCATION_ID, DEFAULT_SEED, MockServer, MockServerBuilder,
    dev_token_for_seed, serve, serve_with_limits,
};
pub use state::AppState;

pub use admin::TokenDocument;
pub use auth::{TokenKind, TokenSpec, UserType};
pub use clock::{Clock, ClockError, ClockSetting};
pub use error::{ApiError, ErrorMessage};
pub use faults::{Effect, FaultRule, Latency, PathMatch};
pub use fixtures::Fixtures;
pub use journal::{
    DEFAULT_JOURNAL_BYTES, HeaderCapture, JournalEntry, LEAN_HEADERS, ReceivedRequest,
    WebhookDelivery,
};
pub use oauth::{AuthorizationRequest, DEFAULT_COMPANY_ID, OAuthApp, OAuthError, OAuthTokens};
pub use persistence::StateFileLock;
pub use proxy::{Direction, ProxyConfig, VIOLATIONS_HEADER, Violation, ViolationKind};
pub use rate_limit::RateLimitConfig;
pub use spec::{Api, Spec};
pub use store::voice_ai::CallLogFilter;
pub use store::{Store, StoreError};
pub use webhooks::{
    MAX_ATTEMPTS as MAX_WEBHOOK_ATTEMPTS, Subscription, WebhookRetryPolicy, check_url,
};

/// Internal helpers that the crate's own integration tests and doc examples reach for.
///
/// Not part of the supported surface: names here may change without notice.
#[doc(hidden)]
pub mod testing {
    pub use crate::persistence::{PAUSE_ENV, read_document, temp_path, write_atomically};
    pub use crate::validation::{Validator, coerce_param};
    pub use crate::webhooks::call_end_event;

    /// The parsed vendor specs, for tests that walk operations.
    pub mod spec {
        pub use crate::spec::{ParamIn, conversation_ai, operation, spec, voice_ai};
    }
}
