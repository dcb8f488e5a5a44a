//! Typed call-log filters: a `DateRange` from chrono or `SystemTime`, an IANA time zone, and a
//! list of `ActionType`s sent comma-separated.

use std::time::{Duration, SystemTime};

use voice_ai_client::chrono::{TimeZone as _, Utc};
use voice_ai_client::types::{ActionKind, ActionType, CallType};
use voice_ai_client::{DateRange, ErrorKind, TryStreamExt as _};

use crate::support::{client_of, client_of_mock, last_request};

#[tokio::test]
async fn the_filters_travel_as_the_api_expects_and_find_the_demo_call() {
    // Arrange: the demo call is dated a few hours before the mock's clock, frozen mid-January.
    let server = mock_server::MockServer::builder()
        .fixtures(mock_server::Fixtures::demo(mock_server::DEFAULT_SEED))
        .clock("2026-01-15T12:00:00Z".parse().expect("an RFC 3339 instant"))
        .start()
        .await;
    let client = client_of(&server);
    let january = DateRange::between(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("a date"),
        Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0)
            .single()
            .expect("a date"),
    );
    // Act
    let logs = client
        .list_call_logs()
        .location_id(server.location_id())
        .date_range(january)
        .timezone("America/Chicago")
        .action_types([ActionType::Sms, ActionType::CallTransfer])
        .call_type(CallType::Live)
        .page(1)
        .page_size(10)
        .send()
        .await
        .expect("the call logs are listed")
        .into_inner();
    // Assert
    let sent = last_request(&server, "GET", "/voice-ai/dashboard/call-logs");
    assert_eq!(sent.query("startDate").as_deref(), Some("1767225600000"));
    assert_eq!(sent.query("endDate").as_deref(), Some("1769904000000"));
    assert_eq!(sent.query("timezone").as_deref(), Some("America/Chicago"));
    assert_eq!(
        sent.query("actionType").as_deref(),
        Some("SMS,CALL_TRANSFER")
    );
    assert_eq!(
        logs.total, 1,
        "the demo data has one live call with an SMS in January"
    );
    assert!(!logs.call_logs[0].agent_id.is_empty());
}

#[tokio::test]
async fn a_window_from_system_times_is_sent_in_milliseconds() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let end = SystemTime::UNIX_EPOCH + Duration::from_millis(1_769_904_000_000);
    let start = end - Duration::from_secs(3600);
    // Act
    client
        .list_call_logs()
        .location_id(server.location_id())
        .date_range(DateRange::between(start, end))
        .send()
        .await
        .expect("the call logs are listed");
    // Assert
    let sent = last_request(&server, "GET", "/voice-ai/dashboard/call-logs");
    assert_eq!(sent.query("startDate").as_deref(), Some("1769900400000"));
    assert_eq!(sent.query("endDate").as_deref(), Some("1769904000000"));
}

#[tokio::test]
async fn a_window_that_ends_before_it_starts_fails_at_send_and_nothing_is_sent() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let before = server.received_requests().len();
    let now = SystemTime::now();
    // Act
    let error = client
        .list_call_logs()
        .location_id(server.location_id())
        .date_range(DateRange::between(now, now - Duration::from_secs(60)))
        .send()
        .await
        .expect_err("the window is inverted");
    // Assert
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(error.operation(), Some("listCallLogs"));
    assert!(
        error.to_string().contains("must start before it ends"),
        "{error}"
    );
    assert_eq!(server.received_requests().len(), before, "nothing was sent");
}

#[tokio::test]
async fn a_malformed_time_zone_fails_at_send_naming_the_parameter() {
    // Arrange
    let (server, client) = client_of_mock().await;
    // Act
    let error = client
        .list_call_logs()
        .location_id(server.location_id())
        .timezone("not a zone!")
        .send()
        .await
        .expect_err("the zone is not an IANA name");
    // Assert
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(error.to_string().contains("`timezone`"), "{error}");
}

#[tokio::test]
async fn the_stream_takes_the_same_typed_filters() {
    // Arrange
    let (server, client) = client_of_mock().await;
    let location = server.location_id().to_owned();
    // Act
    let logs: Vec<_> = client
        .list_call_logs_stream(|request| {
            request
                .location_id(&location)
                .date_range(DateRange::since(
                    Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0)
                        .single()
                        .expect("a date"),
                ))
                .action_types([ActionType::Sms])
                .page_size(5)
        })
        .try_collect()
        .await
        .expect("the call logs stream");
    // Assert
    assert_eq!(logs.len(), 1, "the demo data has one call with an SMS");
    assert!(
        logs[0]
            .executed_call_actions
            .iter()
            .any(|action| matches!(action.kind, ActionKind::Sms(_))),
        "{:?}",
        logs[0]
    );
}
