//! Webhooks: subscriptions, signed `VoiceAiCallEnd` deliveries and their retries.
//!
//! A subscription is a plain `http://` URL (added with `--webhook-url`,
//! [`crate::MockServerBuilder::webhook_url`], [`crate::AppState::add_webhook_subscription`] or
//! `POST /__mock/webhooks/subscriptions`). Unless `--webhook-allow-any`
//! ([`crate::MockServerBuilder::webhook_allow_any`]) is set, a target may not be link-local
//! (`169.254.0.0/16`, `fe80::/10`) or a cloud-metadata address (`169.254.169.254`,
//! `fd00:ec2::254`, `100.100.100.200`, `168.63.129.16`, `metadata.google.internal`, …), nor
//! carry credentials (`user:pass@`): [`check_url`] refuses them when subscribing (IPv4 written as
//! one number, in hex or in octal included), and each delivery checks the addresses the host
//! name resolves to and connects only to a checked address. Loopback and private ranges stay
//! allowed: receivers on the test machine or in a compose network are the main use.
//!
//! When a call is simulated, every subscriber gets one `VoiceAiCallEnd` event (API_FACTS §4):
//! the envelope `type`, `timestamp`, `webhookId` and `locationId`, then the call's `id`,
//! `agentId`, `contactId`, `fromNumber`, `createdAt`, `duration`, `summary`, `transcript`,
//! `translation`, `extractedData`, `messageId`, `trialCall` and `executedCallActions`, whose ids
//! are named `_id` (not `actionId` as in the REST call logs).
//!
//! Each delivery is a `POST` with `Content-Type: application/json` and `x-ghl-signature`: the
//! base64 Ed25519 signature over the exact body bytes, made with the mock's own key pair, which
//! derives from the seed (so it is stable across runs) and whose public key the admin API serves
//! at `/__mock/webhooks/public-key` (base64 SPKI DER and PEM). A delivery that gets a non-2xx
//! answer or no answer is retried with exponential backoff ([`WebhookRetryPolicy`], bounded: at
//! most [`MAX_ATTEMPTS`] attempts, so a delivery's attempt history is at most that long); every
//! attempt (status or error, latency) is kept in the journal as a
//! [`crate::journal::WebhookDelivery`]. Deliveries run in background tasks;
//! [`crate::AppState::wait_for_webhook_deliveries`] awaits the ones in flight. Unsubscribing
//! cancels the subscription's deliveries in flight (their records say `cancelled`); clearing the
//! journal and a reset cancel every one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
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
use crate::journal::{DeliveryAttempt, DeliveryTicket, WebhookDelivery};

/// The signature header, as HighLevel names it.
pub(crate) const SIGNATURE_HEADER: &str = "x-ghl-signature";

/// The event type of a Voice AI call end.
pub(crate) const VOICE_AI_CALL_END: &str = "VoiceAiCallEnd";

/// The DER prefix of an Ed25519 `SubjectPublicKeyInfo` (RFC 8410), before the 32 key bytes.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The most delivery attempts a policy may ask for (the first included); also the longest
/// attempt history a delivery keeps.
pub const MAX_ATTEMPTS: u32 = 20;
/// The longest `initialDelayMs` a policy may ask for (60 s).
const MAX_INITIAL_DELAY_MS: u64 = 60_000;
/// The longest `maxDelayMs` a policy may ask for (5 min).
const MAX_MAX_DELAY_MS: u64 = 300_000;
/// The longest `timeoutMs` a policy may ask for (60 s).
const MAX_TIMEOUT_MS: u64 = 60_000;
/// How much of an attempt's error text is kept.
const ERROR_KEEP_CHARS: usize = 200;

