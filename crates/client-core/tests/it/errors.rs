//! `ApiError` and `RateLimit` from real responses and from progenitor errors.

use std::time::Duration;

use highlevel_client_core::{ApiError, ErrorKind, ErrorMessage, RateLimit, RetryPolicy};
use progenitor_client::{Error as ProgenitorError, ResponseValue};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::support::*;

/// Sends one GET that is answered with `reply`, and converts the response like a client would.
async fn error_from(reply: Reply, info: &progenitor_client::OperationInfo) -> ApiError {
    let server = TestServer::start(vec![reply]).await;
    let parts = parts_for(&server, RetryPolicy::none());
    let response = send(&parts, Method::GET, &server.url("/voice-ai/agents"), info)
        .await
        .expect("request completes");
    parts
        .runtime
        .error_for(
            info.operation_id,
            ProgenitorError::<()>::UnexpectedResponse(response),
        )
        .await
}

#[tokio::test]
async fn a_missing_scope_names_the_scope_the_operation_needs() {
    let error = error_from(
        Reply::json(
            401,
            r#"{"statusCode":401,"message":"The token is not authorized for this scope."}"#,
        ),
        &GET_AGENT,
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::MissingScope);
    let text = error.to_string();
    assert!(text.contains("`getAgent`"), "{text}");
    assert_eq!(error.operation(), Some("getAgent"));
    assert_eq!(error.method(), Some("GET"));
    assert_eq!(error.path(), Some("/voice-ai/agents/{agentId}"));
    assert!(text.contains("not authorized for this scope"), "{text}");
    assert!(
        text.contains("lacks the `voice-ai-agents.readonly` scope"),
        "{text}"
    );
}

#[tokio::test]
async fn a_missing_scope_without_a_known_operation_still_says_a_scope_is_missing() {
    let body = serde_json::json!({"statusCode":401,"message":"The token is not authorized for this scope."});
    let error = ApiError::from(ProgenitorError::ErrorResponse(ResponseValue::new(
        body,
        reqwest::StatusCode::UNAUTHORIZED,
        HeaderMap::new(),
    )));
    assert!(
        error
            .to_string()
            .contains("a scope this operation needs is missing"),
        "{error}"
    );
}

