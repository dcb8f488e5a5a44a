//! Added in the port: an `ApiError` that went through `?` into `anyhow::Result`, as the issue
//! promises.

use mock_server::MockServer;
use voice_ai_client::{ApiError, Client, ClientConfig, ErrorKind, Token};

/// What an application with `anyhow` writes: `?` on a `send()`, and the `ApiError` back later.
async fn fetch_agent(client: &Client, location: &str) -> anyhow::Result<String> {
    let agent = client
        .get_agent()
        .agent_id("0123456789abcdef01234567")
        .location_id(location)
        .send()
        .await?;
    Ok(agent.into_inner().agent_name)
}

#[tokio::test]
async fn an_api_error_behind_anyhow_is_still_an_api_error() -> Result<(), ApiError> {
    let server = MockServer::start().await;
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )?;

    let error = fetch_agent(&client, server.location_id())
        .await
        .expect_err("no such agent");

    let api_error = error
        .downcast_ref::<ApiError>()
        .expect("`?` keeps the ApiError");
    assert_eq!(api_error.kind(), ErrorKind::NotFound);
    assert_eq!(api_error.operation(), Some("getAgent"));
    Ok(())
}
