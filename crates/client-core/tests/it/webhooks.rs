//! Webhook signatures (Ed25519 and legacy RSA) and the replay guard.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use highlevel_client_core::webhooks::{
    ActionType, Ed25519PublicKey, HIGHLEVEL_ED25519_PUBLIC_KEY, ReplayGuard, RsaPublicKey,
    SignatureScheme, VoiceAiCallEnd, WebhookError, WebhookVerifier,
};
use reqwest::header::{HeaderMap, HeaderValue};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};

const RSA_PRIVATE_PEM: &str = include_str!("../data/rsa_test_private_pkcs8.pem");
const RSA_PUBLIC_SPKI_PEM: &str = include_str!("../data/rsa_test_public_spki.pem");
const RSA_PUBLIC_PKCS1_PEM: &str = include_str!("../data/rsa_test_public_pkcs1.pem");

const NOW_SECS: u64 = 1_787_126_400; // 2026-08-19T08:00:00Z

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn call_end_body(webhook_id: &str, timestamp: &str) -> Vec<u8> {
    serde_json::json!({
        "type": "VoiceAiCallEnd",
        "timestamp": timestamp,
        "webhookId": webhook_id,
        "id": "6a25186f17a921dd841b287b",
        "locationId": "AnJG67dOYPmbxTOG4cU1",
        "agentId": "507f1f77bcf86cd799439013",
        "contactId": "l1C08ntBrFjLS0elLIYU",
        "fromNumber": "+15550100",
        "createdAt": "2026-08-19T07:58:00.000Z",
        "duration": 95.4,
        "summary": "Caller booked a visit.",
        "transcript": "bot:Hello\nhuman:Hi",
        "trialCall": false,
        "executedCallActions": [{
            "_id": "507f1f77bcf86cd799439015",
            "actionType": "APPOINTMENT_BOOKING",
            "actionName": "Book",
            "actionParameters": {"calendarId": "cal1"},
            "executedAt": "2026-08-19T07:59:00.000Z",
            "triggerReceivedAt": "2026-08-19T07:58:50.000Z"
        }]
    })
    .to_string()
    .into_bytes()
}

const FRESH: &str = "2026-08-19T07:59:30.000Z";

struct Ed25519Signer {
    pair: Ed25519KeyPair,
}

impl Ed25519Signer {
    fn generate() -> Self {
        let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("generate key");
        Self {
            pair: Ed25519KeyPair::from_pkcs8(document.as_ref()).expect("parse key"),
        }
    }

    fn public_key(&self) -> Ed25519PublicKey {
        Ed25519PublicKey::from_bytes(self.pair.public_key().as_ref()).expect("32-byte key")
    }

    fn sign(&self, body: &[u8]) -> String {
        b64(self.pair.sign(body).as_ref())
    }
}

fn rsa_sign(body: &[u8]) -> String {
    let der = pem_body(RSA_PRIVATE_PEM);
    let pair = RsaKeyPair::from_pkcs8(&der).expect("test RSA key");
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        body,
        &mut signature,
    )
    .expect("sign");
    b64(&signature)
}

fn pem_body(pem: &str) -> Vec<u8> {
    let inner: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(inner)
        .expect("PEM base64")
}

fn headers(ghl: Option<&str>, wh: Option<&str>) -> HeaderMap {
    let mut map = HeaderMap::new();
    if let Some(value) = ghl {
        map.insert(
            "x-ghl-signature",
            HeaderValue::from_str(value).expect("header"),
        );
    }
    if let Some(value) = wh {
        map.insert(
            "x-wh-signature",
            HeaderValue::from_str(value).expect("header"),
        );
    }
    map
}

#[test]
fn a_correct_ed25519_signature_is_accepted_and_the_event_parsed() {
    let signer = Ed25519Signer::generate();
    let verifier = WebhookVerifier::new().with_ed25519_key(signer.public_key());
    let body = call_end_body("wh-1", FRESH);
    let event: VoiceAiCallEnd = verifier
        .verify_at(&headers(Some(&signer.sign(&body)), None), &body, now())
        .expect("valid delivery");
    assert_eq!(event.event_type.as_deref(), Some("VoiceAiCallEnd"));
    assert_eq!(event.webhook_id.as_deref(), Some("wh-1"));
    assert_eq!(event.duration, Some(95.4));
    assert_eq!(
        event.executed_call_actions[0].action_type,
        ActionType::AppointmentBooking
    );
    assert_eq!(
        event.executed_call_actions[0].id.as_deref(),
        Some("507f1f77bcf86cd799439015")
    );
}

