//! Preloaded data: fixtures files and the seeded demo data.
//!
//! A fixtures document is JSON (see the README for the format): Voice AI agents with their
//! actions, Conversation AI agents with their actions, call logs and generation details. Every
//! agent and action is validated against the same spec schemas and rules as the matching create
//! request, and every call log against `CallLog` as the store completes it (the checks a state
//! document import makes, see `import_check`), up front in [`Fixtures::from_value`], so loading
//! into a store cannot fail and a bad file is reported with the same messages a client would get.
//! An agent `id` given twice in one list is refused. `locationId` may be left out (the
//! server's default location is used); `id` may be left out (one is issued from the seed).
//!
//! [`Fixtures::demo`] builds a small, useful data set (three Voice AI agents, two Conversation
//! AI agents, actions, call logs, a generation) whose names are picked by a seeded RNG.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use crate::spec::{self, Api};
use crate::store::{Store, rfc3339};
use crate::validation::Validator;

/// Why a fixtures document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError {
    /// One line per problem, prefixed with where it is (`voiceAgents.0.actions.1: ...`).
    pub problems: Vec<String>,
}

impl std::fmt::Display for FixtureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid fixtures: {}", self.problems.join("; "))
    }
}

impl std::error::Error for FixtureError {}

#[derive(Debug, Clone, Default, PartialEq)]
struct Entry {
    location_id: Option<String>,
    id: Option<String>,
    body: Map<String, Value>,
    children: Vec<Entry>,
}

/// A validated set of records to preload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fixtures {
    voice_agents: Vec<Entry>,
    conversation_agents: Vec<Entry>,
    call_logs: Vec<Entry>,
    generations: Vec<(Option<String>, String, String, Value)>,
    /// For the demo data: its seed. Its call log is dated when loaded, relative to the store
    /// clock's "now", so the demo always looks current.
    demo_seed: Option<u64>,
}

const PLACEHOLDER_LOCATION: &str = "fixture-location";
const PLACEHOLDER_AGENT: &str = "fixture-agent";

fn take_string(map: &mut Map<String, Value>, key: &str) -> Option<String> {
    match map.remove(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn items<'a>(
    root: &'a Map<String, Value>,
    key: &str,
    problems: &mut Vec<String>,
) -> Vec<&'a Map<String, Value>> {
    match root.get(key) {
        None => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let object = v.as_object();
                if object.is_none() {
                    problems.push(format!("{key}.{i}: must be an object"));
                }
                object
            })
            .collect(),
        Some(_) => {
            problems.push(format!("{key}: must be an array"));
            Vec::new()
        }
    }
}

fn validate(
    api: Api,
    op_id: &str,
    body: &Map<String, Value>,
    at: &str,
    problems: &mut Vec<String>,
) -> Map<String, Value> {
    let spec = spec::spec(api);
    let Some(schema) = spec.operation(op_id).and_then(|op| op.body.as_ref()) else {
        return body.clone();
    };
    let mut validator = Validator::new(spec, true);
    let cleaned = validator.check(schema, &Value::Object(body.clone()), "");
    let mut errors = validator.into_errors();
    let cleaned = cleaned.as_object().cloned().unwrap_or_default();
    // The operation's rules beyond the spec, as the API runs them: once the schema is met.
    if errors.is_empty() && api == Api::VoiceAi && op_id == "createAgent" {
        errors =
            crate::api::voice_ai::rules::create_agent(&crate::api::Params::default(), &cleaned);
    }
    problems.extend(errors.into_iter().map(|m| format!("{at}: {m}")));
    cleaned
}

/// A problem for each entry whose given `id` an earlier entry of the same list already has.
fn duplicate_ids(entries: &[Entry], at: &str, problems: &mut Vec<String>) {
    for (i, entry) in entries.iter().enumerate() {
        let Some(id) = &entry.id else { continue };
        if let Some(first) = entries[..i].iter().position(|e| e.id.as_ref() == Some(id)) {
            problems.push(format!(
                "{at}.{i}: duplicate id {id} (also at {at}.{first})"
            ));
        }
    }
}

