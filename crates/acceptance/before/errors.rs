//! Task 6: failures as a consumer meets them: an unknown id, a validation error, a missing scope.

use anyhow::Result;
use mock_server::MockServer;
use mock_server::auth::TokenSpec;
use voice_ai_client::{ApiError, Client, ClientConfig, ErrorKind, Token, types};

#[tokio::test]
async fn an_unknown_agent_a_bad_body_and_a_missing_scope_each_have_their_kind() -> Result<()> {
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

    let unknown = client
        .get_agent()
        .agent_id("0123456789abcdef01234567")
        .location_id(location)
        .send()
        .await
        .expect_err("no such agent");
    let error = ApiError::from_progenitor(unknown).await;
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.status().map(|status| status.as_u16()), Some(404));
    assert_eq!(error.messages(), ["Agent not found"]);
    // Before #9 a response error does not know which operation failed.
    assert_eq!(error.operation_id(), None);

    let invalid = client
        .create_agent()
        .body(
            types::CreateAgentRequest::builder()
                .location_id(location)
                .max_call_duration(5),
        )
        .send()
        .await
        .expect_err("too short a call limit");
    let error = ApiError::from_progenitor(invalid).await;
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert_eq!(error.status().map(|status| status.as_u16()), Some(422));
    assert_eq!(
        error.messages(),
        ["maxCallDuration must not be less than 180"]
    );

    let reader =
        Client::from_config(ClientConfig::new(Token::new(read_only)).base_url(server.uri()))?;
    let refused = reader
        .create_agent()
        .body(types::CreateAgentRequest::builder().location_id(location))
        .send()
        .await
        .expect_err("the token cannot write agents");
    let error = ApiError::from_progenitor(refused).await;
    assert_eq!(error.kind(), ErrorKind::MissingScope);
    assert_eq!(error.status().map(|status| status.as_u16()), Some(401));
    assert_eq!(
        error.messages(),
        ["The token is not authorized for this scope."]
    );
    assert!(error.to_string().contains("scope"), "{error}");
    Ok(())
}
