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

use crate::error::ApiError;
use crate::store::StoreError;

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
