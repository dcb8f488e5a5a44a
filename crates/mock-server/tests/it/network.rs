//! The server under hostile network clients: read timeouts, the connection cap, bounded buffers.

use std::time::{Duration, Instant};

use mock_server::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the peer closes (or `limit` passes); returns what arrived and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let outcome = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    (
        String::from_utf8_lossy(&received).into_owned(),
        outcome.is_ok(),
    )
}

/// Sends `request` on a fresh connection and returns the response's first line.
async fn status_line(server: &MockServer, request: &str) -> String {
    let mut stream = TcpStream::connect(server.address())
        .await
        .expect("the server accepts the connection");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request is written");
    let (response, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    response.lines().next().unwrap_or_default().to_owned()
}

/// A server with a header read timeout of `ms` milliseconds, and a fresh connection to it.
async fn connected_with_header_read_timeout(ms: u64) -> (MockServer, TcpStream) {
    let server = MockServer::builder()
        .header_read_timeout(Duration::from_millis(ms))
        .start()
        .await;
    let stream = TcpStream::connect(server.address())
        .await
        .expect("the server accepts the connection");
    (server, stream)
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_once_the_header_read_timeout_passes() {
    let (_server, mut stream) = connected_with_header_read_timeout(300).await;
    stream
        .write_all(b"GET /voice-ai/agents HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("the partial head is written");
    let started = Instant::now();

    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;

    assert!(closed, "the half-sent request is still open after 5 s");
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_once_the_header_read_timeout_passes() {
    let (_server, mut stream) = connected_with_header_read_timeout(300).await;

    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;

    assert!(closed, "the silent connection is still open after 5 s");
}

#[tokio::test]
async fn a_kept_alive_connection_left_idle_after_a_request_is_closed_once_the_header_read_timeout_passes()
 {
    let (_server, mut stream) = connected_with_header_read_timeout(300).await;
    stream
        .write_all(b"GET /voice-ai/agents HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("the request is written");
    let mut buffer = [0u8; 4096];
    let n = stream.read(&mut buffer).await.expect("an answer");
    assert!(buffer[..n].starts_with(b"HTTP/1.1 "), "no answer");
    let answered = Instant::now();

    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;

    assert!(
        closed,
        "the idle kept-alive connection is still open after 5 s"
    );
    assert!(answered.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn a_request_answered_slower_than_the_header_read_timeout_is_not_cut_off() {
    let server = MockServer::builder()
        .header_read_timeout(Duration::from_millis(200))
        .start()
        .await;
    let mut slow = mock_server::FaultRule::new();
    slow.latency = Some(mock_server::Latency::Fixed(Duration::from_millis(700)));
    server.state().add_fault(slow);
    let started = Instant::now();

    let line = status_line(
        &server,
        "GET /voice-ai/agents HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;

    assert!(line.starts_with("HTTP/1.1 401"), "{line:?}");
    assert!(started.elapsed() >= Duration::from_millis(650));
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_once_the_body_read_timeout_passes() {
    let server = MockServer::builder()
        .body_read_timeout(Duration::from_millis(300))
        .start()
        .await;
    let request = format!(
        "POST /voice-ai/agents?locationId={} HTTP/1.1\r\nHost: x\r\nVersion: 2021-04-15\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"agent",
        server.location_id(),
        server.dev_token()
    );

    let line = status_line(&server, &request).await;

    assert!(line.starts_with("HTTP/1.1 408"), "{line:?}");
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_without_waiting_for_it() {
    let server = MockServer::start().await;
    let request = "POST /voice-ai/agents HTTP/1.1\r\nHost: x\r\nVersion: 2021-04-15\r\n\
                   Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n";
    let started = Instant::now();

    let line = status_line(&server, request).await;

    assert!(line.starts_with("HTTP/1.1 413"), "{line:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn new_clients_are_answered_while_the_connection_cap_is_full_of_silent_sockets() {
    let server = MockServer::builder()
        .max_connections(8)
        .header_read_timeout(Duration::from_secs(60))
        .start()
        .await;
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(
            TcpStream::connect(server.address())
                .await
                .expect("the server accepts the connection"),
        );
    }

    let line = status_line(
        &server,
        "GET /voice-ai/agents HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;

    assert!(line.starts_with("HTTP/1.1 "), "no answer: {line:?}");
    let mut closed = 0;
    for stream in &mut silent {
        if read_until_closed(stream, Duration::from_millis(200))
            .await
            .1
        {
            closed += 1;
        }
    }
    assert!(
        closed >= 12,
        "only {closed} of 20 silent sockets were closed at a cap of 8"
    );
}

#[tokio::test]
async fn request_headers_larger_than_the_read_buffer_are_refused_with_431() {
    let server = MockServer::start().await;
    let padding = "a".repeat(100 * 1024);
    let request = format!(
        "GET /voice-ai/agents HTTP/1.1\r\nHost: x\r\nX-Padding: {padding}\r\nConnection: close\r\n\r\n"
    );

    let line = status_line(&server, &request).await;

    assert!(line.starts_with("HTTP/1.1 431"), "{line:?}");
}

#[tokio::test]
async fn unauthenticated_large_bodies_keep_the_journal_within_a_few_kilobytes_each() {
    let server = MockServer::start().await;
    let body = format!("{{\"agentName\":\"{}\"}}", "x".repeat(900 * 1024));
    for _ in 0..50 {
        let request = format!(
            "POST /voice-ai/agents HTTP/1.1\r\nHost: x\r\nVersion: 2021-04-15\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let line = status_line(&server, &request).await;
        assert!(line.starts_with("HTTP/1.1 401"), "{line:?}");
    }

    let received = server.received_requests();

    assert_eq!(received.len(), 50);
    let kept: usize = received.iter().map(|r| r.body.len()).sum();
    assert!(kept <= 50 * 1024, "the journal kept {kept} body bytes");
}

#[tokio::test]
async fn a_body_past_the_body_budget_waits_until_the_buffered_one_is_done() {
    let server = MockServer::builder()
        .body_budget_bytes(1024 * 1024)
        .body_read_timeout(Duration::from_millis(600))
        .start()
        .await;
    let head = |length: usize| {
        format!(
            "POST /voice-ai/agents HTTP/1.1\r\nHost: x\r\nVersion: 2021-04-15\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
        )
    };
    let mut stalled = TcpStream::connect(server.address())
        .await
        .expect("the server accepts the connection");
    stalled
        .write_all(format!("{}{{\"agent", head(900_000)).as_bytes())
        .await
        .expect("the head and a few body bytes are written");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();

    let body = "x".repeat(900_000);
    let line = status_line(&server, &format!("{}{body}", head(900_000))).await;

    assert!(line.starts_with("HTTP/1.1 4"), "{line:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "answered after {:?}, while the stalled upload still held the budget",
        started.elapsed()
    );
    let (stalled_response, _) = read_until_closed(&mut stalled, Duration::from_secs(5)).await;
    assert!(
        stalled_response.starts_with("HTTP/1.1 408"),
        "{stalled_response:?}"
    );
}
