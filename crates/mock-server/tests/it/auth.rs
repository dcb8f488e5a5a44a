//! The `Version` header and bearer-token checks: order, messages, token classes and scopes.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use mock_server::MockServer;
use mock_server::{TokenKind, TokenSpec, UserType};
use serde_json::json;

use crate::support::{Harness, VERSION, assert_error};

fn harness_with_tokens() -> Harness {
    let loc = mock_server::DEFAULT_LOCATION_ID;
    Harness::with(
        MockServer::builder()
            .token(
                TokenSpec::location_pit("pit-readonly", loc)
                    .with_scopes(["voice-ai-agents.readonly", "conversation-ai.readonly"]),
            )
            .token(
                TokenSpec::location_pit("oauth-company", loc)
                    .issued_as(TokenKind::OAuth, UserType::Company),
            )
            .token(
                TokenSpec::location_pit("pit-company", loc)
                    .issued_as(TokenKind::PrivateIntegration, UserType::Company),
            )
            .token(
                TokenSpec::location_pit("oauth-location", loc)
                    .issued_as(TokenKind::OAuth, UserType::Location),
            )
            .token(TokenSpec::location_pit("pit-other", "otherLocation0000001")),
    )
}

fn request(
    method: Method,
    uri: &str,
    version: Option<&str>,
    authorization: Option<&str>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(v) = version {
        builder = builder.header("Version", v);
    }
    if let Some(a) = authorization {
        builder = builder.header("Authorization", a);
    }
    builder.body(Body::empty()).expect("a valid request")
}

#[tokio::test]
async fn a_missing_version_header_is_401() {
    let h = Harness::new();
    let reply = h
        .send_raw(request(
            Method::GET,
            "/conversation-ai/agents/search",
            None,
            None,
        ))
        .await;
    assert_error(
        &reply,
        StatusCode::UNAUTHORIZED,
        json!("version header was not found."),
    );
}

#[tokio::test]
async fn an_unknown_version_is_400_naming_it() {
    let h = Harness::new();
    let auth = format!("Bearer {}", h.state.dev_token());
    let reply = h
        .send_raw(request(
            Method::GET,
            "/conversation-ai/agents/search",
            Some("bogus-version"),
            Some(&auth),
        ))
        .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        json!("Invalid API version segment 'bogus-version' at position 0"),
    );
}

#[tokio::test]
async fn every_known_version_is_accepted() {
    let h = Harness::new();
    let auth = format!("Bearer {}", h.state.dev_token());
    for version in ["2021-04-15", "2021-07-28", "2023-02-21", "v3", "legacy"] {
        let reply = h
            .send_raw(request(
                Method::GET,
                "/conversation-ai/agents/search",
                Some(version),
                Some(&auth),
            ))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "version {version}");
    }
}

#[tokio::test]
async fn a_missing_malformed_or_unknown_token_is_401_invalid_token() {
    let h = Harness::new();
    for auth in [
        None,
        Some("Basic abc"),
        Some("Bearer"),
        Some("Bearer pit-unknown"),
    ] {
        let reply = h
            .send_raw(request(
                Method::GET,
                "/conversation-ai/agents/search",
                Some(VERSION),
                auth,
            ))
            .await;
        assert_error(
            &reply,
            StatusCode::UNAUTHORIZED,
            json!("Invalid token: access token is invalid"),
        );
    }
}

#[tokio::test]
async fn agency_tokens_are_refused_with_the_vendor_messages() {
    let h = harness_with_tokens();
    let oauth = h
        .send_raw(request(
            Method::GET,
            "/conversation-ai/agents/search",
            Some(VERSION),
            Some("Bearer oauth-company"),
        ))
        .await;
    assert_error(
        &oauth,
        StatusCode::UNAUTHORIZED,
        json!(
            "This authClass type is not allowed to access this scope. Please verify your IAM configuration if this is not the case."
        ),
    );
    let pit = h
        .send_raw(request(
            Method::GET,
            "/conversation-ai/agents/search",
            Some(VERSION),
            Some("Bearer pit-company"),
        ))
        .await;
    assert_error(
        &pit,
        StatusCode::UNAUTHORIZED,
        json!("Token's user type mismatch!"),
    );
    let location_oauth = h
        .send_raw(request(
            Method::GET,
            "/conversation-ai/agents/search",
            Some(VERSION),
            Some("Bearer oauth-location"),
        ))
        .await;
    assert_eq!(location_oauth.status, StatusCode::OK);
}

#[tokio::test]
async fn a_scope_from_the_spec_security_entry_is_required() {
    let h = harness_with_tokens();
    let read = h
        .send_raw(request(
            Method::GET,
            "/conversation-ai/agents/search",
            Some(VERSION),
            Some("Bearer pit-readonly"),
        ))
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let write = Request::builder()
        .method(Method::POST)
        .uri("/conversation-ai/agents")
        .header("Version", VERSION)
        .header("Authorization", "Bearer pit-readonly")
        .header("Content-Type", "application/json")
        .body(Body::from("{}"))
        .expect("a valid request");
    let reply = h.send_raw(write).await;
    assert_error(
        &reply,
        StatusCode::UNAUTHORIZED,
        json!("The token is not authorized for this scope."),
    );
    let logs = h
        .send_raw(request(
            Method::GET,
            &format!("/voice-ai/dashboard/call-logs?locationId={}", h.loc()),
            Some(VERSION),
            Some("Bearer pit-readonly"),
        ))
        .await;
    assert_error(
        &logs,
        StatusCode::UNAUTHORIZED,
        json!("The token is not authorized for this scope."),
    );
}

#[tokio::test]
async fn a_location_id_of_another_location_is_403_in_query_and_body() {
    let h = Harness::new();
    let query = h
        .get("/voice-ai/agents?locationId=otherLocation0000001")
        .await;
    assert_error(
        &query,
        StatusCode::FORBIDDEN,
        json!("The token does not have access to this location."),
    );
    let body = h
        .post(
            "/voice-ai/agents",
            json!({"locationId": "otherLocation0000001"}),
        )
        .await;
    assert_error(
        &body,
        StatusCode::FORBIDDEN,
        json!("The token does not have access to this location."),
    );
}

#[tokio::test]
async fn an_any_location_dev_token_may_use_other_locations() {
    let h = Harness::with(MockServer::builder().dev_token_any_location(true));
    let reply = h
        .post(
            "/voice-ai/agents",
            json!({"locationId": "otherLocation0000001"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["locationId"], "otherLocation0000001");
}

#[tokio::test]
async fn conversation_ai_is_scoped_by_the_token_location() {
    let h = harness_with_tokens();
    let created = h
        .post(
            "/conversation-ai/agents",
            json!({"name": "Mine", "personality": "p", "goal": "g", "instructions": "i"}),
        )
        .await;
    let id = created.id();
    let other = h
        .send_raw(request(
            Method::GET,
            &format!("/conversation-ai/agents/{id}"),
            Some(VERSION),
            Some("Bearer pit-other"),
        ))
        .await;
    assert_error(
        &other,
        StatusCode::BAD_REQUEST,
        json!(format!("No Agent found for the id: {id}")),
    );
}

#[tokio::test]
async fn authentication_is_checked_before_the_body() {
    let h = Harness::new();
    let request = Request::builder()
        .method(Method::POST)
        .uri("/voice-ai/agents")
        .header("Version", VERSION)
        .header("Content-Type", "application/json")
        .body(Body::from("{not json"))
        .expect("a valid request");
    let reply = h.send_raw(request).await;
    assert_error(
        &reply,
        StatusCode::UNAUTHORIZED,
        json!("Invalid token: access token is invalid"),
    );
}
