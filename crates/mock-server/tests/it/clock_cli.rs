//! `highlevel-mock --clock`, run as a child process.

use crate::process::{BIN, Running, command};
use std::process::Command;

/// Starts the binary with the test's token and `args`.
fn start(args: &[&str]) -> Running {
    let mut command = command(&["--port", "0", "--token", "pit-clock"]);
    command.args(args);
    Running::spawn(command)
}

/// The raw body of `GET target` (with the dev token).
fn get_body(mock: &Running, target: &str) -> String {
    let address = &mock.address;
    let response = mock.exchange(&format!(
        "GET {target} HTTP/1.1\r\nHost: {address}\r\nVersion: 2021-04-15\r\n\
         Authorization: Bearer pit-clock\r\nConnection: close\r\n\r\n"
    ));
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
        .split_once("\r\n\r\n")
        .expect("a body after the headers")
        .1
        .to_owned()
}

#[test]
fn two_runs_with_a_frozen_clock_answer_the_same_bytes() {
    let target = "/voice-ai/dashboard/call-logs?locationId=mockLocation00000001&pageSize=50\
                  &startDate=1769850000000&endDate=1772442000000";
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let mock = start(&["--clock", "2026-03-02T09:00:00Z", "--call-logs", "200"]);
        let clock = get_body(&mock, "/__mock/clock");
        assert!(
            clock.contains(r#""mode":"frozen""#) && clock.contains("2026-03-02T09:00:00.000Z"),
            "{clock}"
        );
        bodies.push(get_body(&mock, target));
        drop(mock);
    }
    let page: serde_json::Value = serde_json::from_str(&bodies[0]).expect("JSON");
    assert!(
        page["total"].as_u64().is_some_and(|t| t > 50),
        "the last 30 days before the frozen now: {page}"
    );
    assert_eq!(bodies[0], bodies[1]);
}

#[test]
fn the_binary_refuses_a_clock_that_is_neither_real_nor_an_instant() {
    let output = Command::new(BIN)
        .args(["--port", "0", "--clock", "yesterday"])
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("'yesterday' is neither 'real' nor an RFC 3339 instant"),
        "{stderr}"
    );
}
