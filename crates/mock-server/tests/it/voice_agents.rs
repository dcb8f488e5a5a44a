//! Voice AI agents: create with documented defaults, validation messages, paging, patch and delete.

use axum::http::StatusCode;
use mock_server::Api;
use serde_json::{Value, json};

use crate::support::{Harness, assert_conforms, assert_error};

async fn create(h: &Harness, extra: Value) -> Value {
    let mut body = json!({"locationId": h.loc()});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let reply = h.post("/voice-ai/agents", body).await;
    assert_conforms(Api::VoiceAi, "createAgent", &reply, StatusCode::CREATED);
    reply.body
}

#[tokio::test]
async fn creating_an_agent_returns_201_with_an_object_id_and_the_documented_defaults() {
    let h = Harness::new();
    let agent = create(&h, json!({"agentName": "Front Desk"})).await;
    let id = agent["id"].as_str().expect("an id");
    assert_eq!(id.len(), 24);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(agent["agentName"], "Front Desk");
    assert_eq!(agent["locationId"], json!(h.loc()));
    assert_eq!(agent["language"], "en-US");
    assert_eq!(agent["patienceLevel"], "high");
    assert_eq!(agent["maxCallDuration"], 300);
    assert_eq!(agent["sendUserIdleReminders"], true);
    assert_eq!(agent["reminderAfterIdleTimeSeconds"], 8);
    assert_eq!(agent["isAgentAsBackupDisabled"], false);
    assert_eq!(agent["callEndWorkflowIds"], json!([]));
}

#[tokio::test]
async fn an_agent_created_without_a_name_gets_my_agent_and_three_digits() {
    let h = Harness::new();
    let agent = create(&h, json!({})).await;
    let name = agent["agentName"].as_str().expect("a name");
    let digits = name
        .strip_prefix("My Agent ")
        .expect("the documented default");
    assert_eq!(digits.len(), 3);
    assert!(digits.chars().all(|c| c.is_ascii_digit()));
}

#[tokio::test]
async fn whole_floats_are_accepted_where_the_spec_says_integer() {
    let h = Harness::new();
    let agent = create(&h, json!({"maxCallDuration": 600.0})).await;
    assert_eq!(agent["maxCallDuration"], json!(600));
}

#[tokio::test]
async fn unknown_body_fields_are_ignored() {
    let h = Harness::new();
    let agent = create(&h, json!({"agentName": "A", "favouriteColour": "blue"})).await;
    assert!(agent.get("favouriteColour").is_none());
}

#[tokio::test]
async fn creating_without_a_location_id_is_422_naming_the_field() {
    let h = Harness::new();
    let reply = h.post("/voice-ai/agents", json!({"agentName": "A"})).await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["locationId should not be empty"]),
    );
}

#[tokio::test]
async fn every_invalid_field_is_reported_together_in_a_stable_order() {
    let h = Harness::new();
    let body = json!({
        "locationId": h.loc(),
        "agentName": "",
        "maxCallDuration": 10,
        "language": "klingon",
        "callEndWorkflowIds": ["a", 1],
        "agentWorkingHours": [{"dayOfTheWeek": 9, "intervals": [{"startHour": 25, "endHour": 1, "startMinute": 0, "endMinute": 0}]}],
        "timezone": "not a zone"
    });
    let pattern = mock_server::testing::spec::voice_ai()
        .schema("Timezone")
        .and_then(|t| t["pattern"].as_str())
        .expect("the spec declares the timezone pattern")
        .replace('/', "\\/");
    let first = h.post("/voice-ai/agents", body.clone()).await;
    assert_error(
        &first,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "agentName must be longer than or equal to 1 characters",
            "agentWorkingHours.0.dayOfTheWeek must be one of the following values: 1, 2, 3, 4, 5, 6, 7",
            "agentWorkingHours.0.intervals.0.startHour must not be greater than 23",
            "each value in callEndWorkflowIds must be a string",
            "language must be one of the following values: en-US, pt-BR, es, fr, de, it, nl-NL, multi",
            "maxCallDuration must not be less than 180",
            format!("timezone must match /{pattern}/ regular expression")
        ]),
    );
    let second = h.post("/voice-ai/agents", body).await;
    assert_eq!(first.body, second.body);
}

