//! Task 2: filtered, sorted and paged Voice AI call logs, then all of them as a stream.

use mock_server::Fixtures;
use mock_server::{DEFAULT_SEED, MockServer};
use voice_ai_client::builder::ListCallLogs;
use voice_ai_client::chrono::Duration;
use voice_ai_client::types::{ActionKind, ActionType, CallLog, CallLogSortBy, CallType, SortOrder};
use voice_ai_client::{ApiError, Client, ClientConfig, DateRange, Token, TryStreamExt as _};

/// The filters both reads share: live calls in `window` during which the agent sent a text or
/// transferred the call, shortest first.
fn live_texts_or_transfers<'a>(
    request: ListCallLogs<'a>,
    location: &str,
    window: DateRange,
) -> ListCallLogs<'a> {
    request
        .location_id(location)
        .date_range(window)
        .timezone("America/Chicago")
        .call_type(CallType::Live)
        .action_types([ActionType::Sms, ActionType::CallTransfer])
        .sort_by(CallLogSortBy::Duration)
        .sort(SortOrder::Ascend)
}

#[tokio::test]
async fn live_calls_with_a_text_or_a_transfer_in_a_date_window_come_sorted_by_duration()
-> Result<(), ApiError> {
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
    let window = DateRange::between(newest - Duration::days(30), newest);

    let page = live_texts_or_transfers(client.list_call_logs(), location, window)
        .page(1)
        .page_size(10)
        .send()
        .await?
        .into_inner();
    assert_eq!(page.call_logs.len(), 10);
    assert!(page.total > 10, "the filters leave more than one page");
    for log in &page.call_logs {
        assert!(!log.trial_call);
        assert!(window.start() <= log.created_at && log.created_at <= window.end());
        assert!(log.executed_call_actions.iter().any(|action| matches!(
            action.kind,
            ActionKind::Sms(_) | ActionKind::CallTransfer(_)
        )));
    }
    assert!(page.call_logs.is_sorted_by(|a, b| a.duration <= b.duration));

    let all: Vec<CallLog> = client
        .list_call_logs_stream(|request| {
            live_texts_or_transfers(request, location, window).page_size(50)
        })
        .try_collect()
        .await?;
    assert_eq!(all.len(), page.total as usize);
    assert_eq!(all[..10], page.call_logs[..]);
    assert!(all.is_sorted_by(|a, b| a.duration <= b.duration));
    Ok(())
}
