//! Voice AI: agents, their actions, call logs and the voices catalog.
//!
//! Agents are created with the defaults the vendor documents in its field descriptions
//! (`language` `en-US`, `patienceLevel` `high`, `maxCallDuration` 300, …). PATCH merges only the
//! fields sent. Deleting an agent deletes its actions. Actions belong to one agent; an action
//! request that names another agent than the action's own is treated as an unknown action.
//! Call logs are only present when added through [`Store::add_call_log`] (or fixtures): the
//! mock places no calls.

use serde_json::{Map, Value, json};

use super::{
    IdGen, Location, Record, Store, StoreError, in_order, insert_record, now_rfc3339, rfc3339,
};
use crate::pagination::page_of;

/// The business name the mock's locations report.
pub const LOCATION_BUSINESS_NAME: &str = "Mock Business";
/// The timezone the mock's locations report.
pub const LOCATION_TIMEZONE: &str = "America/New_York";

/// Filters of the call-log list, already validated.
#[derive(Debug, Clone, Default)]
pub struct CallLogFilter {
    /// Only calls of this agent.
    pub agent_id: Option<String>,
    /// Only calls with one of these contacts.
    pub contact_ids: Vec<String>,
    /// `Some(true)` trial calls only, `Some(false)` live calls only.
    pub trial: Option<bool>,
    /// Created at or after, epoch ms.
    pub start_ms: Option<i64>,
    /// Created at or before, epoch ms.
    pub end_ms: Option<i64>,
    /// Only calls that executed one of these action types.
    pub action_types: Vec<String>,
    /// `duration` or `createdAt`; newest first when absent.
    pub sort_by: Option<String>,
    /// Ascending instead of descending.
    pub ascending: bool,
}

fn agent_defaults(body: &mut Map<String, Value>, ids: &mut IdGen, voice_id: &str) {
    let mut default = |key: &str, value: Value| {
        body.entry(key.to_owned()).or_insert(value);
    };
    default(
        "agentName",
        json!(format!("My Agent {}", 100 + ids.below(900))),
    );
    default("businessName", json!(LOCATION_BUSINESS_NAME));
    default("language", json!("en-US"));
    default("patienceLevel", json!("high"));
    default("maxCallDuration", json!(300));
    default("sendUserIdleReminders", json!(true));
    default("reminderAfterIdleTimeSeconds", json!(8));
    default("callEndWorkflowIds", json!([]));
    default(
        "sendPostCallNotificationTo",
        json!({"admins": true, "allUsers": false, "contactAssignedUser": false, "specificUsers": [], "customEmails": []}),
    );
    default("agentWorkingHours", json!([]));
    default("timezone", json!(LOCATION_TIMEZONE));
    default("isAgentAsBackupDisabled", json!(false));
    default("translation", json!({"enabled": false}));
    default("voiceId", json!(voice_id));
    let name = body
        .get("agentName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let business = body
        .get("businessName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    body.entry("welcomeMessage".to_owned()).or_insert_with(|| {
        json!(format!(
            "Hi, thanks for calling {business}. This is {name}, how can I help you today?"
        ))
    });
    body.entry("agentPrompt".to_owned())
        .or_insert_with(|| json!(format!("You are {name}, a friendly receptionist for {business}. Answer questions and help callers.")));
}

/// The vendor's translation rules, checked on the agent as it would be stored.
pub(crate) fn translation_problems(agent: &Map<String, Value>) -> Vec<String> {
    let Some(translation) = agent.get("translation").and_then(Value::as_object) else {
        return Vec::new();
    };
    if translation.get("enabled").and_then(Value::as_bool) != Some(true) {
        return Vec::new();
    }
    let language = agent
        .get("language")
        .and_then(Value::as_str)
        .unwrap_or("en-US");
    let mut problems = Vec::new();
    if language == "en-US" {
        problems.push(
            "translation.enabled can only be true if the agent's language is not en-US".to_owned(),
        );
    }
    match translation.get("language").and_then(Value::as_str) {
        None => problems.push("translation.language should not be empty".to_owned()),
        Some(target) if target != language && target != "en-US" => problems
            .push("translation.language must be either the agent's language or en-US".to_owned()),
        Some(_) => {}
    }
    problems
}

fn agent_json(location: &Location, agent: &Record, with_actions: bool) -> Value {
    let mut out = agent.to_json();
    if with_actions {
        let actions: Vec<Value> = in_order(
            location
                .voice_actions
                .values()
                .filter(|a| a.agent_id.as_deref() == Some(agent.id.as_str())),
        )
        .into_iter()
        .map(|a| Value::Object(a.to_json()))
        .collect();
        out.insert("actions".to_owned(), Value::Array(actions));
    }
    Value::Object(out)
}

