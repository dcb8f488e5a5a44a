//! Request builders take plain values: literals, `&str`, builders of nested types; a value the
//! spec forbids fails at `send()` naming the field, and nothing is sent.

use voice_ai_client::types::{ActionKind, CallTransferParameters, TransferToType};
use voice_ai_client::{ErrorKind, StatusCode};

use crate::support::{client_of_mock, last_request};

#[tokio::test]
async fn create_agent_takes_each_body_field_as_a_plain_value() {
    // Arrange
    let (server, client) = client_of_mock().await;
    // Act
    let agent = client
        .create_agent()
        .location_id(server.location_id())
        .agent_name("Front Desk")
        .business_name("Harbor Dental Care")
        .timezone("America/Chicago")
        .max_call_duration(300)
        .send()
        .await
        .expect("the agent is created");
    // Assert
    assert_eq!(agent.status(), StatusCode::CREATED);
    let agent = agent.into_inner();
    assert_eq!(agent.agent_name.as_str(), "Front Desk");
    assert_eq!(agent.business_name.as_str(), "Harbor Dental Care");
    let sent = last_request(&server, "POST", "/voice-ai/agents").json();
    assert_eq!(sent["timezone"], "America/Chicago");
    assert_eq!(sent["maxCallDuration"], 300);
}

#[tokio::test]
async fn patch_agent_sets_an_optional_field_without_some() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let agent = client
        .create_agent()
        .location_id(server.location_id())
        .agent_name("Front Desk")
        .send()
        .await
        .expect("the agent is created")
        .into_inner();
    // Act
    let patched = client
        .patch_agent()
        .agent_id(&agent.id)
        .location_id(server.location_id())
        .agent_name("renamed")
        .send()
        .await
        .expect("the agent is patched")
        .into_inner();
    // Assert
    assert_eq!(patched.agent_name.as_str(), "renamed");
    let path = format!("/voice-ai/agents/{}", agent.id);
    let sent = last_request(&server, "PATCH", &path).json();
    assert_eq!(sent, serde_json::json!({"agentName": "renamed"}));
}

#[tokio::test]
async fn pages_take_integer_literals_and_counts_are_unsigned() {
    // Arrange
    let (server, client) = client_of_mock().await;
    // Act
    let page = client
        .list_agents()
        .location_id(server.location_id())
        .page(1)
        .page_size(20)
        .send()
        .await
        .expect("the agents are listed")
        .into_inner();
    // Assert
    let total: u32 = page.total;
    let page_size: u32 = page.page_size;
    assert_eq!(page_size, 20);
    assert_eq!(total as usize, page.agents.len());
    assert!(total > 0, "the demo data has agents");
}

#[tokio::test]
async fn an_action_takes_its_parameters_builder_and_the_single_transfer_type_is_preset() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let agent = client
        .create_agent()
        .location_id(server.location_id())
        .agent_name("Front Desk")
        .send()
        .await
        .expect("the agent is created")
        .into_inner();
    // Act
    let action = client
        .create_action()
        .agent_id(&agent.id)
        .location_id(server.location_id())
        .name("Transfer to the on-call dentist")
        .kind(
            CallTransferParameters::builder()
                .trigger_prompt("The caller has an emergency")
                .trigger_message("Connecting you now.")
                .transfer_to_value("+14155550188"),
        )
        .send()
        .await
        .expect("the action is created")
        .into_inner();
    // Assert
    let ActionKind::CallTransfer(parameters) = &action.kind else {
        panic!("a call transfer comes back as one: {:?}", action.kind);
    };
    assert_eq!(parameters.transfer_to_type, TransferToType::Number);
    assert_eq!(parameters.transfer_to_value, "+14155550188");
    let sent = last_request(&server, "POST", "/voice-ai/actions").json();
    assert_eq!(sent["actionType"], "CALL_TRANSFER");
    assert_eq!(sent["actionParameters"]["transferToType"], "number");
}

#[tokio::test]
async fn a_too_long_agent_name_fails_at_send_naming_the_field_and_nothing_is_sent() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let before = server.received_requests().len();
    // Act
    let error = client
        .create_agent()
        .location_id(server.location_id())
        .agent_name("x".repeat(500))
        .send()
        .await
        .expect_err("the name is longer than the spec allows");
    // Assert
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(error.operation(), Some("createAgent"));
    assert!(error.to_string().contains("`agentName`"), "{error}");
    assert_eq!(server.received_requests().len(), before, "nothing was sent");
}

#[tokio::test]
async fn a_page_size_above_the_spec_maximum_fails_at_send_naming_the_parameter() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let before = server.received_requests().len();
    // Act
    let error = client
        .list_call_logs()
        .location_id(server.location_id())
        .page_size(51)
        .send()
        .await
        .expect_err("pageSize is at most 50");
    // Assert
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(error.operation(), Some("listCallLogs"));
    assert!(
        error
            .to_string()
            .contains("`pageSize` must be at most 50, not 51"),
        "{error}"
    );
    assert_eq!(server.received_requests().len(), before, "nothing was sent");
}

#[tokio::test]
async fn an_out_of_range_body_integer_fails_at_send_naming_the_field() {
    // Arrange
    let (server, client) = client_of_mock().await;
    // Act
    let error = client
        .create_agent()
        .location_id(server.location_id())
        .max_call_duration(60)
        .send()
        .await
        .expect_err("maxCallDuration is at least 180");
    // Assert
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(
        error
            .to_string()
            .contains("`maxCallDuration` must be at least 180"),
        "{error}"
    );
}
