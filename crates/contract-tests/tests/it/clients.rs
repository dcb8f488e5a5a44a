//! Calls through the generated clients (`voice-ai-client`, `conversation-ai-client`).
//!
//! [`call`] performs an operation with the typed builder methods: ids, query values and bodies
//! are converted into the clients' own types (so a valid payload the client cannot express is a
//! failure), and the typed answer is serialized back to JSON, so the same checks as for raw
//! HTTP (status, spec schema, undeclared fields, model postconditions) apply to what the client
//! decoded.

use std::fmt::Display;
use std::num::NonZeroU32;

use contract_tests::spec::Api;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::support::{Ids, Raw};

/// A client of either API.
#[derive(Debug, Clone)]
pub(crate) enum AnyClient {
    /// Voice AI.
    Voice(voice_ai_client::Client),
    /// Conversation AI.
    Conversation(conversation_ai_client::Client),
}

impl AnyClient {
    /// A client of `api` for the server at `base` with `token`.
    pub(crate) fn new(api: Api, base: &str, token: &str) -> AnyClient {
        AnyClient::with_retries(api, base, token, voice_ai_client::RetryPolicy::default())
    }

    /// A client that sends each call exactly once (no retry on 429 or 5xx), so every request
    /// is one a pacer counted (the live tests).
    pub(crate) fn single_attempt(api: Api, base: &str, token: &str) -> AnyClient {
        AnyClient::with_retries(api, base, token, voice_ai_client::RetryPolicy::none())
    }

    fn with_retries(
        api: Api,
        base: &str,
        token: &str,
        policy: voice_ai_client::RetryPolicy,
    ) -> AnyClient {
        match api {
            Api::VoiceAi => {
                let config = voice_ai_client::ClientConfig::new(voice_ai_client::Token::new(token))
                    .base_url(base)
                    .retry_policy(policy);
                AnyClient::Voice(
                    voice_ai_client::Client::from_config(config).expect("a client builds"),
                )
            }
            Api::ConversationAi => {
                // Both clients re-export the one runtime's `RetryPolicy`.
                let config = conversation_ai_client::ClientConfig::new(
                    conversation_ai_client::Token::new(token),
                )
                .base_url(base)
                .retry_policy(policy);
                AnyClient::Conversation(
                    conversation_ai_client::Client::from_config(config).expect("a client builds"),
                )
            }
        }
    }
}

/// A value of the client's type `T` from JSON.
fn typed<T: DeserializeOwned>(name: &str, v: &Value) -> Result<T, String> {
    serde_json::from_value(v.clone())
        .map_err(|e| format!("the client type of `{name}` rejects {v}: {e}"))
}

/// A string argument from the query object or, failing that, the ids.
fn text(ids: &Ids, query: &Value, name: &str) -> Option<String> {
    match query.get(name) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
        None => ids.get(name).cloned(),
    }
}

/// The answer of a typed call, as raw JSON: the decoded success, or the status and the vendor
/// error body the client's `ApiError` kept.
fn answer<T: Serialize>(
    result: Result<progenitor_client::ResponseValue<T>, voice_ai_client::ApiError>,
) -> Raw {
    match result {
        Ok(value) => {
            let status = value.status().as_u16();
            let rate_limit = voice_ai_client::RateLimit::from_headers(value.headers());
            let body = serde_json::to_value(value.into_inner()).expect("client types serialize");
            Raw {
                status,
                body,
                rate_limit,
            }
        }
        Err(error) => {
            let rate_limit = error.rate_limit();
            let (status, body) = match (error.status(), error.body()) {
                (Some(status), Some(body)) => (
                    status.as_u16(),
                    serde_json::to_value(body).expect("error bodies serialize"),
                ),
                (status, None) => (
                    status.map_or(599, |s| s.as_u16()),
                    Value::String(format!("client error: {error}")),
                ),
                (None, Some(_)) => (599, Value::String(format!("client error: {error}"))),
            };
            Raw {
                status,
                body,
                rate_limit,
            }
        }
    }
}

fn fail(e: impl Display) -> Raw {
    Raw {
        status: 598,
        body: Value::String(e.to_string()),
        rate_limit: None,
    }
}

macro_rules! opt {
    ($req:ident, $ids:ident, $query:ident, $name:literal, $setter:ident) => {
        if let Some(v) = text($ids, $query, $name) {
            $req = $req.$setter(v);
        }
    };
    ($req:ident, $query:ident, $name:literal, $setter:ident, $ty:ty) => {
        if let Some(v) = $query.get($name) {
            match typed::<$ty>($name, v) {
                Ok(v) => $req = $req.$setter(v),
                Err(e) => return fail(e),
            }
        }
    };
}

