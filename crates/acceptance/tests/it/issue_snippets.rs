//! The setters issue 9's "How it will be judged" names, written exactly as the issue spells them.

use mock_server::MockServer;
use voice_ai_client::types::{ActionKind, CallTransferParameters};

#[tokio::test]
async fn the_voice_ai_setters_of_the_issue_take_plain_values_and_literals()
-> Result<(), voice_ai_client::ApiError> {
    let server = MockServer::start().await;
    let location = server.location_id();
    let client = voice_ai_client::Client::from_config(
        voice_ai_client::ClientConfig::new(voice_ai_client::Token::new(server.dev_token()))
            .base_url(server.uri()),
    )?;

    let agent = client
        .create_agent()
        .location_id(location)
        .agent_name("Front Desk")
        .business_name("Lakeside Dental")
        .timezone("America/Chicago")
        .send()
        .await?
        .into_inner();
    let action = client
        .create_action()
        .agent_id(&agent.id)
        .location_id(location)
        .name("Transfer to reception")
        .kind(
            CallTransferParameters::builder()
                .transfer_to_value("+13125550142")
                .trigger_prompt("The caller asks to speak to a person")
                .trigger_message("Connecting you to reception now."),
        )
        .send()
        .await?
        .into_inner();
    let page = client
        .list_agents()
        .location_id(location)
        .page(1)
        .page_size(20)
        .send()
        .await?
        .into_inner();

    assert_eq!(
        (agent.agent_name.as_str(), agent.timezone.as_str()),
        ("Front Desk", "America/Chicago")
    );
    assert!(matches!(action.kind, ActionKind::CallTransfer(_)));
    assert_eq!((page.total, page.page, page.page_size), (1, 1, 20));
    let sent = server
        .received_requests()
        .into_iter()
        .find(|request| request.method == "POST" && request.path == "/voice-ai/agents")
        .and_then(|request| request.body_json())
        .expect("the create request was journaled with a JSON body");
    assert_eq!(sent["businessName"], "Lakeside Dental");
    Ok(())
}

#[tokio::test]
async fn a_rename_with_the_optional_name_setter_sends_only_what_was_set()
-> Result<(), conversation_ai_client::ApiError> {
    let server = MockServer::start().await;
    let client = conversation_ai_client::Client::from_config(
        conversation_ai_client::ClientConfig::new(conversation_ai_client::Token::new(
            server.dev_token(),
        ))
        .base_url(server.uri()),
    )?;
    let agent = client
        .create_agent()
        .name("front desk")
        .personality("Warm and brief")
        .goal("Book a cleaning")
        .instructions("Never quote prices")
        .send()
        .await?
        .into_inner();

    let renamed = client
        .update_agent()
        .agent_id(&agent.id)
        .auto_pilot_max_messages(25)
        .name("renamed")
        .send()
        .await?
        .into_inner();

    assert_eq!(renamed.name, "renamed");
    assert_eq!(
        renamed.goal, agent.goal,
        "a rename keeps what it does not name"
    );
    let sent = server
        .received_requests()
        .into_iter()
        .rev()
        .find(|request| request.method == "PUT")
        .and_then(|request| request.body_json())
        .expect("the update was journaled with a JSON body");
    let mut fields: Vec<&str> = sent
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["autoPilotMaxMessages", "name"]);
    Ok(())
}

#[tokio::test]
async fn a_missing_required_parameter_fails_at_send_naming_it_and_the_operation()
-> Result<(), voice_ai_client::ApiError> {
    let server = MockServer::start().await;
    let client = voice_ai_client::Client::from_config(
        voice_ai_client::ClientConfig::new(voice_ai_client::Token::new(server.dev_token()))
            .base_url(server.uri()),
    )?;

    let error = client
        .list_call_logs()
        .page(1)
        .send()
        .await
        .expect_err("locationId is required");

    assert_eq!(error.kind(), voice_ai_client::ErrorKind::InvalidRequest);
    assert_eq!(error.operation(), Some("listCallLogs"));
    assert!(error.to_string().contains("locationId"), "{error}");
    assert!(server.received_requests().is_empty(), "nothing is sent");
    Ok(())
}
