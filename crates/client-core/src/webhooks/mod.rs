//! HighLevel webhooks: the `VoiceAiCallEnd` payload, signature verification and a replay guard.
//!
//! HighLevel signs each delivery over the raw body bytes (API_FACTS §4):
//! - `x-ghl-signature`: Ed25519, base64, checked against HighLevel's published key
//!   ([`HIGHLEVEL_ED25519_PUBLIC_KEY`]) unless another key is configured;
//! - `x-wh-signature` (legacy, being retired): RSA-SHA256 PKCS#1 v1.5, base64, checked against
//!   an RSA key the caller supplies ([`WebhookVerifier::with_rsa_key`]).
//!
//! When `x-ghl-signature` is present it alone decides: a bad Ed25519 signature is not rescued
//! by a good RSA one. A header whose value is the literal `N/A` counts as absent.
//! Verify the bytes exactly as received, before any JSON re-serialization.
//!
//! After the signature, [`WebhookVerifier::verify`] applies the vendor's replay advice: the
//! envelope `timestamp` must be within a window (5 minutes by default) and a `webhookId` is
//! accepted once (remembered in bounded memory).
//!
//! ```
//! use highlevel_client_core::webhooks::{VoiceAiCallEnd, WebhookVerifier};
//! # fn handle(headers: &reqwest::header::HeaderMap, body: &[u8]) {
//! let verifier = WebhookVerifier::new(); // keep one per process: it remembers webhookIds
//! match verifier.verify::<VoiceAiCallEnd>(headers, body) {
//!     Ok(event) => println!("call {:?} ended", event.id),
//!     Err(error) => eprintln!("rejected webhook: {error}"),
//! }
//! # }
//! ```

mod keys;

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use keys::{Ed25519PublicKey, HIGHLEVEL_ED25519_PUBLIC_KEY, RsaPublicKey};

/// The Ed25519 signature header.
pub const GHL_SIGNATURE_HEADER: &str = "x-ghl-signature";
/// The legacy RSA signature header.
pub const WH_SIGNATURE_HEADER: &str = "x-wh-signature";
/// The `type` of a Voice AI call-end event.
pub const VOICE_AI_CALL_END: &str = "VoiceAiCallEnd";

/// The `VoiceAiCallEnd` event: a Voice AI call ended in a sub-account (needs the
/// `voice-ai-dashboard.readonly` scope). Every field is optional except where the vendor marks
/// it required; unknown fields are ignored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceAiCallEnd {
    /// Envelope `type`, `"VoiceAiCallEnd"`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// Envelope `timestamp` (ISO 8601) of the delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Envelope `webhookId`, unique per event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<String>,
    /// The call id (24-hex ObjectId).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The sub-account (location) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// The Voice AI agent id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The contact id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// The caller's phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_number: Option<String>,
    /// When the call was created (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Call duration in seconds (may be fractional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// The call summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The transcript: `bot:`/`human:` lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    /// The translated transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translation: Option<Translation>,
    /// Data the agent extracted (free-form object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extracted_data: Option<serde_json::Map<String, Value>>,
    /// The conversation message id of the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Whether this was a trial call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_call: Option<bool>,
    /// Actions the agent executed during the call (empty when absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub executed_call_actions: Vec<ExecutedCallAction>,
}

/// The `translation` of a call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translation {
    /// The translated transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    /// The language translated to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// One action executed during a call. Unlike the REST call logs, the webhook names its id `_id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutedCallAction {
    /// The action id (`_id`).
    #[serde(rename = "_id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The action type (required).
    pub action_type: ActionType,
    /// The action name (required).
    pub action_name: String,
    /// The action description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The action's parameters; their shape depends on `action_type` (the vendor's `oneOf` has
    /// no discriminator and two identical variants, so it is kept as JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_parameters: Option<Value>,
    /// When the action ran (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed_at: Option<String>,
    /// When the trigger was received (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_received_at: Option<String>,
}

/// What an executed action did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActionType {
    /// `CALL_TRANSFER`.
    CallTransfer,
    /// `DATA_EXTRACTION`.
    DataExtraction,
    /// `IN_CALL_DATA_EXTRACTION`.
    InCallDataExtraction,
    /// `WORKFLOW_TRIGGER`.
    WorkflowTrigger,
    /// `SMS`.
    Sms,
    /// `APPOINTMENT_BOOKING`.
    AppointmentBooking,
    /// `CUSTOM_ACTION`.
    CustomAction,
    /// `KNOWLEDGE_BASE`.
    KnowledgeBase,
    /// A type added after this crate was written (kept so a new type does not reject the event).
    #[serde(other)]
    Unknown,
}

