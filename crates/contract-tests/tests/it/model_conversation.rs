//! The Conversation AI reference model: random sequences of createAgent, getAgent, searchAgents
//! (every cursor page walked), updateAgent, deleteAgent, createAction, getAction, updateAction
//! and deleteAction, with postconditions after every step (see [`crate::model`]); `getAgent`
//! also checks `listActions`.

use contract_tests::spec::Api;
use serde_json::{Value, json};

use crate::model::{Flavor, Target, assert_counter, page_query, run_model};
use crate::operations::{assert_echo, id_of};
use crate::support::{Http, Ids, Transport, config, no_query, op};

pub(crate) struct Conversation;

impl Flavor for Conversation {
    const API: Api = Api::ConversationAi;
    const UPDATE_AGENT: &'static str = "updateAgent";
    const AGENT_NAME: &'static str = "name";

    fn ids(_: &str, agent: Option<&str>, action: Option<&str>) -> Ids {
        let mut ids = Ids::new();
        if let Some(agent) = agent {
            ids.insert("agentId", agent.to_owned());
        }
        if let Some(action) = action {
            ids.insert("actionId", action.to_owned());
        }
        ids
    }

    fn action_of(response: &Value) -> &Value {
        &response["data"]
    }

    async fn walk(
        http: &Http,
        _: &str,
        limit: u32,
        alive: usize,
        filter: Option<&str>,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        loop {
            let mut pairs = vec![("limit", json!(limit))];
            if let Some(last) = out.last() {
                pairs.push(("startAfter", json!(last)));
            }
            pairs.extend(filter.map(|f| ("query", json!(f))));
            let got = http
                .ok(
                    op(Api::ConversationAi, "searchAgents"),
                    &Ids::new(),
                    &page_query(&pairs),
                    None,
                )
                .await;
            match filter {
                None => assert_counter(&got, "totalCount", alive, "searchAgents"),
                // `totalCount` counts the whole location, unfiltered (API_FACTS), and a live
                // location holds agents the model does not know.
                Some(_) => assert!(
                    got["totalCount"]
                        .as_u64()
                        .is_some_and(|t| t >= alive as u64),
                    "totalCount counts at least the {alive} agents of this sequence: {got}"
                ),
            }
            let agents = got
                .get("agents")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            assert_counter(&got, "count", agents.len(), "searchAgents");
            let expected = alive.saturating_sub(out.len()).min(limit as usize);
            assert_eq!(
                agents.len(),
                expected,
                "a cursor page of limit {limit} after {} of {alive}: {got}",
                out.len()
            );
            out.extend(agents.iter().map(id_of));
            if agents.len() < limit as usize || out.len() > alive {
                break;
            }
        }
        out
    }

    async fn check_agent_actions(
        http: &Http,
        _: &str,
        agent: &str,
        _: &Value,
        expected: &[(String, Value)],
    ) {
        let ids = Ids::from([("agentId", agent.to_owned())]);
        let listed = http
            .ok(
                op(Api::ConversationAi, "listActions"),
                &ids,
                &no_query(),
                None,
            )
            .await;
        let data = listed["data"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            data.len(),
            expected.len(),
            "listActions lists the live actions: {listed}"
        );
        for (id, body) in expected {
            let got = data
                .iter()
                .find(|a| a["id"] == json!(id))
                .unwrap_or_else(|| panic!("action {id} is in listActions: {listed}"));
            assert_echo(body, got, &[], "an action listed by listActions");
        }
    }
}

#[test]
fn conversation_ai_agents_and_actions_behave_like_the_model() {
    run_model::<Conversation>(
        Target::Fresh,
        Transport::Raw,
        config(crate::regressions!("model_conversation"), 24),
    );
}

#[test]
fn conversation_ai_agents_and_actions_behave_like_the_model_through_the_generated_client() {
    run_model::<Conversation>(
        Target::Fresh,
        Transport::Client,
        config(crate::regressions!("model_conversation_client"), 12),
    );
}
