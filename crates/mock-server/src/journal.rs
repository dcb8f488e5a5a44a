//! The request journal: what clients sent and what they got, for assertions in tests (like
//! wiremock's `received_requests`) and for `GET /__mock/journal`.
//!
//! It is written in one place, the API middleware's [`admit`] and [`Admission::finish`]: every
//! API request is appended when it arrives (refused ones included, in arrival order) and
//! completed with its status and latency once its response head is ready. The admin API is not
//! journaled. While a dashboard watches, each finished exchange also goes to its live feed,
//! with its response (`admin::ui`).
//!
//! The journal is bounded by bytes, not by count: [`DEFAULT_JOURNAL_BYTES`] (32 MiB) unless the
//! builder or `--journal-bytes` says otherwise; the oldest exchanges are dropped first, and 0
//! switches it off. Each exchange costs a fixed overhead plus what it keeps:
//!
//! - a body of at most [`BODY_KEEP_BYTES`] whole; a larger one as its first
//!   [`BODY_EXCERPT_BYTES`] bytes, its length and its SHA-256;
//! - by default ([`HeaderCapture::Lean`]) only the headers the API reads or that identify a client
//!   ([`LEAN_HEADERS`]), copied one by one (a refcount each), never the whole `HeaderMap`;
//!   [`HeaderCapture::Full`] keeps every header.
//!
//! What the journal shows (`GET /__mock/journal`, [`JournalEntry`]) never holds a credential:
//! every credential-bearing header (`Authorization`,
//! `Proxy-Authorization`, `Cookie`, `Set-Cookie`, API keys, tokens, secrets, sessions…) reads
//! `<redacted>` (`Bearer <redacted>` keeps the scheme), with either header capture.
//! [`ReceivedRequest`]s, for the embedding test's own assertions, keep the values as sent.
//!
//! Webhook deliveries ([`WebhookDelivery`], one per event and subscriber with every attempt) are
//! kept beside the exchanges, the last [`DELIVERY_CAPACITY`]. A delivery task may update its
//! record only while the record is current: clearing the list (a new epoch) or cancelling the
//! record refuses its updates, and the task stops.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderName, Method};
use axum::response::Response;
use ring::digest;
use serde::Serialize;
use serde_json::Value;

use crate::AppState;

/// The journal's budget when none is configured: 32 MiB.
pub const DEFAULT_JOURNAL_BYTES: usize = 32 * 1024 * 1024;
/// Bodies up to this size (4 KiB) are kept whole.
pub(crate) const BODY_KEEP_BYTES: usize = 4 * 1024;
/// How many leading bytes of a larger body are kept, and how many a [`JournalEntry`] shows.
pub(crate) const BODY_EXCERPT_BYTES: usize = 1024;
/// The headers [`HeaderCapture::Lean`] keeps.
pub const LEAN_HEADERS: [&str; 6] = [
    "version",
    "authorization",
    "content-type",
    "content-length",
    "user-agent",
    "accept",
];
/// How many webhook deliveries are kept (the oldest are dropped first).
pub(crate) const DELIVERY_CAPACITY: usize = 10_000;
/// What one exchange costs besides the bytes it keeps (its record, `Arc`, list slot and URI
/// parts, measured at about this much).
const ENTRY_OVERHEAD: usize = 512;
/// What one kept header costs besides its name and value bytes (the pair and its slot).
const HEADER_OVERHEAD: usize = 48;
/// [`LEAN_HEADERS`] as header names, so looking them up parses nothing.
static LEAN_HEADER_NAMES: [HeaderName; 6] = [
    HeaderName::from_static("version"),
    axum::http::header::AUTHORIZATION,
    axum::http::header::CONTENT_TYPE,
    axum::http::header::CONTENT_LENGTH,
    axum::http::header::USER_AGENT,
    axum::http::header::ACCEPT,
];

/// What stands in for a credential in [`JournalEntry::headers`] (after the scheme, if any).
pub(crate) const REDACTED: &str = "<redacted>";
/// Header names that carry a credential whatever else they say.
const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];
/// Parts of a header name that mark it as credential-bearing (`x-api-key`, `x-auth-token`,
/// `x-amz-security-token`, `x-client-secret`, `x-session-id`, …).
const CREDENTIAL_NAME_PARTS: [&str; 10] = [
    "auth",
    "token",
    "secret",
    "password",
    "passwd",
    "api-key",
    "apikey",
    "cookie",
    "session",
    "credential",
];

