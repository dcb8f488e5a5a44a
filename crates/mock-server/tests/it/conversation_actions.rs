//! Conversation AI actions: create, list, read, replace, delete, typed `details` and follow-up settings.

use axum::http::StatusCode;
use mock_server::Api;
use serde_json::{Value, json};

use crate::support::{Harness, assert_conforms, assert_error};

async fn agent(h: &Harness) -> String {
    h.post(
        "/conversation-ai/agents",
        json!({"name": "A", "personality": "p", "goal": "g", "instructions": "i"}),
    )
    .await
    .id()
}

fn followup() -> Value {
    json!({
        "name": "Nudge",
        "type": "advancedFollowup",
        "details": {
            "enabled": true,
            "scenarioId": "contactStoppedReplying",
            "followupSequence": [{"id": 1.0, "followupTimeUnit": "hours", "followupTime": 4}]
        }
    })
}

#[tokio::test]
async fn an_action_can_be_created_listed_read_replaced_and_deleted() {
    let h = Harness::new();
    let agent_id = agent(&h).await;
    let base = format!("/conversation-ai/agents/{agent_id}/actions");

    let created = h.post(&base, followup()).await;
    assert_conforms(
        Api::ConversationAi,
        "createAction",
        &created,
        StatusCode::CREATED,
    );
    assert_eq!(created.body["success"], true);
    assert_eq!(created.body["data"]["agentId"], json!(agent_id));
    assert_eq!(
        created.body["data"]["details"]["followupSequence"][0]["id"],
        json!(1)
    );
    assert_eq!(
        created.body["data"]["details"]["followupSequence"][0]["aiEnabledMessage"],
        json!(true)
    );
    let id = created.id();

    let listed = h.get(&format!("{base}/list")).await;
    assert_conforms(Api::ConversationAi, "listActions", &listed, StatusCode::OK);
    assert_eq!(listed.body["data"].as_array().map(Vec::len), Some(1));

    let got = h.get(&format!("{base}/{id}")).await;
    assert_conforms(Api::ConversationAi, "getAction", &got, StatusCode::OK);
    assert_eq!(got.body["data"]["name"], "Nudge");

    let agent_view = h.get(&format!("/conversation-ai/agents/{agent_id}")).await;
    assert_eq!(
        agent_view.body["actions"],
        json!([{"id": id, "type": "advancedFollowup"}])
    );

    let replaced = h
        .put(
            &format!("{base}/{id}"),
            json!({"name": "Stop", "type": "stopBot", "details": {
                "stopBotDetectionType": "Goodbye", "stopBotTriggerCondition": "bye", "reactivateEnabled": false,
                "enabled": true, "stopBotExamples": ["bye", "see you"], "finalMessage": "Goodbye!"}}),
        )
        .await;
    assert_conforms(
        Api::ConversationAi,
        "updateAction",
        &replaced,
        StatusCode::OK,
    );
    assert_eq!(replaced.body["data"]["type"], "stopBot");
    assert!(replaced.body["data"]["details"].get("scenarioId").is_none());

    let deleted = h.delete(&format!("{base}/{id}")).await;
    assert_conforms(
        Api::ConversationAi,
        "deleteAction",
        &deleted,
        StatusCode::OK,
    );
    assert_eq!(deleted.body, json!({"data": {"id": id}, "success": true}));
    let again = h.get(&format!("{base}/{id}")).await;
    assert_error(
        &again,
        StatusCode::BAD_REQUEST,
        json!(format!("No Action found for the id: {id}")),
    );
}

#[tokio::test]
async fn an_unknown_action_type_is_an_enum_error() {
    let h = Harness::new();
    let agent_id = agent(&h).await;
    let reply = h
        .post(
            &format!("/conversation-ai/agents/{agent_id}/actions"),
            json!({"name": "x", "type": "dance", "details": {}}),
        )
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "type must be one of the following values: triggerWorkflow, updateContactField, appointmentBooking, stopBot, humanHandOver, advancedFollowup, transferBot"
        ]),
    );
}

#[tokio::test]
async fn details_are_checked_against_the_named_type() {
    let h = Harness::new();
    let agent_id = agent(&h).await;
    let reply = h
        .post(
            &format!("/conversation-ai/agents/{agent_id}/actions"),
            json!({"name": "x", "type": "triggerWorkflow", "details": {"workflowIds": "w1"}}),
        )
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "details.triggerCondition should not be empty",
            "details.workflowIds must be an array"
        ]),
    );
}

#[tokio::test]
async fn an_action_of_an_unknown_agent_is_400() {
    let h = Harness::new();
    let reply = h
        .post("/conversation-ai/agents/nobody/actions", followup())
        .await;
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        json!("No Agent found for the id: nobody"),
    );
    let list = h.get("/conversation-ai/agents/nobody/actions/list").await;
    assert_error(
        &list,
        StatusCode::BAD_REQUEST,
        json!("No Agent found for the id: nobody"),
    );
}

#[tokio::test]
async fn followup_settings_are_written_into_the_listed_actions() {
    let h = Harness::new();
    let agent_id = agent(&h).await;
    let base = format!("/conversation-ai/agents/{agent_id}");
    let first = h.post(&format!("{base}/actions"), followup()).await.id();
    let second = h.post(&format!("{base}/actions"), followup()).await.id();
    let untouched = h.post(&format!("{base}/actions"), followup()).await.id();
    let settings = json!({"dynamicChannelSwitching": false, "timezoneToUse": "contact"});
    let reply = h
        .patch(
            &format!("{base}/followup-settings"),
            json!({"actionIds": [first, second], "followupSettings": settings}),
        )
        .await;
    assert_conforms(
        Api::ConversationAi,
        "updateFollowupSettings",
        &reply,
        StatusCode::OK,
    );
    assert_eq!(reply.body["data"]["id"], json!(first));
    for (id, expected) in [
        (&first, settings.clone()),
        (&second, settings.clone()),
        (&untouched, Value::Null),
    ] {
        let got = h.get(&format!("{base}/actions/{id}")).await;
        assert_eq!(
            got.body["data"]["details"]["followupSettings"], expected,
            "action {id}"
        );
    }
}

#[tokio::test]
async fn followup_settings_for_other_action_types_are_refused_and_change_nothing() {
    let h = Harness::new();
    let agent_id = agent(&h).await;
    let base = format!("/conversation-ai/agents/{agent_id}");
    let good = h.post(&format!("{base}/actions"), followup()).await.id();
    let other = h
        .post(
            &format!("{base}/actions"),
            json!({"name": "wf", "type": "triggerWorkflow", "details": {"workflowIds": ["w"], "triggerCondition": "c"}}),
        )
        .await
        .id();
    let body =
        json!({"actionIds": [good, other], "followupSettings": {"dynamicChannelSwitching": true}});
    let reply = h.patch(&format!("{base}/followup-settings"), body).await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([format!("action {other} is not an advancedFollowup action")]),
    );
    let got = h.get(&format!("{base}/actions/{good}")).await;
    assert_eq!(got.body["data"]["details"]["followupSettings"], Value::Null);
    let unknown = h
        .patch(
            &format!("{base}/followup-settings"),
            json!({"actionIds": ["zzz"], "followupSettings": {"dynamicChannelSwitching": true}}),
        )
        .await;
    assert_error(
        &unknown,
        StatusCode::BAD_REQUEST,
        json!("No Action found for the id: zzz"),
    );
}
