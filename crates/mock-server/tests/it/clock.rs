//! The mock clock: generated data that looks current, byte-identical runs with a frozen clock,
//! and windows and lifetimes that end when the clock is advanced.

use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use mock_server::{
    AppState, AuthorizationRequest, ClockSetting, DEFAULT_SEED, Fixtures, MockServer,
    RateLimitConfig, router,
};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{Harness, VERSION, assert_error};

const ANCHOR: &str = "2026-03-02T09:00:00Z";

fn anchor() -> DateTime<Utc> {
    ANCHOR.parse().expect("an instant")
}

fn frozen() -> ClockSetting {
    ClockSetting::Frozen(anchor())
}

/// `listCallLogs` for the dev location over `[start, end]` (epoch ms), 50 per page.
fn window_uri(state: &AppState, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!(
        "/voice-ai/dashboard/call-logs?locationId={}&startDate={}&endDate={}&pageSize=50",
        state.location_id(),
        start.timestamp_millis(),
        end.timestamp_millis()
    )
}

#[tokio::test]
async fn the_default_mock_answers_a_last_30_days_call_log_query_with_a_non_empty_page() {
    // Arrange: what the binary serves with no flags (the demo data, the real clock)
    let h = Harness::with(MockServer::builder().fixtures(Fixtures::demo(DEFAULT_SEED)));
    let now = Utc::now();
    // Act
    let reply = h
        .get(&window_uri(&h.state, now - TimeDelta::days(30), now))
        .await;
    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let logs = reply.body["callLogs"].as_array().expect("a list");
    assert!(!logs.is_empty(), "{}", reply.body);
    let agent = logs[0]["agentId"].as_str().expect("an agent id");
    let (_, agents) = h.state.store().voice_list_agents(&h.loc(), None, 1, 10);
    assert!(agents.iter().any(|a| a["id"] == agent), "a demo agent");
}

#[tokio::test]
async fn generated_call_logs_fill_the_last_30_days_of_the_clock_at_generation() {
    // Arrange
    let h = Harness::with(
        MockServer::builder()
            .fixtures(Fixtures::demo(3))
            .clock(frozen())
            .call_logs(300),
    );
    // Act
    let last_30 = h
        .get(&window_uri(
            &h.state,
            anchor() - TimeDelta::days(30),
            anchor(),
        ))
        .await;
    let after = h
        .get(&window_uri(
            &h.state,
            anchor(),
            anchor() + TimeDelta::days(365),
        ))
        .await;
    // Assert: about a third of 90 days' calls, none after "now"
    let total = last_30.body["total"].as_u64().expect("a total");
    assert!((70..=140).contains(&total), "{total} of 301");
    assert_eq!(after.body["total"], 0);
}

