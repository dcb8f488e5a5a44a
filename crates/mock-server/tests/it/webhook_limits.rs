//! Webhook limits (issue 12, items 4 and 5): a bounded retry policy, deliveries cancelled by
//! unsubscribe, journal clearing and reset, and the rule for which targets may be subscribed.
//!
//! No test here ever fires an event at a refused target: subscriptions to link-local or metadata
//! addresses are only created (or refused), never delivered to.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Method, Request, StatusCode};
use axum::routing::post;
use mock_server::{Fixtures, MockServer, WebhookRetryPolicy};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::support::{Harness, Reply, send_to};

async fn admin(h: &Harness, method: Method, path: &str, body: Option<Value>) -> Reply {
    let builder = Request::builder().method(method).uri(path);
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("a valid request");
    send_to(&h.state, request).await
}

/// `POST /__mock/webhooks/subscriptions` with `url`.
async fn subscribe(h: &Harness, url: &str) -> Reply {
    admin(
        h,
        Method::POST,
        "/__mock/webhooks/subscriptions",
        Some(json!({"url": url})),
    )
    .await
}

fn problems(reply: &Reply) -> Vec<String> {
    reply.body["message"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|m| m.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A receiver on 127.0.0.1:0 that answers every delivery 500; its URL and its hit counter.
async fn failing_receiver() -> (String, Arc<AtomicUsize>) {
    async fn refuse(State(hits): State<Arc<AtomicUsize>>) -> StatusCode {
        hits.fetch_add(1, Ordering::SeqCst);
        StatusCode::INTERNAL_SERVER_ERROR
    }
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
    let address = listener.local_addr().expect("an address");
    let app = Router::new()
        .route("/hook", post(refuse))
        .with_state(hits.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}/hook"), hits)
}

/// A demo server whose one subscriber always fails, retried every 20 ms up to 20 times, with a
/// call simulated and its first attempts made.
async fn storm() -> (Harness, Arc<AtomicUsize>) {
    let (url, hits) = failing_receiver().await;
    let h = Harness::with(MockServer::builder().fixtures(Fixtures::demo(1)));
    let policy = admin(
        &h,
        Method::PUT,
        "/__mock/webhooks/retry-policy",
        Some(json!({"maxAttempts": 20, "initialDelayMs": 20, "maxDelayMs": 20})),
    )
    .await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.body);
    let added = subscribe(&h, &url).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let (_, agents) = h.state.store().voice_list_agents(&h.loc(), None, 1, 1);
    let call = admin(
        &h,
        Method::POST,
        "/__mock/calls",
        Some(json!({"agentId": agents[0]["id"]})),
    )
    .await;
    assert_eq!(call.status, StatusCode::CREATED, "{}", call.body);
    for _ in 0..100 {
        if hits.load(Ordering::SeqCst) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(hits.load(Ordering::SeqCst) >= 2, "the retries started");
    (h, hits)
}

/// The receiver's hit count after the deliveries had `settle` to go on (they would make about
/// `settle / 20 ms` more attempts if nothing stopped them).
async fn hits_after(hits: &AtomicUsize, settle: Duration) -> (usize, usize) {
    tokio::time::sleep(Duration::from_millis(40)).await;
    let before = hits.load(Ordering::SeqCst);
    tokio::time::sleep(settle).await;
    (before, hits.load(Ordering::SeqCst))
}

#[tokio::test]
async fn an_absurd_retry_policy_is_refused_with_422_naming_each_bound() {
    let h = Harness::new();
    let before = h.state.webhook_retry_policy();
    let cases = [
        (
            json!({"maxAttempts": 1_000_000_000u64, "initialDelayMs": 0}),
            "maxAttempts must not be greater than 20",
        ),
        (
            json!({"maxAttempts": 1e9}),
            "maxAttempts must not be greater than 20",
        ),
        (
            json!({"maxAttempts": 0}),
            "maxAttempts must not be less than 1",
        ),
        (
            json!({"initialDelayMs": 86_400_000u64}),
            "initialDelayMs must not be greater than 60000",
        ),
        (
            json!({"maxDelayMs": 1_000_000_000_000u64}),
            "maxDelayMs must not be greater than 300000",
        ),
        (json!({"timeoutMs": 0}), "timeoutMs must not be less than 1"),
        (
            json!({"initialDelayMs": -5}),
            "initialDelayMs must not be less than 0",
        ),
        (
            json!({"maxDelayMs": 2.5}),
            "maxDelayMs must be a whole number",
        ),
        (
            json!({"timeoutMs": 3_600_000u64}),
            "timeoutMs must not be greater than 60000",
        ),
    ];
    for (body, expected) in cases {
        let reply = admin(
            &h,
            Method::PUT,
            "/__mock/webhooks/retry-policy",
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            reply.body
        );
        assert!(
            problems(&reply).iter().any(|p| p == expected),
            "{body}: {}",
            reply.body
        );
    }
    assert_eq!(h.state.webhook_retry_policy(), before, "nothing changed");
    let whole = admin(
        &h,
        Method::PUT,
        "/__mock/webhooks/retry-policy",
        Some(json!({"maxAttempts": 3.0, "maxDelayMs": 300_000})),
    )
    .await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.body);
    assert_eq!(h.state.webhook_retry_policy().max_attempts, 3);
    assert_eq!(
        h.state.webhook_retry_policy().max_delay,
        Duration::from_secs(300)
    );
}

#[tokio::test]
async fn a_retry_policy_beyond_the_bounds_given_in_process_is_clamped_to_them() {
    let state = MockServer::builder()
        .webhook_retry(WebhookRetryPolicy {
            max_attempts: 1_000_000_000,
            initial_delay: Duration::ZERO,
            max_delay: Duration::from_secs(86_400),
            timeout: Duration::from_secs(86_400),
        })
        .build_state();
    let policy = state.webhook_retry_policy();
    assert_eq!(policy.max_attempts, 20);
    assert_eq!(policy.max_delay, Duration::from_secs(300));
    assert_eq!(policy.timeout, Duration::from_secs(60));
    state.set_webhook_retry_policy(WebhookRetryPolicy {
        max_attempts: u32::MAX,
        ..Default::default()
    });
    assert_eq!(state.webhook_retry_policy().max_attempts, 20);
}

/// Starts a retry storm, sends the admin call `call` names (it sees the storm's harness), checks
/// it answers 200 and that no attempt reaches the receiver afterwards (`what` names the call in
/// the failure message); returns the harness for the caller's own assertions.
async fn storm_stopped_by(
    what: &str,
    call: impl FnOnce(&Harness) -> (Method, &'static str, Option<Value>),
) -> Harness {
    let (h, hits) = storm().await;
    let (method, path, body) = call(&h);
    let reply = admin(&h, method, path, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.body);
    let (before, after) = hits_after(&hits, Duration::from_millis(300)).await;
    assert_eq!(before, after, "no attempt after {what}");
    h
}

/// The first delivery is finished, undelivered (it was cancelled, not completed).
fn first_delivery_cancelled(h: &Harness) {
    let delivery = &h.state.webhook_deliveries()[0];
    assert!(delivery.finished && !delivery.delivered, "{delivery:?}");
}

#[tokio::test]
async fn unsubscribing_cancels_the_deliveries_in_flight() {
    let h = storm_stopped_by("the unsubscribe", |_| {
        (Method::DELETE, "/__mock/webhooks/subscriptions/sub-1", None)
    })
    .await;
    first_delivery_cancelled(&h);
    let listed = admin(&h, Method::GET, "/__mock/webhooks/deliveries", None).await;
    assert_eq!(
        listed.body["deliveries"][0]["cancelled"], true,
        "{}",
        listed.body
    );
}

#[tokio::test]
async fn a_reset_cancels_the_deliveries_in_flight() {
    let h = storm_stopped_by("the reset", |_| (Method::POST, "/__mock/reset", None)).await;
    let deliveries = h.state.webhook_deliveries();
    assert!(deliveries.is_empty(), "{deliveries:?}");
}

#[tokio::test]
async fn clearing_the_journal_cancels_the_deliveries_it_lists() {
    let h = storm_stopped_by("the journal was cleared", |_| {
        (Method::DELETE, "/__mock/journal", None)
    })
    .await;
    let deliveries = h.state.webhook_deliveries();
    assert!(deliveries.is_empty(), "{deliveries:?}");
}

#[tokio::test]
async fn an_import_that_drops_a_subscription_cancels_its_deliveries_in_flight() {
    let h = storm_stopped_by("the import dropped the subscription", |h| {
        let mut document = h.state.export_state();
        document["webhookSubscriptions"] = json!([]);
        (Method::PUT, "/__mock/state", Some(document))
    })
    .await;
    first_delivery_cancelled(&h);
}

#[tokio::test]
async fn link_local_and_cloud_metadata_targets_are_refused_with_422() {
    let h = Harness::new();
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.10.1:8080/hook",
        "http://[fe80::1]/hook",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.google.internal./computeMetadata/v1/",
        "http://100.100.100.200/latest/meta-data/",
        // 169.254.169.254 spelled as one decimal number, in hex and in octal.
        "http://2852039166/",
        "http://0xa9fea9fe/",
        "http://0251.0376.0251.0376/",
    ] {
        let reply = subscribe(&h, url).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            reply.body
        );
        assert!(
            problems(&reply)
                .iter()
                .any(|p| p.contains("--webhook-allow-any")),
            "{url}: {}",
            reply.body
        );
    }
    assert!(h.state.webhook_subscriptions().is_empty());
}

