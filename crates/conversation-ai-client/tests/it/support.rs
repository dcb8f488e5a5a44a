//! A client of a fresh mock server, as a consumer's test would build one, and a look at what
//! the server received.

use conversation_ai_client::{Client, ClientConfig, Token};
use mock_server::MockServer;
use serde_json::Value;

/// A mock server with its seeded demo data, and a client of it.
pub(crate) async fn client_of_mock() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )
    .expect("a client of the mock builds");
    (server, client)
}

/// The JSON body of the last request the server received for `method` `path`.
pub(crate) fn last_body(server: &MockServer, method: &str, path: &str) -> Value {
    let request = server
        .received_requests()
        .into_iter()
        .rev()
        .find(|r| r.method == method && r.path == path)
        .unwrap_or_else(|| panic!("the server received no {method} {path}"));
    serde_json::from_slice(&request.body).expect("the request body is JSON")
}

/// The keys of a JSON object, sorted.
pub(crate) fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}
