//! The agents-as-code file that `apply` reads and `export` writes: target locations, Voice AI
//! agents with their actions, Conversation AI agents with their actions and follow-up
//! settings. Agent and action fields are the specs' request fields, and so is its JSON Schema.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::CliError;
use crate::spec::{self, Api};

/// The whole file.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AgentsFile {
    /// The locations (sub-accounts) every agent below is rolled out to.
    pub(crate) locations: Vec<String>,
    /// Voice AI agents, matched by `agentName` within each location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) voice_ai: Vec<VoiceAgent>,
    /// Conversation AI agents, matched by `name` within each location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) conversation_ai: Vec<ConversationAgent>,
}

/// A Voice AI agent: `patchAgent`'s fields, `agentName` required, and its actions.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub(crate) struct VoiceAgent {
    /// The agent's settings.
    #[serde(flatten)]
    pub(crate) fields: Map<String, Value>,
    /// Its actions (`name`, `actionType`, `actionParameters`), matched by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) actions: Vec<Map<String, Value>>,
}

/// A Conversation AI agent: `createAgent`'s fields, its actions and follow-up settings.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConversationAgent {
    /// The agent's settings.
    #[serde(flatten)]
    pub(crate) fields: Map<String, Value>,
    /// Its actions (`name`, `type`, `details`), matched by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) actions: Vec<Map<String, Value>>,
    /// Follow-up settings every `advancedFollowup` action of the agent gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) followup_settings: Option<Value>,
}