#[tokio::test]
async fn credentials_in_a_webhook_url_are_refused_without_echoing_them() {
    let h = Harness::new();
    for url in [
        "http://user:hunter2@127.0.0.1:9/hook",
        "http://hunter2@127.0.0.1:9/hook",
    ] {
        let reply = subscribe(&h, url).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            reply.body
        );
        assert!(
            problems(&reply).iter().any(|p| p.contains("credentials")),
            "{}",
            reply.body
        );
        assert!(
            !reply.body.to_string().contains("hunter2"),
            "{}",
            reply.body
        );
    }
    assert!(h.state.webhook_subscriptions().is_empty());
}

#[tokio::test]
async fn loopback_private_and_compose_service_targets_stay_allowed() {
    let h = Harness::new();
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://[::1]:9/hook",
        "http://10.0.0.5/hook",
        "http://172.18.0.3:8080/hook",
        "http://192.168.1.10/hook",
        "http://receiver:8080/hook",
    ] {
        let reply = subscribe(&h, url).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{url}: {}", reply.body);
    }
}

#[tokio::test]
async fn an_unsupported_scheme_is_named_with_the_allowed_one() {
    let h = Harness::new();
    for (url, scheme) in [
        ("gopher://127.0.0.1:70/_x", "gopher"),
        ("ftp://127.0.0.1/file", "ftp"),
        ("https://example.com/hook", "https"),
    ] {
        let reply = subscribe(&h, url).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            reply.body
        );
        assert_eq!(
            problems(&reply),
            vec![format!(
                "url scheme {scheme} is not supported (allowed: http): {url}"
            )],
            "{}",
            reply.body
        );
    }
}

