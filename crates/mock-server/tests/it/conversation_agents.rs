//! Conversation AI agents: create with spec defaults, required fields, nullable fields and cursor search.

use axum::http::StatusCode;
use mock_server::Api;
use serde_json::{Value, json};

use crate::support::{Harness, assert_conforms, assert_error};

fn agent_body(name: &str) -> Value {
    json!({"name": name, "personality": "kind", "goal": "help people", "instructions": "be brief"})
}

async fn create(h: &Harness, name: &str) -> Value {
    let reply = h.post("/conversation-ai/agents", agent_body(name)).await;
    assert_conforms(
        Api::ConversationAi,
        "createAgent",
        &reply,
        StatusCode::CREATED,
    );
    reply.body
}

#[tokio::test]
async fn creating_an_agent_returns_201_with_the_spec_defaults() {
    let h = Harness::new();
    let agent = create(&h, "Helper").await;
    assert_eq!(agent["name"], "Helper");
    assert_eq!(agent["mode"], "off");
    assert_eq!(agent["waitTime"], 2);
    assert_eq!(agent["waitTimeUnit"], "seconds");
    assert_eq!(agent["autoPilotMaxMessages"], 75);
    assert_eq!(agent["isPrimary"], false);
    assert_eq!(agent["actions"], json!([]));
    assert_eq!(agent["channels"], json!([]));
}

#[tokio::test]
async fn missing_required_agent_fields_are_each_named() {
    let h = Harness::new();
    let reply = h
        .post(
            "/conversation-ai/agents",
            json!({"mode": "sleepy", "channels": ["SMS", "Pager"]}),
        )
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "each value in channels must be one of the following values: IG, FB, SMS, WebChat, WhatsApp, Live_Chat",
            "goal should not be empty",
            "instructions should not be empty",
            "mode must be one of the following values: off, suggestive, auto-pilot",
            "name should not be empty",
            "personality should not be empty"
        ]),
    );
}

#[tokio::test]
async fn null_is_accepted_for_the_nullable_sleep_fields_only() {
    let h = Harness::new();
    let mut body = agent_body("Sleeper");
    body["sleepTime"] = Value::Null;
    body["sleepTimeUnit"] = Value::Null;
    let reply = h.post("/conversation-ai/agents", body.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    body["goal"] = Value::Null;
    let reply = h.post("/conversation-ai/agents", body).await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["goal must be a string"]),
    );
}

#[tokio::test]
async fn search_pages_with_the_start_after_cursor() {
    let h = Harness::new();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            create(&h, &format!("agent {i}")).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let first = h.get("/conversation-ai/agents/search?limit=2").await;
    assert_conforms(Api::ConversationAi, "searchAgents", &first, StatusCode::OK);
    assert_eq!(first.body["count"], 2);
    assert_eq!(first.body["totalCount"], 5);
    assert_eq!(first.body["agents"][1]["id"], json!(ids[1]));
    let second = h
        .get(&format!(
            "/conversation-ai/agents/search?limit=2&startAfter={}",
            ids[1]
        ))
        .await;
    let page: Vec<&Value> = second.body["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| &a["id"])
        .collect();
    assert_eq!(page, [&json!(ids[2]), &json!(ids[3])]);
    let last = h
        .get(&format!(
            "/conversation-ai/agents/search?limit=2&startAfter={}",
            ids[3]
        ))
        .await;
    assert_eq!(last.body["count"], 1);
    let empty_cursor = h.get("/conversation-ai/agents/search?startAfter=").await;
    assert_eq!(empty_cursor.body["count"], 5);
}

#[tokio::test]
async fn search_results_show_the_goal_as_an_object() {
    let h = Harness::new();
    create(&h, "Goal").await;
    let reply = h.get("/conversation-ai/agents/search").await;
    assert_eq!(reply.body["agents"][0]["goal"]["prompt"], "help people");
}

#[tokio::test]
async fn the_search_query_matches_a_lowercase_substring_and_total_count_stays_unfiltered() {
    let h = Harness::new();
    create(&h, "Booking Bot").await;
    create(&h, "Support Bot").await;
    let reply = h.get("/conversation-ai/agents/search?query=booking").await;
    assert_eq!(reply.body["count"], 1);
    assert_eq!(reply.body["totalCount"], 2);
    let upper = h.get("/conversation-ai/agents/search?query=Booking").await;
    assert_eq!(upper.body["count"], 0);
}

#[tokio::test]
async fn the_search_limit_is_between_1_and_100() {
    let h = Harness::new();
    let high = h.get("/conversation-ai/agents/search?limit=101").await;
    assert_error(
        &high,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["limit must not be greater than 100"]),
    );
    let low = h.get("/conversation-ai/agents/search?limit=0").await;
    assert_error(
        &low,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["limit must not be less than 1"]),
    );
    let ok = h.get("/conversation-ai/agents/search?limit=100").await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_start_after_is_400_like_an_unknown_agent() {
    let h = Harness::new();
    let reply = h
        .get("/conversation-ai/agents/search?startAfter=nope")
        .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        json!("No Agent found for the id: nope"),
    );
}

