//! The recorder: what the upstream answered to GETs, kept as a fixtures document (the format
//! `--fixtures` loads), so a session against the real API replays statefully in the mock.
//!
//! Recorded answers: `listAgents`, `getAgent` and `getAction` (Voice AI agents and their
//! actions), `listCallLogs` and `getCallLog`, `searchAgents`, `getAgent`, `listActions` and
//! `getAction` (Conversation AI agents and their actions) and `getGenerationDetails`. Records
//! are keyed by id: a later answer about the same record updates its fields, order is that of
//! first sight. Ids and values are kept as answered; secrets are dropped: any field whose name
//! looks secret, any header entry (`{key, value}`) whose key does, and the request's bearer
//! token wherever it appears. Actions whose agent was never seen are left out (a fixture action
//! needs its agent). The document is written atomically (temporary file, fsync, rename).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde_json::{Map, Value, json};

use super::check::Matched;
use super::violations::{REDACTED, Redactor, is_secret_name};
use crate::api::query_pairs;
use crate::spec::Api;

/// Records in first-seen order, each keyed by its id.
#[derive(Debug, Default)]
struct Keyed {
    records: Vec<Map<String, Value>>,
}

impl Keyed {
    /// Adds `record`, or merges its fields into the record with the same `key` value.
    fn upsert(&mut self, key: &str, record: Map<String, Value>) {
        self.merge(key, record, true);
    }

    /// Like [`Keyed::upsert`], but a summary (a search result) only fills fields the record
    /// does not have yet: the full answer wins whichever came first.
    fn fill(&mut self, key: &str, record: Map<String, Value>) {
        self.merge(key, record, false);
    }

    fn merge(&mut self, key: &str, record: Map<String, Value>, overwrite: bool) {
        let Some(id) = record.get(key).cloned() else {
            return;
        };
        match self.records.iter_mut().find(|r| r.get(key) == Some(&id)) {
            Some(existing) if overwrite => existing.extend(record),
            Some(existing) => {
                for (name, value) in record {
                    existing.entry(name).or_insert(value);
                }
            }
            None => self.records.push(record),
        }
    }
}

#[derive(Debug, Default)]
struct Recording {
    voice_agents: Keyed,
    voice_actions: Vec<(String, Keyed)>,
    conversation_agents: Keyed,
    conversation_actions: Vec<(String, Keyed)>,
    call_logs: Keyed,
    generations: Vec<Map<String, Value>>,
}

fn actions_of<'a>(lists: &'a mut Vec<(String, Keyed)>, agent: &str) -> &'a mut Keyed {
    let at = match lists.iter().position(|(id, _)| id == agent) {
        Some(at) => at,
        None => {
            lists.push((agent.to_owned(), Keyed::default()));
            lists.len() - 1
        }
    };
    &mut lists[at].1
}

/// The recorder behind `--record FILE`.
#[derive(Debug)]
pub(crate) struct Recorder {
    path: PathBuf,
    recording: Mutex<Recording>,
}

