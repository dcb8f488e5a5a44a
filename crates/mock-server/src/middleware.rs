//! The API's middleware: one layer holding the request log line, the exchange journal, injected
//! faults, rate limiting and the panic guard, in that order. (Rate limiting here only hands the
//! pipeline its slot and sets the headers: a request spends budget inside the pipeline, after
//! authentication; see [`crate::rate_limit`].)

use std::future::Future;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{AppState, error, faults, journal, rate_limit};

/// The API's middleware as one layer (one boxed future and one service clone per request
/// instead of five), outermost first: the request log line, the exchange journal
/// ([`journal`]), injected faults ([`faults`]), rate limiting ([`rate_limit`]: 429 over budget,
/// the `X-RateLimit-*` headers on every response while it is on) and the panic guard.
pub(crate) async fn pipeline(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    logged(request, |request| {
        journal::record(&state, request, |request| {
            faults::inject(&state, request, |request| {
                rate_limit::enforce(&state, request, |request| catch_panic(request, next))
            })
        })
    })
    .await
}

/// The last resort: a handler that panics (a bug; no client input should reach one) yields a
/// 500 in the vendor shape instead of a dropped connection.
async fn catch_panic(request: Request, next: Next) -> Response {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(_) => error::ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
        )
        .into_response(),
    }
}

/// One `tracing` line per request: method, path, status, latency (the admin routes' layer).
pub(crate) async fn log_request(request: Request, next: Next) -> Response {
    logged(request, |request| next.run(request)).await
}

/// Runs `next`, then logs one `tracing` line: method, path, status, latency. Skipped (no path
/// copy, no clock read) when no subscriber wants `info`.
async fn logged<N, F>(request: Request, next: N) -> Response
where
    N: FnOnce(Request) -> F,
    F: Future<Output = Response>,
{
    if !tracing::enabled!(tracing::Level::INFO) {
        return next(request).await;
    }
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
