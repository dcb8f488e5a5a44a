//! A client of a fresh mock server, as a consumer's test would build one, and a look at what
//! the server received.

use mock_server::Fixtures;
use mock_server::MockServer;
use mock_server::ReceivedRequest;
use voice_ai_client::{Client, ClientConfig, Token};

/// A mock server with its seeded demo data (three agents, one call log), and a client of it.
pub(crate) async fn client_of_mock() -> (MockServer, Client) {
    let server = MockServer::builder()
        .fixtures(Fixtures::demo(mock_server::DEFAULT_SEED))
        .start()
        .await;
    let client = client_of(&server);
    (server, client)
}

/// A client of `server`, authenticated with its dev token.
pub(crate) fn client_of(server: &MockServer) -> Client {
    Client::from_config(ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()))
        .expect("a client of the mock builds")
}

/// The last request the server received for `method` `path`.
pub(crate) fn last_request(server: &MockServer, method: &str, path: &str) -> Received {
    server
        .received_requests()
        .into_iter()
        .rev()
        .find(|r| r.method == method && r.path == path)
        .map(Received)
        .unwrap_or_else(|| panic!("the server received no {method} {path}"))
}

/// A request the mock received.
pub(crate) struct Received(pub(crate) ReceivedRequest);

impl Received {
    /// Its body as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.0.body).expect("the request body is JSON")
    }

    /// The value of query parameter `name`, percent-decoded.
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        let url = format!("http://mock/?{}", self.0.query.as_deref()?);
        let url = reqwest::Url::parse(&url).expect("the query parses");
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}
