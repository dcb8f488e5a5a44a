//! Voice AI: agents, their actions, call logs and the voices catalog.
//!
//! Agents are created with the defaults the vendor documents in its field descriptions
//! (`language` `en-US`, `patienceLevel` `high`, `maxCallDuration` 300, …). PATCH merges only the
//! fields sent. Deleting an agent deletes its actions. Actions belong to one agent; an action
//! request that names another agent than the action's own is treated as an unknown action.
//! Call logs are stored and indexed in `store::call_logs`; they come from
//! [`Store::add_call_log`] (or fixtures), [`Store::generate_call_logs`] and
//! [`Store::simulate_call`]. The voices catalog lives in `store::voices`.

use serde_json::{Map, Value, json};

use super::{IdGen, Location, Record, Revision, Store, StoreError, insert_record};
use crate::pagination::page_bounds;

/// The business name the mock's locations report.
pub(crate) const LOCATION_BUSINESS_NAME: &str = "Mock Business";
/// The timezone the mock's locations report.
pub(crate) const LOCATION_TIMEZONE: &str = "America/New_York";

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

/// An agent as the API shows it, with its actions (creation order) when `with_actions`.
pub(crate) fn agent_json(location: &Location, agent: &Record, with_actions: bool) -> Value {
    let mut out = agent.to_json();
    if with_actions {
        // The agent's own action list (creation order): O(its actions), never a scan.
        let actions: Vec<Value> = location
            .voice_agent_order
            .actions_of(&agent.id)
            .iter()
            .filter_map(|id| location.voice_actions.get(id))
            .map(|a| Value::Object(a.to_json()))
            .collect();
        out.insert("actions".to_owned(), Value::Array(actions));
    }
    Value::Object(out)
}

