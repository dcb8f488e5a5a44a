//! The journal's redaction of credential-bearing headers (issue 12, item 8).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use mock_server::{HeaderCapture, MockServer};

use crate::support::{Harness, send_to};

#[tokio::test]
async fn the_journal_redacts_every_credential_bearing_header_even_with_full_capture() {
    let h = Harness::with(MockServer::builder().journal_capture(HeaderCapture::Full));
    let secrets = [
        ("Cookie", "session=cookie-secret-1"),
        ("Proxy-Authorization", "Basic cHJveHktc2VjcmV0LTI="),
        ("X-Api-Key", "api-key-secret-3"),
        ("X-Auth-Token", "auth-token-secret-4"),
        ("X-Amz-Security-Token", "amz-secret-5"),
        ("Api-Key", "api-key-secret-6"),
        ("X-Client-Secret", "client-secret-7"),
    ];
    let mut request = h
        .request(Method::GET, "/conversation-ai/agents/search")
        .header("X-Trace", "kept-in-clear");
    for (name, value) in secrets {
        request = request.header(name, value);
    }
    let sent = send_to(
        &h.state,
        request.body(Body::empty()).expect("a valid request"),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);

    let journal = send_to(
        &h.state,
        Request::get("/__mock/journal")
            .body(Body::empty())
            .expect("a valid request"),
    )
    .await;
    let shown = journal.body.to_string();
    for (name, value) in secrets {
        assert!(!shown.contains(value), "{name} leaked: {shown}");
        let header = &journal.body["requests"][0]["headers"][name.to_ascii_lowercase()];
        assert!(
            header.as_str().is_some_and(|v| v.contains("<redacted>")),
            "{name}: {shown}"
        );
    }
    assert!(!shown.contains(h.state.dev_token()));
    assert_eq!(
        journal.body["requests"][0]["headers"]["x-trace"],
        "kept-in-clear"
    );
    let entries = h.state.journal_entries();
    assert_eq!(
        entries[0]
            .headers
            .iter()
            .filter(|(_, v)| v.contains("<redacted>"))
            .count(),
        8
    );
}
