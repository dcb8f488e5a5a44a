//! Webhooks: subscriptions, signed `VoiceAiCallEnd` deliveries and their retries.
//!
//! A subscription is a plain `http://` URL (added with `--webhook-url`,
//! [`crate::MockServerBuilder::webhook_url`], [`crate::AppState::add_webhook_subscription`] or
//! `POST /__mock/webhooks/subscriptions`). When a call is simulated, every subscriber gets one
//! `VoiceAiCallEnd` event (API_FACTS §4): the envelope `type`, `timestamp`, `webhookId` and
//! `locationId`, then the call's `id`, `agentId`, `contactId`, `fromNumber`, `createdAt`,
//! `duration`, `summary`, `transcript`, `translation`, `extractedData`, `messageId`, `trialCall`
//! and `executedCallActions`, whose ids are named `_id` (not `actionId` as in the REST call logs).
//!
//! Each delivery is a `POST` with `Content-Type: application/json` and `x-ghl-signature`: the
//! base64 Ed25519 signature over the exact body bytes, made with the mock's own key pair, which
//! derives from the seed (so it is stable across runs) and whose public key the admin API serves
//! at `/__mock/webhooks/public-key` (base64 SPKI DER and PEM). A delivery that gets a non-2xx
//! answer or no answer is retried with exponential backoff ([`WebhookRetryPolicy`]); every
//! attempt (status or error, latency) is kept in the journal as a
//! [`crate::journal::WebhookDelivery`]. Deliveries run in background tasks;
//! [`crate::AppState::wait_for_webhook_deliveries`] awaits the ones in flight.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Request, Uri, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Map, Value, json};
use tokio::task::JoinHandle;

use crate::AppState;
use crate::journal::{DeliveryAttempt, WebhookDelivery};

/// The signature header, as HighLevel names it.
pub(crate) const SIGNATURE_HEADER: &str = "x-ghl-signature";

/// The event type of a Voice AI call end.
pub(crate) const VOICE_AI_CALL_END: &str = "VoiceAiCallEnd";

/// The DER prefix of an Ed25519 `SubjectPublicKeyInfo` (RFC 8410), before the 32 key bytes.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// How often and how fast deliveries are retried (serialized as the admin API shows it:
/// `{maxAttempts, initialDelayMs, maxDelayMs, timeoutMs}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookRetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles for each later one.
    #[serde(rename = "initialDelayMs", serialize_with = "as_millis")]
    pub initial_delay: Duration,
    /// The longest wait between attempts.
    #[serde(rename = "maxDelayMs", serialize_with = "as_millis")]
    pub max_delay: Duration,
    /// How long one attempt may take (connect and response head).
    #[serde(rename = "timeoutMs", serialize_with = "as_millis")]
    pub timeout: Duration,
}

impl Default for WebhookRetryPolicy {
    /// 6 attempts, 1 s doubling up to 30 s, 10 s per attempt.
    fn default() -> Self {
        Self {
            max_attempts: 6,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        }
    }
}

