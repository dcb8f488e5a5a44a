//! Task 5: the generation details of an AI message, and of a message that has none.

use conversation_ai_client::types::GenerationSource;
use conversation_ai_client::{ApiError, Client, ClientConfig, ErrorKind, StatusCode, Token};
use mock_server::MockServer;
use serde_json::json;

#[tokio::test]
async fn a_messages_generation_details_are_read_and_an_unknown_message_is_not_found()
-> Result<(), ApiError> {
    let server = MockServer::start().await;
    server.state().add_generation(
        server.location_id(),
        "msg-0001",
        "conversation",
        json!({
            "prompt": "You are the front desk of Lakeside Dental.",
            "responseMessage": "We have a slot on Tuesday at 10.",
            "input": "Can I book a cleaning?",
            "history": [{"role": "user", "content": "Can I book a cleaning?"}],
            "actionLogs": [],
        }),
    );
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )?;

    let details = client
        .get_generation_details()
        .message_id("msg-0001")
        .source(GenerationSource::Conversation)
        .send()
        .await?
        .into_inner();
    assert_eq!(details.response_message, "We have a slot on Tuesday at 10.");
    assert_eq!(details.input.as_deref(), Some("Can I book a cleaning?"));
    assert_eq!(details.history.len(), 1);

    let error = client
        .get_generation_details()
        .message_id("msg-9999")
        .source(GenerationSource::Conversation)
        .send()
        .await
        .expect_err("no generation for that message");
    // The vendor's 400 "No generation details found for the messageId: …" (the first run found
    // it read as BadRequest).
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(error.operation(), Some("getGenerationDetails"));
    assert!(error.messages()[0].contains("msg-9999"));
    Ok(())
}