/// Whether a header (lower-case name) carries a credential, so the journal shows it redacted.
pub(crate) fn is_credential_header(name: &str) -> bool {
    CREDENTIAL_HEADERS.contains(&name)
        || CREDENTIAL_NAME_PARTS.iter().any(|part| name.contains(part))
}

/// A credential header's value as the journal shows it: an auth scheme (`Bearer`, `Basic`, …)
/// is kept, the rest is `<redacted>`.
fn redacted(name: &str, value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    let scheme = text.split_once(' ').map(|(scheme, _)| scheme).filter(|s| {
        name.ends_with("authorization") && s.chars().all(|c| c.is_ascii_alphanumeric())
    });
    match scheme {
        Some(scheme) => format!("{scheme} {REDACTED}"),
        None => REDACTED.to_owned(),
    }
}

/// Which request headers the journal keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderCapture {
    /// Only [`LEAN_HEADERS`] (the default: no header-map copy per request).
    #[default]
    Lean,
    /// Every header.
    Full,
}

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path, e.g. `/voice-ai/agents`.
    pub path: String,
    /// The raw query string without `?`, if any.
    pub query: Option<String>,
    /// Header names (lower case) and values, in arrival order ([`HeaderCapture`] says which).
    pub headers: Vec<(String, String)>,
    /// The body: whole up to 4 KiB, else its first 1024 bytes
    /// (empty when it was over the size limit).
    pub body: Vec<u8>,
    /// The body's full length.
    pub body_len: usize,
    /// The SHA-256 of a body longer than 4 KiB (lowercase hex).
    pub body_sha256: Option<String>,
}

impl ReceivedRequest {
    /// The first value of a header, by case-insensitive name.
    ///
    /// ```
    /// use mock_server::ReceivedRequest;
    /// // Arrange
    /// let request = ReceivedRequest {
    ///     method: "GET".into(),
    ///     path: "/".into(),
    ///     query: None,
    ///     headers: vec![("version".into(), "2021-04-15".into())],
    ///     body: Vec::new(),
    ///     body_len: 0,
    ///     body_sha256: None,
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

    /// The body parsed as JSON, if it is JSON (and was kept whole).
    ///
    /// ```
    /// use mock_server::ReceivedRequest;
    /// // Arrange
    /// let body = br#"{"agentName":"A"}"#.to_vec();
    /// let request = ReceivedRequest {
    ///     method: "POST".into(),
    ///     path: "/voice-ai/agents".into(),
    ///     query: None,
    ///     headers: Vec::new(),
    ///     body_len: body.len(),
    ///     body,
    ///     body_sha256: None,
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

/// One exchange: the request and the status it got, as `GET /__mock/journal` shows it.
///
/// ```
/// use mock_server::JournalEntry;
/// // Arrange
/// let entry = JournalEntry {
///     at: "2026-01-01T00:00:00.000Z".into(),
///     method: "GET".into(),
///     path: "/voice-ai/agents".into(),
///     query: None,
///     status: 200,
///     latency_micros: 1500,
///     headers: vec![("version".into(), "v3".into())],
///     body_excerpt: String::new(),
///     body_len: 0,
/// };
/// // Act
/// let json = serde_json::to_value(&entry).expect("serializable");
/// // Assert
/// assert_eq!(json["status"], 200);
/// assert_eq!(json["latencyMs"], 1.5);
/// assert_eq!(json["headers"]["version"], "v3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
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
    /// Time from arrival to the response head, in microseconds (injected latency included;
    /// shown as `latencyMs`).
    #[serde(rename = "latencyMs", serialize_with = "micros_as_millis")]
    pub latency_micros: u64,
    /// Header names (lower case) and values; credential-bearing ones read `<redacted>` (after
    /// their scheme: `Bearer <redacted>`) (shown as an object).
    #[serde(serialize_with = "pairs_as_object")]
    pub headers: Vec<(String, String)>,
    /// The first 1024 bytes of the body, as lossy UTF-8.
    pub body_excerpt: String,
    /// The body's full length.
    pub body_len: usize,
}

fn micros_as_millis<S: serde::Serializer>(micros: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(*micros as f64 / 1000.0)
}

