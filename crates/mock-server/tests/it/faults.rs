//! Fault injection through `/__mock/faults`: statuses, latency, probabilities, dropped
//! connections.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use mock_server::MockServer;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Harness, Reply, assert_error, raw_response, send_to};

async fn add_fault(h: &Harness, rule: Value) -> Reply {
    let request = Request::post("/__mock/faults")
        .header("Content-Type", "application/json")
        .body(Body::from(rule.to_string()))
        .expect("a valid request");
    send_to(&h.state, request).await
}

const SEARCH: &str = "/conversation-ai/agents/search";

#[tokio::test]
async fn a_status_for_the_next_two_requests_then_normal_service() {
    let h = Harness::new();
    let added = add_fault(
        &h,
        json!({"method": "GET", "path": "/conversation-ai/*", "status": 503, "times": 2}),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(added.body["id"], "fault-1");
    for _ in 0..2 {
        assert_error(
            &h.get(SEARCH).await,
            StatusCode::SERVICE_UNAVAILABLE,
            json!("Service Unavailable"),
        );
    }
    assert_eq!(h.get(SEARCH).await.status, StatusCode::OK);
    let listed = send_to(
        &h.state,
        Request::get("/__mock/faults")
            .body(Body::empty())
            .expect("a valid request"),
    )
    .await;
    assert_eq!(listed.body, json!({"faults": []}));
}

#[tokio::test]
async fn an_injected_429_carries_the_five_rate_limit_headers_and_retry_after() {
    let h = Harness::new();
    add_fault(
        &h,
        json!({"pathPrefix": "/conversation-ai/", "status": 429, "retryAfter": 7, "times": 1}),
    )
    .await;
    let request = h
        .request(Method::GET, SEARCH)
        .body(Body::empty())
        .expect("a valid request");
    let response = raw_response(&h.state, request).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let headers = response.headers();
    assert_eq!(headers["x-ratelimit-max"], "100");
    assert_eq!(headers["x-ratelimit-interval-milliseconds"], "10000");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert_eq!(headers["x-ratelimit-limit-daily"], "200000");
    assert!(headers.contains_key("x-ratelimit-daily-remaining"));
    assert_eq!(headers["retry-after"], "7");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(
        body,
        json!({"statusCode": 429, "message": "Too Many Requests", "error": "Too Many Requests"})
    );
}

#[tokio::test]
async fn server_errors_have_vendor_shaped_bodies() {
    let h = Harness::new();
    for (status, message) in [
        (500, "Internal server error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
    ] {
        add_fault(&h, json!({"status": status, "times": 1})).await;
        let reply = h.get(SEARCH).await;
        assert_error(
            &reply,
            StatusCode::from_u16(status).expect("a status"),
            json!(message),
        );
    }
}

#[tokio::test]
async fn a_rule_for_another_method_or_path_leaves_the_request_alone() {
    let h = Harness::new();
    add_fault(&h, json!({"method": "POST", "status": 500})).await;
    add_fault(&h, json!({"path": "/voice-ai/*", "status": 500})).await;
    assert_eq!(h.get(SEARCH).await.status, StatusCode::OK);
    let post = h
        .post(
            "/conversation-ai/agents",
            json!({"name": "n", "personality": "p", "goal": "g", "instructions": "i"}),
        )
        .await;
    assert_eq!(post.status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn probabilities_are_deterministic_for_a_seed() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let h = Harness::with(MockServer::builder().seed(seed));
        add_fault(&h, json!({"status": 502, "probability": 0.5})).await;
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(h.get(SEARCH).await.status.as_u16());
        }
        out
    }
    let a = statuses(11).await;
    assert_eq!(a, statuses(11).await);
    let failed = a.iter().filter(|s| **s == 502).count();
    assert!((8..=32).contains(&failed), "{failed} of 40 failed");
    assert!(a.iter().all(|s| *s == 502 || *s == 200));
}

#[tokio::test]
async fn a_fixed_latency_delays_the_answer() {
    let h = Harness::new();
    add_fault(&h, json!({"latencyMs": 150, "times": 1})).await;
    let started = Instant::now();
    let reply = h.get(SEARCH).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));
    let entries = h.state.journal_entries();
    assert!(entries[0].latency_micros >= 150_000);
}

