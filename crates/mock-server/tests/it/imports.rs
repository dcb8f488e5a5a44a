//! Imports of state documents (`PUT /__mock/state`, `AppState::import_state`) are checked with
//! the API's own rules: every problem is listed with its JSON path, and nothing changes.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use mock_server::Fixtures;
use mock_server::MockServer;
use serde_json::{Value, json};

use crate::support::{Harness, Reply, send_to};

fn demo() -> Harness {
    Harness::with(MockServer::builder().fixtures(Fixtures::demo(1)))
}

async fn put_state(h: &Harness, document: &Value) -> Reply {
    let request = Request::builder()
        .method(Method::PUT)
        .uri("/__mock/state")
        .header("Content-Type", "application/json")
        .body(Body::from(document.to_string()))
        .expect("a valid request");
    send_to(&h.state, request).await
}

/// Every observable part of the state an import replaces.
fn snapshot(h: &Harness) -> (Value, usize) {
    (h.state.export_state(), h.state.registered_tokens().len())
}

/// One bad edit of the demo's exported document, and the problem it must be reported as.
struct Case {
    name: &'static str,
    edit: fn(&mut Value, &str),
    message: fn(&str) -> String,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "maxCallDuration is not a number",
            edit: |doc, loc| {
                doc["locations"][loc]["voiceAgents"][0]["body"]["maxCallDuration"] = json!("x")
            },
            message: |loc| {
                format!(
                    "locations.{loc}.voiceAgents.0.body.maxCallDuration must be an integer number"
                )
            },
        },
        Case {
            name: "agentName is a number",
            edit: |doc, loc| {
                doc["locations"][loc]["voiceAgents"][1]["body"]["agentName"] = json!(5)
            },
            message: |loc| format!("locations.{loc}.voiceAgents.1.body.agentName must be a string"),
        },
        Case {
            name: "an action of an agent that does not exist",
            edit: |doc, loc| {
                doc["locations"][loc]["voiceActions"][0]["agentId"] =
                    json!("000000000000000000000000")
            },
            message: |loc| {
                format!(
                    "locations.{loc}.voiceActions.0.agentId: no Voice AI agent 000000000000000000000000 in this location"
                )
            },
        },
        Case {
            name: "a duplicate id",
            edit: |doc, loc| {
                let agents = doc["locations"][loc]["conversationAgents"]
                    .as_array_mut()
                    .expect("the demo has conversation agents");
                let mut copy = agents[0].clone();
                copy["seq"] = json!(999);
                agents.push(copy);
            },
            message: |loc| {
                format!(
                    "locations.{loc}.conversationAgents.2.id: duplicate id (also at locations.{loc}.conversationAgents.0)"
                )
            },
        },
        Case {
            name: "a webhook URL the subscription route refuses",
            edit: |doc, _| {
                doc["webhookSubscriptions"] =
                    json!([{"id": "sub-1", "url": "ftp://127.0.0.1/hook"}])
            },
            message: |_| {
                let refusal = mock_server::check_url("ftp://127.0.0.1/hook")
                    .expect_err("the subscription route refuses ftp://");
                format!("webhookSubscriptions.0.url: {refusal}")
            },
        },
        Case {
            name: "a call log whose duration is text",
            edit: |doc, loc| doc["locations"][loc]["callLogs"][0]["duration"] = json!("abc"),
            message: |loc| {
                format!(
                    "locations.{loc}.callLogs.0.duration must be a number conforming to the specified constraints"
                )
            },
        },
    ]
}

#[tokio::test]
async fn each_bad_import_of_the_issue_is_refused_with_its_path_and_changes_nothing() {
    for case in cases() {
        let h = demo();
        let loc = h.loc();
        let mut document = h.state.export_state();
        (case.edit)(&mut document, &loc);
        let before = snapshot(&h);

        let reply = put_state(&h, &document).await;

        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{}: {}",
            case.name,
            reply.body
        );
        assert_eq!(reply.body["error"], "Bad Request", "{}", case.name);
        assert_eq!(
            reply.body["message"],
            json!([(case.message)(&loc)]),
            "{}",
            case.name
        );
        assert_eq!(snapshot(&h), before, "{}: nothing changed", case.name);
    }
}

#[tokio::test]
async fn a_document_with_every_problem_at_once_lists_them_all() {
    let h = demo();
    let loc = h.loc();
    let mut document = h.state.export_state();
    let mut expected = Vec::new();
    for case in cases() {
        (case.edit)(&mut document, &loc);
        expected.push((case.message)(&loc));
    }
    let before = snapshot(&h);

    let reply = put_state(&h, &document).await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let mut listed: Vec<String> = reply.body["message"]
        .as_array()
        .expect("a list of problems")
        .iter()
        .map(|m| m.as_str().expect("text").to_owned())
        .collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(snapshot(&h), before);
}

#[tokio::test]
async fn an_exported_document_still_imports_after_the_checks() {
    let source = demo();
    source
        .state
        .generate_call_logs(&source.loc(), 25)
        .expect("the demo has agents");
    source
        .state
        .add_webhook_subscription("http://127.0.0.1:9/hook")
        .expect("an http URL");
    let target = Harness::new();

    let reply = put_state(&target, &source.state.export_state()).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        target.state.export_state()["locations"],
        source.state.export_state()["locations"]
    );
}

#[tokio::test]
async fn a_translation_the_api_refuses_is_refused_on_import_too() {
    let h = demo();
    let loc = h.loc();
    let mut document = h.state.export_state();
    document["locations"][&loc]["voiceAgents"][0]["body"]["translation"] =
        json!({"enabled": true, "language": "fr"});
    document["locations"][&loc]["voiceAgents"][0]["body"]["language"] = json!("en-US");

    let reply = put_state(&h, &document).await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(
        reply.body["message"],
        json!([
            format!(
                "locations.{loc}.voiceAgents.0.body.translation.enabled can only be true if the agent's language is not en-US"
            ),
            format!(
                "locations.{loc}.voiceAgents.0.body.translation.language must be either the agent's language or en-US"
            ),
        ])
    );
}
