//! The whole HTTP surface: [`router`], one axum router (the API's routing table behind the
//! request pipeline, the OAuth endpoints, the admin API nested under its prefix), and the
//! server's [`App`], which gives the API's requests to the table directly.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware;
use axum::response::Response;
use tower::ServiceExt;

use crate::api::routing::Routes;

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
    with_routes(state.clone(), Arc::new(api_routes(&state)))
}

/// The API's routing table: both specs' operations and the OAuth endpoints.
fn api_routes(state: &AppState) -> Routes {
    let mut routes = Routes::default();
    api::voice_ai::add_routes(&mut routes, state.voices_enabled());
    api::conversation_ai::add_routes(&mut routes);
    api::oauth::add_routes(&mut routes);
    routes
}

/// The router over `routes`: the API is one routing table behind the request pipeline
/// (`api::routing`), the fallback of everything the admin API does not claim, so unknown routes
/// get the pipeline too (the journal, faults and rate limit see them).
fn with_routes(state: AppState, routes: Arc<Routes>) -> Router {
    Router::new()
        .fallback(api::routing::handler(routes))
        .nest(
            admin::PREFIX,
            admin::routes(state.clone()).layer(middleware::from_fn(mw::log_request)),
        )
        .with_state(state)
}

/// What the server serves: [`router`]'s answers, with the API's requests handed to its routing
/// table directly rather than through the router's fallback. That fallback costs a request
/// about 2,000 instructions of axum's own (two more route matches, a path-parameter map, two
/// more boxed futures; BENCHMARKS.md, "From outside"); the answers are the same.
#[derive(Clone)]
pub(crate) struct App {
    router: Router,
    /// The API's routing table; none in proxy mode, where the router sends the API upstream.
    routes: Option<Arc<Routes>>,
    state: AppState,
}

impl App {
    pub(crate) fn new(state: AppState) -> Self {
        if state.shared.proxy.is_some() {
            return Self {
                router: router(state.clone()),
                routes: None,
                state,
            };
        }
        let routes = Arc::new(api_routes(&state));
        Self {
            router: with_routes(state.clone(), Arc::clone(&routes)),
            routes: Some(routes),
            state,
        }
    }

    /// The answer to `request`.
    pub(crate) fn call(&self, request: Request) -> Pin<Box<dyn Future<Output = Response> + Send>> {
        match &self.routes {
            Some(routes) if !admin::claims(request.uri().path()) => {
                if request.method() != Method::HEAD {
                    return routes.dispatch(self.state.clone(), request);
                }
                // As axum answers `HEAD`: the `GET` answer's head, its length included.
                let answer = routes.dispatch(self.state.clone(), request);
                Box::pin(async move {
                    let mut response = answer.await;
                    if let Some(length) = response.body().size_hint().exact()
                        && !response.headers().contains_key(header::CONTENT_LENGTH)
                    {
                        response
                            .headers_mut()
                            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
                    }
                    *response.body_mut() = Body::empty();
                    response
                })
            }
            _ => {
                let router = self.router.clone();
                Box::pin(async move {
                    match router.oneshot(request).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    }
                })
            }
        }
    }
}
