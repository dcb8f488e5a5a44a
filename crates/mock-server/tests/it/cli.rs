//! The `highlevel-mock` binary, run as a child process.

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
fn the_binary_serves_the_demo_data_and_prints_how_to_reach_it() {
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args([
                "--port",
                "0",
                "--token",
                "pit-cli-test",
                "--location-id",
                "cliLocation000000001",
                "--rate-limit",
                "100",
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
    assert!(lines[1].ends_with("pit-cli-test"), "{lines:?}");
    assert!(lines[2].ends_with("cliLocation000000001"), "{lines:?}");

    let mut stream = TcpStream::connect(&address).expect("the server accepts connections");
    let request = format!(
        "GET /voice-ai/agents?locationId=cliLocation000000001 HTTP/1.1\r\nHost: {address}\r\nVersion: v3\r\n\
         Authorization: Bearer pit-cli-test\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .expect("the request is written");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("the response is read");
    drop(child);
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
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout is piped");
    let mut banner = String::new();
    BufReader::new(stdout)
        .read_line(&mut banner)
        .expect("the banner is printed");
    assert!(banner.contains("listening on"), "{banner:?}");
    let _ = child.0.kill();
    let _ = child.0.wait();
    let mut stderr = String::new();
    child
        .0
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut stderr)
        .expect("stderr is readable");
    stderr
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
