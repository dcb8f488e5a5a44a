//! The dashboard's live traffic feed: finished exchanges pushed to open pages over server-sent
//! events (`GET /__mock/journal/stream`), with their responses, and the signed webhook bodies
//! whose signatures the dashboard checks.
//!
//! The request path pays for the feed only while a page watches: [`LiveFeed::watched`] is one
//! atomic load, and only then does [`publish`] buffer the response body (a body of at most
//! [`RESPONSE_KEEP_BYTES`] whose length is known; a streamed or larger one is shown as not
//! captured) and broadcast the exchange. Exchanges finished before a page opened come from the
//! journal (the last [`BACKLOG`]), without their responses.
//!
//! A new stream subscribes first and then reads the journal, so nothing finished in between is
//! lost; [`publish`] runs before the journal marks the exchange finished, so an exchange in both
//! the backlog and the channel was queued before the journal was read, and is skipped once. One
//! window remains: a request that found no watcher an instant before the first page subscribed,
//! and finished just after that page read the journal, is in neither (a reload shows it).

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde_json::{Map, Value, json};
use tokio::sync::{Notify, broadcast};

use crate::AppState;
use crate::journal::{Exchange, JournalEntry, REDACTED, is_credential_header};

/// The largest response body the feed keeps (128 KiB: a page of 50 call logs fits); larger ones
/// are shown as not captured.
pub(crate) const RESPONSE_KEEP_BYTES: usize = 128 * 1024;
/// How many finished exchanges a new stream starts with.
pub(crate) const BACKLOG: usize = 200;
/// How many signed webhook bodies are kept for the signature check (the oldest go first).
pub(crate) const SIGNED_CAPACITY: usize = 1_000;
/// How many messages a slow page may fall behind before it is told it missed some (with
/// [`RESPONSE_KEEP_BYTES`], at most 32 MiB of bodies waiting).
const CHANNEL_CAPACITY: usize = 256;

/// One finished exchange on its way to the open pages.
#[derive(Debug, Clone)]
pub(crate) struct LiveMessage {
    exchange: Arc<Exchange>,
    json: Arc<str>,
}

/// The feed: its channel, how many pages watch it, and the signed webhook bodies.
#[derive(Debug)]
pub(crate) struct LiveFeed {
    sender: broadcast::Sender<LiveMessage>,
    watchers: AtomicUsize,
    signed: Mutex<SignedBodies>,
    /// Set when the server shuts down: every stream ends.
    closed: AtomicBool,
    closing: Notify,
}

impl Default for LiveFeed {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CHANNEL_CAPACITY).0,
            watchers: AtomicUsize::new(0),
            signed: Mutex::new(SignedBodies::default()),
            closed: AtomicBool::new(false),
            closing: Notify::new(),
        }
    }
}

/// The bytes and signature of recent webhook events, by `webhookId`.
#[derive(Debug, Default)]
struct SignedBodies {
    order: VecDeque<String>,
    by_id: HashMap<String, (Bytes, String)>,
}

/// Counts a watching page for as long as its stream lives.
#[derive(Debug)]
struct Watch(AppState);

impl Drop for Watch {
    fn drop(&mut self) {
        self.0
            .journal()
            .live()
            .watchers
            .fetch_sub(1, Ordering::Relaxed);
    }
}

impl LiveFeed {
    /// Whether a page watches the feed (the request path's only cost otherwise).
    pub(crate) fn watched(&self) -> bool {
        self.watchers.load(Ordering::Relaxed) > 0
    }

    /// Ends every stream, now and later (the server is shutting down and would otherwise wait
    /// for them).
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.closing.notify_waiters();
    }

    /// Keeps a webhook event's bytes and signature, so its deliveries can be checked.
    pub(crate) fn keep_signed(&self, webhook_id: &str, body: &Bytes, signature: &str) {
        let mut signed = self.signed.lock().unwrap_or_else(PoisonError::into_inner);
        if signed.order.len() >= SIGNED_CAPACITY
            && let Some(oldest) = signed.order.pop_front()
        {
            signed.by_id.remove(&oldest);
        }
        signed.order.push_back(webhook_id.to_owned());
        signed
            .by_id
            .insert(webhook_id.to_owned(), (body.clone(), signature.to_owned()));
    }

    /// The bytes and signature sent for a webhook event, while kept.
    pub(crate) fn signed(&self, webhook_id: &str) -> Option<(Bytes, String)> {
        self.signed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_id
            .get(webhook_id)
            .cloned()
    }
}

