//! What `apply` would change: the agents file compared with what each location has now, as
//! a list of changes (create, update with a field-level diff, unchanged, delete with
//! `--prune`), each carrying the request that makes it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::agents_file::{AgentsFile, ConversationAgent, VoiceAgent};
use crate::dispatch::{self, Invocation};
use crate::error::CliError;
use crate::session::{Clients, Session};
use crate::spec::{self, Api};

/// What a change does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Op {
    /// Created.
    Create,
    /// Changed in place.
    Update,
    /// Deleted (only with `--prune`).
    Delete,
    /// Already as the file says.
    Unchanged,
}

/// What a change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// An agent's own settings.
    Agent,
    /// One action of an agent.
    Action,
    /// The follow-up settings of an agent's `advancedFollowup` actions.
    Followup,
}

/// One field that differs: what the location has and what the file says.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct FieldChange {
    /// The field's name.
    pub(crate) field: String,
    /// Its value in the location (null when unset).
    pub(crate) from: Value,
    /// Its value in the file.
    pub(crate) to: Value,
}

/// Where the id of an agent created earlier in the same run goes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AgentIdSlot {
    /// A path or query parameter `agentId`.
    Param,
    /// The body field `agentId`.
    Body,
}

/// The request that makes a change.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    /// The operation.
    pub(crate) operation: &'static str,
    /// Its parameters and body.
    pub(crate) invocation: Invocation,
    /// Set when the agent is created by an earlier change of the same run.
    pub(crate) agent_id: Option<AgentIdSlot>,
}

/// One line of the plan.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Change {
    /// The location.
    pub(crate) location: String,
    /// The API (`voice-ai` or `conversation-ai` in JSON).
    #[serde(serialize_with = "api_name")]
    pub(crate) api: Api,
    /// Agent, action or follow-up settings.
    pub(crate) kind: Kind,
    /// The agent's name.
    pub(crate) agent: String,
    /// The action's name (the actions' names, for follow-up settings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) action: Option<String>,
    /// What happens.
    pub(crate) op: Op,
    /// The fields that change (updates).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) diff: Vec<FieldChange>,
    /// The request (none for unchanged items).
    #[serde(skip)]
    pub(crate) request: Option<Request>,
}

fn api_name<S: serde::Serializer>(api: &Api, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(api.command())
}

impl Change {
    /// A short description: `voice-ai agent "Front Desk" action "Transfer"`.
    pub(crate) fn describe(&self) -> String {
        let mut text = format!("{} agent {:?}", self.api.command(), self.agent);
        match (self.kind, &self.action) {
            (Kind::Action, Some(action)) => text.push_str(&format!(" action {action:?}")),
            (Kind::Followup, Some(actions)) => {
                text.push_str(&format!(" follow-up settings of {actions}"))
            }
            _ => {}
        }
        text
    }
}

/// Every change for every location of a file.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    /// The changes in the order they are applied.
    pub(crate) changes: Vec<Change>,
}

impl Plan {
    /// How many changes of each kind: `{create, update, delete, unchanged}`.
    pub(crate) fn summary(&self) -> Value {
        let count = |op: Op| self.changes.iter().filter(|change| change.op == op).count();
        json!({
            "create": count(Op::Create),
            "update": count(Op::Update),
            "delete": count(Op::Delete),
            "unchanged": count(Op::Unchanged),
        })
    }

    /// Whether applying would change anything.
    pub(crate) fn has_changes(&self) -> bool {
        self.changes.iter().any(|change| change.op != Op::Unchanged)
    }
}

