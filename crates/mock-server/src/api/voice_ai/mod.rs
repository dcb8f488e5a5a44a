//! Voice AI handlers (`/voice-ai/...`), one file per resource, named after `operationId`s.
//!
//! Unknown ids are answered with 404 in the vendor's `NotFoundDTO` shape (the live behaviour is
//! undocumented; see the README). Business-rule violations are 422.

pub(crate) mod actions;
pub(crate) mod agents;
pub(crate) mod call_logs;
pub(crate) mod rules;
pub(crate) mod voices;

use crate::api::routing::Routes;
use crate::error::ApiError;
use crate::spec::{self, Api, Operation};
use crate::store::StoreError;

/// Adds the Voice AI routes to `routes`: one per operation of the embedded spec, on the spec's
/// method and path; the voices operations only when `voices` is on.
pub(crate) fn add_routes(routes: &mut Routes, voices: bool) {
    for op in spec::spec(Api::VoiceAi).operations() {
        if !voices && matches!(op.id.as_str(), "listVoices" | "getVoice") {
            continue;
        }
        add_route(routes, op);
    }
}

/// Adds the handler of `op`, by `operationId`; `false` when there is none.
fn add_route(routes: &mut Routes, op: &'static Operation) -> bool {
    match op.id.as_str() {
        "createAgent" => routes.operation(op, agents::create_agent),
        "listAgents" => routes.operation(op, agents::list_agents),
        "getAgent" => routes.operation(op, agents::get_agent),
        "patchAgent" => routes.operation(op, agents::patch_agent),
        "deleteAgent" => routes.operation(op, agents::delete_agent),
        "createAction" => routes.operation(op, actions::create_action),
        "updateAction" => routes.operation(op, actions::update_action),
        "getAction" => routes.operation(op, actions::get_action),
        "deleteAction" => routes.operation(op, actions::delete_action),
        "listCallLogs" => routes.operation(op, call_logs::list_call_logs),
        "getCallLog" => routes.operation(op, call_logs::get_call_log),
        "listVoices" => routes.operation(op, voices::list_voices),
        "getVoice" => routes.operation(op, voices::get_voice),
        _ => return false,
    }
    true
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
            .filter(|op| !add_route(&mut Routes::default(), op))
            .map(|op| op.id.as_str())
            .collect();
        assert!(missing.is_empty(), "no handler for {missing:?}");
    }
}
