//! The admin API's guard (issue 12, item 3): non-JSON bodies get 415, a cross-site `Origin` gets
//! 403, and an optional admin token makes every admin route need `Authorization: Bearer <it>`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use mock_server::{Fixtures, MockServer};
use serde_json::{Value, json};

use crate::support::{Harness, Reply, assert_error, send_to};

const BIN: &str = env!("CARGO_BIN_EXE_highlevel-mock");

fn demo() -> Harness {
    Harness::with(MockServer::builder().fixtures(Fixtures::demo(1)))
}

/// An admin request with these headers and body.
async fn admin(
    h: &Harness,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    send_to(
        &h.state,
        builder
            .body(Body::from(body.to_owned()))
            .expect("a valid request"),
    )
    .await
}

fn voice_agent_count(h: &Harness) -> u64 {
    h.state.store().voice_list_agents(&h.loc(), None, 1, 1).0 as u64
}

async fn add_agent(h: &Harness) {
    let created = h
        .post(
            &format!("/voice-ai/agents?locationId={}", h.loc()),
            json!({"locationId": h.loc(), "agentName": "Kept"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}

#[tokio::test]
async fn text_plain_and_form_bodies_on_admin_routes_get_415_and_change_nothing() {
    let h = demo();
    add_agent(&h).await;
    let cases: [(Method, &str, &str, &str); 5] = [
        (
            Method::POST,
            "/__mock/tokens",
            "text/plain",
            r#"{"token":"pit-evil"}"#,
        ),
        (
            Method::POST,
            "/__mock/tokens",
            "application/x-www-form-urlencoded",
            "token=pit-evil",
        ),
        (Method::POST, "/__mock/reset", "text/plain", "{}"),
        (
            Method::POST,
            "/__mock/webhooks/subscriptions",
            "multipart/form-data; boundary=x",
            "--x\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttp://127.0.0.1:9/\r\n--x--\r\n",
        ),
        (
            Method::PUT,
            "/__mock/state",
            "text/plain",
            r#"{"version":1}"#,
        ),
    ];
    for (method, path, content_type, body) in cases {
        let reply = admin(
            &h,
            method.clone(),
            path,
            &[("Content-Type", content_type)],
            body,
        )
        .await;
        assert_error(
            &reply,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!("Content-Type must be application/json"),
        );
        let _ = (method, path);
    }
    // A body with no Content-Type at all is not JSON either.
    let untyped = admin(
        &h,
        Method::POST,
        "/__mock/tokens",
        &[],
        r#"{"token":"pit-evil"}"#,
    )
    .await;
    assert_eq!(
        untyped.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        untyped.body
    );

    assert!(
        !h.state
            .registered_tokens()
            .iter()
            .any(|t| t.token == "pit-evil")
    );
    assert_eq!(voice_agent_count(&h), 4, "the reset was refused");
    assert!(h.state.webhook_subscriptions().is_empty());
}

#[tokio::test]
async fn json_bodies_and_bodiless_admin_calls_are_still_accepted() {
    let h = demo();
    let typed = admin(
        &h,
        Method::POST,
        "/__mock/tokens",
        &[("Content-Type", "application/json; charset=utf-8")],
        r#"{"token":"pit-json"}"#,
    )
    .await;
    assert_eq!(typed.status, StatusCode::CREATED, "{}", typed.body);
    let suffixed = admin(
        &h,
        Method::PUT,
        "/__mock/rate-limit",
        &[("Content-Type", "application/merge-patch+json")],
        r#"{"enabled":false}"#,
    )
    .await;
    assert_eq!(suffixed.status, StatusCode::OK, "{}", suffixed.body);
    let bodiless = admin(&h, Method::POST, "/__mock/reset", &[], "").await;
    assert_eq!(bodiless.status, StatusCode::OK, "{}", bodiless.body);
}

#[tokio::test]
async fn a_cross_site_origin_gets_403_and_changes_nothing() {
    let h = demo();
    add_agent(&h).await;
    let json = ("Content-Type", "application/json");
    let cross_site: [Vec<(&str, &str)>; 5] = [
        vec![json, ("Origin", "https://evil.example")],
        vec![json, ("Origin", "null")],
        vec![
            json,
            ("Origin", "http://127.0.0.1.evil.example:8080"),
            ("Host", "127.0.0.1:8080"),
        ],
        vec![json, ("Sec-Fetch-Site", "cross-site")],
        // DNS rebinding: the page's name now points at 127.0.0.1, so Origin and Host agree, but
        // they name no loopback address.
        vec![
            json,
            ("Origin", "http://evil.example:8080"),
            ("Host", "evil.example:8080"),
        ],
    ];
    for headers in cross_site {
        let reply = admin(&h, Method::POST, "/__mock/reset", &headers, "{}").await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{headers:?}: {}",
            reply.body
        );
        assert_eq!(reply.body["statusCode"], 403, "{}", reply.body);
        assert_eq!(reply.body["error"], "Forbidden", "{}", reply.body);
        assert!(
            reply.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("cross-site")),
            "{}",
            reply.body
        );
    }
    let token = admin(
        &h,
        Method::POST,
        "/__mock/tokens",
        &[json, ("Origin", "https://evil.example")],
        r#"{"token":"pit-evil"}"#,
    )
    .await;
    assert_eq!(token.status, StatusCode::FORBIDDEN, "{}", token.body);
    assert!(
        !h.state
            .registered_tokens()
            .iter()
            .any(|t| t.token == "pit-evil")
    );
    assert_eq!(voice_agent_count(&h), 4, "no reset went through");
}

#[tokio::test]
async fn same_origin_loopback_origins_and_clients_without_origin_are_allowed() {
    let h = demo();
    let json = ("Content-Type", "application/json");
    let allowed: [Vec<(&str, &str)>; 5] = [
        vec![json],
        vec![
            json,
            ("Origin", "http://127.0.0.1:8080"),
            ("Host", "127.0.0.1:8080"),
        ],
        vec![
            json,
            ("Origin", "http://localhost:3000"),
            ("Host", "127.0.0.1:8080"),
        ],
        vec![
            json,
            ("Origin", "http://[::1]:5173"),
            ("Host", "[::1]:8080"),
        ],
        vec![
            json,
            ("Origin", "http://192.168.1.20:8080"),
            ("Host", "192.168.1.20:8080"),
        ],
    ];
    for headers in allowed {
        let reply = admin(&h, Method::POST, "/__mock/reset", &headers, "{}").await;
        assert_eq!(reply.status, StatusCode::OK, "{headers:?}: {}", reply.body);
    }
}

/// A spawned `highlevel-mock`, killed when dropped, and its `host:port`.
struct Spawned(Child, String);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> Spawned {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--token", "pit-guard-cli", "--empty"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let first = BufReader::new(stdout).lines().next();
    let Some(Ok(line)) = first else {
        let mut stderr = String::new();
        if let Some(mut err) = child.stderr.take() {
            let _ = err.read_to_string(&mut stderr);
        }
        panic!("the binary printed no address; stderr: {stderr}");
    };
    let address = line
        .rsplit("http://")
        .next()
        .expect("the base URL")
        .to_owned();
    Spawned(child, address)
}

/// One raw exchange; the status code and the JSON body.
fn exchange(address: &str, method: &str, path: &str, authorization: Option<&str>) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).expect("connected");
    let auth = authorization.map_or_else(String::new, |a| format!("Authorization: {a}\r\n"));
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("written");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = response
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

