//! The admin flags of the `highlevel-mock` binary: `--help`, `--rate-limit` alone and
//! `--webhook-url`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use highlevel_client_core::webhooks::{Ed25519PublicKey, VoiceAiCallEnd, WebhookVerifier};
use serde_json::{Value, json};

use crate::process::{BIN, Running, command};

fn spawn(args: &[&str]) -> Running {
    let mut command = command(&["--port", "0", "--token", "pit-admin-cli"]);
    command.args(args);
    Running::spawn(command)
}

/// One exchange; the raw response text.
fn exchange(address: &str, method: &str, path: &str, body: Option<Value>) -> String {
    let mut stream = TcpStream::connect(address).expect("connected");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nVersion: v3\r\nAuthorization: Bearer pit-admin-cli\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("written");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

fn json_of(response: &str) -> Value {
    response
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null)
}

#[test]
fn help_lists_every_admin_flag() {
    let output = Command::new(BIN)
        .arg("--help")
        .output()
        .expect("the binary runs");
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--rate-limit",
        "--webhook-url",
        "--webhook-max-attempts",
        "--webhook-retry-delay-ms",
        "--state-file",
        "/__mock/",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
}

#[test]
fn the_rate_limit_flag_alone_means_the_vendor_limit() {
    let server = spawn(&["--rate-limit"]);
    let response = exchange(
        &server.address,
        "GET",
        "/conversation-ai/agents/search",
        None,
    );
    let lower = response.to_ascii_lowercase();
    assert!(lower.starts_with("http/1.1 200"), "{response}");
    assert!(lower.contains("x-ratelimit-max: 100"), "{response}");
    assert!(
        lower.contains("x-ratelimit-interval-milliseconds: 10000"),
        "{response}"
    );
}

type Deliveries = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receive(State(got): State<Deliveries>, headers: HeaderMap, body: Bytes) -> StatusCode {
    got.lock().expect("not poisoned").push((headers, body));
    StatusCode::NO_CONTENT
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_url_flag_subscribes_a_receiver_that_gets_verified_deliveries() {
    let got: Deliveries = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bound");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(got.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let server = spawn(&["--webhook-url", &url, "--webhook-retry-delay-ms", "10"]);
    let address = server.address.clone();
    let deliveries = tokio::task::spawn_blocking(move || {
        let agents = json_of(&exchange(
            &address,
            "GET",
            &format!(
                "/voice-ai/agents?locationId={}",
                mock_server::DEFAULT_LOCATION_ID
            ),
            None,
        ));
        let agent = agents["agents"][0]["id"].clone();
        let key = json_of(&exchange(
            &address,
            "GET",
            "/__mock/webhooks/public-key",
            None,
        ));
        let call = json_of(&exchange(
            &address,
            "POST",
            "/__mock/calls",
            Some(json!({"agentId": agent, "wait": true})),
        ));
        (key, call)
    })
    .await
    .expect("the client thread ends");
    let (key, call) = deliveries;
    assert_eq!(call["deliveries"][0]["delivered"], true, "{call}");
    let key = Ed25519PublicKey::parse(key["pem"].as_str().expect("a PEM")).expect("parses");
    let verifier = WebhookVerifier::new().with_ed25519_key(key);
    let (headers, body) = got.lock().expect("not poisoned")[0].clone();
    let event: VoiceAiCallEnd = verifier.verify(&headers, &body).expect("verified");
    assert_eq!(event.id.as_deref(), call["callLog"]["id"].as_str());
}
