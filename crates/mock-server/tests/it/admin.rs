//! The admin API under `/__mock/`: reset, export/import, tokens, calls, call logs,
//! generations, the journal and the rate-limit switch.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use mock_server::Fixtures;
use mock_server::MockServer;
use serde_json::{Value, json};

use crate::support::{Harness, Reply, assert_error, raw_response, send_to};

/// An admin request: no token, no `Version` header.
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

fn demo() -> Harness {
    Harness::with(MockServer::builder().fixtures(Fixtures::demo(1)))
}

fn first_voice_agent(h: &Harness) -> String {
    let (_, agents) = h.state.store().voice_list_agents(&h.loc(), None, 1, 1);
    agents[0]["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn admin_routes_need_neither_a_token_nor_a_version_header() {
    let h = demo();
    let reply = admin(&h, Method::GET, "/__mock/state", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["version"], 1);
}

#[tokio::test]
async fn reset_forgets_what_was_created_and_restores_the_fixtures() {
    let h = demo();
    let created = h
        .post(
            &format!("/voice-ai/agents?locationId={}", h.loc()),
            json!({"locationId": h.loc(), "agentName": "Extra"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let reply = admin(&h, Method::POST, "/__mock/reset", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let (total, _) = h.state.store().voice_list_agents(&h.loc(), None, 1, 10);
    assert_eq!(total, 3);
}

#[tokio::test]
async fn an_exported_state_imported_elsewhere_serves_the_same_data() {
    let source = demo();
    source
        .state
        .generate_call_logs(&source.loc(), 30)
        .expect("agents exist");
    source.state.add_generation(
        &source.loc(),
        "msg-1",
        "workflow",
        json!({"prompt": "p", "responseMessage": "r", "actionLogs": [], "history": []}),
    );
    source
        .state
        .add_webhook_subscription("http://127.0.0.1:9/hook")
        .expect("an http URL");
    admin(
        &source,
        Method::POST,
        "/__mock/tokens",
        json!({"token": "pit-other", "locationId": "otherLocation0000001"}).into(),
    )
    .await;
    let exported = admin(&source, Method::GET, "/__mock/state", None).await;

    let target = Harness::new();
    let imported = admin(&target, Method::PUT, "/__mock/state", Some(exported.body)).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);

    for path in [
        format!("/voice-ai/agents?locationId={}", source.loc()),
        format!(
            "/voice-ai/dashboard/call-logs?locationId={}&pageSize=50&sortBy=duration&sort=ascend",
            source.loc()
        ),
        "/conversation-ai/agents/search?limit=100".to_owned(),
        "/conversation-ai/generations?messageId=msg-1&source=workflow".to_owned(),
    ] {
        let a = source.get(&path).await;
        let b = target.get(&path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
        assert_eq!(a.body, b.body, "{path}");
    }
    assert_eq!(target.state.webhook_subscriptions().len(), 1);
    assert!(
        target
            .state
            .registered_tokens()
            .iter()
            .any(|t| t.token == "pit-other")
    );
    assert_eq!(
        target.state.export_state()["locations"],
        source.state.export_state()["locations"]
    );
}

#[tokio::test]
async fn an_import_of_an_unknown_version_is_refused_and_changes_nothing() {
    let h = demo();
    let reply = admin(
        &h,
        Method::PUT,
        "/__mock/state",
        Some(json!({"version": 99, "locations": {}})),
    )
    .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        json!("Invalid state document: version 99 is not supported (expected 1)"),
    );
    assert_eq!(
        h.state.store().voice_list_agents(&h.loc(), None, 1, 10).0,
        3
    );
}

#[tokio::test]
async fn a_registered_token_is_accepted_with_exactly_its_scopes() {
    let h = Harness::new();
    let reply = admin(
        &h,
        Method::POST,
        "/__mock/tokens",
        Some(json!({"token": "pit-reader", "scopes": ["conversation-ai.readonly"]})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["locationId"], h.loc());
    let request = |method: Method, uri: &str, body: &str| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header("Version", "2021-04-15")
            .header("Authorization", "Bearer pit-reader")
            .header("Content-Type", "application/json")
            .body(Body::from(body.to_owned()))
            .expect("a valid request")
    };
    let read = send_to(
        &h.state,
        request(Method::GET, "/conversation-ai/agents/search", ""),
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let write = send_to(
        &h.state,
        request(Method::POST, "/conversation-ai/agents", r#"{"name":"x"}"#),
    )
    .await;
    assert_error(
        &write,
        StatusCode::UNAUTHORIZED,
        json!("The token is not authorized for this scope."),
    );
}

#[tokio::test]
async fn a_token_missing_its_text_is_refused_with_422() {
    let h = Harness::new();
    let reply = admin(&h, Method::POST, "/__mock/tokens", Some(json!({}))).await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["token must be a non-empty string"]),
    );
}

#[tokio::test]
async fn a_simulated_call_is_served_by_the_call_log_api() {
    let h = demo();
    let agent = first_voice_agent(&h);
    let reply = admin(
        &h,
        Method::POST,
        "/__mock/calls",
        Some(json!({"agentId": agent})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["callLog"]["id"].as_str().expect("a call id");
    let served = h
        .get(&format!(
            "/voice-ai/dashboard/call-logs/{id}?locationId={}",
            h.loc()
        ))
        .await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.body, reply.body["callLog"]);
    assert_eq!(reply.body["subscribers"], 0);
}

#[tokio::test]
async fn a_simulated_call_for_an_unknown_agent_is_404() {
    let h = demo();
    let reply = admin(
        &h,
        Method::POST,
        "/__mock/calls",
        Some(json!({"agentId": "000000000000000000000000"})),
    )
    .await;
    assert_error(&reply, StatusCode::NOT_FOUND, json!("Agent not found"));
}

#[tokio::test]
async fn generated_call_logs_are_counted_and_listed() {
    let h = demo();
    let before = h.state.store().call_log_count(&h.loc());
    let reply = admin(
        &h,
        Method::POST,
        "/__mock/call-logs/generate",
        Some(json!({"count": 120})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["added"], 120);
    assert_eq!(reply.body["total"], json!(before + 120));
    let listed = h
        .get(&format!(
            "/voice-ai/dashboard/call-logs?locationId={}",
            h.loc()
        ))
        .await;
    assert_eq!(listed.body["total"], json!(before + 120));
}

#[tokio::test]
async fn generating_call_logs_without_agents_is_422() {
    let h = Harness::new();
    let reply = admin(
        &h,
        Method::POST,
        "/__mock/call-logs/generate",
        Some(json!({"count": 5})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_added_generation_is_served_by_the_generations_api() {
    let h = Harness::new();
    let details = json!({"prompt": "p", "responseMessage": "hi", "actionLogs": [], "history": []});
    let reply = admin(
        &h,
        Method::POST,
        "/__mock/generations",
        Some(json!({"messageId": "m-9", "source": "conversation", "details": details})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let served = h
        .get("/conversation-ai/generations?messageId=m-9&source=conversation")
        .await;
    assert_eq!(served.status, StatusCode::OK, "{}", served.body);
    assert_eq!(served.body["responseMessage"], "hi");
    let bad = admin(
        &h,
        Method::POST,
        "/__mock/generations",
        Some(json!({"source": "sms"})),
    )
    .await;
    assert_error(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "messageId should not be empty",
            "source must be one of the following values: conversation, workflow",
            "details must be an object"
        ]),
    );
}

#[tokio::test]
async fn the_journal_lists_exchanges_with_the_token_redacted_and_can_be_cleared() {
    let h = Harness::new();
    h.post(
        "/conversation-ai/agents",
        json!({"name": "Journal", "personality": "p", "goal": "g", "instructions": "i"}),
    )
    .await;
    h.get("/conversation-ai/agents/search?limit=5").await;
    admin(&h, Method::GET, "/__mock/faults", None).await;

    let journal = admin(&h, Method::GET, "/__mock/journal", None).await;
    let requests = journal.body["requests"].as_array().expect("a list");
    assert_eq!(requests.len(), 2, "admin calls are not journaled");
    assert_eq!(requests[0]["method"], "POST");
    assert_eq!(requests[0]["path"], "/conversation-ai/agents");
    assert_eq!(requests[0]["status"], 201);
    assert!(
        requests[0]["bodyExcerpt"]
            .as_str()
            .expect("text")
            .contains("\"Journal\"")
    );
    assert!(requests[0]["latencyMs"].as_f64().expect("a number") >= 0.0);
    assert_eq!(requests[0]["headers"]["authorization"], "Bearer <redacted>");
    assert!(!journal.body.to_string().contains(h.state.dev_token()));
    assert_eq!(requests[1]["query"], "limit=5");
    assert_eq!(requests[1]["status"], 200);

    let cleared = admin(&h, Method::DELETE, "/__mock/journal", None).await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert!(h.state.journal_entries().is_empty());
    assert!(h.state.received_requests().is_empty());
}

#[tokio::test]
async fn the_rate_limit_switched_on_by_admin_puts_the_headers_on_every_response() {
    let h = Harness::new();
    let on = admin(
        &h,
        Method::PUT,
        "/__mock/rate-limit",
        Some(json!({"max": 2})),
    )
    .await;
    assert_eq!(
        on.body,
        json!({"enabled": true, "max": 2, "intervalMs": 10000, "daily": 200000})
    );
    let get = |h: &Harness| {
        h.request(Method::GET, "/conversation-ai/agents/search")
            .body(Body::empty())
            .expect("a valid request")
    };
    let first = raw_response(&h.state, get(&h)).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["x-ratelimit-remaining"], "1");
    raw_response(&h.state, get(&h)).await;
    let third = raw_response(&h.state, get(&h)).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    for name in [
        "x-ratelimit-limit-daily",
        "x-ratelimit-daily-remaining",
        "x-ratelimit-interval-milliseconds",
        "x-ratelimit-max",
        "x-ratelimit-remaining",
    ] {
        assert!(third.headers().contains_key(name), "{name}");
    }
    let anonymous = raw_response(
        &h.state,
        Request::get("/conversation-ai/agents/search")
            .header("Version", "2021-04-15")
            .body(Body::empty())
            .expect("a valid request"),
    )
    .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["x-ratelimit-max"], "2");
    let admin_reply = raw_response(
        &h.state,
        Request::get("/__mock/rate-limit")
            .body(Body::empty())
            .expect("a valid request"),
    )
    .await;
    assert_eq!(admin_reply.status(), StatusCode::OK);
    assert!(!admin_reply.headers().contains_key("x-ratelimit-max"));

    let off = admin(
        &h,
        Method::PUT,
        "/__mock/rate-limit",
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(off.body, json!({"enabled": false}));
    let after = raw_response(&h.state, get(&h)).await;
    assert_eq!(after.status(), StatusCode::OK);
    assert!(!after.headers().contains_key("x-ratelimit-max"));
}

#[tokio::test]
async fn the_vendor_limits_allow_100_requests_per_10_seconds() {
    let h = Harness::new();
    let on = admin(&h, Method::PUT, "/__mock/rate-limit", Some(json!({}))).await;
    assert_eq!(on.body["max"], 100);
    assert_eq!(on.body["intervalMs"], 10000);
    let mut statuses = Vec::new();
    for _ in 0..101 {
        let request = h
            .request(Method::GET, "/conversation-ai/agents/search")
            .body(Body::empty())
            .expect("a valid request");
        statuses.push(raw_response(&h.state, request).await.status());
    }
    assert!(statuses[..100].iter().all(|s| *s == StatusCode::OK));
    assert_eq!(statuses[100], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn admin_errors_use_the_vendor_shape() {
    let h = Harness::new();
    let request = Request::post("/__mock/faults")
        .header("Content-Type", "application/json")
        .body(Body::from("{not json"))
        .expect("a valid request");
    let bad_json = send_to(&h.state, request).await;
    assert_eq!(bad_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_json.body["error"], "Bad Request");
    let unknown = admin(&h, Method::GET, "/__mock/nothing-here", None).await;
    assert_error(
        &unknown,
        StatusCode::NOT_FOUND,
        json!("Cannot GET /__mock/nothing-here"),
    );
    let wrong_method = admin(&h, Method::PATCH, "/__mock/reset", None).await;
    assert_error(
        &wrong_method,
        StatusCode::NOT_FOUND,
        json!("Cannot PATCH /__mock/reset"),
    );
    let no_file = admin(&h, Method::POST, "/__mock/state/save", None).await;
    assert_eq!(no_file.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_import_keeps_conversation_cursors_of_deleted_agents() {
    let source = Harness::new();
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let created = source
            .post(
                "/conversation-ai/agents",
                json!({"name": name, "personality": "p", "goal": "g", "instructions": "i"}),
            )
            .await;
        ids.push(created.id());
    }
    source
        .delete(&format!("/conversation-ai/agents/{}", ids[0]))
        .await;
    let target = Harness::new();
    target
        .state
        .import_state(&source.state.export_state())
        .expect("a valid document");
    let page = target
        .get(&format!(
            "/conversation-ai/agents/search?startAfter={}&limit=1",
            ids[0]
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.body["agents"][0]["id"], json!(ids[1]));
    let created = target
        .post(
            "/conversation-ai/agents",
            json!({"name": "d", "personality": "p", "goal": "g", "instructions": "i"}),
        )
        .await;
    assert!(!ids.contains(&created.id()), "no id is issued twice");
    let all = target.get("/conversation-ai/agents/search?limit=10").await;
    let names: Vec<&str> = all.body["agents"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| a["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(
        names,
        vec!["b", "c", "d"],
        "creation order survives the import"
    );
}

#[tokio::test]
async fn reset_restores_the_builders_tokens_limits_faults_and_subscriptions() {
    let h = Harness::with(
        MockServer::builder()
            .webhook_url("http://127.0.0.1:9/initial")
            .rate_limit(mock_server::RateLimitConfig::vendor()),
    );
    h.state
        .register_token(mock_server::TokenSpec::location_pit("pit-tmp", "l"));
    h.state.set_rate_limit(None);
    h.state
        .add_webhook_subscription("http://127.0.0.1:9/later")
        .expect("an http URL");
    admin(
        &h,
        Method::POST,
        "/__mock/faults",
        Some(json!({"status": 500})),
    )
    .await;
    admin(&h, Method::POST, "/__mock/reset", None).await;
    assert!(
        !h.state
            .registered_tokens()
            .iter()
            .any(|t| t.token == "pit-tmp")
    );
    assert_eq!(
        h.state.rate_limit(),
        Some(mock_server::RateLimitConfig::vendor())
    );
    assert!(h.state.fault_rules().is_empty());
    let subs = h.state.webhook_subscriptions();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].url, "http://127.0.0.1:9/initial");
}
