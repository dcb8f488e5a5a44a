//! Refusals in the vendor shape: malformed bodies, size limit, unknown routes, hostile input, and the request journal.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{Harness, assert_error};

#[tokio::test]
async fn malformed_json_is_400_in_the_vendor_shape() {
    let h = Harness::new();
    let request = h
        .request(Method::POST, "/voice-ai/agents")
        .header("Content-Type", "application/json")
        .body(Body::from("{\"locationId\": "))
        .expect("a valid request");
    let reply = h.send_raw(request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["statusCode"], 400);
    assert_eq!(reply.body["error"], "Bad Request");
    assert!(
        reply.message().as_str().is_some_and(|m| m.contains("JSON")),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn a_body_that_is_not_declared_as_json_is_400() {
    let h = Harness::new();
    let request = h
        .request(Method::POST, "/conversation-ai/agents")
        .header("Content-Type", "text/plain")
        .body(Body::from("{}"))
        .expect("a valid request");
    let reply = h.send_raw(request).await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        json!("Content-Type must be application/json"),
    );
}

#[tokio::test]
async fn a_json_body_that_is_not_an_object_is_400() {
    let h = Harness::new();
    let reply = h.post("/conversation-ai/agents", json!([1, 2])).await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        json!("Request body must be a JSON object"),
    );
}

#[tokio::test]
async fn an_empty_body_reads_as_an_empty_object() {
    let h = Harness::new();
    let request = h
        .request(Method::POST, "/voice-ai/agents")
        .body(Body::empty())
        .expect("a valid request");
    let reply = h.send_raw(request).await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["locationId should not be empty"]),
    );
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413() {
    let h = Harness::new();
    let big = format!(
        "{{\"agentName\": \"{}\"}}",
        "x".repeat(mock_server::BODY_LIMIT)
    );
    let request = h
        .request(Method::POST, "/voice-ai/agents")
        .header("Content-Type", "application/json")
        .body(Body::from(big))
        .expect("a valid request");
    let reply = h.send_raw(request).await;
    assert_error(
        &reply,
        StatusCode::PAYLOAD_TOO_LARGE,
        json!("request entity too large"),
    );
}

#[tokio::test]
async fn an_unknown_route_or_method_is_404_in_the_vendor_shape() {
    let h = Harness::new();
    assert_error(
        &h.get("/voice-ai/nothing").await,
        StatusCode::NOT_FOUND,
        json!("Cannot GET /voice-ai/nothing"),
    );
    assert_error(
        &h.delete("/voice-ai/dashboard/call-logs").await,
        StatusCode::NOT_FOUND,
        json!("Cannot DELETE /voice-ai/dashboard/call-logs"),
    );
}

#[tokio::test]
async fn a_rejected_create_adds_nothing() {
    let h = Harness::new();
    let loc = h.loc();
    let bad = h
        .post(
            "/voice-ai/agents",
            json!({"locationId": loc, "agentName": 42}),
        )
        .await;
    assert_error(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["agentName must be a string"]),
    );
    let list = h.get(&format!("/voice-ai/agents?locationId={loc}")).await;
    assert_eq!(list.body["total"], 0);
    let bad = h.post("/conversation-ai/agents", json!({"name": 1})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let search = h.get("/conversation-ai/agents/search").await;
    assert_eq!(search.body["totalCount"], 0);
}

