//! Webhook deliveries: signed like the vendor, accepted by the client crate's verifier,
//! retried on failures, listed by the admin API.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::routing::post;
use highlevel_client_core::webhooks::{Ed25519PublicKey, VoiceAiCallEnd, WebhookVerifier};
use mock_server::Fixtures;
use mock_server::MockServer;
use mock_server::WebhookRetryPolicy;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::support::{Harness, Reply, send_to};

/// What a receiver got, and the statuses it answers with (then 200).
#[derive(Default)]
struct Received {
    deliveries: Vec<(HeaderMap, Bytes)>,
    failures_left: Vec<StatusCode>,
}

type Shared = Arc<Mutex<Received>>;

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut received = shared.lock().expect("not poisoned");
    received.deliveries.push((headers, body));
    if received.failures_left.is_empty() {
        StatusCode::OK
    } else {
        received.failures_left.remove(0)
    }
}

/// A receiver on 127.0.0.1:0 that fails with `failures` first; its URL and what it got.
async fn receiver(failures: Vec<StatusCode>) -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(Received {
        deliveries: Vec::new(),
        failures_left: failures,
    }));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
    let address = listener.local_addr().expect("an address");
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(shared.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}/hook"), shared)
}

fn fast_retries(max_attempts: u32) -> WebhookRetryPolicy {
    WebhookRetryPolicy {
        max_attempts,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        timeout: Duration::from_secs(5),
    }
}

fn first_voice_agent(server: &MockServer) -> String {
    let (_, agents) = server
        .state()
        .store()
        .voice_list_agents(server.location_id(), None, 1, 1);
    agents[0]["id"].as_str().expect("an id").to_owned()
}

async fn admin(h: &Harness, method: Method, path: &str, body: Option<Value>) -> Reply {
    let builder = Request::builder().method(method).uri(path);
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("a valid request");
    send_to(&h.state, request).await
}

#[tokio::test]
async fn a_simulated_call_is_delivered_signed_and_the_client_verifier_accepts_it() {
    let (url, received) = receiver(Vec::new()).await;
    let server = MockServer::builder()
        .fixtures(Fixtures::demo(1))
        .webhook_url(url)
        .webhook_retry(fast_retries(3))
        .start()
        .await;
    let agent = first_voice_agent(&server);
    let call = server
        .state()
        .simulate_call(server.location_id(), &agent)
        .expect("a known agent");
    server.state().wait_for_webhook_deliveries().await;

    let key = Ed25519PublicKey::parse(&server.state().webhook_public_key().spki_base64())
        .expect("the served key parses");
    let verifier = WebhookVerifier::new().with_ed25519_key(key);
    let (headers, body) = received.lock().expect("not poisoned").deliveries[0].clone();
    let event: VoiceAiCallEnd = verifier.verify(&headers, &body).expect("a valid delivery");
    assert_eq!(event.event_type.as_deref(), Some("VoiceAiCallEnd"));
    assert_eq!(event.webhook_id.as_deref(), Some(call.webhook_id.as_str()));
    assert_eq!(event.location_id.as_deref(), Some(server.location_id()));
    assert_eq!(event.agent_id.as_deref(), Some(agent.as_str()));
    assert_eq!(event.id.as_deref(), call.call_log["id"].as_str());
    assert_eq!(event.duration, call.call_log["duration"].as_f64());

    let raw: Value = serde_json::from_slice(&body).expect("JSON");
    let log_actions = call.call_log["executedCallActions"]
        .as_array()
        .expect("a list");
    let event_actions = raw["executedCallActions"].as_array().expect("a list");
    assert_eq!(log_actions.len(), event_actions.len());
    for (log, sent) in log_actions.iter().zip(event_actions) {
        assert_eq!(sent["_id"], log["actionId"]);
        assert!(sent.get("actionId").is_none());
    }

    let mut tampered = body.to_vec();
    tampered.push(b' ');
    assert!(
        WebhookVerifier::new()
            .with_ed25519_key(
                Ed25519PublicKey::parse(&server.state().webhook_public_key().pem())
                    .expect("PEM parses")
            )
            .verify::<VoiceAiCallEnd>(&headers, &tampered)
            .is_err()
    );
    let deliveries = server.state().webhook_deliveries();
    assert_eq!(deliveries.len(), 1);
    assert!(deliveries[0].delivered);
    assert_eq!(deliveries[0].attempts[0].status, Some(200));
}

