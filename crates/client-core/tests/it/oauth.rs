//! `OAuthTokenSource` end to end against the mock server's `/oauth` endpoints and API routes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use highlevel_client_core::{
    ClientConfig, ClientParts, ErrorKind, OAuthCredentials, OAuthTokenSource,
    OAuthTokenSourceBuilder, RetryPolicy, Token, TokenSource, UserType,
};
use mock_server::MockServer;
use mock_server::{AuthorizationRequest, DEFAULT_COMPANY_ID};
use reqwest::Method;

use crate::support::{GET_AGENTS, OPERATIONS};

/// A location install's refresh token, and a builder for a source that renews with it.
fn location_source(server: &MockServer) -> (Token, OAuthTokenSourceBuilder) {
    let tokens = server
        .state()
        .issue_oauth_tokens(&AuthorizationRequest::location(server.location_id()))
        .expect("the mock issues tokens for its own location");
    let app = server.oauth_app();
    let refresh = Token::new(&tokens.refresh_token);
    let builder = OAuthTokenSource::builder(
        OAuthCredentials::new(app.client_id, app.client_secret),
        refresh.clone(),
    )
    .base_url(server.uri());
    (refresh, builder)
}

fn parts(server: &MockServer, source: Arc<dyn TokenSource>) -> ClientParts {
    ClientConfig::with_token_source(source)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .operations(OPERATIONS)
        .build()
        .expect("test configuration builds")
}

/// `GET /voice-ai/agents` through `Runtime::pre` and `Runtime::exec`, as a generated client.
async fn list_agents(parts: &ClientParts, location_id: &str) -> reqwest::Response {
    let mut request = parts
        .client
        .request(
            Method::GET,
            format!(
                "{}/voice-ai/agents?locationId={location_id}",
                parts.base_url
            ),
        )
        .build()
        .expect("request builds");
    parts
        .runtime
        .pre::<()>(&mut request, &GET_AGENTS)
        .await
        .expect("pre gets a token");
    parts
        .runtime
        .exec(&parts.client, request, &GET_AGENTS)
        .await
        .expect("request completes")
}

fn count(server: &MockServer, path: &str) -> usize {
    server
        .received_requests()
        .iter()
        .filter(|request| request.method == "POST" && request.path == path)
        .count()
}

