//! Task 6: failures as a consumer meets them: an unknown id, a bad body, a missing scope.

use mock_server::MockServer;
use mock_server::TokenSpec;
use voice_ai_client::{ApiError, Client, ClientConfig, ErrorKind, StatusCode, Token};

#[tokio::test]
async fn an_unknown_agent_a_bad_body_and_a_missing_scope_each_have_their_kind()
-> Result<(), ApiError> {
    let read_only = "pit-11111111-2222-3333-4444-555555555555";
    let server = MockServer::builder()
        .token(
            TokenSpec::location_pit(read_only, mock_server::DEFAULT_LOCATION_ID)
                .with_scopes(["voice-ai-agents.readonly"]),
        )
        .start()
        .await;
    let location = server.location_id();
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )?;

    let error = client
        .get_agent()
        .agent_id("0123456789abcdef01234567")
        .location_id(location)
        .send()
        .await
        .expect_err("no such agent");
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.messages(), ["Agent not found"]);
    assert_eq!(error.operation(), Some("getAgent"));
    assert_eq!(error.method(), Some("GET"));
    assert_eq!(error.path(), Some("/voice-ai/agents/{agentId}"));

    let sent_before = server.received_requests().len();
    let error = client
        .create_agent()
        .location_id(location)
        .max_call_duration(5)
        .send()
        .await
        .expect_err("too short a call limit");
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error}");
    assert_eq!(error.operation(), Some("createAgent"));
    assert!(error.to_string().contains("maxCallDuration"), "{error}");
    assert_eq!(
        server.received_requests().len(),
        sent_before,
        "an invalid request is not sent"
    );

    let reader =
        Client::from_config(ClientConfig::new(Token::new(read_only)).base_url(server.uri()))?;
    let error = reader
        .create_agent()
        .location_id(location)
        .send()
        .await
        .expect_err("the token cannot write agents");
    assert_eq!(error.kind(), ErrorKind::MissingScope);
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(
        error.messages(),
        ["The token is not authorized for this scope."]
    );
    assert_eq!(error.operation(), Some("createAgent"));
    assert!(error.to_string().contains("scope"), "{error}");
    Ok(())
}
