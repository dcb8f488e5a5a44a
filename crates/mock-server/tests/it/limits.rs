//! Out-of-range integers in queries, and which requests spend the rate-limit budget.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use mock_server::testing::spec;
use mock_server::testing::spec::ParamIn;
use mock_server::{Api, MockServer, RateLimitConfig, TokenSpec};
use serde_json::{Value, json};

use crate::support::{Harness, VERSION, raw_response};

/// Every operation with integer query parameters, as `(path with the required parameters
/// filled in, the integer parameters' names)`, read from both specs.
fn integer_queries(location: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for api in [Api::VoiceAi, Api::ConversationAi] {
        let spec = spec::spec(api);
        for op in spec.operations().filter(|op| op.method == "GET") {
            let mut integers = Vec::new();
            let mut query = Vec::new();
            for param in &op.params {
                let schema = spec.resolve(&param.schema);
                let kind = schema.get("type").and_then(Value::as_str);
                match param.location {
                    ParamIn::Query if matches!(kind, Some("integer" | "number")) => {
                        integers.push(param.name.clone());
                    }
                    ParamIn::Query if param.required => {
                        query.push(format!("{}={location}", param.name));
                    }
                    _ => {}
                }
            }
            if integers.is_empty() {
                continue;
            }
            let path = op
                .path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "x" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            out.push((format!("{path}?{}", query.join("&")), integers));
        }
    }
    out
}

#[tokio::test]
async fn out_of_range_integers_in_every_integer_query_parameter_are_refused_with_422() {
    let h = Harness::with(MockServer::builder().voices(true));
    let operations = integer_queries(&h.loc());
    assert!(operations.len() >= 4, "{operations:?}");
    for value in [
        "1e20",
        "-1e20",
        "99999999999999999999",
        "-99999999999999999999",
    ] {
        for (path, integers) in &operations {
            let query: Vec<String> = integers.iter().map(|p| format!("{p}={value}")).collect();
            let uri = format!("{path}&{}", query.join("&"));

            let reply = h.get(&uri).await;

            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{uri}: {}",
                reply.body
            );
            let messages: Vec<&str> = reply.body["message"]
                .as_array()
                .expect("a list")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            for name in integers {
                let bound = if value.starts_with('-') {
                    "must not be less than"
                } else {
                    "must not be greater than"
                };
                assert!(
                    messages
                        .iter()
                        .any(|m| m.starts_with(&format!("{name} {bound}"))),
                    "{uri}: no bound message for {name} in {messages:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_page_of_1e20_is_refused_and_not_echoed_as_a_saturated_integer() {
    let h = Harness::new();

    let reply = h
        .get(&format!(
            "/voice-ai/dashboard/call-logs?locationId={}&page=1e20",
            h.loc()
        ))
        .await;

    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(
        reply.body["message"],
        json!(["page must not be greater than 2147483647"])
    );
}

fn limited(max: u32) -> Harness {
    Harness::with(
        MockServer::builder()
            .rate_limit(RateLimitConfig {
                max,
                interval: Duration::from_secs(60),
                daily: 1000,
            })
            .token(
                TokenSpec::location_pit("pit-no-scope", mock_server::DEFAULT_LOCATION_ID)
                    .with_scopes(Vec::<String>::new()),
            ),
    )
}

fn search(token: &str) -> Request<Body> {
    Request::get("/conversation-ai/agents/search")
        .header("Version", VERSION)
        .header("Authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("a valid request")
}

#[tokio::test]
async fn a_scope_less_token_gets_401_not_429_once_the_bucket_is_empty() {
    let h = limited(2);
    let dev = h.state.dev_token().to_owned();
    for _ in 0..2 {
        assert_eq!(
            raw_response(&h.state, search(&dev)).await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        raw_response(&h.state, search(&dev)).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    let refused = raw_response(&h.state, search("pit-no-scope")).await;

    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refused.headers()["x-ratelimit-max"], "2");
}

#[tokio::test]
async fn requests_refused_by_authentication_or_unknown_routes_spend_no_budget() {
    let h = limited(2);
    let dev = h.state.dev_token().to_owned();
    for _ in 0..5 {
        let refused = raw_response(&h.state, search("pit-no-scope")).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let unversioned = raw_response(
            &h.state,
            Request::get("/conversation-ai/agents/search")
                .header("Authorization", format!("Bearer {dev}"))
                .body(Body::empty())
                .expect("a valid request"),
        )
        .await;
        assert_eq!(unversioned.status(), StatusCode::UNAUTHORIZED);
        let unknown = raw_response(
            &h.state,
            h.request(Method::GET, "/conversation-ai/no-such-route")
                .body(Body::empty())
                .expect("a valid request"),
        )
        .await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    }

    let first = raw_response(&h.state, search(&dev)).await;

    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["x-ratelimit-remaining"], "1");
}

#[tokio::test]
async fn an_authenticated_request_refused_by_validation_spends_budget() {
    let h = limited(2);
    let invalid = raw_response(
        &h.state,
        h.request(Method::GET, "/conversation-ai/agents/search?limit=0")
            .body(Body::empty())
            .expect("a valid request"),
    )
    .await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.headers()["x-ratelimit-remaining"], "1");

    let next = raw_response(&h.state, search(h.state.dev_token())).await;

    assert_eq!(next.status(), StatusCode::OK);
    assert_eq!(next.headers()["x-ratelimit-remaining"], "0");
}