/// How often and how fast deliveries are retried (serialized as the admin API shows it:
/// `{maxAttempts, initialDelayMs, maxDelayMs, timeoutMs}`). Bounded: `maxAttempts` 1 to
/// [`MAX_ATTEMPTS`], `initialDelayMs` at most 60 000, `maxDelayMs` at most 300 000, `timeoutMs`
/// 1 to 60 000. The admin API refuses values outside (422 naming the bound); a policy given in
/// process is clamped into them ([`WebhookRetryPolicy::bounded`]).
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

    /// This policy clamped into the bounds (see [`WebhookRetryPolicy`]).
    ///
    /// ```
    /// use mock_server::WebhookRetryPolicy;
    /// // Arrange
    /// let storm = WebhookRetryPolicy { max_attempts: 1_000_000_000, ..Default::default() };
    /// // Act
    /// let bounded = storm.bounded();
    /// // Assert
    /// assert_eq!(bounded.max_attempts, mock_server::MAX_WEBHOOK_ATTEMPTS);
    /// ```
    pub fn bounded(self) -> Self {
        Self {
            max_attempts: self.max_attempts.clamp(1, MAX_ATTEMPTS),
            initial_delay: self
                .initial_delay
                .min(Duration::from_millis(MAX_INITIAL_DELAY_MS)),
            max_delay: self.max_delay.min(Duration::from_millis(MAX_MAX_DELAY_MS)),
            timeout: self.timeout.clamp(
                Duration::from_millis(1),
                Duration::from_millis(MAX_TIMEOUT_MS),
            ),
        }
    }

    /// This policy with the fields present in `value` changed (the names of
    /// [`WebhookRetryPolicy::to_json`]); every field outside its bound is one problem.
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
        let mut number = |key: &str, min: u64, max: u64| {
            let value = object.get(key)?;
            // Whole floats (`1e9`) and negative numbers get the bound's message too.
            match value.as_f64().filter(|f| f.fract() == 0.0) {
                None => problems.push(format!("{key} must be a whole number")),
                Some(n) if n < min as f64 => {
                    problems.push(format!("{key} must not be less than {min}"));
                }
                Some(n) if n > max as f64 => {
                    problems.push(format!("{key} must not be greater than {max}"));
                }
                Some(n) => return Some(n as u64),
            }
            None
        };
        if let Some(n) = number("maxAttempts", 1, u64::from(MAX_ATTEMPTS)) {
            self.max_attempts = u32::try_from(n).unwrap_or(MAX_ATTEMPTS);
        }
        if let Some(ms) = number("initialDelayMs", 0, MAX_INITIAL_DELAY_MS) {
            self.initial_delay = Duration::from_millis(ms);
        }
        if let Some(ms) = number("maxDelayMs", 0, MAX_MAX_DELAY_MS) {
            self.max_delay = Duration::from_millis(ms);
        }
        if let Some(ms) = number("timeoutMs", 1, MAX_TIMEOUT_MS) {
            self.timeout = Duration::from_millis(ms);
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

/// Checks a subscriber URL: absolute `http://` with a host, no credentials (`user:pass@`), and
/// not a link-local or cloud-metadata target (see the module notes). The messages name the rule
/// and `--webhook-allow-any`, never the credentials.
///
/// ```
/// // Arrange / Act / Assert
/// assert!(mock_server::check_url("http://127.0.0.1:8080/hook").is_ok());
/// assert!(mock_server::check_url("http://receiver:8080/hook").is_ok());
/// assert!(mock_server::check_url("http://169.254.169.254/latest/meta-data/").is_err());
/// assert!(mock_server::check_url("http://user:pass@127.0.0.1/hook").is_err());
/// assert_eq!(
///     mock_server::check_url("gopher://127.0.0.1:70/x"),
///     Err("url scheme gopher is not supported (allowed: http): gopher://127.0.0.1:70/x".to_owned())
/// );
/// ```
pub fn check_url(url: &str) -> Result<(), String> {
    check_target(url, false)
}

/// [`check_url`], or with `allow_any` only the scheme and host checks.
pub(crate) fn check_target(url: &str, allow_any: bool) -> Result<(), String> {
    let shown = without_credentials(url);
    let uri: Uri = url
        .parse()
        .map_err(|_| format!("url must be an absolute http:// URL: {shown}"))?;
    let Some(scheme) = uri.scheme_str() else {
        return Err(format!("url must be an absolute http:// URL: {shown}"));
    };
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(format!(
            "url scheme {} is not supported (allowed: http): {shown}",
            scheme.to_ascii_lowercase()
        ));
    }
    let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
        return Err(format!("url must be an absolute http:// URL: {shown}"));
    };
    if allow_any {
        return Ok(());
    }
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(
            "url must not contain credentials (user:password@); start the mock with \
             --webhook-allow-any to allow them"
                .to_owned(),
        );
    }
    if let Some(why) = refused_host(host) {
        return Err(format!(
            "url host {host} is {why}: webhook targets may not be link-local or cloud-metadata \
             addresses (start the mock with --webhook-allow-any to allow any): {shown}"
        ));
    }
    Ok(())
}

/// `url` with any `user:pass@` replaced by `***@`, for messages.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// Host names of cloud metadata services (lower case, no trailing dot).
const METADATA_HOSTS: [&str; 5] = [
    "metadata.google.internal",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
];

