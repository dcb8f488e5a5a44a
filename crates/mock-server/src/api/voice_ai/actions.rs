//! `createAction`, `updateAction`, `getAction`, `deleteAction`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::voice_error;
use crate::AppState;
use crate::api::{ApiRequest, begin, begin_with, respond};
use crate::error::ApiError;
use crate::spec::Api;

/// `POST /voice-ai/actions` → 201 with the action; the agent must exist in the location.
pub(crate) async fn create_action(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin_with(&state, Api::VoiceAi, "createAction", req, true, |_, _| {
        Vec::new()
    })?;
    let location = call.body_str("locationId").unwrap_or_default().to_owned();
    let agent_id = call.body_str("agentId").unwrap_or_default().to_owned();
    let action = state
        .store()
        .voice_create_action(&location, &agent_id, None, call.body)
        .map_err(voice_error)?;
    Ok(respond(call.op, StatusCode::CREATED, action))
}

/// `PUT /voice-ai/actions/{actionId}` → the action with type, name and parameters replaced.
pub(crate) async fn update_action(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin_with(&state, Api::VoiceAi, "updateAction", req, true, |_, _| {
        Vec::new()
    })?;
    let location = call.body_str("locationId").unwrap_or_default().to_owned();
    let agent_id = call.body_str("agentId").unwrap_or_default().to_owned();
    let action_id = call.param("actionId").unwrap_or_default().to_owned();
    let action = state
        .store()
        .voice_update_action(&location, &agent_id, &action_id, call.body)
        .map_err(voice_error)?;
    Ok(respond(call.op, StatusCode::OK, action))
}

/// `GET /voice-ai/actions/{actionId}` → the action.
pub(crate) async fn get_action(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::VoiceAi, "getAction", req)?;
    let action = state
        .store()
        .voice_get_action(
            call.param("locationId").unwrap_or_default(),
            call.param("actionId").unwrap_or_default(),
        )
        .map_err(voice_error)?;
    Ok(respond(call.op, StatusCode::OK, action))
}

/// `DELETE /voice-ai/actions/{actionId}?agentId&locationId` → 204.
pub(crate) async fn delete_action(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::VoiceAi, "deleteAction", req)?;
    state
        .store()
        .voice_delete_action(
            call.param("locationId").unwrap_or_default(),
            call.param("agentId").unwrap_or_default(),
            call.param("actionId").unwrap_or_default(),
        )
        .map_err(voice_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