fn api_authorizations(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .iter()
        .filter(|request| request.path == "/voice-ai/agents")
        .filter_map(|request| request.header("authorization").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_refresh_token_is_exchanged_once_and_its_access_token_calls_the_api() {
    let server = MockServer::start().await;
    let (refresh, builder) = location_source(&server);
    let parts = ClientConfig::oauth(builder)
        .base_url(server.uri())
        .operations(OPERATIONS)
        .build()
        .expect("builds");
    for _ in 0..3 {
        let response = list_agents(&parts, server.location_id()).await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(count(&server, "/oauth/token"), 1);
    let token_request = server
        .received_requests()
        .into_iter()
        .find(|request| request.path == "/oauth/token")
        .expect("a token request");
    let form = String::from_utf8(token_request.body.clone()).expect("a UTF-8 form");
    assert!(form.contains("grant_type=refresh_token"), "{form}");
    assert!(form.contains("user_type=Location"), "{form}");
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let sent = api_authorizations(&server);
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|value| value == &sent[0]));
    let access = sent[0].strip_prefix("Bearer ").expect("a bearer token");
    assert_eq!(access.split('.').count(), 3, "a JWT-shaped access token");
    assert_ne!(access, refresh.expose_secret());
}

#[tokio::test]
async fn an_authorization_code_is_exchanged_once_then_its_refresh_token_renews() {
    let server = MockServer::start().await;
    let code = server
        .authorization_code(&AuthorizationRequest::location(server.location_id()))
        .expect("the mock mints a code");
    let app = server.oauth_app();
    let stored = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = stored.clone();
    let source = OAuthTokenSource::from_authorization_code(
        OAuthCredentials::new(app.client_id, app.client_secret),
        &code,
        Some("https://app.example/callback".to_owned()),
    )
    .base_url(server.uri())
    .on_refresh_token(move |rotated| {
        sink.lock()
            .expect("store lock")
            .push(rotated.expose_secret().to_owned());
    })
    .build()
    .expect("builds");
    let first = source.token().await.expect("the code is exchanged");
    let second = source.refresh().await.expect("the refresh token renews");
    assert_ne!(first, second);
    let forms: Vec<String> = server
        .received_requests()
        .into_iter()
        .filter(|request| request.path == "/oauth/token")
        .map(|request| String::from_utf8(request.body).expect("a UTF-8 form"))
        .collect();
    assert_eq!(forms.len(), 2);
    assert!(
        forms[0].contains("grant_type=authorization_code"),
        "{}",
        forms[0]
    );
    assert!(forms[0].contains(&format!("code={code}")), "{}", forms[0]);
    let stored = stored.lock().expect("store lock").clone();
    assert_eq!(
        stored.len(),
        2,
        "both exchanges handed over a refresh token"
    );
    assert!(
        forms[1].contains("grant_type=refresh_token"),
        "{}",
        forms[1]
    );
    assert!(forms[1].contains(&format!("refresh_token={}", stored[0])));
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let server = MockServer::builder()
        .oauth_token_lifetime(Duration::from_secs(2))
        .start()
        .await;
    let (_, builder) = location_source(&server);
    let source = Arc::new(builder.build().expect("builds"));
    let parts = parts(&server, source);
    assert_eq!(
        list_agents(&parts, server.location_id()).await.status(),
        200
    );
    // `expires_in: 2`; the margin is capped at half the lifetime, so it is renewed after 1 s,
    // before the mock would refuse it.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(
        list_agents(&parts, server.location_id()).await.status(),
        200
    );
    assert_eq!(count(&server, "/oauth/token"), 2);
    let sent = api_authorizations(&server);
    assert_eq!(sent.len(), 2, "no request was refused and retried");
    assert_ne!(sent[0], sent[1]);
}

#[tokio::test]
async fn a_401_for_a_refused_token_renews_it_and_the_request_succeeds_on_the_retry() {
    let server = MockServer::start().await;
    let (_, builder) = location_source(&server);
    let source = builder
        .access_token(
            Token::new("stored.but-revoked.token"),
            Duration::from_secs(3_600),
        )
        .build()
        .expect("builds");
    let parts = parts(&server, Arc::new(source));
    let response = list_agents(&parts, server.location_id()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(count(&server, "/oauth/token"), 1);
    let sent = api_authorizations(&server);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0], "Bearer stored.but-revoked.token");
    assert_ne!(sent[1], sent[0]);
}

#[tokio::test]
async fn fifty_concurrent_requests_on_an_expired_token_share_one_refresh() {
    let server = MockServer::start().await;
    let (_, builder) = location_source(&server);
    let source = builder
        .access_token(Token::new("stored.expired.token"), Duration::ZERO)
        .build()
        .expect("builds");
    let parts = Arc::new(parts(&server, Arc::new(source)));
    let location = server.location_id().to_owned();
    let requests = (0..50).map(|_| {
        let parts = parts.clone();
        let location = location.clone();
        tokio::spawn(async move { list_agents(&parts, &location).await.status() })
    });
    let statuses = futures::future::join_all(requests).await;
    assert!(
        statuses
            .into_iter()
            .all(|status| status.expect("task completes") == 200)
    );
    assert_eq!(count(&server, "/oauth/token"), 1);
    let sent = api_authorizations(&server);
    assert_eq!(sent.len(), 50, "the expired token was never sent");
    assert!(sent.iter().all(|value| value == &sent[0]));
}

