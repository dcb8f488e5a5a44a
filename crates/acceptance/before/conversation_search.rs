//! Task 3: Conversation AI search, following the `startAfter` cursor through every page.

use anyhow::Result;
use conversation_ai_client::{Client, ClientConfig, Token, types};
use futures::TryStreamExt as _;
use mock_server::MockServer;

#[tokio::test]
async fn a_search_finds_both_new_agents_one_page_at_a_time() -> Result<()> {
    let server = MockServer::start().await;
    let client = Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )?;
    let mut created = Vec::new();
    for name in ["front desk", "front desk (spanish)"] {
        let agent = client
            .create_agent()
            .body(
                types::CreateAgentRequest::builder()
                    .name(name)
                    .personality("Warm and brief")
                    .goal("Book a cleaning")
                    .instructions("Never quote prices"),
            )
            .send()
            .await?
            .into_inner();
        created.push(agent.id);
    }

    let first = client
        .search_agents()
        .query("front")
        .limit(1)
        .send()
        .await?
        .into_inner();
    assert_eq!((first.count, first.total_count), (1, 2));
    let first_agents = first.agents.unwrap_or_default();
    assert_eq!(first_agents[0].id, created[0]);
    let second = client
        .search_agents()
        .query("front")
        .limit(1)
        .start_after(&first_agents[0].id)
        .send()
        .await?
        .into_inner();
    assert_eq!(second.agents.unwrap_or_default()[0].id, created[1]);

    let all: Vec<types::AgentListItem> = client
        .search_agents_stream(1, |request| request.query("front"))
        .try_collect()
        .await?;
    let ids: Vec<String> = all.into_iter().map(|agent| agent.id).collect();
    assert_eq!(ids, created);
    Ok(())
}