/// Why a URL host may not be a webhook target, if it may not.
fn refused_host(host: &str) -> Option<&'static str> {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    if METADATA_HOSTS.contains(&name.as_str()) {
        return Some("a cloud-metadata host");
    }
    let ip = name
        .trim_matches(['[', ']'])
        .parse::<IpAddr>()
        .ok()
        .or_else(|| loose_ipv4(&name).map(IpAddr::V4))?;
    refused_ip(ip)
}

/// Why an address may not be a webhook target, if it may not: link-local (IPv4 `169.254.0.0/16`,
/// IPv6 `fe80::/10`) or a cloud-metadata address, also when mapped into IPv6.
fn refused_ip(ip: IpAddr) -> Option<&'static str> {
    const METADATA_V4: [Ipv4Addr; 3] = [
        Ipv4Addr::new(169, 254, 169, 254),
        Ipv4Addr::new(100, 100, 100, 200),
        Ipv4Addr::new(168, 63, 129, 16),
    ];
    const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);
    let v4 = match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().or_else(|| {
            // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
            let s = v6.segments();
            (s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]).then(|| {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                Ipv4Addr::new(a, b, c, d)
            })
        }),
    };
    if let Some(v4) = v4 {
        if METADATA_V4.contains(&v4) {
            return Some("a cloud-metadata address");
        }
        if v4.is_link_local() {
            return Some("a link-local address");
        }
        return None;
    }
    match ip {
        IpAddr::V6(v6) if v6 == METADATA_V6 => Some("a cloud-metadata address"),
        IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => Some("a link-local address"),
        _ => None,
    }
}

/// An IPv4 address in the forms `inet_aton` (and so the system resolver) also reads: one to
/// four parts, each decimal, `0x` hex or `0` octal, the last filling the remaining bytes
/// (`2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376`, `169.254.43518`).
fn loose_ipv4(host: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        let lower = part.to_ascii_lowercase();
        let n = if let Some(hex) = lower.strip_prefix("0x") {
            u32::from_str_radix(hex, 16).ok()?
        } else if lower.len() > 1 && lower.starts_with('0') {
            u32::from_str_radix(&lower[1..], 8).ok()?
        } else if !lower.is_empty() && lower.bytes().all(|b| b.is_ascii_digit()) {
            lower.parse::<u32>().ok()?
        } else {
            return None;
        };
        numbers.push(n);
    }
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|n| *n > 255) {
        return None;
    }
    let spare_bits = 8 * (4 - leading.len() as u32);
    if spare_bits < 32 && *last >= (1u32 << spare_bits) {
        return None;
    }
    let mut value = *last;
    for (i, n) in leading.iter().enumerate() {
        value |= n << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(value))
}

