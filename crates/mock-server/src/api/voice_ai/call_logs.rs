//! `listCallLogs`, `getCallLog`.
//!
//! Beyond the spec: `startDate`/`endDate` (epoch milliseconds) must come together and
//! `startDate` must be before `endDate`; `sort` without `sortBy` is ignored, as the spec says
//! (newest first); `contactId` and `actionType` may
//! be comma-separated lists; an undeclared `timezone` query parameter is accepted and ignored.
//! Filtering, counting and paging run on the location's call-log indexes (`store::call_logs`).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::rules;
use super::voice_error;
use crate::AppState;
use crate::api::{ApiRequest, Params, begin, begin_with, object, respond};
use crate::error::ApiError;
use crate::spec::Api;
use crate::store::voice_ai::CallLogFilter;

fn list(params: &Params, name: &str) -> Vec<String> {
    comma_list(params.get(name).and_then(Value::as_str))
}

/// A comma-separated filter value (`contactId`, `actionType`) as its non-empty items.
pub(crate) fn comma_list(text: Option<&str>) -> Vec<String> {
    text.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// `GET /voice-ai/dashboard/call-logs` → `{total, page, pageSize, callLogs}`.
pub(crate) async fn list_call_logs(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin_with(
        &state,
        Api::VoiceAi,
        "listCallLogs",
        req,
        false,
        |params, _| rules::list_call_logs(params),
    )?;
    let page = call.number("page").unwrap_or(1).max(1);
    let page_size = call.number("pageSize").unwrap_or(10).max(1);
    let filter = CallLogFilter {
        agent_id: call.param("agentId").map(str::to_owned),
        contact_ids: list(&call.params, "contactId"),
        trial: call.param("callType").map(|t| t == "TRIAL"),
        start_ms: call
            .params
            .get("startDate")
            .and_then(Value::as_f64)
            .map(|n| n as i64),
        end_ms: call
            .params
            .get("endDate")
            .and_then(Value::as_f64)
            .map(|n| n as i64),
        action_types: list(&call.params, "actionType"),
        sort_by: call.param("sortBy").map(str::to_owned),
        // `sort` only applies together with `sortBy` (alone it is ignored: newest first).
        ascending: call.param("sortBy").is_some() && call.param("sort") == Some("ascend"),
    };
    let (total, logs) = state.store().voice_list_call_logs(
        call.param("locationId").unwrap_or_default(),
        &filter,
        page,
        page_size,
    );
    Ok(respond(
        call.op,
        StatusCode::OK,
        object([
            ("total", json!(total)),
            ("page", json!(page)),
            ("pageSize", json!(page_size)),
            ("callLogs", Value::Array(logs)),
        ]),
    ))
}

/// `GET /voice-ai/dashboard/call-logs/{callId}` → the call log.
pub(crate) async fn get_call_log(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::VoiceAi, "getCallLog", req)?;
    let log = state
        .store()
        .voice_get_call_log(
            call.param("locationId").unwrap_or_default(),
            call.param("callId").unwrap_or_default(),
        )
        .map_err(voice_error)?;
    Ok(respond(call.op, StatusCode::OK, log))
}