/// Sends a finished exchange to the watching pages, with its response headers and (buffered
/// here, when small and of known length) its body; the response goes on unchanged.
pub(crate) async fn publish(
    state: &AppState,
    exchange: &Arc<Exchange>,
    status: u16,
    latency_micros: u64,
    response: Response,
) -> Response {
    let (parts, body) = response.into_parts();
    let known = axum::body::HttpBody::size_hint(&body).exact();
    // Status 0: a fault's failing body, which must reach the connection as it is.
    let (body, kept) = match known {
        Some(len) if status != 0 && len <= RESPONSE_KEEP_BYTES as u64 => {
            match axum::body::to_bytes(body, RESPONSE_KEEP_BYTES).await {
                Ok(bytes) => (Body::from(bytes.clone()), Some(bytes)),
                Err(_) => (Body::empty(), None),
            }
        }
        _ => (body, None),
    };
    let headers: Map<String, Value> = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let shown = if is_credential_header(name.as_str()) {
                REDACTED.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), Value::String(shown))
        })
        .collect();
    let response_json = json!({
        "headers": headers,
        "body": kept.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()),
        "bodyLen": kept.as_ref().map(Bytes::len).or(known.map(|n| n as usize)),
        "captured": kept.is_some(),
    });
    let entry = exchange.entry_with(status, latency_micros);
    let message = exchange_json(state, exchange, &entry, Some(response_json));
    let _ = state.journal().live().sender.send(LiveMessage {
        exchange: exchange.clone(),
        json: message.to_string().into(),
    });
    Response::from_parts(parts, body)
}

/// An exchange as the page reads it: the journal entry, its API, operation and token location,
/// and the response (`null` when it finished before the page watched).
fn exchange_json(
    state: &AppState,
    exchange: &Exchange,
    entry: &JournalEntry,
    response: Option<Value>,
) -> Value {
    let (api, operation) = operation_of(&entry.method, &entry.path);
    let location = exchange.bearer().and_then(|t| state.token_location(t));
    let mut value = serde_json::to_value(entry).unwrap_or_else(|_| json!({}));
    if let Some(object) = value.as_object_mut() {
        object.insert("api".into(), json!(api));
        object.insert("operation".into(), json!(operation));
        object.insert("tokenLocation".into(), json!(location));
        object.insert("response".into(), response.unwrap_or(Value::Null));
    }
    value
}

/// `GET /__mock/journal/stream`: the last [`BACKLOG`] finished exchanges, a `ready` event, then
/// each exchange as it finishes (`event: exchange`, the JSON of [`exchange_json`]); `lagged`
/// with the number of exchanges a slow reader missed.
pub(crate) async fn stream(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let feed = state.journal().live();
    feed.watchers.fetch_add(1, Ordering::Relaxed);
    let watch = Watch(state.clone());
    let receiver = feed.sender.subscribe();
    let kept = state.journal().exchange_list();
    let start = kept.len().saturating_sub(BACKLOG);
    let mut backlog: Vec<Arc<Exchange>> = Vec::new();
    let mut first: Vec<Event> = Vec::new();
    for exchange in &kept[start..] {
        if let Some(entry) = exchange.to_entry() {
            let json = exchange_json(&state, exchange, &entry, None);
            first.push(Event::default().event("exchange").data(json.to_string()));
            backlog.push(exchange.clone());
        }
    }
    first.push(Event::default().event("ready").data("{}"));
    // Only messages queued by now can repeat a backlog entry.
    let doubtful = receiver.len();
    let reader = Reader {
        watch,
        receiver,
        backlog,
        doubtful,
    };
    let initial = futures::stream::iter(first.into_iter().map(Ok));
    let live = futures::stream::unfold(reader, |mut reader| async move {
        let event = reader.next().await?;
        Some((Ok(event), reader))
    });
    use futures::StreamExt;
    Sse::new(initial.chain(live)).keep_alive(KeepAlive::default())
}

