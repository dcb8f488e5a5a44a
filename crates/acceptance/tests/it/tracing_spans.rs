//! Task 9: the `highlevel.request` span of one request, captured with tracing-subscriber.

use std::error::Error;
use std::io;
use std::sync::{Arc, Mutex};

use mock_server::MockServer;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use voice_ai_client::{Client, ClientConfig, Token};

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn one_request_records_one_span_with_its_operation_status_and_no_token()
-> Result<(), Box<dyn Error>> {
    let server = MockServer::start().await;
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )?;
    let captured = Captured::default();
    let sink = captured.clone();
    let _guard = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_env_filter("highlevel=info,voice_ai_client=info,highlevel_client_core=info")
        .set_default();

    client
        .list_agents()
        .location_id(server.location_id())
        .send()
        .await?;

    let log = String::from_utf8(captured.0.lock().expect("not poisoned").clone())?;
    let spans: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("highlevel.request{"))
        .collect();
    assert_eq!(spans.len(), 1, "{log}");
    for field in [
        "method=GET",
        "path=/voice-ai/agents",
        "operation_id=\"list_agents\"",
        "operation=\"listAgents\"",
        "attempt=1",
        "status=200",
        "duration_ms=",
    ] {
        assert!(
            spans[0].contains(field),
            "{field} missing from {}",
            spans[0]
        );
    }
    assert!(!log.contains(server.dev_token()));
    Ok(())
}
