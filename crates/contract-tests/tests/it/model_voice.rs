//! The Voice AI reference model: random sequences of createAgent, getAgent, listAgents (every
//! page walked), patchAgent, deleteAgent, createAction, getAction, updateAction and deleteAction,
//! with postconditions after every step (see [`crate::model`]).

use contract_tests::spec::Api;
use serde_json::{Value, json};

use crate::model::{Flavor, Target, assert_counter, page_query, run_model};
use crate::operations::{assert_echo, id_of};
use crate::support::{Http, Ids, Transport, config, op};

pub(crate) struct Voice;

impl Flavor for Voice {
    const API: Api = Api::VoiceAi;
    const UPDATE_AGENT: &'static str = "patchAgent";
    const AGENT_NAME: &'static str = "agentName";

    fn ids(location: &str, agent: Option<&str>, action: Option<&str>) -> Ids {
        let mut ids = Ids::from([("locationId", location.to_owned())]);
        if let Some(agent) = agent {
            ids.insert("agentId", agent.to_owned());
        }
        if let Some(action) = action {
            ids.insert("actionId", action.to_owned());
        }
        ids
    }

    fn action_of(response: &Value) -> &Value {
        response
    }

    async fn walk(
        http: &Http,
        location: &str,
        size: u32,
        alive: usize,
        filter: Option<&str>,
    ) -> Vec<String> {
        let ids = Self::ids(location, None, None);
        let mut out = Vec::new();
        let mut page = 1u32;
        loop {
            let mut pairs = vec![("page", json!(page)), ("pageSize", json!(size))];
            pairs.extend(filter.map(|f| ("query", json!(f))));
            let query = page_query(&pairs);
            let got = http
                .ok(op(Api::VoiceAi, "listAgents"), &ids, &query, None)
                .await;
            assert_counter(&got, "total", alive, &format!("listAgents page {page}"));
            let agents = got["agents"].as_array().cloned().unwrap_or_default();
            let expected = alive
                .saturating_sub((page as usize - 1) * size as usize)
                .min(size as usize);
            assert_eq!(
                agents.len(),
                expected,
                "page {page} of size {size} with {alive} agents: {got}"
            );
            out.extend(agents.iter().map(id_of));
            if (page * size) as usize >= alive {
                break;
            }
            page += 1;
        }
        out
    }

    async fn check_agent_actions(
        _: &Http,
        _: &str,
        _: &str,
        agent: &Value,
        expected: &[(String, Value)],
    ) {
        let listed = agent["actions"].as_array().cloned().unwrap_or_default();
        for (id, body) in expected {
            let got = listed
                .iter()
                .find(|a| a["id"] == json!(id))
                .unwrap_or_else(|| panic!("action {id} is listed on its agent: {agent}"));
            assert_echo(body, got, &[], "an action listed by getAgent");
        }
    }
}

#[test]
fn voice_ai_agents_and_actions_behave_like_the_model() {
    run_model::<Voice>(
        Target::Fresh,
        Transport::Raw,
        config(crate::regressions!("model_voice"), 24),
    );
}

#[test]
fn voice_ai_agents_and_actions_behave_like_the_model_through_the_generated_client() {
    run_model::<Voice>(
        Target::Fresh,
        Transport::Client,
        config(crate::regressions!("model_voice_client"), 12),
    );
}
