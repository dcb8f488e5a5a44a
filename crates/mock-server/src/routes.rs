//! The whole HTTP surface as one axum router: the API routes under the request pipeline, the
//! OAuth endpoints, and the admin API nested under its prefix.

use axum::Router;
use axum::middleware;
use axum::routing::{get, post, put};

use crate::api::{self, conversation_ai as ca, voice_ai as va};
use crate::{AppState, admin, middleware as mw};

/// The whole API as an axum router over `state`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use axum::body::Body;
/// use axum::http::{Request, StatusCode};
/// use tower::ServiceExt;
/// // Arrange
/// let state = mock_server::MockServer::builder().build_state();
/// let request = Request::get(format!("/voice-ai/agents?locationId={}", state.location_id()))
///     .header("Version", "2021-04-15")
///     .header("Authorization", format!("Bearer {}", state.dev_token()))
///     .body(Body::empty())
///     .expect("a valid request");
/// // Act
/// let response = mock_server::router(state).oneshot(request).await.expect("infallible");
/// // Assert
/// assert_eq!(response.status(), StatusCode::OK);
/// # }
/// ```
pub fn router(state: AppState) -> Router {
    let mut voice = Router::new()
        .route(
            "/voice-ai/agents",
            post(va::agents::create_agent).get(va::agents::list_agents),
        )
        .route(
            "/voice-ai/agents/{agentId}",
            get(va::agents::get_agent)
                .patch(va::agents::patch_agent)
                .delete(va::agents::delete_agent),
        )
        .route("/voice-ai/actions", post(va::actions::create_action))
        .route(
            "/voice-ai/actions/{actionId}",
            put(va::actions::update_action)
                .get(va::actions::get_action)
                .delete(va::actions::delete_action),
        )
        .route(
            "/voice-ai/dashboard/call-logs",
            get(va::call_logs::list_call_logs),
        )
        .route(
            "/voice-ai/dashboard/call-logs/{callId}",
            get(va::call_logs::get_call_log),
        );
    if state.voices_enabled() {
        voice = voice
            .route("/voice-ai/voices", get(va::voices::list_voices))
            .route("/voice-ai/voices/{voiceId}", get(va::voices::get_voice));
    }
    let conversation = Router::new()
        .route("/conversation-ai/agents", post(ca::agents::create_agent))
        .route(
            "/conversation-ai/agents/search",
            get(ca::agents::search_agents),
        )
        .route(
            "/conversation-ai/agents/{agentId}",
            get(ca::agents::get_agent)
                .put(ca::agents::update_agent)
                .delete(ca::agents::delete_agent),
        )
        .route(
            "/conversation-ai/agents/{agentId}/actions",
            post(ca::actions::create_action),
        )
        .route(
            "/conversation-ai/agents/{agentId}/actions/list",
            get(ca::actions::list_actions),
        )
        .route(
            "/conversation-ai/agents/{agentId}/actions/{actionId}",
            get(ca::actions::get_action)
                .put(ca::actions::update_action)
                .delete(ca::actions::delete_action),
        )
        .route(
            "/conversation-ai/agents/{agentId}/followup-settings",
            axum::routing::patch(ca::followup::update_followup_settings),
        )
        .route(
            "/conversation-ai/generations",
            get(ca::generations::get_generation_details),
        );
    let oauth = Router::new()
        .route("/oauth/token", post(api::oauth::get_access_token))
        .route(
            "/oauth/locationToken",
            post(api::oauth::get_location_access_token),
        );
    voice
        .merge(conversation)
        .merge(oauth)
        .fallback(api::route_not_found)
        .method_not_allowed_fallback(api::route_not_found)
        .layer(middleware::from_fn_with_state(state.clone(), mw::pipeline))
        .nest(
            admin::PREFIX,
            admin::routes().layer(middleware::from_fn(mw::log_request)),
        )
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use crate::spec;

    #[test]
    fn every_operation_the_router_names_is_in_the_embedded_specs() {
        let voice = [
            "createAgent",
            "listAgents",
            "getAgent",
            "patchAgent",
            "deleteAgent",
            "createAction",
            "updateAction",
            "getAction",
            "deleteAction",
            "listCallLogs",
            "getCallLog",
            "listVoices",
            "getVoice",
        ];
        let conversation = [
            "createAgent",
            "searchAgents",
            "getAgent",
            "updateAgent",
            "deleteAgent",
            "createAction",
            "listActions",
            "getAction",
            "updateAction",
            "deleteAction",
            "updateFollowupSettings",
            "getGenerationDetails",
        ];
        for id in voice {
            assert!(spec::voice_ai().operation(id).is_some(), "Voice AI {id}");
        }
        for id in conversation {
            assert!(
                spec::conversation_ai().operation(id).is_some(),
                "Conversation AI {id}"
            );
        }
    }
}