/// Whether `live` already is what `desired` says: equal scalars, equal-length arrays whose
/// items are covered pairwise, and objects whose every desired field is covered (fields the
/// server adds, such as defaults and ids, do not count).
pub(crate) fn covers(live: Option<&Value>, desired: &Value) -> bool {
    match (live, desired) {
        (None | Some(Value::Null), Value::Null) => true,
        (Some(Value::Object(live)), Value::Object(desired)) => desired
            .iter()
            .all(|(key, value)| covers(live.get(key), value)),
        (Some(Value::Array(live)), Value::Array(desired)) => {
            live.len() == desired.len()
                && live
                    .iter()
                    .zip(desired)
                    .all(|(live, desired)| covers(Some(live), desired))
        }
        (Some(Value::Number(live)), Value::Number(desired)) => live.as_f64() == desired.as_f64(),
        (Some(live), desired) => live == desired,
        (None, _) => false,
    }
}

fn diff(live: &Value, desired: &Map<String, Value>) -> Vec<FieldChange> {
    desired
        .iter()
        .filter(|(field, value)| !covers(live.get(field.as_str()), value))
        .map(|(field, value)| FieldChange {
            field: field.clone(),
            from: live.get(field.as_str()).cloned().unwrap_or(Value::Null),
            to: value.clone(),
        })
        .collect()
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn request(
    operation: &'static str,
    params: BTreeMap<String, String>,
    body: Option<Map<String, Value>>,
    agent_id: Option<AgentIdSlot>,
) -> Option<Request> {
    Some(Request {
        operation,
        invocation: Invocation { params, body },
        agent_id,
    })
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Lists a paginated operation whole.
pub(crate) async fn list_all(
    clients: &Clients,
    api: Api,
    operation: &str,
    params: BTreeMap<String, String>,
) -> Result<Vec<Value>, CliError> {
    let operation = spec::operation(api, operation).expect("the operation is in the spec");
    dispatch::call_all(
        clients,
        operation,
        &Invocation { params, body: None },
        &|_| {},
    )
    .await
}

/// Calls one operation.
pub(crate) async fn call(
    clients: &Clients,
    api: Api,
    operation: &str,
    params: BTreeMap<String, String>,
) -> Result<Value, CliError> {
    let operation = spec::operation(api, operation).expect("the operation is in the spec");
    dispatch::call(clients, operation, &Invocation { params, body: None }).await
}

/// The plan for `file`: each location's agents as they are now against the file.
pub(crate) async fn plan(
    file: &AgentsFile,
    session: &Session,
    prune: bool,
) -> Result<Plan, CliError> {
    let mut plan = Plan::default();
    for location in &file.locations {
        let clients = session.clients_for(Some(location))?;
        let context = |error: CliError| error.context(format!("reading location {location}"));
        voice_changes(&clients, location, &file.voice_ai, prune, &mut plan.changes)
            .await
            .map_err(context)?;
        conversation_changes(
            &clients,
            location,
            &file.conversation_ai,
            prune,
            &mut plan.changes,
        )
        .await
        .map_err(context)?;
    }
    Ok(plan)
}

struct Builder<'a> {
    location: &'a str,
    api: Api,
}

impl Builder<'_> {
    fn change(
        &self,
        kind: Kind,
        agent: &str,
        action: Option<String>,
        op: Op,
        diff: Vec<FieldChange>,
        request: Option<Request>,
    ) -> Change {
        Change {
            location: self.location.to_owned(),
            api: self.api,
            kind,
            agent: agent.to_owned(),
            action,
            op,
            diff,
            request,
        }
    }

    /// A new agent: its `createAgent`, then a `createAction` for each of its actions (the new
    /// agent's id goes where `slot` says).
    fn create_agent(
        &self,
        out: &mut Vec<Change>,
        agent: &str,
        body: Map<String, Value>,
        actions: impl Iterator<Item = Map<String, Value>>,
        slot: AgentIdSlot,
    ) {
        out.push(self.change(
            Kind::Agent,
            agent,
            None,
            Op::Create,
            Vec::new(),
            request("createAgent", BTreeMap::new(), Some(body), None),
        ));
        for action in actions {
            let action_name = text(&Value::Object(action.clone()), "name").to_owned();
            out.push(self.change(
                Kind::Action,
                agent,
                Some(action_name),
                Op::Create,
                Vec::new(),
                request("createAction", BTreeMap::new(), Some(action), Some(slot)),
            ));
        }
    }

    /// With `--prune`: a delete for each live action of `agent` whose name the file does not
    /// declare; `delete` gives the `deleteAction` parameters for a live action's id.
    fn prune_actions(
        &self,
        out: &mut Vec<Change>,
        agent: &str,
        declared: &[Map<String, Value>],
        live_actions: &[Value],
        delete: impl Fn(&str) -> BTreeMap<String, String>,
    ) {
        for live in live_actions {
            let action_name = text(live, "name");
            if !declared
                .iter()
                .any(|a| a.get("name").and_then(Value::as_str) == Some(action_name))
            {
                out.push(self.change(
                    Kind::Action,
                    agent,
                    Some(action_name.to_owned()),
                    Op::Delete,
                    Vec::new(),
                    request("deleteAction", delete(text(live, "id")), None, None),
                ));
            }
        }
    }

    /// With `--prune`: a delete for each live agent (named by `name_key`) the file does not
    /// declare; `delete` gives the `deleteAgent` parameters for a live agent's id.
    fn prune_agents<'n>(
        &self,
        out: &mut Vec<Change>,
        live: &[Value],
        name_key: &str,
        declared: impl Iterator<Item = &'n str> + Clone,
        delete: impl Fn(&str) -> BTreeMap<String, String>,
    ) {
        for live in live {
            let name = text(live, name_key);
            if !declared.clone().any(|declared| declared == name) {
                out.push(self.change(
                    Kind::Agent,
                    name,
                    None,
                    Op::Delete,
                    Vec::new(),
                    request("deleteAgent", delete(text(live, "id")), None, None),
                ));
            }
        }
    }
}

