//! A request carries only the fields its caller set (defect 1: a rename-only update used to
//! send `respondToAudio: false` and `respondToImages: false`, wiping the stored values).

use conversation_ai_client::types::UpdateAgentRequest;

use crate::support::{client_of_mock, keys, last_body};

#[tokio::test]
async fn a_rename_only_update_sends_the_keys_set_and_the_agent_keeps_its_media_settings() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let agent = client
        .create_agent()
        .name("Front Desk")
        .personality("Warm and brief")
        .goal("Book appointments")
        .instructions("Ask for the date first")
        .respond_to_audio(true)
        .respond_to_images(true)
        .send()
        .await
        .expect("the agent is created")
        .into_inner();
    // Act
    let renamed = client
        .update_agent()
        .agent_id(&agent.id)
        .name("Renamed Desk")
        .auto_pilot_max_messages(75)
        .send()
        .await
        .expect("the agent is updated")
        .into_inner();
    // Assert
    let path = format!("/conversation-ai/agents/{}", agent.id);
    let sent = last_body(&server, "PUT", &path);
    assert_eq!(keys(&sent), ["autoPilotMaxMessages", "name"], "{sent}");
    assert_eq!(renamed.name, "Renamed Desk");
    let stored = server
        .state()
        .store()
        .conversation_get_agent(server.location_id(), &agent.id)
        .expect("the agent is stored");
    assert_eq!(stored["respondToAudio"], true, "{stored}");
    assert_eq!(stored["respondToImages"], true, "{stored}");
}

#[test]
fn a_body_built_with_only_its_required_field_serializes_only_that_key() {
    // Arrange
    let body = UpdateAgentRequest::builder().auto_pilot_max_messages(75);
    // Act
    let body = UpdateAgentRequest::try_from(body).expect("the required field is set");
    // Assert
    let json = serde_json::to_value(&body).expect("the body encodes");
    assert_eq!(json, serde_json::json!({"autoPilotMaxMessages": 75}));
}

#[test]
fn a_nullable_field_sends_null_only_when_asked() {
    // Arrange
    let unset = UpdateAgentRequest::builder().auto_pilot_max_messages(75);
    let null = UpdateAgentRequest::builder()
        .auto_pilot_max_messages(75)
        .sleep_time_null();
    let value = UpdateAgentRequest::builder()
        .auto_pilot_max_messages(75)
        .sleep_time(30);
    // Act
    let encode = |b| {
        serde_json::to_value(UpdateAgentRequest::try_from(b).expect("a valid body"))
            .expect("the body encodes")
    };
    // Assert
    assert_eq!(encode(unset).get("sleepTime"), None);
    assert_eq!(encode(null)["sleepTime"], serde_json::Value::Null);
    assert_eq!(encode(value)["sleepTime"], 30);
}