impl Recorder {
    /// A recorder that will write to `path`.
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            recording: Mutex::new(Recording::default()),
        }
    }

    /// Where the document goes.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Takes in one successful GET answer.
    pub(crate) fn observe(
        &self,
        matched: &Matched,
        query: &str,
        body: &Value,
        redactor: &Redactor,
    ) {
        let body = clean(body, redactor);
        let param = |name: &str| {
            matched
                .path_params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let mut rec = self
            .recording
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let rec = &mut *rec;
        match (matched.api, matched.op.id.as_str()) {
            (Api::VoiceAi, "listAgents") => {
                for agent in objects(body.get("agents")) {
                    voice_agent(rec, agent);
                }
            }
            (Api::VoiceAi, "getAgent") => {
                if let Value::Object(agent) = body {
                    voice_agent(rec, agent);
                }
            }
            (Api::VoiceAi, "getAction") => {
                if let Value::Object(action) = body
                    && let Some(agent) = action.get("agentId").and_then(Value::as_str)
                {
                    let agent = agent.to_owned();
                    actions_of(&mut rec.voice_actions, &agent).upsert("id", action);
                }
            }
            (Api::VoiceAi, "listCallLogs") => {
                for log in objects(body.get("callLogs")) {
                    rec.call_logs.upsert("id", log);
                }
            }
            (Api::VoiceAi, "getCallLog") => {
                if let Value::Object(log) = body {
                    rec.call_logs.upsert("id", log);
                }
            }
            (Api::ConversationAi, "searchAgents") => {
                for mut agent in objects(body.get("agents")) {
                    // A search result's `goal` is a summary object; the agent's own `goal` is
                    // its prompt, as `getAgent` and the create request have it.
                    if let Some(Value::Object(goal)) = agent.get("goal") {
                        match goal.get("prompt").cloned() {
                            Some(prompt @ Value::String(_)) => agent.insert("goal".into(), prompt),
                            _ => agent.remove("goal"),
                        };
                    }
                    agent.remove("actions");
                    rec.conversation_agents.fill("id", agent);
                }
            }
            (Api::ConversationAi, "getAgent") => {
                if let Value::Object(agent) = body {
                    rec.conversation_agents.upsert("id", agent);
                }
            }
            (Api::ConversationAi, "listActions") => {
                if let Some(agent) = param("agentId") {
                    for action in objects(body.get("data")) {
                        actions_of(&mut rec.conversation_actions, &agent).upsert("id", action);
                    }
                }
            }
            (Api::ConversationAi, "getAction") => {
                if let Some(agent) = param("agentId")
                    && let Some(Value::Object(action)) = body.get("data").cloned()
                {
                    actions_of(&mut rec.conversation_actions, &agent).upsert("id", action);
                }
            }
            (Api::ConversationAi, "getGenerationDetails") => {
                let pairs = query_pairs(query);
                let get = |name: &str| {
                    pairs
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.to_string())
                };
                if let (Some(message_id), Some(source)) = (get("messageId"), get("source")) {
                    rec.generations
                        .retain(|g| !(g["messageId"] == message_id && g["source"] == source));
                    let entry = json!({"messageId": message_id, "source": source, "details": body});
                    if let Value::Object(entry) = entry {
                        rec.generations.push(entry);
                    }
                }
            }
            _ => {}
        }
    }

    /// The fixtures document recorded so far.
    pub(crate) fn document(&self) -> Value {
        let rec = self
            .recording
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let with_actions = |agents: &Keyed, actions: &[(String, Keyed)]| -> Vec<Value> {
            agents
                .records
                .iter()
                .map(|agent| {
                    let mut agent = agent.clone();
                    let id = agent.get("id").and_then(Value::as_str).unwrap_or_default();
                    let list: Vec<Value> = actions
                        .iter()
                        .find(|(owner, _)| owner == id)
                        .map(|(_, keyed)| {
                            keyed.records.iter().cloned().map(Value::Object).collect()
                        })
                        .unwrap_or_default();
                    agent.insert("actions".into(), Value::Array(list));
                    Value::Object(agent)
                })
                .collect()
        };
        json!({
            "voiceAgents": with_actions(&rec.voice_agents, &rec.voice_actions),
            "conversationAgents": with_actions(&rec.conversation_agents, &rec.conversation_actions),
            "callLogs": rec.call_logs.records,
            "generations": rec.generations,
        })
    }

    /// Writes the document atomically.
    pub(crate) fn write(&self) -> Result<(), String> {
        let mut bytes = serde_json::to_vec_pretty(&self.document())
            .map_err(|e| format!("encoding the recording: {e}"))?;
        bytes.push(b'\n');
        crate::persistence::write_atomically(&self.path, &bytes)
            .map_err(|e| format!("writing {}: {e}", self.path.display()))
    }
}