fn pairs_as_object<S: serde::Serializer>(
    pairs: &[(String, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// One attempt at delivering a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    /// 1 for the first try.
    pub attempt: u32,
    /// When it was sent (RFC 3339, UTC).
    pub at: String,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// Why there was no answer (connection refused, timeout, …).
    pub error: Option<String>,
    /// Time to the response head (or the failure), in microseconds (shown as `latencyMs`).
    #[serde(rename = "latencyMs", serialize_with = "micros_as_millis")]
    pub latency_micros: u64,
}

/// One webhook event sent to one subscriber, with every attempt so far (serialized as the admin
/// API shows it).
///
/// ```
/// use mock_server::WebhookDelivery;
/// // Arrange
/// let delivery = WebhookDelivery {
///     webhook_id: "w1".into(),
///     subscription_id: "s1".into(),
///     url: "http://127.0.0.1:9/hook".into(),
///     event_type: "VoiceAiCallEnd".into(),
///     attempts: Vec::new(),
///     delivered: false,
///     finished: false,
///     cancelled: false,
/// };
/// // Act
/// let json = serde_json::to_value(&delivery).expect("serializable");
/// // Assert
/// assert_eq!(json["webhookId"], "w1");
/// assert_eq!(json["type"], "VoiceAiCallEnd");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    /// The envelope `webhookId`.
    pub webhook_id: String,
    /// The subscription it went to.
    pub subscription_id: String,
    /// The subscriber URL.
    pub url: String,
    /// The event `type`, e.g. `VoiceAiCallEnd`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The attempts, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
    /// Whether an attempt got a 2xx.
    pub delivered: bool,
    /// Whether retrying is over (delivered, out of attempts, or cancelled).
    pub finished: bool,
    /// Whether it was stopped before that by an unsubscribe.
    pub cancelled: bool,
}

/// A kept body: whole, or an excerpt with the length and digest of the rest.
#[derive(Debug)]
enum KeptBody {
    Whole(Bytes),
    Digest {
        excerpt: Bytes,
        len: usize,
        sha256: digest::Digest,
    },
}

impl KeptBody {
    /// What to keep of `body`, copied: the request's buffer (which the connection's read buffer
    /// may back) is never kept alive by the journal.
    fn of(body: &[u8]) -> Self {
        if body.len() <= BODY_KEEP_BYTES {
            return Self::Whole(Bytes::copy_from_slice(body));
        }
        Self::Digest {
            sha256: digest::digest(&digest::SHA256, body),
            len: body.len(),
            excerpt: Bytes::copy_from_slice(&body[..BODY_EXCERPT_BYTES]),
        }
    }

    fn kept(&self) -> &Bytes {
        match self {
            Self::Whole(bytes) | Self::Digest { excerpt: bytes, .. } => bytes,
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Whole(bytes) => bytes.len(),
            Self::Digest { len, .. } => *len,
        }
    }
}

/// What the journal reads of a request's head, borrowed from the request.
#[derive(Clone, Copy)]
pub(crate) struct Head<'a> {
    method: &'a Method,
    uri: &'a axum::http::Uri,
    headers: &'a axum::http::HeaderMap,
}

impl<'a> Head<'a> {
    fn of(request: &'a Request) -> Self {
        Self {
            method: request.method(),
            uri: request.uri(),
            headers: request.headers(),
        }
    }
}

/// One exchange as kept: raw parts, formatted only when the journal is read.
#[derive(Debug)]
pub(crate) struct Exchange {
    at: SystemTime,
    method: Method,
    /// The path and query, then each kept header's value, copied into one allocation (the
    /// request's own may share the connection's read buffer).
    text: Box<[u8]>,
    /// Where the path and query end in `text`.
    target_end: usize,
    /// The kept headers' names, and where each value ends in `text` (each starts where the one
    /// before it ends).
    headers: KeptHeaders,
    body: KeptBody,
    /// The status and latency in microseconds, once the response head is ready.
    outcome: OnceLock<(u16, u64)>,
    /// What it counts against the budget.
    cost: usize,
}

/// Which headers an [`Exchange`] kept; for [`HeaderCapture::Lean`] without a list of its own.
#[derive(Debug)]
enum KeptHeaders {
    /// Bit `i` of `present` marks `LEAN_HEADER_NAMES[i]` as kept; `ends[i]` is where its value
    /// ends.
    Lean { present: u8, ends: [usize; 6] },
    /// Every header, in the request's order.
    Full(Box<[(HeaderName, usize)]>),
}