#[tokio::test]
async fn a_random_latency_stays_within_its_bounds() {
    let h = Harness::new();
    add_fault(&h, json!({"latencyMs": {"min": 20, "max": 60}, "times": 3})).await;
    for _ in 0..3 {
        let started = Instant::now();
        h.get(SEARCH).await;
        assert!(started.elapsed() >= Duration::from_millis(20));
    }
}

#[tokio::test]
async fn invalid_rules_are_refused_with_every_problem() {
    let h = Harness::new();
    let reply = add_fault(&h, json!({"status": 200, "drop": "yes", "times": 0})).await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "drop must be a boolean",
            "status must be a whole number from 400 to 599",
            "times must be a whole number of at least 1"
        ]),
    );
    let nothing = add_fault(&h, json!({"method": "GET"})).await;
    assert_error(
        &nothing,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["a fault rule needs latencyMs, status or drop"]),
    );
}

#[tokio::test]
async fn faults_never_touch_the_admin_api_and_can_be_cleared() {
    let h = Harness::new();
    add_fault(&h, json!({"status": 500})).await;
    add_fault(&h, json!({"status": 502})).await;
    let removed = send_to(
        &h.state,
        Request::delete("/__mock/faults/fault-2")
            .body(Body::empty())
            .expect("a valid request"),
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(h.state.fault_rules().len(), 1);
    let cleared = send_to(
        &h.state,
        Request::delete("/__mock/faults")
            .body(Body::empty())
            .expect("a valid request"),
    )
    .await;
    assert_eq!(cleared.body, json!({"faults": []}));
    assert_eq!(h.get(SEARCH).await.status, StatusCode::OK);
    let missing = send_to(
        &h.state,
        Request::delete("/__mock/faults/fault-9")
            .body(Body::empty())
            .expect("a valid request"),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn raw_exchange(server: &MockServer) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(server.address()).await?;
    let request = format!(
        "GET {SEARCH} HTTP/1.1\r\nHost: {}\r\nVersion: 2021-04-15\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        server.address(),
        server.dev_token()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    Ok(response)
}

#[tokio::test]
async fn a_dropped_connection_closes_without_a_response() {
    let server = MockServer::start().await;
    server.state().add_fault(mock_server::FaultRule {
        effect: Some(mock_server::Effect::Drop),
        times: Some(1),
        ..mock_server::FaultRule::new()
    });
    let dropped = tokio::time::timeout(Duration::from_secs(5), raw_exchange(&server))
        .await
        .expect("the server does not hang");
    match dropped {
        Ok(bytes) => assert!(
            bytes.is_empty(),
            "got a response: {}",
            String::from_utf8_lossy(&bytes)
        ),
        Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset),
    }
    let next = raw_exchange(&server).await.expect("served");
    assert!(next.starts_with(b"HTTP/1.1 200 OK"));
    let entries = server.state().journal_entries();
    assert_eq!(entries[0].status, 0, "a dropped exchange is journaled as 0");
    assert_eq!(entries[1].status, 200);
}

#[tokio::test]
async fn an_http_client_sees_a_dropped_connection_as_a_connection_error() {
    let server = MockServer::start().await;
    let added = post_fault_over_tcp(&server, json!({"drop": true, "times": 1})).await;
    assert_eq!(added, 201);
    let stream = TcpStream::connect(server.address())
        .await
        .expect("connected");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(connection);
    let request = Request::get(SEARCH)
        .header("Host", server.address().to_string())
        .header("Version", "2021-04-15")
        .header("Authorization", format!("Bearer {}", server.dev_token()))
        .body(http_body_util::Empty::<axum::body::Bytes>::new())
        .expect("a valid request");
    let error = sender
        .send_request(request)
        .await
        .expect_err("the connection is dropped");
    assert!(
        error.is_incomplete_message() || error.is_closed() || error.is_canceled(),
        "{error:?}"
    );
}

/// Adds a fault rule over a real socket; returns the status.
async fn post_fault_over_tcp(server: &MockServer, rule: Value) -> u16 {
    let mut stream = TcpStream::connect(server.address())
        .await
        .expect("connected");
    let body = rule.to_string();
    let request = format!(
        "POST /__mock/faults HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.address(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("written");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line")
}