#[tokio::test]
async fn with_allow_any_refused_targets_and_credentials_may_be_subscribed_but_not_other_schemes() {
    let h = Harness::with(MockServer::builder().webhook_allow_any(true));
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://metadata.google.internal/",
        "http://user:pass@127.0.0.1:9/hook",
    ] {
        let reply = subscribe(&h, url).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{url}: {}", reply.body);
    }
    let gopher = h.state.add_webhook_subscription("gopher://127.0.0.1:70/_x");
    assert!(gopher.is_err());
    h.state.reset();
}

#[test]
fn the_binary_refuses_a_refused_webhook_url_and_an_unbounded_retry_flag_at_start() {
    let bin = env!("CARGO_BIN_EXE_highlevel-mock");
    for args in [
        vec!["--webhook-url", "http://169.254.169.254/latest/meta-data/"],
        vec!["--webhook-max-attempts", "1000000000"],
        vec!["--webhook-retry-delay-ms", "86400000"],
    ] {
        let output = std::process::Command::new(bin)
            .args(["--port", "0", "--empty"])
            .args(&args)
            .env("RUST_LOG", "warn")
            .output()
            .expect("the binary runs");
        assert!(!output.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(args[0]), "{args:?}: {stderr}");
        assert!(
            output.stdout.is_empty(),
            "{args:?}: it never started serving"
        );
    }
}
