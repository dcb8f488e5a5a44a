//! One function that performs any operation of either API through the generated clients, from
//! an [`Invocation`]: parameters by their spec names and a JSON body. The command line and the
//! MCP tools both end here.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use voice_ai_client::TryStreamExt as _;

use crate::error::CliError;
use crate::session::Clients;
use crate::spec::{Api, Operation};

/// What one operation is called with.
#[derive(Clone, Debug, Default)]
pub(crate) struct Invocation {
    /// Path and query parameters by their spec names (`locationId`), as text.
    pub(crate) params: BTreeMap<String, String>,
    /// The request body, when the operation takes one.
    pub(crate) body: Option<Map<String, Value>>,
}

impl Invocation {
    /// Fills a missing `locationId` parameter or body field of `operation` with `location`.
    pub(crate) fn default_location(&mut self, operation: &Operation, location: Option<&str>) {
        let Some(location) = location else {
            return;
        };
        if operation.param("locationId").is_some() {
            self.params
                .entry("locationId".to_owned())
                .or_insert_with(|| location.to_owned());
        }
        if let Some(body) = &mut self.body
            && operation
                .body_properties()
                .iter()
                .any(|(name, _)| name == "locationId")
        {
            body.entry("locationId")
                .or_insert_with(|| Value::String(location.to_owned()));
        }
    }

    fn required(&self, name: &str) -> Result<String, CliError> {
        self.params.get(name).cloned().ok_or_else(|| {
            CliError::invalid(format!(
                "`{name}` is required (--{})",
                crate::names::kebab(name)
            ))
        })
    }

    fn text(&self, name: &str) -> Option<String> {
        self.params.get(name).cloned()
    }

    fn number<T: FromStr>(&self, name: &str) -> Result<Option<T>, CliError> {
        self.params
            .get(name)
            .map(|text| {
                text.trim().parse().map_err(|_| {
                    CliError::invalid(format!("`{name}` must be a whole number, not {text:?}"))
                })
            })
            .transpose()
    }

    fn body<T: DeserializeOwned>(&self, type_name: &str) -> Result<T, CliError> {
        let body = Value::Object(self.body.clone().unwrap_or_default());
        serde_json::from_value(body).map_err(|error| {
            CliError::invalid(format!(
                "the request body is not a valid {type_name}: {error}"
            ))
        })
    }
}

fn to_json<T: Serialize>(value: T) -> Value {
    serde_json::to_value(value).expect("a response type serializes to JSON")
}

/// Sets an optional parameter on a request builder when the invocation has it: text as is (the
/// builder converts and checks it), numbers parsed first.
macro_rules! optional {
    ($request:ident, $invocation:ident, $setter:ident, $name:literal) => {
        if let Some(value) = $invocation.text($name) {
            $request = $request.$setter(value);
        }
    };
    ($request:ident, $invocation:ident, $setter:ident, $name:literal, $number:ty) => {
        if let Some(value) = $invocation.number::<$number>($name)? {
            $request = $request.$setter(value);
        }
    };
}