/// Which signature was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureScheme {
    /// `x-ghl-signature`, Ed25519.
    Ed25519,
    /// `x-wh-signature`, RSA-SHA256 (legacy).
    RsaSha256,
}

/// Why a webhook delivery was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Neither signature header was present (or both were `N/A`).
    #[error("the webhook is not signed: neither x-ghl-signature nor x-wh-signature is present")]
    MissingSignature,
    /// A signature header was not base64.
    #[error("the {header} header is not valid base64")]
    MalformedSignature {
        /// The header.
        header: &'static str,
    },
    /// The signature does not match the body and key.
    #[error(
        "the {scheme:?} webhook signature does not match the body; check the public key and \
         that the raw body bytes were verified"
    )]
    BadSignature {
        /// The scheme that was checked.
        scheme: SignatureScheme,
    },
    /// Only the legacy RSA signature was present and no RSA key was configured.
    #[error(
        "the webhook has only a legacy x-wh-signature and no RSA public key is configured \
         (WebhookVerifier::with_rsa_key)"
    )]
    NoRsaKey,
    /// A public key could not be parsed.
    #[error("invalid public key: {0}")]
    InvalidKey(String),
    /// The body is not the expected JSON.
    #[error("the webhook body is not the expected JSON: {0}")]
    InvalidPayload(#[source] serde_json::Error),
    /// The envelope has no usable `timestamp`.
    #[error("the webhook has no valid timestamp, so its age cannot be checked")]
    MissingTimestamp,
    /// The envelope `timestamp` is outside the accepted window.
    #[error(
        "the webhook timestamp is {age:?} away from now, outside the {window:?} window (replay or clock skew)"
    )]
    Stale {
        /// How far the timestamp is from now.
        age: Duration,
        /// The accepted window.
        window: Duration,
    },
    /// The envelope has no `webhookId`.
    #[error("the webhook has no webhookId, so duplicates cannot be detected")]
    MissingWebhookId,
    /// The `webhookId` was already accepted.
    #[error("duplicate webhookId {0}: this delivery was already accepted (replay)")]
    Duplicate(String),
}

/// Rejects deliveries outside a time window and repeated `webhookId`s.
///
/// Remembers at most `capacity` ids (oldest forgotten first); ids whose timestamp has left
/// the window are forgotten early, since the window check already rejects them.
#[derive(Debug)]
pub struct ReplayGuard {
    window: Duration,
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<(String, SystemTime)>,
}

impl Default for ReplayGuard {
    /// A 5-minute window and 10,000 remembered ids.
    fn default() -> Self {
        Self::new(Duration::from_secs(300), 10_000)
    }
}

impl ReplayGuard {
    /// A guard accepting timestamps within `window` of now (either side) and remembering up to
    /// `capacity` ids (minimum 1).
    pub fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity: capacity.max(1),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Checks one delivery at `now` and remembers its id when accepted.
    pub fn check(
        &self,
        webhook_id: &str,
        timestamp: SystemTime,
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        let age = match now.duration_since(timestamp) {
            Ok(age) => age,
            Err(ahead) => ahead.duration(),
        };
        if age > self.window {
            return Err(WebhookError::Stale {
                age,
                window: self.window,
            });
        }
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while let Some((id, at)) = seen.order.front() {
            let expired = now.duration_since(*at).is_ok_and(|age| age > self.window);
            if !expired && seen.order.len() < self.capacity {
                break;
            }
            let id = id.clone();
            seen.ids.remove(&id);
            seen.order.pop_front();
        }
        if !seen.ids.insert(webhook_id.to_owned()) {
            return Err(WebhookError::Duplicate(webhook_id.to_owned()));
        }
        seen.order.push_back((webhook_id.to_owned(), timestamp));
        Ok(())
    }

    /// How many ids are remembered.
    pub fn remembered(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .ids
            .len()
    }
}

/// Verifies webhook deliveries. Keep one per process (it holds the replay memory).
#[derive(Debug)]
pub struct WebhookVerifier {
    ed25519: Ed25519PublicKey,
    rsa: Option<RsaPublicKey>,
    replay: Option<ReplayGuard>,
}

