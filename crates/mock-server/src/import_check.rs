//! The API's own rules applied to a state document before an import replaces anything.
//!
//! [`problems`] walks a document from [`crate::AppState::export_state`] and lists every way it
//! breaks a rule a client request would have been held to, each message starting with the JSON
//! path of the value at fault (`locations.<id>.voiceAgents.0.body.maxCallDuration must be an
//! integer number`). Nothing here restates a rule: agents and actions go through the spec schema
//! of the matching create operation with [`Validator`] and the operation's extra rules
//! ([`crate::api::voice_ai::rules`]), webhook URLs through [`webhooks::check_target`] (what
//! `POST /__mock/webhooks/subscriptions` calls), call logs through the spec's `CallLog` schema
//! once completed as [`crate::Store::add_call_log`] completes them, tokens through
//! [`TokenDocument`]. On top of those, what only a whole document can get wrong: an action whose
//! agent is not in its location, an id used twice in one list, records that are not records.
//!
//! Generated call logs (`callLogHistory`) are rebuilt by the store from their parameters, so they
//! are checked when replayed, not here.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::admin::TokenDocument;
use crate::api::voice_ai::rules;
use crate::spec::{self, Api};
use crate::store::voice_ai::complete_call_log;
use crate::validation::Validator;
use crate::webhooks;

/// Every problem of `document`, in document order; empty when it may be imported.
/// `location_id` is the server's default location (tokens without one get it).
pub(crate) fn problems(
    document: &Value,
    location_id: &str,
    webhook_allow_any: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    tokens(document.get("tokens"), location_id, &mut out);
    subscriptions(
        document.get("webhookSubscriptions"),
        webhook_allow_any,
        &mut out,
    );
    match document.get("locations") {
        None => {}
        Some(Value::Object(locations)) => {
            for (id, location) in locations {
                check_location(location, &format!("locations.{id}"), id, &mut out);
            }
        }
        Some(_) => out.push("locations must be an object".to_owned()),
    }
    out
}

/// The items of an optional list at `at`, or a problem when it is not a list.
fn list<'a>(value: Option<&'a Value>, at: &str, out: &mut Vec<String>) -> &'a [Value] {
    match value {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(_) => {
            out.push(format!("{at} must be an array"));
            &[]
        }
    }
}

fn tokens(value: Option<&Value>, location_id: &str, out: &mut Vec<String>) {
    for (i, token) in list(value, "tokens", out).iter().enumerate() {
        match serde_json::from_value::<TokenDocument>(token.clone()) {
            Ok(document) => {
                if let Err(problems) = document.into_spec(location_id) {
                    out.extend(problems.into_iter().map(|p| format!("tokens.{i}: {p}")));
                }
            }
            Err(e) => out.push(format!("tokens.{i}: {e}")),
        }
    }
}

fn subscriptions(value: Option<&Value>, allow_any: bool, out: &mut Vec<String>) {
    let mut seen = HashMap::new();
    for (i, subscription) in list(value, "webhookSubscriptions", out).iter().enumerate() {
        let at = format!("webhookSubscriptions.{i}");
        match subscription.get("id") {
            Some(Value::String(id)) => {
                if let Some(first) = seen.insert(id.clone(), i) {
                    out.push(format!(
                        "{at}.id: duplicate id (also at webhookSubscriptions.{first})"
                    ));
                }
            }
            _ => out.push(format!("{at}.id must be a string")),
        }
        match subscription.get("url") {
            Some(Value::String(url)) => {
                if let Err(refusal) = webhooks::check_target(url, allow_any) {
                    out.push(format!("{at}.url: {refusal}"));
                }
            }
            _ => out.push(format!("{at}.url must be a string")),
        }
    }
}

/// A record of the snapshot (`{id, seq, agentId, body}`) whose shape is sound.
struct Record<'a> {
    index: usize,
    id: &'a str,
    agent_id: Option<&'a str>,
    body: &'a Map<String, Value>,
}