impl VoiceAgent {
    /// The name it is matched by.
    pub(crate) fn name(&self) -> &str {
        self.fields
            .get("agentName")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

impl ConversationAgent {
    /// The name it is matched by.
    pub(crate) fn name(&self) -> &str {
        self.fields
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// The agent fields a file may set for `api`: the properties of its create and update bodies.
pub(crate) fn agent_fields(api: Api) -> Vec<String> {
    let mut names = Vec::new();
    let schemas: &[&str] = match api {
        Api::VoiceAi => &["PatchAgentRequest"],
        Api::ConversationAi => &["CreateAgentRequest", "UpdateAgentRequest"],
    };
    for schema in schemas {
        if let Some(properties) = spec::component_schema(api, schema)
            .get("properties")
            .and_then(Value::as_object)
        {
            for name in properties.keys() {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
    }
    names
}

impl AgentsFile {
    /// Reads and checks the file at `path` (YAML or JSON).
    pub(crate) fn load(path: &Path) -> Result<Self, CliError> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            CliError::general(format!("cannot read {}: {error}", path.display()))
        })?;
        let file: AgentsFile = serde_norway::from_str(&text).map_err(|error| {
            CliError::invalid(format!(
                "{} is not a valid agents file: {error}",
                path.display()
            ))
        })?;
        file.check()
            .map_err(|why| CliError::invalid(format!("{}: {why}", path.display())))?;
        Ok(file)
    }

    /// Everything wrong with the file, checked before anything is sent: names present and
    /// unique, fields known, values of the types the clients' request types expect.
    fn check(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if self.locations.is_empty() {
            problems.push("`locations` names no location".to_owned());
        }
        let voice_fields = agent_fields(Api::VoiceAi);
        let mut seen = Vec::new();
        for (index, agent) in self.voice_ai.iter().enumerate() {
            let at = format!("voiceAi[{index}]");
            check_agent(
                &at,
                agent.name(),
                "agentName",
                &agent.fields,
                &voice_fields,
                &mut seen,
                &mut problems,
            );
            if let Err(error) = serde_json::from_value::<voice_ai_client::types::PatchAgentRequest>(
                Value::Object(agent.fields.clone()),
            ) {
                problems.push(format!("{at} ({}): {error}", agent.name()));
            }
            check_actions(&at, &agent.actions, &mut problems, |action| {
                let mut body = action.clone();
                body.insert("agentId".to_owned(), json!("-"));
                body.insert("locationId".to_owned(), json!("-"));
                serde_json::from_value::<voice_ai_client::types::ActionRequest>(Value::Object(body))
                    .map(drop)
            });
        }
        let conversation_fields = agent_fields(Api::ConversationAi);
        let mut seen = Vec::new();
        for (index, agent) in self.conversation_ai.iter().enumerate() {
            let at = format!("conversationAi[{index}]");
            check_agent(
                &at,
                agent.name(),
                "name",
                &agent.fields,
                &conversation_fields,
                &mut seen,
                &mut problems,
            );
            if let Err(error) = serde_json::from_value::<
                conversation_ai_client::types::CreateAgentRequest,
            >(Value::Object(agent.fields.clone()))
            {
                problems.push(format!("{at} ({}): {error}", agent.name()));
            }
            check_actions(&at, &agent.actions, &mut problems, |action| {
                serde_json::from_value::<conversation_ai_client::types::CreateActionRequest>(
                    Value::Object(action.clone()),
                )
                .map(drop)
            });
            if let Some(settings) = &agent.followup_settings
                && let Err(error) = serde_json::from_value::<
                    conversation_ai_client::types::FollowupSettings,
                >(settings.clone())
            {
                problems.push(format!("{at}.followupSettings: {error}"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n  "))
        }
    }

    /// Reads and checks a file given as JSON (the MCP `plan` and `apply` tools).
    pub(crate) fn from_value(value: Value) -> Result<Self, CliError> {
        let file: AgentsFile = serde_json::from_value(value)
            .map_err(|error| CliError::invalid(format!("not a valid agents file: {error}")))?;
        file.check().map_err(CliError::invalid)?;
        Ok(file)
    }

    /// The file as YAML, with the schema comment editors read.
    pub(crate) fn to_yaml(&self) -> Result<String, CliError> {
        let body = serde_norway::to_string(self)
            .map_err(|error| CliError::general(format!("cannot write YAML: {error}")))?;
        Ok(format!(
            "# yaml-language-server: $schema={SCHEMA_URL}\n{body}"
        ))
    }
}

/// Where editors find the schema (the file committed beside the crate).
const SCHEMA_URL: &str = "https://raw.githubusercontent.com/highlevel-rs/highlevel-ai-clients/main/crates/cli/agents.schema.json";

fn check_agent(
    at: &str,
    name: &str,
    key: &str,
    fields: &Map<String, Value>,
    known: &[String],
    seen: &mut Vec<String>,
    problems: &mut Vec<String>,
) {
    if name.trim().is_empty() {
        problems.push(format!(
            "{at}: `{key}` is required (agents are matched by it)"
        ));
    } else if seen.iter().any(|other| other == name) {
        problems.push(format!("{at}: two agents are named {name:?}"));
    } else {
        seen.push(name.to_owned());
    }
    for field in fields.keys() {
        if !known.contains(field) {
            problems.push(format!(
                "{at} ({name}): unknown field `{field}` (known: {}, actions)",
                known.join(", ")
            ));
        }
    }
}

fn check_actions(
    at: &str,
    actions: &[Map<String, Value>],
    problems: &mut Vec<String>,
    typed: impl Fn(&Map<String, Value>) -> Result<(), serde_json::Error>,
) {
    let mut names: Vec<&str> = Vec::new();
    for (index, action) in actions.iter().enumerate() {
        let name = action
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.trim().is_empty() {
            problems.push(format!(
                "{at}.actions[{index}]: `name` is required (actions are matched by it)"
            ));
        } else if names.contains(&name) {
            problems.push(format!(
                "{at}.actions[{index}]: two actions are named {name:?}"
            ));
        } else {
            names.push(name);
        }
        if let Err(error) = typed(action) {
            problems.push(format!("{at}.actions[{index}] ({name}): {error}"));
        }
    }
}

/// The JSON Schema of the file, assembled from the specs' request schemas.
pub(crate) fn schema() -> Value {
    let voice_agent = agent_schema(Api::VoiceAi, &["PatchAgentRequest"], "agentName", {
        let kind = spec::component_schema(Api::VoiceAi, "ActionKind");
        json!({
            "description": "An action: its name (matched within the agent), `actionType` and the `actionParameters` of that type.",
            "allOf": [
                {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "description": "Name of the action; actions are matched by it."}}},
                kind
            ]
        })
    });
    let mut conversation_agent = agent_schema(
        Api::ConversationAi,
        &["CreateAgentRequest", "UpdateAgentRequest"],
        "name",
        spec::component_schema(Api::ConversationAi, "CreateActionRequest"),
    );
    let mut followup = spec::component_schema(Api::ConversationAi, "FollowupSettings");
    if let Some(object) = followup.as_object_mut() {
        object.insert(
            "description".to_owned(),
            json!("Follow-up settings given to every `advancedFollowup` action of the agent (updateFollowupSettings)."),
        );
    }
    conversation_agent["properties"]["followupSettings"] = followup;
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "highlevel apply: agents as code",
        "description": "Voice AI and Conversation AI agents rolled out to one or more HighLevel locations by `highlevel apply -f FILE` (written by `highlevel export`). Agents are matched by name within each location, actions by name within each agent.",
        "type": "object",
        "required": ["locations"],
        "additionalProperties": false,
        "properties": {
            "locations": {
                "type": "array", "minItems": 1, "items": {"type": "string"},
                "description": "Ids of the locations (sub-accounts) every agent of the file is rolled out to."
            },
            "voiceAi": {"type": "array", "items": voice_agent, "description": "Voice AI agents."},
            "conversationAi": {"type": "array", "items": conversation_agent, "description": "Conversation AI agents."}
        }
    })
}

fn agent_schema(api: Api, bodies: &[&str], key: &str, action: Value) -> Value {
    let mut properties = Map::new();
    for body in bodies {
        if let Some(fields) = spec::component_schema(api, body)
            .get("properties")
            .and_then(Value::as_object)
        {
            for (name, field) in fields {
                properties
                    .entry(name.clone())
                    .or_insert_with(|| field.clone());
            }
        }
    }
    properties.insert(
        "actions".to_owned(),
        json!({"type": "array", "items": action, "description": "The agent's actions, matched by name."}),
    );
    json!({
        "type": "object",
        "required": [key],
        "additionalProperties": false,
        "properties": properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_schema_is_the_one_the_specs_give() {
        let committed: Value = serde_json::from_str(include_str!("../agents.schema.json"))
            .expect("agents.schema.json is JSON");
        assert!(
            committed == schema(),
            "crates/cli/agents.schema.json is stale: run `cargo run -p highlevel-cli -- schema > crates/cli/agents.schema.json`"
        );
    }

    #[test]
    fn a_file_with_unknown_fields_duplicates_or_wrong_types_is_refused_whole() {
        let file: AgentsFile = serde_norway::from_str(
            "locations: [loc]\nvoiceAi:\n  - agentName: A\n    maxCallDuration: long\n  - agentName: A\n    agentNmae: typo\n",
        )
        .expect("the shape parses");
        let why = file.check().expect_err("three problems");
        assert!(
            why.contains("maxCallDuration") || why.contains("invalid type"),
            "{why}"
        );
        assert!(why.contains("two agents are named \"A\""), "{why}");
        assert!(why.contains("unknown field `agentNmae`"), "{why}");
    }
}
