//! Creates a Voice AI agent, gives it an SMS action, and reads it back with its actions.
//!
//! ```sh
//! HIGHLEVEL_BASE_URL=http://127.0.0.1:8080 HIGHLEVEL_TOKEN=pit-… HIGHLEVEL_LOCATION_ID=… \
//!     cargo run -p voice-ai-client --example create_agent_with_action
//! ```

use voice_ai_client::{ApiError, Client, types};

#[tokio::main]
async fn main() -> Result<(), ApiError> {
    let client = Client::from_env()?;
    let location = std::env::var("HIGHLEVEL_LOCATION_ID")
        .map_err(|_| ApiError::config("set HIGHLEVEL_LOCATION_ID to the location to use"))?;

    let agent = client
        .create_agent()
        .location_id(&location)
        .agent_name("Front Desk")
        .business_name("Harbor Dental Care")
        .send()
        .await?
        .into_inner();
    println!("created agent {}", agent.id);

    let action = client
        .create_action()
        .agent_id(&agent.id)
        .location_id(&location)
        .name("Text the address")
        .kind(
            types::SmsParameters::builder()
                .trigger_prompt("The caller asks for the clinic's address")
                .trigger_message("I'll text you our address right now.")
                .message_body("Harbor Dental Care, 12 Pier Road. See you soon!"),
        )
        .send()
        .await?
        .into_inner();
    println!("created action {}", action.id);

    let agent = client
        .get_agent()
        .agent_id(&agent.id)
        .location_id(&location)
        .send()
        .await?
        .into_inner();
    for action in &agent.actions {
        println!(
            "agent {} has action {} ({})",
            agent.id, action.id, action.name
        );
    }
    Ok(())
}