/// The fields of an action body that are stored (the routing keys are kept typed instead).
/// Fills the fields `CallLog` requires that a log given as JSON left out (what
/// [`Store::add_call_log`] stores, and what an imported log is checked as); `createdAt`: `now`.
pub(crate) fn complete_call_log(body: &mut Map<String, Value>, now: &str) {
    let mut default = |key: &str, value: Value| {
        if !body.contains_key(key) {
            body.insert(key.to_owned(), value);
        }
    };
    default("createdAt", json!(now));
    default("executedCallActions", json!([]));
    default("isAgentDeleted", json!(false));
    default("trialCall", json!(false));
    default("duration", json!(0));
    default("summary", json!(""));
    default("transcript", json!(""));
    default("agentId", json!(""));
}

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
    /// use mock_server::Store;
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
            let name = body
                .get("agentName")
                .and_then(Value::as_str)
                .unwrap_or_default();
            location.voice_agent_order.put_agent(seq, &id, name);
            let record = insert_record(&mut location.voice_agents, seq, id, None, body);
            agent_json(location, &record, false)
        })
    }

    /// One page of agents (creation order) whose name contains `query` case-insensitively,
    /// each with its actions, and the number of matching agents.
    /// ```
    /// use mock_server::Store;
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
        self.voice_list_agents_with(location_id, query, page, page_size, |location, agent| {
            agent_json(location, agent, true)
        })
    }

    /// [`Store::voice_list_agents`], handing each agent's revision and its answer (on demand)
    /// to `read`, so a caller can cache what it derives per revision.
    pub(crate) fn voice_list_agents_by_revision<T>(
        &self,
        location_id: &str,
        query: Option<&str>,
        page: u64,
        page_size: u64,
        read: impl Fn(u64, &dyn Fn() -> Value) -> T,
    ) -> (usize, Vec<T>) {
        self.voice_list_agents_with(location_id, query, page, page_size, |location, agent| {
            read(agent.revision.get(), &|| agent_json(location, agent, true))
        })
    }

    /// [`Store::voice_get_agent`], handing the agent's revision and its answer (on demand) to
    /// `read`.
    pub(crate) fn voice_get_agent_by_revision<T>(
        &self,
        location_id: &str,
        agent_id: &str,
        read: impl FnOnce(u64, &dyn Fn() -> Value) -> T,
    ) -> Result<T, StoreError> {
        self.read_location(location_id, |location| {
            let agent = location
                .voice_agents
                .get(agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            Ok(read(agent.revision.get(), &|| {
                agent_json(location, agent, true)
            }))
        })
    }

    fn voice_list_agents_with<T>(
        &self,
        location_id: &str,
        query: Option<&str>,
        page: u64,
        page_size: u64,
        render_agent: impl Fn(&Location, &Record) -> T,
    ) -> (usize, Vec<T>) {
        let needle = query.map(str::to_lowercase).unwrap_or_default();
        let (skip, size) = page_bounds(page, page_size);
        self.read_location(location_id, |location| {
            let index = &location.voice_agent_order;
            let render = |id: &str| {
                location
                    .voice_agents
                    .get(id)
                    .map(|a| render_agent(location, a))
            };
            if needle.is_empty() {
                // No filter: the creation-ordered index gives the count and the page directly.
                let items = index
                    .in_order()
                    .skip(skip)
                    .take(size)
                    .filter_map(|(_, id, _)| render(id))
                    .collect();
                return (index.len(), items);
            }
            let mut total = 0;
            let mut items = Vec::new();
            for (_, id, lower) in index.in_order() {
                if lower.contains(needle.as_str()) {
                    if total >= skip && items.len() < size {
                        items.extend(render(id));
                    }
                    total += 1;
                }
            }
            (total, items)
        })
    }

    /// One agent with its actions.
    /// ```
    /// use mock_server::Store;
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

    /// Merges the sent fields into an agent, with no request rule (see
    /// [`Store::voice_patch_agent_checked`]).
    /// ```
    /// use mock_server::Store;
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
        self.voice_patch_agent_checked(location_id, agent_id, patch, |_| Vec::new())
    }

    /// Merges the sent fields into an agent once `rule` finds no problem with the merged agent
    /// (the API passes its Voice AI rules); on a violation nothing changes.
    pub fn voice_patch_agent_checked(
        &self,
        location_id: &str,
        agent_id: &str,
        patch: Map<String, Value>,
        rule: impl FnOnce(&Map<String, Value>) -> Vec<String>,
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
            let problems = rule(&merged);
            if !problems.is_empty() {
                return Err(StoreError::Invalid(problems));
            }
            let agent = location
                .voice_agents
                .get_mut(agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            agent.body = merged;
            agent.revision = Revision::next();
            let out = agent_json(location, &location.voice_agents[agent_id], false);
            let agent = &location.voice_agents[agent_id];
            let name = agent
                .body
                .get("agentName")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let seq = agent.seq;
            location.voice_agent_order.put_agent(seq, agent_id, name);
            Ok(out)
        })
    }

    /// Deletes an agent and its actions.
    /// ```
    /// use mock_server::Store;
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
            let agent = location
                .voice_agents
                .remove(agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            for id in location.voice_agent_order.actions_of(agent_id) {
                location.voice_actions.remove(id);
            }
            location.voice_agent_order.remove_agent(agent.seq, agent_id);
            Ok(())
        })
    }

    /// Attaches a new action to an agent of the location.
    /// ```
    /// use mock_server::Store;
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
            location.voice_agent_order.push_action(agent_id, &id);
            location.touch_voice_agent(agent_id);
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
    /// use mock_server::Store;
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
            let out = Value::Object(action.to_json());
            location.touch_voice_agent(agent_id);
            Ok(out)
        })
    }

    /// One action of the location.
    /// ```
    /// use mock_server::Store;
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
    /// use mock_server::Store;
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
            location
                .voice_agent_order
                .remove_action(agent_id, action_id);
            location.touch_voice_agent(agent_id);
            Ok(())
        })
    }

    /// Adds a call log (a JSON object shaped like the spec's `CallLogDTO`) to a location and
    /// returns its id. Missing `id`, `createdAt`, `executedCallActions`, `isAgentDeleted`,
    /// `trialCall`, `duration`, `summary` and `transcript` are filled in.
    ///
    /// ```
    /// use mock_server::Store;
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
        let key = self.call_log_key(location_id);
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
            complete_call_log(&mut body, &self.clock().now_rfc3339());
            location.call_logs.insert_explicit(key, id.clone(), body);
            id
        })
    }

    /// One page of call logs and the number matching the filter (served from the location's
    /// call-log indexes; see the store's `call_logs` module).
    /// ```
    /// use mock_server::{CallLogFilter, Store};
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
        let key = self.call_log_key(location_id);
        self.read_location(location_id, |location| {
            let (total, rows) = location.call_logs.query(key, filter, page, page_size);
            let agents = &location.voice_agents;
            let deleted = |id: &str| !agents.contains_key(id);
            let items = rows
                .into_iter()
                .map(|row| location.call_logs.render(key, row, &deleted))
                .collect();
            (total, items)
        })
    }

    /// One call log.
    /// ```
    /// use mock_server::Store;
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
        let key = self.call_log_key(location_id);
        self.read_location(location_id, |location| {
            let row = location
                .call_logs
                .find(key, call_id)
                .ok_or_else(|| StoreError::CallNotFound(call_id.to_owned()))?;
            let agents = &location.voice_agents;
            Ok(location
                .call_logs
                .render(key, row, &|id| !agents.contains_key(id)))
        })
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (years 0000-9999) to epoch milliseconds; anything else,
/// including impossible dates such as February 30, is `None`.
pub(crate) fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let four_digit_year = text.get(4..5) == Some("-")
        && text
            .get(..4)
            .is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit()));
    let parsed =
        chrono::NaiveDateTime::parse_from_str(text.strip_suffix('Z')?, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()?;
    // chrono reads a leap second as nanoseconds past 1e9; the vendor format has none.
    let no_leap_second = chrono::Timelike::nanosecond(&parsed) < 1_000_000_000;
    (four_digit_year && no_leap_second).then(|| parsed.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rfc3339;

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
}