fn entry(
    api: Api,
    agent_op: &str,
    action_op: &str,
    raw: &Map<String, Value>,
    at: &str,
    problems: &mut Vec<String>,
) -> Entry {
    let mut body = raw.clone();
    let location_id = take_string(&mut body, "locationId");
    let id = take_string(&mut body, "id");
    let actions = body.remove("actions");
    if api == Api::VoiceAi {
        body.insert("locationId".into(), json!(PLACEHOLDER_LOCATION));
    }
    let mut cleaned = validate(api, agent_op, &body, at, problems);
    cleaned.remove("locationId");
    // A Conversation AI agent's timestamps are kept as given (a recorded session replays them).
    for key in ["createdAt", "updatedAt"] {
        if api == Api::ConversationAi
            && let Some(Value::String(at)) = body.get(key)
        {
            cleaned.insert(key.into(), Value::String(at.clone()));
        }
    }
    let mut children = Vec::new();
    let mut holder = Map::new();
    if let Some(actions) = actions {
        holder.insert("actions".into(), actions);
    }
    for (i, action) in items(&holder, "actions", problems).into_iter().enumerate() {
        let mut body = action.clone();
        let id = take_string(&mut body, "id");
        if api == Api::VoiceAi {
            body.insert("locationId".into(), json!(PLACEHOLDER_LOCATION));
            body.insert("agentId".into(), json!(PLACEHOLDER_AGENT));
        }
        let mut cleaned = validate(
            api,
            action_op,
            &body,
            &format!("{at}.actions.{i}"),
            problems,
        );
        cleaned.remove("locationId");
        cleaned.remove("agentId");
        children.push(Entry {
            location_id: None,
            id,
            body: cleaned,
            children: Vec::new(),
        });
    }
    Entry {
        location_id,
        id,
        body: cleaned,
        children,
    }
}

impl Fixtures {
    /// No records.
    /// ```
    /// use mock_server::{Fixtures, Store};
    /// // Arrange
    /// let store = Store::new(1);
    /// // Act
    /// Fixtures::empty().load(&store, "loc");
    /// // Assert
    /// assert_eq!(store.voice_list_agents("loc", None, 1, 10).0, 0);
    /// ```
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parses and validates a fixtures document.
    ///
    /// ```
    /// use mock_server::Fixtures;
    /// use serde_json::json;
    /// // Arrange
    /// let doc = json!({"voiceAgents": [{"agentName": "Front Desk", "actions": []}]});
    /// // Act
    /// let fixtures = Fixtures::from_value(&doc);
    /// // Assert
    /// assert!(fixtures.is_ok());
    /// assert!(Fixtures::from_value(&json!({"voiceAgents": [{"agentName": 7}]})).is_err());
    /// ```
    pub fn from_value(doc: &Value) -> Result<Self, FixtureError> {
        let mut problems = Vec::new();
        let Some(root) = doc.as_object() else {
            return Err(FixtureError {
                problems: vec!["the fixtures document must be a JSON object".into()],
            });
        };
        for key in root.keys() {
            if !matches!(
                key.as_str(),
                "voiceAgents" | "conversationAgents" | "callLogs" | "generations"
            ) {
                problems.push(format!("{key}: unknown section"));
            }
        }
        let mut fixtures = Self::default();
        for (i, raw) in items(root, "voiceAgents", &mut problems)
            .into_iter()
            .enumerate()
        {
            let at = format!("voiceAgents.{i}");
            fixtures.voice_agents.push(entry(
                Api::VoiceAi,
                "createAgent",
                "createAction",
                raw,
                &at,
                &mut problems,
            ));
        }
        for (i, raw) in items(root, "conversationAgents", &mut problems)
            .into_iter()
            .enumerate()
        {
            let at = format!("conversationAgents.{i}");
            fixtures.conversation_agents.push(entry(
                Api::ConversationAi,
                "createAgent",
                "createAction",
                raw,
                &at,
                &mut problems,
            ));
        }
        duplicate_ids(&fixtures.voice_agents, "voiceAgents", &mut problems);
        duplicate_ids(
            &fixtures.conversation_agents,
            "conversationAgents",
            &mut problems,
        );
        for (i, raw) in items(root, "callLogs", &mut problems)
            .into_iter()
            .enumerate()
        {
            let mut body = raw.clone();
            let mut checked = body.clone();
            checked.remove("locationId");
            // `id` may be left out: one is issued when loading.
            checked
                .entry("id")
                .or_insert_with(|| Value::String(String::new()));
            problems.extend(
                crate::import_check::call_log_problems(&checked, "")
                    .into_iter()
                    .map(|m| format!("callLogs.{i}: {m}")),
            );
            fixtures.call_logs.push(Entry {
                location_id: take_string(&mut body, "locationId"),
                id: None,
                body,
                children: Vec::new(),
            });
        }
        for (i, raw) in items(root, "generations", &mut problems)
            .into_iter()
            .enumerate()
        {
            let mut body = raw.clone();
            let location = take_string(&mut body, "locationId");
            let message_id = take_string(&mut body, "messageId");
            let source = take_string(&mut body, "source");
            match (message_id, source, body.remove("details")) {
                (Some(m), Some(s), Some(details)) => {
                    fixtures.generations.push((location, m, s, details))
                }
                _ => problems.push(format!(
                    "generations.{i}: messageId, source and details are required"
                )),
            }
        }
        if problems.is_empty() {
            Ok(fixtures)
        } else {
            Err(FixtureError { problems })
        }
    }

