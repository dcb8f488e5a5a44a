//! Task 7: where tokens come from: a PIT from configuration, and an OAuth source that renews a
//! refused token.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mock_server::AuthorizationRequest;
use mock_server::MockServer;
use voice_ai_client::{ApiError, Client, ClientConfig, OAuthCredentials, OAuthTokenSource, Token};

#[tokio::test]
async fn a_private_integration_token_comes_from_environment_like_configuration()
-> Result<(), ApiError> {
    let server = MockServer::start().await;
    let (token, base_url) = (server.dev_token().to_owned(), server.uri());
    let config = ClientConfig::from_lookup(|name| match name {
        "HIGHLEVEL_TOKEN" => Some(token.clone()),
        "HIGHLEVEL_BASE_URL" => Some(base_url.clone()),
        _ => None,
    })?;
    let client = Client::from_config(config)?;
    let page = client
        .list_agents()
        .location_id(server.location_id())
        .send()
        .await?;
    assert_eq!(page.total, 0);
    Ok(())
}

/// How many times `server` was asked for a token at `path`.
fn token_requests(server: &MockServer, path: &str) -> usize {
    let requests = server.received_requests();
    requests
        .iter()
        .filter(|request| request.path == path)
        .count()
}

#[tokio::test]
async fn a_refused_oauth_token_is_renewed_once_for_concurrent_requests_and_rotated()
-> Result<(), ApiError> {
    let server = MockServer::start().await;
    let install = server
        .state()
        .issue_oauth_tokens(&AuthorizationRequest::location(server.location_id()))
        .expect("the mock installs the app");
    let app = server.oauth_app();
    let stored = Arc::new(Mutex::new(install.refresh_token.clone()));
    let store = Arc::clone(&stored);
    let tokens = OAuthTokenSource::builder(
        OAuthCredentials::new(app.client_id, app.client_secret),
        Token::new(&install.refresh_token),
    )
    // An access token stored earlier that HighLevel no longer accepts.
    .access_token(Token::new("revoked"), Duration::from_secs(3600))
    .on_refresh_token(move |rotated| {
        *store.lock().expect("not poisoned") = rotated.expose_secret().to_owned();
    });
    let client = Client::from_config(ClientConfig::oauth(tokens).base_url(server.uri()))?;

    let list = || {
        client
            .list_agents()
            .location_id(server.location_id())
            .send()
    };
    let (a, b, c) = tokio::join!(list(), list(), list());
    for page in [a?, b?, c?] {
        assert_eq!(page.total, 0);
    }
    assert_eq!(token_requests(&server, "/oauth/token"), 1, "single-flight");
    let statuses: Vec<u16> = server
        .state()
        .journal_entries()
        .iter()
        .filter(|exchange| exchange.path == "/voice-ai/agents")
        .map(|exchange| exchange.status)
        .collect();
    assert!(
        statuses.contains(&401),
        "the stored token was refused: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|&&status| status == 200).count(), 3);
    let rotated = stored.lock().expect("not poisoned").clone();
    assert_ne!(
        rotated, install.refresh_token,
        "the callback got the new one"
    );
    Ok(())
}
