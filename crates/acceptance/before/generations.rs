//! Task 5: the generation details of an AI message, and of a message that has none.

use anyhow::Result;
use conversation_ai_client::{ApiError, Client, ClientConfig, ErrorKind, Token, types};
use mock_server::MockServer;
use serde_json::json;

#[tokio::test]
async fn a_messages_generation_details_are_read_and_an_unknown_message_is_not_found() -> Result<()>
{
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
        .source(types::GenerationSource::Conversation)
        .send()
        .await?
        .into_inner();
    assert_eq!(details.response_message, "We have a slot on Tuesday at 10.");
    assert_eq!(details.input.as_deref(), Some("Can I book a cleaning?"));
    assert_eq!(details.history.len(), 1);

    let missing = client
        .get_generation_details()
        .message_id("msg-9999")
        .source(types::GenerationSource::Conversation)
        .send()
        .await
        .expect_err("no generation for that message");
    let error = ApiError::from_progenitor(missing).await;
    // Before #9 the vendor's 400 "No generation details found for the messageId: …" reads as
    // BadRequest: only "… for the id: …" is recognised as NotFound.
    assert_eq!(error.kind(), ErrorKind::BadRequest);
    assert_eq!(error.status().map(|status| status.as_u16()), Some(400));
    assert!(error.messages()[0].contains("msg-9999"));
    Ok(())
}
