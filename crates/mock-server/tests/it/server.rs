//! A started `MockServer` over real sockets: serving, reset, drop, independence, fixture files.

use std::time::Duration;

use mock_server::Fixtures;
use mock_server::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn raw_get(server: &MockServer, path: &str) -> String {
    let mut stream = TcpStream::connect(server.address())
        .await
        .expect("the server accepts connections");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nVersion: 2021-04-15\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        server.address(),
        server.dev_token()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request is written");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("the response is read");
    response
}

#[tokio::test]
async fn a_started_server_answers_over_http_on_loopback() {
    let server = MockServer::builder()
        .fixtures(Fixtures::demo(1))
        .start()
        .await;
    assert!(server.uri().starts_with("http://127.0.0.1:"));
    let response = raw_get(
        &server,
        &format!("/voice-ai/agents?locationId={}", server.location_id()),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("\"total\":3"), "{response}");
}

#[tokio::test]
async fn reset_restores_the_fixtures_and_forgets_the_rest() {
    let server = MockServer::builder()
        .fixtures(Fixtures::demo(1))
        .start()
        .await;
    let location = server.location_id().to_owned();
    let store = server.state().store();
    let (_, before) = store.voice_list_agents(&location, None, 1, 50);
    store.voice_create_agent(&location, None, serde_json::Map::new());
    server.reset();
    let (total, after) = store.voice_list_agents(&location, None, 1, 50);
    assert_eq!(total, 3);
    assert_eq!(before, after);
}

#[tokio::test]
async fn dropping_the_server_stops_it() {
    let server = MockServer::start().await;
    let address = server.address();
    drop(server);
    let mut refused = false;
    for _ in 0..100 {
        if TcpStream::connect(address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "the port still accepts connections after drop");
}

#[tokio::test]
async fn two_servers_are_independent() {
    let first = MockServer::start().await;
    let second = MockServer::start().await;
    assert_ne!(first.uri(), second.uri());
    first
        .state()
        .store()
        .add_call_log(first.location_id(), serde_json::json!({}));
    let (total, _) = second.state().store().voice_list_call_logs(
        second.location_id(),
        &Default::default(),
        1,
        10,
    );
    assert_eq!(total, 0);
}

#[tokio::test]
async fn the_example_fixtures_file_loads_with_its_ids() {
    let text = include_str!("../../fixtures/example.json");
    let fixtures = Fixtures::from_json_str(text).expect("the example fixtures are valid");
    let server = MockServer::builder().fixtures(fixtures).start().await;
    let store = server.state().store();
    let agent = store
        .voice_get_agent(server.location_id(), "6650f3c2a8e4b21d9c7f0a15")
        .expect("the fixture agent exists");
    assert_eq!(agent["actions"][0]["id"], "6650f3c2a8e4b21d9c7f0a16");
    let (elsewhere, _) = store.voice_list_agents("otherLocation0000001", None, 1, 10);
    assert_eq!(elsewhere, 1);
    assert!(
        store
            .voice_get_call_log(server.location_id(), "6a25186f17a921dd841b287b")
            .is_ok()
    );
    assert!(
        store
            .conversation_get_generation(server.location_id(), "messageId123", "conversation")
            .is_ok()
    );
}
