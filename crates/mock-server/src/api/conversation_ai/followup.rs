//! `updateFollowupSettings`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::{conversation_error, success_envelope};
use crate::AppState;
use crate::api::{ApiRequest, begin, respond};
use crate::error::ApiError;
use crate::spec::Api;

/// `PATCH /conversation-ai/agents/{agentId}/followup-settings` → `{data, success}` where `data`
/// is the first listed action after the update.
pub(crate) async fn update_followup_settings(
    state: AppState,
    req: ApiRequest,
) -> Result<Response, ApiError> {
    let call = begin(&state, Api::ConversationAi, "updateFollowupSettings", req)?;
    let agent_id = call.param("agentId").unwrap_or_default().to_owned();
    let action_ids: Vec<String> = call
        .body
        .get("actionIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let settings = call
        .body
        .get("followupSettings")
        .cloned()
        .unwrap_or(Value::Null);
    let action = state
        .store()
        .conversation_update_followup_settings(
            &call.principal.location_id,
            &agent_id,
            &action_ids,
            settings,
        )
        .map_err(conversation_error)?;
    Ok(respond(call.op, StatusCode::OK, success_envelope(action)))
}
