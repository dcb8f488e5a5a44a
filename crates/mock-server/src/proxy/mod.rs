//! The validating proxy: with an upstream set, the server forwards every vendor-route request
//! there and checks both directions against our specs, so drift of the real API shows.
//!
//! Per request ([`handle`]): the operation is found from method and path ([`check`]); the
//! request's parameters and body are checked with the mock's own validator; in strict mode an
//! invalid request is answered with the mock's vendor-shaped 422 and not forwarded; otherwise it
//! goes upstream ([`forward`]) and the answer comes back unchanged (hop-by-hop headers aside).
//! Its status and body are checked after it is returned, on the blocking pool, so the check
//! adds nothing to the client's wait (strict mode checks first: the answer's header depends on
//! it); bodies waiting for their check have a 64 MiB budget, beyond which answers are checked
//! before they are returned. Readers of the violations wait for the checks in flight. Each [`Violation`] is logged as one line and listed
//! at `GET /__mock/violations` ([`violations`]); `--report FILE` turns the list into JUnit XML
//! at shutdown ([`report`]); `--record FILE` keeps the GET answers as fixtures ([`record`]).
//! The OAuth endpoints (`/oauth/…`) are outside our specs: they are forwarded unchecked and
//! never recorded. The admin API (`/__mock/…`) stays local. Tokens are forwarded, never
//! logged, listed, reported or recorded.

mod check;
mod forward;
mod record;
mod report;
mod violations;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
pub use violations::{Direction, Violation, ViolationKind};

/// The header a strict proxy adds to an answer that breaks the spec: how many errors it has.
pub const VIOLATIONS_HEADER: &str = "x-mock-violations";

/// How the server proxies to an upstream (see [`crate::MockServerBuilder::upstream`]).
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    upstream: String,
    strict: bool,
    report: Option<PathBuf>,
    record: Option<PathBuf>,
    client: reqwest::Client,
}

impl ProxyConfig {
    /// Proxies to `upstream`, an `http://` or `https://` base URL (a path prefix is kept; a
    /// trailing slash is dropped). Fails on another scheme, a URL with a query, or when TLS
    /// cannot be set up.
    ///
    /// ```
    /// use mock_server::ProxyConfig;
    /// // Arrange / Act
    /// let config = ProxyConfig::new("https://services.leadconnectorhq.com/").expect("a valid URL");
    /// // Assert
    /// assert_eq!(config.upstream(), "https://services.leadconnectorhq.com");
    /// assert!(ProxyConfig::new("ftp://example.com").is_err());
    /// ```
    pub fn new(upstream: &str) -> Result<Self, String> {
        let url = reqwest::Url::parse(upstream.trim())
            .map_err(|e| format!("the upstream URL is invalid: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err("the upstream URL must be http:// or https:// with a host".to_owned());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("the upstream URL must not have a query or fragment".to_owned());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the upstream URL must not carry credentials".to_owned());
        }
        Ok(Self {
            upstream: url.as_str().trim_end_matches('/').to_owned(),
            strict: false,
            report: None,
            record: None,
            client: forward::client()?,
        })
    }

    /// Strict mode: an invalid request is answered with the vendor-shaped 422 instead of being
    /// forwarded, and an answer that breaks the spec carries [`VIOLATIONS_HEADER`].
    ///
    /// ```
    /// use mock_server::ProxyConfig;
    /// // Arrange / Act
    /// let config = ProxyConfig::new("http://127.0.0.1:9").expect("valid").strict(true);
    /// // Assert
    /// assert!(config.is_strict());
    /// ```
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Where [`AppState::finish_proxy`] writes the JUnit XML report.
    ///
    /// ```
    /// use mock_server::ProxyConfig;
    /// // Arrange / Act
    /// let config = ProxyConfig::new("http://127.0.0.1:9").expect("valid").report("drift.xml");
    /// // Assert
    /// assert_eq!(config.report_path(), Some(std::path::Path::new("drift.xml")));
    /// ```
    pub fn report(mut self, path: impl Into<PathBuf>) -> Self {
        self.report = Some(path.into());
        self
    }

    /// Where [`AppState::finish_proxy`] writes the recorded fixtures document.
    ///
    /// ```
    /// use mock_server::ProxyConfig;
    /// // Arrange / Act
    /// let config = ProxyConfig::new("http://127.0.0.1:9").expect("valid").record("session.json");
    /// // Assert
    /// assert_eq!(config.record_path(), Some(std::path::Path::new("session.json")));
    /// ```
    pub fn record(mut self, path: impl Into<PathBuf>) -> Self {
        self.record = Some(path.into());
        self
    }

    /// The upstream base URL, without a trailing slash.
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// Whether strict mode is on.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// The report file, if any.
    pub fn report_path(&self) -> Option<&Path> {
        self.report.as_deref()
    }

    /// The recording file, if any.
    pub fn record_path(&self) -> Option<&Path> {
        self.record.as_deref()
    }
}

/// The running proxy: its settings, the violations seen, the recorder.
#[derive(Debug)]
pub(crate) struct Proxy {
    config: ProxyConfig,
    violations: violations::ViolationLog,
    seen: Mutex<report::Seen>,
    recorder: Option<record::Recorder>,
    pending: Pending,
}

impl Proxy {
    pub(crate) fn new(config: ProxyConfig) -> Self {
        let recorder = config.record.clone().map(record::Recorder::new);
        Self {
            config,
            violations: violations::ViolationLog::default(),
            seen: Mutex::new(BTreeMap::new()),
            recorder,
            pending: Pending::default(),
        }
    }
}

/// The router in proxy mode: every path but the admin API's goes upstream.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .fallback(handle)
        .layer(axum::middleware::from_fn(crate::middleware::log_request))
        .nest(
            crate::admin::PREFIX,
            crate::admin::routes(state.clone())
                .layer(axum::middleware::from_fn(crate::middleware::log_request)),
        )
        .with_state(state)
}