#[test]
fn a_tampered_body_is_rejected() {
    let signer = Ed25519Signer::generate();
    let verifier = WebhookVerifier::new().with_ed25519_key(signer.public_key());
    let body = call_end_body("wh-1", FRESH);
    let signature = signer.sign(&body);
    let mut tampered = body.clone();
    let at = tampered.len() - 3;
    tampered[at] ^= 0x01;
    let result =
        verifier.verify_at::<VoiceAiCallEnd>(&headers(Some(&signature), None), &tampered, now());
    assert!(matches!(
        result,
        Err(WebhookError::BadSignature {
            scheme: SignatureScheme::Ed25519
        })
    ));
}

#[test]
fn a_signature_from_another_key_is_rejected() {
    let signer = Ed25519Signer::generate();
    let body = call_end_body("wh-1", FRESH);
    let signature = signer.sign(&body);
    // The default verifier trusts HighLevel's key, not this test key.
    let result = WebhookVerifier::new().verify_signature(&headers(Some(&signature), None), &body);
    assert!(matches!(result, Err(WebhookError::BadSignature { .. })));
    let other = WebhookVerifier::new().with_ed25519_key(Ed25519Signer::generate().public_key());
    assert!(
        other
            .verify_signature(&headers(Some(&signature), None), &body)
            .is_err()
    );
}

#[test]
fn a_stale_timestamp_is_rejected_as_a_possible_replay() {
    let signer = Ed25519Signer::generate();
    let verifier = WebhookVerifier::new().with_ed25519_key(signer.public_key());
    let body = call_end_body("wh-old", "2026-08-19T07:54:00.000Z"); // six minutes old
    let result = verifier.verify_at::<VoiceAiCallEnd>(
        &headers(Some(&signer.sign(&body)), None),
        &body,
        now(),
    );
    assert!(
        matches!(result, Err(WebhookError::Stale { .. })),
        "{result:?}"
    );
}

#[test]
fn a_duplicate_webhook_id_is_rejected_the_second_time() {
    let signer = Ed25519Signer::generate();
    let verifier = WebhookVerifier::new().with_ed25519_key(signer.public_key());
    let body = call_end_body("wh-dup", FRESH);
    let signed = headers(Some(&signer.sign(&body)), None);
    verifier
        .verify_at::<VoiceAiCallEnd>(&signed, &body, now())
        .expect("first delivery accepted");
    let again = verifier.verify_at::<VoiceAiCallEnd>(&signed, &body, now());
    assert!(matches!(again, Err(WebhookError::Duplicate(id)) if id == "wh-dup"));
}

#[test]
fn a_custom_window_is_honoured() {
    let signer = Ed25519Signer::generate();
    let verifier = WebhookVerifier::new()
        .with_ed25519_key(signer.public_key())
        .with_replay_guard(ReplayGuard::new(Duration::from_secs(10), 100));
    let body = call_end_body("wh-2", FRESH); // 30 s old
    let result = verifier.verify_at::<VoiceAiCallEnd>(
        &headers(Some(&signer.sign(&body)), None),
        &body,
        now(),
    );
    assert!(matches!(result, Err(WebhookError::Stale { .. })));
}

#[test]
fn the_vendor_key_parses_from_base64_and_pem() {
    let from_base64 = Ed25519PublicKey::parse(HIGHLEVEL_ED25519_PUBLIC_KEY).expect("vendor key");
    assert_eq!(from_base64, Ed25519PublicKey::highlevel());
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{HIGHLEVEL_ED25519_PUBLIC_KEY}\n-----END PUBLIC KEY-----"
    );
    assert_eq!(Ed25519PublicKey::parse(&pem).expect("pem"), from_base64);
}