/// A Voice AI agent answer: the agent, and its actions filed under it.
fn voice_agent(rec: &mut Recording, mut agent: Map<String, Value>) {
    let Some(id) = agent.get("id").and_then(Value::as_str).map(str::to_owned) else {
        return;
    };
    let actions = agent.remove("actions");
    rec.voice_agents.upsert("id", agent);
    let list = actions_of(&mut rec.voice_actions, &id);
    for action in objects(actions.as_ref()) {
        list.upsert("id", action);
    }
}

fn objects(list: Option<&Value>) -> Vec<Map<String, Value>> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_object().cloned())
        .collect()
}

/// `value` without secrets: secret-named fields and header entries dropped, the bearer token
/// replaced wherever it appears.
fn clean(value: &Value, redactor: &Redactor) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(name, _)| !is_secret_name(name))
                .map(|(name, v)| (name.clone(), clean(v, redactor)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|item| {
                    !item
                        .get("key")
                        .and_then(Value::as_str)
                        .is_some_and(is_secret_name)
                })
                .map(|item| clean(item, redactor))
                .collect(),
        ),
        Value::String(text) => {
            let scrubbed = redactor.scrub(text);
            if scrubbed.contains(REDACTED) {
                Value::String(String::new())
            } else {
                Value::String(scrubbed)
            }
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::check::find_operation;

    #[test]
    fn answers_about_the_same_record_merge_and_actions_follow_their_agent() {
        let recorder = Recorder::new(PathBuf::from("unused.json"));
        let redactor = Redactor::for_authorization(Some("Bearer pit-abcdef"));
        let list = find_operation("GET", "/voice-ai/agents").expect("listAgents");
        recorder.observe(
            &list,
            "locationId=l",
            &json!({"agents": [{"id": "a1", "agentName": "A", "actions": [{"id": "x1", "name": "n"}]}]}),
            &redactor,
        );
        let get = find_operation("GET", "/voice-ai/agents/a1").expect("getAgent");
        recorder.observe(
            &get,
            "",
            &json!({"id": "a1", "agentName": "B", "note": "pit-abcdef", "apiKey": "k",
                    "actions": [{"id": "x1", "name": "m", "headers": [{"key": "Authorization", "value": "v"}, {"key": "Accept", "value": "a"}]}]}),
            &redactor,
        );
        let doc = recorder.document();
        assert_eq!(doc["voiceAgents"].as_array().map(Vec::len), Some(1));
        let agent = &doc["voiceAgents"][0];
        assert_eq!(agent["agentName"], "B");
        assert_eq!(agent["note"], "", "the token is never recorded");
        assert!(agent.get("apiKey").is_none());
        assert_eq!(agent["actions"][0]["name"], "m");
        assert_eq!(
            agent["actions"][0]["headers"],
            json!([{"key": "Accept", "value": "a"}])
        );
    }

    #[test]
    fn a_search_summary_never_overrides_the_full_agent_whatever_the_order() {
        let redactor = Redactor::default();
        let search = find_operation("GET", "/conversation-ai/agents/search").expect("searchAgents");
        let get = find_operation("GET", "/conversation-ai/agents/c1").expect("getAgent");
        let summary = json!({"agents": [{"id": "c1", "name": "S", "goal": {"prompt": "p", "type": "custom"}}]});
        let full = json!({"id": "c1", "name": "Full", "goal": "the goal", "personality": "kind"});
        for order in [[&search, &get], [&get, &search]] {
            let recorder = Recorder::new(PathBuf::from("unused.json"));
            for op in order {
                let body = if op.op.id == "searchAgents" {
                    &summary
                } else {
                    &full
                };
                recorder.observe(op, "", body, &redactor);
            }
            let agent = &recorder.document()["conversationAgents"][0];
            assert_eq!(
                (agent["name"].as_str(), agent["goal"].as_str()),
                (Some("Full"), Some("the goal"))
            );
        }
        let only_search = Recorder::new(PathBuf::from("unused.json"));
        only_search.observe(&search, "", &summary, &redactor);
        assert_eq!(only_search.document()["conversationAgents"][0]["goal"], "p");
    }
}
