//! `listVoices`, `getVoice` (a seeded catalog of 72 voices, see `store::voices`). The routes
//! exist only while voices are enabled (the default); see the README.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::voice_error;
use crate::AppState;
use crate::api::{ApiRequest, begin, object, respond};
use crate::error::ApiError;
use crate::spec::Api;

/// `GET /voice-ai/voices` → `{total, page, pageSize, voices}`.
pub(crate) async fn list_voices(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::VoiceAi, "listVoices", req)?;
    let page = call.number("page").unwrap_or(1).max(1);
    let page_size = call.number("pageSize").unwrap_or(10).max(1);
    let (total, voices) = state
        .store()
        .voice_list_voices(call.param("language"), page, page_size);
    Ok(respond(
        call.op,
        StatusCode::OK,
        object([
            ("total", json!(total)),
            ("page", json!(page)),
            ("pageSize", json!(page_size)),
            ("voices", Value::Array(voices)),
        ]),
    ))
}

/// `GET /voice-ai/voices/{voiceId}` → the voice.
pub(crate) async fn get_voice(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::VoiceAi, "getVoice", req)?;
    let voice_id = call.param("voiceId").unwrap_or_default().to_owned();
    let voice = state
        .store()
        .voice_get_voice(&voice_id)
        .map_err(voice_error)?;
    Ok(respond(call.op, StatusCode::OK, voice))
}
