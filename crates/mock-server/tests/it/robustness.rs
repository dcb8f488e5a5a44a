//! Property: whatever JSON a client sends, the mock answers 2xx or 4xx in the vendor shape,
//! and a refused request leaves the store as it was.

use axum::http::{Method, StatusCode};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::support::Harness;

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1.0e6..1.0e6f64).prop_map(Value::from),
        "[a-zA-Z0-9 _/-]{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("SMS"),
            Just("CALL_TRANSFER"),
            Just("triggerWorkflow"),
            Just("advancedFollowup"),
            Just("en-US"),
            Just("auto-pilot"),
            Just("number")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("locationId".to_owned()),
                    Just("agentId".to_owned()),
                    Just("agentName".to_owned()),
                    Just("name".to_owned()),
                    Just("actionType".to_owned()),
                    Just("actionParameters".to_owned()),
                    Just("type".to_owned()),
                    Just("details".to_owned()),
                    Just("translation".to_owned()),
                    Just("maxCallDuration".to_owned()),
                    Just("autoPilotMaxMessages".to_owned()),
                    Just("actionIds".to_owned()),
                    Just("followupSettings".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn snapshot(h: &Harness, voice_agent: &str, conversation_agent: &str) -> Value {
    let store = h.state.store();
    let loc = h.loc();
    json!({
        "voice": store.voice_list_agents(&loc, None, 1, 50).1,
        "agent": store.voice_get_agent(&loc, voice_agent).ok(),
        "conversation": store.conversation_search_agents(&loc, None, 100, None).ok().map(|p| p.agents),
        "actions": store.conversation_list_actions(&loc, conversation_agent).ok(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bodies_never_cause_a_server_error_and_refusals_change_nothing(
        body in any_json(),
        target in 0usize..8,
        with_location in any::<bool>(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let h = Harness::new();
            let loc = h.loc();
            let voice_agent = h.post("/voice-ai/agents", json!({"locationId": loc})).await.id();
            let conversation_agent = h
                .post("/conversation-ai/agents", json!({"name": "a", "personality": "p", "goal": "g", "instructions": "i"}))
                .await
                .id();
            let mut body = body;
            if with_location && let Some(map) = body.as_object_mut() {
                map.insert("locationId".into(), json!(loc));
                map.insert("agentId".into(), json!(voice_agent));
            }
            let (method, uri) = match target {
                0 => (Method::POST, "/voice-ai/agents".to_owned()),
                1 => (Method::PATCH, format!("/voice-ai/agents/{voice_agent}?locationId={loc}")),
                2 => (Method::POST, "/voice-ai/actions".to_owned()),
                3 => (Method::PUT, "/voice-ai/actions/000000000000000000000000".to_owned()),
                4 => (Method::POST, "/conversation-ai/agents".to_owned()),
                5 => (Method::PUT, format!("/conversation-ai/agents/{conversation_agent}")),
                6 => (Method::POST, format!("/conversation-ai/agents/{conversation_agent}/actions")),
                _ => (Method::PATCH, format!("/conversation-ai/agents/{conversation_agent}/followup-settings")),
            };
            let before = snapshot(&h, &voice_agent, &conversation_agent);
            let reply = h.send(method, &uri, Some(body.clone())).await;
            assert!(
                reply.status.is_success() || reply.status.is_client_error(),
                "{uri} {body} → {} {}", reply.status, reply.body
            );
            if reply.status.is_client_error() {
                assert_eq!(reply.body["statusCode"], json!(reply.status.as_u16()));
                assert!(reply.body["error"].is_string());
                assert!(reply.body["message"].is_string() || reply.body["message"].is_array());
                if reply.status == StatusCode::UNPROCESSABLE_ENTITY {
                    assert!(reply.body["message"].as_array().is_some_and(|m| !m.is_empty()));
                }
                assert_eq!(before, snapshot(&h, &voice_agent, &conversation_agent), "{uri} {body}");
            }
        });
    }
}
