//! Task 1: a Voice AI agent's life cycle, with a call-transfer action.

use anyhow::Result;
use mock_server::MockServer;
use voice_ai_client::{Client, ClientConfig, Token, types};

#[tokio::test]
async fn an_agent_gets_a_transfer_action_is_listed_renamed_and_deleted() -> Result<()> {
    let server = MockServer::start().await;
    let location = server.location_id();
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )?;

    let agent = client
        .create_agent()
        .body(
            types::CreateAgentRequest::builder()
                .location_id(location)
                .agent_name("Front Desk".parse::<types::AgentName>()?)
                .business_name("Lakeside Dental".parse::<types::BusinessName>()?)
                .timezone("America/Chicago".parse::<types::Timezone>()?),
        )
        .send()
        .await?
        .into_inner();
    assert_eq!(agent.agent_name, "Front Desk");
    assert_eq!(agent.business_name, "Lakeside Dental");
    assert_eq!(agent.timezone, "America/Chicago");

    let transfer = types::CallTransferActionParameters::builder()
        .transfer_to_type(types::CallTransferActionParametersTransferToType::Number)
        .transfer_to_value("+13125550142")
        .trigger_prompt("The caller asks to speak to a person")
        .trigger_message("Connecting you to reception now.");
    let action = client
        .create_action()
        .body(
            types::ActionRequest::builder()
                .agent_id(&agent.id)
                .location_id(location)
                .name("Transfer to reception")
                .kind(types::ActionKind::CallTransfer(transfer.try_into()?)),
        )
        .send()
        .await?
        .into_inner();
    let types::ActionKind::CallTransfer(parameters) = &action.kind else {
        panic!(
            "a call-transfer action comes back as one, got {:?}",
            action.kind
        );
    };
    assert_eq!(parameters.transfer_to_value, "+13125550142");

    let page = client
        .list_agents()
        .location_id(location)
        .page(1)
        .page_size(20)
        .send()
        .await?
        .into_inner();
    assert_eq!((page.total, page.page, page.page_size), (1, 1, 20));
    assert_eq!(page.agents[0].id, agent.id);
    assert_eq!(page.agents[0].actions, vec![action.clone()]);

    let renamed = client
        .patch_agent()
        .agent_id(&agent.id)
        .location_id(location)
        .body(
            types::PatchAgentRequest::builder()
                .agent_name("Front Desk (after hours)".parse::<types::AgentName>()?),
        )
        .send()
        .await?
        .into_inner();
    assert_eq!(renamed.agent_name, "Front Desk (after hours)");
    assert_eq!(
        renamed.timezone, "America/Chicago",
        "a patch keeps what it does not name"
    );

    client
        .delete_action()
        .action_id(&action.id)
        .agent_id(&agent.id)
        .location_id(location)
        .send()
        .await?;
    let fetched = client
        .get_agent()
        .agent_id(&agent.id)
        .location_id(location)
        .send()
        .await?;
    assert!(fetched.actions.is_empty());

    client
        .delete_agent()
        .agent_id(&agent.id)
        .location_id(location)
        .send()
        .await?;
    let after = client.list_agents().location_id(location).send().await?;
    assert_eq!(after.total, 0);
    assert!(after.agents.is_empty());
    Ok(())
}