#[tokio::test]
async fn the_translation_rules_of_the_vendor_description_are_enforced() {
    let h = Harness::new();
    let reply = h
        .post(
            "/voice-ai/agents",
            json!({"locationId": h.loc(), "translation": {"enabled": true, "language": "es"}}),
        )
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "translation.enabled can only be true if the agent's language is not en-US",
            "translation.language must be either the agent's language or en-US"
        ]),
    );
    create(
        &h,
        json!({"language": "es", "translation": {"enabled": true, "language": "en-US"}}),
    )
    .await;
}

#[tokio::test]
async fn listing_agents_pages_in_creation_order() {
    let h = Harness::new();
    for i in 0..12 {
        create(&h, json!({"agentName": format!("Agent {i:02}")})).await;
    }
    let reply = h
        .get(&format!(
            "/voice-ai/agents?locationId={}&page=2&pageSize=5",
            h.loc()
        ))
        .await;
    assert_conforms(Api::VoiceAi, "listAgents", &reply, StatusCode::OK);
    assert_eq!(reply.body["total"], 12);
    assert_eq!(reply.body["page"], 2);
    assert_eq!(reply.body["pageSize"], 5);
    let names: Vec<&str> = reply.body["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .filter_map(|a| a["agentName"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Agent 05", "Agent 06", "Agent 07", "Agent 08", "Agent 09"]
    );
    let defaults = h
        .get(&format!("/voice-ai/agents?locationId={}", h.loc()))
        .await;
    assert_eq!(defaults.body["page"], 1);
    assert_eq!(defaults.body["pageSize"], 10);
    assert_eq!(defaults.body["agents"].as_array().map(Vec::len), Some(10));
}

#[tokio::test]
async fn the_list_query_matches_a_case_insensitive_substring_of_the_name() {
    let h = Harness::new();
    create(&h, json!({"agentName": "Front Desk"})).await;
    create(&h, json!({"agentName": "After Hours"})).await;
    let reply = h
        .get(&format!(
            "/voice-ai/agents?locationId={}&query=DESK",
            h.loc()
        ))
        .await;
    assert_eq!(reply.body["total"], 1);
    assert_eq!(reply.body["agents"][0]["agentName"], "Front Desk");
}

#[tokio::test]
async fn page_and_page_size_outside_their_bounds_are_422() {
    let h = Harness::new();
    let loc = h.loc();
    let reply = h
        .get(&format!(
            "/voice-ai/agents?locationId={loc}&page=0&pageSize=51"
        ))
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "page must not be less than 1",
            "pageSize must not be greater than 50"
        ]),
    );
    let reply = h
        .get(&format!("/voice-ai/agents?locationId={loc}&page=5001"))
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["page must not be greater than 5000"]),
    );
    let reply = h
        .get(&format!("/voice-ai/agents?locationId={loc}&pageSize=abc"))
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["pageSize must be an integer number"]),
    );
    let reply = h
        .get(&format!(
            "/voice-ai/agents?locationId={loc}&page=5000&pageSize=50"
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["agents"], json!([]));
}

#[tokio::test]
async fn listing_without_a_location_id_is_422() {
    let h = Harness::new();
    let reply = h.get("/voice-ai/agents").await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["locationId should not be empty"]),
    );
}

#[tokio::test]
async fn getting_an_agent_includes_its_actions() {
    let h = Harness::new();
    let agent = create(&h, json!({"agentName": "A"})).await;
    let id = agent["id"].as_str().expect("id");
    let action = h
        .post(
            "/voice-ai/actions",
            json!({"agentId": id, "locationId": h.loc(), "name": "Kb", "actionType": "KNOWLEDGE_BASE",
                   "actionParameters": {"triggerPrompt": "questions", "knowledgeBaseId": "kb1"}}),
        )
        .await;
    assert_eq!(action.status, StatusCode::CREATED);
    let reply = h
        .get(&format!("/voice-ai/agents/{id}?locationId={}", h.loc()))
        .await;
    assert_conforms(Api::VoiceAi, "getAgent", &reply, StatusCode::OK);
    assert_eq!(reply.body["actions"].as_array().map(Vec::len), Some(1));
    assert_eq!(reply.body["actions"][0]["name"], "Kb");
}

