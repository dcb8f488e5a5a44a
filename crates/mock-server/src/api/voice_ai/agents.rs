//! `createAgent`, `listAgents`, `getAgent`, `patchAgent`, `deleteAgent`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::LazyLock;

use super::{rules, voice_error};
use crate::AppState;
use crate::api::render_cache::PageKey;
use crate::api::{ApiRequest, begin, begin_with, bytes_response, item_shape, page_bytes, respond};
use crate::error::ApiError;
use crate::spec::{self, Api, Shape};

/// `POST /voice-ai/agents` → 201 with the agent, documented defaults filled in.
pub(crate) async fn create_agent(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin_with(
        &state,
        Api::VoiceAi,
        "createAgent",
        req,
        true,
        rules::create_agent,
    )?;
    let location = call.body_str("locationId").unwrap_or_default().to_owned();
    let agent = state.store().voice_create_agent(&location, None, call.body);
    Ok(respond(call.op, StatusCode::CREATED, agent))
}

/// `GET /voice-ai/agents` → `{total, page, pageSize, agents}`; each agent is rendered through
/// the declared item shape (cached per agent).
pub(crate) async fn list_agents(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    static ITEM: LazyLock<&'static Shape> = LazyLock::new(|| {
        item_shape(
            spec::operation(Api::VoiceAi, "listAgents"),
            "agents",
            spec::operation(Api::VoiceAi, "getAgent"),
        )
    });
    let call = begin(&state, Api::VoiceAi, "listAgents", req)?;
    let page = call.number("page").unwrap_or(1);
    let page_size = call.number("pageSize").unwrap_or(10);
    let cache = state.render_cache();
    let location = call.param("locationId").unwrap_or_default();
    let query = call.param("query");
    let render = || {
        let (total, agents) = state.store().voice_list_agents_by_revision(
            location,
            query,
            page,
            page_size,
            |revision, value| cache.get_or_render(revision, *ITEM, value),
        );
        page_bytes(
            call.op,
            "agents",
            &agents,
            &[
                ("total", json!(total)),
                ("page", json!(page)),
                ("pageSize", json!(page_size)),
            ],
        )
    };
    let body = match state.store().location_generation(location) {
        Some(generation) => {
            let key = PageKey {
                generation,
                operation: "listAgents",
                query: query.map(str::to_owned),
                page,
                page_size,
            };
            cache.page_or_render(key, render)
        }
        None => render(),
    };
    Ok(bytes_response(StatusCode::OK, body))
}

/// `GET /voice-ai/agents/{agentId}` → the agent with its actions (rendered through the
/// declared shape, cached until the agent or its actions change).
pub(crate) async fn get_agent(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::VoiceAi, "getAgent", req)?;
    let agent = state
        .store()
        .voice_get_agent_by_revision(
            call.param("locationId").unwrap_or_default(),
            call.param("agentId").unwrap_or_default(),
            |revision, value| {
                state
                    .render_cache()
                    .get_or_render(revision, &call.op.success_shape, value)
            },
        )
        .map_err(voice_error)?;
    Ok(bytes_response(StatusCode::OK, agent))
}

/// `PATCH /voice-ai/agents/{agentId}` → the agent with only the sent fields changed.
pub(crate) async fn patch_agent(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::VoiceAi, "patchAgent", req)?;
    let location = call.param("locationId").unwrap_or_default().to_owned();
    let agent_id = call.param("agentId").unwrap_or_default().to_owned();
    let agent = state
        .store()
        .voice_patch_agent_checked(&location, &agent_id, call.body, rules::patch_agent)
        .map_err(voice_error)?;
    Ok(respond(call.op, StatusCode::OK, agent))
}

/// `DELETE /voice-ai/agents/{agentId}` → 204, and the agent's actions are gone too.
pub(crate) async fn delete_agent(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    let call = begin(&state, Api::VoiceAi, "deleteAgent", req)?;
    state
        .store()
        .voice_delete_agent(
            call.param("locationId").unwrap_or_default(),
            call.param("agentId").unwrap_or_default(),
        )
        .map_err(voice_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