    /// Parses a fixtures document from JSON text.
    ///
    /// ```
    /// use mock_server::Fixtures;
    /// // Arrange
    /// let text = r#"{"conversationAgents": [{"name": "Helper", "personality": "kind", "goal": "help", "instructions": "be brief"}]}"#;
    /// // Act
    /// let fixtures = Fixtures::from_json_str(text);
    /// // Assert
    /// assert!(fixtures.is_ok());
    /// ```
    pub fn from_json_str(text: &str) -> Result<Self, FixtureError> {
        let doc: Value = serde_json::from_str(text).map_err(|e| FixtureError {
            problems: vec![format!("not valid JSON: {e}")],
        })?;
        Self::from_value(&doc)
    }

    /// The seeded demo data set.
    ///
    /// ```
    /// use mock_server::Fixtures;
    /// // Arrange / Act
    /// let demo = Fixtures::demo(7);
    /// // Assert
    /// assert_eq!(demo, Fixtures::demo(7));
    /// assert_ne!(demo, Fixtures::empty());
    /// ```
    pub fn demo(seed: u64) -> Self {
        let mut document = demo_document(seed, 0);
        if let Some(root) = document.as_object_mut() {
            root.remove("callLogs");
        }
        let mut fixtures = Self::from_value(&document)
            .expect("the demo data satisfies the embedded specs; checked by a unit test");
        fixtures.demo_seed = Some(seed);
        fixtures
    }

    /// Loads the records into `store`, defaulting `locationId` to `default_location`.
    /// ```
    /// use mock_server::{Fixtures, Store};
    /// // Arrange
    /// let store = Store::new(1);
    /// // Act
    /// Fixtures::demo(1).load(&store, "loc");
    /// // Assert
    /// assert_eq!(store.voice_list_agents("loc", None, 1, 10).0, 3);
    /// assert_eq!(store.conversation_search_agents("loc", None, 10, None).expect("no cursor").total_count, 2);
    /// ```
    pub fn load(&self, store: &Store, default_location: &str) {
        for agent in &self.voice_agents {
            let location = agent.location_id.as_deref().unwrap_or(default_location);
            let created = store.voice_create_agent(location, agent.id.clone(), agent.body.clone());
            let agent_id = created["id"].as_str().unwrap_or_default().to_owned();
            for action in &agent.children {
                // The agent was just created in this location, so this cannot fail.
                let _ = store.voice_create_action(
                    location,
                    &agent_id,
                    action.id.clone(),
                    action.body.clone(),
                );
            }
        }
        for agent in &self.conversation_agents {
            let location = agent.location_id.as_deref().unwrap_or(default_location);
            let created =
                store.conversation_create_agent(location, agent.id.clone(), agent.body.clone());
            let agent_id = created["id"].as_str().unwrap_or_default().to_owned();
            for action in &agent.children {
                let _ = store.conversation_create_action(
                    location,
                    &agent_id,
                    action.id.clone(),
                    action.body.clone(),
                );
            }
        }
        for log in &self.call_logs {
            let location = log.location_id.as_deref().unwrap_or(default_location);
            store.add_call_log(location, Value::Object(log.body.clone()));
        }
        if let Some(seed) = self.demo_seed {
            let document = demo_document(seed, store.clock().now_ms());
            for log in document["callLogs"].as_array().into_iter().flatten() {
                store.add_call_log(default_location, log.clone());
            }
        }
        for (location, message_id, source, details) in &self.generations {
            let location = location.as_deref().unwrap_or(default_location);
            store.add_generation(location, message_id, source, details.clone());
        }
    }
}

fn pick<'a>(rng: &mut ChaCha8Rng, options: &[&'a str]) -> &'a str {
    options[(rng.next_u32() as usize) % options.len()]
}

