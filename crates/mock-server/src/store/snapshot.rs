//! The store as one JSON value, and back: what `export`/`import` and the state file carry.
//!
//! The snapshot keeps every agent and action exactly as stored (id, creation sequence, owning
//! agent, body) per location, plus each location's sequence counter and Conversation AI cursor
//! ids, so an imported store lists, pages and filters them exactly like the exported one. Call
//! logs are kept compactly: generated ones as their generation parameters (`callLogHistory`:
//! count, reference time and the agent snapshots each batch drew from, with the location's
//! `callLogKey`), logs added as JSON as data (`callLogs`, in insertion order); replaying the
//! history rebuilds the same rows and ids. A document exported under another seed (another key)
//! is replayed with its own key and kept as data; one without a history (older documents) has
//! every log as data. Imported ids are reserved in
//! the id generator, so ids issued afterwards never collide with them (they are not the ids the
//! exporting store would have issued next: the generator restarts from the seed).
//!
//! ```json
//! {"<locationId>": {"nextSeq": 7,
//!   "voiceAgents": [{"id": "…", "seq": 1, "agentId": null, "body": {…}}], "voiceActions": […],
//!   "callLogs": [{"id": "…", "agentId": "…", …}], "callLogKey": "…16 hex…",
//!   "callLogHistory": [{"generate": {"count": 1000, "reference": 1767225600000, "at": null,
//!     "agents": [{"agentId", "agentName", "businessName", "actions": […]}]}}, {"explicit": 1}],
//!   "conversationAgents": […], "conversationActions": […],
//!   "conversationCursor": {"<agentId>": 3}, "generations": [{"messageId", "source", "details"}]}}
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value, json};

use super::call_logs::CallLogs;
use super::{IdGen, Location, Record, Revision, Store, lock};

fn record_json(record: &Record) -> Value {
    json!({
        "id": record.id,
        "seq": record.seq,
        "agentId": record.agent_id,
        "body": record.body,
    })
}

fn records_json(map: &BTreeMap<String, Record>) -> Value {
    let mut records: Vec<&Record> = map.values().collect();
    records.sort_by_key(|r| r.seq);
    Value::Array(records.into_iter().map(record_json).collect())
}

fn location_json(location: &Location, key: u64) -> Value {
    let (history, call_logs) = location.call_logs.export_history();
    let generations: Vec<Value> = location
        .generations
        .iter()
        .map(|((message_id, source), details)| {
            json!({"messageId": message_id, "source": source, "details": details})
        })
        .collect();
    json!({
        "nextSeq": location.next_seq,
        "voiceAgents": records_json(&location.voice_agents),
        "voiceActions": records_json(&location.voice_actions),
        "callLogs": call_logs,
        "callLogKey": format!("{key:016x}"),
        "callLogHistory": history,
        "conversationAgents": records_json(&location.conversation_agents),
        "conversationActions": records_json(&location.conversation_actions),
        "conversationCursor": location.conversation_cursor,
        "generations": generations,
    })
}

fn parse_records(
    value: Option<&Value>,
    at: &str,
    ids: &mut IdGen,
) -> Result<BTreeMap<String, Record>, String> {
    let mut out = BTreeMap::new();
    let Some(value) = value else {
        return Ok(out);
    };
    let items = value
        .as_array()
        .ok_or_else(|| format!("{at} must be an array"))?;
    for (i, item) in items.iter().enumerate() {
        let id = item["id"]
            .as_str()
            .ok_or_else(|| format!("{at}.{i}.id must be a string"))?
            .to_owned();
        let seq = item["seq"]
            .as_u64()
            .ok_or_else(|| format!("{at}.{i}.seq must be a whole number"))?;
        let agent_id = match &item["agentId"] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => return Err(format!("{at}.{i}.agentId must be a string or null")),
        };
        let body = item["body"]
            .as_object()
            .cloned()
            .ok_or_else(|| format!("{at}.{i}.body must be an object"))?;
        ids.reserve(&id);
        out.insert(
            id.clone(),
            Record {
                id,
                seq,
                agent_id,
                body,
                revision: Revision::next(),
            },
        );
    }
    Ok(out)
}