impl Exchange {
    /// Copies what the journal keeps of a request, `body` aside.
    fn new(at: SystemTime, head: Head<'_>, capture: HeaderCapture, body: KeptBody) -> Self {
        let target = head
            .uri
            .path_and_query()
            .map_or_else(|| head.uri.path(), |pq| pq.as_str());
        // The lean headers are found first, in one pass over the request's few headers,
        // comparing names instead of six hashed lookups (the first value of a name is the one
        // kept, as `get` reads it), so that the text is allocated at its exact length once.
        let mut found: [Option<&axum::http::HeaderValue>; 6] = [None; 6];
        let values_len: usize = match capture {
            HeaderCapture::Lean => {
                for (name, value) in head.headers {
                    if let Some(i) = LEAN_HEADER_NAMES.iter().position(|lean| lean == name) {
                        found[i].get_or_insert(value);
                    }
                }
                found.iter().flatten().map(|value| value.len()).sum()
            }
            HeaderCapture::Full => head.headers.values().map(|value| value.len()).sum(),
        };
        let mut text = Vec::with_capacity(target.len() + values_len);
        text.extend_from_slice(target.as_bytes());
        let target_end = text.len();
        let mut keep = |value: &axum::http::HeaderValue| {
            text.extend_from_slice(value.as_bytes());
            text.len()
        };
        let headers = match capture {
            HeaderCapture::Lean => {
                let mut present = 0;
                let mut ends = [0; 6];
                let mut end = target_end;
                for (i, value) in found.into_iter().enumerate() {
                    if let Some(value) = value {
                        present |= 1 << i;
                        end = keep(value);
                    }
                    ends[i] = end;
                }
                KeptHeaders::Lean { present, ends }
            }
            HeaderCapture::Full => KeptHeaders::Full(
                head.headers
                    .iter()
                    .map(|(name, value)| (name.clone(), keep(value)))
                    .collect(),
            ),
        };
        let header_count = match &headers {
            KeptHeaders::Lean { present, .. } => present.count_ones() as usize,
            KeptHeaders::Full(list) => list.len(),
        };
        let header_names: usize = match &headers {
            KeptHeaders::Lean { present, .. } => LEAN_HEADER_NAMES
                .iter()
                .enumerate()
                .filter(|(i, _)| present & (1 << i) != 0)
                .map(|(_, name)| name.as_str().len())
                .sum(),
            KeptHeaders::Full(list) => list.iter().map(|(name, _)| name.as_str().len()).sum(),
        };
        let cost = ENTRY_OVERHEAD
            + text.len()
            + header_count * HEADER_OVERHEAD
            + header_names
            + body.kept().len();
        Self {
            at,
            method: head.method.clone(),
            text: text.into_boxed_slice(),
            target_end,
            headers,
            body,
            outcome: OnceLock::new(),
            cost,
        }
    }

    /// The path and query as received.
    fn target(&self) -> &str {
        // Copied from a URI, so UTF-8 (ASCII, in fact).
        std::str::from_utf8(&self.text[..self.target_end]).unwrap_or_default()
    }

    fn path(&self) -> &str {
        let target = self.target();
        target.split_once('?').map_or(target, |(path, _)| path)
    }

    fn query(&self) -> Option<&str> {
        self.target().split_once('?').map(|(_, query)| query)
    }

    /// The kept headers, names and values, in the order they were kept.
    fn headers(&self) -> Vec<(&HeaderName, &[u8])> {
        let mut start = self.target_end;
        let mut value = |end: usize| {
            let value = &self.text[start..end];
            start = end;
            value
        };
        match &self.headers {
            KeptHeaders::Lean { present, ends } => LEAN_HEADER_NAMES
                .iter()
                .zip(ends)
                .enumerate()
                .filter(|(i, _)| present & (1 << i) != 0)
                .map(|(_, (name, end))| (name, value(*end)))
                .collect(),
            KeptHeaders::Full(list) => list.iter().map(|(name, end)| (name, value(*end))).collect(),
        }
    }

    fn header_pairs(&self, redacted: bool) -> Vec<(String, String)> {
        self.headers()
            .into_iter()
            .map(|(name, value)| {
                let value = if redacted && is_credential_header(name.as_str()) {
                    self::redacted(name.as_str(), value)
                } else {
                    String::from_utf8_lossy(value).into_owned()
                };
                (name.as_str().to_owned(), value)
            })
            .collect()
    }