macro_rules! body {
    ($req:ident, $body:ident, $ty:ty) => {
        match $body.map(|b| typed::<$ty>("body", b)) {
            Some(Ok(b)) => $req = $req.body(b),
            Some(Err(e)) => return fail(e),
            None => {}
        }
    };
}

/// Performs `operation_id` through the generated client.
pub(crate) async fn call(
    client: &AnyClient,
    operation_id: &str,
    ids: &Ids,
    query: &Value,
    body: Option<&Value>,
) -> Raw {
    match client {
        AnyClient::Voice(c) => voice(c, operation_id, ids, query, body).await,
        AnyClient::Conversation(c) => conversation(c, operation_id, ids, query, body).await,
    }
}

async fn voice(
    c: &voice_ai_client::Client,
    operation_id: &str,
    ids: &Ids,
    query: &Value,
    body: Option<&Value>,
) -> Raw {
    use voice_ai_client::types;
    match operation_id {
        "createAgent" => {
            let mut r = c.create_agent();
            body!(r, body, types::CreateAgentRequest);
            answer(r.send().await)
        }
        "listAgents" => {
            let mut r = c.list_agents();
            opt!(r, ids, query, "locationId", location_id);
            opt!(r, ids, query, "query", query);
            opt!(r, query, "page", page, NonZeroU32);
            opt!(r, query, "pageSize", page_size, NonZeroU32);
            answer(r.send().await)
        }
        "getAgent" => {
            let mut r = c.get_agent();
            opt!(r, ids, query, "agentId", agent_id);
            opt!(r, ids, query, "locationId", location_id);
            answer(r.send().await)
        }
        "patchAgent" => {
            let mut r = c.patch_agent();
            opt!(r, ids, query, "agentId", agent_id);
            opt!(r, ids, query, "locationId", location_id);
            body!(r, body, types::PatchAgentRequest);
            answer(r.send().await)
        }
        "deleteAgent" => {
            let mut r = c.delete_agent();
            opt!(r, ids, query, "agentId", agent_id);
            opt!(r, ids, query, "locationId", location_id);
            answer(r.send().await)
        }
        "createAction" => {
            let mut r = c.create_action();
            body!(r, body, types::ActionRequest);
            answer(r.send().await)
        }
        "updateAction" => {
            let mut r = c.update_action();
            opt!(r, ids, query, "actionId", action_id);
            body!(r, body, types::ActionRequest);
            answer(r.send().await)
        }
        "getAction" => {
            let mut r = c.get_action();
            opt!(r, ids, query, "actionId", action_id);
            opt!(r, ids, query, "locationId", location_id);
            answer(r.send().await)
        }
        "deleteAction" => {
            let mut r = c.delete_action();
            opt!(r, ids, query, "actionId", action_id);
            opt!(r, ids, query, "locationId", location_id);
            opt!(r, ids, query, "agentId", agent_id);
            answer(r.send().await)
        }
        "listCallLogs" => {
            let mut r = c.list_call_logs();
            opt!(r, ids, query, "locationId", location_id);
            opt!(r, ids, query, "agentId", agent_id);
            opt!(r, ids, query, "contactId", contact_id);
            opt!(r, query, "callType", call_type, types::CallType);
            opt!(r, query, "startDate", start_date, i64);
            opt!(r, query, "endDate", end_date, i64);
            opt!(r, query, "timezone", timezone, types::Timezone);
            opt!(r, query, "actionType", action_type, types::ActionTypeList);
            opt!(r, query, "sortBy", sort_by, types::CallLogSortBy);
            opt!(r, query, "sort", sort, types::SortOrder);
            opt!(r, query, "page", page, NonZeroU32);
            opt!(r, query, "pageSize", page_size, NonZeroU32);
            answer(r.send().await)
        }
        "getCallLog" => {
            let mut r = c.get_call_log();
            opt!(r, ids, query, "callId", call_id);
            opt!(r, ids, query, "locationId", location_id);
            answer(r.send().await)
        }
        "listVoices" => {
            let mut r = c.list_voices();
            opt!(r, ids, query, "agentId", agent_id);
            opt!(r, query, "page", page, NonZeroU32);
            opt!(r, query, "pageSize", page_size, NonZeroU32);
            opt!(r, query, "language", language, types::VoiceAiLanguage);
            answer(r.send().await)
        }
        "getVoice" => {
            let mut r = c.get_voice();
            opt!(r, ids, query, "voiceId", voice_id);
            answer(r.send().await)
        }
        other => fail(format!("no client call for Voice AI {other}")),
    }
}

