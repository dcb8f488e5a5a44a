//! `createAction`, `listActions`, `getAction`, `updateAction`, `deleteAction`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{conversation_error, success_envelope};
use crate::AppState;
use crate::api::{ApiRequest, begin, begin_with, respond};
use crate::error::ApiError;
use crate::spec::Api;

/// `POST /conversation-ai/agents/{agentId}/actions` → 201 `{data, success}`.
pub(crate) async fn create_action(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin_with(
        &state,
        Api::ConversationAi,
        "createAction",
        req,
        true,
        |_, _| Vec::new(),
    )?;
    let agent_id = call.param("agentId").unwrap_or_default().to_owned();
    let action = state
        .store()
        .conversation_create_action(&call.principal.location_id, &agent_id, None, call.body)
        .map_err(conversation_error)?;
    Ok(respond(
        call.op,
        StatusCode::CREATED,
        success_envelope(action),
    ))
}

/// `GET /conversation-ai/agents/{agentId}/actions/list` → `{data: [...], success}`.
pub(crate) async fn list_actions(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::ConversationAi, "listActions", req)?;
    let actions = state
        .store()
        .conversation_list_actions(
            &call.principal.location_id,
            call.param("agentId").unwrap_or_default(),
        )
        .map_err(conversation_error)?;
    Ok(respond(call.op, StatusCode::OK, success_envelope(actions)))
}

/// `GET /conversation-ai/agents/{agentId}/actions/{actionId}` → `{data, success}`.
pub(crate) async fn get_action(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::ConversationAi, "getAction", req)?;
    let action = state
        .store()
        .conversation_get_action(
            &call.principal.location_id,
            call.param("agentId").unwrap_or_default(),
            call.param("actionId").unwrap_or_default(),
        )
        .map_err(conversation_error)?;
    Ok(respond(call.op, StatusCode::OK, success_envelope(action)))
}

/// `PUT /conversation-ai/agents/{agentId}/actions/{actionId}` → `{data, success}`, replaced.
pub(crate) async fn update_action(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin_with(
        &state,
        Api::ConversationAi,
        "updateAction",
        req,
        true,
        |_, _| Vec::new(),
    )?;
    let agent_id = call.param("agentId").unwrap_or_default().to_owned();
    let action_id = call.param("actionId").unwrap_or_default().to_owned();
    let action = state
        .store()
        .conversation_update_action(
            &call.principal.location_id,
            &agent_id,
            &action_id,
            call.body,
        )
        .map_err(conversation_error)?;
    Ok(respond(call.op, StatusCode::OK, success_envelope(action)))
}

/// `DELETE /conversation-ai/agents/{agentId}/actions/{actionId}` → `{data: {id}, success}`.
pub(crate) async fn delete_action(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::ConversationAi, "deleteAction", req)?;
    let agent_id = call.param("agentId").unwrap_or_default().to_owned();
    let action_id = call.param("actionId").unwrap_or_default().to_owned();
    state
        .store()
        .conversation_delete_action(&call.principal.location_id, &agent_id, &action_id)
        .map_err(conversation_error)?;
    Ok(respond(
        call.op,
        StatusCode::OK,
        success_envelope(json!({"id": action_id})),
    ))
}