    fn to_received(&self) -> ReceivedRequest {
        ReceivedRequest {
            method: self.method.as_str().to_owned(),
            path: self.path().to_owned(),
            query: self.query().map(str::to_owned),
            headers: self.header_pairs(false),
            body: self.body.kept().to_vec(),
            body_len: self.body.len(),
            body_sha256: match &self.body {
                KeptBody::Whole(_) => None,
                KeptBody::Digest { sha256, .. } => {
                    Some(sha256.as_ref().iter().map(|b| format!("{b:02x}")).collect())
                }
            },
        }
    }

    /// The bearer token as sent (for the dashboard's "token's location"; never shown).
    pub(crate) fn bearer(&self) -> Option<&str> {
        let (_, value) = self
            .headers()
            .into_iter()
            .find(|(name, _)| *name == axum::http::header::AUTHORIZATION)?;
        let (scheme, token) = std::str::from_utf8(value).ok()?.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }

    pub(crate) fn to_entry(&self) -> Option<JournalEntry> {
        let (status, latency_micros) = *self.outcome.get()?;
        Some(self.entry_with(status, latency_micros))
    }

    /// The entry with this outcome (the dashboard's stream builds it before `outcome` is set).
    pub(crate) fn entry_with(&self, status: u16, latency_micros: u64) -> JournalEntry {
        let epoch_ms = self
            .at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as i64;
        let kept = self.body.kept();
        let excerpt = &kept[..kept.len().min(BODY_EXCERPT_BYTES)];
        JournalEntry {
            at: crate::store::rfc3339(epoch_ms),
            method: self.method.as_str().to_owned(),
            path: self.path().to_owned(),
            query: self.query().map(str::to_owned),
            status,
            latency_micros,
            headers: self.header_pairs(true),
            body_excerpt: String::from_utf8_lossy(excerpt).into_owned(),
            body_len: self.body.len(),
        }
    }
}

#[derive(Debug, Default)]
struct Exchanges {
    list: VecDeque<Arc<Exchange>>,
    bytes: usize,
}

/// The webhook deliveries, and the epoch that clearing them starts.
#[derive(Debug, Default)]
struct Deliveries {
    list: VecDeque<WebhookDelivery>,
    epoch: u64,
}

/// What a delivery task holds to update its record: the epoch it was started in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeliveryTicket(u64);

/// The byte-bounded list of exchanges and the list of webhook deliveries.
#[derive(Debug)]
pub(crate) struct Journal {
    budget: usize,
    capture: HeaderCapture,
    exchanges: Mutex<Exchanges>,
    deliveries: Mutex<Deliveries>,
    /// The dashboard's live stream of finished exchanges (`GET /__mock/journal/stream`).
    live: crate::admin::ui::LiveFeed,
}

impl Journal {
    pub(crate) fn new(budget: usize, capture: HeaderCapture) -> Self {
        Self {
            budget,
            capture,
            exchanges: Mutex::new(Exchanges::default()),
            deliveries: Mutex::new(Deliveries::default()),
            live: crate::admin::ui::LiveFeed::default(),
        }
    }

    /// The dashboard's live stream.
    pub(crate) fn live(&self) -> &crate::admin::ui::LiveFeed {
        &self.live
    }

    /// The kept exchanges themselves, oldest first (the dashboard's backlog).
    pub(crate) fn exchange_list(&self) -> Vec<Arc<Exchange>> {
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .list
            .iter()
            .cloned()
            .collect()
    }

    /// The byte budget and the header capture in force.
    pub(crate) fn settings(&self) -> (usize, HeaderCapture) {
        (self.budget, self.capture)
    }

    /// Appends an arriving request (evicting the oldest over budget); `None` when the journal is
    /// off.
    fn begin(&self, at: SystemTime, head: Head<'_>, body: Bytes) -> Option<Arc<Exchange>> {
        if self.budget == 0 {
            return None;
        }
        let exchange = Arc::new(Exchange::new(at, head, self.capture, KeptBody::of(&body)));
        let cost = exchange.cost;
        let mut evicted = Vec::new();
        {
            let mut exchanges = self
                .exchanges
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            while exchanges.bytes + cost > self.budget {
                let Some(oldest) = exchanges.list.pop_front() else {
                    break;
                };
                exchanges.bytes -= oldest.cost;
                evicted.push(oldest);
            }
            exchanges.bytes += cost;
            exchanges.list.push_back(exchange.clone());
        }
        // Cold memory from long ago is freed outside the lock.
        drop(evicted);
        Some(exchange)
    }