/// The fields of an action body that are stored (the routing keys are kept typed instead).
fn action_fields(mut body: Map<String, Value>) -> Map<String, Value> {
    body.remove("agentId");
    body.remove("locationId");
    body.remove("id");
    body
}

impl Store {
    /// Creates a Voice AI agent from a validated body, filling the documented defaults. A given
    /// `id` (fixtures) is kept; otherwise a fresh ObjectId is issued.
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// // Act
    /// let agent = store.voice_create_agent("loc", None, obj(json!({"agentName": "Front Desk"})));
    /// // Assert
    /// assert_eq!(agent["agentName"], "Front Desk");
    /// assert_eq!(agent["maxCallDuration"], 300);
    /// ```
    pub fn voice_create_agent(
        &self,
        location_id: &str,
        id: Option<String>,
        mut body: Map<String, Value>,
    ) -> Value {
        let default_voice = self
            .voices
            .first()
            .and_then(|v| v.get("voiceId"))
            .and_then(Value::as_str)
            .unwrap_or("rhKGiHCLeAC5KPBEZiUq")
            .to_owned();
        self.with_location(location_id, |location, ids| {
            let id = match id {
                Some(id) => {
                    ids.reserve(&id);
                    id
                }
                None => ids.object_id(),
            };
            body.remove("id");
            body.insert("locationId".to_owned(), json!(location_id));
            agent_defaults(&mut body, ids, &default_voice);
            let seq = location.take_seq();
            let record = insert_record(&mut location.voice_agents, seq, id, None, body);
            agent_json(location, &record, false)
        })
    }

    /// One page of agents (creation order) whose name contains `query` case-insensitively,
    /// each with its actions, and the number of matching agents.
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// store.voice_create_agent("loc", None, obj(json!({"agentName": "Front Desk"})));
    /// store.voice_create_agent("loc", None, obj(json!({"agentName": "Night"})));
    /// // Act
    /// let (total, agents) = store.voice_list_agents("loc", Some("desk"), 1, 10);
    /// // Assert
    /// assert_eq!(total, 1);
    /// assert_eq!(agents[0]["actions"], json!([]));
    /// ```
    pub fn voice_list_agents(
        &self,
        location_id: &str,
        query: Option<&str>,
        page: u64,
        page_size: u64,
    ) -> (usize, Vec<Value>) {
        let needle = query.map(str::to_lowercase).unwrap_or_default();
        self.read_location(location_id, |location| {
            let matching: Vec<&Record> = in_order(location.voice_agents.values())
                .into_iter()
                .filter(|a| {
                    a.body
                        .get("agentName")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains(&needle)
                })
                .collect();
            let total = matching.len();
            let items = page_of(matching, page, page_size)
                .into_iter()
                .map(|a| agent_json(location, a, true))
                .collect();
            (total, items)
        })
    }

