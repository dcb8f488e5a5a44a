//! `Runtime::pre` and `Runtime::exec` against a scripted server.

use std::sync::Arc;
use std::time::Duration;

use highlevel_client_core::{
    ApiError, ClientConfig, ErrorKind, RetryPolicy, Runtime, Token, TokenSource,
};
use reqwest::Method;

use crate::support::*;

const TOO_MANY: &str = r#"{"statusCode":429,"message":"Too Many Requests"}"#;
const UNAVAILABLE: &str = r#"{"statusCode":503,"message":"Service Unavailable"}"#;

#[tokio::test]
async fn pre_sets_bearer_token_and_version_and_drops_api_version() {
    let server = TestServer::start(vec![]).await;
    let (policy, _) = recorded_policy();
    let parts = parts_for(&server, policy);
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 200);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(format!("Bearer {PIT}").as_str())
    );
    assert_eq!(seen[0].version.as_deref(), Some("2021-04-15"));
    assert_eq!(seen[0].api_version, None);
}

#[tokio::test]
async fn the_version_header_can_be_overridden() {
    let server = TestServer::start(vec![]).await;
    let parts = ClientConfig::new(Token::new(PIT))
        .base_url(&server.base_url)
        .version("2023-02-21")
        .build()
        .expect("builds");
    send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(server.seen()[0].version.as_deref(), Some("2023-02-21"));
}

#[tokio::test]
async fn a_429_with_retry_after_1_waits_one_second_not_the_ten_second_window() {
    let server = TestServer::start(vec![
        Reply::json(429, TOO_MANY)
            .header("retry-after", "1")
            .header("x-ratelimit-interval-milliseconds", "10000")
            .header("x-ratelimit-max", "100")
            .header("x-ratelimit-remaining", "0"),
    ])
    .await;
    let (policy, sleeper) = recorded_policy();
    // Jitter on: `Retry-After` is honoured exactly all the same.
    let parts = parts_for(&server, policy.jitter(true));
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 200);
    assert_eq!(sleeper.waits(), [Duration::from_secs(1)]);
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_429_without_retry_after_and_an_empty_window_waits_a_growing_quarter_of_the_window() {
    let empty_window = Reply::json(429, TOO_MANY)
        .header("x-ratelimit-interval-milliseconds", "10000")
        .header("x-ratelimit-max", "100")
        .header("x-ratelimit-remaining", "0");
    let server = TestServer::start(vec![
        empty_window.clone(),
        empty_window.clone(),
        empty_window,
    ])
    .await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(&server, policy);
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 200);
    assert_eq!(
        sleeper.waits(),
        [2_500, 5_000, 10_000].map(Duration::from_millis)
    );
    assert_eq!(server.seen().len(), 4);
}

#[tokio::test]
async fn a_429_in_a_window_with_room_pauses_one_request_slot() {
    let server = TestServer::start(vec![
        Reply::json(429, TOO_MANY)
            .header("x-ratelimit-interval-milliseconds", "10000")
            .header("x-ratelimit-max", "100")
            .header("x-ratelimit-remaining", "12"),
    ])
    .await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(&server, policy);
    send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(sleeper.waits(), [Duration::from_millis(100)]);
}

#[tokio::test]
async fn the_max_wait_cap_shortens_waits_derived_from_the_window() {
    let empty_window = Reply::json(429, TOO_MANY)
        .header("x-ratelimit-interval-milliseconds", "10000")
        .header("x-ratelimit-remaining", "0");
    let server = TestServer::start(vec![empty_window.clone(), empty_window]).await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(
        &server,
        policy.jitter(true).max_wait(Duration::from_millis(1_500)),
    );
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 200);
    let waits = sleeper.waits();
    assert_eq!(waits.len(), 2);
    // Retry 1: jittered 1.25–2.5 s, capped at 1.5 s; retry 2: 2.5–5 s, capped.
    assert!(
        waits[0] >= Duration::from_millis(1_250) && waits[0] <= Duration::from_millis(1_500),
        "{waits:?}"
    );
    assert_eq!(waits[1], Duration::from_millis(1_500));
}