impl WebhookRetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based).
    ///
    /// ```
    /// use mock_server::WebhookRetryPolicy;
    /// use std::time::Duration;
    /// // Arrange
    /// let policy = WebhookRetryPolicy { initial_delay: Duration::from_millis(10), max_delay: Duration::from_millis(25), ..Default::default() };
    /// // Act / Assert
    /// assert_eq!(policy.delay_after(1), Duration::from_millis(10));
    /// assert_eq!(policy.delay_after(2), Duration::from_millis(20));
    /// assert_eq!(policy.delay_after(3), Duration::from_millis(25));
    /// ```
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.initial_delay
            .saturating_mul(factor)
            .min(self.max_delay)
    }

    /// The policy as the admin API shows it.
    ///
    /// ```
    /// use mock_server::WebhookRetryPolicy;
    /// // Arrange / Act
    /// let json = WebhookRetryPolicy::default().to_json();
    /// // Assert
    /// assert_eq!(json["maxAttempts"], 6);
    /// ```
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// This policy with the fields present in `value` changed (the names of
    /// [`WebhookRetryPolicy::to_json`]).
    ///
    /// ```
    /// use mock_server::WebhookRetryPolicy;
    /// use serde_json::json;
    /// // Arrange
    /// let policy = WebhookRetryPolicy::default();
    /// // Act
    /// let changed = policy.merged(&json!({"maxAttempts": 2})).expect("valid");
    /// // Assert
    /// assert_eq!(changed.max_attempts, 2);
    /// ```
    pub fn merged(mut self, value: &Value) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let Some(object) = value.as_object() else {
            return Err(vec!["the retry policy must be a JSON object".to_owned()]);
        };
        let mut number = |key: &str| match object.get(key) {
            None => None,
            Some(v) => {
                let n = v.as_u64();
                if n.is_none() {
                    problems.push(format!("{key} must be a whole number"));
                }
                n
            }
        };
        if let Some(n) = number("maxAttempts") {
            self.max_attempts = u32::try_from(n).unwrap_or(u32::MAX).max(1);
        }
        if let Some(ms) = number("initialDelayMs") {
            self.initial_delay = Duration::from_millis(ms);
        }
        if let Some(ms) = number("maxDelayMs") {
            self.max_delay = Duration::from_millis(ms);
        }
        if let Some(ms) = number("timeoutMs") {
            self.timeout = Duration::from_millis(ms.max(1));
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(problems)
        }
    }
}

/// A webhook subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The subscription id (`sub-<n>`).
    pub id: String,
    /// Where events are posted (`http://` only).
    pub url: String,
}

impl Subscription {
    /// The subscription as the admin API shows it.
    ///
    /// ```
    /// use mock_server::Subscription;
    /// // Arrange
    /// let sub = Subscription { id: "sub-1".into(), url: "http://127.0.0.1:9/h".into() };
    /// // Act / Assert
    /// assert_eq!(sub.to_json()["url"], "http://127.0.0.1:9/h");
    /// ```
    pub fn to_json(&self) -> Value {
        serde_json::to_value(SubscriptionDocument {
            id: &self.id,
            url: &self.url,
            events: [VOICE_AI_CALL_END],
        })
        .unwrap_or_default()
    }
}

/// A subscription as the admin API shows it.
#[derive(serde::Serialize)]
struct SubscriptionDocument<'a> {
    id: &'a str,
    url: &'a str,
    events: [&'static str; 1],
}

fn as_millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(duration.as_millis() as u64)
}

/// Checks a subscriber URL: absolute `http://` with a host.
///
/// ```
/// // Arrange / Act / Assert
/// assert!(mock_server::check_url("http://127.0.0.1:8080/hook").is_ok());
/// assert!(mock_server::check_url("https://example.com/hook").is_err());
/// ```
pub fn check_url(url: &str) -> Result<(), String> {
    let uri: Uri = url
        .parse()
        .map_err(|_| format!("url must be an absolute http:// URL: {url}"))?;
    if uri.scheme_str() != Some("http") || uri.host().is_none() {
        return Err(format!(
            "url must be an absolute http:// URL (https is not supported): {url}"
        ));
    }
    Ok(())
}

/// The mock's Ed25519 public key in the forms verifiers take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPublicKey {
    raw: [u8; 32],
}

impl WebhookPublicKey {
    /// The 32 raw key bytes.
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Act
    /// let key = state.webhook_public_key();
    /// // Assert
    /// assert_eq!(key.raw().len(), 32);
    /// ```
    pub fn raw(&self) -> &[u8; 32] {
        &self.raw
    }

    /// The `SubjectPublicKeyInfo` DER encoding (44 bytes).
    ///
    /// ```
    /// // Arrange
    /// let key = mock_server::MockServer::builder().build_state().webhook_public_key();
    /// // Act
    /// let der = key.spki_der();
    /// // Assert
    /// assert_eq!(der.len(), 44);
    /// ```
    pub fn spki_der(&self) -> Vec<u8> {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.raw);
        der
    }

    /// The SPKI DER, base64 (the form HighLevel publishes its key in).
    ///
    /// ```
    /// // Arrange
    /// let key = mock_server::MockServer::builder().build_state().webhook_public_key();
    /// // Act
    /// let text = key.spki_base64();
    /// // Assert
    /// assert!(text.starts_with("MCowBQYDK2VwAyEA"));
    /// ```
    pub fn spki_base64(&self) -> String {
        BASE64.encode(self.spki_der())
    }

    /// The PEM `PUBLIC KEY` block.
    ///
    /// ```
    /// // Arrange
    /// let key = mock_server::MockServer::builder().build_state().webhook_public_key();
    /// // Act
    /// let pem = key.pem();
    /// // Assert
    /// assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    /// ```
    pub fn pem(&self) -> String {
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            self.spki_base64()
        )
    }
}

