//! One dependency is enough: retries, sleepers, status codes and futures come from the client
//! crate, so a consumer can configure and observe the client without naming client-core.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mock_server::FaultRule;
use voice_ai_client::{BoxFuture, Client, ClientConfig, RetryPolicy, Sleeper, StatusCode, Token};

use crate::support::client_of_mock;

/// A sleeper that records each wait instead of waiting.
#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<Duration>>);

impl Sleeper for Recorder {
    fn sleep(&self, wait: Duration) -> BoxFuture<'static, ()> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(wait);
        Box::pin(async {})
    }
}

#[tokio::test]
async fn a_retry_policy_and_sleeper_built_from_the_client_crate_retry_a_503() {
    // Arrange
    let (server, _) = client_of_mock().await;
    server.state().add_fault(
        FaultRule::status(
            Some("GET"),
            "/voice-ai/agents",
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .times(1),
    );
    let recorder = Arc::new(Recorder::default());
    let policy = RetryPolicy::default()
        .max_attempts(2)
        .sleeper(Arc::clone(&recorder) as Arc<dyn Sleeper>);
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token()))
            .base_url(server.uri())
            .retry_policy(policy),
    )
    .expect("the client builds");
    // Act
    let agents = client
        .list_agents()
        .location_id(server.location_id())
        .send()
        .await
        .expect("the retry succeeds");
    // Assert
    assert_eq!(agents.status(), StatusCode::OK);
    let waits = recorder.0.lock().unwrap_or_else(PoisonError::into_inner);
    assert_eq!(waits.len(), 1, "one retry after the 503: {waits:?}");
}
