//! The dashboard at `GET /__mock/ui`: one page of plain HTML, CSS and JavaScript embedded in the
//! binary (no build step, nothing fetched from elsewhere), reading the admin API.
//!
//! The page and its two assets are public: they hold no data, so a browser can load them
//! without the admin token. Everything the page shows or changes goes through guarded admin
//! routes (the existing ones, the live stream `GET /__mock/journal/stream` and the read-only
//! `GET /__mock/ui/api/…` of [`data`]), so the admin token, when set, is asked for once and sent
//! as `Authorization: Bearer` from `sessionStorage`. The page's requests are same-origin
//! `fetch`es with `Content-Type: application/json`, which the guard lets through when the page
//! is opened at a loopback or IP address.

mod data;
mod live;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
pub(crate) use live::{LiveFeed, publish};

const INDEX_HTML: &str = include_str!("../../../ui/index.html");
const APP_CSS: &str = include_str!("../../../ui/app.css");
const APP_JS: &str = include_str!("../../../ui/app.js");

/// What the page may load and where it may be framed: only its own origin, never in a frame.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

fn asset(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        text,
    )
        .into_response()
}

async fn index_html() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

async fn app_css() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// The page and its assets, outside the admin guard (relative to the admin prefix).
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/ui", get(index_html))
        .route("/ui/app.css", get(app_css))
        .route("/ui/app.js", get(app_js))
}

/// The page's data routes, behind the admin guard (relative to the admin prefix).
pub(crate) fn data_routes() -> Router<AppState> {
    Router::new()
        .route("/journal/stream", get(live::stream))
        .route("/ui/api/overview", get(data::overview))
        .route("/ui/api/state", get(data::location_state))
        .route("/ui/api/call-logs", get(data::call_logs))
        .route("/ui/api/deliveries", get(data::deliveries))
}