    /// The bytes the kept exchanges count against the budget.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes
    }

    pub(crate) fn snapshot(&self) -> Vec<ReceivedRequest> {
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .list
            .iter()
            .map(|e| e.to_received())
            .collect()
    }

    /// The finished exchanges, oldest first.
    pub(crate) fn exchanges(&self) -> Vec<JournalEntry> {
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .list
            .iter()
            .filter_map(|e| e.to_entry())
            .collect()
    }

    pub(crate) fn clear(&self) {
        let old = std::mem::take(
            &mut *self
                .exchanges
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        drop(old);
        let mut deliveries = self.deliveries();
        deliveries.list.clear();
        deliveries.epoch += 1;
    }

    fn deliveries(&self) -> std::sync::MutexGuard<'_, Deliveries> {
        self.deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a new delivery (the oldest one goes once [`DELIVERY_CAPACITY`] are kept); the ticket
    /// its task updates it with.
    pub(crate) fn start_delivery(&self, delivery: WebhookDelivery) -> DeliveryTicket {
        let mut deliveries = self.deliveries();
        if deliveries.list.len() >= DELIVERY_CAPACITY {
            deliveries.list.pop_front();
        }
        deliveries.list.push_back(delivery);
        DeliveryTicket(deliveries.epoch)
    }

    /// Replaces the record with the same webhook id and subscription; false (and nothing
    /// changes) once the list was cleared since the ticket was issued, or the record was
    /// cancelled or dropped: the delivery must stop.
    pub(crate) fn update_delivery(
        &self,
        ticket: DeliveryTicket,
        delivery: &WebhookDelivery,
    ) -> bool {
        let mut deliveries = self.deliveries();
        if deliveries.epoch != ticket.0 {
            return false;
        }
        let Some(existing) = deliveries.list.iter_mut().find(|d| {
            d.webhook_id == delivery.webhook_id && d.subscription_id == delivery.subscription_id
        }) else {
            return false;
        };
        if existing.cancelled {
            return false;
        }
        existing.clone_from(delivery);
        true
    }

    /// Marks the unfinished deliveries to `subscription_id` cancelled (and finished).
    pub(crate) fn cancel_deliveries(&self, subscription_id: &str) {
        for delivery in self
            .deliveries()
            .list
            .iter_mut()
            .filter(|d| d.subscription_id == subscription_id && !d.finished)
        {
            delivery.cancelled = true;
            delivery.finished = true;
        }
    }

    pub(crate) fn deliveries_list(&self) -> Vec<WebhookDelivery> {
        self.deliveries().list.iter().cloned().collect()
    }
}