/// The addresses a delivery may connect to among those its host resolved to: all of them, or
/// (without `allow_any`) an error when any is refused.
fn allowed_addresses(
    host: &str,
    resolved: Vec<SocketAddr>,
    allow_any: bool,
) -> Result<Vec<SocketAddr>, String> {
    if !allow_any
        && let Some((address, why)) = resolved
            .iter()
            .find_map(|a| refused_ip(a.ip()).map(|why| (a.ip(), why)))
    {
        return Err(format!(
            "refused: {host} resolves to {address}, {why} (start the mock with \
             --webhook-allow-any to allow it)"
        ));
    }
    Ok(resolved)
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

/// A delivery task, and the subscription it delivers to.
#[derive(Debug)]
struct InFlight {
    subscription_id: String,
    handle: JoinHandle<()>,
}

/// Subscriptions, the signing key, the retry policy and the deliveries in flight.
#[derive(Debug)]
pub(crate) struct Webhooks {
    key_pair: Ed25519KeyPair,
    seed: u64,
    initial_urls: Vec<String>,
    initial_policy: WebhookRetryPolicy,
    /// Whether any target is allowed (`--webhook-allow-any`).
    allow_any: bool,
    registry: Mutex<Registry>,
    in_flight: Mutex<Vec<InFlight>>,
}

impl Webhooks {
    pub(crate) fn new(
        seed: u64,
        urls: Vec<String>,
        policy: WebhookRetryPolicy,
        allow_any: bool,
    ) -> Self {
        let policy = policy.bounded();
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
            allow_any,
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

    /// Back to the subscriptions and policy given at build time; every delivery in flight is
    /// cancelled.
    pub(crate) fn reset(&self) {
        self.cancel(None);
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

    /// Sets the policy of later deliveries, clamped into the bounds.
    pub(crate) fn set_policy(&self, policy: WebhookRetryPolicy) {
        self.registry().policy = policy.bounded();
    }

    /// Whether any target is allowed (`--webhook-allow-any`).
    pub(crate) fn allow_any(&self) -> bool {
        self.allow_any
    }

    /// Stops the deliveries in flight to `subscription_id` (to every subscriber with `None`).
    /// Their records are settled by the caller (cancelled or cleared in the journal), which also
    /// refuses any last update a task makes before it sees the abort.
    pub(crate) fn cancel(&self, subscription_id: Option<&str>) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        in_flight.retain(|task| {
            let hit = subscription_id.is_none_or(|id| task.subscription_id == id);
            if hit {
                task.handle.abort();
            }
            !hit && !task.handle.is_finished()
        });
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

    fn track(&self, subscription_id: String, handle: JoinHandle<()>) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        in_flight.retain(|task| !task.handle.is_finished());
        in_flight.push(InFlight {
            subscription_id,
            handle,
        });
    }

    pub(crate) fn take_in_flight(&self) -> Vec<JoinHandle<()>> {
        std::mem::take(
            &mut *self
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
        .into_iter()
        .map(|task| task.handle)
        .collect()
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
    // The dashboard checks each delivery's signature over the bytes sent.
    state
        .journal()
        .live()
        .keep_signed(&webhook_id, &body, &signature);
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
            cancelled: false,
        };
        let ticket = state.journal().start_delivery(delivery.clone());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            delivery.finished = true;
            delivery.attempts.push(DeliveryAttempt {
                attempt: 1,
                at: state.clock().now_rfc3339(),
                status: None,
                error: Some("no tokio runtime to deliver from".to_owned()),
                latency_micros: 0,
            });
            state.journal().update_delivery(ticket, &delivery);
            continue;
        };
        let task_state = state.clone();
        let (body, signature) = (body.clone(), signature.clone());
        let handle = runtime.spawn(async move {
            deliver(&task_state, delivery, ticket, body, &signature, policy).await;
        });
        webhooks.track(subscription.id, handle);
    }
    webhook_id
}

/// Why an attempt got no status: a failure worth retrying, or a target the rule refuses.
enum Failure {
    Retry(String),
    Refused(String),
}

async fn deliver(
    state: &AppState,
    mut delivery: WebhookDelivery,
    ticket: DeliveryTicket,
    body: Bytes,
    signature: &str,
    policy: WebhookRetryPolicy,
) {
    let attempts = policy.bounded().max_attempts;
    let allow_any = state.webhooks().allow_any();
    for attempt in 1..=attempts {
        let at = state.clock().now_rfc3339();
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            policy.timeout,
            post_once(&delivery.url, body.clone(), signature, allow_any),
        )
        .await
        .unwrap_or_else(|_| {
            Err(Failure::Retry(format!(
                "timed out after {:?}",
                policy.timeout
            )))
        });
        let latency_micros = started.elapsed().as_micros() as u64;
        let (status, error, refused) = match outcome {
            Ok(status) => (Some(status), None, false),
            Err(Failure::Retry(error)) => (None, Some(error), false),
            Err(Failure::Refused(error)) => (None, Some(error), true),
        };
        let error = error.map(|e| e.chars().take(ERROR_KEEP_CHARS).collect::<String>());
        delivery.delivered = status.is_some_and(|s| (200..300).contains(&s));
        delivery.finished = delivery.delivered || refused || attempt == attempts;
        delivery.attempts.push(DeliveryAttempt {
            attempt,
            at,
            status,
            error,
            latency_micros,
        });
        if !state.journal().update_delivery(ticket, &delivery) {
            // Cancelled (unsubscribed) or cleared (journal cleared, reset): stop here.
            return;
        }
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

/// One `POST` over a fresh HTTP/1 connection to a checked address; the response status, or why
/// there is none.
async fn post_once(
    url: &str,
    body: Bytes,
    signature: &str,
    allow_any: bool,
) -> Result<u16, Failure> {
    let retry = Failure::Retry;
    let uri: Uri = url
        .parse()
        .map_err(|e| Failure::Refused(format!("bad url: {e}")))?;
    check_target(url, allow_any).map_err(Failure::Refused)?;
    let host = uri
        .host()
        .ok_or_else(|| Failure::Refused("the url has no host".to_owned()))?
        .to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| retry(format!("resolve {host}: {e}")))?
        .collect();
    let addresses = allowed_addresses(&host, resolved, allow_any).map_err(Failure::Refused)?;
    let mut last_error = format!("resolve {host}: no address");
    let mut stream = None;
    for address in addresses {
        match tokio::net::TcpStream::connect(address).await {
            Ok(connected) => {
                stream = Some(connected);
                break;
            }
            Err(e) => last_error = format!("connect: {e}"),
        }
    }
    let stream = stream.ok_or(retry(last_error))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| retry(format!("handshake: {e}")))?;
    let driver = tokio::spawn(connection);
    let path = uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    let authority = uri.authority().map_or(host.as_str(), |a| a.as_str());
    // Credentials (allowed with --webhook-allow-any) go in Basic auth, never in Host.
    let (userinfo, host_header) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(userinfo), host_port),
        None => (None, authority),
    };
    let mut request = Request::post(path)
        .header(header::HOST, host_header)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "highlevel-mock-webhooks")
        .header(SIGNATURE_HEADER, signature);
    if let Some(userinfo) = userinfo {
        request = request.header(
            header::AUTHORIZATION,
            format!("Basic {}", BASE64.encode(percent_decode(userinfo))),
        );
    }
    let request = request
        .body(Full::new(body))
        .map_err(|e| Failure::Refused(format!("request: {e}")))?;
    let result = sender
        .send_request(request)
        .await
        .map(|response| response.status().as_u16())
        .map_err(|e| retry(format!("send: {e}")));
    driver.abort();
    result
}