#[tokio::test]
async fn fifty_concurrent_401s_on_a_revoked_token_share_one_refresh() {
    let server = MockServer::start().await;
    let (_, builder) = location_source(&server);
    let source = builder
        .access_token(
            Token::new("stored.revoked.token"),
            Duration::from_secs(3_600),
        )
        .build()
        .expect("builds");
    let parts = Arc::new(parts(&server, Arc::new(source)));
    let location = server.location_id().to_owned();
    let requests = (0..50).map(|_| {
        let parts = parts.clone();
        let location = location.clone();
        tokio::spawn(async move { list_agents(&parts, &location).await.status() })
    });
    let statuses = futures::future::join_all(requests).await;
    assert!(
        statuses
            .into_iter()
            .all(|status| status.expect("task completes") == 200)
    );
    assert_eq!(count(&server, "/oauth/token"), 1);
}

#[tokio::test]
async fn each_rotated_refresh_token_reaches_the_callback_and_the_next_renewal_uses_it() {
    let server = MockServer::start().await;
    let (first, builder) = location_source(&server);
    let stored = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = stored.clone();
    let source = builder
        .on_refresh_token(move |rotated| {
            sink.lock()
                .expect("store lock")
                .push(rotated.expose_secret().to_owned());
        })
        .build()
        .expect("builds");
    source.token().await.expect("first exchange");
    source.refresh().await.expect("second exchange");
    let stored = stored.lock().expect("store lock").clone();
    assert_eq!(stored.len(), 2);
    assert_ne!(stored[0], first.expose_secret());
    assert_ne!(stored[0], stored[1]);
    assert_eq!(
        source
            .refresh_token()
            .map(|token| token.expose_secret().to_owned()),
        Some(stored[1].clone())
    );
    // The second exchange sent the first rotated token, not the original one.
    let forms: Vec<String> = server
        .received_requests()
        .into_iter()
        .filter(|request| request.path == "/oauth/token")
        .map(|request| String::from_utf8(request.body).expect("a UTF-8 form"))
        .collect();
    assert_eq!(forms.len(), 2);
    assert!(forms[1].contains(&format!("refresh_token={}", stored[0])));
}

