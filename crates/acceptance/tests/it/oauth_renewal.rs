//! Added in the port: what the built-in `OAuthTokenSource` does beyond a refused token: renewing
//! before expiry, and minting location tokens from an agency install.

use std::sync::Arc;
use std::time::Duration;

use mock_server::MockServer;
use mock_server::{AuthorizationRequest, DEFAULT_COMPANY_ID};
use voice_ai_client::{
    ApiError, Client, ClientConfig, OAuthCredentials, OAuthTokenSource, Token, UserType,
};

/// How many times `server` was asked for a token at `path`.
fn token_requests(server: &MockServer, path: &str) -> usize {
    let requests = server.received_requests();
    requests
        .iter()
        .filter(|request| request.path == path)
        .count()
}

#[tokio::test]
async fn an_oauth_token_is_renewed_before_it_expires_so_no_request_is_refused()
-> Result<(), ApiError> {
    let server = MockServer::builder()
        .oauth_token_lifetime(Duration::from_secs(2))
        .start()
        .await;
    let install = server
        .state()
        .issue_oauth_tokens(&AuthorizationRequest::location(server.location_id()))
        .expect("the mock installs the app");
    let app = server.oauth_app();
    let tokens = OAuthTokenSource::builder(
        OAuthCredentials::new(app.client_id, app.client_secret),
        Token::new(&install.refresh_token),
    );
    let client = Client::from_config(ClientConfig::oauth(tokens).base_url(server.uri()))?;

    for _ in 0..2 {
        client
            .list_agents()
            .location_id(server.location_id())
            .send()
            .await?;
        // Past half of the 2 s lifetime: the renewal margin.
        tokio::time::sleep(Duration::from_millis(1200)).await;
    }

    assert_eq!(token_requests(&server, "/oauth/token"), 2);
    let refused = server
        .state()
        .journal_entries()
        .iter()
        .filter(|exchange| exchange.status == 401)
        .count();
    assert_eq!(refused, 0);
    Ok(())
}

#[tokio::test]
async fn an_agency_install_mints_a_location_token_that_the_api_accepts() -> Result<(), ApiError> {
    let server = MockServer::start().await;
    let location = server.location_id();
    let install = server
        .state()
        .issue_oauth_tokens(
            &AuthorizationRequest::company(DEFAULT_COMPANY_ID).approved_locations([location]),
        )
        .expect("the mock installs the app");
    let app = server.oauth_app();
    let agency = OAuthTokenSource::builder(
        OAuthCredentials::new(app.client_id, app.client_secret),
        Token::new(&install.refresh_token),
    )
    .user_type(UserType::Company)
    .base_url(server.uri())
    .build()?;
    let tokens =
        OAuthTokenSource::location_from_agency(Arc::new(agency), DEFAULT_COMPANY_ID, location);
    let client = Client::from_config(ClientConfig::oauth(tokens).base_url(server.uri()))?;

    let page = client.list_agents().location_id(location).send().await?;
    assert_eq!(page.total, 0);
    assert_eq!(token_requests(&server, "/oauth/token"), 1);
    assert_eq!(token_requests(&server, "/oauth/locationToken"), 1);
    Ok(())
}
