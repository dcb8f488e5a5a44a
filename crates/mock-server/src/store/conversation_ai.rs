//! Conversation AI: agents ("employees"), their actions, follow-up settings and generation
//! details.
//!
//! Update semantics: `PUT /conversation-ai/agents/{agentId}` takes `UpdateEmployeeDto`, in which
//! every field but `autoPilotMaxMessages` is optional, so a replace would wipe required fields
//! such as `name`; the mock therefore **merges** the sent fields (like a PATCH). `PUT
//! .../actions/{actionId}` takes `CreateActionDTO`, whose fields are all required, so it
//! **replaces** the action's `type`, `name` and `details`. Follow-up settings are written into
//! `details.followupSettings` of each listed `advancedFollowup` action; every listed id is checked
//! before any is changed. Search pages by creation order: `startAfter` names the agent after
//! which the page starts (deleted agents stay valid cursors). Search results show `goal` as the
//! object the spec's `AgentListItem` declares; every other read shows the string that was sent.

use serde_json::{Map, Value, json};

use super::{Location, Record, Revision, Store, StoreError, insert_record};

/// A page of a Conversation AI agent search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// The agents of this page.
    pub agents: Vec<Value>,
    /// Every agent of the location, unfiltered.
    pub total_count: usize,
}

fn agent_json(location: &Location, agent: &Record) -> Value {
    let mut out = agent.to_json();
    let actions: Vec<Value> = agent_actions(location, &agent.id)
        .map(|a| json!({"id": a.id, "type": a.body.get("type").cloned().unwrap_or(Value::Null)}))
        .collect();
    out.insert("actions".to_owned(), Value::Array(actions));
    Value::Object(out)
}

/// A search result: like [`agent_json`], but `goal` is the object the search endpoint returns
/// (`{prompt, type: "custom", actionId: null}`), as the vendor's list item declares it.
fn list_item_json(location: &Location, agent: &Record) -> Value {
    let mut out = agent_json(location, agent);
    if let Some(goal) = out.get_mut("goal")
        && let Value::String(text) = goal
    {
        *goal = json!({"prompt": text.clone(), "type": "custom", "actionId": null});
    }
    out
}

/// The actions of an agent in creation order, from the agent's own action list.
fn agent_actions<'a>(location: &'a Location, agent_id: &str) -> impl Iterator<Item = &'a Record> {
    location
        .conversation_agent_order
        .actions_of(agent_id)
        .iter()
        .filter_map(|id| location.conversation_actions.get(id))
}

fn action_json(action: &Record) -> Value {
    let mut out = action.to_json();
    out.insert(
        "agentId".to_owned(),
        json!(action.agent_id.clone().unwrap_or_default()),
    );
    Value::Object(out)
}

fn action_fields(mut body: Map<String, Value>) -> Map<String, Value> {
    body.remove("id");
    body.remove("agentId");
    body
}

fn agent_of<'a>(location: &'a Location, agent_id: &str) -> Result<&'a Record, StoreError> {
    location
        .conversation_agents
        .get(agent_id)
        .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))
}

fn owned_action<'a>(
    location: &'a Location,
    agent_id: &str,
    action_id: &str,
) -> Result<&'a Record, StoreError> {
    agent_of(location, agent_id)?;
    location
        .conversation_actions
        .get(action_id)
        .filter(|a| a.agent_id.as_deref() == Some(agent_id))
        .ok_or_else(|| StoreError::ActionNotFound(action_id.to_owned()))
}