/// The same sequence of calls against a fresh server: every status and body byte.
async fn script(state: &AppState) -> Vec<(u16, Vec<u8>)> {
    let token = state.dev_token().to_owned();
    let loc = state.location_id().to_owned();
    let code = state
        .authorization_code(&AuthorizationRequest::location(&loc))
        .expect("the default app");
    let app = state.oauth_app();
    let form = format!(
        "client_id={}&client_secret={}&grant_type=authorization_code&code={code}",
        app.client_id, app.client_secret
    );
    let (_, agents) = state.store().voice_list_agents(&loc, None, 1, 1);
    let agent = agents[0]["id"].as_str().expect("an id").to_owned();
    let requests = vec![
        (
            "GET",
            format!("/voice-ai/dashboard/call-logs?locationId={loc}&pageSize=50"),
            None,
        ),
        (
            "POST",
            "/conversation-ai/agents".to_owned(),
            Some(
                json!({"name": "Night", "personality": "calm", "goal": "help", "instructions": "be brief"}),
            ),
        ),
        (
            "POST",
            "/__mock/calls".to_owned(),
            Some(json!({"agentId": agent})),
        ),
        (
            "GET",
            format!("/voice-ai/dashboard/call-logs?locationId={loc}&pageSize=2"),
            None,
        ),
        ("GET", "/__mock/journal".to_owned(), None),
        ("GET", "/__mock/clock".to_owned(), None),
    ];
    let mut out = Vec::new();
    for (method, uri, body) in requests {
        let builder = Request::builder()
            .method(method)
            .uri(uri)
            .header("Version", VERSION)
            .header("Authorization", format!("Bearer {token}"));
        let request = match body {
            Some(b) => builder
                .header("Content-Type", "application/json")
                .body(Body::from(b.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("a valid request");
        out.push(send_bytes(state, request).await);
    }
    let token_request = Request::post("/oauth/token")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .expect("a valid request");
    out.push(send_bytes(state, token_request).await);
    out
}

async fn send_bytes(state: &AppState, request: Request<Body>) -> (u16, Vec<u8>) {
    let response = router(state.clone())
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status().as_u16();
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a readable body");
    (status, bytes.to_vec())
}

fn builder() -> mock_server::MockServerBuilder {
    MockServer::builder()
        .seed(11)
        .fixtures(Fixtures::demo(11))
        .call_logs(120)
}

/// A journal answer with each `latencyMs` (a measured duration, not a clock reading) removed.
fn without_latency(bytes: &[u8]) -> Value {
    let mut journal: Value = serde_json::from_slice(bytes).expect("JSON");
    for request in journal["requests"].as_array_mut().expect("a list") {
        request
            .as_object_mut()
            .expect("an object")
            .remove("latencyMs")
            .expect("a latency");
    }
    journal
}

#[tokio::test]
async fn a_frozen_clock_gives_byte_identical_answers_across_runs() {
    // Arrange
    let first = builder().clock(frozen()).build_state();
    let first_answers = script(&first).await;
    std::thread::sleep(Duration::from_millis(20));
    let second = builder().clock(frozen()).build_state();
    // Act
    let second_answers = script(&second).await;
    // Assert: every answer byte for byte, but the journal's measured latencies
    assert!(
        first_answers.iter().all(|(status, _)| *status < 300),
        "{first_answers:?}"
    );
    assert_eq!(
        without_latency(&first_answers[4].1),
        without_latency(&second_answers[4].1)
    );
    for (i, (a, b)) in first_answers
        .iter()
        .zip(&second_answers)
        .enumerate()
        .filter(|(i, _)| *i != 4)
    {
        assert_eq!(
            a,
            b,
            "answer {i}: {} vs {}",
            String::from_utf8_lossy(&a.1),
            String::from_utf8_lossy(&b.1)
        );
    }
    let journal = String::from_utf8_lossy(&first_answers[4].1).into_owned();
    assert!(journal.contains("2026-03-02T09:00:00.000Z"), "{journal}");
}

#[tokio::test]
async fn advancing_the_clock_by_10_s_resets_a_rate_limit_window_with_no_real_waiting() {
    // Arrange
    let h = Harness::with(
        MockServer::builder()
            .clock(frozen())
            .rate_limit(RateLimitConfig {
                max: 2,
                interval: Duration::from_secs(10),
                daily: 1000,
            }),
    );
    let uri = format!("/voice-ai/agents?locationId={}", h.loc());
    let started = Instant::now();
    assert_eq!(h.get(&uri).await.status, StatusCode::OK);
    assert_eq!(h.get(&uri).await.status, StatusCode::OK);
    assert_eq!(h.get(&uri).await.status, StatusCode::TOO_MANY_REQUESTS);
    let almost = h.put("/__mock/clock", json!({"advanceMs": 9_999})).await;
    assert_eq!(almost.status, StatusCode::OK, "{}", almost.body);
    assert_eq!(h.get(&uri).await.status, StatusCode::TOO_MANY_REQUESTS);
    // Act
    let moved = h.put("/__mock/clock", json!({"advanceMs": 1})).await;
    let after = h.get(&uri).await;
    // Assert
    assert_eq!(moved.body["now"], "2026-03-02T09:00:10.000Z");
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no real waiting"
    );
}

#[tokio::test]
async fn the_daily_budget_renews_when_the_clock_passes_a_day() {
    // Arrange
    let h = Harness::with(
        MockServer::builder()
            .clock(frozen())
            .rate_limit(RateLimitConfig {
                max: 100,
                interval: Duration::from_secs(10),
                daily: 1,
            }),
    );
    let uri = format!("/voice-ai/agents?locationId={}", h.loc());
    assert_eq!(h.get(&uri).await.status, StatusCode::OK);
    h.state
        .advance_clock(Duration::from_secs(3600))
        .expect("in range");
    assert_eq!(h.get(&uri).await.status, StatusCode::TOO_MANY_REQUESTS);
    // Act
    h.state
        .advance_clock(Duration::from_secs(86_400))
        .expect("in range");
    // Assert
    assert_eq!(h.get(&uri).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_oauth_token_expires_when_the_clock_is_advanced_past_its_lifetime() {
    // Arrange
    let state = MockServer::builder()
        .clock(frozen())
        .oauth_token_lifetime(Duration::from_secs(3600))
        .build_state();
    let tokens = state
        .issue_oauth_tokens(&AuthorizationRequest::location(state.location_id()))
        .expect("issued");
    let get = |state: &AppState| {
        Request::get(format!(
            "/voice-ai/agents?locationId={}",
            state.location_id()
        ))
        .header("Version", VERSION)
        .header("Authorization", format!("Bearer {}", tokens.access_token))
        .body(Body::empty())
        .expect("a valid request")
    };
    assert_eq!(send_bytes(&state, get(&state)).await.0, 200);
    state
        .advance_clock(Duration::from_secs(3599))
        .expect("in range");
    assert_eq!(send_bytes(&state, get(&state)).await.0, 200);
    // Act
    state
        .advance_clock(Duration::from_secs(1))
        .expect("in range");
    // Assert
    assert_eq!(send_bytes(&state, get(&state)).await.0, 401);
}

#[tokio::test]
async fn records_webhooks_and_the_journal_carry_the_clocks_time() {
    // Arrange
    let h = Harness::with(
        MockServer::builder()
            .fixtures(Fixtures::demo(2))
            .clock(frozen())
            .webhook_url("http://127.0.0.1:9/hook")
            .webhook_retry(mock_server::WebhookRetryPolicy {
                max_attempts: 1,
                ..Default::default()
            }),
    );
    let created = h
        .post(
            "/conversation-ai/agents",
            json!({"name": "A", "personality": "p", "goal": "g", "instructions": "i"}),
        )
        .await;
    h.state
        .advance_clock(Duration::from_secs(60))
        .expect("in range");
    // Act
    let patched = h
        .put(
            &format!("/conversation-ai/agents/{}", created.id()),
            json!({"goal": "g2", "autoPilotMaxMessages": 10}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let search = h.get("/conversation-ai/agents/search?limit=50").await;
    let (_, agents) = h.state.store().voice_list_agents(&h.loc(), None, 1, 1);
    let call = h
        .state
        .simulate_call(&h.loc(), agents[0]["id"].as_str().expect("an id"))
        .expect("a demo agent");
    h.state.wait_for_webhook_deliveries().await;
    // Assert
    let listed = search.body["agents"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["id"] == created.id().as_str())
        .expect("the new agent")
        .clone();
    assert_eq!(listed["createdAt"], "2026-03-02T09:00:00.000Z");
    assert_eq!(listed["updatedAt"], "2026-03-02T09:01:00.000Z");
    assert_eq!(call.call_log["createdAt"], "2026-03-02T09:01:00.000Z");
    let deliveries = h.state.webhook_deliveries();
    assert_eq!(deliveries[0].attempts[0].at, "2026-03-02T09:01:00.000Z");
    let entries = h.state.journal_entries();
    assert_eq!(entries[0].at, "2026-03-02T09:00:00.000Z");
    assert_eq!(entries[1].at, "2026-03-02T09:01:00.000Z");
}

#[tokio::test]
async fn the_clock_route_reads_freezes_advances_and_returns_to_real_time() {
    // Arrange
    let h = Harness::new();
    // Act / Assert
    let read = h.get("/__mock/clock").await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["mode"], "real");
    assert_eq!(read.body["offsetMs"], 0);
    let frozen = h
        .put("/__mock/clock", json!({"at": "2026-03-02T10:00:00+01:00"}))
        .await;
    assert_eq!(
        frozen.body,
        json!({"mode": "frozen", "now": "2026-03-02T09:00:00.000Z", "offsetMs": 0})
    );
    let moved = h
        .put(
            "/__mock/clock",
            json!({"mode": "frozen", "advanceMs": 86_400_000}),
        )
        .await;
    assert_eq!(moved.body["now"], "2026-03-03T09:00:00.000Z");
    let real = h.put("/__mock/clock", json!({"mode": "real"})).await;
    assert_eq!(real.body["mode"], "real");
    let ahead = h
        .put("/__mock/clock", json!({"advanceMs": 3_600_000}))
        .await;
    assert_eq!(ahead.body["mode"], "real");
    assert_eq!(ahead.body["offsetMs"], 3_600_000);
    assert!(h.state.now() - Utc::now() > TimeDelta::minutes(59));
}

#[tokio::test]
async fn bad_clock_requests_are_422_or_400_and_change_nothing() {
    // Arrange
    let h = Harness::with(MockServer::builder().clock(frozen()));
    let cases = [
        (json!({}), "give mode, at or advanceMs"),
        (
            json!({"mode": "paused"}),
            "mode must be one of the following values: real, frozen",
        ),
        (
            json!({"mode": "real", "at": ANCHOR}),
            "at needs mode frozen (or no mode)",
        ),
        (
            json!({"advanceMs": -5}),
            "advanceMs must be a whole number of at least 0",
        ),
        (
            json!({"advanceMs": 1.5}),
            "advanceMs must be a whole number of at least 0",
        ),
        (json!({"at": 7}), "at must be a string"),
        (json!({"speed": 2}), "property speed should not exist"),
        (
            json!({"advanceMs": u64::MAX}),
            "advanceMs: the clock cannot be moved that far",
        ),
        (
            json!({"advanceMs": 1e300}),
            "advanceMs: the clock cannot be moved that far",
        ),
    ];
    for (body, message) in cases {
        // Act
        let reply = h.put("/__mock/clock", body.clone()).await;
        // Assert
        assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, json!([message]));
        assert_eq!(h.state.now(), anchor(), "{body} changed nothing");
    }
    let bad_at = h.put("/__mock/clock", json!({"at": "next tuesday"})).await;
    assert_eq!(bad_at.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_at.body["message"][0]
            .as_str()
            .expect("a message")
            .contains("RFC 3339"),
        "{}",
        bad_at.body
    );
    let not_json = h
        .send_raw(
            Request::put("/__mock/clock")
                .header("Content-Type", "application/json")
                .body(Body::from("[1, 2]"))
                .expect("a valid request"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(h.state.now(), anchor());
}

#[tokio::test]
async fn an_export_import_round_trip_keeps_the_generated_pages_whatever_the_new_clock() {
    // Arrange
    let source = builder().clock(frozen()).build_state();
    let target = builder().clock(ClockSetting::Real).build_state();
    let uri = |s: &AppState| {
        format!(
            "/voice-ai/dashboard/call-logs?locationId={}&pageSize=50&page=2",
            s.location_id()
        )
    };
    let before = Harness {
        state: source.clone(),
    }
    .get(&uri(&source))
    .await;
    // Act
    target
        .import_state(&source.export_state())
        .expect("a valid document");
    // Assert
    let after = Harness {
        state: target.clone(),
    }
    .get(&uri(&target))
    .await;
    assert_eq!(before.body, after.body);
    assert_ne!(before.body["callLogs"], json!([]));
}

#[tokio::test]
async fn a_later_generation_is_anchored_at_the_later_now() {
    // Arrange
    let state = builder().clock(frozen()).call_logs(0).build_state();
    state
        .advance_clock(Duration::from_secs(30 * 86_400))
        .expect("in range");
    // Act
    state
        .generate_call_logs(state.location_id(), 200)
        .expect("demo agents");
    // Assert
    let (total, _) = state.store().voice_list_call_logs(
        state.location_id(),
        &mock_server::CallLogFilter {
            start_ms: Some(anchor().timestamp_millis()),
            end_ms: Some((anchor() + TimeDelta::days(30)).timestamp_millis()),
            ..Default::default()
        },
        1,
        1,
    );
    assert!(
        (40..=100).contains(&total),
        "{total} of 200 in the newest 30 days"
    );
}