async fn voice_changes(
    clients: &Clients,
    location: &str,
    desired: &[VoiceAgent],
    prune: bool,
    out: &mut Vec<Change>,
) -> Result<(), CliError> {
    let b = Builder {
        location,
        api: Api::VoiceAi,
    };
    let live = list_all(
        clients,
        Api::VoiceAi,
        "listAgents",
        params(&[("locationId", location)]),
    )
    .await?;
    for agent in desired {
        let name = agent.name();
        let found = live.iter().find(|live| text(live, "agentName") == name);
        let Some(found) = found else {
            let with_location = |fields: &Map<String, Value>| {
                let mut body = fields.clone();
                body.insert("locationId".to_owned(), json!(location));
                body
            };
            let actions = agent.actions.iter().map(with_location);
            b.create_agent(
                out,
                name,
                with_location(&agent.fields),
                actions,
                AgentIdSlot::Body,
            );
            continue;
        };
        let id = text(found, "id");
        let changes = diff(found, &agent.fields);
        if changes.is_empty() {
            out.push(b.change(Kind::Agent, name, None, Op::Unchanged, changes, None));
        } else {
            let body: Map<String, Value> = changes
                .iter()
                .map(|c| (c.field.clone(), c.to.clone()))
                .collect();
            out.push(b.change(
                Kind::Agent,
                name,
                None,
                Op::Update,
                changes,
                request(
                    "patchAgent",
                    params(&[("agentId", id), ("locationId", location)]),
                    Some(body),
                    None,
                ),
            ));
        }
        let live_actions = found
            .get("actions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for action in &agent.actions {
            let action_value = Value::Object(action.clone());
            let action_name = text(&action_value, "name").to_owned();
            let mut body = action.clone();
            body.insert("locationId".to_owned(), json!(location));
            body.insert("agentId".to_owned(), json!(id));
            match live_actions
                .iter()
                .find(|live| text(live, "name") == action_name)
            {
                None => out.push(b.change(
                    Kind::Action,
                    name,
                    Some(action_name),
                    Op::Create,
                    Vec::new(),
                    request("createAction", BTreeMap::new(), Some(body), None),
                )),
                Some(live) => {
                    let changes = diff(live, action);
                    if changes.is_empty() {
                        out.push(b.change(
                            Kind::Action,
                            name,
                            Some(action_name),
                            Op::Unchanged,
                            changes,
                            None,
                        ));
                    } else {
                        out.push(b.change(
                            Kind::Action,
                            name,
                            Some(action_name),
                            Op::Update,
                            changes,
                            request(
                                "updateAction",
                                params(&[("actionId", text(live, "id"))]),
                                Some(body),
                                None,
                            ),
                        ));
                    }
                }
            }
        }
        if prune {
            b.prune_actions(out, name, &agent.actions, &live_actions, |action_id| {
                params(&[
                    ("actionId", action_id),
                    ("agentId", id),
                    ("locationId", location),
                ])
            });
        }
    }
    if prune {
        let declared = desired.iter().map(VoiceAgent::name);
        b.prune_agents(out, &live, "agentName", declared, |agent_id| {
            params(&[("agentId", agent_id), ("locationId", location)])
        });
    }
    Ok(())
}