/// Checks, forwards and checks one exchange.
async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let Some(proxy) = state.shared.proxy.clone() else {
        return ApiError::not_found("no upstream configured").into_response();
    };
    let (parts, body) = request.into_parts();
    // As for the mock's own routes: at most `BODY_LIMIT` (the vendor's 1 MiB), reserved in the
    // server's body budget before it is read and held until the answer is ready, within the
    // body read timeout.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = crate::BODY_LIMIT as u64;
    if declared.is_some_and(|n| n > limit) {
        return ApiError::payload_too_large().into_response();
    }
    let kib = declared
        .map_or(limit, |n| n.min(limit))
        .div_ceil(1024)
        .max(1);
    let _reserved = std::sync::Arc::clone(state.body_budget())
        .acquire_many_owned(u32::try_from(kib).unwrap_or(u32::MAX))
        .await
        .ok();
    let body = match axum::body::to_bytes(body, crate::BODY_LIMIT).await {
        Ok(body) => body,
        Err(error)
            if std::error::Error::source(&error)
                .is_some_and(crate::connections::is_body_read_timeout) =>
        {
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "The request body did not arrive in time",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
        Err(_) => return ApiError::payload_too_large().into_response(),
    };
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let redactor = violations::Redactor::for_authorization(
        parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    );
    let request_line = redactor.request_line(parts.method.as_str(), &path, Some(&query));
    let content_type = |headers: &axum::http::HeaderMap| {
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let checked = !path.starts_with("/oauth/");
    let matched = if checked {
        check::find_operation(parts.method.as_str(), &path)
    } else {
        None
    };
    if let Some(m) = &matched {
        let key = (check::api_name(m.api).to_owned(), m.op.id.clone());
        *proxy
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_insert(0) += 1;
    }

    match &matched {
        Some(m) => {
            let cx = check::Context {
                matched: m,
                direction: Direction::Request,
                request_line: &request_line,
                redactor: &redactor,
            };
            let found = violations::collapse(check::check_request(
                &cx,
                &query,
                content_type(&parts.headers).as_deref(),
                &body,
            ));
            let errors: Vec<String> = found
                .iter()
                .filter(|v| v.kind == ViolationKind::Error)
                .map(nest_message)
                .collect();
            proxy.violations.record(found);
            if proxy.config.strict && !errors.is_empty() {
                return ApiError::unprocessable(errors).into_response();
            }
        }
        None if checked => proxy.violations.record(vec![Violation {
            api: None,
            operation: None,
            direction: Direction::Request,
            kind: ViolationKind::Error,
            part: "route".to_owned(),
            pointer: String::new(),
            expected: "an operation of the specs".to_owned(),
            actual: request_line.clone(),
            request: request_line.clone(),
            count: 1,
        }]),
        None => {}
    }

    let url = match parts.uri.query() {
        Some(q) => format!("{}{path}?{q}", proxy.config.upstream),
        None => format!("{}{path}", proxy.config.upstream),
    };
    let answer = match forward::send(
        &proxy.config.client,
        &url,
        parts.method.clone(),
        &parts.headers,
        body,
    )
    .await
    {
        Ok(answer) => answer,
        Err(reason) => {
            let reason = redactor.scrub(&reason);
            tracing::warn!(request = %request_line, %reason, "upstream request failed");
            return ApiError::new(StatusCode::BAD_GATEWAY, format!("Bad Gateway: {reason}"))
                .into_response();
        }
    };

    let mut error_count = 0;
    if let Some(matched) = matched {
        let job = AnswerCheck {
            matched,
            get: parts.method == axum::http::Method::GET,
            status: answer.status,
            content_type: content_type(&answer.headers),
            body: answer.body.clone(),
            query,
            request_line,
            redactor,
        };
        job.record(&proxy);
        let size = job.body.len();
        // Strict mode needs the outcome for this answer's header; otherwise the check runs
        // after the answer is on its way, off the client's path, within a byte budget.
        if !proxy.config.strict && proxy.pending.reserve(size) {
            let proxy = proxy.clone();
            tokio::task::spawn_blocking(move || {
                let _done = Release(&proxy.pending, size);
                job.run(&proxy);
            });
        } else {
            error_count = job.run(&proxy);
        }
    }

    let mut response = (answer.status, answer.body).into_response();
    *response.headers_mut() = answer.headers;
    if proxy.config.strict && error_count > 0 {
        response
            .headers_mut()
            .insert(VIOLATIONS_HEADER, HeaderValue::from(error_count as u64));
    }
    response
}

/// One answer to check (and record), owned so the check can run after the answer is sent.
struct AnswerCheck {
    matched: check::Matched,
    get: bool,
    status: StatusCode,
    content_type: Option<String>,
    body: axum::body::Bytes,
    query: String,
    request_line: String,
    redactor: violations::Redactor,
}

impl AnswerCheck {
    /// Checks the answer and records its violations; returns its error count.
    fn run(&self, proxy: &Proxy) -> usize {
        let cx = check::Context {
            matched: &self.matched,
            direction: Direction::Response,
            request_line: &self.request_line,
            redactor: &self.redactor,
        };
        let found = violations::collapse(check::check_response(
            &cx,
            self.status.as_u16(),
            self.content_type.as_deref(),
            &self.body,
        ));
        let errors = found
            .iter()
            .filter(|v| v.kind == ViolationKind::Error)
            .count();
        proxy.violations.record(found);
        errors
    }

    /// Records a successful GET's data. Runs before the answer is returned, so records keep
    /// the order the answers arrived in.
    fn record(&self, proxy: &Proxy) {
        if let Some(recorder) = &proxy.recorder
            && self.get
            && self.status.is_success()
            && let Ok(value) = serde_json::from_slice::<Value>(&self.body)
        {
            recorder.observe(&self.matched, &self.query, &value, &self.redactor);
        }
    }
}

/// The answers still being checked after they were returned, within [`DEFERRED_BYTES`].
#[derive(Debug, Default)]
struct Pending {
    /// Checks in flight and the bytes of their bodies.
    state: Mutex<(usize, usize)>,
    idle: Condvar,
}

/// The budget of answer bodies waiting for their check (64 MiB); beyond it, answers are
/// checked before they are returned, which slows the clients down instead of growing memory.
const DEFERRED_BYTES: usize = 64 * 1024 * 1024;

/// How long a reader of the violations waits for the checks in flight.
const SETTLE: Duration = Duration::from_secs(5);

impl Pending {
    /// Reserves room for a deferred check of `bytes`; false when the budget is spent.
    fn reserve(&self, bytes: usize) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.1 + bytes > DEFERRED_BYTES {
            return false;
        }
        state.0 += 1;
        state.1 += bytes;
        true
    }

    /// Waits until no check is in flight (at most `limit`).
    fn settle(&self, limit: Duration) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = self
            .idle
            .wait_timeout_while(state, limit, |s| s.0 > 0)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

/// Ends one deferred check when dropped (also if the check panicked).
struct Release<'a>(&'a Pending, usize);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 = state.0.saturating_sub(1);
        state.1 = state.1.saturating_sub(self.1);
        if state.0 == 0 {
            self.0.idle.notify_all();
        }
    }
}