    /// One agent with its actions.
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.voice_create_agent("loc", None, obj(json!({"agentName": "A"})))["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let agent = store.voice_get_agent("loc", &agent_id).expect("exists");
    /// // Assert
    /// assert_eq!(agent["agentName"], "A");
    /// ```
    pub fn voice_get_agent(&self, location_id: &str, agent_id: &str) -> Result<Value, StoreError> {
        self.read_location(location_id, |location| {
            let agent = location
                .voice_agents
                .get(agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            Ok(agent_json(location, agent, true))
        })
    }

    /// Merges the sent fields into an agent. The translation rules are checked on the merged
    /// agent; on a violation nothing changes.
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.voice_create_agent("loc", None, obj(json!({"agentName": "A"})))["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let agent = store.voice_patch_agent("loc", &agent_id, obj(json!({"agentName": "B"}))).expect("exists");
    /// // Assert
    /// assert_eq!(agent["agentName"], "B");
    /// assert_eq!(agent["language"], "en-US");
    /// ```
    pub fn voice_patch_agent(
        &self,
        location_id: &str,
        agent_id: &str,
        patch: Map<String, Value>,
    ) -> Result<Value, StoreError> {
        self.with_location(location_id, |location, _| {
            let agent = location
                .voice_agents
                .get(agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            let mut merged = agent.body.clone();
            for (key, value) in patch {
                if key != "id" && key != "locationId" {
                    merged.insert(key, value);
                }
            }
            let problems = translation_problems(&merged);
            if !problems.is_empty() {
                return Err(StoreError::Invalid(problems));
            }
            let agent = location
                .voice_agents
                .get_mut(agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            agent.body = merged;
            let agent = agent.clone();
            Ok(agent_json(location, &agent, false))
        })
    }

    /// Deletes an agent and its actions.
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.voice_create_agent("loc", None, obj(json!({"agentName": "A"})))["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// store.voice_delete_agent("loc", &agent_id).expect("exists");
    /// // Assert
    /// assert!(store.voice_get_agent("loc", &agent_id).is_err());
    /// ```
    pub fn voice_delete_agent(&self, location_id: &str, agent_id: &str) -> Result<(), StoreError> {
        self.with_location(location_id, |location, _| {
            location
                .voice_agents
                .remove(agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            location
                .voice_actions
                .retain(|_, a| a.agent_id.as_deref() != Some(agent_id));
            Ok(())
        })
    }

    /// Attaches a new action to an agent of the location.
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.voice_create_agent("loc", None, obj(json!({"agentName": "A"})))["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let action = store.voice_create_action("loc", &agent_id, None, obj(json!({"name": "Kb", "actionType": "KNOWLEDGE_BASE", "actionParameters": {"triggerPrompt": "q", "knowledgeBaseId": "kb"}}))).expect("the agent exists");
    /// // Assert
    /// assert_eq!(action["actionType"], "KNOWLEDGE_BASE");
    /// ```
    pub fn voice_create_action(
        &self,
        location_id: &str,
        agent_id: &str,
        id: Option<String>,
        body: Map<String, Value>,
    ) -> Result<Value, StoreError> {
        self.with_location(location_id, |location, ids| {
            if !location.voice_agents.contains_key(agent_id) {
                return Err(StoreError::AgentNotFound(agent_id.to_owned()));
            }
            let id = match id {
                Some(id) => {
                    ids.reserve(&id);
                    id
                }
                None => ids.object_id(),
            };
            let seq = location.take_seq();
            let record = insert_record(
                &mut location.voice_actions,
                seq,
                id,
                Some(agent_id.to_owned()),
                action_fields(body),
            );
            Ok(Value::Object(record.to_json()))
        })
    }

    /// Replaces an action's type, name and parameters. The agent must exist and own the action.
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.voice_create_agent("loc", None, obj(json!({"agentName": "A"})))["id"].as_str().expect("an id").to_owned();
    /// let id = store.voice_create_action("loc", &agent_id, None, obj(json!({"name": "Kb", "actionType": "KNOWLEDGE_BASE", "actionParameters": {"triggerPrompt": "q", "knowledgeBaseId": "kb"}}))).expect("created")["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let action = store.voice_update_action("loc", &agent_id, &id, obj(json!({"name": "Renamed"}))).expect("exists");
    /// // Assert
    /// assert_eq!(action["name"], "Renamed");
    /// assert!(action.get("actionType").is_none());
    /// ```
    pub fn voice_update_action(
        &self,
        location_id: &str,
        agent_id: &str,
        action_id: &str,
        body: Map<String, Value>,
    ) -> Result<Value, StoreError> {
        self.with_location(location_id, |location, _| {
            if !location.voice_agents.contains_key(agent_id) {
                return Err(StoreError::AgentNotFound(agent_id.to_owned()));
            }
            let action = location
                .voice_actions
                .get_mut(action_id)
                .filter(|a| a.agent_id.as_deref() == Some(agent_id))
                .ok_or_else(|| StoreError::ActionNotFound(action_id.to_owned()))?;
            action.body = action_fields(body);
            Ok(Value::Object(action.to_json()))
        })
    }

    /// One action of the location.
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.voice_create_agent("loc", None, obj(json!({"agentName": "A"})))["id"].as_str().expect("an id").to_owned();
    /// let id = store.voice_create_action("loc", &agent_id, None, obj(json!({"name": "Kb", "actionType": "KNOWLEDGE_BASE", "actionParameters": {"triggerPrompt": "q", "knowledgeBaseId": "kb"}}))).expect("created")["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let action = store.voice_get_action("loc", &id);
    /// // Assert
    /// assert_eq!(action.expect("exists")["name"], "Kb");
    /// ```
    pub fn voice_get_action(
        &self,
        location_id: &str,
        action_id: &str,
    ) -> Result<Value, StoreError> {
        self.read_location(location_id, |location| {
            location
                .voice_actions
                .get(action_id)
                .map(|a| Value::Object(a.to_json()))
                .ok_or_else(|| StoreError::ActionNotFound(action_id.to_owned()))
        })
    }

    /// Deletes an action owned by `agent_id`.
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.voice_create_agent("loc", None, obj(json!({"agentName": "A"})))["id"].as_str().expect("an id").to_owned();
    /// let id = store.voice_create_action("loc", &agent_id, None, obj(json!({"name": "Kb", "actionType": "KNOWLEDGE_BASE", "actionParameters": {"triggerPrompt": "q", "knowledgeBaseId": "kb"}}))).expect("created")["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// store.voice_delete_action("loc", &agent_id, &id).expect("owned by the agent");
    /// // Assert
    /// assert!(store.voice_get_action("loc", &id).is_err());
    /// ```
    pub fn voice_delete_action(
        &self,
        location_id: &str,
        agent_id: &str,
        action_id: &str,
    ) -> Result<(), StoreError> {
        self.with_location(location_id, |location, _| {
            if !location.voice_agents.contains_key(agent_id) {
                return Err(StoreError::AgentNotFound(agent_id.to_owned()));
            }
            let owned = location
                .voice_actions
                .get(action_id)
                .is_some_and(|a| a.agent_id.as_deref() == Some(agent_id));
            if !owned {
                return Err(StoreError::ActionNotFound(action_id.to_owned()));
            }
            location.voice_actions.remove(action_id);
            Ok(())
        })
    }

    /// Adds a call log (a JSON object shaped like the spec's `CallLogDTO`) to a location and
    /// returns its id. Missing `id`, `createdAt`, `executedCallActions`, `isAgentDeleted`,
    /// `trialCall`, `duration`, `summary` and `transcript` are filled in.
    ///
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// // Act
    /// let id = store.add_call_log("loc1", json!({"agentId": "a1", "duration": 42}));
    /// // Assert
    /// assert_eq!(store.voice_get_call_log("loc1", &id).expect("stored")["duration"], 42);
    /// ```
    pub fn add_call_log(&self, location_id: &str, log: Value) -> String {
        let mut body = match log {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        self.with_location(location_id, |location, ids| {
            let id = match body
                .remove("id")
                .and_then(|v| v.as_str().map(str::to_owned))
            {
                Some(id) => {
                    ids.reserve(&id);
                    id
                }
                None => ids.object_id(),
            };
            let mut default = |key: &str, value: Value| {
                body.entry(key.to_owned()).or_insert(value);
            };
            default("createdAt", json!(now_rfc3339()));
            default("executedCallActions", json!([]));
            default("isAgentDeleted", json!(false));
            default("trialCall", json!(false));
            default("duration", json!(0));
            default("summary", json!(""));
            default("transcript", json!(""));
            default("agentId", json!(""));
            let agent_id = body
                .get("agentId")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let seq = location.take_seq();
            insert_record(&mut location.call_logs, seq, id.clone(), agent_id, body);
            id
        })
    }

    /// One page of call logs and the number matching the filter.
    /// ```
    /// use mock_server::store::{Store, voice_ai::CallLogFilter};
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// store.add_call_log("loc", json!({"agentId": "a1"}));
    /// store.add_call_log("loc", json!({"agentId": "a2"}));
    /// let filter = CallLogFilter { agent_id: Some("a2".into()), ..Default::default() };
    /// // Act
    /// let (total, logs) = store.voice_list_call_logs("loc", &filter, 1, 10);
    /// // Assert
    /// assert_eq!(total, 1);
    /// assert_eq!(logs[0]["agentId"], "a2");
    /// ```
    pub fn voice_list_call_logs(
        &self,
        location_id: &str,
        filter: &CallLogFilter,
        page: u64,
        page_size: u64,
    ) -> (usize, Vec<Value>) {
        self.read_location(location_id, |location| {
            let mut matching: Vec<&Record> = location
                .call_logs
                .values()
                .filter(|log| call_matches(log, filter))
                .collect();
            let key = |r: &Record| -> f64 {
                match filter.sort_by.as_deref() {
                    Some("duration") => r
                        .body
                        .get("duration")
                        .and_then(Value::as_f64)
                        .unwrap_or(0.0),
                    _ => created_ms(r).map(|ms| ms as f64).unwrap_or(r.seq as f64),
                }
            };
            matching.sort_by(|a, b| key(a).total_cmp(&key(b)).then(a.seq.cmp(&b.seq)));
            if !filter.ascending {
                matching.reverse();
            }
            let total = matching.len();
            let items = page_of(matching, page, page_size)
                .into_iter()
                .map(|r| Value::Object(r.to_json()))
                .collect();
            (total, items)
        })
    }

    /// One call log.
    /// ```
    /// use mock_server::store::Store;
    /// // Arrange
    /// let store = Store::new(1);
    /// // Act
    /// let missing = store.voice_get_call_log("loc", "nope");
    /// // Assert
    /// assert!(missing.is_err());
    /// ```
    pub fn voice_get_call_log(
        &self,
        location_id: &str,
        call_id: &str,
    ) -> Result<Value, StoreError> {
        self.read_location(location_id, |location| {
            location
                .call_logs
                .get(call_id)
                .map(|r| Value::Object(r.to_json()))
                .ok_or_else(|| StoreError::CallNotFound(call_id.to_owned()))
        })
    }

    /// One page of the voices catalog, optionally of one language, and the number matching.
    /// ```
    /// use mock_server::store::Store;
    /// // Arrange
    /// let store = Store::new(1);
    /// // Act
    /// let (total, voices) = store.voice_list_voices(Some("en-US"), 1, 2);
    /// // Assert
    /// assert_eq!(total, 3);
    /// assert_eq!(voices.len(), 2);
    /// ```
    pub fn voice_list_voices(
        &self,
        language: Option<&str>,
        page: u64,
        page_size: u64,
    ) -> (usize, Vec<Value>) {
        let matching: Vec<&Value> = self
            .voices
            .iter()
            .filter(|v| {
                language.is_none_or(|l| v.get("language").and_then(Value::as_str) == Some(l))
            })
            .collect();
        let total = matching.len();
        (
            total,
            page_of(matching, page, page_size)
                .into_iter()
                .cloned()
                .collect(),
        )
    }

    /// One voice of the catalog.
    /// ```
    /// use mock_server::store::Store;
    /// // Arrange
    /// let store = Store::new(1);
    /// let (_, voices) = store.voice_list_voices(None, 1, 1);
    /// let id = voices[0]["voiceId"].as_str().expect("an id");
    /// // Act
    /// let voice = store.voice_get_voice(id).expect("in the catalog");
    /// // Assert
    /// assert_eq!(voice["name"], voices[0]["name"]);
    /// ```
    pub fn voice_get_voice(&self, voice_id: &str) -> Result<Value, StoreError> {
        self.voices
            .iter()
            .find(|v| v.get("voiceId").and_then(Value::as_str) == Some(voice_id))
            .cloned()
            .ok_or_else(|| StoreError::VoiceNotFound(voice_id.to_owned()))
    }
}

fn created_ms(record: &Record) -> Option<i64> {
    record
        .body
        .get("createdAt")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339_ms)
}

fn call_matches(log: &Record, filter: &CallLogFilter) -> bool {
    if filter
        .agent_id
        .as_ref()
        .is_some_and(|a| log.agent_id.as_ref() != Some(a))
    {
        return false;
    }
    let contact = log
        .body
        .get("contactId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !filter.contact_ids.is_empty() && !filter.contact_ids.iter().any(|c| c == contact) {
        return false;
    }
    let trial = log
        .body
        .get("trialCall")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if filter.trial.is_some_and(|t| t != trial) {
        return false;
    }
    if filter.start_ms.is_some() || filter.end_ms.is_some() {
        let Some(ms) = created_ms(log) else {
            return false;
        };
        if filter.start_ms.is_some_and(|s| ms < s) || filter.end_ms.is_some_and(|e| ms > e) {
            return false;
        }
    }
    if !filter.action_types.is_empty() {
        let executed = log
            .body
            .get("executedCallActions")
            .and_then(Value::as_array);
        let hit = executed.into_iter().flatten().any(|a| {
            a.get("actionType")
                .and_then(Value::as_str)
                .is_some_and(|t| filter.action_types.iter().any(|f| f == t))
        });
        if !hit {
            return false;
        }
    }
    true
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (years 0000-9999) to epoch milliseconds; anything else,
/// including impossible dates such as February 30, is `None`.
pub(crate) fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let (date, time) = text.strip_suffix('Z')?.split_once('T')?;
    let numbers = |part: &str, sep: char| -> Option<Vec<i64>> {
        part.split(sep).map(|p| p.parse::<i64>().ok()).collect()
    };
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let (ymd, clock) = (numbers(date, '-')?, numbers(hms, ':')?);
    let ([y, m, d], [hh, mm, ss]) = (
        <[i64; 3]>::try_from(ymd).ok()?,
        <[i64; 3]>::try_from(clock).ok()?,
    );
    let in_range = (0..=9999).contains(&y)
        && (1..=12).contains(&m)
        && (1..=31).contains(&d)
        && (0..24).contains(&hh)
        && (0..60).contains(&mm)
        && (0..60).contains(&ss);
    if !in_range || frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis: i64 = format!("{frac:0<3}").get(..3)?.parse().ok()?;
    // Days-from-civil (the inverse of `rfc3339`).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = (days * 86_400 + hh * 3600 + mm * 60 + ss) * 1000 + millis;
    // A day past the end of its month rolls over; the round trip catches it.
    rfc3339(ms).starts_with(date).then_some(ms)
}

/// A small, seeded voices catalog (the vendor's voices endpoints are not public; see README).
pub(crate) fn voice_catalog(seed: u64) -> Vec<Value> {
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x766f_6963_6573);
    let entries = [
        (
            "Ava",
            "en-US",
            "female",
            "American",
            true,
            "Warm and professional, good for receptionists",
        ),
        (
            "Liam",
            "en-US",
            "male",
            "American",
            true,
            "Calm and clear, good for support lines",
        ),
        (
            "Olivia",
            "en-US",
            "female",
            "British",
            false,
            "Bright and friendly",
        ),
        (
            "Lucas",
            "pt-BR",
            "male",
            "Brazilian",
            false,
            "Relaxed and natural",
        ),
        (
            "Sofia",
            "es",
            "female",
            "Castilian",
            false,
            "Energetic sales voice",
        ),
        (
            "Hugo",
            "fr",
            "male",
            "Parisian",
            false,
            "Polite and measured",
        ),
        (
            "Mia",
            "de",
            "female",
            "Standard German",
            false,
            "Crisp and precise",
        ),
        (
            "Nova",
            "multi",
            "female",
            "Neutral",
            true,
            "Multilingual voice",
        ),
    ];
    entries
        .iter()
        .map(
            |(name, language, gender, accent, recommended, description)| {
                let voice_id = super::alnum(&mut rng, 20);
                json!({
                    "voiceId": voice_id,
                    "name": name,
                    "previewUrl": format!("https://storage.example.com/voices/{voice_id}.mp3"),
                    "recommended": recommended,
                    "multilingual": *language == "multi",
                    "language": language,
                    "description": description,
                    "accent": accent,
                    "category": if *recommended { "premium" } else { "standard" },
                    "gender": gender,
                })
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(
            parse_rfc3339_ms("2023-03-20T10:40:00.123Z"),
            Some(1_679_308_800_123)
        );
        assert_eq!(
            parse_rfc3339_ms("2023-03-20T10:40:00Z"),
            Some(1_679_308_800_000)
        );
        assert_eq!(parse_rfc3339_ms("nonsense"), None);
        assert_eq!(parse_rfc3339_ms("2023-02-30T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms("99999999999999999-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms(&rfc3339(5)), Some(5));
    }

    #[test]
    fn deleting_an_agent_deletes_its_actions() {
        let store = Store::new(1);
        let agent = store.voice_create_agent("loc", None, Map::new());
        let agent_id = agent["id"].as_str().expect("id").to_owned();
        let action = store
            .voice_create_action("loc", &agent_id, None, Map::new())
            .expect("agent exists");
        let action_id = action["id"].as_str().expect("id").to_owned();
        store
            .voice_delete_agent("loc", &agent_id)
            .expect("agent exists");
        assert_eq!(
            store.voice_get_action("loc", &action_id),
            Err(StoreError::ActionNotFound(action_id.clone()))
        );
    }

    #[test]
    fn translation_rules_follow_the_vendor_description() {
        let agent = |v: Value| v.as_object().cloned().expect("object");
        assert!(
            translation_problems(&agent(
                json!({"language": "es", "translation": {"enabled": true, "language": "es"}})
            ))
            .is_empty()
        );
        assert_eq!(
            translation_problems(&agent(
                json!({"language": "en-US", "translation": {"enabled": true, "language": "en-US"}})
            )),
            vec!["translation.enabled can only be true if the agent's language is not en-US"]
        );
        assert_eq!(
            translation_problems(&agent(
                json!({"language": "es", "translation": {"enabled": true, "language": "fr"}})
            )),
            vec!["translation.language must be either the agent's language or en-US"]
        );
    }
}
