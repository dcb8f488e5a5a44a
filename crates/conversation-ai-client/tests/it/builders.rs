//! Request builders take plain values: integer literals, `&str`, builders of action details; a
//! value the spec forbids fails at `send()` naming the field, and nothing is sent.

use conversation_ai_client::types::{ActionKind, StopBotDetails, StopBotDetectionType};
use conversation_ai_client::{ErrorKind, StatusCode};

use crate::support::{client_of_mock, last_body};

async fn an_agent(client: &conversation_ai_client::Client) -> String {
    client
        .create_agent()
        .name("Front Desk")
        .personality("Warm and brief")
        .goal("Book appointments")
        .instructions("Confirm the date first")
        .send()
        .await
        .expect("the agent is created")
        .into_inner()
        .id
}

#[tokio::test]
async fn an_action_takes_its_details_builder_and_sends_the_tagged_shape() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let agent_id = an_agent(&client).await;
    // Act
    let created = client
        .create_action()
        .agent_id(&agent_id)
        .name("Stop when done")
        .kind(
            StopBotDetails::builder()
                .enabled(true)
                .stop_bot_detection_type(StopBotDetectionType::Goodbye)
                .stop_bot_trigger_condition("The contact says goodbye")
                .stop_bot_examples(vec!["Bye".to_owned(), "Thanks, that's all".to_owned()])
                .reactivate_enabled(false)
                .final_message("Goodbye!"),
        )
        .send()
        .await
        .expect("the action is created");
    // Assert
    assert_eq!(created.status(), StatusCode::CREATED);
    let sent = last_body(
        &server,
        "POST",
        &format!("/conversation-ai/agents/{agent_id}/actions"),
    );
    assert_eq!(sent["type"], "stopBot", "{sent}");
    assert_eq!(sent["details"]["stopBotDetectionType"], "Goodbye", "{sent}");
    let actions = client
        .list_actions()
        .agent_id(&agent_id)
        .send()
        .await
        .expect("the actions are listed")
        .into_inner();
    assert!(matches!(actions.data[0].kind, ActionKind::StopBot(_)));
}

#[tokio::test]
async fn search_takes_an_integer_literal_limit_and_counts_are_unsigned() {
    // Arrange
    let (_server, client) = client_of_mock().await;
    an_agent(&client).await;
    // Act
    let found = client
        .search_agents()
        .limit(10)
        .query("front")
        .send()
        .await
        .expect("the search answers")
        .into_inner();
    // Assert
    let total: u32 = found.total_count;
    assert_eq!(total, 1);
    assert_eq!(found.agents.unwrap_or_default().len(), 1);
}

#[tokio::test]
async fn a_limit_above_the_spec_maximum_fails_at_send_naming_the_parameter() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let before = server.received_requests().len();
    // Act
    let error = client
        .search_agents()
        .limit(101)
        .send()
        .await
        .expect_err("limit is at most 100");
    // Assert
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(error.operation(), Some("searchAgents"));
    assert!(
        error
            .to_string()
            .contains("`limit` must be at most 100, not 101"),
        "{error}"
    );
    assert_eq!(server.received_requests().len(), before, "nothing was sent");
}

#[test]
fn from_token_builds_a_client_without_a_crypto_provider_set_up_by_the_caller() {
    // Arrange / Act
    let client = conversation_ai_client::Client::from_token("pit-0123456789abcdef");
    // Assert
    assert!(client.is_ok(), "{:?}", client.err());
}