/// An action of the file as it will be sent: the agent's follow-up settings added to its
/// `advancedFollowup` actions that do not set their own.
fn with_followup(action: &Map<String, Value>, settings: Option<&Value>) -> Map<String, Value> {
    let mut action = action.clone();
    if let Some(settings) = settings
        && action.get("type").and_then(Value::as_str) == Some("advancedFollowup")
        && let Some(Value::Object(details)) = action.get_mut("details")
    {
        details
            .entry("followupSettings")
            .or_insert_with(|| settings.clone());
    }
    action
}

fn without_followup(action: &Value) -> Value {
    let mut action = action.clone();
    if let Some(Value::Object(details)) = action.get_mut("details") {
        details.remove("followupSettings");
    }
    action
}

async fn conversation_changes(
    clients: &Clients,
    location: &str,
    desired: &[ConversationAgent],
    prune: bool,
    out: &mut Vec<Change>,
) -> Result<(), CliError> {
    let b = Builder {
        location,
        api: Api::ConversationAi,
    };
    let live = list_all(
        clients,
        Api::ConversationAi,
        "searchAgents",
        BTreeMap::new(),
    )
    .await?;
    for agent in desired {
        let name = agent.name();
        let settings = agent.followup_settings.as_ref();
        let Some(listed) = live.iter().find(|live| text(live, "name") == name) else {
            let actions = agent.actions.iter().map(|a| with_followup(a, settings));
            b.create_agent(out, name, agent.fields.clone(), actions, AgentIdSlot::Param);
            continue;
        };
        let id = text(listed, "id").to_owned();
        let found = call(
            clients,
            Api::ConversationAi,
            "getAgent",
            params(&[("agentId", &id)]),
        )
        .await?;
        let changes = diff(&found, &agent.fields);
        if changes.is_empty() {
            out.push(b.change(Kind::Agent, name, None, Op::Unchanged, changes, None));
        } else {
            let mut body: Map<String, Value> = changes
                .iter()
                .map(|c| (c.field.clone(), c.to.clone()))
                .collect();
            // updateAgent needs autoPilotMaxMessages on every call.
            let max = agent
                .fields
                .get("autoPilotMaxMessages")
                .or_else(|| found.get("autoPilotMaxMessages"))
                .cloned();
            if let Some(max) = max {
                body.entry("autoPilotMaxMessages").or_insert(max);
            }
            out.push(b.change(
                Kind::Agent,
                name,
                None,
                Op::Update,
                changes,
                request("updateAgent", params(&[("agentId", &id)]), Some(body), None),
            ));
        }
        let listed_actions = call(
            clients,
            Api::ConversationAi,
            "listActions",
            params(&[("agentId", &id)]),
        )
        .await?;
        let live_actions = listed_actions
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut followup_ids: Vec<String> = Vec::new();
        let mut followup_names: Vec<String> = Vec::new();
        let mut followup_diff: Vec<FieldChange> = Vec::new();
        for action in &agent.actions {
            let body = with_followup(action, settings);
            let action_name = text(&Value::Object(body.clone()), "name").to_owned();
            match live_actions
                .iter()
                .find(|live| text(live, "name") == action_name)
            {
                None => out.push(b.change(
                    Kind::Action,
                    name,
                    Some(action_name),
                    Op::Create,
                    Vec::new(),
                    request(
                        "createAction",
                        params(&[("agentId", &id)]),
                        Some(body),
                        None,
                    ),
                )),
                Some(live) => {
                    let changes = diff(live, &body);
                    let desired_value = Value::Object(body.clone());
                    let only_followup = !changes.is_empty()
                        && settings.is_some()
                        && action
                            .get("details")
                            .and_then(|d| d.get("followupSettings"))
                            .is_none()
                        && covers(
                            Some(&without_followup(live)),
                            &without_followup(&desired_value),
                        );
                    if changes.is_empty() {
                        out.push(b.change(
                            Kind::Action,
                            name,
                            Some(action_name),
                            Op::Unchanged,
                            changes,
                            None,
                        ));
                    } else if only_followup {
                        followup_ids.push(text(live, "id").to_owned());
                        followup_diff.push(FieldChange {
                            field: format!("{action_name}: followupSettings"),
                            from: live
                                .pointer("/details/followupSettings")
                                .cloned()
                                .unwrap_or(Value::Null),
                            to: settings.cloned().unwrap_or(Value::Null),
                        });
                        followup_names.push(format!("{action_name:?}"));
                    } else {
                        out.push(b.change(
                            Kind::Action,
                            name,
                            Some(action_name),
                            Op::Update,
                            changes,
                            request(
                                "updateAction",
                                params(&[("agentId", &id), ("actionId", text(live, "id"))]),
                                Some(body),
                                None,
                            ),
                        ));
                    }
                }
            }
        }
        if !followup_ids.is_empty() {
            let mut body = Map::new();
            body.insert("actionIds".to_owned(), json!(followup_ids));
            body.insert(
                "followupSettings".to_owned(),
                settings.cloned().unwrap_or(Value::Null),
            );
            out.push(b.change(
                Kind::Followup,
                name,
                Some(followup_names.join(", ")),
                Op::Update,
                followup_diff,
                request(
                    "updateFollowupSettings",
                    params(&[("agentId", &id)]),
                    Some(body),
                    None,
                ),
            ));
        }
        if prune {
            b.prune_actions(out, name, &agent.actions, &live_actions, |action_id| {
                params(&[("agentId", &id), ("actionId", action_id)])
            });
        }
    }
    if prune {
        let declared = desired.iter().map(ConversationAgent::name);
        b.prune_agents(out, &live, "name", declared, |agent_id| {
            params(&[("agentId", agent_id)])
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_ignores_fields_the_server_adds_but_not_list_lengths_or_values() {
        let live = json!({"id": "a", "hours": [{"day": 1, "from": 8}], "max": 600});
        assert!(covers(
            Some(&live),
            &json!({"hours": [{"day": 1}], "max": 600.0})
        ));
        assert!(!covers(Some(&live), &json!({"hours": []})));
        assert!(!covers(Some(&live), &json!({"max": 300})));
        assert!(!covers(None, &json!("x")));
        assert!(covers(None, &Value::Null));
    }

    #[test]
    fn the_agent_s_followup_settings_reach_its_advanced_followup_actions_only() {
        let settings = json!({"followUpHours": true});
        let followup: Map<String, Value> = serde_json::from_value(
            json!({"name": "Chase", "type": "advancedFollowup", "details": {"enabled": true}}),
        )
        .expect("an object");
        let stop: Map<String, Value> =
            serde_json::from_value(json!({"name": "Stop", "type": "stopBot", "details": {}}))
                .expect("an object");
        assert_eq!(
            with_followup(&followup, Some(&settings))["details"]["followupSettings"],
            settings
        );
        assert!(
            with_followup(&stop, Some(&settings))["details"]
                .get("followupSettings")
                .is_none()
        );
    }
}