#[derive(Debug)]
struct Registry {
    subscriptions: Vec<Subscription>,
    next_id: u64,
    policy: WebhookRetryPolicy,
    ids: ChaCha8Rng,
}

/// Subscriptions, the signing key, the retry policy and the deliveries in flight.
#[derive(Debug)]
pub(crate) struct Webhooks {
    key_pair: Ed25519KeyPair,
    seed: u64,
    initial_urls: Vec<String>,
    initial_policy: WebhookRetryPolicy,
    registry: Mutex<Registry>,
    in_flight: Mutex<Vec<JoinHandle<()>>>,
}

impl Webhooks {
    pub(crate) fn new(seed: u64, urls: Vec<String>, policy: WebhookRetryPolicy) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xED25_5190);
        let mut key_seed = [0u8; 32];
        rng.fill_bytes(&mut key_seed);
        let key_pair = Ed25519KeyPair::from_seed_unchecked(&key_seed)
            .expect("any 32 bytes are a valid Ed25519 seed");
        let webhooks = Self {
            key_pair,
            seed,
            initial_urls: urls,
            initial_policy: policy,
            registry: Mutex::new(Registry {
                subscriptions: Vec::new(),
                next_id: 1,
                policy,
                ids: ChaCha8Rng::seed_from_u64(seed ^ 0x0EB0_0C1D),
            }),
            in_flight: Mutex::new(Vec::new()),
        };
        webhooks.reset();
        webhooks
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Back to the subscriptions and policy given at build time.
    pub(crate) fn reset(&self) {
        {
            let mut registry = self.registry();
            registry.subscriptions.clear();
            registry.next_id = 1;
            registry.policy = self.initial_policy;
            registry.ids = ChaCha8Rng::seed_from_u64(self.seed ^ 0x0EB0_0C1D);
        }
        for url in &self.initial_urls {
            self.subscribe(url.clone());
        }
    }

    pub(crate) fn subscribe(&self, url: String) -> Subscription {
        let mut registry = self.registry();
        let subscription = Subscription {
            id: format!("sub-{}", registry.next_id),
            url,
        };
        registry.next_id += 1;
        registry.subscriptions.push(subscription.clone());
        subscription
    }

    /// Replaces every subscription (an imported state), keeping their ids.
    pub(crate) fn replace(&self, subscriptions: Vec<Subscription>) {
        let mut registry = self.registry();
        let highest = subscriptions
            .iter()
            .filter_map(|s| s.id.strip_prefix("sub-")?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        registry.next_id = registry.next_id.max(highest + 1);
        registry.subscriptions = subscriptions;
    }

    pub(crate) fn unsubscribe(&self, id: &str) -> bool {
        let mut registry = self.registry();
        let before = registry.subscriptions.len();
        registry.subscriptions.retain(|s| s.id != id);
        before != registry.subscriptions.len()
    }

    pub(crate) fn subscriptions(&self) -> Vec<Subscription> {
        self.registry().subscriptions.clone()
    }

    pub(crate) fn policy(&self) -> WebhookRetryPolicy {
        self.registry().policy
    }

    pub(crate) fn set_policy(&self, policy: WebhookRetryPolicy) {
        self.registry().policy = policy;
    }

    pub(crate) fn public_key(&self) -> WebhookPublicKey {
        let mut raw = [0u8; 32];
        raw.copy_from_slice(self.key_pair.public_key().as_ref());
        WebhookPublicKey { raw }
    }

    /// The base64 Ed25519 signature of `body`.
    pub(crate) fn sign(&self, body: &[u8]) -> String {
        BASE64.encode(self.key_pair.sign(body).as_ref())
    }

    /// A fresh webhook id shaped like a UUID, from the seeded generator.
    fn webhook_id(&self) -> String {
        let mut registry = self.registry();
        let hex = format!(
            "{:016x}{:016x}",
            registry.ids.next_u64(),
            registry.ids.next_u64()
        );
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    fn track(&self, handle: JoinHandle<()>) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        in_flight.retain(|h| !h.is_finished());
        in_flight.push(handle);
    }

    pub(crate) fn take_in_flight(&self) -> Vec<JoinHandle<()>> {
        std::mem::take(
            &mut *self
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }
}

/// The `VoiceAiCallEnd` envelope for a call log (as the REST API shows it).
///
/// ```
/// use serde_json::json;
/// // Arrange
/// let log = json!({"id": "c1", "agentId": "a1", "duration": 12, "isAgentDeleted": false,
///     "executedCallActions": [{"actionId": "x1", "actionType": "SMS", "actionName": "Text"}]});
/// // Act
/// let event = mock_server::testing::call_end_event(&log, "loc1", "w1", "2026-01-01T00:00:00.000Z");
/// // Assert
/// assert_eq!(event["type"], "VoiceAiCallEnd");
/// assert_eq!(event["executedCallActions"][0]["_id"], "x1");
/// assert!(event.get("isAgentDeleted").is_none());
/// ```
pub fn call_end_event(
    call_log: &Value,
    location_id: &str,
    webhook_id: &str,
    timestamp: &str,
) -> Value {
    const FIELDS: [&str; 12] = [
        "id",
        "agentId",
        "contactId",
        "fromNumber",
        "createdAt",
        "duration",
        "summary",
        "transcript",
        "translation",
        "extractedData",
        "messageId",
        "trialCall",
    ];
    const ACTION_FIELDS: [&str; 6] = [
        "actionType",
        "actionName",
        "description",
        "actionParameters",
        "executedAt",
        "triggerReceivedAt",
    ];
    let mut event = Map::new();
    event.insert("type".into(), json!(VOICE_AI_CALL_END));
    event.insert("timestamp".into(), json!(timestamp));
    event.insert("webhookId".into(), json!(webhook_id));
    event.insert("locationId".into(), json!(location_id));
    for field in FIELDS {
        if let Some(value) = call_log.get(field).filter(|v| !v.is_null()) {
            event.insert(field.into(), value.clone());
        }
    }
    let actions: Vec<Value> = call_log
        .get("executedCallActions")
        .and_then(Value::as_array)
        .map(|actions| {
            actions
                .iter()
                .map(|action| {
                    let mut out = Map::new();
                    if let Some(id) = action.get("actionId").or_else(|| action.get("_id")) {
                        out.insert("_id".into(), id.clone());
                    }
                    for field in ACTION_FIELDS {
                        if let Some(value) = action.get(field).filter(|v| !v.is_null()) {
                            out.insert(field.into(), value.clone());
                        }
                    }
                    Value::Object(out)
                })
                .collect()
        })
        .unwrap_or_default();
    event.insert("executedCallActions".into(), Value::Array(actions));
    Value::Object(event)
}

/// Sends a `VoiceAiCallEnd` for `call_log` to every subscriber in background tasks; returns the
/// event's `webhookId`.
pub(crate) fn send_call_end(state: &AppState, location_id: &str, call_log: &Value) -> String {
    let webhooks = state.webhooks();
    let webhook_id = webhooks.webhook_id();
    let event = call_end_event(
        call_log,
        location_id,
        &webhook_id,
        &state.clock().now_rfc3339(),
    );
    let body = Bytes::from(serde_json::to_vec(&event).unwrap_or_default());
    let signature = webhooks.sign(&body);
    let policy = webhooks.policy();
    for subscription in webhooks.subscriptions() {
        let mut delivery = WebhookDelivery {
            webhook_id: webhook_id.clone(),
            subscription_id: subscription.id.clone(),
            url: subscription.url.clone(),
            event_type: VOICE_AI_CALL_END.to_owned(),
            attempts: Vec::new(),
            delivered: false,
            finished: false,
        };
        state.journal().record_delivery(delivery.clone());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            delivery.finished = true;
            delivery.attempts.push(DeliveryAttempt {
                attempt: 1,
                at: state.clock().now_rfc3339(),
                status: None,
                error: Some("no tokio runtime to deliver from".to_owned()),
                latency_micros: 0,
            });
            state.journal().record_delivery(delivery);
            continue;
        };
        let task_state = state.clone();
        let (body, signature) = (body.clone(), signature.clone());
        let handle = runtime.spawn(async move {
            deliver(&task_state, delivery, body, &signature, policy).await;
        });
        webhooks.track(handle);
    }
    webhook_id
}

