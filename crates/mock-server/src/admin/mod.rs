//! The admin API under `/__mock/`: its router, nested under the prefix with its own fallback, so
//! no other module needs to know the prefix.
//!
//! The prefix cannot collide with a vendor path. Admin routes take and return JSON (other media
//! types: 415), need no `Version` header and, unless an admin token is set, no bearer token;
//! they refuse cross-site browser requests (403), are never rate limited, faulted or journaled,
//! and answer errors in the vendor shape (`{"statusCode", "message", "error"}`, one `AdminError`
//! type). They exist for local and CI use: without an admin token anyone who can reach the port
//! can reset or rewrite the state, so never expose the mock beyond a test network. Every route is listed in the crate
//! README. Each handler is a thin wrapper over a public [`AppState`] method: tests that embed
//! the server call those directly.

mod clock;
mod error;
mod guard;
mod handlers;
mod types;
pub(crate) mod ui;

use axum::Router;
use axum::middleware;
use axum::routing::{delete, get, post};

use crate::AppState;
use handlers::*;
pub use types::TokenDocument;

/// The reserved path prefix of the admin API (without its trailing slash).
pub(crate) const PREFIX: &str = "/__mock";

/// Whether `path` is the admin API's (as axum's `nest` claims paths: the prefix itself, or the
/// prefix and a `/`).
pub(crate) fn claims(path: &str) -> bool {
    path.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The admin routes, relative to [`PREFIX`] (nested there by [`crate::router`], outside the API
/// middleware), with their own fallback for unknown paths and methods, behind the guard
/// (cross-site requests, the admin token, non-JSON bodies; see `guard`). The dashboard's page
/// and assets (`/__mock/ui`, see [`ui`]) are merged in outside the guard; its data routes are
/// behind it.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(ui::data_routes())
        .route("/", get(index))
        .route("/reset", post(reset))
        .route("/state", get(export_state).put(import_state))
        .route("/state/save", post(save_state))
        .route("/tokens", get(list_tokens).post(register_token))
        .route("/calls", post(simulate_call))
        .route("/call-logs/generate", post(generate_call_logs))
        .route("/generations", post(add_generation))
        .route("/journal", get(get_journal).delete(clear_journal))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/faults/{id}", delete(remove_fault))
        .route("/rate-limit", get(get_rate_limit).put(set_rate_limit))
        .route("/clock", get(clock::get_clock).put(clock::put_clock))
        .route(
            "/webhooks/subscriptions",
            get(list_subscriptions).post(add_subscription),
        )
        .route("/webhooks/subscriptions/{id}", delete(remove_subscription))
        .route("/webhooks/deliveries", get(list_deliveries))
        .route("/webhooks/public-key", get(public_key))
        .route(
            "/webhooks/retry-policy",
            get(get_retry_policy).put(set_retry_policy),
        )
        .route("/oauth/apps", get(list_oauth_apps).post(add_oauth_app))
        .route("/oauth/codes", post(mint_oauth_code))
        .route(
            "/violations",
            get(crate::proxy::list_violations).delete(crate::proxy::clear_violations),
        )
        .fallback(admin_not_found)
        .method_not_allowed_fallback(admin_not_found)
        .layer(middleware::from_fn_with_state(state, guard::guard))
        .merge(ui::page_routes().method_not_allowed_fallback(admin_not_found))
}