impl Store {
    /// Creates a Conversation AI agent from a validated body. Fields the response requires but
    /// the body left out get the spec's documented defaults.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// // Act
    /// let agent = store.conversation_create_agent("loc", None, obj(json!({"name": "Helper"})));
    /// // Assert
    /// assert_eq!(agent["mode"], "off");
    /// assert_eq!(agent["id"].as_str().map(str::len), Some(20));
    /// ```
    pub fn conversation_create_agent(
        &self,
        location_id: &str,
        id: Option<String>,
        mut body: Map<String, Value>,
    ) -> Value {
        self.with_location(location_id, |location, ids| {
            let id = match id {
                Some(id) => {
                    ids.reserve(&id);
                    id
                }
                None => ids.alnum_id(),
            };
            body.remove("id");
            body.remove("actions");
            let mut default = |key: &str, value: Value| {
                body.entry(key.to_owned()).or_insert(value);
            };
            default("mode", json!("off"));
            default("channels", json!([]));
            default("isPrimary", json!(false));
            default("waitTime", json!(2));
            default("waitTimeUnit", json!("seconds"));
            default("sleepEnabled", json!(false));
            default("autoPilotMaxMessages", json!(75));
            // Only fixtures carry timestamps (a recorded session keeps them); the API strips them.
            let now = self.clock().now_rfc3339();
            body.entry("createdAt").or_insert_with(|| json!(now));
            body.entry("updatedAt").or_insert_with(|| json!(now));
            let seq = location.take_seq();
            location.conversation_cursor.insert(id.clone(), seq);
            let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
            location.conversation_agent_order.put_agent(seq, &id, name);
            let record = insert_record(&mut location.conversation_agents, seq, id, None, body);
            agent_json(location, &record)
        })
    }

    /// Agents in creation order after the `start_after` agent, whose lower-cased name contains
    /// `query` as given, at most `limit` of them.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// for name in ["Booking", "Support"] {
    ///     store.conversation_create_agent("loc", None, obj(json!({"name": name})));
    /// }
    /// // Act
    /// let page = store.conversation_search_agents("loc", None, 10, Some("book")).expect("no cursor");
    /// // Assert
    /// assert_eq!(page.agents.len(), 1);
    /// assert_eq!(page.total_count, 2);
    /// ```
    pub fn conversation_search_agents(
        &self,
        location_id: &str,
        start_after: Option<&str>,
        limit: usize,
        query: Option<&str>,
    ) -> Result<SearchPage, StoreError> {
        self.read_location(location_id, |location| {
            let after = match start_after.filter(|s| !s.is_empty()) {
                None => 0,
                Some(cursor) => *location
                    .conversation_cursor
                    .get(cursor)
                    .ok_or_else(|| StoreError::AgentNotFound(cursor.to_owned()))?,
            };
            let needle = query.unwrap_or_default();
            let agents = location
                .conversation_agent_order
                .after(after)
                .filter(|(_, lower)| lower.contains(needle))
                .filter_map(|(id, _)| location.conversation_agents.get(id))
                .take(limit)
                .map(|a| list_item_json(location, a))
                .collect();
            Ok(SearchPage {
                agents,
                total_count: location.conversation_agents.len(),
            })
        })
    }

    /// One agent with its action ids and types.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.conversation_create_agent("loc", None, obj(json!({"name": "Helper"})))["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let agent = store.conversation_get_agent("loc", &agent_id).expect("exists");
    /// // Assert
    /// assert_eq!(agent["name"], "Helper");
    /// ```
    pub fn conversation_get_agent(
        &self,
        location_id: &str,
        agent_id: &str,
    ) -> Result<Value, StoreError> {
        self.read_location(location_id, |location| {
            Ok(agent_json(location, agent_of(location, agent_id)?))
        })
    }

    /// [`Store::conversation_get_agent`], handing the agent's revision and its answer (on
    /// demand) to `read`, so a caller can cache what it derives per revision.
    pub(crate) fn conversation_get_agent_by_revision<T>(
        &self,
        location_id: &str,
        agent_id: &str,
        read: impl FnOnce(u64, &dyn Fn() -> Value) -> T,
    ) -> Result<T, StoreError> {
        self.read_location(location_id, |location| {
            let agent = agent_of(location, agent_id)?;
            Ok(read(agent.revision.get(), &|| agent_json(location, agent)))
        })
    }