/// The well-formed records of the list at `at`; problems for the others and for ids used twice.
fn records<'a>(value: Option<&'a Value>, at: &str, out: &mut Vec<String>) -> Vec<Record<'a>> {
    let mut sound = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, item) in list(value, at, out).iter().enumerate() {
        let here = format!("{at}.{index}");
        let Some(object) = item.as_object() else {
            out.push(format!("{here} must be an object"));
            continue;
        };
        let id = object.get("id").and_then(Value::as_str);
        if id.is_none() {
            out.push(format!("{here}.id must be a string"));
        }
        if !object.get("seq").is_some_and(|s| s.is_u64()) {
            out.push(format!("{here}.seq must be a whole number"));
        }
        let agent_id = match object.get("agentId") {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.as_str())),
            Some(_) => {
                out.push(format!("{here}.agentId must be a string or null"));
                None
            }
        };
        let body = object.get("body").and_then(Value::as_object);
        if body.is_none() {
            out.push(format!("{here}.body must be an object"));
        }
        if let Some(id) = id
            && let Some(first) = seen.insert(id, index)
        {
            out.push(format!("{here}.id: duplicate id (also at {at}.{first})"));
        }
        if let (Some(id), Some(agent_id), Some(body)) = (id, agent_id, body) {
            sound.push(Record {
                index,
                id,
                agent_id,
                body,
            });
        }
    }
    sound
}