#[tokio::test]
async fn an_agency_token_on_a_location_endpoint_asks_for_a_sub_account_token() {
    for message in [
        "Token's user type mismatch!",
        "This authClass type is not allowed to access this scope. Please verify your IAM configuration if this is not the case.",
    ] {
        let error = error_from(
            Reply::json(
                401,
                &serde_json::json!({"statusCode":401,"message":message}).to_string(),
            ),
            &GET_AGENTS,
        )
        .await;
        assert_eq!(error.kind(), ErrorKind::WrongTokenType);
        assert!(
            error
                .to_string()
                .contains("Sub-Account (Location) token is needed"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn a_missing_version_header_says_so() {
    let error = error_from(
        Reply::json(
            401,
            r#"{"statusCode":401,"message":"version header was not found."}"#,
        ),
        &GET_AGENTS,
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::MissingVersion);
    assert!(
        error.to_string().contains("`Version` header was not found"),
        "{error}"
    );
}

#[tokio::test]
async fn a_bad_version_value_lists_the_supported_ones() {
    let error = error_from(
        Reply::json(400, r#"{"statusCode":400,"message":"Invalid API version segment 'bogus-version' at position 0"}"#),
        &GET_AGENTS,
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::InvalidVersion);
    assert!(error.to_string().contains("`2021-04-15`"), "{error}");
}

#[tokio::test]
async fn another_locations_token_says_the_token_belongs_elsewhere() {
    let error = error_from(
        Reply::json(403, r#"{"statusCode":403,"message":"The token does not have access to this location.","traceId":"t-123"}"#),
        &GET_AGENTS,
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::WrongLocation);
    assert_eq!(error.trace_id(), Some("t-123"));
    let text = error.to_string();
    assert!(text.contains("belongs to another location"), "{text}");
    assert!(text.contains("traceId t-123"), "{text}");
}

#[tokio::test]
async fn an_invalid_token_says_to_refresh_or_reissue() {
    let error = error_from(
        Reply::json(401, r#"{"statusCode":401,"message":"Invalid token: access token is invalid","error":"Unauthorized"}"#),
        &GET_AGENTS,
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::InvalidToken);
    assert!(
        error.to_string().contains("invalid or has expired"),
        "{error}"
    );
}

#[tokio::test]
async fn a_422_lists_every_validation_message() {
    let error = error_from(
        Reply::json(422, r#"{"statusCode":422,"message":["agentName must be a string","locationId should not be empty"],"error":"Unprocessable Entity"}"#),
        &CREATE_AGENT,
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert_eq!(
        error.messages(),
        [
            "agentName must be a string",
            "locationId should not be empty"
        ]
    );
    let text = error.to_string();
    assert!(
        text.contains("agentName must be a string; locationId should not be empty"),
        "{text}"
    );
}

#[tokio::test]
async fn a_429_says_when_to_retry_and_carries_the_rate_limit() {
    let error = error_from(
        Reply::json(429, r#"{"statusCode":429,"message":"Too Many Requests"}"#)
            .header("X-RateLimit-Limit-Daily", "200000")
            .header("X-RateLimit-Daily-Remaining", "150000")
            .header("X-RateLimit-Interval-Milliseconds", "10000")
            .header("X-RateLimit-Max", "100")
            .header("X-RateLimit-Remaining", "0"),
        &GET_AGENTS,
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert!(error.is_retryable());
    // The same rule as the retry loop: no `Retry-After`, empty window → a quarter of it.
    assert_eq!(error.retry_after(), Some(Duration::from_millis(2_500)));
    assert!(error.to_string().contains("retry in 2500 ms"), "{error}");
    let limit = error.rate_limit().expect("rate-limit headers");
    assert_eq!(limit.remaining, Some(0));
    assert_eq!(limit.daily_remaining, Some(150_000));
}

#[tokio::test]
async fn an_unknown_id_is_not_found_whether_reported_as_400_or_404() {
    let as_400 = error_from(
        Reply::json(400, r#"{"message":"No Agent found for the id: abc","error":"Bad Request","statusCode":400}"#),
        &GET_AGENT,
    )
    .await;
    let as_404 = error_from(
        Reply::json(404, r#"{"statusCode":404,"message":"Not Found"}"#),
        &GET_AGENT,
    )
    .await;
    assert_eq!(as_400.kind(), ErrorKind::NotFound);
    assert_eq!(as_404.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn a_server_error_is_retryable_and_says_so() {
    let error = error_from(Reply::json(502, "<html>bad gateway</html>"), &GET_AGENTS).await;
    assert_eq!(error.kind(), ErrorKind::Server);
    assert!(error.is_retryable());
    assert!(error.body().is_none());
    assert!(
        error.to_string().contains("retrying later may succeed"),
        "{error}"
    );
}

#[tokio::test]
async fn a_5xx_keeps_the_vendor_message_and_reports_the_trace_id() {
    let error = error_from(
        Reply::json(
            500,
            r#"{"statusCode":500,"message":"Voice AI agent store is unavailable","traceId":"9f1c2e7a-trace"}"#,
        ),
        &GET_AGENT,
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(error.messages(), ["Voice AI agent store is unavailable"]);
    assert_eq!(error.trace_id(), Some("9f1c2e7a-trace"));
    assert_eq!(error.operation(), Some("getAgent"));
    let text = error.to_string();
    assert!(
        text.contains("failed with 500")
            && text.contains("Voice AI agent store is unavailable")
            && text.contains("traceId 9f1c2e7a-trace"),
        "{text}"
    );
}

#[tokio::test]
async fn an_api_error_through_question_mark_into_anyhow_stays_downcastable() {
    async fn consumer(info: &progenitor_client::OperationInfo) -> anyhow::Result<()> {
        let error = error_from(
            Reply::json(404, r#"{"statusCode":404,"message":"Agent not found"}"#),
            info,
        )
        .await;
        Err(error)?;
        Ok(())
    }
    let error = consumer(&GET_AGENT).await.expect_err("the 404 propagates");
    let api = error
        .downcast_ref::<ApiError>()
        .expect("anyhow keeps the ApiError");
    assert_eq!(api.kind(), ErrorKind::NotFound);
    assert_eq!(api.operation(), Some("getAgent"));
    assert_eq!(api.messages(), ["Agent not found"]);
    assert_eq!(error.to_string(), api.to_string());
}

#[tokio::test]
async fn rate_limit_headers_are_read_from_a_successful_response() {
    let server = TestServer::start(vec![
        Reply::ok()
            .header("X-RateLimit-Limit-Daily", "200000")
            .header("X-RateLimit-Daily-Remaining", "199999")
            .header("X-RateLimit-Interval-Milliseconds", "10000")
            .header("X-RateLimit-Max", "100")
            .header("X-RateLimit-Remaining", "99"),
    ])
    .await;
    let parts = parts_for(&server, RetryPolicy::none());
    let response = send(
        &parts,
        Method::GET,
        &server.url("/voice-ai/agents"),
        &GET_AGENTS,
    )
    .await
    .expect("request completes");
    // A generated method hands back `ResponseValue`; its headers are the same map.
    let value = ResponseValue::new((), response.status(), response.headers().clone());
    let limit = RateLimit::from_headers(value.headers()).expect("headers present");
    assert_eq!(
        limit,
        RateLimit {
            limit_daily: Some(200_000),
            daily_remaining: Some(199_999),
            interval_ms: Some(10_000),
            max: Some(100),
            remaining: Some(99),
        }
    );
}

/// The shape progenitor generates for the vendor's 422 body.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct UnprocessableDto {
    status_code: f64,
    message: Vec<String>,
    error: String,
}

#[test]
fn a_typed_progenitor_error_body_is_reserialized_into_the_vendor_error_body() {
    let mut headers = HeaderMap::new();
    headers.insert("x-ratelimit-remaining", HeaderValue::from_static("42"));
    let typed = ResponseValue::new(
        UnprocessableDto {
            status_code: 422.0,
            message: vec!["name must be a string".into()],
            error: "Unprocessable Entity".into(),
        },
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        headers,
    );
    let error = ApiError::from(ProgenitorError::ErrorResponse(typed));
    assert_eq!(error.kind(), ErrorKind::Validation);
    let body = error.body().expect("parsed body");
    assert_eq!(body.status_code, Some(422));
    assert_eq!(
        body.message,
        Some(ErrorMessage::List(vec!["name must be a string".into()]))
    );
    assert_eq!(
        error.rate_limit().and_then(|limit| limit.remaining),
        Some(42)
    );
}

#[test]
fn other_progenitor_errors_map_to_invalid_request_and_decode_kinds() {
    let invalid = ApiError::from(ProgenitorError::<()>::InvalidRequest("bad path".into()));
    assert_eq!(invalid.kind(), ErrorKind::InvalidRequest);
    assert!(
        invalid.to_string().contains("nothing was sent"),
        "{invalid}"
    );
    let json_error = serde_json::from_slice::<serde_json::Value>(b"{").expect_err("invalid JSON");
    let decode = ApiError::from(ProgenitorError::<()>::InvalidResponsePayload(
        bytes_of(b"{"),
        json_error,
    ));
    assert_eq!(decode.kind(), ErrorKind::Decode);
    assert!(std::error::Error::source(&decode).is_some());
}

fn bytes_of(data: &'static [u8]) -> axum::body::Bytes {
    axum::body::Bytes::from_static(data)
}
