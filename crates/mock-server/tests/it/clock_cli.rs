//! `highlevel-mock --clock`, run as a child process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_highlevel-mock");

/// Kills the child when dropped, so a failing assertion never leaves a server running.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `args` and returns it with its address.
fn start(args: &[&str]) -> (KillOnDrop, String) {
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args(["--port", "0", "--token", "pit-clock"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout is piped");
    let first = BufReader::new(stdout)
        .lines()
        .next()
        .expect("a first line")
        .expect("a line of output");
    let address = first
        .rsplit("http://")
        .next()
        .expect("the first line names the base URL")
        .to_owned();
    (child, address)
}

/// The raw body of `GET target` (with the dev token).
fn get_body(address: &str, target: &str) -> String {
    let mut stream = TcpStream::connect(address).expect("the server accepts connections");
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {address}\r\nVersion: 2021-04-15\r\n\
         Authorization: Bearer pit-clock\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .expect("the request is written");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("the response is read");
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
        let (child, address) = start(&["--clock", "2026-03-02T09:00:00Z", "--call-logs", "200"]);
        let clock = get_body(&address, "/__mock/clock");
        assert!(
            clock.contains(r#""mode":"frozen""#) && clock.contains("2026-03-02T09:00:00.000Z"),
            "{clock}"
        );
        bodies.push(get_body(&address, target));
        drop(child);
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