#[tokio::test]
async fn patching_changes_only_the_fields_sent() {
    let h = Harness::new();
    let agent = create(&h, json!({"agentName": "Before", "businessName": "Biz"})).await;
    let id = agent["id"].as_str().expect("id");
    let reply = h
        .patch(
            &format!("/voice-ai/agents/{id}?locationId={}", h.loc()),
            json!({"agentName": "After", "timezone": "America/Argentina/Buenos_Aires"}),
        )
        .await;
    assert_conforms(Api::VoiceAi, "patchAgent", &reply, StatusCode::OK);
    let mut expected = agent.clone();
    expected["agentName"] = json!("After");
    expected["timezone"] = json!("America/Argentina/Buenos_Aires");
    assert_eq!(reply.body, expected);
    let fetched = h
        .get(&format!("/voice-ai/agents/{id}?locationId={}", h.loc()))
        .await;
    assert_eq!(fetched.body["agentName"], "After");
    assert_eq!(fetched.body["businessName"], "Biz");
}

#[tokio::test]
async fn a_rejected_patch_changes_nothing() {
    let h = Harness::new();
    let agent = create(&h, json!({"agentName": "Keep"})).await;
    let id = agent["id"].as_str().expect("id");
    let uri = format!("/voice-ai/agents/{id}?locationId={}", h.loc());
    let reply = h
        .patch(
            &uri,
            json!({"agentName": "Changed", "maxCallDuration": 5000}),
        )
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["maxCallDuration must not be greater than 900"]),
    );
    let reply = h
        .patch(
            &uri,
            json!({"agentName": "Changed", "translation": {"enabled": true, "language": "es"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fetched = h.get(&uri).await;
    assert_eq!(fetched.body["agentName"], "Keep");
}

#[tokio::test]
async fn deleting_an_agent_returns_204_and_removes_its_actions() {
    let h = Harness::new();
    let agent = create(&h, json!({})).await;
    let id = agent["id"].as_str().expect("id");
    let action = h
        .post(
            "/voice-ai/actions",
            json!({"agentId": id, "locationId": h.loc(), "name": "Kb", "actionType": "KNOWLEDGE_BASE",
                   "actionParameters": {"triggerPrompt": "q", "knowledgeBaseId": "kb1"}}),
        )
        .await;
    let action_id = action.id();
    let reply = h
        .delete(&format!("/voice-ai/agents/{id}?locationId={}", h.loc()))
        .await;
    assert_conforms(Api::VoiceAi, "deleteAgent", &reply, StatusCode::NO_CONTENT);
    let gone = h
        .get(&format!("/voice-ai/agents/{id}?locationId={}", h.loc()))
        .await;
    assert_error(&gone, StatusCode::NOT_FOUND, json!("Agent not found"));
    let action_gone = h
        .get(&format!(
            "/voice-ai/actions/{action_id}?locationId={}",
            h.loc()
        ))
        .await;
    assert_error(
        &action_gone,
        StatusCode::NOT_FOUND,
        json!("Action not found"),
    );
}

#[tokio::test]
async fn an_unknown_agent_is_404_in_the_vendor_shape_for_every_operation() {
    let h = Harness::new();
    let uri = format!(
        "/voice-ai/agents/000000000000000000000000?locationId={}",
        h.loc()
    );
    assert_error(
        &h.get(&uri).await,
        StatusCode::NOT_FOUND,
        json!("Agent not found"),
    );
    assert_error(
        &h.patch(&uri, json!({})).await,
        StatusCode::NOT_FOUND,
        json!("Agent not found"),
    );
    assert_error(
        &h.delete(&uri).await,
        StatusCode::NOT_FOUND,
        json!("Agent not found"),
    );
}

#[tokio::test]
async fn agents_of_one_location_are_invisible_from_another() {
    let h = Harness::with(mock_server::MockServer::builder().dev_token_any_location(true));
    let agent = create(&h, json!({})).await;
    let id = agent["id"].as_str().expect("id");
    let reply = h
        .get(&format!(
            "/voice-ai/agents/{id}?locationId=otherLocation0000001"
        ))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let list = h
        .get("/voice-ai/agents?locationId=otherLocation0000001")
        .await;
    assert_eq!(list.body["total"], 0);
}