    /// Merges the sent fields into an agent.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.conversation_create_agent("loc", None, obj(json!({"name": "Helper"})))["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let agent = store.conversation_update_agent("loc", &agent_id, obj(json!({"mode": "suggestive"}))).expect("exists");
    /// // Assert
    /// assert_eq!(agent["mode"], "suggestive");
    /// assert_eq!(agent["name"], "Helper");
    /// ```
    pub fn conversation_update_agent(
        &self,
        location_id: &str,
        agent_id: &str,
        patch: Map<String, Value>,
    ) -> Result<Value, StoreError> {
        self.with_location(location_id, |location, _| {
            let agent = location
                .conversation_agents
                .get_mut(agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            for (key, value) in patch {
                if !matches!(key.as_str(), "id" | "actions" | "createdAt" | "updatedAt") {
                    agent.body.insert(key, value);
                }
            }
            agent.revision = Revision::next();
            agent
                .body
                .insert("updatedAt".to_owned(), json!(self.clock().now_rfc3339()));
            let (seq, name) = (
                agent.seq,
                agent
                    .body
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            );
            location
                .conversation_agent_order
                .put_agent(seq, agent_id, &name);
            Ok(agent_json(
                location,
                &location.conversation_agents[agent_id],
            ))
        })
    }

    /// Deletes an agent and its actions.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.conversation_create_agent("loc", None, obj(json!({"name": "Helper"})))["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// store.conversation_delete_agent("loc", &agent_id).expect("exists");
    /// // Assert
    /// assert!(store.conversation_get_agent("loc", &agent_id).is_err());
    /// ```
    pub fn conversation_delete_agent(
        &self,
        location_id: &str,
        agent_id: &str,
    ) -> Result<(), StoreError> {
        self.with_location(location_id, |location, _| {
            let agent = location
                .conversation_agents
                .remove(agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            for id in location.conversation_agent_order.actions_of(agent_id) {
                location.conversation_actions.remove(id);
            }
            location
                .conversation_agent_order
                .remove_agent(agent.seq, agent_id);
            Ok(())
        })
    }

    /// Attaches a new action to an agent.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.conversation_create_agent("loc", None, obj(json!({"name": "Helper"})))["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let action = store.conversation_create_action("loc", &agent_id, None, obj(json!({"name": "wf", "type": "triggerWorkflow", "details": {"workflowIds": ["w"], "triggerCondition": "c"}}))).expect("the agent exists");
    /// // Assert
    /// assert_eq!(action["agentId"], json!(agent_id));
    /// ```
    pub fn conversation_create_action(
        &self,
        location_id: &str,
        agent_id: &str,
        id: Option<String>,
        body: Map<String, Value>,
    ) -> Result<Value, StoreError> {
        self.with_location(location_id, |location, ids| {
            agent_of(location, agent_id)?;
            let id = match id {
                Some(id) => {
                    ids.reserve(&id);
                    id
                }
                None => ids.alnum_id(),
            };
            let seq = location.take_seq();
            location.conversation_agent_order.push_action(agent_id, &id);
            location.touch_conversation_agent(agent_id);
            let record = insert_record(
                &mut location.conversation_actions,
                seq,
                id,
                Some(agent_id.to_owned()),
                action_fields(body),
            );
            Ok(action_json(&record))
        })
    }

    /// The actions of an agent, in creation order.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.conversation_create_agent("loc", None, obj(json!({"name": "Helper"})))["id"].as_str().expect("an id").to_owned();
    /// store.conversation_create_action("loc", &agent_id, None, obj(json!({"name": "wf", "type": "triggerWorkflow", "details": {"workflowIds": ["w"], "triggerCondition": "c"}}))).expect("created");
    /// // Act
    /// let actions = store.conversation_list_actions("loc", &agent_id).expect("exists");
    /// // Assert
    /// assert_eq!(actions.len(), 1);
    /// ```
    pub fn conversation_list_actions(
        &self,
        location_id: &str,
        agent_id: &str,
    ) -> Result<Vec<Value>, StoreError> {
        self.read_location(location_id, |location| {
            agent_of(location, agent_id)?;
            Ok(agent_actions(location, agent_id).map(action_json).collect())
        })
    }

    /// One action of an agent.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.conversation_create_agent("loc", None, obj(json!({"name": "Helper"})))["id"].as_str().expect("an id").to_owned();
    /// let id = store.conversation_create_action("loc", &agent_id, None, obj(json!({"name": "wf", "type": "triggerWorkflow", "details": {"workflowIds": ["w"], "triggerCondition": "c"}}))).expect("created")["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let action = store.conversation_get_action("loc", &agent_id, &id).expect("exists");
    /// // Assert
    /// assert_eq!(action["type"], "triggerWorkflow");
    /// ```
    pub fn conversation_get_action(
        &self,
        location_id: &str,
        agent_id: &str,
        action_id: &str,
    ) -> Result<Value, StoreError> {
        self.read_location(location_id, |location| {
            Ok(action_json(owned_action(location, agent_id, action_id)?))
        })
    }

    /// Replaces an action's fields.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.conversation_create_agent("loc", None, obj(json!({"name": "Helper"})))["id"].as_str().expect("an id").to_owned();
    /// let id = store.conversation_create_action("loc", &agent_id, None, obj(json!({"name": "wf", "type": "triggerWorkflow", "details": {"workflowIds": ["w"], "triggerCondition": "c"}}))).expect("created")["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let action = store.conversation_update_action("loc", &agent_id, &id, obj(json!({"name": "f", "type": "advancedFollowup", "details": {"enabled": true, "scenarioId": "contactIsBusy", "followupSequence": []}}))).expect("exists");
    /// // Assert
    /// assert_eq!(action["type"], "advancedFollowup");
    /// ```
    pub fn conversation_update_action(
        &self,
        location_id: &str,
        agent_id: &str,
        action_id: &str,
        body: Map<String, Value>,
    ) -> Result<Value, StoreError> {
        self.with_location(location_id, |location, _| {
            owned_action(location, agent_id, action_id)?;
            let action = location
                .conversation_actions
                .get_mut(action_id)
                .ok_or_else(|| StoreError::ActionNotFound(action_id.to_owned()))?;
            action.body = action_fields(body);
            let out = action_json(action);
            location.touch_conversation_agent(agent_id);
            Ok(out)
        })
    }

    /// Deletes an action of an agent.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.conversation_create_agent("loc", None, obj(json!({"name": "Helper"})))["id"].as_str().expect("an id").to_owned();
    /// let id = store.conversation_create_action("loc", &agent_id, None, obj(json!({"name": "wf", "type": "triggerWorkflow", "details": {"workflowIds": ["w"], "triggerCondition": "c"}}))).expect("created")["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// store.conversation_delete_action("loc", &agent_id, &id).expect("exists");
    /// // Assert
    /// assert!(store.conversation_get_action("loc", &agent_id, &id).is_err());
    /// ```
    pub fn conversation_delete_action(
        &self,
        location_id: &str,
        agent_id: &str,
        action_id: &str,
    ) -> Result<(), StoreError> {
        self.with_location(location_id, |location, _| {
            owned_action(location, agent_id, action_id)?;
            location.conversation_actions.remove(action_id);
            location
                .conversation_agent_order
                .remove_action(agent_id, action_id);
            location.touch_conversation_agent(agent_id);
            Ok(())
        })
    }

    /// Writes `settings` into `details.followupSettings` of each listed action (all must be
    /// `advancedFollowup` actions of the agent) and returns the first of them.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent_id = store.conversation_create_agent("loc", None, obj(json!({"name": "Helper"})))["id"].as_str().expect("an id").to_owned();
    /// let id = store.conversation_create_action("loc", &agent_id, None, obj(json!({"name": "f", "type": "advancedFollowup", "details": {"enabled": true, "scenarioId": "contactIsBusy", "followupSequence": []}}))).expect("created")["id"].as_str().expect("an id").to_owned();
    /// // Act
    /// let action = store.conversation_update_followup_settings("loc", &agent_id, &[id], json!({"dynamicChannelSwitching": false})).expect("an advancedFollowup action");
    /// // Assert
    /// assert_eq!(action["details"]["followupSettings"]["dynamicChannelSwitching"], false);
    /// ```
    pub fn conversation_update_followup_settings(
        &self,
        location_id: &str,
        agent_id: &str,
        action_ids: &[String],
        settings: Value,
    ) -> Result<Value, StoreError> {
        self.with_location(location_id, |location, _| {
            agent_of(location, agent_id)?;
            if action_ids.is_empty() {
                return Err(StoreError::Invalid(vec![
                    "actionIds should not be empty".to_owned(),
                ]));
            }
            let mut problems = Vec::new();
            for id in action_ids {
                let action = owned_action(location, agent_id, id)?;
                if action.body.get("type").and_then(Value::as_str) != Some("advancedFollowup") {
                    problems.push(format!("action {id} is not an advancedFollowup action"));
                }
            }
            if !problems.is_empty() {
                return Err(StoreError::Invalid(problems));
            }
            let mut first = None;
            for id in action_ids {
                if let Some(action) = location.conversation_actions.get_mut(id) {
                    let details = action
                        .body
                        .entry("details".to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Some(details) = details.as_object_mut() {
                        details.insert("followupSettings".to_owned(), settings.clone());
                    }
                    if first.is_none() {
                        first = Some(action_json(action));
                    }
                }
            }
            location.touch_conversation_agent(agent_id);
            first.ok_or_else(|| {
                StoreError::ActionNotFound(action_ids.first().cloned().unwrap_or_default())
            })
        })
    }

    /// Registers the generation details `GET /conversation-ai/generations` returns for a
    /// message id and source (`conversation` or `workflow`).
    ///
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// // Act
    /// store.add_generation("loc1", "msg1", "conversation", json!({"prompt": "p", "responseMessage": "r", "actionLogs": [], "history": []}));
    /// // Assert
    /// let details = store.conversation_get_generation("loc1", "msg1", "conversation").expect("registered");
    /// assert_eq!(details["responseMessage"], "r");
    /// ```
    pub fn add_generation(
        &self,
        location_id: &str,
        message_id: &str,
        source: &str,
        details: Value,
    ) {
        self.with_location(location_id, |location, _| {
            location
                .generations
                .insert((message_id.to_owned(), source.to_owned()), details);
        });
    }

    /// The generation details registered for a message id and source.
    /// ```
    /// use mock_server::Store;
    /// // Arrange
    /// let store = Store::new(1);
    /// // Act
    /// let missing = store.conversation_get_generation("loc", "m1", "workflow");
    /// // Assert
    /// assert_eq!(missing.expect_err("not registered").to_string(), "No generation details found for the messageId: m1");
    /// ```
    pub fn conversation_get_generation(
        &self,
        location_id: &str,
        message_id: &str,
        source: &str,
    ) -> Result<Value, StoreError> {
        self.read_location(location_id, |location| {
            location
                .generations
                .get(&(message_id.to_owned(), source.to_owned()))
                .cloned()
                .ok_or_else(|| StoreError::GenerationNotFound(message_id.to_owned()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Map<String, Value> {
        json!({"name": name}).as_object().cloned().expect("object")
    }

    #[test]
    fn search_pages_by_cursor_and_a_deleted_cursor_still_works() {
        let store = Store::new(3);
        let ids: Vec<String> = ["a", "b", "c"]
            .iter()
            .map(|n| {
                store.conversation_create_agent("loc", None, named(n))["id"]
                    .as_str()
                    .expect("id")
                    .to_owned()
            })
            .collect();
        let page = store
            .conversation_search_agents("loc", Some(&ids[0]), 10, None)
            .expect("known cursor");
        assert_eq!(page.agents.len(), 2);
        store
            .conversation_delete_agent("loc", &ids[0])
            .expect("exists");
        let page = store
            .conversation_search_agents("loc", Some(&ids[0]), 1, None)
            .expect("deleted cursor");
        assert_eq!(page.agents[0]["id"], json!(ids[1]));
        assert_eq!(page.total_count, 2);
    }

    #[test]
    fn an_unknown_cursor_is_an_unknown_agent() {
        let store = Store::new(3);
        assert_eq!(
            store.conversation_search_agents("loc", Some("nope"), 10, None),
            Err(StoreError::AgentNotFound("nope".into()))
        );
    }
}