/// Checks `body` against the request schema of `op_id` (spec defaults not applied) and returns
/// the cleaned body; messages carry `at` as their path.
fn check_body(
    api: Api,
    op_id: &str,
    body: &Map<String, Value>,
    at: &str,
    out: &mut Vec<String>,
) -> Map<String, Value> {
    let spec = spec::spec(api);
    let Some(schema) = spec.operation(op_id).and_then(|op| op.body.as_ref()) else {
        return body.clone();
    };
    let mut validator = Validator::new(spec, false);
    let cleaned = validator.check(schema, &Value::Object(body.clone()), at);
    out.extend(validator.into_errors());
    match cleaned {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A body with `key` set to `value` unless it has one already (the fields the store keeps
/// outside stored bodies, put back for the create schema).
fn with_field(body: &Map<String, Value>, key: &str, value: &str) -> Map<String, Value> {
    let mut body = body.clone();
    body.entry(key.to_owned())
        .or_insert_with(|| Value::String(value.to_owned()));
    body
}

fn check_location(location: &Value, at: &str, location_id: &str, out: &mut Vec<String>) {
    let Some(object) = location.as_object() else {
        out.push(format!("{at} must be an object"));
        return;
    };
    let voice_agents = records(object.get("voiceAgents"), &format!("{at}.voiceAgents"), out);
    for agent in &voice_agents {
        let here = format!("{at}.voiceAgents.{}.body", agent.index);
        let body = with_field(agent.body, "locationId", location_id);
        let before = out.len();
        let cleaned = check_body(Api::VoiceAi, "createAgent", &body, &here, out);
        if out.len() == before {
            out.extend(
                rules::create_agent(&crate::api::Params::default(), &cleaned)
                    .into_iter()
                    .map(|m| format!("{here}.{m}")),
            );
        }
    }
    let voice_actions = records(
        object.get("voiceActions"),
        &format!("{at}.voiceActions"),
        out,
    );
    for action in &voice_actions {
        let here = format!("{at}.voiceActions.{}", action.index);
        owner(action, &voice_agents, &here, "Voice AI", out);
        let body = with_field(action.body, "locationId", location_id);
        let body = with_field(&body, "agentId", action.agent_id.unwrap_or_default());
        check_body(
            Api::VoiceAi,
            "createAction",
            &body,
            &format!("{here}.body"),
            out,
        );
    }
    let conversation_agents = records(
        object.get("conversationAgents"),
        &format!("{at}.conversationAgents"),
        out,
    );
    for agent in &conversation_agents {
        let here = format!("{at}.conversationAgents.{}.body", agent.index);
        check_body(Api::ConversationAi, "createAgent", agent.body, &here, out);
    }
    let conversation_actions = records(
        object.get("conversationActions"),
        &format!("{at}.conversationActions"),
        out,
    );
    for action in &conversation_actions {
        let here = format!("{at}.conversationActions.{}", action.index);
        owner(action, &conversation_agents, &here, "Conversation AI", out);
        check_body(
            Api::ConversationAi,
            "createAction",
            action.body,
            &format!("{here}.body"),
            out,
        );
    }
    call_logs(object.get("callLogs"), &format!("{at}.callLogs"), out);
}

/// An action's `agentId` names an agent of the same API in the same location.
fn owner(action: &Record, agents: &[Record], at: &str, api: &str, out: &mut Vec<String>) {
    match action.agent_id {
        None => out.push(format!("{at}.agentId should not be empty")),
        Some(agent_id) if !agents.iter().any(|a| a.id == agent_id) => out.push(format!(
            "{at}.agentId: no {api} agent {agent_id} in this location"
        )),
        Some(_) => {}
    }
}

/// Call logs kept as data: each, completed as the store completes one, satisfies `CallLog`;
/// no id is used twice.
fn call_logs(value: Option<&Value>, at: &str, out: &mut Vec<String>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, log) in list(value, at, out).iter().enumerate() {
        let here = format!("{at}.{i}");
        let Some(object) = log.as_object() else {
            out.push(format!("{here} must be an object"));
            continue;
        };
        match object.get("id") {
            Some(Value::String(id)) => {
                if let Some(first) = seen.insert(id.as_str(), i) {
                    out.push(format!("{here}.id: duplicate id (also at {at}.{first})"));
                }
            }
            _ => out.push(format!("{here}.id must be a string")),
        }
        out.extend(call_log_problems(object, &here));
    }
}

/// The problems of one call log given as JSON, completed as [`crate::Store::add_call_log`]
/// completes it, against the spec's `CallLog` (messages carry `at` as their path); also what
/// fixtures are checked with.
pub(crate) fn call_log_problems(log: &Map<String, Value>, at: &str) -> Vec<String> {
    let spec = spec::spec(Api::VoiceAi);
    let Some(schema) = spec.schema("CallLog") else {
        return Vec::new();
    };
    let mut completed = log.clone();
    // Any instant will do: only the shape of the completed log is checked.
    complete_call_log(&mut completed, "1970-01-01T00:00:00.000Z");
    let mut validator = Validator::new(spec, false);
    validator.check(schema, &Value::Object(completed), at);
    validator.into_errors()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_sound_document_has_no_problems() {
        let document = json!({
            "version": 1,
            "locations": {"loc": {
                "voiceAgents": [{"id": "a1", "seq": 1, "agentId": null, "body": {"agentName": "A"}}],
                "voiceActions": [{"id": "x1", "seq": 2, "agentId": "a1", "body": {
                    "name": "Send", "actionType": "SMS", "actionParameters": {"triggerPrompt": "t", "triggerMessage": "m", "messageBody": "b"}}}],
                "callLogs": [{"id": "c1", "agentId": "a1", "duration": 4}]
            }},
            "webhookSubscriptions": [{"id": "sub-1", "url": "http://127.0.0.1:9/hook"}]
        });
        assert_eq!(problems(&document, "loc", false), Vec::<String>::new());
    }

    #[test]
    fn malformed_records_are_each_reported_with_their_path() {
        let document = json!({"locations": {"loc": {
            "voiceAgents": [7, {"id": 1, "seq": -1, "agentId": 3, "body": []}],
            "callLogs": "none"
        }}});
        assert_eq!(
            problems(&document, "loc", false),
            vec![
                "locations.loc.voiceAgents.0 must be an object",
                "locations.loc.voiceAgents.1.id must be a string",
                "locations.loc.voiceAgents.1.seq must be a whole number",
                "locations.loc.voiceAgents.1.agentId must be a string or null",
                "locations.loc.voiceAgents.1.body must be an object",
                "locations.loc.callLogs must be an array",
            ]
        );
    }
}