#[tokio::test]
async fn a_failing_receiver_gets_retries_until_it_answers_2xx() {
    let (url, received) = receiver(vec![
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::SERVICE_UNAVAILABLE,
    ])
    .await;
    let server = MockServer::builder()
        .fixtures(Fixtures::demo(1))
        .webhook_url(url)
        .webhook_retry(fast_retries(5))
        .start()
        .await;
    let agent = first_voice_agent(&server);
    server
        .state()
        .simulate_call(server.location_id(), &agent)
        .expect("a known agent");
    server.state().wait_for_webhook_deliveries().await;
    let deliveries = server.state().webhook_deliveries();
    let statuses: Vec<Option<u16>> = deliveries[0].attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, vec![Some(500), Some(503), Some(200)]);
    assert!(deliveries[0].delivered && deliveries[0].finished);
    let bodies: Vec<Bytes> = received
        .lock()
        .expect("not poisoned")
        .deliveries
        .iter()
        .map(|(_, b)| b.clone())
        .collect();
    assert_eq!(bodies.len(), 3);
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "retries resend the same bytes"
    );
}

#[tokio::test]
async fn an_unreachable_receiver_is_tried_a_bounded_number_of_times() {
    // A socket bound but not listening: connections to it are refused, and the port stays
    // ours for the whole test (a dropped listener's port can be handed to another test's server).
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("bound");
    let address = socket.local_addr().expect("an address");
    let server = MockServer::builder()
        .fixtures(Fixtures::demo(1))
        .webhook_url(format!("http://{address}/gone"))
        .webhook_retry(fast_retries(3))
        .start()
        .await;
    let agent = first_voice_agent(&server);
    server
        .state()
        .simulate_call(server.location_id(), &agent)
        .expect("a known agent");
    server.state().wait_for_webhook_deliveries().await;
    let delivery = &server.state().webhook_deliveries()[0];
    assert_eq!(delivery.attempts.len(), 3);
    assert!(!delivery.delivered && delivery.finished);
    assert!(
        delivery
            .attempts
            .iter()
            .all(|a| a.status.is_none() && a.error.is_some())
    );
}

#[tokio::test]
async fn subscriptions_and_deliveries_are_managed_through_the_admin_api() {
    let (url, received) = receiver(Vec::new()).await;
    let h = Harness::with(MockServer::builder().fixtures(Fixtures::demo(1)));
    let policy = admin(
        &h,
        Method::PUT,
        "/__mock/webhooks/retry-policy",
        Some(json!({"maxAttempts": 2, "initialDelayMs": 5})),
    )
    .await;
    assert_eq!(policy.body["maxAttempts"], 2);
    let added = admin(
        &h,
        Method::POST,
        "/__mock/webhooks/subscriptions",
        Some(json!({"url": url})),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(added.body["id"], "sub-1");
    let https = admin(
        &h,
        Method::POST,
        "/__mock/webhooks/subscriptions",
        Some(json!({"url": "https://example.com/hook"})),
    )
    .await;
    assert_eq!(https.status, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, agents) = h.state.store().voice_list_agents(&h.loc(), None, 1, 1);
    let simulated = admin(
        &h,
        Method::POST,
        "/__mock/calls",
        Some(json!({"agentId": agents[0]["id"], "wait": true})),
    )
    .await;
    assert_eq!(simulated.status, StatusCode::CREATED, "{}", simulated.body);
    assert_eq!(simulated.body["subscribers"], 1);
    assert_eq!(simulated.body["deliveries"][0]["delivered"], true);
    assert_eq!(received.lock().expect("not poisoned").deliveries.len(), 1);

    let listed = admin(&h, Method::GET, "/__mock/webhooks/deliveries", None).await;
    assert_eq!(listed.body["deliveries"][0]["attempts"][0]["status"], 200);
    let journal = admin(&h, Method::GET, "/__mock/journal", None).await;
    assert_eq!(
        journal.body["deliveries"][0]["webhookId"],
        simulated.body["webhookId"]
    );

    let removed = admin(
        &h,
        Method::DELETE,
        "/__mock/webhooks/subscriptions/sub-1",
        None,
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK);
    let subs = admin(&h, Method::GET, "/__mock/webhooks/subscriptions", None).await;
    assert_eq!(subs.body, json!({"subscriptions": []}));
}

#[tokio::test]
async fn the_public_key_is_served_as_spki_base64_and_pem() {
    let h = Harness::new();
    let reply = admin(&h, Method::GET, "/__mock/webhooks/public-key", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["algorithm"], "Ed25519");
    let from_base64 = Ed25519PublicKey::parse(reply.body["spkiDerBase64"].as_str().expect("text"))
        .expect("base64 SPKI");
    let from_pem = Ed25519PublicKey::parse(reply.body["pem"].as_str().expect("text")).expect("PEM");
    assert_eq!(from_base64, from_pem);
    assert_eq!(from_base64.as_bytes(), h.state.webhook_public_key().raw());
    let other = Harness::with(MockServer::builder().seed(99));
    assert_ne!(
        other.state.webhook_public_key(),
        h.state.webhook_public_key()
    );
}
