//! Verifies a `VoiceAiCallEnd` webhook delivery and decodes it.
//!
//! Pass the raw body file and the `x-ghl-signature` header value; the vendor's published
//! Ed25519 key is used unless `HIGHLEVEL_WEBHOOK_PUBLIC_KEY` holds another (base64 SPKI or PEM),
//! such as the mock server's.
//!
//! ```sh
//! cargo run -p voice-ai-client --example verify_webhook -- body.json "<signature>"
//! ```

use voice_ai_client::webhooks::{Ed25519PublicKey, VoiceAiCallEnd, WebhookVerifier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(body_file), Some(signature)) = (args.next(), args.next()) else {
        return Err("usage: verify_webhook BODY_FILE SIGNATURE".into());
    };
    let body = std::fs::read(body_file)?;
    let key = match std::env::var("HIGHLEVEL_WEBHOOK_PUBLIC_KEY") {
        Ok(text) => Ed25519PublicKey::parse(&text)?,
        Err(_) => Ed25519PublicKey::highlevel(),
    };
    let verifier = WebhookVerifier::new().with_ed25519_key(key);
    let mut headers = voice_ai_client::header::HeaderMap::new();
    headers.insert("x-ghl-signature", signature.parse()?);
    let event: VoiceAiCallEnd = verifier.verify(&headers, &body)?;
    println!(
        "call {} of agent {} ended after {}s, {} actions ran",
        event.id.as_deref().unwrap_or("?"),
        event.agent_id.as_deref().unwrap_or("?"),
        event.duration.unwrap_or_default(),
        event.executed_call_actions.len()
    );
    Ok(())
}