/// The bytes of a URL component with its `%XX` escapes decoded.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_pair_derives_from_the_seed() {
        let a = Webhooks::new(1, Vec::new(), WebhookRetryPolicy::default(), false);
        let b = Webhooks::new(1, Vec::new(), WebhookRetryPolicy::default(), false);
        let c = Webhooks::new(2, Vec::new(), WebhookRetryPolicy::default(), false);
        assert_eq!(a.public_key(), b.public_key());
        assert_ne!(a.public_key(), c.public_key());
    }

    #[test]
    fn signatures_verify_with_the_public_key() {
        let webhooks = Webhooks::new(1, Vec::new(), WebhookRetryPolicy::default(), false);
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
            false,
        );
        webhooks.subscribe("http://127.0.0.1:1/b".into());
        webhooks.reset();
        let subs = webhooks.subscriptions();
        assert_eq!(subs.len(), 1);
        assert_eq!(subs[0].id, "sub-1");
    }

    #[test]
    fn ipv4_in_the_resolver_s_loose_forms_is_read_as_the_address_it_names() {
        let metadata = Some(Ipv4Addr::new(169, 254, 169, 254));
        for host in [
            "2852039166",
            "0xa9fea9fe",
            "0xA9FEA9FE",
            "0251.0376.0251.0376",
            "169.254.43518",
            "169.16689662",
        ] {
            assert_eq!(loose_ipv4(host), metadata, "{host}");
        }
        assert_eq!(loose_ipv4("receiver"), None);
        assert_eq!(loose_ipv4("256.1.1.1"), None);
        assert_eq!(loose_ipv4("1.2.3.4.5"), None);
        assert_eq!(loose_ipv4("08.1.1.1"), None);
    }

    #[test]
    fn a_name_resolving_to_a_refused_address_is_refused_before_any_connection() {
        let resolved = |ips: &[&str]| -> Vec<SocketAddr> {
            ips.iter()
                .map(|ip| SocketAddr::new(ip.parse().expect("an address"), 80))
                .collect()
        };
        let refused = allowed_addresses(
            "sneaky.example",
            resolved(&["10.0.0.1", "169.254.169.254"]),
            false,
        );
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.contains("169.254.169.254") && e.contains("--webhook-allow-any")),
            "{refused:?}"
        );
        for ip in [
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:169.254.1.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(
                allowed_addresses("h", resolved(&[ip]), false).is_err(),
                "{ip}"
            );
        }
        let private = resolved(&["127.0.0.1", "10.1.2.3", "192.168.0.4", "::1", "fd12::1"]);
        assert_eq!(allowed_addresses("h", private.clone(), false), Ok(private));
        let any = resolved(&["169.254.169.254"]);
        assert_eq!(allowed_addresses("h", any.clone(), true), Ok(any));
    }

    #[test]
    fn credentials_are_left_out_of_messages_and_decoded_for_basic_auth() {
        assert_eq!(
            without_credentials("ftp://u:p@h/x?y@z"),
            "ftp://***@h/x?y@z"
        );
        assert_eq!(without_credentials("http://h/x"), "http://h/x");
        assert_eq!(percent_decode("us%65r:p%3Ass"), b"user:p:ss");
        assert_eq!(percent_decode("100%"), b"100%");
    }
}