async fn deliver(
    state: &AppState,
    mut delivery: WebhookDelivery,
    body: Bytes,
    signature: &str,
    policy: WebhookRetryPolicy,
) {
    let attempts = policy.max_attempts.max(1);
    for attempt in 1..=attempts {
        let at = state.clock().now_rfc3339();
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            policy.timeout,
            post_once(&delivery.url, body.clone(), signature),
        )
        .await
        .unwrap_or_else(|_| Err(format!("timed out after {:?}", policy.timeout)));
        let latency_micros = started.elapsed().as_micros() as u64;
        let (status, error) = match outcome {
            Ok(status) => (Some(status), None),
            Err(error) => (None, Some(error)),
        };
        delivery.delivered = status.is_some_and(|s| (200..300).contains(&s));
        delivery.finished = delivery.delivered || attempt == attempts;
        delivery.attempts.push(DeliveryAttempt {
            attempt,
            at,
            status,
            error,
            latency_micros,
        });
        state.journal().record_delivery(delivery.clone());
        tracing::info!(
            webhook_id = delivery.webhook_id,
            url = delivery.url,
            attempt,
            status,
            "webhook delivery"
        );
        if delivery.finished {
            return;
        }
        tokio::time::sleep(policy.delay_after(attempt)).await;
    }
}

