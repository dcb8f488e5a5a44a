//! The whole webhook path in one test: a call simulated through the mock's admin API is
//! delivered, signed, to a receiver; the client crate's verifier accepts it with the key the
//! mock serves; and the call log it announces is fetched through the generated client.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use mock_server::MockServer;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use voice_ai_client::webhooks::{Ed25519PublicKey, VoiceAiCallEnd, WebhookVerifier};
use voice_ai_client::{Client, ClientConfig, Token, types};

/// A receiver on 127.0.0.1:0 that forwards every delivery (headers, raw body) and answers 200.
async fn receiver() -> (String, mpsc::UnboundedReceiver<(HeaderMap, Bytes)>) {
    let (sender, deliveries) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/hooks/voice-ai",
            post(
                |State(sender): State<mpsc::UnboundedSender<(HeaderMap, Bytes)>>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let _ = sender.send((headers, body));
                    StatusCode::OK
                },
            ),
        )
        .with_state(sender);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/hooks/voice-ai"), deliveries)
}

#[test]
fn a_simulated_call_arrives_signed_verifies_and_its_call_log_is_fetched_through_the_client() {
    crate::support::block_on(async {
        let (url, mut deliveries) = receiver().await;
        let server = MockServer::builder().webhook_url(url).start().await;
        let location = server.location_id().to_owned();
        let client = Client::from_config(
            ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
        )
        .expect("a client");

        // An agent with one action, so the call has an action to run.
        let agent = client
            .create_agent()
            .body(types::CreateAgentRequest::builder().location_id(&location))
            .send()
            .await
            .expect("createAgent")
            .into_inner();
        let sms = types::SmsParameters::builder()
            .trigger_prompt("The caller asks for the address")
            .trigger_message("I'll text it to you now.")
            .message_body("12 Pier Road");
        let action = client
            .create_action()
            .body(
                types::ActionRequest::builder()
                    .agent_id(&agent.id)
                    .location_id(&location)
                    .name("Text the address")
                    .kind(types::ActionKind::Sms(
                        sms.try_into().expect("valid parameters"),
                    )),
            )
            .send()
            .await
            .expect("createAction")
            .into_inner();

        // Simulate the call over the admin API, then read the key the mock signs with.
        // reqwest is built without a default TLS provider and wants one chosen even for HTTP.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::new();
        let simulated: Value = http
            .post(format!("{}/__mock/calls", server.uri()))
            .json(&json!({ "agentId": agent.id, "wait": true }))
            .send()
            .await
            .expect("the admin API answers")
            .json()
            .await
            .expect("JSON");
        let key: Value = http
            .get(format!("{}/__mock/webhooks/public-key", server.uri()))
            .send()
            .await
            .expect("the admin API answers")
            .json()
            .await
            .expect("JSON");
        let key = Ed25519PublicKey::parse(key["spkiDerBase64"].as_str().expect("a key"))
            .expect("the served key parses");

        let (headers, body) = tokio::time::timeout(Duration::from_secs(10), deliveries.recv())
            .await
            .expect("a delivery within 10 s")
            .expect("the receiver is running");
        let verifier = WebhookVerifier::new().with_ed25519_key(key.clone());
        let event: VoiceAiCallEnd = verifier
            .verify(&headers, &body)
            .expect("the delivery verifies");
        assert_eq!(event.event_type.as_deref(), Some("VoiceAiCallEnd"));
        assert_eq!(event.agent_id.as_deref(), Some(agent.id.as_str()));
        assert_eq!(event.location_id.as_deref(), Some(location.as_str()));
        assert_eq!(
            event.id.as_deref(),
            simulated["callLog"]["id"].as_str(),
            "the event announces the simulated call"
        );

        // A tampered body or another key is refused.
        let mut tampered = body.to_vec();
        tampered.extend_from_slice(b" ");
        assert!(
            WebhookVerifier::new()
                .with_ed25519_key(key)
                .without_replay_guard()
                .verify::<VoiceAiCallEnd>(&headers, &tampered)
                .is_err()
        );
        assert!(
            WebhookVerifier::new()
                .verify::<VoiceAiCallEnd>(&headers, &body)
                .is_err(),
            "HighLevel's own key does not verify the mock's signature"
        );

        // The announced call log, through the generated client.
        let call_id = event.id.clone().expect("the event names its call");
        let log = client
            .get_call_log()
            .call_id(&call_id)
            .location_id(&location)
            .send()
            .await
            .expect("getCallLog")
            .into_inner();
        assert_eq!(log.id, call_id);
        assert_eq!(log.agent_id, agent.id);
        assert_eq!(Some(log.duration), event.duration);
        let ran: Vec<&str> = log
            .executed_call_actions
            .iter()
            .filter_map(|a| a.action_id.as_deref())
            .collect();
        let announced: Vec<&str> = event
            .executed_call_actions
            .iter()
            .filter_map(|a| a.id.as_deref())
            .collect();
        assert_eq!(
            ran, announced,
            "the webhook's `_id`s are the call log's actionIds"
        );
        assert!(
            ran.iter().all(|id| *id == action.id),
            "only the agent's action ran"
        );
    });
}
