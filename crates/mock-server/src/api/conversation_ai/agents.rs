//! `createAgent`, `searchAgents`, `getAgent`, `updateAgent`, `deleteAgent`.
//!
//! Search: `limit` defaults to 10 and must be 1..=100 (the live maximum is unknown);
//! `startAfter` is the id of the agent after which the page starts; `query` matches a substring
//! of the lower-cased agent name, so it must be lower case as the vendor documents.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::conversation_error;
use super::rules;
use crate::AppState;
use crate::api::{ApiRequest, begin, begin_with, bytes_response, object, respond};
use crate::error::ApiError;
use crate::spec::Api;

/// `POST /conversation-ai/agents` → 201 with the agent.
pub(crate) async fn create_agent(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin_with(
        &state,
        Api::ConversationAi,
        "createAgent",
        req,
        true,
        |_, _| Vec::new(),
    )?;
    let agent =
        state
            .store()
            .conversation_create_agent(&call.principal.location_id, None, call.body);
    Ok(respond(call.op, StatusCode::CREATED, agent))
}

/// `GET /conversation-ai/agents/search` → `{agents, totalCount, count}`.
pub(crate) async fn search_agents(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin_with(
        &state,
        Api::ConversationAi,
        "searchAgents",
        req,
        false,
        |params, _| rules::search_agents(params),
    )?;
    let limit = call.number("limit").unwrap_or(rules::DEFAULT_LIMIT);
    let page = state
        .store()
        .conversation_search_agents(
            &call.principal.location_id,
            call.param("startAfter"),
            usize::try_from(limit).unwrap_or(usize::MAX),
            call.param("query"),
        )
        .map_err(conversation_error)?;
    let count = page.agents.len();
    Ok(respond(
        call.op,
        StatusCode::OK,
        object([
            ("agents", Value::Array(page.agents)),
            ("totalCount", json!(page.total_count)),
            ("count", json!(count)),
        ]),
    ))
}

/// `GET /conversation-ai/agents/{agentId}` → the agent.
pub(crate) async fn get_agent(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::ConversationAi, "getAgent", req)?;
    let agent = state
        .store()
        .conversation_get_agent_by_revision(
            &call.principal.location_id,
            call.param("agentId").unwrap_or_default(),
            |revision, value| {
                state
                    .render_cache()
                    .get_or_render(revision, &call.op.success_shape, value)
            },
        )
        .map_err(conversation_error)?;
    Ok(bytes_response(StatusCode::OK, agent))
}

/// `PUT /conversation-ai/agents/{agentId}` → the agent with the sent fields merged in.
pub(crate) async fn update_agent(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::ConversationAi, "updateAgent", req)?;
    let agent_id = call.param("agentId").unwrap_or_default().to_owned();
    let agent = state
        .store()
        .conversation_update_agent(&call.principal.location_id, &agent_id, call.body)
        .map_err(conversation_error)?;
    Ok(respond(call.op, StatusCode::OK, agent))
}

/// `DELETE /conversation-ai/agents/{agentId}` → `{success: true, id}`.
pub(crate) async fn delete_agent(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::ConversationAi, "deleteAgent", req)?;
    let agent_id = call.param("agentId").unwrap_or_default().to_owned();
    state
        .store()
        .conversation_delete_agent(&call.principal.location_id, &agent_id)
        .map_err(conversation_error)?;
    Ok(respond(
        call.op,
        StatusCode::OK,
        json!({"success": true, "id": agent_id}),
    ))
}