/// A request the journal has taken in (see [`admit`]): what is needed to finish its exchange
/// once the response head is ready.
pub(crate) struct Admission {
    started: Instant,
    exchange: Option<Arc<Exchange>>,
    /// The request body's share of the server's body budget, held until the handler is done.
    reserved: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// The only writer of exchanges, first half: buffers the request's body in place (at most
/// [`crate::BODY_LIMIT`] of it) and appends the request to the journal. A body declared over
/// the limit is not read and one that turns out over it is dropped and marked, so the handler
/// answers 413 (both are journaled empty); one that misses its read timeout is answered 408
/// here, as the returned response. [`Admission::finish`] records the outcome.
pub(crate) async fn admit(
    state: &AppState,
    request: &mut Request,
) -> (Admission, Option<Response>) {
    let started = Instant::now();
    // A body known to be empty (a GET without one) is not collected, and stays where it is:
    // nothing to read. One declared over the limit is not read either (the handler answers
    // 413, and the connection closes with the body unread).
    let mut early = None;
    let mut reserved = None;
    let known_empty = axum::body::HttpBody::size_hint(request.body()).exact() == Some(0);
    let declared = (!known_empty)
        .then(|| request.headers().get(axum::http::header::CONTENT_LENGTH))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let bytes = if known_empty {
        Bytes::new()
    } else if declared.is_some_and(|n| n > crate::BODY_LIMIT as u64) {
        drop(std::mem::take(request.body_mut()));
        request.extensions_mut().insert(crate::api::BodyOverLimit);
        Bytes::new()
    } else {
        // The body budget: reserve the declared length (the limit when undeclared) in KiB
        // before reading, so concurrent uploads cannot buffer more than the budget.
        let limit = crate::BODY_LIMIT as u64;
        let kib = declared
            .map_or(limit, |n| n.min(limit))
            .div_ceil(1024)
            .max(1);
        reserved = Arc::clone(state.body_budget())
            .acquire_many_owned(u32::try_from(kib).unwrap_or(u32::MAX))
            .await
            .ok();
        let bytes =
            match axum::body::to_bytes(std::mem::take(request.body_mut()), crate::BODY_LIMIT).await
            {
                Ok(bytes) => bytes,
                Err(error) if is_body_read_timeout(&error) => {
                    early = Some(body_timeout_response());
                    Bytes::new()
                }
                Err(_) => {
                    request.extensions_mut().insert(crate::api::BodyOverLimit);
                    Bytes::new()
                }
            };
        *request.body_mut() = Body::from(bytes.clone());
        bytes
    };
    let exchange = state
        .journal()
        .begin(state.clock().system_time(), Head::of(request), bytes);
    let admission = Admission {
        started,
        exchange,
        reserved,
    };
    (admission, early)
}

impl Admission {
    /// The second half: the handler is done with the body, so its share of the budget is free
    /// again, and the exchange gets its status (0 for a dropped connection) and latency. While
    /// a dashboard watches, the exchange and its response also go to the live feed first.
    pub(crate) async fn finish(self, state: &AppState, mut response: Response) -> Response {
        drop(self.reserved);
        if let Some(exchange) = self.exchange {
            let status = if response
                .extensions()
                .get::<crate::faults::Dropped>()
                .is_some()
            {
                0
            } else {
                response.status().as_u16()
            };
            let latency = self.started.elapsed().as_micros() as u64;
            // Only while a dashboard watches, and before `outcome` is set (see `admin::ui::live`).
            if state.journal().live.watched() {
                response =
                    crate::admin::ui::publish(state, &exchange, status, latency, response).await;
            }
            let _ = exchange.outcome.set((status, latency));
        }
        response
    }
}

fn is_body_read_timeout(error: &axum::Error) -> bool {
    std::error::Error::source(error).is_some_and(crate::connections::is_body_read_timeout)
}

/// 408 in the vendor's error shape, closing the connection (the rest of the body is unread).
fn body_timeout_response() -> Response {
    use axum::response::IntoResponse;
    let mut response = crate::error::ApiError::new(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        "The request body did not arrive in time",
    )
    .into_response();
    response.headers_mut().insert(
        axum::http::header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> Request {
        Request::get(uri)
            .header("version", "v3")
            .header("x-custom", "1")
            .body(Body::empty())
            .expect("a valid request")
    }

    #[test]
    fn the_journal_drops_the_oldest_exchanges_once_over_its_byte_budget() {
        let journal = Journal::new(4 * 1024, HeaderCapture::Lean);
        for i in 0..100 {
            journal.begin(
                SystemTime::now(),
                Head::of(&request(&format!("/r{i}"))),
                Bytes::from(vec![b'x'; 100]),
            );
        }
        let kept = journal.snapshot();
        assert!(kept.len() < 100 && !kept.is_empty(), "{}", kept.len());
        assert!(journal.bytes() <= 4 * 1024);
        assert_eq!(kept.last().map(|r| r.path.as_str()), Some("/r99"));
    }

    #[test]
    fn a_large_body_is_kept_as_an_excerpt_its_length_and_its_digest() {
        let journal = Journal::new(DEFAULT_JOURNAL_BYTES, HeaderCapture::Lean);
        let body = Bytes::from(vec![b'a'; 10_000]);
        journal.begin(SystemTime::now(), Head::of(&request("/big")), body);
        let received = &journal.snapshot()[0];
        assert_eq!(received.body.len(), BODY_EXCERPT_BYTES);
        assert_eq!(received.body_len, 10_000);
        let expected: String = digest::digest(&digest::SHA256, &[b'a'; 10_000])
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(received.body_sha256.as_deref(), Some(expected.as_str()));
    }

    #[test]
    fn lean_capture_keeps_only_the_listed_headers_and_full_capture_keeps_all() {
        let lean = Journal::new(DEFAULT_JOURNAL_BYTES, HeaderCapture::Lean);
        lean.begin(SystemTime::now(), Head::of(&request("/")), Bytes::new());
        assert_eq!(
            lean.snapshot()[0].headers,
            vec![("version".to_owned(), "v3".to_owned())]
        );
        let full = Journal::new(DEFAULT_JOURNAL_BYTES, HeaderCapture::Full);
        full.begin(SystemTime::now(), Head::of(&request("/")), Bytes::new());
        assert_eq!(full.snapshot()[0].header("x-custom"), Some("1"));
    }

    #[test]
    fn each_kept_header_keeps_its_own_value_in_the_order_received() {
        let request = Request::get("/voice-ai/agents?locationId=L&page=2")
            .header("accept", "application/json")
            .header("x-b", "second")
            .header("version", "2021-04-15")
            .header("x-b", "again")
            .header("user-agent", "")
            .body(Body::empty())
            .expect("a valid request");
        let lean = Journal::new(DEFAULT_JOURNAL_BYTES, HeaderCapture::Lean);
        lean.begin(SystemTime::now(), Head::of(&request), Bytes::new());
        let received = &lean.snapshot()[0];
        assert_eq!(received.path, "/voice-ai/agents");
        assert_eq!(received.query.as_deref(), Some("locationId=L&page=2"));
        let pairs = |r: &ReceivedRequest| {
            r.headers
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pairs(received),
            [
                "version=2021-04-15",
                "user-agent=",
                "accept=application/json"
            ]
        );
        let full = Journal::new(DEFAULT_JOURNAL_BYTES, HeaderCapture::Full);
        full.begin(SystemTime::now(), Head::of(&request), Bytes::new());
        assert_eq!(
            pairs(&full.snapshot()[0]),
            [
                "accept=application/json",
                "x-b=second",
                "x-b=again",
                "version=2021-04-15",
                "user-agent="
            ]
        );
    }

    #[test]
    fn the_lean_header_names_are_the_documented_ones() {
        let names = &LEAN_HEADER_NAMES;
        let names: Vec<&str> = names.iter().map(HeaderName::as_str).collect();
        assert_eq!(names, LEAN_HEADERS);
    }

    #[test]
    fn credential_headers_are_shown_redacted_and_kept_for_received_requests() {
        let journal = Journal::new(DEFAULT_JOURNAL_BYTES, HeaderCapture::Full);
        let request = Request::get("/")
            .header("authorization", "Bearer pit-1")
            .header("proxy-authorization", "Basic cHJveHk=")
            .header("cookie", "sid=1")
            .header("x-api-key", "k1")
            .header("accept", "application/json")
            .body(Body::empty())
            .expect("a valid request");
        let exchange = journal
            .begin(SystemTime::now(), Head::of(&request), Bytes::new())
            .expect("the journal is on");
        let _ = exchange.outcome.set((200, 1));
        let shown = &journal.exchanges()[0].headers;
        let value = |name: &str| {
            shown
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(value("authorization"), Some("Bearer <redacted>"));
        assert_eq!(value("proxy-authorization"), Some("Basic <redacted>"));
        assert_eq!(value("cookie"), Some("<redacted>"));
        assert_eq!(value("x-api-key"), Some("<redacted>"));
        assert_eq!(value("accept"), Some("application/json"));
        assert_eq!(journal.snapshot()[0].header("cookie"), Some("sid=1"));
    }

    #[test]
    fn a_cleared_or_cancelled_delivery_refuses_its_task_s_updates() {
        let journal = Journal::new(DEFAULT_JOURNAL_BYTES, HeaderCapture::Lean);
        let delivery = |sub: &str| WebhookDelivery {
            webhook_id: "w1".into(),
            subscription_id: sub.into(),
            url: "http://127.0.0.1:9/".into(),
            event_type: "VoiceAiCallEnd".into(),
            attempts: Vec::new(),
            delivered: false,
            finished: false,
            cancelled: false,
        };
        let first = journal.start_delivery(delivery("s1"));
        let second = journal.start_delivery(delivery("s2"));
        assert!(journal.update_delivery(first, &delivery("s1")));
        journal.cancel_deliveries("s1");
        assert!(!journal.update_delivery(first, &delivery("s1")));
        assert!(journal.deliveries_list()[0].cancelled);
        assert!(journal.update_delivery(second, &delivery("s2")));
        journal.clear();
        assert!(!journal.update_delivery(second, &delivery("s2")));
        assert!(journal.deliveries_list().is_empty());
    }

    #[test]
    fn a_zero_budget_switches_the_journal_off() {
        let journal = Journal::new(0, HeaderCapture::Full);
        assert!(
            journal
                .begin(SystemTime::now(), Head::of(&request("/")), Bytes::new())
                .is_none()
        );
        assert!(journal.snapshot().is_empty());
    }
}