#[tokio::test]
async fn a_429_waits_the_seconds_retry_after_asks_for() {
    let server = TestServer::start(vec![
        Reply::json(429, TOO_MANY).header("retry-after", "3"),
        Reply::json(429, TOO_MANY).header("retry-after", "1"),
    ])
    .await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(&server, policy);
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 200);
    assert_eq!(
        sleeper.waits(),
        [Duration::from_secs(3), Duration::from_secs(1)]
    );
}

#[tokio::test]
async fn a_429_without_hints_backs_off_exponentially() {
    let server = TestServer::start(vec![
        Reply::json(429, TOO_MANY),
        Reply::json(429, TOO_MANY),
        Reply::json(429, TOO_MANY),
    ])
    .await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(&server, policy);
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 200);
    assert_eq!(sleeper.waits(), [100, 200, 400].map(Duration::from_millis));
}

#[tokio::test]
async fn jittered_backoff_stays_within_half_to_full_delay() {
    let server =
        TestServer::start(vec![Reply::json(429, TOO_MANY), Reply::json(429, TOO_MANY)]).await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(&server, policy.jitter(true));
    send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    let waits = sleeper.waits();
    assert_eq!(waits.len(), 2);
    assert!(waits[0] >= Duration::from_millis(50) && waits[0] <= Duration::from_millis(100));
    assert!(waits[1] >= Duration::from_millis(100) && waits[1] <= Duration::from_millis(200));
}

#[tokio::test]
async fn a_get_is_retried_after_a_503() {
    let server = TestServer::start(vec![Reply::json(503, UNAVAILABLE)]).await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(&server, policy);
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 200);
    assert_eq!(server.seen().len(), 2);
    assert_eq!(sleeper.waits(), [Duration::from_millis(100)]);
}

#[tokio::test]
async fn a_post_is_not_retried_after_a_503() {
    let server = TestServer::start(vec![Reply::json(503, UNAVAILABLE)]).await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(&server, policy);
    let response = send(
        &parts,
        Method::POST,
        &server.url("/voice-ai/agents"),
        &CREATE_AGENT,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 503);
    assert_eq!(
        server.seen().len(),
        1,
        "exactly one POST reached the server"
    );
    assert!(sleeper.waits().is_empty());
}

#[tokio::test]
async fn a_post_is_retried_after_a_503_when_the_caller_opts_in() {
    let server = TestServer::start(vec![Reply::json(503, UNAVAILABLE)]).await;
    let (policy, _) = recorded_policy();
    let parts = parts_for(&server, policy.retry_non_idempotent(true));
    let response = send(
        &parts,
        Method::POST,
        &server.url("/voice-ai/agents"),
        &CREATE_AGENT,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 200);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].body, seen[0].body,
        "the retry resends the same body"
    );
    assert!(
        seen.iter()
            .all(|request| request.method == Method::POST && request.path == "/voice-ai/agents")
    );
}

#[tokio::test]
async fn a_post_is_retried_after_a_429_because_the_request_was_refused() {
    let server = TestServer::start(vec![
        Reply::json(429, TOO_MANY).header("x-ratelimit-interval-milliseconds", "2500"),
    ])
    .await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(&server, policy);
    let response = send(
        &parts,
        Method::POST,
        &server.url("/voice-ai/agents"),
        &CREATE_AGENT,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 200);
    assert_eq!(server.seen().len(), 2);
    // No `X-RateLimit-Remaining`: treated as an empty window, a quarter of it.
    assert_eq!(sleeper.waits(), [Duration::from_millis(625)]);
}

#[tokio::test]
async fn retries_stop_at_the_attempt_cap_and_return_the_last_response() {
    let server = TestServer::start(vec![Reply::json(503, UNAVAILABLE); 5]).await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(&server, policy.max_attempts(3));
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 503);
    assert_eq!(server.seen().len(), 3);
    assert_eq!(sleeper.waits(), [100, 200].map(Duration::from_millis));
}

