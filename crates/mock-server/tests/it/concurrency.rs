//! Concurrent writers through the router: no lost creates, patches or actions, unique ids.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use mock_server::{AppState, MockServer};
use serde_json::json;

use crate::support::{Harness, Reply, send_to};

async fn post(state: &AppState, uri: &str, body: serde_json::Value) -> Reply {
    let request = axum::http::Request::post(uri)
        .header("Version", "2021-04-15")
        .header("Authorization", format!("Bearer {}", state.dev_token()))
        .header("Content-Type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .expect("a valid request");
    send_to(state, request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creators_lose_no_agents_and_ids_stay_unique() {
    let h = Harness::with(MockServer::builder());
    let loc = h.loc();
    let mut tasks = Vec::new();
    for task in 0..8 {
        let state = h.state.clone();
        let loc = loc.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..25 {
                let reply = post(&state, "/voice-ai/agents", json!({"locationId": loc, "agentName": format!("t{task}-{i}")})).await;
                assert_eq!(reply.status, StatusCode::CREATED);
                ids.push(reply.id());
                let reply = post(
                    &state,
                    "/conversation-ai/agents",
                    json!({"name": format!("t{task}-{i}"), "personality": "p", "goal": "g", "instructions": "i"}),
                )
                .await;
                assert_eq!(reply.status, StatusCode::CREATED);
                ids.push(reply.id());
            }
            ids
        }));
    }
    let mut all = BTreeSet::new();
    for task in tasks {
        for id in task.await.expect("the task completes") {
            assert!(all.insert(id), "an id was issued twice");
        }
    }
    assert_eq!(all.len(), 400);
    let (total, _) = h.state.store().voice_list_agents(&loc, None, 1, 1);
    assert_eq!(total, 200);
    let page = h
        .state
        .store()
        .conversation_search_agents(&loc, None, 1, None)
        .expect("search works");
    assert_eq!(page.total_count, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_patchers_of_different_fields_all_land() {
    let h = Harness::new();
    let loc = h.loc();
    let id = h
        .post("/voice-ai/agents", json!({"locationId": loc}))
        .await
        .id();
    let fields = [
        ("agentName", json!("Patched")),
        ("businessName", json!("Patched Biz")),
        ("agentPrompt", json!("Patched prompt")),
        ("voiceId", json!("voice-1")),
        ("maxCallDuration", json!(777)),
        ("reminderAfterIdleTimeSeconds", json!(15)),
        ("sendUserIdleReminders", json!(false)),
        ("isAgentAsBackupDisabled", json!(true)),
    ];
    let mut tasks = Vec::new();
    for (field, value) in fields.clone() {
        let state = h.state.clone();
        let uri = format!("/voice-ai/agents/{id}?locationId={loc}");
        tasks.push(tokio::spawn(async move {
            for _ in 0..20 {
                let request = axum::http::Request::patch(&uri)
                    .header("Version", "2021-04-15")
                    .header("Authorization", format!("Bearer {}", state.dev_token()))
                    .header("Content-Type", "application/json")
                    .body(axum::body::Body::from(
                        json!({field: value.clone()}).to_string(),
                    ))
                    .expect("a valid request");
                assert_eq!(send_to(&state, request).await.status, StatusCode::OK);
            }
        }));
    }
    for task in tasks {
        task.await.expect("the task completes");
    }
    let agent = h
        .state
        .store()
        .voice_get_agent(&loc, &id)
        .expect("the agent exists");
    for (field, value) in fields {
        assert_eq!(agent[field], value, "{field}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_action_creators_on_one_agent_are_all_counted() {
    let h = Harness::new();
    let loc = h.loc();
    let agent_id = h
        .post("/voice-ai/agents", json!({"locationId": loc}))
        .await
        .id();
    let mut tasks = Vec::new();
    for task in 0..6 {
        let state = h.state.clone();
        let (loc, agent_id) = (loc.clone(), agent_id.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let body = json!({"agentId": agent_id, "locationId": loc, "name": format!("{task}-{i}"),
                    "actionType": "KNOWLEDGE_BASE", "actionParameters": {"triggerPrompt": "q", "knowledgeBaseId": "kb"}});
                assert_eq!(post(&state, "/voice-ai/actions", body).await.status, StatusCode::CREATED);
            }
        }));
    }
    for task in tasks {
        task.await.expect("the task completes");
    }
    let agent = h
        .state
        .store()
        .voice_get_agent(&loc, &agent_id)
        .expect("the agent exists");
    assert_eq!(agent["actions"].as_array().map(Vec::len), Some(60));
}
