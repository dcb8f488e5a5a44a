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

use crate::api::routing::Routes;
use crate::error::ApiError;
use crate::spec::{self, Api, Operation};
use crate::store::StoreError;

/// Adds the Conversation AI routes to `routes`: one per operation of the embedded spec, on the spec's
/// method and path.
pub(crate) fn add_routes(routes: &mut Routes) {
    for op in spec::spec(Api::ConversationAi).operations() {
        add_route(routes, op);
    }
}

/// Adds the handler of `op`, by `operationId`; `false` when there is none.
fn add_route(routes: &mut Routes, op: &'static Operation) -> bool {
    match op.id.as_str() {
        "createAgent" => routes.operation(op, agents::create_agent),
        "searchAgents" => routes.operation(op, agents::search_agents),
        "getAgent" => routes.operation(op, agents::get_agent),
        "updateAgent" => routes.operation(op, agents::update_agent),
        "deleteAgent" => routes.operation(op, agents::delete_agent),
        "createAction" => routes.operation(op, actions::create_action),
        "listActions" => routes.operation(op, actions::list_actions),
        "getAction" => routes.operation(op, actions::get_action),
        "updateAction" => routes.operation(op, actions::update_action),
        "deleteAction" => routes.operation(op, actions::delete_action),
        "updateFollowupSettings" => routes.operation(op, followup::update_followup_settings),
        "getGenerationDetails" => routes.operation(op, generations::get_generation_details),
        _ => return false,
    }
    true
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
            .filter(|op| !add_route(&mut Routes::default(), op))
            .map(|op| op.id.as_str())
            .collect();
        assert!(missing.is_empty(), "no handler for {missing:?}");
    }
}
