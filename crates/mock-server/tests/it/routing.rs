//! Routing as axum routes it: `HEAD` on a `GET` route, a known path asked with a method it
//! lacks, percent-encoded path parameters, paths no operation has.

use axum::body::{Body, to_bytes};
use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::support::{Harness, assert_error, raw_response};

/// A new Voice AI agent's id.
async fn an_agent(h: &Harness) -> String {
    let reply = h
        .post(
            "/voice-ai/agents",
            json!({"locationId": h.loc(), "agentName": "Front Desk"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.id()
}

#[tokio::test]
async fn head_on_a_get_route_answers_the_get_head_without_the_body() {
    // Arrange
    let h = Harness::new();
    let uri = format!("/voice-ai/agents/{}?locationId={}", an_agent(&h).await, h.loc());
    let request = |method| h.request(method, &uri).body(Body::empty()).expect("a request");
    // Act
    let get = raw_response(&h.state, request(Method::GET)).await;
    let head = raw_response(&h.state, request(Method::HEAD)).await;
    // Assert
    assert_eq!(head.status(), StatusCode::OK);
    let length = |r: &axum::response::Response| r.headers().get(header::CONTENT_LENGTH).cloned();
    assert!(length(&get).is_some(), "{:?}", get.headers());
    assert_eq!(length(&head), length(&get));
    let body = to_bytes(head.into_body(), usize::MAX).await.expect("a body");
    assert!(body.is_empty(), "{body:?}");
}

#[tokio::test]
async fn a_known_path_asked_with_a_method_it_lacks_is_the_apis_404_with_allow() {
    // Arrange
    let h = Harness::new();
    let path = format!("/voice-ai/agents/{}", an_agent(&h).await);
    let request = h
        .request(Method::PUT, &format!("{path}?locationId={}", h.loc()))
        .body(Body::empty())
        .expect("a request");
    // Act
    let response = raw_response(&h.state, request).await;
    // Assert
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let allow = response
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .expect("an Allow header");
    let mut methods: Vec<&str> = allow.split(',').collect();
    methods.sort_unstable();
    assert_eq!(methods, ["DELETE", "GET", "HEAD", "PATCH"]);
    let reply = h
        .send(Method::PUT, &format!("{path}?locationId={}", h.loc()), None)
        .await;
    assert_error(
        &reply,
        StatusCode::NOT_FOUND,
        json!(format!("Cannot PUT {path}")),
    );
}

#[tokio::test]
async fn path_parameters_are_percent_decoded() {
    // Arrange
    let h = Harness::new();
    let id = an_agent(&h).await;
    let encoded: String = id.bytes().map(|b| format!("%{b:02X}")).collect();
    // Act
    let reply = h
        .get(&format!("/voice-ai/agents/{encoded}?locationId={}", h.loc()))
        .await;
    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.id(), id);
}

#[tokio::test]
async fn a_path_parameter_that_is_not_utf8_once_decoded_is_400() {
    let h = Harness::new();
    let reply = h
        .get(&format!("/voice-ai/agents/%FF%FE?locationId={}", h.loc()))
        .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        json!("Invalid path parameter encoding"),
    );
}

#[tokio::test]
async fn paths_no_operation_has_are_the_apis_404() {
    let h = Harness::new();
    for path in [
        "/voice-ai/agents/",
        "/voice-ai/nothing",
        "/voice-ai/agents/a/b/c",
        "/",
    ] {
        let reply = h.get(path).await;
        assert_error(
            &reply,
            StatusCode::NOT_FOUND,
            json!(format!("Cannot GET {path}")),
        );
    }
}