#[tokio::test]
async fn a_requested_wait_beyond_the_cap_returns_the_429_instead_of_waiting() {
    let server = TestServer::start(vec![
        Reply::json(429, TOO_MANY).header("retry-after", "120"),
    ])
    .await;
    let (policy, sleeper) = recorded_policy();
    let parts = parts_for(&server, policy.max_wait(Duration::from_secs(60)));
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 429);
    assert!(sleeper.waits().is_empty());
    let error = ApiError::from_response(response).await;
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_post_then_reported() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = closed.local_addr().expect("address");
    drop(closed);
    let (policy, sleeper) = recorded_policy();
    let parts = ClientConfig::new(Token::new(PIT))
        .base_url(format!("http://{address}"))
        .retry_policy(policy.max_attempts(3))
        .build()
        .expect("builds");
    let result = send(
        &parts,
        Method::POST,
        &format!("http://{address}/voice-ai/agents"),
        &CREATE_AGENT,
    )
    .await;
    let error = result.expect_err("nothing listens");
    assert!(error.is_connect());
    assert_eq!(sleeper.waits(), [100, 200].map(Duration::from_millis));
    let api = ApiError::transport(error);
    assert_eq!(api.kind(), ErrorKind::Transport);
    assert!(api.is_retryable());
}

#[tokio::test]
async fn a_401_invalid_token_triggers_exactly_one_refresh_and_the_retry_succeeds() {
    let server = TestServer::start(vec![Reply::json(
        401,
        r#"{"statusCode":401,"message":"Invalid token: access token is invalid","error":"Unauthorized"}"#,
    )])
    .await;
    let source = Arc::new(RefreshingSource::new(
        "old-access-token",
        "new-access-token",
    ));
    let (policy, sleeper) = recorded_policy();
    let parts = ClientConfig::with_token_source(source.clone())
        .base_url(&server.base_url)
        .retry_policy(policy)
        .build()
        .expect("builds");
    let response = send(
        &parts,
        Method::POST,
        &server.url("/voice-ai/agents"),
        &CREATE_AGENT,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 200);
    assert_eq!(source.refresh_count(), 1);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer old-access-token")
    );
    assert_eq!(
        seen[1].authorization.as_deref(),
        Some("Bearer new-access-token")
    );
    assert!(sleeper.waits().is_empty(), "a refresh retry does not wait");
}

#[tokio::test]
async fn a_second_401_after_the_refresh_is_returned_without_another_refresh() {
    let invalid = r#"{"statusCode":401,"message":"Invalid token: access token is invalid","error":"Unauthorized"}"#;
    let server =
        TestServer::start(vec![Reply::json(401, invalid), Reply::json(401, invalid)]).await;
    let source = Arc::new(RefreshingSource::new(
        "old-access-token",
        "new-access-token",
    ));
    let parts = ClientConfig::with_token_source(source.clone())
        .base_url(&server.base_url)
        .build()
        .expect("builds");
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 401);
    assert_eq!(source.refresh_count(), 1);
    assert_eq!(server.seen().len(), 2);
    let error = ApiError::from_response(response).await;
    assert_eq!(
        error.kind(),
        ErrorKind::InvalidToken,
        "the rebuilt response keeps its body"
    );
}

#[tokio::test]
async fn a_401_for_a_missing_scope_is_returned_without_refreshing() {
    let server = TestServer::start(vec![Reply::json(
        401,
        r#"{"statusCode":401,"message":"The token is not authorized for this scope."}"#,
    )])
    .await;
    let source = Arc::new(RefreshingSource::new(
        "old-access-token",
        "new-access-token",
    ));
    let parts = ClientConfig::with_token_source(source.clone())
        .base_url(&server.base_url)
        .operations(OPERATIONS)
        .build()
        .expect("builds");
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(source.refresh_count(), 0);
    assert_eq!(server.seen().len(), 1);
    let error = parts
        .runtime
        .error_for(
            "get-agents",
            progenitor_client::Error::<()>::UnexpectedResponse(response),
        )
        .await;
    assert_eq!(error.kind(), ErrorKind::MissingScope);
    assert_eq!(error.scope(), Some("voice-ai-agents.readonly"));
}