/// Performs `operation` with `invocation` and returns the response body as JSON (an operation
/// that answers with no body gives `{"deleted": <id>}`).
pub(crate) async fn call(
    clients: &Clients,
    operation: &Operation,
    invocation: &Invocation,
) -> Result<Value, CliError> {
    let i = invocation;
    let va = &clients.voice;
    let ca = &clients.conversation;
    use conversation_ai_client::types as ct;
    use voice_ai_client::types as vt;
    let value = match (operation.api, operation.id.as_str()) {
        (Api::VoiceAi, "listAgents") => {
            let mut r = va.list_agents().location_id(i.required("locationId")?);
            optional!(r, i, page, "page", u32);
            optional!(r, i, page_size, "pageSize", u32);
            optional!(r, i, query, "query");
            to_json(r.send().await?.into_inner())
        }
        (Api::VoiceAi, "getAgent") => to_json(
            va.get_agent()
                .agent_id(i.required("agentId")?)
                .location_id(i.required("locationId")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::VoiceAi, "createAgent") => to_json(
            va.create_agent()
                .body(i.body::<vt::CreateAgentRequest>("CreateAgentRequest")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::VoiceAi, "patchAgent") => to_json(
            va.patch_agent()
                .agent_id(i.required("agentId")?)
                .location_id(i.required("locationId")?)
                .body(i.body::<vt::PatchAgentRequest>("PatchAgentRequest")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::VoiceAi, "deleteAgent") => {
            let id = i.required("agentId")?;
            va.delete_agent()
                .agent_id(&id)
                .location_id(i.required("locationId")?)
                .send()
                .await?;
            json!({ "deleted": id })
        }
        (Api::VoiceAi, "getAction") => {
            let r = va
                .get_action()
                .action_id(i.required("actionId")?)
                .location_id(i.required("locationId")?);
            to_json(r.send().await?.into_inner())
        }
        (Api::VoiceAi, "createAction") => to_json(
            va.create_action()
                .body(i.body::<vt::ActionRequest>("ActionRequest")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::VoiceAi, "updateAction") => to_json(
            va.update_action()
                .action_id(i.required("actionId")?)
                .body(i.body::<vt::ActionRequest>("ActionRequest")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::VoiceAi, "deleteAction") => {
            let id = i.required("actionId")?;
            va.delete_action()
                .action_id(&id)
                .agent_id(i.required("agentId")?)
                .location_id(i.required("locationId")?)
                .send()
                .await?;
            json!({ "deleted": id })
        }
        (Api::VoiceAi, "listCallLogs") => {
            let r = list_call_logs(va.list_call_logs(), i)?;
            to_json(r.send().await?.into_inner())
        }
        (Api::VoiceAi, "getCallLog") => to_json(
            va.get_call_log()
                .call_id(i.required("callId")?)
                .location_id(i.required("locationId")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::VoiceAi, "listVoices") => {
            let mut r = va.list_voices();
            optional!(r, i, agent_id, "agentId");
            optional!(r, i, language, "language");
            optional!(r, i, page, "page", u32);
            optional!(r, i, page_size, "pageSize", u32);
            to_json(r.send().await?.into_inner())
        }
        (Api::VoiceAi, "getVoice") => to_json(
            va.get_voice()
                .voice_id(i.required("voiceId")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "searchAgents") => {
            let mut r = ca.search_agents();
            optional!(r, i, limit, "limit", u32);
            optional!(r, i, query, "query");
            optional!(r, i, start_after, "startAfter");
            to_json(r.send().await?.into_inner())
        }
        (Api::ConversationAi, "getAgent") => to_json(
            ca.get_agent()
                .agent_id(i.required("agentId")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "createAgent") => to_json(
            ca.create_agent()
                .body(i.body::<ct::CreateAgentRequest>("CreateAgentRequest")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "updateAgent") => to_json(
            ca.update_agent()
                .agent_id(i.required("agentId")?)
                .body(i.body::<ct::UpdateAgentRequest>("UpdateAgentRequest")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "deleteAgent") => to_json(
            ca.delete_agent()
                .agent_id(i.required("agentId")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "listActions") => to_json(
            ca.list_actions()
                .agent_id(i.required("agentId")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "getAction") => to_json(
            ca.get_action()
                .agent_id(i.required("agentId")?)
                .action_id(i.required("actionId")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "createAction") => to_json(
            ca.create_action()
                .agent_id(i.required("agentId")?)
                .body(i.body::<ct::CreateActionRequest>("CreateActionRequest")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "updateAction") => to_json(
            ca.update_action()
                .agent_id(i.required("agentId")?)
                .action_id(i.required("actionId")?)
                .body(i.body::<ct::CreateActionRequest>("CreateActionRequest")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "deleteAction") => to_json(
            ca.delete_action()
                .agent_id(i.required("agentId")?)
                .action_id(i.required("actionId")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "updateFollowupSettings") => to_json(
            ca.update_followup_settings()
                .agent_id(i.required("agentId")?)
                .body(i.body::<ct::UpdateFollowupSettingsRequest>("UpdateFollowupSettingsRequest")?)
                .send()
                .await?
                .into_inner(),
        ),
        (Api::ConversationAi, "getGenerationDetails") => to_json(
            ca.get_generation_details()
                .message_id(i.required("messageId")?)
                .source(i.required("source")?)
                .send()
                .await?
                .into_inner(),
        ),
        (api, id) => {
            return Err(CliError::general(format!(
                "{} operation {id} is in the spec but this version of highlevel cannot call it yet",
                api.title()
            )));
        }
    };
    Ok(value)
}

fn list_call_logs<'a>(
    mut r: voice_ai_client::builder::ListCallLogs<'a>,
    i: &Invocation,
) -> Result<voice_ai_client::builder::ListCallLogs<'a>, CliError> {
    r = r.location_id(i.required("locationId")?);
    optional!(r, i, agent_id, "agentId");
    optional!(r, i, contact_id, "contactId");
    optional!(r, i, call_type, "callType");
    optional!(r, i, start_date, "startDate", i64);
    optional!(r, i, end_date, "endDate", i64);
    optional!(r, i, timezone, "timezone");
    optional!(r, i, action_type, "actionType");
    optional!(r, i, sort_by, "sortBy");
    optional!(r, i, sort, "sort");
    optional!(r, i, page_size, "pageSize", u32);
    Ok(r)
}

/// Whether [`call_all`] can follow the pages of `operation`.
pub(crate) fn can_follow_pages(operation: &Operation) -> bool {
    matches!(
        (operation.api, operation.id.as_str()),
        (Api::VoiceAi, "listAgents" | "listCallLogs" | "listVoices")
            | (Api::ConversationAi, "searchAgents")
    )
}

/// Every item of a paginated list, following its pages through the clients' streams;
/// `progress` is told each item as it arrives.
pub(crate) async fn call_all(
    clients: &Clients,
    operation: &Operation,
    invocation: &Invocation,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Value>, CliError> {
    let i = invocation;
    let va = &clients.voice;
    // The largest page the spec allows, unless the invocation asks for another size.
    let largest = ["pageSize", "limit"]
        .iter()
        .find_map(|name| operation.param(name)?.schema.get("maximum")?.as_u64())
        .and_then(|maximum| u32::try_from(maximum).ok())
        .unwrap_or(10);
    let mut items = Vec::new();
    let mut push = |value: Value| {
        items.push(value);
        progress(items.len());
    };
    match (operation.api, operation.id.as_str()) {
        (Api::VoiceAi, "listAgents") => {
            let location = i.required("locationId")?;
            let size = i.number::<u32>("pageSize")?.unwrap_or(largest);
            let query = i.text("query");
            let mut stream = va.list_agents_stream(move |r| {
                let r = r.location_id(&location).page_size(size);
                match &query {
                    Some(query) => r.query(query),
                    None => r,
                }
            });
            while let Some(item) = stream.try_next().await.map_err(CliError::from)? {
                push(to_json(item));
            }
        }
        (Api::VoiceAi, "listCallLogs") => {
            // Checked once up front, so the closure cannot fail.
            list_call_logs(va.list_call_logs(), i)?;
            let size = i.number::<u32>("pageSize")?.unwrap_or(largest);
            let mut stream = va.list_call_logs_stream(move |r| {
                list_call_logs(r, i).expect("checked above").page_size(size)
            });
            while let Some(item) = stream.try_next().await.map_err(CliError::from)? {
                push(to_json(item));
            }
        }
        (Api::VoiceAi, "listVoices") => {
            let size = i.number::<u32>("pageSize")?.unwrap_or(largest);
            let agent = i.text("agentId");
            let language = i.text("language");
            let mut stream = va.list_voices_stream(move |r| {
                let mut r = r.page_size(size);
                if let Some(agent) = &agent {
                    r = r.agent_id(agent);
                }
                if let Some(language) = &language {
                    r = r.language(language.clone());
                }
                r
            });
            while let Some(item) = stream.try_next().await.map_err(CliError::from)? {
                push(to_json(item));
            }
        }
        (Api::ConversationAi, "searchAgents") => {
            let limit = i.number::<u32>("limit")?.unwrap_or(largest);
            let query = i.text("query");
            let mut stream =
                clients
                    .conversation
                    .search_agents_stream(limit, move |r| match &query {
                        Some(query) => r.query(query),
                        None => r,
                    });
            while let Some(item) = stream.try_next().await.map_err(CliError::from)? {
                push(to_json(item));
            }
        }
        _ => {
            return Err(CliError::invalid(format!(
                "--all: {} {} has no pages to follow",
                operation.api.title(),
                operation.id
            )));
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use voice_ai_client::{ClientConfig, RetryPolicy, Token};

    use super::*;
    use crate::spec::operations;

    #[test]
    fn every_operation_of_the_specs_is_dispatched_to_its_client_method() {
        // Nothing listens on port 9: each call gets as far as sending, or as the clients'
        // own checks, and none may fall through to the catch-all arm.
        let config = ClientConfig::new(Token::new("pit-00000000-0000-0000-0000-000000000000"))
            .base_url("http://127.0.0.1:9")
            .retry_policy(RetryPolicy::default().max_attempts(1));
        let clients = Clients {
            voice: voice_ai_client::Client::from_config(config.clone()).expect("a client"),
            conversation: conversation_ai_client::Client::from_config(config).expect("a client"),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        for operation in operations() {
            let invocation = Invocation {
                params: operation
                    .params
                    .iter()
                    .map(|param| (param.name.clone(), "1".to_owned()))
                    .collect(),
                body: operation.body.as_ref().map(|_| Map::new()),
            };
            let error = runtime
                .block_on(call(&clients, operation, &invocation))
                .expect_err("nothing answers");
            assert!(
                !error.to_string().contains("cannot call it yet"),
                "{} {}: {error}",
                operation.api.title(),
                operation.id
            );
        }
    }

    #[test]
    fn every_paginated_operation_of_the_specs_can_follow_its_pages() {
        for operation in operations() {
            assert_eq!(
                operation.paginated(),
                can_follow_pages(operation),
                "{} {}",
                operation.api.title(),
                operation.id
            );
        }
    }
}
