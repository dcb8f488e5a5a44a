//! Voice AI handlers (`/voice-ai/...`), one file per resource, named after `operationId`s.
//!
//! Unknown ids are answered with 404 in the vendor's `NotFoundDTO` shape (the live behaviour is
//! undocumented; see the README). Business-rule violations are 422.

pub(crate) mod actions;
pub(crate) mod agents;
pub(crate) mod call_logs;
pub(crate) mod voices;

use crate::error::ApiError;
use crate::store::StoreError;

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
