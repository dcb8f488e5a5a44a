//! The request journal: what clients sent, for assertions in tests (like wiremock's
//! `received_requests`).
//!
//! Every request that reaches the router is recorded, refused ones included, in arrival order:
//! method, path, raw query, headers and body (empty when the body was over the size limit). The
//! journal keeps the most recent [`JOURNAL_CAPACITY`] requests so a long-running server does not
//! grow without bound; `reset` empties it.
//!
//! Beside those raw requests it keeps two more bounded lists for the admin API
//! (`GET /__mock/journal`): [`JournalEntry`], one per exchange once its response is known
//! (method, path, query, status, latency, a body excerpt, the bearer token redacted; admin
//! requests under `/__mock/` are not recorded), and [`WebhookDelivery`], one per webhook sent
//! to one subscriber with every attempt.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::AppState;

/// How many requests the journal keeps (the oldest are dropped first).
pub const JOURNAL_CAPACITY: usize = 10_000;

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path, e.g. `/voice-ai/agents`.
    pub path: String,
    /// The raw query string without `?`, if any.
    pub query: Option<String>,
    /// Header names (lower case) and values, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    /// The first value of a header, by case-insensitive name.
    ///
    /// ```
    /// use mock_server::journal::ReceivedRequest;
    /// // Arrange
    /// let request = ReceivedRequest {
    ///     method: "GET".into(),
    ///     path: "/".into(),
    ///     query: None,
    ///     headers: vec![("version".into(), "2021-04-15".into())],
    ///     body: Vec::new(),
    /// };
    /// // Act
    /// let version = request.header("Version");
    /// // Assert
    /// assert_eq!(version, Some("2021-04-15"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    ///
    /// ```
    /// use mock_server::journal::ReceivedRequest;
    /// // Arrange
    /// let request = ReceivedRequest {
    ///     method: "POST".into(),
    ///     path: "/voice-ai/agents".into(),
    ///     query: None,
    ///     headers: Vec::new(),
    ///     body: br#"{"agentName":"A"}"#.to_vec(),
    /// };
    /// // Act
    /// let body = request.body_json();
    /// // Assert
    /// assert_eq!(body.expect("JSON")["agentName"], "A");
    /// ```
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// How many bytes of a request body a [`JournalEntry`] keeps.
pub const BODY_EXCERPT_BYTES: usize = 1024;

/// What stands in for a bearer token in [`JournalEntry::headers`].
pub const REDACTED: &str = "Bearer <redacted>";

/// One exchange: the request and the status it got, for `GET /__mock/journal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// When the request arrived (RFC 3339, UTC).
    pub at: String,
    /// The HTTP method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The raw query string without `?`, if any.
    pub query: Option<String>,
    /// The response status; 0 when a fault dropped the connection instead.
    pub status: u16,
    /// Time from arrival to the response head, in microseconds (injected latency included).
    pub latency_micros: u64,
    /// Header names (lower case) and values; `authorization` reads [`REDACTED`].
    pub headers: Vec<(String, String)>,
    /// The first [`BODY_EXCERPT_BYTES`] bytes of the body, as lossy UTF-8.
    pub body_excerpt: String,
}

impl JournalEntry {
    /// The entry as the admin API shows it.
    ///
    /// ```
    /// use mock_server::journal::JournalEntry;
    /// // Arrange
    /// let entry = JournalEntry {
    ///     at: "2026-01-01T00:00:00.000Z".into(),
    ///     method: "GET".into(),
    ///     path: "/voice-ai/agents".into(),
    ///     query: None,
    ///     status: 200,
    ///     latency_micros: 1500,
    ///     headers: Vec::new(),
    ///     body_excerpt: String::new(),
    /// };
    /// // Act
    /// let json = entry.to_json();
    /// // Assert
    /// assert_eq!(json["status"], 200);
    /// assert_eq!(json["latencyMs"], 1.5);
    /// ```
    pub fn to_json(&self) -> Value {
        let headers: serde_json::Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        json!({
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "latencyMs": self.latency_micros as f64 / 1000.0,
            "headers": headers,
            "bodyExcerpt": self.body_excerpt,
        })
    }
}

/// One attempt at delivering a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// 1 for the first try.
    pub attempt: u32,
    /// When it was sent (RFC 3339, UTC).
    pub at: String,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// Why there was no answer (connection refused, timeout, …).
    pub error: Option<String>,
    /// Time to the response head (or the failure), in microseconds.
    pub latency_micros: u64,
}

