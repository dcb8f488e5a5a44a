//! Task 7: where tokens come from: a PIT from configuration, and a source that refreshes on 401.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use futures::future::BoxFuture;
use mock_server::MockServer;
use voice_ai_client::{ApiError, Client, ClientConfig, Token, TokenSource};

#[tokio::test]
async fn a_private_integration_token_comes_from_environment_like_configuration() -> Result<()> {
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

/// What a consumer writes for OAuth today: no built-in source, so a hand-rolled one. This one
/// starts with an expired token and "refreshes" to a valid one, counting refreshes.
struct RefreshingToken {
    current: Mutex<Token>,
    renewed: Token,
    refreshes: AtomicUsize,
}

impl TokenSource for RefreshingToken {
    fn token(&self) -> BoxFuture<'_, Result<Token, ApiError>> {
        let token = self.current.lock().expect("not poisoned").clone();
        Box::pin(async move { Ok(token) })
    }

    fn refresh(&self) -> BoxFuture<'_, Result<Token, ApiError>> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        *self.current.lock().expect("not poisoned") = self.renewed.clone();
        let token = self.renewed.clone();
        Box::pin(async move { Ok(token) })
    }
}

#[tokio::test]
async fn a_custom_token_source_is_refreshed_once_when_its_token_is_refused() -> Result<()> {
    let server = MockServer::start().await;
    let source = Arc::new(RefreshingToken {
        current: Mutex::new(Token::new("pit-00000000-0000-0000-0000-00000000dead")),
        renewed: Token::new(server.dev_token()),
        refreshes: AtomicUsize::new(0),
    });
    let client = Client::from_config(
        ClientConfig::with_token_source(source.clone()).base_url(server.uri()),
    )?;

    for _ in 0..2 {
        let page = client
            .list_agents()
            .location_id(server.location_id())
            .send()
            .await?;
        assert_eq!(page.total, 0);
    }
    assert_eq!(source.refreshes.load(Ordering::SeqCst), 1);
    let statuses: Vec<u16> = server
        .state()
        .journal_entries()
        .iter()
        .map(|exchange| exchange.status)
        .collect();
    assert_eq!(statuses, [401, 200, 200]);
    Ok(())
}
