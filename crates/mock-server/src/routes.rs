//! The whole HTTP surface as one axum router: the API routes under the request pipeline, the
//! OAuth endpoints, and the admin API nested under its prefix.

use axum::Router;
use axum::middleware;

use crate::api;
use crate::{AppState, admin, middleware as mw};

/// The whole API as an axum router over `state`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use axum::body::Body;
/// use axum::http::{Request, StatusCode};
/// use tower::ServiceExt;
/// // Arrange
/// let state = mock_server::MockServer::builder().build_state();
/// let request = Request::get(format!("/voice-ai/agents?locationId={}", state.location_id()))
///     .header("Version", "2021-04-15")
///     .header("Authorization", format!("Bearer {}", state.dev_token()))
///     .body(Body::empty())
///     .expect("a valid request");
/// // Act
/// let response = mock_server::router(state).oneshot(request).await.expect("infallible");
/// // Assert
/// assert_eq!(response.status(), StatusCode::OK);
/// # }
/// ```
pub fn router(state: AppState) -> Router {
    if state.shared.proxy.is_some() {
        // Proxy mode: vendor routes go upstream (see `crate::proxy`); the admin API stays local.
        return crate::proxy::router(state);
    }
    let voice = api::voice_ai::router(state.voices_enabled());
    let conversation = api::conversation_ai::router();
    let oauth = api::oauth::router();
    // Every API route is behind the request pipeline already (`api::piped`), and so are these
    // fallbacks: the journal, faults and rate limit see unknown routes too.
    voice
        .merge(conversation)
        .merge(oauth)
        .fallback(api::piped(api::route_not_found))
        .method_not_allowed_fallback(api::piped(api::route_not_found))
        .nest(
            admin::PREFIX,
            admin::routes(state.clone()).layer(middleware::from_fn(mw::log_request)),
        )
        .with_state(state)
}
