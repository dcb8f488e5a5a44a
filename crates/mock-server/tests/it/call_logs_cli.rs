//! `highlevel-mock --call-logs N`, run as a child process.

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

#[test]
fn the_binary_generates_the_requested_number_of_call_logs_at_start() {
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args([
                "--port",
                "0",
                "--token",
                "pit-call-logs",
                "--call-logs",
                "250",
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout is piped");
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(3)
        .map(|l| l.expect("a line of output"))
        .collect();
    let address = lines[0]
        .rsplit("http://")
        .next()
        .expect("the first line names the base URL")
        .to_owned();
    let location = lines[2]
        .rsplit(' ')
        .next()
        .expect("the third line names the location")
        .to_owned();
    let mut stream = TcpStream::connect(&address).expect("the server accepts connections");
    let request = format!(
        "GET /voice-ai/dashboard/call-logs?locationId={location}&pageSize=1 HTTP/1.1\r\nHost: {address}\r\n\
         Version: 2021-04-15\r\nAuthorization: Bearer pit-call-logs\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .expect("the request is written");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("the response is read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .expect("a body after the headers");
    let json: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(json["total"], 251, "250 generated and the demo's own log");
}
