//! The validating proxy (`--upstream`): in front of a second mock it passes whole lifecycles
//! of both APIs without a violation; in front of a deliberately wrong upstream it reports each
//! kind of drift at the right pointer; strict mode refuses and flags; tokens never leak.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use mock_server::{
    Direction, Fixtures, MockServer, ProxyConfig, RateLimitConfig, Violation, ViolationKind,
};
use serde_json::{Value, json};

const VERSION: &str = "2021-04-15";

/// A small HTTP client for the tests (reqwest over the ring provider).
pub(crate) fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Sends one request with the token and the `Version` header; returns status, headers, JSON.
pub(crate) async fn call(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = client
        .request(method, format!("{base}{path}"))
        .header("Version", VERSION)
        .header("Authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the proxy answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, headers, body)
}

async fn proxy_to(upstream: &str, config: impl FnOnce(ProxyConfig) -> ProxyConfig) -> MockServer {
    let config = config(ProxyConfig::new(upstream).expect("a valid upstream URL"));
    MockServer::builder().upstream(config).start().await
}

fn show(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| {
            format!(
                "{:?} {:?} {:?} {} {} {}: {} / {}",
                v.operation,
                v.direction,
                v.kind,
                v.part,
                v.pointer,
                v.request,
                v.expected,
                v.actual
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn a_full_lifecycle_of_both_apis_through_the_proxy_in_front_of_a_mock_shows_no_violation() {
    let upstream = MockServer::builder()
        .fixtures(Fixtures::demo(7))
        .call_logs(5)
        .start()
        .await;
    let proxy = proxy_to(&upstream.uri(), |c| c).await;
    let (client, base, token, loc) = (
        http(),
        proxy.uri(),
        upstream.dev_token().to_owned(),
        upstream.location_id().to_owned(),
    );
    let send = |method: &'static str, path: String, body: Option<Value>| {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        async move { call(&client, &base, &token, method, &path, body).await }
    };

    // Voice AI: agent, actions, call logs, voices.
    let (status, _, agent) = send(
        "POST",
        "/voice-ai/agents".into(),
        Some(json!({"locationId": loc, "agentName": "Proxy Desk", "maxCallDuration": 300})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{agent}");
    let agent_id = agent["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        send(
            "GET",
            format!("/voice-ai/agents/{agent_id}?locationId={loc}"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        send(
            "GET",
            format!("/voice-ai/agents?locationId={loc}&page=1&pageSize=10"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        send(
            "PATCH",
            format!("/voice-ai/agents/{agent_id}?locationId={loc}"),
            Some(json!({"agentName": "Proxy Desk 2"}))
        )
        .await
        .0,
        200
    );
    let (status, _, action) = send("POST", "/voice-ai/actions".into(), Some(json!({
        "agentId": agent_id, "locationId": loc, "name": "Text the link", "actionType": "SMS",
        "actionParameters": {"triggerPrompt": "wants a link", "triggerMessage": "Texting you", "messageBody": "https://x"}
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    let action_id = action["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        send(
            "GET",
            format!("/voice-ai/actions/{action_id}?locationId={loc}"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(send("PUT", format!("/voice-ai/actions/{action_id}"), Some(json!({
        "agentId": agent_id, "locationId": loc, "name": "Send workflow", "actionType": "WORKFLOW_TRIGGER",
        "actionParameters": {"triggerPrompt": "p", "triggerMessage": "m", "workflowId": "wf1"}
    }))).await.0, 200);
    assert!(
        send(
            "DELETE",
            format!("/voice-ai/actions/{action_id}?locationId={loc}&agentId={agent_id}"),
            None
        )
        .await
        .0
        .is_success()
    );
    let (status, _, logs) = send(
        "GET",
        format!("/voice-ai/dashboard/call-logs?locationId={loc}&pageSize=5"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{logs}");
    let call_id = logs["callLogs"][0]["id"]
        .as_str()
        .expect("a call log")
        .to_owned();
    assert_eq!(
        send(
            "GET",
            format!("/voice-ai/dashboard/call-logs/{call_id}?locationId={loc}"),
            None
        )
        .await
        .0,
        200
    );
    let (status, _, voices) = send("GET", "/voice-ai/voices".to_owned(), None).await;
    assert_eq!(status, 200, "{voices}");
    assert!(
        send(
            "DELETE",
            format!("/voice-ai/agents/{agent_id}?locationId={loc}"),
            None
        )
        .await
        .0
        .is_success()
    );

    // Conversation AI: agent, actions, follow-up settings, generations.
    let (status, _, agent) = send("POST", "/conversation-ai/agents".into(), Some(json!({"name": "Proxy Bot", "personality": "kind", "goal": "help", "instructions": "be brief"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{agent}");
    let agent_id = agent["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        send("GET", format!("/conversation-ai/agents/{agent_id}"), None)
            .await
            .0,
        200
    );
    assert_eq!(
        send("GET", "/conversation-ai/agents/search?limit=5".into(), None)
            .await
            .0,
        200
    );
    assert_eq!(
        send(
            "PUT",
            format!("/conversation-ai/agents/{agent_id}"),
            Some(json!({"autoPilotMaxMessages": 10, "name": "Proxy Bot 2"}))
        )
        .await
        .0,
        200
    );
    let followup = json!({"name": "Nudge", "type": "advancedFollowup", "details": {
        "enabled": true, "scenarioId": "contactStoppedReplying",
        "followupSequence": [{"id": 1, "followupTimeUnit": "hours", "followupTime": 4}]}});
    let (status, _, action) = send(
        "POST",
        format!("/conversation-ai/agents/{agent_id}/actions"),
        Some(followup.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    let action_id = action["data"]["id"]
        .as_str()
        .or(action["id"].as_str())
        .expect("an id")
        .to_owned();
    assert_eq!(
        send(
            "GET",
            format!("/conversation-ai/agents/{agent_id}/actions/{action_id}"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        send(
            "GET",
            format!("/conversation-ai/agents/{agent_id}/actions/list"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        send(
            "PUT",
            format!("/conversation-ai/agents/{agent_id}/actions/{action_id}"),
            Some(followup)
        )
        .await
        .0,
        200
    );
    assert_eq!(send("PATCH", format!("/conversation-ai/agents/{agent_id}/followup-settings"), Some(json!({
        "actionIds": [action_id], "followupSettings": {"dynamicChannelSwitching": false, "timezoneToUse": "contact"}
    }))).await.0, 200);
    assert!(
        send(
            "DELETE",
            format!("/conversation-ai/agents/{agent_id}/actions/{action_id}"),
            None
        )
        .await
        .0
        .is_success()
    );
    assert_eq!(
        send(
            "GET",
            "/conversation-ai/generations?messageId=demoMessage000000001&source=conversation"
                .into(),
            None
        )
        .await
        .0,
        200
    );
    assert!(
        send(
            "DELETE",
            format!("/conversation-ai/agents/{agent_id}"),
            None
        )
        .await
        .0
        .is_success()
    );

    // Refusals the spec declares are not violations either.
    assert_eq!(
        send(
            "GET",
            format!("/voice-ai/agents/nobody?locationId={loc}"),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        send(
            "POST",
            "/voice-ai/agents".into(),
            Some(json!({"locationId": loc, "maxCallDuration": 5000}))
        )
        .await
        .0,
        422
    );

    let violations: Vec<Violation> = proxy
        .state()
        .violations()
        .into_iter()
        // The last request is invalid on purpose: the proxy reports it, on the request side only.
        .filter(|v| !(v.direction == Direction::Request && v.pointer == "/maxCallDuration"))
        .collect();
    assert!(violations.is_empty(), "{}", show(&violations));
    assert_eq!(
        proxy.state().violations().len(),
        1,
        "the invalid request is reported"
    );
    assert!(
        upstream.received_requests().len() == 26,
        "every request went upstream"
    );
}

/// What the wrong stub received, to check what the proxy forwarded.
type Received = Arc<Mutex<Vec<HeaderMap>>>;

/// A deliberately wrong upstream: `getAgent` drops a required field, sends a string for an
/// integer and adds a field; `deleteAgent` answers a status the spec does not declare.
fn wrong_stub(received: Received) -> Router {
    async fn get_agent(State(received): State<Received>, headers: HeaderMap) -> impl IntoResponse {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim_start_matches("Bearer ")
            .to_owned();
        received.lock().expect("not poisoned").push(headers);
        let body = json!({
            "id": "agent1", "locationId": "loc1", "businessName": "B", "welcomeMessage": "Hi",
            "agentPrompt": "p", "voiceId": "v", "language": "en-US", "patienceLevel": "medium",
            "maxCallDuration": "600", "sendUserIdleReminders": true, "reminderAfterIdleTimeSeconds": 8,
            "timezone": "America/Los_Angeles", "isAgentAsBackupDisabled": false, "actions": [],
            "surpriseField": {"echo": token}
        });
        (
            [
                ("x-ratelimit-remaining", "97"),
                ("connection", "x-hop-secret"),
                ("x-hop-secret", "1"),
            ],
            axum::Json(body),
        )
    }
    async fn delete_agent(
        State(received): State<Received>,
        headers: HeaderMap,
    ) -> impl IntoResponse {
        received.lock().expect("not poisoned").push(headers);
        (StatusCode::IM_A_TEAPOT, axum::Json(json!({"teapot": true})))
    }
    Router::new()
        .route(
            "/voice-ai/agents/{agent_id}",
            get(get_agent).delete(delete_agent),
        )
        .route("/voice-ai/actions/{action_id}", delete(delete_agent))
        .with_state(received)
}

pub(crate) async fn start_stub(received: Received) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, wrong_stub(received)).await;
    });
    format!("http://{address}")
}

fn find<'a>(
    violations: &'a [Violation],
    kind: ViolationKind,
    part: &str,
    pointer: &str,
) -> &'a Violation {
    violations
        .iter()
        .find(|v| v.kind == kind && v.part == part && v.pointer == pointer)
        .unwrap_or_else(|| panic!("no {kind:?} at {part} {pointer:?} in\n{}", show(violations)))
}

#[tokio::test]
async fn a_wrong_upstream_is_reported_field_by_field_with_json_pointers() {
    let received = Received::default();
    let stub = start_stub(received.clone()).await;
    let proxy = proxy_to(&stub, |c| c).await;
    let client = http();
    let token = "pit-wrong-stub-token-0001";

    let (status, headers, body) = call(
        &client,
        &proxy.uri(),
        token,
        "GET",
        "/voice-ai/agents/agent1?locationId=loc1",
        None,
    )
    .await;
    assert_eq!(status, 200, "the answer comes back unchanged");
    assert_eq!(body["maxCallDuration"], "600");
    assert_eq!(
        headers["x-ratelimit-remaining"], "97",
        "rate-limit headers pass through"
    );
    assert!(
        headers.get("x-hop-secret").is_none(),
        "a header the upstream's Connection names is hop-by-hop"
    );
    assert!(headers.get(axum::http::header::VIA).is_some());
    let (status, _, _) = call(
        &client,
        &proxy.uri(),
        token,
        "DELETE",
        "/voice-ai/agents/agent1?locationId=loc1",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::IM_A_TEAPOT);

    let violations = proxy.state().violations();
    let missing = find(&violations, ViolationKind::Error, "body", "/agentName");
    assert_eq!(
        (missing.expected.as_str(), missing.actual.as_str()),
        ("present (required)", "absent")
    );
    assert_eq!(missing.operation.as_deref(), Some("getAgent"));
    assert_eq!(missing.direction, Direction::Response);
    assert_eq!(
        missing.request,
        "GET /voice-ai/agents/agent1?locationId=loc1"
    );
    let wrong_type = find(
        &violations,
        ViolationKind::Error,
        "body",
        "/maxCallDuration",
    );
    assert_eq!(
        (wrong_type.expected.as_str(), wrong_type.actual.as_str()),
        ("must be an integer number", "\"600\"")
    );
    let added = find(&violations, ViolationKind::Drift, "body", "/surpriseField");
    assert_eq!(added.expected, "not declared");
    assert!(
        !added.actual.contains(token),
        "the echoed token is redacted: {}",
        added.actual
    );
    let teapot = find(&violations, ViolationKind::Error, "status", "");
    assert_eq!(teapot.operation.as_deref(), Some("deleteAgent"));
    assert_eq!(teapot.actual, "418");
    assert!(
        teapot.expected.starts_with("one of 204"),
        "{}",
        teapot.expected
    );
    assert_eq!(violations.len(), 4, "{}", show(&violations));

    // The token goes upstream unchanged; the client's hop-by-hop headers do not.
    let hop = client
        .get(format!(
            "{}/voice-ai/agents/agent1?locationId=loc1",
            proxy.uri()
        ))
        .header("Version", VERSION)
        .header("Authorization", format!("Bearer {token}"))
        .header("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0")
        .header("Connection", "x-client-hop")
        .header("x-client-hop", "1")
        .header("x-end-to-end", "kept")
        .send()
        .await
        .expect("answers");
    assert_eq!(hop.status(), 200);
    let forwarded = received.lock().expect("not poisoned").clone();
    let last = forwarded.last().expect("the stub was reached");
    assert_eq!(last["authorization"], format!("Bearer {token}"));
    assert_eq!(last["version"], VERSION);
    assert_eq!(last["x-end-to-end"], "kept");
    assert_eq!(last["via"], "1.1 highlevel-mock");
    assert!(last.get("proxy-authorization").is_none());
    assert!(last.get("x-client-hop").is_none());

    // The admin API is local and lists the same violations.
    let listed: Value = client
        .get(format!("{}/__mock/violations", proxy.uri()))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        listed["violations"].as_array().map(Vec::len),
        Some(4),
        "{listed}"
    );
    assert_eq!(listed["upstream"], stub.as_str());
    assert!(!listed.to_string().contains(token));
    let cleared = client
        .delete(format!("{}/__mock/violations", proxy.uri()))
        .send()
        .await
        .expect("answers");
    assert_eq!(cleared.status(), 200);
    assert!(proxy.state().violations().is_empty());
}

#[tokio::test]
async fn a_strict_proxy_refuses_an_invalid_request_and_flags_an_invalid_answer() {
    let received = Received::default();
    let stub = start_stub(received.clone()).await;
    let proxy = proxy_to(&stub, |c| c.strict(true)).await;
    let client = http();

    let (status, _, body) = call(
        &client,
        &proxy.uri(),
        "pit-x",
        "DELETE",
        "/voice-ai/actions/a1",
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "locationId is required: {body}"
    );
    assert_eq!(body["statusCode"], 422);
    assert_eq!(
        body["message"],
        json!([
            "locationId should not be empty",
            "agentId should not be empty"
        ])
    );
    assert!(
        received.lock().expect("not poisoned").is_empty(),
        "nothing was forwarded"
    );

    let (status, headers, _) = call(
        &client,
        &proxy.uri(),
        "pit-x",
        "GET",
        "/voice-ai/agents/agent1?locationId=loc1",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers[mock_server::VIOLATIONS_HEADER],
        "2",
        "two errors; drift is not counted"
    );
}

#[tokio::test]
async fn the_upstream_answer_keeps_its_rate_limit_headers_and_an_unreachable_upstream_is_a_502() {
    let upstream = MockServer::builder()
        .rate_limit(RateLimitConfig::vendor())
        .start()
        .await;
    let proxy = proxy_to(&upstream.uri(), |c| c).await;
    let client = http();
    let path = format!("/voice-ai/agents?locationId={}", upstream.location_id());
    let (status, headers, _) = call(
        &client,
        &proxy.uri(),
        upstream.dev_token(),
        "GET",
        &path,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-ratelimit-max"], "100");
    assert_eq!(headers["x-ratelimit-remaining"], "99");

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let gone = format!("http://{}", closed.local_addr().expect("an address"));
    drop(closed);
    let proxy = proxy_to(&gone, |c| c).await;
    let (status, _, body) = call(
        &client,
        &proxy.uri(),
        "pit-secret-never-shown",
        "GET",
        &path,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(body["error"], "Bad Gateway");
    assert!(!body.to_string().contains("pit-secret-never-shown"));
}