fn parse_call_logs(
    location: &mut Location,
    object: &Map<String, Value>,
    at: &str,
    key: u64,
    ids: &mut IdGen,
) -> Result<(), String> {
    let mut logs = Vec::new();
    if let Some(value) = object.get("callLogs") {
        let items = value
            .as_array()
            .ok_or_else(|| format!("{at}.callLogs must be an array"))?;
        logs.reserve(items.len());
        for (i, item) in items.iter().enumerate() {
            let mut body = item
                .as_object()
                .cloned()
                .ok_or_else(|| format!("{at}.callLogs.{i} must be an object"))?;
            let id = match body.remove("id") {
                Some(Value::String(id)) => id,
                _ => return Err(format!("{at}.callLogs.{i}.id must be a string")),
            };
            ids.reserve(&id);
            logs.push((id, body));
        }
    }
    let history = object.get("callLogHistory");
    let exported_key = match object.get("callLogKey") {
        None => key,
        Some(v) => v
            .as_str()
            .and_then(|hex| u64::from_str_radix(hex, 16).ok())
            .ok_or_else(|| format!("{at}.callLogKey must be 16 hex digits"))?,
    };
    let at = format!("{at}.callLogHistory");
    if exported_key == key {
        // Generated logs come back from their parameters (same key, same rows and ids).
        location.call_logs = CallLogs::replay(key, history, logs, &at)?;
        return Ok(());
    }
    // Another seed exported it: rebuild with its key, then keep every log as data (one merge
    // into the indexes for the whole batch).
    let source = CallLogs::replay(exported_key, history, logs, &at)?;
    let agents = &location.voice_agents;
    let deleted = |id: &str| !agents.contains_key(id);
    let mut kept = Vec::with_capacity(source.len());
    for row in 0..source.len() {
        if let Value::Object(mut body) = source.render(exported_key, row as u32, &deleted)
            && let Some(Value::String(id)) = body.remove("id")
        {
            ids.reserve(&id);
            kept.push((id, body));
        }
    }
    location.call_logs = CallLogs::default();
    if !kept.is_empty() {
        location.call_logs.insert_explicit_many(key, kept);
    }
    Ok(())
}

fn parse_location(value: &Value, at: &str, key: u64, ids: &mut IdGen) -> Result<Location, String> {
    let object = value
        .as_object()
        .ok_or_else(|| format!("{at} must be an object"))?;
    let records =
        |key: &str, ids: &mut IdGen| parse_records(object.get(key), &format!("{at}.{key}"), ids);
    let mut location = Location {
        voice_agents: records("voiceAgents", ids)?,
        voice_actions: records("voiceActions", ids)?,
        conversation_agents: records("conversationAgents", ids)?,
        conversation_actions: records("conversationActions", ids)?,
        ..Location::default()
    };
    parse_call_logs(&mut location, object, at, key, ids)?;
    if let Some(cursor) = object.get("conversationCursor") {
        let cursor = cursor
            .as_object()
            .ok_or_else(|| format!("{at}.conversationCursor must be an object"))?;
        for (id, seq) in cursor {
            let seq = seq
                .as_u64()
                .ok_or_else(|| format!("{at}.conversationCursor.{id} must be a whole number"))?;
            ids.reserve(id);
            location.conversation_cursor.insert(id.clone(), seq);
        }
    }
    if let Some(generations) = object.get("generations") {
        let generations = generations
            .as_array()
            .ok_or_else(|| format!("{at}.generations must be an array"))?;
        for (i, g) in generations.iter().enumerate() {
            let (Some(message_id), Some(source)) = (g["messageId"].as_str(), g["source"].as_str())
            else {
                return Err(format!(
                    "{at}.generations.{i} needs string messageId and source"
                ));
            };
            location.generations.insert(
                (message_id.to_owned(), source.to_owned()),
                g.get("details").cloned().unwrap_or(Value::Null),
            );
        }
    }
    let highest = [
        &location.voice_agents,
        &location.voice_actions,
        &location.conversation_agents,
        &location.conversation_actions,
    ]
    .iter()
    .flat_map(|m| m.values().map(|r| r.seq))
    .chain(location.conversation_cursor.values().copied())
    .max()
    .unwrap_or(0);
    let declared = object.get("nextSeq").and_then(Value::as_u64).unwrap_or(0);
    location.next_seq = declared.max(highest);
    location.reindex();
    Ok(location)
}

impl Store {
    /// Every location's records as one JSON object keyed by location id (see
    /// [`Store::import_snapshot`]).
    ///
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// let id = store.add_call_log("loc1", json!({"duration": 5}));
    /// // Act
    /// let snapshot = store.export_snapshot();
    /// // Assert
    /// assert_eq!(snapshot["loc1"]["callLogs"][0]["id"], id.as_str());
    /// ```
    pub fn export_snapshot(&self) -> Value {
        let slots: Vec<(String, Arc<Mutex<Location>>)> = self
            .locations
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut out: BTreeMap<String, Value> = BTreeMap::new();
        for (id, slot) in slots {
            let key = self.call_log_key(&id);
            let json = location_json(&lock(&slot), key);
            out.insert(id, json);
        }
        Value::Object(out.into_iter().collect::<Map<String, Value>>())
    }

