//! One error type: every `send()` fails with an `ApiError` that names the operation.

use mock_server::{Effect, FaultRule};
use voice_ai_client::{ApiError, ErrorKind, StatusCode};

use crate::support::client_of_mock;

#[tokio::test]
async fn an_unknown_agent_is_a_not_found_api_error_naming_the_operation() {
    // Arrange
    let (server, client) = client_of_mock().await;
    // Act
    let result: Result<_, ApiError> = client
        .get_agent()
        .agent_id("0123456789abcdef01234567")
        .location_id(server.location_id())
        .send()
        .await;
    // Assert
    let error = result.expect_err("the agent does not exist");
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.operation(), Some("getAgent"));
    assert_eq!(error.method(), Some("GET"));
    assert_eq!(error.path(), Some("/voice-ai/agents/{agentId}"));
}

#[tokio::test]
async fn a_server_error_keeps_the_vendors_message() {
    // Arrange
    let (server, client) = client_of_mock().await;
    server.state().add_fault(FaultRule {
        effect: Some(Effect::Status {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: Some("the agent store is unavailable".to_owned()),
            retry_after: None,
        }),
        ..FaultRule::status(
            Some("GET"),
            "/voice-ai/agents",
            StatusCode::INTERNAL_SERVER_ERROR,
        )
    });
    // Act
    let error = client
        .list_agents()
        .location_id(server.location_id())
        .send()
        .await
        .expect_err("the fault answers 500");
    // Assert
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(error.messages(), vec!["the agent store is unavailable"]);
    assert_eq!(error.operation(), Some("listAgents"));
    assert!(
        error.to_string().contains("the agent store is unavailable"),
        "{error}"
    );
}

async fn agent_name_through_anyhow(
    client: &voice_ai_client::Client,
    location: &str,
) -> anyhow::Result<String> {
    let agent = client
        .get_agent()
        .agent_id("0123456789abcdef01234567")
        .location_id(location)
        .send()
        .await?;
    Ok(agent.into_inner().agent_name)
}

#[tokio::test]
async fn question_mark_into_anyhow_keeps_the_api_error_downcastable() {
    // Arrange
    let (server, client) = client_of_mock().await;
    // Act
    let error = agent_name_through_anyhow(&client, server.location_id())
        .await
        .expect_err("the agent does not exist");
    // Assert
    let api = error
        .downcast_ref::<ApiError>()
        .expect("anyhow keeps the ApiError");
    assert_eq!(api.kind(), ErrorKind::NotFound);
    assert_eq!(api.operation(), Some("getAgent"));
}

#[tokio::test]
async fn a_missing_required_parameter_fails_before_sending_naming_it_and_the_operation() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let before = server.received_requests().len();
    // Act
    let error = client
        .get_agent()
        .agent_id("0123456789abcdef01234567")
        .send()
        .await
        .expect_err("locationId is required");
    // Assert
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(error.operation(), Some("getAgent"));
    assert!(error.to_string().contains("locationId"), "{error}");
    assert_eq!(server.received_requests().len(), before, "nothing was sent");
}