#[test]
fn with_the_admin_token_flag_every_admin_route_needs_that_bearer_token() {
    let server = spawn(&["--admin-token", "adm-s3cret"]);
    let address = server.1.as_str();
    for (method, path) in [
        ("GET", "/__mock"),
        ("GET", "/__mock/state"),
        ("POST", "/__mock/reset"),
        ("GET", "/__mock/tokens"),
        ("DELETE", "/__mock/journal"),
    ] {
        let (status, body) = exchange(address, method, path, None);
        assert_eq!(status, 401, "{method} {path}: {body}");
        assert_eq!(body["error"], "Unauthorized", "{body}");
        let (status, _) = exchange(address, method, path, Some("Bearer pit-guard-cli"));
        assert_eq!(status, 401, "the API's dev token is not the admin token");
        let (status, _) = exchange(address, method, path, Some("Bearer adm-s3cret-not"));
        assert_eq!(status, 401);
        let (status, body) = exchange(address, method, path, Some("Bearer adm-s3cret"));
        assert_eq!(status, 200, "{method} {path}: {body}");
    }
    // The vendor routes keep their own tokens.
    let (status, _) = exchange(address, "GET", "/conversation-ai/agents/search", None);
    assert_eq!(status, 401);
}

#[test]
fn the_admin_token_may_come_from_the_environment() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--empty"])
        .env("RUST_LOG", "warn")
        .env("HIGHLEVEL_MOCK_ADMIN_TOKEN", "adm-from-env")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let line = BufReader::new(stdout)
        .lines()
        .next()
        .expect("a first line")
        .expect("readable");
    let server = Spawned(
        child,
        line.rsplit("http://")
            .next()
            .expect("the base URL")
            .to_owned(),
    );
    assert_eq!(exchange(&server.1, "GET", "/__mock/state", None).0, 401);
    let (status, _) = exchange(
        &server.1,
        "GET",
        "/__mock/state",
        Some("Bearer adm-from-env"),
    );
    assert_eq!(status, 200);
}

