//! Exit codes per error class, with the vendor's message and what to do on stderr.

use serde_json::json;

use crate::support::Mock;

#[test]
fn a_refused_token_exits_3_and_says_what_to_do() {
    let mock = Mock::start();
    let run = mock.run_with(
        &["voice-ai", "agents", "list"],
        &[("HIGHLEVEL_TOKEN", "pit-not-a-real-token")],
        None,
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("HIGHLEVEL_TOKEN"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("pit-not-a-real-token"),
        "{}",
        run.stderr
    );

    let none = mock.run_with(
        &["voice-ai", "agents", "list"],
        &[("HIGHLEVEL_TOKEN", "")],
        None,
    );
    assert_eq!(none.code, 3, "{}", none.stderr);
    assert!(none.stderr.contains("no credentials"), "{}", none.stderr);
}

#[test]
fn an_unknown_id_exits_4_with_the_vendor_s_message() {
    let mock = Mock::start();
    let run = mock.run(&[
        "voice-ai",
        "agents",
        "get",
        "--agent-id",
        "000000000000000000000000",
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("Agent not found"), "{}", run.stderr);
}

#[test]
fn invalid_input_exits_5_naming_the_field() {
    let mock = Mock::start();
    // A parameter out of bounds: the client refuses it and nothing is sent.
    let client_side = mock.run(&["voice-ai", "agents", "list", "--page-size", "500"]);
    assert_eq!(client_side.code, 5, "{}", client_side.stderr);
    assert!(
        client_side.stderr.contains("`pageSize` must be at most 50"),
        "{}",
        client_side.stderr
    );
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
    // A body field out of bounds: HighLevel's 422, with its message.
    let server_side = mock.run(&["voice-ai", "agents", "create", "--max-call-duration", "5"]);
    assert_eq!(server_side.code, 5, "{}", server_side.stderr);
    assert!(
        server_side
            .stderr
            .contains("maxCallDuration must not be less than 180"),
        "{}",
        server_side.stderr
    );
    let bad_body = mock.run(&[
        "voice-ai",
        "agents",
        "patch",
        "--agent-id",
        "x",
        "--body",
        "[1, 2",
    ]);
    assert_eq!(bad_body.code, 5, "{}", bad_body.stderr);
}

#[test]
fn rate_limits_exit_6_and_server_failures_exit_7() {
    let mock = Mock::start();
    mock.fault(json!({"path": "/voice-ai/agents", "status": 429}));
    let limited = mock.run(&["--retries", "0", "voice-ai", "agents", "list"]);
    assert_eq!(limited.code, 6, "{}", limited.stderr);

    mock.admin("DELETE", "/__mock/faults", None);
    mock.fault(json!({"pathPrefix": "/conversation-ai/", "status": 500}));
    let failed = mock.run(&["--retries", "0", "conversation-ai", "agents", "search"]);
    assert_eq!(failed.code, 7, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("Internal server error"),
        "{}",
        failed.stderr
    );
}

#[test]
fn an_unreachable_server_exits_8() {
    let mock = Mock::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}", closed.local_addr().expect("an address"));
    drop(closed);
    let run = mock.run(&[
        "--retries",
        "0",
        "--base-url",
        &url,
        "voice-ai",
        "agents",
        "list",
    ]);
    assert_eq!(run.code, 8, "{}", run.stderr);
}