#[tokio::test]
async fn an_unknown_agent_is_400_with_the_vendor_message() {
    let h = Harness::new();
    let reply = h.get("/conversation-ai/agents/emp_123").await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        json!("No Agent found for the id: emp_123"),
    );
    let reply = h
        .put(
            "/conversation-ai/agents/emp_123",
            json!({"autoPilotMaxMessages": 10}),
        )
        .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        json!("No Agent found for the id: emp_123"),
    );
    let reply = h.delete("/conversation-ai/agents/emp_123").await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        json!("No Agent found for the id: emp_123"),
    );
}

#[tokio::test]
async fn updating_an_agent_merges_the_fields_sent() {
    let h = Harness::new();
    let agent = create(&h, "Before").await;
    let id = agent["id"].as_str().expect("id");
    let reply = h
        .put(
            &format!("/conversation-ai/agents/{id}"),
            json!({"autoPilotMaxMessages": 20, "mode": "suggestive"}),
        )
        .await;
    assert_conforms(Api::ConversationAi, "updateAgent", &reply, StatusCode::OK);
    assert_eq!(reply.body["mode"], "suggestive");
    assert_eq!(reply.body["autoPilotMaxMessages"], 20);
    assert_eq!(reply.body["name"], "Before");
    let got = h.get(&format!("/conversation-ai/agents/{id}")).await;
    assert_conforms(Api::ConversationAi, "getAgent", &got, StatusCode::OK);
    assert_eq!(got.body["mode"], "suggestive");
}

#[tokio::test]
async fn an_update_without_auto_pilot_max_messages_is_422_and_changes_nothing() {
    let h = Harness::new();
    let agent = create(&h, "Same").await;
    let id = agent["id"].as_str().expect("id");
    let reply = h
        .put(
            &format!("/conversation-ai/agents/{id}"),
            json!({"name": "Other"}),
        )
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["autoPilotMaxMessages should not be empty"]),
    );
    let got = h.get(&format!("/conversation-ai/agents/{id}")).await;
    assert_eq!(got.body["name"], "Same");
}

#[tokio::test]
async fn deleting_an_agent_answers_success_and_id_and_removes_its_actions() {
    let h = Harness::new();
    let agent = create(&h, "Gone").await;
    let id = agent["id"].as_str().expect("id");
    let action = h
        .post(
            &format!("/conversation-ai/agents/{id}/actions"),
            json!({"name": "wf", "type": "triggerWorkflow", "details": {"workflowIds": ["w"], "triggerCondition": "c"}}),
        )
        .await;
    assert_eq!(action.status, StatusCode::CREATED);
    let reply = h.delete(&format!("/conversation-ai/agents/{id}")).await;
    assert_conforms(Api::ConversationAi, "deleteAgent", &reply, StatusCode::OK);
    assert_eq!(reply.body, json!({"success": true, "id": id}));
    let get = h.get(&format!("/conversation-ai/agents/{id}")).await;
    assert_eq!(get.status, StatusCode::BAD_REQUEST);
    let store_actions = h.state.store().conversation_list_actions(&h.loc(), id);
    assert!(store_actions.is_err());
}

#[tokio::test]
async fn generation_details_are_served_once_registered() {
    let h = Harness::new();
    let unknown = h
        .get("/conversation-ai/generations?messageId=m1&source=conversation")
        .await;
    assert_error(
        &unknown,
        StatusCode::BAD_REQUEST,
        json!("No generation details found for the messageId: m1"),
    );
    let details = json!({"prompt": "p", "responseMessage": "r", "actionLogs": [], "history": []});
    h.state
        .store()
        .add_generation(&h.loc(), "m1", "conversation", details.clone());
    let known = h
        .get("/conversation-ai/generations?messageId=m1&source=conversation")
        .await;
    assert_conforms(
        Api::ConversationAi,
        "getGenerationDetails",
        &known,
        StatusCode::OK,
    );
    assert_eq!(known.body, details);
    let other_source = h
        .get("/conversation-ai/generations?messageId=m1&source=workflow")
        .await;
    assert_eq!(other_source.status, StatusCode::BAD_REQUEST);
    let bad_source = h
        .get("/conversation-ai/generations?messageId=m1&source=email")
        .await;
    assert_error(
        &bad_source,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["source must be one of the following values: conversation, workflow"]),
    );
}