    /// Replaces everything stored with a snapshot from [`Store::export_snapshot`]; on an error
    /// (a message naming the bad field) nothing changes.
    ///
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let source = Store::new(1);
    /// let id = source.add_call_log("loc1", json!({"duration": 5}));
    /// let target = Store::new(2);
    /// // Act
    /// target.import_snapshot(&source.export_snapshot()).expect("a valid snapshot");
    /// // Assert
    /// assert_eq!(target.voice_get_call_log("loc1", &id).expect("imported")["duration"], 5);
    /// ```
    pub fn import_snapshot(&self, snapshot: &Value) -> Result<(), String> {
        let object = snapshot
            .as_object()
            .ok_or_else(|| "locations must be an object".to_owned())?;
        let mut ids = IdGen::new(self.seed);
        let mut parsed = Vec::with_capacity(object.len());
        for (location_id, value) in object {
            let key = self.call_log_key(location_id);
            let at = format!("locations.{location_id}");
            let location = parse_location(value, &at, key, &mut ids)?;
            parsed.push((location_id.clone(), Arc::new(Mutex::new(location))));
        }
        let mut locations = self
            .locations
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *locations = parsed.into_iter().collect();
        *lock(&self.ids) = ids;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::voice_ai::CallLogFilter;

    #[test]
    fn a_location_with_100_000_generated_logs_reimports_with_the_same_answers() {
        let source = Store::new(11);
        let mut agents = Vec::new();
        for (name, kind) in [
            ("A", "SMS"),
            ("B", "CALL_TRANSFER"),
            ("C", "KNOWLEDGE_BASE"),
        ] {
            let agent = source.voice_create_agent("loc", None, Map::new());
            let id = agent["id"].as_str().expect("id").to_owned();
            let action = json!({"name": name, "actionType": kind, "actionParameters": {}});
            source
                .voice_create_action(
                    "loc",
                    &id,
                    None,
                    action.as_object().cloned().expect("object"),
                )
                .expect("agent exists");
            agents.push(id);
        }
        source
            .generate_call_logs("loc", 100_000)
            .expect("the location has agents");
        source.add_call_log("loc", json!({"agentId": agents[0], "duration": 7}));

        let target = Store::new(12);
        target
            .import_snapshot(&source.export_snapshot())
            .expect("a valid snapshot");

        assert_eq!(target.call_log_count("loc"), 100_001);
        let filters = [
            CallLogFilter::default(),
            CallLogFilter {
                agent_id: Some(agents[1].clone()),
                ..CallLogFilter::default()
            },
            CallLogFilter {
                trial: Some(true),
                ..CallLogFilter::default()
            },
            CallLogFilter {
                action_types: vec!["SMS".to_owned()],
                sort_by: Some("createdAt".to_owned()),
                ascending: true,
                ..CallLogFilter::default()
            },
        ];
        for filter in &filters {
            for page in [1, 7, 400] {
                let before = source.voice_list_call_logs("loc", filter, page, 50);
                let after = target.voice_list_call_logs("loc", filter, page, 50);
                assert_eq!(before, after, "{filter:?} page {page}");
            }
        }
        let (_, page) = source.voice_list_call_logs("loc", &CallLogFilter::default(), 3, 5);
        for log in page {
            let id = log["id"].as_str().expect("id");
            assert_eq!(target.voice_get_call_log("loc", id), Ok(log.clone()));
        }
        assert_eq!(
            target.voice_list_agents("loc", None, 1, 10),
            source.voice_list_agents("loc", None, 1, 10)
        );
    }

    #[test]
    fn a_million_generated_logs_export_as_their_parameters_and_come_back_the_same() {
        let source = Store::new(21);
        let mut agents = Vec::new();
        for (name, kind) in [
            ("A", "SMS"),
            ("B", "CALL_TRANSFER"),
            ("C", "WORKFLOW_TRIGGER"),
        ] {
            let agent = source.voice_create_agent("loc", None, Map::new());
            let id = agent["id"].as_str().expect("id").to_owned();
            let action = json!({"name": name, "actionType": kind, "actionParameters": {}});
            source
                .voice_create_action(
                    "loc",
                    &id,
                    None,
                    action.as_object().cloned().expect("object"),
                )
                .expect("agent exists");
            agents.push(id);
        }
        source
            .generate_call_logs("loc", 600_000)
            .expect("the location has agents");
        source.add_call_log("loc", json!({"agentId": agents[0], "duration": 7}));
        source
            .simulate_call("loc", &agents[1])
            .expect("the agent exists");
        source
            .generate_call_logs("loc", 400_000)
            .expect("the location has agents");
        source.add_call_log("loc", json!({"agentId": agents[2], "contactId": "c1"}));

        let text = serde_json::to_string(&source.export_snapshot()).expect("serializable");
        assert!(text.len() <= 50 * 1024 * 1024, "{} bytes", text.len());
        let document: Value = serde_json::from_str(&text).expect("JSON");
        let target = Store::new(21);
        target.import_snapshot(&document).expect("a valid snapshot");

        assert_eq!(target.call_log_count("loc"), 1_000_003);
        let filters = [
            CallLogFilter::default(),
            CallLogFilter {
                agent_id: Some(agents[1].clone()),
                ..CallLogFilter::default()
            },
            CallLogFilter {
                action_types: vec!["SMS".to_owned()],
                sort_by: Some("duration".to_owned()),
                ..CallLogFilter::default()
            },
        ];
        for filter in &filters {
            for page in [1, 9, 2000] {
                let before = source.voice_list_call_logs("loc", filter, page, 50);
                let after = target.voice_list_call_logs("loc", filter, page, 50);
                assert_eq!(before, after, "{filter:?} page {page}");
            }
        }
        let (_, page) = source.voice_list_call_logs("loc", &CallLogFilter::default(), 1, 3);
        for log in page {
            let id = log["id"].as_str().expect("id");
            assert_eq!(target.voice_get_call_log("loc", id), Ok(log.clone()));
        }
    }
}