/// The demo data set; its call log happened an hour to a day before `now_ms`.
fn demo_document(seed: u64, now_ms: i64) -> Value {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6465_6d6f);
    let business = pick(
        &mut rng,
        &[
            "Bright Smile Dental",
            "Maple Street Plumbing",
            "Harbor View Realty",
            "Summit Fitness",
        ],
    );
    let receptionist = pick(&mut rng, &["Ava", "Maya", "Leo", "Noah"]);
    let phone = format!("+1555{:07}", rng.next_u32() % 10_000_000);
    let base_ms: i64 = now_ms - 3_600_000 - i64::from(rng.next_u32() % 86_400) * 1000;
    // Fixed ids (24-hex, like the live API's), so the demo call log can name its agent and
    // the action that agent ran.
    let mut object_id = || format!("{:016x}{:08x}", rng.next_u64(), rng.next_u32());
    let front_desk = object_id();
    let transfer = object_id();
    let booking_link = object_id();
    let booking_parameters = json!({
        "triggerPrompt": "The caller wants to book online",
        "triggerMessage": "I'll text you our booking link.",
        "messageBody": "Book here: https://example.com/book"
    });
    json!({
        "voiceAgents": [
            {
                "id": front_desk,
                "agentName": format!("{receptionist} - Front Desk"),
                "businessName": business,
                "welcomeMessage": format!("Thanks for calling {business}, this is {receptionist}. How can I help?"),
                "agentPrompt": format!("You answer calls for {business}. Book appointments and answer questions politely."),
                "language": "en-US",
                "maxCallDuration": 600,
                "actions": [
                    {
                        "id": transfer,
                        "actionType": "CALL_TRANSFER",
                        "name": "Transfer to a manager",
                        "actionParameters": {
                            "triggerPrompt": "The caller asks to speak with a manager",
                            "triggerMessage": "Sure, let me transfer you now.",
                            "transferToType": "number",
                            "transferToValue": phone,
                            "hearWhisperMessage": false
                        }
                    },
                    {
                        "id": booking_link,
                        "actionType": "SMS",
                        "name": "Text the booking link",
                        "actionParameters": booking_parameters
                    }
                ]
            },
            {
                "agentName": "After Hours",
                "businessName": business,
                "patienceLevel": "medium",
                "actions": [
                    {
                        "actionType": "WORKFLOW_TRIGGER",
                        "name": "Create a callback task",
                        "actionParameters": {
                            "triggerPrompt": "The caller asks for a call back",
                            "triggerMessage": "We'll call you back first thing tomorrow.",
                            "workflowId": "wf_callback_requests"
                        }
                    }
                ]
            },
            {
                "agentName": "Spanish Line",
                "businessName": business,
                "language": "es",
                "translation": {"enabled": true, "language": "en-US"},
                "actions": []
            }
        ],
        "conversationAgents": [
            {
                "name": format!("{business} Support"),
                "businessName": business,
                "mode": "auto-pilot",
                "channels": ["SMS", "WebChat"],
                "personality": "Friendly, concise and helpful",
                "goal": "Answer questions and book appointments",
                "instructions": "Always confirm the customer's name before booking.",
                "actions": [
                    {
                        "type": "appointmentBooking",
                        "name": "Book an appointment",
                        "details": {
                            "calendarId": "cal_demo_main",
                            "onlySendLink": false,
                            "triggerWorkflow": false,
                            "sleepAfterBooking": false,
                            "transferBot": false,
                            "rescheduleEnabled": true,
                            "cancelEnabled": true
                        }
                    },
                    {
                        "type": "advancedFollowup",
                        "name": "Follow up when the contact goes quiet",
                        "details": {
                            "enabled": true,
                            "scenarioId": "contactStoppedReplying",
                            "followupSequence": [
                                {"id": 1, "followupTimeUnit": "hours", "followupTime": 4}
                            ]
                        }
                    }
                ]
            },
            {
                "name": "Lead Qualifier",
                "businessName": business,
                "personality": "Curious and upbeat",
                "goal": "Qualify new leads",
                "instructions": "Ask about budget and timeline.",
                "actions": [
                    {
                        "type": "humanHandOver",
                        "name": "Hand over to sales",
                        "details": {
                            "enabled": true,
                            "triggerCondition": "The lead is ready to buy",
                            "reactivateEnabled": false,
                            "finalMessage": "Connecting you with our sales team.",
                            "handoverType": "custom",
                            "examples": ["I want to buy", "Can I talk to sales?"]
                        }
                    }
                ]
            }
        ],
        "callLogs": [
            {
                "contactId": "demoContact000000001",
                "fromNumber": phone,
                "createdAt": rfc3339(base_ms),
                "duration": 95,
                "trialCall": false,
                "summary": "The caller booked a cleaning for next Tuesday.",
                "agentId": front_desk,
                "transcript": "bot:Thanks for calling!\nhuman:I'd like to book a cleaning.\nbot:I'll text you our booking link.",
                "executedCallActions": [
                    {
                        "actionId": booking_link,
                        "actionType": "SMS",
                        "actionName": "Text the booking link",
                        "actionParameters": booking_parameters,
                        "triggerReceivedAt": rfc3339(base_ms + 40_000),
                        "executedAt": rfc3339(base_ms + 41_500)
                    }
                ],
                "isAgentDeleted": false
            }
        ],
        "generations": [
            {
                "messageId": "demoMessage000000001",
                "source": "conversation",
                "details": {
                    "prompt": "You are a helpful assistant.",
                    "responseMessage": "Sure, I can help you book that.",
                    "actionLogs": [],
                    "history": [],
                    "input": "Can I book a cleaning?",
                    "mode": "auto-pilot"
                }
            }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_data_satisfies_the_specs() {
        let result = Fixtures::from_value(&demo_document(1, 0));
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn invalid_fixtures_report_where_and_what() {
        let err = Fixtures::from_value(&json!({"voiceAgents": [{"agentName": 7}], "extra": []}))
            .expect_err("agentName must be a string");
        assert!(
            err.problems
                .contains(&"voiceAgents.0: agentName must be a string".to_owned()),
            "{err}"
        );
        assert!(
            err.problems.contains(&"extra: unknown section".to_owned()),
            "{err}"
        );
    }

    #[test]
    fn fixtures_are_held_to_the_rules_imports_are_held_to() {
        let err = Fixtures::from_value(&json!({
            "voiceAgents": [
                {"id": "a1", "agentName": "A", "language": "en-US",
                 "translation": {"enabled": true, "language": "fr"}},
                {"id": "a1", "agentName": "B"}
            ],
            "callLogs": [{"duration": "abc"}, {"agentId": "a1", "duration": 4}]
        }))
        .expect_err("three problems");
        assert_eq!(
            err.problems,
            vec![
                "voiceAgents.0: translation.enabled can only be true if the agent's language is not en-US",
                "voiceAgents.0: translation.language must be either the agent's language or en-US",
                "voiceAgents.1: duplicate id a1 (also at voiceAgents.0)",
                "callLogs.0: duration must be a number conforming to the specified constraints",
            ]
        );
    }

    #[test]
    fn the_demo_call_log_names_a_demo_agent_and_one_of_its_actions() {
        let store = Store::new(1);
        Fixtures::demo(1).load(&store, "loc");
        let (_, logs) = store.voice_list_call_logs("loc", &Default::default(), 1, 10);
        let agent_id = logs[0]["agentId"].as_str().expect("an agent id");
        let agent = store
            .voice_get_agent("loc", agent_id)
            .expect("a demo agent");
        let executed = &logs[0]["executedCallActions"][0];
        let action = agent["actions"]
            .as_array()
            .and_then(|actions| actions.iter().find(|a| a["id"] == executed["actionId"]))
            .expect("the executed action is one of the agent's own");
        assert_eq!(action["name"], executed["actionName"]);
        assert_eq!(action["actionType"], executed["actionType"]);
        assert_eq!(action["actionParameters"], executed["actionParameters"]);
    }

    #[test]
    fn the_demo_call_log_is_dated_an_hour_to_a_day_before_the_clock_at_load() {
        let at = crate::clock::parse_instant("2026-03-02T09:00:00Z").expect("an instant");
        let store = Store::with_clock(1, crate::Clock::new(crate::ClockSetting::Frozen(at)));
        Fixtures::demo(1).load(&store, "loc");
        let (_, logs) = store.voice_list_call_logs("loc", &Default::default(), 1, 10);
        let created = logs[0]["createdAt"].as_str().expect("a time");
        assert!(
            ("2026-03-01T08:00:00.000Z".."2026-03-02T08:00:00.000Z").contains(&created),
            "{created}"
        );
        let executed = logs[0]["executedCallActions"][0]["executedAt"]
            .as_str()
            .expect("a time");
        assert!(created < executed && executed < "2026-03-02T09:00:00.000Z");
    }

    #[test]
    fn loading_attaches_actions_to_their_agents() {
        let store = Store::new(1);
        Fixtures::demo(1).load(&store, "loc");
        let (total, agents) = store.voice_list_agents("loc", None, 1, 10);
        assert_eq!(total, 3);
        assert_eq!(agents[0]["actions"].as_array().map(Vec::len), Some(2));
    }
}
