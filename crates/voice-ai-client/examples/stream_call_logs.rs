//! Streams a location's live calls of the last 7 days that ran an SMS or a call-transfer
//! action, longest first.
//!
//! ```sh
//! HIGHLEVEL_BASE_URL=http://127.0.0.1:8080 HIGHLEVEL_TOKEN=pit-… HIGHLEVEL_LOCATION_ID=… \
//!     cargo run -p voice-ai-client --example stream_call_logs
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::TryStreamExt as _;
use voice_ai_client::{ApiError, Client, types};

#[tokio::main]
async fn main() -> Result<(), ApiError> {
    let client = Client::from_env()?;
    let location = std::env::var("HIGHLEVEL_LOCATION_ID")
        .map_err(|_| ApiError::config("set HIGHLEVEL_LOCATION_ID to the location to read"))?;

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let week_ago = now.saturating_sub(Duration::from_secs(7 * 24 * 3600));
    let millis = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);

    let mut logs = client.list_call_logs_stream(|request| {
        request
            .location_id(&location)
            .call_type(types::ListCallLogsCallType::Live)
            .action_type("SMS,CALL_TRANSFER")
            .start_date(millis(week_ago))
            .end_date(millis(now))
            .sort_by(types::ListCallLogsSortBy::Duration)
            .sort(types::ListCallLogsSort::Descend)
            .page_size(50)
    });
    let mut count = 0;
    while let Some(log) = logs.try_next().await? {
        count += 1;
        println!("{}  {:>6.1}s  agent {}", log.id, log.duration, log.agent_id);
    }
    println!("{count} calls");
    Ok(())
}