impl Default for WebhookVerifier {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    timestamp: Option<Value>,
    #[serde(default, rename = "webhookId")]
    webhook_id: Option<String>,
}

impl WebhookVerifier {
    /// HighLevel's Ed25519 key, no RSA key, the default [`ReplayGuard`].
    pub fn new() -> Self {
        Self {
            ed25519: Ed25519PublicKey::highlevel(),
            rsa: None,
            replay: Some(ReplayGuard::default()),
        }
    }

    /// Checks `x-ghl-signature` against `key` instead of HighLevel's.
    pub fn with_ed25519_key(mut self, key: Ed25519PublicKey) -> Self {
        self.ed25519 = key;
        self
    }

    /// Accepts the legacy `x-wh-signature`, checked against `key`.
    pub fn with_rsa_key(mut self, key: RsaPublicKey) -> Self {
        self.rsa = Some(key);
        self
    }

    /// Uses `guard` for the replay checks.
    pub fn with_replay_guard(mut self, guard: ReplayGuard) -> Self {
        self.replay = Some(guard);
        self
    }

    /// Skips the replay checks (signatures only), e.g. when the caller deduplicates itself.
    pub fn without_replay_guard(mut self) -> Self {
        self.replay = None;
        self
    }

    /// Checks the signature of `body` given the request headers.
    pub fn verify_signature(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<SignatureScheme, WebhookError> {
        let value = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        self.verify_signature_values(
            value(GHL_SIGNATURE_HEADER),
            value(WH_SIGNATURE_HEADER),
            body,
        )
    }

    /// Checks the signature of `body` given the two header values (for frameworks without
    /// a [`HeaderMap`]).
    pub fn verify_signature_values(
        &self,
        ghl_signature: Option<&str>,
        wh_signature: Option<&str>,
        body: &[u8],
    ) -> Result<SignatureScheme, WebhookError> {
        if let Some(signature) = present(ghl_signature) {
            let signature = decode_signature(signature, GHL_SIGNATURE_HEADER)?;
            let key = ring::signature::UnparsedPublicKey::new(
                &ring::signature::ED25519,
                self.ed25519.as_bytes(),
            );
            return key
                .verify(body, &signature)
                .map(|()| SignatureScheme::Ed25519)
                .map_err(|_| WebhookError::BadSignature {
                    scheme: SignatureScheme::Ed25519,
                });
        }
        if let Some(signature) = present(wh_signature) {
            let rsa = self.rsa.as_ref().ok_or(WebhookError::NoRsaKey)?;
            let signature = decode_signature(signature, WH_SIGNATURE_HEADER)?;
            let key = ring::signature::UnparsedPublicKey::new(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                rsa.pkcs1_der(),
            );
            return key
                .verify(body, &signature)
                .map(|()| SignatureScheme::RsaSha256)
                .map_err(|_| WebhookError::BadSignature {
                    scheme: SignatureScheme::RsaSha256,
                });
        }
        Err(WebhookError::MissingSignature)
    }

    /// Verifies the signature, parses the body as `T`, then applies the replay checks at the
    /// current time.
    pub fn verify<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<T, WebhookError> {
        self.verify_at(headers, body, SystemTime::now())
    }

    /// [`WebhookVerifier::verify`] at a given time (for tests and batch re-verification).
    pub fn verify_at<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<T, WebhookError> {
        self.verify_signature(headers, body)?;
        let event: T = serde_json::from_slice(body).map_err(WebhookError::InvalidPayload)?;
        if let Some(guard) = &self.replay {
            let envelope: Envelope =
                serde_json::from_slice(body).map_err(WebhookError::InvalidPayload)?;
            let timestamp = envelope
                .timestamp
                .as_ref()
                .and_then(parse_timestamp)
                .ok_or(WebhookError::MissingTimestamp)?;
            let webhook_id = envelope
                .webhook_id
                .filter(|id| !id.is_empty())
                .ok_or(WebhookError::MissingWebhookId)?;
            guard.check(&webhook_id, timestamp, now)?;
        }
        Ok(event)
    }
}

/// A header value that carries a signature: trimmed, not empty, not the literal `N/A`.
fn present(value: Option<&str>) -> Option<&str> {
    value
        .map(str::trim)
        .filter(|value| !value.is_empty() && *value != "N/A")
}

fn decode_signature(signature: &str, header: &'static str) -> Result<Vec<u8>, WebhookError> {
    base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| WebhookError::MalformedSignature { header })
}

