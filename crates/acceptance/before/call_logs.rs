//! Task 2: filtered, sorted and paged Voice AI call logs, then all of them as a stream.

use anyhow::Result;
use chrono::Duration;
use futures::TryStreamExt as _;
use mock_server::fixtures::Fixtures;
use mock_server::{DEFAULT_SEED, MockServer};
use voice_ai_client::types::{self, ActionKind};
use voice_ai_client::{Client, ClientConfig, Token};

#[tokio::test]
async fn live_calls_with_a_text_or_a_transfer_in_a_date_window_come_sorted_by_duration()
-> Result<()> {
    let server = MockServer::builder()
        .fixtures(Fixtures::demo(DEFAULT_SEED))
        .call_logs(400)
        .start()
        .await;
    let location = server.location_id();
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )?;
    // The window: the 30 days up to the newest call.
    let newest = client
        .list_call_logs()
        .location_id(location)
        .page_size(1)
        .send()
        .await?
        .into_inner()
        .call_logs[0]
        .created_at;
    let (start, end) = (newest - Duration::days(30), newest);

    let page = client
        .list_call_logs()
        .location_id(location)
        .start_date(start.timestamp_millis())
        .end_date(end.timestamp_millis())
        .call_type(types::ListCallLogsCallType::Live)
        .action_type("SMS,CALL_TRANSFER")
        .sort_by(types::ListCallLogsSortBy::Duration)
        .sort(types::ListCallLogsSort::Ascend)
        .page(1)
        .page_size(10)
        .send()
        .await?
        .into_inner();
    assert_eq!(page.call_logs.len(), 10);
    assert!(page.total > 10, "the filters leave more than one page");
    for log in &page.call_logs {
        assert!(!log.trial_call);
        assert!(start <= log.created_at && log.created_at <= end);
        assert!(log.executed_call_actions.iter().any(|action| matches!(
            action.kind,
            ActionKind::Sms(_) | ActionKind::CallTransfer(_)
        )));
    }
    assert!(page.call_logs.is_sorted_by(|a, b| a.duration <= b.duration));

    let all: Vec<types::CallLog> = client
        .list_call_logs_stream(|request| {
            request
                .location_id(location)
                .start_date(start.timestamp_millis())
                .end_date(end.timestamp_millis())
                .call_type(types::ListCallLogsCallType::Live)
                .action_type("SMS,CALL_TRANSFER")
                .sort_by(types::ListCallLogsSortBy::Duration)
                .sort(types::ListCallLogsSort::Ascend)
                .page_size(50)
        })
        .try_collect()
        .await?;
    assert_eq!(all.len(), page.total as usize);
    assert_eq!(all[..10], page.call_logs[..]);
    assert!(all.is_sorted_by(|a, b| a.duration <= b.duration));
    Ok(())
}
