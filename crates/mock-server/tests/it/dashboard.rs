//! The dashboard (`GET /__mock/ui`) in headless Chromium, driven through chromedriver against a
//! live mock: traffic made through the generated client appears in the list with its bodies,
//! the state view lists a created agent, and a simulated call's delivery shows a valid
//! signature. One browser session covers every check.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! test fails under CI (`CI` set) and elsewhere reports itself skipped, saying how to install
//! them. `UPDATE_SCREENSHOTS=1` writes the README's screenshots to
//! `crates/mock-server/docs/ui-*.png`. The `dashboard_timing` example measures the first load
//! and a call-log page over 1,000,000 logs (see BENCHMARKS.md).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use futures::FutureExt as _;
use highlevel_client_core::webhooks::{Ed25519PublicKey, VoiceAiCallEnd, WebhookVerifier};
use mock_server::{Fixtures, MockServer, WebhookRetryPolicy};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use voice_ai_client::{ClientConfig, Token};

use crate::browser::{
    PATIENCE, browser, choose, click, count, number, open_view, screenshot, start_driver,
    type_into, wait_for, wait_for_text,
};
use crate::support::reqwest_client;

type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A webhook receiver on 127.0.0.1:0 that answers 200; its URL and what it got.
async fn receiver() -> (String, Received) {
    async fn receive(State(got): State<Received>, headers: HeaderMap, body: Bytes) -> StatusCode {
        got.lock().expect("not poisoned").push((headers, body));
        StatusCode::OK
    }
    let got: Received = Arc::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
    let address = listener.local_addr().expect("an address");
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(got.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}/hook"), got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_client_traffic_a_created_agent_and_a_validly_signed_delivery() {
    // Arrange: a live mock, chromedriver and one browser session on the dashboard.
    let Some(driver) = start_driver() else {
        return;
    };
    let (hook_url, received) = receiver().await;
    let server = MockServer::builder()
        .fixtures(Fixtures::demo(7))
        .call_logs(300)
        .webhook_retry(WebhookRetryPolicy {
            max_attempts: 2,
            initial_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            timeout: Duration::from_secs(5),
        })
        .start()
        .await;
    let guarded = MockServer::builder()
        .admin_token("adm-dashboard")
        .start()
        .await;
    let page = browser(&driver).await;
    // Act and assert, then close the browser whatever happened.
    let outcome = std::panic::AssertUnwindSafe(async {
        drive(&page, &server, &hook_url, &received).await;
        ask_for_the_admin_token(&page, &guarded).await;
    })
    .catch_unwind()
    .await;
    page.close().await.expect("the session closed");
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Every check, in one session (so the browser closes even when one fails).
async fn drive(page: &Client, server: &MockServer, hook_url: &str, received: &Received) {
    page.goto(&format!("{}/__mock/ui", server.uri()))
        .await
        .expect("the page loads");
    wait_for(page, "#live-status[data-state='live']").await;

    // Act: requests through the generated client, and one the API refuses.
    let client = voice_ai_client::Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )
    .expect("a client");
    let agent = client
        .create_agent()
        .location_id(server.location_id())
        .agent_name("Dashboard Test Agent")
        .business_name("Pier Dental")
        .send()
        .await
        .expect("the agent is created")
        .into_inner();
    client
        .list_agents()
        .location_id(server.location_id())
        .send()
        .await
        .expect("the agents are listed");
    // A body the client's types would not let through, sent raw.
    let refused = reqwest_client()
        .post(format!("{}/voice-ai/agents", server.uri()))
        .header("Version", "2021-04-15")
        .header("Authorization", format!("Bearer {}", server.dev_token()))
        .json(&json!({"locationId": server.location_id(), "agentName": 42}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused.status().as_u16(), 422);

    // Assert: the list shows the three requests with their operations.
    let list = wait_for_text(page, "#traffic-rows", "listAgents").await;
    assert!(list.contains("createAgent"), "{list}");
    assert!(list.contains("/voice-ai/agents"), "{list}");
    assert!(
        list.contains(server.location_id()),
        "the token's location: {list}"
    );
    assert!(list.contains("422"), "{list}");

    // Clicking the created agent's row shows both bodies, pretty-printed, and redacted headers.
    let row = wait_for(page, "#traffic-rows tr:nth-child(3)").await;
    assert!(row.text().await.expect("text").contains("createAgent"));
    row.click().await.expect("clicked");
    let request_body = wait_for_text(page, "#detail-request-body", "Dashboard Test Agent").await;
    assert!(
        request_body.contains("\n  \"agentName\": \"Dashboard Test Agent\""),
        "pretty-printed: {request_body}"
    );
    let response_body = wait_for_text(page, "#detail-response-body", &agent.id).await;
    assert!(response_body.contains("\"businessName\": \"Pier Dental\""));
    let detail = page
        .find(Locator::Css("#detail"))
        .await
        .expect("the detail")
        .text()
        .await
        .expect("text");
    assert!(detail.contains("Bearer <redacted>"), "{detail}");
    assert!(
        !detail.contains(server.dev_token()),
        "the token leaked: {detail}"
    );
    screenshot(page, "traffic").await;

    // The refused request, opened from the keyboard, lists its validation messages.
    let refused_row = wait_for(page, "#traffic-rows tr:nth-child(1)").await;
    refused_row
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("Enter pressed");
    let messages = wait_for_text(page, "[data-testid='validation-messages']", "agentName").await;
    assert!(messages.contains("agentName"), "{messages}");
    let focused = page.active_element().await.expect("a focused element");
    assert_eq!(
        focused.attr("id").await.expect("id").as_deref(),
        Some("detail-title")
    );

    // Filters: the 4xx class leaves only the refused request.
    choose(page, "#f-status", "4").await;
    assert_eq!(count(page, "#traffic-rows tr").await, 1, "one 4xx request");
    page.set_window_size(420, 800).await.expect("narrow");
    choose(page, "#f-status", "").await;
    screenshot(page, "traffic-narrow").await;
    page.set_window_size(1280, 800).await.expect("wide again");

    // The state view lists the created agent.
    open_view(page, "state").await;
    let card = wait_for_text(
        page,
        &format!("[data-agent-id='{}']", agent.id),
        "Dashboard Test Agent",
    )
    .await;
    assert!(card.contains(&agent.id), "{card}");
    let followup = wait_for_text(page, "#conversation-agents .followup", "followupSequence").await;
    assert!(followup.contains("contactStoppedReplying"), "{followup}");
    let pages = wait_for_text(page, "#cl-page", "call logs").await;
    assert!(pages.contains("Page 1 of"), "{pages}");
    screenshot(page, "state").await;
    page.execute(
        "document.getElementById('call-logs-title').scrollIntoView();",
        Vec::new(),
    )
    .await
    .expect("scrolled to the call logs");
    assert_eq!(
        count(page, "#call-log-rows tr").await,
        25,
        "a page of the default size"
    );
    let shown = number(
        page,
        "return Number(document.getElementById('call-log-table').dataset.page);",
    )
    .await;
    assert_eq!(shown, 1.0);
    screenshot(page, "call-logs").await;

    // Controls: subscribe the receiver (through the page), add a fault rule, simulate a call.
    open_view(page, "webhooks").await;
    type_into(page, "#sub-url", hook_url).await;
    click(page, "#subscribe-form button").await;
    wait_for_text(page, "#subscriptions", hook_url).await;

    open_view(page, "controls").await;
    type_into(page, "#fault-path", "/conversation-ai/*").await;
    type_into(page, "#fault-status", "503").await;
    click(page, "#fault-form button").await;
    wait_for_text(page, "#faults", "/conversation-ai/*").await;
    assert_eq!(
        server.state().fault_rules().len(),
        1,
        "added through the page"
    );
    wait_for(page, &format!("#call-agent option[value='{}']", agent.id))
        .await
        .click()
        .await
        .expect("the agent chosen");
    screenshot(page, "controls").await;
    click(page, "#call-form button").await;
    let outcome = wait_for_text(page, "#call-result", "delivered").await;
    assert!(outcome.contains("1 delivered"), "{outcome}");

    // The delivery shows a valid signature, as the client crate's verifier also finds.
    open_view(page, "webhooks").await;
    let delivery = wait_for(page, ".delivery").await;
    let webhook_id = delivery
        .attr("data-webhook-id")
        .await
        .expect("attr")
        .expect("a webhook id");
    let badge = wait_for(page, ".delivery [data-signature]").await;
    assert_eq!(
        badge.attr("data-signature").await.expect("attr").as_deref(),
        Some("valid")
    );
    assert!(delivery.text().await.expect("text").contains("200"));
    let key = Ed25519PublicKey::parse(&server.state().webhook_public_key().spki_base64())
        .expect("the served key");
    let (headers, body) = received.lock().expect("not poisoned")[0].clone();
    let event: VoiceAiCallEnd = WebhookVerifier::new()
        .with_ed25519_key(key)
        .verify(&headers, &body)
        .expect("the receiver got a valid delivery");
    assert_eq!(event.webhook_id.as_deref(), Some(webhook_id.as_str()));
    assert_eq!(event.agent_id.as_deref(), Some(agent.id.as_str()));
    screenshot(page, "webhooks").await;

    // Removing the fault rule, and switching the rate limit on and off, through the page.
    open_view(page, "controls").await;
    wait_for(page, "#faults button")
        .await
        .click()
        .await
        .expect("clicked");
    wait_for_text(page, "#faults", "No fault rules").await;
    assert!(server.state().fault_rules().is_empty());
    let was_on = server.state().rate_limit().is_some();
    wait_for(page, "#rate-enabled")
        .await
        .click()
        .await
        .expect("clicked");
    let expected = if was_on { "Off" } else { "requests per" };
    wait_for_text(page, "#rate-detail", expected).await;
    assert_eq!(server.state().rate_limit().is_some(), !was_on);

    // Downloading the state document (the page says so only once GET /__mock/state answered),
    // then Reset, confirmed in its dialog: the agent made above is gone.
    click(page, "#download-state").await;
    wait_for_text(page, "#notice", "State document downloaded.").await;
    click(page, "#reset").await;
    page.accept_alert()
        .await
        .expect("the reset asks for confirmation");
    wait_for_text(page, "#notice", "The mock was reset.").await;
    let after_reset = client
        .get_agent()
        .agent_id(&agent.id)
        .location_id(server.location_id())
        .send()
        .await;
    assert_eq!(
        after_reset.err().and_then(|e| e.status()),
        Some(StatusCode::NOT_FOUND),
        "the reset removed the agent created through the client"
    );
}

/// With `--admin-token`, the public page asks for the token once, then its data flows.
async fn ask_for_the_admin_token(page: &Client, guarded: &MockServer) {
    page.goto(&format!("{}/__mock/ui#state", guarded.uri()))
        .await
        .expect("the page loads without the token");
    let field = wait_for(page, "#token-form:not([hidden]) #token-input").await;
    let focused = page.active_element().await.expect("a focused element");
    assert_eq!(
        focused.attr("id").await.expect("id").as_deref(),
        Some("token-input")
    );
    field.send_keys("adm-dashboard").await.expect("typed");
    click(page, "#token-form button").await;
    wait_for(page, "#live-status[data-state='live']").await;
    wait_for_text(page, "#cl-page", "call logs").await;
    wait_for(page, "#token-form[hidden]").await;
}

// ---- the dashboard's routes without a browser ---------------------------------------------

/// A GET through the router, with optional headers; the status, headers and body text.
async fn get_raw(
    state: &mock_server::AppState,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    use tower::ServiceExt as _;
    let mut request = axum::http::Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = mock_server::router(state.clone())
        .oneshot(request.body(axum::body::Body::empty()).expect("a request"))
        .await
        .expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .expect("a body");
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn another_method_on_the_page_gets_the_admin_api_s_404_in_the_vendor_shape() {
    use tower::ServiceExt as _;
    let state = MockServer::builder().build_state();
    for (method, path) in [("POST", "/__mock/ui"), ("DELETE", "/__mock/ui/app.js")] {
        let request = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .body(axum::body::Body::empty())
            .expect("a request");
        let response = mock_server::router(state.clone())
            .oneshot(request)
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["message"], format!("Cannot {method} {path}"));
        assert_eq!(body["statusCode"], 404);
    }
}

#[tokio::test]
async fn the_page_is_public_while_its_data_routes_need_the_admin_token() {
    let state = MockServer::builder().admin_token("adm-ui").build_state();
    let (status, headers, html) = get_raw(&state, "/__mock/ui", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let policy = headers[axum::http::header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(
        html.contains("/__mock/ui/app.js"),
        "the page loads its script"
    );
    for asset in ["/__mock/ui/app.js", "/__mock/ui/app.css"] {
        assert_eq!(
            get_raw(&state, asset, &[]).await.0,
            StatusCode::OK,
            "{asset}"
        );
    }
    for data in [
        "/__mock/ui/api/overview",
        "/__mock/ui/api/state",
        "/__mock/ui/api/call-logs",
        "/__mock/ui/api/deliveries",
        "/__mock/journal/stream",
    ] {
        assert_eq!(
            get_raw(&state, data, &[]).await.0,
            StatusCode::UNAUTHORIZED,
            "{data}"
        );
        let (status, ..) = get_raw(
            &state,
            data,
            &[
                ("authorization", "Bearer adm-ui"),
                ("origin", "http://evil.example"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{data} cross-site");
    }
    let (status, _, body) = get_raw(
        &state,
        "/__mock/ui/api/overview",
        &[("authorization", "Bearer adm-ui")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let overview: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(overview["defaultLocationId"], state.location_id());
}

#[tokio::test]
async fn a_call_log_page_takes_the_api_s_filters_and_names_each_bad_one() {
    let state = MockServer::builder()
        .fixtures(Fixtures::demo(3))
        .call_logs(120)
        .build_state();
    let (status, _, body) = get_raw(
        &state,
        "/__mock/ui/api/call-logs?pageSize=50&page=2&sortBy=duration&sort=ascend",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page: Value = serde_json::from_str(&body).expect("JSON");
    let total = state.store().call_log_count(state.location_id());
    assert_eq!(page["total"], json!(total));
    let logs = page["callLogs"].as_array().expect("a page");
    assert_eq!(logs.len(), 50);
    let durations: Vec<f64> = logs
        .iter()
        .map(|l| l["duration"].as_f64().expect("a duration"))
        .collect();
    assert!(durations.windows(2).all(|w| w[0] <= w[1]), "{durations:?}");
    let (status, _, body) = get_raw(
        &state,
        "/__mock/ui/api/call-logs?pageSize=500&callType=SOMETIMES&startDate=9&endDate=3",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = serde_json::from_str(&body).expect("JSON");
    let messages = error["message"].to_string();
    for needle in [
        "pageSize",
        "callType",
        "startDate must be less than endDate",
    ] {
        assert!(messages.contains(needle), "{needle} in {messages}");
    }
}

/// The events of an SSE body read so far, as (event, data) pairs.
fn sse_events(text: &str) -> Vec<(String, String)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut event = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(name) = line.strip_prefix("event:") {
                    event = Some(name.trim().to_owned());
                } else if let Some(line) = line.strip_prefix("data:") {
                    data.push_str(line.trim_start());
                }
            }
            event.map(|e| (e, data))
        })
        .collect()
}

#[tokio::test]
async fn the_stream_sends_the_backlog_once_then_each_new_exchange_with_its_response() {
    use futures::StreamExt as _;
    let server = MockServer::builder().start().await;
    let http = reqwest_client();
    let agents = format!(
        "{}/voice-ai/agents?locationId={}",
        server.uri(),
        server.location_id()
    );
    let get = || {
        http.get(&agents)
            .header("Version", "2021-04-15")
            .header("Authorization", format!("Bearer {}", server.dev_token()))
            .send()
    };
    assert!(get().await.expect("an answer").status().is_success());
    let response = http
        .get(format!("{}/__mock/journal/stream", server.uri()))
        .send()
        .await
        .expect("the stream");
    assert_eq!(response.status().as_u16(), 200);
    let mut body = response.bytes_stream();
    let mut text = String::new();
    let until = |text: &str, count: usize| sse_events(text).len() >= count;
    let read = async |body: &mut (dyn futures::Stream<Item = reqwest::Result<Bytes>> + Unpin),
                      text: &mut String,
                      count: usize| {
        while !until(text, count) {
            let chunk = tokio::time::timeout(PATIENCE, body.next())
                .await
                .expect("an event in time")
                .expect("the stream goes on")
                .expect("a chunk");
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    read(&mut body, &mut text, 2).await;
    let events = sse_events(&text);
    assert_eq!(events[0].0, "exchange");
    assert_eq!(events[1].0, "ready", "one backlog entry: {events:?}");
    let backlog: Value = serde_json::from_str(&events[0].1).expect("JSON");
    assert_eq!(backlog["operation"], "listAgents");
    assert_eq!(backlog["tokenLocation"], server.location_id());
    assert_eq!(backlog["response"], Value::Null, "made before the stream");

    assert!(get().await.expect("an answer").status().is_success());
    read(&mut body, &mut text, 3).await;
    let events = sse_events(&text);
    assert_eq!(events.len(), 3, "{events:?}");
    let live: Value = serde_json::from_str(&events[2].1).expect("JSON");
    assert_eq!(live["status"], 200);
    assert_eq!(live["headers"]["authorization"], "Bearer <redacted>");
    assert_eq!(live["response"]["captured"], true);
    let answer: Value =
        serde_json::from_str(live["response"]["body"].as_str().expect("the body")).expect("JSON");
    assert!(answer["agents"].is_array(), "{answer}");
}

#[tokio::test]
async fn an_open_stream_ends_when_the_server_shuts_down() {
    use futures::StreamExt as _;
    let server = MockServer::builder().start().await;
    let response = reqwest_client()
        .get(format!("{}/__mock/journal/stream", server.uri()))
        .send()
        .await
        .expect("the stream");
    let mut body = response.bytes_stream();
    let mut text = String::new();
    while !text.contains("event: ready") {
        let chunk = tokio::time::timeout(PATIENCE, body.next())
            .await
            .expect("an event in time")
            .expect("the stream goes on")
            .expect("a chunk");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(server);
    // Well before the 5 s that shutdown grants requests in progress.
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some(Ok(_)) = body.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived the server");
}
