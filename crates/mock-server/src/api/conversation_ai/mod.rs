//! Conversation AI handlers (`/conversation-ai/...`), one file per resource, named after
//! `operationId`s.
//!
//! There is no `locationId` parameter: the token's location scopes every operation. Unknown ids
//! are answered with 400 `No Agent found for the id: <id>` (measured live for agents; actions,
//! generations follow the same pattern). Business-rule violations are 422.

pub(crate) mod actions;
pub(crate) mod agents;
pub(crate) mod followup;
pub(crate) mod generations;
mod rules;

use axum::Router;
use axum::routing::MethodRouter;

use crate::AppState;
use crate::api::on_spec_method;
use crate::error::ApiError;
use crate::spec::{self, Api, Operation};
use crate::store::StoreError;

/// The Conversation AI router: one route per operation of the embedded spec, on the spec's
/// method and path.
pub(crate) fn router() -> Router<AppState> {
    let mut router = Router::new();
    for op in spec::spec(Api::ConversationAi).operations() {
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
        "searchAgents" => on_spec_method(op, agents::search_agents),
        "getAgent" => on_spec_method(op, agents::get_agent),
        "updateAgent" => on_spec_method(op, agents::update_agent),
        "deleteAgent" => on_spec_method(op, agents::delete_agent),
        "createAction" => on_spec_method(op, actions::create_action),
        "listActions" => on_spec_method(op, actions::list_actions),
        "getAction" => on_spec_method(op, actions::get_action),
        "updateAction" => on_spec_method(op, actions::update_action),
        "deleteAction" => on_spec_method(op, actions::delete_action),
        "updateFollowupSettings" => on_spec_method(op, followup::update_followup_settings),
        "getGenerationDetails" => on_spec_method(op, generations::get_generation_details),
        _ => None,
    }
}

/// Renders a store failure the Conversation AI way.
pub(crate) fn conversation_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Invalid(messages) => ApiError::unprocessable(messages),
        other => ApiError::bad_request(other.to_string()),
    }
}

/// The envelope Conversation AI wraps action answers in: `{"data": …, "success": true}`.
pub(crate) fn success_envelope(data: impl serde::Serialize) -> serde_json::Value {
    serde_json::json!({"data": data, "success": true})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_spec_has_a_handler() {
        let missing: Vec<&str> = spec::spec(Api::ConversationAi)
            .operations()
            .filter(|op| handler(op).is_none())
            .map(|op| op.id.as_str())
            .collect();
        assert!(missing.is_empty(), "no handler for {missing:?}");
    }
}
