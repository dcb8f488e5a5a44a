//! Call-log listing basics (paging echo, date window, filter validation, unknown ids) and the voices catalog.

use axum::http::StatusCode;
use mock_server::Api;
use mock_server::MockServer;
use serde_json::json;

use crate::support::{Harness, assert_conforms, assert_error};

#[tokio::test]
async fn a_location_without_calls_lists_none_and_echoes_the_paging() {
    let h = Harness::new();
    let reply = h
        .get(&format!(
            "/voice-ai/dashboard/call-logs?locationId={}&page=2&pageSize=20",
            h.loc()
        ))
        .await;
    assert_conforms(Api::VoiceAi, "listCallLogs", &reply, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({"total": 0, "page": 2, "pageSize": 20, "callLogs": []})
    );
}

#[tokio::test]
async fn start_and_end_dates_come_together_and_in_order() {
    let h = Harness::new();
    let base = format!("/voice-ai/dashboard/call-logs?locationId={}", h.loc());
    let only_start = h.get(&format!("{base}&startDate=1679308800000")).await;
    assert_error(
        &only_start,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["endDate should not be empty"]),
    );
    let only_end = h.get(&format!("{base}&endDate=1679308800000")).await;
    assert_error(
        &only_end,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["startDate should not be empty"]),
    );
    let reversed = h
        .get(&format!(
            "{base}&startDate=1679395199000&endDate=1679308800000"
        ))
        .await;
    assert_error(
        &reversed,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["startDate must be less than endDate"]),
    );
    let ok = h
        .get(&format!(
            "{base}&startDate=1679308800000&endDate=1679395199000&timezone=America/New_York"
        ))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn call_log_filters_are_validated() {
    let h = Harness::new();
    let base = format!("/voice-ai/dashboard/call-logs?locationId={}", h.loc());
    let reply = h.get(&format!("{base}&callType=FAKE&sortBy=length")).await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "callType must be one of the following values: LIVE, TRIAL",
            "sortBy must be one of the following values: duration, createdAt"
        ]),
    );
    let listed = h
        .get(&format!(
            "{base}&actionType=SMS,CALL_TRANSFER&contactId=a,b"
        ))
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    // `sort` alone is ignored, as the spec says: accepted, newest first.
    let sort_alone = h.get(&format!("{base}&sort=ascend")).await;
    assert_eq!(sort_alone.status, StatusCode::OK);
}

#[tokio::test]
async fn stored_call_logs_are_listed_newest_first_and_filtered() {
    let h = Harness::new();
    let loc = h.loc();
    let store = h.state.store();
    store.add_call_log(
        &loc,
        json!({"agentId": "a1", "createdAt": "2026-01-01T10:00:00.000Z", "duration": 30}),
    );
    let newest = store.add_call_log(
        &loc,
        json!({"agentId": "a1", "createdAt": "2026-01-02T10:00:00.000Z", "trialCall": true}),
    );
    store.add_call_log(
        &loc,
        json!({"agentId": "a2", "createdAt": "2026-01-03T10:00:00.000Z"}),
    );
    let reply = h
        .get(&format!(
            "/voice-ai/dashboard/call-logs?locationId={loc}&agentId=a1"
        ))
        .await;
    assert_conforms(Api::VoiceAi, "listCallLogs", &reply, StatusCode::OK);
    assert_eq!(reply.body["total"], 2);
    assert_eq!(reply.body["callLogs"][0]["id"], json!(newest));
    let trial = h
        .get(&format!(
            "/voice-ai/dashboard/call-logs?locationId={loc}&callType=TRIAL"
        ))
        .await;
    assert_eq!(trial.body["total"], 1);
    let got = h
        .get(&format!(
            "/voice-ai/dashboard/call-logs/{newest}?locationId={loc}"
        ))
        .await;
    assert_conforms(Api::VoiceAi, "getCallLog", &got, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_call_is_404() {
    let h = Harness::new();
    let reply = h
        .get(&format!(
            "/voice-ai/dashboard/call-logs/000000000000000000000000?locationId={}",
            h.loc()
        ))
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, json!("Call log not found"));
}

#[tokio::test]
async fn voices_are_listed_and_fetched_by_id() {
    let h = Harness::new();
    let reply = h.get("/voice-ai/voices?pageSize=20&language=en-US").await;
    assert_conforms(Api::VoiceAi, "listVoices", &reply, StatusCode::OK);
    assert_eq!(reply.body["total"], 11);
    let id = reply.body["voices"][0]["voiceId"]
        .as_str()
        .expect("a voice id");
    let voice = h.get(&format!("/voice-ai/voices/{id}")).await;
    assert_conforms(Api::VoiceAi, "getVoice", &voice, StatusCode::OK);
    assert_eq!(voice.body["voiceId"], json!(id));
}

#[tokio::test]
async fn a_voices_page_size_over_20_is_422() {
    let h = Harness::new();
    let reply = h.get("/voice-ai/voices?pageSize=21").await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["pageSize must not be greater than 20"]),
    );
}

#[tokio::test]
async fn an_unknown_voice_is_404() {
    let h = Harness::new();
    assert_error(
        &h.get("/voice-ai/voices/nope").await,
        StatusCode::NOT_FOUND,
        json!("Voice not found"),
    );
}

#[tokio::test]
async fn voices_can_be_switched_off() {
    let h = Harness::with(MockServer::builder().voices(false));
    let reply = h.get("/voice-ai/voices").await;
    assert_error(
        &reply,
        StatusCode::NOT_FOUND,
        json!("Cannot GET /voice-ai/voices"),
    );
}
