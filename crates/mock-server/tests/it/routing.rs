//! Routing as axum routes it: `HEAD` on a `GET` route, a known path asked with a method it
//! lacks, percent-encoded path parameters, paths no operation has.

use axum::body::{Body, to_bytes};
use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::support::{Harness, assert_error, raw_response, reqwest_client};

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
    let uri = format!(
        "/voice-ai/agents/{}?locationId={}",
        an_agent(&h).await,
        h.loc()
    );
    let request = |method| {
        h.request(method, &uri)
            .body(Body::empty())
            .expect("a request")
    };
    // Act
    let get = raw_response(&h.state, request(Method::GET)).await;
    let head = raw_response(&h.state, request(Method::HEAD)).await;
    // Assert
    assert_eq!(head.status(), StatusCode::OK);
    let length = |r: &axum::response::Response| r.headers().get(header::CONTENT_LENGTH).cloned();
    assert!(length(&get).is_some(), "{:?}", get.headers());
    assert_eq!(length(&head), length(&get));
    let body = to_bytes(head.into_body(), usize::MAX)
        .await
        .expect("a body");
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
        .get(&format!(
            "/voice-ai/agents/{encoded}?locationId={}",
            h.loc()
        ))
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

#[tokio::test]
async fn a_started_server_answers_as_the_router_does() {
    // Arrange: the server hands the API's requests to its routing table directly
    // (`routes::App`); `router(state)` reaches the same table through axum's fallback.
    let server = mock_server::MockServer::builder().start().await;
    let h = Harness {
        state: server.state().clone(),
    };
    let id = an_agent(&h).await;
    let loc = h.loc();
    let cases = [
        (
            Method::GET,
            format!("/voice-ai/agents/{id}?locationId={loc}"),
        ),
        (
            Method::HEAD,
            format!("/voice-ai/agents/{id}?locationId={loc}"),
        ),
        (
            Method::PUT,
            format!("/voice-ai/agents/{id}?locationId={loc}"),
        ),
        (
            Method::GET,
            format!("/voice-ai/agents/%FF?locationId={loc}"),
        ),
        (Method::GET, format!("/voice-ai/agents?locationId={loc}")),
        (Method::GET, "/voice-ai/nothing".to_owned()),
        (Method::GET, "/__mockery".to_owned()),
        (Method::GET, "/__mock/journal".to_owned()),
        (Method::POST, "/oauth/token".to_owned()),
    ];
    let client = reqwest_client();
    for (method, uri) in cases {
        // Act
        let routed = raw_response(
            &h.state,
            h.request(method.clone(), &uri)
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
        let served = client
            .request(method.clone(), format!("{}{uri}", server.uri()))
            .header("Version", crate::support::VERSION)
            .bearer_auth(h.state.dev_token())
            .send()
            .await
            .expect("the server answers");
        // Assert
        assert_eq!(served.status(), routed.status(), "{method} {uri}");
        for name in [header::ALLOW, header::CONTENT_LENGTH, header::CONTENT_TYPE] {
            assert_eq!(
                served.headers().get(&name),
                routed.headers().get(&name),
                "{method} {uri}: {name}"
            );
        }
        let routed = to_bytes(routed.into_body(), usize::MAX)
            .await
            .expect("a body");
        let served = served.bytes().await.expect("a body");
        if uri != "/__mock/journal" {
            // (The journal has grown by the served requests in between.)
            assert_eq!(served, routed, "{method} {uri}");
        }
    }
}
