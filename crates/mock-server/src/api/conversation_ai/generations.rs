//! `getGenerationDetails`: answers with details registered through
//! [`crate::store::Store::add_generation`] (or fixtures); anything else is a 400.

use axum::http::StatusCode;
use axum::response::Response;

use super::conversation_error;
use crate::AppState;
use crate::api::{ApiRequest, begin, respond};
use crate::error::ApiError;
use crate::spec::Api;

/// `GET /conversation-ai/generations?messageId&source` → the generation details.
pub(crate) async fn get_generation_details(
    state: AppState,
    req: ApiRequest,
) -> Result<Response, ApiError> {
    let call = begin(&state, Api::ConversationAi, "getGenerationDetails", req)?;
    let details = state
        .store()
        .conversation_get_generation(
            &call.principal.location_id,
            call.param("messageId").unwrap_or_default(),
            call.param("source").unwrap_or_default(),
        )
        .map_err(conversation_error)?;
    Ok(respond(call.op, StatusCode::OK, details))
}
