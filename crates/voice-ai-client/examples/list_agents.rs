//! Lists every Voice AI agent of a location, following the pages lazily.
//!
//! Run against the mock server (`cargo run -p mock-server` in another terminal prints the
//! values to use):
//!
//! ```sh
//! HIGHLEVEL_BASE_URL=http://127.0.0.1:8080 HIGHLEVEL_TOKEN=pit-… HIGHLEVEL_LOCATION_ID=… \
//!     cargo run -p voice-ai-client --example list_agents
//! ```

use voice_ai_client::{ApiError, Client, TryStreamExt as _};

#[tokio::main]
async fn main() -> Result<(), ApiError> {
    let client = Client::from_env()?;
    let location = std::env::var("HIGHLEVEL_LOCATION_ID")
        .map_err(|_| ApiError::config("set HIGHLEVEL_LOCATION_ID to the location to list"))?;

    let mut agents =
        client.list_agents_stream(|request| request.location_id(&location).page_size(20));
    while let Some(agent) = agents.try_next().await? {
        println!(
            "{}  {}  ({} actions)",
            agent.id,
            agent.agent_name.as_str(),
            agent.actions.len()
        );
    }
    Ok(())
}
