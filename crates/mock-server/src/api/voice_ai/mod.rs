//! Voice AI handlers (`/voice-ai/...`), one file per resource, named after `operationId`s.
//!
//! Unknown ids are answered with 404 in the vendor's `NotFoundDTO` shape (the live behaviour is
//! undocumented; see the README). Business-rule violations are 422.

pub(crate) mod actions;
pub(crate) mod agents;
pub(crate) mod call_logs;
pub(crate) mod rules;
pub(crate) mod voices;

use axum::Router;
use axum::routing::MethodRouter;

use crate::AppState;
use crate::api::on_spec_method;
use crate::error::ApiError;
use crate::spec::{self, Api, Operation};
use crate::store::StoreError;

/// The Voice AI router: one route per operation of the embedded spec, on the spec's method and
/// path; the voices operations only when `voices` is on.
pub(crate) fn router(voices: bool) -> Router<AppState> {
    let mut router = Router::new();
    for op in spec::spec(Api::VoiceAi).operations() {
        if !voices && matches!(op.id.as_str(), "listVoices" | "getVoice") {
            continue;
        }
        if let Some(method_router) = handler(op) {
            router = router.route(&op.path, method_router);
        }
    }
    router
}

/// The handler of an operation, by `operationId`.
fn handler(op: &Operation) -> Option<MethodRouter<AppState>> {
    match op.id.as_str() {
        "createAgent" => on_spec_method(op, agents::create_agent),
        "listAgents" => on_spec_method(op, agents::list_agents),
        "getAgent" => on_spec_method(op, agents::get_agent),
        "patchAgent" => on_spec_method(op, agents::patch_agent),
        "deleteAgent" => on_spec_method(op, agents::delete_agent),
        "createAction" => on_spec_method(op, actions::create_action),
        "updateAction" => on_spec_method(op, actions::update_action),
        "getAction" => on_spec_method(op, actions::get_action),
        "deleteAction" => on_spec_method(op, actions::delete_action),
        "listCallLogs" => on_spec_method(op, call_logs::list_call_logs),
        "getCallLog" => on_spec_method(op, call_logs::get_call_log),
        "listVoices" => on_spec_method(op, voices::list_voices),
        "getVoice" => on_spec_method(op, voices::get_voice),
        _ => None,
    }
}

/// Renders a store failure the Voice AI way.
pub(crate) fn voice_error(error: StoreError) -> ApiError {
    match error {
        StoreError::AgentNotFound(_) => ApiError::not_found("Agent not found"),
        StoreError::ActionNotFound(_) => ApiError::not_found("Action not found"),
        StoreError::CallNotFound(_) => ApiError::not_found("Call log not found"),
        StoreError::VoiceNotFound(_) => ApiError::not_found("Voice not found"),
        StoreError::GenerationNotFound(_) => ApiError::not_found(error.to_string()),
        StoreError::Invalid(messages) => ApiError::unprocessable(messages),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_spec_has_a_handler() {
        let missing: Vec<&str> = spec::spec(Api::VoiceAi)
            .operations()
            .filter(|op| handler(op).is_none())
            .map(|op| op.id.as_str())
            .collect();
        assert!(missing.is_empty(), "no handler for {missing:?}");
    }
}
