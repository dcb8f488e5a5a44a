//! The `highlevel-mock` binary, run as a child process.

use std::process::{Command, Stdio};

use crate::process::{BIN, Running, command};

#[test]
fn the_binary_serves_the_demo_data_and_prints_how_to_reach_it() {
    let mock = Running::spawn(command(&[
        "--port",
        "0",
        "--token",
        "pit-cli-test",
        "--location-id",
        "cliLocation000000001",
        "--rate-limit",
        "100",
    ]));
    let lines = &mock.banner;
    assert!(lines[1].ends_with("pit-cli-test"), "{lines:?}");
    assert!(lines[2].ends_with("cliLocation000000001"), "{lines:?}");
    assert!(
        lines
            .last()
            .is_some_and(|l| l.ends_with(&format!("http://{}/__mock/ui", mock.address))),
        "the banner names the dashboard: {lines:?}"
    );

    let address = &mock.address;
    let response = mock.exchange(&format!(
        "GET /voice-ai/agents?locationId=cliLocation000000001 HTTP/1.1\r\nHost: {address}\r\nVersion: v3\r\n\
         Authorization: Bearer pit-cli-test\r\nConnection: close\r\n\r\n"
    ));
    drop(mock);
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("\"total\":3"), "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("x-ratelimit-max: 100"),
        "{response}"
    );
}

#[test]
fn the_binary_refuses_an_invalid_fixtures_file_naming_the_problem() {
    let path = std::env::temp_dir().join(format!(
        "mock-server-bad-fixtures-{}.json",
        std::process::id()
    ));
    std::fs::write(&path, r#"{"voiceAgents": [{"agentName": 5}]}"#)
        .expect("the temp file is written");
    let output = Command::new(BIN)
        .args(["--port", "0", "--fixtures"])
        .arg(&path)
        .output()
        .expect("the binary runs");
    let _ = std::fs::remove_file(&path);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("voiceAgents.0: agentName must be a string"),
        "{stderr}"
    );
}

/// Starts the binary with `args`, waits for its banner and returns what it wrote to stderr by then.
fn stderr_at_start(args: &[&str]) -> String {
    let mut command = command(args);
    command.stderr(Stdio::piped());
    Running::spawn(command).kill_and_read_stderr()
}

#[test]
fn binding_a_non_loopback_address_warns_that_the_admin_api_is_open() {
    let stderr = stderr_at_start(&["--bind", "0.0.0.0", "--port", "0"]);

    assert!(stderr.contains("admin API"), "{stderr}");
    assert!(stderr.contains("0.0.0.0"), "{stderr}");
}

#[test]
fn binding_loopback_prints_no_admin_api_warning() {
    let stderr = stderr_at_start(&["--port", "0"]);

    assert!(!stderr.contains("admin API"), "{stderr}");
}

/// The stderr of the binary (started with `extra` flags and no `RUST_LOG`) after one request
/// to `path` and a kill.
fn stderr_after_one_request(extra: &[&str], path: &str) -> String {
    let mut args = vec!["--port", "0"];
    args.extend_from_slice(extra);
    let mut command = command(&args);
    command.env_remove("RUST_LOG").stderr(Stdio::piped());
    let mut mock = Running::spawn(command);
    let address = mock.address.clone();
    let response = mock.exchange(&format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    ));
    assert!(response.starts_with("HTTP/1.1 "), "{response}");
    mock.kill_and_read_stderr()
}

#[test]
fn request_lines_are_logged_only_with_log_requests() {
    let path = "/voice-ai/agents/logLineProbe";
    let quiet = stderr_after_one_request(&[], path);
    assert!(!quiet.contains(path), "no request line by default: {quiet}");

    let logged = stderr_after_one_request(&["--log-requests"], path);
    let line = logged
        .lines()
        .find(|line| line.contains(path))
        .unwrap_or_else(|| panic!("a request line names the path: {logged}"));
    assert!(line.contains("status=401"), "{line}");
    assert!(line.contains("method=GET"), "{line}");
}