/// One webhook event sent to one subscriber, with every attempt so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// The envelope `webhookId`.
    pub webhook_id: String,
    /// The subscription it went to.
    pub subscription_id: String,
    /// The subscriber URL.
    pub url: String,
    /// The event `type`, e.g. `VoiceAiCallEnd`.
    pub event_type: String,
    /// The attempts, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
    /// Whether an attempt got a 2xx.
    pub delivered: bool,
    /// Whether retrying is over (delivered, or out of attempts).
    pub finished: bool,
}

impl WebhookDelivery {
    /// The delivery as the admin API shows it.
    ///
    /// ```
    /// use mock_server::journal::WebhookDelivery;
    /// // Arrange
    /// let delivery = WebhookDelivery {
    ///     webhook_id: "w1".into(),
    ///     subscription_id: "s1".into(),
    ///     url: "http://127.0.0.1:9/hook".into(),
    ///     event_type: "VoiceAiCallEnd".into(),
    ///     attempts: Vec::new(),
    ///     delivered: false,
    ///     finished: false,
    /// };
    /// // Act
    /// let json = delivery.to_json();
    /// // Assert
    /// assert_eq!(json["webhookId"], "w1");
    /// ```
    pub fn to_json(&self) -> Value {
        let attempts: Vec<Value> = self
            .attempts
            .iter()
            .map(|a| {
                json!({
                    "attempt": a.attempt,
                    "at": a.at,
                    "status": a.status,
                    "error": a.error,
                    "latencyMs": a.latency_micros as f64 / 1000.0,
                })
            })
            .collect();
        json!({
            "webhookId": self.webhook_id,
            "subscriptionId": self.subscription_id,
            "url": self.url,
            "type": self.event_type,
            "attempts": attempts,
            "delivered": self.delivered,
            "finished": self.finished,
        })
    }
}

/// A received request as kept: the raw parts (cheap to clone; `Bytes` and `HeaderMap` share
/// or copy their buffers without per-header `String`s), turned into a [`ReceivedRequest`] only
/// when read.
#[derive(Debug, Clone)]
pub(crate) struct RawRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

impl RawRequest {
    /// Whether the journaled body is empty.
    pub(crate) fn body_is_empty(&self) -> bool {
        self.body.is_empty()
    }

    fn to_received(&self) -> ReceivedRequest {
        ReceivedRequest {
            method: self.method.as_str().to_owned(),
            path: self.uri.path().to_owned(),
            query: self.uri.query().map(str::to_owned),
            headers: header_pairs(&self.headers, false),
            body: self.body.to_vec(),
        }
    }
}

/// Header names and values as strings, the bearer token redacted when asked.
fn header_pairs(headers: &HeaderMap, redacted: bool) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            let value = String::from_utf8_lossy(v.as_bytes());
            let value = if redacted {
                redact(n.as_str(), &value)
            } else {
                value.into_owned()
            };
            (n.as_str().to_owned(), value)
        })
        .collect()
}

/// The request as [`record_exchanges`] journaled it, in the request's extensions: the handler
/// records this same (shared) entry as the received request instead of copying it again.
#[derive(Debug, Clone)]
pub(crate) struct Journaled(pub(crate) Arc<RawRequest>);

/// An exchange as kept: the shared raw request and times, formatted into a [`JournalEntry`]
/// when read.
#[derive(Debug, Clone)]
struct RawExchange {
    at: SystemTime,
    request: Arc<RawRequest>,
    status: u16,
    latency_micros: u64,
}

impl RawExchange {
    fn to_entry(&self) -> JournalEntry {
        let epoch_ms = self
            .at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as i64;
        let request = &self.request;
        let len = request.body.len().min(BODY_EXCERPT_BYTES);
        JournalEntry {
            at: crate::store::rfc3339(epoch_ms),
            method: request.method.as_str().to_owned(),
            path: request.uri.path().to_owned(),
            query: request.uri.query().map(str::to_owned),
            status: self.status,
            latency_micros: self.latency_micros,
            headers: header_pairs(&request.headers, true),
            body_excerpt: String::from_utf8_lossy(&request.body[..len]).into_owned(),
        }
    }
}