/// One page's side of the channel.
struct Reader {
    watch: Watch,
    receiver: broadcast::Receiver<LiveMessage>,
    backlog: Vec<Arc<Exchange>>,
    doubtful: usize,
}

impl Reader {
    /// The next event to send; `None` once the server shuts down.
    async fn next(&mut self) -> Option<Event> {
        let state = self.watch.0.clone();
        let feed = state.journal().live();
        loop {
            let closing = feed.closing.notified();
            tokio::pin!(closing);
            closing.as_mut().enable();
            if feed.closed.load(Ordering::SeqCst) {
                return None;
            }
            let received = tokio::select! {
                received = self.receiver.recv() => received,
                () = &mut closing => return None,
            };
            match received {
                Ok(message) => {
                    if self.doubtful > 0 {
                        self.doubtful -= 1;
                        if self
                            .backlog
                            .iter()
                            .any(|e| Arc::ptr_eq(e, &message.exchange))
                        {
                            continue;
                        }
                        if self.doubtful == 0 {
                            self.backlog = Vec::new();
                        }
                    }
                    return Some(Event::default().event("exchange").data(&*message.json));
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    self.doubtful = 0;
                    self.backlog = Vec::new();
                    return Some(Event::default().event("lagged").data(missed.to_string()));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// One operation of the two specs as a path pattern.
struct Route {
    api: &'static str,
    method: String,
    /// Literal segments, `None` for a `{parameter}`.
    segments: Vec<Option<String>>,
    id: String,
}

fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let specs = [
            ("Voice AI", crate::spec::voice_ai()),
            ("Conversation AI", crate::spec::conversation_ai()),
        ];
        let mut routes = Vec::new();
        for (api, spec) in specs {
            for op in spec.operations() {
                routes.push(Route {
                    api,
                    method: op.method.clone(),
                    segments: op
                        .path
                        .split('/')
                        .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                        .collect(),
                    id: op.id.clone(),
                });
            }
        }
        // Most literal segments first, so `/agents/search` wins over `/agents/{agentId}`.
        routes.sort_by_key(|r| std::cmp::Reverse(r.segments.iter().flatten().count()));
        routes
    })
}

/// The API (`Voice AI`, `Conversation AI`, `OAuth`, else `other`) and the `operationId` of a
/// request, from the specs' path templates.
pub(crate) fn operation_of(method: &str, path: &str) -> (&'static str, Option<&'static str>) {
    let segments: Vec<&str> = path.split('/').collect();
    let found = routes().iter().find(|route| {
        route.method == method
            && route.segments.len() == segments.len()
            && route
                .segments
                .iter()
                .zip(&segments)
                .all(|(want, got)| want.as_deref().is_none_or(|w| w == *got))
    });
    match found {
        Some(route) => (route.api, Some(route.id.as_str())),
        None if path.starts_with("/voice-ai/") => ("Voice AI", None),
        None if path.starts_with("/conversation-ai/") => ("Conversation AI", None),
        None if path.starts_with("/oauth/") => ("OAuth", None),
        None => ("other", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_named_by_the_spec_operation_their_path_matches() {
        assert_eq!(
            operation_of("GET", "/voice-ai/agents"),
            ("Voice AI", Some("listAgents"))
        );
        let (api, op) = operation_of("PATCH", "/voice-ai/agents/abc");
        assert_eq!((api, op), ("Voice AI", Some("patchAgent")));
        assert_eq!(operation_of("GET", "/nowhere"), ("other", None));
        assert_eq!(operation_of("POST", "/oauth/token"), ("OAuth", None));
    }

    #[test]
    fn only_the_newest_signed_bodies_are_kept() {
        let feed = LiveFeed::default();
        for i in 0..=SIGNED_CAPACITY {
            feed.keep_signed(&format!("w{i}"), &Bytes::from_static(b"{}"), "sig");
        }
        assert!(feed.signed("w0").is_none());
        assert_eq!(
            feed.signed(&format!("w{SIGNED_CAPACITY}")),
            Some((Bytes::from_static(b"{}"), "sig".to_owned()))
        );
    }
}
