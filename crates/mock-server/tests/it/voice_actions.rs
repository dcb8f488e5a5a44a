//! Voice AI actions: create, read, update, delete, and parameters checked against the variant `actionType` names.

use axum::http::StatusCode;
use mock_server::Api;
use serde_json::{Value, json};

use crate::support::{Harness, assert_conforms, assert_error};

async fn agent(h: &Harness) -> String {
    let reply = h
        .post("/voice-ai/agents", json!({"locationId": h.loc()}))
        .await;
    reply.id()
}

fn sms(h: &Harness, agent_id: &str) -> Value {
    json!({
        "agentId": agent_id,
        "locationId": h.loc(),
        "name": "Text the link",
        "actionType": "SMS",
        "actionParameters": {"triggerPrompt": "wants a link", "triggerMessage": "Texting you", "messageBody": "https://x"}
    })
}

#[tokio::test]
async fn creating_an_action_for_an_existing_agent_returns_201() {
    let h = Harness::new();
    let agent_id = agent(&h).await;
    let reply = h.post("/voice-ai/actions", sms(&h, &agent_id)).await;
    assert_conforms(Api::VoiceAi, "createAction", &reply, StatusCode::CREATED);
    assert_eq!(reply.body["actionType"], "SMS");
    assert_eq!(reply.body["actionParameters"]["messageBody"], "https://x");
    assert_eq!(reply.id().len(), 24);
}

#[tokio::test]
async fn creating_an_action_for_an_unknown_agent_is_404() {
    let h = Harness::new();
    let reply = h
        .post("/voice-ai/actions", sms(&h, "000000000000000000000000"))
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, json!("Agent not found"));
}

#[tokio::test]
async fn an_unknown_action_type_is_reported_as_an_enum_error() {
    let h = Harness::new();
    let agent_id = agent(&h).await;
    let mut body = sms(&h, &agent_id);
    body["actionType"] = json!("FAX");
    let reply = h.post("/voice-ai/actions", body).await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "actionType must be one of the following values: CALL_TRANSFER, DATA_EXTRACTION, IN_CALL_DATA_EXTRACTION, WORKFLOW_TRIGGER, SMS, APPOINTMENT_BOOKING, CUSTOM_ACTION, KNOWLEDGE_BASE"
        ]),
    );
}

#[tokio::test]
async fn the_parameters_are_checked_against_the_variant_the_action_type_names() {
    let h = Harness::new();
    let agent_id = agent(&h).await;
    let mut body = sms(&h, &agent_id);
    body["actionType"] = json!("CALL_TRANSFER");
    body["actionParameters"] =
        json!({"triggerPrompt": 5, "transferToType": "email", "triggerMessage": "ok"});
    let reply = h.post("/voice-ai/actions", body).await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "actionParameters.transferToType must be one of the following values: number",
            "actionParameters.transferToValue should not be empty",
            "actionParameters.triggerPrompt must be a string"
        ]),
    );
}

#[tokio::test]
async fn missing_action_fields_are_each_named() {
    let h = Harness::new();
    let reply = h.post("/voice-ai/actions", json!({})).await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "agentId should not be empty",
            "locationId should not be empty",
            "name should not be empty",
            "actionType should not be empty"
        ]),
    );
}

#[tokio::test]
async fn an_action_can_be_read_updated_and_deleted() {
    let h = Harness::new();
    let agent_id = agent(&h).await;
    let id = h.post("/voice-ai/actions", sms(&h, &agent_id)).await.id();
    let loc = h.loc();

    let got = h
        .get(&format!("/voice-ai/actions/{id}?locationId={loc}"))
        .await;
    assert_conforms(Api::VoiceAi, "getAction", &got, StatusCode::OK);
    assert_eq!(got.body["name"], "Text the link");

    let update = json!({
        "agentId": agent_id, "locationId": loc, "name": "Send workflow",
        "actionType": "WORKFLOW_TRIGGER",
        "actionParameters": {"triggerPrompt": "p", "triggerMessage": "m", "workflowId": "wf1"}
    });
    let updated = h.put(&format!("/voice-ai/actions/{id}"), update).await;
    assert_conforms(Api::VoiceAi, "updateAction", &updated, StatusCode::OK);
    assert_eq!(updated.body["actionType"], "WORKFLOW_TRIGGER");
    assert!(
        updated.body["actionParameters"]
            .get("messageBody")
            .is_none()
    );

    let wrong_agent = h
        .delete(&format!(
            "/voice-ai/actions/{id}?locationId={loc}&agentId=000000000000000000000000"
        ))
        .await;
    assert_error(
        &wrong_agent,
        StatusCode::NOT_FOUND,
        json!("Agent not found"),
    );
    let deleted = h
        .delete(&format!(
            "/voice-ai/actions/{id}?locationId={loc}&agentId={agent_id}"
        ))
        .await;
    assert_conforms(
        Api::VoiceAi,
        "deleteAction",
        &deleted,
        StatusCode::NO_CONTENT,
    );
    let again = h
        .delete(&format!(
            "/voice-ai/actions/{id}?locationId={loc}&agentId={agent_id}"
        ))
        .await;
    assert_error(&again, StatusCode::NOT_FOUND, json!("Action not found"));
}

#[tokio::test]
async fn an_action_of_another_agent_cannot_be_updated_through_this_one() {
    let h = Harness::new();
    let first = agent(&h).await;
    let second = agent(&h).await;
    let id = h.post("/voice-ai/actions", sms(&h, &first)).await.id();
    let reply = h
        .put(&format!("/voice-ai/actions/{id}"), sms(&h, &second))
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, json!("Action not found"));
}

#[tokio::test]
async fn deleting_an_action_needs_the_agent_id_and_location_id() {
    let h = Harness::new();
    let reply = h.delete("/voice-ai/actions/abc").await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "locationId should not be empty",
            "agentId should not be empty"
        ]),
    );
}
