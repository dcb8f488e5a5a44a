//! Task 8: a simulated call's signed `VoiceAiCallEnd` webhook, received, verified and parsed.

use std::time::Duration;

use anyhow::Result;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use mock_server::MockServer;
use tokio::sync::mpsc;
use voice_ai_client::webhooks::{Ed25519PublicKey, VoiceAiCallEnd, WebhookVerifier};
use voice_ai_client::{Client, ClientConfig, Token, types};

type Delivery = (HeaderMap, Bytes);

/// The consumer's webhook endpoint: hands every delivery to the test and answers 200.
async fn receiver() -> Result<(String, mpsc::UnboundedReceiver<Delivery>)> {
    let (sender, deliveries) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/hooks/highlevel",
            post(
                |State(sender): State<mpsc::UnboundedSender<Delivery>>, headers, body| async move {
                    let _ = sender.send((headers, body));
                    StatusCode::OK
                },
            ),
        )
        .with_state(sender);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hooks/highlevel", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, deliveries))
}

#[tokio::test]
async fn a_simulated_call_end_arrives_signed_and_parses() -> Result<()> {
    let (url, mut deliveries) = receiver().await?;
    let server = MockServer::builder().webhook_url(url).start().await;
    let location = server.location_id();
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )?;
    let agent = client
        .create_agent()
        .body(types::CreateAgentRequest::builder().location_id(location))
        .send()
        .await?
        .into_inner();

    let call = server
        .state()
        .simulate_call(location, &agent.id)
        .expect("the agent exists");
    let (headers, body) = tokio::time::timeout(Duration::from_secs(10), deliveries.recv())
        .await?
        .expect("the receiver is running");

    let key = Ed25519PublicKey::parse(&server.state().webhook_public_key().pem())?;
    let verifier = WebhookVerifier::new().with_ed25519_key(key);
    let event: VoiceAiCallEnd = verifier.verify(&headers, &body)?;
    assert_eq!(event.event_type.as_deref(), Some("VoiceAiCallEnd"));
    assert_eq!(event.webhook_id.as_deref(), Some(call.webhook_id.as_str()));
    assert_eq!(event.agent_id.as_deref(), Some(agent.id.as_str()));
    assert_eq!(event.location_id.as_deref(), Some(location));
    assert_eq!(event.id.as_deref(), call.call_log["id"].as_str());
    assert!(
        verifier.verify::<VoiceAiCallEnd>(&headers, &body).is_err(),
        "a replayed delivery is refused"
    );
    Ok(())
}
