//! One error type: every `send()` fails with an `ApiError` that names the operation.

use conversation_ai_client::{ApiError, ErrorKind};

use crate::support::client_of_mock;

#[tokio::test]
async fn an_unknown_agent_is_an_api_error_naming_the_operation() {
    // Arrange
    let (_server, client) = client_of_mock().await;
    // Act
    let result: Result<_, ApiError> = client
        .get_agent()
        .agent_id("Zt4hQm8LwX2pRc6vNb1X")
        .send()
        .await;
    // Assert
    let error = result.expect_err("the agent does not exist");
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.operation(), Some("getAgent"));
    assert_eq!(error.path(), Some("/conversation-ai/agents/{agentId}"));
}

#[tokio::test]
async fn a_missing_required_body_field_fails_before_sending_naming_it_and_the_operation() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let before = server.received_requests().len();
    // Act
    let error = client
        .create_agent()
        .name("Front Desk")
        .send()
        .await
        .expect_err("personality, goal and instructions are required");
    // Assert
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(error.operation(), Some("createAgent"));
    let text = error.to_string();
    assert!(text.contains("`goal` is required"), "{text}");
    assert_eq!(server.received_requests().len(), before, "nothing was sent");
}