/// A request error as the mock itself words it (`locationId should not be empty`,
/// `agentWorkingHours.0.intervals must be an array`), for strict mode's 422.
fn nest_message(v: &Violation) -> String {
    let path = v
        .pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".");
    let problem = match v.expected.as_str() {
        "present (required)" => "should not be empty",
        other => other,
    };
    if path.is_empty() {
        format!("{} {problem}", v.part)
    } else {
        format!("{path} {problem}")
    }
}

impl AppState {
    /// The violations the validating proxy has seen, first seen first (empty when the server
    /// does not proxy), once the answers still being checked are done (at most 5 s). See
    /// [`Violation`].
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert!(state.violations().is_empty());
    /// ```
    pub fn violations(&self) -> Vec<Violation> {
        self.shared
            .proxy
            .as_ref()
            .map(|p| {
                p.pending.settle(SETTLE);
                p.violations.snapshot().0
            })
            .unwrap_or_default()
    }

    /// Forgets the violations seen so far (and the operations counted for the report).
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// state.clear_violations();
    /// // Assert
    /// assert!(state.violations().is_empty());
    /// ```
    pub fn clear_violations(&self) {
        if let Some(proxy) = &self.shared.proxy {
            proxy.pending.settle(SETTLE);
            proxy.violations.clear();
            proxy
                .seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
        }
    }

