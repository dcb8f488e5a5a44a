//! Task 4: a Conversation AI agent with an advanced follow-up action, then its follow-up settings.

use anyhow::Result;
use conversation_ai_client::{Client, ClientConfig, Token, types};
use mock_server::MockServer;

#[tokio::test]
async fn follow_up_settings_land_on_the_advanced_followup_action() -> Result<()> {
    let server = MockServer::start().await;
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )?;
    let agent = client
        .create_agent()
        .body(
            types::CreateAgentRequest::builder()
                .name("front desk")
                .personality("Warm and brief")
                .goal("Book a cleaning")
                .instructions("Never quote prices"),
        )
        .send()
        .await?
        .into_inner();

    let step = types::FollowupSequence::builder()
        .id(1)
        .followup_time(2)
        .followup_time_unit(types::DelayUnit::Hours);
    let details = types::AdvancedFollowupDetails::builder()
        .enabled(true)
        .scenario_id(types::AdvancedFollowupDetailsScenarioId::ContactStoppedReplying)
        .followup_sequence(vec![types::FollowupSequence::try_from(step)?]);
    let action = client
        .create_action()
        .agent_id(&agent.id)
        .body(
            types::CreateActionRequest::builder()
                .name("Nudge quiet contacts")
                .kind(types::ActionKind::AdvancedFollowup(details.try_into()?)),
        )
        .send()
        .await?
        .into_inner()
        .data;

    let updated = client
        .update_followup_settings()
        .agent_id(&agent.id)
        .body(
            types::UpdateFollowupSettingsRequest::builder()
                .action_ids(vec![action.id.clone()])
                .followup_settings(
                    types::FollowupSettings::builder()
                        .dynamic_channel_switching(true)
                        .follow_up_hours(true)
                        .timezone_to_use(types::FollowupSettingsTimezoneToUse::Business),
                ),
        )
        .send()
        .await?
        .into_inner();
    assert!(updated.success);
    assert_eq!(updated.data.id, action.id);

    let stored = client
        .get_action()
        .agent_id(&agent.id)
        .action_id(&action.id)
        .send()
        .await?
        .into_inner()
        .data;
    let types::ActionKind::AdvancedFollowup(details) = stored.kind else {
        panic!(
            "the action is still an advanced follow-up, got {:?}",
            stored.kind
        );
    };
    let settings = details.followup_settings.expect("settings were stored");
    assert!(settings.dynamic_channel_switching);
    assert_eq!(settings.follow_up_hours, Some(true));
    assert_eq!(
        settings.timezone_to_use,
        Some(types::FollowupSettingsTimezoneToUse::Business)
    );
    assert_eq!(details.followup_sequence[0].followup_time, 2);
    Ok(())
}
