//! `export`: a location's agents written as an agents file, in the format `apply` reads, so
//! exporting and applying the result changes nothing.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::agents_file::{AgentsFile, ConversationAgent, VoiceAgent, agent_fields};
use crate::error::CliError;
use crate::plan::{call, list_all};
use crate::session::Session;
use crate::spec::Api;

/// The fields of `live` a file may set, leaving out unset (null) ones.
fn settable(live: &Value, fields: &[String]) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|field| {
            let value = live.get(field)?;
            (!value.is_null()).then(|| (field.clone(), value.clone()))
        })
        .collect()
}

fn pick(live: &Value, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|key| Some(((*key).to_owned(), live.get(*key)?.clone())))
        .collect()
}

/// Every agent of `location`, with actions and follow-up settings.
pub(crate) async fn export(session: &Session, location: &str) -> Result<AgentsFile, CliError> {
    let clients = session.clients_for(Some(location))?;
    let mut params = BTreeMap::new();
    params.insert("locationId".to_owned(), location.to_owned());
    let voice_fields = agent_fields(Api::VoiceAi);
    let voice_ai = list_all(&clients, Api::VoiceAi, "listAgents", params)
        .await?
        .iter()
        .map(|live| VoiceAgent {
            fields: settable(live, &voice_fields),
            actions: live
                .get("actions")
                .and_then(Value::as_array)
                .map(|actions| {
                    actions
                        .iter()
                        .map(|action| pick(action, &["name", "actionType", "actionParameters"]))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();

    let conversation_fields = agent_fields(Api::ConversationAi);
    let mut conversation_ai = Vec::new();
    for listed in list_all(
        &clients,
        Api::ConversationAi,
        "searchAgents",
        BTreeMap::new(),
    )
    .await?
    {
        let id = listed
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut params = BTreeMap::new();
        params.insert("agentId".to_owned(), id);
        let live = call(&clients, Api::ConversationAi, "getAgent", params.clone()).await?;
        let listed_actions = call(&clients, Api::ConversationAi, "listActions", params).await?;
        let mut actions: Vec<Map<String, Value>> = listed_actions
            .get("data")
            .and_then(Value::as_array)
            .map(|actions| {
                actions
                    .iter()
                    .map(|action| pick(action, &["name", "type", "details"]))
                    .collect()
            })
            .unwrap_or_default();
        let followup_settings = hoist_followup_settings(&mut actions);
        conversation_ai.push(ConversationAgent {
            fields: settable(&live, &conversation_fields),
            actions,
            followup_settings,
        });
    }
    Ok(AgentsFile {
        locations: vec![location.to_owned()],
        voice_ai,
        conversation_ai,
    })
}

/// When every `advancedFollowup` action has the same follow-up settings, they become the
/// agent's `followupSettings` and leave the actions.
fn hoist_followup_settings(actions: &mut [Map<String, Value>]) -> Option<Value> {
    let mut shared: Option<Value> = None;
    for action in actions.iter() {
        if action.get("type").and_then(Value::as_str) != Some("advancedFollowup") {
            continue;
        }
        let settings = action.get("details")?.get("followupSettings")?;
        match &shared {
            None => shared = Some(settings.clone()),
            Some(first) if first == settings => {}
            Some(_) => return None,
        }
    }
    let shared = shared?;
    for action in actions.iter_mut() {
        if action.get("type").and_then(Value::as_str) == Some("advancedFollowup")
            && let Some(Value::Object(details)) = action.get_mut("details")
        {
            details.remove("followupSettings");
        }
    }
    Some(shared)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn action(kind: &str, settings: Option<Value>) -> Map<String, Value> {
        let mut details = json!({"enabled": true});
        if let Some(settings) = settings {
            details["followupSettings"] = settings;
        }
        serde_json::from_value(json!({"name": kind, "type": kind, "details": details}))
            .expect("an object")
    }

    #[test]
    fn shared_followup_settings_move_to_the_agent_and_differing_ones_stay() {
        let settings = json!({"followUpHours": true});
        let mut same = vec![
            action("advancedFollowup", Some(settings.clone())),
            action("advancedFollowup", Some(settings.clone())),
            action("stopBot", None),
        ];
        assert_eq!(hoist_followup_settings(&mut same), Some(settings.clone()));
        assert!(
            same.iter()
                .all(|a| a["details"].get("followupSettings").is_none())
        );

        let mut differ = vec![
            action("advancedFollowup", Some(settings)),
            action("advancedFollowup", Some(json!({"followUpHours": false}))),
        ];
        assert_eq!(hoist_followup_settings(&mut differ), None);
        assert!(
            differ
                .iter()
                .all(|a| a["details"].get("followupSettings").is_some())
        );
    }
}