    /// The proxy's shutdown work: writes the JUnit report and the recording, where configured
    /// (the binary calls it after a clean shutdown). A server that does not proxy does nothing.
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act / Assert
    /// assert!(state.finish_proxy().is_ok());
    /// ```
    pub fn finish_proxy(&self) -> Result<(), String> {
        let Some(proxy) = &self.shared.proxy else {
            return Ok(());
        };
        proxy.pending.settle(SETTLE);
        if let Some(path) = &proxy.config.report {
            let (list, dropped) = proxy.violations.snapshot();
            let seen = proxy
                .seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let xml = report::junit(&seen, &list, dropped);
            crate::persistence::write_atomically(path, xml.as_bytes())
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
        if let Some(recorder) = &proxy.recorder {
            recorder.write()?;
            tracing::info!(path = %recorder.path().display(), "wrote the recording");
        }
        Ok(())
    }
}

/// `GET /__mock/violations`: `{upstream, violations: […], dropped}`.
pub(crate) async fn list_violations(State(state): State<AppState>) -> Response {
    let (list, dropped) = match state.shared.proxy.clone() {
        Some(proxy) => tokio::task::spawn_blocking(move || {
            proxy.pending.settle(SETTLE);
            proxy.violations.snapshot()
        })
        .await
        .unwrap_or_default(),
        None => Default::default(),
    };
    let upstream = state
        .shared
        .proxy
        .as_ref()
        .map(|p| Value::String(p.config.upstream.clone()))
        .unwrap_or(Value::Null);
    axum::Json(json!({"upstream": upstream, "violations": list, "dropped": dropped}))
        .into_response()
}

/// `DELETE /__mock/violations`: forgets them.
pub(crate) async fn clear_violations(State(state): State<AppState>) -> Response {
    state.clear_violations();
    axum::Json(json!({"success": true})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn deferred_checks_stay_within_their_byte_budget_and_readers_wait_for_them() {
        let pending = Arc::new(Pending::default());
        assert!(pending.reserve(DEFERRED_BYTES - 10));
        assert!(
            !pending.reserve(11),
            "over the budget: checked before returning"
        );
        let worker = {
            let pending = pending.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                drop(Release(&pending, DEFERRED_BYTES - 10));
            })
        };
        let started = std::time::Instant::now();
        pending.settle(Duration::from_secs(5));
        assert!(
            started.elapsed() >= Duration::from_millis(40),
            "settle waited"
        );
        assert_eq!(
            *pending.state.lock().unwrap_or_else(PoisonError::into_inner),
            (0, 0)
        );
        assert!(pending.reserve(11));
        worker.join().expect("the worker ends");
    }
}