#[tokio::test]
async fn a_location_token_minted_from_an_agency_token_calls_a_voice_ai_route() {
    let server = MockServer::start().await;
    let agency_tokens = server
        .state()
        .issue_oauth_tokens(
            &AuthorizationRequest::company(DEFAULT_COMPANY_ID)
                .approved_locations([server.location_id()]),
        )
        .expect("an agency install");
    let app = server.oauth_app();
    let agency = OAuthTokenSource::builder(
        OAuthCredentials::new(app.client_id, app.client_secret),
        Token::new(&agency_tokens.refresh_token),
    )
    .user_type(UserType::Company)
    .base_url(server.uri())
    .build()
    .expect("agency source builds");
    let location = OAuthTokenSource::location_from_agency(
        Arc::new(agency),
        DEFAULT_COMPANY_ID,
        server.location_id(),
    );
    // Through `ClientConfig::oauth` the source follows the client's base URL.
    let parts = ClientConfig::oauth(location)
        .base_url(server.uri())
        .operations(OPERATIONS)
        .build()
        .expect("builds");
    let response = list_agents(&parts, server.location_id()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(count(&server, "/oauth/token"), 1);
    assert_eq!(count(&server, "/oauth/locationToken"), 1);
    let mint = server
        .received_requests()
        .into_iter()
        .find(|request| request.path == "/oauth/locationToken")
        .expect("a mint request");
    assert_eq!(mint.header("version"), Some("2021-07-28"));
    let form = String::from_utf8(mint.body.clone()).expect("a UTF-8 form");
    assert!(
        form.contains(&format!("locationId={}", server.location_id())),
        "{form}"
    );
    assert!(form.contains(&format!("companyId={DEFAULT_COMPANY_ID}")));
    let agency_bearer = mint.header("authorization").expect("agency bearer");
    let sent = api_authorizations(&server);
    assert_eq!(sent.len(), 1);
    assert_ne!(
        sent[0], agency_bearer,
        "the API got the minted location token"
    );
}

#[tokio::test]
async fn a_refused_refresh_token_is_an_error_naming_the_operation_without_secrets() {
    let server = MockServer::start().await;
    let app = server.oauth_app();
    let source = OAuthTokenSource::builder(
        OAuthCredentials::new(app.client_id, &app.client_secret),
        Token::new("never-issued-refresh-token"),
    )
    .base_url(server.uri())
    .build()
    .expect("builds");
    let error = source.token().await.expect_err("the mock refuses it");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(401));
    assert_eq!(error.operation(), Some("getAccessToken"));
    let shown = format!("{error} {error:?} {source:?}");
    assert!(shown.contains("Invalid refresh token"), "{shown}");
    assert!(!shown.contains("never-issued-refresh-token"), "{shown}");
    assert!(!shown.contains(&app.client_secret), "{shown}");
    assert_ne!(error.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn a_token_source_failure_in_pre_reaches_the_caller_with_its_kind_and_status() {
    let server = MockServer::start().await;
    let app = server.oauth_app();
    let source = OAuthTokenSource::builder(
        OAuthCredentials::new(app.client_id, app.client_secret),
        Token::new("revoked-refresh-token"),
    )
    .base_url(server.uri());
    let parts = ClientConfig::oauth(source)
        .base_url(server.uri())
        .operations(OPERATIONS)
        .build()
        .expect("builds");
    let mut request = parts
        .client
        .get(format!("{}/voice-ai/agents", parts.base_url))
        .build()
        .expect("request builds");
    let refused = parts
        .runtime
        .pre::<()>(&mut request, &GET_AGENTS)
        .await
        .expect_err("no token can be had");
    // What a generated `send()` does with it.
    let error = parts
        .runtime
        .error_for(GET_AGENTS.operation_id, refused)
        .await;
    assert_eq!(error.kind(), ErrorKind::InvalidToken);
    assert_eq!(error.status().map(|status| status.as_u16()), Some(401));
    assert_eq!(error.operation(), Some("getAccessToken"));
    assert_eq!(
        error.messages(),
        Vec::<&str>::new(),
        "OAuth refusals have no `message`"
    );
    assert!(
        error.to_string().contains("Invalid refresh token"),
        "{error}"
    );
    assert_eq!(
        server
            .received_requests()
            .iter()
            .filter(|request| request.path == "/voice-ai/agents")
            .count(),
        0,
        "nothing was sent to the API"
    );
}

#[tokio::test]
async fn a_refused_agency_token_is_refreshed_once_while_minting_a_location_token() {
    let server = MockServer::start().await;
    let agency_tokens = server
        .state()
        .issue_oauth_tokens(
            &AuthorizationRequest::company(DEFAULT_COMPANY_ID)
                .approved_locations([server.location_id()]),
        )
        .expect("an agency install");
    let app = server.oauth_app();
    let agency = OAuthTokenSource::builder(
        OAuthCredentials::new(app.client_id, app.client_secret),
        Token::new(&agency_tokens.refresh_token),
    )
    .user_type(UserType::Company)
    .base_url(server.uri())
    .access_token(
        Token::new("revoked.agency.token"),
        Duration::from_secs(3_600),
    )
    .build()
    .expect("agency source builds");
    let location = OAuthTokenSource::location_from_agency(
        Arc::new(agency),
        DEFAULT_COMPANY_ID,
        server.location_id(),
    )
    .base_url(server.uri())
    .build()
    .expect("location source builds");
    let token = location
        .token()
        .await
        .expect("minted after one agency refresh");
    assert_eq!(token.kind(), highlevel_client_core::TokenKind::LocationJwt);
    let mints: Vec<Option<String>> = server
        .received_requests()
        .into_iter()
        .filter(|request| request.path == "/oauth/locationToken")
        .map(|request| request.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(mints.len(), 2);
    assert_eq!(mints[0].as_deref(), Some("Bearer revoked.agency.token"));
    assert_ne!(mints[1], mints[0]);
    assert_eq!(count(&server, "/oauth/token"), 1);
}
