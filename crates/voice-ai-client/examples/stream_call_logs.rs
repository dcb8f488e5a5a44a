//! Streams a location's live calls of the last 7 days that ran an SMS or a call-transfer
//! action, longest first.
//!
//! ```sh
//! HIGHLEVEL_BASE_URL=http://127.0.0.1:8080 HIGHLEVEL_TOKEN=pit-… HIGHLEVEL_LOCATION_ID=… \
//!     cargo run -p voice-ai-client --example stream_call_logs
//! ```

use voice_ai_client::chrono::Duration;
use voice_ai_client::types::{ActionType, CallLogSortBy, CallType, SortOrder};
use voice_ai_client::{ApiError, Client, DateRange, TryStreamExt as _};

#[tokio::main]
async fn main() -> Result<(), ApiError> {
    let client = Client::from_env()?;
    let location = std::env::var("HIGHLEVEL_LOCATION_ID")
        .map_err(|_| ApiError::config("set HIGHLEVEL_LOCATION_ID to the location to read"))?;

    let mut logs = client.list_call_logs_stream(|request| {
        request
            .location_id(&location)
            .call_type(CallType::Live)
            .action_types([ActionType::Sms, ActionType::CallTransfer])
            .date_range(DateRange::last(Duration::days(7)))
            .timezone("America/Chicago")
            .sort_by(CallLogSortBy::Duration)
            .sort(SortOrder::Descend)
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