async fn conversation(
    c: &conversation_ai_client::Client,
    operation_id: &str,
    ids: &Ids,
    query: &Value,
    body: Option<&Value>,
) -> Raw {
    use conversation_ai_client::types;
    match operation_id {
        "createAgent" => {
            let mut r = c.create_agent();
            body!(r, body, types::CreateAgentRequest);
            answer(r.send().await)
        }
        "searchAgents" => {
            let mut r = c.search_agents();
            opt!(r, ids, query, "startAfter", start_after);
            opt!(r, ids, query, "query", query);
            opt!(r, query, "limit", limit, NonZeroU32);
            answer(r.send().await)
        }
        "getAgent" => {
            let mut r = c.get_agent();
            opt!(r, ids, query, "agentId", agent_id);
            answer(r.send().await)
        }
        "updateAgent" => {
            let mut r = c.update_agent();
            opt!(r, ids, query, "agentId", agent_id);
            body!(r, body, types::UpdateAgentRequest);
            answer(r.send().await)
        }
        "deleteAgent" => {
            let mut r = c.delete_agent();
            opt!(r, ids, query, "agentId", agent_id);
            answer(r.send().await)
        }
        "createAction" => {
            let mut r = c.create_action();
            opt!(r, ids, query, "agentId", agent_id);
            body!(r, body, types::CreateActionRequest);
            answer(r.send().await)
        }
        "listActions" => {
            let mut r = c.list_actions();
            opt!(r, ids, query, "agentId", agent_id);
            answer(r.send().await)
        }
        "getAction" => {
            let mut r = c.get_action();
            opt!(r, ids, query, "agentId", agent_id);
            opt!(r, ids, query, "actionId", action_id);
            answer(r.send().await)
        }
        "updateAction" => {
            let mut r = c.update_action();
            opt!(r, ids, query, "agentId", agent_id);
            opt!(r, ids, query, "actionId", action_id);
            body!(r, body, types::CreateActionRequest);
            answer(r.send().await)
        }
        "deleteAction" => {
            let mut r = c.delete_action();
            opt!(r, ids, query, "agentId", agent_id);
            opt!(r, ids, query, "actionId", action_id);
            answer(r.send().await)
        }
        "updateFollowupSettings" => {
            let mut r = c.update_followup_settings();
            opt!(r, ids, query, "agentId", agent_id);
            body!(r, body, types::UpdateFollowupSettingsRequest);
            answer(r.send().await)
        }
        "getGenerationDetails" => {
            let mut r = c.get_generation_details();
            opt!(r, ids, query, "messageId", message_id);
            opt!(r, query, "source", source, types::GenerationSource);
            answer(r.send().await)
        }
        other => fail(format!("no client call for Conversation AI {other}")),
    }
}

fn decodes<T: DeserializeOwned>(body: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(body.clone())
        .map(drop)
        .map_err(|e| {
            format!(
                "the client type {} cannot decode it: {e}",
                std::any::type_name::<T>()
            )
        })
}

/// Decodes a raw success body of `operation` with the generated client's type for the
/// response schema the spec names (by `$ref`). A response schema with no registered client type
/// is a failure, so a new one is noticed.
pub(crate) fn decode(
    operation: &contract_tests::spec::Operation,
    body: &Value,
) -> Result<(), String> {
    let Some(schema) = operation.response_schema.as_ref() else {
        return Ok(());
    };
    let name = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or("<inline schema>");
    match operation.api {
        Api::VoiceAi => {
            use voice_ai_client::types as t;
            match name {
                "Agent" => decodes::<t::Agent>(body),
                "AgentWithActions" => decodes::<t::AgentWithActions>(body),
                "ListAgentsResponse" => decodes::<t::ListAgentsResponse>(body),
                "Action" => decodes::<t::Action>(body),
                "CallLog" => decodes::<t::CallLog>(body),
                "ListCallLogsResponse" => decodes::<t::ListCallLogsResponse>(body),
                "Voice" => decodes::<t::Voice>(body),
                "ListVoicesResponse" => decodes::<t::ListVoicesResponse>(body),
                other => Err(format!(
                    "no voice-ai-client type registered for response schema {other}"
                )),
            }
        }
        Api::ConversationAi => {
            use conversation_ai_client::types as t;
            match name {
                "Agent" => decodes::<t::Agent>(body),
                "SearchAgentsResponse" => decodes::<t::SearchAgentsResponse>(body),
                "DeleteAgentResponse" => decodes::<t::DeleteAgentResponse>(body),
                "ActionResponse" => decodes::<t::ActionResponse>(body),
                "ListActionsResponse" => decodes::<t::ListActionsResponse>(body),
                "DeleteActionResponse" => decodes::<t::DeleteActionResponse>(body),
                "GenerationDetails" => decodes::<t::GenerationDetails>(body),
                other => Err(format!(
                    "no conversation-ai-client type registered for response schema {other}"
                )),
            }
        }
    }
}
