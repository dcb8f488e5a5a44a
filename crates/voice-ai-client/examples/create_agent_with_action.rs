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
        .body(
            types::CreateAgentRequest::builder()
                .location_id(&location)
                .agent_name(Some(
                    "Front Desk".parse::<types::AgentName>().map_err(invalid)?,
                ))
                .business_name(Some(
                    "Harbor Dental Care"
                        .parse::<types::BusinessName>()
                        .map_err(invalid)?,
                )),
        )
        .send()
        .await?
        .into_inner();
    println!("created agent {}", agent.id);

    let sms = types::SmsParameters::builder()
        .trigger_prompt("The caller asks for the clinic's address")
        .trigger_message("I'll text you our address right now.")
        .message_body("Harbor Dental Care, 12 Pier Road. See you soon!");
    let action = client
        .create_action()
        .body(
            types::ActionRequest::builder()
                .agent_id(&agent.id)
                .location_id(&location)
                .name("Text the address")
                .kind(types::ActionKind::Sms(
                    sms.try_into()
                        .map_err(invalid::<types::error::ConversionError>)?,
                )),
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

/// Input this program built that the API's constraints refuse.
fn invalid<E: std::fmt::Display>(error: E) -> ApiError {
    ApiError::config(error.to_string())
}