/// An ISO 8601 / RFC 3339 string, or a number of epoch milliseconds (seconds if small).
fn parse_timestamp(value: &Value) -> Option<SystemTime> {
    match value {
        Value::String(text) => {
            let parsed = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
            Some(SystemTime::from(parsed.with_timezone(&chrono::Utc)))
        }
        Value::Number(number) => {
            let number = number.as_u64()?;
            let millis = if number < 100_000_000_000 {
                number.checked_mul(1000)?
            } else {
                number
            };
            SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(millis))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_call_end_payload_deserializes() {
        let body = json!({
            "type": "VoiceAiCallEnd",
            "timestamp": "2026-08-19T10:00:00.000Z",
            "webhookId": "wh_1",
            "id": "6a25186f17a921dd841b287b",
            "locationId": "AnJG67dOYPmbxTOG4cU1",
            "agentId": "507f1f77bcf86cd799439013",
            "duration": 181.5,
            "transcript": "bot:Hello\nhuman:Hi",
            "translation": {"transcript": "Hola", "language": "es"},
            "extractedData": {"email": "a@example.com"},
            "trialCall": false,
            "executedCallActions": [{
                "_id": "507f1f77bcf86cd799439015",
                "actionType": "IN_CALL_DATA_EXTRACTION",
                "actionName": "Grab email",
                "actionParameters": {"fields": []},
                "executedAt": "2026-08-19T09:59:00.000Z"
            }, {
                "actionType": "SOMETHING_NEW",
                "actionName": "Future"
            }]
        });
        let event: VoiceAiCallEnd = serde_json::from_value(body).expect("valid payload");
        assert_eq!(event.duration, Some(181.5));
        assert_eq!(
            event.executed_call_actions[0].id.as_deref(),
            Some("507f1f77bcf86cd799439015")
        );
        assert_eq!(
            event.executed_call_actions[0].action_type,
            ActionType::InCallDataExtraction
        );
        assert_eq!(
            event.executed_call_actions[1].action_type,
            ActionType::Unknown
        );
        assert_eq!(
            event.translation.and_then(|t| t.language).as_deref(),
            Some("es")
        );
    }

    #[test]
    fn an_action_without_its_required_type_is_rejected() {
        let body = json!({"executedCallActions": [{"actionName": "x"}]});
        assert!(serde_json::from_value::<VoiceAiCallEnd>(body).is_err());
    }

    #[test]
    fn all_eight_action_types_use_the_vendor_spelling() {
        for name in [
            "CALL_TRANSFER",
            "DATA_EXTRACTION",
            "IN_CALL_DATA_EXTRACTION",
            "WORKFLOW_TRIGGER",
            "SMS",
            "APPOINTMENT_BOOKING",
            "CUSTOM_ACTION",
            "KNOWLEDGE_BASE",
        ] {
            let parsed: ActionType = serde_json::from_value(json!(name)).expect("known type");
            assert_ne!(parsed, ActionType::Unknown);
            assert_eq!(
                serde_json::to_value(parsed).expect("serializes"),
                json!(name)
            );
        }
    }

    #[test]
    fn timestamps_parse_from_iso_strings_and_epoch_numbers() {
        let iso = parse_timestamp(&json!("1970-01-01T00:00:10Z")).expect("iso");
        assert_eq!(iso, SystemTime::UNIX_EPOCH + Duration::from_secs(10));
        let millis = parse_timestamp(&json!(1_700_000_000_000u64)).expect("ms");
        let seconds = parse_timestamp(&json!(1_700_000_000u64)).expect("s");
        assert_eq!(millis, seconds);
        assert_eq!(parse_timestamp(&json!("yesterday")), None);
    }

    #[test]
    fn the_replay_guard_forgets_the_oldest_id_beyond_its_capacity() {
        let guard = ReplayGuard::new(Duration::from_secs(300), 2);
        let now = SystemTime::now();
        for id in ["a", "b", "c"] {
            guard.check(id, now, now).expect("fresh id");
        }
        assert_eq!(guard.remembered(), 2);
        assert!(matches!(
            guard.check("c", now, now),
            Err(WebhookError::Duplicate(_))
        ));
        guard
            .check("a", now, now)
            .expect("forgotten, so accepted again");
    }
}