#[tokio::test]
async fn a_static_token_401_is_returned_as_is() {
    let server = TestServer::start(vec![Reply::json(
        401,
        r#"{"statusCode":401,"message":"Invalid token: access token is invalid"}"#,
    )])
    .await;
    let (policy, _) = recorded_policy();
    let parts = parts_for(&server, policy);
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    assert_eq!(response.status(), 401);
    assert_eq!(server.seen().len(), 1);
}

struct CompanySource;

impl TokenSource for CompanySource {
    fn token(&self) -> futures::future::BoxFuture<'_, Result<Token, ApiError>> {
        Box::pin(async { Ok(Token::new(jwt_with_auth_class("Company"))) })
    }

    fn refresh(&self) -> futures::future::BoxFuture<'_, Result<Token, ApiError>> {
        self.token()
    }
}

#[tokio::test]
async fn an_agency_jwt_from_a_source_is_refused_in_pre_with_zero_requests() {
    let server = TestServer::start(vec![]).await;
    let parts = ClientConfig::with_token_source(Arc::new(CompanySource))
        .base_url(&server.base_url)
        .build()
        .expect("a source is only asked for tokens per request");
    let mut request = parts
        .client
        .get(server.url("/voice-ai/agents"))
        .build()
        .expect("request builds");
    let refused = parts
        .runtime
        .pre::<()>(&mut request, &GET_AGENTS)
        .await
        .expect_err("company token refused");
    let error = ApiError::from(refused);
    assert_eq!(error.kind(), ErrorKind::WrongTokenType);
    assert!(
        error
            .to_string()
            .contains("Sub-Account (Location) token is needed"),
        "{error}"
    );
    assert!(!error.to_string().contains("secretsubject"));
    assert!(server.seen().is_empty(), "no request reached the server");
}

#[tokio::test]
async fn a_static_agency_jwt_is_refused_when_the_client_is_built() {
    let error = ClientConfig::new(Token::new(jwt_with_auth_class("Company")))
        .build()
        .expect_err("refused at build time");
    assert_eq!(error.kind(), ErrorKind::WrongTokenType);
    assert!(Runtime::with_static_token(Token::new(jwt_with_auth_class("Company"))).is_err());
    assert!(Runtime::with_static_token(Token::new(jwt_with_auth_class("Location"))).is_ok());
}

#[tokio::test]
async fn the_token_is_absent_from_debug_and_display_of_config_runtime_and_errors() {
    let config = ClientConfig::new(Token::new(PIT)).retry_policy(RetryPolicy::none());
    let parts = config.clone().build().expect("builds");
    let texts = [
        format!("{config:?}"),
        format!("{:?}", parts.runtime),
        format!("{parts:?}"),
        format!("{:?}", Token::new(PIT)),
        format!("{}", Token::new(PIT)),
    ];
    for text in &texts {
        assert!(!text.contains(SECRET_FRAGMENT), "token leaked in {text}");
    }

    let server = TestServer::start(vec![Reply::json(
        403,
        r#"{"statusCode":403,"message":"The token does not have access to this location."}"#,
    )])
    .await;
    let parts = parts_for(&server, RetryPolicy::none());
    let mut request = parts
        .client
        .get(server.url("/voice-ai/agents"))
        .build()
        .expect("request builds");
    parts
        .runtime
        .pre::<()>(&mut request, &GET_AGENTS)
        .await
        .expect("pre accepts");
    assert!(
        !format!("{request:?}").contains(SECRET_FRAGMENT),
        "reqwest marks it sensitive"
    );
    let response = parts
        .runtime
        .exec(&parts.client, request, &GET_AGENTS)
        .await
        .expect("completes");
    let error = ApiError::from_response(response).await;
    for text in [format!("{error}"), format!("{error:?}")] {
        assert!(!text.contains(SECRET_FRAGMENT), "token leaked in {text}");
    }
}

#[tokio::test]
async fn building_a_client_with_rustls_and_ring_works() {
    let parts = ClientConfig::new(Token::new(PIT))
        .build()
        .expect("TLS client builds");
    assert_eq!(parts.base_url, "https://services.leadconnectorhq.com");
    // Building twice must not fail on any process-wide state.
    ClientConfig::new(Token::new(PIT))
        .build()
        .expect("builds again");
}