/// The bounded, shared lists of received requests, exchanges and webhook deliveries.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    entries: Mutex<VecDeque<Arc<RawRequest>>>,
    exchanges: Mutex<VecDeque<RawExchange>>,
    deliveries: Mutex<VecDeque<WebhookDelivery>>,
}

/// Appends `item`, evicting the oldest entry at capacity. The evicted entry (cold memory: a
/// header map and buffers from thousands of requests ago) is dropped after the lock is released.
fn push_bounded<T>(list: &Mutex<VecDeque<T>>, item: T) {
    let evicted = {
        let mut list = list.lock().unwrap_or_else(PoisonError::into_inner);
        let evicted = if list.len() >= JOURNAL_CAPACITY {
            list.pop_front()
        } else {
            None
        };
        list.push_back(item);
        evicted
    };
    drop(evicted);
}

impl Journal {
    pub(crate) fn record(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) {
        self.record_bytes(method, uri, headers, Bytes::copy_from_slice(body));
    }

    /// Like [`Journal::record`], keeping the (shared) body buffer instead of copying it.
    pub(crate) fn record_bytes(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) {
        let entry = RawRequest {
            method: method.clone(),
            uri: uri.clone(),
            headers: headers.clone(),
            body,
        };
        push_bounded(&self.entries, Arc::new(entry));
    }

    /// Records a request [`record_exchanges`] already captured (shared, not copied).
    pub(crate) fn record_shared(&self, request: Arc<RawRequest>) {
        push_bounded(&self.entries, request);
    }

    pub(crate) fn snapshot(&self) -> Vec<ReceivedRequest> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|r| r.to_received())
            .collect()
    }

    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn record_exchange(&self, entry: RawExchange) {
        push_bounded(&self.exchanges, entry);
    }

    pub(crate) fn exchanges(&self) -> Vec<JournalEntry> {
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(RawExchange::to_entry)
            .collect()
    }

    /// Adds a delivery, or replaces the one with the same webhook id and subscription.
    pub(crate) fn record_delivery(&self, delivery: WebhookDelivery) {
        let mut list = self
            .deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = list.iter_mut().find(|d| {
            d.webhook_id == delivery.webhook_id && d.subscription_id == delivery.subscription_id
        }) {
            *existing = delivery;
            return;
        }
        if list.len() >= JOURNAL_CAPACITY {
            list.pop_front();
        }
        list.push_back(delivery);
    }

    pub(crate) fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }
}

/// Redacts the bearer token of an `authorization` header value (other schemes are kept).
fn redact(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("authorization") {
        REDACTED.to_owned()
    } else {
        value.to_owned()
    }
}

/// Middleware: records a [`JournalEntry`] for every request outside `/__mock/` once its
/// response head is ready. Buffers the body (up to one byte over the API's limit, so the
/// handler still sees an oversized body as oversized). What is kept is raw (a `HeaderMap`
/// clone, the shared body buffer, a `SystemTime`); it is formatted only when the journal is read.
pub(crate) async fn record_exchanges<N, F>(state: &AppState, request: Request, next: N) -> Response
where
    N: FnOnce(Request) -> F,
    F: std::future::Future<Output = Response>,
{
    if request.uri().path().starts_with(crate::admin::PREFIX) {
        return next(request).await;
    }
    let started = Instant::now();
    let at = SystemTime::now();
    let (mut parts, body) = request.into_parts();
    // A body over the limit (or unreadable) is replaced by one just over it, so the handler
    // refuses it exactly as it would have refused the original; it is journaled empty.
    let (bytes, kept) = match axum::body::to_bytes(body, crate::BODY_LIMIT).await {
        Ok(bytes) => (bytes.clone(), bytes),
        Err(_) => (Bytes::from(vec![0; crate::BODY_LIMIT + 1]), Bytes::new()),
    };
    let raw = Arc::new(RawRequest {
        method: parts.method.clone(),
        uri: parts.uri.clone(),
        headers: parts.headers.clone(),
        body: kept,
    });
    parts.extensions.insert(Journaled(raw.clone()));
    let response = next(Request::from_parts(parts, Body::from(bytes))).await;
    state.journal().record_exchange(RawExchange {
        at,
        request: raw,
        status: if response
            .extensions()
            .get::<crate::faults::Dropped>()
            .is_some()
        {
            0
        } else {
            response.status().as_u16()
        },
        latency_micros: started.elapsed().as_micros() as u64,
    });
    response
}