#[test]
fn without_the_admin_token_flag_admin_routes_need_no_token() {
    let server = spawn(&[]);
    let (status, body) = exchange(&server.1, "GET", "/__mock/state", None);
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_builder_s_admin_token_guards_every_route_and_the_handle_knows_it() {
    let server = MockServer::builder()
        .admin_token("adm-builder")
        .start()
        .await;
    assert_eq!(server.admin_token(), Some("adm-builder"));
    let h = Harness::with(MockServer::builder().admin_token("adm-builder"));
    let json = ("Content-Type", "application/json");
    let refused = admin(
        &h,
        Method::POST,
        "/__mock/tokens",
        &[json],
        r#"{"token":"pit-x"}"#,
    )
    .await;
    assert_error(
        &refused,
        StatusCode::UNAUTHORIZED,
        json!("The admin API needs Authorization: Bearer <admin token> (set with --admin-token)"),
    );
    let dev = format!("Bearer {}", h.state.dev_token());
    let with_dev = admin(
        &h,
        Method::GET,
        "/__mock/state",
        &[("Authorization", &dev)],
        "",
    )
    .await;
    assert_eq!(with_dev.status, StatusCode::UNAUTHORIZED);
    let unknown = admin(&h, Method::GET, "/__mock/nothing-here", &[], "").await;
    assert_eq!(
        unknown.status,
        StatusCode::UNAUTHORIZED,
        "unknown admin paths are guarded too"
    );
    let admitted = admin(
        &h,
        Method::POST,
        "/__mock/tokens",
        &[json, ("Authorization", "Bearer adm-builder")],
        r#"{"token":"pit-x"}"#,
    )
    .await;
    assert_eq!(admitted.status, StatusCode::CREATED, "{}", admitted.body);
    assert!(
        h.state
            .registered_tokens()
            .iter()
            .any(|t| t.token == "pit-x")
    );
    // The in-process twins need no token.
    h.state.reset();
    assert!(
        !h.state
            .registered_tokens()
            .iter()
            .any(|t| t.token == "pit-x")
    );
}

#[tokio::test]
async fn a_cross_site_origin_is_refused_even_with_the_admin_token() {
    let h = Harness::with(MockServer::builder().admin_token("adm-o"));
    let reply = admin(
        &h,
        Method::POST,
        "/__mock/reset",
        &[
            ("Origin", "https://evil.example"),
            ("Authorization", "Bearer adm-o"),
        ],
        "",
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
}
