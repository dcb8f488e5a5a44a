//! Tokens from the client crate alone: an OAuth install's code becomes access tokens that
//! renew themselves, and each rotated refresh token reaches the app.

use std::sync::{Arc, Mutex, PoisonError};

use mock_server::AuthorizationRequest;
use voice_ai_client::{Client, ClientConfig, OAuthCredentials, OAuthTokenSource, Token};

use crate::support::client_of_mock;

#[tokio::test]
async fn an_oauth_install_code_authenticates_requests_and_hands_over_the_refresh_token() {
    // Arrange
    let (server, _) = client_of_mock().await;
    let app = server.oauth_app();
    let code = server
        .authorization_code(&AuthorizationRequest::location(server.location_id()))
        .expect("the mock issues a code");
    let stored: Arc<Mutex<Vec<Token>>> = Arc::default();
    let store = Arc::clone(&stored);
    let tokens = OAuthTokenSource::from_authorization_code(
        OAuthCredentials::new(app.client_id, app.client_secret),
        code,
        None,
    )
    .base_url(server.uri())
    .on_refresh_token(move |token| {
        store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(token.clone());
    })
    .build()
    .expect("the token source builds");
    let client = Client::from_config(
        ClientConfig::with_token_source(Arc::new(tokens)).base_url(server.uri()),
    )
    .expect("the client builds");
    // Act
    let agents = client
        .list_agents()
        .location_id(server.location_id())
        .send()
        .await
        .expect("an OAuth access token is accepted")
        .into_inner();
    // Assert
    assert_eq!(agents.total, 3, "the demo agents");
    let stored = stored.lock().unwrap_or_else(PoisonError::into_inner);
    assert_eq!(
        stored.len(),
        1,
        "the code exchange returned one refresh token"
    );
    assert!(!stored[0].expose_secret().is_empty());
}