/// One `POST` over a fresh HTTP/1 connection; the response status, or why there is none.
async fn post_once(url: &str, body: Bytes, signature: &str) -> Result<u16, String> {
    let uri: Uri = url.parse().map_err(|e| format!("bad url: {e}"))?;
    let host = uri.host().ok_or("the url has no host")?.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let driver = tokio::spawn(connection);
    let path = uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    let authority = uri
        .authority()
        .map_or_else(|| host.clone(), |a| a.as_str().to_owned());
    let request = Request::post(path)
        .header(header::HOST, authority)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "highlevel-mock-webhooks")
        .header(SIGNATURE_HEADER, signature)
        .body(Full::new(body))
        .map_err(|e| format!("request: {e}"))?;
    let result = sender
        .send_request(request)
        .await
        .map(|response| response.status().as_u16())
        .map_err(|e| format!("send: {e}"));
    driver.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_pair_derives_from_the_seed() {
        let a = Webhooks::new(1, Vec::new(), WebhookRetryPolicy::default());
        let b = Webhooks::new(1, Vec::new(), WebhookRetryPolicy::default());
        let c = Webhooks::new(2, Vec::new(), WebhookRetryPolicy::default());
        assert_eq!(a.public_key(), b.public_key());
        assert_ne!(a.public_key(), c.public_key());
    }

    #[test]
    fn signatures_verify_with_the_public_key() {
        let webhooks = Webhooks::new(1, Vec::new(), WebhookRetryPolicy::default());
        let signature = BASE64
            .decode(webhooks.sign(b"{}"))
            .expect("base64 signature");
        let key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ED25519,
            *webhooks.public_key().raw(),
        );
        assert!(key.verify(b"{}", &signature).is_ok());
        assert!(key.verify(b"{ }", &signature).is_err());
    }

    #[test]
    fn reset_restores_the_initial_subscribers_with_fresh_ids() {
        let webhooks = Webhooks::new(
            1,
            vec!["http://127.0.0.1:1/a".into()],
            WebhookRetryPolicy::default(),
        );
        webhooks.subscribe("http://127.0.0.1:1/b".into());
        webhooks.reset();
        let subs = webhooks.subscriptions();
        assert_eq!(subs.len(), 1);
        assert_eq!(subs[0].id, "sub-1");
    }
}