#[tokio::test]
async fn hostile_inputs_never_cause_a_server_error() {
    let h = Harness::new();
    let loc = h.loc();
    let uris = [
        format!("/voice-ai/agents?locationId={loc}&page=1e400&pageSize=-1"),
        format!("/voice-ai/agents?locationId={loc}&page=NaN"),
        format!("/voice-ai/agents?locationId={loc}&page=99999999999999999999999"),
        format!("/voice-ai/agents/%FF%FE?locationId={loc}"),
        "/conversation-ai/agents/search?limit=1.5".to_owned(),
        "/voice-ai/agents?locationId=%".to_owned(),
    ];
    for uri in uris {
        let reply = h.get(&uri).await;
        assert!(
            reply.status.is_client_error(),
            "{uri}: {} {}",
            reply.status,
            reply.body
        );
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let request = h
        .request(Method::POST, "/voice-ai/agents")
        .header("Content-Type", "application/json")
        .body(Body::from(deep))
        .expect("a valid request");
    assert_eq!(h.send_raw(request).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn error_bodies_conform_to_the_declared_error_responses() {
    use mock_server::Api;

    use crate::support::assert_conforms;

    let h = Harness::new();
    let loc = h.loc();
    let cases = [
        (
            Api::VoiceAi,
            "listAgents",
            h.get("/voice-ai/agents?pageSize=0").await,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Api::VoiceAi,
            "getAgent",
            h.get(&format!("/voice-ai/agents/x?locationId={loc}")).await,
            StatusCode::NOT_FOUND,
        ),
        (
            Api::VoiceAi,
            "listAgents",
            h.get("/voice-ai/agents?locationId=otherLocation0000001")
                .await,
            StatusCode::FORBIDDEN,
        ),
        (
            Api::ConversationAi,
            "getAgent",
            h.get("/conversation-ai/agents/x").await,
            StatusCode::BAD_REQUEST,
        ),
        (
            Api::ConversationAi,
            "createAgent",
            h.post("/conversation-ai/agents", json!({})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (api, op, reply, status) in cases {
        assert_conforms(api, op, &reply, status);
    }
    let unauthenticated = h
        .send_raw(
            axum::http::Request::get("/conversation-ai/agents/search")
                .header("Version", "2021-04-15")
                .body(Body::empty())
                .expect("a valid request"),
        )
        .await;
    assert_conforms(
        Api::ConversationAi,
        "searchAgents",
        &unauthenticated,
        StatusCode::UNAUTHORIZED,
    );
}

#[tokio::test]
async fn every_request_is_journaled_in_order_refused_ones_included() {
    let h = Harness::new();
    let loc = h.loc();
    h.post(
        "/voice-ai/agents",
        json!({"locationId": loc, "agentName": "A"}),
    )
    .await;
    h.get("/nowhere?x=1").await;
    let big = "x".repeat(mock_server::BODY_LIMIT + 1);
    let request = h
        .request(Method::POST, "/voice-ai/agents")
        .header("Content-Type", "application/json")
        .body(Body::from(big))
        .expect("a valid request");
    h.send_raw(request).await;

    let received = h.state.received_requests();
    assert_eq!(received.len(), 3);
    assert_eq!(received[0].method, "POST");
    assert_eq!(received[0].header("version"), Some("2021-04-15"));
    assert_eq!(received[0].body_json().expect("JSON")["agentName"], "A");
    assert_eq!(received[1].path, "/nowhere");
    assert_eq!(received[1].query.as_deref(), Some("x=1"));
    assert!(received[2].body.is_empty());

    h.state.reset();
    assert!(h.state.received_requests().is_empty());
}

#[tokio::test]
async fn a_configured_rate_limit_answers_429_with_the_vendor_headers() {
    use std::time::Duration;

    use mock_server::MockServer;
    use mock_server::RateLimitConfig;

    let h = Harness::with(MockServer::builder().rate_limit(RateLimitConfig {
        max: 2,
        interval: Duration::from_secs(60),
        daily: 100,
    }));
    let uri = "/conversation-ai/agents/search";
    let mut remaining = Vec::new();
    for _ in 0..2 {
        let request = h
            .request(Method::GET, uri)
            .body(Body::empty())
            .expect("a valid request");
        let response = crate::support::raw_response(&h.state, request).await;
        assert_eq!(response.status(), StatusCode::OK);
        remaining.push(
            response.headers()["x-ratelimit-remaining"]
                .to_str()
                .expect("ascii")
                .to_owned(),
        );
        assert_eq!(response.headers()["x-ratelimit-max"], "2");
        assert_eq!(
            response.headers()["x-ratelimit-interval-milliseconds"],
            "60000"
        );
    }
    assert_eq!(remaining, ["1", "0"]);
    let request = h
        .request(Method::GET, uri)
        .body(Body::empty())
        .expect("a valid request");
    let refused = crate::support::raw_response(&h.state, request).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["x-ratelimit-daily-remaining"], "98");
    assert!(refused.headers().get("retry-after").is_none());
    let reply = h.get(uri).await;
    assert_error(
        &reply,
        StatusCode::TOO_MANY_REQUESTS,
        json!("Too Many Requests"),
    );
    h.state.reset();
    assert_eq!(h.get(uri).await.status, StatusCode::OK);
}

#[tokio::test]
async fn without_a_rate_limit_no_rate_limit_headers_are_sent() {
    let h = Harness::new();
    let request = h
        .request(Method::GET, "/conversation-ai/agents/search")
        .body(Body::empty())
        .expect("a valid request");
    let response = crate::support::raw_response(&h.state, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("x-ratelimit-max").is_none());
}