#[test]
fn a_legacy_rsa_signature_is_accepted_with_an_spki_or_pkcs1_key() {
    let body = call_end_body("wh-rsa", FRESH);
    let signature = rsa_sign(&body);
    for pem in [RSA_PUBLIC_SPKI_PEM, RSA_PUBLIC_PKCS1_PEM] {
        let key = RsaPublicKey::from_pem(pem).expect("test public key");
        assert_eq!(key.modulus_bits(), 2048);
        let verifier = WebhookVerifier::new().with_rsa_key(key);
        let scheme = verifier
            .verify_signature(&headers(None, Some(&signature)), &body)
            .expect("valid RSA signature");
        assert_eq!(scheme, SignatureScheme::RsaSha256);
    }
}

#[test]
fn a_tampered_body_fails_the_rsa_check_and_no_key_means_no_rsa() {
    let body = call_end_body("wh-rsa", FRESH);
    let signature = rsa_sign(&body);
    let verifier = WebhookVerifier::new()
        .with_rsa_key(RsaPublicKey::from_pem(RSA_PUBLIC_SPKI_PEM).expect("key"));
    let mut tampered = body.clone();
    tampered[5] ^= 0x20;
    assert!(matches!(
        verifier.verify_signature(&headers(None, Some(&signature)), &tampered),
        Err(WebhookError::BadSignature {
            scheme: SignatureScheme::RsaSha256
        })
    ));
    assert!(matches!(
        WebhookVerifier::new().verify_signature(&headers(None, Some(&signature)), &body),
        Err(WebhookError::NoRsaKey)
    ));
}

#[test]
fn a_present_ed25519_header_wins_with_no_fallback_to_rsa() {
    let body = call_end_body("wh-both", FRESH);
    let good_rsa = rsa_sign(&body);
    let verifier = WebhookVerifier::new()
        .with_ed25519_key(Ed25519Signer::generate().public_key())
        .with_rsa_key(RsaPublicKey::from_pem(RSA_PUBLIC_SPKI_PEM).expect("key"));
    let bad_ed25519 = b64(&[7u8; 64]);
    let result = verifier.verify_signature(&headers(Some(&bad_ed25519), Some(&good_rsa)), &body);
    assert!(matches!(
        result,
        Err(WebhookError::BadSignature {
            scheme: SignatureScheme::Ed25519
        })
    ));
}

#[test]
fn an_n_a_ed25519_header_counts_as_absent() {
    let body = call_end_body("wh-na", FRESH);
    let verifier = WebhookVerifier::new()
        .with_rsa_key(RsaPublicKey::from_pem(RSA_PUBLIC_SPKI_PEM).expect("key"));
    let scheme = verifier
        .verify_signature(&headers(Some("N/A"), Some(&rsa_sign(&body))), &body)
        .expect("falls to the RSA header");
    assert_eq!(scheme, SignatureScheme::RsaSha256);
    assert!(matches!(
        verifier.verify_signature(&headers(Some("N/A"), Some("N/A")), &body),
        Err(WebhookError::MissingSignature)
    ));
}

#[test]
fn a_signature_that_is_not_base64_is_reported_as_malformed() {
    let body = call_end_body("wh-x", FRESH);
    let result =
        WebhookVerifier::new().verify_signature(&headers(Some("not base64!!"), None), &body);
    assert!(matches!(
        result,
        Err(WebhookError::MalformedSignature {
            header: "x-ghl-signature"
        })
    ));
}

#[test]
fn a_forged_delivery_does_not_use_up_its_webhook_id() {
    let signer = Ed25519Signer::generate();
    let verifier = WebhookVerifier::new().with_ed25519_key(signer.public_key());
    let body = call_end_body("wh-f", FRESH);
    let forged =
        verifier.verify_at::<VoiceAiCallEnd>(&headers(Some(&b64(&[1u8; 64])), None), &body, now());
    assert!(forged.is_err());
    verifier
        .verify_at::<VoiceAiCallEnd>(&headers(Some(&signer.sign(&body)), None), &body, now())
        .expect("the genuine delivery is still accepted");
}
