//! The API's middleware: one wrapper around each handler holding the request log line, the
//! exchange journal, injected faults, rate limiting and the panic guard, in that order. (Rate
//! limiting here only hands the pipeline its slot and sets the headers: a request spends budget
//! inside the pipeline, after authentication; see [`crate::rate_limit`].)

use std::future::Future;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{AppState, error, faults, journal, rate_limit};

/// The API's middleware as one `async` body around `handler`, outermost step first: the request
/// log line, the exchange journal ([`journal::admit`]), injected faults ([`faults`]), rate
/// limiting ([`rate_limit::Passage`]: 429 over budget, the `X-RateLimit-*` headers on every
/// response while it is on) and the panic guard. Each step is a plain call before and after the
/// handler rather than a nested middleware future: nested futures each keep the request and
/// their inner future, so every layer would copy kilobytes per request. The API's routing table
/// runs every route, and its 404, in it ([`crate::api::routing`]) rather than a router being
/// layered: a layer is one more boxed, cloned service per request in front of the handler's own.
pub(crate) async fn pipeline<F, Fut>(state: AppState, mut request: Request, handler: F) -> Response
where
    F: FnOnce(Request, AppState) -> Fut,
    Fut: Future<Output = Response>,
{
    let line = RequestLine::start(&request);
    let (admission, early) = journal::admit(&state, &mut request).await;
    let response = match early {
        Some(early) => early,
        None => {
            let verdict = state
                .faults()
                .decide(request.method().as_str(), request.uri().path());
            if let Some(delay) = verdict.delay {
                tokio::time::sleep(delay).await;
            }
            match verdict.effect {
                // The request is answered here; its body was buffered (and journaled) already.
                Some(effect) => faults::respond(&state, effect),
                None => {
                    let passage = rate_limit::Passage::open(&state, &mut request);
                    let mut response = catch_panic(handler(request, state.clone())).await;
                    if let Some(passage) = passage {
                        passage.close(&state, &mut response);
                    }
                    response
                }
            }
        }
    };
    let response = admission.finish(&state, response).await;
    line.finish(&response);
    response
}

/// The last resort: a handler that panics (a bug; no client input should reach one) yields a
/// 500 in the vendor shape instead of a dropped connection.
async fn catch_panic(handler: impl Future<Output = Response>) -> Response {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(handler).catch_unwind().await {
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
    let line = RequestLine::start(&request);
    let response = next.run(request).await;
    line.finish(&response);
    response
}

/// The `tracing` target of the per-request lines. The binary leaves it off unless
/// `--log-requests` (or `RUST_LOG`) asks for it: the journal and the dashboard already show every
/// exchange, and a formatted, written line per request took a quarter of the binary's
/// instructions per request and 10–20 % of its throughput (BENCHMARKS.md, "From outside,
/// profiled on the release binary").
pub const REQUEST_LOG_TARGET: &str = "mock_server::requests";

/// The `tracing` line of one request: method, path, status, latency. Nothing is copied and the
/// clock is not read when no subscriber wants [`REQUEST_LOG_TARGET`] at `info`.
struct RequestLine(Option<(Instant, axum::http::Method, String)>);

impl RequestLine {
    fn start(request: &Request) -> Self {
        Self(
            tracing::enabled!(target: REQUEST_LOG_TARGET, tracing::Level::INFO).then(|| {
                (
                    Instant::now(),
                    request.method().clone(),
                    request.uri().path().to_owned(),
                )
            }),
        )
    }

    fn finish(self, response: &Response) {
        if let Some((started, method, path)) = self.0 {
            tracing::info!(
                target: REQUEST_LOG_TARGET,
                %method,
                path,
                status = response.status().as_u16(),
                micros = started.elapsed().as_micros() as u64,
                "request"
            );
        }
    }
}
