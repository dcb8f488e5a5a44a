//! `highlevel-mock --call-logs N`, run as a child process.

use crate::process::{Running, command};

#[test]
fn the_binary_generates_the_requested_number_of_call_logs_at_start() {
    let mock = Running::spawn(command(&[
        "--port",
        "0",
        "--token",
        "pit-call-logs",
        "--call-logs",
        "250",
    ]));
    let (address, location) = (&mock.address, mock.banner_value("location id:"));
    let response = mock.exchange(&format!(
        "GET /voice-ai/dashboard/call-logs?locationId={location}&pageSize=1 HTTP/1.1\r\nHost: {address}\r\n\
         Version: 2021-04-15\r\nAuthorization: Bearer pit-call-logs\r\nConnection: close\r\n\r\n"
    ));
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .expect("a body after the headers");
    let json: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(json["total"], 251, "250 generated and the demo's own log");
}
